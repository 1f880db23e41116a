// Package store keeps talkbot's data in SQLite: the schema, its embedded
// migrations and every query. It is the only package that speaks SQL.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/pressly/goose/v3"
	"github.com/talkbot/talkbot"
)

//go:embed migrations/*.sql
var migrations embed.FS

// TimeFormat is how the database writes times: it sorts as text (fixed
// width, always UTC).
const TimeFormat = "2006-01-02T15:04:05.000000Z"

const timeFormat = TimeFormat

// Store is a talkbot database. Writes go through one connection, so writers in
// this process queue in Go instead of spinning on SQLite's lock; reads use a pool.
type Store struct {
	w     *sql.DB
	r     *sql.DB
	now   func() time.Time
	stmts stmtCache
	// hot runs the read queries of every command (the user, the
	// conference, list) from statements prepared once on the read pool.
	hot *hotReads

	// Group commit: writes queue here and one goroutine applies whatever has
	// queued up in one transaction (commitBatch).
	writes   chan *writeRequest
	closing  sync.RWMutex
	closed   bool
	loopDone chan struct{}

	migrationBackup string // the copy made before migrating, if any

	fts ftsIndexer // imported talks into the full-text indexes, after their import

	ckpt *checkpointer // WAL checkpoints, off the commit path

	faults faults // storage faults seen, for the user's reply and readiness (fault.go)
}

// writeRequest is one change waiting for the committer.
type writeRequest struct {
	ctx  context.Context
	fn   func(tx *txn) error
	done chan error
}

// maxBatch bounds how many changes share one commit.
const maxBatch = 64

// groupCommitDelay is how long the committer waits for more changes when
// the batch before held several and fewer have queued since: a commit's
// cost (its fsync, its new full-text segments) is mostly the batch's, not
// each change's. A lone writer never waits. Over Slack, 16 users adding
// talks, six runs of each build: 0.60 ms of CPU a reply on average against
// 0.65 without it, and the router's p99 under parallel writes about halves
// (BENCHMARKS.md); waiting 300 us cost parallel rates and notes a third.
const groupCommitDelay = 100 * time.Microsecond

// Options configure Open.
type Options struct {
	Now func() time.Time // the clock; time.Now when nil
	// Durable syncs the write-ahead log at every commit (synchronous=FULL),
	// so that a change the bot confirmed survives the machine losing power,
	// not only the process dying; group commit shares the sync among the
	// changes of a batch. The bot sets it; tests, which need no power-loss
	// safety, leave it off and run several times faster.
	Durable bool

	restartFrames int // the WAL length that makes the committer restart it (checkpoint.go); tests shorten it
}

// DSN returns the connection string for a database file, with every
// per-connection setting in it (a PRAGMA sent once reaches one pooled connection only).
func DSN(path string) string { return dsn(path, "NORMAL") }

// busyTimeoutMS is how long a connection waits for another's lock.
const busyTimeoutMS = 10000

