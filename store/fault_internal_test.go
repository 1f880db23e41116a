package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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
