package dispatch

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestShutdownFinishesQueuedJobsOnEveryWorker: jobs still queued when the
// runtime is told to stop run to the end, several at once as before, not
// one after another behind the slowest.
func TestShutdownFinishesQueuedJobsOnEveryWorker(t *testing.T) {
	const workers = 4
	rt := New(Config{Handler: &fakeHandler{}, Workers: workers, Logger: slog.New(slog.DiscardHandler), Grace: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rt.Run(ctx); close(done) }()

	hold := make(chan struct{})
	var busy sync.WaitGroup
	busy.Add(workers)
	for range workers { // occupy every worker
		rt.Submit(Job{Name: "hold", Run: func(context.Context) { busy.Done(); <-hold }})
	}
	busy.Wait()
	// Four queued jobs that can only finish together: each waits at a barrier for the other three.
	var arrived atomic.Int32
	barrier := make(chan struct{})
	var passed atomic.Int32
	for range workers {
		if !rt.Submit(Job{Name: "queued", Run: func(ctx context.Context) {
			if arrived.Add(1) == workers {
				close(barrier)
			}
			select {
			case <-barrier:
				passed.Add(1)
			case <-ctx.Done():
			}
		}}) {
			t.Fatal("the queue refused a job")
		}
	}
	cancel()
	close(hold)
	<-done
	if n := passed.Load(); n != workers {
		t.Errorf("%d of %d queued jobs finished after shutdown began, want all (run side by side)", n, workers)
	}
	if rt.Submit(Job{Name: "late", Run: func(context.Context) {}}) {
		t.Error("a stopped runtime took a job")
	}
}

// TestShutdownGivesUpAfterTheGrace: a job that would run forever is
// cancelled once the grace period is over, and Run returns.
func TestShutdownGivesUpAfterTheGrace(t *testing.T) {
	rt := New(Config{Handler: &fakeHandler{}, Logger: slog.New(slog.DiscardHandler), Grace: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { rt.Run(ctx); close(done) }()
	started := make(chan struct{})
	var cancelled atomic.Bool
	rt.Submit(Job{Name: "forever", Run: func(ctx context.Context) {
		close(started)
		<-ctx.Done()
		cancelled.Store(true)
	}})
	<-started
	cancel()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Run did not return after the grace period")
	}
	if !cancelled.Load() {
		t.Error("the job's context was not cancelled")
	}
}
