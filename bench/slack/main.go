// Command slack is the benchmark harness of the Slack adapter in HTTP mode.
// It drives signed /talk slash commands, in Slack's form encoding, at
// /slack/events over 127.0.0.1 and reports throughput and the p50/p99/max
// latency of Slack's acknowledgement, next to a do-nothing net/http handler
// on the same machine as the ceiling: flat out, and at a steady rate.
//
// The servers run in a child process (this program again), as the bot runs
// apart from Slack: the adapter over a real router and a real SQLite store in
// a temporary directory, and the do-nothing handler beside it. This process
// plays Slack: it sends the commands, and serves a stand-in Web API and the
// response_url endpoint, which counts the answers, so the report also says
// how long the background work took to answer every command.
//
//	go build -tags 'sqlite_fts5 goolm' -o bin/bench-slack ./bench/slack && bin/bench-slack -n 20000 -c 32 -rate 2000
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot/adapters/slack"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/metrics"
	"github.com/talkbot/talkbot/store"
)

const secret = "bench-signing-secret"

// serveEnv marks the child process that runs the servers.
const serveEnv = "TALKBOT_BENCH_SLACK_SERVE"

func main() {
	if os.Getenv(serveEnv) != "" {
		if err := serveChild(); err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.IntVar(&o.requests, "n", 20000, "slash commands to send in each run")
	flag.IntVar(&o.conns, "c", 32, "concurrent connections")
	flag.IntVar(&o.users, "users", 500, "distinct Slack users sending them")
	flag.IntVar(&o.workers, "workers", 0, "the runtime's workers (0: its default, 16)")
	flag.IntVar(&o.queue, "queue", 0, "the runtime's queue (0: its default, 1000)")
	flag.Float64Var(&o.rate, "rate", 2000, "also send -n commands at this steady rate (0: skip)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the server process to this file")
	flag.DurationVar(&o.maxWait, "max-queue-wait", 0, "the runtime's MaxQueueWait (0: its default, the bot's setting; -1ns: off)")
	mode := flag.String("mode", "ack", "ack: acknowledgements (-n, -c, -rate); reply: replies end to end (-users, -d, -open, -overload)")
	var ro replyOptions
	flag.IntVar(&ro.users, "closed", 16, "reply mode: users in the closed loop, each waiting for its reply")
	flag.DurationVar(&ro.dur, "d", 10*time.Second, "reply mode: length of each closed- and open-loop run")
	flag.IntVar(&ro.warm, "warm", 1000, "reply mode: distinct users who send a command first")
	flag.Float64Var(&ro.rate, "open", 200, "reply mode: offered rate of the open loop, commands/s (0: skip)")
	flag.Float64Var(&ro.overload, "overload", 5, "reply mode: overload at this multiple of the closed loop's `list` rate (0: skip)")
	flag.DurationVar(&ro.overDur, "overload-d", 30*time.Second, "reply mode: length of the overload")
	flag.IntVar(&ro.talks, "talks", 100_000, "reply mode: talks in the generated database (0: an empty database)")
	flag.BoolVar(&ro.durable, "durable", true, "reply mode: the bot's synchronous=FULL (false: NORMAL)")
	flag.StringVar(&ro.logLevel, "log-level", "info", "reply mode: the bot's LOG_LEVEL")
	flag.StringVar(&ro.outDir, "out", "bench/out", "reply mode: where the generated database is kept")
	flag.StringVar(&ro.botLog, "bot-log", "", "reply mode: write the bot's log to this file")
	only := flag.String("only", "", "reply mode: closed-loop commands, comma-separated (list,add)")
	flag.Parse()
	if *mode == "reply" {
		ro.conns, ro.cpuProf, ro.maxWait = o.conns, o.cpuProfile, o.maxWait
		if *only != "" {
			ro.onlyTexts = strings.Split(*only, ",")
		}
		if _, err := runReply(context.Background(), ro, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if _, err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	requests, conns, users, workers, queue int
	maxWait                                time.Duration // the runtime's MaxQueueWait (0: its default)
	rate                                   float64       // commands/s sent to the adapter in the paced run; 0 for none
	cpuProfile                             string
}

// result is one server's run.
type result struct {
	name           string
	ok, busy, fail int
	elapsed        time.Duration
	lat            []time.Duration // sorted
	answered       time.Duration   // until every command was answered through response_url (adapter only)
}

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, int(float64(len(r.lat))*p))]
}