func dsn(path, synchronous string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", strconv.Itoa(busyTimeoutMS))
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	q.Set("_synchronous", synchronous)
	// database/sql hands a connection to one goroutine at a time, so SQLite's
	// own lock on every call into a connection only costs time (BENCHMARKS.md).
	q.Set("_mutex", "no")
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and migrates it to
// the latest schema. Before it migrates a database that has data, it backs it
// up beside path (path.vN.TIME.bak, N the version it was at), so a migration
// gone wrong can be undone by hand; MigrationBackup names the copy.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	synchronous := "NORMAL"
	if opts.Durable {
		synchronous = "FULL"
	}
	// A new database holds private notes: its owner's alone, whatever the
	// umask (SQLite gives its -wal and -shm files the database's mode).
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create the database %s: %w", path, err)
	}
	w := sql.OpenDB(writeConnector{dsn: dsn(path, synchronous), driver: &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		// Checkpoints are the checkpointer's (checkpoint.go); the writer's
		// own are a backstop.
		if _, err := c.Exec(`PRAGMA wal_autocheckpoint = `+strconv.Itoa(backstopFrames), nil); err != nil {
			return err
		}
		// The schema's triggers stamp times with the store's clock, so tests
		// with an injected clock see the times they set.
		return c.RegisterFunc("talkbot_now", func() string { return formatTime(opts.Now()) }, false)
	}}})
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		w.Close()
		return nil, err
	}
	backup, err := migrate(ctx, w, path, opts.Now())
	unlock()
	if err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Four readers keep two cores busy (a read waits on its cgo call, not on
	// I/O, once the pages are cached); each holds its own page cache of up
	// to 2 MB, so more would cost memory for nothing.
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	s := &Store{w: w, r: r, now: opts.Now, stmts: stmtCache{prepared: map[string]*sql.Stmt{}},
		hot:    &hotReads{db: r, prepared: map[string]*sql.Stmt{}},
		writes: make(chan *writeRequest, 256), loopDone: make(chan struct{}), migrationBackup: backup}
	ck, err := sql.Open("sqlite3", DSN(path))
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.ckpt = newCheckpointer(ck, opts.restartFrames)
	go s.commitLoop()
	var pending bool
	if err := r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM talks WHERE fts_pending = 1)`).Scan(&pending); err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if pending { // an import whose process died before its talks were indexed
		s.indexSoon()
	}
	return s, nil
}

// writeConnector opens the write connection with the store's own SQL functions.
type writeConnector struct {
	dsn    string
	driver *sqlite3.SQLiteDriver
}

func (c writeConnector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c writeConnector) Driver() driver.Driver                        { return c.driver }

// migrate applies the pending migrations, after backing up a database that
// has a schema already; it returns the backup's path ("" for none). The
// caller holds the migration lock.
func migrate(ctx context.Context, db *sql.DB, path string, now time.Time) (string, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return "", fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithGoMigrations(goMigrations...))
	if err != nil {
		return "", fmt.Errorf("migrations: %w", err)
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return "", fmt.Errorf("migrations: %w", err)
	}
	if current > target {
		// An older build would run on tables, triggers and indexes it does
		// not know, and let them drift from what the newer one expects.
		return "", fmt.Errorf("the database is at schema version %d, newer than this build knows (%d): "+
			"run the newer talkbot, or restore a backup made before the upgrade", current, target)
	}
	var dest string
	if current > 0 && current < target {
		dest = freeName(filepath.Join(filepath.Dir(path), backupName(filepath.Base(path), fmt.Sprintf("v%d", current), now)))
		if err := backup(ctx, db, dest); err != nil {
			return "", fmt.Errorf("back up before migrating from version %d to %d (nothing was migrated): %w", current, target, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		if dest != "" {
			return dest, fmt.Errorf("migrate (the database as it was is in %s): %w", dest, err)
		}
		return "", fmt.Errorf("migrate: %w", err)
	}
	return dest, nil
}

// Close waits for queued writes to commit, then closes the database.
func (s *Store) Close() error {
	s.closing.Lock()
	if !s.closed {
		s.closed = true
		close(s.writes)
	}
	s.closing.Unlock()
	<-s.loopDone
	s.fts.wg.Wait() // its next write fails: the rest stays marked for the next Open
	return errors.Join(s.ckpt.close(), s.stmts.close(), s.hot.close(), s.r.Close(), s.w.Close())
}

// Version reports the schema version the database is at.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// errClosed answers writes that arrive after Close.
var errClosed = errors.New("store is closed")

// change is update for a user's change (a log, a note, an undo, an import,
// a setting), as opposed to bookkeeping (a new user, a cache): when ctx
// carries the mark of the event the change answers (talkbot.EventMark), not
// written yet, the change writes it in its own transaction, and fails with
// talkbot.ErrHandled, changing nothing, when the event was handled before.
func (s *Store) change(ctx context.Context, fn func(tx *txn) error) error {
	m := talkbot.EventMarkFrom(ctx)
	if m == nil {
		return s.update(ctx, fn)
	}
	return m.Write(func(carry bool) error {
		if !carry {
			return s.update(ctx, fn)
		}
		return s.update(ctx, func(tx *txn) error {
			first, err := markHandled(ctx, tx, m.Platform, m.EventID, s.now())
			if err != nil {
				return err
			}
			if !first {
				return talkbot.ErrHandled
			}
			return fn(tx)
		})
	})
}

// update runs fn in an immediate transaction on the write connection and
// returns once it is committed (or failed). Changes that queue up while a
// commit is running share the next one; one failing change rolls back alone
// (commitBatch), and a caller is only told "done" after the commit that
// holds its change. fn may run more than once, so it sets its results from
// nothing each time.
func (s *Store) update(ctx context.Context, fn func(tx *txn) error) error {
	return s.faults.note(s.write(ctx, fn), true)
}

// write is update without telling the user of a storage fault, for the
// write check, whose one row can commit on a disk too full for a change.
func (s *Store) write(ctx context.Context, fn func(tx *txn) error) error {
	req, err := s.enqueue(ctx, fn)
	if err != nil {
		return err
	}
	return <-req.done // not abandoned on ctx: once queued, the answer must say what happened
}

// enqueue queues fn for the committer.
func (s *Store) enqueue(ctx context.Context, fn func(tx *txn) error) (*writeRequest, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)} // buffered: the committer never waits on it
	s.closing.RLock()
	defer s.closing.RUnlock()
	if s.closed {
		return nil, errClosed
	}
	s.writes <- req
	return req, nil
}

// commitLoop applies queued writes until the store closes.
func (s *Store) commitLoop() {
	defer close(s.loopDone)
	wait := time.NewTimer(groupCommitDelay)
	wait.Stop()
	last := 0 // the size of the batch before
	for first := range s.writes {
		batch := []*writeRequest{first}
	collect:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-s.writes:
				if !ok {
					break collect
				}
				batch = append(batch, r)
			default:
				break collect
			}
		}
		if last > 1 && len(batch) < last { // others are writing: those on their way share this commit
			wait.Reset(groupCommitDelay)
		gather:
			for len(batch) < maxBatch {
				select {
				case r, ok := <-s.writes:
					if !ok {
						break gather
					}
					batch = append(batch, r)
				case <-wait.C:
					break gather
				}
			}
			wait.Stop()
		}
		last = len(batch)
		results := s.commitBatch(batch)
		for i, r := range batch {
			r.done <- results[i]
		}
		s.ckpt.committed()
		if s.ckpt.restart.Load() {
			s.restartWAL(context.Background())
		}
	}
}

// commitBatch applies a batch in one transaction and returns each change's outcome.
//
// The changes run one after another, with no savepoint each: inside a
// savepoint SQLite copies every page a change touches to a sub-journal, and
// that cost the single writer a sixth of a note (BENCHMARKS.md). When a
// change fails (an undo with nothing to undo, a note that is not there),
// the transaction is rolled back and the batch runs again, this time each
// change in a savepoint of its own, without the one that failed: the changes
// before it run on the database they ran on the first time, so its error
// stands. Every change function starts from nothing for that (store.update).
func (s *Store) commitBatch(batch []*writeRequest) []error {
	ctx := context.Background() // one caller giving up must not abort the others
	results := make([]error, len(batch))
	failed, err := s.runBatch(ctx, batch, results, -1)
	if failed >= 0 {
		results = make([]error, len(batch))
		results[failed], err = err, nil
		if len(batch) > 1 {
			_, err = s.runBatch(ctx, batch, results, failed)
		}
	}
	if err != nil {
		for i := range results {
			if results[i] == nil {
				results[i] = translate(err)
			}
		}
	}
	return results
}

// runBatch runs batch in one transaction and commits it. With skip < 0 the
// changes run bare, and the first to fail stops the batch: runBatch rolls
// back and returns its index and error. Otherwise each change but skip runs
// in its own savepoint and its error goes to results. An error of the
// transaction itself is returned with index -1: it is every change's.
func (s *Store) runBatch(ctx context.Context, batch []*writeRequest, results []error, skip int) (int, error) {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return -1, fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &txn{Tx: sqlTx, stmts: &s.stmts, shared: len(batch) > 1}
	ran := false
	for i, r := range batch {
		switch {
		case i == skip:
			continue
		case r.ctx.Err() != nil:
			results[i] = r.ctx.Err()
		case skip < 0 || len(batch) == 1: // alone, the transaction itself is the change's savepoint
			ran = true
			if err := r.fn(tx); err != nil {
				return i, translate(err)
			}
		default:
			ran = true
			if results[i] = s.applyInSavepoint(ctx, tx, r); errors.Is(results[i], errBatchBroken) {
				return -1, results[i]
			}
		}
	}
	if !ran { // every caller gave up: nothing to commit
		return -1, nil
	}
	// Indexing fails only as the transaction does (I/O, a full disk), so
	// its error is every change's, with no second run.
	if err := tx.indexMarked(ctx); err != nil {
		return -1, err
	}
	if err := sqlTx.Commit(); err != nil {
		return -1, fmt.Errorf("commit: %w", err)
	}
	s.stmts.prepareMissed(ctx, s.w, tx.missed)
	return -1, nil
}

// errBatchBroken marks a savepoint that could not be set or undone: the whole
// batch then fails rather than commit a change half applied.
var errBatchBroken = errors.New("savepoint failed")

// applyInSavepoint runs one change of a batch; a failing change rolls back alone.
func (s *Store) applyInSavepoint(ctx context.Context, tx *txn, r *writeRequest) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT change`); err != nil {
		return fmt.Errorf("%w: %w", errBatchBroken, err)
	}
	result := r.fn(tx)
	if result != nil {
		result = translate(result)
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO change`); err != nil {
			return fmt.Errorf("%w: %w", errBatchBroken, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE change`); err != nil {
		return fmt.Errorf("%w: %w", errBatchBroken, err)
	}
	return result
}

