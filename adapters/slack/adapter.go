// Package slack is talkbot's Slack adapter. It takes the /talk slash command,
// mentions, direct messages, buttons, modals, the App Home and a message
// shortcut, over Socket Mode or HTTP (the Events API and interactivity on one
// signed endpoint), turns each into a commands.Request, and renders the
// neutral commands.Reply as Block Kit. Slack is always acknowledged at once;
// the commands run in a bounded pool of workers and answer through
// response_url or the Web API.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Handler runs one command; *commands.Router is one.
type Handler interface {
	Handle(ctx context.Context, req commands.Request) commands.Reply
}

// EventLog remembers which Slack deliveries were handled, across restarts;
// *store.Store is one.
type EventLog interface {
	MarkHandled(ctx context.Context, platform, eventID string) (first bool, err error)
	ForgetHandledBefore(ctx context.Context, t time.Time) error
}

// WebAPI is the part of Slack's Web API the adapter calls; *slack.Client is one.
type WebAPI interface {
	AuthTestContext(ctx context.Context) (*slackgo.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slackgo.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slackgo.MsgOption) (string, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slackgo.GetUserInfoOption) (*slackgo.User, error)
	OpenViewContext(ctx context.Context, triggerID string, view slackgo.ModalViewRequest) (*slackgo.ViewResponse, error)
	PublishViewContext(ctx context.Context, req slackgo.PublishViewContextRequest) (*slackgo.ViewResponse, error)
}

// Config configures an Adapter. Socket Mode runs when AppToken is set, HTTP
// mode when SigningSecret is; both may run at once.
type Config struct {
	BotToken      string   // xoxb-…
	AppToken      string   // xapp-…: Socket Mode
	SigningSecret string   // HTTP mode: verifies every request to /slack/events
	APIURL        string   // the Web API base URL; Slack's when empty
	Addr          string   // where HTTP mode listens, e.g. ":8080"
	Admins        []string // Slack user ids that are admins whatever Slack says (BOT_ADMINS)

	Handler Handler
	Events  EventLog
	Logger  *slog.Logger // slog.Default() when nil

	// Listener, when set, serves HTTP mode instead of listening on Addr.
	Listener net.Listener
	// API replaces the slack-go client (tests).
	API WebAPI
	// HTTPClient posts to response_url; a client with a 15s timeout when nil.
	HTTPClient *http.Client

	Workers         int           // commands run at once (slow ones included); 16 when 0
	Queue           int           // commands waiting; 1000 when 0
	MaxBody         int64         // largest request body; 1 MiB when 0
	ChannelInterval time.Duration // least time between posts to one channel; 1s when 0
	HomeInterval    time.Duration // least time between App Home refreshes of one user; 10s when 0, none when negative
	UserCacheTTL    time.Duration // how long users.info answers are kept; 10 minutes when 0

	Now   func() time.Time                                 // the clock; time.Now when nil
	Sleep func(ctx context.Context, d time.Duration) error // waits; a timer when nil (tests record waits instead)
}

// Adapter connects talkbot to one Slack app.
type Adapter struct {
	handler       Handler
	events        EventLog
	log           *slog.Logger
	api           WebAPI
	socket        *socketmode.Client // nil without Socket Mode
	acker         acker              // acknowledges Socket Mode requests; socket when nil
	httpClient    *http.Client
	signingSecret string
	addr          string
	listener      net.Listener
	admins        map[string]bool
	maxBody       int64
	homeInterval  time.Duration
	now           func() time.Time
	sleep         func(ctx context.Context, d time.Duration) error

	pool     *pool
	triggers *ttlSet // trigger ids seen, so a repeated one does nothing twice
	replays  *ttlSet // request signatures seen, so a replayed request is refused
	users    *userCache
	pacer    *pacer
	homes    *homeTracker

	mu        sync.Mutex
	botUserID string
	botID     string
}

