package matrix

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// maxQueue bounds the jobs waiting in one room; a flood beyond it is dropped
// (and logged) rather than growing memory without bound.
const maxQueue = 256

// pool runs jobs off the sync loop: in order within a key (a room, so one
// user's `add` comes before their `rate`), concurrently across keys, at most
// workers at a time, each under recover().
type pool struct {
	ctx context.Context
	log *slog.Logger
	sem chan struct{}

	mu     sync.Mutex
	queues map[string][]func(context.Context)
	closed bool
	wg     sync.WaitGroup

	idle *time.Timer // fires idleAfter the last job
}

// idleAfter is how long the bot must be quiet before it hands the memory a
// burst of commands used back to the operating system.
const idleAfter = 5 * time.Second

func newPool(ctx context.Context, workers int, log *slog.Logger) *pool {
	p := &pool{ctx: ctx, log: log, sem: make(chan struct{}, workers), queues: map[string][]func(context.Context){}}
	// Go keeps freed heap mapped until a later GC and scavenge; a bot is idle
	// most of the time, so it returns that memory once a burst is over.
	p.idle = time.AfterFunc(time.Hour, debug.FreeOSMemory)
	p.idle.Stop()
	return p
}

// touch notes activity: the idle timer starts again.
func (p *pool) touch() { p.idle.Reset(idleAfter) }

// submit queues job under key and reports whether it was accepted.
func (p *pool) submit(key string, job func(context.Context)) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	q := p.queues[key]
	if len(q) >= maxQueue {
		p.log.Warn("too many commands waiting in one room; dropping one", "room_id", key)
		return false
	}
	p.queues[key] = append(q, job)
	if len(q) == 0 {
		p.wg.Add(1)
		go p.drain(key)
	}
	return true
}

// drain runs the jobs of key one after another until its queue is empty.
func (p *pool) drain(key string) {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		q := p.queues[key]
		if len(q) == 0 || p.closed {
			delete(p.queues, key)
			p.mu.Unlock()
			return
		}
		job := q[0]
		p.mu.Unlock()

		select {
		case p.sem <- struct{}{}:
		case <-p.ctx.Done():
			p.mu.Lock()
			delete(p.queues, key)
			p.mu.Unlock()
			return
		}
		p.run(key, job)
		<-p.sem

		p.mu.Lock()
		p.queues[key] = p.queues[key][1:]
		p.mu.Unlock()
	}
}

// run runs one job; a panic is logged with its stack and goes no further.
func (p *pool) run(key string, job func(context.Context)) {
	defer func() {
		if r := recover(); r != nil {
			p.log.Error("a handler panicked; the bot goes on", "room_id", key, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	defer p.touch()
	job(p.ctx)
}

// close stops taking jobs, drops those not started, and waits up to timeout
// for the running ones.
func (p *pool) close(timeout time.Duration) {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	defer p.idle.Stop()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		p.log.Warn("commands still running at shutdown", "waited", timeout)
	}
}
