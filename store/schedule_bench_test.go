package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

// BenchmarkImportFOSDEM is the store's part of importing FOSDEM 2025 (1,105
// talks; parsing is schedule's BenchmarkParseFOSDEM2025XML): the one
// transaction that writes the conference and its talks, full-text and
// trigram indexes included, into a fresh database ("new"), or over the same
// import ("again": every session found, nothing changed). The abstracts go
// into the full-text index after that transaction; searchable-ms is the
// median time until a search finds a word of one abstract.
func BenchmarkImportFOSDEM(b *testing.B) {
	imp := parsed(b, fosdemXML)
	ctx := context.Background()
	for _, again := range []bool{false, true} {
		name := map[bool]string{false: "new", true: "again"}[again]
		b.Run(name, func(b *testing.B) {
			i := 0
			var searchable []time.Duration
			for b.Loop() {
				b.StopTimer()
				i++
				s, err := store.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("talkbot-%d.db", i)), store.Options{Now: time.Now})
				if err != nil {
					b.Fatal(err)
				}
				u, err := s.User(ctx, "console", "local", "admin", "admin")
				if err != nil {
					b.Fatal(err)
				}
				if again {
					if _, err := s.ImportSchedule(ctx, u, imp); err != nil {
						b.Fatal(err)
					}
					if _, _, err := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: u.WorkspaceID, ViewerID: u.ID, Text: abstractWord}); err != nil {
						b.Fatal(err) // waits for the first import's indexing, as a re-import a while later would
					}
				}
				b.StartTimer()
				start := time.Now()
				res, err := s.ImportSchedule(ctx, u, imp)
				b.StopTimer()
				if err != nil || res.New+res.Unchanged != 1105 {
					b.Fatalf("%+v, %v", res, err)
				}
				hits, _, err := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: u.WorkspaceID, ViewerID: u.ID, Text: abstractWord, Page: talkbot.Page{Limit: 5}})
				searchable = append(searchable, time.Since(start))
				if err != nil || len(hits) != 1 {
					b.Fatalf("search %s: %d hits, %v", abstractWord, len(hits), err)
				}
				s.Close()
				b.StartTimer()
			}
			slices.Sort(searchable)
			b.ReportMetric(float64(searchable[len(searchable)/2])/float64(time.Millisecond), "searchable-ms")
		})
	}
}
