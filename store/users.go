package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/talkbot/talkbot"
)

var conflict = &talkbot.Error{Code: talkbot.ECONFLICT, Message: "That clashes with something already saved."}

const userColumns = `u.id, u.workspace_id, u.external_id, u.name, u.default_visibility, COALESCE(u.last_talk_id, 0), COALESCE(u.conference_id, 0)`

func scanUser(row scanner) (talkbot.User, error) {
	var u talkbot.User
	var vis string
	err := row.Scan(userDest(&u, &vis)...)
	u.DefaultVisibility = talkbot.Visibility(vis)
	return u, err
}

func userDest(u *talkbot.User, vis *string) []any {
	return []any{&u.ID, &u.WorkspaceID, &u.ExternalID, &u.Name, vis, &u.LastTalkID, &u.ConferenceID}
}

const queryUserByExternal = `SELECT ` + userColumns + ` FROM users u JOIN workspaces w ON w.id = u.workspace_id
WHERE w.platform = ? AND w.external_id = ? AND u.external_id = ?`

// User finds the user with externalID in the workspace, creating both when
// they are new and keeping the display name current.
func (s *Store) User(ctx context.Context, platform, workspace, externalID, name string) (talkbot.User, error) {
	u, err := scanUser(s.hot.QueryRowContext(ctx, queryUserByExternal, platform, workspace, externalID))
	if err == nil && (u.Name == name || name == "") {
		return u, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return talkbot.User{}, fmt.Errorf("find user: %w", err)
	}
	err = s.update(ctx, func(tx *txn) error {
		now := formatTime(s.now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO workspaces (platform, external_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (platform, external_id) DO NOTHING`, platform, workspace, now); err != nil {
			return fmt.Errorf("insert workspace: %w", err)
		}
		// A new user without a name goes by their id until a name comes along.
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (workspace_id, external_id, name, created_at)
			SELECT id, ?, COALESCE(NULLIF(?, ''), ?), ? FROM workspaces WHERE platform = ? AND external_id = ?
			ON CONFLICT (workspace_id, external_id) DO UPDATE SET name = excluded.name WHERE ? != '' AND excluded.name != users.name`,
			externalID, name, externalID, now, platform, workspace, name); err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		u, err = scanUser(tx.QueryRowContext(ctx, queryUserByExternal, platform, workspace, externalID))
		return err
	})
	if err != nil {
		return talkbot.User{}, fmt.Errorf("save user: %w", err)
	}
	return u, nil
}

// UserAndConference reads a known user and their current conference in one
// statement, and falls back to User and CurrentConference, which write
// what is missing, for a new user, a new name or no conference yet. Two
// statements were 6% of a `list` reply's CPU (BENCHMARKS.md).
func (s *Store) UserAndConference(ctx context.Context, platform, workspace, externalID, name, channel string) (talkbot.User, talkbot.Conference, error) {
	var u talkbot.User
	var c talkbot.Conference
	var vis string
	var imported sql.NullString
	err := s.hot.QueryRowContext(ctx, `SELECT `+userColumns+`, `+conferenceColumns+`
		FROM users u JOIN workspaces w ON w.id = u.workspace_id
		LEFT JOIN channel_conferences cc ON cc.workspace_id = w.id AND cc.channel = ?
		JOIN conferences c ON c.id = COALESCE(cc.conference_id, u.conference_id, w.active_conference_id)
		WHERE w.platform = ? AND w.external_id = ? AND u.external_id = ?`, channel, platform, workspace, externalID).
		Scan(append(userDest(&u, &vis), conferenceDest(&c, &imported)...)...)
	if err == nil && (u.Name == name || name == "") {
		u.DefaultVisibility = talkbot.Visibility(vis)
		c.ImportedAt = parseNullTime(imported)
		return u, c, nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return u, c, fmt.Errorf("find user and conference: %w", s.faults.note(err, false)) // a damaged file shows here first
	}
	if u, err = s.User(ctx, platform, workspace, externalID, name); err != nil {
		return u, c, err
	}
	if c, err = s.ChannelConference(ctx, u.WorkspaceID, channel); !errors.Is(err, talkbot.ErrNotFound) {
		return u, c, err
	}
	c, err = s.CurrentConference(ctx, u)
	return u, c, err
}

// FindUser finds a user of the workspace by external id or display name, ignoring case.
func (s *Store) FindUser(ctx context.Context, workspaceID int64, ref string) (talkbot.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u
		WHERE u.workspace_id = ? AND (u.external_id = ? COLLATE NOCASE OR u.name = ? COLLATE NOCASE)
		ORDER BY u.external_id = ? DESC LIMIT 1`, workspaceID, ref, ref, ref))
	if errors.Is(err, sql.ErrNoRows) {
		return talkbot.User{}, talkbot.ErrNotFound
	}
	if err != nil {
		return talkbot.User{}, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// SetDefaultVisibility sets the visibility of the user's notes when they do not say.
// It is an undo step.
func (s *Store) SetDefaultVisibility(ctx context.Context, userID int64, v talkbot.Visibility) error {
	return s.change(ctx, func(tx *txn) error {
		var before string
		if err := tx.QueryRowContext(ctx, `SELECT default_visibility FROM users WHERE id = ?`, userID).Scan(&before); err != nil {
			return fmt.Errorf("read privacy: %w", err)
		}
		if before == string(v) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET default_visibility = ? WHERE id = ?`, string(v), userID); err != nil {
			return err
		}
		return saveHistory(ctx, tx, userID, "privacy", undoRecord{VisibilityBefore: before}, s.now())
	})
}

