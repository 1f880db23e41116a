package matrix

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"

	"github.com/talkbot/talkbot"
)

// memState is a State in memory.
type memState struct {
	mu      sync.Mutex
	values  map[string]string
	handled map[string]bool
	writes  int
}

func newMemState() *memState {
	return &memState{values: map[string]string{}, handled: map[string]bool{}}
}

func (m *memState) MarkHandled(_ context.Context, platform, eventID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := platform + "\x00" + eventID
	first := !m.handled[k]
	m.handled[k] = true
	return first, nil
}

func (m *memState) Handled(_ context.Context, platform, eventID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.handled[platform+"\x00"+eventID], nil
}

func (m *memState) State(_ context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[key]
	if !ok {
		return "", talkbot.ErrNotFound
	}
	return v, nil
}

func (m *memState) SetState(_ context.Context, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[key] = value
	m.writes++
	return nil
}

// TestSyncStoreWritesOnlyHandledPositions: the sync position moves past a
// batch only once every job of it and of earlier batches is done.
func TestSyncStoreWritesOnlyHandledPositions(t *testing.T) {
	ctx := context.Background()
	st := newMemState()
	s := newSyncStore(st, "pos", slog.New(slog.DiscardHandler))
	position := func() string {
		v, _ := s.LoadNextBatch(ctx, "")
		return v
	}
	if got := position(); got != "" {
		t.Fatalf("fresh position = %q, want none", got)
	}

	_ = s.SaveNextBatch(ctx, "", "t1")
	slow := s.begin() // a job of batch 1 still running
	s.dispatched(ctx)
	if got := position(); got != "" {
		t.Errorf("position with a job of batch 1 running = %q, want none", got)
	}

	_ = s.SaveNextBatch(ctx, "", "t2")
	fast := s.begin()
	s.dispatched(ctx)
	s.done(ctx, fast)
	if got := position(); got != "" {
		t.Errorf("position with batch 2 done but batch 1 running = %q, want none", got)
	}

	s.done(ctx, slow)
	if got := position(); got != "t2" {
		t.Errorf("position after both batches = %q, want t2", got)
	}

	_ = s.SaveNextBatch(ctx, "", "t3") // a batch with no jobs
	s.dispatched(ctx)
	if got := position(); got != "t3" {
		t.Errorf("position after an empty batch = %q, want t3", got)
	}

	late := s.begin() // a delayed decryption after its batch was written
	s.done(ctx, late)
	if len(s.open) != 0 || len(s.tokens) != 0 {
		t.Errorf("bookkeeping left behind: open %v tokens %v", s.open, s.tokens)
	}
}

func TestBackoff(t *testing.T) {
	var b backoff
	var got []time.Duration
	for range 9 {
		got = append(got, b.next(errors.New("connection refused")))
	}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoff = %v, want %v", got, want)
		}
	}
	limited := mautrix.HTTPError{RespError: &mautrix.RespError{ErrCode: "M_LIMIT_EXCEEDED", ExtraData: map[string]any{"retry_after_ms": float64(1500)}}}
	if got := b.next(limited); got != 1500*time.Millisecond {
		t.Errorf("backoff when rate limited = %v, want the server's 1.5s", got)
	}
	b.reset()
	if got := b.next(errors.New("x")); got != 500*time.Millisecond {
		t.Errorf("backoff after reset = %v, want 500ms", got)
	}
}
