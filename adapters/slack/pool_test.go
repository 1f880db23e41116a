package slack

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"
)

func TestPool(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := newPool(4, 100, slog.New(slog.DiscardHandler))
	p.slots = make(chan struct{}, 1)
	p.slowAfter = 20 * time.Millisecond
	done := make(chan struct{})
	go func() {
		p.run(ctx)
		close(done)
	}()

	t.Run("one user's jobs run in order", func(t *testing.T) {
		var mu sync.Mutex
		var got []int
		for i := range 20 {
			p.submit(job{name: "ordered", key: "T/U1", run: func(context.Context) {
				mu.Lock()
				got = append(got, i)
				mu.Unlock()
			}})
		}
		if err := p.waitIdle(ctx); err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("order = %v", got)
			}
		}
	})

	t.Run("a slow job gives up its slot", func(t *testing.T) {
		release := make(chan struct{})
		ran := make(chan struct{})
		p.submit(job{name: "slow", key: "T/U1", run: func(context.Context) { <-release }})
		// With one slot, this job can start only once the slow one has let go of it.
		p.submit(job{name: "quick", key: "T/U2", run: func(context.Context) { close(ran) }})
		select {
		case <-ran:
		case <-time.After(10 * time.Second):
			t.Fatal("a slow job held up the others")
		}
		close(release)
		if err := p.waitIdle(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a panic is recovered", func(t *testing.T) {
		p.submit(job{name: "panics", run: func(context.Context) { panic("boom") }})
		ok := make(chan struct{})
		p.submit(job{name: "after", run: func(context.Context) { close(ok) }})
		<-ok
		if err := p.waitIdle(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("queued jobs finish after shutdown; new ones are refused", func(t *testing.T) {
		gate := make(chan struct{})
		var mu sync.Mutex
		n := 0
		for range 4 {
			p.submit(job{name: "busy", run: func(context.Context) { <-gate }})
		}
		for range 10 {
			p.submit(job{name: "queued", run: func(context.Context) { mu.Lock(); n++; mu.Unlock() }})
		}
		cancel()
		close(gate)
		<-done
		if n != 10 {
			t.Errorf("%d of 10 queued jobs ran", n)
		}
		if p.submit(job{name: "late", run: func(context.Context) {}}) {
			t.Error("a stopped pool took a job")
		}
	})
}

func TestPoolBound(t *testing.T) {
	p := newPool(2, 3, slog.New(slog.DiscardHandler))
	n := 0
	for i := range 20 {
		key := "T/U1"
		if i%2 == 1 {
			key = "T/U" + itoa(int64(i))
		}
		if p.submit(job{name: "x", key: key, run: func(context.Context) {}}) {
			n++
		}
	}
	if n != 5 {
		t.Errorf("took %d jobs, want 5 (queue 3 + 2 workers), whoever they belong to", n)
	}
}
