package metrics_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/adapters/slack"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/llm"
	"github.com/talkbot/talkbot/metrics"
)

// The one type serves every observer interface.
var (
	_ dispatch.Observer       = (*metrics.Metrics)(nil)
	_ slack.Observer          = (*metrics.Metrics)(nil)
	_ matrix.Observer         = (*metrics.Metrics)(nil)
	_ llm.Observer            = (*metrics.Metrics)(nil)
	_ dispatch.DigestObserver = (*metrics.Metrics)(nil)
)

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

func TestScrapeShowsWhatHappened(t *testing.T) {
	m := metrics.New()
	m.CommandDone("slack", "add", "ok", "", 30*time.Millisecond)
	m.CommandDone("slack", "add", "ok", "", 2*time.Second)
	m.CommandDone("matrix", "", "error", "EINVALID", time.Millisecond)
	m.QueueDepth(7)
	m.APICall("slack", "chat.postMessage", "ok")
	m.APICall("slack", "chat.postMessage", "rate_limited")
	m.RateLimitWait("slack", "chat.postMessage", 3*time.Second)
	m.APICall("matrix", "rooms.send", "ok")
	m.Reconnect("matrix")
	m.LLMCall("ok", 1500*time.Millisecond, 1200, 300)
	m.LLMCall("timeout", 30*time.Second, 0, 0)
	m.LLMCacheHit()
	m.LLMFallback("timed_out")
	m.DigestPosted("posted")
	m.DigestPosted("skipped")
	m.DigestPosted("skipped")
	m.Acked("slash_command", "accepted", 400*time.Microsecond)
	m.Acked("slash_command", "refused", 2*time.Millisecond)
	m.WatchDatabaseSize(func(context.Context) (int64, error) { return 4096 * 25, nil })

	text := scrape(t, m.Handler(slog.New(slog.DiscardHandler)))
	for _, want := range []string{
		`talkbot_commands_total{command="add",outcome="ok",platform="slack"} 2`,
		`talkbot_commands_total{command="unknown",outcome="error",platform="matrix"} 1`,
		`talkbot_command_duration_seconds_bucket{command="add",platform="slack",le="0.05"} 1`,
		`talkbot_command_duration_seconds_bucket{command="add",platform="slack",le="2.5"} 2`,
		`talkbot_command_duration_seconds_count{command="add",platform="slack"} 2`,
		`talkbot_queue_depth 7`,
		`talkbot_chat_api_calls_total{call="chat.postMessage",outcome="rate_limited",platform="slack"} 1`,
		`talkbot_chat_api_calls_total{call="rooms.send",outcome="ok",platform="matrix"} 1`,
		`talkbot_chat_rate_limit_waits_total{call="chat.postMessage",platform="slack"} 1`,
		`talkbot_chat_rate_limit_wait_seconds_total{platform="slack"} 3`,
		`talkbot_adapter_reconnects_total{platform="matrix"} 1`,
		`talkbot_llm_calls_total{outcome="ok"} 1`,
		`talkbot_llm_calls_total{outcome="timeout"} 1`,
		`talkbot_llm_tokens_total{kind="prompt"} 1200`,
		`talkbot_llm_tokens_total{kind="completion"} 300`,
		`talkbot_llm_cache_hits_total 1`,
		`talkbot_llm_fallbacks_total{reason="timed_out"} 1`,
		`talkbot_llm_call_duration_seconds_count 2`,
		`talkbot_digest_posts_total{status="posted"} 1`,
		`talkbot_digest_posts_total{status="skipped"} 2`,
		`talkbot_slack_ack_seconds_bucket{kind="slash_command",outcome="accepted",le="0.0005"} 1`,
		`talkbot_slack_ack_seconds_bucket{kind="slash_command",outcome="refused",le="0.001"} 0`,
		`talkbot_slack_ack_seconds_bucket{kind="slash_command",outcome="refused",le="0.0025"} 1`,
		`talkbot_database_size_bytes 102400`,
		`go_goroutines `,
		`process_resident_memory_bytes `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the scrape has no %q", want)
		}
	}
}

// TestRegistryIsPrivate: two Metrics live side by side (tests, two bots in
// one process) and neither touches Prometheus's default registry.
func TestRegistryIsPrivate(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.CommandDone("console", "list", "ok", "", time.Millisecond)
	if text := scrape(t, b.Handler(slog.New(slog.DiscardHandler))); strings.Contains(text, "talkbot_commands_total{") {
		t.Error("a command counted on one Metrics shows on another")
	}
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if strings.HasPrefix(f.GetName(), "talkbot_") {
			t.Errorf("%s is on the default registry", f.GetName())
		}
	}
}

// TestDatabaseSizeFailureLeavesTheRestAlone: a size that cannot be read
// makes the scrape report an error for that metric only.
func TestDatabaseSizeFailure(t *testing.T) {
	m := metrics.New()
	m.QueueDepth(1)
	m.WatchDatabaseSize(func(context.Context) (int64, error) { return 0, errors.New("store is closed") })
	srv := httptest.NewServer(m.Handler(slog.New(slog.DiscardHandler)))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "talkbot_queue_depth 1") || strings.Contains(string(b), "talkbot_database_size_bytes ") {
		t.Errorf("scrape with a failing size (%d):\n%s", resp.StatusCode, b)
	}
}
