// Package dispatch is the runtime every adapter shares: one bounded pool of
// workers that keeps one user's (or one room's) work in order, and the
// middleware every command goes through on its way to the command layer —
// admins from BOT_ADMINS and the table's admin-only commands, "working on
// it…" for slow commands, a time limit, recovery from a panic, one log line
// with stable keys, and a hook for metrics. Adapters translate their
// platform in and render replies out; what happens in between is here.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Handler is the command layer; *commands.Router is one.
type Handler interface {
	Handle(ctx context.Context, req commands.Request) commands.Reply
	Lookup(text string) (commands.Command, bool)
}

// Poster posts a reply unprompted: a digest, a notice. Every adapter is one.
// The id it returns is the platform's id of the message posted.
type Poster interface {
	Post(ctx context.Context, to commands.Destination, r commands.Reply) (id string, err error)
}

// Observer is told how each command and post went, for metrics. Its methods
// must be quick and safe for concurrent use.
type Observer interface {
	// CommandDone reports a command: outcome is "ok", "error" (not carried
	// out, with its code), "refused", "timeout" or "panic".
	CommandDone(platform, command, outcome, code string, took time.Duration)
	// QueueDepth reports how many jobs wait or run after each change.
	QueueDepth(n int)
}

// Respond delivers a reply to whoever sent the request. For a slow command it
// is called twice: with the "working on it…" reply (Kind KindProgress), then
// with the answer, which replaces it.
type Respond func(ctx context.Context, r commands.Reply) error

// Config configures a Runtime.
type Config struct {
	Handler Handler
	Admins  []string // platform user ids that are admins everywhere (BOT_ADMINS)
	Workers int      // jobs at once; 16 when 0
	Queue   int      // jobs waiting; 1000 when 0
	Timeout time.Duration
	Grace   time.Duration // for queued jobs after shutdown; 10s when 0
	// MaxQueueWait bounds how long a job accepted by Submit waits for a
	// worker under overload: while jobs are offered at more than twice the
	// rate they have been finishing at, and the jobs waiting would keep a
	// new one waiting longer than this, Submit refuses and the adapter says
	// it is busy. A stall with a light load is not an overload (see pace).
	// DefaultMaxQueueWait when 0; negative turns it off, leaving only the
	// queue's size to bound the wait.
	MaxQueueWait time.Duration
	Logger       *slog.Logger // slog.Default() when nil
	Observer     Observer     // nil for none
	Now          func() time.Time
}

// DefaultMaxQueueWait is MaxQueueWait's default. At five times capacity
// (BENCHMARKS.md) it kept the server's share of an accepted command's reply
// at p99 77ms (50ms: 110ms), with the same commands carried out a second.
const DefaultMaxQueueWait = 25 * time.Millisecond

// DefaultTimeout bounds one command; slow commands answer "working on it…" long before.
const DefaultTimeout = 2 * time.Minute

// Runtime runs commands and other work for every adapter.
type Runtime struct {
	handler Handler
	admins  map[string]bool
	timeout time.Duration
	log     *slog.Logger
	obs     Observer
	now     func() time.Time
	pool    *pool
}

// New returns a Runtime; Run starts its workers.
func New(cfg Config) *Runtime {
	rt := &Runtime{handler: cfg.Handler, admins: map[string]bool{}, timeout: cfg.Timeout, log: cfg.Logger, obs: cfg.Observer, now: cfg.Now}
	if rt.timeout <= 0 {
		rt.timeout = DefaultTimeout
	}
	if rt.log == nil {
		rt.log = slog.Default()
	}
	if rt.now == nil {
		rt.now = time.Now
	}
	for _, id := range cfg.Admins {
		rt.admins[id] = true
	}
	workers, queue, grace := cfg.Workers, cfg.Queue, cfg.Grace
	if workers <= 0 {
		workers = 16
	}
	if queue <= 0 {
		queue = 1000
	}
	if grace <= 0 {
		grace = 10 * time.Second
	}
	rt.pool = newPool(workers, queue, grace, rt.log, rt.depth)
	rt.pool.now = rt.now
	switch {
	case cfg.MaxQueueWait > 0:
		rt.pool.maxWait = cfg.MaxQueueWait
	case cfg.MaxQueueWait == 0:
		rt.pool.maxWait = DefaultMaxQueueWait
	}
	return rt
}

func (rt *Runtime) depth(n int) {
	if rt.obs != nil {
		rt.obs.QueueDepth(n)
	}
}

