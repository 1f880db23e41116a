package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
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
	"github.com/talkbot/talkbot/dispatch"
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
// and queues the rest; deciding whether it is a command happens in a job.
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
	a.enqueue(ctx, evt, "message", func(ctx context.Context) { a.handleMessage(ctx, evt, content) })
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
	a.enqueue(ctx, evt, "reaction", func(ctx context.Context) { a.handleReaction(ctx, evt, rel.EventID, rel.Key) })
}

// onRedaction queues redactions; only a reaction the bot acted on, taken
// back by whoever sent it, does anything.
func (a *Adapter) onRedaction(ctx context.Context, evt *event.Event) {
	if evt.Sender == a.cli.UserID || initialSync(ctx) || a.beforeJoin(evt.RoomID, eventTime(evt)) {
		return
	}
	target := evt.Redacts // room versions before 11 have it outside the content
	if c, ok := evt.Content.Parsed.(*event.RedactionEventContent); ok && c.Redacts != "" {
		target = c.Redacts
	}
	if target == "" {
		return
	}
	a.enqueue(ctx, evt, "unreaction", func(ctx context.Context) { a.handleUnreaction(ctx, evt, target) })
}

// onMember handles invites for the bot and members leaving.
func (a *Adapter) onMember(ctx context.Context, evt *event.Event) {
	m := evt.Content.AsMember()
	switch {
	case evt.GetStateKey() == a.cli.UserID.String() && m.Membership == event.MembershipInvite &&
		evt.Mautrix.EventSource&event.SourceInvite != 0: // not the old invite in a joined room's timeline
		a.enqueue(ctx, evt, "invite", func(ctx context.Context) { a.handleInvite(ctx, evt) })
	case evt.GetStateKey() != a.cli.UserID.String() && evt.Mautrix.EventSource&event.SourceTimeline != 0 &&
		(m.Membership == event.MembershipLeave || m.Membership == event.MembershipBan) && !initialSync(ctx):
		a.enqueue(ctx, evt, "leave", func(ctx context.Context) { a.leaveIfEmpty(ctx, evt.RoomID) })
	}
}

// handleMessage answers a message when it is a command for the bot.
func (a *Adapter) handleMessage(ctx context.Context, evt *event.Event, content *event.MessageEventContent) {
	body := content.Body
	formatted := ""
	if content.Format == event.FormatHTML {
		formatted = content.FormattedBody
	}
	if content.RelatesTo.GetReplyTo() != "" {
		body, formatted = event.TrimReplyFallbackText(body), event.TrimReplyFallbackHTML(formatted)
	}
	log := a.log.With("room_id", evt.RoomID.String(), "event_id", evt.ID.String(), "user_id", evt.Sender.String())
	text, how := commandText(body, content.Mentions.Has(a.cli.UserID), a.names)
	if how == namedInPassing {
		// Named in passing, the bot answers only what it knows: a command or a question about watching.
		if _, known := a.cfg.Runtime.Lookup(text); !known {
			how = notAddressed
		}
	}
	ok := how != notAddressed
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
	if a.answered(ctx, log, evt) {
		return
	}
	d := delivery{room: evt.RoomID, inReplyTo: evt.ID, thread: threadOf(content.RelatesTo), to: []id.UserID{evt.Sender}, txn: evt.ID.String()}
	if a.editedBySender(evt) {
		a.answer(ctx, log, d, evt, commands.Refusal("", talkbot.EINVALID,
			"You edited that command before I read it, so I did not run it, as first typed or as edited: send the command you meant as a new message."))
		return
	}
	req := a.request(ctx, evt, text)
	req.Mentions = a.mentions(ctx, evt.RoomID, body, formatted, text)
	if target := content.RelatesTo.GetNonFallbackReplyTo(); target != "" {
		// A reply to a talk's card acts on that talk, as a reaction does.
		if shown, err := a.shown(ctx, target); err == nil && len(shown.Talks) == 1 {
			req.Talk = shown.Talks[0]
		}
	}
	a.serve(ctx, log, req, d, evt)
}

