package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/talkbot/talkbot/store"
)

// runBackup is `bot backup [--db PATH] DEST`: a consistent copy of the
// database, taken while the bot may be running on it, then checked.
func runBackup(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", cfg.DB, "SQLite database file to back up (BOT_DB)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: bot backup [--db PATH] DEST\n\nCopies the database to DEST (a new file, or a directory to put a dated copy in),\nconsistently, while the bot runs. See README.md, \"Backup and restore\".")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	to := fs.Args()
	if len(to) > 1 { // flags after DEST: `bot backup /srv/backups --db talkbot.db`
		first := to[0]
		if err := fs.Parse(to[1:]); err != nil {
			return err
		}
		to = append([]string{first}, fs.Args()...)
	}
	if len(to) != 1 {
		fs.Usage()
		if len(to) == 0 {
			return errors.New("backup: say where the copy goes: bot backup [--db PATH] DEST")
		}
		return errors.New("backup: give one DEST: bot backup [--db PATH] DEST")
	}
	dest, err := store.BackupFile(ctx, *db, to[0], time.Now())
	if err != nil {
		return err
	}
	size := int64(0)
	if fi, err := os.Stat(dest); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes; integrity_check ok)\n", *db, dest, size)
	return nil
}
