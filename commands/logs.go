package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
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
	p.AddLinks = o.links
	return p
}

// canEdit reports whether the user may change a talk's shared fields: whoever
// logged it first, or an admin. Anyone may fill a field that is empty.
func canEdit(ctx context.Context, c *call, t talkbot.Talk) bool {
	ok, _ := mayEdit(ctx, c, t)
	return ok
}

// mayEdit is canEdit for a command it refuses: the platform's failure to
// say whether the user is an admin is then the answer, not a "no".
func mayEdit(ctx context.Context, c *call, t talkbot.Talk) (bool, error) {
	if t.CreatedBy != 0 && t.CreatedBy == c.user.ID {
		return true, nil
	}
	return c.adminChecked(ctx)
}

// checkDay refuses a day outside the week of conf: the user's conference
// for a new talk, a known talk's own (talkConference) for that talk.
func checkDay(conf talkbot.Conference, day string) error {
	if day == "" || conf.Around(day) {
		return nil
	}
	from, to, _ := conf.Week()
	return talkbot.Errorf(talkbot.EINVALID, "%s is outside %s (%s..%s); give a day from %s to %s, or `conf use` another conference.",
		day, conf.Name, conf.StartsOn, conf.EndsOn, from, to)
}

// talkConference is the conference a talk belongs to: the user's own,
// or the one a #12 of another conference is in.
func (r *Router) talkConference(ctx context.Context, c *call, t talkbot.Talk) (talkbot.Conference, error) {
	if t.ConferenceID == c.conf.ID {
		return c.conf, nil
	}
	cs, err := r.store.Conferences(ctx, c.user.WorkspaceID)
	if err != nil {
		return talkbot.Conference{}, err
	}
	for _, x := range cs {
		if x.ID == t.ConferenceID {
			return x, nil
		}
	}
	return talkbot.Conference{}, fmt.Errorf("conference %d of talk %d: %w", t.ConferenceID, t.ID, talkbot.ErrNotFound)
}

var errPlaylist = talkbot.Errorf(talkbot.EINVALID, "That link is a playlist or a channel, not one talk's recording. `conf video <link>` attaches it to the conference; `video #12 <link>` takes one talk's video.")

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
	if err := checkNoteLen(text); err != nil {
		return nil, err
	}
	if vis == "" {
		vis = c.user.DefaultVisibility
	}
	return &talkbot.NoteDraft{Text: text, Visibility: vis}, nil
}

// target points ch at the talk f names, or at a new talk built from the
// reference and options when mode allows and nothing matches. A Sched-style
// title has its speakers split off; a typed title replaces a placeholder one.
// Shared fields go in as typed where the user may edit the talk, and only
// where they are empty otherwise.
// It returns the talk as it was, the zero Talk when the change makes one.
func (r *Router) target(ctx context.Context, c *call, f ref, o opts, mode resolveMode, ch *talkbot.Change) (talkbot.Talk, error) {
	title, speakers := f.name(), o.speakers
	if !o.hasSpeakers && f.speakers != nil {
		speakers = f.speakers
	}
	if err := bareNumberAfterSpeakers(f); err != nil {
		return talkbot.Talk{}, err
	}
	t, err := r.resolve(ctx, c, f, mode)
	if err != nil && !errors.Is(err, errCreate) {
		return talkbot.Talk{}, err
	}
	patch := patchFrom(o)
	if speakers != nil {
		patch.Speakers = &speakers
	}
	if err == nil {
		// A #12 of another conference keeps to that conference's week.
		if conf, err := r.talkConference(ctx, c, t); err != nil {
			return t, err
		} else if err := checkDay(conf, o.day); err != nil {
			return t, err
		}
		ch.TalkID = t.ID
		if patch.ScheduleID != nil && *patch.ScheduleID == t.ScheduleID && (patch.ScheduleURL == nil || !schedule.BetterScheduleLink(t.ScheduleURL, *patch.ScheduleURL)) {
			// The link named this talk: a worse spelling of it (http, ?iframe=no) changes nothing.
			patch.ScheduleURL, patch.ScheduleID = nil, nil
		}
		// Asking whether the user is an admin may cost a call to the platform:
		// only when the add would change a field the talk has set.
		if (t.CreatedBy != 0 && t.CreatedBy == c.user.ID) || (sharedFieldsIgnored(patch, t) && c.admin(ctx)) {
			ch.Talk = patch
			if !o.hasSpeakers { // speakers split off a title fill in; they replace only what speakers: says
				ch.Talk.Speakers, ch.Fill.Speakers = nil, patch.Speakers
			}
		} else {
			ch.Fill = patch
		}
		if title != "" && title != t.Title && t.Title == titleFromLink(t.ScheduleURL, t.ScheduleID) {
			ch.Talk.Title = &title
		}
		// `add #1 day:…` moves the talk, as `edit` would: never onto another session.
		if other, err := r.sameSession(ctx, t, ch.Talk); err != nil {
			return t, err
		} else if other.ID != 0 {
			return t, sameSessionError(t, other)
		}
		return t, nil
	}
	if title == "" {
		title = titleFromLink(o.scheduleURL, o.scheduleID)
	}
	if err := checkTitle(title); err != nil {
		return talkbot.Talk{}, err
	}
	if err := checkDay(c.conf, o.day); err != nil {
		return talkbot.Talk{}, err
	}
	day := o.day
	if day == "" {
		day = c.defaultDay
	}
	ch.NewTalk = &talkbot.Talk{ConferenceID: c.conf.ID, Title: title, Speakers: speakers, Event: o.event, Room: o.room, Day: day,
		ScheduleURL: o.scheduleURL, ScheduleID: o.scheduleID, RecordingURL: o.recordingURL, Links: o.links, Tags: o.tags}
	ch.Fill = patch // the store may find the talk after all (someone logged it a moment ago)
	return talkbot.Talk{}, nil
}

var reTrailingNumber = regexp.MustCompile(`\s(\d+)$`)

