// Package llm owns talkbot's summaries and question answering: it talks to
// any OpenAI-compatible Chat Completions server (OpenAI, a gateway, Ollama,
// vLLM, llama.cpp's server) through go-openai, and has a built-in extractive
// summariser and keyword parser for when no server is configured, the
// workspace's daily token budget is spent, or a call fails or times out.
//
// Every entry point of Service answers: Summarize, ParseQuestion and Explain
// never return an error, they fall back to the built-in path and say which
// path answered and why. Notes reach the model only as fenced, quoted data
// with an instruction not to follow instructions inside it; what the model
// says is sanitised like user text, and talk ids it names are checked against
// what it was given. Good answers are cached by a hash of the exact request
// (notes, model, prompt version), so unchanged notes cost nothing twice.
//
// The package keeps no data itself: the answer cache and the token ledger are
// the small Cache and Budget interfaces, which *store.Store implements.
package llm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/talkbot/talkbot"
)

// Cache keeps good answers of the model per workspace. LLMAnswer returns
// talkbot.ErrNotFound when there is none.
type Cache interface {
	LLMAnswer(ctx context.Context, workspaceID int64, key string) (string, error)
	SaveLLMAnswer(ctx context.Context, workspaceID int64, key, answer string) error
}

// Budget is the ledger of tokens each workspace spent per day.
type Budget interface {
	// ReserveLLMTokens adds n to the day's count if the total stays within
	// limit, and reports whether it did.
	ReserveLLMTokens(ctx context.Context, workspaceID int64, day string, n, limit int64) (bool, error)
	// AddLLMTokens adds n (negative to give tokens back) without a limit.
	AddLLMTokens(ctx context.Context, workspaceID int64, day string, n int64) error
}

// Options configure a Service. All are optional.
type Options struct {
	Cache       Cache
	Budget      Budget
	DailyTokens int64 // per workspace per day (OPENAI_DAILY_TOKENS); 0 means no cap

	// ContextTokens bounds one request, prompt and answer together
	// (OPENAI_CONTEXT_TOKENS); longer inputs are summarised in stages. 8000 when zero.
	ContextTokens int
	// AnswerTokens bounds one answer; a quarter of ContextTokens when zero.
	AnswerTokens int
	// Parallel bounds the calls one summary makes at once; 3 when zero.
	Parallel int
	// Lanes bounds the commands that wait on the model at once; 4 when
	// zero. Each holds one of the runtime's workers for as long as the
	// model takes, so a slow model could hold them all; past the bound, a
	// command gets the built-in answer.
	Lanes int

	Logger   *slog.Logger
	Now      func() time.Time
	Location *time.Location // the zone the budget's day is counted in; UTC when nil

	// Observer is told about calls, tokens, cache hits and fallbacks, for
	// metrics; none when nil.
	Observer Observer
}

// Observer is told what the Service does, for metrics; *metrics.Metrics is
// one. Its methods must be quick and safe for concurrent use.
type Observer interface {
	// LLMCall reports one call to the server: outcome is "ok" or an
	// ErrorKind; the tokens are what the server reported (or an estimate).
	LLMCall(outcome string, took time.Duration, promptTokens, completionTokens int)
	// LLMCacheHit reports an answer served from the cache.
	LLMCacheHit()
	// LLMFallback reports the built-in path answering, with a Reason in snake_case.
	LLMFallback(reason string)
}

type nopObserver struct{}

func (nopObserver) LLMCall(string, time.Duration, int, int) {}
func (nopObserver) LLMCacheHit()                            {}
func (nopObserver) LLMFallback(string)                      {}

// MinContextTokens is the smallest context budget a Service accepts.
const MinContextTokens = 2048

// Service answers summaries and watch questions, with the model when it can.
type Service struct {
	client *Client // nil: no server configured
	opts   Options
	log    *slog.Logger
	down   breaker
	lanes  chan struct{} // one token a command waiting on the model
}

// laneWait is how long a command waits for one of the model's lanes before
// the built-in path answers; unattended work waits as long as its ctx.
const laneWait = 2 * time.Second

