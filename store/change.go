package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/talkbot/talkbot"
)

// HistoryDepth is how many changes per user undo can walk back.
const HistoryDepth = 50

const logColumns = `l.user_id, l.talk_id, l.status, l.reason, l.watch_later, l.watched, l.rating, l.starred, l.logged_at, l.updated_at, l.reason_private`

func logDest(l *talkbot.Log, status, logged, updated *string) []any {
	return []any{&l.UserID, &l.TalkID, status, &l.Reason, &l.WatchLater, &l.Watched, &l.Rating, &l.Starred, logged, updated, &l.ReasonPrivate}
}

// nullableLog scans logColumns where the log may be missing (a LEFT JOIN).
// Null* rather than pointers: a pointer is an allocation a column, ten a row.
type nullableLog struct {
	userID, talkID, watchLater, watched, rating, starred, reasonPrivate sql.NullInt64
	status, reason, logged, updated                                     sql.NullString
}

// dest is the scan destinations of the columns before logColumns, then its own.
func (n *nullableLog) dest(before ...any) []any {
	d := make([]any, 0, len(before)+11)
	return append(append(d, before...),
		&n.userID, &n.talkID, &n.status, &n.reason, &n.watchLater, &n.watched, &n.rating, &n.starred, &n.logged, &n.updated, &n.reasonPrivate)
}

// log is the scanned log, and whether there was one.
func (n *nullableLog) log() (talkbot.Log, bool) {
	if !n.userID.Valid {
		return talkbot.Log{}, false
	}
	l := talkbot.Log{UserID: n.userID.Int64, TalkID: n.talkID.Int64, Reason: n.reason.String, WatchLater: n.watchLater.Int64 != 0,
		Watched: n.watched.Int64 != 0, Rating: int(n.rating.Int64), Starred: n.starred.Int64 != 0, ReasonPrivate: n.reasonPrivate.Int64 != 0}
	finishLog(&l, n.status.String, n.logged.String, n.updated.String)
	return l, true
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

// knownTalk is what a change on a talk known by id starts from.
type knownTalk struct {
	lastTalk          int64 // the user's last talk before the change
	talk              talkbot.Talk
	log               talkbot.Log
	logged, presented bool
	pres              talkbot.Presentation
}

// readKnownTalk reads the user's last talk, the workspace's talk and the
// user's log and presentation of it in one statement: on the single
// writer's path each statement costs as much again in database/sql and cgo
// as in SQLite (BENCHMARKS.md).
func readKnownTalk(ctx context.Context, tx *txn, u talkbot.User, talkID int64) (knownTalk, error) {
	k := knownTalk{pres: talkbot.Presentation{UserID: u.ID, TalkID: talkID}}
	var t talkRow
	var l nullableLog
	var slides, created sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(u.last_talk_id, 0), `+talkColumns+`, `+logColumns+`, p.slides_url, p.created_at
		FROM users u JOIN talks t ON t.id = ? AND t.workspace_id = ?
		LEFT JOIN logs l ON l.user_id = u.id AND l.talk_id = t.id
		LEFT JOIN presentations p ON p.user_id = u.id AND p.talk_id = t.id
		WHERE u.id = ?`, talkID, u.WorkspaceID, u.ID).
		Scan(append(l.dest(append([]any{&k.lastTalk}, t.dest()...)...), &slides, &created)...)
	if errors.Is(err, sql.ErrNoRows) { // no such talk here, or no such user
		if _, err := getTalk(ctx, tx, u.WorkspaceID, talkID); err != nil {
			return k, err
		}
		return k, fmt.Errorf("read user: %w", sql.ErrNoRows)
	}
	if err != nil {
		return k, fmt.Errorf("read talk, log and presentation: %w", err)
	}
	k.talk = t.talk()
	k.log, k.logged = l.log()
	if k.presented = created.Valid; k.presented {
		k.pres.SlidesURL, k.pres.CreatedAt = slides.String, parseTime(created.String)
	}
	return k, nil
}

// logAndPresentation is readKnownTalk's log and presentation, for a talk
// found by title.
func logAndPresentation(ctx context.Context, tx *txn, userID, talkID int64) (talkbot.Log, bool, talkbot.Presentation, bool, error) {
	var l nullableLog
	var slides, created sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT `+logColumns+`, p.slides_url, p.created_at
		FROM (SELECT ? AS user_id, ? AS talk_id) k
		LEFT JOIN logs l ON l.user_id = k.user_id AND l.talk_id = k.talk_id
		LEFT JOIN presentations p ON p.user_id = k.user_id AND p.talk_id = k.talk_id`, userID, talkID).
		Scan(append(l.dest(), &slides, &created)...) // logColumns come first
	pres := talkbot.Presentation{UserID: userID, TalkID: talkID}
	if err != nil {
		return talkbot.Log{}, false, pres, false, fmt.Errorf("get log and presentation: %w", err)
	}
	log, logged := l.log()
	if created.Valid {
		pres.SlidesURL, pres.CreatedAt = slides.String, parseTime(created.String)
	}
	return log, logged, pres, created.Valid, nil
}

