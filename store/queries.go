package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/talkbot/talkbot"
)

const noteColumns = `n.id, n.talk_id, n.user_id, COALESCE(u.name, ''), n.text, n.visibility, n.created_at`

func queryNotes(ctx context.Context, q queryer, where string, args ...any) ([]talkbot.Note, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+noteColumns+` FROM notes n LEFT JOIN users u ON u.id = n.user_id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query notes: %w", err)
	}
	defer rows.Close()
	var out []talkbot.Note
	for rows.Next() {
		var n talkbot.Note
		var vis, created string
		if err := rows.Scan(&n.ID, &n.TalkID, &n.UserID, &n.UserName, &n.Text, &vis, &created); err != nil {
			return nil, fmt.Errorf("scan note: %w", err)
		}
		n.Visibility = talkbot.Visibility(vis)
		n.CreatedAt = parseTime(created)
		out = append(out, n)
	}
	return out, rows.Err()
}

// summaryQuery runs a query selecting talkColumns, statColumns and logColumns (possibly NULL).
func (s *Store) summaries(ctx context.Context, query string, args ...any) ([]talkbot.TalkSummary, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query talks: %w", err)
	}
	defer rows.Close()
	var out []talkbot.TalkSummary
	for rows.Next() {
		var ts talkbot.TalkSummary
		var l struct {
			userID, talkID, watchLater, watched, rating, starred *int64
			status, reason, logged, updated                      *string
		}
		t, err := scanTalk(rows, &ts.HighlightCount, &ts.StarCount, &ts.RatingSum, &ts.RatingCount,
			&l.userID, &l.talkID, &l.status, &l.reason, &l.watchLater, &l.watched, &l.rating, &l.starred, &l.logged, &l.updated)
		if err != nil {
			return nil, fmt.Errorf("scan talk: %w", err)
		}
		ts.Talk = t
		if l.userID != nil {
			ts.Log = talkbot.Log{UserID: *l.userID, TalkID: *l.talkID, Reason: *l.reason, WatchLater: *l.watchLater != 0,
				Watched: *l.watched != 0, Rating: int(*l.rating), Starred: *l.starred != 0}
			finishLog(&ts.Log, *l.status, *l.logged, *l.updated)
		}
		out = append(out, ts)
	}
	return out, rows.Err()
}

const summaryColumns = `SELECT ` + talkColumns + `, ` + statColumns + `, ` + logColumns

const summarySelect = summaryColumns + ` FROM talks t `

// teamColumns is summaryColumns for rows with no user's log (the log columns are NULL).
const teamColumns = `SELECT ` + talkColumns + `, ` + statColumns + `, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL`

// teamSelect is summarySelect for rows with no user's log.
const teamSelect = teamColumns + ` FROM talks t `

// countCap bounds how far a total is counted: "more than 500" is answer enough.
const countCap = 500

// ListTalks returns a page of talks for `list`: one user's logged talks (or
// watch-later list), or every talk the team logged, in schedule order, and
// how many there are in all.
func (s *Store) ListTalks(ctx context.Context, q talkbot.ListQuery) ([]talkbot.TalkSummary, talkbot.Total, error) {
	var where []string
	var args []any
	var from string
	if q.UserID != 0 {
		// CROSS JOIN makes SQLite start from the user's few logs, not the day's many talks.
		from = ` FROM logs l CROSS JOIN talks t ON t.id = l.talk_id AND l.user_id = ?`
		args = append(args, q.UserID)
	} else {
		from = ` FROM talks t LEFT JOIN logs l ON l.talk_id = t.id AND l.user_id = ?`
		args = append(args, q.ViewerID)
		where = append(where, `EXISTS (SELECT 1 FROM logs x WHERE x.talk_id = t.id)`)
	}
	where = append(where, `t.conference_id = ?`)
	args = append(args, q.ConferenceID)
	if q.Day != "" {
		where = append(where, `t.day = ?`)
		args = append(args, q.Day)
	}
	if q.Tag != "" {
		where = append(where, `t.id IN (SELECT talk_id FROM talk_tags WHERE tag = ?)`)
		args = append(args, q.Tag)
	}
	if q.WatchLater {
		where = append(where, `l.watch_later = 1 AND l.watched = 0`)
	}
	cond := from + ` WHERE ` + strings.Join(where, " AND ")
	total, err := s.count(ctx, `SELECT 1`+cond, args...)
	if err != nil {
		return nil, total, err
	}
	ts, err := s.summaries(ctx, summaryColumns+cond+` ORDER BY t.day, COALESCE(t.starts_at, ''), t.id LIMIT ? OFFSET ?`,
		append(args, limit(q.Limit), q.Offset)...)
	return ts, total, err
}

// count counts the rows of a query, up to countCap.
func (s *Store) count(ctx context.Context, query string, args ...any) (talkbot.Total, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+query+` LIMIT ?)`, append(args, countCap+1)...).Scan(&n); err != nil {
		return talkbot.Total{}, fmt.Errorf("count: %w", err)
	}
	if n > countCap {
		return talkbot.Total{N: countCap, More: true}, nil
	}
	return talkbot.Total{N: n}, nil
}

func limit(n int) int {
	if n <= 0 || n > 500 {
		return 50
	}
	return n
}

// highlighted is the SQL of talkbot.Log.Highlighted for the log aliased l:
// the one place the rule is written in SQL. The triggers on logs (shipped in
// migration 00001, never edited) keep the counters by the same rule.
func highlighted(l string) string {
	return fmt.Sprintf("(%s.starred = 1 OR %s.rating >= %d)", l, l, talkbot.HighlightRating)
}

// Highlights returns a page of the best talks: for the team, by how many
// people starred or rated them 4-5, then by net score (rating-3 per rating, 1
// per star); for one user, their starred and 4-5 talks.
func (s *Store) Highlights(ctx context.Context, q talkbot.HighlightQuery) ([]talkbot.TalkSummary, talkbot.Total, error) {
	var where []string
	var args []any
	sel, from, order := summaryColumns, "", ""
	if q.UserID != 0 {
		from = ` FROM talks t JOIN logs l ON l.talk_id = t.id AND l.user_id = ? AND ` + highlighted("l")
		args = append(args, q.UserID)
		order = `l.rating DESC, l.starred DESC, t.highlight_count DESC, t.id`
	} else {
		sel = teamColumns
		from = ` FROM talks t`
		where = append(where, `t.highlight_count > 0`)
		order = `t.highlight_count DESC, t.score DESC, t.id`
	}
	where = append(where, `t.conference_id = ?`)
	args = append(args, q.ConferenceID)
	if q.Day != "" {
		where = append(where, `t.day = ?`)
		args = append(args, q.Day)
	}
	if q.Tag != "" {
		where = append(where, `t.id IN (SELECT talk_id FROM talk_tags WHERE tag = ?)`)
		args = append(args, q.Tag)
	}
	cond := from + ` WHERE ` + strings.Join(where, " AND ")
	total, err := s.count(ctx, `SELECT 1`+cond, args...)
	if err != nil {
		return nil, total, err
	}
	ts, err := s.summaries(ctx, sel+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, limit(q.Limit), q.Offset)...)
	return ts, total, err
}

// Search finds talks of the workspace by title, speakers and tags first, then
// abstracts, then the notes the viewer may read (team notes and their own
// private ones). Within each, newest first: ranking every match of a common
// word costs tens of milliseconds on a big schedule, newest-first stops early.
// It returns a page of hits and how many there are (counted up to countCap).
func (s *Store) Search(ctx context.Context, q talkbot.SearchQuery) ([]talkbot.SearchHit, talkbot.Total, error) {
	terms := ftsQuery(q.Text, "", " AND ")
	if terms == "" {
		return nil, talkbot.Total{}, nil
	}
	type hit struct{ talkID, noteID int64 }
	var hits []hit
	seen := map[int64]bool{}
	ws := fmt.Sprintf("ws: w%d AND ", q.WorkspaceID)
	for _, columns := range []string{"{title speakers tags}", "abstract"} {
		rows, err := s.r.QueryContext(ctx, `SELECT rowid FROM talk_fts WHERE talk_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
			ws+columns+": ("+terms+")", countCap+1)
		if err != nil {
			return nil, talkbot.Total{}, fmt.Errorf("search talks: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, talkbot.Total{}, fmt.Errorf("scan hit: %w", err)
			}
			if !seen[id] {
				seen[id] = true
				hits = append(hits, hit{talkID: id})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, talkbot.Total{}, err
		}
	}
	if len(hits) <= countCap {
		// Notes the viewer may not read are skipped after the match, so read a
		// generous batch: private notes are a minority.
		rows, err := s.r.QueryContext(ctx, `SELECT n.id, n.talk_id FROM (SELECT rowid AS id FROM note_fts WHERE note_fts MATCH ? ORDER BY rowid DESC LIMIT ?) m
			JOIN notes n ON n.id = m.id WHERE n.visibility = 'team' OR n.user_id = ? ORDER BY n.id DESC`,
			ws+"text: ("+terms+")", 4*countCap, q.ViewerID)
		if err != nil {
			return nil, talkbot.Total{}, fmt.Errorf("search notes: %w", err)
		}
		for rows.Next() {
			var h hit
			if err := rows.Scan(&h.noteID, &h.talkID); err != nil {
				rows.Close()
				return nil, talkbot.Total{}, fmt.Errorf("scan hit: %w", err)
			}
			if !seen[h.talkID] {
				seen[h.talkID] = true
				hits = append(hits, h)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, talkbot.Total{}, err
		}
	}
	total := talkbot.Total{N: len(hits)}
	if total.N > countCap {
		total = talkbot.Total{N: countCap, More: true}
	}
	var out []talkbot.SearchHit
	for _, h := range pageOf(hits, q.Page) {
		t, err := getTalk(ctx, s.r, q.WorkspaceID, h.talkID)
		if err != nil {
			return nil, total, err
		}
		sh := talkbot.SearchHit{Talk: t}
		if h.noteID != 0 {
			notes, err := queryNotes(ctx, s.r, `WHERE n.id = ?`, h.noteID)
			if err != nil {
				return nil, total, err
			}
			if len(notes) == 1 {
				sh.Note = &notes[0]
			}
		}
		out = append(out, sh)
	}
	return out, total, nil
}

