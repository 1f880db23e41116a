package schedule

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlToText reduces an HTML fragment to plain text: paragraphs apart by a
// blank line, list items and <br> on lines of their own, a link's address
// after its text, entities unescaped, scripts and styles dropped, runs of
// spaces folded. A tag it does not know stays as text, so that
// "List<String>" in an abstract written in Markdown survives. keepNewlines
// keeps the text's own line breaks, as Sched's and pretalx's plain text
// need; in HTML they are spaces.
func htmlToText(s string, keepNewlines bool) string {
	if !strings.ContainsAny(s, "<&\u00a0\u200b\u202f\r\t\n") && !strings.Contains(s, "  ") {
		return strings.TrimSpace(s) // nothing to do, as for most titles
	}
	w := textWriter{keepNewlines: keepNewlines}
	w.b.Grow(len(s))
	if !strings.ContainsAny(s, "<&") {
		w.text(s) // no markup: no need to tokenize
		return w.String()
	}
	z := html.NewTokenizer(strings.NewReader(s))
	skip := atom.Atom(0) // inside <script> or <style>: drop until its end
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF: the tokenizer never fails otherwise
		}
		switch tt {
		case html.TextToken:
			if skip == 0 {
				w.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if skip != 0 {
				if tt == html.EndTagToken && a == skip {
					skip = 0
				}
				continue
			}
			var href, alt string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href":
					href = string(v)
				case "alt":
					alt = string(v)
				}
			}
			if !w.tag(a, tt, href, alt) {
				w.text(string(z.Raw())) // not a tag we know: it was text
			}
			if tt == html.StartTagToken && (a == atom.Script || a == atom.Style || a == atom.Head || a == atom.Template || a == atom.Noscript) {
				skip = a
			}
		}
	}
	return w.String()
}

// textWriter writes text with whitespace folded: a space, line break or
// blank line waits until the next visible character, so none trails.
type textWriter struct {
	b            strings.Builder
	keepNewlines bool
	pre          int    // inside <pre>: spaces kept
	space        bool   // a space is due
	breaks       int    // 1: a line break is due, 2: a blank line
	prefix       string // "- " or "3. " for a list item
	lists        []int  // for each open list, the last item's number (-1 in <ul>)
	linkFrom     int    // where the open link's text starts
	linkHref     string // the open link's address, "" when none
}

func (w *textWriter) String() string { return strings.TrimSpace(w.b.String()) }

func (w *textWriter) lineBreak(n int) { w.breaks = max(w.breaks, n) }

func (w *textWriter) text(s string) {
	newlines := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		} else if r > ' ' && r != 0x7f {
			j := i + 1 // a run of visible ASCII, written at once
			for j < len(s) && s[j] > ' ' && s[j] < 0x7f {
				j++
			}
			newlines = 0
			w.flush()
			w.b.WriteString(s[i:j])
			i = j
			continue
		}
		i += size
		switch {
		case r == '\u200b' || r == '\ufeff' || r == '\r':
			continue // zero-width space, byte-order mark, CR of CRLF
		case r == '\n' && (w.keepNewlines || w.pre > 0):
			newlines++
			w.lineBreak(min(newlines, 2))
			w.space = false
			continue
		case unicode.IsSpace(r): // no-break spaces too
			if w.pre > 0 && w.b.Len() > 0 && w.breaks == 0 {
				w.b.WriteRune(' ')
			} else {
				w.space = true
			}
			continue
		}
		newlines = 0
		w.flush()
		w.b.WriteRune(r)
	}
}

// flush writes what is due before a visible character.
func (w *textWriter) flush() {
	if w.b.Len() > 0 {
		switch {
		case w.breaks == 1:
			w.b.WriteByte('\n')
		case w.breaks >= 2:
			w.b.WriteString("\n\n")
		case w.space:
			w.b.WriteByte(' ')
		}
	}
	w.breaks, w.space = 0, false
	if w.prefix != "" {
		w.b.WriteString(w.prefix)
		w.prefix = ""
	}
}

// tag handles one tag; false means it is not an HTML tag worth knowing.
func (w *textWriter) tag(a atom.Atom, tt html.TokenType, href, alt string) bool {
	start := tt != html.EndTagToken
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Table,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Hr, atom.Dl, atom.Figure, atom.Main, atom.Aside, atom.Nav:
		w.lineBreak(2)
	case atom.Pre:
		w.lineBreak(2)
		if tt == html.StartTagToken {
			w.pre++
		} else if !start && w.pre > 0 {
			w.pre--
		}
	case atom.Ul, atom.Ol:
		w.lineBreak(2)
		if tt == html.StartTagToken {
			n := -1
			if a == atom.Ol {
				n = 0
			}
			w.lists = append(w.lists, n)
		} else if !start && len(w.lists) > 0 {
			w.lists = w.lists[:len(w.lists)-1]
		}
	case atom.Li:
		w.lineBreak(1)
		if start {
			w.prefix = "- "
			if n := len(w.lists); n > 0 && w.lists[n-1] >= 0 {
				w.lists[n-1]++
				w.prefix = strconv.Itoa(w.lists[n-1]) + ". "
			}
		}
	case atom.Br:
		w.lineBreak(min(w.breaks+1, 2)) // two in a row make a blank line
	case atom.Tr, atom.Dt, atom.Dd, atom.Caption:
		w.lineBreak(1)
	case atom.Td, atom.Th:
		w.space = true
	case atom.A:
		if tt == html.StartTagToken {
			w.linkFrom, w.linkHref = w.b.Len(), ""
			if strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://") {
				w.linkHref = href
			}
		} else if !start && w.linkHref != "" {
			if shown := strings.TrimSpace(w.b.String()[min(w.linkFrom, w.b.Len()):]); shown != w.linkHref && shown != "" {
				w.text(" (" + w.linkHref + ")")
			} else if shown == "" {
				w.text(w.linkHref)
			}
			w.linkHref = ""
		}
	case atom.Img:
		if alt != "" {
			w.text(alt)
		}
	case atom.B, atom.I, atom.Em, atom.Strong, atom.Span, atom.Code, atom.U, atom.S, atom.Sup, atom.Sub, atom.Small,
		atom.Big, atom.Font, atom.Mark, atom.Abbr, atom.Cite, atom.Q, atom.Tt, atom.Kbd, atom.Var, atom.Del, atom.Ins,
		atom.Strike, atom.Center, atom.Label, atom.Time, atom.Wbr, atom.Html, atom.Body, atom.Tbody, atom.Thead,
		atom.Tfoot, atom.Colgroup, atom.Col, atom.Figcaption, atom.Details, atom.Summary, atom.Script, atom.Style,
		atom.Head, atom.Template, atom.Noscript, atom.Meta, atom.Link, atom.Title:
	default:
		return false
	}
	return true
}
