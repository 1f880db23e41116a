package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
	"golang.org/x/text/width"
)

// viewFilter is what list and highlights accept.
type viewFilter struct {
	day   string
	all   bool
	team  bool
	mine  bool
	who   *talkbot.User
	tag   string
	watch bool
	page  int // 1-based; 0 is the first
}

func isMention(c *call, text string) bool {
	_, ok := mentionOf(c, text)
	return ok
}

// Page sizes of the lists.
const (
	listPage       = 25
	showNotes      = 20 // the notes `show` prints, newest
	showPeople     = 15 // the people `show` names
	highlightsPage = 10
	searchPage     = 10
	watchPage      = 10
)

// pageOf turns a 1-based page number into a store page.
func pageOf(n, size int) talkbot.Page { return talkbot.Page{Offset: max(n-1, 0) * size, Limit: size} }

// moreLine says which part of a long list a reply shows, and how to see the
// rest: a list cut short says so, with buttons for the pages before and
// after. args is the command with its filters, for the hint ("highlights mine");
// "" for none, where no command shows the next page to whoever presses it.
func moreLine(b *builder, shown int, p talkbot.Page, total talkbot.Total, args string) {
	if total.N <= shown && !total.More && p.Offset == 0 {
		return
	}
	of := fmt.Sprintf("%d", total.N)
	if total.More {
		of = fmt.Sprintf("more than %d", total.N)
	}
	from, to := p.Offset+1, p.Offset+shown
	if shown == 0 {
		b.text(fmt.Sprintf("(No more: %s in all.)", of))
		return
	}
	cmd, page := strings.TrimSpace(args), p.Offset/max(p.Limit, 1)+1
	line := fmt.Sprintf("(%d–%d of %s", from, to, of)
	if cmd == "" { // no command turns its pages (a shared view of one person's own)
		b.line(plain(line + ".)"))
		return
	}
	var buttons []Button
	if page > 1 {
		buttons = append(buttons, Button{Label: "‹ Previous", Command: fmt.Sprintf("%s page %d", cmd, page-1)})
	}
	if total.More || to < total.N {
		next := fmt.Sprintf("%s page %d", cmd, page+1)
		line += "; "
		b.line(plain(line), code(next), plain(" shows the next.)"))
		buttons = append(buttons, Button{Label: "Next ›", Command: next})
	} else {
		b.line(plain(line + ".)"))
	}
	b.buttons(buttons...)
}

// conferenceDay is the date of the conference's day N (typed as n), for
// `list`, `highlights` and `schedule` alike: refused for a number that is
// not one of its days, or a conference without dates.
func conferenceDay(conf talkbot.Conference, n, cmd string) (string, error) {
	num, err := strconv.Atoi(n)
	if err != nil || num < 1 || num > 60 {
		return "", talkbot.Errorf(talkbot.EINVALID, "`day N` wants a day number of the conference, like `%s day 2`.", cmd)
	}
	start, err := time.Parse(time.DateOnly, conf.StartsOn)
	if err != nil {
		return "", talkbot.Errorf(talkbot.EINVALID, "%s has no dates, so I can't tell which day %d is; use a date like 2024-11-13, or set dates with `conf new`.", conf.Name, num)
	}
	day := start.AddDate(0, 0, num-1).Format(time.DateOnly)
	if end, err := time.Parse(time.DateOnly, conf.EndsOn); err == nil && day > conf.EndsOn {
		days := int(end.Sub(start).Hours()/24) + 1
		return "", talkbot.Errorf(talkbot.EINVALID, "%s has %d days (%s..%s): `%s day %d` is its last.", conf.Name, days, conf.StartsOn, conf.EndsOn, cmd, days)
	}
	return day, nil
}

