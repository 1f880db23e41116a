package matrix

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/dispatch"
)

// submitWait is how long the sync loop waits for room in the runtime's queue
// before it leaves an event for redelivery: a full queue slows the sync down
// rather than dropping commands.
const submitWait = 30 * time.Second

// errStopped: the adapter is not running (not yet, or no more).
var errStopped = errors.New("matrix: the adapter is not running")

// work counts what the adapter has under way (jobs on the runtime, posts),
// so that shutdown waits for it before the crypto store closes and the sync
// position is saved for the last time.
type work struct {
	mu      sync.Mutex
	running bool
	wg      sync.WaitGroup

	idle *time.Timer // fires idleAfter the last piece of work
}

// idleAfter is how long the bot must be quiet before it hands the memory a
// burst of commands used back to the operating system.
const idleAfter = 5 * time.Second

func newWork() *work {
	// Go keeps freed heap mapped until a later GC and scavenge; a bot is idle
	// most of the time, so it returns that memory once a burst is over.
	w := &work{idle: time.AfterFunc(time.Hour, debug.FreeOSMemory)}
	w.idle.Stop()
	return w
}

// begin counts a piece of work; false once the adapter stopped.
func (w *work) begin() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.running {
		return false
	}
	w.wg.Add(1)
	return true
}

func (w *work) end() {
	w.idle.Reset(idleAfter)
	w.wg.Done()
}

func (w *work) start() {
	w.mu.Lock()
	w.running = true
	w.mu.Unlock()
}

// stop takes no more work and waits up to timeout for what is under way;
// false when it is not all done.
func (w *work) stop(timeout time.Duration) bool {
	w.mu.Lock()
	w.running = false
	w.mu.Unlock()
	defer w.idle.Stop()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// enqueue runs job on the runtime, in order within the room, and keeps the
// sync position from passing the event until the job is done. It runs on
// the sync loop (ctx is the sync's).
func (a *Adapter) enqueue(ctx context.Context, evt *event.Event, name string, job func(context.Context)) {
	if !a.work.begin() {
		return
	}
	a.submit(ctx, evt, a.sync.begin(), evt.RoomID, name, job)
}

// handOff runs job after the jobs already queued in room, from a job of
// evt's: its sync batch stays open until job is done too, and for good if
// job never runs (the event comes back after a restart). Where the runtime
// has no room for it at once, job runs in place: waiting for room would
// hold this worker, maybe the only one, while the queue cannot drain.
func (a *Adapter) handOff(ctx context.Context, evt *event.Event, room id.RoomID, name string, job func(context.Context)) {
	b, ok := ctx.Value(batchKey{}).(uint64)
	if !ok { // not from a job: nothing to wait for
		job(ctx)
		return
	}
	a.sync.reopen(b)
	if !a.work.begin() {
		a.log.Warn("the bot is stopping; an event's follow-up is left for redelivery after a restart",
			"room_id", evt.RoomID.String(), "event_id", evt.ID.String())
		return
	}
	run := func(ctx context.Context) {
		defer a.work.end()
		job(context.WithValue(ctx, batchKey{}, b))
		if ctx.Err() == nil {
			a.sync.done(ctx, b)
		}
	}
	if !a.cfg.Runtime.SubmitWait(ctx, dispatch.Job{Name: "matrix " + name, Key: room.String(), Run: run}, 0) {
		run(ctx)
	}
}

// batchKey carries a job's sync batch in its ctx, for handOff.
type batchKey struct{}

// submit submits job, counted in sync batch b, in room's order.
func (a *Adapter) submit(ctx context.Context, evt *event.Event, b uint64, room id.RoomID, name string, job func(context.Context)) {
	ok := a.cfg.Runtime.SubmitWait(ctx, dispatch.Job{Name: "matrix " + name, Key: room.String(), Run: func(ctx context.Context) {
		defer a.work.end()
		job(context.WithValue(ctx, batchKey{}, b))
		// A job the shutdown cut off (past the runtime's grace) leaves its
		// batch open, so the event comes back after the restart; its mark
		// says whether it was answered.
		if ctx.Err() == nil {
			a.sync.done(ctx, b)
		}
	}}, submitWait)
	if !ok {
		// The batch stays open, so the sync position never passes the event:
		// it is delivered again after a restart.
		a.work.end()
		a.log.Warn("the runtime took no job for an event (busy or stopping); it is left for redelivery after a restart",
			"room_id", evt.RoomID.String(), "event_id", evt.ID.String())
	}
}
