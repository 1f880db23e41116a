package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/talkbot/talkbot/dispatch"
)

// observed records what the adapter tells its Observer.
type observed struct {
	mu         sync.Mutex
	calls      map[string]int // "call outcome"
	waits      map[string]time.Duration
	reconnects int
	acks       []string // "kind outcome", in order
}

func newObserved() *observed {
	return &observed{calls: map[string]int{}, waits: map[string]time.Duration{}}
}

func (o *observed) Acked(kind, outcome string, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if took <= 0 || took > time.Minute {
		outcome += fmt.Sprintf(" (took %v)", took)
	}
	o.acks = append(o.acks, kind+" "+outcome)
}

func (o *observed) ackLog() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.acks)
}

func (o *observed) APICall(platform, call, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[platform+" "+call+" "+outcome]++
}

func (o *observed) RateLimitWait(platform, call string, wait time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waits[platform+" "+call] += wait
}

func (o *observed) Reconnect(string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reconnects++
}

func (o *observed) count(key string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.calls[key]
}

// TestStartUpWaitsOutAnOutage: Slack answering 503 at start-up delays the
// bot (with growing waits) instead of stopping it.
func TestStartUpWaitsOutAnOutage(t *testing.T) {
	api := newStandIn(t)
	api.failNext("auth.test", 3, http.StatusServiceUnavailable, "")
	sl, obs := &sleeps{}, newObserved()
	a, err := New(Config{API: slackgo.New("xoxb-test", slackgo.OptionAPIURL(api.srv.URL+"/api/")), SigningSecret: testSecret,
		Runtime: dispatch.New(dispatch.Config{}), Events: nopEvents{}, Logger: slog.New(slog.DiscardHandler), Sleep: sl.sleep, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	if a.Connected() {
		t.Error("Connected before Slack answered")
	}
	if err := a.identify(context.Background()); err != nil {
		t.Fatalf("identify: %v", err)
	}
	if got, want := fmt.Sprint(sl.waits()), "[1s 2s 4s]"; got != want {
		t.Errorf("waits = %s, want %s", got, want)
	}
	if !a.Connected() {
		t.Error("not Connected after auth.test answered")
	}
	if obs.count("slack auth.test error") != 3 || obs.count("slack auth.test ok") != 1 {
		t.Errorf("observed calls %v", obs.calls)
	}
}

// TestRefusedTokenStopsTheBot: a token Slack refuses ends Run at once with
// an error that names the variable to fix.
func TestRefusedTokenStopsTheBot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":false,"error":"invalid_auth"}`)
	}))
	defer srv.Close()
	sl := &sleeps{}
	a, err := New(Config{API: slackgo.New("xoxb-revoked", slackgo.OptionAPIURL(srv.URL+"/api/")), SigningSecret: testSecret,
		Runtime: dispatch.New(dispatch.Config{}), Events: nopEvents{}, Logger: slog.New(slog.DiscardHandler), Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Run with a refused token = %v", err)
	}
	if w := sl.waits(); len(w) != 0 {
		t.Errorf("waited %v before giving up on a refused token", w)
	}
}

