package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

// TestBackupWhileWriting: a backup taken while changes stream in is a sound
// database holding at least every change confirmed before it began, and the
// writers never notice it.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	u := user(t, s, "alice")
	for i := range 40 {
		addTalk(t, s, u, fmt.Sprintf("Before %d", i), talkbot.LogPatch{}, nil)
	}
	stop := make(chan struct{})
	var written atomic.Int64
	var wg sync.WaitGroup
	var writeErr error
	wg.Go(func() {
		c := conference(t, s, u)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			_, err := s.Apply(ctx, talkbot.Change{User: u, Label: "add", Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)},
				NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: fmt.Sprintf("During %d", i), Day: "2024-11-13"}})
			if err != nil {
				writeErr = err
				return
			}
			written.Add(1)
		}
	})
	dir := t.TempDir()
	var copies []string
	for i := range 3 {
		dest, err := store.BackupFile(ctx, path, filepath.Join(dir, fmt.Sprintf("copy%d.db", i)), clock())
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		copies = append(copies, dest)
	}
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatalf("a write failed during the backups: %v", writeErr)
	}
	t.Logf("%d talks written during 3 backups", written.Load())
	for _, c := range copies {
		b, err := store.Open(ctx, c, store.Options{Now: clock})
		if err != nil {
			t.Fatalf("open the backup %s: %v", c, err)
		}
		bu := user(t, b, "alice")
		_, total, err := b.ListTalks(ctx, talkbot.ListQuery{WorkspaceID: bu.WorkspaceID, ConferenceID: conference(t, b, bu).ID, ViewerID: bu.ID, Page: talkbot.Page{Limit: 1}})
		b.Close()
		if err != nil {
			t.Fatal(err)
		}
		if total.N < 40 {
			t.Errorf("backup %s holds %d talks, want at least the 40 confirmed before it", c, total.N)
		}
		if h, err := store.Check(ctx, c); err != nil || len(h.Problems) > 0 {
			t.Errorf("backup %s: check %+v, %v", c, h, err)
		}
	}
}