// bareNumberAfterSpeakers refuses "Title - Speaker, Org 4": a bare number is
// not a rating, and must not become part of a name or a company either.
func bareNumberAfterSpeakers(f ref) error {
	m := reTrailingNumber.FindStringSubmatch(f.title)
	if m == nil || f.quoted {
		return nil
	}
	if _, _, ok := schedule.SplitTitle(strings.TrimSuffix(f.title, " "+m[1])); !ok {
		return nil
	}
	return talkbot.Errorf(talkbot.EINVALID, "What is the “%s” after the speakers? A rating is written %s/5 or *%s; `help add` shows the forms.", m[1], m[1], m[1])
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

// keepPrivateOptions keeps the links and #tags typed at the end of a private
// note in the note. Taken out as options, they became the talk's links and
// tags, which are the workspace's: show listed them to everyone. A tag
// typed before ` -- ` too is still the talk's.
func keepPrivateOptions(o *opts, head, trailing []token, n *talkbot.NoteDraft) error {
	var kept []string
	for _, tk := range trailing {
		if i := slices.Index(o.links, tk.text); i >= 0 {
			kept = append(kept, tk.text)
			o.links = slices.Delete(o.links, i, i+1)
			continue
		}
		tag, ok := strings.CutPrefix(tk.text, "#")
		i := slices.Index(o.tags, strings.ToLower(tag))
		if !ok || i < 0 || slices.ContainsFunc(head, func(h token) bool { return strings.EqualFold(h.text, tk.text) }) {
			continue
		}
		kept = append(kept, tk.text)
		o.tags = slices.Delete(o.tags, i, i+1)
	}
	if len(kept) == 0 {
		return nil
	}
	o.typed = slices.DeleteFunc(o.typed, func(t string) bool { return slices.Contains(kept, t) })
	n.Text = strings.TrimSpace(n.Text + " " + strings.Join(kept, " "))
	return checkNoteLen(n.Text)
}

// visFlag takes a --private or --team flag off the start or the end of a
// note's text: typed there and kept as text, it saved a team note the
// author meant to be private. vis is "" when there is none.
func visFlag(text string) (vis talkbot.Visibility, rest string) {
	text = strings.TrimSpace(text)
	if m := reVisFlag.FindStringSubmatch(text); m != nil {
		return talkbot.Visibility(strings.ToLower(m[1])), strings.TrimSpace(text[len(m[0]):])
	}
	if loc := reVisFlagEnd.FindStringSubmatchIndex(text); loc != nil {
		return talkbot.Visibility(strings.ToLower(text[loc[2]:loc[3]])), strings.TrimSpace(text[:loc[0]])
	}
	return "", text
}

// checkNoteLen refuses a note (or a journal entry) longer than a note may be.
func checkNoteLen(text string) error {
	if n := utf8.RuneCountInString(text); n > talkbot.MaxNoteLen {
		return talkbot.Errorf(talkbot.EINVALID, "Notes can be up to %d characters; yours has %d. Split it into two.", talkbot.MaxNoteLen, n)
	}
	return nil
}

// logCommand is the shape shared by add, missed, want and watched.
func (r *Router) logCommand(ctx context.Context, c *call, label string, patch talkbot.LogPatch, defaultToday bool) (Reply, error) {
	freeAsNote := r.byName[label].FreeText == "note" // else the reason of a miss
	head, free, hasFree, verbatim := splitFreeText(c.args)
	// A --private just before the note, or at its start or end, is its
	// flag, not a word of the title or the note.
	var vis talkbot.Visibility
	headTokens := tokenize(head)
	if n := len(headTokens); n > 0 && !headTokens[n-1].quoted {
		if v, rest := visFlag(headTokens[n-1].text); v != "" && rest == "" {
			vis, headTokens = v, headTokens[:n-1]
		}
	}
	var trailing []token
	if !verbatim {
		if v, rest := visFlag(free); v != "" {
			vis, free = v, rest
		}
		free, trailing = trailingOptions(free)
	}
	if n := strings.TrimSpace(c.req.Note); n != "" {
		free, trailing, hasFree, verbatim = n, nil, true, true // a form's field: the note as typed
	}
	o, err := parseOptions(append(slices.Clone(headTokens), trailing...))
	if err != nil {
		return Reply{}, err
	}
	if o.playlist != "" {
		return Reply{}, errPlaylist
	}
	f := refFrom(o)
	if f.empty() && c.req.Talk != 0 {
		f.id = c.req.Talk // the talk whose card the message answers: named, if not typed
	}
	if f.id == 0 && f.scheduleID == "" { // a #12 or a link may name another conference's talk: target checks its day
		if err := checkDay(c.conf, o.day); err != nil {
			return Reply{}, err
		}
	}
	if f.empty() { // never the last talk: `missed` alone must not turn what you attended into a miss
		if c.user.LastTalkID != 0 && label != "add" {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? Try `%s #%d` for your last one, or `%s <title or schedule link>`.", label, c.user.LastTalkID, label)
		}
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? Try `%s <title or schedule link>`; `help %s` shows more.", label, label)
	}
	if f.title != "" {
		if err := checkTitle(f.title); err != nil {
			return Reply{}, err
		}
	}
	if defaultToday && c.conf.Around(c.today()) {
		c.defaultDay = c.today()
	}
	// What an ask-back's answer runs again.
	setRest := func(free string) {
		c.rest = strings.Join(o.typed, " ")
		if vis != "" && free != "" { // before the separator: after " --- " it is the note's text
			c.rest = strings.TrimSpace(c.rest + " --" + string(vis))
		}
		if hasFree && free != "" {
			sep := " -- "
			if verbatim {
				sep = " --- " // an answer's command keeps the note as typed
			}
			c.rest = strings.TrimSpace(c.rest + sep + free)
		}
	}
	setRest(free)
	if defaultToday && isNowRef(f) { // `add now`: the session on now
		t, err := r.sessionNow(ctx, c)
		if err != nil {
			return Reply{}, err
		}
		f = ref{id: t.ID}
	}
	ch := talkbot.Change{User: c.user, Log: patch}
	if o.rating > 0 {
		ch.Log.Rating = ptr(o.rating)
	}
	if freeAsNote {
		if ch.Note, err = r.noteDraft(c, free, vis); err != nil {
			return Reply{}, err
		}
		if ch.Note != nil && ch.Note.Visibility == talkbot.VisibilityPrivate {
			if err := keepPrivateOptions(&o, headTokens, trailing, ch.Note); err != nil {
				return Reply{}, err
			}
			setRest(ch.Note.Text)
		}
		if ch.Note != nil && c.privateInShared(ch.Note.Visibility) {
			c.rest, c.withheld = strings.Join(o.typed, " "), "note"
		}
	} else if free != "" {
		if n := utf8.RuneCountInString(free); n > talkbot.MaxFieldLen {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Keep the reason under %d characters; add the rest as a `note`.", talkbot.MaxFieldLen)
		}
		// A reason is private as a note would be: by its flag, else the user's privacy.
		ch.Log.Reason, ch.Log.ReasonPrivate = ptr(free), cmp.Or(vis, c.user.DefaultVisibility) == talkbot.VisibilityPrivate
		if ch.Log.ReasonPrivate && c.req.Shared { // a question back leaves it out, as a private note
			c.rest, c.withheld = strings.Join(o.typed, " "), "reason"
		}
	}
	if (ch.Note != nil && ch.Note.Visibility == talkbot.VisibilityPrivate) || (ch.Log.Reason != nil && ch.Log.ReasonPrivate) {
		c.warn = c.overheard(talkbot.VisibilityPrivate)
	}
	before, err := r.target(ctx, c, f, o, logMode, &ch)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, ch, label)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	verb := map[string]string{"add": "Logged", "missed": "Missed", "want": "On your watch-later list:", "watched": "Watched"}[label]
	switch {
	case out.Created:
		verb += " new talk"
	case out.Unchanged:
		verb = "Already so: " + strings.TrimSuffix(strings.ToLower(verb[:1])+verb[1:], ":")
	}
	card := b.card(verb, out.Talk)
	card.Log = &out.Log
	if f := talkFacts(out.Talk); f != nil {
		card.line(f...)
	}
	if was := sharedChanges(before, out.Talk); was != "" && !out.Created {
		card.text("   Changed for everyone: " + was + ".")
	}
	if st := logState(c.seen(out.Log), out.Presentation != nil); st != "" {
		card.line(plain("   " + st))
	}
	switch {
	case out.Note == nil:
	case out.Note.Visibility == talkbot.VisibilityPrivate && c.req.Shared:
		card.text("   Note saved (private).")
	default:
		card.line(plain("   Note saved ("+string(out.Note.Visibility)+"): "), quote(truncate(out.Note.Text, 200)))
	}
	if c.warn != "" {
		card.text(c.warn)
	}
	if n := recordingNote(out.Talk); n != "" && (label == "missed" || label == "want") {
		card.text("   " + n)
	}
	if out.Talk.Cancelled && label == "add" { // logged as attended: perhaps the wrong session
		card.text("   ⚠ The schedule says this session was cancelled. If you were in another one, `undo` and name it.")
	}
	if !out.Created && sharedFieldsIgnored(ch.Fill, out.Talk) && !canEdit(ctx, c, out.Talk) {
		card.text(fmt.Sprintf("   (#%d already has its details; whoever logged it first, or an admin, can `edit` them.)", out.Talk.ID))
	}
	rep := b.reply()
	rep.Unchanged = out.Unchanged
	return rep, nil
}

