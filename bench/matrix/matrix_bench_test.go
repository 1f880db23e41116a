// Package matrix measures talkbot's Matrix adapter end to end over a real
// homeserver (Dendrite) on loopback: a client sends `!talk add`, and the same
// client sees the bot's reply in its sync. Two references run in the same
// process and on the same homeserver: the homeserver's own round trip (one
// client sends, another sees it), and a bare bot that answers with plain
// HTTP calls and no SDK, the floor for any bot here. The talkbot bot runs as
// its own process (botmain), so its memory is measured from outside.
//
//	go test -tags 'sqlite_fts5 goolm' -run '^$' -bench . -benchtime 500x ./bench/matrix/
//
// It reports, in milliseconds, p50 and p99 of what the client sees (hs-, bare-,
// talkbot-) and of the bots' own share, the server time from the command to
// the reply (-server-); talkbot-read is a command that only reads. And the
// talkbot process's resident memory when idle, after start-up and after the run.
package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/talkbot/talkbot/adapters/matrix/dendritetest"
)

const timeout = 30 * time.Second

func BenchmarkMatrixLatency(b *testing.B) {
	srv := dendritetest.Start(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	alice := login(b, srv, "alice")
	bob := login(b, srv, "bob")
	bare := login(b, srv, "barebot")
	botID, botPW := srv.CreateUser(b, "talkbot")

	// The homeserver's round trip: alice sends, bob sees it.
	hsRoom := alice.createRoom(b, bob.userID)
	bob.join(b, hsRoom)

	// The bare bot: raw /sync and /send, no SDK.
	bareRoom := alice.createRoom(b, bare.userID)
	bare.join(b, bareRoom)
	bareSince := bare.initialSync(b)
	go bare.runBareBot(ctx, bareSince)

	// talkbot, as its own process.
	bot := startBot(b, srv, botID, botPW)
	botRoom := alice.createRoom(b, botID)
	alice.start(ctx)
	bob.start(ctx)
	alice.waitJoined(b, botRoom, botID)
	idleStart := bot.idleRSS(b)

	// Each op returns the server time between the command and the reply:
	// the bot's own share of the round trip (zero for the homeserver's).
	ops := []struct {
		name string
		op   func(i int) time.Duration
	}{
		{"hs", func(i int) time.Duration { // the homeserver's round trip: alice sends, bob sees it
			body := fmt.Sprintf("hello %d %d", time.Now().UnixNano(), i)
			alice.send(b, hsRoom, body)
			bob.waitBody(b, hsRoom, alice.userID, body)
			return 0
		}},
		{"bare", func(i int) time.Duration { // alice asks the bare bot and sees its reply
			title := fmt.Sprintf("Bare talk %d %d", time.Now().UnixNano(), i)
			alice.send(b, bareRoom, "!talk add "+title)
			return alice.waitBody(b, bareRoom, bare.userID, "Logged new talk "+title)
		}},
		{"talkbot", func(i int) time.Duration { // alice asks talkbot and sees its reply
			title := fmt.Sprintf("Bench talk %d %d", time.Now().UnixNano(), i)
			alice.send(b, botRoom, "!talk add "+title)
			return alice.waitBody(b, botRoom, botID, "Logged new talk #")
		}},
		// A command that only reads (`conf`), to tell the adapter's share
		// from the cost of logging a talk in the database.
		{"talkbot-read", func(i int) time.Duration {
			alice.send(b, botRoom, "!talk conf")
			return alice.waitBody(b, botRoom, botID, "Current conference")
		}},
	}
	// The three run interleaved, in a rotating order, so a busy moment on
	// the machine weighs on all of them alike.
	times := make([][]time.Duration, len(ops))
	inBot := make([][]time.Duration, len(ops))
	round := func(i int, record bool) {
		for k := range ops {
			j := (i + k) % len(ops)
			began := time.Now()
			between := ops[j].op(i)
			if record {
				times[j] = append(times[j], time.Since(began))
				inBot[j] = append(inBot[j], between)
			}
		}
	}
	for i := range 10 {
		round(i, false) // warm-up
	}
	b.ResetTimer()
	for i := range b.N {
		round(i, true)
	}
	b.StopTimer()
	for j, o := range ops {
		p50, p99 := percentiles(times[j])
		b.ReportMetric(p50, o.name+"-p50-ms")
		b.ReportMetric(p99, o.name+"-p99-ms")
		if o.name != "hs" {
			p50, p99 = percentiles(inBot[j])
			b.ReportMetric(p50, o.name+"-server-p50-ms")
			b.ReportMetric(p99, o.name+"-server-p99-ms")
		}
	}
	b.ReportMetric(idleStart, "talkbot-idle-start-MB")
	b.ReportMetric(bot.idleRSS(b), "talkbot-idle-after-MB")
}

// percentiles returns the median and the 99th percentile in milliseconds.
func percentiles(d []time.Duration) (p50, p99 float64) {
	slices.Sort(d)
	at := func(q float64) float64 {
		return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
	}
	return at(0.50), at(0.99)
}

// botProcess is the talkbot bot running as botmain.
type botProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
	stderr *bytes.Buffer
}

