package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/talkbot/talkbot"
	"golang.org/x/text/cases"
)

const conferenceColumns = `c.id, c.workspace_id, c.name, c.starts_on, c.ends_on, c.timezone, c.videos_url,
	c.schedule_source, c.imported_at`

func scanConference(row scanner) (talkbot.Conference, error) {
	var c talkbot.Conference
	var imported sql.NullString
	err := row.Scan(conferenceDest(&c, &imported)...)
	c.ImportedAt = parseNullTime(imported)
	return c, err
}

func conferenceDest(c *talkbot.Conference, imported *sql.NullString) []any {
	return []any{&c.ID, &c.WorkspaceID, &c.Name, &c.StartsOn, &c.EndsOn, &c.Timezone, &c.VideosURL, &c.ScheduleSource, imported}
}

// CurrentConference returns the user's pick, else the workspace's active
// conference, creating a default one on a fresh install so logging always works.
func (s *Store) CurrentConference(ctx context.Context, u talkbot.User) (talkbot.Conference, error) {
	c, err := scanConference(s.hot.QueryRowContext(ctx, `SELECT `+conferenceColumns+` FROM conferences c
		WHERE c.id = COALESCE(
			(SELECT conference_id FROM users WHERE id = ?),
			(SELECT active_conference_id FROM workspaces WHERE id = ?))`, u.ID, u.WorkspaceID))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("current conference: %w", err)
	}
	err = s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO conferences (workspace_id, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (workspace_id, name) DO NOTHING`, u.WorkspaceID, talkbot.DefaultConferenceName, formatTime(s.now())); err != nil {
			return err
		}
		c, err = scanConference(tx.QueryRowContext(ctx, `SELECT `+conferenceColumns+` FROM conferences c
			WHERE c.workspace_id = ? AND c.name = ?`, u.WorkspaceID, talkbot.DefaultConferenceName))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE workspaces SET active_conference_id = ? WHERE id = ? AND active_conference_id IS NULL`, c.ID, u.WorkspaceID)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("default conference: %w", err)
	}
	return c, nil
}

// ChannelConference returns the conference a channel picked; talkbot.ErrNotFound when it follows the team.
func (s *Store) ChannelConference(ctx context.Context, workspaceID int64, channel string) (talkbot.Conference, error) {
	if channel == "" {
		return talkbot.Conference{}, talkbot.ErrNotFound
	}
	c, err := scanConference(s.r.QueryRowContext(ctx, `SELECT `+conferenceColumns+` FROM channel_conferences cc
		JOIN conferences c ON c.id = cc.conference_id WHERE cc.workspace_id = ? AND cc.channel = ?`, workspaceID, channel))
	if errors.Is(err, sql.ErrNoRows) {
		return c, talkbot.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("channel conference: %w", err)
	}
	return c, nil
}

// SetChannelConference makes the commands typed in a channel, whoever
// types them, and its digest, about the named conference; an empty name
// has the channel follow the team again. It returns the conference picked.
func (s *Store) SetChannelConference(ctx context.Context, u talkbot.User, channel, name string) (talkbot.Conference, error) {
	if name == "" {
		return talkbot.Conference{}, s.update(ctx, func(tx *txn) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM channel_conferences WHERE workspace_id = ? AND channel = ?`, u.WorkspaceID, channel)
			return err
		})
	}
	c, err := conferenceNamed(ctx, s.r, u.WorkspaceID, name)
	if err != nil {
		return c, err
	}
	return c, s.update(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO channel_conferences (workspace_id, channel, conference_id, set_by, set_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, channel) DO UPDATE SET conference_id = excluded.conference_id, set_by = excluded.set_by, set_at = excluded.set_at`,
			u.WorkspaceID, channel, c.ID, u.ID, formatTime(s.now()))
		return err
	})
}

// Conferences lists the workspace's conferences, newest first.
func (s *Store) Conferences(ctx context.Context, workspaceID int64) ([]talkbot.Conference, error) {
	return queryRows(ctx, s.r, "conferences", scanConference, `SELECT `+conferenceColumns+` FROM conferences c
		WHERE c.workspace_id = ? ORDER BY c.starts_on DESC, c.id DESC`, workspaceID)
}

// conferenceNamed is the workspace's conference of that name, up to case
// (in any script), width and punctuation: SQLite's NOCASE folds ASCII
// only, so "SÉCURITÉ DAYS 2026" was no "Sécurité Days 2026". An exact
// name comes first.
func conferenceNamed(ctx context.Context, q queryer, workspaceID int64, name string) (talkbot.Conference, error) {
	cs, err := queryRows(ctx, q, "conferences", scanConference, `SELECT `+conferenceColumns+` FROM conferences c
		WHERE c.workspace_id = ? ORDER BY c.name = ? DESC, c.id`, workspaceID, name)
	if err != nil {
		return talkbot.Conference{}, err
	}
	folded := cases.Fold().String(name)
	for _, c := range cs { // the name up to case first, then up to punctuation too
		if cases.Fold().String(c.Name) == folded {
			return c, nil
		}
	}
	want := talkbot.NormalizeTitle(name)
	for _, c := range cs {
		if talkbot.NormalizeTitle(c.Name) == want {
			return c, nil
		}
	}
	return talkbot.Conference{}, talkbot.ErrNotFound
}

