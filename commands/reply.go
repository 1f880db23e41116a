package commands

import (
	"slices"
	"strings"

	"github.com/talkbot/talkbot"
)

// Reply is a platform-neutral answer: lines of styled spans. Span text is
// always literal (user text included); each adapter escapes it for its
// platform, so no user text can become markup or a mention.
type Reply struct {
	Kind   Kind
	Lines  []Line
	Talks  []int64 // the talks shown, in order, for adapters that add buttons or reactions
	Public bool    // meant for the channel rather than only the asker
	JSON   []byte  // an attachment (export json), when set
}

// Kind tells adapters how to present a reply.
type Kind int

// Reply kinds.
const (
	KindOK       Kind = iota
	KindError         // the command was not carried out; nothing changed
	KindQuestion      // the bot needs the user to choose
)

// Line is one line of a reply.
type Line []Span

// Span is a run of text in one style.
type Span struct {
	Text  string
	Style Style
	URL   string // for StyleLink
}

// Style is how a span is shown.
type Style int

// Span styles.
const (
	StylePlain Style = iota
	StyleBold
	StyleCode
	StyleLink
	StyleQuote // a user's note
)

// Text renders the reply as plain text, as the console shows it.
func (r Reply) Text() string {
	var b strings.Builder
	for i, l := range r.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		for _, s := range l {
			b.WriteString(s.PlainText())
		}
	}
	if r.JSON != nil {
		if len(r.Lines) > 0 {
			b.WriteByte('\n')
		}
		b.Write(r.JSON)
	}
	return b.String()
}

// PlainText renders one span without markup, mass mentions defanged.
func (s Span) PlainText() string {
	t := talkbot.Defang(s.Text)
	switch s.Style {
	case StyleCode:
		return "`" + t + "`"
	case StyleLink:
		if s.URL != "" && s.URL != s.Text {
			return t + " <" + s.URL + ">"
		}
	case StyleQuote:
		return "“" + t + "”"
	}
	return t
}

func plain(s string) Span { return Span{Text: s} }
func bold(s string) Span  { return Span{Text: s, Style: StyleBold} }
func code(s string) Span  { return Span{Text: s, Style: StyleCode} }
func quote(s string) Span { return Span{Text: s, Style: StyleQuote} }
func link(text, url string) Span {
	return Span{Text: text, Style: StyleLink, URL: url}
}

// builder accumulates a reply.
type builder struct{ r Reply }

func (b *builder) line(spans ...Span) { b.r.Lines = append(b.r.Lines, spans) }
func (b *builder) text(s string)      { b.line(plain(s)) }
func (b *builder) talk(id int64) {
	if !slices.Contains(b.r.Talks, id) {
		b.r.Talks = append(b.r.Talks, id)
	}
}
func (b *builder) reply() Reply { return b.r }

func errorReply(msg string) Reply {
	return Reply{Kind: KindError, Lines: []Line{{plain(msg)}}}
}

func textReply(s string) Reply { return Reply{Lines: []Line{{plain(s)}}} }
