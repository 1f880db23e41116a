package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
	"golang.org/x/text/width"
)

// ref is a talk reference as typed: #id, a schedule link or id, a title, or nothing.
type ref struct {
	id         int64  // a lone #12
	badID      string // a lone #0, or a number too large: no talk has it
	scheduleID string
	title      string // as typed
	quoted     bool   // the title was in quotes: exactly this title
	// A title in Sched's style, "Title - Speaker, Org", or a reply line pasted
	// back, "Title — Speaker": the title proper and its speakers.
	bareTitle string
	speakers  []talkbot.Speaker
	// "#12 Title — Speaker", a reply line pasted back: talk 12 if its title is the rest.
	leadingID int64
	afterID   string
	day       string // an explicit day:
}

func (f ref) empty() bool { return f.id == 0 && f.badID == "" && f.scheduleID == "" && f.title == "" }

// talkNumber reads the digits of a #12; bad is set for a number no talk can
// have (#0, or one too large), which must not read as "no talk given".
func talkNumber(digits string) (id int64, bad string) {
	digits = width.Fold.String(digits) // full width: ＃１２ is #12
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id == 0 {
		return 0, "#" + digits
	}
	return id, ""
}

// refFrom builds a reference from parsed options and the leftover words. A
// #12 is a talk id only where a reference may stand: alone, or leading a
// pasted reply line; inside a title ("Top #10 Kubernetes Mistakes") it is text.
func refFrom(o opts) ref {
	f := ref{scheduleID: o.scheduleID, day: o.day}
	rest := o.rest
	if len(rest) > 0 && !rest[0].quoted {
		if m := reTalkID.FindStringSubmatch(rest[0].text); m != nil {
			id, bad := talkNumber(m[1])
			if len(rest) == 1 {
				f.id, f.badID = id, bad
				return f
			}
			if bad == "" {
				f.leadingID, f.afterID = id, joinTokens(rest[1:])
			}
		}
	}
	f.title = joinTokens(rest)
	f.quoted = len(rest) == 1 && rest[0].quoted
	if !f.quoted && f.title != "" {
		if t, sp, ok := schedule.SplitTitle(f.title); ok {
			f.bareTitle, f.speakers = t, sp
		}
	}
	return f
}

// name is the title the reference gives a new talk.
func (f ref) name() string {
	if f.bareTitle != "" {
		return f.bareTitle
	}
	return f.title
}

var (
	reScheduleIDWord = regexp.MustCompile(`^[A-Za-z0-9_-]{4,60}$`)
	rePretalxCode    = regexp.MustCompile(`^[A-Z0-9]{6}$`) // pretalx's talk codes: DEJQME
)

// isScheduleIDWord reports whether a bare word could be a schedule id such as
// 182HU or 1nSgo (letters and digits, at least one digit), or a pretalx code.
func isScheduleIDWord(s string) bool {
	return reScheduleIDWord.MatchString(s) && strings.ContainsAny(s, "0123456789") || rePretalxCode.MatchString(s)
}

// resolveMode says what a command may do with a title that matches no talk.
type resolveMode int

const (
	// logMode (add, missed, want, watched): a title that names no known talk is a new talk.
	logMode resolveMode = iota
	// existingMode (delete, edit, video, recommend): the talk must exist.
	existingMode
	// looseMode (show): read-only, so a best guess by shared words is fine.
	looseMode
)

// errCreate tells the caller to create a talk with the reference's title.
var errCreate = errors.New("create talk")