// New returns an Adapter; Run starts it.
func New(cfg Config) (*Adapter, error) {
	if cfg.Handler == nil || cfg.Events == nil {
		return nil, errors.New("slack: Handler and Events are required")
	}
	if cfg.API == nil && cfg.BotToken == "" {
		return nil, errors.New("slack: a bot token is required")
	}
	a := &Adapter{
		handler:       cfg.Handler,
		events:        cfg.Events,
		log:           cfg.Logger,
		api:           cfg.API,
		httpClient:    cfg.HTTPClient,
		signingSecret: cfg.SigningSecret,
		addr:          cfg.Addr,
		listener:      cfg.Listener,
		admins:        map[string]bool{},
		maxBody:       cfg.MaxBody,
		homeInterval:  cfg.HomeInterval,
		now:           cfg.Now,
		sleep:         cfg.Sleep,
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With("adapter", "slack")
	if a.now == nil {
		a.now = time.Now
	}
	if a.sleep == nil {
		a.sleep = sleepContext
	}
	if a.httpClient == nil {
		a.httpClient = &http.Client{Timeout: 15 * time.Second}
	}
	if a.maxBody <= 0 {
		a.maxBody = 1 << 20
	}
	if a.homeInterval == 0 {
		a.homeInterval = 10 * time.Second
	}
	for _, id := range cfg.Admins {
		a.admins[strings.TrimSpace(id)] = true
	}
	var client *slackgo.Client
	if cfg.API == nil || cfg.AppToken != "" {
		opts := []slackgo.Option{slackgo.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug))}
		if cfg.APIURL != "" {
			opts = append(opts, slackgo.OptionAPIURL(strings.TrimSuffix(cfg.APIURL, "/")+"/"))
		}
		if cfg.AppToken != "" {
			opts = append(opts, slackgo.OptionAppLevelToken(cfg.AppToken))
		}
		client = slackgo.New(cfg.BotToken, opts...)
	}
	if a.api == nil {
		a.api = client
	}
	if cfg.AppToken != "" {
		a.socket = socketmode.New(client, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	}
	workers, queue := cfg.Workers, cfg.Queue
	if workers <= 0 {
		workers = 16
	}
	if queue <= 0 {
		queue = 1000
	}
	a.pool = newPool(workers, queue, a.log)
	a.triggers = newTTLSet(10*time.Minute, 200_000)
	a.replays = newTTLSet(6*time.Minute, 500_000)
	ttl := cfg.UserCacheTTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	a.users = &userCache{ttl: ttl, m: map[string]userInfo{}}
	every := cfg.ChannelInterval
	if every <= 0 {
		every = time.Second
	}
	a.pacer = &pacer{every: every, next: map[string]time.Time{}}
	a.homes = &homeTracker{m: map[string]*homeState{}}
	return a, nil
}

// Run connects to Slack and answers until ctx is done: HTTP mode when a
// signing secret is configured, Socket Mode when an app token is. Commands
// still queued when ctx ends get a short grace period to finish.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.identify(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	poolDone := make(chan struct{})
	go func() {
		defer close(poolDone)
		a.pool.run(ctx)
	}()
	var bg sync.WaitGroup
	defer bg.Wait()
	bg.Go(func() { a.forgetOldEvents(ctx) })

	errc := make(chan error, 2)
	n := 0
	if a.signingSecret != "" {
		n++
		go func() { errc <- a.serveHTTP(ctx) }()
	}
	if a.socket != nil {
		n++
		go func() { errc <- a.runSocket(ctx) }()
	}
	var err error
	if n == 0 {
		<-ctx.Done()
	}
	for range n {
		if e := <-errc; e != nil && err == nil {
			err = e
			cancel()
		}
	}
	cancel()
	<-poolDone
	return err
}

// identify asks Slack who the bot is, to recognise its own messages and mentions.
func (a *Adapter) identify(ctx context.Context) error {
	var res *slackgo.AuthTestResponse
	err := a.retry(ctx, "auth.test", func(ctx context.Context) error {
		var err error
		res, err = a.api.AuthTestContext(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("slack auth.test (check SLACK_BOT_TOKEN): %w", err)
	}
	a.mu.Lock()
	a.botUserID, a.botID = res.UserID, res.BotID
	a.mu.Unlock()
	a.log.InfoContext(ctx, "connected to slack", "team_id", res.TeamID, "bot_user_id", res.UserID)
	return nil
}

func (a *Adapter) bot() (userID, botID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botUserID, a.botID
}

// forgetOldEvents keeps the handled-events table small: redeliveries come
// within minutes, so a day is plenty.
func (a *Adapter) forgetOldEvents(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.events.ForgetHandledBefore(ctx, a.now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			a.log.WarnContext(ctx, "forget handled events", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// firstTime records a delivery and reports whether it is new.
func (a *Adapter) firstTime(ctx context.Context, key string) bool {
	first, err := a.events.MarkHandled(ctx, talkbot.PlatformSlack, key)
	if err != nil {
		// Better to answer twice than never.
		a.log.ErrorContext(ctx, "mark handled", "event_id", key, "err", err)
		return true
	}
	if !first {
		a.log.DebugContext(ctx, "duplicate delivery ignored", "event_id", key)
	}
	return first
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// waitIdle waits until no command is queued or running (tests).
func (a *Adapter) waitIdle(ctx context.Context) error { return a.pool.waitIdle(ctx) }
