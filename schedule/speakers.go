package schedule

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
)

// A Sched title names its speakers after the last dash:
//
//	Title - Speaker, Org & Speaker, Org
//	Title - Sascha Grunert & Swati Sehgal, Red Hat; Alexander Kanevskiy, Intel
//	Title - Jane Doe, Vice President, Product, Acme
//
// Groups of people are separated by ";"; people by " & ", " and " and commas;
// each group ends with the organisation its people share, sometimes after
// job titles. talkbot's own replies write speakers the same way after " — ",
// so a reply line pasted back reads the same.

// reSpeakerDash finds the dashes that may start a speaker list: " - ", an em
// or en dash between spaces, a dash glued to the end of the title
// ("Metal3?- Name") or to the first name ("Ready? -Chad").
var reSpeakerDash = regexp.MustCompile(`\s+[-–—]\s+|\S-\s+|\s+-\p{Lu}`)

// SplitTitle splits a Sched-style title into the title proper and its
// speakers. ok is false when nothing after a dash reads as people, as in
// "KEDA - Real Time And Serverless Scaling in Kubernetes".
func SplitTitle(s string) (title string, speakers []talkbot.Speaker, ok bool) {
	locs := reSpeakerDash.FindAllStringIndex(s, -1)
	for i := len(locs) - 1; i >= 0; i-- { // the last dash that starts a list of people
		from, to := locs[i][0], locs[i][1]
		if !unicode.IsSpace(rune(s[from])) {
			from++ // "Metal3?- Name": the "?" stays in the title
		}
		if s[to-1] != ' ' && s[to-1] != '\t' {
			to-- // " -Chad": the "C" starts the name
		}
		head, tail := strings.TrimSpace(s[:from]), strings.TrimSpace(s[to:])
		if head == "" || tail == "" {
			continue
		}
		if sp, ok := ParseSpeakers(tail); ok {
			return head, sp, true
		}
	}
	return s, nil, false
}

// ParseSpeakers reads a speaker list in Sched's style. ok is false when it
// does not read as people.
func ParseSpeakers(s string) ([]talkbot.Speaker, bool) {
	s = strings.Join(strings.Fields(s), " ")
	s = trimFinalPeriod(s)
	if s == "" || strings.ContainsAny(s, ":?![]{}") {
		return nil, false
	}
	var out []talkbot.Speaker
	for _, g := range strings.Split(s, ";") {
		people, ok := parseGroup(strings.TrimSpace(g))
		if !ok {
			return nil, false
		}
		out = append(out, people...)
	}
	return out, len(out) > 0
}

// trimFinalPeriod drops the period that ends a sentence ("…, Codefresh.")
// but keeps one that belongs to an abbreviation ("Styra, Inc.").
func trimFinalPeriod(s string) string {
	if !strings.HasSuffix(s, ".") {
		return s
	}
	last := s[strings.LastIndexAny(s, " ,")+1:]
	if abbreviations[strings.ToLower(last)] || reInitials.MatchString(last) {
		return s
	}
	return strings.TrimSuffix(s, ".")
}

var reInitials = regexp.MustCompile(`^(?:\p{L}\.){2,}$`) // S.A., B.V., e.V.

var abbreviations = map[string]bool{"inc.": true, "ltd.": true, "co.": true, "corp.": true, "jr.": true, "sr.": true, "bros.": true, "llc.": true}

// piece is a part of a group: a comma-separated item, or part of one split
// at " & " or " and ".
type piece struct {
	text      string
	newPerson bool // starts another person
}

var reAnd = regexp.MustCompile(` (?:&|and) `)

