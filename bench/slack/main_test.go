package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the harness start this test binary as its server process.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) != "" {
		if err := serveChild(); err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestHarness runs the harness small. It times nothing (the numbers are for
// BENCHMARKS.md, from a full run); it checks that every command was
// acknowledged with an empty 200, none was refused, and every one was
// answered through response_url.
func TestHarness(t *testing.T) {
	var out strings.Builder
	results, err := run(context.Background(), options{requests: 300, conns: 4, users: 20, workers: 4, queue: 1000, rate: 500,
		maxWait: time.Hour}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 4 {
		t.Fatalf("%d results, want 4", len(results))
	}
	for _, r := range results {
		if r.ok != 300 || r.busy != 0 || r.fail != 0 || len(r.lat) != 300 {
			t.Errorf("%s: %d ok, %d busy, %d failed, %d timed", r.name, r.ok, r.busy, r.fail, len(r.lat))
		}
		if strings.HasPrefix(r.name, "talkbot") && r.answered == 0 {
			t.Errorf("%s: answers not awaited", r.name)
		}
	}
	t.Log("\n" + out.String())
}

// TestReplyMode runs the reply mode small: closed loops of the reference,
// `list` and `add`, then an open loop of each server. It times nothing; it
// checks that every command was acknowledged as taken, none refused, and
// each answered exactly once through response_url.
func TestReplyMode(t *testing.T) {
	var out strings.Builder
	// The runtime refuses nothing for being late here: whether it does
	// depends on the machine's speed, and this test times nothing.
	o := replyOptions{users: 4, perUser: 20, warm: 20, rate: 200, openN: 100, logLevel: "error", conns: 4, maxWait: time.Hour}
	results, err := runReply(context.Background(), o, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "- talkbot `list`, open loop, 200/s: accepted 100 (") || !strings.Contains(out.String(), "; accepted replies from the generator's send: p50 ") {
		t.Errorf("the open loop's acknowledgements and replies from the send are not reported")
	}
	if len(results) != 6 {
		t.Fatalf("%d results, want 6 (reference, list, reference, add, two open loops)", len(results))
	}
	for i, r := range results {
		want := o.users * o.perUser
		if i >= 4 {
			want = o.openN
		}
		if r.replies != want || r.refused != 0 || r.fails != 0 {
			t.Errorf("%s: %d answered, %d refused, %d failed; want all %d answered", r.name, r.replies, r.refused, r.fails, want)
		}
		// An open loop's replies are also timed from the actual send, which
		// is never before the planned one (an unset send time would be).
		if i >= 4 && pctOf(r.fromSend, 1) > r.pct(1) {
			t.Errorf("%s: slowest reply from the actual send %v, from the planned one %v", r.name, pctOf(r.fromSend, 1), r.pct(1))
		}
		// The bot's own count of its acknowledgements: the reference's runs are not the bot's.
		if bot := strings.HasPrefix(r.name, "talkbot"); bot && (len(r.server) != 1 || r.server["accepted"].n() != uint64(want)) {
			t.Errorf("%s: the bot counted acknowledgements %v, want %d accepted", r.name, r.server, want)
		} else if !bot && len(r.server) != 0 {
			t.Errorf("%s: the bot counted acknowledgements %v during the reference's run", r.name, r.server)
		}
	}
}
