package matrix_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/adapters/matrix/dendritetest"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

// wait is how long a test waits for something a homeserver round trip away.
const wait = 30 * time.Second

// env is one homeserver with a bot account, a real talkbot database and the
// bot's crypto store: everything a restarted bot needs to be the same bot.
type env struct {
	t        *testing.T
	srv      *dendritetest.Server
	botID    id.UserID
	botPW    string
	store    *store.Store
	router   *commands.Router
	cryptoDB string
	grace    time.Duration // for the runtime's jobs when a bot stops; dispatch's default when 0
	bots     []*bot
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := dendritetest.Start(t)
	botID, botPW := srv.CreateUser(t, "talkbot")
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "talkbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &env{
		t: t, srv: srv, botID: id.UserID(botID), botPW: botPW, store: st,
		router:   commands.New(commands.Config{Store: st, Logger: slog.New(slog.DiscardHandler)}),
		cryptoDB: filepath.Join(dir, "talkbot-crypto.db"),
	}
}

// bot is one run of the adapter, with the runtime it runs on.
type bot struct {
	adapter *matrix.Adapter
	cancel  context.CancelFunc
	done    chan error
	rtDone  chan struct{}
	logs    *logBuffer
	stopped sync.Once
}

// startBot runs a bot over the env, with the real command router; edit
// adjusts its config.
func (e *env) startBot(edit ...func(*matrix.Config)) *bot {
	e.t.Helper()
	return e.startBotWith(e.router, edit...)
}

// startBotWith runs a bot whose runtime serves h, as cmd/bot wires them.
func (e *env) startBotWith(h dispatch.Handler, edit ...func(*matrix.Config)) *bot {
	e.t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rt := dispatch.New(dispatch.Config{Handler: h, Logger: log, Grace: e.grace})
	cfg := matrix.Config{
		Homeserver: e.srv.URL, UserID: e.botID.String(), Password: e.botPW,
		PickleKey: "test pickle key", CryptoDB: e.cryptoDB,
		Runtime: rt, State: e.store, Logger: log,
		RoomModeratorsAreAdmins: true, // as cmd/bot with no BOT_ADMINS
	}
	for _, f := range edit {
		f(&cfg)
	}
	a, err := matrix.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &bot{adapter: a, cancel: cancel, done: make(chan error, 1), rtDone: make(chan struct{}), logs: logs}
	go func() { rt.Run(ctx); close(b.rtDone) }()
	go func() { b.done <- a.Run(ctx) }()
	e.bots = append(e.bots, b)
	e.t.Cleanup(func() {
		b.stop(e.t)
		if e.t.Failed() {
			e.t.Logf("bot log:\n%s", logs.String())
		}
	})
	return b
}

// stop stops the bot and waits until Run has returned.
func (b *bot) stop(t *testing.T) {
	t.Helper()
	b.stopped.Do(func() {
		b.cancel()
		select {
		case err := <-b.done:
			if err != nil {
				t.Errorf("bot Run: %v", err)
			}
		case <-time.After(wait):
			t.Fatalf("bot did not stop within %s", wait)
		}
		select {
		case <-b.rtDone:
		case <-time.After(wait):
			t.Fatalf("the runtime did not stop within %s", wait)
		}
	})
}

// waitLog waits until the bot has logged a line containing s.
func (b *bot) waitLog(t *testing.T, s string) {
	t.Helper()
	poll(t, "bot logs "+s, func() bool { return strings.Contains(b.logs.String(), s) })
}

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// poll waits until cond holds, failing the test after wait.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", wait, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// user is a person on the homeserver with an end-to-end encryption capable
// client that records every message and reaction it sees.
type user struct {
	t      *testing.T
	ID     id.UserID
	cli    *mautrix.Client
	crypto *cryptohelper.CryptoHelper

	mu     sync.Mutex
	events []*event.Event
	seen   atomic.Int64
}

func (e *env) newUser(localpart string) *user {
	e.t.Helper()
	return e.newUserTrusting(localpart, id.TrustStateUnset)
}

// newStrictUser is a person whose client, like Element's by default, shares
// room keys only with devices cross-signed by their owner (and withholds
// them from others with m.unverified).
func (e *env) newStrictUser(localpart string) *user {
	e.t.Helper()
	return e.newUserTrusting(localpart, id.TrustStateCrossSignedTOFU)
}