// sharedFieldsIgnored reports whether a fill asked for shared fields the talk
// already had otherwise, so the reply can say they were kept.
func sharedFieldsIgnored(p talkbot.TalkPatch, t talkbot.Talk) bool {
	differs := func(v *string, have string) bool { return v != nil && *v != have }
	return differs(p.Event, t.Event) || differs(p.Room, t.Room) || differs(p.Day, t.Day) ||
		differs(p.RecordingURL, t.RecordingURL) || differs(p.ScheduleURL, t.ScheduleURL) ||
		(len(p.AddTags) > 0 && !containsAll(t.Tags, p.AddTags))
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// apply runs a change, labelled for undo with the command that made it.
func (r *Router) apply(ctx context.Context, ch talkbot.Change, label string) (talkbot.Outcome, error) {
	ch.Label = label
	return r.store.Apply(ctx, ch)
}

func (r *Router) add(ctx context.Context, c *call) (Reply, error) {
	// Attended after all: why it was missed no longer holds.
	return r.logCommand(ctx, c, "add", talkbot.LogPatch{Status: ptr(talkbot.StatusAttended), Reason: ptr("")}, true)
}

func (r *Router) missed(ctx context.Context, c *call) (Reply, error) {
	return r.logCommand(ctx, c, "missed", talkbot.LogPatch{Status: ptr(talkbot.StatusMissed), WatchLater: ptr(true)}, true)
}

func (r *Router) want(ctx context.Context, c *call) (Reply, error) {
	// Wanting a talk watched already is wanting it again: back on the list.
	return r.logCommand(ctx, c, "want", talkbot.LogPatch{WatchLater: ptr(true), Watched: ptr(false)}, false)
}

func (r *Router) watched(ctx context.Context, c *call) (Reply, error) {
	return r.logCommand(ctx, c, "watched", talkbot.LogPatch{Watched: ptr(true), WatchLater: ptr(false)}, false)
}

// unwant takes a talk off the watch-later list, changing nothing else: a
// miss stays a miss.
func (r *Router) unwant(ctx context.Context, c *call) (Reply, error) {
	o, err := parseOptions(tokenize(c.args))
	if err != nil {
		return Reply{}, err
	}
	f := refFrom(o)
	if f.empty() && c.req.Talk != 0 {
		f.id = c.req.Talk // the talk whose card the message answers
	}
	if f.empty() {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? `unwant #12` takes #12 off your watch-later list; `list watch` shows the list.")
	}
	t, err := r.resolve(ctx, c, f, existingMode)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Log: talkbot.LogPatch{WatchLater: ptr(false)}}, "unwant")
	if err != nil {
		return Reply{}, err
	}
	if out.Unchanged {
		return r.touched(out, "Not on your watch-later list anyway: "), nil
	}
	return r.touched(out, "Off your watch-later list: "), nil
}

// unrate removes the user's rating; given one (`unrate #12 4`, as taking
// back a 4️⃣ reaction says), only while it is still that rating.
func (r *Router) unrate(ctx context.Context, c *call) (Reply, error) {
	o, err := parseOptions(ratingTokens(c.args))
	if err != nil {
		return Reply{}, err
	}
	f, err := strictRef(c, o, "unrate #12")
	if err != nil {
		return Reply{}, err
	}
	c.rest = ""
	if o.rating > 0 {
		c.rest = strconv.Itoa(o.rating) // an ask-back's answer keeps the condition
	}
	t, err := r.resolve(ctx, c, f, existingMode)
	if err != nil {
		return Reply{}, err
	}
	if o.rating > 0 {
		l, err := r.store.UserLog(ctx, c.user.ID, t.ID)
		if err != nil && !errors.Is(err, talkbot.ErrNotFound) {
			return Reply{}, err
		}
		if l.Rating != 0 && l.Rating != o.rating {
			b := &builder{}
			b.line(append(Line{plain(fmt.Sprintf("Your rating of #%d is %d/5, not %d/5, so I kept it; ", t.ID, l.Rating, o.rating)),
				code(fmt.Sprintf("unrate #%d", t.ID)), plain(" removes it: ")}, talkLine(t)...)...)
			rep := b.reply()
			rep.Unchanged = true
			return rep, nil
		}
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Log: talkbot.LogPatch{Rating: ptr(0)}}, "unrate")
	if err != nil {
		return Reply{}, err
	}
	if out.Unchanged {
		return r.touched(out, "Not rated anyway: "), nil
	}
	return r.touched(out, "Rating removed: "), nil
}