// resolve finds the talk a reference names, in the order of PRODUCT.md §3.
// A title acts on a known talk when it is that talk's title, or when every
// distinctive word typed is in that talk's title (a typo a word allowed) and
// no other talk's; several such talks make the bot ask. Sessions with one
// title on different days are different talks.
func (r *Router) resolve(ctx context.Context, c *call, f ref, mode resolveMode) (talkbot.Talk, error) {
	switch {
	case f.badID != "":
		return talkbot.Talk{}, talkbot.Errorf(talkbot.ENOTFOUND, "There is no talk %s. `list` shows your talks, `search <words>` finds others.", truncate(f.badID, 24))
	case f.id != 0:
		t, err := r.store.Talk(ctx, c.user.WorkspaceID, f.id)
		if errors.Is(err, talkbot.ErrNotFound) {
			return t, talkbot.Errorf(talkbot.ENOTFOUND, "There is no talk #%d. `list` shows your talks, `search <words>` finds others.", f.id)
		}
		return t, err
	case f.scheduleID != "":
		t, err := r.bySchedule(ctx, c, f, f.scheduleID, mode)
		if errors.Is(err, talkbot.ErrNotFound) {
			if mode == logMode {
				return t, errCreate
			}
			return t, talkbot.Errorf(talkbot.ENOTFOUND, "No talk with schedule id %s is logged yet; `add` it first.", f.scheduleID)
		}
		return t, err
	case f.title == "" && c.req.Talk != 0:
		return r.store.Talk(ctx, c.user.WorkspaceID, c.req.Talk)
	case f.title == "":
		if c.user.LastTalkID == 0 {
			if strictCommands[c.name] {
				return talkbot.Talk{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? Give its #id or \"quoted title\"; there is no last talk to go on yet.")
			}
			return talkbot.Talk{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? Give its #id or title; there is no last talk to go on yet.")
		}
		t, err := r.store.Talk(ctx, c.user.WorkspaceID, c.user.LastTalkID)
		if err != nil || t.ConferenceID == c.conf.ID || !r.byName[c.name].Changes {
			return t, err
		}
		// The last talk is of a conference before this one: a note typed on
		// the new one's first morning is not for it.
		was, err := r.talkConference(ctx, c, t)
		if err != nil {
			return t, err
		}
		more := ""
		if c.name == "note" || c.name == "rate" {
			more = " …"
		}
		return talkbot.Talk{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? Your last one, #%d %s, is of %s, and you are on %s now: name the talk (`%s #%d%s` for that one).",
			t.ID, truncate(t.Title, 60), was.Name, c.conf.Name, c.name, t.ID, more)
	}
	if f.leadingID != 0 {
		t, err := r.store.Talk(ctx, c.user.WorkspaceID, f.leadingID)
		if err == nil && isLineOf(t, f.afterID, mode == looseMode) {
			return t, nil
		}
		if err != nil && !errors.Is(err, talkbot.ErrNotFound) {
			return t, err
		}
	}
	if !f.quoted && isScheduleIDWord(f.title) {
		if t, err := r.bySchedule(ctx, c, f, f.title, mode); err == nil || !errors.Is(err, talkbot.ErrNotFound) {
			return t, err
		}
	}
	titles := []string{f.title}
	if f.bareTitle != "" {
		titles = append(titles, f.bareTitle)
	}
	for _, title := range titles {
		exact, err := r.store.TalksByTitle(ctx, c.conf.ID, title)
		if err != nil {
			return talkbot.Talk{}, err
		}
		if len(exact) > 0 {
			return r.pickSession(ctx, c, f, mode, exact)
		}
	}
	if f.leadingID != 0 {
		return talkbot.Talk{}, r.wordsAfterID(ctx, c, f)
	}
	if f.quoted && mode == logMode {
		return talkbot.Talk{}, errCreate // `add "Keynote"` logs exactly that title
	}
	cands, err := r.candidates(ctx, c, f.name(), f.day)
	if err != nil {
		return talkbot.Talk{}, err
	}
	switch {
	case len(cands) == 1:
		return cands[0], nil
	case len(cands) > 1:
		return talkbot.Talk{}, r.ambiguous(c, f, cands, mode == logMode)
	case mode == logMode:
		return talkbot.Talk{}, errCreate
	case mode == looseMode:
		loose, err := r.store.TitleCandidates(ctx, c.conf.ID, f.name(), 20)
		if err != nil {
			return talkbot.Talk{}, err
		}
		best, sure := bestMatch(f.name(), loose)
		switch {
		case sure:
			return best[0], nil
		case len(best) > 0:
			return talkbot.Talk{}, r.ambiguous(c, f, best, false)
		}
	}
	return talkbot.Talk{}, talkbot.Errorf(talkbot.ENOTFOUND, "I found no talk called “%s”. `search <words>` looks further, `add <title>` logs a new one.", truncate(f.title, 80))
}

// wordsAfterID answers "#12 clash": a talk's id with words that are not its
// title. Read as a title, they had made a new talk "#12 clash"; the words
// were mostly meant as a note or a reason, which go after ` -- `.
func (r *Router) wordsAfterID(ctx context.Context, c *call, f ref) error {
	t, err := r.store.Talk(ctx, c.user.WorkspaceID, f.leadingID)
	if errors.Is(err, talkbot.ErrNotFound) {
		return talkbot.Errorf(talkbot.ENOTFOUND, "There is no talk #%d. A title that starts with #%d goes in quotes: `%s \"%s\"`.",
			f.leadingID, f.leadingID, c.name, truncate(f.title, 60))
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("#%d is “%s”; “%s” is not part of its title.", t.ID, truncate(t.Title, 80), truncate(f.afterID, 40))
	cmd := r.byName[c.name]
	switch {
	case cmd.FreeText != "":
		return talkbot.Errorf(talkbot.EINVALID, "%s A %s goes after ` -- `: `%s #%d -- %s`.", msg, cmd.FreeText, cmd.Name, t.ID, truncate(f.afterID, 60))
	case cmd.Name == "recommend": // "recommend #12 bob": the colleague is an @mention
		return talkbot.Errorf(talkbot.EINVALID, "%s To recommend it to a colleague, mention them: `recommend #%d @name`.", msg, t.ID)
	}
	return talkbot.Errorf(talkbot.EINVALID, "%s Try `%s #%d`; `help %s` shows the rest.", msg, c.name, t.ID, c.name)
}

// pickSession chooses among talks with exactly the typed title: sessions of
// one title on different days ("Keynote") are different talks.
func (r *Router) pickSession(ctx context.Context, c *call, f ref, mode resolveMode, exact []talkbot.Talk) (talkbot.Talk, error) {
	day := f.day
	if day == "" && mode == logMode {
		day = c.defaultDay
	}
	if day == "" {
		if len(exact) == 1 {
			return exact[0], nil
		}
		return talkbot.Talk{}, r.ambiguous(c, f, exact, false)
	}
	// A session on now, or just over, is the one meant however its day
	// reads: at 00:10, the one that began at 23:30; at 01:30, a camp's
	// night session, which is the evening's day.
	current := func(t talkbot.Talk) bool {
		end := t.EndsAt
		if !end.After(t.StartsAt) {
			end = t.StartsAt.Add(talkbot.LengthlessSession)
		}
		return f.day == "" && !t.StartsAt.IsZero() && !c.now.Before(t.StartsAt) && c.now.Before(end.Add(90*time.Minute))
	}
	var same, other []talkbot.Talk
	for _, t := range exact {
		if t.Day == day || t.Day == "" || current(t) {
			same = append(same, t)
		} else {
			other = append(other, t)
		}
	}
	switch {
	case len(same) == 1:
		return same[0], nil
	case len(same) > 1:
		return talkbot.Talk{}, r.ambiguous(c, f, same, false)
	case f.day != "" && mode == logMode:
		return talkbot.Talk{}, errCreate // another day's session of the same title
	case f.day != "":
		return talkbot.Talk{}, talkbot.Errorf(talkbot.ENOTFOUND, "“%s” is on %s, not %s.", truncate(f.title, 80), other[0].Day, f.day)
	case mode != logMode:
		if len(other) == 1 {
			return other[0], nil
		}
		return talkbot.Talk{}, r.ambiguous(c, f, other, false)
	}
	// Logging today, and the talks of this title are on other days: a session
	// this user attended already is not today's; otherwise ask.
	for _, t := range other {
		l, err := r.store.UserLog(ctx, c.user.ID, t.ID)
		if err != nil && !errors.Is(err, talkbot.ErrNotFound) {
			return talkbot.Talk{}, err
		}
		if err == nil && l.Status == talkbot.StatusAttended {
			return talkbot.Talk{}, errCreate
		}
	}
	return talkbot.Talk{}, r.ambiguous(c, f, other, true)
}

// candidates returns the conference's talks whose titles hold every
// distinctive word of title, a typo a word allowed, on the day if one is given.
func (r *Router) candidates(ctx context.Context, c *call, title, day string) ([]talkbot.Talk, error) {
	words := distinctiveWords(title)
	if len(words) == 0 {
		return nil, nil
	}
	// A number is matched as typed: when no title holds the typed numbers
	// (a new title with a number in it), no stage can find one, and the
	// prefix and trigram stages would read big doclists to learn that. The
	// index asked splits words where NormalizeTitle does, except that it
	// keeps signs such as "²" or "½" in a word, so numbers are asked for as
	// prefixes ("10"* finds "10²"), and short words, whose typos the stages
	// would find in "go²", are not asked for at all.
	numbers := slices.DeleteFunc(slices.Clone(words), func(w string) bool { return !isNumber(w) })
	if len(numbers) > 0 && len(numbers) < len(words) {
		ts, err := r.store.TitlesWithWords(ctx, c.conf.ID, numbers, true, 1)
		if err != nil || len(ts) == 0 {
			return nil, err
		}
	}
	var out []talkbot.Talk
	// Whole words, then words that start like the typed ones, then titles
	// with a piece of every word (a typo early in a word), then of every
	// long word: each a wider net.
	for stage := range 4 {
		var ts []talkbot.Talk
		var err error
		if stage < 2 {
			ts, err = r.store.TitlesWithWords(ctx, c.conf.ID, words, stage == 1, 200)
		} else {
			ts, err = r.store.TitlesLike(ctx, c.conf.ID, words, stage == 3, 200)
		}
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if hasEveryWord(t.Title, words) && (day == "" || t.Day == "" || t.Day == day) {
				out = append(out, t)
			}
		}
		if len(out) > 0 {
			break
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	// Only the talks a reply can show are read in full (an ask-back shows five).
	for i := range out[:min(len(out), maxAsked)] {
		full, err := r.store.Talk(ctx, c.user.WorkspaceID, out[i].ID)
		if err != nil {
			return nil, err
		}
		out[i] = full
	}
	return out, nil
}

// maxAsked is how many talks a question back lists.
const maxAsked = 5

// stopWords carry no meaning in a title: "Writing your own Rust linter" is
// found by "writing own rust linter".
var stopWords = map[string]bool{"a": true, "an": true, "the": true, "and": true, "or": true, "of": true, "in": true,
	"on": true, "for": true, "to": true, "with": true, "your": true, "my": true, "our": true, "is": true, "at": true,
	"by": true, "from": true, "how": true, "we": true, "i": true, "you": true, "it": true, "its": true, "this": true,
	"that": true, "into": true, "vs": true, "via": true, "be": true, "are": true, "s": true, "t": true}

// distinctiveWords are the normalised words of a title that are not stop words.
func distinctiveWords(title string) []string {
	var out []string
	for _, w := range strings.Fields(talkbot.NormalizeTitle(title)) {
		if !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// hasEveryWord reports whether the title holds each word, or a word one edit
// away from it (for words of four letters or more, numbers aside).
func hasEveryWord(title string, words []string) bool {
	tw := strings.Fields(talkbot.NormalizeTitle(title))
	for _, w := range words {
		found := false
		for _, x := range tw {
			if x == w || (typoTolerant(w) && oneEditApart(w, x)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// oneEditApart reports whether two words are at most one edit apart, as
// editDistance counts them (a swap of neighbours is one), accents aside,
// with the same digits: "IPv4" and "IPv6", "Day1" and "Day2" name different
// things, not a typo. It runs for every word of every candidate title, so
// it allocates nothing for ASCII words.
func oneEditApart(w, x string) bool {
	if !sameDigits(w, x) {
		return false
	}
	if talkbot.IsASCII(w) && talkbot.IsASCII(x) {
		return withinOneEdit([]byte(w), []byte(x))
	}
	return withinOneEdit([]rune(foldDiacritics(w)), []rune(foldDiacritics(x)))
}

// sameDigits reports whether two words hold the same digits in the same
// order (a full-width ２ is a 2).
func sameDigits(w, x string) bool {
	if !talkbot.IsASCII(w) || !talkbot.IsASCII(x) {
		return slices.Equal(digitsOf(w), digitsOf(x))
	}
	i, j := 0, 0
	for {
		for i < len(w) && (w[i] < '0' || w[i] > '9') {
			i++
		}
		for j < len(x) && (x[j] < '0' || x[j] > '9') {
			j++
		}
		if i == len(w) || j == len(x) {
			return i == len(w) && j == len(x)
		}
		if w[i] != x[j] {
			return false
		}
		i, j = i+1, j+1
	}
}

// digitsOf is a word's digits, of any script; full-width ones as ASCII.
func digitsOf(w string) []rune {
	var ds []rune
	for _, r := range width.Fold.String(w) {
		if unicode.IsDigit(r) {
			ds = append(ds, r)
		}
	}
	return ds
}

func withinOneEdit[T byte | rune](a, b []T) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	switch len(b) - len(a) {
	case 0:
		return i >= len(a)-1 || slices.Equal(a[i+1:], b[i+1:]) || // the same, or one letter changed
			a[i] == b[i+1] && a[i+1] == b[i] && slices.Equal(a[i+2:], b[i+2:]) // two neighbours swapped
	case 1:
		return slices.Equal(a[i:], b[i+1:]) // one letter more
	}
	return false
}

// typoTolerant reports whether a typed word also matches a title's word one
// edit away: numbers and words under four letters match only as typed.
func typoTolerant(w string) bool {
	return utf8.RuneCountInString(w) >= 4 && !isNumber(w) && !unspaced(w)
}

// unspaced reports whether a word holds a script written without spaces:
// the "word" is then a phrase, and one character apart is another talk
// (前編 and 後編, part one and part two).
func unspaced(w string) bool { return strings.ContainsFunc(w, talkbot.Unspaced) }

func isNumber(s string) bool { return strings.Trim(s, "0123456789") == "" }

// reLineTail is what a reply line adds after a title: a question's
// " (2026-12-06 08:00, Hall 12)", a list's " · 2026-12-06 · attended".
var reLineTail = regexp.MustCompile(`\s+(\([^()]*\)|·.*)$`)

// isLineOf reports whether line, typed after #12, is talk t's line as a
// reply showed it: its title (with or without its speakers), or the start
// of it (cut with "…"), maybe followed by a question's or a list's
// details. For show (loose), every distinctive word of the title part
// being in t's title is enough.
func isLineOf(t talkbot.Talk, line string, loose bool) bool {
	line = strings.TrimSpace(reLineTail.ReplaceAllString(line, ""))
	if sameTitle(t.Title, line) {
		return true
	}
	title := line
	if bare, _, ok := schedule.SplitTitle(line); ok {
		title = bare
	}
	// The start of the title, cut short ("Resize Your Pods …", or typed so):
	// two words that matter are enough to tell it is that talk's.
	cut := strings.TrimSpace(strings.TrimSuffix(title, "…"))
	words := distinctiveWords(cut)
	if len(words) >= 2 && strings.HasPrefix(talkbot.NormalizeTitle(t.Title), talkbot.NormalizeTitle(cut)) {
		return true
	}
	return loose && len(words) > 0 && hasEveryWord(t.Title, words)
}

func sameTitle(a, b string) bool {
	if talkbot.NormalizeTitle(a) == talkbot.NormalizeTitle(b) {
		return true
	}
	t, _, ok := schedule.SplitTitle(b)
	return ok && talkbot.NormalizeTitle(a) == talkbot.NormalizeTitle(t)
}

// bySchedule finds the talk a schedule id or link names, in the user's
// conference first, then anywhere in the workspace. A pretalx code can name
// several slots of one session (a workshop on three days): the day given,
// or today's when logging, picks one; otherwise the bot asks, as for one
// title on several days, and never takes the first slot.
func (r *Router) bySchedule(ctx context.Context, c *call, f ref, id string, mode resolveMode) (talkbot.Talk, error) {
	ts, err := r.store.TalksBySchedule(ctx, c.conf.ID, id)
	switch {
	case err != nil:
		return talkbot.Talk{}, err
	case len(ts) == 0:
		return r.store.TalkByScheduleInWorkspace(ctx, c.user.WorkspaceID, id)
	case len(ts) == 1:
		return ts[0], nil
	}
	day := f.day
	if day == "" && mode == logMode {
		day = c.defaultDay
	}
	var on []talkbot.Talk
	for _, t := range ts {
		if t.Day == day {
			on = append(on, t)
		}
	}
	if len(on) == 1 {
		return on[0], nil
	}
	if len(on) == 0 {
		on = ts
	}
	if mode != logMode { // rating or noting a session: the one slot of it the user logged
		var logged []talkbot.Talk
		for _, t := range on {
			_, err := r.store.UserLog(ctx, c.user.ID, t.ID)
			if err == nil {
				logged = append(logged, t)
			} else if !errors.Is(err, talkbot.ErrNotFound) {
				return talkbot.Talk{}, err
			}
		}
		if len(logged) == 1 {
			return logged[0], nil
		}
	}
	f.title = id // the ask-back names what was typed
	return talkbot.Talk{}, r.ambiguous(c, f, on, false)
}

// strictCommands name a talk only by #id, schedule link or id, or "quoted title".
var strictCommands = map[string]bool{"note": true, "rate": true, "star": true, "unstar": true, "unrate": true}

// ambiguousError asks the user to pick one of several talks.
type ambiguousError struct {
	query   string
	talks   []talkbot.Talk
	retry   func(ref string) string // the command again, naming one talk
	newTalk string                  // the command that logs a new talk instead; empty when not offered
	heading string                  // the question, when not "Several talks match …"
	more    string                  // a line after the list: how to see the talks left out
	loc     *time.Location          // the conference's zone, for start times
	// withheld: the answers leave out a private note or reason (which it
	// names), to be typed again (and offered as no buttons, which would
	// save the change without it).
	withheld string
	warn     string // said under the question: c.warn
}

func (e *ambiguousError) Error() string {
	return fmt.Sprintf("%d talks match %q", len(e.talks), e.query)
}

func (r *Router) ambiguous(c *call, f ref, ts []talkbot.Talk, offerNew bool) error {
	e := &ambiguousError{query: f.title, talks: ts, retry: c.retryWith, loc: c.conf.Location(), withheld: c.withheld, warn: c.warn}
	if len(ts) > maxAsked {
		e.talks = ts[:maxAsked]
		e.more = fmt.Sprintf("… and %d more. Add `day:YYYY-MM-DD` or more of the title to narrow it down.", len(ts)-maxAsked)
		if c.name == "note" { // which reads no day: option
			e.more = fmt.Sprintf("… and %d more: `search %s` shows them all, with their #ids.", len(ts)-maxAsked, truncate(strings.ReplaceAll(f.title, "`", ""), 60))
		}
	}
	if offerNew {
		q := `"` + strings.ReplaceAll(f.name(), `"`, "") + `"`
		if f.day == "" && c.defaultDay != "" {
			q += " day:" + c.defaultDay
		}
		e.newTalk = c.retryWith(q)
	}
	return e
}

// retryWith is the command as typed, with ref in place of its talk reference.
func (c *call) retryWith(ref string) string {
	s := c.name + " " + ref
	if c.rest != "" {
		s += " " + c.rest
	}
	return s
}

// bestMatch scores candidates by shared words and returns them best first;
// sure is set when the best one clearly beats the rest. Only `show`, which
// changes nothing, guesses this loosely.
func bestMatch(query string, cands []talkbot.Talk) ([]talkbot.Talk, bool) {
	q := talkbot.NormalizeTitle(query)
	qw := strings.Fields(q)
	type scored struct {
		t talkbot.Talk
		s float64
	}
	var ss []scored
	for _, t := range cands {
		nt := talkbot.NormalizeTitle(t.Title)
		s := wordOverlap(qw, strings.Fields(nt))
		if len(q) >= 4 && strings.Contains(nt, q) {
			s = max(s, 0.75)
		}
		if s >= 0.3 {
			ss = append(ss, scored{t, s})
		}
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].s > ss[j].s })
	out := make([]talkbot.Talk, len(ss))
	for i, s := range ss {
		out[i] = s.t
	}
	sure := len(ss) > 0 && ss[0].s >= 0.6 && (len(ss) == 1 || ss[0].s-ss[1].s >= 0.2)
	return out, sure
}

// wordOverlap is the share of the query's words found in the title (prefixes
// count), weighed down a little for titles much longer than the query.
func wordOverlap(q, t []string) float64 {
	if len(q) == 0 || len(t) == 0 {
		return 0
	}
	hit := 0
	for _, w := range q {
		for _, x := range t {
			if x == w || (len(w) >= 3 && strings.HasPrefix(x, w)) {
				hit++
				break
			}
		}
	}
	recall := float64(hit) / float64(len(q))
	precision := float64(hit) / float64(len(t))
	return 0.8*recall + 0.2*precision
}