func (e *env) newUserTrusting(localpart string, minTrust id.TrustState) *user {
	t := e.t
	t.Helper()
	uid, pw := e.srv.CreateUser(t, localpart)
	cli, helper := e.login(localpart, pw)
	helper.Machine().SendKeysMinTrust = minTrust
	helper.Machine().ShareKeysMinTrust = max(minTrust, helper.Machine().ShareKeysMinTrust)
	ctx := context.Background()
	u := &user{t: t, ID: id.UserID(uid), cli: cli, crypto: helper}
	s := cli.Syncer.(mautrix.ExtensibleSyncer)
	record := func(_ context.Context, evt *event.Event) {
		u.mu.Lock()
		u.events = append(u.events, evt)
		u.mu.Unlock()
		u.seen.Add(1)
	}
	s.OnEventType(event.EventMessage, record)
	s.OnEventType(event.EventReaction, record)
	syncCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cli.SyncWithContext(syncCtx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = helper.Close()
	})
	return u
}

// botTrust is how much this user's client trusts a device of the bot's,
// from what the client has learnt by itself (no key query is forced).
func (u *user) botTrust(bot id.UserID, device id.DeviceID) id.TrustState {
	ctx := context.Background()
	mach := u.crypto.Machine()
	d, err := mach.CryptoStore.GetDevice(ctx, bot, device)
	if err != nil || d == nil {
		return id.TrustStateUnset
	}
	trust, _ := mach.ResolveTrustContext(ctx, d)
	return trust
}

// waitTrusts waits until this user's client sees the bot's device as
// cross-signed by the bot's master key: no red shield on its messages.
func (u *user) waitTrusts(bot id.UserID, device id.DeviceID) {
	u.t.Helper()
	poll(u.t, u.ID.String()+" trusts "+bot.String()+"'s device "+device.String(), func() bool {
		return u.botTrust(bot, device) >= id.TrustStateCrossSignedTOFU
	})
}

// fromBot returns the messages from the bot this user has seen in room.
func (u *user) fromBot(room id.RoomID, bot id.UserID) []*event.Event {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []*event.Event
	for _, e := range u.events {
		if e.RoomID == room && e.Sender == bot && e.Type == event.EventMessage {
			out = append(out, e)
		}
	}
	return out
}

// botDevice is the device the bot last started with.
func (e *env) botDevice() id.DeviceID {
	e.t.Helper()
	dev, err := e.store.State(context.Background(), "matrix.device_id:"+e.botID.String())
	if err != nil {
		e.t.Fatalf("the bot's device id: %v", err)
	}
	return id.DeviceID(dev)
}

// login signs in as localpart with a new device and an end-to-end
// encryption capable client, closed by Cleanup.
func (e *env) login(localpart, password string) (*mautrix.Client, *cryptohelper.CryptoHelper) {
	t := e.t
	t.Helper()
	cli, err := mautrix.NewClient(e.srv.URL, "", "")
	if err != nil {
		t.Fatal(err)
	}
	cli.Syncer = quickRetrySyncer{mautrix.NewDefaultSyncer()}
	ctx := context.Background()
	if _, err := cli.Login(ctx, &mautrix.ReqLogin{
		Type: mautrix.AuthTypePassword, Password: password, StoreCredentials: true,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: localpart},
	}); err != nil {
		t.Fatalf("login %s: %v", localpart, err)
	}
	helper, err := cryptohelper.NewCryptoHelper(cli, []byte("pickle "+localpart), filepath.Join(t.TempDir(), localpart+"-crypto.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Init(ctx); err != nil {
		t.Fatalf("crypto for %s: %v", localpart, err)
	}
	cli.Crypto = helper
	return cli, helper
}

// accessToken logs the bot in once more and returns the new device's
// token, as an operator making MATRIX_ACCESS_TOKEN would.
func (e *env) accessToken() string {
	e.t.Helper()
	cli, err := mautrix.NewClient(e.srv.URL, "", "")
	if err != nil {
		e.t.Fatal(err)
	}
	login, err := cli.Login(context.Background(), &mautrix.ReqLogin{
		Type: mautrix.AuthTypePassword, Password: e.botPW,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: e.botID.Localpart()},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return login.AccessToken
}

// createRoom creates a private room, encrypted or not, inviting others.
func (u *user) createRoom(encrypted bool, invite ...id.UserID) id.RoomID {
	u.t.Helper()
	req := &mautrix.ReqCreateRoom{Preset: "private_chat", Invite: invite, Name: "talks"}
	if encrypted {
		req.InitialState = []*event.Event{{
			Type:    event.StateEncryption,
			Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}},
		}}
	}
	resp, err := u.cli.CreateRoom(context.Background(), req)
	if err != nil {
		u.t.Fatalf("create room: %v", err)
	}
	if encrypted {
		poll(u.t, u.ID.String()+" sees the room encrypted", func() bool {
			ok, _ := u.cli.StateStore.IsEncrypted(context.Background(), resp.RoomID)
			return ok
		})
	}
	return resp.RoomID
}

func (u *user) invite(room id.RoomID, who id.UserID) error {
	_, err := u.cli.InviteUser(context.Background(), room, &mautrix.ReqInviteUser{UserID: who})
	return err
}

