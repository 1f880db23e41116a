package matrix_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talkbot/talkbot/adapters/matrix"
)

// flakyProxy stands between the bot and the homeserver, answering 502 to
// the requests whose path holds fail (a homeserver restarting, a proxy's
// hiccup).
type flakyProxy struct {
	mu   sync.Mutex
	fail string
	hits int
}

func (f *flakyProxy) set(path string) { f.mu.Lock(); f.fail = path; f.mu.Unlock() }

func (f *flakyProxy) failed() int { f.mu.Lock(); defer f.mu.Unlock(); return f.hits }

func newFlakyProxy(t *testing.T, target string) (*flakyProxy, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	f := &flakyProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		bad := f.fail != "" && strings.Contains(r.URL.Path, f.fail)
		if bad {
			f.hits++
		}
		f.mu.Unlock()
		if bad {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

// A homeserver that cannot take the bot's sends for a few seconds (a
// restart) delays the answer; it no longer loses it. The add was saved,
// its reply dropped after mautrix's 1.5 s of retries, and the user, told
// nothing, sent it again. Reading a room's state waits out the same.
func TestAShortHomeserverOutageDelaysAnswersWithoutLosingThem(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	flaky, via := newFlakyProxy(t, e.srv.URL)
	throughProxy := func(c *matrix.Config) { c.Homeserver = via }
	b := e.startBot(throughProxy)
	room := e.botInRoom(alice, false)

	flaky.set("/send/")
	cmd := alice.say(room, "!talk add Flaky One -- during the outage")
	poll(t, "the bot's first failed send", func() bool { return flaky.failed() > 0 })
	time.Sleep(3 * time.Second) // past mautrix's own retries
	flaky.set("")
	poll(t, "the answer to the add sent during the outage", func() bool { return len(alice.repliesTo(cmd)) > 0 })
	if got := alice.repliesTo(cmd)[0].Content.AsMessage().Body; !strings.Contains(got, "Flaky One") {
		t.Errorf("the answer: %q", got)
	}

	// A fresh start whose first read of the room's state fails for a while.
	b.stop(t)
	flaky.set("/state")
	e.startBot(throughProxy)
	before := flaky.failed()
	cmd = alice.say(room, "!talk add Flaky Two -- the state read failed")
	poll(t, "the bot's failed state read", func() bool { return flaky.failed() > before })
	time.Sleep(3 * time.Second)
	flaky.set("")
	poll(t, "the answer to the add sent while the state could not be read", func() bool { return len(alice.repliesTo(cmd)) > 0 })
}

// A command sent while the bot was down, with more than a sync's 100 events
// after it in the room, is answered once the bot is back: the bot reads
// back what the sync left out. It was never seen, never answered.
func TestACommandBehindAHundredEventsIsAnswered(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot()
	room := e.botInRoom(alice, false)
	alice.ask(room, "!talk add Talk Before")
	b.stop(t)
	offline := alice.say(room, "!talk add Gap Talk -- sent while the bot was down")
	for i := range 110 {
		alice.say(room, fmt.Sprintf("chatter %d", i))
	}
	e.startBot()
	poll(t, "the answer to the command 110 messages back", func() bool { return len(alice.repliesTo(offline)) > 0 })
	alice.ask(room, "!talk list") // anything more would have come by now
	if n := len(alice.repliesTo(offline)); n != 1 {
		t.Errorf("%d answers to the command sent while the bot was down, want 1", n)
	}
}

// A second bot on the same crypto store (a systemd unit and a `make run` on
// one .env) is refused at start, saying so. It had logged in, which
// re-issued the device's token: the running bot was logged out and exited,
// blaming a revoked login, and under systemd the two took turns for ever.
func TestASecondBotOnTheCryptoStoreIsRefused(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	room := e.botInRoom(alice, false)
	second := e.startBot()
	select {
	case err := <-second.done:
		second.done <- nil // its cleanup waits for Run, which ended as it should
		if err == nil || !strings.Contains(err.Error(), "another talkbot is running") {
			t.Errorf("the second bot: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the second bot ran beside the first")
	}
	if _, r := alice.ask(room, "!talk add Still Here"); !strings.Contains(r.Body, "Still Here") {
		t.Errorf("the first bot after the second was refused: %q", r.Body)
	}
}
