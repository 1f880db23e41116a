package matrix_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/dispatch"
)

// observed records what the adapter tells its Observer.
type observed struct {
	mu         sync.Mutex
	calls      map[string]int // "call outcome"
	reconnects int
}

func (o *observed) APICall(_, call, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls[call+" "+outcome]++
}

func (o *observed) RateLimitWait(string, string, time.Duration) {}

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

// TestStartsDuringAnOutage: a bot started while its homeserver is down
// waits for it instead of exiting, and comes up when it is back; a later
// outage shows as not connected, then as a reconnect.
func TestStartsDuringAnOutage(t *testing.T) {
	e := newEnv(t)
	e.srv.Stop()
	obs := &observed{calls: map[string]int{}}
	b := e.startBot(func(c *matrix.Config) { c.Observer = obs })
	b.waitLog(t, "homeserver unreachable; trying again")
	if b.adapter.Connected() {
		t.Error("Connected while the homeserver is down")
	}
	select {
	case err := <-b.done:
		t.Fatalf("Run returned during the outage: %v", err)
	default:
	}
	e.srv.Restart(t)
	poll(t, "the bot is connected", b.adapter.Connected)
	alice := e.newUser("alice")
	room := e.botInRoom(alice, false)
	if _, got := alice.ask(room, "!talk add Started In The Dark"); !strings.HasPrefix(got.Body, "Logged new talk #1 Started In The Dark") {
		t.Errorf("reply = %q", got.Body)
	}
	// Alice can see the reply before the homeserver's answer to the bot's
	// send reaches the bot, so its count is waited for, not read at once.
	poll(t, "the bot's send is observed", func() bool { return obs.count("rooms.send ok") > 0 })
	if obs.count("sync ok") == 0 || obs.count("account.whoami error")+obs.count("login error") == 0 {
		t.Errorf("observed calls %v; want syncs, sends and the failed log-in", obs.calls)
	}

	e.srv.Stop()
	b.waitLog(t, "sync failed; retrying")
	poll(t, "the bot is not connected", func() bool { return !b.adapter.Connected() })
	e.srv.Restart(t)
	poll(t, "the bot is connected again", b.adapter.Connected)
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.reconnects < 1 {
		t.Errorf("reconnects = %d after an outage, want at least 1", obs.reconnects)
	}
}

// TestRefusedTokenStopsTheBot: an access token the homeserver does not know
// ends Run with an error that names the variable.
func TestRefusedTokenStopsTheBot(t *testing.T) {
	e := newEnv(t)
	a, err := matrix.New(matrix.Config{
		Homeserver: e.srv.URL, AccessToken: "syt_dGFsa2JvdA_notatoken_0000",
		PickleKey: "k", CryptoDB: filepath.Join(t.TempDir(), "c.db"), State: e.store,
		Runtime: dispatch.New(dispatch.Config{Handler: e.router}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err = a.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "MATRIX_ACCESS_TOKEN") || ctx.Err() != nil {
		t.Errorf("Run with a refused token = %v (context %v)", err, ctx.Err())
	}
}
