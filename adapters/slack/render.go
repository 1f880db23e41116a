package slack

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Limits Block Kit puts on a message, with some room to spare.
const (
	maxSectionText = 2900 // a section's text may have 3000 characters
	maxBlocks      = 50   // blocks in a message
	maxValueLen    = 2000 // a button's value
	maxOptionValue = 150  // a menu option's value
	maxOptionText  = 75   // an option's or button's text
	maxButtons     = 25   // elements in an actions block
	maxFallback    = 300  // the notification text of a message
)

// Action ids of the buttons and menus the adapter renders. Ids that end in
// "-<n>" are numbered so each is unique within its message.
const (
	actionRun       = "run"  // an Actions button: its value is the command to run
	actionCard      = "card" // a talk card's menu: each option's value is the command
	actionShare     = "share"
	actionOpenAdd   = "open_add"
	actionHomeReset = "home_refresh"
)

// actionKind is the action id without its number: "run-3" is "run".
func actionKind(id string) string {
	if i := strings.LastIndexByte(id, '-'); i > 0 {
		if _, err := strconv.Atoi(id[i+1:]); err == nil {
			return id[:i]
		}
	}
	return id
}

// mrkdwnEscaper escapes the three characters Slack's mrkdwn gives meaning to:
// with them escaped, no text can open a <!channel>, <@U…> or <http://…|link>.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes literal text safe to put in mrkdwn: mass mentions are defanged
// and &, < and > escaped.
func escape(s string) string {
	return mrkdwnEscaper.Replace(talkbot.Defang(s))
}

// urlEscaper keeps a URL from ending the <url|label> it stands in.
var urlEscaper = strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20", "\n", "%0A")

// safeURL returns u ready for a mrkdwn link, or false when it is not an
// absolute http(s) URL: only those become links.
func safeURL(u string) (string, bool) {
	if len(u) > talkbot.MaxURLLen {
		return "", false
	}
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return "", false
	}
	return urlEscaper.Replace(p.String()), true
}

// reSlackUser is a Slack user id, the only kind of mention rendered live.
var reSlackUser = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// reSlackChannel is a Slack channel id, rendered as Slack's channel link.
var reSlackChannel = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)

// wrap puts markup delimiters around text that can carry them: not empty,
// without the delimiter or a line break inside, with the spaces at its ends
// outside (Slack ignores "* bold*"). Otherwise the text stays plain.
func wrap(t, raw, delim string) string {
	trimmed := strings.TrimSpace(raw)
	if trimmed == "" || strings.ContainsAny(raw, delim+"\n") {
		return t
	}
	lead := t[:len(t)-len(strings.TrimLeft(t, " "))]
	trail := t[len(strings.TrimRight(t, " ")):]
	return lead + delim + strings.TrimSpace(t) + delim + trail
}

// spanMrkdwn renders one span as mrkdwn.
func spanMrkdwn(s commands.Span) string {
	t := escape(s.Text)
	switch s.Style {
	case commands.StyleStrong:
		return wrap(t, s.Text, "*")
	case commands.StyleEmphasis:
		return wrap(t, s.Text, "_")
	case commands.StyleCode:
		return wrap(t, s.Text, "`")
	case commands.StyleLink:
		if u, ok := safeURL(s.URL); ok {
			if strings.TrimSpace(t) == "" {
				t = escape(s.URL)
			}
			return "<" + u + "|" + strings.ReplaceAll(t, "\n", " ") + ">"
		}
		if s.URL != "" && s.URL != s.Text {
			return t + " (" + escape(s.URL) + ")"
		}
	case commands.StyleChannel:
		if reSlackChannel.MatchString(s.Channel) {
			return "<#" + s.Channel + ">"
		}
	case commands.StyleMention:
		if reSlackUser.MatchString(s.User) {
			return "<@" + s.User + ">"
		}
		if !strings.HasPrefix(t, "@") {
			return "@" + t
		}
	}
	return t
}

// lineMrkdwn renders a line of spans.
func lineMrkdwn(l commands.Line) string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(spanMrkdwn(s))
	}
	return b.String()
}

// message is one Slack message of a rendered reply: Slack takes 50 blocks a
// message, so a long reply is several.
type message struct {
	blocks []slackgo.Block
	text   string // the notification text
}