// txn is a write transaction that runs its statements from a cache of
// statements prepared once on the write connection: for a small write,
// compiling the SQL (and its triggers) costs as much as running it.
type txn struct {
	*sql.Tx
	stmts  *stmtCache
	missed []string // statements run unprepared, to prepare after commit
	// More changes share the batch: new talks and notes are indexed at its
	// end (indexLater), and these say whether it wrote any.
	shared                   bool
	markedTalks, markedNotes bool
}

// indexLater is the fts_pending of a talk or note a change inserts, and
// notes in *marked that one was. In a batch of several changes it is 2,
// indexed when the batch ends (migration 00010); alone, a change writes
// each index out once either way, so its triggers index it at once.
func (t *txn) indexLater(marked *bool) int {
	if !t.shared {
		return 0
	}
	*marked = true
	return 2
}

// What of a talk goes into talk_fts and talk_trigrams, for the talks a
// WHERE picks: here for a batch's marks, in schedule.go for an import's.
const (
	indexTalkText     = `INSERT INTO talk_fts(rowid, ws, title, speakers, abstract, tags) SELECT id, 'w' || workspace_id, title, speakers, abstract, tags FROM talks WHERE `
	indexTalkTrigrams = `INSERT INTO talk_trigrams(rowid, title) SELECT id, norm_title FROM talks WHERE `
)

