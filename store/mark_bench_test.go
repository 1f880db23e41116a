package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

// BenchmarkEventMark is what answering an event once costs a change, at
// synchronous=FULL as the bot runs: the mark written alone before the change
// (as the Matrix adapter did until c83773a), against the mark written in the
// change's own transaction. Serial is one user at a time, as Matrix rooms
// mostly are; parallel is several rooms at once, sharing group commits.
//
//	go test -tags 'sqlite_fts5 goolm' -run '^$' -bench EventMark ./store/
func BenchmarkEventMark(b *testing.B) {
	for _, apart := range []bool{true, false} {
		name := "with-the-change"
		if apart {
			name = "apart"
		}
		change := func(b *testing.B, s *store.Store, u talkbot.User, talk int64, i int64) {
			ctx, id := context.Background(), fmt.Sprintf("$%d", i)
			if apart {
				if first, err := s.MarkHandled(ctx, talkbot.PlatformMatrix, id); err != nil || !first {
					b.Fatalf("MarkHandled = %v, %v", first, err)
				}
			} else {
				ctx = talkbot.WithEventMark(ctx, &talkbot.EventMark{Platform: talkbot.PlatformMatrix, EventID: id})
			}
			note := &talkbot.NoteDraft{Text: "try this on staging before the upgrade", Visibility: talkbot.VisibilityTeam}
			if _, err := s.Apply(ctx, talkbot.Change{User: u, TalkID: talk, Note: note}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(name+"/serial", func(b *testing.B) {
			s, u, talk := markBenchStore(b)
			for i := range int64(b.N) {
				change(b, s, u, talk, i)
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			s, u, talk := markBenchStore(b)
			var n atomic.Int64
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					change(b, s, u, talk, n.Add(1))
				}
			})
		})
	}
}

func markBenchStore(b *testing.B) (*store.Store, talkbot.User, int64) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(b.TempDir(), "talkbot.db"), store.Options{Durable: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	u, err := s.User(ctx, talkbot.PlatformMatrix, "example.org", "@alice:example.org", "alice")
	if err != nil {
		b.Fatal(err)
	}
	c, err := s.CurrentConference(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	out, err := s.Apply(ctx, talkbot.Change{User: u, NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: "KEDA", Day: "2024-11-13"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	return s, u, out.Talk.ID
}
