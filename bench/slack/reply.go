package main

// The reply mode: how long a user waits for talkbot's answer, end to end.
// Each command is a signed slash command; its reply is the POST the server
// makes to the command's response_url, which this process serves. A
// reference handler in the same child process (it verifies the signature,
// acknowledges, and posts a fixed reply to response_url) is the ceiling for
// any bot on this machine, measured in the same run.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/bench/benchdb"
	"github.com/talkbot/talkbot/store/storegen"
)

// replyOptions configure the reply mode.
type replyOptions struct {
	users     int           // closed loop: users at once, each waiting for its reply
	perUser   int           // closed loop: commands per user (0: until dur ends)
	dur       time.Duration // length of each closed- and open-loop run
	warm      int           // distinct users who send one command first
	rate      float64       // open loop: offered commands/s (0: skip)
	openN     int           // open loop: commands (0: rate × dur)
	overload  float64       // open loop at this many times the measured capacity (0: skip)
	overDur   time.Duration // its length
	talks     int           // the database's talks (0: an empty database)
	durable   bool          // the bot's synchronous=FULL
	logLevel  string        // the bot's LOG_LEVEL
	outDir    string        // where generated databases are kept
	botLog    string        // the bot's log goes here (counted either way)
	conns     int
	maxWait   time.Duration // the runtime's MaxQueueWait (0: its default)
	cpuProf   string
	onlyTexts []string // closed-loop commands to run; all when empty
}

// hooks is the stand-in response_url endpoint: it notes when each command's
// reply arrived.
type hooks struct {
	mu      sync.Mutex
	waiting map[string]*pending
	stray   atomic.Int64 // replies to nothing awaited (duplicates)
}

type pending struct {
	sent   time.Time // or, open loop, the planned send time
	sentAt time.Time // open loop: when the request actually went
	acked  time.Time
	done   chan struct{}
	got    time.Time
	count  int
}

func newHooks() *hooks { return &hooks{waiting: map[string]*pending{}} }

func (h *hooks) expect(id string, sent time.Time) *pending {
	p := &pending{sent: sent, done: make(chan struct{})}
	h.mu.Lock()
	h.waiting[id] = p
	h.mu.Unlock()
	return p
}

func (h *hooks) forget(id string) {
	h.mu.Lock()
	delete(h.waiting, id)
	h.mu.Unlock()
}

func (h *hooks) arrived(id string) {
	now := time.Now()
	h.mu.Lock()
	p, ok := h.waiting[id]
	if ok {
		p.count++
		if p.count == 1 {
			p.got = now
			close(p.done)
		}
	}
	stray := !ok || p.count > 1
	h.mu.Unlock()
	if stray {
		h.stray.Add(1)
	}
}

// loopResult is one run of one server.
type loopResult struct {
	name             string
	replies, refused int
	fails            int
	elapsed          time.Duration
	lat              []time.Duration // reply latency, sorted
	acks             []time.Duration // acknowledgement latency (open loop: from the planned send), sorted
	refusedAcks      []time.Duration // open loop: a refusal's acknowledgement from its actual send, sorted
	fromSend         []time.Duration // open loop: an accepted command's reply from its actual send, sorted
	server           serverAcks      // the acknowledgements as the bot counted them (its /metrics)
	afterAck         []time.Duration // from the acknowledgement to the reply, sorted
	rssKiB, hwmKiB   int64           // the bot process after the run, and its peak during it
	cpu              time.Duration   // CPU time (user and system) the server process spent during the run
	logLines         int64           // lines the bot logged during the run
	load1            float64
}

func (r loopResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

func pctOf(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(len(lat)-1, int(float64(len(lat))*p))]
}

func (r loopResult) perSec() float64 { return float64(r.replies) / r.elapsed.Seconds() }

// cpuPerReply is the server process's CPU time per reply: unlike replies/s,
// it does not move with what else the cores are doing.
func (r loopResult) cpuPerReply() time.Duration {
	if r.replies == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.replies)
}