// answer answers evt with r, once, as serve answers a command.
func (a *Adapter) answer(ctx context.Context, log *slog.Logger, d delivery, evt *event.Event, r commands.Reply) {
	mark := &talkbot.EventMark{Platform: Platform, EventID: evt.ID.String()}
	p := &responder{a: a, log: log, d: d, mark: mark}
	if err := p.respond(talkbot.WithEventMark(ctx, mark), r); err != nil {
		logSendError(log, err)
	}
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
	if a.answered(ctx, log, evt) {
		return
	}
	d := delivery{room: evt.RoomID, inReplyTo: target, thread: shown.Thread, to: []id.UserID{evt.Sender}, txn: evt.ID.String()}
	if _, ok := unreactionCommand(key, 1); ok {
		// Only a reaction that changed something is taken back when removed:
		// 4️⃣ on a talk rated 4 by command found it so, and its removal keeps the 4.
		d.answered = func(r commands.Reply) {
			if r.Kind == commands.KindOK && !r.Unchanged {
				a.rememberReaction(ctx, evt.ID, actedReaction{Talk: shown.Talks[0], Key: key, Sender: evt.Sender, Card: target, Thread: shown.Thread})
			}
		}
	}
	a.serve(ctx, log, a.request(ctx, evt, text), d, evt)
}

// handleUnreaction takes back what a reaction did when its sender removes it.
func (a *Adapter) handleUnreaction(ctx context.Context, evt *event.Event, reaction id.EventID) {
	r, err := a.actedReaction(ctx, reaction)
	if err != nil || r.Sender != evt.Sender {
		return // not a reaction the bot acted on, or removed by a moderator: their log stays
	}
	text, _ := unreactionCommand(r.Key, r.Talk)
	log := a.log.With("room_id", evt.RoomID.String(), "event_id", evt.ID.String(), "user_id", evt.Sender.String())
	if err := a.syncRoomState(ctx, evt.RoomID); err != nil {
		log.Error("not taking back a reaction: "+errRoomStateUnknown.Error(), "err", err)
		return
	}
	if age := a.now().Sub(eventTime(evt)); age > a.maxAge {
		log.Info("skipping a reaction removed too long ago", "age", age.Round(time.Second).String())
		return
	}
	if a.answered(ctx, log, evt) {
		return
	}
	a.serve(ctx, log, a.request(ctx, evt, text), delivery{room: evt.RoomID, inReplyTo: r.Card, thread: r.Thread, to: []id.UserID{evt.Sender}, txn: evt.ID.String()}, evt)
}

// answered reports whether evt was handled before: a redelivery (a restart
// before the sync position was saved), dropped before it costs any work or
// a rate-limit token. Should the read fail, serve's mark still decides.
func (a *Adapter) answered(ctx context.Context, log *slog.Logger, evt *event.Event) bool {
	done, err := a.cfg.State.Handled(ctx, Platform, evt.ID.String())
	if err != nil {
		log.Warn("read whether the event was handled", "err", err)
		return false
	}
	if done {
		log.Debug("duplicate delivery ignored")
	}
	return done
}

// serve runs a request through the runtime, within the sender's rate, and
// sends its replies as d says. Each event is answered once: the command's
// change records the event as handled in its own transaction, and a command
// that changes nothing records it before its answer leaves (responder). A
// redelivered event then changes nothing and is not answered again.
func (a *Adapter) serve(ctx context.Context, log *slog.Logger, req commands.Request, d delivery, evt *event.Event) {
	began := time.Now()
	mark := &talkbot.EventMark{Platform: Platform, EventID: evt.ID.String()}
	ctx = talkbot.WithEventMark(ctx, mark)
	p := &responder{a: a, log: log, d: d, mark: mark}
	var err error
	if wait, tell := a.limiter.TakeOrTell(req.UserID, a.now()); wait > 0 && !tell {
		// Told already: the rest of a flood is dropped, handled, unanswered.
		if _, err := a.cfg.State.MarkHandled(ctx, Platform, mark.EventID); err != nil {
			log.Error("mark event handled", "err", err)
		}
		log.Debug("over the rate again; not answered")
		return
	} else if wait > 0 {
		err = p.respond(ctx, dispatch.Limited(wait))
	} else {
		err = a.cfg.Runtime.Serve(ctx, req, p.respond)
	}
	if err != nil {
		logSendError(log, err)
		return
	}
	log.Debug("event handled", "took", time.Since(began).String(), "waited", began.Sub(eventTime(evt)).String())
}

