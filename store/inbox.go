package store

import (
	"context"
	"fmt"
	"time"
)

// KeepEvent keeps what an adapter received under the id its handled mark
// will have, committed before it returns: the adapter tells the platform
// it arrived only then. Keeping one twice keeps the first.
func (s *Store) KeepEvent(ctx context.Context, platform, eventID string, body []byte) error {
	return s.update(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO inbox (platform, event_id, body, received_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (platform, event_id) DO NOTHING`, platform, eventID, body, formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("keep event: %w", err)
		}
		return nil
	})
}

// KeptEvents returns the bodies of the events kept from since until before
// that have no handled mark, oldest first: those a crash cut off.
func (s *Store) KeptEvents(ctx context.Context, platform string, since, before time.Time) ([][]byte, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body FROM inbox i WHERE i.platform = ? AND i.received_at >= ? AND i.received_at < ?
		AND NOT EXISTS (SELECT 1 FROM handled_events h WHERE h.platform = i.platform AND h.event_id = i.event_id)
		ORDER BY i.received_at`, platform, formatTime(since), formatTime(before))
	if err != nil {
		return nil, fmt.Errorf("kept events: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("kept events: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// ForgetKeptBefore drops the events kept before t.
func (s *Store) ForgetKeptBefore(ctx context.Context, t time.Time) error {
	return s.update(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE received_at < ?`, formatTime(t))
		return err
	})
}
