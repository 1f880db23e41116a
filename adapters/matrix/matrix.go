// Package matrix is talkbot's Matrix adapter. It syncs with a homeserver
// through mautrix, turns `!talk` messages, mentions of the bot and reactions
// on its talk replies into commands.Requests served by the runtime (one job
// per event, in order within a room), and renders each commands.Reply as
// m.notice events (sanitised HTML plus a plain body) and m.file uploads, in
// reply to the command or posted unprompted to a room or a person's direct
// chat. It works in end-to-end encrypted rooms too: it cross-signs its own
// device, so that clients which talk only to devices verified by their owner
// (Element) share keys with it, and it never answers an encrypted room in
// plaintext. It owns the Matrix etiquette: auto-join on allowed invites,
// leaving empty rooms, never answering its own messages, edits, notices or
// history from before it joined, and never answering twice.
package matrix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

// Platform is the name this adapter gives handled events in the State.
const Platform = talkbot.PlatformMatrix

// Runtime runs the adapter's jobs and serves its requests; *dispatch.Runtime is one.
type Runtime interface {
	SubmitWait(ctx context.Context, j dispatch.Job, d time.Duration) bool
	Serve(ctx context.Context, req commands.Request, respond dispatch.Respond) error
	Lookup(text string) (commands.Command, bool)
}

// State is what the adapter keeps in talkbot's database across restarts: the
// sync position, the device id, which bot reply showed which talk, the direct
// chats with each person, the cross-signing keys and the ids of handled
// events. *store.Store is one.
type State interface {
	MarkHandled(ctx context.Context, platform, eventID string) (first bool, err error)
	Handled(ctx context.Context, platform, eventID string) (bool, error)
	State(ctx context.Context, key string) (string, error) // talkbot.ErrNotFound when unset
	SetState(ctx context.Context, key, value string) error
}

// handledForgetter is an optional capability of a State: dropping old
// handled-event records so the table stays small.
type handledForgetter interface {
	ForgetHandledBefore(ctx context.Context, t time.Time) error
}

// Config configures an Adapter.
type Config struct {
	Homeserver  string // base URL, e.g. https://matrix.example.org
	UserID      string // the bot's full id, e.g. @talkbot:example.org
	Password    string // password login (the device id is kept across restarts)...
	AccessToken string // ...or an access token
	PickleKey   string // encrypts the end-to-end encryption store and the copy of the cross-signing keys in State
	CryptoDB    string // SQLite file of the end-to-end encryption store

	// RecoveryKey opens the account's secret storage, where the private
	// cross-signing keys are kept on the homeserver: the way to sign a new
	// device when State has no copy of them (a new database, or keys made
	// by Element). Optional; when set on first start it protects new keys.
	RecoveryKey string
	// RecoveryKeyFile is where a recovery key made for new cross-signing
	// keys is written (mode 0600) for the operator to keep; zero means
	// next to CryptoDB.
	RecoveryKeyFile string
	// ResetCrossSigning allows replacing the account's cross-signing keys
	// when the bot cannot reach them (no copy, no RecoveryKey); it needs the
	// password, and people who verified the bot see its identity change.
	ResetCrossSigning bool

	// AllowedInviters are servers ("example.org") or user ids
	// ("@alice:example.org") whose invites the bot accepts; empty means the
	// bot's own server.
	AllowedInviters []string

	// RoomModeratorsAreAdmins makes a room's moderators (power level 50 or
	// more) talkbot admins while they type in a room they share with
	// someone besides the bot. A room's creator has power level 100, so
	// anyone who can make a room could be one: cmd/bot sets this only when
	// BOT_ADMINS names nobody. Off, only BOT_ADMINS are admins.
	RoomModeratorsAreAdmins bool

	Runtime Runtime
	State   State
	// Limiter bounds each user's commands; nil means
	// dispatch.NewLimiter(30, 500*time.Millisecond): 30 at once, then one
	// every half second.
	Limiter *dispatch.Limiter
	Logger  *slog.Logger     // slog.Default() when nil
	Now     func() time.Time // time.Now when nil

	// MaxAge bounds how old a command may be and still be answered, for
	// commands sent while the bot was down; zero means one hour.
	MaxAge time.Duration
	// DeviceName is shown in users' device lists; zero means "talkbot".
	DeviceName string

	// Observer is told about requests to the homeserver, rate limits and
	// reconnects; none when nil.
	Observer Observer
}