func (u *user) join(room id.RoomID) {
	u.t.Helper()
	if _, err := u.cli.JoinRoomByID(context.Background(), room); err != nil {
		u.t.Fatalf("%s join: %v", u.ID, err)
	}
}

// waitMember waits until this user's client sees who with membership m in room.
func (u *user) waitMember(room id.RoomID, who id.UserID, m event.Membership) {
	u.t.Helper()
	poll(u.t, u.ID.String()+" sees "+who.String()+" "+string(m), func() bool {
		return u.cli.StateStore.IsMembership(context.Background(), room, who, m)
	})
}

// send sends a text message and returns its id.
func (u *user) send(room id.RoomID, content *event.MessageEventContent) id.EventID {
	u.t.Helper()
	if content.MsgType == "" {
		content.MsgType = event.MsgText
	}
	resp, err := u.cli.SendMessageEvent(context.Background(), room, event.EventMessage, content)
	if err != nil {
		u.t.Fatalf("send: %v", err)
	}
	return resp.EventID
}

func (u *user) say(room id.RoomID, text string) id.EventID {
	u.t.Helper()
	return u.send(room, &event.MessageEventContent{Body: text})
}

func (u *user) react(room id.RoomID, target id.EventID, key string) id.EventID {
	u.t.Helper()
	resp, err := u.cli.SendReaction(context.Background(), room, target, key)
	if err != nil {
		u.t.Fatalf("react: %v", err)
	}
	return resp.EventID
}

// repliesTo returns the events this user has seen that reply to evt.
func (u *user) repliesTo(evt id.EventID) []*event.Event {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []*event.Event
	for _, e := range u.events {
		if e.Type != event.EventMessage {
			continue
		}
		if m := e.Content.AsMessage(); m.RelatesTo.GetReplyTo() == evt {
			out = append(out, e)
		}
	}
	return out
}

// editsOf returns the edits this user has seen of evt.
func (u *user) editsOf(evt id.EventID) []*event.Event {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []*event.Event
	for _, e := range u.events {
		if e.Type == event.EventMessage && e.Content.AsMessage().RelatesTo.GetReplaceID() == evt {
			out = append(out, e)
		}
	}
	return out
}

// reply waits for the one reply to evt and returns it.
func (u *user) reply(evt id.EventID) *event.Event {
	u.t.Helper()
	poll(u.t, "a reply to "+evt.String(), func() bool { return len(u.repliesTo(evt)) > 0 })
	r := u.repliesTo(evt)
	if len(r) != 1 {
		u.t.Fatalf("%d replies to %s, want 1", len(r), evt)
	}
	return r[0]
}

// ask sends a command and returns the bot's reply content.
func (u *user) ask(room id.RoomID, text string) (id.EventID, *event.MessageEventContent) {
	u.t.Helper()
	evt := u.say(room, text)
	return evt, u.reply(evt).Content.AsMessage()
}

// botInRoom sets up a room with the bot joined, as seen by u.
func (e *env) botInRoom(u *user, encrypted bool) id.RoomID {
	e.t.Helper()
	room := u.createRoom(encrypted, e.botID)
	u.waitMember(room, e.botID, event.MembershipJoin)
	return room
}

// sharedRoom sets up a room of u and other with the bot joined (u made it).
func (e *env) sharedRoom(u, other *user) id.RoomID {
	e.t.Helper()
	room := e.botInRoom(u, false)
	if err := u.invite(room, other.ID); err != nil {
		e.t.Fatal(err)
	}
	other.waitMember(room, other.ID, event.MembershipInvite)
	other.join(room)
	return room
}

// quickRetrySyncer retries a failed sync after 100ms, not mautrix's 10s.
type quickRetrySyncer struct{ *mautrix.DefaultSyncer }

func (quickRetrySyncer) OnFailedSync(*mautrix.RespSync, error) (time.Duration, error) {
	return 100 * time.Millisecond, nil
}

// extraCommands is the command router with a few more commands whose facts
// and behaviour the test chooses: a slow one, one that panics.
type extraCommands struct {
	router *commands.Router
	extra  map[string]commands.Command
	run    func(ctx context.Context, req commands.Request) commands.Reply
}

func (h extraCommands) word(text string) string {
	w, _, _ := strings.Cut(commands.StripPrefix(text), " ")
	return strings.ToLower(w)
}

func (h extraCommands) Lookup(text string) (commands.Command, bool) {
	if c, ok := h.extra[h.word(text)]; ok {
		return c, true
	}
	return h.router.Lookup(text)
}

func (h extraCommands) Handle(ctx context.Context, req commands.Request) commands.Reply {
	if c, ok := h.extra[h.word(req.Text)]; ok {
		r := h.run(ctx, req)
		r.Command = c.Name
		return r
	}
	return h.router.Handle(ctx, req)
}

// say is a reply of one paragraph.
func say(s string) commands.Reply {
	return commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: s}}}}}
}
