package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
)

const digestColumns = `d.workspace_id, w.platform, w.external_id, d.channel, d.at, d.timezone, COALESCE(d.created_by, 0), d.created_at`

func scanDigest(row scanner) (talkbot.Digest, error) {
	var d talkbot.Digest
	var created string
	err := row.Scan(&d.WorkspaceID, &d.Platform, &d.Workspace, &d.Channel, &d.At, &d.Timezone, &d.CreatedBy, &created)
	d.CreatedAt = parseTime(created)
	return d, err
}

func (s *Store) queryDigests(ctx context.Context, where string, args ...any) ([]talkbot.Digest, error) {
	return queryRows(ctx, s.r, "digests", scanDigest, `SELECT `+digestColumns+` FROM digests d JOIN workspaces w ON w.id = d.workspace_id `+where+
		` ORDER BY d.workspace_id, d.channel`, args...)
}

// SetDigest turns the daily digest on for a channel, or moves its time.
func (s *Store) SetDigest(ctx context.Context, d talkbot.Digest) error {
	return s.change(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO digests (workspace_id, channel, at, timezone, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (workspace_id, channel) DO UPDATE SET at = excluded.at, timezone = excluded.timezone`,
			d.WorkspaceID, d.Channel, d.At, d.Timezone, nullID(d.CreatedBy), formatTime(s.now()))
		if err != nil {
			return fmt.Errorf("save digest: %w", err)
		}
		return nil
	})
}

// RemoveDigest turns the digest off for a channel; it reports whether one was on.
func (s *Store) RemoveDigest(ctx context.Context, workspaceID int64, channel string) (bool, error) {
	var removed bool
	err := s.change(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM digests WHERE workspace_id = ? AND channel = ?`, workspaceID, channel)
		if err != nil {
			return fmt.Errorf("remove digest: %w", err)
		}
		n, _ := res.RowsAffected()
		removed = n > 0
		return nil
	})
	return removed, err
}

