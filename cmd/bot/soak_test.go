package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// soakUsers is how many people the soak test plays.
const soakUsers = 200

// soakDuration is 30 seconds, or TALKBOT_SOAK (`make soak` runs ten minutes).
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("TALKBOT_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("TALKBOT_SOAK=%q: %v", v, err)
		}
		return d
	}
	return 30 * time.Second
}

var reMetricLine = regexp.MustCompile(`(?m)^(go_goroutines|go_memstats_heap_inuse_bytes|process_resident_memory_bytes|talkbot_queue_depth) (\S+)$`)

// vitals are the bot's own numbers from /metrics.
type vitals struct {
	goroutines, heapMiB, rssMiB, queue float64
}

func (v vitals) String() string {
	return fmt.Sprintf("%.0f goroutines, heap in use %.1f MiB, resident %.1f MiB", v.goroutines, v.heapMiB, v.rssMiB)
}

func scrapeVitals(t *testing.T, op string) vitals {
	t.Helper()
	_, body := get(t, op+"/metrics")
	var v vitals
	for _, m := range reMetricLine.FindAllStringSubmatch(body, -1) {
		f, _ := strconv.ParseFloat(m[2], 64)
		switch m[1] {
		case "go_goroutines":
			v.goroutines = f
		case "go_memstats_heap_inuse_bytes":
			v.heapMiB = f / (1 << 20)
		case "process_resident_memory_bytes":
			v.rssMiB = f / (1 << 20)
		case "talkbot_queue_depth":
			v.queue = f
		}
	}
	return v
}

var reTalkID = regexp.MustCompile(`Logged (?:new talk )?#(\d+)`)

// TestSoak: 200 people use the bot through the Slack HTTP endpoint at
// once, each a command every second and a half of a mix that reads and
// writes, for 30 seconds (TALKBOT_SOAK for longer). Every command is
// acknowledged and answered without an error; the bot's goroutines and
// memory, from its own /metrics, do not grow (generous bounds: this guards
// against leaks, it is not a benchmark).
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test skipped in -short mode")
	}
	d := soakDuration(t)
	w := newSlackWorld(t)
	dir := t.TempDir()
	p := startBot(t, dir, slackEnv(filepath.Join(dir, "talkbot.db"), w.apiURL()))
	op := p.operator()
	p.waitLog(`msg="connected to slack"`)
	c := newSlashClient(op, w)
	baseline := scrapeVitals(t, op)

	var sent, failed atomic.Int64
	var latMu sync.Mutex
	var lat []time.Duration
	record := func(took time.Duration) {
		sent.Add(1)
		latMu.Lock()
		lat = append(lat, took)
		latMu.Unlock()
	}
	var errMu sync.Mutex
	var errs []string
	fail := func(format string, args ...any) {
		failed.Add(1)
		errMu.Lock()
		if len(errs) < 10 {
			errs = append(errs, fmt.Sprintf(format, args...))
		}
		errMu.Unlock()
	}
	// load runs the 200 users for d, each finishing the command it is on.
	load := func(d time.Duration, phase int) {
		stop := make(chan struct{})
		time.AfterFunc(d, func() { close(stop) })
		var wg sync.WaitGroup
		for i := range soakUsers {
			wg.Go(func() { soakUser(w, c, i, phase, stop, record, fail) })
		}
		wg.Wait()
	}
	// quiet waits until nothing is queued and the connections the load kept
	// open are gone, and returns the bot's vitals then: what is left is its own.
	quiet := func() vitals {
		c.http.CloseIdleConnections()
		// The bot keeps up to 32 idle connections to response_url for 90 s,
		// two goroutines each; how many the load opened depends on how busy
		// the machine was, so they are closed from the stand-in's side.
		w.srv.CloseClientConnections()
		deadline := time.Now().Add(patience)
		v := scrapeVitals(t, op)
		for ; v.goroutines > baseline.goroutines+8 || v.queue > 0; v = scrapeVitals(t, op) {
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond) // polling interval
		}
		return v
	}
	warm := min(5*time.Second, d/4)
	load(warm, 0) // caches, prepared statements and pools fill up
	start := quiet()
	load(d-warm, 1)
	end := quiet()

	slices.Sort(lat)
	pct := func(q float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*q))].Round(time.Millisecond)
	}
	t.Logf("soak: %d users, %s, %d commands (%.0f/s), %d errors; answer latency p50 %s, p99 %s, max %s",
		soakUsers, d, sent.Load(), float64(sent.Load())/d.Seconds(), failed.Load(), pct(0.5), pct(0.99), pct(1))
	t.Logf("soak: before the load       %s", baseline)
	t.Logf("soak: at the start (quiet)  %s", start)
	t.Logf("soak: at the end (quiet)    %s", end)
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d commands failed; the first:\n%s", n, sent.Load(), strings.Join(errs, "\n"))
	}
	if sent.Load() < int64(soakUsers) {
		t.Errorf("only %d commands were sent", sent.Load())
	}
	if end.goroutines > start.goroutines+10 || end.goroutines > baseline.goroutines+20 {
		t.Errorf("goroutines grew: %.0f before the load, %.0f at the start, %.0f at the end", baseline.goroutines, start.goroutines, end.goroutines)
	}
	// The Slack adapter remembers each request's signature for 6 minutes and
	// its trigger id for 10 (replay protection), some 200 bytes each, and
	// SQLite's page caches fill up to 2 MB a connection: under steady load
	// the heap grows for the first ten minutes, then levels off. A leak
	// would outgrow these bounds, which allow for that and for GC timing.
	if end.heapMiB > 2*start.heapMiB+64 || end.rssMiB > 2*start.rssMiB+128 {
		t.Errorf("memory grew: %s at the start, %s at the end", start, end)
	}
}

