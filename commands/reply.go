package commands

import (
	"fmt"
	"slices"
	"strings"

	"github.com/talkbot/talkbot"
)

// Reply is the answer to a command, as a document each adapter renders for
// its platform: paragraphs, talk cards, lists, buttons and files. Span text
// is always literal (user text included): adapters escape it, so no user text
// becomes markup or a mention, and no adapter reads structure back out of text.
type Reply struct {
	Command string // the command's name in the table ("list"); "" when none ran
	Kind    Kind
	Code    string // the error kind (talkbot.EINVALID, …) of a command that was not carried out
	// Safe says running the command again changes nothing (it only reads):
	// adapters may offer to page through it or share it.
	Safe bool
	// Private says the reply holds what only the asker may read (their
	// private notes, their export): never share it with others.
	Private bool
	// Unchanged says the change asked for was so already ("Already
	// starred"): nothing was written. A quick action taken back later
	// (a Matrix reaction removed) must then take nothing back.
	Unchanged bool
	Blocks    []Block
}

// Kind tells adapters how to present a reply.
type Kind int

// Reply kinds.
const (
	KindOK       Kind = iota
	KindError         // the command was not carried out; nothing changed
	KindQuestion      // the bot needs the user to choose
	KindProgress      // "working on it…": the answer will replace this reply
)

// Block is a part of a reply: *Paragraph, *TalkCard, *List, *Actions or *Attachment.
type Block interface{ isBlock() }

// Paragraph is one line of text.
type Paragraph struct{ Spans []Span }

// TalkCard is one talk as a reply shows it: a heading ("Logged new talk #12
// Title — Speaker, Org"), then lines about it. Its data is there for adapters
// that do more with a talk than print it (buttons, reactions, a menu); the
// heading and lines say it in words.
type TalkCard struct {
	Talk  talkbot.Talk
	Log   *talkbot.Log   // the viewer's own log, when the reply shows it
	Stats *Stats         // the team's numbers, when the reply shows them
	Notes []talkbot.Note // the notes shown: only those the viewer may read
	Lead  []Span         // before the talk in the heading: "Logged new talk", "3."
	Tail  []Span         // after it: " (2024-11-11)"
	Lines []Line         // under the heading
}

// Stats are a talk's numbers across the team.
type Stats struct {
	Highlights, Stars, RatingSum, RatingCount int
}

// List is several one-line items, each of which may name a talk.
type List struct{ Items []Item }

// Item is a line of a List; Talk is the talk it names, 0 for none.
type Item struct {
	Spans []Span
	Talk  int64
}

// Actions are buttons. Each runs its command as whoever presses it, so a
// button is a shortcut for typing, never more.
type Actions struct{ Buttons []Button }

// Button is one button: its label and the command it runs.
type Button struct {
	Label   string
	Command string
	Primary bool
}

// Attachment is a file that comes with a reply (an export, a post).
type Attachment struct {
	Name      string // file name, e.g. talkbot-export.json
	MediaType string // e.g. application/json
	Data      []byte
}

func (*Paragraph) isBlock()  {}
func (*TalkCard) isBlock()   {}
func (*List) isBlock()       {}
func (*Actions) isBlock()    {}
func (*Attachment) isBlock() {}

// Line is a run of spans on one line.
type Line []Span

// Span is a run of text in one style.
type Span struct {
	Text  string
	Style Style
	URL   string // StyleLink: where it goes
	User  string // StyleMention: the platform's user id
	// Channel is StyleChannel's platform channel id (a Slack C…, a Matrix !room).
	Channel string
}

// Style is how a span is shown.
type Style int

// Span styles.
const (
	StylePlain Style = iota
	StyleStrong
	StyleEmphasis
	StyleCode
	StyleLink
	StyleMention
	StyleChannel // a channel or room: Text as typed, Channel its id
)