func putLog(ctx context.Context, tx *txn, l talkbot.Log) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO logs (user_id, talk_id, status, reason, watch_later, watched, rating, starred, logged_at, updated_at, reason_private)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id, talk_id) DO UPDATE SET status = excluded.status, reason = excluded.reason,
			watch_later = excluded.watch_later, watched = excluded.watched, rating = excluded.rating,
			starred = excluded.starred, logged_at = excluded.logged_at, updated_at = excluded.updated_at,
			reason_private = excluded.reason_private`,
		l.UserID, l.TalkID, string(l.Status), l.Reason, boolInt(l.WatchLater), boolInt(l.Watched), l.Rating, boolInt(l.Starred),
		formatTime(l.LoggedAt), formatTime(l.UpdatedAt), boolInt(l.ReasonPrivate))
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
		l.Reason, l.ReasonPrivate = *p.Reason, p.ReasonPrivate
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

// Apply carries out one command's change in one transaction and records how
// to undo it. A change that finds everything already as asked writes nothing
// and records no undo step (Outcome.Unchanged).
func (s *Store) Apply(ctx context.Context, c talkbot.Change) (talkbot.Outcome, error) {
	oneLineFields(&c)
	var out talkbot.Outcome
	err := s.change(ctx, func(tx *txn) error {
		out = talkbot.Outcome{}
		now := s.now().UTC()
		var rec undoRecord
		// What the change starts from: the talk, and the user's log and
		// presentation of it, either of which may be missing.
		var old talkbot.Log
		var exists, presented bool
		var pres talkbot.Presentation
		var err error
		switch {
		case c.TalkID != 0:
			var k knownTalk
			k, err = readKnownTalk(ctx, tx, c.User, c.TalkID)
			rec.LastTalkBefore, out.Talk, old, exists, pres, presented = k.lastTalk, k.talk, k.log, k.logged, k.pres, k.presented
		case c.NewTalk != nil:
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(last_talk_id, 0) FROM users WHERE id = ?`, c.User.ID).Scan(&rec.LastTalkBefore); err != nil {
				return fmt.Errorf("read user: %w", err)
			}
			out.Talk, out.Created, err = findOrCreateTalk(ctx, tx, c.User, *c.NewTalk, now)
			// A talk this change created has no log or presentation to read yet:
			// talk ids are AUTOINCREMENT, never reused, and what refers to a
			// talk cascades on its delete.
			pres = talkbot.Presentation{UserID: c.User.ID, TalkID: out.Talk.ID}
			if err == nil && !out.Created {
				old, exists, pres, presented, err = logAndPresentation(ctx, tx, c.User.ID, out.Talk.ID)
			}
		default:
			err = errors.New("change names no talk")
		}
		if err != nil {
			return err
		}
		talk := out.Talk
		rec.TalkID, rec.TalkCreated = talk.ID, out.Created
		changed := out.Created
		logDropped := false // a log left with nothing, dropped: as a delete of it, for the talk

		patched, set := patchTalk(talk, c.Talk, false)
		patched, filled := patchTalk(patched, c.Fill, true)
		if set || filled {
			if err := updateTalk(ctx, tx, patched); err != nil {
				return err
			}
			if talk.RecordingURL == "" && patched.RecordingURL != "" {
				// The schema queued a notice for everyone waiting for the recording; whoever added it knows.
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'skipped'
					WHERE kind = 'recording' AND talk_id = ? AND user_id = ? AND status = 'pending'`, talk.ID, c.User.ID); err != nil {
					return fmt.Errorf("skip own recording notice: %w", err)
				}
			}
			if !out.Created {
				rec.TalkBefore, rec.TalkAfter = toUndoTalk(talk), toUndoTalk(patched)
			}
			out.Talk, changed = patched, true
		}

		switch {
		case c.DeleteLog:
			notes, err := queryNotes(ctx, tx, `WHERE n.user_id = ? AND n.talk_id = ? ORDER BY n.id`, c.User.ID, talk.ID)
			if err != nil {
				return err
			}
			if !exists && len(notes) == 0 {
				return talkbot.Errorf(talkbot.ENOTFOUND, "You have nothing logged on #%d, so there is nothing to delete.", talk.ID)
			}
			if exists {
				if _, err := tx.ExecContext(ctx, `DELETE FROM logs WHERE user_id = ? AND talk_id = ?`, c.User.ID, talk.ID); err != nil {
					return fmt.Errorf("delete log: %w", err)
				}
				rec.LogTouched, rec.LogBefore = true, toUndoLog(old)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE user_id = ? AND talk_id = ?`, c.User.ID, talk.ID); err != nil {
				return fmt.Errorf("delete notes: %w", err)
			}
			if len(notes) > 0 {
				if err := forgetAnswers(ctx, tx, c.User.ID); err != nil {
					return err
				}
			}
			for _, n := range notes {
				rec.NotesDeleted = append(rec.NotesDeleted, toUndoNote(n))
			}
			changed = true
		case !c.Log.Empty() || c.Note != nil:
			l := old
			if !exists {
				l = talkbot.Log{UserID: c.User.ID, TalkID: talk.ID, Status: talkbot.StatusNone, LoggedAt: now}
			}
			l = patchLog(l, c.Log)
			// Clearing what was never set (`unstar` on a talk not logged)
			// logs nothing: the talk would join the user's list empty.
			if !exists && c.Note == nil && l.Blank() {
				out.Log = l
				break
			}
			if exists && l.Blank() && c.Note == nil && !presented {
				// Nothing left of it (`unwant` of a talk only wanted): the talk
				// leaves the user's list, unless their notes keep it there.
				dropped, err := dropBlankLog(ctx, tx, c.User.ID, talk.ID)
				if err != nil {
					return err
				}
				if dropped {
					rec.LogTouched, rec.LogBefore, rec.LogAfter = true, toUndoLog(old), toUndoLog(l)
					out.Log, changed, logDropped = l, true, true
					break
				}
			}
			if !exists || !sameLog(l, old) {
				l.UpdatedAt = now
				if err := putLog(ctx, tx, l); err != nil {
					return err
				}
				rec.LogTouched, rec.LogAfter = true, toUndoLog(l)
				if exists {
					rec.LogBefore = toUndoLog(old)
				}
				changed = true
			}
			out.Log = l
		default:
			out.Log = old
		}

		switch {
		case c.DeleteLog && presented:
			if _, err := tx.ExecContext(ctx, `DELETE FROM presentations WHERE user_id = ? AND talk_id = ?`, c.User.ID, talk.ID); err != nil {
				return fmt.Errorf("delete presentation: %w", err)
			}
			rec.PresentationTouched, rec.PresentationBefore = true, &undoPresentation{SlidesURL: pres.SlidesURL, CreatedAt: pres.CreatedAt}
			changed = true
		case c.Present != nil:
			p := pres
			if !presented {
				p.CreatedAt = now
			}
			if c.Present.SlidesURL != "" {
				p.SlidesURL = c.Present.SlidesURL
			}
			if !presented || p != pres {
				if err := putPresentation(ctx, tx, p); err != nil {
					return err
				}
				rec.PresentationTouched = true
				if presented {
					rec.PresentationBefore = &undoPresentation{SlidesURL: pres.SlidesURL, CreatedAt: pres.CreatedAt}
				}
				changed = true
			}
			out.Presentation = &p
		case presented:
			out.Presentation = &pres
		}

		if c.Note != nil {
			res, err := tx.ExecContext(ctx, `INSERT INTO notes (talk_id, user_id, text, visibility, created_at, fts_pending) VALUES (?, ?, ?, ?, ?, ?)`,
				talk.ID, c.User.ID, c.Note.Text, string(c.Note.Visibility), formatTime(now), tx.indexLater(&tx.markedNotes))
			if err != nil {
				return fmt.Errorf("insert note: %w", err)
			}
			id, _ := res.LastInsertId()
			out.Note = &talkbot.Note{ID: id, TalkID: talk.ID, UserID: c.User.ID, UserName: c.User.Name,
				Text: c.Note.Text, Visibility: c.Note.Visibility, CreatedAt: now}
			rec.NotesAdded = append(rec.NotesAdded, id)
			changed = true
		}

		if e := c.EditNote; e != nil {
			done, err := editNote(ctx, tx, c.User, talk.ID, *e, &rec, &out)
			if err != nil {
				return err
			}
			changed = changed || done
		}

		recipients := c.RecommendTo
		if c.RecommendTeam {
			recipients = append(recipients, 0)
		}
		for _, to := range recipients {
			added, err := recommend(ctx, tx, c.User, talk.ID, to, now)
			if err != nil {
				return err
			}
			if added == 0 {
				out.Repeated = append(out.Repeated, to)
				continue
			}
			rec.RecsAdded = append(rec.RecsAdded, added)
			changed = true
		}

		if (c.DeleteLog || logDropped) && out.Talk.CreatedBy == c.User.ID {
			// A talk this user created and nobody else uses goes with their log, so a typo leaves no trace.
			gone, err := deleteIfUnused(ctx, tx, talk.ID, c.User.ID)
			if err != nil {
				return err
			}
			if gone {
				rec.TalkDeleted = toUndoTalk(talk)
				out.TalkDeleted = true
			} else {
				if err := passTalkOn(ctx, tx, talk.ID, c.User.ID); err != nil {
					return err
				}
				var to sql.NullInt64
				if err := tx.QueryRowContext(ctx, `SELECT created_by FROM talks WHERE id = ?`, talk.ID).Scan(&to); err != nil {
					return fmt.Errorf("read whom the talk passed to: %w", err)
				}
				rec.PassedOn, rec.PassedTo = true, to.Int64
			}
		} else if rec.LastTalkBefore != talk.ID { // most commands follow up on the talk before: no write then
			if _, err := tx.ExecContext(ctx, `UPDATE users SET last_talk_id = ? WHERE id = ?`, talk.ID, c.User.ID); err != nil {
				return fmt.Errorf("touch talk: %w", err)
			}
		}
		if !changed {
			out.Unchanged = true
			return nil
		}
		return saveHistory(ctx, tx, c.User.ID, c.Label, rec, now)
	})
	return out, err
}