func run(ctx context.Context, o options, out io.Writer) ([]result, error) {
	answered := &counter{}
	apiURL, stopAPI, err := serveStandIn(func(string) { answered.add() })
	if err != nil {
		return nil, err
	}
	defer stopAPI()
	child, err := startServer(ctx, childOptions{api: apiURL, workers: o.workers, queue: o.queue, cpuProfile: o.cpuProfile, maxWait: o.maxWait}, nil)
	if err != nil {
		return nil, err
	}
	defer child.stop()
	bot, base := child.bot, child.base
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.conns, MaxConnsPerHost: o.conns}, Timeout: 30 * time.Second}

	baseURL := "http://" + base + slack.EventsPath
	botURL := "http://" + bot + slack.EventsPath
	warm := requests(apiURL, "warm", min(500, o.requests), o.users)
	if _, err := drive(ctx, client, baseURL, warm, o.conns, 0); err != nil {
		return nil, err
	}
	if _, err := drive(ctx, client, botURL, warm, o.conns, 0); err != nil {
		return nil, err
	}
	if err := answered.wait(ctx, int64(len(warm)), time.Minute); err != nil {
		return nil, err
	}

	type scenario struct {
		name   string
		target string
		rate   float64
		bot    bool
	}
	scenarios := []scenario{
		{"do-nothing net/http handler, flat out", baseURL, 0, false},
		{"talkbot /slack/events, flat out", botURL, 0, true},
	}
	if o.rate > 0 {
		scenarios = append(scenarios,
			scenario{fmt.Sprintf("do-nothing net/http handler, %.0f/s", o.rate), baseURL, o.rate, false},
			scenario{fmt.Sprintf("talkbot /slack/events, %.0f/s", o.rate), botURL, o.rate, true})
	}
	var results []result
	for n, sc := range scenarios {
		answered.reset()
		start := time.Now()
		r, err := drive(ctx, client, sc.target, requests(apiURL, "run"+strconv.Itoa(n), o.requests, o.users), o.conns, sc.rate)
		if err != nil {
			return nil, err
		}
		r.name = sc.name
		if sc.bot {
			if err := answered.wait(ctx, int64(r.ok), 10*time.Minute); err != nil {
				return nil, err
			}
			r.answered = time.Since(start)
		}
		results = append(results, r)
		if sc.bot && r.fail > 0 {
			return nil, fmt.Errorf("%s: %d requests failed", sc.name, r.fail)
		}
	}

	fmt.Fprintf(out, "%d signed slash commands per run, %d connections, %d users, runtime workers %s and queue %s, %d CPUs, %s/%s\n\n",
		o.requests, o.conns, o.users, orDefault(o.workers, "16"), orDefault(o.queue, "1000"), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintln(out, "| server | acks/s | p50 ack | p99 ack | max ack | run | refused busy | errors | all run ones answered after |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		ans := "—"
		if r.answered > 0 {
			ans = fmt.Sprintf("%.1fs (%.0f commands/s)", r.answered.Seconds(), float64(r.ok)/r.answered.Seconds())
		}
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %s | %d | %d | %d | %s |\n", r.name, float64(r.ok+r.busy)/r.elapsed.Seconds(),
			ms(r.pct(0.50)), ms(r.pct(0.99)), ms(r.pct(1)), r.ok, r.busy, r.fail, ans)
	}
	return results, nil
}

