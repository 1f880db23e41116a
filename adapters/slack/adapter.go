// Package slack is talkbot's Slack adapter. It takes the /talk slash command,
// mentions, direct messages, buttons, modals, the App Home and a message
// shortcut, over Socket Mode or HTTP (the Events API and interactivity on one
// signed endpoint, mounted on the operator server), turns each into a
// commands.Request for the runtime, and renders the commands.Reply document
// as Block Kit. Slack is always acknowledged at once; the work runs as jobs of
// the shared runtime and answers through response_url or the Web API.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

// Runtime queues jobs and serves requests through the middleware;
// *dispatch.Runtime is one.
type Runtime interface {
	Submit(j dispatch.Job) bool
	SubmitWait(ctx context.Context, j dispatch.Job, d time.Duration) bool
	Serve(ctx context.Context, req commands.Request, respond dispatch.Respond) error
	Lookup(text string) (commands.Command, bool)
}

// inbox is an optional capability of an EventLog (*store.Store has it):
// keeping each Events API callback before Slack is told it arrived, for
// those a crash cuts off to be replayed at the next start. Slack never
// delivers an acknowledged callback again.
type inbox interface {
	KeepEvent(ctx context.Context, platform, eventID string, body []byte) error
	KeptEvents(ctx context.Context, platform string, since, before time.Time) ([][]byte, error)
	ForgetKeptBefore(ctx context.Context, t time.Time) error
}

// maxReplayAge is how old a kept callback may be and still be answered
// after a restart, as Matrix answers commands up to an hour old.
const maxReplayAge = time.Hour

// replayKept runs the callbacks kept before a crash that were never
// handled; their marks drop any that were, after all.
func (a *Adapter) replayKept(ctx context.Context) {
	in, ok := a.events.(inbox)
	if !ok {
		return
	}
	// Only those kept before this adapter was made: one it keeps since is
	// queued in this run, and would run twice.
	bodies, err := in.KeptEvents(ctx, talkbot.PlatformSlack, a.now().Add(-maxReplayAge), a.created)
	if err != nil {
		a.log.WarnContext(ctx, "read the events kept before a restart; those a crash cut off go unanswered", "err", err)
		return
	}
	if len(bodies) > 0 {
		a.log.InfoContext(ctx, "handling the events a restart cut off", "events", len(bodies))
	}
	for _, b := range bodies {
		ev, err := slackevents.ParseEvent(b, slackevents.OptionNoVerifyToken())
		if err != nil {
			continue
		}
		a.onEvent(ev, nil) // kept already
	}
}

// EventLog remembers which Events API deliveries were handled, across
// restarts; *store.Store is one.
type EventLog interface {
	MarkHandled(ctx context.Context, platform, eventID string) (first bool, err error)
	Handled(ctx context.Context, platform, eventID string) (bool, error)
	ForgetHandledBefore(ctx context.Context, t time.Time) error
}

// WebAPI is the part of Slack's Web API the adapter calls; *slack.Client is one.
type WebAPI interface {
	AuthTestContext(ctx context.Context) (*slackgo.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slackgo.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slackgo.MsgOption) (string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slackgo.MsgOption) (string, string, string, error)
	OpenConversationContext(ctx context.Context, params *slackgo.OpenConversationParameters) (*slackgo.Channel, bool, bool, error)
	UploadFileContext(ctx context.Context, params slackgo.UploadFileParameters) (*slackgo.FileSummary, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slackgo.GetUserInfoOption) (*slackgo.User, error)
	OpenViewContext(ctx context.Context, triggerID string, view slackgo.ModalViewRequest) (*slackgo.ViewResponse, error)
	PublishViewContext(ctx context.Context, req slackgo.PublishViewContextRequest) (*slackgo.ViewResponse, error)
}

// Config configures an Adapter. Socket Mode runs when AppToken is set; HTTP
// mode when SigningSecret is, with HTTPHandler mounted at EventsPath on the
// operator server. Both may run at once.
type Config struct {
	BotToken      string // xoxb-…
	AppToken      string // xapp-…: Socket Mode
	SigningSecret string // HTTP mode: verifies every request to /slack/events
	APIURL        string // the Web API base URL; Slack's when empty

	Runtime Runtime  // runs the commands; required
	Events  EventLog // required
	Logger  *slog.Logger
	// Limiter bounds each user's commands; 30 at once, then one every half
	// second, when nil.
	Limiter *dispatch.Limiter

	// Observer is told about Web API calls, rate limits and reconnects; none when nil.
	Observer Observer

	// API replaces the slack-go client (tests).
	API WebAPI
	// HTTPClient posts to response_url; when nil, a client with a 15s
	// timeout that keeps a connection open for each reply posted at once.
	HTTPClient *http.Client

	MaxBody         int64         // largest request body; 1 MiB when 0
	ChannelInterval time.Duration // least time between posts to one channel; 1s when 0
	HomeInterval    time.Duration // least time between App Home refreshes of one user; 10s when 0, none when negative
	UserCacheTTL    time.Duration // how long users.info answers (admin status) are kept; 10 minutes when 0

	Now   func() time.Time                                 // the clock; time.Now when nil
	Sleep func(ctx context.Context, d time.Duration) error // waits; a timer when nil (tests record waits instead)
}

