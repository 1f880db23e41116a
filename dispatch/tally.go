package dispatch

import (
	"log/slog"
	"sync"
	"time"
)

// Tally sums up a warning that can come at request rate into one line per
// interval with its count, so a flood cannot flood the log: a line per
// refused job was 233,000 lines in 15 s; a line per badly signed request
// was anyone's to write, /slack/events being open to the internet.
type Tally struct {
	log   *slog.Logger
	every time.Duration
	msg   string
	key   string // the count's name in the line

	mu      sync.Mutex
	n       int
	last    string // what the last one said, for the line
	pending bool   // a line is due at the end of this interval
}

// NewTally logs msg once every interval in which Add was called, with key
// and the count.
func NewTally(log *slog.Logger, every time.Duration, msg, key string) *Tally {
	return &Tally{log: log, every: every, msg: msg, key: key}
}

// Add counts one; detail (a remote address, a reason) goes in the line as
// "last" when it is the interval's last.
func (t *Tally) Add(detail string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	t.last = detail
	if !t.pending {
		t.pending = true
		time.AfterFunc(t.every, t.flush)
	}
}

func (t *Tally) flush() {
	t.mu.Lock()
	n, last := t.n, t.last
	t.n, t.last, t.pending = 0, "", false
	t.mu.Unlock()
	if n == 0 {
		return
	}
	attrs := []any{t.key, n, "over", t.every.String()}
	if last != "" {
		attrs = append(attrs, "last", last)
	}
	t.log.Warn(t.msg, attrs...)
}
