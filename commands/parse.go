package commands

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
)

// cleanText rejects invalid UTF-8 and strips control characters (newlines and
// tabs become spaces, except that newlines are kept inside notes).
func cleanText(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", talkbot.Errorf(talkbot.EINVALID, "That message is not valid UTF-8 text; please type it again.")
	}
	if len(s) > talkbot.MaxLineBytes {
		return "", talkbot.Errorf(talkbot.EINVALID, "That message is too long (over %d bytes); notes can be up to %d characters.", talkbot.MaxLineBytes, talkbot.MaxNoteLen)
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r), r == '\u200b', r == '\u2028', r == '\u2029', r == '\ufeff':
			return -1
		}
		return r
	}, s), nil
}

// stripPrefix removes a leading `talk`, `/talk` or `!talk` from a message.
func stripPrefix(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"/talk", "!talk", "talk"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) && (len(s) == len(p) || s[len(p)] == ' ' || s[len(p)] == '\n') {
			return strings.TrimSpace(s[len(p):])
		}
	}
	return s
}

// splitFreeText splits off the free text after the first ` -- ` (or an em
// dash that a phone or chat client made of it) outside quotes, so
// `add "Kubernetes — The Hard Way"` keeps its title whole.
func splitFreeText(s string) (head, free string, ok bool) {
	t := " " + s + " " // so a separator may open or close the text
	var closer rune
	for i, r := range t {
		switch {
		case closer != 0:
			if r == closer {
				closer = 0
			}
		case quotePairs[r] != 0:
			closer = quotePairs[r]
		case r == ' ':
			for _, sep := range []string{" -- ", " — ", " –– "} {
				if strings.HasPrefix(t[i:], sep) {
					return strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+len(sep):]), true
				}
			}
		}
	}
	return strings.TrimSpace(s), "", false
}

// token is one word of a command, or a quoted phrase.
type token struct {
	text   string
	quoted bool
}

var quotePairs = map[rune]rune{'"': '"', '“': '”', '„': '“', '«': '»'}

