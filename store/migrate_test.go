package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/talkbot/talkbot/store"
)

// TestProcessesStartingTogetherMigrateOnce: two bots (replicas, or a restart
// that overlaps the old process) opening a new database at once both come
// up; one applies the migrations and the other finds them applied.
func TestProcessesStartingTogetherMigrateOnce(t *testing.T) {
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "new.db")
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				s, err := store.Open(context.Background(), path, store.Options{})
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}