// MoveChannel moves the daily digests of a platform's channel, and their
// record of the days posted, to another channel: a Matrix room upgraded to
// a new room. Where the new channel has a digest of its own, that one
// stays and the old one goes. It returns how many digests moved.
func (s *Store) MoveChannel(ctx context.Context, platform, from, to string) (int, error) {
	var moved int
	err := s.change(ctx, func(tx *txn) error {
		const ws = `workspace_id IN (SELECT id FROM workspaces WHERE platform = ?)`
		res, err := tx.ExecContext(ctx, `UPDATE OR IGNORE digests SET channel = ? WHERE channel = ? AND `+ws, to, from, platform)
		if err != nil {
			return fmt.Errorf("move digests: %w", err)
		}
		n, _ := res.RowsAffected()
		moved = int(n)
		if _, err := tx.ExecContext(ctx, `UPDATE OR IGNORE digest_posts SET channel = ? WHERE channel = ? AND `+ws, to, from, platform); err != nil {
			return fmt.Errorf("move digest posts: %w", err)
		}
		for _, table := range []string{"digests", "digest_posts"} { // those the new channel had already
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE channel = ? AND `+ws, from, platform); err != nil {
				return fmt.Errorf("drop the old channel's %s: %w", table, err)
			}
		}
		return nil
	})
	return moved, err
}

// Digests lists the workspace's digest channels.
func (s *Store) Digests(ctx context.Context, workspaceID int64) ([]talkbot.Digest, error) {
	return s.queryDigests(ctx, `WHERE d.workspace_id = ?`, workspaceID)
}

// AllDigests lists every digest channel of every workspace, for the scheduler.
func (s *Store) AllDigests(ctx context.Context) ([]talkbot.Digest, error) {
	return s.queryDigests(ctx, ``)
}

// TeamConference returns the workspace's active conference (ErrNotFound when it has none yet).
func (s *Store) TeamConference(ctx context.Context, workspaceID int64) (talkbot.Conference, error) {
	c, err := scanConference(s.r.QueryRowContext(ctx, `SELECT `+conferenceColumns+` FROM conferences c
		WHERE c.id = (SELECT active_conference_id FROM workspaces WHERE id = ?)`, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return c, talkbot.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("team conference: %w", err)
	}
	return c, nil
}

// DigestConference returns the conference a channel's digest reports:
// the channel's own (ChannelConference), else the team's (ErrNotFound
// when there is none yet).
func (s *Store) DigestConference(ctx context.Context, workspaceID int64, channel string) (talkbot.Conference, error) {
	if c, err := s.ChannelConference(ctx, workspaceID, channel); !errors.Is(err, talkbot.ErrNotFound) {
		return c, err
	}
	return s.TeamConference(ctx, workspaceID)
}

const digestPostColumns = `workspace_id, channel, conference_id, day, status, claimed_by, claimed_at, message_id, note`

func scanDigestRecord(row scanner) (talkbot.DigestRecord, error) {
	var r talkbot.DigestRecord
	var status, claimed string
	err := row.Scan(&r.WorkspaceID, &r.Channel, &r.ConferenceID, &r.Day, &status, &r.ClaimedBy, &claimed, &r.MessageID, &r.Note)
	r.Status, r.ClaimedAt = talkbot.DigestStatus(status), parseTime(claimed)
	return r, err
}

func getDigestRecord(ctx context.Context, q queryer, k talkbot.DigestKey) (talkbot.DigestRecord, error) {
	r, err := scanDigestRecord(q.QueryRowContext(ctx, `SELECT `+digestPostColumns+` FROM digest_posts
		WHERE workspace_id = ? AND channel = ? AND conference_id = ? AND day = ?`, k.WorkspaceID, k.Channel, k.ConferenceID, k.Day))
	if errors.Is(err, sql.ErrNoRows) {
		return r, talkbot.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("read digest post: %w", err)
	}
	return r, nil
}

// DigestRecord returns the ledger's row for one digest post (ErrNotFound when
// none was claimed yet).
func (s *Store) DigestRecord(ctx context.Context, k talkbot.DigestKey) (talkbot.DigestRecord, error) {
	return getDigestRecord(ctx, s.r, k)
}

// DigestRecords returns a channel's latest ledger rows, newest day first.
func (s *Store) DigestRecords(ctx context.Context, workspaceID int64, channel string, limit int) ([]talkbot.DigestRecord, error) {
	return queryRows(ctx, s.r, "digest posts", scanDigestRecord, `SELECT `+digestPostColumns+` FROM digest_posts
		WHERE workspace_id = ? AND channel = ? ORDER BY day DESC`+limitSQL(limit), workspaceID, channel)
}

// ClaimDigest claims one digest post for owner, atomically: the first claim
// of a key wins, in this process or another on the same database. A claim
// left by a bot that stopped before posting (still "claimed" after lease)
// may be taken over, and owner may retry its own claim. A post left
// "sending" past the lease may have gone out: it becomes "unknown" and is
// never posted again. It returns the row as it stands and whether owner holds it.
func (s *Store) ClaimDigest(ctx context.Context, k talkbot.DigestKey, owner string, lease time.Duration) (talkbot.DigestRecord, bool, error) {
	var rec talkbot.DigestRecord
	var claimed bool
	err := s.update(ctx, func(tx *txn) error {
		rec, claimed = talkbot.DigestRecord{}, false // this may be the second run (store.update)
		now := s.now()
		res, err := tx.ExecContext(ctx, `INSERT INTO digest_posts (workspace_id, channel, conference_id, day, status, claimed_by, claimed_at)
			VALUES (?, ?, ?, ?, 'claimed', ?, ?) ON CONFLICT DO NOTHING`,
			k.WorkspaceID, k.Channel, k.ConferenceID, k.Day, owner, formatTime(now))
		if err != nil {
			return fmt.Errorf("claim digest: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			claimed = true
		} else {
			rec, err = getDigestRecord(ctx, tx, k)
			if err != nil {
				return err
			}
			stale := rec.ClaimedAt.Before(now.Add(-lease))
			switch {
			case rec.Status == talkbot.DigestClaimed && (rec.ClaimedBy == owner || stale):
				claimed = true
			case rec.Status == talkbot.DigestSending && stale:
				_, err := tx.ExecContext(ctx, `UPDATE digest_posts SET status = 'unknown',
					note = 'the bot stopped while posting; it may have been posted, so it is not posted again'
					WHERE workspace_id = ? AND channel = ? AND conference_id = ? AND day = ? AND status = 'sending'`,
					k.WorkspaceID, k.Channel, k.ConferenceID, k.Day)
				if err != nil {
					return fmt.Errorf("mark digest unknown: %w", err)
				}
			}
			if claimed {
				if _, err := tx.ExecContext(ctx, `UPDATE digest_posts SET claimed_by = ?, claimed_at = ?
					WHERE workspace_id = ? AND channel = ? AND conference_id = ? AND day = ?`,
					owner, formatTime(now), k.WorkspaceID, k.Channel, k.ConferenceID, k.Day); err != nil {
					return fmt.Errorf("take over digest claim: %w", err)
				}
			}
		}
		rec, err = getDigestRecord(ctx, tx, k)
		return err
	})
	return rec, claimed, err
}

// SkipDigest records that a digest post was not made and why, unless the
// ledger already has the key; it reports whether it recorded the skip.
func (s *Store) SkipDigest(ctx context.Context, k talkbot.DigestKey, owner, note string) (bool, error) {
	var recorded bool
	err := s.update(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO digest_posts (workspace_id, channel, conference_id, day, status, claimed_by, claimed_at, note)
			VALUES (?, ?, ?, ?, 'skipped', ?, ?, ?) ON CONFLICT DO NOTHING`,
			k.WorkspaceID, k.Channel, k.ConferenceID, k.Day, owner, formatTime(s.now()), note)
		if err != nil {
			return fmt.Errorf("skip digest: %w", err)
		}
		n, _ := res.RowsAffected()
		recorded = n == 1
		return nil
	})
	return recorded, err
}

