package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
	"golang.org/x/text/width"
)

var reDateRange = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$`)

// confHere shows, sets ("<name>") or clears ("off") the conference of the
// channel the command is typed in: what every command typed there, by
// anyone, and the channel's digest are about.
func (r *Router) confHere(ctx context.Context, c *call, arg string) (Reply, error) {
	channel, err := digestChannel(c, "here")
	if err != nil {
		return Reply{}, err
	}
	team, err := r.teamConference(ctx, c)
	if err != nil {
		return Reply{}, err
	}
	if arg == "" {
		own, err := r.store.ChannelConference(ctx, c.user.WorkspaceID, channel)
		switch {
		case errors.Is(err, talkbot.ErrNotFound):
			return textReply("This channel follows the team's conference, " + team.Name + ". An admin gives it one of its own with `conf here <name>`."), nil
		case err != nil:
			return Reply{}, err
		}
		return textReply("This channel is on " + describeConf(own) + ", for everyone typing here (the team's is " + team.Name + "). `conf here off` has it follow the team."), nil
	}
	if err := c.requireAdmin(ctx, "Only an admin picks this channel's conference, as it is everyone's here; `conf use <name>` picks one for you alone."); err != nil {
		return Reply{}, err
	}
	if strings.EqualFold(arg, "off") {
		if _, err := r.store.SetChannelConference(ctx, c.user, channel, ""); err != nil {
			return Reply{}, err
		}
		return textReply("This channel follows the team's conference again: " + team.Name + "."), nil
	}
	x, err := r.store.SetChannelConference(ctx, c.user, channel, arg)
	if errors.Is(err, talkbot.ErrNotFound) {
		return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "There is no conference called “%s”; `conf list` shows them, `conf new <name>` adds one.", truncate(arg, 80))
	}
	if err != nil {
		return Reply{}, err
	}
	return textReply("Commands typed here, by anyone, and this channel's digest are about " + describeConf(x) +
		" now, whatever the team's conference (" + team.Name + "). `conf here off` has the channel follow the team again."), nil
}

// channelsOwn says, for `conf`, that the current conference is the channel's pick.
func (r *Router) channelsOwn(ctx context.Context, c *call) string {
	if x, err := r.store.ChannelConference(ctx, c.user.WorkspaceID, channelOf(c.req)); err == nil && x.ID == c.conf.ID {
		return ", this channel's own, for everyone typing here"
	}
	return ""
}

// channelStays says, after a switch, that the commands typed in this
// channel stay on its own conference.
func (r *Router) channelStays(ctx context.Context, c *call, to talkbot.Conference) string {
	if x, err := r.store.ChannelConference(ctx, c.user.WorkspaceID, channelOf(c.req)); err == nil && x.ID != to.ID {
		return " Commands typed in this channel stay on " + x.Name + ", the channel's own (`conf here off` has it follow the team)."
	}
	return ""
}

// cutWord cuts a last word off s, up to case: ("KubeCon EU here", "here") is "KubeCon EU", true.
func cutWord(s, word string) (string, bool) {
	if strings.EqualFold(s, word) {
		return "", true
	}
	if i := strings.LastIndexByte(s, ' '); i >= 0 && strings.EqualFold(s[i+1:], word) {
		return strings.TrimSpace(s[:i]), true
	}
	return s, false
}

func (r *Router) conf(ctx context.Context, c *call) (Reply, error) {
	sub, rest, _ := strings.Cut(c.args, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(sub) {
	case "":
		b := &builder{}
		b.text("Current conference: " + describeConf(c.conf) + r.channelsOwn(ctx, c) + ". `conf list` shows all, `conf new <name>` adds one.")
		if c.conf.VideosURL != "" {
			b.line(plain("Recordings: "), link(c.conf.VideosURL, c.conf.VideosURL))
		}
		return b.reply(), nil
	case "list":
		cs, err := r.store.Conferences(ctx, c.user.WorkspaceID)
		if err != nil {
			return Reply{}, err
		}
		b := &builder{}
		b.text("Conferences:")
		for _, x := range cs {
			mark := "  "
			if x.ID == c.conf.ID {
				mark = "→ "
			}
			b.text(mark + describeConf(x))
		}
		return b.reply(), nil
	case "here":
		return r.confHere(ctx, c, rest)
	case "use":
		if name, ok := cutWord(rest, "here"); ok { // `conf use KubeCon EU here`, as `digest on here` reads
			if _, err := r.store.ConferenceNamed(ctx, c.user.WorkspaceID, rest); errors.Is(err, talkbot.ErrNotFound) { // not "Meet Me Here"
				return r.confHere(ctx, c, name)
			}
		}
		admin, err := c.adminChecked(ctx)
		if err != nil {
			return Reply{}, err // a switch of the team's is not one of the user's
		}
		if rest == "" {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Which one? `conf use <name>`; `conf list` shows them.")
		}
		team, err := r.teamConference(ctx, c) // before the switch: the one whose digest stops
		if err != nil {
			return Reply{}, err
		}
		x, err := r.store.UseConference(ctx, c.user, rest, admin)
		if errors.Is(err, talkbot.ErrNotFound) {
			return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "There is no conference called “%s”; `conf list` shows them.", truncate(rest, 80))
		}
		if err != nil {
			return Reply{}, err
		}
		if admin {
			return textReply(describeConf(x) + " is now the team's active conference." + r.digestMoves(ctx, c, team, x) + r.channelStays(ctx, c, x)), nil
		}
		return textReply("You are now on " + describeConf(x) + ". That switches just you; an admin switches the team." + r.channelStays(ctx, c, x)), nil
	case "new":
		admin, err := c.adminChecked(ctx)
		if err != nil {
			return Reply{}, err
		}
		x, err := parseConference(rest)
		if err != nil {
			return Reply{}, err
		}
		before := c.conf
		if admin { // the team's, not this channel's own: the one the team moves from
			if before, err = r.teamConference(ctx, c); err != nil {
				return Reply{}, err
			}
		}
		x, err = r.store.CreateConference(ctx, c.user, x, admin)
		if err != nil {
			return Reply{}, err
		}
		if admin && x.ID == before.ID { // the store took over the placeholder and its talks
			if _, n, err := r.store.ListTalks(ctx, talkbot.ListQuery{WorkspaceID: c.user.WorkspaceID, ConferenceID: x.ID, Page: talkbot.Page{Limit: 1}}); err == nil && n.N == 0 {
				return textReply("Created " + describeConf(x) + "; it is now the team's active conference." + r.channelStays(ctx, c, x)), nil
			}
			return textReply(fmt.Sprintf("Created %s; it is now the team's active conference, with the talks logged so far (they were under %s).", describeConf(x), before.Name)), nil
		}
		if admin {
			out := "Created " + describeConf(x) + "; it is now the team's active conference." + r.digestMoves(ctx, c, before, x) + r.channelStays(ctx, c, x)
			if before.Name == talkbot.DefaultConferenceName && before.StartsOn == "" {
				_, n, err := r.store.ListTalks(ctx, talkbot.ListQuery{WorkspaceID: c.user.WorkspaceID, ConferenceID: before.ID, Page: talkbot.Page{Limit: 1}})
				switch {
				case err != nil: // the conference is made: the reply goes without the hint
					r.log.WarnContext(ctx, "count the placeholder's talks", "err", err)
				case n.N > 0:
					out += fmt.Sprintf(" The talks logged before, on other days, stay under %s: `conf use %s` shows them.", before.Name, before.Name)
				}
			}
			return textReply(out), nil
		}
		return textReply("Created " + describeConf(x) + " and switched you to it. That switches just you; an admin switches the team with `conf use`." + r.channelStays(ctx, c, x)), nil
	case "video", "videos", "recordings":
		o, err := parseOptions(tokenize(rest))
		if err != nil {
			return Reply{}, err
		}
		videos := o.playlist
		if videos == "" && len(o.links) == 1 && len(o.rest) == 0 {
			videos = o.links[0]
		}
		if videos == "" {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Give the playlist or channel with the recordings, like `conf video https://www.youtube.com/playlist?list=…`; one talk's video goes with `video #12 <link>`.")
		}
		if c.conf.VideosURL != "" && !c.admin(ctx) {
			return Reply{}, talkbot.Errorf(talkbot.EFORBIDDEN, "%s has its recordings at %s already; an admin can replace the link.", c.conf.Name, c.conf.VideosURL)
		}
		if err := r.store.SetConferenceVideos(ctx, c.conf.ID, videos); err != nil {
			return Reply{}, err
		}
		b := &builder{}
		b.line(plain("The recordings of "+c.conf.Name+": "), link(videos, videos))
		return b.reply(), nil
	}
	return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Try `%s`.", r.byName["conf"].Usage)
}

