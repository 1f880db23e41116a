package dispatch

import "time"

// pace compares how fast jobs are offered with how fast they finish, the
// signal for refusing under overload (see Config.MaxQueueWait).
//
// A queue alone cannot tell an overload from a stall: when the machine
// stops for a few hundred milliseconds (other work on it, a disk flush),
// jobs pile up and their waits grow, yet the load is light and the backlog
// drains at once afterwards; refusing then turns a hiccup into errors. In an
// overload, jobs arrive much faster than they finish, however fast they
// finish. So the pool refuses only while jobs are offered at more than
// overloadFactor times the best recent finishing rate, and only once the
// queue is long enough to keep a new job waiting past MaxQueueWait. At a
// light load the finishing rate is the load itself, so a stall long enough
// that more than half of recentOffers pile up (about a second at a sixth
// of capacity) can still refuse some.
type pace struct {
	start      time.Time               // of the current window of finishes
	done       int                     // finished in the current window
	finishRate float64                 // best recent jobs/s finished: max of each window and the last decayed; 0 until one
	offers     [recentOffers]time.Time // when the last jobs were offered, a ring
	next       int                     // the ring's oldest entry, where the next goes
}

const (
	paceWindow = 250 * time.Millisecond
	// recentOffers is how many jobs offered make a rate: the time the last
	// ones took to arrive. A surge at five times capacity is seen within
	// some 160 of its jobs. When the whole process stalls, the requests held
	// back meanwhile arrive together afterwards, a surge in miniature: they
	// must be more than half of these for the rate to double, so at 133
	// commands a second a stall of up to about a second passes.
	recentOffers = 256
	// paceDecay lowers the finishing rate remembered from window to window
	// (a half-life of about 1.6s), so one slow window (a stall) hardly moves it.
	paceDecay = 0.9
	// overloadFactor is how much faster than they finish jobs must come:
	// random arrivals at a steady load stay well under twice the rate.
	overloadFactor = 2
)

// roll closes the current window of finishes when it is over.
func (p *pace) roll(now time.Time) {
	if p.start.IsZero() {
		p.start = now
		return
	}
	elapsed := now.Sub(p.start)
	if elapsed < paceWindow {
		return
	}
	// A window with nothing finished (idle, or stalled) says nothing of the
	// rate, nor does one that ran into a quiet spell: a few jobs and then
	// seconds of nothing made a rate of a job every few seconds, and the
	// first burst after it was refused as a surge.
	if p.done > 0 && elapsed < 2*paceWindow {
		p.finishRate = max(float64(p.done)/elapsed.Seconds(), p.finishRate*paceDecay)
	}
	p.start, p.done = now, 0
}

// offer counts a job offered at now, first closing the window of finishes
// if its time is up: the rate waitLimit reads is then the one overloaded
// judges by (waitLimit had read the rate of before, none at a first
// surge, and let only workers wait).
func (p *pace) offer(now time.Time) {
	p.roll(now)
	p.offers[p.next] = now
	p.next = (p.next + 1) % recentOffers
}

// finish counts a job finished at now.
func (p *pace) finish(now time.Time) {
	p.roll(now)
	p.done++
}

// overloaded reports whether the last jobs offered came in faster than
// overloadFactor times the rate jobs finish at.
func (p *pace) overloaded(now time.Time) bool {
	p.roll(now)
	oldest := p.offers[p.next]
	if p.finishRate == 0 || oldest.IsZero() {
		return false // no rate yet to go by
	}
	span := now.Sub(oldest)
	return span <= 0 || float64(recentOffers)/span.Seconds() > overloadFactor*p.finishRate
}

// waitLimit is how many jobs may wait before a new one would wait longer
// than maxWait at the best recent finishing rate; never fewer than workers.
func (p *pace) waitLimit(maxWait time.Duration, workers int) int {
	return max(workers, int(p.finishRate*maxWait.Seconds()))
}
