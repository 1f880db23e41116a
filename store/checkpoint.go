package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Checkpoints copy the WAL back into the database file, and each ends with an
// fsync of that file. Left to SQLite, the commit that takes the WAL past
// 1,000 pages does it, and every write queued behind that commit waits for
// the fsync: tens of milliseconds, a good part of the writer's time under
// load. The store copies in the background instead, on a connection of its
// own (a PASSIVE checkpoint takes no lock a writer waits on). A background
// copy cannot end the WAL, though: the committer keeps appending, so SQLite
// never sees it all copied and the file would grow without end. So once the
// WAL is long, the committer finishes the job between two batches, a RESTART
// checkpoint of the few pages written since the last background pass, after
// which the next write starts the WAL from its beginning again.
const (
	// restartFrames is the WAL length (pages) at which the committer
	// restarts it: 64 MB of WAL on disk under steady writes. A restart
	// holds up writes for an fsync of the database file, 15-22 ms under
	// load whatever the WAL's length, so a short WAL pays it often: at
	// 4,000 pages it took a sixth of the writer's time (BENCHMARKS.md).
	restartFrames = 16000
	// backstopFrames is where the writer checkpoints in its commits, as
	// SQLite does by default, should restarts keep failing (a reader that
	// holds an old snapshot for long).
	backstopFrames = 2 * restartFrames
	// checkpointPause spaces background passes, so a busy store's pass
	// covers many commits (each pass ends in an fsync).
	checkpointPause = 20 * time.Millisecond
	// restartWaitMS bounds how long a restart waits for readers of the old
	// WAL to finish; writes wait meanwhile, so a long read (an export) makes
	// it give up, and restarts pause for restartBackoff (a failed one costs the
	// writes restartWaitMS).
	restartWaitMS  = 20
	restartBackoff = 250 * time.Millisecond
)

// checkpointer runs the background passes.
type checkpointer struct {
	db       *sql.DB       // one connection of its own
	kick     chan struct{} // a commit happened (capacity 1)
	restart  atomic.Bool   // the WAL is long and copied: the committer's turn
	holdOff  atomic.Int64  // no restart before this time (Unix ns): one just failed
	restarts atomic.Int64  // restarts that went through
	frames   int           // restartFrames; tests shorten it
	stop     chan struct{}
	finished chan struct{}

	closeOnce sync.Once
	closeErr  error
}

func newCheckpointer(db *sql.DB, frames int) *checkpointer {
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	if frames <= 0 {
		frames = restartFrames
	}
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), frames: frames,
		stop: make(chan struct{}), finished: make(chan struct{})}
	go c.run()
	return c
}

// committed tells the checkpointer there are new pages in the WAL.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.finished)
	ctx := context.Background()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		if c.restart.Load() {
			continue // the committer restarts the WAL first; a pass now would only hold it up
		}
		var busy, frames, copied int
		err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		if err == nil && frames >= c.frames && time.Now().UnixNano() >= c.holdOff.Load() {
			c.restart.Store(true)
		}
		// A failed pass is not fatal: the next commit kicks another, and the
		// writer's own checkpoints (backstopFrames) still bound the WAL.
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointPause):
		}
	}
}

// close stops the passes; a second Close of the store finds it closed.
func (c *checkpointer) close() error {
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.finished
		c.closeErr = c.db.Close()
	})
	return c.closeErr
}

// restartWAL, run by the committer between batches, copies what the last
// background pass left and, once no reader uses the old WAL, lets the next
// write start it afresh. Given up (readers still at it) it is tried again
// after the next batch.
func (s *Store) restartWAL(ctx context.Context) {
	done := false
	defer func() {
		if !done {
			s.ckpt.holdOff.Store(time.Now().Add(restartBackoff).UnixNano())
		}
		s.ckpt.restart.Store(false)
		s.ckpt.committed() // the background pass skipped meanwhile
	}()
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.Itoa(restartWaitMS)); err != nil {
		return
	}
	var busy, frames, copied int
	err = conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &frames, &copied)
	if _, rerr := conn.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.Itoa(busyTimeoutMS)); rerr != nil {
		// Without its usual patience the writer would fail writes that
		// meet a lock; a connection that cannot be told is not reused.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return
	}
	done = err == nil && busy == 0
	if done {
		s.ckpt.restarts.Add(1)
	}
}
