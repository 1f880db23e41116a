package commands

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
)

func ptr[T any](v T) *T { return &v }

// patchFrom turns options into the talk fields they set.
func patchFrom(o opts) talkbot.TalkPatch {
	var p talkbot.TalkPatch
	if o.hasSpeakers {
		p.Speakers = &o.speakers
	}
	set := func(dst **string, v string) {
		if v != "" {
			*dst = ptr(v)
		}
	}
	set(&p.Event, o.event)
	set(&p.Room, o.room)
	set(&p.Day, o.day)
	set(&p.ScheduleURL, o.scheduleURL)
	set(&p.ScheduleID, o.scheduleID)
	set(&p.RecordingURL, o.recordingURL)
	p.AddTags = o.tags
	return p
}

func checkTitle(title string) error {
	if n := utf8.RuneCountInString(title); n > talkbot.MaxTitleLen {
		return talkbot.Errorf(talkbot.EINVALID, "Titles can be up to %d characters; that one has %d.", talkbot.MaxTitleLen, n)
	}
	return nil
}

func (r *Router) noteDraft(c *call, text string, vis talkbot.Visibility) (*talkbot.NoteDraft, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	if n := utf8.RuneCountInString(text); n > talkbot.MaxNoteLen {
		return nil, talkbot.Errorf(talkbot.EINVALID, "Notes can be up to %d characters; yours has %d. Split it into two notes.", talkbot.MaxNoteLen, n)
	}
	if vis == "" {
		vis = c.user.DefaultVisibility
	}
	return &talkbot.NoteDraft{Text: text, Visibility: vis}, nil
}

// target points ch at the talk f names, or at a new talk built from the
// reference and options when mode allows and nothing matches. A Sched-style
// title has its speakers split off; a typed title replaces a placeholder one.
func (r *Router) target(ctx context.Context, c *call, f ref, o opts, mode resolveMode, ch *talkbot.Change, defaultDay bool) error {
	title, speakers, split := f.title, o.speakers, false
	if !o.hasSpeakers && !f.quoted && f.title != "" {
		if st, sp, ok := splitSchedTitle(f.title); ok {
			title, speakers, split = st, sp, true
		}
	}
	t, err := r.resolve(ctx, c, f, mode)
	if errors.Is(err, errCreate) && split && f.scheduleID == "" {
		t, err = r.resolve(ctx, c, ref{title: title}, mode)
	}
	switch {
	case err == nil:
		ch.TalkID = t.ID
		if split {
			ch.Fill.Speakers = &speakers
		}
		if title != "" && title != t.Title && t.Title == titleFromLink(t.ScheduleURL, t.ScheduleID) {
			ch.Talk.Title = &title
		}
		return nil
	case !errors.Is(err, errCreate):
		return err
	}
	if title == "" {
		title = titleFromLink(o.scheduleURL, o.scheduleID)
	}
	if err := checkTitle(title); err != nil {
		return err
	}
	day := o.day
	if day == "" && defaultDay && c.conf.Around(c.today()) {
		day = c.today()
	}
	ch.NewTalk = &talkbot.Talk{ConferenceID: c.conf.ID, Title: title, Speakers: speakers, Event: o.event, Room: o.room, Day: day,
		ScheduleURL: o.scheduleURL, ScheduleID: o.scheduleID, RecordingURL: o.recordingURL, Tags: o.tags}
	if split {
		ch.Fill.Speakers = &speakers // the store may find the talk by its title after all
	}
	return nil
}

// titleFromLink makes a placeholder title from a schedule link's slug
// (sched.com/event/1nSgo/official-kubernetes-crds → "Official kubernetes crds").
func titleFromLink(link, id string) string {
	if link == "" && id == "" {
		return ""
	}
	if u, err := url.Parse(link); err == nil {
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		if last := parts[len(parts)-1]; len(parts) >= 3 && last != id && strings.Contains(last, "-") {
			words := strings.ReplaceAll(last, "-", " ")
			return strings.ToUpper(words[:1]) + words[1:]
		}
	}
	return "Schedule entry " + id
}

