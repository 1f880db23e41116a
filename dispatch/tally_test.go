package dispatch_test

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot/dispatch"
)

// A thousand warnings in an interval are one line with their count and the
// last one's detail; a quiet interval writes nothing.
func TestATallyWritesOneLineAnInterval(t *testing.T) {
	var out syncBuffer
	tally := dispatch.NewTally(slog.New(slog.NewTextHandler(&out, nil)), 50*time.Millisecond, "requests refused", "refused")
	for i := range 1000 {
		tally.Add("from 192.0.2." + strconv.Itoa(i%250))
	}
	if got := out.String(); got != "" {
		t.Fatalf("written before the interval ended: %s", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "refused=1000") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // a second line would have come by now
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "refused=1000") || !strings.Contains(lines[0], `last="from 192.0.2.249"`) {
		t.Errorf("log:\n%s", out.String())
	}
}
