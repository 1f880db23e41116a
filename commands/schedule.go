package commands

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
)

// ScheduleStore is what importing and browsing a schedule need from storage.
type ScheduleStore interface {
	// ImportSchedule creates or updates the conference and its talks in one
	// transaction and makes it the workspace's active conference.
	ImportSchedule(ctx context.Context, u talkbot.User, imp talkbot.ScheduleImport) (talkbot.ImportResult, error)
	// ScheduleSessions returns a page of scheduled sessions in time order,
	// each with the viewer's log and colleagues' marks.
	ScheduleSessions(ctx context.Context, q talkbot.ScheduleQuery) ([]talkbot.ScheduledTalk, talkbot.Total, error)
	// NextSessionStart is when the next session after the time starts:
	// ErrNotFound when none is left.
	NextSessionStart(ctx context.Context, conferenceID int64, after time.Time) (time.Time, error)
	// Tracks names the tracks of the conference's schedule.
	Tracks(ctx context.Context, conferenceID int64) ([]string, error)
	// FirstKeynoteDay is the first day with a keynote on the schedule
	// (YYYY-MM-DD), "" when it has none.
	FirstKeynoteDay(ctx context.Context, conferenceID int64) (string, error)
	// TitlesLike returns candidates whose titles hold a piece of each typed
	// word (trigrams), so a typo early in a word still finds the talk;
	// loose leaves words of four or five letters out. Only ID, Title and
	// Day are set.
	TitlesLike(ctx context.Context, conferenceID int64, words []string, loose bool, limit int) ([]talkbot.Talk, error)
}

// schedulePage is how many sessions `schedule` shows at a time.
const schedulePage = 20

// importSchedule reads a schedule from a link (or, in the console, a file)
// and imports it. In chat only http(s) links are taken, fetched under the
// address rules of schedule.Fetch: a chat admin is not the server's operator.
func (r *Router) importSchedule(ctx context.Context, c *call) (Reply, error) {
	if err := c.requireAdmin(ctx, "Only an admin can import a schedule: a workspace admin, a room moderator, or someone in BOT_ADMINS."); err != nil {
		return Reply{}, err
	}
	ts := tokenize(c.args)
	var source, zone string
	switch {
	case len(ts) == 0 && c.conf.ScheduleSource == "":
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Import what? Give the schedule's link, like `import https://kccnceu2026.sched.com/all.ics`.")
	case len(ts) == 0:
		source = c.conf.ScheduleSource // the same schedule again
	case len(ts) <= 2:
		source = ts[0].text
		if len(ts) == 2 {
			zone = ts[1].text
		}
	default:
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Give one link and, if the schedule does not say its time zone, the zone: `import <link> Europe/Brussels`.")
	}
	var data []byte
	var err error
	switch {
	case reScheme.MatchString(source):
		data, err = schedule.Fetch(ctx, source, r.fetch)
	case c.req.Platform == talkbot.PlatformConsole:
		data, err = schedule.ReadFile(source)
	default:
		// Never touch the server's disk for a chat user, not even to say whether the file exists.
		return Reply{}, talkbot.Errorf(talkbot.EFORBIDDEN, "In chat I import schedules from http(s) links only, like `import https://kccnceu2026.sched.com/all.ics`; a file on the bot's server can be imported from its console.")
	}
	if err != nil {
		if talkbot.ErrorCode(err) == talkbot.EFORBIDDEN {
			r.log.WarnContext(ctx, "import refused", "platform", c.req.Platform, "user_id", c.req.UserID, "code", talkbot.ErrorCode(err))
		}
		return Reply{}, err
	}
	s, err := schedule.ParseWithOptions(data, schedule.ParseOptions{Timezone: zone})
	if err != nil {
		return Reply{}, err
	}
	imp := s.Import(source)
	// Typed in a channel with a conference of its own, the schedule is that
	// channel's: the team stays on its conference.
	own, err := r.store.ChannelConference(ctx, c.user.WorkspaceID, channelOf(c.req))
	switch {
	case err == nil:
		imp.ChannelConferenceID = own.ID
	case !errors.Is(err, talkbot.ErrNotFound):
		return Reply{}, err
	}
	res, err := r.store.ImportSchedule(ctx, c.user, imp)
	if err != nil {
		return Reply{}, err
	}
	whose := "the team's active conference"
	if res.Conference.ID == imp.ChannelConferenceID {
		whose = "this channel's conference, for everyone typing here"
	}
	return importReply(s, res, source, zone, whose), nil
}