// logCommand is the shape shared by add, missed, want and watched.
func (r *Router) logCommand(ctx context.Context, c *call, label string, mode resolveMode, patch talkbot.LogPatch, freeAsNote bool) (Reply, error) {
	attended := patch.Status != nil && *patch.Status == talkbot.StatusAttended
	head, free, _ := splitFreeText(c.args)
	o, err := parseOptions(tokenize(head))
	if err != nil {
		return Reply{}, err
	}
	f := refFrom(o)
	if f.empty() && mode != mustExist {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? Try `%s <title or schedule link>`; `help %s` shows more.", label, label)
	}
	if f.title != "" {
		if err := checkTitle(f.title); err != nil {
			return Reply{}, err
		}
	}
	ch := talkbot.Change{User: c.user, Log: patch, Fill: patchFrom(o)}
	if o.rating > 0 {
		ch.Log.Rating = ptr(o.rating)
	}
	if freeAsNote {
		if ch.Note, err = r.noteDraft(c, free, ""); err != nil {
			return Reply{}, err
		}
	} else if free != "" {
		if n := utf8.RuneCountInString(free); n > talkbot.MaxFieldLen {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Keep the reason under %d characters; add the rest as a `note`.", talkbot.MaxFieldLen)
		}
		ch.Log.Reason = ptr(free)
	}
	if err := r.target(ctx, c, f, o, mode, &ch, attended); err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, ch, label)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	verb := map[string]string{"add": "Logged", "missed": "Missed", "want": "On your watch-later list:", "watched": "Watched"}[label]
	if out.Created {
		verb += " new talk"
	}
	b.line(append(Line{plain(verb + " ")}, talkLine(out.Talk)...)...)
	b.talk(out.Talk.ID)
	if f := talkFacts(out.Talk); f != nil {
		b.line(f...)
	}
	if st := logState(out.Log); st != "" {
		b.line(plain("   " + st))
	}
	switch {
	case out.Note == nil:
	case out.Note.Visibility == talkbot.VisibilityPrivate && c.req.Shared:
		b.text("   Note saved (private).")
	default:
		b.line(plain("   Note saved ("+string(out.Note.Visibility)+"): "), quote(truncate(out.Note.Text, 200)))
	}
	return b.reply(), nil
}

// apply runs a change, labelled for undo with the command that made it.
func (r *Router) apply(ctx context.Context, ch talkbot.Change, label string) (talkbot.Outcome, error) {
	ch.Label = label
	return r.store.Apply(ctx, ch)
}

func (r *Router) add(ctx context.Context, c *call) (Reply, error) {
	return r.logCommand(ctx, c, "add", exactOrCreate, talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}, true)
}

func (r *Router) missed(ctx context.Context, c *call) (Reply, error) {
	return r.logCommand(ctx, c, "missed", fuzzyOrCreate, talkbot.LogPatch{Status: ptr(talkbot.StatusMissed), WatchLater: ptr(true)}, false)
}

func (r *Router) want(ctx context.Context, c *call) (Reply, error) {
	return r.logCommand(ctx, c, "want", fuzzyOrCreate, talkbot.LogPatch{WatchLater: ptr(true)}, true)
}

func (r *Router) watched(ctx context.Context, c *call) (Reply, error) {
	return r.logCommand(ctx, c, "watched", fuzzyOrCreate, talkbot.LogPatch{Watched: ptr(true), WatchLater: ptr(false)}, true)
}

// strictRef reads the talk for note, rate, star and unstar: only #id, a
// schedule link or id, or a "quoted title"; anything else is a mistake.
func strictRef(c *call, o opts, example string) (ref, error) {
	if len(o.rest) == 1 && !o.rest[0].quoted && isScheduleIDWord(o.rest[0].text) && o.scheduleID == "" && o.talkID == 0 {
		return ref{scheduleID: o.rest[0].text}, nil
	}
	for _, t := range o.rest {
		if !t.quoted {
			return ref{}, talkbot.Errorf(talkbot.EINVALID, "I read “%s” as neither a talk nor a rating. Name the talk as #id or \"quoted title\", like `%s`.", truncate(t.text, 40), example)
		}
	}
	return refFrom(o), nil
}

var reDigits = regexp.MustCompile(`^\d+$`)

