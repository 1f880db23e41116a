// Package bench measures talkbot end to end, through commands.Router.Handle,
// on a large generated database: 100k talks, 10k users, ~300k logs and 1M
// notes. BENCHMARKS.md has the results and how to reproduce them.
//
// The database is generated once into out/, named after its sizes and a hash
// of the schema and the generator, and copied before every run, so write
// benchmarks never change what the next run reads. BENCH_SCALE=0.1 scales
// talks, users and notes down for a quick run.
package bench

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/bench/benchdb"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/schedule"
	"github.com/talkbot/talkbot/store"
	"github.com/talkbot/talkbot/store/storegen"
)

// The full size, from the issue; BENCH_SCALE multiplies talks, users and notes.
const (
	fullTalks   = 100_000
	fullUsers   = 10_000
	fullNotes   = 1_000_000
	logsPerUser = 30
	seed        = 1
	workspace   = "bench"
	// parallelism×GOMAXPROCS goroutines send commands at once in the parallel
	// benchmarks, as an adapter handling several messages at a time does.
	parallelism = 4
)

// fixture is the database and router every benchmark shares.
type fixture struct {
	path   string // this run's copy of the database
	store  *store.Store
	router *commands.Router
	users  int
	talks  int
	adds   atomic.Int64 // numbers new talk titles, unique across benchmarks
	rates  atomic.Int64 // numbers ratings, so none repeats one given before
}

var shared struct {
	once sync.Once
	f    *fixture
	err  error
}

func TestMain(m *testing.M) {
	m.Run()
	if shared.f != nil {
		shared.f.store.Close()
		benchdb.Remove(shared.f.path)
	}
}

// setup returns the shared fixture, generating the database the first time.
func setup(b *testing.B) *fixture {
	b.Helper()
	shared.once.Do(func() { shared.f, shared.err = newFixture(context.Background()) })
	if shared.err != nil {
		b.Fatal(shared.err)
	}
	return shared.f
}

func newFixture(ctx context.Context) (*fixture, error) {
	scale := 1.0
	if s := os.Getenv("BENCH_SCALE"); s != "" {
		var err error
		if scale, err = strconv.ParseFloat(s, 64); err != nil || scale <= 0 {
			return nil, fmt.Errorf("BENCH_SCALE must be a positive number, like 0.1; got %q", s)
		}
	}
	g := storegen.Options{
		Platform: talkbot.PlatformConsole, Workspace: workspace,
		Talks: scaled(fullTalks, scale), Users: scaled(fullUsers, scale), Notes: scaled(fullNotes, scale),
		LogsPerUser: logsPerUser, Seed: seed,
	}
	g.Recommendations = g.Users / 2
	work, err := benchdb.Copy(ctx, "..", "out", fmt.Sprintf("run-%d.db", os.Getpid()), g)
	if err != nil {
		return nil, err
	}

	// The clock starts at noon on the conference's second day, so `today` is a
	// conference day, and runs on in real time, so rate limits refill as they would.
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return nil, err
	}
	base, start := time.Date(2026, 3, 25, 12, 0, 0, 0, ams), time.Now()
	clock := func() time.Time { return base.Add(time.Since(start)) }

	s, err := store.Open(ctx, work, store.Options{Now: clock})
	if err != nil {
		return nil, err
	}
	f := &fixture{
		path:   work,
		store:  s,
		router: commands.New(commands.Config{Store: s, Now: clock, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))}),
		users:  g.Users,
		talks:  g.Talks,
	}
	// Benchmarks address talks as #1…#Talks; make sure that holds.
	u, err := s.User(ctx, g.Platform, g.Workspace, storegen.UserID(g.Users), "")
	if err == nil {
		_, err = s.Talk(ctx, u.WorkspaceID, int64(g.Talks))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("the database generated in out/ is not the one the benchmarks expect (delete it to regenerate): %w", err)
	}
	return f, nil
}

func scaled(n int, scale float64) int { return max(1, int(float64(n)*scale+0.5)) }

// request is command text from the n-th generated user.
func (f *fixture) request(n int64, text string) commands.Request {
	return commands.Request{
		Platform:  talkbot.PlatformConsole,
		Workspace: workspace,
		UserID:    storegen.UserID(int(n%int64(f.users)) + 1),
		Text:      text,
	}
}

// talk is the n-th talk of a fixed walk through all of them (7919 is a prime
// that divides no size the benchmarks use, so the walk visits every talk).
func (f *fixture) talk(n int64) int64 { return 1 + (n*7919+13)%int64(f.talks) }

// check says what is wrong with a reply, if anything; every reply must be a
// success, so a benchmark of an error path cannot pass unnoticed.
type check func(rep commands.Reply) error

func ok(rep commands.Reply) error {
	if rep.Kind != commands.KindOK {
		return fmt.Errorf("reply of kind %d: %s", rep.Kind, rep.Text())
	}
	return nil
}

// startsWith wants a successful reply beginning with prefix.
func startsWith(prefix string) check {
	return func(rep commands.Reply) error {
		if err := ok(rep); err != nil {
			return err
		}
		if !strings.HasPrefix(rep.Text(), prefix) {
			return fmt.Errorf("reply does not start with %q: %s", prefix, rep.Text())
		}
		return nil
	}
}

