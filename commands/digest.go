package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
)

// DigestStore is what the digest and notice commands need of the store.
type DigestStore interface {
	SetDigest(ctx context.Context, d talkbot.Digest) error
	// RemoveDigest reports whether the channel had a digest.
	RemoveDigest(ctx context.Context, workspaceID int64, channel string) (bool, error)
	Digests(ctx context.Context, workspaceID int64) ([]talkbot.Digest, error)
	DigestRecords(ctx context.Context, workspaceID int64, channel string, limit int) ([]talkbot.DigestRecord, error)
	// TeamConference is the workspace's active conference: ErrNotFound when none yet.
	TeamConference(ctx context.Context, workspaceID int64) (talkbot.Conference, error)
	// DigestConference is the one a channel's digest reports: the
	// channel's own, else the team's; ErrNotFound when none yet.
	DigestConference(ctx context.Context, workspaceID int64, channel string) (talkbot.Conference, error)
	// DayReport is a day as the team logged it, team-visible notes only.
	DayReport(ctx context.Context, workspaceID, conferenceID int64, day string, from, to time.Time) (talkbot.DayReport, error)
	SetNotify(ctx context.Context, userID int64, on bool) error
	Notify(ctx context.Context, userID int64) (bool, error)
}

var reDigestTime = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)

// digestHere is the channel `here` means in the console, which has no channels.
const digestHere = "console"

func (r *Router) digest(ctx context.Context, c *call) (Reply, error) {
	sub, rest, _ := strings.Cut(strings.TrimSpace(c.args), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(sub) {
	case "", "status":
		return r.digestStatus(ctx, c)
	case "on":
		return r.digestOn(ctx, c, rest)
	case "off":
		return r.digestOff(ctx, c, rest)
	case "preview":
		return r.digestPreview(ctx, c, rest)
	}
	return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Try `digest on here at 18:00`, `digest off`, `digest status` or `digest preview`.")
}

// channelOf is the channel a request was typed in, as the store keys a
// channel's conference and digest: the console is one channel.
func channelOf(req Request) string {
	if req.Channel == "" && req.Platform == talkbot.PlatformConsole {
		return digestHere
	}
	return req.Channel
}

// digestChannel reads where a digest goes: here, a Slack #channel (as
// Slack marks it, <#C123|talks>, or typed), a Matrix !room:server.
func digestChannel(c *call, ref string) (string, error) {
	if ref == "" || strings.EqualFold(ref, "here") {
		if c.req.Channel == "" {
			if c.req.Platform == talkbot.PlatformConsole {
				return digestHere, nil
			}
			return "", talkbot.Errorf(talkbot.EINVALID, "Here is a direct message; name the channel, or type this in it.")
		}
		return c.req.Channel, nil
	}
	for _, ch := range c.req.Channels {
		if ch.Text == ref && ch.ID != "" {
			return ch.ID, nil
		}
	}
	switch c.req.Platform {
	case talkbot.PlatformMatrix:
		if strings.HasPrefix(ref, "!") && strings.Contains(ref, ":") {
			return ref, nil
		}
		return "", talkbot.Errorf(talkbot.EINVALID, "“%s” is not a room id. Type the command in the room with `here`, or give its id (`!abc:example.org`, in the room's settings).", truncate(ref, 80))
	case talkbot.PlatformSlack:
		if strings.HasPrefix(ref, "#") && len(ref) > 1 && !strings.ContainsAny(ref, " <>") {
			return ref, nil
		}
		return "", talkbot.Errorf(talkbot.EINVALID, "“%s” is not a channel. Name it like `#talks`, or type the command in it with `here`.", truncate(ref, 80))
	}
	if strings.HasPrefix(ref, "#") && len(ref) > 1 {
		return ref, nil
	}
	return "", talkbot.Errorf(talkbot.EINVALID, "“%s” is not a channel; try `here` or `#talks`.", truncate(ref, 80))
}

// digestOn reads `[here | #channel | !room] at HH:MM [zone]`.
func (r *Router) digestOn(ctx context.Context, c *call, args string) (Reply, error) {
	if err := c.requireAdmin(ctx, "Only an admin can set up the daily digest. `digest status` shows where it goes."); err != nil {
		return Reply{}, err
	}
	f := strings.Fields(args)
	var ref string
	if len(f) > 0 && !strings.EqualFold(f[0], "at") && !reDigestTime.MatchString(f[0]) {
		ref, f = f[0], f[1:]
	}
	if len(f) > 0 && strings.EqualFold(f[0], "at") {
		f = f[1:]
	}
	if len(f) == 0 {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "At what time? `digest on here at 18:00` (24-hour, local to the conference).")
	}
	m := reDigestTime.FindStringSubmatch(f[0])
	if m == nil {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "“%s” is not a time; use HH:MM on the 24-hour clock, like 18:00.", truncate(f[0], 20))
	}
	at := fmt.Sprintf("%02s:%s", m[1], m[2])
	var zone string
	if len(f) > 1 {
		zone = f[1]
		if _, err := time.LoadLocation(zone); err != nil || zone == "Local" || !strings.Contains(zone, "/") && zone != "UTC" {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "“%s” is not a time zone I know; use an IANA name like Europe/Berlin or America/Denver.", truncate(zone, 40))
		}
	}
	if len(f) > 2 {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "I read `digest on %s at %s %s` and then “%s”; drop the rest.", cmpOr(ref, "here"), at, zone, truncate(strings.Join(f[2:], " "), 40))
	}
	channel, err := digestChannel(c, ref)
	if err != nil {
		return Reply{}, err
	}
	d := talkbot.Digest{WorkspaceID: c.user.WorkspaceID, Channel: channel, At: at, Timezone: zone, CreatedBy: c.user.ID}
	if err := r.store.SetDigest(ctx, d); err != nil {
		return Reply{}, err
	}
	conf, err := r.digestConference(ctx, c, channel)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.line(plain("The daily digest goes to "), channelSpan(channel, c), plain(fmt.Sprintf(" at %s %s", at, d.Location(conf))),
		plain(", every day of "+conf.Name+" and the day after; a day with nothing logged posts nothing."))
	b.text("`digest preview` shows what today's would say; `digest off` stops it.")
	return b.reply(), nil
}

