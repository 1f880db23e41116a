package llm_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/talkbot/talkbot/llm"
)

// observed records what a Service tells its Observer.
type observed struct {
	mu        sync.Mutex
	calls     []string // "outcome prompt completion"
	hits      int
	fallbacks []string
}

func (o *observed) LLMCall(outcome string, _ time.Duration, prompt, completion int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, fmt.Sprintf("%s %d %d", outcome, prompt, completion))
}

func (o *observed) LLMCacheHit() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.hits++
}

func (o *observed) LLMFallback(reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.fallbacks = append(o.fallbacks, reason)
}

// TestCallsTokensHitsAndFallbacksAreObserved: the metrics see each call with
// the tokens the server reported, each answer from the cache, and each time
// the built-in path stood in, with why.
func TestCallsTokensHitsAndFallbacksAreObserved(t *testing.T) {
	ctx := context.Background()
	srv := newStandIn(t)
	c, _ := srv.client(t, llm.Config{MaxRetries: -1})
	db, ws := testStore(t)
	obs := &observed{}
	svc := llm.New(c, llm.Options{Cache: db, Budget: db, DailyTokens: 100000, Now: fixedNow, Observer: obs})
	svc.Summarize(ctx, llm.SummaryRequest{WorkspaceID: ws, Talks: someTalks()})
	svc.Summarize(ctx, llm.SummaryRequest{WorkspaceID: ws, Talks: someTalks()})
	talks := someTalks()
	talks[0].Notes[0].Text += " (changed)"
	srv.push(noQuota())
	svc.Summarize(ctx, llm.SummaryRequest{WorkspaceID: ws, Talks: talks})

	obs.mu.Lock()
	defer obs.mu.Unlock()
	if got, want := fmt.Sprint(obs.calls), "[ok 100 20 quota 0 0]"; got != want {
		t.Errorf("calls = %s, want %s", got, want)
	}
	if obs.hits != 1 {
		t.Errorf("cache hits = %d, want 1", obs.hits)
	}
	if got, want := fmt.Sprint(obs.fallbacks), "[quota_exhausted]"; got != want {
		t.Errorf("fallbacks = %s, want %s", got, want)
	}
}

// An answer the bot cannot use (no JSON where JSON was asked for) is a
// bad_response call, not an ok one: a model that never answers in the form
// asked showed as every call ok while every summary was the built-in one.
func TestAnUnusableAnswerIsObservedAsABadResponse(t *testing.T) {
	srv := newStandIn(t)
	srv.push(ok("A fine summary."))
	c, _ := srv.client(t, llm.Config{MaxRetries: -1})
	obs := &observed{}
	svc := llm.New(c, llm.Options{Now: fixedNow, Observer: obs})
	if sum := svc.Summarize(context.Background(), llm.SummaryRequest{Talks: someTalks()}); sum.By != llm.BuiltIn {
		t.Fatalf("summary by %q", sum.By)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if got, want := fmt.Sprint(obs.calls), "[bad_response 100 20]"; got != want {
		t.Errorf("calls = %s, want %s", got, want)
	}
}