func (r *Router) parseView(ctx context.Context, c *call, cmd string, allowWho, allowWatch bool) (viewFilter, error) {
	var v viewFilter
	args := c.args
	if allowWho { // a mention of several words (a Matrix pill's display name) is one
		for _, m := range c.req.Mentions {
			if strings.ContainsAny(strings.TrimSpace(m.Text), " \t") && strings.Contains(args, m.Text) {
				args = strings.Replace(args, m.Text, " ", 1)
				if err := r.viewOf(ctx, c, m, &v); err != nil {
					return v, err
				}
				break
			}
		}
	}
	ts := tokenize(args)
	for i := 0; i < len(ts); i++ {
		w := strings.ToLower(ts[i].text)
		switch {
		case w == "today":
			v.day = c.today()
		case w == "yesterday":
			v.day = c.now.In(c.conf.Location()).AddDate(0, 0, -1).Format(time.DateOnly)
		case w == "all":
			v.all = true
		case w == "mine" || w == "me":
			v.team, v.mine = false, true
		case w == "team":
			v.team, v.mine = true, false
		case (w == "watch" || w == "later") && allowWatch:
			v.watch = true
		case w == "page" && i+1 < len(ts):
			n, err := strconv.Atoi(ts[i+1].text)
			if err != nil || n < 1 || n > 1000 {
				return v, talkbot.Errorf(talkbot.EINVALID, "`page N` wants a page number, like `%s page 2`.", cmd)
			}
			v.page = n
			i++
		case w == "day" && i+1 < len(ts):
			day, err := conferenceDay(c.conf, ts[i+1].text, cmd)
			if err != nil {
				return v, err
			}
			v.day = day
			i++
		case reDate.MatchString(w):
			d, err := parseDate(w)
			if err != nil {
				return v, err
			}
			v.day = d
		case reTag.MatchString(w):
			v.tag = strings.ToLower(w[1:])
		case allowWho && (strings.HasPrefix(ts[i].text, "@") || isMention(c, ts[i].text)):
			m, _ := mentionOf(c, ts[i].text)
			if err := r.viewOf(ctx, c, m, &v); err != nil {
				return v, err
			}
		default:
			return v, talkbot.Errorf(talkbot.EINVALID, "I can't read “%s” here. Try: `%s`.", truncate(ts[i].text, 40), r.byName[cmd].Usage)
		}
	}
	return v, nil
}

// viewOf makes v the view of the user m names.
func (r *Router) viewOf(ctx context.Context, c *call, m Mention, v *viewFilter) error {
	ref := m.UserID
	if ref == "" {
		ref = strings.TrimPrefix(m.Text, "@")
	}
	u, err := r.store.FindUser(ctx, c.user.WorkspaceID, ref)
	if errors.Is(err, talkbot.ErrNotFound) {
		return talkbot.Errorf(talkbot.ENOTFOUND, "I don't know %s yet: they haven't logged anything.", truncate(m.Text, 40))
	}
	if err != nil {
		return err
	}
	v.who = &u
	return nil
}

func (r *Router) list(ctx context.Context, c *call) (Reply, error) {
	v, err := r.parseView(ctx, c, "list", true, true)
	if err != nil {
		return Reply{}, err
	}
	q := talkbot.ListQuery{WorkspaceID: c.user.WorkspaceID, ConferenceID: c.conf.ID, ViewerID: c.user.ID,
		Day: v.day, Tag: v.tag, UserID: c.user.ID, WatchLater: v.watch, Page: pageOf(v.page, listPage)}
	title, more := "Your talks", "list "+withoutPage(c.args)
	switch {
	case v.who != nil:
		q.UserID, title = v.who.ID, v.who.Name+"'s talks"
		if v.watch {
			title = v.who.Name + "'s watch-later list"
		}
	case v.team && !v.watch:
		q.UserID, title = 0, "The team's talks"
	case c.req.Shared:
		// Others read it: it is the asker's list by name, and its pages are
		// the asker's too, whoever presses Next.
		who := c.user.ExternalID // "U123", or a Matrix id "@alice:example.org"
		if !strings.HasPrefix(who, "@") {
			who = "@" + who
		}
		title, more = c.user.Name+"'s talks", "list "+who+" "+withoutPage(c.args)
		if v.watch {
			title = c.user.Name + "'s watch-later list"
		}
	case v.watch:
		title = "Your watch-later list"
	}
	ts, total, err := r.store.ListTalks(ctx, q)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.line(plain(heading(title, c.conf, v.day, v.tag)))
	if len(ts) == 0 && q.Offset == 0 {
		b.text(emptyList(q, c.user.ID))
		return b.reply(), nil
	}
	for i, t := range ts {
		t.Log = c.seen(t.Log)
		summaryCard(b, q.Offset+i+1, t, q.UserID != 0, c.user.ID)
	}
	moreLine(b, len(ts), q.Page, total, more)
	return b.reply(), nil
}

// emptyList says why a list is empty and what would fill it.
func emptyList(q talkbot.ListQuery, me int64) string {
	filtered := q.Day != "" || q.Tag != ""
	switch {
	case q.UserID != me && filtered:
		return "Nothing on this list for that filter; without it, the list may have more."
	case q.UserID != me && q.UserID != 0:
		return "Nothing here yet."
	case filtered && q.WatchLater:
		return "Nothing on your watch-later list for that filter; `list watch` shows it all."
	case q.WatchLater:
		return "Nothing on your watch-later list. `want <talk>` puts one there; `watch` suggests recordings."
	case filtered:
		return "Nothing here for that filter; `list` shows all your talks, `help list` the filters."
	case q.UserID == 0:
		return "Nobody has logged a talk yet. `add <title>` logs one."
	}
	return "Nothing here yet. `add <title>` logs a talk; `help list` shows the filters."
}

