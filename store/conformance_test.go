package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/store"
	"github.com/talkbot/talkbot/store/storetest"
)

// TestConformance runs the store port's conformance suite on SQLite.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) commands.Store {
		s, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "talkbot.db"), store.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
