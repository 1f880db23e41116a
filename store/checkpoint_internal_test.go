package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/talkbot/talkbot"
)

// TestTheWALStaysShortUnderSteadyWrites: with writes that never pause and
// readers always at work, the background checkpoints alone would never let
// the WAL start over (SQLite restarts it only once all of it is copied); the
// committer's restarts keep the file near restartFrames pages instead of
// growing with every change, and nothing written is lost on the way.
func TestTheWALStaysShortUnderSteadyWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	const frames = 64
	s, err := Open(ctx, path, Options{restartFrames: frames})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.User(ctx, talkbot.PlatformSlack, "T1", "U1", "ana")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := s.CurrentConference(ctx, u)
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notes`).Scan(&n); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	const changes = 1500
	var wg sync.WaitGroup
	for w := range 4 { // senders, so changes share commits as they do in the bot
		wg.Go(func() {
			for i := w; i < changes; i += 4 {
				_, err := s.Apply(ctx, talkbot.Change{User: u, Label: "add",
					NewTalk: &talkbot.Talk{ConferenceID: conf.ID, Title: fmt.Sprintf("Talk number %d", i), Day: "2024-11-13"},
					Note:    &talkbot.NoteDraft{Text: "a note long enough to take some room in its page", Visibility: talkbot.VisibilityTeam}})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()

	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// SQLite starts the WAL over by itself whenever a background pass
	// happens to catch up between two commits, so the file's size alone
	// cannot tell whether the committer's restarts work: without them it
	// reached 4,000-9,000 pages here, with them 1,200-4,300 (a restart
	// that meets a reader waits a while before the next). So the test
	// counts the restarts, and the size only has to stay well short of
	// the writer's backstop.
	if n := s.ckpt.restarts.Load(); n == 0 {
		t.Errorf("the committer never restarted the WAL")
	}
	if pages := fi.Size() / 4096; pages > backstopFrames/3 {
		t.Errorf("the WAL grew to %d pages under steady writes; restarts should keep it near %d", pages, frames)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notes WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != changes {
		t.Errorf("%d notes saved of %d", n, changes)
	}
}

// TestWritesGoOnPastALongRead: a read that holds its snapshot (an export)
// keeps the WAL from restarting; the committer gives up on the restart
// rather than on the writes, and every change still commits.
func TestWritesGoOnPastALongRead(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{restartFrames: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.User(ctx, talkbot.PlatformSlack, "T1", "U1", "ana")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := s.CurrentConference(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	add := func(i int) {
		t.Helper()
		if _, err := s.Apply(ctx, talkbot.Change{User: u, Label: "add",
			NewTalk: &talkbot.Talk{ConferenceID: conf.ID, Title: fmt.Sprintf("Talk number %d", i), Day: "2024-11-13"}}); err != nil {
			t.Fatal(err)
		}
	}
	add(0)
	// An export streams its rows: the statement keeps its snapshot until closed.
	long, err := s.r.QueryContext(ctx, `SELECT id FROM talks ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if !long.Next() {
		t.Fatal("no talk to read")
	}
	for i := 1; i <= 300; i++ {
		add(i)
	}
	seen := 1
	for long.Next() {
		seen++
	}
	if err := long.Err(); err != nil {
		t.Fatal(err)
	}
	long.Close()
	var after int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM talks`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if seen != 1 || after != 301 {
		t.Errorf("the long read saw %d talks (want its snapshot's 1); afterwards %d (want 301)", seen, after)
	}
}
