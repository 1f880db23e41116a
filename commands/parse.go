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

	"github.com/rivo/uniseg"
	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
	"golang.org/x/text/width"
)

// cleanText rejects invalid UTF-8, normalises to NFC (so a title typed on a
// Mac and on Linux is one title) and strips control characters and the
// bidirectional overrides that can make text read differently than it is
// stored (tabs become spaces; newlines are kept for notes).
func cleanText(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", talkbot.Errorf(talkbot.EINVALID, "That message is not valid UTF-8 text; please type it again.")
	}
	if len(s) > talkbot.MaxLineBytes {
		return "", talkbot.Errorf(talkbot.EINVALID, "That message is too long (over %d bytes); notes can be up to %d characters.", talkbot.MaxLineBytes, talkbot.MaxNoteLen)
	}
	return talkbot.Clean(s), nil
}

// StripPrefix removes a leading `talk`, `/talk` or `!talk` from a message:
// the one place that knows the prefixes.
func StripPrefix(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"/talk", "!talk", "talk"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) && (len(s) == len(p) || s[len(p)] == ' ' || s[len(p)] == '\n') {
			return strings.TrimSpace(s[len(p):])
		}
	}
	return s
}

// splitFreeText splits off the free text after the first ` -- ` outside
// quotes. Only a double hyphen starts free text: an em dash is part of a
// title ("Kubernetes — The Hard Way"). After ` --- ` the free text is
// verbatim: options at its end stay in it (how a form's note is written
// back into a command, `-- the crowd gave it 5/5` being a rating).
func splitFreeText(s string) (head, free string, ok, verbatim bool) {
	t := " " + s + " " // so a separator may open or close the text
	var closer rune
	prev := ' '
	for i, r := range t {
		wordStart := unicode.IsSpace(prev)
		prev = r
		if closer != 0 {
			if r == closer {
				closer = 0
			}
			continue
		}
		if c, ok := opensQuote(t, i, wordStart); ok {
			closer = c
			continue
		}
		switch {
		case r == ' ' && strings.HasPrefix(t[i:], " --- "):
			return strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+5:]), true, true
		case r == ' ' && strings.HasPrefix(t[i:], " -- "):
			return strings.TrimSpace(t[:i]), strings.TrimSpace(t[i+4:]), true, false
		}
	}
	return strings.TrimSpace(s), "", false, false
}

// trailingOptions takes the options at the end of free text out of it:
// `-- loved it 5/5 #security` is the note "loved it" with a rating and a tag.
// A talk id is never one of them (`-- see #12` keeps its #12).
func trailingOptions(free string) (text string, options []token) {
	spans := tokenSpans(free)
	cut := len(spans)
	for cut > 0 {
		t := spans[cut-1].token
		if !isOptionToken(t) || reTalkID.MatchString(t.text) {
			break
		}
		cut--
	}
	if cut == len(spans) {
		return free, nil
	}
	for _, sp := range spans[cut:] {
		options = append(options, sp.token)
	}
	if cut == 0 {
		return "", options
	}
	return strings.TrimSpace(free[:spans[cut-1].end]), options
}

// token is one word of a command, or a quoted phrase.
type token struct {
	text   string
	quoted bool
}

var quotePairs = map[rune]rune{'"': '"', '“': '”', '„': '“', '«': '»'}

// wordQuotes open a quoted phrase only at the start of a word, and only
// when their closer ends one: Japanese 「」『』, German »« and ‚‘, ‹›. Inside
// a title («「Go」入門») they are the title's own.
var wordQuotes = map[rune]rune{'「': '」', '『': '』', '»': '«', '‚': '‘', '‹': '›', '›': '‹'}