// Adapter connects talkbot to one Slack app.
type Adapter struct {
	rt            Runtime
	events        EventLog
	log           *slog.Logger
	api           WebAPI
	limiter       *dispatch.Limiter
	socket        *socketmode.Client // nil without Socket Mode
	acker         acker              // acknowledges Socket Mode requests; socket when nil
	httpClient    *http.Client
	signingSecret string
	maxBody       int64
	homeInterval  time.Duration
	obs           Observer
	now           func() time.Time
	created       time.Time // callbacks kept since are this run's own, not a crash's
	sleep         func(ctx context.Context, d time.Duration) error

	triggers *ttlSet         // trigger ids seen, so a repeated one does nothing twice
	replays  *ttlSet         // request signatures seen, so a replayed request is refused
	badSigns *dispatch.Tally // requests refused for their signature, one warning a minute
	users    *userCache
	dms      *dmCache
	pacer    *pacer
	homes    *homeTracker

	mu         sync.Mutex
	botUserID  string
	botID      string
	socketUp   bool   // Socket Mode is connected
	socketEver bool   // … and was before: the next connection is a reconnect
	refused    string // the error Slack last refused the bot's token with; "" while it takes it
}

// New returns an Adapter; Run starts it.
func New(cfg Config) (*Adapter, error) {
	if cfg.Runtime == nil || cfg.Events == nil {
		return nil, errors.New("slack: Runtime and Events are required")
	}
	if cfg.API == nil && cfg.BotToken == "" {
		return nil, errors.New("slack: a bot token is required")
	}
	a := &Adapter{
		rt:            cfg.Runtime,
		events:        cfg.Events,
		log:           cfg.Logger,
		api:           cfg.API,
		limiter:       cfg.Limiter,
		httpClient:    cfg.HTTPClient,
		signingSecret: cfg.SigningSecret,
		maxBody:       cfg.MaxBody,
		homeInterval:  cfg.HomeInterval,
		obs:           cfg.Observer,
		now:           cfg.Now,
		sleep:         cfg.Sleep,
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.log = a.log.With("adapter", "slack")
	if a.limiter == nil {
		a.limiter = dispatch.NewLimiter(30, 500*time.Millisecond)
	}
	if a.obs == nil {
		a.obs = nopObserver{}
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.created = a.now()
	if a.sleep == nil {
		a.sleep = sleepContext
	}
	if a.httpClient == nil { // response_url's
		a.httpClient = &http.Client{Timeout: 15 * time.Second, Transport: replyTransport()}
	}
	if a.maxBody <= 0 {
		a.maxBody = 1 << 20
	}
	if a.homeInterval == 0 {
		a.homeInterval = 10 * time.Second
	}
	var client *slackgo.Client
	if cfg.API == nil || cfg.AppToken != "" {
		// slack-go's own client waits for ever: one chat.postMessage Slack
		// never answers would hold up every digest and notice behind it.
		opts := []slackgo.Option{slackgo.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)),
			slackgo.OptionHTTPClient(&http.Client{Timeout: webAPITimeout})}
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
	// Only requests signed with the app's secret get into either set, so
	// only Slack can fill them. At 100,000 each they cover their whole ttl
	// up to 166 and 277 requests a second, far above what Slack sends one
	// workspace's app; under a flood beyond that the oldest go first, and
	// the sets, not the commands, would be the bot's memory (BENCHMARKS.md).
	a.triggers = newTTLSet(10*time.Minute, 100_000)
	a.replays = newTTLSet(6*time.Minute, 100_000)
	a.badSigns = dispatch.NewTally(a.log, time.Minute, "slack requests refused: unsigned, badly signed, stale or replayed. "+
		"If the bot answers no command, check that SLACK_SIGNING_SECRET is the app's Signing Secret (Basic Information)", "refused")
	ttl := cfg.UserCacheTTL
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	a.users = &userCache{ttl: ttl, m: map[string]userInfo{}}
	a.dms = &dmCache{m: map[string]string{}}
	every := cfg.ChannelInterval
	if every <= 0 {
		every = time.Second
	}
	a.pacer = &pacer{every: every, next: map[string]time.Time{}}
	a.homes = &homeTracker{m: map[string]*homeState{}}
	return a, nil
}

// Run connects to Slack and works until ctx is done: it asks Slack who the
// bot is, keeps the table of handled events small and, with an app token,
// runs Socket Mode. HTTP mode needs HTTPHandler mounted as well; the jobs
// both submit run on the runtime, which the caller runs.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.identify(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped before Slack answered
		}
		return err
	}
	var bg sync.WaitGroup
	defer bg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // before the wait: a Socket Mode failure ends the rest too
	bg.Go(func() { a.forgetOldEvents(ctx) })
	bg.Go(func() { a.recheckToken(ctx) })
	a.replayKept(ctx)
	if a.socket != nil {
		return a.runSocket(ctx)
	}
	<-ctx.Done()
	return nil
}