// dropBlankLog deletes a user's log of a talk they have no notes on.
func dropBlankLog(ctx context.Context, tx *txn, userID, talkID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM logs WHERE user_id = ? AND talk_id = ?
		AND NOT EXISTS (SELECT 1 FROM notes WHERE user_id = ? AND talk_id = ?)`, userID, talkID, userID, talkID)
	if err != nil {
		return false, fmt.Errorf("drop empty log: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// sameLog reports whether two logs say the same, whenever they were written.
func sameLog(a, b talkbot.Log) bool {
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	return a == b
}

// editNote changes or deletes one of the user's notes on the talk and
// reports whether anything changed.
func editNote(ctx context.Context, tx *txn, u talkbot.User, talkID int64, e talkbot.NoteEdit, rec *undoRecord, out *talkbot.Outcome) (bool, error) {
	notes, err := queryNotes(ctx, tx, `WHERE n.id = ? AND n.user_id = ? AND n.talk_id = ?`, e.NoteID, u.ID, talkID)
	if err != nil {
		return false, err
	}
	if len(notes) == 0 {
		return false, talkbot.Errorf(talkbot.ENOTFOUND, "You have no note n%d on #%d; `notes #%d` lists yours.", e.NoteID, talkID, talkID)
	}
	before := notes[0]
	out.NoteBefore = &before
	if e.Delete {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE id = ?`, before.ID); err != nil {
			return false, fmt.Errorf("delete note: %w", err)
		}
		rec.NotesDeleted = append(rec.NotesDeleted, toUndoNote(before))
		return true, forgetAnswers(ctx, tx, u.ID)
	}
	after := before
	if e.Text != nil {
		after.Text = *e.Text
	}
	if e.Visibility != nil {
		after.Visibility = *e.Visibility
	}
	out.Note = &after
	if after == before {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notes SET text = ?, visibility = ? WHERE id = ?`, after.Text, string(after.Visibility), after.ID); err != nil {
		return false, fmt.Errorf("edit note: %w", err)
	}
	rec.NotesEdited = append(rec.NotesEdited, toUndoNote(before))
	if after.Text != before.Text || after.Visibility == talkbot.VisibilityPrivate {
		return true, forgetAnswers(ctx, tx, u.ID) // what was written, or shown, is no longer
	}
	return true, nil
}