// tokenize splits s on spaces, keeping "quoted phrases" (straight or curly
// quotes) together; a quote may open inside a word, as in speakers:"A, B".
func tokenize(s string) []token {
	var out []token
	var cur strings.Builder
	quoted, inWord := false, false
	var closer rune
	flush := func() {
		if inWord {
			out = append(out, token{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
		quoted, inWord = false, false
	}
	for _, r := range s {
		switch {
		case closer != 0:
			if r == closer {
				closer = 0
			} else {
				cur.WriteRune(r)
			}
		case quotePairs[r] != 0:
			closer, quoted, inWord = quotePairs[r], true, true
		case unicode.IsSpace(r):
			flush()
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return out
}

func joinTokens(ts []token) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = t.text
	}
	return strings.Join(parts, " ")
}

var (
	reSlashRating = regexp.MustCompile(`^(\d+)/5$`)
	reStarRating  = regexp.MustCompile(`^\*(\d+)$`)
	reStars       = regexp.MustCompile(`^[★☆]+$`)
	reTalkID      = regexp.MustCompile(`^#(\d+)$`)
	reBadTag      = regexp.MustCompile(`^#\d+\p{L}`)
	reTag         = regexp.MustCompile(`^#(\p{L}[\p{L}\p{N}_.+-]*)$`)
	reScheme      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	reOption      = regexp.MustCompile(`^(?i)(speakers?|event|room|day|tags?):(.*)$`)
	reDate        = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// parseRating reads a rating token (`4/5`, `*4`, `★★★★☆`). ok is false when the
// token is not a rating at all; err is set when it is one but out of range.
func parseRating(s string) (n int, ok bool, err error) {
	switch {
	case reSlashRating.MatchString(s):
		n, _ = strconv.Atoi(reSlashRating.FindStringSubmatch(s)[1])
	case reStarRating.MatchString(s):
		n, _ = strconv.Atoi(reStarRating.FindStringSubmatch(s)[1])
	case reStars.MatchString(s):
		n = strings.Count(s, "★")
		if utf8.RuneCountInString(s) > 5 {
			n = 6
		}
	default:
		return 0, false, nil
	}
	if n < 1 || n > 5 {
		return n, true, errRatingRange
	}
	return n, true, nil
}

var errRatingRange = talkbot.Errorf(talkbot.EINVALID, "Ratings go from 1 to 5: try `5/5`, `*4` or `★★★`.")

// opts are the options found in a command's text.
type opts struct {
	rating       int
	tags         []string
	talkID       int64
	scheduleURL  string
	scheduleID   string
	recordingURL string
	speakers     []string
	hasSpeakers  bool
	event, room  string
	day          string
	rest         []token // what is left: the title or talk reference
}

// greedyOptions take values with spaces ("room:Flex Room"): the value runs on to the next option.
var greedyOptions = map[string]bool{"speakers": true, "speaker": true, "event": true, "room": true}

// parseOptions takes option tokens out of ts, wherever they stand.
func parseOptions(ts []token) (opts, error) {
	var o opts
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.quoted && !reOption.MatchString(t.text) {
			o.rest = append(o.rest, t)
			continue
		}
		s := t.text
		if n, ok, err := parseRating(s); ok {
			if err != nil {
				return o, err
			}
			if o.rating != 0 && o.rating != n {
				return o, talkbot.Errorf(talkbot.EINVALID, "That has two ratings (%d and %d); give one.", o.rating, n)
			}
			o.rating = n
			continue
		}
		if m := reTalkID.FindStringSubmatch(s); m != nil && o.talkID == 0 {
			id, err := strconv.ParseInt(m[1], 10, 64)
			if err != nil {
				return o, talkbot.Errorf(talkbot.EINVALID, "%s is not a talk number I know.", s)
			}
			o.talkID = id
			continue
		}
		if m := reTag.FindStringSubmatch(s); m != nil {
			if err := o.addTags(m[1]); err != nil {
				return o, err
			}
			continue
		}
		if reBadTag.MatchString(s) {
			return o, talkbot.Errorf(talkbot.EINVALID, "%s is neither a talk id (#12) nor a tag (tags start with a letter, like #ebpf).", truncate(s, 40))
		}
		if reScheme.MatchString(s) {
			if err := o.addURL(s); err != nil {
				return o, err
			}
			continue
		}
		if m := reOption.FindStringSubmatch(s); m != nil {
			key, val := strings.ToLower(m[1]), m[2]
			if greedyOptions[key] && !t.quoted {
				// Names have spaces: the value runs on to the next option.
				for i+1 < len(ts) && !isOptionToken(ts[i+1]) {
					i++
					val += " " + ts[i].text
				}
			}
			if err := o.setOption(key, strings.TrimSpace(val)); err != nil {
				return o, err
			}
			continue
		}
		o.rest = append(o.rest, t)
	}
	return o, nil
}

func isOptionToken(t token) bool {
	if t.quoted {
		return reOption.MatchString(t.text)
	}
	s := t.text
	_, isRating, _ := parseRating(s)
	return isRating || reTalkID.MatchString(s) || reTag.MatchString(s) || reScheme.MatchString(s) || reOption.MatchString(s)
}

func (o *opts) addTags(list string) error {
	for _, tag := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		tag = strings.ToLower(strings.TrimPrefix(tag, "#"))
		if tag == "" {
			continue
		}
		if utf8.RuneCountInString(tag) > talkbot.MaxTagLen {
			return talkbot.Errorf(talkbot.EINVALID, "Tags can be up to %d characters; #%s is longer.", talkbot.MaxTagLen, truncate(tag, 40))
		}
		if !reTag.MatchString("#" + tag) {
			return talkbot.Errorf(talkbot.EINVALID, "A tag starts with a letter and has no spaces, like #ebpf; %q is not one.", truncate(tag, 40))
		}
		if !slices.Contains(o.tags, tag) {
			o.tags = append(o.tags, tag)
		}
	}
	if len(o.tags) > talkbot.MaxTags {
		return talkbot.Errorf(talkbot.EINVALID, "A talk can have up to %d tags.", talkbot.MaxTags)
	}
	return nil
}

func (o *opts) addURL(s string) error {
	u, err := checkURL(s)
	if err != nil {
		return err
	}
	if id, ok := scheduleID(u); ok {
		o.scheduleURL, o.scheduleID = s, id
	} else {
		o.recordingURL = s
	}
	return nil
}

// checkURL accepts only absolute http(s) URLs of a sane length.
func checkURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, talkbot.Errorf(talkbot.EINVALID, "Only http(s) links are accepted, like https://example.sched.com/event/182HU.")
	}
	if len(s) > talkbot.MaxURLLen {
		return nil, talkbot.Errorf(talkbot.EINVALID, "That link is longer than %d characters.", talkbot.MaxURLLen)
	}
	return u, nil
}

var (
	reSchedEvent  = regexp.MustCompile(`^/event/([A-Za-z0-9]+)`)
	reSchedShort  = regexp.MustCompile(`^/([A-Za-z0-9]+)/?$`)
	rePretalxTalk = regexp.MustCompile(`/talk/([A-Za-z0-9]+)/?$`)
	reFosdemEvent = regexp.MustCompile(`/schedule/event/([A-Za-z0-9_-]+)/?$`)
)

// scheduleID recognises conference schedule links (Sched, pretalx, FOSDEM)
// and returns the stable id in them.
func scheduleID(u *url.URL) (string, bool) {
	host := strings.ToLower(u.Hostname())
	switch {
	case strings.HasSuffix(host, ".sched.com") || host == "sched.com":
		if m := reSchedEvent.FindStringSubmatch(u.Path); m != nil {
			return m[1], true
		}
	case host == "sched.co": // Sched's short links: https://sched.co/182E3
		if m := reSchedShort.FindStringSubmatch(u.Path); m != nil {
			return m[1], true
		}
	case rePretalxTalk.MatchString(u.Path):
		return rePretalxTalk.FindStringSubmatch(u.Path)[1], true
	case reFosdemEvent.MatchString(u.Path):
		return reFosdemEvent.FindStringSubmatch(u.Path)[1], true
	}
	return "", false
}

