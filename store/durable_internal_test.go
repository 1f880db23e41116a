package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestDurableSyncsEveryCommit: the bot's store syncs the log at each commit
// (synchronous=FULL, 2); the default, for tests, leaves it to checkpoints (NORMAL, 1).
func TestDurableSyncsEveryCommit(t *testing.T) {
	for durable, want := range map[bool]int{true: 2, false: 1} {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "t.db"), Options{Durable: durable})
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := s.w.QueryRow(`PRAGMA synchronous`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if got != want {
			t.Errorf("Durable %v: synchronous = %d, want %d", durable, got, want)
		}
	}
}