// ConferenceNamed finds a conference of the workspace by name, up to case
// and punctuation, as conf use reads one; talkbot.ErrNotFound when none.
func (s *Store) ConferenceNamed(ctx context.Context, workspaceID int64, name string) (talkbot.Conference, error) {
	return conferenceNamed(ctx, s.r, workspaceID, name)
}

// CreateConference adds a conference and switches the user to it; with
// forTeam (an admin's) it becomes the workspace's active conference instead.
func (s *Store) CreateConference(ctx context.Context, u talkbot.User, c talkbot.Conference, forTeam bool) (talkbot.Conference, error) {
	err := s.change(ctx, func(tx *txn) error {
		if x, err := conferenceNamed(ctx, tx, u.WorkspaceID, c.Name); err == nil {
			return talkbot.Errorf(talkbot.ECONFLICT, "A conference called “%s” already exists; switch to it with `conf use %s`.", x.Name, x.Name)
		} else if !errors.Is(err, talkbot.ErrNotFound) {
			return err
		}
		if forTeam {
			id, err := placeholderToAdopt(ctx, tx, u.WorkspaceID, c)
			if err != nil {
				return err
			}
			if id != 0 {
				if err := redateTalks(ctx, tx, id, c.Timezone); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE conferences SET name = ?, starts_on = ?, ends_on = ?, timezone = ? WHERE id = ?`,
					c.Name, c.StartsOn, c.EndsOn, c.Timezone, id); err != nil {
					if errors.Is(translate(err), conflict) {
						return talkbot.Errorf(talkbot.ECONFLICT, "A conference called “%s” already exists; switch to it with `conf use %s`.", c.Name, c.Name)
					}
					return fmt.Errorf("adopt %s: %w", talkbot.DefaultConferenceName, err)
				}
				c.ID, c.WorkspaceID = id, u.WorkspaceID
				return switchConference(ctx, tx, u, c.ID, forTeam, s.now())
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO conferences (workspace_id, name, starts_on, ends_on, timezone, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, u.WorkspaceID, c.Name, c.StartsOn, c.EndsOn, c.Timezone, formatTime(s.now()))
		if err != nil {
			if errors.Is(translate(err), conflict) {
				return talkbot.Errorf(talkbot.ECONFLICT, "A conference called “%s” already exists; switch to it with `conf use %s`.", c.Name, c.Name)
			}
			return fmt.Errorf("insert conference: %w", err)
		}
		c.ID, _ = res.LastInsertId()
		c.WorkspaceID = u.WorkspaceID
		return switchConference(ctx, tx, u, c.ID, forTeam, s.now())
	})
	return c, err
}

// placeholderToAdopt is the team's placeholder conference, General, when a
// team's new conference c should take it over as an import does: it is the
// active one, has no dates or schedule, and each of its talks (logged on a
// fresh install before anyone set one up), if any, has no day or one in
// c's week. An empty General goes the same way, rather than stay in `conf
// list` for good. 0 when there is none: General and its talks then stay
// as they are.
func placeholderToAdopt(ctx context.Context, tx *txn, workspaceID int64, c talkbot.Conference) (int64, error) {
	from, to, dated := c.Week()
	if !dated {
		from, to = "0000-00-00", "9999-99-99"
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT c.id FROM conferences c JOIN workspaces w ON w.active_conference_id = c.id
		WHERE w.id = ? AND c.name = ? AND c.starts_on = '' AND c.schedule_key = ''
		AND `+noTalkOutside, workspaceID, talkbot.DefaultConferenceName, from, to).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find %s: %w", talkbot.DefaultConferenceName, err)
	}
	return id, nil
}

// noTalkOutside holds when no talk of conference c has a day outside the
// two dates that follow it as arguments.
const noTalkOutside = `NOT EXISTS (SELECT 1 FROM talks t WHERE t.conference_id = c.id AND t.day != '' AND (t.day < ? OR t.day > ?))`

// talksWithin says whether every dated talk of a conference falls within
// the week of sched's dates (all do, when sched has none).
func talksWithin(ctx context.Context, tx *txn, conferenceID int64, sched talkbot.Conference) (bool, error) {
	from, to, dated := sched.Week()
	if !dated {
		return true, nil
	}
	var fits bool
	err := tx.QueryRowContext(ctx, `SELECT `+noTalkOutside+` FROM conferences c WHERE c.id = ?`, from, to, conferenceID).Scan(&fits)
	if err != nil {
		return false, fmt.Errorf("check the days of its talks: %w", err)
	}
	return fits, nil
}

// switchConference points the user at a conference: with forTeam the
// workspace's active conference changes and the user follows it. A switch
// is a step of the user's undo history that undo does not take back (it
// names the conference before), so that an undo typed next never reaches
// past it to take back the change before.
func switchConference(ctx context.Context, tx *txn, u talkbot.User, conferenceID int64, forTeam bool, now time.Time) error {
	var before string
	var beforeID int64
	if err := tx.QueryRowContext(ctx, `SELECT c.id, c.name FROM conferences c WHERE c.id = COALESCE(
		(SELECT conference_id FROM users WHERE id = ?), (SELECT active_conference_id FROM workspaces WHERE id = ?))`, u.ID, u.WorkspaceID).
		Scan(&beforeID, &before); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read the conference before: %w", err)
	}
	if err := pointAt(ctx, tx, u, conferenceID, forTeam, now); err != nil {
		return err
	}
	if before == "" || beforeID == conferenceID {
		return nil
	}
	return saveHistory(ctx, tx, u.ID, "conf", undoRecord{ConferenceBefore: before}, now)
}

func pointAt(ctx context.Context, tx *txn, u talkbot.User, conferenceID int64, forTeam bool, now time.Time) error {
	if !forTeam { // picking the team's own conference is following the team again
		_, err := tx.ExecContext(ctx, `UPDATE users SET conference_id = NULLIF(?, (SELECT active_conference_id FROM workspaces WHERE id = ?))
			WHERE id = ?`, conferenceID, u.WorkspaceID, u.ID)
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE workspaces SET active_conference_id = ? WHERE id = ? AND active_conference_id IS NOT ?`, conferenceID, u.WorkspaceID, conferenceID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 { // the team moved: the digest channels hear of it
		if err := queueConferenceNotice(ctx, tx, u.WorkspaceID, conferenceID, now); err != nil {
			return err
		}
		// Whoever had picked this conference is on the team's now, and
		// follows the team from here, as a pick of the team's own does:
		// else the team's next move left them behind, logging there.
		if _, err := tx.ExecContext(ctx, `UPDATE users SET conference_id = NULL WHERE workspace_id = ? AND conference_id = ?`, u.WorkspaceID, conferenceID); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE users SET conference_id = NULL WHERE id = ?`, u.ID)
	return err
}

// UseConference switches the user to the named conference; with forTeam (an
// admin's) it becomes the workspace's active conference.
func (s *Store) UseConference(ctx context.Context, u talkbot.User, name string, forTeam bool) (talkbot.Conference, error) {
	c, err := conferenceNamed(ctx, s.r, u.WorkspaceID, name)
	if err != nil {
		return c, err
	}
	err = s.change(ctx, func(tx *txn) error { return switchConference(ctx, tx, u, c.ID, forTeam, s.now()) })
	return c, err
}

// SetConferenceVideos sets the playlist or channel with a conference's recordings.
func (s *Store) SetConferenceVideos(ctx context.Context, conferenceID int64, url string) error {
	return s.change(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE conferences SET videos_url = ? WHERE id = ?`, url, conferenceID)
		return err
	})
}

// redateTalks moves the talks logged by hand in a conference whose zone
// becomes zone to the day they were logged on there. A talk logged without
// a day takes the date it is logged on in the conference's zone, and
// General (or a conference made without a zone) has UTC only: a talk
// logged on an Auckland morning had the day before, missed `list day 1`
// and the digest, and an import did not join it to its session. A day that
// is not the date the talk was logged on (one given with day:) stays, and
// so does a talk whose new day holds a talk of its title already: two
// talks would be one session, and every `add` or `show` of it would ask.
func redateTalks(ctx context.Context, tx *txn, conferenceID int64, zone string) error {
	var was string
	if err := tx.QueryRowContext(ctx, `SELECT timezone FROM conferences WHERE id = ?`, conferenceID).Scan(&was); err != nil {
		return fmt.Errorf("read the zone before: %w", err)
	}
	from := talkbot.Conference{Timezone: was}.Location()
	to := talkbot.Conference{Timezone: zone}.Location()
	if from.String() == to.String() {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, day, created_at FROM talks
		WHERE conference_id = ? AND source_id IS NULL AND day != ''`, conferenceID)
	if err != nil {
		return fmt.Errorf("query the talks to re-date: %w", err)
	}
	moved := map[int64]string{}
	for rows.Next() {
		var id int64
		var day, created string
		if err := rows.Scan(&id, &day, &created); err != nil {
			rows.Close()
			return fmt.Errorf("scan a talk to re-date: %w", err)
		}
		at := parseTime(created)
		if at.IsZero() || at.In(from).Format(time.DateOnly) != day {
			continue
		}
		if there := at.In(to).Format(time.DateOnly); there != day {
			moved[id] = there
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("query the talks to re-date: %w", err)
	}
	for id, day := range moved {
		if _, err := tx.ExecContext(ctx, `UPDATE talks SET day = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM talks o
			WHERE o.conference_id = talks.conference_id AND o.norm_title = talks.norm_title AND o.day = ? AND o.id != talks.id)`, day, id, day); err != nil {
			return fmt.Errorf("re-date talk %d: %w", id, err)
		}
	}
	return nil
}