// digestMoves warns an admin who switches the team from conference was
// while it runs: the daily digest follows the team, so the rest of that conference
// gets none. "" when no digest is set up or that conference is over.
func (r *Router) digestMoves(ctx context.Context, c *call, was, to talkbot.Conference) string {
	if was.ID == to.ID || was.StartsOn == "" || !was.DigestDay(c.today()) {
		return ""
	}
	ds, err := r.store.Digests(ctx, c.user.WorkspaceID)
	if err != nil { // the switch is made: the reply goes without the warning
		r.log.WarnContext(ctx, "read the digests", "err", err)
		return ""
	}
	following := 0 // the digests that moved: those of channels without a conference of their own
	for _, d := range ds {
		if x, err := r.store.DigestConference(ctx, c.user.WorkspaceID, d.Channel); err == nil && x.ID == to.ID {
			following++
		}
	}
	if following == 0 {
		return ""
	}
	return fmt.Sprintf(" The daily digest follows the team, so the rest of %s gets none; `conf use %s` brings it back.", was.Name, was.Name)
}

// parseConference reads `<name> [YYYY-MM-DD..YYYY-MM-DD] [IANA zone]`, the
// zone before the dates too.
func parseConference(s string) (talkbot.Conference, error) {
	x := talkbot.Conference{Timezone: "UTC"}
	words := strings.Fields(s)
	for len(words) > 0 {
		last := words[len(words)-1]
		if m := reDateRange.FindStringSubmatch(last); m != nil && x.StartsOn == "" {
			from, err1 := parseDate(m[1])
			to, err2 := parseDate(m[2])
			if err := errors.Join(err1, err2); err != nil {
				return x, talkbot.Errorf(talkbot.EINVALID, "Dates go as 2024-11-13..2024-11-15; %q is not a real range.", last)
			}
			if to < from {
				return x, talkbot.Errorf(talkbot.EINVALID, "The conference ends before it starts (%s).", last)
			}
			x.StartsOn, x.EndsOn = from, to
		} else if strings.Contains(last, "/") || last == "UTC" {
			if x.Timezone != "UTC" {
				break
			}
			if x.StartsOn != "" && !isZone(last) { // before the dates, a zone or a word of the name ("CI/CD")
				break
			}
			if !isZone(last) {
				return x, talkbot.Errorf(talkbot.EINVALID, "%q is not a time zone I know; use an IANA name like America/Denver or Europe/Amsterdam.", truncate(last, 40))
			}
			x.Timezone = last
		} else {
			break
		}
		words = words[:len(words)-1]
	}
	x.Name = strings.Join(words, " ")
	if x.Name == "" {
		return x, talkbot.Errorf(talkbot.EINVALID, "Give it a name: `conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver`.")
	}
	if utf8.RuneCountInString(x.Name) > 100 {
		return x, talkbot.Errorf(talkbot.EINVALID, "Conference names can be up to 100 characters.")
	}
	return x, nil
}

