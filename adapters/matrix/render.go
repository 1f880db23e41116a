package matrix

import (
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"unicode/utf8"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// maxTextBytes bounds the body plus the HTML of one event, counted as they
// are sent (JSON-escaped: Go writes < as \u003c). With the event's other
// fields, and a third more for encryption (the megolm payload is base64),
// the event stays well under Matrix's 64 KiB.
const maxTextBytes = 40_000

// render turns a reply into m.notice contents: the body is the reply's plain
// text (Reply.Text without the files, which go as m.file), the formatted body
// HTML built span by span. Every span's text is escaped and mass mentions are
// defanged, only http(s) links become anchors and mentions become pills, so
// no text becomes markup, a link or a ping. Buttons are left out: the text
// always says the command too. A reply too long for one event is split into
// several, at line ends where it can be; first bounds the first event's text
// (an edit carries its text twice), rest each of the others'.
func render(r commands.Reply, first, rest int) []*event.MessageEventContent {
	var out []*event.MessageEventContent
	var body, formatted strings.Builder
	used, limit := 0, first
	flush := func() {
		if body.Len() == 0 && formatted.Len() == 0 {
			return
		}
		// Defanged again as a whole: a line cut in pieces could join "@" and "room".
		out = append(out, notice(talkbot.Defang(body.String()), formatted.String()))
		body.Reset()
		formatted.Reset()
		used, limit = 0, rest
	}
	for _, line := range lines(r) {
		b, h := talkbot.Defang(commands.LineText(line)), lineHTML(line)
		size := jsonLen(b) + jsonLen(h)
		if used > 0 && used+size+separatorLen > limit {
			flush()
		}
		if used > 0 {
			body.WriteByte('\n')
			formatted.WriteString("<br>")
			used += separatorLen
		}
		if used+size <= limit {
			body.WriteString(b)
			formatted.WriteString(h)
			used += size
			continue
		}
		// One line longer than an event: cut it, span by span.
		for _, s := range line {
			s.Text = talkbot.Defang(s.Text)
			for _, piece := range cutSpan(s, limit/2) {
				b, h := piece.PlainText(), spanHTML(piece)
				size := jsonLen(b) + jsonLen(h)
				if used > 0 && used+size > limit {
					flush()
				}
				body.WriteString(b)
				formatted.WriteString(h)
				used += size
			}
		}
	}
	flush()
	return out
}

// separatorLen is what a line break takes as JSON in the body and the HTML.
var separatorLen = jsonLen("\n") + jsonLen("<br>")

// notice is an m.notice with a plain and an HTML body.
func notice(body, formatted string) *event.MessageEventContent {
	return &event.MessageEventContent{MsgType: event.MsgNotice, Body: body, Format: event.FormatHTML, FormattedBody: formatted}
}

// lines are the reply's lines of text, as Reply.Text has them, files and
// buttons left out.
func lines(r commands.Reply) []commands.Line {
	var out []commands.Line
	for _, b := range r.Blocks {
		switch b := b.(type) {
		case *commands.Paragraph:
			out = append(out, b.Spans)
		case *commands.TalkCard:
			out = append(out, b.Heading())
			out = append(out, b.Lines...)
		case *commands.List:
			for _, it := range b.Items {
				out = append(out, it.Spans)
			}
		}
	}
	return out
}

// plainText is the body of a reply: its text without the files.
func plainText(r commands.Reply) string {
	var b strings.Builder
	for i, l := range lines(r) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(talkbot.Defang(commands.LineText(l)))
	}
	return b.String()
}

func lineHTML(l commands.Line) string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(spanHTML(s))
	}
	return b.String()
}

// spanHTML renders one span as HTML; its text is always escaped.
func spanHTML(s commands.Span) string {
	t := escape(s.Text)
	switch s.Style {
	case commands.StyleStrong:
		return "<strong>" + t + "</strong>"
	case commands.StyleEmphasis:
		return "<em>" + t + "</em>"
	case commands.StyleCode:
		return "<code>" + t + "</code>"
	case commands.StyleLink:
		if webURL(s.URL) {
			return `<a href="` + html.EscapeString(s.URL) + `">` + t + "</a>"
		}
	case commands.StyleMention:
		if u := id.UserID(s.User); validUser(u) {
			return `<a href="` + html.EscapeString(u.URI().MatrixToURL()) + `">` + t + "</a>"
		}
		return escape(s.PlainText())
	}
	return t
}

// mentioned returns the users the reply's mention spans name.
func mentioned(r commands.Reply) []id.UserID {
	var out []id.UserID
	add := func(l commands.Line) {
		for _, s := range l {
			if u := id.UserID(s.User); s.Style == commands.StyleMention && validUser(u) {
				out = append(out, u)
			}
		}
	}
	for _, l := range lines(r) {
		add(l)
	}
	return out
}

func validUser(u id.UserID) bool {
	_, _, err := u.ParseAndValidateRelaxed()
	return err == nil && strings.HasPrefix(string(u), "@")
}

// escape makes text safe HTML: escaped, mass mentions defanged, newlines as <br>.
func escape(text string) string {
	return strings.ReplaceAll(html.EscapeString(talkbot.Defang(text)), "\n", "<br>")
}

// webURL reports whether u is an absolute http(s) URL, the only links rendered.
func webURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// jsonLen is how many bytes s takes in a JSON string, as encoding/json writes it.
func jsonLen(s string) int {
	b, _ := json.Marshal(s)
	return len(b) - 2
}

// cutSpan cuts a span into pieces whose body and HTML each stay under n
// bytes as JSON (a character may take up to six escaped, and escaping
// &amp; another five), at character boundaries.
func cutSpan(s commands.Span, n int) []commands.Span {
	n = max(1, n/12)
	if len(s.Text) <= n {
		return []commands.Span{s}
	}
	var out []commands.Span
	t := s.Text
	for len(t) > 0 {
		i := min(n, len(t))
		for i < len(t) && !utf8.RuneStart(t[i]) {
			i--
		}
		if i == 0 { // n smaller than one character
			_, i = utf8.DecodeRuneInString(t)
		}
		p := s
		p.Text = t[:i]
		out = append(out, p)
		t = t[i:]
	}
	return out
}

// relation makes a reply to inReplyTo, inside thread when there is one; a
// post in a thread that answers nothing is in the thread only.
func relation(inReplyTo, thread id.EventID) *event.RelatesTo {
	switch {
	case inReplyTo == "" && thread == "":
		return nil
	case inReplyTo == "":
		return (&event.RelatesTo{}).SetThread(thread, thread)
	}
	rel := &event.RelatesTo{}
	if thread != "" {
		rel.Type, rel.EventID = event.RelThread, thread
	}
	return rel.SetReplyTo(inReplyTo)
}