// forgetAnswers drops the cached model answers of the user's workspace:
// they summarise notes, which ones is not recorded, and a note deleted,
// rewritten or made private, or a user forgotten, must not stay in them
// (the cache is only a cache: the next summary asks the model again).
func forgetAnswers(ctx context.Context, tx *txn, userID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM llm_answers WHERE workspace_id = (SELECT workspace_id FROM users WHERE id = ?)`, userID); err != nil {
		return fmt.Errorf("delete llm answers: %w", err)
	}
	return nil
}

// recommend records a recommendation of the talk to a user (0: the whole
// team) and returns its id, or 0 when the user had already made it.
func recommend(ctx context.Context, tx *txn, from talkbot.User, talkID, to int64, now time.Time) (int64, error) {
	var dup int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM recommendations WHERE talk_id = ? AND from_user_id = ? AND to_user_id IS ?`,
		talkID, from.ID, nullID(to)).Scan(&dup); err != nil {
		return 0, fmt.Errorf("find recommendation: %w", err)
	}
	if dup > 0 {
		return 0, nil
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO recommendations (workspace_id, talk_id, from_user_id, to_user_id, created_at)
		VALUES (?, ?, ?, ?, ?)`, from.WorkspaceID, talkID, from.ID, nullID(to), formatTime(now))
	if err != nil {
		return 0, fmt.Errorf("insert recommendation: %w", err)
	}
	return res.LastInsertId()
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
		SELECT id FROM history WHERE user_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`, userID, userID, HistoryDepth)
	if err != nil {
		return fmt.Errorf("prune history: %w", err)
	}
	return nil
}

