package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

// One batch, one commit: a change that fails after writing leaves nothing,
// the changes around it are all committed, and a change after it sees what
// the ones before it wrote, not what the failed one did.
func TestAFailingChangeRollsBackAloneInItsBatch(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	errRefused := errors.New("refused after writing")
	put := func(tx *txn, key, value string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO adapter_state (key, value, updated_at) VALUES (?, ?, '')`, key, value)
		return err
	}
	keys := func() []string {
		rows, err := s.r.QueryContext(ctx, `SELECT key || '=' || value FROM adapter_state WHERE key LIKE 'k%' ORDER BY key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			out = append(out, k)
		}
		return out
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()

	for _, tc := range []struct {
		name    string
		failAt  int // the change that fails after writing, or -1
		batch   int
		want    []string
		wantRan []int // how often each change ran
	}{
		{"none fails", -1, 4, []string{"k0=0", "k1=1", "k2=2", "k3=3"}, []int{1, 1, 1, 1}},
		{"the first fails", 0, 4, []string{"k1=0", "k2=1", "k3=2"}, []int{1, 1, 1, 1}},
		{"one in the middle fails", 1, 4, []string{"k0=0", "k2=1", "k3=2"}, []int{2, 1, 1, 1}},
		{"alone and failing", 0, 1, nil, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.w.ExecContext(ctx, `DELETE FROM adapter_state WHERE key LIKE 'k%'`); err != nil {
				t.Fatal(err)
			}
			ran := make([]int, tc.batch)
			var batch []*writeRequest
			for i := range tc.batch {
				batch = append(batch, &writeRequest{ctx: ctx, fn: func(tx *txn) error {
					ran[i]++
					// Each change writes how many changes it sees before it.
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM adapter_state WHERE key LIKE 'k%'`).Scan(&n); err != nil {
						return err
					}
					if err := put(tx, fmt.Sprint("k", i), fmt.Sprint(n)); err != nil {
						return err
					}
					if i == tc.failAt {
						return errRefused
					}
					return nil
				}})
			}
			if tc.batch > 1 {
				batch = append(batch, &writeRequest{ctx: canceled, fn: func(tx *txn) error {
					t.Error("a change whose caller gave up ran")
					return nil
				}})
			}
			results := s.commitBatch(batch)
			for i, err := range results {
				switch {
				case i == tc.failAt:
					if !errors.Is(err, errRefused) {
						t.Errorf("change %d: %v, want its own error", i, err)
					}
				case i == tc.batch:
					if !errors.Is(err, context.Canceled) {
						t.Errorf("the canceled change: %v", err)
					}
				case err != nil:
					t.Errorf("change %d: %v", i, err)
				}
			}
			if got := keys(); !slices.Equal(got, tc.want) {
				t.Errorf("committed %v, want %v", got, tc.want)
			}
			if !slices.Equal(ran, tc.wantRan) {
				t.Errorf("ran %v, want %v", ran, tc.wantRan)
			}
		})
	}
}