// parseGroup reads one group of people: "A & B, Org", "A, B, and C, Org",
// "A, Job Title, Org & D, Org2", "A, Org, Job & Job, Org2".
func parseGroup(g string) ([]talkbot.Speaker, bool) {
	if g == "" {
		return nil, false
	}
	items := strings.Split(g, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	// The pieces, each person's name first, then their job titles and organisations.
	var ps []piece
	for i, it := range items {
		for j, p := range splitPieces(it) {
			if j == 0 && i > 0 {
				if t, ok := strings.CutPrefix(p.text, "and "); ok {
					p = piece{text: t, newPerson: true} // "A, B, and C, Org"
				} else if t, ok := strings.CutPrefix(p.text, "& "); ok {
					p = piece{text: t, newPerson: true}
				}
			}
			ps = append(ps, p)
		}
	}
	ps[0].newPerson = true
	ps = mergeOrgSuffixes(ps)
	markListedNames(ps)

	var out []talkbot.Speaker
	pending := 0 // out[pending:] are waiting for the organisation they share
	for i := 0; i < len(ps); {
		name := stripHostedBy(ps[i].text)
		if !looksLikePerson(name, true) {
			return nil, false
		}
		out = append(out, talkbot.Speaker{Name: name})
		j := i + 1
		for j < len(ps) && !ps[j].newPerson {
			j++
		}
		if org := orgOf(ps[i+1 : j]); org != "" {
			for k := pending; k < len(out); k++ {
				out[k].Org = org
			}
			pending = len(out)
		} else if j > i+1 && j == len(ps) {
			pending = len(out) // only job titles, and nobody after: no organisation
		}
		i = j
	}
	return out, true
}

// orgOf picks the organisation out of what follows a name: the last item
// that is not a job title, plus any other organisation followed by a job
// title there ("Community Manager, Kubewarden & Core Maintainer, Helm").
func orgOf(attrs []piece) string {
	var orgs []string
	for k, a := range attrs {
		if isRole(a.text) {
			continue
		}
		if k == len(attrs)-1 || isRole(attrs[k+1].text) {
			orgs = append(orgs, a.text)
		}
	}
	return strings.Join(orgs, ", ")
}

// markListedNames finds the people that commas alone separate. After a
// name, a run of items that read as people and ends where another person with
// an organisation starts is a list of names sharing that organisation
// ("A, B & C, Org"; "A, B, C & D, Org"). After an organisation, an item that
// reads as a person starts the next person ("A, OrgA, B, OrgB and C, OrgC").
func markListedNames(ps []piece) {
	for i := 1; i < len(ps); i++ {
		if ps[i].newPerson || isRole(ps[i].text) || !looksLikePerson(ps[i].text, false) || isOrgish(ps[i].text) {
			continue
		}
		prev := ps[i-1]
		if !prev.newPerson { // after an organisation (job titles keep their place)
			if !isRole(prev.text) {
				ps[i].newPerson = true
			}
			continue
		}
		k := i
		for k < len(ps) && !ps[k].newPerson && !isRole(ps[k].text) && looksLikePerson(ps[k].text, false) && !isOrgish(ps[k].text) {
			k++
		}
		if k < len(ps) && ps[k].newPerson && hasAttrs(ps, k) {
			for x := i; x < k; x++ {
				ps[x].newPerson = true
			}
			i = k
		}
	}
}

// hasAttrs reports whether the person starting at ps[k] has anything after their name.
func hasAttrs(ps []piece, k int) bool {
	return k+1 < len(ps) && !ps[k+1].newPerson
}

// splitPieces splits an item at " & " and " and " where what follows reads
// as a person or a job title; elsewhere the conjunction is part of a name,
// as in "The Institute for Ethical AI & Machine Learning".
func splitPieces(it string) []piece {
	idx := reAnd.FindAllStringIndex(it, -1)
	if len(idx) == 0 {
		return []piece{{text: it}}
	}
	var out []piece
	start := 0
	cur := piece{}
	for _, loc := range idx {
		right := it[loc[1]:]
		if k := reAnd.FindStringIndex(right); k != nil {
			right = right[:k[0]]
		}
		right = strings.TrimSpace(right)
		switch {
		case isJobTitle(right):
			cur.text = strings.TrimSpace(cur.text + it[start:loc[0]])
			out = append(out, cur)
			cur, start = piece{}, loc[1]
		case looksLikePerson(right, false) && !isOrgish(right):
			cur.text = strings.TrimSpace(cur.text + it[start:loc[0]])
			out = append(out, cur)
			cur, start = piece{newPerson: true}, loc[1]
		}
	}
	cur.text = strings.TrimSpace(cur.text + it[start:])
	return append(out, cur)
}

// mergeOrgSuffixes joins "Styra" and "Inc." back into "Styra, Inc.".
func mergeOrgSuffixes(ps []piece) []piece {
	var out []piece
	for _, p := range ps {
		if n := len(out); n > 0 && !p.newPerson && (orgSuffixes[strings.ToLower(strings.TrimSuffix(p.text, "."))] || reInitials.MatchString(p.text)) {
			out[n-1].text += ", " + p.text
			continue
		}
		out = append(out, p)
	}
	return out
}

var orgSuffixes = map[string]bool{"inc": true, "ltd": true, "llc": true, "gmbh": true, "ag": true, "co": true, "corp": true,
	"plc": true, "sa": true, "bv": true, "oy": true, "ab": true, "as": true, "srl": true, "spa": true, "kk": true, "pty ltd": true}

var reHostedBy = regexp.MustCompile(`^(?i)(?:moderated|hosted|presented|led|facilitated) by\s+`)

func stripHostedBy(s string) string { return reHostedBy.ReplaceAllString(s, "") }

// looksLikePerson reports whether s reads as a person's name: one to six
// words that start with a capital (or a letter without case, as in Chinese
// or Japanese names), name particles aside, no digits or session words. A
// one-word name counts only where a person must stand (alone is true).
func looksLikePerson(s string, alone bool) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 6 || (len(words) == 1 && !alone) {
		return false
	}
	if notNames[strings.ToLower(words[0])] {
		return false
	}
	named := 0
	for _, w := range words {
		if nick := strings.Trim(w, `"“”()'`); nick != w && named > 0 {
			w = nick // a nickname: Mauricio "Salaboy" Salatino, Vaclav (Oisin) Haken
			if w == "" {
				return false
			}
		}
		lw := strings.ToLower(w)
		if nameParticles[lw] && named > 0 {
			continue
		}
		if sessionWords[lw] || roleWords[strings.Trim(lw, ".")] || strings.ContainsAny(w, "0123456789:?!/@|&") {
			return false
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) || unicode.IsLower(r) || strings.ContainsFunc(w, isHiragana) {
			return false // hiragana: particles of a Japanese subtitle (基礎から実践まで), names are in kanji
		}
		named++
	}
	return named > 0 && !(len(words) == 1 && commonWords[strings.ToLower(words[0])])
}

