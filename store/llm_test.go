package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

func TestLLMAnswersAreCachedPerWorkspace(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	alice := user(t, s, "alice")
	if _, err := s.LLMAnswer(ctx, alice.WorkspaceID, "k1"); !errors.Is(err, talkbot.ErrNotFound) {
		t.Fatalf("empty cache: err = %v, want ErrNotFound", err)
	}
	if err := s.SaveLLMAnswer(ctx, alice.WorkspaceID, "k1", `{"summary":"one"}`); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveLLMAnswer(ctx, alice.WorkspaceID, "k1", `{"summary":"two"}`); err != nil {
		t.Fatal(err)
	}
	other, err := s.User(ctx, talkbot.PlatformSlack, "T999", "U1", "zed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LLMAnswer(ctx, other.WorkspaceID, "k1"); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("another workspace read the cache: err = %v", err)
	}
	s.Close()
	s2, err := store.Open(ctx, path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.LLMAnswer(ctx, alice.WorkspaceID, "k1")
	if err != nil || got != `{"summary":"two"}` {
		t.Errorf("after reopen: %q, %v; want the latest answer", got, err)
	}
}

// The cached answers summarise people's notes: a month on they are gone,
// from reads at once and from the file at the next save.
func TestLLMAnswersAgeOut(t *testing.T) {
	ctx := context.Background()
	now := clock()
	path := filepath.Join(t.TempDir(), "talkbot.db")
	s, err := store.Open(ctx, path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ws := user(t, s, "alice").WorkspaceID
	if err := s.SaveLLMAnswer(ctx, ws, "old", `{"summary":"bob's private interview"}`); err != nil {
		t.Fatal(err)
	}
	now = now.Add(29 * 24 * time.Hour)
	if _, err := s.LLMAnswer(ctx, ws, "old"); err != nil {
		t.Errorf("a 29-day-old answer: %v", err)
	}
	now = now.Add(2 * 24 * time.Hour)
	if _, err := s.LLMAnswer(ctx, ws, "old"); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("a 31-day-old answer was read: err = %v", err)
	}
	if err := s.SaveLLMAnswer(ctx, ws, "new", `{"summary":"today"}`); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, path, `SELECT COUNT(*) FROM llm_answers`); n != 1 {
		t.Errorf("%d answers in the file, want the new one only", n)
	}
}

// Forgetting a user forgets the workspace's cached answers, which may
// summarise their notes.
func TestForgetUserForgetsCachedAnswers(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	bob := user(t, s, "bob")
	if err := s.SaveLLMAnswer(ctx, bob.WorkspaceID, "k", `{"summary":"SECRETBOB interview at solo"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ForgetUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, path, `SELECT COUNT(*) FROM llm_answers`); n != 0 {
		t.Errorf("%d cached answers kept after forget me", n)
	}
}

// The Slack callbacks kept for a crash's replay hold what the user typed:
// forget me drops those handled at once, not a day later. One not handled
// yet (a crash's) stays for the replay.
func TestForgetUserForgetsKeptCallbacks(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	bob := user(t, s, "bob")
	for _, id := range []string{"Ev1", "Ev2"} {
		if err := s.KeepEvent(ctx, "slack", id, []byte(`{"text":"note --private SECRETBOB interview"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.MarkHandled(ctx, "slack", "Ev1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ForgetUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, path, `SELECT COUNT(*) FROM inbox WHERE event_id = 'Ev1'`); n != 0 {
		t.Errorf("a handled callback is kept after forget me")
	}
	if n := countRows(t, path, `SELECT COUNT(*) FROM inbox WHERE event_id = 'Ev2'`); n != 1 {
		t.Errorf("a callback not handled yet was dropped")
	}
}

func TestLLMTokenReservationsNeverPassTheLimit(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	ws := user(t, s, "alice").WorkspaceID
	const day, limit = "2024-11-13", 1000
	var wg sync.WaitGroup
	var granted atomic.Int64
	for range 25 { // 25 × 100 asked for, 10 × 100 fit
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ReserveLLMTokens(ctx, ws, day, 100, limit)
			if err != nil {
				t.Error(err)
			}
			if ok {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	if granted.Load() != 10 {
		t.Errorf("granted %d reservations of 100 within %d, want 10", granted.Load(), limit)
	}
	if n, _ := s.LLMTokens(ctx, ws, day); n != limit {
		t.Errorf("spent = %d, want %d", n, limit)
	}
	// Giving back a reservation makes room again; the count never goes negative.
	if err := s.AddLLMTokens(ctx, ws, day, -300); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.ReserveLLMTokens(ctx, ws, day, 250, limit); !ok {
		t.Error("no room after 300 tokens were given back")
	}
	if err := s.AddLLMTokens(ctx, ws, day, -5000); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.LLMTokens(ctx, ws, day); n != 0 {
		t.Errorf("spent = %d after giving back more than was spent, want 0", n)
	}
	if ok, _ := s.ReserveLLMTokens(ctx, ws, day, limit+1, limit); ok {
		t.Error("a reservation larger than the whole limit was granted")
	}
	// Another day starts from zero.
	if ok, _ := s.ReserveLLMTokens(ctx, ws, "2024-11-14", limit, limit); !ok {
		t.Error("the next day has no room")
	}
	// No limit: everything is recorded.
	if ok, _ := s.ReserveLLMTokens(ctx, ws, "2024-11-15", 1e9, 0); !ok {
		t.Error("without a limit the reservation was refused")
	}
}

// A note deleted or rewritten leaves no cached answer that may quote it.
func TestANoteChangedForgetsCachedAnswers(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	bob := user(t, s, "bob")
	out := addTalk(t, s, bob, "Gateway API Is GA", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "SECRETBOB interview at solo", Visibility: talkbot.VisibilityTeam})
	for _, e := range []talkbot.NoteEdit{{NoteID: out.Note.ID, Text: ptr("a quieter note")}, {NoteID: out.Note.ID, Delete: true}} {
		if err := s.SaveLLMAnswer(ctx, bob.WorkspaceID, "k", `{"summary":"SECRETBOB interview at solo"}`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(ctx, talkbot.Change{User: bob, TalkID: out.Talk.ID, EditNote: &e}); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, path, `SELECT COUNT(*) FROM llm_answers`); n != 0 {
			t.Errorf("%d cached answers kept after %+v", n, e)
		}
	}
}