// identify asks Slack who the bot is, to recognise its own messages and
// mentions. While Slack cannot be reached (the network is down, Slack answers
// 5xx) it tries again, waiting longer each time, until ctx ends: a bot started
// during an outage comes up when it is over. A refused token stops it.
func (a *Adapter) identify(ctx context.Context) error {
	var res *slackgo.AuthTestResponse
	var wait time.Duration
	for {
		err := a.retryWithin(ctx, "auth.test", 0, func(ctx context.Context) error { // the loop waits out a 5xx
			var err error
			res, err = a.api.AuthTestContext(ctx)
			return err
		})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !unreachable(err) {
			return fmt.Errorf("slack refused SLACK_BOT_TOKEN (auth.test: %w); copy the Bot User OAuth Token (xoxb-…) "+
				"from the app's OAuth & Permissions page, and reinstall the app if it was revoked", err)
		}
		wait = startBackoff(wait)
		a.log.WarnContext(ctx, "slack unreachable; trying again", "call", "auth.test", "err", err, "retry_in", wait.String())
		if err := a.sleep(ctx, wait); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.botUserID, a.botID = res.UserID, res.BotID
	a.mu.Unlock()
	a.log.InfoContext(ctx, "connected to slack", "team_id", res.TeamID, "bot_user_id", res.UserID,
		"http_mode", a.signingSecret != "", "socket_mode", a.socket != nil)
	return nil
}

// tokenRecheck is how often recheckToken asks.
var tokenRecheck = time.Minute

// recheckToken asks Slack every tokenRecheck, while it refuses the bot's
// token, whether it takes it again (auth.test): a bot taken out of service
// for not being ready gets no other call that would tell it.
func (a *Adapter) recheckToken(ctx context.Context) {
	t := time.NewTicker(tokenRecheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		refused := a.refused != ""
		a.mu.Unlock()
		if refused {
			_ = a.retryWithin(ctx, "auth.test", 0, func(ctx context.Context) error {
				_, err := a.api.AuthTestContext(ctx)
				return err
			})
		}
	}
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
		if in, ok := a.events.(inbox); ok {
			if err := in.ForgetKeptBefore(ctx, a.now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
				a.log.WarnContext(ctx, "forget kept events", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// answered reports whether an Events API delivery was handled before, so a
// retry is dropped before it costs any work. Should the read fail, the
// delivery's mark still decides (firstAnswer).
func (a *Adapter) answered(ctx context.Context, eventID string) bool {
	done, err := a.events.Handled(ctx, talkbot.PlatformSlack, "event:"+eventID)
	if err != nil {
		a.log.WarnContext(ctx, "read whether the event was handled", "event_id", eventID, "err", err)
		return false
	}
	if done {
		a.log.DebugContext(ctx, "duplicate delivery ignored", "event_id", eventID)
	}
	return done
}

// firstAnswer reports whether to answer the request ctx is for: yes, unless
// it is an Events API delivery answered before. The command's change wrote
// the delivery's mark in its own transaction (talkbot.EventMark), or
// firstAnswer writes it now, before the answer leaves.
func (a *Adapter) firstAnswer(ctx context.Context) bool {
	m := talkbot.EventMarkFrom(ctx)
	if m == nil {
		return true
	}
	answer, err := m.Seal(func() (bool, error) { return a.events.MarkHandled(ctx, talkbot.PlatformSlack, m.EventID) })
	if err != nil {
		// Better to answer twice than never.
		a.log.ErrorContext(ctx, "mark handled", "event_id", m.EventID, "err", err)
		return true
	}
	if !answer {
		a.log.DebugContext(ctx, "duplicate delivery ignored", "event_id", m.EventID)
	}
	return answer
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

// maxIdleReplyConns is how many connections to Slack's response_url host
// stay open between replies: one for each reply the runtime's workers (16
// by default) may be posting at once, and some to spare.
const maxIdleReplyConns = 32

// webAPITimeout bounds one Web API call (a file upload included).
const webAPITimeout = 30 * time.Second

// replyWriteBuffer is the write buffer of each connection to response_url:
// room for a page of 25 talks with long titles (28-30 KB of JSON) and its
// headers, so a reply goes out in one write instead of its first 4 KB
// (Go's default buffer) and then the rest through a temporary buffer
// allocated for each reply. A longer reply still takes two writes; each
// connection keeps its buffer, and the bot its memory under 50 MB.
const replyWriteBuffer = 32 << 10

// replyTransport is http.DefaultTransport keeping maxIdleReplyConns idle
// connections a host instead of its two: with more replies than that in
// flight, each reply closed one connection and opened another, a TLS
// handshake with hooks.slack.com (15-20% of a reply's CPU even on plain
// loopback HTTP, BENCHMARKS.md).
func replyTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = maxIdleReplyConns
	t.WriteBufferSize = replyWriteBuffer
	return t
}
