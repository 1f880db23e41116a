package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/talkbot/talkbot"
)

const journalColumns = `j.id, j.conference_id, j.user_id, COALESCE(u.name, ''), j.text, j.takeaway, j.visibility, j.created_at`

func queryJournal(ctx context.Context, q queryer, where string, args ...any) ([]talkbot.JournalEntry, error) {
	return queryRows(ctx, q, "journal", func(r scanner) (talkbot.JournalEntry, error) {
		var e talkbot.JournalEntry
		var vis, created string
		err := r.Scan(&e.ID, &e.ConferenceID, &e.UserID, &e.UserName, &e.Text, &e.Takeaway, &vis, &created)
		e.Visibility, e.CreatedAt = talkbot.Visibility(vis), parseTime(created)
		return e, err
	}, `SELECT `+journalColumns+` FROM journal j LEFT JOIN users u ON u.id = j.user_id `+where, args...)
}

// Journal returns the conference notes of a conference that q.ViewerID may
// read (team entries and their own private ones), oldest first.
func (s *Store) Journal(ctx context.Context, q talkbot.JournalQuery) ([]talkbot.JournalEntry, error) {
	where, args := `WHERE j.conference_id = ? AND (j.visibility = 'team' OR j.user_id = ?)`, []any{q.ConferenceID, q.ViewerID}
	if q.AuthorID != 0 {
		where, args = where+` AND j.user_id = ?`, append(args, q.AuthorID)
	}
	return queryJournal(ctx, s.r, where+` ORDER BY j.id`, args...)
}

// UserJournalEntry returns one of the user's own conference notes:
// ErrNotFound when it is someone else's or does not exist.
func (s *Store) UserJournalEntry(ctx context.Context, userID, id int64) (talkbot.JournalEntry, error) {
	es, err := queryJournal(ctx, s.r, `WHERE j.user_id = ? AND j.id = ?`, userID, id)
	if err != nil {
		return talkbot.JournalEntry{}, err
	}
	if len(es) == 0 {
		return talkbot.JournalEntry{}, talkbot.ErrNotFound
	}
	return es[0], nil
}