var errBusy = errors.New("llm: every lane to the model is taken")

// inLane runs f in one of the model's lanes, given back however f ends
// (a panic too: a leaked lane would be one fewer for good). With every lane
// taken, f first runs on answers already cached, which need no lane, and
// waits for one only if the cache cannot answer.
func (s *Service) inLane(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := beforeDeadline(ctx)
	defer cancel()
	select {
	case s.lanes <- struct{}{}:
	default:
		hits := new(atomic.Int64) // a summary asks in parallel
		err := f(context.WithValue(ctx, cacheOnly{}, hits))
		if !errors.Is(err, errBusy) {
			for range hits.Load() { // counted once the pass stands: a miss asks them again
				s.opts.Observer.LLMCacheHit()
			}
			return err
		}
		if err := s.waitLane(ctx); err != nil {
			return err
		}
	}
	defer func() { <-s.lanes }()
	return f(ctx)
}

// beforeDeadline is ctx for the model's part of an answer: it ends a
// little before ctx does (a tenth of the time left, modelReserve at most),
// so the built-in answer is made in time. A command's ctx ends when the
// runtime stops waiting; a model that kept it to the end (a 429 asking for
// 30 s, twice, for the question and again for the reasons) left the user
// "That took too long" instead of the built-in answer.
func beforeDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		return ctx, func() {}
	}
	return context.WithDeadline(ctx, d.Add(-min(modelReserve, time.Until(d)/10)))
}

// modelReserve is the most time beforeDeadline leaves for the built-in answer.
const modelReserve = 10 * time.Second

// cacheOnly marks a ctx whose asks may be answered from the cache only;
// its value (an *atomic.Int64) counts the hits.
type cacheOnly struct{}