func heading(title string, conf talkbot.Conference, day, tag string) string {
	s := title + " — " + conf.Name
	if day != "" {
		s += ", " + day
	}
	if tag != "" {
		s += ", #" + tag
	}
	return s + ":"
}

func (r *Router) highlights(ctx context.Context, c *call) (Reply, error) {
	v, err := r.parseView(ctx, c, "highlights", false, false)
	if err != nil {
		return Reply{}, err
	}
	mine := v.mine
	q := talkbot.HighlightQuery{ConferenceID: c.conf.ID, Day: v.day, Tag: v.tag, Page: pageOf(v.page, highlightsPage)}
	title := "Team highlights"
	if mine {
		q.UserID, title = c.user.ID, "Your highlights"
		if c.req.Shared {
			title = c.user.Name + "'s highlights"
		}
	}
	ts, total, err := r.store.Highlights(ctx, q)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.line(plain(heading(title, c.conf, v.day, v.tag)))
	if len(ts) == 0 && q.Offset == 0 {
		b.text("No highlights yet: `star` a talk or rate it 4 or 5.")
		return b.reply(), nil
	}
	for i, t := range ts {
		t.Log = c.seen(t.Log)
		summaryCard(b, q.Offset+i+1, t, mine, c.user.ID)
	}
	more := "highlights " + withoutPage(c.args)
	if mine && c.req.Shared {
		more = "" // Next, pressed by a colleague, would show their own page
	}
	moreLine(b, len(ts), q.Page, total, more)
	return b.reply(), nil
}

func (r *Router) show(ctx context.Context, c *call) (Reply, error) {
	args, page := pageSuffix(c.args) // `show #12 page 2`: the next people who logged it
	o, err := parseOptions(tokenize(args))
	if err != nil {
		return Reply{}, err
	}
	if f := refFrom(o); page > 0 && f.title != "" && !f.quoted {
		// An unquoted title ends at the line's end: `show The Front Page 2`
		// is that talk (the pages follow a #id, as the reply says).
		if o, err = parseOptions(tokenize(c.args)); err != nil {
			return Reply{}, err
		}
		page = 0
	}
	page = max(page, 1)
	t, err := r.resolve(ctx, c, refFrom(o), looseMode)
	if err != nil {
		return Reply{}, err
	}
	d, err := r.store.TalkDetail(ctx, c.user.WorkspaceID, c.noteViewer(), t.ID)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	card := b.card("", d.Talk)
	for _, l := range d.Logs {
		if l.UserID == c.user.ID {
			own := l.Log
			card.Log = &own
		}
	}
	if page > 1 {
		showPeoplePage(card, d, c.user.ID, page)
		return b.reply(), nil
	}
	if f := talkFacts(d.Talk); f != nil {
		card.line(f...)
	}
	if !d.StartsAt.IsZero() {
		conf, err := r.talkConference(ctx, c, d.Talk) // a #12 of another conference: in its zone
		if err != nil {
			return Reply{}, err
		}
		loc := conf.Location()
		card.line(plain("   " + d.StartsAt.In(loc).Format("Mon 2 Jan 15:04") + endTime(d.EndsAt, loc)))
	}
	if d.ScheduleURL != "" {
		card.line(plain("   Schedule: "), link(d.ScheduleURL, d.ScheduleURL))
	}
	if d.RecordingURL != "" {
		card.line(plain("   Recording: "), link(d.RecordingURL, d.RecordingURL))
	}
	if n := recordingNote(d.Talk); n != "" {
		card.text("   " + n)
	}
	if d.Cancelled {
		card.text("   Cancelled, says the schedule.")
	}
	for _, l := range d.Links {
		card.line(plain("   Link: "), link(l, l))
	}
	if d.Abstract != "" {
		card.line(plain("   "), plain(truncate(d.Abstract, 400)))
	}
	if len(d.Logs) == 0 {
		card.text("Nobody has logged it yet.")
	}
	showPeoplePage(card, d, c.user.ID, 1)
	notes := d.Notes
	if n := len(notes) - showNotes; n > 0 { // the newest: a talk the whole team wrote about would fill pages
		card.text(fmt.Sprintf("   (%s left out; `summary #%d` sums them all up.)", plural(n, "earlier note"), d.ID))
		notes = notes[n:]
	}
	card.Notes = notes
	for _, n := range notes {
		l := Line{plain("✎ "), bold(n.UserName)}
		if n.Visibility == talkbot.VisibilityPrivate {
			l = append(l, plain(" (private)"))
			b.r.Private = true
		}
		card.line(append(l, plain(": "), quote(n.Text))...)
	}
	return b.reply(), nil
}