// showsTalks wants a successful reply that lists at least one talk.
func showsTalks(rep commands.Reply) error {
	if err := ok(rep); err != nil {
		return err
	}
	if len(rep.Talks()) == 0 {
		return fmt.Errorf("reply shows no talks: %s", rep.Text())
	}
	return nil
}

// measure runs one command an iteration and reports latency percentiles,
// throughput and memory.
func measure(b *testing.B, f *fixture, next func(n int64) commands.Request, want check) {
	ctx := context.Background()
	resetPeakRSS()
	lat := make([]time.Duration, 0, 1<<14)
	var n int64
	for b.Loop() {
		req := next(n)
		n++
		start := time.Now()
		rep := f.router.Handle(ctx, req)
		lat = append(lat, time.Since(start))
		if err := want(rep); err != nil {
			b.Fatalf("%q from %s: %v", req.Text, req.UserID, err)
		}
	}
	report(b, lat)
}

// measureParallel is measure with parallelism×GOMAXPROCS goroutines sending
// commands at once; the store has one write connection, so what overlaps is
// everything but the write transaction itself.
func measureParallel(b *testing.B, f *fixture, next func(n int64) commands.Request, want check) {
	ctx := context.Background()
	resetPeakRSS()
	var counter atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var lat []time.Duration
		defer func() {
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
		for pb.Next() {
			req := next(counter.Add(1))
			start := time.Now()
			rep := f.router.Handle(ctx, req)
			lat = append(lat, time.Since(start))
			if err := want(rep); err != nil {
				b.Errorf("%q from %s: %v", req.Text, req.UserID, err)
				return
			}
		}
	})
	b.StopTimer()
	report(b, all)
}

// report adds p50 and p99 latency, operations per second, the process's peak
// resident memory since the benchmark started and the Go heap in use.
func report(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "ops/s")
	if kb, err := peakRSSKiB(); err == nil {
		b.ReportMetric(float64(kb)/1024, "peak-RSS-MB")
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
}

// resetPeakRSS starts the process's peak resident set size (VmHWM) afresh
// from its current size, so each benchmark reports its own peak. Where
// /proc/self/clear_refs cannot be written, the peak is the process's.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSSKiB reads VmHWM from /proc/self/status.
func peakRSSKiB() (int64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(status) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(v)), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// writes runs a write command serially and with parallel senders.
func writes(b *testing.B, next func(f *fixture, n int64) commands.Request, want check) {
	f := setup(b)
	b.Run("serial", func(b *testing.B) { measure(b, f, func(n int64) commands.Request { return next(f, n) }, want) })
	b.Run("parallel", func(b *testing.B) { measureParallel(b, f, func(n int64) commands.Request { return next(f, n) }, want) })
}

// BenchmarkAdd logs a new talk with a rating, a tag and a note: the heaviest write.
func BenchmarkAdd(b *testing.B) {
	writes(b, func(f *fixture, n int64) commands.Request {
		i := f.adds.Add(1)
		return f.request(n, fmt.Sprintf("add Scaling Bench Workloads Without Tears, Take %d 4/5 #bench -- the demo of take %d was great", i, i))
	}, startsWith("Logged new talk"))
}

// BenchmarkAddNewWord is BenchmarkAdd with a title whose new part is a word
// (as a title such as "Taming Kyverno" is), not a number: a typo may hide in
// it, so every stage of the typo search runs before the talk is new.
func BenchmarkAddNewWord(b *testing.B) {
	writes(b, func(f *fixture, n int64) commands.Request {
		w := lettersOf(f.adds.Add(1))
		return f.request(n, fmt.Sprintf("add Scaling Bench Workloads Without Tears, Take %s 4/5 #bench -- the demo of take %s was great", w, w))
	}, startsWith("Logged new talk"))
}

// BenchmarkAddRealTitle logs the talks of a real schedule (KubeCon EU 2026,
// ../shared/data) by title, as people type them into the log: none is in
// the generated database, and few have a number to tell at once that they
// are new, so the typo search runs its stages for most. Titles holding
// "Day:" ("Agentics Day: MCP + Agents") are left out: `day:` reads as the
// day option there and the bot asks for its value. Past the schedule's
// titles, they come round again with a new word at their end.
func BenchmarkAddRealTitle(b *testing.B) {
	data, err := os.ReadFile("../../shared/data/kubecon_eu_2026_sched_all.ics")
	if err != nil {
		b.Fatal(err)
	}
	sched, err := schedule.Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	var titles []string
	for _, s := range sched.Sessions {
		if !strings.Contains(strings.ToLower(s.Title), "day:") && !slices.Contains(titles, s.Title) {
			titles = append(titles, s.Title)
		}
	}
	f := setup(b)
	next := func(n int64) commands.Request {
		t := titles[n%int64(len(titles))]
		if round := n / int64(len(titles)); round > 0 {
			t += " " + lettersOf(round)
		}
		return f.request(n, "add "+t+" 4/5")
	}
	measure(b, f, next, func(rep commands.Reply) error {
		if !strings.HasPrefix(rep.Text(), "Logged") && !strings.HasPrefix(rep.Text(), "Several talks match") {
			return fmt.Errorf("want it logged or asked back, got: %s", rep.Text())
		}
		return nil
	})
}