// ApplyJournal writes, changes or deletes one of the user's conference
// notes in one transaction and records how to undo it. A change that finds
// the entry already as asked writes nothing and records no undo step.
func (s *Store) ApplyJournal(ctx context.Context, c talkbot.JournalChange) (talkbot.JournalOutcome, error) {
	var out talkbot.JournalOutcome
	err := s.change(ctx, func(tx *txn) error {
		out = talkbot.JournalOutcome{}
		now := s.now().UTC()
		var rec undoRecord
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(last_talk_id, 0) FROM users WHERE id = ?`, c.User.ID).Scan(&rec.LastTalkBefore); err != nil {
			return fmt.Errorf("read user: %w", err)
		}
		if n := c.New; n != nil {
			res, err := tx.ExecContext(ctx, `INSERT INTO journal (conference_id, user_id, text, takeaway, visibility, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
				c.ConferenceID, c.User.ID, n.Text, boolInt(n.Takeaway), string(n.Visibility), formatTime(now))
			if err != nil {
				return fmt.Errorf("insert journal: %w", err)
			}
			id, _ := res.LastInsertId()
			out.Entry = talkbot.JournalEntry{ID: id, ConferenceID: c.ConferenceID, UserID: c.User.ID, UserName: c.User.Name,
				Text: n.Text, Takeaway: n.Takeaway, Visibility: n.Visibility, CreatedAt: now}
			rec.JournalAdded = []int64{id}
			return saveHistory(ctx, tx, c.User.ID, c.Label, rec, now)
		}
		es, err := queryJournal(ctx, tx, `WHERE j.user_id = ? AND j.id = ?`, c.User.ID, c.EditID)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return talkbot.Errorf(talkbot.ENOTFOUND, "You have no conference note j%d; `journal` lists yours.", c.EditID)
		}
		before := es[0]
		out.Before = &before
		if c.Delete {
			if _, err := tx.ExecContext(ctx, `DELETE FROM journal WHERE id = ?`, before.ID); err != nil {
				return fmt.Errorf("delete journal: %w", err)
			}
			out.Entry = before
			rec.JournalDeleted = []undoJournal{toUndoJournal(before)}
			return saveHistory(ctx, tx, c.User.ID, c.Label, rec, now)
		}
		after := before
		if c.Text != nil {
			after.Text = *c.Text
		}
		if c.Visibility != nil {
			after.Visibility = *c.Visibility
		}
		if c.Takeaway != nil {
			after.Takeaway = *c.Takeaway
		}
		out.Entry = after
		if after == before {
			out.Unchanged = true
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE journal SET text = ?, visibility = ?, takeaway = ? WHERE id = ?`,
			after.Text, string(after.Visibility), boolInt(after.Takeaway), after.ID); err != nil {
			return fmt.Errorf("edit journal: %w", err)
		}
		rec.JournalEdited = []undoJournal{toUndoJournal(before)}
		return saveHistory(ctx, tx, c.User.ID, c.Label, rec, now)
	})
	return out, err
}

// reverseJournal undoes the conference-note part of a change.
func reverseJournal(ctx context.Context, tx *txn, userID int64, rec undoRecord, u *talkbot.Undone) error {
	for _, id := range rec.JournalAdded {
		es, err := queryJournal(ctx, tx, `WHERE j.id = ? AND j.user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM journal WHERE id = ? AND user_id = ?`, id, userID); err != nil {
			return fmt.Errorf("undo journal: %w", err)
		}
		u.JournalRemoved = append(u.JournalRemoved, es...)
	}
	for _, e := range rec.JournalDeleted {
		if _, err := tx.ExecContext(ctx, `INSERT INTO journal (id, conference_id, user_id, text, takeaway, visibility, created_at)
			SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM conferences WHERE id = ?)`,
			e.ID, e.ConferenceID, userID, e.Text, boolInt(e.Takeaway), e.Visibility, formatTime(e.CreatedAt), e.ConferenceID); err != nil {
			return fmt.Errorf("restore journal: %w", err)
		}
		u.JournalRestored = append(u.JournalRestored, e.entry(userID))
	}
	for _, e := range rec.JournalEdited {
		if _, err := tx.ExecContext(ctx, `UPDATE journal SET text = ?, visibility = ?, takeaway = ? WHERE id = ? AND user_id = ?`,
			e.Text, e.Visibility, boolInt(e.Takeaway), e.ID, userID); err != nil {
			return fmt.Errorf("restore journal: %w", err)
		}
		u.JournalRestored = append(u.JournalRestored, e.entry(userID))
	}
	return nil
}

// presentation returns the user's presentation of a talk, ok false when they gave none.
func presentation(ctx context.Context, q queryer, userID, talkID int64) (talkbot.Presentation, bool, error) {
	p := talkbot.Presentation{UserID: userID, TalkID: talkID}
	var created string
	err := q.QueryRowContext(ctx, `SELECT slides_url, created_at FROM presentations WHERE user_id = ? AND talk_id = ?`, userID, talkID).
		Scan(&p.SlidesURL, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("get presentation: %w", err)
	}
	p.CreatedAt = parseTime(created)
	return p, true, nil
}

func putPresentation(ctx context.Context, tx *txn, p talkbot.Presentation) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO presentations (user_id, talk_id, slides_url, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, talk_id) DO UPDATE SET slides_url = excluded.slides_url`,
		p.UserID, p.TalkID, p.SlidesURL, formatTime(p.CreatedAt))
	if err != nil {
		return fmt.Errorf("save presentation: %w", err)
	}
	return nil
}

// Recommendations returns the recommendations of talks of a conference, oldest first.
func (s *Store) Recommendations(ctx context.Context, conferenceID int64) ([]talkbot.Recommendation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT r.talk_id, r.from_user_id, u.name, COALESCE(r.to_user_id, 0)
		FROM recommendations r JOIN talks t ON t.id = r.talk_id JOIN users u ON u.id = r.from_user_id
		WHERE t.conference_id = ? ORDER BY r.id`, conferenceID)
	if err != nil {
		return nil, fmt.Errorf("query recommendations: %w", err)
	}
	defer rows.Close()
	var out []talkbot.Recommendation
	for rows.Next() {
		var r talkbot.Recommendation
		if err := rows.Scan(&r.TalkID, &r.FromID, &r.FromName, &r.ToID); err != nil {
			return nil, fmt.Errorf("scan recommendation: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

type undoJournal struct {
	ID           int64     `json:"id"`
	ConferenceID int64     `json:"conference_id"`
	Text         string    `json:"text"`
	Takeaway     bool      `json:"takeaway,omitempty"`
	Visibility   string    `json:"visibility"`
	CreatedAt    time.Time `json:"created_at"`
}

func toUndoJournal(e talkbot.JournalEntry) undoJournal {
	return undoJournal{ID: e.ID, ConferenceID: e.ConferenceID, Text: e.Text, Takeaway: e.Takeaway, Visibility: string(e.Visibility), CreatedAt: e.CreatedAt}
}

func (u undoJournal) entry(userID int64) talkbot.JournalEntry {
	return talkbot.JournalEntry{ID: u.ID, ConferenceID: u.ConferenceID, UserID: userID, Text: u.Text, Takeaway: u.Takeaway,
		Visibility: talkbot.Visibility(u.Visibility), CreatedAt: u.CreatedAt}
}

type undoPresentation struct {
	SlidesURL string    `json:"slides_url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}