var formatNames = map[schedule.Format]string{
	schedule.FormatICal: "iCalendar", schedule.FormatFrabXML: "frab XML", schedule.FormatFrabJSON: "pretalx/frab JSON",
}

// importReply says what the import did, with a few examples of each change.
// whose says whose conference it now is: the team's, or the channel's.
func importReply(s schedule.Schedule, res talkbot.ImportResult, source, zone, whose string) Reply {
	b := &builder{}
	c := res.Conference
	what := "Imported " + c.Name
	if res.Renamed != "" {
		what += " (into " + res.Renamed + ", which takes the schedule's name)"
	}
	b.line(plain(fmt.Sprintf("%s from %s (%s): %s sessions, %s..%s, times in %s. It is %s.",
		what, truncate(shownSource(source), 120), formatNames[s.Format], thousands(len(s.Sessions)), c.StartsOn, c.EndsOn, c.Timezone, whose)))
	if res.LeftIn != "" {
		b.line(plain("The talks logged before stay in "+res.LeftIn+": some are of days outside this schedule's week. "), code("conf use "+res.LeftIn), plain(" shows them."))
	}
	b.line(plain(fmt.Sprintf("New %s · updated %s · unchanged %s · cancelled %s · merged with talks logged by hand %s.",
		thousands(res.New), thousands(res.Updated), thousands(res.Unchanged), thousands(res.Cancelled), thousands(res.Merged))))
	examples := &List{}
	more := func(shown, total int) {
		if total > shown {
			examples.Items = append(examples.Items, Item{Spans: Line{plain(fmt.Sprintf("   … and %s more", thousands(total-shown)))}})
		}
	}
	for _, t := range res.NewTalks {
		examples.Items = append(examples.Items, Item{Spans: append(Line{plain("• new: ")}, talkLine(t)...), Talk: t.ID})
	}
	more(len(res.NewTalks), res.New)
	for _, u := range res.UpdatedTalks {
		l := append(Line{plain("• updated: ")}, talkLine(u.Talk)...)
		examples.Items = append(examples.Items, Item{Spans: append(l, plain(" ("+strings.Join(u.Fields, ", ")+")")), Talk: u.Talk.ID})
	}
	more(len(res.UpdatedTalks), res.Updated)
	inFile := make(map[string]bool, len(s.Sessions))
	for _, x := range s.Sessions {
		inFile[x.SourceID] = true
	}
	for _, t := range res.CancelledTalks {
		l := append(Line{plain("• cancelled: ")}, talkLine(t)...)
		why := " (gone from the schedule; logs and notes on it are kept)"
		if inFile[t.SourceID] {
			why = " (its title on the schedule says so; logs and notes on it are kept)"
		}
		examples.Items = append(examples.Items, Item{Spans: append(l, plain(why)), Talk: t.ID})
	}
	more(len(res.CancelledTalks), res.Cancelled)
	for _, m := range res.MergedTalks {
		l := append(Line{plain("• merged: ")}, talkLine(m.Talk)...)
		was := fmt.Sprintf(" (logged by hand as “%s”, found by %s", truncate(m.WasTitle, 60), m.MatchedBy)
		if m.WasID != m.Talk.ID {
			was += fmt.Sprintf("; #%d is now #%d", m.WasID, m.Talk.ID)
		}
		examples.Items = append(examples.Items, Item{Spans: append(l, plain(was+")")), Talk: m.Talk.ID})
	}
	more(len(res.MergedTalks), res.Merged)
	if len(examples.Items) > 0 {
		b.r.Blocks = append(b.r.Blocks, examples)
	}
	if res.Unmatched > 0 {
		b.text(fmt.Sprintf("%d talks logged by hand fit several sessions of their day and were left as they were; `edit #id schedule:<link>` joins one to its session.", res.Unmatched))
	}
	nonTalk := 0
	for _, x := range s.Sessions {
		if x.NonTalk {
			nonTalk++
		}
	}
	if nonTalk > 0 {
		if nonTalk == 1 {
			b.text("1 item is not a talk (a break, a meal, registration or the like): `schedule` lists it, highlights and suggestions leave it out.")
		} else {
			b.text(fmt.Sprintf("%d items are not talks (breaks, meals, registration and the like): `schedule` lists them, highlights and suggestions leave them out.", nonTalk))
		}
	}
	redo := "import " + quoteIfSpaced(shownSource(source))
	switch z := s.Conference.Timezone; s.Conference.ZoneSource {
	case schedule.ZoneGuessed:
		b.text(fmt.Sprintf("⚠ The schedule does not name its time zone; I went by its venue: %s. If that is wrong, import it again with the right one: `%s Europe/Paris`.", z, redo))
	case schedule.ZoneOffset:
		b.text(fmt.Sprintf("⚠ The schedule gives only UTC offsets, so times show in %s; for the conference's real zone (and summer time), import it again with one: `%s Europe/Paris`.", z, redo))
	case schedule.ZoneUTC:
		b.text(fmt.Sprintf("⚠ The schedule names no time zone and no venue, so times show in UTC and a late session may land on the wrong day; import it again with the zone: `%s Europe/Paris`.", redo))
	case schedule.ZoneDeclared:
		if zone != "" && zone != z {
			b.text(fmt.Sprintf("The schedule names its own zone, %s, so that is used rather than %s.", z, zone))
		}
	}
	b.text("Next: `schedule today`, `schedule now`, or `add now` in a session.")
	return b.reply()
}