// strictRef reads the talk for note, rate, star and unstar: only #id, a
// schedule link or id, or a "quoted title"; anything else is a mistake.
func strictRef(c *call, o opts, example string) (ref, error) {
	if len(o.rest) == 1 && !o.rest[0].quoted && isScheduleIDWord(o.rest[0].text) && o.scheduleID == "" {
		return ref{scheduleID: o.rest[0].text}, nil
	}
	if len(o.rest) == 1 && !o.rest[0].quoted && reTalkID.MatchString(o.rest[0].text) {
		return refFrom(o), nil
	}
	for i, t := range o.rest {
		if i == 0 && !t.quoted && reTalkID.MatchString(t.text) {
			continue // the talk; what follows it is the mistake
		}
		if !t.quoted {
			return ref{}, talkbot.Errorf(talkbot.EINVALID, "I read “%s” as neither a talk nor a rating. Name the talk as #id or \"quoted title\", like `%s`.", truncate(t.text, 40), example)
		}
	}
	return refFrom(o), nil
}

var reDigits = regexp.MustCompile(`^\d+$`)

// ratingTokens reads the words of rate and unrate, where a bare number is the rating.
func ratingTokens(args string) []token {
	ts := tokenize(args)
	for i, t := range ts {
		if !t.quoted && reDigits.MatchString(foldRating(t.text)) {
			ts[i].text = "*" + t.text
		}
	}
	return ts
}

func (r *Router) rate(ctx context.Context, c *call) (Reply, error) {
	o, err := parseOptions(ratingTokens(c.args))
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
	c.rest = strconv.Itoa(o.rating) // an ask-back's answer keeps the rating
	t, err := r.resolve(ctx, c, f, existingMode)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Log: talkbot.LogPatch{Rating: ptr(o.rating)}}, "rate")
	if err != nil {
		return Reply{}, err
	}
	if out.Unchanged {
		return r.touched(out, fmt.Sprintf("Already rated %d/5: ", o.rating)), nil
	}
	return r.touched(out, fmt.Sprintf("Rated %s %d/5: ", stars(o.rating), o.rating)), nil
}

// touched is the reply that names the talk a change was made to, with the
// user's log as it now is.
func (r *Router) touched(out talkbot.Outcome, verb string) Reply {
	b, _ := r.touchedCard(out, verb)
	rep := b.reply()
	rep.Unchanged = out.Unchanged
	return rep
}

// touchedCard is touched, with the card open for more lines.
func (r *Router) touchedCard(out talkbot.Outcome, verb string) (*builder, *TalkCard) {
	b := &builder{}
	c := b.card(verb, out.Talk)
	l := out.Log
	c.Log = &l
	return b, c
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
	t, err := r.resolve(ctx, c, f, existingMode)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Log: talkbot.LogPatch{Starred: ptr(on)}}, c.name)
	if err != nil {
		return Reply{}, err
	}
	switch {
	case out.Unchanged && on:
		return r.touched(out, "Already starred: "), nil
	case out.Unchanged:
		return r.touched(out, "Not starred anyway: "), nil
	case on:
		return r.touched(out, "Starred ⭐ "), nil
	}
	return r.touched(out, "Unstarred "), nil
}

func (r *Router) star(ctx context.Context, c *call) (Reply, error)   { return r.setStar(ctx, c, true) }
func (r *Router) unstar(ctx context.Context, c *call) (Reply, error) { return r.setStar(ctx, c, false) }

var (
	reLeadingID  = regexp.MustCompile(`^[#＃]([0-9０-９]+)(?:\s+|$)`)
	reLeadingURL = regexp.MustCompile(`^(https?://\S+)(?:\s+|$)`)
	// reVisFlag is `--private` or `--team` at the start of a note; a phone's
	// smart punctuation makes the -- a dash.
	reVisFlag = regexp.MustCompile(`^(?i)(?:--|—|–)(private|team)(?:\s+|$)`)
	// reVisFlagEnd is the flag at the end of a note, where it is typed too.
	reVisFlagEnd = regexp.MustCompile(`(?i)(?:^|\s)(?:--|—|–)(private|team)\s*$`)
	// reNoteEdit is `note edit n57 <text>`, `note delete n57`, `note private n57`, `note team n57`.
	reNoteEdit = regexp.MustCompile(`^(?i)(edit|delete|remove|private|team)\s+n(\d+)(?:\s+|$)`)
)

func (r *Router) note(ctx context.Context, c *call) (Reply, error) {
	if m := reNoteEdit.FindStringSubmatch(c.args); m != nil {
		id, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "n%s is not a note I know; `notes` lists yours.", m[2])
		}
		return r.editNote(ctx, c, strings.ToLower(m[1]), id, strings.TrimSpace(c.args[len(m[0]):]))
	}
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
			f.id, f.badID = talkNumber(m[1])
			text, changed = text[len(m[0]):], true
		} else if m := reLeadingURL.FindStringSubmatch(text); m != nil {
			if u, err := checkURL(m[1]); err == nil {
				if id, ok := scheduleID(u); ok {
					f.scheduleID, text, changed = id, text[len(m[0]):], true
				}
			}
		} else if word, rest, _ := strings.Cut(text, " "); isScheduleIDWord(word) {
			t, err := r.bySchedule(ctx, c, ref{}, word, existingMode)
			if err == nil {
				f.id, text, changed = t.ID, rest, true
			} else if amb := (*ambiguousError)(nil); errors.As(err, &amb) {
				noteRest(c, vis, rest) // the answer keeps the note
				return Reply{}, err    // a code of several sessions: which one
			}
		} else if ts := tokenize(text); len(ts) > 0 && ts[0].quoted && startsWithQuote(text) {
			f.title, f.quoted = ts[0].text, true
			text, changed = afterQuote(text), true
		}
	}
	if vis == "" {
		vis, text = visFlag(text)
	}
	note, err := r.noteDraft(c, text, vis)
	if err != nil {
		return Reply{}, err
	}
	if note == nil {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "What's the note? Try `note the demo was great` or `note --private #12 ask about KEP-1287`.")
	}
	noteRest(c, vis, text) // an ask-back's answer keeps the note
	c.warn = c.overheard(note.Visibility)
	t, err := r.resolve(ctx, c, f, existingMode)
	if err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Note: note}, "note")
	if err != nil {
		return Reply{}, err
	}
	b, card := r.touchedCard(out, "Noted ("+string(note.Visibility)+") on")
	card.text(fmt.Sprintf("   n%d · `notes` lists your notes on it; `note edit n%d <text>` changes this one.", out.Note.ID, out.Note.ID))
	if c.warn != "" {
		card.text(c.warn)
	}
	return b.reply(), nil
}