func (r *Router) digestOff(ctx context.Context, c *call, ref string) (Reply, error) {
	if err := c.requireAdmin(ctx, "Only an admin can turn the daily digest off."); err != nil {
		return Reply{}, err
	}
	channel, err := digestChannel(c, ref)
	if err != nil {
		return Reply{}, err
	}
	removed, err := r.store.RemoveDigest(ctx, c.user.WorkspaceID, channel)
	if err != nil {
		return Reply{}, err
	}
	if !removed {
		return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "There is no digest for that channel; `digest status` shows where it goes.")
	}
	b := &builder{}
	b.line(plain("No more daily digest in "), channelSpan(channel, c), plain("."))
	return b.reply(), nil
}

func (r *Router) digestStatus(ctx context.Context, c *call) (Reply, error) {
	ds, err := r.store.Digests(ctx, c.user.WorkspaceID)
	if err != nil {
		return Reply{}, err
	}
	if len(ds) == 0 {
		return textReply("The daily digest is off. An admin turns it on with `digest on here at 18:00` in the channel it should go to."), nil
	}
	confs := make([]talkbot.Conference, len(ds))
	one := true // every channel reports the same conference
	for i, d := range ds {
		if confs[i], err = r.digestConference(ctx, c, d.Channel); err != nil {
			return Reply{}, err
		}
		one = one && confs[i].ID == confs[0].ID
	}
	b := &builder{}
	if one {
		b.text("The daily digest of " + confs[0].Name + ":")
	} else {
		b.text("The daily digests:")
	}
	for i, d := range ds {
		conf := confs[i]
		loc := d.Location(conf)
		l := Line{plain("• "), channelSpan(d.Channel, c), plain(fmt.Sprintf(" at %s %s", d.At, loc))}
		if !one {
			l = append(l, plain(", of "+conf.Name))
		}
		if next, ok := nextDigest(d, conf, c.now); ok {
			l = append(l, plain(", next "+next.In(loc).Format("Mon 2 Jan 15:04")))
		} else {
			l = append(l, plain(", no more days of the conference"))
		}
		b.line(l...)
		recs, err := r.store.DigestRecords(ctx, d.WorkspaceID, d.Channel, 3)
		if err != nil {
			return Reply{}, err
		}
		for _, rec := range recs {
			b.line(plain(fmt.Sprintf("   %s: %s", rec.Day, digestStatusWords(rec))))
		}
	}
	return b.reply(), nil
}