// pageOf returns the page p of xs.
func pageOf[T any](xs []T, p talkbot.Page) []T {
	from := min(max(p.Offset, 0), len(xs))
	return xs[from:min(from+limit(p.Limit), len(xs))]
}

// TalkDetail returns a talk with everyone's logs and the notes viewerID may read.
func (s *Store) TalkDetail(ctx context.Context, workspaceID, viewerID, talkID int64) (talkbot.TalkDetail, error) {
	t, err := getTalk(ctx, s.r, workspaceID, talkID)
	if err != nil {
		return talkbot.TalkDetail{}, err
	}
	d := talkbot.TalkDetail{Talk: t}
	if d.Logs, err = s.userLogs(ctx, `WHERE l.talk_id = ? ORDER BY l.rating DESC, u.name`, talkID); err != nil {
		return d, err
	}
	d.Notes, err = queryNotes(ctx, s.r, `WHERE n.talk_id = ? AND (n.visibility = 'team' OR n.user_id = ?) ORDER BY n.id`, talkID, viewerID)
	return d, err
}

func (s *Store) userLogs(ctx context.Context, where string, args ...any) ([]talkbot.UserLog, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+logColumns+`, u.name FROM logs l JOIN users u ON u.id = l.user_id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query logs: %w", err)
	}
	defer rows.Close()
	var out []talkbot.UserLog
	for rows.Next() {
		var ul talkbot.UserLog
		var status, logged, updated string
		if err := rows.Scan(append(logDest(&ul.Log, &status, &logged, &updated), &ul.UserName)...); err != nil {
			return nil, fmt.Errorf("scan log: %w", err)
		}
		finishLog(&ul.Log, status, logged, updated)
		out = append(out, ul)
	}
	return out, rows.Err()
}

// WatchList suggests recordings for the user in a conference, each with every
// reason that applies: their own missed and watch-later talks first, then
// colleagues' recommendations, then talks colleagues starred or rated 4-5;
// never one the user attended or watched. It returns a page and the total.
func (s *Store) WatchList(ctx context.Context, u talkbot.User, conferenceID int64, p talkbot.Page) ([]talkbot.Suggestion, talkbot.Total, error) {
	byID := map[int64]*talkbot.Suggestion{}
	var order []int64
	add := func(id int64) *talkbot.Suggestion {
		if sg, ok := byID[id]; ok {
			return sg
		}
		sg := &talkbot.Suggestion{Talk: talkbot.Talk{ID: id}}
		byID[id] = sg
		order = append(order, id)
		return sg
	}
	scan := func(query string, args []any, fn func(rows *sql.Rows) error) error {
		rows, err := s.r.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("watch list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return fmt.Errorf("watch list: %w", err)
			}
		}
		return rows.Err()
	}
	err := scan(`SELECT l.talk_id, l.status = 'missed', l.reason, l.updated_at FROM logs l JOIN talks t ON t.id = l.talk_id
		WHERE l.user_id = ? AND t.conference_id = ? AND l.watch_later = 1 AND l.watched = 0
		ORDER BY l.status = 'missed' DESC, t.day, t.id LIMIT ?`, []any{u.ID, conferenceID, countCap + 1},
		func(rows *sql.Rows) error {
			var id int64
			var missed bool
			var reason, since string
			if err := rows.Scan(&id, &missed, &reason, &since); err != nil {
				return err
			}
			sg := add(id)
			sg.WatchLater, sg.Missed, sg.MissedReason, sg.Since = true, missed, reason, parseTime(since)
			return nil
		})
	if err != nil {
		return nil, talkbot.Total{}, err
	}
	seenOrAttended := `NOT EXISTS (SELECT 1 FROM logs m WHERE m.talk_id = t.id AND m.user_id = ? AND (m.status = 'attended' OR m.watched = 1))`
	err = scan(`SELECT r.talk_id, fu.name FROM recommendations r
		JOIN talks t ON t.id = r.talk_id JOIN users fu ON fu.id = r.from_user_id
		WHERE r.workspace_id = ? AND (r.to_user_id = ? OR r.to_user_id IS NULL) AND r.from_user_id != ? AND t.conference_id = ?
		AND `+seenOrAttended+` ORDER BY r.id LIMIT ?`, []any{u.WorkspaceID, u.ID, u.ID, conferenceID, u.ID, 4 * countCap},
		func(rows *sql.Rows) error {
			var id int64
			var from string
			if err := rows.Scan(&id, &from); err != nil {
				return err
			}
			if sg := add(id); !slices.Contains(sg.From, from) {
				sg.From = append(sg.From, from)
			}
			return nil
		})
	if err != nil {
		return nil, talkbot.Total{}, err
	}
	err = scan(`SELECT t.id FROM talks t WHERE t.conference_id = ? AND t.highlight_count > 0 AND `+seenOrAttended+`
		AND EXISTS (SELECT 1 FROM logs o WHERE o.talk_id = t.id AND o.user_id != ? AND `+highlighted("o")+`)
		ORDER BY t.highlight_count DESC, t.score DESC, t.id LIMIT ?`, []any{conferenceID, u.ID, u.ID, countCap + 1},
		func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			add(id)
			return nil
		})
	if err != nil {
		return nil, talkbot.Total{}, err
	}
	total := talkbot.Total{N: len(order)}
	if total.N > countCap {
		total = talkbot.Total{N: countCap, More: true}
	}
	var out []talkbot.Suggestion
	for _, id := range pageOf(order, p) {
		sg := byID[id]
		t, err := getTalk(ctx, s.r, u.WorkspaceID, id)
		if err != nil {
			return nil, total, err
		}
		sg.Talk = t
		if sg.Ratings, err = s.userLogs(ctx, `WHERE l.talk_id = ? AND l.user_id != ? AND `+highlighted("l")+`
			ORDER BY l.rating DESC, u.name LIMIT 5`, id, u.ID); err != nil {
			return nil, total, err
		}
		out = append(out, *sg)
	}
	return out, total, nil
}

// Export returns everything the user owns: their logs and their own notes, by conference.
func (s *Store) Export(ctx context.Context, u talkbot.User) (talkbot.Export, error) {
	ex := talkbot.Export{User: u}
	rows, err := s.r.QueryContext(ctx, `SELECT `+conferenceColumns+` FROM conferences c WHERE c.id IN (
		SELECT t.conference_id FROM talks t JOIN logs l ON l.talk_id = t.id WHERE l.user_id = ?
		UNION SELECT t.conference_id FROM talks t JOIN notes n ON n.talk_id = t.id WHERE n.user_id = ?) ORDER BY c.id`, u.ID, u.ID)
	if err != nil {
		return ex, fmt.Errorf("export conferences: %w", err)
	}
	for rows.Next() {
		c, err := scanConference(rows)
		if err != nil {
			rows.Close()
			return ex, fmt.Errorf("scan conference: %w", err)
		}
		ex.Conferences = append(ex.Conferences, talkbot.ExportConference{Conference: c})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ex, err
	}
	for i, c := range ex.Conferences {
		talks, err := s.summaries(ctx, summarySelect+`LEFT JOIN logs l ON l.talk_id = t.id AND l.user_id = ?
			WHERE t.conference_id = ? AND (l.user_id IS NOT NULL OR EXISTS (SELECT 1 FROM notes n WHERE n.talk_id = t.id AND n.user_id = ?))
			ORDER BY t.day, COALESCE(t.starts_at, ''), t.id`, u.ID, c.ID, u.ID)
		if err != nil {
			return ex, err
		}
		for _, t := range talks {
			notes, err := queryNotes(ctx, s.r, `WHERE n.talk_id = ? AND n.user_id = ? ORDER BY n.id`, t.ID, u.ID)
			if err != nil {
				return ex, err
			}
			ex.Conferences[i].Talks = append(ex.Conferences[i].Talks, talkbot.ExportTalk{Talk: t.Talk, Log: t.Log, Notes: notes})
		}
	}
	return ex, nil
}