// showPeoplePage lists page p of the people who logged a talk, showPeople a
// page, the best ratings first; the asker's own line is on the first. A
// talk the whole team logged would list hundreds.
func showPeoplePage(card *TalkCard, d talkbot.TalkDetail, asker int64, p int) {
	type person struct {
		name, state string
	}
	var own *person
	var others []person
	for _, l := range d.Logs {
		if st := logState(l.Log, l.Presented); st != "" {
			if l.UserID == asker {
				own = &person{l.UserName, st}
			} else {
				others = append(others, person{l.UserName, st})
			}
		}
	}
	from, to := min((p-1)*showPeople, len(others)), min(p*showPeople, len(others))
	page := others[from:to]
	if p == 1 && own != nil {
		page = append([]person{*own}, page...)
	}
	if p > 1 && from == to {
		card.text(fmt.Sprintf("   %d other people logged it, %d a page: `show #%d` starts at the first.", len(others), showPeople, d.ID))
		return
	}
	if p > 1 {
		card.text(fmt.Sprintf("   People %d–%d of %d:", from+1, to, len(others)))
	}
	for _, x := range page {
		card.line(plain("• "), bold(x.name), plain(": "+x.state))
	}
	switch more := len(others) - to; {
	case more == 1:
		card.text(fmt.Sprintf("   …and 1 more person: `show #%d page %d`.", d.ID, p+1))
	case more > 1:
		card.text(fmt.Sprintf("   …and %d more people: `show #%d page %d`.", more, d.ID, p+1))
	}
}

// endTime is "–15:04 MST" for a known end, else nothing.
func endTime(end time.Time, loc *time.Location) string {
	if end.IsZero() {
		return ""
	}
	return "–" + end.In(loc).Format("15:04 MST")
}

var rePageSuffix = regexp.MustCompile(`(?i)(?:^|\s+)page\s+(\d+)\s*$`)

// withoutPage drops a trailing `page N` from a command's arguments.
func withoutPage(args string) string { return rePageSuffix.ReplaceAllString(args, "") }