// The statements that index what a batch marked (migration 00010). Each
// INSERT … SELECT opens a savepoint, which writes out the index before it,
// so every index gets one segment for the whole batch.
var (
	indexMarkedTalks = []string{
		indexTalkText + `fts_pending = 2`,
		indexTalkTrigrams + `fts_pending = 2`,
		`INSERT INTO talk_title_words(rowid, title) SELECT id, title FROM talks WHERE fts_pending = 2`,
		`UPDATE talks SET fts_pending = 0 WHERE fts_pending = 2`,
	}
	indexMarkedNotes = []string{
		`INSERT INTO note_fts(rowid, ws, text)
			SELECT n.id, (SELECT 'w' || t.workspace_id FROM talks t WHERE t.id = n.talk_id), n.text FROM notes n WHERE n.fts_pending = 2`,
		`UPDATE notes SET fts_pending = 0 WHERE fts_pending = 2`,
	}
)

// indexMarked puts the talks and notes the batch marked into their
// full-text indexes, as they are now, and clears the marks.
func (t *txn) indexMarked(ctx context.Context) error {
	var queries []string
	if t.markedTalks {
		queries = append(queries, indexMarkedTalks...)
	}
	if t.markedNotes {
		queries = append(queries, indexMarkedNotes...)
	}
	for _, q := range queries {
		if _, err := t.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("index: %w", err)
		}
	}
	return nil
}