// opensQuote reports whether a quoted phrase opens at s[i:], and its
// closing quote; wordStart says a word starts there.
func opensQuote(s string, i int, wordStart bool) (rune, bool) {
	r, size := utf8.DecodeRuneInString(s[i:])
	if c := quotePairs[r]; c != 0 {
		return c, true
	}
	c := wordQuotes[r]
	if c == 0 || !wordStart {
		return 0, false
	}
	j := strings.IndexRune(s[i+size:], c)
	if j < 0 {
		return 0, false
	}
	if end := i + size + j + utf8.RuneLen(c); end < len(s) {
		if next, _ := utf8.DecodeRuneInString(s[end:]); !unicode.IsSpace(next) {
			return 0, false
		}
	}
	return c, true
}

// tokenize splits s on spaces, keeping "quoted phrases" (straight or curly
// quotes) together; a quote may open inside a word, as in speakers:"A, B".
func tokenize(s string) []token {
	spans := tokenSpans(s)
	out := make([]token, len(spans))
	for i, sp := range spans {
		out[i] = sp.token
	}
	return out
}

// span is a token and where it ends in the text.
type span struct {
	token
	end int
}

func tokenSpans(s string) []span {
	var out []span
	var cur strings.Builder
	quoted, inWord := false, false
	var closer rune
	flush := func(end int) {
		if inWord {
			text := cur.String()
			if quoted {
				text = strings.TrimSpace(text) // « Titre », as French phones type it
			}
			out = append(out, span{token{text: text, quoted: quoted}, end})
		}
		cur.Reset()
		quoted, inWord = false, false
	}
	for i, r := range s {
		if closer != 0 {
			if r == closer {
				closer = 0
			} else {
				cur.WriteRune(r)
			}
			continue
		}
		if c, ok := opensQuote(s, i, !inWord); ok {
			closer, quoted, inWord = c, true, true
			continue
		}
		if unicode.IsSpace(r) {
			flush(i)
		} else {
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush(len(s))
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
	reTalkID      = regexp.MustCompile(`^[#＃]([0-9０-９]+)$`) // ＃１２ as an IME types it in full width
	reBadTag      = regexp.MustCompile(`^#\d+\p{L}`)
	reTag         = regexp.MustCompile(`^#(\p{L}[\p{L}\p{M}\p{N}_.+-]*)$`) // marks: Hindi and Thai letters carry them
	reScheme      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	reOption      = regexp.MustCompile(`^(?i)(speakers?|event|room|day|tags?):(.*)$`)
	reDate        = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// parseRating reads a rating token (`4/5`, `*4`, `★★★★☆`). ok is false when the
// token is not a rating at all; err is set when it is one but out of range.
func parseRating(s string) (n int, ok bool, err error) {
	s = foldRating(s)
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

// foldRating reads a rating as phones and IMEs type it: full-width ４/５ and
// ＊４, Arabic-Indic ٤/٥, emoji stars ⭐⭐⭐⭐ (with or without their
// variation selector) and ✩. A lone ⭐ is no rating: "Rising Stars ⭐"
// decorates a title, and as a reaction ⭐ stars a talk, it does not rate it 1/5.
func foldRating(s string) string {
	if talkbot.IsASCII(s) || strings.Count(s, "⭐") == 1 && strings.Trim(s, "⭐\ufe0f") == "" {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '٠' && r <= '٩':
			return '0' + r - '٠'
		case r >= '۰' && r <= '۹':
			return '0' + r - '۰'
		case r == '⭐':
			return '★'
		case r == '✩' || r == '✰':
			return '☆'
		case r == '\ufe0f':
			return -1
		}
		return r
	}, width.Fold.String(s)) // ４/５, ＊４
}

var errRatingRange = talkbot.Errorf(talkbot.EINVALID, "Ratings go from 1 to 5: try `5/5`, `*4` or `★★★`.")

// opts are the options found in a command's text.
type opts struct {
	rating       int
	tags         []string
	scheduleURL  string
	scheduleID   string
	recordingURL string
	links        []string // other links: slides, repositories
	playlist     string   // a playlist or channel: the conference's, not one talk's
	speakers     []talkbot.Speaker
	hasSpeakers  bool
	event, room  string
	day          string
	rest         []token  // what is left: the title or talk reference (a lone #12 included)
	typed        []string // the options as they were typed, to suggest the command again
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
			o.typed = append(o.typed, s)
			continue
		}
		if m := reTag.FindStringSubmatch(s); m != nil {
			if err := o.addTags(m[1]); err != nil {
				return o, err
			}
			o.typed = append(o.typed, s)
			continue
		}
		if reBadTag.MatchString(s) {
			return o, talkbot.Errorf(talkbot.EINVALID, "%s is neither a talk id (#12) nor a tag (tags start with a letter, like #ebpf).", truncate(s, 40))
		}
		if reScheme.MatchString(s) {
			if err := o.addURL(s); err != nil {
				return o, err
			}
			o.typed = append(o.typed, s)
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
			val = strings.TrimSpace(val)
			if err := o.setOption(key, val); err != nil {
				return o, err
			}
			o.typed = append(o.typed, key+":"+quoteIfSpaced(val))
			continue
		}
		o.rest = append(o.rest, t)
	}
	return o, nil
}

