package store

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/talkbot/talkbot"
)

// A storage fault is SQLite saying the disk or the file itself failed:
// trying again does not help, and the user is told so (the generic "please
// try again" was true, and useless). The store remembers it for readiness
// (Writable): a damaged file until the bot restarts, a full disk until a
// change commits again or a minute has passed (the write check's one row
// may still fit where a change does not).
var (
	faultFull = talkbot.Errorf(talkbot.EINTERNAL,
		"I could not save that: the disk the bot keeps its data on is full. Nothing was changed; please tell whoever runs the bot.")
	faultReadOnly = talkbot.Errorf(talkbot.EINTERNAL,
		"I could not save that: the bot may not write its database right now. Nothing was changed; please tell whoever runs the bot.")
	faultDisk = talkbot.Errorf(talkbot.EINTERNAL,
		"I could not do that: the bot's disk gave an error. Nothing was changed; please tell whoever runs the bot.")
	faultDamaged = talkbot.Errorf(talkbot.EINTERNAL,
		"The bot's database is damaged, so I could not do that; nothing was changed. Please tell whoever runs the bot (`bot doctor` finds the damage).")
)

// fullHold is how long readiness reports a full disk after a change failed
// on it, unless one commits first: long enough for a probe to see it, and
// short enough that a readiness that gates all traffic (so no change can
// come to commit) turns green again once space is freed.
const fullHold = time.Minute

// faults is what the store remembers of storage faults.
type faults struct {
	mu      sync.Mutex
	full    error // the last change that failed on a full disk, until one commits (or fullHold)
	fullAt  time.Time
	damaged error // the first sign of a damaged file, until a restart
}

// note classifies err and remembers a fault; a nil err after a change clears a full disk.
func (f *faults) note(err error, change bool) error {
	var se sqlite3.Error
	if err == nil {
		if change {
			f.mu.Lock()
			f.full = nil
			f.mu.Unlock()
		}
		return nil
	}
	if !errors.As(err, &se) {
		return err
	}
	var user *talkbot.Error
	switch se.Code {
	case sqlite3.ErrFull:
		user = faultFull
		f.mu.Lock()
		f.full, f.fullAt = err, time.Now()
		f.mu.Unlock()
	case sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
		user = faultDamaged
		f.mu.Lock()
		if f.damaged == nil {
			f.damaged = err
		}
		f.mu.Unlock()
	case sqlite3.ErrReadonly:
		user = faultReadOnly
	case sqlite3.ErrIoErr:
		user = faultDisk
	default:
		return err
	}
	return fmt.Errorf("%w: %w", user, err)
}

// known is the fault readiness should report: a damaged file, else a full disk.
func (f *faults) known() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.damaged != nil:
		return fmt.Errorf("the database file is damaged (%w); bot doctor says where", f.damaged)
	case f.full != nil && time.Since(f.fullAt) < fullHold:
		return fmt.Errorf("a change failed on a full disk %s ago (%w)", time.Since(f.fullAt).Round(time.Second), f.full)
	}
	return nil
}