// Job is a piece of work for the pool: a command to serve, a form to open, a
// view to refresh. Jobs with the same Key (a user, a room) run one at a time,
// in the order they were submitted.
type Job struct {
	Name string // for the log, should it panic
	Key  string
	Run  func(ctx context.Context)
}

// Run works until ctx is done, then finishes what is running and queued
// within the grace period: what a user was told is being done gets done.
func (rt *Runtime) Run(ctx context.Context) { rt.pool.run(ctx) }

// Submit queues a job; false when the queue is full, or late (see
// Config.MaxQueueWait), or the runtime stopped, and the adapter should say it
// is busy (or leave the event for redelivery).
func (rt *Runtime) Submit(j Job) bool { return rt.pool.submit(j) }

// SubmitWait is Submit, waiting up to d for room in the queue.
func (rt *Runtime) SubmitWait(ctx context.Context, j Job, d time.Duration) bool {
	return rt.pool.submitWait(ctx, j, d)
}

// WaitIdle returns once nothing is queued or running.
func (rt *Runtime) WaitIdle(ctx context.Context) error { return rt.pool.waitIdle(ctx) }

// Pending is how many jobs are queued or running.
func (rt *Runtime) Pending() int { return rt.pool.pendingNow() }

// Lookup returns what the table knows of the command a message runs.
func (rt *Runtime) Lookup(text string) (commands.Command, bool) { return rt.handler.Lookup(text) }

// Serve runs one request through the middleware and the command layer, now,
// in the caller's goroutine (a job's, or the console's), and sends the reply
// with respond. It returns respond's error; the command's own failure is the
// reply.
func (rt *Runtime) Serve(ctx context.Context, req commands.Request, respond Respond) error {
	start := rt.now()
	if rt.admins[req.UserID] {
		req.Admin = true
	}
	if ask := req.IsAdmin; ask != nil && !req.Admin { // the platform is asked once a request at most
		var once sync.Once
		var admin bool
		var err error
		req.IsAdmin = func(ctx context.Context) (bool, error) {
			once.Do(func() { admin, err = ask(ctx) })
			return admin, err
		}
	}
	cmd, known := rt.handler.Lookup(req.Text)
	log := rt.log.With("platform", req.Platform, "workspace", req.Workspace, "user_id", req.UserID, "cmd", cmd.Name)
	var reply commands.Reply
	outcome := "ok"
	var admin bool
	var adminErr error
	if known && cmd.Admin {
		admin, adminErr = req.IsAdminNow(ctx)
	}
	switch {
	case adminErr != nil:
		reply = commands.Refusal(cmd.Name, talkbot.ErrorCode(adminErr), talkbot.ErrorMessage(adminErr))
		outcome = "refused"
	case known && cmd.Admin && !admin:
		reply = commands.Refusal(cmd.Name, talkbot.EFORBIDDEN, fmt.Sprintf("Only an admin can run `%s`: a workspace admin, a room moderator, or someone in BOT_ADMINS.", cmd.Name))
		outcome = "refused"
	default:
		if known && cmd.Slow {
			if err := respond(ctx, progress(cmd.Name)); err != nil {
				log.WarnContext(ctx, "send working on it", "err", err)
			}
			if !cmd.Changes {
				// A summary that waits seconds on a model need not hold up
				// the commands sent after it in the room (or by its user):
				// it changes nothing they could depend on.
				letKeyGo(ctx)
			}
		}
		reply, outcome = rt.handle(ctx, req, cmd, log)
	}
	if outcome == "ok" && reply.Kind == commands.KindError {
		outcome = "error"
	}
	err := respond(ctx, reply)
	took := rt.now().Sub(start)
	if rt.obs != nil {
		rt.obs.CommandDone(req.Platform, cmd.Name, outcome, reply.Code, took)
	}
	level := slog.LevelInfo
	if outcome == "panic" || outcome == "timeout" || err != nil {
		level = slog.LevelError
	}
	log.Log(ctx, level, "command", "outcome", outcome, "code", reply.Code, "took", took.Round(time.Microsecond).String(), "err", err)
	return err
}

// progress is the "working on it…" a slow command answers first.
func progress(command string) commands.Reply {
	return commands.Reply{Command: command, Kind: commands.KindProgress, Safe: false,
		Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: "Working on it…"}}}}}
}