// noteRest sets what follows the talk in the answers to an ask-back about
// `note …`: the note, and its privacy if one was given, so an answer saves
// what was typed; a private note's text stays out of a reply others read.
func noteRest(c *call, vis talkbot.Visibility, text string) {
	flag := ""
	if vis != "" {
		flag = "--" + string(vis) + " "
	}
	c.rest, c.withheld = flag+text, ""
	if c.privateInShared(vis) {
		c.rest, c.withheld = strings.TrimSpace(flag), "note"
	}
}

// editNote changes, deletes or re-scopes one of the user's notes.
func (r *Router) editNote(ctx context.Context, c *call, verb string, id int64, text string) (Reply, error) {
	n, err := r.store.UserNote(ctx, c.user.ID, id)
	if errors.Is(err, talkbot.ErrNotFound) {
		return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "You have no note n%d; `notes` lists yours (on your last talk, or `notes #12`).", id)
	}
	if err != nil {
		return Reply{}, err
	}
	e := &talkbot.NoteEdit{NoteID: id}
	label := "note " + verb
	switch verb {
	case "edit":
		d, err := r.noteDraft(c, text, n.Visibility)
		if err != nil {
			return Reply{}, err
		}
		if d == nil {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Give the new text: `note edit n%d <text>`; `note delete n%d` removes it.", id, id)
		}
		e.Text = &d.Text
	case "delete", "remove":
		e.Delete, label = true, "note delete"
	case "private", "team":
		e.Visibility = ptr(talkbot.Visibility(verb))
	}
	if verb != "edit" && text != "" {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "`note %s n%d` takes nothing after the note; to change its text, `note edit n%d <text>`.", verb, id, id)
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: n.TalkID, EditNote: e}, label)
	if err != nil {
		return Reply{}, err
	}
	var verbText string
	switch {
	case out.Unchanged && e.Visibility != nil:
		verbText = fmt.Sprintf("Note n%d was %s already, on ", id, *e.Visibility)
	case out.Unchanged:
		verbText = fmt.Sprintf("Note n%d already says that, on ", id)
	case e.Delete:
		verbText = fmt.Sprintf("Deleted note n%d from ", id)
	case e.Visibility != nil:
		verbText = fmt.Sprintf("Note n%d is now %s, on ", id, *e.Visibility)
	default:
		verbText = fmt.Sprintf("Changed note n%d on ", id)
	}
	b, card := r.touchedCard(out, verbText)
	switch {
	case e.Delete && n.Visibility == talkbot.VisibilityPrivate && c.req.Shared:
		card.line(words("   It was private, so it is not shown here. `undo` brings it back.")...)
	case e.Delete:
		card.line(append(Line{plain("   It said: "), quote(truncate(n.Text, 200)), plain(". ")}, words("`undo` brings it back.")...)...)
	case out.Note != nil && !(out.Note.Visibility == talkbot.VisibilityPrivate && c.req.Shared):
		card.line(plain("   ("+string(out.Note.Visibility)+") "), quote(truncate(out.Note.Text, 200)))
	}
	if out.Note != nil && e.Text != nil { // new text typed for a private note
		if w := c.overheard(out.Note.Visibility); w != "" {
			card.text(w)
		}
	}
	return b.reply(), nil
}

// notes lists the user's own notes on a talk, with the short references that
// note edit, note delete, note private and note team take.
func (r *Router) notes(ctx context.Context, c *call) (Reply, error) {
	o, err := parseOptions(tokenize(c.args))
	if err != nil {
		return Reply{}, err
	}
	t, err := r.resolve(ctx, c, refFrom(o), existingMode)
	if err != nil {
		return Reply{}, err
	}
	ns, err := r.store.UserNotes(ctx, c.user.ID, t.ID)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{r: Reply{Private: true}}
	card := b.card("Your notes on", t)
	if len(ns) == 0 {
		b.text(fmt.Sprintf("None yet. `note #%d <text>` adds one.", t.ID))
		return b.reply(), nil
	}
	for _, n := range ns {
		if n.Visibility == talkbot.VisibilityPrivate && c.req.Shared {
			b.text(fmt.Sprintf("n%d (private, not shown here)", n.ID))
			continue
		}
		card.Notes = append(card.Notes, n)
		b.line(plain(fmt.Sprintf("n%d (%s) ", n.ID, n.Visibility)), quote(n.Text))
	}
	first := ns[0].ID
	b.text(fmt.Sprintf("`note edit n%d <text>`, `note delete n%d`, `note private n%d` or `note team n%d` change one; `undo` takes a change back.", first, first, first, first))
	return b.reply(), nil
}

func startsWithQuote(s string) bool {
	_, ok := opensQuote(s, 0, true)
	return ok
}

// afterQuote returns the text after the closing quote of a leading quoted phrase.
func afterQuote(s string) string {
	closer, ok := opensQuote(s, 0, true)
	if !ok {
		return ""
	}
	_, size := utf8.DecodeRuneInString(s)
	if i := strings.IndexRune(s[size:], closer); i >= 0 {
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
	if o.playlist != "" {
		return Reply{}, errPlaylist
	}
	url := o.recordingURL
	if url == "" && len(o.links) == 1 {
		url = o.links[0] // `video` says this link is the recording, whatever its host
	}
	if url == "" {
		if o.scheduleURL != "" {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "That is a schedule link, not a recording; `video #12 https://www.youtube.com/watch?v=…` attaches one.")
		}
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Give the recording link, like `video #12 https://www.youtube.com/watch?v=…`.")
	}
	f := refFrom(o)
	f.scheduleID = ""
	if o.scheduleID != "" && f.empty() {
		f.scheduleID = o.scheduleID
	}
	t, err := r.resolve(ctx, c, f, existingMode)
	if err != nil {
		return Reply{}, err
	}
	if t.RecordingURL != "" && t.RecordingURL != url {
		if ok, err := mayEdit(ctx, c, t); err != nil {
			return Reply{}, err
		} else if !ok {
			return Reply{}, talkbot.Errorf(talkbot.EFORBIDDEN, "#%d has a recording already (%s); only whoever logged it first, or an admin, can replace it.", t.ID, t.RecordingURL)
		}
	}
	out, err := r.apply(ctx, talkbot.Change{User: c.user, TalkID: t.ID, Talk: talkbot.TalkPatch{RecordingURL: ptr(url)}}, "video")
	if err != nil {
		return Reply{}, err
	}
	verb := "Recording attached to "
	if out.Unchanged {
		verb = "That recording is attached already: "
	}
	b, card := r.touchedCard(out, verb)
	card.line(plain("   "), link(url, url))
	return b.reply(), nil
}

var reEditField = regexp.MustCompile(`(?i)(?:^|\s)(title|speakers?|event|room|day|tags?|video|recording|schedule|rating|reason):`)

