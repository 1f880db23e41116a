package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// adminPowerLevel is the power level from which a room member is a talkbot admin.
const adminPowerLevel = 50

// initialSync reports whether ctx belongs to the very first sync of a fresh
// bot, whose timelines are all history.
func initialSync(ctx context.Context) bool {
	since, _ := ctx.Value(mautrix.SyncTokenContextKey).(string)
	return since == ""
}

// onMessage runs on the sync loop: it drops what the bot must never answer
// and queues the rest; deciding whether it is a command happens on the pool.
func (a *Adapter) onMessage(ctx context.Context, evt *event.Event) {
	if evt.Sender == a.cli.UserID || initialSync(ctx) || evt.Unsigned.RedactedBecause != nil {
		return
	}
	content := evt.Content.AsMessage()
	if content.MsgType != event.MsgText || content.RelatesTo.GetReplaceID() != "" || content.NewContent != nil {
		return // notices (other bots), emotes, media, edits
	}
	if a.beforeJoin(evt.RoomID, eventTime(evt)) {
		return // history from before the bot joined
	}
	a.enqueue(evt, func(ctx context.Context) { a.handleMessage(ctx, evt, content) })
}

// onReaction queues reactions; only those on the bot's talk replies do anything.
func (a *Adapter) onReaction(ctx context.Context, evt *event.Event) {
	if evt.Sender == a.cli.UserID || initialSync(ctx) || a.beforeJoin(evt.RoomID, eventTime(evt)) {
		return
	}
	rel := evt.Content.AsReaction().RelatesTo
	if _, ok := reactionCommand(rel.Key, 1); !ok || rel.EventID == "" {
		return
	}
	a.enqueue(evt, func(ctx context.Context) { a.handleReaction(ctx, evt, rel.EventID, rel.Key) })
}

// onMember handles invites for the bot and members leaving.
func (a *Adapter) onMember(ctx context.Context, evt *event.Event) {
	m := evt.Content.AsMember()
	switch {
	case evt.GetStateKey() == a.cli.UserID.String() && m.Membership == event.MembershipInvite &&
		evt.Mautrix.EventSource&event.SourceInvite != 0: // not the old invite in a joined room's timeline
		a.enqueue(evt, func(ctx context.Context) { a.handleInvite(ctx, evt) })
	case evt.GetStateKey() != a.cli.UserID.String() && evt.Mautrix.EventSource&event.SourceTimeline != 0 &&
		(m.Membership == event.MembershipLeave || m.Membership == event.MembershipBan) && !initialSync(ctx):
		a.enqueue(evt, func(ctx context.Context) { a.leaveIfEmpty(ctx, evt.RoomID) })
	}
}

// enqueue runs job on the pool, in order within the room, and keeps the sync
// position from passing the event until the job is done.
func (a *Adapter) enqueue(evt *event.Event, job func(context.Context)) {
	b := a.sync.begin()
	// A job the pool does not take (shutting down, or a flood) leaves its
	// batch open, so a restart redelivers the event.
	a.pool.submit(evt.RoomID.String(), func(ctx context.Context) {
		defer a.sync.done(ctx, b)
		job(ctx)
	})
}

// handleMessage answers a message when it is a command for the bot.
func (a *Adapter) handleMessage(ctx context.Context, evt *event.Event, content *event.MessageEventContent) {
	began := time.Now()
	body := content.Body
	if content.RelatesTo.GetReplyTo() != "" {
		body = event.TrimReplyFallbackText(body)
	}
	log := a.log.With("room_id", evt.RoomID.String(), "event_id", evt.ID.String(), "user_id", evt.Sender.String())
	text, ok := commandText(body, content.Mentions.Has(a.cli.UserID), a.names)
	// Whether the room is direct, private or encrypted comes from its state.
	if err := a.syncRoomState(ctx, evt.RoomID); err != nil {
		if ok {
			log.Error("not answering a command: "+errRoomStateUnknown.Error()+", and the bot never answers in plaintext what may be an encrypted room", "err", err)
		}
		return
	}
	if !ok && a.isDirect(ctx, evt.RoomID) {
		text, ok = strings.TrimSpace(body), true
	}
	if !ok {
		return
	}
	if age := a.now().Sub(eventTime(evt)); age > a.maxAge {
		log.Info("skipping a command sent too long ago", "age", age.Round(time.Second).String(), "max_age", a.maxAge.String())
		return
	}
	first, err := a.cfg.State.MarkHandled(ctx, Platform, evt.ID.String())
	if err != nil {
		log.Error("mark event handled", "err", err)
		return
	}
	if !first {
		return
	}
	req := a.request(ctx, evt, text)
	handling := time.Now()
	reply := a.handle(ctx, req, log)
	handled := time.Since(handling)
	if err := a.reply(ctx, evt, evt.ID, threadOf(content.RelatesTo), evt.Sender, reply); err != nil {
		logSendError(log, err)
		return
	}
	log.Info("command handled", "cmd", commandWord(text), "kind", int(reply.Kind),
		"took", time.Since(began).String(), "handler_took", handled.String(), "waited", began.Sub(eventTime(evt)).String())
}