func digestStatusWords(rec talkbot.DigestRecord) string {
	switch rec.Status {
	case talkbot.DigestPosted:
		return "posted"
	case talkbot.DigestEmpty:
		return "nothing logged, nothing posted"
	case talkbot.DigestSkipped:
		return "skipped (" + rec.Note + ")"
	case talkbot.DigestUnknown:
		return "may have been posted (the bot stopped while posting); not posted again"
	}
	if rec.Note != "" && rec.Status == talkbot.DigestClaimed { // sending: a try is under way
		return "not posted yet, tried again every few minutes (" + rec.Note + ")"
	}
	return "being posted"
}

// nextDigest is when the digest posts next, from now on.
func nextDigest(d talkbot.Digest, conf talkbot.Conference, now time.Time) (time.Time, bool) {
	loc := d.Location(conf)
	day := now.In(loc)
	for i := 0; i < 400; i++ {
		slot, err := d.Slot(day.AddDate(0, 0, i).Format(time.DateOnly), loc)
		if err != nil {
			continue
		}
		covers := d.Covers(slot, conf)
		if conf.StartsOn != "" && covers > conf.EndsOn && !conf.DigestDay(covers) {
			return time.Time{}, false
		}
		if conf.DigestDay(covers) && slot.After(now) {
			return slot, true
		}
	}
	return time.Time{}, false
}

func (r *Router) digestPreview(ctx context.Context, c *call, arg string) (Reply, error) {
	// This channel's digest, else the first one's time: this channel's conference either way.
	d := talkbot.Digest{WorkspaceID: c.user.WorkspaceID}
	if ds, err := r.store.Digests(ctx, c.user.WorkspaceID); err != nil {
		return Reply{}, err
	} else if len(ds) > 0 {
		d = ds[0]
		for _, x := range ds {
			if x.Channel == channelOf(c.req) {
				d = x
			}
		}
	}
	conf, err := r.digestConference(ctx, c, channelOf(c.req))
	if err != nil {
		return Reply{}, err
	}
	// The conference's day today's digest reports: the one in progress
	// twelve hours before its time, so a morning digest's is the day before.
	day := c.now.In(conf.Location()).Format(time.DateOnly)
	if d.At != "" {
		loc := d.Location(conf)
		if slot, err := d.Slot(c.now.In(loc).Format(time.DateOnly), loc); err == nil {
			day = d.Covers(slot, conf)
		}
	}
	if arg != "" {
		if day, err = parseDay(arg); err != nil {
			return Reply{}, err
		}
	}
	post, empty, err := r.DigestFor(ctx, d, conf, day)
	if err != nil {
		return Reply{}, err
	}
	if empty {
		return textReply(fmt.Sprintf("Nothing was logged on %s, so no digest would be posted.", day)), nil
	}
	b := &builder{}
	b.text(fmt.Sprintf("Preview: the digest for %s, as it would be posted (nothing is posted now).", day))
	post.Blocks = append(b.r.Blocks, post.Blocks...)
	post.Command = "digest"
	return post, nil
}

func parseDay(s string) (string, error) {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", talkbot.Errorf(talkbot.EINVALID, "“%s” is not a date; use YYYY-MM-DD, like 2026-03-24.", truncate(s, 40))
	}
	return s, nil
}