// renderOptions say how a reply is shown.
type renderOptions struct {
	// share is the command to run again for a "Share in channel" button;
	// "" for none.
	share string
	// filesNote says where the reply's files went when not beside the
	// message: "in a direct message from me".
	filesNote string
	// noActions leaves out menus and buttons (the App Home's notice).
	noActions bool
	// public says others read the message: a card's menu then offers what
	// anyone may want (Star), not what the asker's own log calls for (Unstar).
	public bool
}

// renderer accumulates the blocks of a reply into messages.
type renderer struct {
	o     renderOptions
	out   []message
	cur   []slackgo.Block
	lines []string // text waiting to become sections
	seq   int      // numbers action ids, unique within a message
}

// render turns a reply into Block Kit: runs of paragraphs and list items in
// mrkdwn sections, each talk card one section with an actions menu, buttons
// as buttons, files named (they are uploaded apart); split into messages of
// at most 50 blocks.
func render(r commands.Reply, o renderOptions) []message {
	g := &renderer{o: o}
	first := true
	line := func(s string) {
		if first && r.Kind == commands.KindError {
			s = ":warning: " + s
		}
		first = false
		g.lines = append(g.lines, s)
	}
	for _, b := range r.Blocks {
		switch b := b.(type) {
		case *commands.Paragraph:
			line(lineMrkdwn(b.Spans))
		case *commands.List:
			for _, it := range b.Items {
				line(lineMrkdwn(it.Spans))
			}
		case *commands.TalkCard:
			first = false
			g.card(b)
		case *commands.Actions:
			g.actions(b)
		case *commands.Attachment:
			g.flush()
			note := fmt.Sprintf(":paperclip: %s (%s)", escape(b.Name), size(len(b.Data)))
			if o.filesNote != "" {
				note += ", " + escape(o.filesNote)
			}
			g.add(slackgo.NewContextBlock("", mrkdwn(note)))
		}
	}
	g.flush()
	if o.share != "" && !o.noActions && len(o.share) <= maxValueLen {
		g.add(slackgo.NewActionBlock("", slackgo.NewButtonBlockElement(actionShare, o.share, plainText("Share in channel"))))
	}
	g.end()
	fallback := "talkbot"
	if t := fallbackText(r); t != "" {
		fallback = t
	}
	for i := range g.out {
		g.out[i].text = fallback
		if i > 0 {
			g.out[i].text = fallback + " (continued)"
		}
	}
	return g.out
}

// fallbackText is the first line of a reply, plain, for notifications.
func fallbackText(r commands.Reply) string {
	var first string
	for _, b := range r.Blocks {
		switch b := b.(type) {
		case *commands.Paragraph:
			first = commands.LineText(b.Spans)
		case *commands.TalkCard:
			first = commands.LineText(b.Heading())
		case *commands.List:
			if len(b.Items) > 0 {
				first = commands.LineText(b.Items[0].Spans)
			}
		case *commands.Attachment:
			first = b.Name
		}
		if strings.TrimSpace(first) != "" {
			break
		}
	}
	first, _, _ = strings.Cut(strings.TrimSpace(first), "\n")
	return truncateRunes(mrkdwnEscaper.Replace(first), maxFallback)
}

// add appends a block, starting a new message when this one is full.
func (g *renderer) add(b slackgo.Block) {
	if len(g.cur) == maxBlocks {
		g.end()
	}
	g.cur = append(g.cur, b)
}

// end closes the message being built.
func (g *renderer) end() {
	if len(g.cur) > 0 || len(g.out) == 0 {
		g.out = append(g.out, message{blocks: g.cur})
	}
	g.cur, g.seq = nil, 0
}

// flush turns the waiting lines into sections.
func (g *renderer) flush() {
	if len(g.lines) == 0 {
		return
	}
	for _, s := range sections(g.lines) {
		g.add(section(s))
	}
	g.lines = nil
}

// card renders a talk card as one section (more if its text is very long),
// with a menu of what can be done to the talk.
func (g *renderer) card(c *commands.TalkCard) {
	g.flush()
	lines := []string{lineMrkdwn(c.Heading())}
	for _, l := range c.Lines {
		lines = append(lines, lineMrkdwn(l))
	}
	parts := sections(lines)
	if len(g.cur) > 0 && len(g.cur)+len(parts) > maxBlocks {
		g.end() // a card stays in one message, unless it is longer than one
	}
	for i, s := range parts {
		sec := section(s)
		if i == 0 && !g.o.noActions && c.Talk.ID > 0 {
			sec.Accessory = slackgo.NewAccessory(g.cardMenu(c))
		}
		g.add(sec)
	}
}