// talkInOthersHistory is the condition that a step of the undo history of
// a user other than its argument names the talk talk (an SQL expression):
// their undo would bring a log or note back onto it, so it must stay. It
// reads the index of migration 00011, whose expression it spells the same.
func talkInOthersHistory(talk string) string {
	return `EXISTS (SELECT 1 FROM history h WHERE h.user_id != ? AND json_extract(h.payload, '$.talk_id') = ` + talk + `)`
}

// sessionTwin is another talk of t's conference that is t's session (one
// normalised title on one day, or with no day on either side); 0 for none.
func sessionTwin(ctx context.Context, tx *txn, t talkbot.Talk) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM talks WHERE conference_id = ? AND norm_title = ? AND id != ?
		AND (day = ? OR day = '' OR ? = '') ORDER BY id LIMIT 1`, t.ConferenceID, talkbot.NormalizeTitle(t.Title), t.ID, t.Day, t.Day).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find the session's talk: %w", err)
	}
	return id, nil
}

// onto is an undo step of a deleted talk, aimed at another talk instead.
func onto(rec undoRecord, talkID int64) undoRecord {
	rec.TalkID, rec.TalkDeleted = talkID, nil
	notes := slices.Clone(rec.NotesDeleted)
	for i := range notes {
		notes[i].TalkID = talkID
	}
	rec.NotesDeleted = notes
	for _, l := range []**undoLog{&rec.LogBefore, &rec.LogAfter} {
		if *l != nil {
			c := **l
			c.TalkID = talkID
			*l = &c
		}
	}
	return rec
}

// firstOtherLogger is the user who logged the talk being updated first,
// of those other than its argument; NULL when there is none.
const firstOtherLogger = `(SELECT l.user_id FROM logs l WHERE l.talk_id = talks.id AND l.user_id != ?
	ORDER BY l.logged_at, l.user_id LIMIT 1)`

// passTalkOn hands a talk its creator no longer logs to whoever logged it
// first of those who still do (none: admins only): the right to edit its
// shared fields is the first logger's, and a user who deleted their log,
// or undid the add that made the talk, is no longer that.
func passTalkOn(ctx context.Context, tx *txn, talkID, creator int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE talks SET created_by = `+firstOtherLogger+` WHERE id = ? AND created_by = ?
		AND NOT EXISTS (SELECT 1 FROM logs WHERE talk_id = talks.id AND user_id = ?)`, creator, talkID, creator, creator)
	if err != nil {
		return fmt.Errorf("pass the talk on: %w", err)
	}
	return nil
}

