package slack

import (
	"context"
	"net/http"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

// Callback ids of the shortcuts and modals in slack/manifest.yml.
const (
	callbackSaveNote = "save_note" // message shortcut "Save as talk note"
	callbackLogTalk  = "log_talk"  // global shortcut "Log a talk"
	viewAdd          = "talk_add"
	viewNote         = "talk_note"
)

// ack is what Slack gets back at once, over HTTP or Socket Mode.
type ack struct {
	status  int    // an HTTP status other than 200; Socket Mode then does not acknowledge, so Slack retries
	body    any    // JSON to send back, nil for none; with an error status, the error's text
	outcome string // for Observer.Acked; outcomeLabel derives it when empty
}

// What an acknowledgement did with a request (Observer.Acked).
const (
	ackAccepted = "accepted" // a job runs it
	ackRefused  = "refused"  // busy or over the user's rate, and told so (or left for Slack to redeliver)
	ackIgnored  = "ignored"  // nothing to run: a duplicate, an event the bot does not act on
	ackRejected = "rejected" // forged, replayed or malformed, or a form sent back with its errors
)

// outcomeLabel is the request's outcome for Observer.Acked.
func (r ack) outcomeLabel() string {
	switch {
	case r.outcome != "":
		return r.outcome
	case r.status >= 500: // left for Slack to deliver again
		return ackRefused
	case r.status >= 400:
		return ackRejected
	}
	return ackIgnored
}

// ephemeralAck answers a slash command at once with a message only its user sees.
func ephemeralAck(r commands.Reply, outcome string) ack {
	return ack{body: map[string]string{"response_type": "ephemeral", "text": escape(r.Text())}, outcome: outcome}
}

// Slack redelivers Events API callbacks it got no answer to (with
// X-Slack-Retry-Num), so they are deduplicated by event_id in the store,
// across restarts. Slash commands and interactions are never redelivered: a
// late acknowledgement shows the user an error instead. For them an
// in-memory set of trigger ids is enough, against a request replayed with a
// fresh signature or delivered twice over two Socket Mode connections.

// onSlashCommand acknowledges /talk at once and runs it as a job.
func (a *Adapter) onSlashCommand(sc slackgo.SlashCommand) ack {
	if sc.TeamID == "" || sc.UserID == "" {
		return ack{status: http.StatusBadRequest}
	}
	if sc.TriggerID != "" && !a.triggers.add(sc.TriggerID, a.now()) {
		return ack{}
	}
	if wait := a.limiter.Take(sc.TeamID+"/"+sc.UserID, a.now()); wait > 0 {
		return ephemeralAck(dispatch.Limited(wait), ackRefused)
	}
	raw, mentions := commandText(sc.Text)
	text, share := cutShare(raw)
	if share && text == "" { // it would post the help to the channel
		return ephemeralAck(commands.Refusal("share", talkbot.EINVALID,
			"Share what? Put the command after it: `/talk share highlights` posts the team's highlights here for everyone."), ackRejected)
	}
	o := origin{team: sc.TeamID, user: sc.UserID, userName: sc.UserName, channel: sc.ChannelID,
		responseURL: sc.ResponseURL, direct: strings.HasPrefix(sc.ChannelID, "D"), channels: channelRefs(sc.Text)}
	run := func(ctx context.Context) { a.serve(ctx, o, text, mentions, delivery{share: share}) }
	if a.opensAddModal(text) {
		trigger := sc.TriggerID
		run = func(ctx context.Context) { a.openAddModal(ctx, o, trigger) }
	}
	if !a.rt.Submit(dispatch.Job{Name: "slack:slash_command", Key: sc.TeamID + "/" + sc.UserID, Run: run}) {
		a.triggers.remove(sc.TriggerID)
		a.log.Debug("queue full; slash command refused", "user_id", sc.UserID)
		return ephemeralAck(dispatch.Busy(), ackRefused)
	}
	return ack{outcome: ackAccepted}
}

// known reports whether text, with the bot's own mention taken out, is a
// command or a question the bot answers.
func (a *Adapter) known(text, botUser string) bool {
	text = strings.Join(strings.Fields(strings.ReplaceAll(text, "@"+botUser, "")), " ")
	_, ok := a.rt.Lookup(text)
	return ok
}

// opensAddModal reports whether text is `add` alone, which opens the form.
func (a *Adapter) opensAddModal(text string) bool {
	cmd, ok := a.rt.Lookup(text)
	return ok && cmd.Name == "add" && len(strings.Fields(commands.StripPrefix(text))) == 1
}

// onEvent acknowledges an Events API callback and handles it as a job, once
// per event_id however often Slack delivers it. body is the callback as
// Slack sent it, kept before the acknowledgement (nil: kept already).
func (a *Adapter) onEvent(ev slackevents.EventsAPIEvent, body []byte) ack {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		if ev.Type == slackevents.AppRateLimited {
			a.log.Warn("slack is rate limiting this app's events", "team_id", ev.TeamID)
		}
		return ack{}
	}
	botUser, botID := a.bot()
	if botUser == "" { // an event before auth.test answered: the delivery says who the bot is
		for _, au := range cb.Authorizations {
			if au.IsBot && au.TeamID == cb.TeamID {
				botUser = au.UserID
			}
		}
	}
	var run func(ctx context.Context)
	var o origin
	command := func(text string, dm bool) {
		raw, mentions := commandText(stripMention(text, botUser))
		if cb.IsExtSharedChannel && o.outsider(ev.InnerEvent.Data) {
			run = func(ctx context.Context) { a.refuse(ctx, o, outsiderRefusal) }
			return
		}
		o.channels = channelRefs(text)
		text, share := cutShare(raw)
		if dm {
			share = false
		}
		run = func(ctx context.Context) { a.serve(ctx, o, text, mentions, delivery{share: share}) }
	}
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		// DMs arrive as message.im as well; answer them there.
		if e.User == "" || e.User == botUser || e.BotID != "" || e.Edited != nil || strings.HasPrefix(e.Channel, "D") {
			return ack{}
		}
		if !strings.HasPrefix(strings.TrimSpace(e.Text), "<@"+botUser) {
			// Named in passing ("<@U0BOB> and @talkbot: great talk!"), the bot
			// answers only what it knows, a command or a question about
			// watching, as on Matrix; it had answered "I don't know the command".
			if raw, _ := commandText(e.Text); !a.known(raw, botUser) {
				return ack{}
			}
		}
		o = origin{team: cb.TeamID, user: e.User, channel: e.Channel, threadTS: e.ThreadTimeStamp, overheard: true}
		command(e.Text, false)
	case *slackevents.MessageEvent:
		if e.ChannelType != slackevents.ChannelTypeIM || e.SubType != "" || e.BotID != "" || e.User == "" ||
			e.User == botUser || (botID != "" && e.BotID == botID) {
			return ack{}
		}
		o = origin{team: cb.TeamID, user: e.User, channel: e.Channel, threadTS: e.ThreadTimeStamp, direct: true, dm: true}
		command(e.Text, true)
	case *slackevents.AppUninstalledEvent, *slackevents.TokensRevokedEvent:
		// Nothing to answer, but the operator must know: every post to the
		// workspace fails from now on (its digests too) until it installs
		// the app again.
		a.log.Warn("the Slack app was uninstalled, or its tokens revoked, in a workspace: posts there fail until it is installed again",
			"team_id", cb.TeamID, "event", ev.InnerEvent.Type)
		return ack{}
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab != "home" || e.User == "" {
			return ack{}
		}
		o = origin{team: cb.TeamID, user: e.User, home: true}
		if !a.homes.opened(o.team, o.user, a.now(), a.homeInterval) {
			return ack{}
		}
		run = func(ctx context.Context) { a.publishHome(ctx, o, nil) }
	default:
		return ack{}
	}
	j := dispatch.Job{Name: "slack:event:" + ev.InnerEvent.Type, Key: o.team + "/" + o.user, Run: func(ctx context.Context) {
		if cb.EventID != "" { // answered once however often Slack delivers it (firstAnswer)
			if a.answered(ctx, cb.EventID) {
				return // before the rate limit: a retry costs the user nothing
			}
			ctx = talkbot.WithEventMark(ctx, &talkbot.EventMark{Platform: talkbot.PlatformSlack, EventID: "event:" + cb.EventID})
		}
		if !o.home {
			if wait, tell := a.limiter.TakeOrTell(o.team+"/"+o.user, a.now()); wait > 0 {
				if tell { // once: the rest of a flood of messages goes unanswered
					a.refuse(ctx, o, dispatch.Limited(wait))
				} else if cb.EventID != "" {
					// Dropped for good: marked, so a restart's replay of
					// the kept callbacks does not carry it out after all.
					if _, err := a.events.MarkHandled(ctx, talkbot.PlatformSlack, "event:"+cb.EventID); err != nil {
						a.log.WarnContext(ctx, "mark a dropped event handled", "event_id", cb.EventID, "err", err)
					}
				}
				return
			}
		}
		run(ctx)
	}}
	// Not an App Home opened: nothing to answer, and a restart would
	// publish every home opened in the hour again.
	if in, ok := a.events.(inbox); ok && body != nil && cb.EventID != "" && !o.home {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := in.KeepEvent(ctx, talkbot.PlatformSlack, "event:"+cb.EventID, body)
		cancel()
		if err != nil {
			// Not acknowledging makes Slack deliver it again later.
			a.log.Warn("could not keep an event; left for Slack to deliver again", "event_id", cb.EventID, "err", err)
			return ack{status: http.StatusServiceUnavailable}
		}
	}
	if !a.rt.SubmitWait(context.Background(), j, 500*time.Millisecond) {
		// Not acknowledging makes Slack deliver it again later.
		a.log.Debug("queue full; event left for redelivery", "event_id", cb.EventID)
		return ack{status: http.StatusServiceUnavailable}
	}
	return ack{outcome: ackAccepted}
}

