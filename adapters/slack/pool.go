package slack

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// job is one piece of background work: a command, a modal, an App Home.
type job struct {
	name string
	key  string // jobs with the same key (one user's) run one at a time, in order
	run  func(ctx context.Context)
}

// pool runs jobs on a fixed number of workers, each job with a time limit and
// a recover, so one slow or panicking command cannot stall or stop the bot.
//
// Of the workers, only as many as there are CPUs but one may start jobs at
// once (slots): a job holds a slot until it ends or until it has run for
// slowAfter, when it is most likely waiting (for an LLM, say) rather than
// computing, and another job may start. That leaves the Go scheduler a
// processor for acknowledging Slack however busy the workers are, without
// letting a few slow commands hold up everyone else's.
type pool struct {
	workers   int
	slots     chan struct{}
	slowAfter time.Duration
	jobs      chan job
	log       *slog.Logger
	timeout   time.Duration // per job
	grace     time.Duration // for queued jobs after shutdown

	gate   sync.RWMutex // held for reading while submitting; for writing to close
	closed bool

	mu      sync.Mutex
	pending int // queued or running
	idle    chan struct{}
	busy    map[string][]job // keys with a job queued or running, and the jobs waiting behind it
	room    chan struct{}    // signalled when a worker takes a job off the queue
}

func newPool(workers, queue int, log *slog.Logger) *pool {
	return &pool{workers: workers, jobs: make(chan job, queue), log: log, timeout: 2 * time.Minute, grace: 10 * time.Second,
		busy: map[string][]job{}, room: make(chan struct{}, 1), slots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1)), slowAfter: 250 * time.Millisecond}
}

// submit queues j unless the queue is full or the pool has stopped.
func (p *pool) submit(j job) bool { return p.submitWait(context.Background(), j, 0) }

// maxWaitingPerKey bounds how many jobs of one user wait behind the running one.
const maxWaitingPerKey = 100

// submitWait queues j, waiting up to d for room.
func (p *pool) submitWait(ctx context.Context, j job, d time.Duration) bool {
	p.gate.RLock()
	defer p.gate.RUnlock()
	if p.closed {
		return false
	}
	var timeout <-chan time.Time
	for {
		p.mu.Lock()
		ok := p.enqueueLocked(j)
		p.mu.Unlock()
		if ok {
			return true
		}
		if d <= 0 {
			return false
		}
		if timeout == nil {
			t := time.NewTimer(d)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-p.room:
		case <-timeout:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// enqueueLocked puts j on the queue, or behind the job of its key that is
// queued or running: jobs of one key never reach the workers out of order.
func (p *pool) enqueueLocked(j job) bool {
	if p.pending >= cap(p.jobs)+p.workers {
		return false // the queue's bound holds for the jobs waiting behind others too
	}
	if j.key != "" {
		if waiting, ok := p.busy[j.key]; ok {
			if len(waiting) >= maxWaitingPerKey {
				return false
			}
			p.busy[j.key] = append(waiting, j)
			p.pending++
			return true
		}
	}
	select {
	case p.jobs <- j:
	default:
		return false
	}
	if j.key != "" {
		p.busy[j.key] = nil
	}
	p.pending++
	return true
}

func (p *pool) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending += n
	if p.pending == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// waitIdle returns once nothing is queued or running.
func (p *pool) waitIdle(ctx context.Context) error {
	p.mu.Lock()
	if p.pending == 0 {
		p.mu.Unlock()
		return nil
	}
	if p.idle == nil {
		p.idle = make(chan struct{})
	}
	ch := p.idle
	p.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run works until ctx is done, then finishes what is running and queued
// within a grace period: what Slack was told is being done gets done.
func (p *pool) run(ctx context.Context) {
	// Jobs outlive ctx by the grace period, so a shutdown does not cut a
	// reply off halfway.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(p.grace, cancelJobs)
		context.AfterFunc(jobCtx, func() { t.Stop() })
	})
	defer stop()
	var wg sync.WaitGroup
	for range p.workers {
		wg.Go(func() {
			backgroundPriority()
			for {
				select {
				case <-ctx.Done():
					return
				default:
				}
				select {
				case j := <-p.jobs:
					p.do(jobCtx, j)
				case <-ctx.Done():
					return
				}
			}
		})
	}
	wg.Wait()
	p.gate.Lock()
	p.closed = true
	p.gate.Unlock()
	for {
		select {
		case j := <-p.jobs:
			p.do(jobCtx, j)
		default:
			return
		}
	}
}

// do runs j, then the jobs of its key that queued up behind it, in order.
func (p *pool) do(ctx context.Context, j job) {
	select {
	case p.room <- struct{}{}: // a submitter waiting for room may try again
	default:
	}
	for {
		p.run1(ctx, j)
		if j.key == "" {
			return
		}
		p.mu.Lock()
		waiting := p.busy[j.key]
		if len(waiting) == 0 {
			delete(p.busy, j.key)
			p.mu.Unlock()
			return
		}
		j, p.busy[j.key] = waiting[0], waiting[1:]
		p.mu.Unlock()
	}
}

func (p *pool) run1(ctx context.Context, j job) {
	defer p.add(-1)
	acquired := false
	select {
	case p.slots <- struct{}{}:
		acquired = true
	case <-ctx.Done():
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			if acquired {
				<-p.slots
			}
		})
	}
	slow := time.AfterFunc(p.slowAfter, release)
	defer func() {
		slow.Stop()
		release()
	}()
	defer func() {
		if r := recover(); r != nil {
			p.log.ErrorContext(ctx, "slack job panicked", "job", j.name, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	j.run(ctx)
}

// ttlSet remembers keys for a while, up to a bound: what is older than ttl,
// or the oldest beyond max, is forgotten.
type ttlSet struct {
	mu    sync.Mutex
	ttl   time.Duration
	max   int
	seen  map[string]time.Time
	order []ttlEntry
	head  int
}

type ttlEntry struct {
	key string
	at  time.Time
}

func newTTLSet(ttl time.Duration, max int) *ttlSet {
	return &ttlSet{ttl: ttl, max: max, seen: map[string]time.Time{}}
}

// add records key and reports whether it was new.
func (s *ttlSet) add(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head < len(s.order) {
		e := s.order[s.head]
		if now.Sub(e.at) <= s.ttl && len(s.seen) < s.max {
			break
		}
		if at, ok := s.seen[e.key]; ok && at.Equal(e.at) {
			delete(s.seen, e.key)
		}
		s.head++
	}
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append([]ttlEntry(nil), s.order[s.head:]...)
		s.head = 0
	}
	if _, ok := s.seen[key]; ok {
		return false
	}
	s.seen[key] = now
	s.order = append(s.order, ttlEntry{key, now})
	return true
}

// remove forgets key (a job that could not be queued may come again).
func (s *ttlSet) remove(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.seen, key)
}

// pacer spaces posts to one channel: Slack allows about one a second.
type pacer struct {
	mu    sync.Mutex
	every time.Duration
	next  map[string]time.Time
}

// reserve takes the channel's next slot and returns how long to wait for it.
func (p *pacer) reserve(channel string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.next) > 10_000 {
		for k, t := range p.next {
			if t.Before(now) {
				delete(p.next, k)
			}
		}
	}
	at := p.next[channel]
	if at.Before(now) {
		at = now
	}
	p.next[channel] = at.Add(p.every)
	return at.Sub(now)
}