// signRequest signs a slash command from user with text, answered at hookBase/id.
func signRequest(hookBase, id, user, text string) signed {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	body := url.Values{
		"token": {"bench"}, "team_id": {"T0BENCH"}, "team_domain": {"bench"}, "channel_id": {"C0BENCH"},
		"channel_name": {"bench"}, "user_id": {user}, "user_name": {user}, "command": {"/talk"}, "text": {text},
		"api_app_id": {"A0BENCH"}, "is_enterprise_install": {"false"},
		"response_url": {hookBase + id}, "trigger_id": {id},
	}.Encode()
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	return signed{body: body, ts: ts, sig: "v0=" + hex.EncodeToString(mac.Sum(nil))}
}

// post sends one signed request and reads its acknowledgement: accepted is an
// empty 200; a 200 with a body is a refusal ("I'm swamped").
func post(ctx context.Context, client *http.Client, target string, s signed) (accepted bool, err error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(s.body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", s.ts)
	req.Header.Set("X-Slack-Signature", s.sig)
	res, err := client.Do(req)
	if err != nil {
		return false, err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false, fmt.Errorf("ack status %d: %s", res.StatusCode, b)
	}
	return len(b) == 0, nil
}

// userID is the i-th bench user: the generated database's own users, so a
// `list` shows a real history.
func userID(i int) string { return fmt.Sprintf("u%05d", i+1) }

// textFor is the command a closed or open loop sends.
func textFor(kind, run string, i int) string {
	if kind == "add" {
		return fmt.Sprintf("add Bench talk %s %d 4/5 #bench -- a note", run, i)
	}
	return kind
}

// closedLoop runs users users at once, each sending a command and waiting for
// its reply before the next, for dur (or perUser commands each).
func closedLoop(ctx context.Context, client *http.Client, h *hooks, hookBase, target, kind, run string, o replyOptions) (loopResult, error) {
	var mu sync.Mutex
	var res loopResult
	var seq atomic.Int64
	start := time.Now()
	deadline := start.Add(o.dur)
	var wg sync.WaitGroup
	var firstErr error
	for u := range o.users {
		wg.Go(func() {
			var lat, acks, after []time.Duration
			refused, fails := 0, 0
			for n := 0; o.perUser == 0 || n < o.perUser; n++ {
				if o.perUser == 0 && time.Now().After(deadline) {
					break
				}
				i := int(seq.Add(1))
				id := fmt.Sprintf("%s.%d", run, i)
				s := signRequest(hookBase, id, userID(u), textFor(kind, run, i))
				t0 := time.Now()
				p := h.expect(id, t0)
				ok, err := post(ctx, client, target, s)
				acked := time.Now()
				acks = append(acks, acked.Sub(t0))
				if err != nil || !ok {
					h.forget(id)
					if err != nil {
						fails++
						mu.Lock()
						firstErr = cmpErr(firstErr, err)
						mu.Unlock()
					} else {
						refused++
					}
					continue
				}
				select {
				case <-p.done:
					lat = append(lat, p.got.Sub(t0))
					after = append(after, p.got.Sub(acked))
				case <-time.After(30 * time.Second):
					fails++
					mu.Lock()
					firstErr = cmpErr(firstErr, fmt.Errorf("%s: no reply to %s within 30s", target, id))
					mu.Unlock()
				case <-ctx.Done():
					return
				}
				h.forget(id)
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.acks = append(res.acks, acks...)
			res.afterAck = append(res.afterAck, after...)
			res.refused += refused
			res.fails += fails
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.replies = len(res.lat)
	slices.Sort(res.lat)
	slices.Sort(res.acks)
	slices.Sort(res.afterAck)
	return res, errors.Join(firstErr, ctx.Err())
}

func cmpErr(first, err error) error {
	if first == nil {
		return err
	}
	return first
}

// warmUp has users users send `list` once each, conns at a time, each
// waiting for its reply.
func warmUp(ctx context.Context, client *http.Client, h *hooks, hookBase, target, run string, users, conns int) error {
	var next atomic.Int64
	errs := make(chan error, conns)
	for range conns {
		go func() {
			for {
				u := int(next.Add(1)) - 1
				if u >= users {
					errs <- nil
					return
				}
				id := fmt.Sprintf("%s.%d", run, u)
				p := h.expect(id, time.Now())
				ok, err := post(ctx, client, target, signRequest(hookBase, id, userID(u), "list"))
				for try := 0; err == nil && !ok && try < 50; try++ {
					// A cold bot may refuse some at first, as it would a rush of people.
					time.Sleep(100 * time.Millisecond)
					id = fmt.Sprintf("%s.%d.%d", run, u, try)
					p = h.expect(id, time.Now())
					ok, err = post(ctx, client, target, signRequest(hookBase, id, userID(u), "list"))
				}
				if err == nil && !ok {
					err = fmt.Errorf("%s refused 50 times", id)
				}
				if err == nil {
					select {
					case <-p.done:
					case <-time.After(30 * time.Second):
						err = fmt.Errorf("no reply to %s within 30s", id)
					}
				}
				h.forget(id)
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
	for range conns {
		err = cmpErr(err, <-errs)
	}
	return err
}

// openLoop offers n commands at a fixed rate from users users in turn, over
// conns connections, without waiting for replies. A reply's latency counts
// from its command's planned send time, so a server that falls behind cannot
// hide its queue by slowing the client down; fromSend counts it from the
// request's actual send (its wait for a connection included), which leaves
// out the generator's own backlog. It then waits for the reply to every
// accepted command.
func openLoop(ctx context.Context, client *http.Client, h *hooks, hookBase, target, kind, run string, rate float64, n, users, conns int) (loopResult, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var res loopResult
	var accepted []*pending
	var firstErr error
	start := time.Now().Add(10 * time.Millisecond)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			var mine []*pending
			var acks, refusedAcks []time.Duration
			refused, fails := 0, 0
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					break
				}
				planned := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
				if d := time.Until(planned); d > 0 {
					time.Sleep(d)
				}
				id := fmt.Sprintf("%s.%d", run, i)
				s := signRequest(hookBase, id, userID(i%users), textFor(kind, run, i))
				p := h.expect(id, planned)
				p.sentAt = time.Now()
				ok, err := post(ctx, client, target, s)
				p.acked = time.Now()
				acks = append(acks, p.acked.Sub(planned))
				switch {
				case err != nil:
					h.forget(id)
					fails++
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
				case !ok:
					h.forget(id)
					refused++
					refusedAcks = append(refusedAcks, p.acked.Sub(p.sentAt))
				default:
					mine = append(mine, p)
				}
			}
			mu.Lock()
			accepted = append(accepted, mine...)
			res.acks = append(res.acks, acks...)
			res.refusedAcks = append(res.refusedAcks, refusedAcks...)
			res.refused += refused
			res.fails += fails
			mu.Unlock()
		})
	}
	wg.Wait()
	sent := time.Since(start)
	limit := time.After(2 * time.Minute)
	for _, p := range accepted {
		select {
		case <-p.done:
			res.lat = append(res.lat, p.got.Sub(p.sent))
			res.afterAck = append(res.afterAck, p.got.Sub(p.acked))
			res.fromSend = append(res.fromSend, p.got.Sub(p.sentAt))
		case <-limit:
			res.fails++
			firstErr = cmpErr(firstErr, fmt.Errorf("%s: accepted commands not answered within 2 minutes", target))
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	res.elapsed = max(sent, time.Duration(float64(n-1)/rate*float64(time.Second)))
	res.replies = len(res.lat)
	slices.Sort(res.lat)
	slices.Sort(res.acks)
	slices.Sort(res.refusedAcks)
	slices.Sort(res.fromSend)
	slices.Sort(res.afterAck)
	h.mu.Lock()
	clear(h.waiting)
	h.mu.Unlock()
	return res, firstErr
}

// procStatus reads VmRSS and VmHWM (peak) of a process, in KiB.
func procStatus(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm
}

// procCPU is the CPU time a process has used, user and system.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times.
const clockTicks = 100

// resetPeak starts a new peak for VmHWM.
func resetPeak(pid int) { _ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) }

func loadAvg() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// lineCounter counts the lines of the bot's log, copying them to w.
type lineCounter struct {
	n atomic.Int64
}

func (c *lineCounter) copy(r io.Reader, w io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		c.n.Add(1)
		if w != nil {
			fmt.Fprintln(w, sc.Text())
		}
	}
}

// runReply is the reply mode: closed loops (the reference, then each
// command), an open loop at a fixed rate, and overload at a multiple of the
// closed loop's capacity followed by a closed loop to show recovery.
func runReply(ctx context.Context, o replyOptions, out io.Writer) ([]loopResult, error) {
	h := newHooks()
	apiURL, stopAPI, err := serveStandIn(func(id string) { h.arrived(id) })
	if err != nil {
		return nil, err
	}
	defer stopAPI()
	db := ""
	if o.talks > 0 {
		if db, err = benchDB(ctx, o); err != nil {
			return nil, err
		}
		defer benchdb.Remove(db)
	}
	var logOut io.Writer
	if o.botLog != "" {
		f, err := os.Create(o.botLog)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		logOut = f
	}
	lines := &lineCounter{}
	child, err := startServer(ctx, childOptions{api: apiURL, db: db, durable: o.durable, logLevel: o.logLevel, cpuProfile: o.cpuProf, maxWait: o.maxWait},
		func(r io.Reader) { lines.copy(r, logOut) })
	if err != nil {
		return nil, err
	}
	defer child.stop()
	conns := max(o.conns, o.users)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 30 * time.Second}
	hookBase := apiURL + "/hooks/"
	botURL := "http://" + child.bot + "/slack/events"
	refURL := "http://" + child.ref + "/slack/events"
	metricsURL := "http://" + child.bot + "/metrics"

	// Warm-up: every user once (their user row, the caches), and both servers' connections.
	warmUsers := max(o.warm, o.users)
	if err := warmUp(ctx, client, h, hookBase, refURL, "warmref", min(warmUsers, 200), conns); err != nil {
		return nil, fmt.Errorf("warm-up of the reference: %w", err)
	}
	if err := warmUp(ctx, client, h, hookBase, botURL, "warm", warmUsers, conns); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}

	var results []loopResult
	measure := func(name string, f func() (loopResult, error)) (loopResult, error) {
		acksBefore, err := scrapeAcks(ctx, client, metricsURL)
		if err != nil {
			return loopResult{}, err
		}
		resetPeak(child.pid)
		before, cpuBefore := lines.n.Load(), procCPU(child.pid)
		r, err := f()
		r.cpu = procCPU(child.pid) - cpuBefore
		r.name = name
		if acksAfter, scrapeErr := scrapeAcks(ctx, client, metricsURL); scrapeErr == nil {
			r.server = acksSince(acksAfter, acksBefore)
		} else if err == nil {
			err = scrapeErr
		}
		time.Sleep(50 * time.Millisecond) // the last log lines
		r.logLines = lines.n.Load() - before
		r.rssKiB, r.hwmKiB = procStatus(child.pid)
		r.load1 = loadAvg()
		results = append(results, r)
		if err == nil && r.fails > 0 {
			err = fmt.Errorf("%s: %d commands failed", name, r.fails)
		}
		return r, err
	}
	kinds := o.onlyTexts
	if len(kinds) == 0 {
		kinds = []string{"list", "add"}
	}
	var capacity float64
	for _, kind := range kinds {
		if _, err := measure(fmt.Sprintf("reference, closed loop, %d users", o.users), func() (loopResult, error) {
			return closedLoop(ctx, client, h, hookBase, refURL, kind, "ref"+kind, o)
		}); err != nil {
			return results, err
		}
		r, err := measure(fmt.Sprintf("talkbot `%s`, closed loop, %d users", kind, o.users), func() (loopResult, error) {
			return closedLoop(ctx, client, h, hookBase, botURL, kind, "cl"+kind, o)
		})
		if err != nil {
			return results, err
		}
		if kind == "list" || capacity == 0 {
			capacity = r.perSec()
		}
	}
	if o.rate > 0 {
		n := o.openN
		if n == 0 {
			n = int(o.rate * o.dur.Seconds())
		}
		for _, srv := range []struct{ name, url string }{{"reference", refURL}, {"talkbot `list`", botURL}} {
			if _, err := measure(fmt.Sprintf("%s, open loop, %.0f/s", srv.name, o.rate), func() (loopResult, error) {
				return openLoop(ctx, client, h, hookBase, srv.url, "list", "open"+srv.name[:3], o.rate, n, warmUsers, conns)
			}); err != nil {
				return results, err
			}
		}
	}
	if o.overload > 0 && capacity > 0 {
		rate := o.overload * capacity
		n := int(rate * o.overDur.Seconds())
		if _, err := measure(fmt.Sprintf("talkbot `list`, open loop at %.0f× capacity (%.0f/s)", o.overload, rate), func() (loopResult, error) {
			return openLoop(ctx, client, h, hookBase, botURL, "list", "over", rate, n, warmUsers, max(conns, 64))
		}); err != nil {
			return results, err
		}
		if _, err := measure(fmt.Sprintf("talkbot `list`, closed loop, %d users, right after", o.users), func() (loopResult, error) {
			return closedLoop(ctx, client, h, hookBase, botURL, "list", "after", o)
		}); err != nil {
			return results, err
		}
		// The bot returns a burst's memory once it has been quiet a while.
		if _, err := measure("talkbot, idle 6 s after (memory only)", func() (loopResult, error) {
			client.CloseIdleConnections()
			time.Sleep(6 * time.Second)
			return loopResult{elapsed: time.Second}, nil
		}); err != nil {
			return results, err
		}
	}
	if n := h.stray.Load(); n > 0 {
		return results, fmt.Errorf("%d replies came twice or unasked", n)
	}

	mode := "synchronous=NORMAL"
	if o.durable {
		mode = "synchronous=FULL (the bot's setting)"
	}
	fmt.Fprintf(out, "reply mode: %d talks, %s, LOG_LEVEL=%s, %d users warmed up, %d CPUs, %s/%s\n\n",
		o.talks, mode, o.logLevel, warmUsers, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintln(out, "| run | replies/s | reply p50 | reply p99 | max | ack p99 | ack to reply p50 / p99 | server CPU per reply | refused | bot RSS after (peak) | bot log lines | load avg |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %s | %s | %s / %s | %s | %d | %.1f MB (%.1f) | %d | %.2f |\n", r.name, r.perSec(),
			ms(r.pct(0.5)), ms(r.pct(0.99)), ms(r.pct(1)), ms(pctOf(r.acks, 0.99)), ms(pctOf(r.afterAck, 0.5)), ms(pctOf(r.afterAck, 0.99)),
			ms(r.cpuPerReply()), r.refused, float64(r.rssKiB)/1024, float64(r.hwmKiB)/1024, r.logLines, r.load1)
	}
	fmt.Fprintln(out, "\nThe bot's acknowledgements of slash commands, as it counted them (talkbot_slack_ack_seconds, bucket bounds):")
	fmt.Fprintln(out)
	for _, r := range results {
		if len(r.server) == 0 {
			continue
		}
		fmt.Fprintf(out, "- %s: %s", r.name, r.server)
		if len(r.refusedAcks) > 0 {
			fmt.Fprintf(out, "; refusals from the generator's send: p50 %s, p99 %s", ms(pctOf(r.refusedAcks, 0.5)), ms(pctOf(r.refusedAcks, 0.99)))
		}
		if len(r.fromSend) > 0 {
			fmt.Fprintf(out, "; accepted replies from the generator's send: p50 %s, p99 %s", ms(pctOf(r.fromSend, 0.5)), ms(pctOf(r.fromSend, 0.99)))
		}
		fmt.Fprintln(out)
	}
	return results, nil
}

// benchDB returns a fresh copy of the generated database with o.talks talks
// (bench/bench_test.go's sizes scaled to them; its users are Slack users of
// workspace T0BENCH), generating it the first time into o.outDir.
func benchDB(ctx context.Context, o replyOptions) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	scale := float64(o.talks) / 100_000
	scaled := func(n int) int { return max(1, int(float64(n)*scale+0.5)) }
	g := storegen.Options{Platform: talkbot.PlatformSlack, Workspace: "T0BENCH", Talks: o.talks,
		Users: scaled(10_000), Notes: scaled(1_000_000), LogsPerUser: 30, Seed: 1}
	g.Recommendations = g.Users / 2
	return benchdb.Copy(ctx, root, o.outDir, fmt.Sprintf("slack-run-%d.db", os.Getpid()), g)
}