// ReopenDigest claims again for owner a digest post recorded empty before
// the given time (a bot before the rule of talkbot.Digest.Covers keyed a
// morning digest by the day it went out on), and returns the record as it
// is then, claimed or not.
func (s *Store) ReopenDigest(ctx context.Context, k talkbot.DigestKey, owner string, before time.Time) (talkbot.DigestRecord, error) {
	var rec talkbot.DigestRecord
	err := s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE digest_posts SET status = 'claimed', claimed_by = ?, claimed_at = ?
			WHERE workspace_id = ? AND channel = ? AND conference_id = ? AND day = ? AND status = 'empty' AND claimed_at < ?`,
			owner, formatTime(s.now()), k.WorkspaceID, k.Channel, k.ConferenceID, k.Day, formatTime(before)); err != nil {
			return fmt.Errorf("reopen digest: %w", err)
		}
		var err error
		rec, err = getDigestRecord(ctx, tx, k)
		return err
	})
	return rec, err
}

// ErrLostClaim is returned when a digest post's claim is no longer the caller's.
var ErrLostClaim = errors.New("the digest post is no longer claimed by this bot")

// MarkDigest's statements: a post's message id, or why (an empty detail
// keeps what there is).
const (
	markDigestPosted = `UPDATE digest_posts SET status = ?, message_id = COALESCE(NULLIF(?, ''), message_id), claimed_at = ?
		WHERE workspace_id = ? AND channel = ? AND conference_id = ? AND day = ? AND claimed_by = ? AND status = ?`
	markDigestNote = `UPDATE digest_posts SET status = ?, note = COALESCE(NULLIF(?, ''), note), claimed_at = ?
		WHERE workspace_id = ? AND channel = ? AND conference_id = ? AND day = ? AND claimed_by = ? AND status = ?`
)

// MarkDigest moves owner's digest post from one status to the next
// (claimed → sending → posted, claimed → empty, sending → claimed to retry,
// claimed → skipped), with detail: the posted message's id, or else why
// (kept as the note; "" keeps the note there is).
func (s *Store) MarkDigest(ctx context.Context, k talkbot.DigestKey, owner string, from, to talkbot.DigestStatus, detail string) error {
	q := markDigestNote
	if to == talkbot.DigestPosted {
		q = markDigestPosted
	}
	return s.update(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, q,
			string(to), detail, formatTime(s.now()), k.WorkspaceID, k.Channel, k.ConferenceID, k.Day, owner, string(from))
		if err != nil {
			return fmt.Errorf("mark digest %s: %w", to, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrLostClaim
		}
		return nil
	})
}

// The digest's selection.
const (
	dayHighlights = 3
	dayNotes      = 50 // for the digest to choose from, or to summarise
	dayPicks      = 5
)

// DayReport gathers a conference day as the team logged it, for the digest:
// the day's talks (by their schedule day, or, without one, by when they were
// first logged) with who attended, the best of them, team notes, talks
// someone missed that colleagues loved, and recordings that appeared that
// day. The day runs from `from` to `to` (local midnights, as instants).
// Private notes are never read.
func (s *Store) DayReport(ctx context.Context, workspaceID, conferenceID int64, day string, from, to time.Time) (talkbot.DayReport, error) {
	r := talkbot.DayReport{Day: day}
	f, t := formatTime(from), formatTime(to)
	talks, err := s.summaries(ctx, teamSelect+`WHERE t.workspace_id = ? AND t.conference_id = ? AND t.non_talk = 0
		AND EXISTS (SELECT 1 FROM logs l WHERE l.talk_id = t.id)
		AND (t.day = ? OR (t.day = '' AND (SELECT MIN(logged_at) FROM logs l WHERE l.talk_id = t.id) >= ?
			AND (SELECT MIN(logged_at) FROM logs l WHERE l.talk_id = t.id) < ?))
		ORDER BY t.starts_at IS NULL, t.starts_at, (SELECT MIN(logged_at) FROM logs l WHERE l.talk_id = t.id), t.id`,
		workspaceID, conferenceID, day, f, t)
	if err != nil {
		return r, err
	}
	if len(talks) > 0 {
		if err := s.dayPeople(ctx, talks, &r); err != nil {
			return r, err
		}
	}

	// The best of the day: team highlights, then the average rating.
	best := slices.Clone(talks)
	best = slices.DeleteFunc(best, func(ts talkbot.TalkSummary) bool { return ts.HighlightCount == 0 })
	slices.SortStableFunc(best, func(a, b talkbot.TalkSummary) int {
		return cmp.Or(cmp.Compare(b.HighlightCount, a.HighlightCount), cmp.Compare(b.AverageRating(), a.AverageRating()))
	})
	r.Highlights = best[:min(len(best), dayHighlights)]

	// Team notes of the day's talks, the best-rated talks' first.
	rank := map[int64]int{}
	for i, ts := range best {
		rank[ts.ID] = i
	}
	if len(talks) > 0 {
		// Counted, and only the notes shown read: a big team's day was
		// every note read (442 MB on the 100k-talk database) to keep 50.
		ids := talkIDs(talks)
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM notes n WHERE n.visibility = 'team' AND n.talk_id IN (`+
			placeholders(len(talks))+`)`, ids...).Scan(&r.Counts.Notes); err != nil {
			return r, fmt.Errorf("count day notes: %w", err)
		}
		for _, ts := range best {
			if len(r.Notes) == dayNotes {
				break
			}
			notes, err := queryNotes(ctx, s.r, `WHERE n.visibility = 'team' AND n.talk_id = ? ORDER BY n.id`+limitSQL(dayNotes-len(r.Notes)), ts.ID)
			if err != nil {
				return r, err
			}
			r.Notes = append(r.Notes, notes...)
		}
		var rest []any // the talks nobody highlighted, whose notes come after
		for _, ts := range talks {
			if _, ranked := rank[ts.ID]; !ranked {
				rest = append(rest, ts.ID)
			}
		}
		if len(r.Notes) < dayNotes && len(rest) > 0 {
			notes, err := queryNotes(ctx, s.r, `WHERE n.visibility = 'team' AND n.talk_id IN (`+placeholders(len(rest))+`) ORDER BY n.id`+limitSQL(dayNotes-len(r.Notes)), rest...)
			if err != nil {
				return r, err
			}
			r.Notes = append(r.Notes, notes...)
		}
	}

	// Picks: the day's talks someone missed or saved for later that a colleague loved.
	for _, ts := range best {
		if len(r.Picks) == dayPicks {
			break
		}
		for _, dt := range r.Talks {
			if dt.ID == ts.ID && dt.Wanted {
				r.Picks = append(r.Picks, ts)
			}
		}
	}

	rows, err := s.r.QueryContext(ctx, `SELECT `+talkColumns+` FROM talks t WHERE t.workspace_id = ? AND t.conference_id = ?
		AND t.recording_at >= ? AND t.recording_at < ? ORDER BY t.recording_at, t.id`, workspaceID, conferenceID, f, t)
	if err != nil {
		return r, fmt.Errorf("query recordings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		tk, err := scanTalk(rows)
		if err != nil {
			return r, fmt.Errorf("scan talk: %w", err)
		}
		r.Recordings = append(r.Recordings, tk)
	}
	if err := rows.Err(); err != nil {
		return r, err
	}
	r.Counts.Talks = len(r.Talks)
	return r, nil
}

