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
	// maxMessageText is the text of a message's blocks in all. chat.postMessage
	// refuses blocks of some 12,000 characters together (msg_blocks_too_long,
	// undocumented: bolt-js issues 2509 and 2867), so a show with many long
	// notes is several messages.
	maxMessageText = 10000
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

// safeURL returns u ready for a link, or false when it is not an absolute
// http(s) URL: only those become links.
func safeURL(u string) (string, bool) {
	if len(u) > talkbot.MaxURLLen {
		return "", false
	}
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return "", false
	}
	return p.String(), true
}

// reSlackUser is a Slack user id, the only kind of mention rendered live.
var reSlackUser = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// reSlackChannel is a Slack channel id, rendered as Slack's channel link.
var reSlackChannel = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)

// Rich text styles, shared: Block Kit objects are only read once built.
var (
	boldStyle   = &slackgo.RichTextSectionTextStyle{Bold: true}
	italicStyle = &slackgo.RichTextSectionTextStyle{Italic: true}
	codeStyle   = &slackgo.RichTextSectionTextStyle{Code: true}
)

// richText builds rich text elements from spans. User text goes into Slack
// as rich text, not mrkdwn: a rich text element is shown as typed, so a
// note's *stars*, `backticks` or ``` cannot style or swallow what follows,
// and only the elements the bot makes (a link, a user, a channel) are live.
type richText struct {
	els   []slackgo.RichTextSectionElement
	runes int // the text's length so far, to keep a block within its limit
}

// text appends literal text, joined to the element before when it has the
// same style (fewer elements, a smaller message).
func (r *richText) text(s string, style *slackgo.RichTextSectionTextStyle) {
	if s == "" {
		return
	}
	s = talkbot.Defang(s)
	r.runes += utf8.RuneCountInString(s)
	if n := len(r.els); n > 0 {
		if t, ok := r.els[n-1].(*slackgo.RichTextSectionTextElement); ok && t.Style == style {
			t.Text += s
			return
		}
	}
	r.els = append(r.els, &slackgo.RichTextSectionTextElement{Type: slackgo.RTSEText, Text: s, Style: style})
}

// span appends one span.
func (r *richText) span(s commands.Span) {
	switch s.Style {
	case commands.StyleStrong:
		r.styled(s.Text, boldStyle)
		return
	case commands.StyleEmphasis:
		r.styled(s.Text, italicStyle)
		return
	case commands.StyleCode:
		r.styled(s.Text, codeStyle)
		return
	case commands.StyleLink:
		if u, ok := safeURL(s.URL); ok {
			label := s.Text
			if strings.TrimSpace(label) == "" {
				label = s.URL
			}
			label = talkbot.Defang(strings.ReplaceAll(label, "\n", " "))
			r.runes += utf8.RuneCountInString(label)
			r.els = append(r.els, &slackgo.RichTextSectionLinkElement{Type: slackgo.RTSELink, URL: u, Text: label})
			return
		}
		if s.URL != "" && s.URL != s.Text {
			r.text(s.Text+" ("+s.URL+")", nil)
			return
		}
	case commands.StyleChannel:
		if reSlackChannel.MatchString(s.Channel) {
			r.runes += len(s.Channel)
			r.els = append(r.els, &slackgo.RichTextSectionChannelElement{Type: slackgo.RTSEChannel, ChannelID: s.Channel})
			return
		}
	case commands.StyleMention:
		if reSlackUser.MatchString(s.User) {
			r.runes += len(s.User)
			r.els = append(r.els, &slackgo.RichTextSectionUserElement{Type: slackgo.RTSEUser, UserID: s.User})
			return
		}
		if !strings.HasPrefix(s.Text, "@") {
			r.text("@"+s.Text, nil)
			return
		}
	}
	r.text(s.Text, nil)
}

// styled appends styled text, with the spaces at its ends plain: Slack
// draws a code span's box around its spaces too.
func (r *richText) styled(s string, style *slackgo.RichTextSectionTextStyle) {
	t := strings.TrimSpace(s)
	if t == "" {
		r.text(s, nil)
		return
	}
	i := strings.Index(s, t)
	r.text(s[:i], nil)
	r.text(t, style)
	r.text(s[i+len(t):], nil)
}

// emoji appends one of Slack's emoji by name.
func (r *richText) emoji(name string) {
	r.runes++
	r.els = append(r.els, &slackgo.RichTextSectionEmojiElement{Type: slackgo.RTSEEmoji, Name: name})
}

// block returns the elements as a rich text block and empties r.
func (r *richText) block() *slackgo.RichTextBlock {
	b := slackgo.NewRichTextBlock("", &slackgo.RichTextSection{Type: slackgo.RTESection, Elements: r.els})
	r.els, r.runes = nil, 0
	return b
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
	runes int      // the text of cur's blocks, to keep within maxMessageText
	rich  richText // lines waiting to become a rich text block
	seq   int      // numbers action ids, unique within a message
}