const editFields = "title, speakers, event, room, day, tags, schedule, video, rating, reason"

func (r *Router) edit(ctx context.Context, c *call) (Reply, error) {
	loc := reEditField.FindStringSubmatchIndex(c.args)
	if loc == nil {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Say what to change, like `edit #12 title:New title`; fields: %s.", editFields)
	}
	field := strings.ToLower(c.args[loc[2]:loc[3]])
	value := unquote(strings.TrimSpace(c.args[loc[1]:]))
	o, err := parseOptions(tokenize(c.args[:loc[0]]))
	if err != nil {
		return Reply{}, err
	}
	t, err := r.resolve(ctx, c, refFrom(o), existingMode)
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
		l, err := r.store.UserLog(ctx, c.user.ID, t.ID)
		if err != nil && !errors.Is(err, talkbot.ErrNotFound) {
			return Reply{}, err
		}
		if value != "" && l.Status != talkbot.StatusMissed { // a reason is why you missed it
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "You have not logged #%d as missed; `missed #%d -- <reason>` does, with a reason.", t.ID, t.ID)
		}
		// A private reason stays private; a new one goes with its flag, else the user's privacy.
		vis, text := visFlag(value)
		private := vis == talkbot.VisibilityPrivate || vis == "" && (l.ReasonPrivate || c.user.DefaultVisibility == talkbot.VisibilityPrivate)
		ch.Log.Reason, ch.Log.ReasonPrivate = ptr(text), private
		if private && text != "" {
			c.warn = c.overheard(talkbot.VisibilityPrivate)
		}
	default:
		if ok, err := mayEdit(ctx, c, t); err != nil {
			return Reply{}, err
		} else if !ok {
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
		case "video", "recording":
			if value == "" {
				ch.Talk.RecordingURL = ptr("")
				break
			}
			if _, err := checkURL(value); err != nil {
				return Reply{}, err
			}
			ch.Talk.RecordingURL = ptr(value)
		case "schedule":
			if value == "" {
				ch.Talk.ScheduleURL, ch.Talk.ScheduleID = ptr(""), ptr("")
				break
			}
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
			conf, err := r.talkConference(ctx, c, t)
			if err != nil {
				return Reply{}, err
			}
			if err := checkDay(conf, v.day); err != nil {
				return Reply{}, err
			}
			ch.Talk = patchFrom(v)
		}
	}
	if other, err := r.sameSession(ctx, t, ch.Talk); err != nil {
		return Reply{}, err
	} else if other.ID != 0 {
		return Reply{}, sameSessionError(t, other)
	}
	out, err := r.apply(ctx, ch, "edit")
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	if out.Unchanged {
		card := b.card("Nothing to change:", out.Talk)
		card.text("   " + map[bool]string{true: "already has those ", false: "already has that "}[strings.HasSuffix(field, "s")] + field + ".")
		return b.reply(), nil
	}
	card := b.card("Updated", out.Talk)
	card.Log = &out.Log
	if f := talkFacts(out.Talk); f != nil {
		card.line(f...)
	}
	if st := logState(c.seen(out.Log), out.Presentation != nil); st != "" && !ch.Log.Empty() {
		card.line(plain("   " + st))
	}
	if c.warn != "" {
		card.text(c.warn)
	}
	return b.reply(), nil
}

func sameSessionError(t, other talkbot.Talk) error {
	return talkbot.Errorf(talkbot.ECONFLICT, "That would make #%d the same session as #%d %s (one title on one day is one talk). To log that one, `add #%d`.",
		t.ID, other.ID, truncate(other.Title, 80), other.ID)
}

// sharedChanges names the shared fields shown on the talk's card that the
// change replaced, with their old values: "room was Hall A, day was
// 2026-12-07"; "" when none (or before is no talk). The talk is everyone's: the one who
// changed it should see that they did.
func sharedChanges(before, after talkbot.Talk) string {
	if before.ID == 0 {
		return ""
	}
	title := before.Title
	if title == titleFromLink(before.ScheduleURL, before.ScheduleID) {
		title = "" // a placeholder made from the link, which a typed title replaces
	}
	var was []string
	for _, f := range []struct{ name, old, new string }{
		{"title", title, after.Title}, {"event", before.Event, after.Event},
		{"room", before.Room, after.Room}, {"day", before.Day, after.Day},
	} {
		if f.old != "" && f.old != f.new { // filling in an empty field changes nobody's view
			was = append(was, f.name+" was "+truncate(f.old, 80))
		}
	}
	return strings.Join(was, ", ")
}

// sameSession is another talk that an edit of t's title or day would make
// the same session as the store tells sessions apart (one normalised title
// on one day, or with no day on either side); none when ID is 0. Talks that
// were one session already (two rooms of one imported title) stay editable.
func (r *Router) sameSession(ctx context.Context, t talkbot.Talk, p talkbot.TalkPatch) (talkbot.Talk, error) {
	if p.Title == nil && p.Day == nil {
		return talkbot.Talk{}, nil
	}
	title, day := t.Title, t.Day
	if p.Title != nil {
		title = *p.Title
	}
	if p.Day != nil {
		day = *p.Day
	}
	same, err := r.store.TalksByTitle(ctx, t.ConferenceID, title)
	if err != nil {
		return talkbot.Talk{}, err
	}
	sameDay := func(a, b string) bool { return a == b || a == "" || b == "" }
	for _, x := range same {
		was := talkbot.NormalizeTitle(t.Title) == talkbot.NormalizeTitle(x.Title) && sameDay(t.Day, x.Day)
		if x.ID != t.ID && sameDay(day, x.Day) && !was {
			return x, nil
		}
	}
	return talkbot.Talk{}, nil
}

// unquote drops the quotes around a whole value: `title:"A, B"` is A, B.
func unquote(s string) string {
	if closer, ok := opensQuote(s, 0, true); ok {
		_, size := utf8.DecodeRuneInString(s)
		if last, n := utf8.DecodeLastRuneInString(s); len(s) > size+n-1 && last == closer {
			return strings.TrimSpace(s[size : len(s)-n])
		}
	}
	return s
}