func TestBackupNeverOverwritesAndNamesFilesInADirectory(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	addTalk(t, s, user(t, s, "alice"), "Kept", talkbot.LogPatch{}, nil)
	dir := t.TempDir()
	taken := filepath.Join(dir, "taken.db")
	if err := os.WriteFile(taken, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.BackupFile(ctx, path, taken, clock()); err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Errorf("backup onto an existing file: %v", err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "precious" {
		t.Errorf("the existing file was changed: %q", b)
	}
	dest, err := store.BackupFile(ctx, path, dir, clock())
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "talkbot.db.20241113T170000Z.bak"); dest != want {
		t.Errorf("backup into a directory wrote %s, want %s", dest, want)
	}
	for _, dest := range []string{filepath.Join(dir, "backups") + string(filepath.Separator), filepath.Join(dir, "backups", "x.db")} {
		if _, err := store.BackupFile(ctx, path, dest, clock()); err == nil || strings.Contains(err.Error(), ".partial") ||
			!strings.Contains(err.Error(), filepath.Join(dir, "backups")+" does not exist") {
			t.Errorf("backup to %s, in a directory not made yet: %v", dest, err)
		}
	}
	if _, err := store.BackupFile(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db"), clock()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup of a missing database: %v, want not exist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("backing up a missing database created it")
	}
}

// TestOpenBacksUpBeforeMigrating: a database at an older schema is copied
// beside itself before the pending migrations run; a new database and one
// already up to date are not.
func TestOpenBacksUpBeforeMigrating(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db := databaseAt(t, path, 3)
	if _, err := db.Exec(`INSERT INTO adapter_state (key, value, updated_at) VALUES ('matrix.next_batch:@bot:x', 's42', '')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := store.Open(ctx, path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	backup := s.MigrationBackup()
	if v, _ := s.Version(ctx); v <= 3 {
		t.Errorf("version after Open = %d, want the latest", v)
	}
	s.Close()
	if want := path + ".v3.20241113T170000Z.bak"; backup != want {
		t.Fatalf("MigrationBackup = %q, want %q", backup, want)
	}
	h, err := store.Check(ctx, backup)
	if err != nil || h.Version != 3 || len(h.Problems) > 0 {
		t.Errorf("the backup: %+v, %v; want a sound database at version 3", h, err)
	}
	// Restoring is copying the file back: the old data is there.
	restored := filepath.Join(t.TempDir(), "restored.db")
	copyFile(t, backup, restored)
	r, err := store.Open(ctx, restored, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := r.State(ctx, "matrix.next_batch:@bot:x"); err != nil || v != "s42" {
		t.Errorf("restored state = %q, %v", v, err)
	}
	r.Close()

	again, err := store.Open(ctx, path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if b := again.MigrationBackup(); b != "" {
		t.Errorf("an up-to-date database was backed up again: %s", b)
	}
	again.Close()
	fresh, err := store.Open(ctx, filepath.Join(t.TempDir(), "new.db"), store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if b := fresh.MigrationBackup(); b != "" {
		t.Errorf("a new database was backed up: %s", b)
	}
	fresh.Close()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCheckFindsDamage: integrity_check reports a page overwritten on disk.
func TestCheckFindsDamage(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	u := user(t, s, "alice")
	for i := range 300 {
		addTalk(t, s, u, fmt.Sprintf("Talk number %d with a longish title to fill pages", i), talkbot.LogPatch{}, nil)
	}
	s.Close()
	if h, err := store.Check(ctx, path); err != nil || len(h.Problems) > 0 || h.Version != h.Latest {
		t.Fatalf("a sound database: %+v, %v", h, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	garbage := []byte(strings.Repeat("\xde\xad\xbe\xef", 1024))
	for off := int64(8192); off+4096 < fi.Size(); off += 3 * 4096 { // leave page 1, the schema, alone
		f.WriteAt(garbage, off)
	}
	f.Close()
	h, err := store.Check(ctx, path)
	if err != nil || len(h.Problems) == 0 {
		t.Errorf("Check of a damaged file = %+v, %v; want problems", h, err)
	}
	notDB := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(notDB, []byte(strings.Repeat("not a database\n", 500)), 0o600)
	if h, err := store.Check(ctx, notDB); err != nil || len(h.Problems) == 0 {
		t.Errorf("Check of a text file = %+v, %v; want problems", h, err)
	}
}

func TestSizeAndWriteCheck(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	before, err := s.Size(ctx)
	if err != nil || before <= 0 {
		t.Fatalf("Size = %d, %v", before, err)
	}
	u := user(t, s, "alice")
	for i := range 200 {
		addTalk(t, s, u, fmt.Sprintf("%d %s", i, strings.Repeat("words ", 50)), talkbot.LogPatch{}, nil)
	}
	if after, _ := s.Size(ctx); after <= before {
		t.Errorf("Size after 200 talks = %d, before %d", after, before)
	}
	if err := s.Writable(ctx); err != nil {
		t.Errorf("Writable on an open store: %v", err)
	}
	s.Close()
	if err := s.Writable(ctx); err == nil {
		t.Error("Writable on a closed store: no error")
	}
}

// The database and its backups hold private notes: a new one is its
// owner's alone, whatever the umask (they were world-readable).
func TestTheDatabaseAndItsBackupsAreTheOwnersAlone(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	user(t, s, "alice")
	backup, err := store.BackupFile(ctx, path, t.TempDir(), clock())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", backup} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v, want readable by its owner only", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// An older build refuses a database a newer one migrated: it would run on
// tables and triggers it does not know. The database is left as it was.
func TestOpenRefusesADatabaseNewerThanTheBuild(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "talkbot.db")
	s, err := store.Open(ctx, path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := s.Version(ctx)
	s.Close()
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, 1)`, latest+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := store.Open(ctx, path, store.Options{Now: clock}); err == nil {
		s.Close()
		t.Fatal("a database at a newer schema version was opened")
	} else if !strings.Contains(err.Error(), "newer than this build") || !strings.Contains(err.Error(), "backup") {
		t.Errorf("the refusal does not say what to do: %v", err)
	}
	if h, err := store.Check(ctx, path); err != nil || h.Version != latest+1 {
		t.Errorf("after the refusal: %+v, %v", h, err)
	}
}

// A start that failed its migration, restarted within the same second (as
// systemd does), backs up again under a name of its own, rather than stop
// on the first start's backup.
func TestOpenBacksUpAgainWithinTheSecond(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	databaseAt(t, path, 3).Close()
	first := path + ".v3.20241113T170000Z.bak" // the failed start's
	if err := os.WriteFile(first, []byte("the first start's backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, path, store.Options{Now: clock})
	if err != nil {
		t.Fatalf("a restart within the second: %v", err)
	}
	defer s.Close()
	if want := path + ".v3.20241113T170000Z-2.bak"; s.MigrationBackup() != want {
		t.Errorf("MigrationBackup = %q, want %q", s.MigrationBackup(), want)
	}
	if b, _ := os.ReadFile(first); string(b) != "the first start's backup" {
		t.Error("the first start's backup was overwritten")
	}
}

// databaseAt makes a database at path as a build of migration version left it.
func databaseAt(t *testing.T, path string, version int64) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS("migrations"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return db
}
