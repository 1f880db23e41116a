// Package metrics is talkbot's Prometheus instrumentation: one private
// registry (no globals, nothing on the default registry) that the operator
// server serves at /metrics. The packages that do the work know nothing of
// Prometheus: each declares a small observer interface (dispatch.Observer,
// slack.Observer, matrix.Observer, llm.Observer, the digest scheduler's) and
// *Metrics implements them all.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "talkbot"

// Metrics holds talkbot's metrics on a registry of its own. Its methods are
// safe for concurrent use and quick: they only update counters.
type Metrics struct {
	reg *prometheus.Registry

	commands        *prometheus.CounterVec
	commandDuration *prometheus.HistogramVec
	queueDepth      prometheus.Gauge
	reconnects      *prometheus.CounterVec
	apiCalls        *prometheus.CounterVec
	rateLimitWaits  *prometheus.CounterVec
	rateLimitTime   *prometheus.CounterVec
	llmCalls        *prometheus.CounterVec
	llmDuration     prometheus.Histogram
	llmTokens       *prometheus.CounterVec
	llmCacheHits    prometheus.Counter
	llmFallbacks    *prometheus.CounterVec
	digestPosts     *prometheus.CounterVec
	slackAcks       *prometheus.HistogramVec
}

// New returns Metrics on a new private registry, with the Go runtime's and
// the process's own metrics (goroutines, heap, resident memory, open files)
// beside talkbot's.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "commands_total",
			Help: "Commands served, by platform, command and outcome (ok, error, refused, timeout, panic)."},
			[]string{"platform", "command", "outcome"}),
		commandDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "command_duration_seconds",
			Help:    "Time from a command's arrival at the runtime to its answer being sent.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}},
			[]string{"platform", "command"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "queue_depth",
			Help: "Jobs queued or running on the runtime."}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "adapter_reconnects_total",
			Help: "Times a chat adapter connected again after losing its connection."}, []string{"platform"}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "chat_api_calls_total",
			Help: "Calls to the Slack Web API and the Matrix homeserver, by platform, call and outcome (ok, error, rate_limited)."},
			[]string{"platform", "call", "outcome"}),
		rateLimitWaits: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "chat_rate_limit_waits_total",
			Help: "Times the bot waited because Slack or the homeserver rate-limited a call."}, []string{"platform", "call"}),
		rateLimitTime: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "chat_rate_limit_wait_seconds_total",
			Help: "Time spent waiting on rate limits of Slack or the homeserver."}, []string{"platform"}),
		llmCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "llm_calls_total",
			Help: "Calls to the LLM server, by outcome: ok, or the kind of error (timeout, rate_limited, quota, unavailable, rejected, bad_response, canceled)."},
			[]string{"outcome"}),
		llmDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: "llm_call_duration_seconds",
			Help: "Time one LLM call took, retries included.", Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 20, 30, 60, 120}}),
		llmTokens: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "llm_tokens_total",
			Help: "Tokens spent on LLM calls, by kind (prompt, completion)."}, []string{"kind"}),
		llmCacheHits: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: "llm_cache_hits_total",
			Help: "LLM answers served from the answer cache without a call."}),
		llmFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "llm_fallbacks_total",
			Help: "Answers the built-in summariser or parser gave because the LLM could not, by reason."}, []string{"reason"}),
		digestPosts: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "digest_posts_total",
			Help: "Scheduled digest posts, by status (posted, empty, skipped, unknown)."}, []string{"status"}),
		slackAcks: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: "slack_ack_seconds",
			Help: "Time from a Slack request's arrival to its acknowledgement (Slack shows the user an error after 3 s), " +
				"by kind (slash_command, event, interaction, other) and outcome (accepted, refused, ignored, rejected).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5}},
			[]string{"kind", "outcome"}),
	}
	reg.MustRegister(m.commands, m.commandDuration, m.queueDepth, m.reconnects, m.apiCalls, m.rateLimitWaits,
		m.rateLimitTime, m.llmCalls, m.llmDuration, m.llmTokens, m.llmCacheHits, m.llmFallbacks, m.digestPosts, m.slackAcks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format (or
// OpenMetrics, when the scraper asks for it).
func (m *Metrics) Handler(log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg, // counts its own errors
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling:     promhttp.ContinueOnError, // one metric failing must not blank the rest
		EnableOpenMetrics: true,
		Timeout:           10 * time.Second,
	})
}