func clearField(field string) talkbot.TalkPatch {
	var p talkbot.TalkPatch
	switch field {
	case "speaker", "speakers":
		p.Speakers = ptr([]talkbot.Speaker(nil))
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
	t, err := r.resolve(ctx, c, f, existingMode)
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

var reMerge = regexp.MustCompile(`^(?i)#(\d+)\s+(?:into\s+|with\s+|onto\s+)?#(\d+)(\s+confirm)?$`)

// merge makes a session logged twice, as two talks, one: #from goes into #into.
func (r *Router) merge(ctx context.Context, c *call) (Reply, error) {
	m := reMerge.FindStringSubmatch(strings.TrimSpace(c.args))
	if m == nil {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Say which two talks: `merge #12 into #14` makes #12 part of #14.")
	}
	ids := [2]int64{}
	for i, s := range m[1:3] {
		id, bad := talkNumber(s)
		if bad != "" {
			return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "There is no talk #%s. `list team` shows the team's talks.", s)
		}
		ids[i] = id
	}
	if ids[0] == ids[1] {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "That is one talk twice; `merge #12 into #14` names two.")
	}
	var ts [2]talkbot.Talk
	for i, id := range ids {
		t, err := r.resolve(ctx, c, ref{id: id}, existingMode)
		if err != nil {
			return Reply{}, err
		}
		ts[i] = t
	}
	from, into := ts[0], ts[1]
	switch {
	case from.ConferenceID != into.ConferenceID:
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "#%d and #%d are talks of two conferences; only talks of one conference merge.", from.ID, into.ID)
	case from.SourceID != "" && into.SourceID != "":
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "#%d and #%d are both sessions of the imported schedule, which keeps them apart.", from.ID, into.ID)
	case from.SourceID != "":
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "#%d is a session of the imported schedule, which stays: `merge #%d into #%d` merges the other one into it.", from.ID, into.ID, from.ID)
	}
	if ok, err := mayEdit(ctx, c, from); err != nil {
		return Reply{}, err
	} else if !ok {
		return Reply{}, talkbot.Errorf(talkbot.EFORBIDDEN, "Only whoever logged #%d first, or an admin, can merge it away.", from.ID)
	}
	again := fmt.Sprintf("merge #%d into #%d confirm", from.ID, into.ID)
	if m[3] == "" {
		b := &builder{r: Reply{Kind: KindQuestion}}
		b.line(append(Line{plain("This moves everyone's logs, ratings, notes and recommendations of ")}, talkLine(from)...)...)
		b.line(append(Line{plain("onto ")}, talkLine(into)...)...)
		b.line(plain(fmt.Sprintf("and deletes #%d, for good: `undo` cannot bring it back. To go ahead, type ", from.ID)), code(again), plain("."))
		b.buttons(Button{Label: fmt.Sprintf("Merge #%d into #%d", from.ID, into.ID), Command: again})
		return b.reply(), nil
	}
	t, err := r.store.MergeTalks(ctx, c.user.WorkspaceID, from.ID, into.ID)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	b.line(append(Line{plain(fmt.Sprintf("Merged #%d into ", from.ID))}, talkLine(t)...)...)
	b.text(fmt.Sprintf("   Everyone's logs and notes of #%d are on #%d now; #%d is gone.", from.ID, t.ID, from.ID))
	return b.reply(), nil
}

func (r *Router) undo(ctx context.Context, c *call) (Reply, error) {
	u, err := r.store.Undo(ctx, c.user.ID)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	switch {
	case u.ConferenceBefore != "":
		b.line(plain("Your last change switched the conference, which `undo` does not take back: "), code("conf use "+u.ConferenceBefore),
			plain(" switches back. `undo` now goes further back."))
		return b.reply(), nil
	case u.VisibilityBack != "":
		b.line(plain("Undone: "), code(u.Label), plain(fmt.Sprintf(". Your notes are %s by default again.", visWord(u.VisibilityBack))))
		return b.reply(), nil
	}
	if u.TalkGone {
		b.line(plain("Your last change, "), code(u.Label), plain(", was to a talk deleted since: there is nothing to put back, and `undo` now goes further back."))
		return b.reply(), nil
	}
	lead := Line{plain("Undone: "), code(u.Label), plain(" on")}
	var under func(s string)
	if u.Talk.ID == 0 { // a conference note: no talk to show
		b.line(plain("Undone: "), code(u.Label), plain(" on "+c.conf.Name))
		under = b.text
	} else if u.TalkRemoved { // gone: a line that names it, not a card to act on
		b.line(append(append(lead, plain(" ")), talkLine(u.Talk)...)...)
		under = b.text
	} else {
		card := b.card("", u.Talk)
		card.Lead, card.Log = lead, u.LogBefore
		under = card.text
	}
	for _, d := range undoneDetails(u, c.req.Shared) {
		under("   " + d)
	}
	if u.Talk.ConferenceID != 0 && u.Talk.ConferenceID != c.conf.ID {
		// The team switched since (or the user did): say where it was, as
		// the user no longer sees that conference's talks.
		if cs, err := r.store.Conferences(ctx, c.user.WorkspaceID); err == nil {
			for _, x := range cs {
				if x.ID == u.Talk.ConferenceID {
					under("   That was in " + x.Name + ", not " + c.conf.Name + ".")
				}
			}
		}
	}
	return b.reply(), nil
}

// undoneDetails says, a line each, what an undo put back. Where others read
// the reply (shared), a private note's text is left out.
func undoneDetails(u talkbot.Undone, shared bool) []string {
	seen := func(l talkbot.Log) talkbot.Log { // a private reason stays out of a reply others read
		if shared {
			return talkbot.SeenBy(l, 0)
		}
		return l
	}
	text := func(v talkbot.Visibility, s string) string {
		if shared && v == talkbot.VisibilityPrivate {
			return "(private, not shown here)"
		}
		return "“" + truncate(s, 80) + "”"
	}
	var out []string
	switch {
	case u.LogAfter != nil && u.LogBefore == nil:
		out = append(out, "Your log of it is gone ("+nonEmpty(logState(seen(*u.LogAfter), u.PresentedAfter), "nothing set")+").")
	case u.LogBefore != nil && u.LogAfter == nil:
		out = append(out, "Your log is back: "+nonEmpty(logState(seen(*u.LogBefore), u.PresentedBefore), "nothing set")+".")
	case u.LogBefore != nil:
		out = append(out, "Your log is back to "+nonEmpty(logState(seen(*u.LogBefore), u.PresentedBefore), "nothing set")+" (it was "+nonEmpty(logState(seen(*u.LogAfter), u.PresentedAfter), "nothing set")+").")
	}
	for _, n := range u.NotesRemoved {
		out = append(out, "Removed your note n"+strconv.FormatInt(n.ID, 10)+": "+text(n.Visibility, n.Text)+".")
	}
	for _, n := range u.NotesRestored {
		out = append(out, "Your note n"+strconv.FormatInt(n.ID, 10)+" is back ("+string(n.Visibility)+"): "+text(n.Visibility, n.Text)+".")
	}
	for _, e := range u.JournalRemoved {
		out = append(out, "Removed your conference note j"+strconv.FormatInt(e.ID, 10)+": "+text(e.Visibility, e.Text)+".")
	}
	for _, e := range u.JournalRestored {
		out = append(out, "Your conference note j"+strconv.FormatInt(e.ID, 10)+" is back ("+string(e.Visibility)+"): "+text(e.Visibility, e.Text)+".")
	}
	if u.PresentationChanged {
		out = append(out, "Your presentation of it is back as it was.")
	}
	if u.Recommendations > 0 {
		out = append(out, "Your recommendation is taken back.")
	}
	switch {
	case u.TalkKept:
		out = append(out, "Details of the talk you had changed that others changed since, or that would make it another talk's session, stay as they are.")
	case u.TalkChanged:
		out = append(out, "The talk's details are back as they were.")
	}
	if u.TalkRemoved {
		out = append(out, "Nobody else had logged the talk, so it is gone.")
	}
	if u.TalkRestored {
		out = append(out, "The talk is back.")
	}
	if u.Merged {
		out = append(out, "Someone logged this session since: what was yours is back on it, as one talk.")
	}
	return out
}