// handle runs the handler within the time limit, recovering a panic: either
// way the user gets a clear answer and the bot goes on.
func (rt *Runtime) handle(ctx context.Context, req commands.Request, cmd commands.Command, log *slog.Logger) (commands.Reply, string) {
	ctx, cancel := context.WithTimeout(ctx, rt.timeout)
	defer cancel()
	type result struct {
		reply   commands.Reply
		outcome string
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				log.ErrorContext(ctx, "a command panicked; the bot goes on", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				done <- result{commands.Refusal(cmd.Name, talkbot.EINTERNAL, talkbot.ErrorMessage(errors.New("panic"))), "panic"}
			}
		}()
		done <- result{rt.handler.Handle(ctx, req), "ok"}
	}()
	select {
	case r := <-done:
		return r.reply, r.outcome
	case <-ctx.Done():
		msg := "That took too long, so I stopped waiting. If it was a change, check with `list` or `show` in a minute whether it was saved."
		if !cmd.Changes {
			msg = "That took too long, so I stopped waiting. Please try again in a minute."
		}
		return commands.Refusal(cmd.Name, talkbot.EINTERNAL, msg), "timeout"
	}
}

// Post posts a reply unprompted through an adapter, logging and counting it
// like a command.
func (rt *Runtime) Post(ctx context.Context, p Poster, to commands.Destination, r commands.Reply) (string, error) {
	start := rt.now()
	id, err := p.Post(ctx, to, r)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	if rt.obs != nil {
		rt.obs.CommandDone(to.Platform, "post:"+r.Command, outcome, "", rt.now().Sub(start))
	}
	log := rt.log.With("platform", to.Platform, "workspace", to.Workspace, "channel_id", to.Channel, "user_id", to.User)
	if err != nil {
		log.ErrorContext(ctx, "post", "cmd", r.Command, "err", err)
		return "", err
	}
	log.InfoContext(ctx, "post", "cmd", r.Command, "message_id", id, "took", rt.now().Sub(start).Round(time.Microsecond).String())
	return id, nil
}

// IsAdmin reports whether BOT_ADMINS names the user.
func (rt *Runtime) IsAdmin(userID string) bool { return rt.admins[userID] }

// Admins is the sorted list of BOT_ADMINS.
func (rt *Runtime) Admins() []string {
	var out []string
	for a := range rt.admins {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// pool runs jobs on a fixed number of workers, in order within a key, each
// under recover, so one panicking job cannot stop the bot.
type pool struct {
	workers int
	jobs    chan Job
	grace   time.Duration
	log     *slog.Logger
	depth   func(int)
	now     func() time.Time
	maxWait time.Duration
	refused *Tally

	pace pace // under mu

	gate   sync.RWMutex // held for reading while submitting; for writing to close
	closed bool

	// quiet hands the memory a burst used back to the operating system
	// once nothing has run for idleAfter: Go keeps freed heap mapped until a
	// later collection and scavenge, and a bot is idle most of the time.
	quiet *time.Timer

	mu      sync.Mutex
	pending int // queued or running
	idle    chan struct{}
	busy    map[string][]Job // keys with a job queued or running, and the jobs waiting behind it
	room    chan struct{}    // signalled when a worker takes a job off the queue
}

// idleAfter is how long the runtime must be quiet before it returns memory.
const idleAfter = 5 * time.Second

// maxWaitingPerKey bounds how many jobs of one key wait behind the running one.
const maxWaitingPerKey = 100

func newPool(workers, queue int, grace time.Duration, log *slog.Logger, depth func(int)) *pool {
	p := &pool{workers: workers, jobs: make(chan Job, queue), grace: grace, log: log, depth: depth,
		now: time.Now, refused: NewTally(log, time.Second, "queue full or late; work refused, each told the bot is busy", "refused"),
		quiet: time.AfterFunc(time.Hour, debug.FreeOSMemory), busy: map[string][]Job{}, room: make(chan struct{}, 1)}
	p.quiet.Stop()
	return p
}

func (p *pool) submit(j Job) bool { return p.submitWait(context.Background(), j, 0) }

func (p *pool) submitWait(ctx context.Context, j Job, d time.Duration) bool {
	p.gate.RLock()
	defer p.gate.RUnlock()
	if p.closed {
		return false
	}
	var timeout <-chan time.Time
	for {
		p.mu.Lock()
		ok := p.enqueueLocked(j, d <= 0)
		n := p.pending
		p.mu.Unlock()
		if ok {
			p.depth(n)
			return true
		}
		if d <= 0 {
			p.refused.Add("")
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
			p.refused.Add("")
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// enqueueLocked puts j on the queue, or behind the job of its key that is
// queued or running: jobs of one key never reach the workers out of order.
//
// With refuseLate (Submit: the caller tells its user it is busy) it also
// refuses while the queue is late; SubmitWait's callers (Matrix events kept
// until a restart, Events API callbacks) would rather wait for it.
func (p *pool) enqueueLocked(j Job, refuseLate bool) bool {
	if p.pending >= cap(p.jobs)+p.workers {
		return false // the bound holds for the jobs waiting behind others too
	}
	if refuseLate && p.maxWait > 0 {
		now := p.now()
		p.pace.offer(now)
		if p.pending-p.workers > p.pace.waitLimit(p.maxWait, p.workers) && p.pace.overloaded(now) {
			// Jobs come in far faster than they finish, and a job accepted
			// now would wait longer than maxWait: refusing at once keeps
			// the accepted ones fast, and as soon as the queue is short or
			// the rush is over, jobs are taken again. A stalled machine
			// with a light load does not refuse (see pace).
			return false
		}
	}
	if j.Key != "" {
		if waiting, ok := p.busy[j.Key]; ok {
			if len(waiting) >= maxWaitingPerKey {
				return false
			}
			p.busy[j.Key] = append(waiting, j)
			p.pending++
			return true
		}
	}
	select {
	case p.jobs <- j:
	default:
		return false
	}
	if j.Key != "" {
		p.busy[j.Key] = nil
	}
	p.pending++
	return true
}

func (p *pool) pendingNow() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pending
}

func (p *pool) finished() {
	now := p.now()
	p.mu.Lock()
	p.pace.finish(now)
	p.pending--
	n := p.pending
	if n == 0 {
		p.quiet.Reset(idleAfter)
	}
	if n == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
	p.mu.Unlock()
	p.depth(n)
}

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
			for {
				select {
				case <-ctx.Done():
					p.drain(jobCtx) // what is queued still runs, on every worker
					return
				default:
				}
				select {
				case j := <-p.jobs:
					p.do(jobCtx, j)
				case <-ctx.Done():
					p.drain(jobCtx)
					return
				}
			}
		})
	}
	wg.Wait()
	p.gate.Lock()
	p.closed = true
	p.gate.Unlock()
	p.drain(jobCtx) // submitted while the workers were finishing
	p.quiet.Stop()
}