// responder sends the replies to one request: a slow command's "working on
// it…", then the answer as an edit of that notice.
type responder struct {
	a        *Adapter
	log      *slog.Logger
	d        delivery // d.txn: the event answered
	mark     *talkbot.EventMark
	progress id.EventID
}

func (p *responder) respond(ctx context.Context, r commands.Reply) error {
	// "Working on it…" is not the answer: a slow command cut off by a crash
	// runs again when its event comes back, its change carrying the mark.
	if r.Kind != commands.KindProgress {
		answer, err := p.mark.Seal(func() (bool, error) { return p.a.cfg.State.MarkHandled(ctx, Platform, p.mark.EventID) })
		switch {
		case err != nil:
			// Better to answer twice (should the event come back) than never,
			// as Slack does: the answer may be the apology for this very failure.
			p.log.Error("mark event handled", "err", err)
		case !answer:
			p.log.Debug("duplicate delivery ignored")
			return nil
		}
	}
	if p.d.answered != nil && r.Kind != commands.KindProgress {
		p.d.answered(r)
	}
	d := p.d
	switch {
	case r.Kind == commands.KindProgress:
		d.txn = txnID("progress", p.d.txn)
	case p.progress != "":
		d.replace, d.txn = p.progress, txnID("edit", p.d.txn)
	default:
		d.txn = txnID("reply", p.d.txn)
	}
	first, err := p.a.deliver(ctx, p.log, d, r)
	if r.Kind == commands.KindProgress && err == nil {
		p.progress = first
	}
	return err
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

// request translates a Matrix event into a commands.Request. Admin is the
// room's role only (isAdmin), asked only when a command needs it;
// BOT_ADMINS is the runtime's.
func (a *Adapter) request(ctx context.Context, evt *event.Event, text string) commands.Request {
	room, sender := evt.RoomID, evt.Sender
	shared := !a.private(ctx, room) // Matrix has no ephemeral replies: others in the room read them
	return commands.Request{
		Platform:  talkbot.PlatformMatrix,
		Workspace: sender.Homeserver(),
		UserID:    sender.String(),
		UserName:  a.displayName(ctx, room, sender),
		Text:      text,
		Channel:   room.String(),
		IsAdmin:   func(ctx context.Context) (bool, error) { return a.isAdmin(ctx, room, sender), nil },
		Shared:    shared,
		Overheard: shared, // and the message itself
	}
}

// address is how a message addresses the bot.
type address int

const (
	notAddressed   address = iota
	byPrefix               // "!talk list"
	byName                 // "talkbot: list", "@talkbot list"
	namedInPassing         // "so what should I watch later, talkbot?", with the bot marked as mentioned
)

// commandText returns the command in a message addressed to the bot, and
// how it was addressed: a message starting with !talk, or one that names the
// bot (the name taken out). A name at the start counts when it is an
// @mention or is followed by ':' or ',' ("talkbot: list"), or when the client
// marked the bot as mentioned; a name elsewhere only in the last case. A
// mention a client adds by itself, as to a reply to the bot, without the
// name in the text, does not count.
func commandText(body string, mentioned bool, names []string) (string, address) {
	t := strings.TrimSpace(body)
	if prefixed(t) {
		return t, byPrefix
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
		return strings.TrimSpace(strings.TrimLeft(rest, ":, \t\n")), byName
	}
	if !mentioned {
		return "", notAddressed
	}
	named := false
	for _, n := range names {
		if n != "" && strings.Contains(strings.ToLower(t), strings.ToLower(n)) {
			named = true
			t = replaceFold(t, n, "")
		}
	}
	if !named {
		return "", notAddressed
	}
	return strings.Join(strings.Fields(strings.Trim(t, ":, ")), " "), namedInPassing
}

// prefixed reports whether a message starts with the bot's prefix as Matrix
// bots take commands, with a sigil: !talk (or /talk), as commands.StripPrefix
// reads it. A bare "talk" starts ordinary sentences in a room.
func prefixed(t string) bool {
	return (strings.HasPrefix(t, "!") || strings.HasPrefix(t, "/")) && commands.StripPrefix(t) != t
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
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

// threadOf returns the thread root an event belongs to, "" when none.
func threadOf(rel *event.RelatesTo) id.EventID { return rel.GetThreadParent() }

func directKey(room id.RoomID) string { return "matrix.direct:" + room.String() }

// isDirect reports whether room is a direct chat with the bot: one it was
// invited to as a direct chat, where only the bot and the person it was
// made with are left (not someone invited later, whose chat lines are no
// commands).
func (a *Adapter) isDirect(ctx context.Context, room id.RoomID) bool {
	with, err := a.cfg.State.State(ctx, directKey(room))
	if err != nil {
		return false
	}
	members, err := a.cli.StateStore.GetRoomJoinedOrInvitedMembers(ctx, room)
	if err != nil || len(members) != 2 || !slices.Contains(members, a.cli.UserID) {
		return false
	}
	if with == "1" { // remembered before the bot kept who it is with: the one whose direct chat it is
		for _, m := range members {
			if v, err := a.cfg.State.State(ctx, dmKey(m)); m != a.cli.UserID && err == nil && v == room.String() {
				return true
			}
		}
		return false
	}
	return slices.Contains(members, id.UserID(with))
}

// displayName is the sender's name in the room, their localpart when unset.
func (a *Adapter) displayName(ctx context.Context, room id.RoomID, user id.UserID) string {
	if m, err := a.cli.StateStore.TryGetMember(ctx, room, user); err == nil && m != nil && m.Displayname != "" {
		return m.Displayname
	}
	return user.Localpart()
}

// isAdmin reports whether the room's role makes the user a talkbot admin:
// power level 50 or more, where room moderators count (Config) and the room
// has a joined member besides the user and the bot. The workspace is the
// whole homeserver: a room of one's own with the bot must not make anyone
// its admin.
func (a *Adapter) isAdmin(ctx context.Context, room id.RoomID, user id.UserID) bool {
	if !a.cfg.RoomModeratorsAreAdmins {
		return false
	}
	members, err := a.cli.StateStore.GetAllMembers(ctx, room)
	if err != nil {
		a.log.Warn("read room members", "room_id", room.String(), "err", err)
		return false
	}
	others := 0
	for id, m := range members {
		if m != nil && m.Membership == event.MembershipJoin && id != user && id != a.cli.UserID {
			others++
		}
	}
	if others == 0 {
		return false
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

// unreactionCommand is the command that takes back a reaction's quick
// action: a rating only while it is still that one, so that removing 4️⃣
// after 5️⃣ keeps the 5. ✅ has none: watched leaves the watch-later list,
// which not watching would not put it back on.
func unreactionCommand(key string, talk int64) (string, bool) {
	cmd, ok := reactionCommand(key, talk)
	if !ok {
		return "", false
	}
	verb, rest, _ := strings.Cut(cmd, " ")
	switch verb {
	case "rate":
		return "unrate " + rest, true
	case "star":
		return "unstar " + rest, true
	case "want":
		return "unwant " + rest, true
	}
	return "", false
}

// actedReaction is what the adapter remembers of a reaction it acted on,
// to take it back should its sender remove it.
type actedReaction struct {
	Talk   int64      `json:"talk"`
	Key    string     `json:"key"`
	Sender id.UserID  `json:"sender"`
	Card   id.EventID `json:"card"`
	Thread id.EventID `json:"thread,omitempty"`
}

func reactionKey(evt id.EventID) string { return "matrix.reaction:" + evt.String() }

func (a *Adapter) rememberReaction(ctx context.Context, evt id.EventID, r actedReaction) {
	b, _ := json.Marshal(r)
	if err := a.cfg.State.SetState(ctx, reactionKey(evt), string(b)); err != nil {
		a.log.Warn("remember a reaction", "event_id", evt.String(), "err", err)
	}
}

// actedReaction returns a reaction the adapter acted on; talkbot.ErrNotFound for other events.
func (a *Adapter) actedReaction(ctx context.Context, evt id.EventID) (actedReaction, error) {
	var r actedReaction
	v, err := a.cfg.State.State(ctx, reactionKey(evt))
	if err != nil {
		if !errors.Is(err, talkbot.ErrNotFound) {
			a.log.Warn("look up a reaction", "event_id", evt.String(), "err", err)
		}
		return r, err
	}
	return r, json.Unmarshal([]byte(v), &r)
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