// soakUser plays one person until stop: a mixed command every 1.5 s, each
// answer checked. record gets each answered command's latency; fail, what went wrong.
func soakUser(w *slackWorld, c *slashClient, i, phase int, stop <-chan struct{}, record func(time.Duration), fail func(string, ...any)) {
	user := fmt.Sprintf("USOAK%03d", i)
	rng := rand.New(rand.NewPCG(uint64(i), uint64(phase)))
	every := 1500 * time.Millisecond
	select { // spread the users over the first period
	case <-time.After(time.Duration(rng.Int64N(int64(every)))):
	case <-stop:
		return
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	talk, title := "", ""
	for step := 0; ; step++ {
		var text string
		switch k := step % 8; {
		case k == 0 || talk == "":
			title = distinctTitle("Soak", phase*100_000_000+i*1_000_000+step)
			text = "add " + title
		case k == 1:
			text = fmt.Sprintf("note #%s point %d from %s: worth a second look", talk, step, user)
		case k == 2:
			text = fmt.Sprintf("rate #%s %d", talk, 1+rng.IntN(5))
		case k == 3:
			text = "list"
		case k == 4:
			text = "show #" + talk
		case k == 5:
			text = "search " + strings.Fields(title)[1]
		case k == 6:
			text = "star #" + talk
		default:
			text = "highlights"
		}
		hook := nextHook()
		ch := w.expect(hook)
		start := time.Now()
		status, body, err := c.send(user, text, hook)
		if err != nil || status != 200 || body != "" {
			fail("%s %q: acknowledged %d %q %v", user, text, status, body, err)
		} else {
			select {
			case m := <-ch:
				for m.progress() {
					m = <-ch
				}
				record(time.Since(start))
				if m.failed() {
					fail("%s %q: answered %q", user, text, m.Text)
				}
				if strings.HasPrefix(text, "add ") {
					if id := reTalkID.FindStringSubmatch(m.Text); id != nil {
						talk = id[1]
					} else {
						fail("%s %q: answered %q", user, text, m.Text)
					}
				}
			case <-time.After(patience):
				fail("%s %q: no answer within %s", user, text, patience)
			}
		}
		select {
		case <-tick.C:
		case <-stop:
			return
		}
	}
}
