package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/wrapup"
)

// postArgs are what `export markdown` and `export ics` read after the format.
type postArgs struct {
	team      bool
	conf      string // a conference by name; "" for the current one
	opts      wrapup.Options
	noPrivate bool
}

// parsePostArgs reads `[team] [conference] [--by …] [--front …] [--title …] [--stars] [--no-private]`.
func parsePostArgs(s string) (postArgs, error) {
	var a postArgs
	words := strings.Fields(s)
	var name, title []string
	inTitle := false
	value := func(i int, flag string, allowed ...string) (string, error) {
		if i+1 >= len(words) {
			return "", talkbot.Errorf(talkbot.EINVALID, "`%s` needs one of %s.", flag, strings.Join(allowed, ", "))
		}
		v := strings.ToLower(words[i+1])
		if !slices.Contains(allowed, v) {
			return "", talkbot.Errorf(talkbot.EINVALID, "`%s %s`? Use one of %s.", flag, truncate(words[i+1], 20), strings.Join(allowed, ", "))
		}
		return v, nil
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if !strings.HasPrefix(w, "--") || w == "--" {
			if inTitle {
				title = append(title, w)
			} else if i == 0 && strings.EqualFold(w, "team") {
				a.team = true
			} else {
				name = append(name, w)
			}
			continue
		}
		inTitle = false
		switch strings.ToLower(w) {
		case "--by":
			v, err := value(i, w, "day", "event", "topic")
			if err != nil {
				return a, err
			}
			a.opts.By, i = wrapup.Grouping(v), i+1
		case "--front":
			v, err := value(i, w, "jekyll", "hugo", "none")
			if err != nil {
				return a, err
			}
			a.opts.Front, i = wrapup.Front(v), i+1
		case "--title":
			inTitle = true
		case "--stars":
			a.opts.Ratings = wrapup.Stars
		case "--words":
			a.opts.Ratings = wrapup.Words
		case "--no-private":
			a.noPrivate = true
		default:
			return a, talkbot.Errorf(talkbot.EINVALID, "I don't know the option “%s”; `help export` lists them.", truncate(w, 30))
		}
	}
	a.opts.Title = strings.Trim(strings.Join(title, " "), `"“”'`)
	if n := len([]rune(a.opts.Title)); n > talkbot.MaxTitleLen {
		return a, talkbot.Errorf(talkbot.EINVALID, "Titles can be up to %d characters; that one has %d.", talkbot.MaxTitleLen, n)
	}
	a.opts.NoPrivate = a.noPrivate
	a.conf = strings.Join(name, " ")
	return a, nil
}

// postConference is the conference a post is about: the one named, else the user's current one.
func (r *Router) postConference(ctx context.Context, c *call, name string) (talkbot.Conference, error) {
	if name == "" {
		return c.conf, nil
	}
	cs, err := r.store.Conferences(ctx, c.user.WorkspaceID)
	if err != nil {
		return talkbot.Conference{}, err
	}
	for _, x := range cs {
		if strings.EqualFold(x.Name, name) {
			return x, nil
		}
	}
	for _, x := range cs { // up to punctuation too, as `conf use` reads a name
		if talkbot.NormalizeTitle(x.Name) == talkbot.NormalizeTitle(name) {
			return x, nil
		}
	}
	return talkbot.Conference{}, talkbot.Errorf(talkbot.ENOTFOUND, "There is no conference called “%s”; `conf list` shows them, and `help export` the options that may follow.", truncate(name, 80))
}

