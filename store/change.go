package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
)

// historyDepth is how many changes per user undo can walk back.
const historyDepth = 50

// undoRecord is what reverses one Change; it is stored as JSON in history.
type undoRecord struct {
	TalkID         int64          `json:"talk_id"`
	TalkCreated    bool           `json:"talk_created,omitempty"`
	TalkBefore     *talkbot.Talk  `json:"talk_before,omitempty"`
	TalkDeleted    *talkbot.Talk  `json:"talk_deleted,omitempty"`
	LogTouched     bool           `json:"log_touched,omitempty"`
	LogBefore      *talkbot.Log   `json:"log_before,omitempty"`
	NotesAdded     []int64        `json:"notes_added,omitempty"`
	NotesDeleted   []talkbot.Note `json:"notes_deleted,omitempty"`
	RecsAdded      []int64        `json:"recs_added,omitempty"`
	LastTalkBefore int64          `json:"last_talk_before,omitempty"`
}

const logColumns = `l.user_id, l.talk_id, l.status, l.reason, l.watch_later, l.watched, l.rating, l.starred, l.logged_at, l.updated_at`

func logDest(l *talkbot.Log, status, logged, updated *string) []any {
	return []any{&l.UserID, &l.TalkID, status, &l.Reason, &l.WatchLater, &l.Watched, &l.Rating, &l.Starred, logged, updated}
}

func finishLog(l *talkbot.Log, status, logged, updated string) {
	l.Status = talkbot.Status(status)
	l.LoggedAt = parseTime(logged)
	l.UpdatedAt = parseTime(updated)
}

func getLog(ctx context.Context, q queryer, userID, talkID int64) (talkbot.Log, error) {
	var l talkbot.Log
	var status, logged, updated string
	err := q.QueryRowContext(ctx, `SELECT `+logColumns+` FROM logs l WHERE l.user_id = ? AND l.talk_id = ?`, userID, talkID).
		Scan(logDest(&l, &status, &logged, &updated)...)
	if errors.Is(err, sql.ErrNoRows) {
		return l, talkbot.ErrNotFound
	}
	if err != nil {
		return l, fmt.Errorf("get log: %w", err)
	}
	finishLog(&l, status, logged, updated)
	return l, nil
}