// Adapter is a running Matrix bot. Create it with New and start it with Run,
// once; to restart, create a new Adapter over the same State and CryptoDB.
// Post may be called from any goroutine while it runs.
type Adapter struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	maxAge  time.Duration
	limiter *dispatch.Limiter
	obs     Observer

	connected atomic.Bool // logged in, and the last sync succeeded

	cli     *mautrix.Client
	crypto  *cryptohelper.CryptoHelper
	sync    *syncStore
	work    *work
	ready   chan struct{} // closed once Run has logged in and set up encryption
	stopped chan struct{} // closed when Run returns
	names   []string      // how users address the bot: its id, @localpart, localpart, display name
	dmMu    sync.Mutex    // one direct chat is created with a person at a time

	mu          sync.Mutex
	joinedAt    map[id.RoomID]time.Time  // when the bot last joined each room
	edited      map[id.EventID]id.UserID // messages their senders edited (m.replace), and by whom
	stateRead   map[id.RoomID]bool       // rooms whose state was read from the homeserver in this run
	undecrypted map[string]int64         // messages not decrypted, by cause
	crossSigned bool                     // the device was cross-signed at start-up
}

// New checks the configuration and returns an Adapter; nothing touches the
// network until Run.
func New(cfg Config) (*Adapter, error) {
	var errs []error
	if u, err := url.Parse(cfg.Homeserver); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("homeserver must be an http(s) URL"))
	}
	if cfg.AccessToken == "" {
		if _, _, err := id.UserID(cfg.UserID).Parse(); err != nil || !strings.HasPrefix(cfg.UserID, "@") {
			errs = append(errs, errors.New("user must be a full Matrix id like @talkbot:example.org"))
		}
		if cfg.Password == "" {
			errs = append(errs, errors.New("a password or an access token is needed"))
		}
	}
	if cfg.PickleKey == "" {
		errs = append(errs, errors.New("a pickle key is needed: it encrypts the end-to-end encryption store"))
	}
	if cfg.CryptoDB == "" {
		errs = append(errs, errors.New("a crypto database file is needed"))
	}
	if cfg.Runtime == nil || cfg.State == nil {
		errs = append(errs, errors.New("a runtime and a state store are needed"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("matrix config: %w", err)
	}
	if cfg.RecoveryKey != "" && !ValidRecoveryKey(cfg.RecoveryKey) {
		return nil, errors.New("matrix config: the recovery key is not a valid Matrix recovery key (48 characters, in groups of four)")
	}
	a := &Adapter{cfg: cfg, log: cfg.Logger, now: cfg.Now, maxAge: cfg.MaxAge, limiter: cfg.Limiter, obs: cfg.Observer,
		work: newWork(), ready: make(chan struct{}), stopped: make(chan struct{}),
		joinedAt: map[id.RoomID]time.Time{}, edited: map[id.EventID]id.UserID{}, stateRead: map[id.RoomID]bool{}, undecrypted: map[string]int64{}}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With("adapter", "matrix")
	if a.limiter == nil {
		a.limiter = dispatch.NewLimiter(30, 500*time.Millisecond)
	}
	if a.obs == nil {
		a.obs = nopObserver{}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.maxAge <= 0 {
		a.maxAge = time.Hour
	}
	if a.cfg.DeviceName == "" {
		a.cfg.DeviceName = "talkbot"
	}
	if a.cfg.RecoveryKeyFile == "" {
		a.cfg.RecoveryKeyFile = strings.TrimSuffix(a.cfg.CryptoDB, ".db") + "-recovery-key.txt"
	}
	return a, nil
}

// Run logs in, sets up end-to-end encryption and syncs until ctx is done.
// Each event is a job on the runtime, never handled on the sync loop; on
// shutdown the jobs and posts under way finish (for up to drainTimeout; the
// runtime must still be running) and the sync position is saved only past
// events that were fully handled.
func (a *Adapter) Run(ctx context.Context) error {
	if a.cli != nil {
		return errors.New("matrix: Run called twice; create a new Adapter to restart")
	}
	defer close(a.stopped)
	cli, err := mautrix.NewClient(a.cfg.Homeserver, id.UserID(a.cfg.UserID), a.cfg.AccessToken)
	if err != nil {
		return fmt.Errorf("matrix client: %w", err)
	}
	a.cli = cli
	cli.Client = &http.Client{Timeout: cli.Client.Timeout, Transport: homeserverTransport()}
	cli.Log = zerologFor(a.log)
	cli.UserAgent = "talkbot (" + mautrix.DefaultUserAgent + ")"
	cli.IgnoreRateLimit = true // M_LIMIT_EXCEEDED is retried by retryLimited, after retry_after_ms
	cli.DefaultHTTPRetries = 2 // network and gateway errors
	cli.DefaultHTTPBackoff = 500 * time.Millisecond
	cli.ResponseHook = a.observeRequests

	syncer := newSyncer(a)
	cli.Syncer = syncer

	unlock, err := lockStore(a.cfg.CryptoDB + ".lock")
	if errors.Is(err, errStoreInUse) {
		return fmt.Errorf("matrix: another talkbot is running with MATRIX_CRYPTO_DB %s: stop it first (two bots on one device log each other out)", a.cfg.CryptoDB)
	}
	if err != nil {
		return fmt.Errorf("matrix: %w", err)
	}
	defer unlock()

	if err := a.connect(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped before the homeserver answered
		}
		return err
	}
	defer func() {
		if err := a.crypto.Close(); err != nil {
			a.log.Warn("close crypto store", "err", err)
		}
	}()
	crossSigned, err := a.crossSign(ctx)
	if err != nil {
		a.log.Warn("the bot's device is not cross-signed, so Element users who exclude devices not verified by their owner (the default) "+
			"get no replies, and others see its replies as not verified: "+err.Error(), "device_id", cli.DeviceID.String())
	}
	a.mu.Lock()
	a.crossSigned = crossSigned
	a.mu.Unlock()
	a.names = a.addressedAs(ctx)
	a.forgetOldHandled(ctx)
	a.work.start()
	close(a.ready)
	a.log.Info("matrix bot started", "user_id", cli.UserID.String(), "device_id", cli.DeviceID.String(),
		"cross_signed", crossSigned, "homeserver", a.cfg.Homeserver)
	if a.cfg.RoomModeratorsAreAdmins {
		a.log.Warn("BOT_ADMINS names no Matrix user: whoever has power level 50 in a room shared with the bot and one more person is a talkbot admin for the whole server; name the admins in BOT_ADMINS")
	}

	err = a.syncLoop(ctx, syncer)
	a.connected.Store(false)
	if !a.work.stop(drainTimeout) {
		a.log.Warn("jobs still running at shutdown", "waited", drainTimeout.String())
	}
	a.sync.flush(context.WithoutCancel(ctx))
	a.log.Info("matrix bot stopped")
	return err
}

// drainTimeout is how long jobs and posts under way may take to finish on
// shutdown: longer than the runtime's grace for queued jobs.
const drainTimeout = 15 * time.Second

// syncLoop runs mautrix's sync until ctx is done, restarting it after errors
// that stop it (a panic in a listener is already recovered by the syncer).
func (a *Adapter) syncLoop(ctx context.Context, s *syncer) error {
	for {
		err := a.cli.SyncWithContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, mautrix.MUnknownToken) {
			return fmt.Errorf("matrix: the homeserver no longer accepts the bot's login: %w", err)
		}
		a.connected.Store(false)
		wait := s.backoff.next(err)
		a.log.Error("sync stopped; restarting", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// forgetOldHandled drops handled-event records far older than any event a
// sync can redeliver, when the State supports it, now and once a day.
func (a *Adapter) forgetOldHandled(ctx context.Context) {
	f, ok := a.cfg.State.(handledForgetter)
	if !ok {
		return
	}
	forget := func() {
		if err := f.ForgetHandledBefore(ctx, a.now().Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
			a.log.Warn("forget old handled events", "err", err)
		}
	}
	forget()
	go func() {
		t := time.NewTicker(24 * time.Hour)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				forget()
			}
		}
	}()
}

// addressedAs lists the names a message may start with to address the bot.
func (a *Adapter) addressedAs(ctx context.Context) []string {
	me := a.cli.UserID
	names := []string{me.String(), "@" + me.Localpart(), me.Localpart()}
	if resp, err := a.cli.GetOwnDisplayName(ctx); err == nil && resp.DisplayName != "" {
		names = append(names, resp.DisplayName)
	}
	return names
}

// joined records that the bot joined room at t.
func (a *Adapter) joined(room id.RoomID, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t.After(a.joinedAt[room]) {
		a.joinedAt[room] = t
	}
}

// noteEdit remembers that editor edited the message target.
func (a *Adapter) noteEdit(target id.EventID, editor id.UserID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.edited) > 10_000 { // commands are answered in seconds: old edits no longer matter
		clear(a.edited)
	}
	a.edited[target] = editor
}

// editedBySender reports whether evt's sender has edited it.
func (a *Adapter) editedBySender(evt *event.Event) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	editor, ok := a.edited[evt.ID]
	return ok && editor == evt.Sender
}

// beforeJoin reports whether an event at t predates the bot's last join of room.
func (a *Adapter) beforeJoin(room id.RoomID, t time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	j, ok := a.joinedAt[room]
	return ok && t.Before(j)
}

// eventTime is when the event was sent, by the sender's server clock.
func eventTime(evt *event.Event) time.Time { return time.UnixMilli(evt.Timestamp) }

// maxIdleHomeserverConns is how many connections to the homeserver stay
// open between requests: one for each reply the runtime's workers (16 by
// default) may be sending at once, the sync's and some to spare.
const maxIdleHomeserverConns = 32

// homeserverTransport is http.DefaultTransport keeping
// maxIdleHomeserverConns idle connections a host instead of its two: with
// replies going out in more rooms at once than that, each closed one
// connection and opened another, a TLS handshake with the homeserver.
func homeserverTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = maxIdleHomeserverConns
	return t
}
