package matrix

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
)

// TestSendRetriesRateLimits: M_LIMIT_EXCEEDED is retried after
// retry_after_ms, with the same transaction id, until the send succeeds.
func TestSendRetriesRateLimits(t *testing.T) {
	var calls atomic.Int32
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":40}`))
			return
		}
		_, _ = w.Write([]byte(`{"event_id":"$sent"}`))
	}))
	defer srv.Close()
	cli, err := mautrix.NewClient(srv.URL, "@talkbot:example.org", "token")
	if err != nil {
		t.Fatal(err)
	}
	cli.IgnoreRateLimit = true
	a := &Adapter{cli: cli, log: slog.New(slog.DiscardHandler)}
	began := time.Now()
	resp, err := a.sendEvent(context.Background(), a.log, "!room:example.org", event.EventMessage, &event.MessageEventContent{MsgType: event.MsgNotice, Body: "hi"}, "txn1", false)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if resp.EventID != "$sent" || calls.Load() != 3 {
		t.Errorf("event %q after %d calls, want $sent after 3", resp.EventID, calls.Load())
	}
	if took := time.Since(began); took < 80*time.Millisecond {
		t.Errorf("retried after %v in all, want at least the 2×40ms the server asked for", took)
	}
	for _, p := range paths {
		if !strings.HasSuffix(p, "/send/m.room.message/txn1") {
			t.Errorf("retry went to %s, want the same transaction id", p)
		}
	}
}

func TestRetryLimitedGivesUp(t *testing.T) {
	limited := mautrix.HTTPError{RespError: &mautrix.RespError{ErrCode: "M_LIMIT_EXCEEDED", ExtraData: map[string]any{"retry_after_ms": float64(1)}}}
	tries := 0
	err := retryLimited(context.Background(), slog.New(slog.DiscardHandler), nil, func() error { tries++; return limited })
	if err == nil || tries != maxRateLimitTries {
		t.Errorf("err %v after %d tries, want an error after %d", err, tries, maxRateLimitTries)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := mautrix.HTTPError{RespError: &mautrix.RespError{ErrCode: "M_LIMIT_EXCEEDED", ExtraData: map[string]any{"retry_after_ms": float64(60_000)}}}
	if err := retryLimited(ctx, slog.New(slog.DiscardHandler), nil, func() error { return slow }); err != context.Canceled {
		t.Errorf("err = %v when the context ends while waiting, want context.Canceled", err)
	}
	other := mautrix.HTTPError{RespError: &mautrix.RespError{ErrCode: "M_FORBIDDEN"}}
	tries = 0
	if err := retryLimited(context.Background(), slog.New(slog.DiscardHandler), nil, func() error { tries++; return other }); err == nil || tries != 1 {
		t.Errorf("a forbidden error was tried %d times, want once", tries)
	}
}