func (r *Router) teamConference(ctx context.Context, c *call) (talkbot.Conference, error) {
	conf, err := r.store.TeamConference(ctx, c.user.WorkspaceID)
	if errors.Is(err, talkbot.ErrNotFound) {
		return r.store.CurrentConference(ctx, c.user) // a fresh install: the default one
	}
	return conf, err
}

// digestConference is the conference a channel's digest reports.
func (r *Router) digestConference(ctx context.Context, c *call, channel string) (talkbot.Conference, error) {
	conf, err := r.store.DigestConference(ctx, c.user.WorkspaceID, channel)
	if errors.Is(err, talkbot.ErrNotFound) {
		return r.store.CurrentConference(ctx, c.user) // a fresh install: the default one
	}
	return conf, err
}

// channelSpan names a channel for the reply: Slack ids as Slack's
// channel mention, anything else as typed.
func channelSpan(channel string, c *call) Span {
	if channel == digestHere && c.req.Platform == talkbot.PlatformConsole {
		return plain("this console")
	}
	return Span{Text: channel, Style: StyleChannel, Channel: channel}
}

// DigestFor builds the digest of one local date, exactly as it is posted
// (and previewed); empty reports a day with nothing logged, which posts nothing.
func (r *Router) DigestFor(ctx context.Context, d talkbot.Digest, conf talkbot.Conference, day string) (Reply, bool, error) {
	// The conference's day, in its zone: a talk's day is the conference's date.
	from, to, err := talkbot.DayBounds(day, conf.Location())
	if err != nil {
		return Reply{}, false, talkbot.Errorf(talkbot.EINVALID, "“%s” is not a date; use YYYY-MM-DD.", truncate(day, 40))
	}
	rep, err := r.store.DayReport(ctx, d.WorkspaceID, conf.ID, day, from, to)
	if err != nil {
		return Reply{}, false, err
	}
	if rep.Empty() {
		return Reply{}, true, nil
	}
	return r.digestReply(ctx, d.WorkspaceID, conf, rep), false, nil
}

// Digest limits: a digest is read in a channel, at a glance.
const (
	digestTalks = 12
	digestNotes = 4
)

func (r *Router) digestReply(ctx context.Context, workspaceID int64, conf talkbot.Conference, rep talkbot.DayReport) Reply {
	b := &builder{r: Reply{Command: "digest", Safe: true}}
	b.line(bold(digestTitle(conf, rep.Day)))
	b.text(digestCounts(rep.Counts))

	if len(rep.Highlights) > 0 {
		b.line(bold("Highlights"))
		for i, ts := range rep.Highlights {
			card := b.card(fmt.Sprintf("%d.", i+1), ts.Talk)
			card.Stats = &Stats{Highlights: ts.HighlightCount, Stars: ts.StarCount, RatingSum: ts.RatingSum, RatingCount: ts.RatingCount}
			card.line(plain("   " + teamNumbers(ts)))
		}
	}

	if notes := r.digestNotes(ctx, workspaceID, rep); len(notes) > 0 {
		b.line(bold("From the team's notes"))
		b.r.Blocks = append(b.r.Blocks, &List{Items: notes})
	}

	namesCut := false
	if len(rep.Talks) > 0 {
		b.line(bold("The day's talks"))
		list := &List{}
		for _, t := range rep.Talks[:min(len(rep.Talks), digestTalks)] {
			l := append(Line{plain("• ")}, talkLine(t.Talk)...)
			var parts []string
			if len(t.Attendees) > 0 {
				parts = append(parts, names(t.Attendees)) // a talk the whole team saw would fill the channel
				namesCut = namesCut || len(t.Attendees) > 3
			}
			if t.RatingCount > 0 {
				parts = append(parts, fmt.Sprintf("%.1f/5", t.AverageRating()))
			}
			if len(parts) > 0 {
				l = append(l, plain(" · "+strings.Join(parts, " · ")))
			}
			list.Items = append(list.Items, Item{Spans: l, Talk: t.ID})
		}
		b.r.Blocks = append(b.r.Blocks, list)
		if more := len(rep.Talks) - digestTalks; more > 0 {
			b.text(fmt.Sprintf("…and %d more: `list %s team`.", more, rep.Day))
		}
	}

	if len(rep.Picks) > 0 {
		b.line(bold("Missed it? Colleagues loved these"))
		var buttons []Button
		for _, ts := range rep.Picks {
			card := b.card("", ts.Talk)
			card.line(plain("   " + teamNumbers(ts)))
			buttons = append(buttons, Button{Label: fmt.Sprintf("Watch #%d later", ts.ID), Command: fmt.Sprintf("want #%d", ts.ID)})
		}
		b.buttons(buttons...)
	}

	if len(rep.Recordings) > 0 {
		b.line(bold("Recordings now up"))
		list := &List{}
		for _, t := range rep.Recordings {
			l := append(Line{plain("• ")}, talkLine(t)...)
			l = append(l, plain(" "), link("recording", t.RecordingURL))
			list.Items = append(list.Items, Item{Spans: l, Talk: t.ID})
		}
		b.r.Blocks = append(b.r.Blocks, list)
	}
	footer := "`want #id` saves a talk for later; `highlights " + rep.Day + "` shows more."
	if namesCut {
		footer += " `show #id` names everyone who logged a talk."
	}
	b.text(footer)
	return b.reply()
}

