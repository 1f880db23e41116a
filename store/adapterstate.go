package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/talkbot/talkbot"
)

// MarkHandled records that an adapter handled an event and reports whether
// this is the first time, so redeliveries and restarts never answer twice.
// A change made with the event's mark in its context writes the record
// itself (Store.change); MarkHandled is for events that change nothing.
func (s *Store) MarkHandled(ctx context.Context, platform, eventID string) (first bool, err error) {
	err = s.update(ctx, func(tx *txn) error {
		first, err = markHandled(ctx, tx, platform, eventID, s.now())
		return err
	})
	return first, err
}

// Handled reports whether an event was marked handled: a read, for an
// adapter to drop a redelivery before doing any work for it.
func (s *Store) Handled(ctx context.Context, platform, eventID string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM handled_events WHERE platform = ? AND event_id = ?`, platform, eventID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("read handled: %w", err)
	}
	return n > 0, nil
}

// markHandled records an event in tx; first is false when it was there already.
func markHandled(ctx context.Context, tx *txn, platform, eventID string, now time.Time) (first bool, err error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO handled_events (platform, event_id, handled_at) VALUES (?, ?, ?)
		ON CONFLICT (platform, event_id) DO NOTHING`, platform, eventID, formatTime(now))
	if err != nil {
		return false, fmt.Errorf("mark handled: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ForgetHandledBefore drops handled-event records older than t, keeping the table small.
func (s *Store) ForgetHandledBefore(ctx context.Context, t time.Time) error {
	return s.update(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM handled_events WHERE handled_at < ?`, formatTime(t))
		return err
	})
}

// State returns a value adapters keep across restarts; talkbot.ErrNotFound when unset.
func (s *Store) State(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM adapter_state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", talkbot.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read state %s: %w", key, err)
	}
	return v, nil
}

// SetState stores a value adapters keep across restarts.
func (s *Store) SetState(ctx context.Context, key, value string) error {
	return s.update(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO adapter_state (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("save state %s: %w", key, err)
		}
		return nil
	})
}
