package matrix

import (
	"html"
	"net/url"
	"strconv"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// maxReplyBytes keeps a reply's body plus HTML well under Matrix's 64 KiB
// event limit (encryption adds a third).
const maxReplyBytes = 40_000

// render turns a reply into an m.notice: the body is plain text (Markdown
// style: `code`, links as text <url>), the formatted body HTML. Every span's
// text is escaped, mass mentions are defanged in both, and only http(s) links
// become anchors, so no user text can become markup, a link or a ping.
func render(r commands.Reply) *event.MessageEventContent {
	var body, formatted strings.Builder
	for i, line := range r.Lines {
		var b, h strings.Builder
		for _, s := range line {
			b.WriteString(s.PlainText())
			h.WriteString(spanHTML(s))
		}
		if body.Len()+formatted.Len()+b.Len()+h.Len() > maxReplyBytes {
			more := strconv.Itoa(len(r.Lines)-i) + " more lines not shown; narrow it down to see them."
			body.WriteString("\n… " + more)
			formatted.WriteString("<br><em>… " + more + "</em>")
			break
		}
		if i > 0 {
			body.WriteByte('\n')
			formatted.WriteString("<br>")
		}
		body.WriteString(b.String())
		formatted.WriteString(h.String())
	}
	return &event.MessageEventContent{
		MsgType:       event.MsgNotice,
		Body:          talkbot.Defang(body.String()),
		Format:        event.FormatHTML,
		FormattedBody: formatted.String(),
	}
}

// spanHTML renders one span as HTML; its text is always escaped.
func spanHTML(s commands.Span) string {
	t := escape(s.Text)
	switch s.Style {
	case commands.StylePlain:
		return inlineCode(s.Text)
	case commands.StyleBold:
		return "<strong>" + t + "</strong>"
	case commands.StyleCode:
		return "<code>" + t + "</code>"
	case commands.StyleQuote:
		return "<em>“" + t + "”</em>"
	case commands.StyleLink:
		if webURL(s.URL) {
			return `<a href="` + html.EscapeString(s.URL) + `">` + t + "</a>"
		}
	}
	return t
}

// escape makes text safe HTML: escaped, mass mentions defanged, newlines as <br>.
func escape(text string) string {
	return strings.ReplaceAll(html.EscapeString(talkbot.Defang(text)), "\n", "<br>")
}

// inlineCode renders the one piece of Markdown that plain replies use,
// `inline code`, as <code>; everything else is escaped text.
func inlineCode(text string) string {
	parts := strings.Split(text, "`")
	if len(parts) < 3 {
		return escape(text)
	}
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i%2 == 0:
			b.WriteString(escape(p))
		case i == len(parts)-1: // an unpaired backtick stays as it is
			b.WriteString("`" + escape(p))
		default:
			b.WriteString("<code>" + escape(p) + "</code>")
		}
	}
	return b.String()
}

// webURL reports whether u is an absolute http(s) URL, the only links rendered.
func webURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// relation makes a reply to inReplyTo, inside thread when there is one.
func relation(inReplyTo, thread id.EventID) *event.RelatesTo {
	rel := &event.RelatesTo{}
	if thread != "" {
		rel.Type, rel.EventID = event.RelThread, thread
	}
	return rel.SetReplyTo(inReplyTo)
}
