package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Backup writes a consistent copy of the database to dest while it is in
// use (VACUUM INTO reads one snapshot, so writers carry on meanwhile).
func (s *Store) Backup(ctx context.Context, dest string) error {
	return backup(ctx, s.r, dest)
}

// BackupFile copies the database at path to dest, consistently, while a bot
// may be running on it: the copy is one snapshot, taken without migrating
// or creating anything at path. When dest is a directory the copy goes in
// it, named after path and the time. It returns the file written, checked
// with PRAGMA integrity_check.
func BackupFile(ctx context.Context, path, dest string, now time.Time) (string, error) {
	db, err := openExisting(path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if fi, err := os.Stat(dest); err == nil && fi.IsDir() {
		dest = filepath.Join(dest, backupName(filepath.Base(path), "", now))
	}
	// Not "open DEST.partial: no such file or directory", a file the
	// operator never named (bot backup /srv/talkbot/backups/, before mkdir).
	if dir := filepath.Dir(dest); !isDir(dir) {
		return "", fmt.Errorf("backup: the directory %s does not exist: create it, or name another DEST", dir)
	}
	if err := backup(ctx, db, dest); err != nil {
		return "", err
	}
	problems, err := integrity(ctx, dest)
	if err != nil {
		return dest, fmt.Errorf("check the backup %s: %w", dest, err)
	}
	if len(problems) > 0 {
		return dest, fmt.Errorf("the backup %s does not pass integrity_check: %s", dest, problems[0])
	}
	return dest, nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// backupName is a backup's file name: the database's, a note, the time.
func backupName(base, note string, now time.Time) string {
	if note != "" {
		note = "." + note
	}
	return base + note + "." + now.UTC().Format("20060102T150405Z") + ".bak"
}

// freeName is path, or path with -2, -3… before its extension when a file
// has it: a start that fails its migration and is restarted within the
// second (systemd's 100 ms) backs up again rather than stop on the name
// of the backup before, which hid why the first failed.
func freeName(path string) string {
	ext := filepath.Ext(path)
	for i, p := 2, path; ; i++ {
		if _, err := os.Lstat(p); err != nil { // free, or unreadable: backup says so
			return p
		}
		p = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), i, ext)
	}
}

// backup runs VACUUM INTO a temporary file beside dest, syncs it and renames
// it, so that dest is either a whole copy or absent. It never overwrites.
func backup(ctx context.Context, db *sql.DB, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s exists; a backup never overwrites a file, choose a new name", dest)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := dest + ".partial"
	_ = os.Remove(tmp) // left by a backup that was killed
	// A backup holds everyone's private notes: its owner's alone from its
	// first byte, whatever the umask (VACUUM INTO writes into an empty file).
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	f.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return nil
}

// syncFile flushes a file to disk: VACUUM INTO leaves that to the caller.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// openExisting opens the database at path for reading and writing without
// creating it and without migrating it.
func openExisting(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", DSN(path)+"&mode=rw")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// Health is what Check finds in a database file.
type Health struct {
	Problems []string // what PRAGMA integrity_check reports; none when the file is sound
	Version  int64    // the schema version the file is at
	Latest   int64    // the schema version this build migrates to
	// ReadOnly is why a write cannot begin on the file (its mode, its -wal
	// or -shm file's, its directory's); nil when one can.
	ReadOnly error
}

// Check runs PRAGMA integrity_check on the database at path, reads its
// schema version and sees whether a write can begin, without migrating,
// creating or writing anything.
func Check(ctx context.Context, path string) (Health, error) {
	problems, err := integrity(ctx, path)
	if damaged(err) { // too broken to list what is wrong
		return Health{Problems: []string{err.Error()}, Latest: latestVersion()}, nil
	}
	if err != nil {
		return Health{}, err
	}
	h := Health{Problems: problems, Latest: latestVersion()}
	db, err := openExisting(path)
	if err != nil {
		return h, err
	}
	defer db.Close()
	err = db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&h.Version)
	if err != nil && !isNoSuchTable(err) {
		return h, fmt.Errorf("schema version: %w", err)
	}
	// A file the bot cannot write reads fine: it passed here, and the bot
	// refused to start on it. A write rolled back finds what the bot's
	// first write would (SQLite opens a read-only file read-only, and
	// only a write fails).
	h.ReadOnly = writeRolledBack(ctx, db)
	return h, nil
}

// writeRolledBack makes a change in a transaction it rolls back, so that
// nothing is written, and returns what stopped it.
func writeRolledBack(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `CREATE TABLE talkbot_write_check (x)`)
	return err
}

// integrity runs PRAGMA integrity_check on the file at path.
func integrity(ctx context.Context, path string) ([]string, error) {
	db, err := openExisting(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("integrity check of %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, fmt.Errorf("integrity check of %s: %w", path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("integrity check of %s: %w", path, err)
	}
	return problems, nil
}

// damaged reports whether err is SQLite finding the file corrupt or not a database.
func damaged(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}

func isNoSuchTable(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "no such table")
}

// latestVersion is the version of the newest embedded migration.
func latestVersion() int64 {
	entries, _ := fs.Glob(migrations, "migrations/*.sql")
	var v int64
	for _, e := range entries {
		var n int64
		if _, err := fmt.Sscanf(filepath.Base(e), "%d_", &n); err == nil && n > v {
			v = n
		}
	}
	for _, m := range goMigrations {
		v = max(v, m.Version)
	}
	return v
}

// Size is the size of the database in bytes (its pages, used and free),
// without the write-ahead log.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return n, nil
}

// Writable checks that a write commits: one tiny row, through the same
// queue every change takes, so a read-only file or a stuck writer shows;
// and that no change met a damaged file, or a full disk since the last
// one that committed (the row may fit where a note does not).
func (s *Store) Writable(ctx context.Context) error {
	if err := s.faults.known(); err != nil {
		return err
	}
	req, err := s.enqueue(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO adapter_state (key, value, updated_at) VALUES ('ops.write_check', 'ok', ?)
			ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at`, formatTime(s.now()))
		return err
	})
	if err == nil {
		// A check, unlike a change, may stop waiting: behind another
		// process's lock a probe hears "not writable" by its deadline, not
		// after the busy timeout's twenty seconds. The row commits or not.
		select {
		case err = <-req.done:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	if err != nil {
		_ = s.faults.note(err, false) // remembered; the operator's message needs no user's words
		return fmt.Errorf("database write check: %w", err)
	}
	return nil
}

// MigrationBackup is the backup Open made before it migrated the schema;
// "" when it migrated nothing (or made the database).
func (s *Store) MigrationBackup() string { return s.migrationBackup }