func orDefault(n int, def string) string {
	if n <= 0 {
		return def + " (default)"
	}
	return strconv.Itoa(n)
}

// serveChild is the child process: the adapter and the do-nothing handler,
// until its input ends.
func serveChild() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if p := os.Getenv("BENCH_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	apiURL := os.Getenv("BENCH_API")
	workers, _ := strconv.Atoi(os.Getenv("BENCH_WORKERS"))
	queue, _ := strconv.Atoi(os.Getenv("BENCH_QUEUE"))
	path := os.Getenv("BENCH_DB")
	if path == "" {
		dir, err := os.MkdirTemp("", "talkbot-bench-slack-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "bench.db")
	}
	// The bot's own settings: Durable (synchronous=FULL) and its log level.
	st, err := store.Open(ctx, path, store.Options{Durable: os.Getenv("BENCH_DURABLE") == "1"})
	if err != nil {
		return err
	}
	defer st.Close()
	level := slog.LevelError
	if l := os.Getenv("BENCH_LOGLEVEL"); l != "" {
		if err := level.UnmarshalText([]byte(l)); err != nil {
			return err
		}
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	router := commands.New(commands.Config{Store: st, Logger: quiet})
	maxWait, _ := time.ParseDuration(os.Getenv("BENCH_MAXWAIT"))
	rt := dispatch.New(dispatch.Config{Handler: router, Logger: quiet, Workers: workers, Queue: queue, MaxQueueWait: maxWait})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	m := metrics.New() // the bot's own, so the harness can read its acknowledgements as an operator would
	a, err := slack.New(slack.Config{
		SigningSecret: secret, Runtime: rt, Events: st, Logger: quiet, Observer: m,
		API: slackgo.New("xoxb-bench", slackgo.OptionAPIURL(apiURL+"/api/"), slackgo.OptionHTTPClient(&http.Client{Transport: transport})),
		// Each bench user sends far more than a person would: no rate limit.
		Limiter: dispatch.NewLimiter(1<<30, time.Nanosecond),
	})
	if err != nil {
		return err
	}
	actx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { rt.Run(actx) })
	done := make(chan error, 1)
	go func() { done <- a.Run(actx) }()
	// The operator server, as cmd/bot runs it: /healthz, /metrics and Slack's HTTP mode.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	mux.Handle(slack.EventsPath, a.HTTPHandler())
	mux.Handle("GET /metrics", m.Handler(quiet))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	defer func() { srv.Close(); stop(); <-done; wg.Wait() }()

	// The ceiling: a handler that reads the request and answers 200.
	base := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})}
	baseLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go base.Serve(baseLn)
	defer base.Close()

	// The reference for replies: a signed handler that verifies the
	// signature, acknowledges, and posts a fixed reply to response_url.
	ref := &http.Server{Handler: referenceHandler(transport)}
	refLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go ref.Serve(refLn)
	defer ref.Close()

	if err := waitHealthy(ctx, "http://"+ln.Addr().String()+"/healthz"); err != nil {
		return err
	}
	fmt.Printf("bot=%s base=%s ref=%s\n", ln.Addr(), baseLn.Addr(), refLn.Addr())
	<-ctx.Done()
	return nil
}
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// signed is a request ready to send: form body and its signature headers.
type signed struct {
	body, ts, sig string
}