// Gatherer is the registry, for tests and other exporters.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// WatchDatabaseSize adds talkbot_database_size_bytes, read from size at
// each scrape (a cheap PRAGMA); a failed read leaves the sample out.
func (m *Metrics) WatchDatabaseSize(size func(ctx context.Context) (int64, error)) {
	m.reg.MustRegister(&sizeCollector{size: size, desc: prometheus.NewDesc(namespace+"_database_size_bytes",
		"Size of the SQLite database (pages in use and free), without its write-ahead log.", nil, nil)})
}

type sizeCollector struct {
	size func(ctx context.Context) (int64, error)
	desc *prometheus.Desc
}

func (c *sizeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sizeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n, err := c.size(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}

// CommandDone counts a command and its latency (dispatch.Observer).
func (m *Metrics) CommandDone(platform, command, outcome, _ string, took time.Duration) {
	if command == "" {
		command = "unknown"
	}
	m.commands.WithLabelValues(platform, command, outcome).Inc()
	m.commandDuration.WithLabelValues(platform, command).Observe(took.Seconds())
}

// QueueDepth sets the runtime's queue depth (dispatch.Observer).
func (m *Metrics) QueueDepth(n int) { m.queueDepth.Set(float64(n)) }

// APICall counts a call to a chat platform's API (slack.Observer, matrix.Observer).
func (m *Metrics) APICall(platform, call, outcome string) {
	m.apiCalls.WithLabelValues(platform, call, outcome).Inc()
}

// RateLimitWait counts a wait a chat platform asked for (slack.Observer, matrix.Observer).
func (m *Metrics) RateLimitWait(platform, call string, wait time.Duration) {
	m.rateLimitWaits.WithLabelValues(platform, call).Inc()
	m.rateLimitTime.WithLabelValues(platform).Add(wait.Seconds())
}

// Reconnect counts a chat adapter connecting again (slack.Observer, matrix.Observer).
func (m *Metrics) Reconnect(platform string) { m.reconnects.WithLabelValues(platform).Inc() }

// Acked records how long Slack waited for a request's acknowledgement (slack.Observer).
func (m *Metrics) Acked(kind, outcome string, took time.Duration) {
	m.slackAcks.WithLabelValues(kind, outcome).Observe(took.Seconds())
}

// LLMCall counts a call to the LLM server and the tokens it spent (llm.Observer).
func (m *Metrics) LLMCall(outcome string, took time.Duration, promptTokens, completionTokens int) {
	m.llmCalls.WithLabelValues(outcome).Inc()
	m.llmDuration.Observe(took.Seconds())
	if promptTokens > 0 {
		m.llmTokens.WithLabelValues("prompt").Add(float64(promptTokens))
	}
	if completionTokens > 0 {
		m.llmTokens.WithLabelValues("completion").Add(float64(completionTokens))
	}
}

// LLMCacheHit counts an answer served from the cache (llm.Observer).
func (m *Metrics) LLMCacheHit() { m.llmCacheHits.Inc() }

// LLMFallback counts an answer the built-in path gave instead (llm.Observer).
func (m *Metrics) LLMFallback(reason string) { m.llmFallbacks.WithLabelValues(reason).Inc() }

// DigestPosted counts a scheduled digest by its status (dispatch.DigestObserver):
// "posted", "empty", "skipped" (the bot was down past the window), "unknown".
func (m *Metrics) DigestPosted(status string) { m.digestPosts.WithLabelValues(status).Inc() }