func nonEmpty(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// massMentions are the names that address everyone in a room or channel.
var massMentions = map[string]bool{"here": true, "channel": true, "everyone": true, "room": true}

func (r *Router) recommend(ctx context.Context, c *call) (Reply, error) {
	args := c.args
	var to *talkbot.User
	if m, rest, ok := trailingMention(c, args); ok {
		u, err := r.colleague(ctx, c, m)
		switch {
		case errors.Is(err, errTeamMention):
		case err != nil:
			return Reply{}, err
		default:
			to = &u
		}
		args = rest
	}
	o, err := parseOptions(tokenize(args))
	if err != nil {
		return Reply{}, err
	}
	t, err := r.resolve(ctx, c, refFrom(o), existingMode)
	if err != nil {
		return Reply{}, err
	}
	ch := talkbot.Change{User: c.user, TalkID: t.ID, RecommendTeam: to == nil}
	if to != nil {
		ch.RecommendTo = []int64{to.ID}
	}
	out, err := r.apply(ctx, ch, "recommend")
	if err != nil {
		return Reply{}, err
	}
	if to == nil {
		if len(out.Repeated) > 0 {
			return r.touched(out, "You had recommended this to the team already: "), nil
		}
		team, err := r.teamConference(ctx, c)
		if err != nil {
			return Reply{}, err
		}
		on, err := r.watchListOf(ctx, c, t, team)
		if err != nil {
			return Reply{}, err
		}
		b, card := r.touchedCard(out, "Recommended")
		card.text("   to the team; it shows up in the `watch` list of everyone who hasn't seen it" + on + ".")
		return b.reply(), nil
	}
	if len(out.Repeated) > 0 {
		return r.touched(out, "You had recommended this to "+to.Name+" already: "), nil
	}
	b, card := r.touchedCard(out, "Recommended")
	l, err := r.store.UserLog(ctx, to.ID, t.ID)
	switch {
	case err != nil && !errors.Is(err, talkbot.ErrNotFound):
		return Reply{}, err
	case err == nil && l.Status == talkbot.StatusAttended:
		card.text("   to " + to.Name + ", who attended it already, so it won't show up in their `watch` list.")
	case err == nil && l.Watched:
		card.text("   to " + to.Name + ", who has watched it already, so it won't show up in their `watch` list.")
	default:
		theirs, err := r.store.CurrentConference(ctx, *to)
		if err != nil {
			return Reply{}, err
		}
		on, err := r.watchListOf(ctx, c, t, theirs)
		if err != nil {
			return Reply{}, err
		}
		card.text("   to " + to.Name + "; it shows up in their `watch` list" + on + ".")
	}
	return b.reply(), nil
}

// watchListOf says when a recommended talk shows up in a `watch` list
// on conference conf: "" when conf is the talk's, else on which one, as
// `watch` lists the talks of the conference one is on.
func (r *Router) watchListOf(ctx context.Context, c *call, t talkbot.Talk, conf talkbot.Conference) (string, error) {
	if conf.ID == t.ConferenceID {
		return "", nil
	}
	x, err := r.talkConference(ctx, c, t)
	if err != nil {
		return "", err
	}
	return " when they are on " + x.Name + " (`conf use " + x.Name + "`)", nil
}

// errTeamMention says a mention named everyone (@here, @channel, ...).
var errTeamMention = errors.New("team mention")

// trailingMention takes a user reference off the end of args: one of the
// request's mentions (as the platform marked it), or an @name.
func trailingMention(c *call, args string) (Mention, string, bool) {
	args = strings.TrimSpace(args)
	for _, m := range c.req.Mentions {
		if m.Text != "" && strings.HasSuffix(args, m.Text) {
			return m, strings.TrimSpace(strings.TrimSuffix(args, m.Text)), true
		}
	}
	i := strings.LastIndexAny(args, " \t\n")
	last := args[i+1:]
	if len(last) > 1 && last[0] == '@' {
		return Mention{Text: last}, strings.TrimSpace(args[:i+1]), true
	}
	return Mention{}, args, false
}

// mentionOf returns the request's mention written as text, if the platform marked one.
func mentionOf(c *call, text string) (Mention, bool) {
	for _, m := range c.req.Mentions {
		if m.Text == text {
			return m, true
		}
	}
	return Mention{Text: text}, false
}

// colleague finds the user a mention names. A platform mention (Slack's
// <@U123>, a Matrix pill or id) may name someone who has not used the bot
// yet, so it creates them; a bare @name must be someone the bot knows.
func (r *Router) colleague(ctx context.Context, c *call, m Mention) (talkbot.User, error) {
	if m.UserID == "" && massMentions[strings.ToLower(strings.TrimLeft(m.Text, "@!"))] {
		return talkbot.User{}, errTeamMention
	}
	ref := m.UserID
	if ref == "" {
		ref = strings.TrimPrefix(m.Text, "@")
	}
	u, err := r.store.FindUser(ctx, c.user.WorkspaceID, ref)
	if errors.Is(err, talkbot.ErrNotFound) {
		if m.UserID == "" {
			return u, talkbot.Errorf(talkbot.ENOTFOUND, "I don't know @%s here: they haven't used talkbot yet. Check the spelling, or `recommend <talk>` for the whole team.", truncate(ref, 40))
		}
		name := m.Name
		if name == "" {
			name = strings.TrimPrefix(m.Text, "@")
		}
		u, err = r.store.User(ctx, c.req.Platform, c.req.Workspace, m.UserID, name)
	}
	if err != nil {
		return u, err
	}
	if u.ID == c.user.ID {
		return u, talkbot.Errorf(talkbot.EINVALID, "You can't recommend a talk to yourself; `want` puts it on your own list.")
	}
	return u, nil
}