// dayPeople fills the report's talks with who attended, and the counts of
// logs and people; it marks the talks someone still wants to watch.
func (s *Store) dayPeople(ctx context.Context, talks []talkbot.TalkSummary, r *talkbot.DayReport) error {
	rows, err := s.r.QueryContext(ctx, `SELECT l.talk_id, l.user_id, COALESCE(u.name, ''), l.status, l.watch_later, l.watched
		FROM logs l LEFT JOIN users u ON u.id = l.user_id
		WHERE l.talk_id IN (`+placeholders(len(talks))+`) ORDER BY l.logged_at, l.user_id`, talkIDs(talks)...)
	if err != nil {
		return fmt.Errorf("query day logs: %w", err)
	}
	defer rows.Close()
	type who struct {
		names  []string
		wanted bool
	}
	byTalk := map[int64]*who{}
	people := map[int64]bool{}
	for rows.Next() {
		var talkID, userID int64
		var name, status string
		var later, watched bool
		if err := rows.Scan(&talkID, &userID, &name, &status, &later, &watched); err != nil {
			return fmt.Errorf("scan day log: %w", err)
		}
		w := byTalk[talkID]
		if w == nil {
			w = &who{}
			byTalk[talkID] = w
		}
		if talkbot.Status(status) == talkbot.StatusAttended {
			w.names = append(w.names, name)
		}
		if (later || talkbot.Status(status) == talkbot.StatusMissed) && !watched {
			w.wanted = true
		}
		people[userID] = true
		r.Counts.Logs++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.Counts.People = len(people)
	for _, ts := range talks {
		w := byTalk[ts.ID]
		if w == nil {
			w = &who{}
		}
		r.Talks = append(r.Talks, talkbot.DayTalk{TalkSummary: ts, Attendees: w.names, Wanted: w.wanted})
	}
	return nil
}

func talkIDs(ts []talkbot.TalkSummary) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func platformArgs(ps []string) []any {
	out := make([]any, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// SetNotify turns a user's recording notices on or off.
func (s *Store) SetNotify(ctx context.Context, userID int64, on bool) error {
	return s.change(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET notify = ? WHERE id = ?`, boolInt(on), userID)
		if err != nil {
			return fmt.Errorf("set notify: %w", err)
		}
		if !on { // opting out stops what is queued, too
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = 'skipped' WHERE kind = 'recording' AND user_id = ? AND status = 'pending'`, userID)
		}
		return err
	})
}