// digestNotes picks the team notes worth reading: a short summary of each
// of the best talks' notes when an assistant is set up, else one note a
// talk, excerpted.
func (r *Router) digestNotes(ctx context.Context, workspaceID int64, rep talkbot.DayReport) []Item {
	titles := map[int64]talkbot.Talk{}
	for _, t := range rep.Talks {
		titles[t.ID] = t.Talk
	}
	var order []int64
	byTalk := map[int64][]talkbot.Note{}
	for _, n := range rep.Notes {
		if _, ok := byTalk[n.TalkID]; !ok {
			if len(order) == digestNotes {
				continue
			}
			order = append(order, n.TalkID)
		}
		byTalk[n.TalkID] = append(byTalk[n.TalkID], n)
	}
	texts := map[int64]string{}
	credit := ""
	if r.assistant != nil && len(order) > 0 {
		var in []TalkNotes
		for _, id := range order {
			tn := TalkNotes{TalkID: id, Title: titles[id].Title}
			for _, n := range byTalk[id] {
				tn.Notes = append(tn.Notes, NoteText{Author: n.UserName, Text: n.Text})
			}
			in = append(in, tn)
		}
		sum := r.assistant.Summarize(ctx, workspaceID, in)
		for _, s := range sum.Talks {
			texts[s.TalkID] = s.Text
		}
		credit = sum.Credit
	}
	var items []Item
	for _, id := range order {
		t := titles[id]
		l := Line{plain("• "), bold(fmt.Sprintf("#%d", id)), plain(" " + truncate(t.Title, 60) + ": ")}
		if s := texts[id]; s != "" {
			l = append(l, emphasis(truncate(s, 300))) // the model's words, set apart
		} else {
			n := byTalk[id][0]
			l = append(l, quote(truncate(strings.Join(strings.Fields(n.Text), " "), 200)), plain(" — "+n.UserName))
		}
		items = append(items, Item{Spans: l, Talk: id})
	}
	if len(texts) > 0 && credit != "" { // readers know whose words they read
		items = append(items, Item{Spans: Line{plain("   "), emphasis(credit)}})
	}
	return items
}

func teamNumbers(ts talkbot.TalkSummary) string {
	var parts []string
	if ts.RatingCount > 0 {
		parts = append(parts, fmt.Sprintf("%.1f/5 from %d", ts.AverageRating(), ts.RatingCount))
	}
	if ts.StarCount > 0 {
		parts = append(parts, fmt.Sprintf("%d ★", ts.StarCount))
	}
	if ts.HighlightCount > 0 {
		parts = append(parts, fmt.Sprintf("a highlight for %d", ts.HighlightCount))
	}
	return strings.Join(parts, " · ")
}

