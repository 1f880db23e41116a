package llm

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/singleflight"
)

// Config configures a Client. Only Model is required; everything else has a default.
type Config struct {
	BaseURL string // OPENAI_BASE_URL, e.g. http://127.0.0.1:11434/v1; OpenAI's API when empty
	APIKey  string // OPENAI_API_KEY; optional for local servers
	Model   string // OPENAI_MODEL

	Timeout      time.Duration // per attempt; 30s when zero
	MaxRetries   int           // retries after the first attempt, on 429 and 5xx; 2 when zero, none when negative
	MaxRetryWait time.Duration // the longest wait honoured (Retry-After or backoff); 30s when zero

	HTTPClient *http.Client     // http.DefaultClient's transport when nil
	Logger     *slog.Logger     // discards when nil
	Now        func() time.Time // for Retry-After dates; time.Now when nil
	// Sleep waits d or until ctx ends; tests inject one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client calls an OpenAI-compatible Chat Completions endpoint with a timeout,
// bounded retries and shared identical calls. It never logs or returns the API key.
type Client struct {
	api    *openai.Client
	cfg    Config
	log    *slog.Logger
	flight singleflight.Group

	afterJoin func() // tests: called once a caller has joined or started a call
}

// NewClient returns a client for cfg; it does not contact the server.
func NewClient(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: a model name is required")
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, errors.New("llm: the base URL must be an http(s) URL")
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = 2
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = cfg.BaseURL
	}
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.Transport = cappedBodies{cmp.Or[http.RoundTripper](hc.Transport, http.DefaultTransport)}
	oc.HTTPClient = &hc
	return &Client{api: openai.NewClientWithConfig(oc), cfg: cfg, log: cfg.Logger}, nil
}

// maxAnswerBytes bounds an answer's body. Answers are a few kilobytes of
// JSON; go-openai would decode megabytes (a server in a loop, a proxy's
// page) whole: 64 MB took 3 GB and ten seconds.
const maxAnswerBytes = 1 << 20

// cappedBodies fails the read of a response body past maxAnswerBytes.
type cappedBodies struct{ base http.RoundTripper }

func (c cappedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := c.base.RoundTrip(r)
	if err == nil {
		res.Body = &cappedBody{ReadCloser: res.Body, left: maxAnswerBytes}
	}
	return res, err
}

type cappedBody struct {
	io.ReadCloser
	left int64
}

var errAnswerTooLong = errors.New("the answer is longer than 1 MB")

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, err := b.ReadCloser.Read(one[:]); n == 0 && err == io.EOF {
			return 0, io.EOF // exactly the cap: all of it is read
		}
		return 0, errAnswerTooLong
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// Model names the model the client asks.
func (c *Client) Model() string { return c.cfg.Model }

// Roles of chat messages.
const (
	RoleSystem = openai.ChatMessageRoleSystem
	RoleUser   = openai.ChatMessageRoleUser
)

// Message is one chat message.
type Message struct {
	Role    string
	Content string
}

// Request is one Chat Completions call.
type Request struct {
	Messages  []Message
	MaxTokens int  // the longest answer, in tokens; the server's default when zero
	JSON      bool // ask for a JSON object (response_format json_object)
}

// Completion is the model's answer.
type Completion struct {
	Text             string
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
	// Shared is set when this caller got the answer of an identical call
	// another caller was already making: its tokens were spent once, by that caller.
	Shared bool
}

// Complete sends req and returns the first choice. Identical requests made
// while one is in flight share it. The call goes on if this caller's ctx ends
// (others may wait on it), bounded by the timeouts; this caller returns at once.
func (c *Client) Complete(ctx context.Context, req Request) (Completion, error) {
	key := requestKey(c.cfg.Model, req)
	led := false
	ch := c.flight.DoChan(key, func() (any, error) {
		led = true
		return c.completeWithRetries(context.WithoutCancel(ctx), req)
	})
	if c.afterJoin != nil {
		c.afterJoin()
	}
	select {
	case <-ctx.Done():
		return Completion{}, &Error{Kind: kindOf(ctx.Err()), msg: "llm: " + ctx.Err().Error(), cause: ctx.Err()}
	case res := <-ch:
		if res.Err != nil {
			return Completion{}, res.Err
		}
		comp := res.Val.(Completion)
		comp.Shared = !led
		return comp, nil
	}
}

func kindOf(ctxErr error) ErrorKind {
	if errors.Is(ctxErr, context.DeadlineExceeded) {
		return KindTimeout
	}
	return KindCanceled
}

// requestKey identifies identical requests.
func requestKey(model string, req Request) string {
	b, _ := json.Marshal(struct {
		Model string
		Req   Request
	}{model, req})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (c *Client) completeWithRetries(ctx context.Context, req Request) (Completion, error) {
	for attempt := 0; ; attempt++ {
		comp, header, err := c.completeOnce(ctx, req)
		if err == nil {
			return comp, nil
		}
		var e *Error
		if !errors.As(err, &e) || !e.Kind.retryable() || attempt >= c.cfg.MaxRetries {
			return Completion{}, err
		}
		wait, ok := c.retryWait(header, attempt)
		if !ok {
			c.log.WarnContext(ctx, "llm retry-after too long", "model", c.cfg.Model, "status", e.Status, "attempt", attempt+1)
			return Completion{}, err
		}
		c.log.InfoContext(ctx, "llm retrying", "model", c.cfg.Model, "status", e.Status, "attempt", attempt+1, "wait", wait)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return Completion{}, &Error{Kind: kindOf(err), msg: "llm: " + err.Error(), cause: err}
		}
	}
}