// isZone reports whether s is an IANA zone name.
func isZone(s string) bool {
	_, err := time.LoadLocation(s)
	return err == nil && !strings.Contains(s, "..")
}

func describeConf(x talkbot.Conference) string {
	s := x.Name
	if x.StartsOn != "" {
		s += fmt.Sprintf(" (%s..%s, %s)", x.StartsOn, x.EndsOn, x.Timezone)
	} else if x.Timezone != "" && x.Timezone != "UTC" {
		s += " (" + x.Timezone + ")"
	}
	return s
}

func (r *Router) privacy(ctx context.Context, c *call) (Reply, error) {
	switch v := talkbot.Visibility(strings.ToLower(c.args)); v {
	case "":
		return textReply(fmt.Sprintf("Your notes are %s by default. `privacy private` keeps new notes to yourself; `note --team` or `note --private` decides per note.", visWord(c.user.DefaultVisibility))), nil
	case talkbot.VisibilityTeam, talkbot.VisibilityPrivate:
		if err := r.store.SetDefaultVisibility(ctx, c.user.ID, v); err != nil {
			return Reply{}, err
		}
		return textReply(fmt.Sprintf("From now on your notes are %s by default. Notes you already wrote keep their visibility.", visWord(v))), nil
	}
	return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Try `privacy team` or `privacy private`.")
}