// handleReaction runs the quick action of a reaction on one of the bot's talk replies.
func (a *Adapter) handleReaction(ctx context.Context, evt *event.Event, target id.EventID, key string) {
	shown, err := a.shown(ctx, target)
	if err != nil || len(shown.Talks) != 1 {
		return // not a reply of the bot's, or one that showed several talks
	}
	text, _ := reactionCommand(key, shown.Talks[0])
	log := a.log.With("room_id", evt.RoomID.String(), "event_id", evt.ID.String(), "user_id", evt.Sender.String())
	if err := a.syncRoomState(ctx, evt.RoomID); err != nil {
		log.Error("not acting on a reaction: "+errRoomStateUnknown.Error(), "err", err)
		return
	}
	if age := a.now().Sub(eventTime(evt)); age > a.maxAge {
		log.Info("skipping a reaction sent too long ago", "age", age.Round(time.Second).String())
		return
	}
	first, err := a.cfg.State.MarkHandled(ctx, Platform, evt.ID.String())
	if err != nil || !first {
		if err != nil {
			log.Error("mark event handled", "err", err)
		}
		return
	}
	reply := a.handle(ctx, a.request(ctx, evt, text), log)
	if err := a.reply(ctx, evt, target, shown.Thread, evt.Sender, reply); err != nil {
		logSendError(log, err)
		return
	}
	log.Info("reaction handled", "cmd", text)
}

// logSendError logs a reply that could not be sent, saying so plainly when
// the bot kept silent rather than risk plaintext.
func logSendError(log *slog.Logger, err error) {
	if errors.Is(err, errRoomStateUnknown) {
		log.Error("not answering: the bot never answers in plaintext what may be an encrypted room", "err", err)
		return
	}
	log.Error("send reply", "err", err)
}

// handle runs the handler; a panic in it is logged with its stack and
// answered like any internal error.
func (a *Adapter) handle(ctx context.Context, req commands.Request, log *slog.Logger) (reply commands.Reply) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("a handler panicked; the bot goes on", "cmd", commandWord(req.Text), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			reply = commands.Reply{Kind: commands.KindError, Lines: []commands.Line{{{Text: talkbot.ErrorMessage(errors.New("panic"))}}}}
		}
	}()
	return a.cfg.Handler.Handle(ctx, req)
}

// request translates a Matrix event into a commands.Request.
func (a *Adapter) request(ctx context.Context, evt *event.Event, text string) commands.Request {
	return commands.Request{
		Platform:  talkbot.PlatformMatrix,
		Workspace: evt.Sender.Homeserver(),
		UserID:    evt.Sender.String(),
		UserName:  a.displayName(ctx, evt.RoomID, evt.Sender),
		Admin:     a.isAdmin(ctx, evt.RoomID, evt.Sender),
		Text:      text,
		Shared:    !a.private(ctx, evt.RoomID), // Matrix has no ephemeral replies: others in the room read them
	}
}

// commandText returns the command in a message addressed to the bot: one
// starting with !talk, or one that names the bot (the name taken out). A name
// at the start counts when it is an @mention or is followed by ':' or ','
// ("talkbot: list"), or when the client marked the bot as mentioned; a name
// elsewhere only in the last case. A mention a client adds by itself, as to
// a reply to the bot, without the name in the text, does not count.
func commandText(body string, mentioned bool, names []string) (string, bool) {
	t := strings.TrimSpace(body)
	if hasWordPrefix(t, "!talk") {
		return t, true
	}
	for _, n := range names {
		if n == "" || !hasPrefixFold(t, n) {
			continue
		}
		rest := t[len(n):]
		switch {
		case rest == "", rest[0] == ':', rest[0] == ',':
		case unicode.IsSpace(rune(rest[0])) && (mentioned || strings.HasPrefix(n, "@")):
		default:
			continue
		}
		return strings.TrimSpace(strings.TrimLeft(rest, ":, \t\n")), true
	}
	if !mentioned {
		return "", false
	}
	// Named somewhere in the middle ("so what should I watch later, talkbot?").
	named := false
	for _, n := range names {
		if n != "" && strings.Contains(strings.ToLower(t), strings.ToLower(n)) {
			named = true
			t = replaceFold(t, n, "")
		}
	}
	if !named {
		return "", false
	}
	return strings.Join(strings.Fields(strings.Trim(t, ":, ")), " "), true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// hasWordPrefix reports whether s starts with word followed by a space or nothing.
func hasWordPrefix(s, word string) bool {
	return hasPrefixFold(s, word) && (len(s) == len(word) || unicode.IsSpace(rune(s[len(word)])))
}

func replaceFold(s, old, repl string) string {
	for {
		i := strings.Index(strings.ToLower(s), strings.ToLower(old))
		if i < 0 || len(old) == 0 {
			return s
		}
		s = s[:i] + repl + s[i+len(old):]
	}
}

func commandWord(text string) string {
	f := strings.Fields(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(text)), "!talk"))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// threadOf returns the thread root an event belongs to, "" when none.