// retryWait is how long to wait before retry number attempt+1: the server's
// Retry-After when it gives one, else exponential backoff from one second.
// It reports false when the server asks for longer than MaxRetryWait.
func (c *Client) retryWait(h http.Header, attempt int) (time.Duration, bool) {
	if d, ok := retryAfter(h, c.cfg.Now()); ok {
		return d, d <= c.cfg.MaxRetryWait
	}
	d := time.Second << attempt
	return min(d, c.cfg.MaxRetryWait), true
}

// retryAfter reads retry-after-ms, then Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms >= 0 {
		return time.Duration(ms * float64(time.Millisecond)), true
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func (c *Client) completeOnce(ctx context.Context, req Request) (Completion, http.Header, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.api.CreateChatCompletion(actx, c.chatRequest(req))
	header := resp.Header() // go-openai sets the headers before it reads an error body
	if err != nil {
		if actx.Err() != nil && ctx.Err() == nil {
			return Completion{}, header, &Error{Kind: KindTimeout, msg: fmt.Sprintf("llm: no answer within %s", c.cfg.Timeout), cause: context.DeadlineExceeded}
		}
		return Completion{}, header, c.classify(err)
	}
	if len(resp.Choices) == 0 {
		return Completion{}, header, &Error{Kind: KindBadResponse, msg: "llm: the answer has no choices"}
	}
	return Completion{
		Text:             resp.Choices[0].Message.Content,
		PromptTokens:     resp.Usage.PromptTokens,
		CompletionTokens: resp.Usage.CompletionTokens,
		TotalTokens:      resp.Usage.TotalTokens,
	}, header, nil
}

func (c *Client) chatRequest(req Request) openai.ChatCompletionRequest {
	r := openai.ChatCompletionRequest{Model: c.cfg.Model, MaxTokens: req.MaxTokens}
	for _, m := range req.Messages {
		r.Messages = append(r.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	if req.JSON {
		r.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	}
	// Reasoning models (o1, gpt-5, …) refuse max_tokens and take max_completion_tokens.
	if openai.NewReasoningValidator().Validate(r) != nil {
		r.MaxCompletionTokens, r.MaxTokens = r.MaxTokens, 0
	}
	return r
}

// classify turns a go-openai error into an *Error whose text has no API key in it.
func (c *Client) classify(err error) error {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	var urlErr *url.Error
	switch {
	case errors.As(err, &apiErr):
		code, _ := apiErr.Code.(string)
		kind := kindForStatus(apiErr.HTTPStatusCode)
		if code == "insufficient_quota" || apiErr.Type == "insufficient_quota" {
			kind = KindQuota
		}
		return &Error{Kind: kind, Status: apiErr.HTTPStatusCode,
			msg: c.redact(fmt.Sprintf("llm: server said %d: %s", apiErr.HTTPStatusCode, apiErr.Message))}
	case errors.As(err, &reqErr):
		return &Error{Kind: kindForStatus(reqErr.HTTPStatusCode), Status: reqErr.HTTPStatusCode,
			msg: fmt.Sprintf("llm: server said %d", reqErr.HTTPStatusCode)}
	case errors.As(err, &urlErr):
		return &Error{Kind: KindUnavailable, msg: c.redact("llm: " + err.Error())}
	default: // the body of a 2xx answer did not decode
		return &Error{Kind: KindBadResponse, msg: c.redact("llm: unreadable answer: " + err.Error())}
	}
}

func kindForStatus(status int) ErrorKind {
	switch {
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return KindUnavailable
	case status >= 500:
		return KindUnavailable
	default:
		return KindRejected
	}
}

// redact removes the API key from text that may be logged or returned.
func (c *Client) redact(s string) string {
	if k := c.cfg.APIKey; len(k) >= 4 {
		s = strings.ReplaceAll(s, k, "[redacted]")
	}
	return s
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrorKind says what went wrong with a call, so callers react without parsing text.
type ErrorKind string

// Kinds of failure.
const (
	KindTimeout     ErrorKind = "timeout"      // no answer within the timeout
	KindCanceled    ErrorKind = "canceled"     // the caller gave up
	KindRateLimited ErrorKind = "rate_limited" // 429 still after the retries
	KindQuota       ErrorKind = "quota"        // insufficient_quota: the account needs a person
	KindUnavailable ErrorKind = "unavailable"  // 5xx or the server cannot be reached
	KindRejected    ErrorKind = "rejected"     // 4xx: bad key, unknown model, bad request
	KindBadResponse ErrorKind = "bad_response" // malformed or empty answer
	KindBudget      ErrorKind = "budget"       // the workspace's daily tokens are spent
)

func (k ErrorKind) retryable() bool { return k == KindRateLimited || k == KindUnavailable }

// Error is a failed call. Its text is safe to log: it never holds the API key.
type Error struct {
	Kind   ErrorKind
	Status int // HTTP status, 0 when there was none
	msg    string
	cause  error // only context errors, which carry no secrets
}

func (e *Error) Error() string { return e.msg }

// Unwrap exposes context.DeadlineExceeded and context.Canceled to errors.Is.
func (e *Error) Unwrap() error { return e.cause }

// Is makes errors.Is(err, llm.ErrQuota) and friends match on the kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.msg == "" && t.Kind == e.Kind
}

// Sentinels for errors.Is.
var (
	ErrTimeout     = &Error{Kind: KindTimeout}
	ErrRateLimited = &Error{Kind: KindRateLimited}
	ErrQuota       = &Error{Kind: KindQuota}
	ErrUnavailable = &Error{Kind: KindUnavailable}
	ErrRejected    = &Error{Kind: KindRejected}
	ErrBadResponse = &Error{Kind: KindBadResponse}
	ErrBudget      = &Error{Kind: KindBudget}
)