// digestTitle is "KubeCon EU 2026, day 2: Wednesday 25 March".
func digestTitle(conf talkbot.Conference, day string) string {
	date, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return conf.Name + ", " + day
	}
	when := date.Format("Monday 2 January")
	if start, err := time.Parse(time.DateOnly, conf.StartsOn); err == nil {
		switch n := int(date.Sub(start).Hours()/24) + 1; {
		case conf.EndsOn != "" && day > conf.EndsOn:
			return fmt.Sprintf("%s, the day after: %s", conf.Name, when)
		case n >= 1:
			return fmt.Sprintf("%s, day %d: %s", conf.Name, n, when)
		}
	}
	return conf.Name + ": " + when
}

func digestCounts(c talkbot.DayCounts) string {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	s := fmt.Sprintf("%s logged %s", plural(c.People, "person", "people"), plural(c.Talks, "talk", "talks"))
	if c.Notes > 0 {
		s += " and wrote " + plural(c.Notes, "team note", "team notes")
	}
	return s + "."
}

// RecordingNotice tells a user that talks on their list have recordings now.
func RecordingNotice(talks []talkbot.Talk) Reply {
	b := &builder{r: Reply{Command: "notify", Safe: true}}
	if len(talks) == 1 {
		b.text("A talk on your list has a recording now:")
	} else {
		b.text(fmt.Sprintf("%d talks on your list have recordings now:", len(talks)))
	}
	const shown = 10
	var buttons []Button
	for _, t := range talks[:min(len(talks), shown)] {
		card := b.card("", t)
		card.line(plain("   "), link(t.RecordingURL, t.RecordingURL))
		buttons = append(buttons, Button{Label: fmt.Sprintf("Watched #%d", t.ID), Command: fmt.Sprintf("watched #%d", t.ID)})
	}
	if more := len(talks) - shown; more > 0 {
		b.text(fmt.Sprintf("…and %d more: `watch` lists them.", more))
	}
	if len(buttons) <= 5 {
		b.buttons(buttons...)
	}
	b.text("`watched #id` when you have seen one; `notify off` stops these messages.")
	return b.reply()
}

// ConferenceNotice tells a digest channel that the team logs to another conference now.
func ConferenceNotice(conf talkbot.Conference) Reply {
	b := &builder{r: Reply{Command: "conf", Safe: true}}
	b.text("The team now logs talks to " + describeConf(conf) + ". `conf` shows which one yours go to; `conf use <name>` picks another for yourself.")
	return b.reply()
}

// UpgradeNotice tells a room that replaced an upgraded one that the daily
// digest comes to it now.
func UpgradeNotice() Reply {
	b := &builder{r: Reply{Command: "digest", Safe: true}}
	b.text("This room replaced the one it was upgraded from: the daily digest comes here now. `digest status` shows it.")
	return b.reply()
}

func (r *Router) notify(ctx context.Context, c *call) (Reply, error) {
	switch strings.ToLower(strings.TrimSpace(c.args)) {
	case "":
		on, err := r.store.Notify(ctx, c.user.ID)
		if err != nil {
			return Reply{}, err
		}
		if on {
			return textReply("You get a message when a talk on your watch-later or missed list gets a recording. `notify off` stops that."), nil
		}
		return textReply("Recording messages are off for you. `notify on` turns them back on."), nil
	case "on":
		if err := r.store.SetNotify(ctx, c.user.ID, true); err != nil {
			return Reply{}, err
		}
		return textReply("You will get a message when a talk on your watch-later or missed list gets a recording."), nil
	case "off":
		if err := r.store.SetNotify(ctx, c.user.ID, false); err != nil {
			return Reply{}, err
		}
		return textReply("No more recording messages. `watch` still lists what has a recording; `notify on` turns them back on."), nil
	}
	return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Try `notify on` or `notify off`.")
}
