package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
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
	status int // an HTTP status other than 200; Socket Mode then does not acknowledge, so Slack retries
	body   any // JSON to send back; nil for none
}

// busy is the slash command's answer when the queue is full.
var busy = map[string]string{"response_type": "ephemeral",
	"text": "I'm swamped right now and did not run that; nothing was changed. Please try again in a minute."}

// origin is where a command came from, and so where its answer goes.
type origin struct {
	team, user, userName string
	channel              string
	threadTS             string
	responseURL          string
	dm                   bool // a direct message with the app
	home                 bool // the App Home: no channel
}

// delivery says how to show a reply.
type delivery struct {
	share   bool // post to the channel
	page    int
	replace bool // replace the message a button was on
}

// onSlashCommand acknowledges /talk at once and runs it in the background.
func (a *Adapter) onSlashCommand(sc slackgo.SlashCommand) ack {
	if sc.TeamID == "" || sc.UserID == "" {
		return ack{status: http.StatusBadRequest}
	}
	if sc.TriggerID != "" && !a.triggers.add(sc.TriggerID, a.now()) {
		return ack{}
	}
	text, share := cutShare(commandText(sc.Text))
	o := origin{team: sc.TeamID, user: sc.UserID, userName: sc.UserName, channel: sc.ChannelID,
		responseURL: sc.ResponseURL, dm: strings.HasPrefix(sc.ChannelID, "D")}
	j := job{name: "slash_command", key: sc.TeamID + "/" + sc.UserID, run: func(ctx context.Context) {
		if sc.TriggerID != "" && !a.firstTime(ctx, "trigger:"+sc.TriggerID) {
			return
		}
		if strings.EqualFold(text, "add") || strings.EqualFold(text, "saw") {
			a.openAddModal(ctx, o, sc.TriggerID)
			return
		}
		a.runCommand(ctx, o, text, delivery{share: share})
	}}
	if !a.pool.submit(j) {
		a.triggers.remove(sc.TriggerID)
		a.log.Warn("queue full; command refused", "user_id", sc.UserID)
		return ack{body: busy}
	}
	return ack{}
}

// onEvent acknowledges an Events API callback and handles it in the background,
// once per event_id however often Slack delivers it.
func (a *Adapter) onEvent(ev slackevents.EventsAPIEvent) ack {
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		if ev.Type == slackevents.AppRateLimited {
			a.log.Warn("slack is rate limiting this app's events", "team_id", ev.TeamID)
		}
		return ack{}
	}
	botUser, botID := a.bot()
	var run func(ctx context.Context)
	var key string
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		// DMs arrive as message.im as well; answer them there.
		if e.User == "" || e.User == botUser || e.BotID != "" || e.Edited != nil || strings.HasPrefix(e.Channel, "D") {
			return ack{}
		}
		text, share := cutShare(commandText(stripMention(e.Text, botUser)))
		o := origin{team: cb.TeamID, user: e.User, channel: e.Channel, threadTS: e.ThreadTimeStamp}
		key = o.team + "/" + o.user
		run = func(ctx context.Context) { a.runCommand(ctx, o, text, delivery{share: share}) }
	case *slackevents.MessageEvent:
		if e.ChannelType != slackevents.ChannelTypeIM || e.SubType != "" || e.BotID != "" || e.User == "" ||
			e.User == botUser || (botID != "" && e.BotID == botID) {
			return ack{}
		}
		text, _ := cutShare(commandText(stripMention(e.Text, botUser)))
		o := origin{team: cb.TeamID, user: e.User, channel: e.Channel, threadTS: e.ThreadTimeStamp, dm: true}
		key = o.team + "/" + o.user
		run = func(ctx context.Context) { a.runCommand(ctx, o, text, delivery{}) }
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab != "home" || e.User == "" {
			return ack{}
		}
		o := origin{team: cb.TeamID, user: e.User, home: true}
		if !a.homes.opened(o.team, o.user, a.now(), a.homeInterval) {
			return ack{}
		}
		key = o.team + "/" + o.user
		run = func(ctx context.Context) { a.publishHome(ctx, o, nil) }
	default:
		return ack{}
	}
	j := job{name: "event:" + ev.InnerEvent.Type, key: key, run: func(ctx context.Context) {
		if cb.EventID != "" && !a.firstTime(ctx, "event:"+cb.EventID) {
			return
		}
		run(ctx)
	}}
	if !a.pool.submitWait(context.Background(), j, 500*time.Millisecond) {
		// Not acknowledging makes Slack deliver it again later.
		a.log.Warn("queue full; event left for redelivery", "event_id", cb.EventID)
		return ack{status: http.StatusServiceUnavailable}
	}
	return ack{}
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
	o.dm = strings.HasPrefix(o.channel, "D")
	var run func(ctx context.Context)
	response := ack{}
	switch ic.Type {
	case slackgo.InteractionTypeBlockActions:
		acts := ic.ActionCallback.BlockActions
		run = func(ctx context.Context) {
			for _, act := range acts {
				a.blockAction(ctx, o, act, ic.TriggerID)
			}
		}
	case slackgo.InteractionTypeMessageAction:
		if ic.CallbackID != callbackSaveNote {
			return ack{}
		}
		msg := ic.Message
		run = func(ctx context.Context) { a.openNoteModal(ctx, o, ic.TriggerID, msg.Text) }
	case slackgo.InteractionTypeShortcut:
		if ic.CallbackID != callbackLogTalk {
			return ack{}
		}
		run = func(ctx context.Context) { a.openAddModal(ctx, o, ic.TriggerID) }
	case slackgo.InteractionTypeViewSubmission:
		var text string
		text, o, response = a.viewSubmission(ic, o)
		if text == "" {
			return response
		}
		run = func(ctx context.Context) { a.runCommand(ctx, o, text, delivery{}) }
	default:
		return ack{}
	}
	trigger := ic.TriggerID
	j := job{name: "interaction:" + string(ic.Type), key: o.team + "/" + o.user, run: func(ctx context.Context) {
		if trigger != "" && !a.firstTime(ctx, "trigger:"+trigger) {
			return
		}
		run(ctx)
	}}
	if !a.pool.submit(j) {
		a.triggers.remove(trigger)
		a.log.Warn("queue full; interaction refused", "user_id", o.user)
		return ack{status: http.StatusServiceUnavailable}
	}
	return response
}

