package llm_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/talkbot/talkbot/llm"
)

// benchNotes makes n notes over talks of the seed posts' notes, cycling
// through them with a suffix so no two notes are identical.
func benchNotes(b *testing.B, n int) []llm.TalkNotes {
	var pool []llm.TalkNotes
	for _, name := range []string{"kubecon-na-2022", "kubecon-na-2023-log", "kubecon-na-2023-wrapup"} {
		pool = append(pool, seedNotes(b, name)...)
	}
	talks := make([]llm.TalkNotes, len(pool))
	for i, t := range pool {
		talks[i] = llm.TalkNotes{TalkID: int64(i + 1), Title: t.Title}
	}
	for i := 0; i < n; i++ {
		src := pool[i%len(pool)]
		note := src.Notes[(i/len(pool))%len(src.Notes)]
		note.Text = fmt.Sprintf("%s (%d)", note.Text, i)
		talks[i%len(pool)].Notes = append(talks[i%len(pool)].Notes, note)
	}
	return talks
}

// BenchmarkBuiltInSummary is the extractive summary of 1,000 notes (target: under 50 ms).
func BenchmarkBuiltInSummary(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("notes=%d", n), func(b *testing.B) {
			talks := benchNotes(b, n)
			b.ReportAllocs()
			for b.Loop() {
				llm.SummarizeBuiltIn(talks)
			}
		})
	}
}

// BenchmarkSummaryTokens summarises through the stand-in server with no
// cache and reports what one summary sends; it fails if a request passes
// the context budget.
func BenchmarkSummaryTokens(b *testing.B) {
	for _, tc := range []struct{ notes, context int }{{100, 8000}, {1000, 8000}, {1000, 4000}} {
		b.Run(fmt.Sprintf("notes=%d/context=%d", tc.notes, tc.context), func(b *testing.B) {
			srv := newStandIn(b)
			c, _ := srv.client(b, llm.Config{})
			svc := llm.New(c, llm.Options{ContextTokens: tc.context})
			talks := benchNotes(b, tc.notes)
			var last llm.Summary
			for b.Loop() {
				last = svc.Summarize(context.Background(), llm.SummaryRequest{Talks: talks})
				if last.By == llm.BuiltIn {
					b.Fatalf("fell back: %s", last.Fallback)
				}
				if last.Stats.LargestRequest > tc.context {
					b.Fatalf("a request of %d tokens passed the budget of %d", last.Stats.LargestRequest, tc.context)
				}
			}
			noteTokens := 0
			for _, t := range talks {
				for _, n := range t.Notes {
					noteTokens += llm.EstimateTokens(n.Text)
				}
			}
			b.ReportMetric(float64(noteTokens), "note_tokens")
			b.ReportMetric(float64(last.Stats.TokensSent), "tokens_sent/summary")
			b.ReportMetric(float64(last.Stats.LargestRequest), "largest_request_tokens")
			b.ReportMetric(float64(last.Stats.Calls), "calls/summary")
		})
	}
}