// outsiderRefusal answers a user of another organisation, met in a channel
// shared with it (Slack Connect): the log is the workspace's own.
var outsiderRefusal = commands.Refusal("", talkbot.EFORBIDDEN,
	"I keep the talks of this workspace's people only, and you are here from another organisation. Add talkbot to your own workspace to log yours.")

// outsider says whether a message event came from a user of another
// organisation than the workspace's (user_team, on a channel shared with it).
func (o origin) outsider(ev any) bool {
	var team string
	switch e := ev.(type) {
	case *slackevents.AppMentionEvent:
		team = e.UserTeam
	case *slackevents.MessageEvent:
		team = e.UserTeam
	}
	return team != "" && team != o.team
}

// onInteraction acknowledges a button, menu, shortcut or modal submission.
func (a *Adapter) onInteraction(ic slackgo.InteractionCallback) ack {
	if ic.Type == slackgo.InteractionTypeViewClosed {
		return ack{}
	}
	if ic.TriggerID != "" && !a.triggers.add(ic.TriggerID, a.now()) {
		return ack{}
	}
	team := ic.Team.ID
	if team == "" {
		team = ic.View.TeamID
	}
	if team == "" || ic.User.ID == "" {
		return ack{status: http.StatusBadRequest}
	}
	o := origin{team: team, user: ic.User.ID, userName: ic.User.Name, channel: ic.Channel.ID, responseURL: ic.ResponseURL,
		home: ic.View.Type == slackgo.VTHomeTab}
	if o.channel == "" {
		o.channel = ic.Container.ChannelID
	}
	o.direct = strings.HasPrefix(o.channel, "D")
	var run func(ctx context.Context)
	response := ack{}
	// Under Enterprise Grid a user's team_id is the organisation's (E…).
	if ic.User.TeamID != "" && ic.User.TeamID != team && ic.User.TeamID != ic.Enterprise.ID {
		// A user of another organisation, in a channel shared with it.
		a.rt.Submit(dispatch.Job{Name: "slack:interaction:outsider", Key: o.team + "/" + o.user,
			Run: func(ctx context.Context) { a.refuse(ctx, o, outsiderRefusal) }})
		return ack{outcome: ackRejected}
	}
	switch ic.Type {
	case slackgo.InteractionTypeBlockActions:
		acts := ic.ActionCallback.BlockActions
		// A button replaces the message it is on when that message is the
		// presser's own: ephemeral, or in their DM with the app (not a DM
		// with a colleague, where a shared message is both of theirs).
		ephemeral, trigger := ic.Container.IsEphemeral, ic.TriggerID
		run = func(ctx context.Context) {
			own := ephemeral || o.direct && a.appDM(ctx, o.user, o.channel)
			for _, act := range acts {
				a.blockAction(ctx, o, act, trigger, own)
			}
		}
	case slackgo.InteractionTypeMessageAction:
		if ic.CallbackID != callbackSaveNote {
			return ack{}
		}
		msg, trigger := ic.Message, ic.TriggerID
		run = func(ctx context.Context) { a.openNoteModal(ctx, o, trigger, msg.Text) }
	case slackgo.InteractionTypeShortcut:
		if ic.CallbackID != callbackLogTalk {
			return ack{}
		}
		trigger := ic.TriggerID
		run = func(ctx context.Context) { a.openAddModal(ctx, o, trigger) }
	case slackgo.InteractionTypeViewSubmission:
		var text string
		text, o, response = a.viewSubmission(ic, o)
		if text == "" {
			return response
		}
		run = func(ctx context.Context) { a.serve(ctx, o, text, nil, delivery{}) }
	default:
		return ack{}
	}
	response.outcome = ackAccepted
	if wait := a.limiter.Take(o.team+"/"+o.user, a.now()); wait > 0 {
		run = func(ctx context.Context) { a.refuse(ctx, o, dispatch.Limited(wait)) }
		response.outcome = ackRefused
	}
	if !a.rt.Submit(dispatch.Job{Name: "slack:interaction:" + string(ic.Type), Key: o.team + "/" + o.user, Run: run}) {
		a.triggers.remove(ic.TriggerID)
		a.log.Debug("queue full; interaction refused", "user_id", o.user)
		return ack{status: http.StatusServiceUnavailable}
	}
	return response
}