// requests makes n signed slash commands, a mix of writes and reads:
// add, rate, note, list, highlights.
func requests(apiURL, run string, n, users int) []signed {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	out := make([]signed, n)
	for i := range n {
		user := fmt.Sprintf("U%06d", i%users)
		var text string
		switch i / users % 5 {
		case 0:
			text = fmt.Sprintf("add Bench talk %s %d #bench -- seen by %s", run, i, user)
		case 1:
			text = "rate 4"
		case 2:
			text = "note the demo was great"
		case 3:
			text = "list"
		default:
			text = "highlights"
		}
		trigger := fmt.Sprintf("%s.%d.%s", ts, i, run)
		body := url.Values{
			"token": {"bench"}, "team_id": {"T0BENCH"}, "team_domain": {"bench"}, "channel_id": {"C0BENCH"},
			"channel_name": {"bench"}, "user_id": {user}, "user_name": {user}, "command": {"/talk"}, "text": {text},
			"api_app_id": {"A0BENCH"}, "is_enterprise_install": {"false"},
			"response_url": {apiURL + "/hooks/" + trigger}, "trigger_id": {trigger},
		}.Encode()
		mac := hmac.New(sha256.New, []byte(secret))
		fmt.Fprintf(mac, "v0:%s:%s", ts, body)
		out[i] = signed{body: body, ts: ts, sig: "v0=" + hex.EncodeToString(mac.Sum(nil))}
	}
	return out
}

// drive sends reqs over conns connections and times each acknowledgement.
//
// With rate > 0 the requests go out on a fixed schedule (open loop) and each
// latency counts from the request's scheduled time, so a stalled server
// cannot hide its queue by slowing the client down.
func drive(ctx context.Context, client *http.Client, target string, reqs []signed, conns int, rate float64) (result, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var r result
	lat := make([]time.Duration, 0, len(reqs))
	var wg sync.WaitGroup
	start := time.Now()
	if rate > 0 {
		start = start.Add(10 * time.Millisecond) // time for the goroutines to start
	}
	for range conns {
		wg.Go(func() {
			var mine []time.Duration
			var ok, busy, fail int
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) || ctx.Err() != nil {
					break
				}
				t0 := time.Now()
				if rate > 0 {
					t0 = start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
					if d := time.Until(t0); d > 0 {
						time.Sleep(d)
					}
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(reqs[i].body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Slack-Request-Timestamp", reqs[i].ts)
				req.Header.Set("X-Slack-Signature", reqs[i].sig)
				res, err := client.Do(req)
				if err != nil {
					fail++
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				mine = append(mine, time.Since(t0))
				switch {
				case res.StatusCode != http.StatusOK:
					fail++
				case len(b) > 0:
					busy++ // the "I'm swamped" answer: acknowledged, not run
				default:
					ok++
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			r.ok, r.busy, r.fail = r.ok+ok, r.busy+busy, r.fail+fail
			mu.Unlock()
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	if rate > 0 && len(reqs) > 0 {
		// From the first scheduled send to the last answer.
		r.elapsed = max(r.elapsed, time.Duration(float64(len(reqs)-1)/rate*float64(time.Second)))
	}
	slices.Sort(lat)
	r.lat = lat
	return r, ctx.Err()
}

// waitHealthy asks /healthz once: the listener is open before the server
// starts, so the request waits until the server serves.
func waitHealthy(ctx context.Context, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the bench server never answered /healthz: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return errors.New("the bench server's /healthz is not ok")
	}
	return nil
}

// counter counts answers and wakes a waiter when enough have come.
type counter struct {
	mu   sync.Mutex
	n    int64
	want int64
	done chan struct{}
}

func (c *counter) add() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if c.done != nil && c.n >= c.want {
		close(c.done)
		c.done = nil
	}
}

func (c *counter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = 0
}

// wait returns once want answers have come, or fails after limit.
func (c *counter) wait(ctx context.Context, want int64, limit time.Duration) error {
	c.mu.Lock()
	if c.n >= want {
		c.mu.Unlock()
		return nil
	}
	done := make(chan struct{})
	c.done, c.want = done, want
	c.mu.Unlock()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
		return nil
	case <-t.C:
		c.mu.Lock()
		defer c.mu.Unlock()
		return fmt.Errorf("only %d of %d commands answered within %s", c.n, want, limit)
	case <-ctx.Done():
		return ctx.Err()
	}
}