// Notify reports whether the user gets recording notices.
func (s *Store) Notify(ctx context.Context, userID int64) (bool, error) {
	var on bool
	if err := s.r.QueryRowContext(ctx, `SELECT notify FROM users WHERE id = ?`, userID).Scan(&on); err != nil {
		return false, fmt.Errorf("read notify: %w", err)
	}
	return on, nil
}

// outboxAttempts bounds how often a message that fails to send is tried.
const outboxAttempts = 3

// ClaimOutbox takes up to limit pending messages for owner, marking them
// sending, grouped so one recipient's messages come together. Messages left
// sending longer than lease by a bot that stopped are given up (they may
// have been sent: a notice is sent at most once); it returns how many.
func (s *Store) ClaimOutbox(ctx context.Context, owner string, platforms []string, limit int, lease time.Duration) ([]talkbot.OutboxItem, int, error) {
	var items []talkbot.OutboxItem
	var abandoned int
	err := s.update(ctx, func(tx *txn) error {
		items, abandoned = nil, 0
		now := s.now()
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'skipped' WHERE status = 'sending' AND claimed_at < ?`,
			formatTime(now.Add(-lease)))
		if err != nil {
			return fmt.Errorf("give up stale outbox: %w", err)
		}
		n, _ := res.RowsAffected()
		abandoned = int(n)
		rows, err := tx.QueryContext(ctx, `SELECT o.id, o.workspace_id, w.platform, w.external_id, o.kind, o.channel,
			COALESCE(u.id, 0), COALESCE(u.external_id, ''), COALESCE(u.name, ''),
			COALESCE(o.talk_id, 0), COALESCE(o.conference_id, 0)
			FROM outbox o JOIN workspaces w ON w.id = o.workspace_id LEFT JOIN users u ON u.id = o.user_id
			WHERE o.status = 'pending' AND w.platform IN (`+placeholders(len(platforms))+`)
			ORDER BY o.workspace_id, o.kind, o.user_id, o.channel, o.id`+limitSQL(limit), platformArgs(platforms)...)
		if err != nil {
			return fmt.Errorf("query outbox: %w", err)
		}
		var talkIDs, confIDs []int64
		for rows.Next() {
			var it talkbot.OutboxItem
			var kind string
			if err := rows.Scan(&it.ID, &it.WorkspaceID, &it.Platform, &it.Workspace, &kind, &it.Channel,
				&it.User.ID, &it.User.ExternalID, &it.User.Name, &it.Talk.ID, &it.Conference.ID); err != nil {
				rows.Close()
				return fmt.Errorf("scan outbox: %w", err)
			}
			it.Kind, it.User.WorkspaceID = talkbot.OutboxKind(kind), it.WorkspaceID
			items = append(items, it)
			talkIDs = append(talkIDs, it.Talk.ID)
			confIDs = append(confIDs, it.Conference.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range items {
			it := &items[i]
			if it.Talk.ID != 0 {
				if it.Talk, err = getTalk(ctx, tx, it.WorkspaceID, it.Talk.ID); err != nil {
					return err
				}
			}
			if it.Conference.ID != 0 {
				if it.Conference, err = scanConference(tx.QueryRowContext(ctx, `SELECT `+conferenceColumns+` FROM conferences c WHERE c.id = ?`, it.Conference.ID)); err != nil {
					return fmt.Errorf("read conference: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1 WHERE id = ?`,
				owner, formatTime(now), it.ID); err != nil {
				return fmt.Errorf("claim outbox: %w", err)
			}
		}
		return nil
	})
	return items, abandoned, err
}