// forgetOwnTalks deletes the talks a user typed in that nobody else uses:
// no log, note or recommendation, and no step of another user's undo
// history (an undone delete would restore a log on it).
var forgetOwnTalks = `DELETE FROM talks WHERE created_by = ? AND source_id IS NULL
	AND NOT EXISTS (SELECT 1 FROM logs WHERE talk_id = talks.id)
	AND NOT EXISTS (SELECT 1 FROM notes WHERE talk_id = talks.id)
	AND NOT EXISTS (SELECT 1 FROM recommendations WHERE talk_id = talks.id)
	AND NOT ` + talkInOthersHistory("+talks.id") // "+": no affinity, so the index of 00011 serves

// ForgetUser deletes the user and everything they own.
func (s *Store) ForgetUser(ctx context.Context, userID int64) (talkbot.Forgotten, error) {
	var f talkbot.Forgotten
	err := s.change(ctx, func(tx *txn) error {
		// Logs first, explicitly, so the triggers take the user's ratings out of the talks' counters.
		res, err := tx.ExecContext(ctx, `DELETE FROM logs WHERE user_id = ?`, userID)
		if err != nil {
			return fmt.Errorf("delete logs: %w", err)
		}
		n, _ := res.RowsAffected()
		f.Logs = int(n)
		if res, err = tx.ExecContext(ctx, `DELETE FROM notes WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("delete notes: %w", err)
		}
		n, _ = res.RowsAffected()
		f.Notes = int(n)
		if res, err = tx.ExecContext(ctx, `DELETE FROM journal WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("delete journal: %w", err)
		}
		n, _ = res.RowsAffected()
		f.Notes += int(n)
		if err := forgetAnswers(ctx, tx, userID); err != nil { // they summarise notes, the user's among them
			return err
		}
		// The callbacks kept for a crash's replay hold what was typed (a DM's
		// private note); those handled are not needed, and go now rather
		// than a day later.
		if _, err := tx.ExecContext(ctx, `DELETE FROM inbox WHERE EXISTS (SELECT 1 FROM handled_events h
			WHERE h.platform = inbox.platform AND h.event_id = inbox.event_id)`); err != nil {
			return fmt.Errorf("delete kept events: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recommendations WHERE from_user_id = ?`, userID); err != nil {
			return fmt.Errorf("delete recommendations: %w", err)
		}
		// A talk the user typed in and nobody else has used is theirs alone
		// (its title may be personal): it goes too. A schedule's talks stay,
		// and so does one a colleague's undo may still need.
		if res, err = tx.ExecContext(ctx, forgetOwnTalks, userID, userID); err != nil {
			return fmt.Errorf("delete the user's own talks: %w", err)
		}
		n, _ = res.RowsAffected()
		f.Talks = int(n)
		// The talks others still log pass to the first of them, as after a delete.
		if _, err := tx.ExecContext(ctx, `UPDATE talks SET created_by = `+firstOtherLogger+` WHERE created_by = ?`, userID, userID); err != nil {
			return fmt.Errorf("unlink talks: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID); err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		return nil
	})
	return f, err
}

// UserNotes returns the user's own notes on a talk, oldest first.
func (s *Store) UserNotes(ctx context.Context, userID, talkID int64) ([]talkbot.Note, error) {
	return queryNotes(ctx, s.r, `WHERE n.user_id = ? AND n.talk_id = ? ORDER BY n.id`, userID, talkID)
}

// UserNote returns one of the user's own notes by its id; ErrNotFound when it
// is not theirs or does not exist.
func (s *Store) UserNote(ctx context.Context, userID, noteID int64) (talkbot.Note, error) {
	ns, err := queryNotes(ctx, s.r, `WHERE n.user_id = ? AND n.id = ?`, userID, noteID)
	if err != nil {
		return talkbot.Note{}, err
	}
	if len(ns) == 0 {
		return talkbot.Note{}, talkbot.ErrNotFound
	}
	return ns[0], nil
}

// UserLog returns the user's log of a talk.
func (s *Store) UserLog(ctx context.Context, userID, talkID int64) (talkbot.Log, error) {
	return getLog(ctx, s.hot, userID, talkID)
}
