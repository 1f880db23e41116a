package store

import (
	"context"
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

// teamSelect is summarySelect for rows with no user's log (the log columns are NULL).
const teamSelect = `SELECT ` + talkColumns + `, ` + statColumns + `, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM talks t `

// ListTalks returns talks for `list`: one user's logged talks (or watch-later
// list), or every talk the team logged, in schedule order.
func (s *Store) ListTalks(ctx context.Context, q talkbot.ListQuery) ([]talkbot.TalkSummary, error) {
	var where []string
	var args []any
	var from string
	if q.UserID != 0 {
		// CROSS JOIN makes SQLite start from the user's few logs, not the day's many talks.
		from = summaryColumns + ` FROM logs l CROSS JOIN talks t ON t.id = l.talk_id AND l.user_id = ?`
		args = append(args, q.UserID)
	} else {
		from = summarySelect + `LEFT JOIN logs l ON l.talk_id = t.id AND l.user_id = ?`
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
	args = append(args, limit(q.Limit))
	return s.summaries(ctx, from+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY t.day, COALESCE(t.starts_at, ''), t.id LIMIT ?`, args...)
}

func limit(n int) int {
	if n <= 0 || n > 500 {
		return 50
	}
	return n
}

// Highlights returns the best talks first: for the team, by how many people
// starred or rated them 4-5, then by net score (rating-3 per rating, 1 per star); for one user, their
// starred and 4-5 talks.
func (s *Store) Highlights(ctx context.Context, q talkbot.HighlightQuery) ([]talkbot.TalkSummary, error) {
	var where []string
	var args []any
	sel, from, order := summarySelect, "", ""
	if q.UserID != 0 {
		from = `JOIN logs l ON l.talk_id = t.id AND l.user_id = ? AND (l.starred = 1 OR l.rating >= 4)`
		args = append(args, q.UserID)
		order = `l.rating DESC, l.starred DESC, t.highlight_count DESC, t.id`
	} else {
		sel = teamSelect
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
	args = append(args, limit(q.Limit))
	return s.summaries(ctx, sel+from+` WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT ?`, args...)
}

// Search finds talks of the workspace by title, speakers and tags first, then
// abstracts, then the notes the viewer may read (team notes and their own
// private ones). Within each, newest first: ranking every match of a common
// word costs tens of milliseconds on a big schedule, newest-first stops early.
func (s *Store) Search(ctx context.Context, workspaceID, viewerID int64, text string, max int) ([]talkbot.SearchHit, error) {
	terms := ftsQuery(text, "", " AND ")
	if terms == "" {
		return nil, nil
	}
	max = limit(max)
	var hits []talkbot.SearchHit
	seen := map[int64]bool{}
	ws := fmt.Sprintf("ws: w%d AND ", workspaceID)
	for _, columns := range []string{"{title speakers tags}", "abstract"} {
		talks, err := queryTalks(ctx, s.r, `SELECT `+talkColumns+` FROM (
			SELECT rowid AS id FROM talk_fts WHERE talk_fts MATCH ? ORDER BY rowid DESC LIMIT ?) m
			JOIN talks t ON t.id = m.id WHERE t.workspace_id = ? ORDER BY t.id DESC`, ws+columns+": ("+terms+")", max, workspaceID)
		if err != nil {
			return nil, err
		}
		for _, t := range talks {
			if !seen[t.ID] && len(hits) < max {
				seen[t.ID] = true
				hits = append(hits, talkbot.SearchHit{Talk: t})
			}
		}
	}
	if len(hits) >= max {
		return hits, nil
	}
	// Notes the viewer may not read are skipped after the match, so read a
	// generous batch: private notes are a minority.
	notes, err := queryNotes(ctx, s.r, `JOIN (SELECT rowid AS id FROM note_fts WHERE note_fts MATCH ? ORDER BY rowid DESC LIMIT ?) m ON m.id = n.id
		JOIN talks t ON t.id = n.talk_id
		WHERE t.workspace_id = ? AND (n.visibility = 'team' OR n.user_id = ?) ORDER BY n.id DESC`, ws+"text: ("+terms+")", 20*max, workspaceID, viewerID)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		if seen[n.TalkID] || len(hits) >= max {
			continue
		}
		seen[n.TalkID] = true
		t, err := getTalk(ctx, s.r, workspaceID, n.TalkID)
		if err != nil {
			return nil, err
		}
		hits = append(hits, talkbot.SearchHit{Talk: t, Note: &n})
	}
	return hits, nil
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

// WatchList suggests recordings for the user in a conference: their own
// watch-later and missed talks, then colleagues' recommendations, then talks
// colleagues starred or rated 4-5 that the user neither attended nor watched.
func (s *Store) WatchList(ctx context.Context, u talkbot.User, conferenceID int64, max int) ([]talkbot.Suggestion, error) {
	max = limit(max)
	var out []talkbot.Suggestion
	seen := map[int64]bool{}
	mine, err := s.summaries(ctx, summarySelect+`JOIN logs l ON l.talk_id = t.id AND l.user_id = ?
		WHERE t.conference_id = ? AND l.watch_later = 1 AND l.watched = 0 ORDER BY l.status = 'missed' DESC, t.day, t.id LIMIT ?`,
		u.ID, conferenceID, max)
	if err != nil {
		return nil, err
	}
	for _, m := range mine {
		sg := talkbot.Suggestion{Talk: m.Talk, Reason: talkbot.ReasonWatchLater, Since: m.Log.UpdatedAt}
		if m.Log.Status == talkbot.StatusMissed {
			sg.Reason, sg.Detail = talkbot.ReasonMissed, m.Log.Reason
		}
		seen[m.ID] = true
		out = append(out, sg)
	}

	rows, err := s.r.QueryContext(ctx, `SELECT r.talk_id, fu.name FROM recommendations r
		JOIN talks t ON t.id = r.talk_id JOIN users fu ON fu.id = r.from_user_id
		WHERE r.workspace_id = ? AND (r.to_user_id = ? OR r.to_user_id IS NULL) AND r.from_user_id != ? AND t.conference_id = ?
		AND NOT EXISTS (SELECT 1 FROM logs l WHERE l.talk_id = r.talk_id AND l.user_id = ? AND (l.status = 'attended' OR l.watched = 1))
		ORDER BY r.id`, u.WorkspaceID, u.ID, u.ID, conferenceID, u.ID)
	if err != nil {
		return nil, fmt.Errorf("query recommendations: %w", err)
	}
	recs := map[int64][]string{}
	var order []int64
	for rows.Next() {
		var id int64
		var from string
		if err := rows.Scan(&id, &from); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan recommendation: %w", err)
		}
		if _, ok := recs[id]; !ok {
			order = append(order, id)
		}
		if !slices.Contains(recs[id], from) {
			recs[id] = append(recs[id], from)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range order {
		if len(out) >= max {
			break
		}
		if seen[id] {
			continue
		}
		t, err := getTalk(ctx, s.r, u.WorkspaceID, id)
		if err != nil {
			return nil, err
		}
		seen[id] = true
		out = append(out, talkbot.Suggestion{Talk: t, Reason: talkbot.ReasonRecommended, From: recs[id]})
	}

	rated, err := s.summaries(ctx, teamSelect+`
		WHERE t.conference_id = ? AND t.highlight_count > 0
		AND NOT EXISTS (SELECT 1 FROM logs m WHERE m.talk_id = t.id AND m.user_id = ? AND (m.status = 'attended' OR m.watched = 1 OR m.watch_later = 1))
		AND EXISTS (SELECT 1 FROM logs o WHERE o.talk_id = t.id AND o.user_id != ? AND (o.starred = 1 OR o.rating >= 4))
		ORDER BY t.highlight_count DESC, t.score DESC, t.id LIMIT ?`, conferenceID, u.ID, u.ID, max)
	if err != nil {
		return nil, err
	}
	for _, r := range rated {
		if len(out) >= max {
			break
		}
		if seen[r.ID] {
			continue
		}
		logs, err := s.userLogs(ctx, `WHERE l.talk_id = ? AND l.user_id != ? AND (l.starred = 1 OR l.rating >= 4)
			ORDER BY l.rating DESC, u.name LIMIT 5`, r.ID, u.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, talkbot.Suggestion{Talk: r.Talk, Reason: talkbot.ReasonTeamRated, Ratings: logs})
	}
	if len(out) > max {
		out = out[:max]
	}
	return out, nil
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