func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if st := t.stmts.get(query); st != nil {
		return t.Tx.StmtContext(ctx, st)
	}
	t.missed = append(t.missed, query)
	return nil
}

// A change's statements run to their end whatever its caller does: once a
// change is in a batch, what it did is the batch's to keep or undo. So
// they run without the caller's cancellation, which would cost a goroutine
// for each statement (mattn/go-sqlite3 watches it to interrupt SQLite) and
// one for each set of rows (database/sql) on the single writer's path.

// ExecContext runs query with a prepared statement when there is one.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query with a prepared statement when there is one.
func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query with a prepared statement when there is one.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// stmtCache holds statements prepared on the write pool. It fills itself:
// what a transaction ran unprepared is prepared once the connection is free.
type stmtCache struct {
	mu       sync.Mutex
	prepared map[string]*sql.Stmt
}

const maxCachedStatements = 256

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.prepared[query]
}

func (c *stmtCache) prepareMissed(ctx context.Context, db *sql.DB, queries []string) {
	for _, q := range queries {
		c.mu.Lock()
		_, ok := c.prepared[q]
		full := len(c.prepared) >= maxCachedStatements
		c.mu.Unlock()
		if ok || full {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue // it ran fine unprepared; it will simply stay that way
		}
		c.mu.Lock()
		if _, ok := c.prepared[q]; ok {
			st.Close()
		} else {
			c.prepared[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, st := range c.prepared {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// translate turns driver errors users can act on into talkbot errors: a
// unique-key violation is a conflict. Other constraint failures (a foreign
// key, a CHECK) are bugs, and stay internal errors to be logged.
func translate(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey) {
		return fmt.Errorf("%w: %w", conflict, err)
	}
	return err
}

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

func parseTime(s string) time.Time {
	if t, ok := parseStoredTime(s); ok {
		return t
	}
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t
}

// parseStoredTime reads a time as the database writes it (TimeFormat) without
// time.Parse's layout walk: a 25-talk list reads a hundred times, and
// time.Parse was a tenth of reading the list. Anything else is not ok.
func parseStoredTime(s string) (time.Time, bool) {
	if len(s) != len(TimeFormat) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z' {
		return time.Time{}, false
	}
	ok := true
	num := func(from, to int) int {
		n := 0
		for _, c := range []byte(s[from:to]) {
			if c < '0' || c > '9' {
				ok = false
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), time.Month(num(5, 7)), num(8, 10)
	hour, minute, sec, micro := num(11, 13), num(14, 16), num(17, 19), num(20, 26)
	if !ok || month < time.January || month > time.December || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, sec, micro*1000, time.UTC)
	if t.Day() != day { // the 31st of a 30-day month
		return time.Time{}, false
	}
	return t, true
}

func parseNullTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	return parseTime(s.String)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// readConns is the size of the read pool.
const readConns = 4

// hotReads runs read queries from statements prepared on the read pool, the
// first time each is run: compiling a query costs about as much as running
// a small one. Only the queries of the commonest commands (resolving a
// talk, list, the typo search of add) use it (a prepared
// statement holds memory on each connection), up to maxHotStatements.
type hotReads struct {
	db       *sql.DB
	mu       sync.Mutex
	prepared map[string]*sql.Stmt
}

const maxHotStatements = 32

func (h *hotReads) stmt(ctx context.Context, query string) *sql.Stmt {
	h.mu.Lock()
	defer h.mu.Unlock()
	if st, ok := h.prepared[query]; ok {
		return st
	}
	if len(h.prepared) >= maxHotStatements {
		return nil
	}
	st, err := h.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the query reports its own error, unprepared
	}
	h.prepared[query] = st
	return st
}

// QueryContext runs query with its prepared statement.
func (h *hotReads) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := h.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return h.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query with its prepared statement.
func (h *hotReads) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := h.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return h.db.QueryRowContext(ctx, query, args...)
}

func (h *hotReads) close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var errs []error
	for _, st := range h.prepared {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
