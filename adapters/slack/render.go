package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
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
	maxPageBlocks  = 45   // a message may have 50 blocks
	maxValueLen    = 2000 // a button's value
	maxOptionText  = 75   // an option's or button's text
	defaultPage    = 8    // talk cards per page
	maxFallback    = 300  // the notification text of a message
)

// Action ids of the buttons and menus the adapter renders.
const (
	actionRate      = "rate"
	actionStar      = "star"
	actionLater     = "later"
	actionWatched   = "watched"
	actionPage      = "page"
	actionShare     = "share"
	actionOpenAdd   = "open_add"
	actionHomeReset = "home_refresh"
)

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

// spanMrkdwn renders one span. Bold and code fall back to plain text when the
// text holds their delimiter, so user text never unbalances the markup.
func spanMrkdwn(s commands.Span) string {
	t := escape(s.Text)
	switch s.Style {
	case commands.StyleBold:
		if strings.TrimSpace(s.Text) != "" && !strings.ContainsAny(s.Text, "*\n") {
			return "*" + t + "*"
		}
	case commands.StyleCode:
		if strings.TrimSpace(s.Text) != "" && !strings.ContainsAny(s.Text, "`\n") {
			return "`" + t + "`"
		}
	case commands.StyleLink:
		if u, ok := safeURL(s.URL); ok {
			if t == "" {
				t = escape(s.URL)
			}
			return "<" + u + "|" + t + ">"
		}
		if s.URL != "" && s.URL != s.Text {
			return t + " (" + escape(s.URL) + ")"
		}
	case commands.StyleQuote:
		return "“" + t + "”"
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

// linePlain renders a line without markup, for notifications and menus.
func linePlain(l commands.Line) string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(talkbot.Defang(s.Text))
	}
	return b.String()
}

// unit is a piece of a reply that stays on one page: a run of text lines,
// or one talk card (its lines and its buttons).
type unit struct {
	talk  int64    // the card's talk; 0 for text
	lines []string // mrkdwn
}

// units groups a reply's lines into text runs and talk cards. A card starts at
// the first line that shows one of reply.Talks as a bold "#id" and goes on over
// the indented or bulleted lines that follow it.
func units(r commands.Reply) []unit {
	shown := map[int64]bool{}
	for _, id := range r.Talks {
		shown[id] = true
	}
	var out []unit
	for _, l := range r.Lines {
		text := lineMrkdwn(l)
		if id := cardTalk(l, shown); id != 0 {
			delete(shown, id)
			out = append(out, unit{talk: id, lines: []string{text}})
			continue
		}
		if n := len(out); n > 0 && (out[n-1].talk == 0 || continuesCard(l)) {
			out[n-1].lines = append(out[n-1].lines, text)
			continue
		}
		out = append(out, unit{lines: []string{text}})
	}
	return out
}

func cardTalk(l commands.Line, talks map[int64]bool) int64 {
	for _, s := range l {
		if s.Style != commands.StyleBold || !strings.HasPrefix(s.Text, "#") {
			continue
		}
		if id, err := strconv.ParseInt(s.Text[1:], 10, 64); err == nil && talks[id] {
			return id
		}
	}
	return 0
}

func continuesCard(l commands.Line) bool {
	if len(l) == 0 {
		return false
	}
	t := l[0].Text
	return strings.HasPrefix(t, " ") || strings.HasPrefix(t, "•") || strings.HasPrefix(t, "✎") || strings.HasPrefix(t, "▶")
}

// jsonUnits splits a JSON attachment into code blocks that fit a section.
// Backticks and @ (only ever inside JSON strings) become \u0060 and \u0040,
// so no value can close the code block or read as @here; the JSON stays
// valid and means the same.
func jsonUnits(data []byte) []unit {
	data = bytes.ReplaceAll(data, []byte("`"), []byte(`\u0060`))
	data = bytes.ReplaceAll(data, []byte("@"), []byte(`\u0040`))
	const room = maxSectionText - 8
	var out []unit
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, unit{lines: []string{"```" + strings.TrimSuffix(cur.String(), "\n") + "```"}})
			cur.Reset()
		}
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		line = mrkdwnEscaper.Replace(line)
		for len(line) > room {
			flush()
			cut := room
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			// Never cut inside an &amp; entity.
			if i := strings.LastIndexByte(line[:cut], '&'); i > cut-5 && i > 0 {
				cut = i
			}
			cur.WriteString(line[:cut])
			flush()
			line = line[cut:]
		}
		if cur.Len()+len(line) > room {
			flush()
		}
		cur.WriteString(line)
	}
	flush()
	return out
}

// renderOptions say how a reply is shown.
type renderOptions struct {
	command string // the command that made the reply: for page and share buttons; empty for none
	page    int    // 1-based
	perPage int    // talk cards per page; defaultPage when 0
	public  bool   // posted to the channel: no page or share buttons
	noCards bool   // no talk buttons
	prefix  string // makes block ids unique when several replies share a view
}

// rendered is a reply as Block Kit.
type rendered struct {
	blocks []slackgo.Block
	text   string // the notification text
	page   int
	pages  int
}

// navValue is the value of a page button: the command to run again and the page to show.
type navValue struct {
	Command string `json:"c"`
	Page    int    `json:"p"`
}