func startBot(b *testing.B, srv *dendritetest.Server, user, password string) *botProcess {
	dir := b.TempDir()
	bin := filepath.Join(dir, "botmain")
	build := exec.Command("go", "build", "-tags", "sqlite_fts5 goolm", "-o", bin, "./botmain")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build botmain: %v\n%s", err, out)
	}
	p := &botProcess{cmd: exec.Command(bin), exited: make(chan struct{}), stderr: &bytes.Buffer{}}
	p.cmd.Env = append(os.Environ(),
		"MATRIX_HOMESERVER="+srv.URL, "MATRIX_USER="+user, "MATRIX_PASSWORD="+password,
		"MATRIX_PICKLE_KEY=bench", "MATRIX_CRYPTO_DB="+filepath.Join(dir, "crypto.db"),
		"BOT_DB="+filepath.Join(dir, "talkbot.db"))
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	b.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(timeout):
			_ = p.cmd.Process.Kill()
		}
		if path := os.Getenv("BENCH_BOT_LOG"); path != "" {
			_ = os.WriteFile(path, p.stderr.Bytes(), 0o644)
		}
		if b.Failed() {
			b.Logf("bot stderr:\n%s", p.stderr.String())
		}
	})
	return p
}

// idleRSS waits until the bot has been idle a few seconds (Go returns freed
// memory to the OS in the background) and reads its resident set in MB.
func (p *botProcess) idleRSS(b *testing.B) float64 {
	if runtime.GOOS != "linux" {
		return 0
	}
	time.Sleep(5 * time.Second) // idle time being measured, not synchronisation
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("read bot memory: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS in /proc status")
	return 0
}

// client is a bare Matrix client: plain HTTP, no SDK.
type client struct {
	base   string
	userID string
	token  string
	http   *http.Client
	txn    atomic.Int64

	mu     sync.Mutex
	cond   *sync.Cond
	events []roomEvent
	since  string
}

type roomEvent struct {
	room    string
	sender  string
	id      string
	body    string
	ts      int64  // origin_server_ts
	replyTo string // m.relates_to.m.in_reply_to.event_id
}

func login(b *testing.B, srv *dendritetest.Server, localpart string) *client {
	_, password := srv.CreateUser(b, localpart)
	c := &client{base: srv.URL, http: &http.Client{Timeout: 2 * timeout}}
	c.cond = sync.NewCond(&c.mu)
	var resp struct {
		UserID      string `json:"user_id"`
		AccessToken string `json:"access_token"`
	}
	c.call(b, "POST", "/_matrix/client/v3/login", map[string]any{
		"type": "m.login.password", "password": password,
		"identifier": map[string]any{"type": "m.id.user", "user": localpart},
	}, &resp)
	c.userID, c.token = resp.UserID, resp.AccessToken
	return c
}

func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var r *bytes.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		r = bytes.NewReader(j)
	} else {
		r = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e bytes.Buffer
		_, _ = e.ReadFrom(resp.Body)
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, e.String())
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

func (c *client) call(b *testing.B, method, path string, body, out any) {
	if err := c.do(context.Background(), method, path, body, out); err != nil {
		b.Fatal(err)
	}
}

func (c *client) createRoom(b *testing.B, invite ...string) string {
	var resp struct {
		RoomID string `json:"room_id"`
	}
	c.call(b, "POST", "/_matrix/client/v3/createRoom", map[string]any{"preset": "private_chat", "invite": invite}, &resp)
	return resp.RoomID
}

func (c *client) join(b *testing.B, room string) {
	c.call(b, "POST", "/_matrix/client/v3/join/"+url.PathEscape(room), map[string]any{}, nil)
}

func (c *client) send(b *testing.B, room, body string) string {
	return c.sendContent(b, room, map[string]any{"msgtype": "m.text", "body": body})
}

func (c *client) sendContent(b *testing.B, room string, content map[string]any) string {
	var resp struct {
		EventID string `json:"event_id"`
	}
	path := fmt.Sprintf("/_matrix/client/v3/rooms/%s/send/m.room.message/bench-%d-%d", url.PathEscape(room), time.Now().UnixNano(), c.txn.Add(1))
	c.call(b, "PUT", path, content, &resp)
	return resp.EventID
}