func (r *Router) rate(ctx context.Context, c *call) (Reply, error) {
	ts := tokenize(c.args)
	for i, t := range ts {
		if !t.quoted && reDigits.MatchString(t.text) {
			ts[i].text = "*" + t.text // a bare number is the rating here
		}
	}
	o, err := parseOptions(ts)
	if err != nil {
		return Reply{}, err
	}
	if o.rating == 0 {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Give a rating from 1 to 5, like `rate 4` or `rate #12 5/5`.")
	}
	f, err := strictRef(c, o, "rate #12 4")
	if err != nil {
		return Reply{}, err
	}
	t, err := r.resolve(ctx, c, f, mustExist)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Log: talkbot.LogPatch{Rating: ptr(o.rating)}}, "rate")
	if err != nil {
		return Reply{}, err
	}
	return r.touched(out, fmt.Sprintf("Rated %s %d/5: ", stars(o.rating), o.rating)), nil
}

func (r *Router) touched(out talkbot.Outcome, verb string) Reply {
	b := &builder{}
	b.line(append(Line{plain(verb)}, talkLine(out.Talk)...)...)
	b.talk(out.Talk.ID)
	return b.reply()
}

func (r *Router) setStar(ctx context.Context, c *call, on bool) (Reply, error) {
	o, err := parseOptions(tokenize(c.args))
	if err != nil {
		return Reply{}, err
	}
	f, err := strictRef(c, o, c.name+" #12")
	if err != nil {
		return Reply{}, err
	}
	t, err := r.resolve(ctx, c, f, mustExist)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Log: talkbot.LogPatch{Starred: ptr(on)}}, c.name)
	if err != nil {
		return Reply{}, err
	}
	if on {
		return r.touched(out, "Starred ⭐ "), nil
	}
	return r.touched(out, "Unstarred "), nil
}

func (r *Router) star(ctx context.Context, c *call) (Reply, error)   { return r.setStar(ctx, c, true) }
func (r *Router) unstar(ctx context.Context, c *call) (Reply, error) { return r.setStar(ctx, c, false) }

var (
	reLeadingID  = regexp.MustCompile(`^#(\d+)(?:\s+|$)`)
	reLeadingURL = regexp.MustCompile(`^(https?://\S+)(?:\s+|$)`)
	reVisFlag    = regexp.MustCompile(`^(?i)--(private|team)(?:\s+|$)`)
)

func (r *Router) note(ctx context.Context, c *call) (Reply, error) {
	text := c.args
	var vis talkbot.Visibility
	var f ref
	for changed := true; changed; {
		changed = false
		if m := reVisFlag.FindStringSubmatch(text); m != nil {
			vis, text, changed = talkbot.Visibility(strings.ToLower(m[1])), text[len(m[0]):], true
		}
		if !f.empty() {
			continue
		}
		if m := reLeadingID.FindStringSubmatch(text); m != nil {
			f.id, _ = strconv.ParseInt(m[1], 10, 64)
			text, changed = text[len(m[0]):], true
		} else if m := reLeadingURL.FindStringSubmatch(text); m != nil {
			if u, err := checkURL(m[1]); err == nil {
				if id, ok := scheduleID(u); ok {
					f.scheduleID, text, changed = id, text[len(m[0]):], true
				}
			}
		} else if word, rest, _ := strings.Cut(text, " "); isScheduleIDWord(word) {
			if t, err := r.bySchedule(ctx, c, word); err == nil {
				f.id, text, changed = t.ID, rest, true
			}
		} else if ts := tokenize(text); len(ts) > 0 && ts[0].quoted && startsWithQuote(text) {
			f.title, f.quoted = ts[0].text, true
			text, changed = afterQuote(text), true
		}
	}
	note, err := r.noteDraft(c, text, vis)
	if err != nil {
		return Reply{}, err
	}
	if note == nil {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "What's the note? Try `note the demo was great` or `note --private #12 ask about KEP-1287`.")
	}
	t, err := r.resolve(ctx, c, f, mustExist)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Note: note}, "note")
	if err != nil {
		return Reply{}, err
	}
	return r.touched(out, "Noted ("+string(note.Visibility)+") on "), nil
}

func startsWithQuote(s string) bool {
	for q := range quotePairs {
		if strings.HasPrefix(s, string(q)) {
			return true
		}
	}
	return false
}

// afterQuote returns the text after the closing quote of a leading quoted phrase.
func afterQuote(s string) string {
	open, size := utf8.DecodeRuneInString(s)
	if i := strings.IndexRune(s[size:], quotePairs[open]); i >= 0 {
		rest := s[size+i:]
		_, n := utf8.DecodeRuneInString(rest)
		return strings.TrimSpace(rest[n:])
	}
	return ""
}