// shownSource is where a schedule came from as a reply may show it: a
// link's user name and password, if it had any, left out.
func shownSource(source string) string {
	if u, err := url.Parse(source); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return source
}

// thousands writes n with thousands separators: 1,105.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// scheduleView is what `schedule` was asked for.
type scheduleView struct {
	q     talkbot.ScheduleQuery
	title string // "now", "next hour", "Sat 1 Feb"
	aside string // why this day: "(MCH2022 is over: its first day.)"
	now   bool
	next  bool
	tag   string
	page  int
}

func (r *Router) schedule(ctx context.Context, c *call) (Reply, error) {
	v, err := r.parseSchedule(ctx, c)
	if err != nil {
		return Reply{}, err
	}
	if c.conf.ScheduleSource == "" {
		return Reply{}, errNoSchedule(c)
	}
	ss, total, err := r.store.ScheduleSessions(ctx, v.q)
	if err != nil {
		return Reply{}, err
	}
	loc := c.conf.Location()
	if len(ss) == 0 && v.next && v.q.Offset == 0 {
		// Nothing in the next hour: the next sessions, whenever they are.
		at, err := r.store.NextSessionStart(ctx, c.conf.ID, c.now)
		switch {
		case errors.Is(err, talkbot.ErrNotFound):
			return textReply("Nothing more is on the schedule of " + c.conf.Name + "."), nil
		case err != nil:
			return Reply{}, err
		}
		v.q.StartFrom, v.q.StartTo = at, at.Add(time.Hour)
		v.title = "next, from " + at.In(loc).Format("Mon 2 Jan 15:04")
		if ss, total, err = r.store.ScheduleSessions(ctx, v.q); err != nil {
			return Reply{}, err
		}
	}
	b := &builder{}
	head := "Schedule — " + c.conf.Name + ", " + v.title
	if v.tag != "" {
		head += ", #" + v.tag
	}
	b.line(plain(head + " (" + c.conf.Timezone + "):"))
	if v.aside != "" {
		b.text(v.aside)
	}
	if len(ss) == 0 && v.q.Offset == 0 {
		if v.now {
			next := "`schedule next` shows what comes next."
			if at, err := r.store.NextSessionStart(ctx, c.conf.ID, c.now); err == nil {
				next = "The next sessions start " + at.In(loc).Format("Mon 2 Jan at 15:04") + ": `schedule next`."
			}
			b.text("Nothing is on right now. " + next)
			return b.reply(), nil
		}
		b.text("No sessions here. `schedule all` lists every day; `help schedule` shows the rest.")
		return b.reply(), nil
	}
	day := ""
	for _, x := range ss {
		if v.q.Day == "" && x.Day != day {
			day = x.Day
			b.line(bold(dayLabel(day)))
		}
		x.Log = c.seen(x.Log)
		sessionCard(b, x, loc, c.user.ID)
	}
	moreLine(b, len(ss), v.q.Page, total, "schedule "+withoutPage(c.args))
	return b.reply(), nil
}