// The menu's labels, made once: a list's 25 menus would otherwise make the
// same nine text objects 25 times. Block Kit objects are only read once
// built, so the menus share them.
var (
	rateLabels = func() (l [6]*slackgo.TextBlockObject) { // "★★★☆☆ Rate 3", by rating
		for n := 1; n <= 5; n++ {
			l[n] = plainText(strings.Repeat("★", n) + strings.Repeat("☆", 5-n) + " Rate " + strconv.Itoa(n))
		}
		return l
	}()
	starLabel, unstarLabel  = plainText("★ Star"), plainText("Unstar")
	wantLabel, watchedLabel = plainText("Watch later"), plainText("Watched")
	menuPlaceholder         = plainText("Actions…")
)

// cardMenu is a talk card's "Actions…" menu: rate, star or unstar, watch
// later, watched. Each option's value is the command it runs.
func (g *renderer) cardMenu(c *commands.TalkCard) *slackgo.SelectBlockElement {
	ref := "#" + strconv.FormatInt(c.Talk.ID, 10)
	opts := make([]*slackgo.OptionBlockObject, 0, 8)
	opt := func(label *slackgo.TextBlockObject, command string) {
		opts = append(opts, slackgo.NewOptionBlockObject(command, label, nil))
	}
	for n := 5; n >= 1; n-- {
		opt(rateLabels[n], "rate "+ref+" "+strconv.Itoa(n))
	}
	if c.Log != nil && c.Log.Starred && !g.o.public {
		opt(unstarLabel, "unstar "+ref)
	} else {
		opt(starLabel, "star "+ref)
	}
	opt(wantLabel, "want "+ref)
	opt(watchedLabel, "watched "+ref)
	return slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, menuPlaceholder, g.actionID(actionCard), opts...)
}

// actions renders buttons; each one's value is the command it runs.
func (g *renderer) actions(a *commands.Actions) {
	g.flush()
	if g.o.noActions {
		return
	}
	var els []slackgo.BlockElement
	for _, b := range a.Buttons {
		if b.Command == "" || len(b.Command) > maxValueLen || len(els) == maxButtons {
			continue
		}
		btn := slackgo.NewButtonBlockElement(g.actionID(actionRun), b.Command, plainText(truncateRunes(b.Label, maxOptionText)))
		if b.Primary {
			btn = btn.WithStyle(slackgo.StylePrimary)
		}
		els = append(els, btn)
	}
	if len(els) > 0 {
		g.add(slackgo.NewActionBlock("", els...))
	}
}

func (g *renderer) actionID(kind string) string {
	g.seq++
	return kind + "-" + strconv.Itoa(g.seq)
}

// sections joins lines into section texts that each fit one section block.
func sections(lines []string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range lines {
		for utf8.RuneCountInString(l) > maxSectionText {
			cut := runeOffset(l, maxSectionText)
			if i := strings.LastIndexByte(l[:cut], '&'); i > cut-6 && i > 0 {
				cut = i // keep &amp; whole
			}
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			out = append(out, l[:cut])
			l = l[cut:]
		}
		if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(l) > maxSectionText {
			out = append(out, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte('\n')
		}
		cur.WriteString(l)
	}
	if cur.Len() > 0 || len(out) == 0 {
		s := cur.String()
		if strings.TrimSpace(s) == "" {
			s = " "
		}
		out = append(out, s)
	}
	return out
}

func runeOffset(s string, n int) int {
	i := 0
	for j := range s {
		if i == n {
			return j
		}
		i++
	}
	return len(s)
}

func mrkdwn(s string) *slackgo.TextBlockObject {
	// verbatim: Slack must not turn bare URLs, #channels or @names into links.
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, s, false, true)
}

func plainText(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.PlainTextType, s, true, false)
}

func section(s string) *slackgo.SectionBlock {
	return slackgo.NewSectionBlock(mrkdwn(s), nil, nil)
}

// size says a file size the way people read one.
func size(n int) string {
	switch {
	case n < 1000:
		return plural(n, "byte")
	case n < 1_000_000:
		return fmt.Sprintf("%.1f kB", float64(n)/1000)
	default:
		return fmt.Sprintf("%.1f MB", float64(n)/1_000_000)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