// blockAction runs what a button or menu stands for. A button's value is the
// command it runs, as whoever pressed it: a shortcut for typing, never more.
func (a *Adapter) blockAction(ctx context.Context, o origin, act *slackgo.BlockAction, triggerID string, own bool) {
	var text string
	d := delivery{}
	switch actionKind(act.ActionID) {
	case actionRun:
		text, d.replace = act.Value, own
	case actionCard:
		text = act.SelectedOption.Value
	case actionShare:
		// Only a command that changes nothing is run again for others to see.
		if cmd, ok := a.rt.Lookup(act.Value); !ok || cmd.Changes {
			return
		}
		text, d.share = act.Value, true
	case actionOpenAdd:
		a.openAddModal(ctx, o, triggerID)
		return
	case actionHomeReset:
		a.publishHome(ctx, o, nil)
		return
	default:
		return
	}
	if strings.TrimSpace(text) == "" {
		return
	}
	if o.home {
		reply, _ := a.run(ctx, o, text, nil)
		a.publishHome(ctx, o, &reply)
		return
	}
	a.serve(ctx, o, text, nil, d)
}

// request is the commands.Request for a user's text. The name is the one
// Slack sent with the request ("" when it sent none: the store keeps the
// known one); admin status is asked of Slack only when a command needs it.
func (a *Adapter) request(o origin, text string, mentions []commands.Mention, shared bool) commands.Request {
	return commands.Request{Platform: talkbot.PlatformSlack, Workspace: o.team, UserID: o.user, UserName: o.userName,
		Text: text, Mentions: mentions, Channels: o.channels, Channel: o.channel, IsAdmin: a.isAdmin(o.team, o.user), Shared: shared, Overheard: o.overheard, Note: o.note}
}