func putLog(ctx context.Context, tx *txn, l talkbot.Log) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO logs (user_id, talk_id, status, reason, watch_later, watched, rating, starred, logged_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id, talk_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
			watch_later = excluded.watch_later, watched = excluded.watched, rating = excluded.rating,
			starred = excluded.starred, logged_at = excluded.logged_at, updated_at = excluded.updated_at`,
		l.UserID, l.TalkID, string(l.Status), l.Reason, boolInt(l.WatchLater), boolInt(l.Watched), l.Rating, boolInt(l.Starred),
		formatTime(l.LoggedAt), formatTime(l.UpdatedAt))
	if err != nil {
		return fmt.Errorf("save log: %w", err)
	}
	return nil
}

func patchLog(l talkbot.Log, p talkbot.LogPatch) talkbot.Log {
	if p.Status != nil {
		l.Status = *p.Status
	}
	if p.Reason != nil {
		l.Reason = *p.Reason
	}
	if p.WatchLater != nil {
		l.WatchLater = *p.WatchLater
	}
	if p.Watched != nil {
		l.Watched = *p.Watched
	}
	if p.Rating != nil {
		l.Rating = *p.Rating
	}
	if p.Starred != nil {
		l.Starred = *p.Starred
	}
	return l
}

// Apply carries out one command's change in one transaction and records how to undo it.
func (s *Store) Apply(ctx context.Context, c talkbot.Change) (talkbot.Outcome, error) {
	var out talkbot.Outcome
	err := s.update(ctx, func(tx *txn) error {
		now := s.now().UTC()
		var rec undoRecord
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(last_talk_id, 0) FROM users WHERE id = ?`, c.User.ID).Scan(&rec.LastTalkBefore); err != nil {
			return fmt.Errorf("read user: %w", err)
		}

		var err error
		if c.TalkID != 0 {
			out.Talk, err = getTalk(ctx, tx, c.User.WorkspaceID, c.TalkID)
		} else if c.NewTalk != nil {
			out.Talk, out.Created, err = findOrCreateTalk(ctx, tx, c.User, *c.NewTalk, now)
		} else {
			err = errors.New("change names no talk")
		}
		if err != nil {
			return err
		}
		talk := out.Talk
		rec.TalkID, rec.TalkCreated = talk.ID, out.Created

		patched, changed := patchTalk(talk, c.Talk, false)
		patched, filled := patchTalk(patched, c.Fill, true)
		if changed || filled {
			if err := updateTalk(ctx, tx, patched); err != nil {
				return err
			}
			rec.TalkBefore = &talk
			out.Talk = patched
		}

		old, err := getLog(ctx, tx, c.User.ID, talk.ID)
		exists := err == nil
		if err != nil && !errors.Is(err, talkbot.ErrNotFound) {
			return err
		}
		switch {
		case c.DeleteLog:
			if exists {
				if _, err := tx.ExecContext(ctx, `DELETE FROM logs WHERE user_id = ? AND talk_id = ?`, c.User.ID, talk.ID); err != nil {
					return fmt.Errorf("delete log: %w", err)
				}
				rec.LogTouched, rec.LogBefore = true, &old
			}
			notes, err := queryNotes(ctx, tx, `WHERE n.user_id = ? AND n.talk_id = ? ORDER BY n.id`, c.User.ID, talk.ID)
			if err != nil {
				return err
			}
			if !exists && len(notes) == 0 {
				return talkbot.Errorf(talkbot.ENOTFOUND, "You have nothing logged on #%d, so there is nothing to delete.", talk.ID)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE user_id = ? AND talk_id = ?`, c.User.ID, talk.ID); err != nil {
				return fmt.Errorf("delete notes: %w", err)
			}
			rec.NotesDeleted = notes
		case !c.Log.Empty() || c.Note != nil:
			l := old
			if !exists {
				l = talkbot.Log{UserID: c.User.ID, TalkID: talk.ID, Status: talkbot.StatusNone, LoggedAt: now}
			}
			l = patchLog(l, c.Log)
			l.UpdatedAt = now
			if err := putLog(ctx, tx, l); err != nil {
				return err
			}
			rec.LogTouched = true
			if exists {
				rec.LogBefore = &old
			}
			out.Log = l
		default:
			out.Log = old
		}

		if c.Note != nil {
			res, err := tx.ExecContext(ctx, `INSERT INTO notes (talk_id, user_id, text, visibility, created_at) VALUES (?, ?, ?, ?, ?)`,
				talk.ID, c.User.ID, c.Note.Text, string(c.Note.Visibility), formatTime(now))
			if err != nil {
				return fmt.Errorf("insert note: %w", err)
			}
			id, _ := res.LastInsertId()
			out.Note = &talkbot.Note{ID: id, TalkID: talk.ID, UserID: c.User.ID, UserName: c.User.Name,
				Text: c.Note.Text, Visibility: c.Note.Visibility, CreatedAt: now}
			rec.NotesAdded = append(rec.NotesAdded, id)
		}

		recipients := c.RecommendTo
		if c.RecommendTeam {
			recipients = append(recipients, 0)
		}
		for _, to := range recipients {
			var toID any
			if to != 0 {
				toID = to
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO recommendations (workspace_id, talk_id, from_user_id, to_user_id, created_at)
				VALUES (?, ?, ?, ?, ?)`, c.User.WorkspaceID, talk.ID, c.User.ID, toID, formatTime(now))
			if err != nil {
				return fmt.Errorf("insert recommendation: %w", err)
			}
			id, _ := res.LastInsertId()
			rec.RecsAdded = append(rec.RecsAdded, id)
		}

		if c.DeleteLog && out.Talk.CreatedBy == c.User.ID {
			// A talk this user created and nobody else uses goes with their log, so a typo leaves no trace.
			gone, err := deleteIfUnused(ctx, tx, talk.ID)
			if err != nil {
				return err
			}
			if gone {
				rec.TalkDeleted = &talk
				out.TalkDeleted = true
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE users SET last_talk_id = ? WHERE id = ?`, talk.ID, c.User.ID); err != nil {
			return fmt.Errorf("touch talk: %w", err)
		}
		return saveHistory(ctx, tx, c.User.ID, fmt.Sprintf("%s #%d %s", c.Label, talk.ID, shorten(talk.Title, 60)), rec, now)
	})
	return out, err
}

func saveHistory(ctx context.Context, tx *txn, userID int64, label string, rec undoRecord, now time.Time) error {
	payload, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode history: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO history (user_id, label, payload, created_at) VALUES (?, ?, ?, ?)`,
		userID, label, string(payload), formatTime(now)); err != nil {
		return fmt.Errorf("insert history: %w", err)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM history WHERE user_id = ? AND id <= (
		SELECT id FROM history WHERE user_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, userID, userID, historyDepth)
	if err != nil {
		return fmt.Errorf("prune history: %w", err)
	}
	return nil
}

// deleteIfUnused deletes the talk when no log, note or recommendation refers to it.
func deleteIfUnused(ctx context.Context, tx *txn, talkID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM talks WHERE id = ?
		AND NOT EXISTS (SELECT 1 FROM logs WHERE talk_id = ?)
		AND NOT EXISTS (SELECT 1 FROM notes WHERE talk_id = ?)
		AND NOT EXISTS (SELECT 1 FROM recommendations WHERE talk_id = ?)`, talkID, talkID, talkID, talkID)
	if err != nil {
		return false, fmt.Errorf("delete unused talk: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Undo reverses the user's latest change and returns its label.
func (s *Store) Undo(ctx context.Context, userID int64) (string, error) {
	var label string
	err := s.update(ctx, func(tx *txn) error {
		var id int64
		var payload string
		err := tx.QueryRowContext(ctx, `SELECT id, label, payload FROM history WHERE user_id = ? ORDER BY id DESC LIMIT 1`, userID).
			Scan(&id, &label, &payload)
		if errors.Is(err, sql.ErrNoRows) {
			return talkbot.ErrNoUndo
		}
		if err != nil {
			return fmt.Errorf("read history: %w", err)
		}
		var rec undoRecord
		if err := json.Unmarshal([]byte(payload), &rec); err != nil {
			return fmt.Errorf("decode history %d: %w", id, err)
		}
		if err := reverse(ctx, tx, userID, rec); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM history WHERE id = ?`, id)
		return err
	})
	return label, err
}