// postDate is the front matter's date: the day after the conference ends,
// or today when it has no dates.
func postDate(c *call, x talkbot.Conference) string {
	if end, err := time.Parse(time.DateOnly, x.EndsOn); err == nil {
		return end.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	return c.now.In(x.Location()).Format(time.DateOnly)
}

// personalTalks gathers a user's talks of a conference for the post: what
// they logged (with their own notes only) and what colleagues recommended
// to them, named.
func (r *Router) personalTalks(ctx context.Context, c *call, x talkbot.Conference) ([]wrapup.Talk, []talkbot.JournalEntry, error) {
	ex, err := r.store.Export(ctx, c.user)
	if err != nil {
		return nil, nil, err
	}
	var talks []wrapup.Talk
	index := map[int64]int{}
	for _, ec := range ex.Conferences {
		if ec.ID != x.ID {
			continue
		}
		for _, t := range ec.Talks {
			index[t.ID] = len(talks)
			talks = append(talks, wrapup.Talk{Talk: t.Talk, Log: t.Log, Notes: t.Notes, Presentation: t.Presentation})
		}
	}
	recs, err := r.store.Recommendations(ctx, x.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, rec := range recs {
		if rec.FromID == c.user.ID || (rec.ToID != 0 && rec.ToID != c.user.ID) {
			continue
		}
		i, ok := index[rec.TalkID]
		if !ok {
			t, err := r.store.Talk(ctx, c.user.WorkspaceID, rec.TalkID)
			if err != nil {
				return nil, nil, err
			}
			// A talk the user never logged is on their list from the day it was recommended.
			i = len(talks)
			index[rec.TalkID] = i
			talks = append(talks, wrapup.Talk{Talk: t})
		}
		if !slices.Contains(talks[i].RecommendedBy, rec.FromName) {
			talks[i].RecommendedBy = append(talks[i].RecommendedBy, rec.FromName)
		}
	}
	journal, err := r.store.Journal(ctx, talkbot.JournalQuery{ConferenceID: x.ID, ViewerID: c.user.ID, AuthorID: c.user.ID})
	if err != nil {
		return nil, nil, err
	}
	return talks, journal, nil
}

// exportMarkdown is the user's wrap-up post, or with `team` the team's.
func (r *Router) exportMarkdown(ctx context.Context, c *call, args string) (Reply, error) {
	a, err := parsePostArgs(args)
	if err != nil {
		return Reply{}, err
	}
	x, err := r.postConference(ctx, c, a.conf)
	if err != nil {
		return Reply{}, err
	}
	a.opts.Date = postDate(c, x)
	if a.team {
		return r.teamPost(ctx, c, x, a)
	}
	if c.req.Shared && !a.noPrivate {
		return Reply{}, talkbot.Errorf(talkbot.EFORBIDDEN, "Your post holds your private notes, so I only send it to you: ask me in a direct message, or add `--no-private`.")
	}
	talks, journal, err := r.personalTalks(ctx, c, x)
	if err != nil {
		return Reply{}, err
	}
	if len(talks) == 0 && len(journal) == 0 {
		return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "There is nothing of yours on %s to write about yet: `add <talk>` logs one, `journal <text>` notes the conference itself.", x.Name)
	}
	private := 0
	for _, t := range talks {
		for _, n := range t.Notes {
			if n.Visibility == talkbot.VisibilityPrivate {
				private++
			}
		}
	}
	for _, e := range journal {
		if e.Visibility == talkbot.VisibilityPrivate {
			private++
		}
	}
	first, err := r.store.FirstKeynoteDay(ctx, x.ID)
	if err != nil {
		return Reply{}, err
	}
	if first <= x.StartsOn || (x.EndsOn != "" && first > x.EndsOn) {
		first = "" // the conference's dates start with the conference proper
	}
	data := wrapup.PersonalPost(wrapup.Personal{Conference: x, FirstDay: first, AuthorID: c.user.ID, Talks: talks, Journal: journal}, a.opts)
	b := &builder{r: Reply{Private: !a.noPrivate}}
	msg := fmt.Sprintf("Your wrap-up post for %s, in Markdown (%s): edit it lightly and publish.", x.Name, size(len(data)))
	switch {
	case a.noPrivate:
		msg += " Your private notes are left out."
	case private > 0:
		them := "them"
		if private == 1 {
			them = "it"
		}
		msg += fmt.Sprintf(" It includes your %s; `export markdown --no-private` leaves %s out.", plural(private, "private note"), them)
	}
	b.text(msg)
	b.attach(&Attachment{Name: fileName(x.Name, "wrap-up.md"), MediaType: "text/markdown", Data: data})
	return b.reply(), nil
}

// teamPost is the team's post: highlights with the notes people shared, talks
// the team recommends, the team's takeaways. Never a private note.
func (r *Router) teamPost(ctx context.Context, c *call, x talkbot.Conference, a postArgs) (Reply, error) {
	hs, _, err := r.store.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: x.ID, Page: talkbot.Page{Limit: 10}})
	if err != nil {
		return Reply{}, err
	}
	tm := wrapup.Team{Conference: x}
	for _, h := range hs {
		tt := wrapup.TeamTalk{Talk: h.Talk, Highlights: h.HighlightCount, Stars: h.StarCount, RatingSum: h.RatingSum, RatingCount: h.RatingCount}
		noted, err := r.store.NotesByTalk(ctx, talkbot.NotesQuery{WorkspaceID: c.user.WorkspaceID, ConferenceID: x.ID, TalkID: h.ID, Limit: 1})
		if err != nil {
			return Reply{}, err
		}
		for _, nt := range noted {
			tt.Notes = append(tt.Notes, nt.Notes...)
		}
		tm.Highlights = append(tm.Highlights, tt)
	}
	recs, err := r.store.Recommendations(ctx, x.ID)
	if err != nil {
		return Reply{}, err
	}
	index := map[int64]int{}
	for _, rec := range recs {
		i, ok := index[rec.TalkID]
		if !ok {
			t, err := r.store.Talk(ctx, c.user.WorkspaceID, rec.TalkID)
			if err != nil {
				return Reply{}, err
			}
			if t.NonTalk {
				continue
			}
			i = len(tm.Recommended)
			index[rec.TalkID] = i
			tm.Recommended = append(tm.Recommended, wrapup.TeamTalk{Talk: t})
		}
		if !slices.Contains(tm.Recommended[i].RecommendedBy, rec.FromName) {
			tm.Recommended[i].RecommendedBy = append(tm.Recommended[i].RecommendedBy, rec.FromName)
		}
	}
	if tm.Journal, err = r.store.Journal(ctx, talkbot.JournalQuery{ConferenceID: x.ID}); err != nil {
		return Reply{}, err
	}
	_, total, err := r.store.ListTalks(ctx, talkbot.ListQuery{WorkspaceID: c.user.WorkspaceID, ConferenceID: x.ID, Page: talkbot.Page{Limit: 1}})
	if err != nil {
		return Reply{}, err
	}
	tm.Logged = total.N
	if len(tm.Highlights) == 0 && len(tm.Recommended) == 0 && len(tm.Journal) == 0 {
		return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "The team has no highlights, recommendations or conference notes on %s yet, so there is no post to write: a talk rated 4-5 or starred is a highlight.", x.Name)
	}
	a.opts.NoPrivate = true
	data := wrapup.TeamPost(tm, a.opts)
	b := &builder{}
	msg := fmt.Sprintf("The team's post for %s, in Markdown (%s, %s): only notes the team can read, each with its author's name.",
		x.Name, plural(len(tm.Highlights), "highlight"), size(len(data)))
	for _, h := range tm.Highlights {
		if wrapup.NotesLeftOut(h) > 0 {
			msg += fmt.Sprintf(" A highlight quotes a dozen notes (some 12 KB) at most: `summary #%d` sums up all of #%d's.", h.ID, h.ID)
			break
		}
	}
	b.text(msg)
	b.attach(&Attachment{Name: fileName(x.Name, "team.md"), MediaType: "text/markdown", Data: data})
	return b.reply(), nil
}