// waitLane waits for one of the model's lanes: laneWait for a command,
// as long as its ctx for unattended work.
func (s *Service) waitLane(ctx context.Context) error {
	var timeout <-chan time.Time
	if !talkbot.IsUnattended(ctx) {
		t := time.NewTimer(laneWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case s.lanes <- struct{}{}:
		return nil
	case <-timeout:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A server that failed breakerFailures calls in a row (timed out, down, a
// bad key, no quota) is not asked for breakerRest: every command had paid
// its full timeout again, and held a worker that long, before answering
// with the built-in summary it gives at once now. Then one call tries it.
const (
	breakerFailures = 3
	breakerRest     = time.Minute
)

type breaker struct {
	mu       sync.Mutex
	failures int
	until    time.Time
	probing  bool // after a rest, the one call that tries the server is out
}

// resting reports whether the server is not to be asked now: during a
// rest, and after it while the one call trying it is out.
func (b *breaker) resting(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case now.Before(b.until), b.probing:
		return true
	case !b.until.IsZero(): // the rest is over: this call tries the server
		b.probing, b.until = true, time.Time{}
	}
	return false
}

// record counts a call's outcome. Only the server's failures count towards
// a rest: timed out, down, out of quota, the key or the model refused. A
// request refused for itself (too long, 400) or a caller giving up does not.
func (b *breaker) record(err error, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	var e *Error
	switch {
	case err == nil:
		b.failures = 0
	case errors.As(err, &e) && (e.Kind == KindTimeout || e.Kind == KindUnavailable || e.Kind == KindQuota ||
		e.Kind == KindRejected && (e.Status == 401 || e.Status == 403 || e.Status == 404)):
		if b.failures++; b.failures >= breakerFailures {
			b.until, b.failures = now.Add(breakerRest), breakerFailures-1 // after the rest, one failure rests again
		}
	}
}

// New returns a Service that asks client, or answers with the built-in
// summariser and parser alone when client is nil.
func New(client *Client, opts Options) *Service {
	if opts.ContextTokens <= 0 {
		opts.ContextTokens = 8000
	}
	opts.ContextTokens = max(opts.ContextTokens, MinContextTokens)
	if opts.AnswerTokens <= 0 || opts.AnswerTokens > opts.ContextTokens/4 {
		opts.AnswerTokens = opts.ContextTokens / 4
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 3
	}
	if opts.Lanes <= 0 {
		opts.Lanes = 4
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	return &Service{client: client, opts: opts, log: opts.Logger, lanes: make(chan struct{}, opts.Lanes)}
}

// BuiltIn is what Summary.By and the other answers say when the built-in path answered.
const BuiltIn = "built-in"

// Reason says why the built-in path answered instead of the model.
type Reason string

// Reasons for a fallback. The zero Reason means the model answered.
const (
	ReasonNotConfigured Reason = "not configured"
	ReasonBudgetSpent   Reason = "budget spent"
	ReasonCallFailed    Reason = "call failed"
	ReasonTimedOut      Reason = "timed out"
	ReasonQuota         Reason = "quota exhausted" // the provider account needs a person
	ReasonTooMuch       Reason = "too much"        // one summary would cost more than one command may
	ReasonBusy          Reason = "busy"            // the model's lanes were all taken
)

// Explain is a short sentence for the user about why the built-in path answered.
func (r Reason) Explain() string {
	switch r {
	case ReasonNotConfigured:
		return "no LLM is configured"
	case ReasonBudgetSpent:
		return "today's LLM token budget is spent"
	case ReasonTimedOut:
		return "the LLM did not answer in time"
	case ReasonQuota:
		return "the LLM account is out of quota"
	case ReasonCallFailed:
		return "the LLM call failed"
	case ReasonTooMuch:
		return "these notes are more than one summary may send the LLM (a day or a #tag asks for fewer)"
	case ReasonBusy:
		return "the LLM is busy with other people's questions; ask again in a minute"
	}
	return ""
}

// credit says who answered, for the reply.
func credit(by string, why Reason) string {
	if why == "" {
		return "Summarised by " + by + "."
	}
	return "Built-in summary: " + why.Explain() + "."
}

func reasonFor(err error) Reason {
	switch {
	case errors.Is(err, errTooMuch):
		return ReasonTooMuch
	case errors.Is(err, errBusy):
		return ReasonBusy
	case errors.Is(err, ErrBudget):
		return ReasonBudgetSpent
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return ReasonTimedOut
	case errors.Is(err, ErrQuota):
		return ReasonQuota
	}
	return ReasonCallFailed
}

// by names the model path.
func (s *Service) by() string { return "llm:" + s.client.Model() }

// HasModel says whether a model answers (and so may take seconds), not the
// built-in summariser and parser alone.
func (s *Service) HasModel() bool { return s.client != nil }

// Prompt versions go into the cache key: a changed prompt never reuses old answers.
const (
	promptSummary = "summary/v1"
	promptMerge   = "merge/v1"
	promptFilters = "filters/v1"
	promptExplain = "explain/v1"
)

// askResult is one answer and what it cost.
type askResult struct {
	text   string
	used   int  // tokens added to the ledger
	sent   int  // estimated prompt tokens sent; 0 when nothing was sent
	cached bool // the answer came from the cache
}

// ask sends one request through the cache and the budget. valid vets the
// answer: only a valid answer is cached, an invalid one is an ErrBadResponse.
func (s *Service) ask(ctx context.Context, ws int64, prompt string, req Request, valid func(string) error) (askResult, error) {
	key := cacheKey(prompt, s.client.Model(), req)
	if s.opts.Cache != nil {
		switch text, err := s.opts.Cache.LLMAnswer(ctx, ws, key); {
		case err == nil && valid(text) == nil:
			if hits, ok := ctx.Value(cacheOnly{}).(*atomic.Int64); ok {
				hits.Add(1)
			} else {
				s.opts.Observer.LLMCacheHit()
			}
			return askResult{text: text, cached: true}, nil
		case err != nil && !errors.Is(err, talkbot.ErrNotFound):
			s.log.WarnContext(ctx, "llm cache unreadable", "workspace_id", ws, "error", err)
		}
	}
	if ctx.Value(cacheOnly{}) != nil {
		return askResult{}, errBusy
	}
	sent := promptTokens(req.Messages)
	reserved := int64(sent + req.MaxTokens)
	day := s.opts.Now().In(s.opts.Location).Format(time.DateOnly)
	if s.opts.Budget != nil && s.opts.DailyTokens > 0 {
		ok, err := s.opts.Budget.ReserveLLMTokens(ctx, ws, day, reserved, s.opts.DailyTokens)
		if err != nil {
			return askResult{}, &Error{Kind: KindUnavailable, msg: "llm: token ledger: " + err.Error()}
		}
		if !ok {
			return askResult{}, &Error{Kind: KindBudget, msg: "llm: the daily token budget is spent"}
		}
	} else {
		reserved = 0
	}
	settle := func(used int64) {
		if s.opts.Budget == nil || used == reserved {
			return
		}
		if err := s.opts.Budget.AddLLMTokens(context.WithoutCancel(ctx), ws, day, used-reserved); err != nil {
			s.log.WarnContext(ctx, "llm token ledger not updated", "workspace_id", ws, "error", err)
		}
	}
	start := s.opts.Now()
	if s.down.resting(start) {
		settle(0)
		return askResult{}, &Error{Kind: KindUnavailable, msg: "llm: not asked: it failed several times in a row just now"}
	}
	comp, err := s.client.Complete(ctx, req)
	s.down.record(err, s.opts.Now())
	if err != nil {
		settle(0) // what a failed call cost is unknown; the reservation is given back
		s.opts.Observer.LLMCall(callOutcome(err), s.opts.Now().Sub(start), 0, 0)
		return askResult{sent: sent}, err
	}
	used := int64(comp.TotalTokens)
	promptUsed, completionUsed := comp.PromptTokens, comp.CompletionTokens
	if used <= 0 { // some local servers report no usage
		promptUsed, completionUsed = sent, EstimateTokens(comp.Text)
		used = int64(promptUsed + completionUsed)
	}
	if comp.Shared {
		used, promptUsed, completionUsed = 0, 0, 0 // the caller that made the call paid for it
	}
	settle(used)
	res := askResult{text: comp.Text, used: int(used), sent: sent}
	if err := valid(comp.Text); err != nil {
		// Counted as what it is: a model that never answers in the form
		// asked had shown as every call ok, every summary the built-in one.
		s.opts.Observer.LLMCall(string(KindBadResponse), s.opts.Now().Sub(start), promptUsed, completionUsed)
		return res, &Error{Kind: KindBadResponse, msg: "llm: " + err.Error()}
	}
	s.opts.Observer.LLMCall("ok", s.opts.Now().Sub(start), promptUsed, completionUsed)
	if s.opts.Cache != nil && !comp.Shared {
		if err := s.opts.Cache.SaveLLMAnswer(context.WithoutCancel(ctx), ws, key, comp.Text); err != nil {
			s.log.WarnContext(ctx, "llm answer not cached", "workspace_id", ws, "error", err)
		}
	}
	return res, nil
}

// callOutcome is the ErrorKind of a failed call, for the Observer.
func callOutcome(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return string(e.Kind)
	}
	return "error"
}

func cacheKey(prompt, model string, req Request) string {
	h := sha256.New()
	h.Write([]byte(prompt + "\x00" + model + "\x00"))
	h.Write([]byte(requestKey(model, req)))
	return hex.EncodeToString(h.Sum(nil))
}

// logFallback records why the built-in path answered. Quota is an error an
// operator must act on; the rest are warnings.
func (s *Service) logFallback(ctx context.Context, what string, ws int64, err error) {
	level := slog.LevelWarn
	if errors.Is(err, ErrQuota) {
		level = slog.LevelError
	}
	s.opts.Observer.LLMFallback(strings.ReplaceAll(string(reasonFor(err)), " ", "_"))
	s.log.Log(ctx, level, "llm fallback to built-in", "what", what, "workspace_id", ws, "reason", string(reasonFor(err)), "error", err)
}