func reverse(ctx context.Context, tx *txn, userID int64, rec undoRecord) error {
	if t := rec.TalkDeleted; t != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO talks (id, workspace_id, conference_id, title, norm_title, speakers, event, room, day,
			starts_at, ends_at, schedule_url, schedule_id, recording_url, abstract, tags, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.WorkspaceID, t.ConferenceID, t.Title, talkbot.NormalizeTitle(t.Title), strings.Join(t.Speakers, "\n"), t.Event, t.Room, t.Day,
			nullTime(t.StartsAt), nullTime(t.EndsAt), t.ScheduleURL, nullString(t.ScheduleID), t.RecordingURL, t.Abstract,
			strings.Join(t.Tags, " "), nullID(t.CreatedBy), formatTime(t.CreatedAt)); err != nil {
			return fmt.Errorf("restore talk: %w", err)
		}
		if err := writeTags(ctx, tx, t.ID, t.Tags); err != nil {
			return err
		}
	}
	for _, id := range rec.RecsAdded {
		if _, err := tx.ExecContext(ctx, `DELETE FROM recommendations WHERE id = ?`, id); err != nil {
			return fmt.Errorf("undo recommendation: %w", err)
		}
	}
	for _, id := range rec.NotesAdded {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE id = ? AND user_id = ?`, id, userID); err != nil {
			return fmt.Errorf("undo note: %w", err)
		}
	}
	for _, n := range rec.NotesDeleted {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notes (id, talk_id, user_id, text, visibility, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			n.ID, n.TalkID, n.UserID, n.Text, string(n.Visibility), formatTime(n.CreatedAt)); err != nil {
			return fmt.Errorf("restore note: %w", err)
		}
	}
	if rec.LogTouched {
		if _, err := tx.ExecContext(ctx, `DELETE FROM logs WHERE user_id = ? AND talk_id = ?`, userID, rec.TalkID); err != nil {
			return fmt.Errorf("undo log: %w", err)
		}
		if rec.LogBefore != nil {
			if err := putLog(ctx, tx, *rec.LogBefore); err != nil {
				return err
			}
		}
	}
	if rec.TalkBefore != nil {
		if err := updateTalk(ctx, tx, *rec.TalkBefore); err != nil {
			return err
		}
	}
	if rec.TalkCreated {
		if _, err := deleteIfUnused(ctx, tx, rec.TalkID); err != nil {
			return err
		}
	}
	// Point "the last talk" back where it was, if that talk still exists.
	_, err := tx.ExecContext(ctx, `UPDATE users SET last_talk_id = (SELECT id FROM talks WHERE id = ?) WHERE id = ?`,
		rec.LastTalkBefore, userID)
	if err != nil {
		return fmt.Errorf("undo last talk: %w", err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
