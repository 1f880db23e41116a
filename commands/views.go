package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
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
}

func (r *Router) parseView(ctx context.Context, c *call, cmd string, allowWho, allowWatch bool) (viewFilter, error) {
	var v viewFilter
	ts := tokenize(c.args)
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
		case w == "day" && i+1 < len(ts):
			n, err := strconv.Atoi(ts[i+1].text)
			if err != nil || n < 1 || n > 60 {
				return v, talkbot.Errorf(talkbot.EINVALID, "`day N` wants a day number, like `%s day 2`.", cmd)
			}
			if c.conf.StartsOn == "" {
				return v, talkbot.Errorf(talkbot.EINVALID, "%s has no dates, so I can't tell which day %d is; use a date like 2024-11-13, or set dates with `conf new`.", c.conf.Name, n)
			}
			start, _ := time.Parse(time.DateOnly, c.conf.StartsOn)
			v.day = start.AddDate(0, 0, n-1).Format(time.DateOnly)
			i++
		case reDate.MatchString(w):
			d, err := parseDate(w)
			if err != nil {
				return v, err
			}
			v.day = d
		case reTag.MatchString(w):
			v.tag = strings.ToLower(w[1:])
		case allowWho && reMention.MatchString(ts[i].text):
			m := reMention.FindStringSubmatch(ts[i].text)
			ref := m[1]
			if ref == "" {
				ref = m[3]
			}
			u, err := r.store.FindUser(ctx, c.user.WorkspaceID, ref)
			if errors.Is(err, talkbot.ErrNotFound) {
				return v, talkbot.Errorf(talkbot.ENOTFOUND, "I don't know %s yet: they haven't logged anything.", truncate(ts[i].text, 40))
			}
			if err != nil {
				return v, err
			}
			v.who = &u
		default:
			return v, talkbot.Errorf(talkbot.EINVALID, "I can't read “%s” here. Try: `%s`.", truncate(ts[i].text, 40), r.byName[cmd].usage)
		}
	}
	return v, nil
}

func (r *Router) list(ctx context.Context, c *call) (Reply, error) {
	v, err := r.parseView(ctx, c, "list", true, true)
	if err != nil {
		return Reply{}, err
	}
	q := talkbot.ListQuery{WorkspaceID: c.user.WorkspaceID, ConferenceID: c.conf.ID, ViewerID: c.user.ID,
		Day: v.day, Tag: v.tag, UserID: c.user.ID, WatchLater: v.watch, Limit: 50}
	title := "Your talks"
	switch {
	case v.who != nil:
		q.UserID, title = v.who.ID, v.who.Name+"'s talks"
	case v.team && !v.watch:
		q.UserID, title = 0, "The team's talks"
	case v.watch:
		title = "Your watch-later list"
	}
	ts, err := r.store.ListTalks(ctx, q)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.text(heading(title, c.conf, v.day, v.tag))
	if len(ts) == 0 {
		b.text("Nothing here yet. `add <title>` logs a talk; `help list` shows the filters.")
		return b.reply(), nil
	}
	for i, t := range ts {
		summaryLines(b, i+1, t, q.UserID != 0)
	}
	if len(ts) == q.Limit {
		b.text(fmt.Sprintf("(The first %d; narrow it with a day or #tag.)", q.Limit))
	}
	return b.reply(), nil
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
	q := talkbot.HighlightQuery{ConferenceID: c.conf.ID, Day: v.day, Tag: v.tag, Limit: 10}
	title := "Team highlights"
	if mine {
		q.UserID, title = c.user.ID, "Your highlights"
	}
	ts, err := r.store.Highlights(ctx, q)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.text(heading(title, c.conf, v.day, v.tag))
	if len(ts) == 0 {
		b.text("No highlights yet: `star` a talk or rate it 4 or 5.")
		return b.reply(), nil
	}
	for i, t := range ts {
		summaryLines(b, i+1, t, mine)
	}
	return b.reply(), nil
}