func (r *Router) video(ctx context.Context, c *call) (Reply, error) {
	o, err := parseOptions(tokenize(c.args))
	if err != nil {
		return Reply{}, err
	}
	if o.recordingURL == "" {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Give the recording link, like `video #12 https://www.youtube.com/watch?v=…`.")
	}
	t, err := r.resolve(ctx, c, refFrom(o), mustExist)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Talk: talkbot.TalkPatch{RecordingURL: ptr(o.recordingURL)}}, "video")
	if err != nil {
		return Reply{}, err
	}
	rep := r.touched(out, "Recording attached to ")
	rep.Lines = append(rep.Lines, Line{plain("   "), link(o.recordingURL, o.recordingURL)})
	return rep, nil
}

var reEditField = regexp.MustCompile(`(?i)(?:^|\s)(title|speakers?|event|room|day|tags?|video|recording|schedule|rating|reason):`)

func (r *Router) edit(ctx context.Context, c *call) (Reply, error) {
	loc := reEditField.FindStringSubmatchIndex(c.args)
	if loc == nil {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Say what to change, like `edit #12 title:New title`; fields: title, speakers, event, room, day, tags, video, rating, reason.")
	}
	field := strings.ToLower(c.args[loc[2]:loc[3]])
	value := strings.TrimSpace(c.args[loc[1]:])
	o, err := parseOptions(tokenize(c.args[:loc[0]]))
	if err != nil {
		return Reply{}, err
	}
	t, err := r.resolve(ctx, c, refFrom(o), mustExist)
	if err != nil {
		return Reply{}, err
	}
	ch := talkbot.Change{User: c.user, TalkID: t.ID}
	var v opts
	switch field {
	case "rating":
		if strings.EqualFold(value, "none") {
			ch.Log.Rating = ptr(0)
			break
		}
		if reDigits.MatchString(value) {
			value = "*" + value
		}
		n, ok, err := parseRating(value)
		if err != nil {
			return Reply{}, err
		}
		if !ok {
			return Reply{}, errRatingRange
		}
		ch.Log.Rating = &n
	case "reason":
		ch.Log.Reason = ptr(value)
	case "video", "recording":
		if _, err := checkURL(value); err != nil {
			return Reply{}, err
		}
		ch.Talk.RecordingURL = ptr(value)
	default:
		if t.CreatedBy != c.user.ID && !c.req.Admin {
			return Reply{}, talkbot.Errorf(talkbot.EFORBIDDEN, "Only whoever logged #%d first, or an admin, can change its %s. You can add a `note` instead.", t.ID, field)
		}
		switch field {
		case "title":
			if value == "" {
				return Reply{}, talkbot.Errorf(talkbot.EINVALID, "A talk needs a title.")
			}
			if err := checkTitle(value); err != nil {
				return Reply{}, err
			}
			ch.Talk.Title = ptr(value)
		case "tag", "tags":
			if value != "" {
				if err := v.addTags(value); err != nil {
					return Reply{}, err
				}
			}
			ch.Talk.Tags = ptr(v.tags)
		case "schedule":
			u, err := checkURL(value)
			if err != nil {
				return Reply{}, err
			}
			id, _ := scheduleID(u)
			ch.Talk.ScheduleURL, ch.Talk.ScheduleID = ptr(value), ptr(id)
		default:
			if value == "" {
				ch.Talk = clearField(field)
				break
			}
			if err := v.setOption(field, value); err != nil {
				return Reply{}, err
			}
			ch.Talk = patchFrom(v)
		}
	}
	out, err := r.apply(ctx, ch, "edit")
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.line(append(Line{plain("Updated ")}, talkLine(out.Talk)...)...)
	b.talk(out.Talk.ID)
	if f := talkFacts(out.Talk); f != nil {
		b.line(f...)
	}
	if st := logState(out.Log); st != "" && !ch.Log.Empty() {
		b.line(plain("   " + st))
	}
	return b.reply(), nil
}

func clearField(field string) talkbot.TalkPatch {
	var p talkbot.TalkPatch
	switch field {
	case "speaker", "speakers":
		p.Speakers = ptr([]string(nil))
	case "event":
		p.Event = ptr("")
	case "room":
		p.Room = ptr("")
	case "day":
		p.Day = ptr("")
	}
	return p
}

