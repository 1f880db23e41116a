package dispatch

import (
	"log/slog"
	"sync"
	"time"
)

// refusals sums up the jobs refused because the queue was full or late: one
// warning per interval with their count, however many there were, so an
// overload cannot flood the log (a line per refusal was 233,000 lines in 15s).
type refusals struct {
	log   *slog.Logger
	every time.Duration

	mu      sync.Mutex
	n       int
	pending bool // a summary is due at the end of this interval
}

func newRefusals(log *slog.Logger, every time.Duration) *refusals {
	return &refusals{log: log, every: every}
}

func (r *refusals) add() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if !r.pending {
		r.pending = true
		time.AfterFunc(r.every, r.flush)
	}
}

func (r *refusals) flush() {
	r.mu.Lock()
	n := r.n
	r.n, r.pending = 0, false
	r.mu.Unlock()
	if n > 0 {
		r.log.Warn("queue full or late; work refused, each told the bot is busy", "refused", n, "over", r.every.String())
	}
}
