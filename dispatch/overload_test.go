package dispatch

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// logLines records what was logged, for tests that count lines.
type logLines struct {
	mu    sync.Mutex
	lines []slog.Record
}

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }
func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r.Clone())
	return nil
}
func (l *logLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLines) WithGroup(string) slog.Handler      { return l }

// refusedCounts returns the refusal summaries logged: the count of each line.
func (l *logLines) refusedCounts() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int64
	for _, r := range l.lines {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "refused" {
				out = append(out, a.Value.Int64())
			}
			return true
		})
	}
	return out
}

// A thousand refusals in a burst make one summary line with their count,
// not a thousand lines.
func TestRefusalsAreLoggedAsOneSummary(t *testing.T) {
	logs := &logLines{}
	rt := New(Config{Handler: &fakeHandler{}, Workers: 1, Queue: 1, MaxQueueWait: time.Hour, Logger: slog.New(logs)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rt.Run(ctx)
	block := make(chan struct{})
	started := make(chan struct{})
	rt.Submit(Job{Run: func(context.Context) { close(started); <-block }})
	<-started
	if !rt.Submit(Job{Run: func(context.Context) {}}) {
		t.Fatal("the queue's one place was refused")
	}
	refused := 0
	for range 1000 {
		if !rt.Submit(Job{Run: func(context.Context) {}}) {
			refused++
		}
	}
	if refused != 1000 {
		t.Fatalf("%d of 1000 refused with the worker busy and the queue full, want all", refused)
	}
	// A burst that straddles the summary's second makes a second line a
	// second later: wait for all 1000 to be summed up, not for the first line.
	sum := func(got []int64) (n int64) {
		for _, c := range got {
			n += c
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	for sum(logs.refusedCounts()) < 1000 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // polling the log, not synchronising
	}
	got := logs.refusedCounts()
	if sum(got) != 1000 || len(got) > 2 { // a burst that straddles a second makes two
		t.Errorf("refusal summaries %v: want 1000 refusals in one or two lines", got)
	}
	close(block)
}

// Under a surge, jobs offered far faster than they finish, Submit refuses
// once the waiting jobs would keep a new one past MaxQueueWait; a stall with
// a light load piles jobs up just as high but refuses none; once the surge
// is over, jobs are taken again at once.
func TestASurgeIsRefusedAStallIsNot(t *testing.T) {
	rt, job, advance, finishOne, drain := pacedRuntime(t, 0)

	// A steady 100 jobs a second, each done in 10ms.
	for range 60 {
		if !rt.Submit(job) {
			t.Fatal("a job was refused at a steady load")
		}
		advance(10 * time.Millisecond)
		finishOne()
	}

	// The machine stalls for a second while jobs keep coming at 50 a
	// second: fifty wait, more than 50ms of work at the rate jobs finished,
	// and every one is taken.
	for i := range 50 {
		if !rt.Submit(job) {
			t.Fatalf("job %d refused in a stall at a light load", i)
		}
		advance(20 * time.Millisecond)
	}
	drain()
	for range 30 { // steady again
		rt.Submit(job)
		advance(10 * time.Millisecond)
		finishOne()
	}

	// The whole process stalls for 600ms: the 60 commands sent meanwhile
	// arrive together afterwards, and every one is taken.
	advance(600 * time.Millisecond)
	for i := range 60 {
		if !rt.Submit(job) {
			t.Fatalf("job %d of a stall's backlog refused", i)
		}
		advance(20 * time.Microsecond)
	}
	drain()
	for range 30 {
		rt.Submit(job)
		advance(10 * time.Millisecond)
		finishOne()
	}

	// A surge: 300 jobs in 15ms, with the worker busy. It is seen once it
	// is about half of the last 256 offers.
	accepted := 0
	for range 300 {
		if rt.Submit(job) {
			accepted++
		}
		advance(50 * time.Microsecond)
	}
	t.Logf("%d of 300 taken in the surge", accepted)
	if accepted > 200 {
		t.Errorf("%d of 300 jobs taken in a surge at 200 times the rate they finish; want the first ones only", accepted)
	}
	if accepted < 5 {
		t.Errorf("only %d jobs taken at the start of a surge", accepted)
	}
	drain()

	// The surge is over: the next job is taken.
	advance(time.Second)
	if !rt.Submit(job) {
		t.Error("a job was refused after the surge")
	}
	drain()
}

// pacedRuntime is a runtime of one worker on a clock the test moves, with
// a job that runs until finishOne releases it (at the clock's time).
func pacedRuntime(t *testing.T, maxWait time.Duration) (rt *Runtime, job Job, advance func(time.Duration), finishOne, drain func()) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance = func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	rt = New(Config{Handler: &fakeHandler{}, Workers: 1, Queue: 1000, MaxQueueWait: maxWait, Logger: slog.New(slog.DiscardHandler), Now: clock})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go rt.Run(ctx)
	release := make(chan struct{})
	job = Job{Run: func(context.Context) { <-release }}
	finishOne = func() {
		n := rt.Pending()
		release <- struct{}{}
		for deadline := time.Now().Add(10 * time.Second); rt.Pending() != n-1; {
			if time.Now().After(deadline) {
				t.Fatal("a released job never finished")
			}
			time.Sleep(time.Millisecond) // polling the pool, not synchronising
		}
	}
	drain = func() {
		for rt.Pending() > 0 {
			finishOne()
		}
	}
	return rt, job, advance, finishOne, drain
}

// A burst that a long MaxQueueWait allows is taken whole: after a quiet
// spell (a few jobs, then seconds of nothing, had made the finishing rate a
// job every few seconds), and when the first window of finishes closes in
// the middle of it (the queue's limit was read from the rate before, none).
// The Slack harness's flat-out run had one command in 300 refused, about one
// run in twenty.
func TestABurstWithinMaxQueueWaitIsTaken(t *testing.T) {
	burst := func(t *testing.T, rt *Runtime, job Job, advance func(time.Duration)) {
		for i := range 600 { // at 5,000 a second, the worker busy
			if !rt.Submit(job) {
				t.Fatalf("job %d of the burst refused", i)
			}
			advance(200 * time.Microsecond)
		}
	}
	t.Run("after a quiet spell", func(t *testing.T) {
		rt, job, advance, finishOne, drain := pacedRuntime(t, time.Hour)
		rt.Submit(job)
		advance(time.Millisecond)
		finishOne()
		advance(12 * time.Second)
		rt.Submit(job)
		finishOne()
		burst(t, rt, job, advance)
		drain()
	})
	t.Run("across the first window", func(t *testing.T) {
		rt, job, advance, finishOne, drain := pacedRuntime(t, time.Hour)
		for range 100 { // 200ms of jobs, 2ms each: no window closed yet
			rt.Submit(job)
			advance(2 * time.Millisecond)
			finishOne()
		}
		burst(t, rt, job, advance)
		drain()
	})
}
