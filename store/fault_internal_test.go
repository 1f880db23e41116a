package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/talkbot/talkbot"
)

// TestAFullDiskIsSaidSo: a change that fails on a full disk (SQLite's
// max_page_count stands in for it) tells the user so, not "try again",
// and readiness reports it until a change commits again, though the write
// check's one row still fits.
func TestAFullDiskIsSaidSo(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetState(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := s.w.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	err = s.SetState(ctx, "big", strings.Repeat("a talk's notes ", 20000))
	if err == nil {
		t.Fatal("a 300 KB change fitted in a full database")
	}
	if msg := talkbot.ErrorMessage(err); !strings.Contains(msg, "disk the bot keeps its data on is full") || talkbot.ErrorCode(err) != talkbot.EINTERNAL {
		t.Errorf("the user is told %q (%s)", msg, talkbot.ErrorCode(err))
	}
	if err := s.Writable(ctx); err == nil || !strings.Contains(err.Error(), "full disk") {
		t.Errorf("Writable after a change failed on a full disk: %v", err)
	}
	if _, err := s.w.Exec(`PRAGMA max_page_count = 1000000`); err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(ctx, "k", "w"); err != nil {
		t.Fatal(err)
	}
	if err := s.Writable(ctx); err != nil {
		t.Errorf("Writable once a change commits again: %v", err)
	}
}

// TestTheWriteCheckKeepsItsDeadline: behind another process's write lock
// the check answers by its caller's deadline (a readiness probe's), not
// after the busy timeout.
func TestTheWriteCheckKeepsItsDeadline(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, `ROLLBACK`)
	probe, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	err = s.Writable(probe)
	if took := time.Since(began); err == nil || took > 3*time.Second {
		t.Errorf("Writable behind a held lock: %v after %s, want an error by the probe's deadline", err, took.Round(time.Millisecond))
	}
}

// TestAFullDiskIsForgottenAfterAWhile: with readiness gating every
// request, no change comes to commit and clear a full disk; a minute on,
// readiness asks the disk again.
func TestAFullDiskIsForgottenAfterAWhile(t *testing.T) {
	var f faults
	_ = f.note(sqlite3.Error{Code: sqlite3.ErrFull}, true)
	if f.known() == nil {
		t.Fatal("a full disk just met is not reported")
	}
	f.fullAt = f.fullAt.Add(-fullHold)
	if err := f.known(); err != nil {
		t.Errorf("a full disk met a minute ago is still reported: %v", err)
	}
}