// lettersOf spells n as a word no generated title holds ("zqxaa", "zqxbb",
// …): each letter twice, so two of them are never one typo apart.
func lettersOf(n int64) string {
	w := []byte("zqx")
	for {
		w = append(w, byte('a'+n%26), byte('a'+n%26))
		if n /= 26; n == 0 {
			return string(w)
		}
	}
}

// BenchmarkNote adds a note to a talk by #id.
func BenchmarkNote(b *testing.B) {
	writes(b, func(f *fixture, n int64) commands.Request {
		return f.request(n, fmt.Sprintf("note #%d try this on our staging cluster before the next upgrade", f.talk(n)))
	}, startsWith("Noted"))
}

// BenchmarkRate rates a talk by #id.
func BenchmarkRate(b *testing.B) {
	writes(b, func(f *fixture, n int64) commands.Request {
		// Numbered across runs, as adds are: each b.N restarts n, and a
		// rating given again is "Already rated", not "Rated".
		i := f.rates.Add(1)
		return f.request(i, fmt.Sprintf("rate #%d %d", f.talk(i), 1+i%5))
	}, ratedOrAlready)
}

// ratedOrAlready accepts "Rated", and "Already rated" for the rare talk the
// generated data has its user rate the same already (a few in 10,000).
func ratedOrAlready(rep commands.Reply) error {
	if err := startsWith("Rated")(rep); err != nil && startsWith("Already rated")(rep) != nil {
		return err
	}
	return nil
}

// reads runs each of the read commands serially, each as a sub-benchmark.
func reads(b *testing.B, cases []struct{ name, text string }) {
	f := setup(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			measure(b, f, func(n int64) commands.Request { return f.request(n, c.text) }, showsTalks)
		})
	}
}

// BenchmarkList lists the user's own talks (about 30 each), the users in
// turn through all of them, and then the first 16 over and over, as the
// Slack harness's closed loop has them: their pages stay cached.
func BenchmarkList(b *testing.B) {
	reads(b, []struct{ name, text string }{{"mine", "list"}, {"team-today", "list today team"}})
	f := setup(b)
	b.Run("mine-16-users", func(b *testing.B) {
		measure(b, f, func(n int64) commands.Request { return f.request(n%16, "list") }, showsTalks)
	})
}

// BenchmarkHighlights shows the team's top talks, overall, today and for a tag.
func BenchmarkHighlights(b *testing.B) {
	reads(b, []struct{ name, text string }{{"team", "highlights"}, {"today", "highlights today"}, {"tag", "highlights #ebpf"}})
}

// BenchmarkSearch searches for a word in 80% of the talks, one in a few dozen
// talks and notes (74 and 147 at full size), and one found only in notes (~100k).
func BenchmarkSearch(b *testing.B) {
	reads(b, []struct{ name, text string }{{"common", "search kubernetes"}, {"rare", "search kubewarden"}, {"notes", "search staging"}})
}

// BenchmarkWatch suggests recordings: the user's own list, recommendations and team favourites.
func BenchmarkWatch(b *testing.B) {
	reads(b, []struct{ name, text string }{{"watch", "watch"}})
}

// BenchmarkBareInsert is the ceiling for write commands on this machine: a
// loop inserting a note-sized row per transaction with the store's DSN
// settings, no router, no indexes and no triggers. The batched variant puts
// 1,000 rows in a transaction, as the generator does.
func BenchmarkBareInsert(b *testing.B) {
	const text = "try this on our staging cluster before the next upgrade; the demo was great"
	for _, perTx := range []int{1, 1000} {
		name := "tx-per-row"
		if perTx > 1 {
			name = "batched"
		}
		b.Run(name, func(b *testing.B) {
			db, err := sql.Open("sqlite3", store.DSN(filepath.Join(b.TempDir(), "bare.db")))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			if _, err := db.Exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, talk_id INTEGER NOT NULL,
				user_id INTEGER NOT NULL, text TEXT NOT NULL, created_at TEXT NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			ins, err := db.Prepare(`INSERT INTO notes (talk_id, user_id, text, created_at) VALUES (?, ?, ?, ?)`)
			if err != nil {
				b.Fatal(err)
			}
			defer ins.Close()
			resetPeakRSS()
			lat := make([]time.Duration, 0, 1<<16)
			var tx *sql.Tx
			n := 0
			for b.Loop() {
				start := time.Now()
				if n%perTx == 0 {
					if tx, err = db.Begin(); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := tx.Stmt(ins).Exec(n%100_000, n%10_000, text, "2026-03-25T12:00:00.000000Z"); err != nil {
					b.Fatal(err)
				}
				n++
				if n%perTx == 0 {
					if err := tx.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				lat = append(lat, time.Since(start))
			}
			if n%perTx != 0 {
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			report(b, lat)
		})
	}
}