// errNoSchedule says the conference has no schedule yet, and who can fix that.
func errNoSchedule(c *call) error {
	return talkbot.Errorf(talkbot.ENOTFOUND, "%s has no schedule yet. An admin can `import` its link: Sched's all.ics, a frab/FOSDEM schedule.xml or pretalx's schedule.json.", c.conf.Name)
}

// parseSchedule reads `schedule [now | next | today | tomorrow | yesterday | YYYY-MM-DD | day N | all] [#track] [page N]`.
func (r *Router) parseSchedule(ctx context.Context, c *call) (scheduleView, error) {
	v := scheduleView{q: talkbot.ScheduleQuery{ConferenceID: c.conf.ID, ViewerID: c.user.ID}}
	loc := c.conf.Location()
	when := ""
	set := func(w string) error {
		if when != "" {
			return talkbot.Errorf(talkbot.EINVALID, "Give one of now, next, today or a date, not both %s and %s.", when, w)
		}
		when = w
		return nil
	}
	ts := tokenize(c.args)
	for i := 0; i < len(ts); i++ {
		w := strings.ToLower(ts[i].text)
		var err error
		switch {
		case w == "now" || w == "next" || w == "today" || w == "tomorrow" || w == "yesterday" || w == "all":
			err = set(w)
		case w == "page" && i+1 < len(ts):
			n, perr := strconv.Atoi(ts[i+1].text)
			if perr != nil || n < 1 || n > 1000 {
				return v, talkbot.Errorf(talkbot.EINVALID, "`page N` wants a page number, like `schedule today page 2`.")
			}
			v.page, i = n, i+1
		case w == "day" && i+1 < len(ts):
			day, derr := conferenceDay(c.conf, ts[i+1].text, "schedule")
			if derr != nil {
				return v, derr
			}
			if err = set("day " + ts[i+1].text); err == nil {
				v.q.Day = day
			}
			i++
		case reDate.MatchString(w):
			d, derr := parseDate(w)
			if derr != nil {
				return v, derr
			}
			if err = set(d); err == nil {
				v.q.Day = d
			}
		case reTag.MatchString(w) && v.tag == "":
			v.tag = w[1:]
		default:
			return v, talkbot.Errorf(talkbot.EINVALID, "I can't read “%s” here. Try: `%s`.", truncate(ts[i].text, 40), r.byName["schedule"].Usage)
		}
		if err != nil {
			return v, err
		}
	}
	today := c.today()
	switch when {
	case "now":
		v.now, v.title = true, "on now"
		v.q.RunningFrom, v.q.RunningTo = c.now, c.now.Add(time.Nanosecond)
	case "next":
		v.next, v.title = true, "starting in the next hour"
		v.q.StartFrom, v.q.StartTo = c.now, c.now.Add(time.Hour)
	case "all":
		v.title = "every day"
	case "today", "tomorrow", "yesterday":
		d := c.now.In(loc)
		d = d.AddDate(0, 0, map[string]int{"today": 0, "tomorrow": 1, "yesterday": -1}[when])
		v.q.Day = d.Format(time.DateOnly)
	case "":
		// Today while the conference is on; otherwise its first day.
		v.q.Day = today
		if c.conf.StartsOn != "" && (today < c.conf.StartsOn || today > cmpOr(c.conf.EndsOn, c.conf.StartsOn)) {
			v.q.Day = c.conf.StartsOn
			v.aside = fmt.Sprintf("(%s has not begun: its first day. `schedule all` shows every day.)", c.conf.Name)
			if today > c.conf.StartsOn {
				v.aside = fmt.Sprintf("(%s is over; it ran %s..%s. Its first day; `schedule day N` or `schedule all` shows the others.)", c.conf.Name, c.conf.StartsOn, cmpOr(c.conf.EndsOn, c.conf.StartsOn))
			}
		}
	}
	if v.q.Day != "" {
		v.title = dayLabel(v.q.Day)
	}
	if v.tag != "" {
		tracks, err := r.store.Tracks(ctx, c.conf.ID)
		if err != nil {
			return v, err
		}
		v.q.Events = matchTracks(v.tag, tracks)
		if len(v.q.Events) == 0 {
			if len(tracks) == 0 {
				return v, talkbot.Errorf(talkbot.ENOTFOUND, "The schedule of %s has no tracks to pick from; `schedule` alone lists every session.", c.conf.Name)
			}
			shown := tracks
			if len(shown) > 12 {
				shown = shown[:12]
			}
			return v, talkbot.Errorf(talkbot.ENOTFOUND, "No track matches #%s. Tracks: %s%s.", v.tag, strings.Join(shown, ", "),
				map[bool]string{true: fmt.Sprintf(" and %d more", len(tracks)-len(shown)), false: ""}[len(tracks) > len(shown)])
		}
	}
	v.q.Page = pageOf(v.page, schedulePage)
	return v, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// matchTracks returns the tracks a #tag names: the track whose name it is
// (spaces and punctuation aside: #cloud-native is "Cloud Native"), whose
// name starts with it, or one of whose words it is (#rust is "Rust" and
// "Rust in the Kernel").
func matchTracks(tag string, tracks []string) []string {
	compact := func(s string) string { return strings.ReplaceAll(talkbot.NormalizeTitle(s), " ", "") }
	want := compact(tag)
	if want == "" {
		return nil
	}
	var exact, other []string
	for _, tr := range tracks {
		c := compact(tr)
		switch {
		case c == want:
			exact = append(exact, tr)
		case len(want) >= 3 && strings.HasPrefix(c, want), slices.Contains(strings.Fields(talkbot.NormalizeTitle(tr)), want):
			other = append(other, tr)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return other
}

// dayLabel is a date as a heading says it: "Sat 1 Feb 2025".
func dayLabel(day string) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return d.Format("Mon 2 Jan 2006")
}

// sessionCard adds a session to a schedule: its times and the talk, then
// its room and track, then who of the team went or wants to watch it.
func sessionCard(b *builder, x talkbot.ScheduledTalk, loc *time.Location, viewer int64) {
	lead := x.StartsAt.In(loc).Format("15:04")
	if x.EndsAt.After(x.StartsAt) {
		lead += "–" + x.EndsAt.In(loc).Format("15:04")
	}
	if x.Cancelled {
		lead += " (cancelled)"
	}
	card := b.card(lead, x.Talk)
	if x.Log.UserID == viewer && x.Log.UserID != 0 {
		l := x.Log
		card.Log = &l
	}
	var facts []string
	for _, f := range []string{x.Room, x.Event, x.Type} {
		if f != "" && !slices.Contains(facts, f) {
			facts = append(facts, f)
		}
	}
	if len(facts) > 0 {
		card.line(plain("   " + strings.Join(facts, " · ")))
	}
	var marks []string
	if st := logState(x.Log, x.Presented); st != "" && x.Log.UserID != 0 {
		marks = append(marks, "you: "+st)
	}
	if len(x.Attended) > 0 {
		marks = append(marks, names(x.Attended)+" attended")
	}
	if len(x.Want) > 0 {
		marks = append(marks, names(x.Want)+" want to watch it")
	}
	if len(marks) > 0 {
		card.line(plain("   ✓ " + strings.Join(marks, " · ")))
	}
}

// isNowRef reports whether a talk reference is the word now, unquoted:
// `add now` logs the session that is on.
func isNowRef(f ref) bool {
	return !f.quoted && strings.EqualFold(f.title, "now") && f.scheduleID == "" && f.id == 0
}

// sessionNow picks the session on now (or starting within five minutes):
// the one in the user's last room, else the only one; with several, it asks.
func (r *Router) sessionNow(ctx context.Context, c *call) (talkbot.Talk, error) {
	q := talkbot.ScheduleQuery{ConferenceID: c.conf.ID, ViewerID: c.user.ID, RunningFrom: c.now, RunningTo: c.now.Add(5 * time.Minute),
		TalksOnly: true, Page: talkbot.Page{Limit: 200}}
	ss, _, err := r.store.ScheduleSessions(ctx, q)
	if err != nil {
		return talkbot.Talk{}, err
	}
	if len(ss) == 0 {
		if c.conf.ScheduleSource == "" {
			return talkbot.Talk{}, talkbot.Errorf(talkbot.ENOTFOUND, "`%s now` goes by the schedule, and %s has none yet; `%s <title>` logs a talk meanwhile, or an admin can `import` the schedule.", c.name, c.conf.Name, c.name)
		}
		msg := fmt.Sprintf("Nothing on the schedule is on right now; `%s <title or schedule link>` logs a talk.", c.name)
		if at, err := r.store.NextSessionStart(ctx, c.conf.ID, c.now); err == nil {
			msg += " The next sessions start " + at.In(c.conf.Location()).Format("Mon 2 Jan at 15:04") + " (`schedule next`)."
		}
		return talkbot.Talk{}, talkbot.Errorf(talkbot.ENOTFOUND, "%s", msg)
	}
	talks := make([]talkbot.Talk, len(ss))
	for i, x := range ss {
		talks[i] = x.Talk
	}
	// Who types `add now` in a room is at what is about to start there, at
	// what runs on, or at the end of what is ending: a session about to end
	// gives way to one about to start, and those come first.
	var starting, going, ending []talkbot.Talk
	soon := c.now.Add(5 * time.Minute)
	for _, t := range talks {
		switch {
		case t.StartsAt.After(c.now):
			starting = append(starting, t)
		case t.EndsAt.After(soon):
			going = append(going, t)
		default:
			ending = append(ending, t)
		}
	}
	on := append(starting, going...)
	if len(starting) == 0 {
		on = append(going, ending...)
	}
	if c.user.LastTalkID != 0 {
		last, err := r.store.Talk(ctx, c.user.WorkspaceID, c.user.LastTalkID)
		if err != nil && !errors.Is(err, talkbot.ErrNotFound) {
			return talkbot.Talk{}, err
		}
		var here []talkbot.Talk
		for _, t := range on {
			if last.Room != "" && talkbot.NormalizeTitle(t.Room) == talkbot.NormalizeTitle(last.Room) {
				here = append(here, t)
			}
		}
		if len(here) == 1 {
			return here[0], nil
		}
	}
	if len(on) == 1 {
		return on[0], nil
	}
	heading := fmt.Sprintf("%d sessions are on now. Which one are you in?", len(on))
	if len(starting) > 0 {
		heading = fmt.Sprintf("%d sessions are on now or about to start. Which one are you in?", len(on))
	}
	e := &ambiguousError{query: "now", talks: on, retry: c.retryWith, loc: c.conf.Location(), heading: heading}
	if len(on) > 5 {
		e.talks, e.more = on[:5], fmt.Sprintf("and %d more: `schedule now` lists them all.", len(on)-5)
	}
	return talkbot.Talk{}, e
}

// recordingNote is what a reply says of a talk the speaker asked not to be
// recorded, so no reply promises a video that will not come; "" otherwise.
func recordingNote(t talkbot.Talk) string {
	if t.DoNotRecord && t.RecordingURL == "" {
		return "Not recorded: the speaker opted out, so no video will come from the conference."
	}
	return ""
}