// ownFieldsBack is talk now with the shared fields a change took from
// before to after set back to before, where they still hold after: what
// others (an admin's edit, a colleague's recording, a re-import) changed
// since stays. Tags and links go back one by one.
func ownFieldsBack(now, before, after talkbot.Talk) talkbot.Talk {
	back := now
	str := func(cur *string, b, a string) {
		if b != a && *cur == a {
			*cur = b
		}
	}
	str(&back.Title, before.Title, after.Title)
	str(&back.Event, before.Event, after.Event)
	str(&back.Room, before.Room, after.Room)
	str(&back.Day, before.Day, after.Day)
	str(&back.RecordingURL, before.RecordingURL, after.RecordingURL)
	if (before.ScheduleURL != after.ScheduleURL || before.ScheduleID != after.ScheduleID) &&
		now.ScheduleURL == after.ScheduleURL && now.ScheduleID == after.ScheduleID {
		back.ScheduleURL, back.ScheduleID = before.ScheduleURL, before.ScheduleID
	}
	if !slices.Equal(before.Speakers, after.Speakers) && slices.Equal(now.Speakers, after.Speakers) {
		back.Speakers = before.Speakers
	}
	back.Tags = setBack(now.Tags, before.Tags, after.Tags)
	back.Links = setBack(now.Links, before.Links, after.Links)
	return back
}

// allBack reports whether back holds before's value of every shared field
// the change took from before to after. Tags and links always go back (one
// by one, setBack), so only the single-valued fields can stay.
func allBack(back, before, after talkbot.Talk) bool {
	str := func(b, a, got string) bool { return b == a || got == b }
	return str(before.Title, after.Title, back.Title) && str(before.Event, after.Event, back.Event) &&
		str(before.Room, after.Room, back.Room) && str(before.Day, after.Day, back.Day) &&
		str(before.RecordingURL, after.RecordingURL, back.RecordingURL) &&
		str(before.ScheduleURL+"\x00"+before.ScheduleID, after.ScheduleURL+"\x00"+after.ScheduleID, back.ScheduleURL+"\x00"+back.ScheduleID) &&
		(slices.Equal(before.Speakers, after.Speakers) || slices.Equal(back.Speakers, before.Speakers))
}