func (r *Router) show(ctx context.Context, c *call) (Reply, error) {
	o, err := parseOptions(tokenize(c.args))
	if err != nil {
		return Reply{}, err
	}
	t, err := r.resolve(ctx, c, refFrom(o), mustExist)
	if err != nil {
		return Reply{}, err
	}
	d, err := r.store.TalkDetail(ctx, c.user.WorkspaceID, c.noteViewer(), t.ID)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.line(talkLine(d.Talk)...)
	b.talk(d.ID)
	if f := talkFacts(d.Talk); f != nil {
		b.line(f...)
	}
	if !d.StartsAt.IsZero() {
		loc := c.conf.Location()
		b.text("   " + d.StartsAt.In(loc).Format("Mon 2 Jan 15:04") + endTime(d.EndsAt, loc))
	}
	if d.ScheduleURL != "" {
		b.line(plain("   Schedule: "), link(d.ScheduleURL, d.ScheduleURL))
	}
	if d.RecordingURL != "" {
		b.line(plain("   Recording: "), link(d.RecordingURL, d.RecordingURL))
	}
	if d.Abstract != "" {
		b.line(plain("   "), plain(truncate(d.Abstract, 400)))
	}
	if len(d.Logs) == 0 {
		b.text("Nobody has logged it yet.")
	}
	for _, l := range d.Logs {
		if st := logState(l.Log); st != "" {
			b.line(plain("• "), bold(l.UserName), plain(": "+st))
		}
	}
	for _, n := range d.Notes {
		l := Line{plain("✎ "), bold(n.UserName)}
		if n.Visibility == talkbot.VisibilityPrivate {
			l = append(l, plain(" (private)"))
		}
		b.line(append(l, plain(": "), quote(n.Text))...)
	}
	return b.reply(), nil
}

// endTime is "–15:04 MST" for a known end, else nothing.
func endTime(end time.Time, loc *time.Location) string {
	if end.IsZero() {
		return ""
	}
	return "–" + end.In(loc).Format("15:04 MST")
}

func (r *Router) search(ctx context.Context, c *call) (Reply, error) {
	words := strings.TrimSpace(c.args)
	if talkbot.NormalizeTitle(words) == "" {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Search for what? Try `search ebpf` or `search Pablo`.")
	}
	hits, err := r.store.Search(ctx, c.user.WorkspaceID, c.noteViewer(), words, 10)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	if len(hits) == 0 {
		b.line(plain("Nothing matches “"), plain(truncate(words, 80)), plain("”."))
		return b.reply(), nil
	}
	b.line(plain("Talks matching “"), plain(truncate(words, 80)), plain("”:"))
	for i, h := range hits {
		b.line(append(Line{plain(fmt.Sprintf("%d. ", i+1))}, talkLine(h.Talk)...)...)
		b.talk(h.ID)
		if h.Note != nil {
			b.line(plain("   "+h.Note.UserName+": "), quote(truncate(h.Note.Text, 160)))
		}
	}
	return b.reply(), nil
}

func (r *Router) watch(ctx context.Context, c *call) (Reply, error) {
	sg, err := r.store.WatchList(ctx, c.user, c.conf.ID, 15)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	if len(sg) == 0 {
		b.text("Nothing to watch yet. `missed` or `want` a talk to put it on your list; talks colleagues rate 4-5 show up here too.")
		return b.reply(), nil
	}
	b.text("Worth watching — " + c.conf.Name + ":")
	for i, s := range sg {
		b.line(append(Line{plain(fmt.Sprintf("%d. ", i+1))}, talkLine(s.Talk)...)...)
		b.talk(s.ID)
		b.line(plain("   " + watchReason(s)))
		if s.RecordingURL != "" {
			b.line(plain("   ▶ "), link(s.RecordingURL, s.RecordingURL))
		}
	}
	return b.reply(), nil
}

// watchReason is the one-line why of a suggestion.
func watchReason(s talkbot.Suggestion) string {
	switch s.Reason {
	case talkbot.ReasonMissed:
		if s.Detail != "" {
			return "you missed it (" + s.Detail + ")"
		}
		return "you missed it"
	case talkbot.ReasonRecommended:
		return "recommended by " + strings.Join(s.From, ", ")
	case talkbot.ReasonTeamRated:
		var parts []string
		for _, l := range s.Ratings {
			switch {
			case l.Rating >= 4 && l.Starred:
				parts = append(parts, fmt.Sprintf("%s rated it %d/5 and starred it", l.UserName, l.Rating))
			case l.Rating >= 4:
				parts = append(parts, fmt.Sprintf("%s rated it %d/5", l.UserName, l.Rating))
			default:
				parts = append(parts, l.UserName+" starred it")
			}
		}
		return strings.Join(parts, "; ") + "; you haven't seen it"
	}
	return "on your watch-later list"
}