// syncResponse is the part of /sync the benchmark reads.
type syncResponse struct {
	NextBatch string `json:"next_batch"`
	Rooms     struct {
		Join map[string]struct {
			Timeline struct {
				Events []struct {
					Type     string         `json:"type"`
					Sender   string         `json:"sender"`
					EventID  string         `json:"event_id"`
					StateKey *string        `json:"state_key"`
					TS       int64          `json:"origin_server_ts"`
					Content  map[string]any `json:"content"`
				} `json:"events"`
			} `json:"timeline"`
		} `json:"join"`
	} `json:"rooms"`
}

// syncOnce long-polls /sync once and records the room messages and joins.
func (c *client) syncOnce(ctx context.Context) error {
	q := url.Values{"timeout": {"30000"}}
	if c.since != "" {
		q.Set("since", c.since)
	} else {
		q.Set("timeout", "0")
	}
	var resp syncResponse
	if err := c.do(ctx, "GET", "/_matrix/client/v3/sync?"+q.Encode(), nil, &resp); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since = resp.NextBatch
	for room, r := range resp.Rooms.Join {
		for _, e := range r.Timeline.Events {
			body, _ := e.Content["body"].(string)
			if e.Type == "m.room.member" && e.StateKey != nil {
				body = "member:" + *e.StateKey + ":" + fmt.Sprint(e.Content["membership"])
			} else if e.Type != "m.room.message" {
				continue
			}
			var replyTo string
			if rel, ok := e.Content["m.relates_to"].(map[string]any); ok {
				if irt, ok := rel["m.in_reply_to"].(map[string]any); ok {
					replyTo, _ = irt["event_id"].(string)
				}
			}
			c.events = append(c.events, roomEvent{room: room, sender: e.Sender, id: e.EventID, body: body, ts: e.TS, replyTo: replyTo})
		}
	}
	c.cond.Broadcast()
	return nil
}

// start syncs in the background until ctx is done.
func (c *client) start(ctx context.Context) {
	go func() {
		for ctx.Err() == nil {
			if err := c.syncOnce(ctx); err != nil && ctx.Err() == nil {
				time.Sleep(100 * time.Millisecond) // back off after a failed sync
			}
		}
	}()
}

// wait blocks until an event matching match has arrived, then forgets the
// events seen so far. It returns the event and, when it is a reply to an
// event seen in the meantime, the server time between the two.
func (c *client) wait(b *testing.B, what string, match func(roomEvent) bool) (roomEvent, time.Duration) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		for _, e := range c.events {
			if match(e) {
				var between time.Duration
				for _, o := range c.events {
					if o.id == e.replyTo {
						between = time.Duration(e.ts-o.ts) * time.Millisecond
					}
				}
				c.events = c.events[:0]
				return e, between
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s: timed out waiting for %s", c.userID, what)
			return roomEvent{}, 0
		}
		c.cond.Wait()
	}
}

func (c *client) waitBody(b *testing.B, room, sender, contains string) time.Duration {
	_, between := c.wait(b, contains, func(e roomEvent) bool {
		return e.room == room && e.sender == sender && strings.Contains(e.body, contains)
	})
	return between
}

func (c *client) waitJoined(b *testing.B, room, user string) {
	c.wait(b, user+" joined", func(e roomEvent) bool { return e.room == room && e.body == "member:"+user+":join" })
}

// initialSync skips the history a bot must not answer and returns the position.
func (c *client) initialSync(b *testing.B) string {
	var resp syncResponse
	c.call(b, "GET", "/_matrix/client/v3/sync?timeout=0", nil, &resp)
	return resp.NextBatch
}

// runBareBot answers `!talk add <title>` with an m.notice reply, using
// nothing but /sync and /send: the floor for a bot on this homeserver.
func (c *client) runBareBot(ctx context.Context, since string) {
	for ctx.Err() == nil {
		q := url.Values{"timeout": {"30000"}, "since": {since}}
		var resp syncResponse
		if err := c.do(ctx, "GET", "/_matrix/client/v3/sync?"+q.Encode(), nil, &resp); err != nil {
			time.Sleep(100 * time.Millisecond) // back off after a failed sync
			continue
		}
		since = resp.NextBatch
		for room, r := range resp.Rooms.Join {
			for _, e := range r.Timeline.Events {
				body, _ := e.Content["body"].(string)
				if e.Type != "m.room.message" || e.Sender == c.userID || !strings.HasPrefix(body, "!talk add ") {
					continue
				}
				content := map[string]any{
					"msgtype": "m.notice", "body": "Logged new talk " + strings.TrimPrefix(body, "!talk add "),
					"m.relates_to": map[string]any{"m.in_reply_to": map[string]any{"event_id": e.EventID}},
				}
				path := fmt.Sprintf("/_matrix/client/v3/rooms/%s/send/m.room.message/bare-%s", url.PathEscape(room), url.PathEscape(e.EventID))
				_ = c.do(ctx, "PUT", path, content, nil)
			}
		}
	}
}