func threadOf(rel *event.RelatesTo) id.EventID { return rel.GetThreadParent() }

func directKey(room id.RoomID) string { return "matrix.direct:" + room.String() }

// isDirect reports whether room is a direct chat with the bot: one it was
// invited to as a direct chat, where only the bot and one person are left.
func (a *Adapter) isDirect(ctx context.Context, room id.RoomID) bool {
	if _, err := a.cfg.State.State(ctx, directKey(room)); err != nil {
		return false
	}
	members, err := a.cli.StateStore.GetRoomJoinedOrInvitedMembers(ctx, room)
	return err == nil && len(members) == 2 && slices.Contains(members, a.cli.UserID)
}

// displayName is the sender's name in the room, their localpart when unset.
func (a *Adapter) displayName(ctx context.Context, room id.RoomID, user id.UserID) string {
	if m, err := a.cli.StateStore.TryGetMember(ctx, room, user); err == nil && m != nil && m.Displayname != "" {
		return m.Displayname
	}
	return user.Localpart()
}

// isAdmin: listed in BOT_ADMINS, or power level 50 or more in the room.
func (a *Adapter) isAdmin(ctx context.Context, room id.RoomID, user id.UserID) bool {
	if slices.Contains(a.cfg.Admins, user.String()) {
		return true
	}
	pl, err := a.cli.StateStore.GetPowerLevels(ctx, room)
	if err != nil || pl == nil {
		pl = &event.PowerLevelsEventContent{}
		if err := a.cli.StateEvent(ctx, room, event.StatePowerLevels, "", pl); err != nil {
			a.log.Warn("read power levels", "room_id", room.String(), "err", err)
			return false
		}
		_ = a.cli.StateStore.SetPowerLevels(ctx, room, pl)
	}
	return pl.GetUserLevel(user) >= adminPowerLevel
}

// reactionCommand maps a quick-action reaction on a talk reply to a command.
func reactionCommand(key string, talk int64) (string, bool) {
	k := strings.ReplaceAll(key, "\ufe0f", "") // emoji presentation selectors vary by client
	ref := "#" + strconv.FormatInt(talk, 10)
	switch k {
	case "1\u20e3", "2\u20e3", "3\u20e3", "4\u20e3", "5\u20e3":
		return "rate " + ref + " " + k[:1], true
	case "\u2b50": // ⭐
		return "star " + ref, true
	case "\U0001f440": // 👀
		return "want " + ref, true
	case "\u2705": // ✅
		return "watched " + ref, true
	}
	return "", false
}

// shownTalks is what the adapter remembers of one of its replies.
type shownTalks struct {
	Talks  []int64    `json:"talks"`
	Thread id.EventID `json:"thread,omitempty"`
}

func shownKey(evt id.EventID) string { return "matrix.reply:" + evt.String() }

// remember records which talks a bot reply showed, for reactions on it.
func (a *Adapter) remember(ctx context.Context, evt id.EventID, s shownTalks) {
	b, _ := json.Marshal(s)
	if err := a.cfg.State.SetState(ctx, shownKey(evt), string(b)); err != nil {
		a.log.Warn("remember the talks of a reply", "event_id", evt.String(), "err", err)
	}
}

// shown returns what a bot reply showed; talkbot.ErrNotFound for other events.
func (a *Adapter) shown(ctx context.Context, evt id.EventID) (shownTalks, error) {
	var s shownTalks
	v, err := a.cfg.State.State(ctx, shownKey(evt))
	if err != nil {
		if !errors.Is(err, talkbot.ErrNotFound) {
			a.log.Warn("look up a reply", "event_id", evt.String(), "err", err)
		}
		return s, err
	}
	return s, json.Unmarshal([]byte(v), &s)
}