// Talks returns the ids of the talks a reply shows, in order: its cards' and
// its list items'.
func (r Reply) Talks() []int64 {
	var out []int64
	add := func(id int64) {
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, b := range r.Blocks {
		switch b := b.(type) {
		case *TalkCard:
			add(b.Talk.ID)
		case *List:
			for _, it := range b.Items {
				add(it.Talk)
			}
		}
	}
	return out
}

// Attachments returns the files of a reply.
func (r Reply) Attachments() []*Attachment {
	var out []*Attachment
	for _, b := range r.Blocks {
		if a, ok := b.(*Attachment); ok {
			out = append(out, a)
		}
	}
	return out
}

// Heading is the card's first line: its lead, the talk ("#12 Title — Speaker,
// Org", the id strong) and its tail.
func (c *TalkCard) Heading() Line {
	l := make(Line, 0, len(c.Lead)+1+talkLineSpans+len(c.Tail))
	l = append(l, c.Lead...)
	if len(l) > 0 {
		l = append(l, plain(" "))
	}
	l = appendTalkLine(l, c.Talk)
	return append(l, c.Tail...)
}

// Text renders the reply as plain text, as the console shows it. Buttons are
// left out: the text always says the command too. Text files follow the text.
func (r Reply) Text() string {
	var lines []string
	for _, b := range r.Blocks {
		switch b := b.(type) {
		case *Paragraph:
			lines = append(lines, LineText(b.Spans))
		case *TalkCard:
			lines = append(lines, LineText(b.Heading()))
			for _, l := range b.Lines {
				lines = append(lines, LineText(l))
			}
		case *List:
			for _, it := range b.Items {
				lines = append(lines, LineText(it.Spans))
			}
		case *Attachment:
			if isText(b.MediaType) {
				lines = append(lines, strings.TrimSuffix(string(b.Data), "\n"))
			} else {
				lines = append(lines, fmt.Sprintf("[%s, %d bytes]", b.Name, len(b.Data)))
			}
		}
	}
	return strings.Join(lines, "\n")
}

func isText(mediaType string) bool {
	return strings.HasPrefix(mediaType, "text/") || mediaType == "application/json"
}

// LineText renders spans as plain text: code in backticks, links as
// "text <url>", mass mentions defanged.
func LineText(l Line) string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(s.PlainText())
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
	case StyleMention:
		if !strings.HasPrefix(t, "@") {
			return "@" + t
		}
	}
	return t
}

func plain(s string) Span    { return Span{Text: s} }
func bold(s string) Span     { return Span{Text: s, Style: StyleStrong} }
func code(s string) Span     { return Span{Text: s, Style: StyleCode} }
func emphasis(s string) Span { return Span{Text: s, Style: StyleEmphasis} }
func link(text, url string) Span {
	return Span{Text: text, Style: StyleLink, URL: url}
}

// quote is a user's words, shown in quotes.
func quote(s string) Span { return emphasis("“" + s + "”") }

// words turns a message written with `backticks` around commands into
// spans: the one place such text is read, so no adapter ever parses it.
func words(s string) Line {
	parts := strings.Split(s, "`")
	if len(parts) < 3 {
		return Line{plain(s)}
	}
	var l Line
	for i, p := range parts {
		switch {
		case i%2 == 1 && i < len(parts)-1 && p != "":
			l = append(l, code(p))
		case i%2 == 1 && i == len(parts)-1: // an unpaired backtick stays as it is
			l = append(l, plain("`"+p))
		case p != "":
			l = append(l, plain(p))
		}
	}
	return l
}

// builder accumulates a reply.
type builder struct{ r Reply }

// line adds a paragraph.
func (b *builder) line(spans ...Span) { b.r.Blocks = append(b.r.Blocks, &Paragraph{Spans: spans}) }

// text adds a paragraph of words (`commands` in backticks become code).
func (b *builder) text(s string) { b.line(words(s)...) }

// card adds a talk card and returns it, for lines to be added under it.
func (b *builder) card(lead string, t talkbot.Talk) *TalkCard {
	c := &TalkCard{Talk: t}
	if lead = strings.TrimRight(lead, " "); lead != "" {
		c.Lead = Line{plain(lead)}
	}
	b.r.Blocks = append(b.r.Blocks, c)
	return c
}

// line adds a line under the card.
func (c *TalkCard) line(spans ...Span) { c.Lines = append(c.Lines, spans) }

// text adds a line of words under the card.
func (c *TalkCard) text(s string) { c.line(words(s)...) }

// buttons adds a row of buttons.
func (b *builder) buttons(bs ...Button) {
	if len(bs) > 0 {
		b.r.Blocks = append(b.r.Blocks, &Actions{Buttons: bs})
	}
}

func (b *builder) attach(a *Attachment) { b.r.Blocks = append(b.r.Blocks, a) }

func (b *builder) reply() Reply { return b.r }

func errorReply(msg string) Reply {
	return Reply{Kind: KindError, Blocks: []Block{&Paragraph{Spans: words(msg)}}}
}

func textReply(s string) Reply { return Reply{Blocks: []Block{&Paragraph{Spans: words(s)}}} }
