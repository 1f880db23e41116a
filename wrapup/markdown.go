package wrapup

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
)

// Text is user text made safe for Markdown: it reads the same once rendered
// but cannot become markup (emphasis, links, images, HTML, tables, headings,
// lists, code) or a mass mention. Line breaks stay; each line is trimmed so
// no indentation turns it into a code block.
func Text(s string) string {
	lines := strings.Split(talkbot.Defang(visible(s)), "\n")
	for i, l := range lines {
		lines[i] = escapeLine(strings.TrimSpace(l))
	}
	return strings.Join(lines, "\n")
}

var (
	reEntity     = regexp.MustCompile(`^&#?[A-Za-z0-9]+;`)
	reListNumber = regexp.MustCompile(`^(\d{1,9})([.)])`)
	reBlankLine  = regexp.MustCompile(`\n\s*\n`)
)

// noteText is a note's text made safe as Text makes it, but for `code`
// spans, which stay code (technical notes quote flags and field names that
// way, as seed 003 does; nothing inside a code span is markup), web
// addresses, which stay whole links (escaped, a # or _ in one ended the
// link there, so it opened another page), and its lines: a line typed
// "- item" or "1. item" stays a list item, and the other lines keep their
// breaks. Markdown had run them into one line of text.
func noteText(s string) string {
	lines := strings.Split(talkbot.Defang(visible(s)), "\n")
	var out []string
	prevItem := false
	for i, l := range lines {
		l = strings.TrimSpace(l)
		var b strings.Builder
		marker, rest := listItem(l)
		if marker != "" {
			b.WriteString(marker)
			l = rest
		} else if prevItem {
			out = append(out, "") // text after a list is not the last item's
		}
		at := 0
		for _, m := range reCodeSpan.FindAllStringIndex(l, -1) {
			escapeLinks(&b, l[at:m[0]], at == 0)
			b.WriteString(l[m[0]:m[1]])
			at = m[1]
		}
		escapeLinks(&b, l[at:], at == 0)
		if marker == "" && i+1 < len(lines) {
			if next, _ := listItem(strings.TrimSpace(lines[i+1])); next == "" {
				if strings.HasSuffix(b.String(), `\`) {
					b.WriteByte(' ') // goldmark reads "\\\" at a line's end as two backslashes
				}
				b.WriteString(`\`) // a hard line break, as typed
			}
		}
		out = append(out, b.String())
		prevItem = marker != ""
	}
	return strings.Join(out, "\n")
}

// reListItem is a list item's marker at a line's start: "- ", "* ", "+ ",
// "1. " or "1) ".
var reListItem = regexp.MustCompile(`^(?:[-*+]|\d{1,2}[.)])[ \t]+\S`) // not "2025. What a year"

// listItem splits a line typed as a list item into its marker ("- ",
// "2. ") and its text; "" and the line when it is none.
func listItem(l string) (marker, rest string) {
	if !reListItem.MatchString(l) {
		return "", l
	}
	i := strings.IndexAny(l, " \t")
	return l[:i] + " ", strings.TrimSpace(l[i:])
}

// reCodeSpan is one backtick, some text with no backtick, one backtick.
var reCodeSpan = regexp.MustCompile("`[^`]*[^` ][^`]*`")

// reWebAddress is a web address in text: up to a space, an angle bracket or
// a backtick (its end is trimmed by webAddress).
var reWebAddress = regexp.MustCompile("(?i)\\bhttps?://[^\\s<>`\\\\]+")

// escapeLinks writes text to b escaped, as at a line's start when start is
// set, with each web address in it an autolink: <https://…>, which Markdown
// takes whole, nothing inside it markup.
func escapeLinks(b *strings.Builder, text string, start bool) {
	at := 0
	for _, m := range reWebAddress.FindAllStringIndex(text, -1) {
		if m[0] < at {
			continue
		}
		u := webAddress(text[m[0]:m[1]])
		if u == "" {
			continue
		}
		escapeText(b, text[at:m[0]], start && at == 0)
		b.WriteString("<" + u + ">")
		at = m[0] + len(u)
	}
	escapeText(b, text[at:], start && at == 0)
}

func escapeText(b *strings.Builder, text string, start bool) {
	if start {
		b.WriteString(escapeLine(text))
	} else {
		escapeInline(b, text)
	}
}

// webAddress is the web address at the start of s, without the punctuation
// that ends a sentence around it or a closing parenthesis it did not open
// (GitHub's rule for the addresses it links); "" when it is none.
func webAddress(s string) string {
	for s != "" {
		last := s[len(s)-1]
		if strings.IndexByte(".,:;!?'\"*_~", last) >= 0 ||
			last == ')' && strings.Count(s, "(") < strings.Count(s, ")") {
			s = s[:len(s)-1]
			continue
		}
		break
	}
	if u, err := url.Parse(s); err != nil || u.Host == "" {
		return ""
	}
	return s
}

// escapeLine backslash-escapes what Markdown (CommonMark and GitHub's
// extensions) would read as markup in one line of text.
func escapeLine(l string) string {
	var b strings.Builder
	// At the start of a line: headings, lists, quotes, rules and setext underlines.
	if m := reListNumber.FindStringSubmatchIndex(l); m != nil {
		b.WriteString(l[:m[3]] + `\` + l[m[4]:m[5]])
		l = l[m[5]:]
	} else if l != "" && strings.ContainsRune("-+=", rune(l[0])) {
		b.WriteString(`\` + l[:1])
		l = l[1:]
	}
	escapeInline(&b, l)
	return b.String()
}

// escapeInline writes l to b with what would be markup inside a line escaped.
func escapeInline(b *strings.Builder, l string) {
	prev := ' '
	for i, r := range l {
		switch r {
		case '\\', '`', '*', '[', ']', '<', '>', '~', '|', '#', '$':
			b.WriteByte('\\')
		case '_':
			next, _ := utf8.DecodeRuneInString(l[i+1:])
			if !isWordRune(prev) || !isWordRune(next) {
				b.WriteByte('\\')
			}
		case '&':
			if reEntity.MatchString(l[i:]) {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
		prev = r
	}
}

// visible drops control characters but line breaks and tabs (the
// commands strip them from what users type; a post never relies on that),
// so nothing hidden can split a mass mention or the markup escaped around it.
func visible(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, s)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Inline is user text for one line (a title, a name, a heading): Text with
// every run of white space, line breaks included, made one space.
func Inline(s string) string { return Text(strings.Join(strings.Fields(s), " ")) }

// Paragraphs turns a note into Markdown paragraphs: blank lines part them,
// single line breaks stay inside one.
func Paragraphs(s string) []string {
	var out []string
	for _, p := range reBlankLine.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, noteText(p))
		}
	}
	return out
}

// Dest is a link destination that Markdown reads back whole: an http(s) URL
// with the characters that would end or break a destination percent-encoded;
// "" for anything else (never a javascript: or data: link).
func Dest(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", `\`, "%5C", `"`, "%22", "`", "%60").Replace(u.String())
}

// Link is [text](url), or the text alone when the URL is not one to link.
func Link(text, raw string) string {
	if d := Dest(raw); d != "" {
		return "[" + text + "](" + d + ")"
	}
	return text
}

// Anchor is the id Markdown renderers give a heading, for a table of
// contents to link to: GitHub's rule, which Hugo's default and Jekyll's
// GFM follow too: letters (of any script), marks and digits lower-cased,
// spaces as dashes, dashes and underscores kept, everything else dropped.
func Anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.Join(strings.Fields(heading), " ")) {
		switch {
		case unicode.IsLetter(r), unicode.IsMark(r), unicode.IsDigit(r), r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	if strings.Trim(b.String(), "-_") == "" {
		return "heading"
	}
	return b.String()
}

// quoteString is s as a double-quoted YAML or TOML string. Angle brackets
// become ‹ ›: a Jekyll theme prints page.title as HTML, and an entity would
// show doubled where a theme escapes it, so no escape is right for both.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range talkbot.Defang(strings.Join(strings.Fields(visible(s)), " ")) {
		switch {
		case r == '<':
			b.WriteRune('‹')
		case r == '>':
			b.WriteRune('›')
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
