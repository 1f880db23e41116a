package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The bot's own account of its acknowledgements: talkbot_slack_ack_seconds
// on its /metrics, as an operator would read it. On one machine the load
// generator's backlog hides how fast a refusal is; the server's histogram
// does not.

// ackBuckets is one outcome's histogram: cumulative counts at each upper bound.
type ackBuckets struct {
	bounds []float64 // seconds, ascending
	counts []uint64  // cumulative
}

// scrapeAcks reads the slash commands' talkbot_slack_ack_seconds, by outcome.
func scrapeAcks(ctx context.Context, client *http.Client, metricsURL string) (map[string]ackBuckets, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", metricsURL, res.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", metricsURL, err)
	}
	out := map[string]ackBuckets{}
	fam := fams["talkbot_slack_ack_seconds"]
	if fam == nil {
		return out, nil
	}
	for _, m := range fam.GetMetric() {
		if label(m, "kind") != "slash_command" {
			continue
		}
		var b ackBuckets
		for _, bk := range m.GetHistogram().GetBucket() {
			b.bounds = append(b.bounds, bk.GetUpperBound())
			b.counts = append(b.counts, bk.GetCumulativeCount())
		}
		b.bounds = append(b.bounds, math.Inf(1))
		b.counts = append(b.counts, m.GetHistogram().GetSampleCount())
		out[label(m, "outcome")] = b
	}
	return out, nil
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// since is what was observed between an earlier scrape and this one.
func (b ackBuckets) since(before ackBuckets) ackBuckets {
	d := ackBuckets{bounds: b.bounds, counts: slices.Clone(b.counts)}
	if len(before.counts) == len(b.counts) {
		for i := range d.counts {
			d.counts[i] -= before.counts[i]
		}
	}
	return d
}

func (b ackBuckets) n() uint64 {
	if len(b.counts) == 0 {
		return 0
	}
	return b.counts[len(b.counts)-1]
}

// atMost is the upper bound of the bucket that holds quantile q: q of the
// acknowledgements took at most this long.
func (b ackBuckets) atMost(q float64) float64 {
	want := uint64(math.Ceil(q * float64(b.n())))
	for i, c := range b.counts {
		if c >= want {
			return b.bounds[i]
		}
	}
	return math.Inf(1)
}

// serverAcks is one run's acknowledgements by outcome, as the bot counted them.
type serverAcks map[string]ackBuckets

func acksSince(after, before map[string]ackBuckets) serverAcks {
	d := serverAcks{}
	for outcome, b := range after {
		if s := b.since(before[outcome]); s.n() > 0 {
			d[outcome] = s
		}
	}
	return d
}

// String is "accepted 24,602 (p50 ≤ 0.5 ms, p99 ≤ 2.5 ms), refused …".
func (s serverAcks) String() string {
	var parts []string
	for _, outcome := range []string{"accepted", "refused", "ignored", "rejected"} {
		b, ok := s[outcome]
		if !ok {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d (p50 ≤ %s, p99 ≤ %s)", outcome, b.n(), bound(b.atMost(0.5)), bound(b.atMost(0.99))))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func bound(sec float64) string {
	if math.IsInf(sec, 1) {
		return "∞"
	}
	return fmt.Sprintf("%g ms", sec*1000)
}