// exportICS is the user's agenda: the talks they attended, missed or want to
// watch, as iCalendar.
func (r *Router) exportICS(ctx context.Context, c *call, args string) (Reply, error) {
	x, err := r.postConference(ctx, c, strings.TrimSpace(args))
	if err != nil {
		return Reply{}, err
	}
	if c.req.Shared {
		return Reply{}, talkbot.Errorf(talkbot.EFORBIDDEN, "Your agenda is yours, so I only send it to you: ask me in a direct message.")
	}
	talks, _, err := r.personalTalks(ctx, c, x)
	if err != nil {
		return Reply{}, err
	}
	var agenda []wrapup.Talk
	for _, t := range talks {
		if t.NonTalk { // a coffee break logged is no event of the agenda, nor one of its count
			continue
		}
		if t.Log.Status == talkbot.StatusAttended || t.Log.Status == talkbot.StatusMissed || t.Log.WatchLater || t.Presentation != nil {
			agenda = append(agenda, t)
		}
	}
	if len(agenda) == 0 {
		return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "Your agenda for %s is empty: `add`, `missed` and `want` put talks on it.", x.Name)
	}
	data, skipped := wrapup.Calendar(x, agenda, c.now)
	b := &builder{r: Reply{Private: true}}
	msg := fmt.Sprintf("Your agenda for %s as iCalendar (%s): open it in your calendar app.", x.Name, plural(len(agenda)-len(skipped), "talk"))
	if len(skipped) > 0 {
		var ids []string
		for _, id := range skipped[:min(len(skipped), 10)] {
			ids = append(ids, fmt.Sprintf("#%d", id))
		}
		if more := len(skipped) - len(ids); more > 0 {
			ids = append(ids, fmt.Sprintf("and %d more", more))
		}
		msg += fmt.Sprintf(" Left out for having no day or time: %s; `edit #%d day:YYYY-MM-DD` gives one a day.", strings.Join(ids, ", "), skipped[0])
	}
	b.text(msg)
	b.attach(&Attachment{Name: fileName(x.Name, "agenda.ics"), MediaType: "text/calendar", Data: data})
	return b.reply(), nil
}

// fileName is a file name from a conference's name: "kubecon-na-2024-wrap-up.md".
func fileName(conf, suffix string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(conf) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) { // クラウドネイティブ会議, Sécurité: not "wrap-up.md" for both
			if b.Len()+utf8.RuneLen(r) > 60 {
				break
			}
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimSuffix(b.String(), "-")
	if name == "" {
		return suffix
	}
	return name + "-" + suffix
}

// size is a byte count as people read it.
func size(n int) string {
	if n < 1024 {
		return plural(n, "byte")
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}