func (r *Router) delete(ctx context.Context, c *call) (Reply, error) {
	o, err := parseOptions(tokenize(c.args))
	if err != nil {
		return Reply{}, err
	}
	f := refFrom(o)
	if f.empty() {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? `delete #12` removes your log and notes on #12.")
	}
	t, err := r.resolve(ctx, c, f, mustExist)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, DeleteLog: true}, "delete")
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.line(append(Line{plain("Deleted your log and notes on ")}, talkLine(t)...)...)
	if out.TalkDeleted {
		b.text("Nobody else had logged it, so the talk is gone too. `undo` brings it all back.")
	} else {
		b.text("`undo` brings them back.")
	}
	return b.reply(), nil
}

func (r *Router) undo(ctx context.Context, c *call) (Reply, error) {
	label, err := r.store.Undo(ctx, c.user.ID)
	if err != nil {
		return Reply{}, err
	}
	return textReply("Undone: " + label + "."), nil
}

// mention reads a user reference: <@U123|name> (Slack), @alice:example.org (Matrix) or @name.
var reMention = regexp.MustCompile(`^(?:<@([A-Z0-9]+)(?:\|([^>]*))?>|@(\S+)|<(!\w+)>)$`)

// massMentions are the names that address everyone in a room or channel.
var massMentions = map[string]bool{"here": true, "channel": true, "everyone": true, "room": true}

func (r *Router) recommend(ctx context.Context, c *call) (Reply, error) {
	ts := tokenize(c.args)
	var to *talkbot.User
	if n := len(ts); n > 0 && !ts[n-1].quoted {
		if m := reMention.FindStringSubmatch(ts[n-1].text); m != nil {
			u, err := r.colleague(ctx, c, m)
			switch {
			case errors.Is(err, errTeamMention):
				ts = ts[:n-1]
			case err != nil:
				return Reply{}, err
			default:
				to, ts = &u, ts[:n-1]
			}
		}
	}
	o, err := parseOptions(ts)
	if err != nil {
		return Reply{}, err
	}
	t, err := r.resolve(ctx, c, refFrom(o), mustExist)
	if err != nil {
		return Reply{}, err
	}
	ch := talkbot.Change{User: c.user, TalkID: t.ID, RecommendTeam: to == nil}
	who := "the team"
	if to != nil {
		ch.RecommendTo, who = []int64{to.ID}, to.Name
	}
	out, err := r.apply(ctx, ch, "recommend")
	if err != nil {
		return Reply{}, err
	}
	rep := r.touched(out, "Recommended ")
	rep.Lines = append(rep.Lines, Line{plain("   to " + who + "; it shows up in their `watch` list.")})
	return rep, nil
}

// errTeamMention says a mention named everyone (@here, @channel, ...).
var errTeamMention = errors.New("team mention")

// colleague finds the user a mention names. A platform id (Slack <@U123>,
// Matrix @bob:example.org) may name someone who has not used the bot yet, so
// it creates them; a bare @name must be someone the bot knows.
func (r *Router) colleague(ctx context.Context, c *call, m []string) (talkbot.User, error) {
	id, name := m[1], m[2]
	platformID := id != ""
	if !platformID {
		id = m[3] + m[4]
		platformID = strings.Contains(id, ":")
	}
	if massMentions[strings.ToLower(strings.TrimPrefix(id, "!"))] {
		return talkbot.User{}, errTeamMention
	}
	if name == "" {
		name = strings.TrimPrefix(strings.SplitN(id, ":", 2)[0], "@")
	}
	u, err := r.store.FindUser(ctx, c.user.WorkspaceID, id)
	if errors.Is(err, talkbot.ErrNotFound) {
		if !platformID {
			return u, talkbot.Errorf(talkbot.ENOTFOUND, "I don't know @%s here: they haven't used talkbot yet. Check the spelling, or `recommend <talk>` for the whole team.", truncate(id, 40))
		}
		if c.req.Platform == talkbot.PlatformMatrix && !strings.HasPrefix(id, "@") {
			id = "@" + id
		}
		u, err = r.store.User(ctx, c.req.Platform, c.req.Workspace, id, name)
	}
	if err != nil {
		return u, err
	}
	if u.ID == c.user.ID {
		return u, talkbot.Errorf(talkbot.EINVALID, "You can't recommend a talk to yourself; `want` puts it on your own list.")
	}
	return u, nil
}
