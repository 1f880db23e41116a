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
	deadline := time.Now().Add(10 * time.Second)
	for len(logs.refusedCounts()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := logs.refusedCounts()
	var sum int64
	for _, n := range got {
		sum += n
	}
	if sum != 1000 || len(got) > 2 { // a burst that straddles a second makes two
		t.Errorf("refusal summaries %v: want 1000 refusals in one or two lines", got)
	}
	close(block)
}

// When the queued jobs would keep a new one waiting longer than
// MaxQueueWait, at the pace the workers have been taking them, Submit
// refuses at once; once the queue is short again, jobs are taken again.
func TestALateQueueRefusesUntilItDrains(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	rt := New(Config{Handler: &fakeHandler{}, Workers: 1, Queue: 100, MaxQueueWait: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler), Now: clock})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rt.Run(ctx)

	// Eight jobs, each taking 100ms of the fake clock.
	const n = 8
	var gates, started [n]chan struct{}
	for i := range n {
		gates[i], started[i] = make(chan struct{}), make(chan struct{})
		if !rt.Submit(Job{Run: func(context.Context) { close(started[i]); <-gates[i] }}) {
			t.Fatalf("job %d refused before the workers were measured", i)
		}
		if i == 0 {
			<-started[0]
		}
	}
	for i := range 2 {
		advance(100 * time.Millisecond)
		close(gates[i])
		<-started[i+1]
	}
	// Five jobs wait (more than lateAfter × the one worker), 100ms apiece:
	// a new one would wait 500ms.
	if rt.Submit(Job{Run: func(context.Context) {}}) {
		t.Error("a job was taken that would wait 500ms, over MaxQueueWait")
	}
	for i := 2; i < n-1; i++ {
		advance(100 * time.Millisecond)
		close(gates[i])
		<-started[i+1]
	}
	// The queue is empty again: the next job is taken.
	ran := make(chan struct{})
	if !rt.Submit(Job{Run: func(context.Context) { close(ran) }}) {
		t.Error("a job was refused with nothing queued")
	}
	close(gates[n-1])
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("the job taken after the overload never ran")
	}
}