func TestUnreachable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&url.Error{Op: "Post", URL: "https://slack.com/api/auth.test", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, true},
		{fmt.Errorf("wrapped: %w", slackgo.StatusCodeError{Code: 502, Status: "Bad Gateway"}), true},
		{slackgo.StatusCodeError{Code: 404, Status: "Not Found"}, false},
		{slackgo.SlackErrorResponse{Err: "invalid_auth"}, false},
		{errors.New("token_revoked"), false},
	}
	for _, tc := range tests {
		if got := unreachable(tc.err); got != tc.want {
			t.Errorf("unreachable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestCallsAndRateLimitsAreObserved: each Web API attempt is counted with
// its outcome, and the waits Slack asks for are reported.
func TestCallsAndRateLimitsAreObserved(t *testing.T) {
	obs := newObserved()
	e := newEnv(t, func(s *setup) { s.cfg.Observer = obs })
	e.api.failNext("response_url", 1, http.StatusTooManyRequests, "3")
	e.slash(slash{text: "list"})
	e.idle()
	if obs.count("slack response_url rate_limited") != 1 || obs.count("slack response_url ok") != 1 {
		t.Errorf("observed calls %v", obs.calls)
	}
	// Run calls auth.test beside the slash command, so it may come last.
	for deadline := time.Now().Add(10 * time.Second); !e.a.Connected() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if obs.count("slack auth.test ok") != 1 {
		t.Errorf("auth.test not observed: %v", obs.calls)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.waits["slack response_url"] != 3*time.Second {
		t.Errorf("observed waits %v, want 3s on response_url", obs.waits)
	}
}

// TestAcksAreObserved: each request's acknowledgement is reported with its
// kind and what became of it, so an operator can see how close to Slack's
// 3 seconds the bot answers, and how much of it is refusals.
func TestAcksAreObserved(t *testing.T) {
	obs := newObserved()
	e := newEnv(t, func(s *setup) {
		s.cfg.Observer = obs
		s.cfg.Limiter = dispatch.NewLimiter(1, time.Hour) // Bob's second command is over his rate
	})
	e.slash(slash{text: "list", trigger: "1.1.a"})
	dup := e.slashBody(slash{text: "list", trigger: "1.1.a"})
	e.do(request{contentType: "application/x-www-form-urlencoded", body: dup, ts: time.Now().Unix() + 1}) // signed afresh, same trigger
	e.slash(slash{text: "list", user: "U0BOB"})
	if status, body := e.do(request{contentType: "application/x-www-form-urlencoded", body: e.slashBody(slash{text: "list", user: "U0BOB"})}); status != http.StatusOK || !strings.Contains(body, "ephemeral") {
		t.Errorf("Bob over his rate: %d %q, want the refusal in the acknowledgement", status, body)
	}
	if status, _ := e.do(request{contentType: "application/x-www-form-urlencoded", body: e.slashBody(slash{text: "list"}), secret: "not-the-secret"}); status != http.StatusUnauthorized {
		t.Errorf("a forged command: %d, want 401", status)
	}
	e.event("EvAck", map[string]any{"type": "app_mention", "user": "U0CAROL", "text": "<@" + testBotUser + "> list", "ts": "1.1", "channel": "C0TALKS"}, nil)
	e.idle()
	want := []string{
		"slash_command accepted",
		"slash_command ignored",
		"slash_command accepted",
		"slash_command refused",
		"other rejected",
		"event accepted",
	}
	if got := obs.ackLog(); !slices.Equal(got, want) {
		t.Errorf("acks observed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSocketReconnectsAreCounted: the first connection is not a reconnect,
// the next ones are, and Connected follows the socket.
func TestSocketReconnectsAreCounted(t *testing.T) {
	obs := newObserved()
	a := &Adapter{obs: obs, socket: &socketmode.Client{}, botUserID: testBotUser}
	if a.Connected() {
		t.Error("Connected before the socket connected")
	}
	a.socketState(true)
	if !a.Connected() {
		t.Error("not Connected with the socket up")
	}
	a.socketState(false)
	if a.Connected() {
		t.Error("Connected with the socket down")
	}
	a.socketState(true)
	a.socketState(true) // a second Connected without a drop is not a reconnect
	if obs.reconnects != 1 {
		t.Errorf("reconnects = %d, want 1", obs.reconnects)
	}
}

type nopEvents struct{}

func (nopEvents) MarkHandled(context.Context, string, string) (bool, error) { return true, nil }
func (nopEvents) Handled(context.Context, string, string) (bool, error)     { return false, nil }
func (nopEvents) ForgetHandledBefore(context.Context, time.Time) error      { return nil }

// A token Slack refuses while the bot runs (the app uninstalled, the token
// revoked) makes the bot not ready, with one error line for the operator;
// /readyz had said "slack: connected" while every post failed. A call that
// goes through again makes it ready, and so does Slack taking the token
// again, asked every minute: a bot out of service gets no other call.
func TestARefusedTokenMakesTheBotNotReady(t *testing.T) {
	defer func(d time.Duration) { tokenRecheck = d }(tokenRecheck)
	tokenRecheck = 20 * time.Millisecond
	var logs logBuffer
	e := newEnv(t, logs.into)
	for deadline := time.Now().Add(10 * time.Second); !e.a.Connected() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond) // Run's auth.test
	}
	if !e.a.Connected() {
		t.Fatal("not connected at start")
	}
	mention := func(id string) {
		e.event(id, map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> list", "ts": "1." + id, "channel": "C0TALKS"}, nil)
		e.idle()
	}
	e.api.revoked.Store(true)
	mention("EvRevoked1")
	mention("EvRevoked2")
	if e.a.Connected() {
		t.Error("connected while Slack refuses the token")
	}
	if n := strings.Count(logs.String(), "Slack refused the bot's token"); n != 1 {
		t.Errorf("%d lines for the refused token:\n%s", n, logs.String())
	}
	e.api.revoked.Store(false)
	mention("EvBack")
	if !e.a.Connected() {
		t.Error("not connected once Slack takes the token again")
	}
	e.api.revoked.Store(true)
	mention("EvRevoked3")
	if e.a.Connected() {
		t.Error("connected while Slack refuses the token")
	}
	e.api.revoked.Store(false) // no call of the bot's own: the re-check finds it
	for deadline := time.Now().Add(10 * time.Second); !e.a.Connected() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if !e.a.Connected() {
		t.Error("not connected again with no call to tell it")
	}
}
