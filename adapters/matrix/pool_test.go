package matrix

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPoolOrderAndPanics: jobs of one room run in order, a panic is logged
// and the next job still runs, and rooms run side by side.
func TestPoolOrderAndPanics(t *testing.T) {
	logs := &syncBuffer{}
	p := newPool(context.Background(), 2, slog.New(slog.NewTextHandler(logs, nil)))
	var mu sync.Mutex
	var order []int
	done := make(chan struct{})
	for i := range 50 {
		p.submit("!a", func(context.Context) {
			if i == 10 {
				panic("boom")
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			if i == 49 {
				close(done)
			}
		})
	}
	// A second room is served while the first one is blocked.
	release := make(chan struct{})
	other := make(chan struct{})
	p.submit("!b", func(context.Context) { <-release })
	p.submit("!c", func(context.Context) { close(other) })
	select {
	case <-other:
	case <-time.After(10 * time.Second):
		t.Fatal("a blocked room held up another room")
	}
	close(release)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("jobs after a panic did not run")
	}
	p.close(10 * time.Second)
	if len(order) != 49 {
		t.Fatalf("ran %d jobs, want 49", len(order))
	}
	for i := 1; i < len(order); i++ {
		if order[i] <= order[i-1] {
			t.Fatalf("jobs of one room ran out of order: %v", order)
		}
	}
	if !strings.Contains(logs.String(), "a handler panicked") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic not logged: %s", logs.String())
	}
	if p.submit("!a", func(context.Context) {}) {
		t.Errorf("a closed pool took a job")
	}
}

// TestPoolBounded: no more than the given number of jobs run at once.
func TestPoolBounded(t *testing.T) {
	p := newPool(context.Background(), 3, slog.New(slog.DiscardHandler))
	var mu sync.Mutex
	running, most := 0, 0
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range 20 {
		wg.Add(1)
		p.submit(string(rune('a'+i)), func(context.Context) {
			defer wg.Done()
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			<-gate
			mu.Lock()
			running--
			mu.Unlock()
		})
	}
	close(gate)
	wg.Wait()
	p.close(time.Second)
	if most > 3 {
		t.Errorf("%d jobs ran at once, want at most 3", most)
	}
}