// render turns a reply into Block Kit: runs of paragraphs and list items in
// rich text blocks, each talk card its heading with an actions menu and its
// lines in rich text, buttons as buttons, files named (they are uploaded
// apart); split into messages of at most 50 blocks.
func render(r commands.Reply, o renderOptions) []message {
	g := &renderer{o: o}
	first := true
	line := func(l commands.Line) {
		if first && r.Kind == commands.KindError {
			g.rich.newLine(2+lineRunes(l), g.add)
			g.rich.emoji("warning")
			g.rich.text(" ", nil)
			g.rich.spans(l, g.add)
		} else {
			g.line(l)
		}
		first = false
	}
	for _, b := range r.Blocks {
		switch b := b.(type) {
		case *commands.Paragraph:
			line(b.Spans)
		case *commands.List:
			for _, it := range b.Items {
				line(it.Spans)
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
	n := blockText(b)
	g.room(1, n)
	g.cur = append(g.cur, b)
	g.runes += n
}

// room starts a new message unless this one has room for n blocks of runes
// characters, or is empty.
func (g *renderer) room(n, runes int) {
	if len(g.cur) > 0 && (len(g.cur)+n > maxBlocks || g.runes+runes > maxMessageText) {
		g.end()
	}
}

// end closes the message being built.
func (g *renderer) end() {
	if len(g.cur) > 0 || len(g.out) == 0 {
		g.out = append(g.out, message{blocks: g.cur})
	}
	g.cur, g.runes, g.seq = nil, 0, 0
}

// blockText is how many characters of text a block holds: its words, labels
// and options, and a link's address, to err on the safe side of a limit
// Slack does not document.
func blockText(b slackgo.Block) int {
	n := 0
	text := func(t *slackgo.TextBlockObject) {
		if t != nil {
			n += utf8.RuneCountInString(t.Text)
		}
	}
	switch b := b.(type) {
	case *slackgo.RichTextBlock:
		for _, el := range b.Elements {
			sec, ok := el.(*slackgo.RichTextSection)
			if !ok {
				continue
			}
			for _, e := range sec.Elements {
				switch e := e.(type) {
				case *slackgo.RichTextSectionTextElement:
					n += utf8.RuneCountInString(e.Text)
				case *slackgo.RichTextSectionLinkElement:
					n += utf8.RuneCountInString(e.Text) + len(e.URL)
				case *slackgo.RichTextSectionUserElement:
					n += len(e.UserID)
				case *slackgo.RichTextSectionChannelElement:
					n += len(e.ChannelID)
				case *slackgo.RichTextSectionEmojiElement:
					n += len(e.Name)
				}
			}
		}
	case *slackgo.SectionBlock:
		text(b.Text)
		if b.Accessory != nil && b.Accessory.SelectElement != nil {
			text(b.Accessory.SelectElement.Placeholder)
			for _, o := range b.Accessory.SelectElement.Options {
				text(o.Text)
			}
		}
	case *slackgo.ContextBlock:
		for _, e := range b.ContextElements.Elements {
			if t, ok := e.(*slackgo.TextBlockObject); ok {
				text(t)
			}
		}
	case *slackgo.ActionBlock:
		for _, e := range b.Elements.ElementSet {
			if btn, ok := e.(*slackgo.ButtonBlockElement); ok {
				text(btn.Text)
			}
		}
	}
	return n
}

// line adds a line to the rich text waiting to become a block.
func (g *renderer) line(l commands.Line) { lineInto(&g.rich, l, g.add) }

// lineInto adds l to r on a line of its own.
func lineInto(r *richText, l commands.Line, emit func(slackgo.Block)) {
	r.newLine(lineRunes(l), emit)
	r.spans(l, emit)
}

// newLine starts a line of about n runes: after a line break, or in a new
// block when this one would grow past a section's length (emit takes it).
func (r *richText) newLine(n int, emit func(slackgo.Block)) {
	if len(r.els) == 0 {
		return
	}
	if r.runes+1+n > maxSectionText {
		emit(r.block())
		return
	}
	r.text("\n", nil)
}

// spans appends a line's spans, cutting text too long for a block across
// blocks (emit takes each full one). A link, a mention or a channel is
// whole: it starts a block of its own when it would not fit this one (cut,
// a mention would be two).
func (r *richText) spans(l commands.Line, emit func(slackgo.Block)) {
	for _, s := range l {
		if whole(s) {
			if n := spanRunes(s); len(r.els) > 0 && r.runes+n > maxSectionText {
				emit(r.block())
			}
			r.span(s)
			continue
		}
		for r.runes+utf8.RuneCountInString(s.Text) > maxSectionText {
			cut := runeOffset(s.Text, max(0, maxSectionText-r.runes))
			head := s
			head.Text = s.Text[:cut]
			r.span(head)
			if len(r.els) > 0 {
				emit(r.block())
			}
			s.Text = s.Text[cut:]
		}
		r.span(s)
	}
}

// whole says whether a span is one element, never cut.
func whole(s commands.Span) bool {
	return s.Style == commands.StyleLink || s.Style == commands.StyleMention || s.Style == commands.StyleChannel
}

// spanRunes is about how long a span shows: a link's label, or its address
// when the link is not live.
func spanRunes(s commands.Span) int {
	n := utf8.RuneCountInString(s.Text)
	if s.Style == commands.StyleLink {
		n += utf8.RuneCountInString(s.URL) // the label, or "label (url)"
	}
	return n + 1 // a mention's "@"
}

// lineRunes is about how long a line shows.
func lineRunes(l commands.Line) int {
	n := 0
	for _, s := range l {
		n += spanRunes(s)
	}
	return n
}

// flush turns the waiting lines into a rich text block.
func (g *renderer) flush() {
	if len(g.rich.els) > 0 {
		g.add(g.rich.block())
	}
}

// card renders a talk card with a menu of what can be done to the talk
// beside it. A card whose lines hold no link, user or channel is one plain
// text section, so a 25-card list page stays one message of Slack's 50
// blocks; otherwise its heading is, and its lines follow as rich text. A
// card without a menu is all rich text.
func (g *renderer) card(c *commands.TalkCard) {
	g.flush()
	menu := !g.o.noActions && c.Talk.ID > 0
	var parts []slackgo.Block
	var r richText
	add := func(b slackgo.Block) { parts = append(parts, b) }
	heading := talkbot.Defang(commands.LineText(c.Heading()))
	if menu && !hasLive(c.Lines) {
		text := []string{heading}
		for _, l := range c.Lines {
			text = append(text, commands.LineText(l))
		}
		if s := strings.Join(text, "\n"); utf8.RuneCountInString(s) <= maxSectionText {
			g.menuSection(s, c, nil)
			return
		}
	}
	if !menu {
		lineInto(&r, c.Heading(), add)
	}
	for _, l := range c.Lines {
		lineInto(&r, l, add)
	}
	if len(r.els) > 0 {
		add(r.block())
	}
	if menu {
		g.menuSection(truncateRunes(heading, maxSectionText), c, parts)
		return
	}
	g.room(len(parts), textOf(parts))
	for _, b := range parts {
		g.add(b)
	}
}

// menuSection adds a card's plain text with its menu, and the card's other
// blocks after it, in a new message when they would not fit this one: a
// card stays in one message, unless it is longer than one.
func (g *renderer) menuSection(text string, c *commands.TalkCard, parts []slackgo.Block) {
	menu := g.cardMenu(c)
	// As typed: a title's ":skull:" stays words, as in rich text.
	b := slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, text, false, false), nil, slackgo.NewAccessory(menu))
	g.room(1+len(parts), blockText(b)+textOf(parts))
	menu.ActionID = g.actionID(actionCard) // numbered in the message it lands in
	g.add(b)
	for _, b := range parts {
		g.add(b)
	}
}

// textOf is the text of blocks in all (blockText).
func textOf(blocks []slackgo.Block) int {
	n := 0
	for _, b := range blocks {
		n += blockText(b)
	}
	return n
}

// hasLive says whether lines hold a span that is live in Slack: a link, a
// user or a channel.
func hasLive(lines []commands.Line) bool {
	for _, l := range lines {
		for _, s := range l {
			switch s.Style {
			case commands.StyleLink:
				if _, ok := safeURL(s.URL); ok {
					return true
				}
			case commands.StyleMention:
				if reSlackUser.MatchString(s.User) {
					return true
				}
			case commands.StyleChannel:
				if reSlackChannel.MatchString(s.Channel) {
					return true
				}
			}
		}
	}
	return false
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
	starLabel, unstarLabel   = plainText("★ Star"), plainText("Unstar")
	wantLabel, watchedLabel  = plainText("Watch later"), plainText("Watched")
	unwantLabel, unrateLabel = plainText("Off my watch-later list"), plainText("Remove my rating")
	menuPlaceholder          = plainText("Actions…")
)

// cardMenu is a talk card's "Actions…" menu: rate (or take the rating
// back), star or unstar, watch later (or not), watched. Each option's value is the command it runs. Its action id
// is the caller's to set, once it knows the message.
func (g *renderer) cardMenu(c *commands.TalkCard) *slackgo.SelectBlockElement {
	ref := "#" + strconv.FormatInt(c.Talk.ID, 10)
	opts := make([]*slackgo.OptionBlockObject, 0, 8)
	opt := func(label *slackgo.TextBlockObject, command string) {
		opts = append(opts, slackgo.NewOptionBlockObject(command, label, nil))
	}
	mine := c.Log != nil && !g.o.public // the card shows the clicker's own log
	for n := 5; n >= 1; n-- {
		opt(rateLabels[n], "rate "+ref+" "+strconv.Itoa(n))
	}
	if mine && c.Log.Rating > 0 {
		opt(unrateLabel, "unrate "+ref)
	}
	if mine && c.Log.Starred {
		opt(unstarLabel, "unstar "+ref)
	} else {
		opt(starLabel, "star "+ref)
	}
	if mine && c.Log.WatchLater && !c.Log.Watched {
		opt(unwantLabel, "unwant "+ref)
	} else {
		opt(wantLabel, "want "+ref)
	}
	opt(watchedLabel, "watched "+ref)
	return slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, menuPlaceholder, "", opts...)
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

func truncateRunes(s string, n int) string { return commands.Cut(s, n) }