// serve runs a command through the runtime and sends its replies where they
// belong: to the asker alone unless shared, in the thread it came from. A
// change refreshes the user's App Home.
func (a *Adapter) serve(ctx context.Context, o origin, text string, mentions []commands.Mention, d delivery) {
	if o.direct && !o.dm {
		o.dm = a.appDM(ctx, o.user, o.channel)
	}
	// Events API messages name nobody: without a name (users.info, cached),
	// the team would read the user, and whoever they mention, as "U0BOB".
	if n := a.knownName(o.team, o.user); n != "" {
		o.userName = n
	} else if o.userName == "" {
		o.userName = a.name(ctx, o.team, o.user)
	}
	for i, m := range mentions {
		if m.Name == "" {
			mentions[i].Name = a.name(ctx, o.team, m.UserID)
		}
	}
	st := &answer{o: o, d: d, text: text}
	req := a.request(o, text, mentions, d.share && !o.dm) // a shared reply must not carry private notes
	// The runtime logs the outcome, a failed send included.
	_ = a.rt.Serve(ctx, req, func(ctx context.Context, r commands.Reply) error { return a.deliver(ctx, st, r) })
	if st.final != nil && st.final.Kind == commands.KindOK {
		if cmd, ok := a.rt.Lookup(text); ok && cmd.Changes {
			a.refreshHome(o)
		}
	}
}

// run runs a command through the runtime and returns its answer (a slow
// command's "working on it…" left out), for views built from replies.
func (a *Adapter) run(ctx context.Context, o origin, text string, mentions []commands.Mention) (commands.Reply, error) {
	var reply commands.Reply
	err := a.rt.Serve(ctx, a.request(o, text, mentions, false), func(_ context.Context, r commands.Reply) error {
		if r.Kind != commands.KindProgress {
			reply = r
		}
		return nil
	})
	return reply, err
}

// refuse answers a request that was not run (a user over their rate).
func (a *Adapter) refuse(ctx context.Context, o origin, r commands.Reply) {
	if o.home {
		a.publishHome(ctx, o, &r)
		return
	}
	if err := a.deliver(ctx, &answer{o: o}, r); err != nil {
		a.log.ErrorContext(ctx, "send refusal", "user_id", o.user, "channel_id", o.channel, "err", err)
	}
}