// setBack takes out of now what a change added to before, and puts back
// what it removed.
func setBack(now, before, after []string) []string {
	var out []string
	for _, x := range now {
		if slices.Contains(before, x) || !slices.Contains(after, x) {
			out = append(out, x)
		}
	}
	for _, x := range before {
		if !slices.Contains(after, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// sameSharedFields reports whether two versions of a talk agree on every
// field updateTalk writes.
func sameSharedFields(a, b talkbot.Talk) bool {
	return a.Title == b.Title && a.Event == b.Event && a.Room == b.Room && a.Day == b.Day && a.RecordingURL == b.RecordingURL &&
		a.ScheduleURL == b.ScheduleURL && a.ScheduleID == b.ScheduleID && slices.Equal(a.Speakers, b.Speakers) &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Links, b.Links)
}

// deleteIfUnused deletes the talk when no log, note or recommendation refers
// to it, and no step of another user's undo than userID's names it (alice
// deleted her log, then bob the last one: alice's undo puts hers back on
// it); a talk of an imported schedule stays, as the schedule's.
func deleteIfUnused(ctx context.Context, tx *txn, talkID, userID int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM talks WHERE id = ? AND source_id IS NULL
		AND NOT EXISTS (SELECT 1 FROM logs WHERE talk_id = ?)
		AND NOT EXISTS (SELECT 1 FROM notes WHERE talk_id = ?)
		AND NOT EXISTS (SELECT 1 FROM recommendations WHERE talk_id = ?)
		AND NOT `+talkInOthersHistory("?"), talkID, talkID, talkID, talkID, userID, talkID)
	if err != nil {
		return false, fmt.Errorf("delete unused talk: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Undo reverses the user's latest change and says what it reversed.
func (s *Store) Undo(ctx context.Context, userID int64) (talkbot.Undone, error) {
	var u talkbot.Undone
	err := s.change(ctx, func(tx *txn) error {
		u = talkbot.Undone{}
		var id int64
		var payload string
		err := tx.QueryRowContext(ctx, `SELECT id, label, payload FROM history WHERE user_id = ? ORDER BY id DESC LIMIT 1`, userID).
			Scan(&id, &u.Label, &payload)
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
		if rec.ConferenceBefore != "" { // a switch: said, not taken back
			u.ConferenceBefore = rec.ConferenceBefore
			_, err = tx.ExecContext(ctx, `DELETE FROM history WHERE id = ?`, id)
			return err
		}
		if rec.VisibilityBefore != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE users SET default_visibility = ? WHERE id = ?`, rec.VisibilityBefore, userID); err != nil {
				return fmt.Errorf("undo privacy: %w", err)
			}
			u.VisibilityBack = talkbot.Visibility(rec.VisibilityBefore)
			_, err = tx.ExecContext(ctx, `DELETE FROM history WHERE id = ?`, id)
			return err
		}
		// The talk may be gone since (deleted before talks that others' undo
		// names were kept): nothing is left to put back, and the step goes,
		// so that the next undo reaches further back rather than failing here.
		var gone bool
		if rec.TalkID != 0 && rec.TalkDeleted == nil {
			if err := tx.QueryRowContext(ctx, `SELECT NOT EXISTS (SELECT 1 FROM talks WHERE id = ?)`, rec.TalkID).Scan(&gone); err != nil {
				return fmt.Errorf("find the undone talk: %w", err)
			}
		}
		if gone {
			u.TalkGone = true
		} else if err := reverse(ctx, tx, userID, rec, &u); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM history WHERE id = ?`, id)
		return err
	})
	return u, err
}

func reverse(ctx context.Context, tx *txn, userID int64, rec undoRecord, u *talkbot.Undone) error {
	was, err := talkByID(ctx, tx, rec.TalkID) // for the reply, should the undo remove it
	if err != nil && !errors.Is(err, talkbot.ErrNotFound) {
		return err
	}
	if t := rec.TalkDeleted; t != nil {
		// A colleague may have logged the session since, as a talk of its
		// own: the undo puts the user's log and notes on that one rather
		// than make the session two talks.
		twin, err := sessionTwin(ctx, tx, t.talk())
		if err != nil {
			return err
		}
		if twin != 0 {
			rec = onto(rec, twin)
			u.Merged = true
		} else {
			if _, err := insertTalk(ctx, tx, t.talk()); err != nil {
				return fmt.Errorf("restore talk: %w", err)
			}
			u.TalkRestored = true
		}
	}
	if err := reverseJournal(ctx, tx, userID, rec, u); err != nil {
		return err
	}
	if rec.PresentationTouched {
		if _, err := tx.ExecContext(ctx, `DELETE FROM presentations WHERE user_id = ? AND talk_id = ?`, userID, rec.TalkID); err != nil {
			return fmt.Errorf("undo presentation: %w", err)
		}
		if b := rec.PresentationBefore; b != nil {
			if err := putPresentation(ctx, tx, talkbot.Presentation{UserID: userID, TalkID: rec.TalkID, SlidesURL: b.SlidesURL, CreatedAt: b.CreatedAt}); err != nil {
				return err
			}
		}
		u.PresentationChanged = true
		u.PresentedBefore, u.PresentedAfter = rec.PresentationBefore != nil, rec.LogAfter != nil
	} else if rec.TalkID != 0 {
		_, gave, err := presentation(ctx, tx, userID, rec.TalkID)
		if err != nil {
			return err
		}
		u.PresentedBefore, u.PresentedAfter = gave, gave
	}
	for _, id := range rec.RecsAdded {
		res, err := tx.ExecContext(ctx, `DELETE FROM recommendations WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("undo recommendation: %w", err)
		}
		n, _ := res.RowsAffected()
		u.Recommendations += int(n)
	}
	for _, id := range rec.NotesAdded {
		notes, err := queryNotes(ctx, tx, `WHERE n.id = ? AND n.user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE id = ? AND user_id = ?`, id, userID); err != nil {
			return fmt.Errorf("undo note: %w", err)
		}
		u.NotesRemoved = append(u.NotesRemoved, notes...)
	}
	for _, n := range rec.NotesDeleted {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notes (id, talk_id, user_id, text, visibility, created_at, fts_pending) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			n.ID, n.TalkID, n.UserID, n.Text, n.Visibility, formatTime(n.CreatedAt), tx.indexLater(&tx.markedNotes)); err != nil {
			return fmt.Errorf("restore note: %w", err)
		}
		u.NotesRestored = append(u.NotesRestored, n.note())
	}
	for _, n := range rec.NotesEdited {
		if _, err := tx.ExecContext(ctx, `UPDATE notes SET text = ?, visibility = ? WHERE id = ? AND user_id = ?`,
			n.Text, n.Visibility, n.ID, userID); err != nil {
			return fmt.Errorf("restore note: %w", err)
		}
		u.NotesRestored = append(u.NotesRestored, n.note())
	}
	if rec.LogTouched {
		if _, err := tx.ExecContext(ctx, `DELETE FROM logs WHERE user_id = ? AND talk_id = ?`, userID, rec.TalkID); err != nil {
			return fmt.Errorf("undo log: %w", err)
		}
		if rec.LogBefore != nil {
			l := rec.LogBefore.log()
			if err := putLog(ctx, tx, l); err != nil {
				return err
			}
			u.LogBefore = &l
		}
		if rec.LogAfter != nil {
			l := rec.LogAfter.log()
			u.LogAfter = &l
		}
	}
	if rec.TalkBefore != nil {
		back := rec.TalkBefore.talk()
		if rec.TalkAfter != nil {
			now, err := talkByID(ctx, tx, rec.TalkID)
			if err != nil {
				return err
			}
			back = ownFieldsBack(now, rec.TalkBefore.talk(), rec.TalkAfter.talk())
			if back.Title != now.Title || back.Day != now.Day {
				twin, err := sessionTwin(ctx, tx, back)
				if err != nil {
					return err
				}
				if twin != 0 { // the old title is another talk's session now: keep the new one
					back.Title, back.Day = now.Title, now.Day
				}
			}
			u.TalkChanged = !sameSharedFields(back, now)
			u.TalkKept = !allBack(back, rec.TalkBefore.talk(), rec.TalkAfter.talk())
		} else {
			u.TalkChanged = true
		}
		if u.TalkChanged {
			if err := updateTalk(ctx, tx, back); err != nil {
				return err
			}
		}
	}
	if rec.PassedOn { // the log is back: so is the right its delete handed on
		if _, err := tx.ExecContext(ctx, `UPDATE talks SET created_by = ? WHERE id = ? AND created_by IS ?`,
			userID, rec.TalkID, nullID(rec.PassedTo)); err != nil {
			return fmt.Errorf("hand the talk back: %w", err)
		}
	}
	if rec.TalkCreated {
		gone, err := deleteIfUnused(ctx, tx, rec.TalkID, userID)
		if err != nil {
			return err
		}
		u.TalkRemoved = gone
		if !gone {
			if err := passTalkOn(ctx, tx, rec.TalkID, userID); err != nil {
				return err
			}
		}
	}
	u.Talk, err = talkByID(ctx, tx, rec.TalkID)
	if errors.Is(err, talkbot.ErrNotFound) {
		u.Talk = was
	} else if err != nil {
		return err
	}
	// Point "the last talk" back where it was, if that talk still exists.
	_, err = tx.ExecContext(ctx, `UPDATE users SET last_talk_id = (SELECT id FROM talks WHERE id = ?) WHERE id = ?`,
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

// oneLineFields folds the line breaks of the talk's one-line fields, however
// they were typed (an edit's value, a quoted option): a break in a title
// showed as a line of its own in every card, forging the bot's lines.
func oneLineFields(c *talkbot.Change) {
	if t := c.NewTalk; t != nil {
		nt := *t
		nt.Title, nt.Event, nt.Room = talkbot.OneLine(nt.Title), talkbot.OneLine(nt.Event), talkbot.OneLine(nt.Room)
		nt.Speakers = oneLineSpeakers(nt.Speakers)
		c.NewTalk = &nt
	}
	for _, p := range []*talkbot.TalkPatch{&c.Talk, &c.Fill} {
		for _, f := range []**string{&p.Title, &p.Event, &p.Room} {
			if *f != nil {
				v := talkbot.OneLine(**f)
				*f = &v
			}
		}
		if p.Speakers != nil {
			sp := oneLineSpeakers(*p.Speakers)
			p.Speakers = &sp
		}
	}
}

func oneLineSpeakers(sp []talkbot.Speaker) []talkbot.Speaker {
	out := slices.Clone(sp)
	for i := range out {
		out[i].Name, out[i].Org = talkbot.OneLine(out[i].Name), talkbot.OneLine(out[i].Org)
	}
	return out
}