// blockAction runs what a button or menu stands for.
func (a *Adapter) blockAction(ctx context.Context, o origin, act *slackgo.BlockAction, triggerID string) {
	talk := func(v string) (string, bool) {
		id, err := strconv.ParseInt(v, 10, 64)
		return "#" + strconv.FormatInt(id, 10), err == nil && id > 0
	}
	var text string
	d := delivery{}
	switch {
	case act.ActionID == actionRate:
		id, n, _ := strings.Cut(act.SelectedOption.Value, ":")
		ref, ok := talk(id)
		if r, err := strconv.Atoi(n); !ok || err != nil || r < 1 || r > 5 {
			return
		}
		text = "rate " + ref + " " + n
	case act.ActionID == actionStar || act.ActionID == actionLater || act.ActionID == actionWatched:
		ref, ok := talk(act.Value)
		if !ok {
			return
		}
		text = map[string]string{actionStar: "star ", actionLater: "want ", actionWatched: "watched "}[act.ActionID] + ref
	case strings.HasPrefix(act.ActionID, actionPage):
		var nv navValue
		if json.Unmarshal([]byte(act.Value), &nv) != nil || !isReadOnly(nv.Command) {
			return
		}
		text, d = nv.Command, delivery{page: nv.Page, replace: true}
	case act.ActionID == actionShare:
		if !isReadOnly(act.Value) {
			return
		}
		text, d = act.Value, delivery{share: true}
	case act.ActionID == actionOpenAdd:
		a.openAddModal(ctx, o, triggerID)
		return
	case act.ActionID == actionHomeReset:
		a.publishHome(ctx, o, nil)
		return
	default:
		return
	}
	if o.home {
		reply := a.handler.Handle(ctx, a.request(ctx, o, text))
		a.publishHome(ctx, o, &reply)
		return
	}
	a.runCommand(ctx, o, text, d)
}

// request is the commands.Request for a user's text.
func (a *Adapter) request(ctx context.Context, o origin, text string) commands.Request {
	u := a.user(ctx, o.team, o.user, o.userName)
	return commands.Request{Platform: talkbot.PlatformSlack, Workspace: o.team, UserID: o.user,
		UserName: u.name, Admin: u.admin || a.admins[o.user], Text: text}
}

// runCommand runs a command and sends the reply where it belongs: to the
// asker alone unless shared, in the thread it came from.
func (a *Adapter) runCommand(ctx context.Context, o origin, text string, d delivery) {
	start := a.now()
	req := a.request(ctx, o, text)
	req.Shared = d.share && !o.dm // a shared reply must not carry private notes
	reply := a.handler.Handle(ctx, req)
	a.deliver(ctx, o, text, reply, d)
	a.log.DebugContext(ctx, "command", "cmd", commandWord(text), "user_id", o.user, "team_id", o.team, "took", a.now().Sub(start))
	if reply.Kind == commands.KindOK && changeCommands[commandWord(text)] {
		a.refreshHome(o)
	}
}

func (a *Adapter) deliver(ctx context.Context, o origin, text string, reply commands.Reply, d delivery) {
	public := (d.share || reply.Public) && !o.dm
	opts := renderOptions{page: d.page, public: public}
	if isReadOnly(text) {
		opts.command = text
	}
	m := messageOf(render(reply, opts))
	m.public, m.replace, m.channel = public, d.replace, o.channel
	var err error
	switch {
	case o.responseURL != "":
		err = a.respond(ctx, o.responseURL, m)
	case o.dm || public:
		err = a.postMessage(ctx, o.channel, o.threadTS, m)
	case o.channel != "":
		err = a.postEphemeral(ctx, o.channel, o.user, o.threadTS, m)
	default:
		// From the App Home or a shortcut with no channel: the app's DM with the user.
		err = a.postMessage(ctx, o.user, "", m)
	}
	if err != nil {
		a.log.ErrorContext(ctx, "send reply", "user_id", o.user, "channel_id", o.channel, "cmd", commandWord(text), "err", err)
	}
}