// pageSuffix reads a trailing `page N` off a command's arguments.
func pageSuffix(args string) (string, int) {
	m := rePageSuffix.FindStringSubmatch(args)
	if m == nil {
		return args, 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > 1000 {
		return args, 0
	}
	return withoutPage(args), n
}

func (r *Router) search(ctx context.Context, c *call) (Reply, error) {
	words, page := pageSuffix(strings.TrimSpace(c.args))
	if page == 0 && !talkbot.IsASCII(words) { // ｐａｇｅ　２ in an IME's full width; the words stay as typed
		if w, p := pageSuffix(width.Fold.String(words)); p > 0 { // Fold maps rune to rune
			words, page = strings.TrimSpace(string([]rune(words)[:utf8.RuneCountInString(w)])), p
		}
	}
	if !strings.ContainsFunc(words, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Search for what? Try `search ebpf` or `search Pablo`.")
	}
	// The user's conference, as every view: a hit from another one, logged,
	// would vanish from their list and post.
	q := talkbot.SearchQuery{WorkspaceID: c.user.WorkspaceID, ConferenceID: c.conf.ID, ViewerID: c.noteViewer(), Text: words, Page: pageOf(page, searchPage)}
	hits, total, err := r.store.Search(ctx, q)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	if len(hits) == 0 && q.Offset == 0 {
		b.line(plain("Nothing matches “"), plain(truncate(words, 80)), plain("” in "+c.conf.Name+"; `conf use <name>` searches another conference."))
		return b.reply(), nil
	}
	b.line(plain("Talks of "+c.conf.Name+" matching “"), plain(truncate(words, 80)), plain("”:"))
	for i, h := range hits {
		card := b.card(fmt.Sprintf("%d.", q.Offset+i+1), h.Talk)
		if h.Note != nil {
			card.Notes = []talkbot.Note{*h.Note}
			card.line(plain("   "+h.Note.UserName+": "), quote(truncate(h.Note.Text, 160)))
			if h.Note.Visibility == talkbot.VisibilityPrivate {
				b.r.Private = true
			}
		}
	}
	moreLine(b, len(hits), q.Page, total, "search "+words)
	return b.reply(), nil
}

func (r *Router) watch(ctx context.Context, c *call) (Reply, error) {
	question, page := pageSuffix(strings.TrimSpace(c.args))
	var f talkbot.WatchFilters
	if question != "" && r.assistant != nil {
		// For a model, the team's tags: a tag it makes up ("security" where
		// the team writes #sec) then searches as a word instead of narrowing
		// to nothing. (The built-in parser takes only the #tags typed.)
		var tags []string
		if r.thinks() {
			var err error
			if tags, err = r.store.ConferenceTags(ctx, c.conf.ID, 100); err != nil {
				return Reply{}, err
			}
		}
		f = r.assistant.ParseQuestion(ctx, WatchQuestion{WorkspaceID: c.user.WorkspaceID, Text: question, Today: c.today(), Tags: tags})
	}
	p := pageOf(page, watchPage)
	sg, total, err := r.store.WatchList(ctx, c.user, c.conf.ID, f, p)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	if len(sg) == 0 && p.Offset == 0 {
		if question != "" && (len(f.Keywords) > 0 || len(f.Tags) > 0 || f.Day != "" || f.Weekday != "") {
			b.line(plain("Nothing to watch matches “"), plain(truncate(question, 80)), plain("”."))
			b.text("`watch` alone lists everything worth watching.")
			return b.reply(), nil
		}
		b.text("Nothing to watch yet. `missed` or `want` a talk to put it on your list; talks colleagues rate 4-5 show up here too.")
		return b.reply(), nil
	}
	reasons := make([]string, len(sg))
	for i, s := range sg {
		if s.ReasonPrivate && c.req.Shared { // a reply others read
			s.MissedReason = ""
		}
		reasons[i] = watchReason(s)
	}
	if question != "" && r.assistant != nil { // the assistant may say it better, from these facts only
		cands := make([]WatchCandidate, len(sg))
		for i, s := range sg {
			cands[i] = WatchCandidate{TalkID: s.ID, Title: s.Title, Facts: strings.Split(reasons[i], "; "), Reason: reasons[i]}
		}
		for i, line := range r.assistant.Explain(ctx, c.user.WorkspaceID, question, cands) {
			if i < len(reasons) && strings.TrimSpace(line) != "" {
				reasons[i] = line
			}
		}
	}
	b.line(plain("Worth watching — " + c.conf.Name + ":"))
	for i, s := range sg {
		card := b.card(fmt.Sprintf("%d.", p.Offset+i+1), s.Talk)
		card.line(plain("   " + reasons[i]))
		if n := recordingNote(s.Talk); n != "" { // after the assistant's words, which must not promise a video
			card.text("   " + n)
		}
		if s.RecordingURL != "" {
			card.line(plain("   ▶ "), link(s.RecordingURL, s.RecordingURL))
		}
	}
	more := "watch"
	switch {
	case c.req.Shared:
		more = "" // Next, pressed by a colleague, would show their own page
	case question != "":
		more = "watch " + question
	}
	moreLine(b, len(sg), p, total, more)
	return b.reply(), nil
}

// watchReason is the why of a suggestion: every reason that applies.
func watchReason(s talkbot.Suggestion) string {
	var parts []string
	switch {
	case s.Missed && s.MissedReason != "":
		parts = append(parts, "you missed it ("+s.MissedReason+")")
	case s.Missed:
		parts = append(parts, "you missed it")
	case s.WatchLater:
		parts = append(parts, "on your watch-later list")
	}
	if len(s.From) > 0 {
		parts = append(parts, "recommended by "+strings.Join(s.From, ", "))
	}
	for _, l := range s.Ratings {
		switch {
		case l.Rating >= talkbot.HighlightRating && l.Starred:
			parts = append(parts, fmt.Sprintf("%s rated it %d/5 and starred it", l.UserName, l.Rating))
		case l.Rating >= talkbot.HighlightRating:
			parts = append(parts, fmt.Sprintf("%s rated it %d/5", l.UserName, l.Rating))
		default:
			parts = append(parts, l.UserName+" starred it")
		}
	}
	if len(s.SharedTags) > 0 {
		parts = append(parts, "like the talks you rated highly (#"+strings.Join(s.SharedTags, ", #")+")")
	}
	if !s.WatchLater && !s.Missed && len(s.From) == 0 && len(parts) > 0 {
		parts = append(parts, "you haven't seen it")
	}
	if len(parts) == 0 {
		parts = append(parts, "you haven't seen it")
	}
	return strings.Join(parts, "; ")
}