func visWord(v talkbot.Visibility) string {
	if v == talkbot.VisibilityPrivate {
		return "private (only you see them)"
	}
	return "shared with your team"
}

func (r *Router) forget(ctx context.Context, c *call) (Reply, error) {
	switch strings.ToLower(strings.Join(strings.Fields(c.args), " ")) {
	case "me":
		b := &builder{r: Reply{Kind: KindQuestion}}
		b.text("This deletes all your logs, ratings, notes and recommendations, for good. `undo` cannot bring them back.")
		b.text("To go ahead, type `forget me confirm`. `export json` saves a copy first.")
		b.buttons(Button{Label: "Delete all my data", Command: "forget me confirm"})
		return b.reply(), nil
	case "me confirm", "me yes":
		f, err := r.store.ForgetUser(ctx, c.user.ID)
		if err != nil {
			return Reply{}, err
		}
		if f.Talks > 0 {
			return textReply(fmt.Sprintf("Done: I deleted %s, %s and %s only you had logged, and forgot you.",
				plural(f.Logs, "log"), plural(f.Notes, "note"), plural(f.Talks, "talk"))), nil
		}
		return textReply(fmt.Sprintf("Done: I deleted %s and %s, and forgot you.", plural(f.Logs, "log"), plural(f.Notes, "note"))), nil
	}
	return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Type `forget me` to delete all your data.")
}

func (r *Router) export(ctx context.Context, c *call) (Reply, error) {
	format, rest, _ := strings.Cut(c.args, " ")
	switch strings.ToLower(width.Fold.String(format)) { // ｊｓｏｎ in an IME's full width; the rest stays as typed
	case "", "json":
		if strings.TrimSpace(rest) != "" {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "`export json` takes nothing after it: it has all your data, every conference.")
		}
	case "markdown", "md", "post":
		return r.exportMarkdown(ctx, c, rest)
	case "ics", "ical", "calendar":
		return r.exportICS(ctx, c, rest)
	default:
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Try `export markdown` (your wrap-up post), `export ics` (your agenda) or `export json` (all your data).")
	}
	if c.req.Shared {
		return Reply{}, talkbot.Errorf(talkbot.EFORBIDDEN, "Your export holds your private notes, so I only send it to you: ask me in a direct message.")
	}
	ex, err := r.store.Export(ctx, c.user)
	if err != nil {
		return Reply{}, err
	}
	doc := exportDocument(ex, c.req.Platform)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "Authoring & Fuzz Testing", not "\u0026"
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return Reply{}, fmt.Errorf("encode export: %w", err)
	}
	data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	n := 0
	for _, x := range doc.Conferences {
		n += len(x.Talks)
	}
	b := &builder{r: Reply{Private: true}}
	b.text(fmt.Sprintf("Your data (%s, %s):", ExportFormat, plural(n, "talk")))
	b.attach(&Attachment{Name: "talkbot-export.json", MediaType: "application/json", Data: data})
	return b.reply(), nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