func (o *opts) setOption(key, val string) error {
	if val == "" {
		return talkbot.Errorf(talkbot.EINVALID, "%s: needs a value, like %s", key, optionExample[key])
	}
	switch key {
	case "speaker", "speakers":
		o.speakers, o.hasSpeakers = splitSpeakers(val), true
		for _, s := range o.speakers {
			if utf8.RuneCountInString(s) > talkbot.MaxFieldLen {
				return talkbot.Errorf(talkbot.EINVALID, "A speaker's name can be up to %d characters.", talkbot.MaxFieldLen)
			}
		}
	case "event", "room":
		if utf8.RuneCountInString(val) > talkbot.MaxFieldLen {
			return talkbot.Errorf(talkbot.EINVALID, "%s: can be up to %d characters.", key, talkbot.MaxFieldLen)
		}
		if key == "event" {
			o.event = val
		} else {
			o.room = val
		}
	case "day":
		d, err := parseDate(val)
		if err != nil {
			return err
		}
		o.day = d
	case "tag", "tags":
		return o.addTags(val)
	}
	return nil
}

var optionExample = map[string]string{
	"speaker": "speakers:Alice Smith, Bob Jones", "speakers": "speakers:Alice Smith, Bob Jones",
	"event": "event:Cloud Native Rejekts", "room": "room:W183", "day": "day:2024-11-13",
	"tag": "tags:ebpf,networking", "tags": "tags:ebpf,networking",
}

func splitSpeakers(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '&' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseDate reads YYYY-MM-DD.
func parseDate(s string) (string, error) {
	if reDate.MatchString(s) {
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			return s, nil
		}
	}
	return "", talkbot.Errorf(talkbot.EINVALID, "%q is not a date I can read; use YYYY-MM-DD, like 2024-11-13.", truncate(s, 40))
}

var (
	nameParticles = map[string]bool{"de": true, "da": true, "di": true, "del": true, "della": true, "van": true, "von": true,
		"der": true, "den": true, "la": true, "le": true, "du": true, "dos": true, "das": true, "bin": true, "al": true, "y": true, "ten": true, "ter": true}
	notNames = map[string]bool{"the": true, "a": true, "an": true, "how": true, "why": true, "what": true, "when": true, "from": true,
		"intro": true, "introduction": true, "deep": true, "part": true, "and": true, "with": true, "your": true, "our": true}
	// sessionWords mark the part after " - " as a kind of session, not a person.
	sessionWords = map[string]bool{"workshop": true, "panel": true, "keynote": true, "tutorial": true, "session": true,
		"discussion": true, "lightning": true, "talk": true, "talks": true, "update": true, "demo": true, "hours": true,
		"meetup": true, "bof": true, "summit": true, "breakout": true, "q&a": true, "ama": true, "edition": true, "training": true}
)

// looksLikeName reports whether s reads as a person's name: two to four
// capitalised words (particles such as "de" aside), no digits.
func looksLikeName(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || notNames[strings.ToLower(words[0])] {
		return false
	}
	named := 0
	for _, w := range words {
		if nameParticles[w] {
			continue
		}
		if sessionWords[strings.ToLower(w)] {
			return false
		}
		if named++; named > 4 {
			return false
		}
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsUpper(r) || strings.ContainsAny(w, "0123456789:?!") {
			return false
		}
	}
	return true
}

// splitSchedTitle splits a Sched-style "Title - Speaker, Org & Speaker, Org"
// into the title and its speakers ("Name (Org)"). ok is false when the part
// after the last " - " does not read as speakers.
func splitSchedTitle(s string) (title string, speakers []string, ok bool) {
	i := strings.LastIndex(s, " - ")
	if i <= 0 {
		return s, nil, false
	}
	title, right := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+3:])
	if title == "" || right == "" {
		return s, nil, false
	}
	var groups [][]string
	if strings.Contains(right, " & ") {
		for _, g := range strings.Split(right, " & ") {
			items := splitTrim(g, ",")
			if len(groups) > 0 && !looksLikeName(items[0]) {
				// "Maintainer & Fellow": the & was inside an affiliation.
				last := groups[len(groups)-1]
				last[len(last)-1] += " & " + items[0]
				groups[len(groups)-1] = append(last, items[1:]...)
				continue
			}
			groups = append(groups, items)
		}
	} else if items := splitTrim(right, ","); len(items) >= 4 && len(items)%2 == 0 {
		for j := 0; j < len(items); j += 2 {
			groups = append(groups, items[j:j+2])
		}
	} else {
		groups = [][]string{items}
	}
	for _, g := range groups {
		if !looksLikeName(g[0]) {
			return s, nil, false
		}
		sp := g[0]
		if len(g) > 1 {
			sp += " (" + strings.Join(g[1:], ", ") + ")"
		}
		speakers = append(speakers, sp)
	}
	return title, speakers, true
}

func splitTrim(s, sep string) []string {
	parts := strings.Split(s, sep)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