// quoteIfSpaced quotes a value with spaces, as an option must be typed.
func quoteIfSpaced(s string) string {
	if strings.ContainsAny(s, " \t") {
		return `"` + strings.ReplaceAll(s, `"`, "") + `"`
	}
	return s
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
	switch l := schedule.ClassifyLink(u); l.Kind {
	case schedule.LinkSchedule:
		o.scheduleURL, o.scheduleID = s, l.ScheduleID
	case schedule.LinkRecording:
		o.recordingURL = s
	case schedule.LinkPlaylist:
		o.playlist = s
	default:
		if !slices.Contains(o.links, s) {
			o.links = append(o.links, s)
		}
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

// scheduleID returns the schedule id in a schedule link.
func scheduleID(u *url.URL) (string, bool) {
	l := schedule.ClassifyLink(u)
	return l.ScheduleID, l.Kind == schedule.LinkSchedule
}

func (o *opts) setOption(key, val string) error {
	if val == "" {
		return talkbot.Errorf(talkbot.EINVALID, "%s: needs a value, like %s", key, optionExample[key])
	}
	switch key {
	case "speaker", "speakers":
		o.speakers, o.hasSpeakers = splitSpeakers(val), true
		for _, s := range o.speakers {
			if utf8.RuneCountInString(s.Name+s.Org) > talkbot.MaxFieldLen {
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

var reParenOrg = regexp.MustCompile(`^(.*\S)\s*\(([^()]+)\)$`)

// splitSpeakers reads the value of speakers:, names separated by commas, "&"
// or ";", each with its organisation in parentheses if given:
// `speakers:Alice Smith (Acme), Bob Jones`. Quotes around it are not part of it.
func splitSpeakers(s string) []talkbot.Speaker {
	s = strings.Trim(s, `"“”„«»「」『』‚‘‹› `)
	var out []talkbot.Speaker
	// Full-width forms and 、 too: 山田太郎、鈴木花子（サイボウズ）.
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",&;、，；＆،", r) }) {
		p = strings.TrimSpace(strings.NewReplacer("（", "(", "）", ")").Replace(p))
		if p == "" {
			continue
		}
		sp := talkbot.Speaker{Name: p}
		if m := reParenOrg.FindStringSubmatch(p); m != nil {
			sp = talkbot.Speaker{Name: m[1], Org: strings.TrimSpace(m[2])}
		}
		out = append(out, sp)
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

func truncate(s string, n int) string { return Cut(s, n) }

// Cut is s in at most n characters (runes), the last an ellipsis when it
// is cut, and never inside a character as people see one: a family emoji
// (four people joined), a flag (two letters), a letter and its accent
// stay whole or go whole.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	left := n - 1
	for g := uniseg.NewGraphemes(s); g.Next(); {
		r := g.Runes()
		if len(r) > left {
			break
		}
		b.WriteString(g.Str())
		left -= len(r)
	}
	return b.String() + "…"
}