// render turns a neutral reply into Block Kit: text in mrkdwn sections, each
// talk as a card with its buttons, long replies split into pages.
func render(r commands.Reply, o renderOptions) rendered {
	us := units(r)
	if r.JSON != nil {
		us = append(us, jsonUnits(r.JSON)...)
	}
	if o.perPage <= 0 {
		o.perPage = defaultPage
	}
	var head []unit // the lines before the first card head every page
	if len(us) > 0 && us[0].talk == 0 && len(r.Talks) > 0 {
		head, us = us[:1], us[1:]
	}
	headBlocks := 0
	for _, u := range head {
		headBlocks += len(sections(u.lines))
	}
	pages := paginate(us, o.perPage, maxPageBlocks-headBlocks-3)
	if len(pages) == 0 {
		pages = [][]unit{nil}
	}
	page := min(max(o.page, 1), len(pages))
	out := rendered{page: page, pages: len(pages)}
	seq := 0
	for i, u := range append(append([]unit{}, head...), pages[page-1]...) {
		texts := u.lines
		if i == 0 && r.Kind == commands.KindError {
			texts = append([]string{":warning: " + texts[0]}, texts[1:]...)
		}
		for _, s := range sections(texts) {
			out.blocks = append(out.blocks, section(s))
		}
		if u.talk != 0 && !o.noCards {
			seq++
			out.blocks = append(out.blocks, cardActions(u.talk, fmt.Sprintf("%stalk-%d-%d", o.prefix, u.talk, seq)))
		}
	}
	if len(pages) > 1 {
		out.blocks = append(out.blocks, slackgo.NewContextBlock(o.prefix+"pages",
			mrkdwn(fmt.Sprintf("Page %d of %d", page, len(pages)))))
	}
	if nav := navigation(r, o, page, len(pages)); nav != nil {
		out.blocks = append(out.blocks, nav)
	}
	if len(r.Lines) > 0 {
		out.text = truncateRunes(mrkdwnEscaper.Replace(linePlain(r.Lines[0])), maxFallback)
	} else {
		out.text = "talkbot"
	}
	return out
}

// paginate puts units on pages of at most perPage cards and maxBlocks blocks.
func paginate(us []unit, perPage, maxBlocks int) [][]unit {
	var pages [][]unit
	var cur []unit
	cards, blocks := 0, 0
	for _, u := range us {
		n := len(sections(u.lines))
		if u.talk != 0 {
			n++
		}
		if len(cur) > 0 && ((u.talk != 0 && cards == perPage) || blocks+n > maxBlocks) {
			pages = append(pages, cur)
			cur, cards, blocks = nil, 0, 0
		}
		cur = append(cur, u)
		blocks += n
		if u.talk != 0 {
			cards++
		}
	}
	if len(cur) > 0 {
		pages = append(pages, cur)
	}
	return pages
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

// cardActions are a talk card's buttons: rate, star, watch later, watched.
func cardActions(talk int64, blockID string) *slackgo.ActionBlock {
	id := strconv.FormatInt(talk, 10)
	var opts []*slackgo.OptionBlockObject
	for n := 5; n >= 1; n-- {
		label := strings.Repeat("★", n) + strings.Repeat("☆", 5-n) + " " + strconv.Itoa(n)
		opts = append(opts, slackgo.NewOptionBlockObject(id+":"+strconv.Itoa(n), plainText(label), nil))
	}
	return slackgo.NewActionBlock(blockID,
		slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, plainText("Rate #"+id), actionRate, opts...),
		slackgo.NewButtonBlockElement(actionStar, id, plainText("★ Star")),
		slackgo.NewButtonBlockElement(actionLater, id, plainText("Watch later")),
		slackgo.NewButtonBlockElement(actionWatched, id, plainText("Watched")),
	)
}

// navigation is the row of page and share buttons, or nil when there are none.
func navigation(r commands.Reply, o renderOptions, page, pages int) *slackgo.ActionBlock {
	if o.public || o.command == "" || r.Kind == commands.KindError {
		return nil
	}
	var els []slackgo.BlockElement
	if pages > 1 {
		if page > 1 {
			els = append(els, slackgo.NewButtonBlockElement(actionPage+"_prev", navJSON(o.command, page-1), plainText("‹ Previous")))
		}
		if page < pages {
			els = append(els, slackgo.NewButtonBlockElement(actionPage+"_next", navJSON(o.command, page+1), plainText("Next ›")))
		}
	}
	if isReadOnly(o.command) && r.Kind == commands.KindOK && r.JSON == nil && len(o.command) <= maxValueLen {
		els = append(els, slackgo.NewButtonBlockElement(actionShare, o.command, plainText("Share in channel")))
	}
	if len(els) == 0 || len(navJSON(o.command, page)) > maxValueLen {
		return nil
	}
	return slackgo.NewActionBlock(o.prefix+"nav", els...)
}

func navJSON(command string, page int) string {
	b, _ := json.Marshal(navValue{Command: command, Page: page})
	return string(b)
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// changeCommands are the command words that change data. Replies to the
// others can be run again safely (for paging and sharing).
var changeCommands = map[string]bool{
	"add": true, "saw": true, "missed": true, "want": true, "later": true, "watched": true,
	"rate": true, "star": true, "unstar": true, "note": true, "video": true, "recommend": true,
	"edit": true, "delete": true, "remove": true, "undo": true, "conf": true, "conference": true,
	"privacy": true, "forget": true, "import": true, "digest": true,
}

// commandWord is the first word of a command, lower case, without a leading talk prefix.
func commandWord(text string) string {
	f := strings.Fields(strings.ToLower(text))
	if len(f) > 0 && (f[0] == "talk" || f[0] == "/talk" || f[0] == "!talk") {
		f = f[1:]
	}
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// isReadOnly reports whether a command only reads.
func isReadOnly(text string) bool {
	w := commandWord(text)
	return w != "" && !changeCommands[w]
}