// FinishOutbox records how sending went: sent, or failed (tried again later,
// up to a few times, then given up).
func (s *Store) FinishOutbox(ctx context.Context, ids []int64, sent bool) error {
	if len(ids) == 0 {
		return nil
	}
	args := make([]any, 0, len(ids)+1)
	status := `'sent'`
	if !sent {
		status = `CASE WHEN attempts >= ? THEN 'skipped' ELSE 'pending' END`
		args = append(args, outboxAttempts)
	}
	for _, id := range ids {
		args = append(args, id)
	}
	return s.update(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = `+status+` WHERE status = 'sending' AND id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return fmt.Errorf("finish outbox: %w", err)
		}
		return nil
	})
}

// queueConferenceNotice tells the workspace's digest channels that the team's
// conference changed.
func queueConferenceNotice(ctx context.Context, tx *txn, workspaceID, conferenceID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (workspace_id, kind, conference_id, channel, created_at)
		SELECT d.workspace_id, 'conference', ?, d.channel, ? FROM digests d WHERE d.workspace_id = ?
		AND NOT EXISTS (SELECT 1 FROM channel_conferences cc WHERE cc.workspace_id = d.workspace_id AND cc.channel = d.channel)`,
		conferenceID, formatTime(now), workspaceID)
	if err != nil {
		return fmt.Errorf("queue conference notice: %w", err)
	}
	return nil
}