// drain runs the jobs on the queue until it is empty.
func (p *pool) drain(ctx context.Context) {
	for {
		select {
		case j := <-p.jobs:
			p.do(ctx, j)
		default:
			return
		}
	}
}

// do runs j, then the jobs of its key that queued up behind it, in order,
// unless a job lets its key go first (letKeyGo).
func (p *pool) do(ctx context.Context, j Job) {
	p.signalRoom() // a submitter waiting for room may try again
	for {
		if j.Key == "" {
			p.run1(ctx, j)
			return
		}
		h := &heldKey{p: p, key: j.Key}
		p.run1(context.WithValue(ctx, heldKeyCtx{}, h), j)
		p.mu.Lock()
		if h.released {
			p.mu.Unlock()
			return
		}
		waiting := p.busy[j.Key]
		if len(waiting) == 0 {
			delete(p.busy, j.Key)
			p.mu.Unlock()
			return
		}
		j, p.busy[j.Key] = waiting[0], waiting[1:]
		p.mu.Unlock()
		p.signalRoom() // a submitter waiting on the key's full line may try again
	}
}

// signalRoom wakes a submitter waiting for room, if one is.
func (p *pool) signalRoom() {
	select {
	case p.room <- struct{}{}:
	default:
	}
}

// heldKey is a running job's hold on its key: the jobs of the key wait
// behind it until it ends, or lets go.
type heldKey struct {
	p        *pool
	key      string
	released bool // under p.mu
}

type heldKeyCtx struct{}

// letKeyGo lets the jobs of the running job's key (in ctx) start behind
// it, before it ends: the next one goes on the queue for any worker. A job
// not run by the pool, or one whose next job finds the queue full, keeps
// its key.
func letKeyGo(ctx context.Context) {
	h, ok := ctx.Value(heldKeyCtx{}).(*heldKey)
	if !ok {
		return
	}
	p := h.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if h.released {
		return
	}
	waiting := p.busy[h.key]
	if len(waiting) == 0 {
		delete(p.busy, h.key) // the key's next job goes straight on the queue
		h.released = true
		return
	}
	select {
	case p.jobs <- waiting[0]: // it holds the key now, with the rest behind it
		p.busy[h.key] = waiting[1:]
		h.released = true
		p.signalRoom() // the key's line moved
	default:
	}
}

func (p *pool) run1(ctx context.Context, j Job) {
	defer p.finished()
	defer func() {
		if r := recover(); r != nil {
			p.log.ErrorContext(ctx, "a job panicked; the bot goes on", "job", j.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	j.Run(ctx)
}