func isHiragana(r rune) bool { return unicode.Is(unicode.Hiragana, r) }

// isRole reports whether s is a job title ("Staff Developer Advocate",
// "Maintainer", "Vice President") or a department ("Product").
func isRole(s string) bool {
	words := strings.Fields(strings.ToLower(s))
	return isJobTitle(s) || len(words) == 1 && departments[words[0]]
}

// isJobTitle reports whether s names a job: one of its words is a job word.
func isJobTitle(s string) bool {
	words := strings.Fields(strings.ToLower(s))
	if len(words) == 0 || len(words) > 8 {
		return false
	}
	for _, w := range words {
		if roleWords[strings.Trim(w, ".,()")] {
			return true
		}
	}
	return false
}

// isOrgish reports whether s reads as an organisation rather than a person.
func isOrgish(s string) bool {
	if knownOrgs[strings.ToLower(s)] {
		return true
	}
	words := strings.Fields(s)
	for _, w := range words {
		lw := strings.ToLower(strings.Trim(w, ".,"))
		if orgWords[lw] || strings.ContainsAny(w, "0123456789") || strings.Contains(strings.TrimSuffix(w, "."), ".") && !reInitial.MatchString(w) {
			return true // Solo.io, 1KOMMA5°
		}
		if utf8.RuneCountInString(w) >= 3 && w == strings.ToUpper(w) && strings.ToLower(w) != w {
			return true // an acronym: IBM, NVIDIA, SAP Labs
		}
	}
	return len(words) > 0 && strings.EqualFold(words[0], "the")
}

var reInitial = regexp.MustCompile(`^\p{Lu}\.?$|^(?:\p{Lu}\.){1,3}$`)

// FormatSpeakers writes speakers the way SplitTitle reads them:
// "A & B, Org", "A, OrgA & B, OrgB", "A, OrgA; B & C, OrgB; D, OrgC".
func FormatSpeakers(ss []talkbot.Speaker) string {
	type group struct {
		names []string
		org   string
	}
	var gs []group
	for _, s := range ss {
		if n := len(gs); n > 0 && gs[n-1].org == s.Org {
			gs[n-1].names = append(gs[n-1].names, s.Name)
			continue
		}
		gs = append(gs, group{names: []string{s.Name}, org: s.Org})
	}
	parts := make([]string, len(gs))
	semicolons := len(gs) > 2
	for i, g := range gs {
		names := strings.Join(g.names, " & ") // people without an organisation
		if n := len(g.names); n > 1 && g.org != "" {
			names = strings.Join(g.names[:n-1], ", ") + " & " + g.names[n-1]
		}
		if g.org != "" {
			names += ", " + g.org
		} else if i < len(gs)-1 {
			semicolons = true // "A & B, Org" would give A the org
		}
		parts[i] = names
	}
	if semicolons {
		return strings.Join(parts, "; ")
	}
	return strings.Join(parts, " & ")
}
