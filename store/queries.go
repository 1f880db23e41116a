package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/talkbot/talkbot"
)

const noteColumns = `n.id, n.talk_id, n.user_id, COALESCE(u.name, ''), n.text, n.visibility, n.created_at`

func queryNotes(ctx context.Context, q queryer, where string, args ...any) ([]talkbot.Note, error) {
	return queryRows(ctx, q, "notes", func(r scanner) (talkbot.Note, error) {
		var n talkbot.Note
		var vis, created string
		err := r.Scan(&n.ID, &n.TalkID, &n.UserID, &n.UserName, &n.Text, &vis, &created)
		n.Visibility, n.CreatedAt = talkbot.Visibility(vis), parseTime(created)
		return n, err
	}, `SELECT `+noteColumns+` FROM notes n LEFT JOIN users u ON u.id = n.user_id `+where, args...)
}

// summaries runs a query selecting talkColumns, statColumns and logColumns (possibly NULL).
func (s *Store) summaries(ctx context.Context, query string, args ...any) ([]talkbot.TalkSummary, error) {
	return summariesFrom(ctx, s.r, &talkRow{}, 0, query, args...)
}

// talkScanner is where a query's talk columns are scanned, row after row:
// talkRow (talkColumns) or cardRow (cardColumns).
type talkScanner interface {
	dest(extra ...any) []any
	talk() talkbot.Talk
}

// summariesFrom runs a summary query whose talk columns talk reads, with
// room made for rows of them: a summary is some 500 bytes, and growing the
// slice row by row allocated two and a half pages of 25.
func summariesFrom(ctx context.Context, q queryer, talk talkScanner, rows int, query string, args ...any) ([]talkbot.TalkSummary, error) {
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query talks: %w", err)
	}
	defer rs.Close()
	out := make([]talkbot.TalkSummary, 0, rows)
	var ts talkbot.TalkSummary // Scan writes its counters anew each row
	var l nullableLog
	dest := talk.dest(append(l.dest(&ts.HighlightCount, &ts.StarCount, &ts.RatingSum, &ts.RatingCount), &ts.Presented)...)
	for rs.Next() {
		if err := rs.Scan(dest...); err != nil {
			return nil, fmt.Errorf("scan talk: %w", err)
		}
		ts.Talk = talk.talk()
		ts.Log, _ = l.log()
		out = append(out, ts)
	}
	return out, rs.Err()
}

// cardColumns are the talk columns a list row carries: what a card shows
// (title, speakers, event, room, day, tags) and what marks the talk. The
// abstract, links and schedule ids stay out; reading them cost as much as
// the rest of the row (BENCHMARKS.md).
const cardColumns = `t.id, t.workspace_id, t.conference_id, t.title, t.speakers, t.event, t.room, t.day,
	t.starts_at, t.ends_at, t.recording_url, t.tags, t.session_type, t.non_talk, t.cancelled, t.do_not_record`

// cardRow is talkRow for cardColumns.
type cardRow struct {
	t              talkbot.Talk
	speakers, tags string
	starts, ends   sql.NullString
}

func (r *cardRow) dest(extra ...any) []any {
	return append([]any{&r.t.ID, &r.t.WorkspaceID, &r.t.ConferenceID, &r.t.Title, &r.speakers, &r.t.Event, &r.t.Room, &r.t.Day,
		&r.starts, &r.ends, &r.t.RecordingURL, &r.tags, &r.t.Type, &r.t.NonTalk, &r.t.Cancelled, &r.t.DoNotRecord}, extra...)
}

func (r *cardRow) talk() talkbot.Talk {
	t := r.t
	t.Speakers = decodeSpeakers(r.speakers)
	t.Tags = strings.Fields(r.tags)
	t.StartsAt = parseNullTime(r.starts)
	t.EndsAt = parseNullTime(r.ends)
	return t
}

// presentedColumn says whether the log's user gave the talk (0 with no log).
const presentedColumn = `EXISTS (SELECT 1 FROM presentations p WHERE p.user_id = l.user_id AND p.talk_id = l.talk_id)`

// listColumns are summaryColumns for list rows.
const listColumns = `SELECT ` + cardColumns + `, ` + statColumns + `, ` + logColumns + `, ` + presentedColumn

const summaryColumns = `SELECT ` + talkColumns + `, ` + statColumns + `, ` + logColumns + `, ` + presentedColumn

const summarySelect = summaryColumns + ` FROM talks t `

// teamColumns is summaryColumns for rows with no user's log (the log columns are NULL).
const teamColumns = `SELECT ` + talkColumns + `, ` + statColumns + `, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0`

// teamSelect is summarySelect for rows with no user's log.
const teamSelect = teamColumns + ` FROM talks t `

// countCap bounds how far a total is counted: "more than 500" is answer enough.
const countCap = 500

// capped is the total of n rows, as far as countCap.
func capped(n int) talkbot.Total {
	if n > countCap {
		return talkbot.Total{N: countCap, More: true}
	}
	return talkbot.Total{N: n}
}

// shownLog is the condition that a log (alias a) shows to a colleague:
// something in it besides private notes. A private note alone makes a log
// too, and had put the talk on the author's list for everyone.
func shownLog(a string) string {
	return `(` + a + `.status != 'none' OR ` + a + `.rating > 0 OR ` + a + `.starred = 1 OR ` + a + `.watch_later = 1 OR ` + a + `.watched = 1
		OR EXISTS (SELECT 1 FROM notes n WHERE n.user_id = ` + a + `.user_id AND n.talk_id = ` + a + `.talk_id AND n.visibility = 'team')
		OR EXISTS (SELECT 1 FROM presentations p WHERE p.user_id = ` + a + `.user_id AND p.talk_id = ` + a + `.talk_id))`
}

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
		if q.UserID != q.ViewerID {
			where = append(where, shownLog("l"))
		}
	} else {
		from = ` FROM talks t LEFT JOIN logs l ON l.talk_id = t.id AND l.user_id = ?`
		args = append(args, q.ViewerID, q.ViewerID)
		where = append(where, `EXISTS (SELECT 1 FROM logs x WHERE x.talk_id = t.id AND (x.user_id = ? OR `+shownLog("x")+`))`,
			`t.non_talk = 0`) // breaks and meals are nobody's news
	}
	where = append(where, `t.conference_id = ?`)
	args = append(args, q.ConferenceID)
	if q.Day != "" {
		where = append(where, `t.day = ?`)
		args = append(args, q.Day)
	}
	if q.Tag != "" {
		where = append(where, taggedSQL)
		args = append(args, taggedArgs(q.Tag)...)
	}
	if q.WatchLater {
		where = append(where, `l.watch_later = 1 AND l.watched = 0`)
	}
	cond := from + ` WHERE ` + strings.Join(where, " AND ")
	order := ` ORDER BY t.day, COALESCE(t.starts_at, ''), t.id` + limitSQL(limit(q.Limit)) + ` OFFSET ?`
	// Room for a page of the usual size, not for the 500 rows a page may ask for.
	ts, err := summariesFrom(ctx, s.hot, &cardRow{}, min(limit(q.Limit), 50), listColumns+cond+order, append(args, q.Offset)...)
	if err != nil {
		return nil, talkbot.Total{}, err
	}
	for i := range ts {
		ts[i].Log = talkbot.SeenBy(ts[i].Log, q.ViewerID)
	}
	if n := len(ts); n > 0 && n < limit(q.Limit) { // the last page: the rows say how many there are
		return ts, capped(q.Offset + n), nil
	}
	// Counted apart, up to countCap: a team's talks can be tens of thousands.
	// (A count in the page query, COUNT(*) OVER (), made SQLite copy every
	// wide row through one more sorter and cost more than this query.)
	total, err := countFrom(ctx, s.hot, `SELECT 1`+cond, args...)
	return ts, total, err
}

// count counts the rows of a query, up to countCap.
func (s *Store) count(ctx context.Context, query string, args ...any) (talkbot.Total, error) {
	return countFrom(ctx, s.r, query, args...)
}

func countFrom(ctx context.Context, q queryer, query string, args ...any) (talkbot.Total, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+query+limitSQL(countCap+1)+`)`, args...).Scan(&n); err != nil {
		return talkbot.Total{}, fmt.Errorf("count: %w", err)
	}
	return capped(n), nil
}

// limitSQL is a LIMIT clause with n written in as a number. SQLite reads a
// bound LIMIT's value when it compiles a statement, so it compiles the
// statement again every time that parameter is bound: a quarter of what the
// `list` query cost (BENCHMARKS.md).
func limitSQL(n int) string { return " LIMIT " + strconv.Itoa(n) }

func limit(n int) int {
	if n <= 0 || n > 500 {
		return 50
	}
	return n
}

// taggedSQL is the condition that talk t has a tag, or is on a schedule
// track of that name or with it as a word (#security: "SECURITY";
// #ml: "AI + ML"), as `schedule #tag` reads it: imported talks have their
// topic in their track, and no tags. Its arguments are taggedArgs'.
const taggedSQL = `(t.id IN (SELECT talk_id FROM talk_tags WHERE tag = ?) OR ` + trackSQL + `)`

const trackSQL = `(t.source_id IS NOT NULL AND t.event != '' AND
	(' ' || lower(t.event) || ' ' LIKE ? ESCAPE '\' OR replace(lower(t.event), ' ', '') = ?))`

func taggedArgs(tag string) []any { return append([]any{tag}, trackArgs(tag)...) }

func trackArgs(word string) []any {
	return []any{"% " + likeEscaper.Replace(word) + " %", strings.ReplaceAll(word, "-", "")}
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

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
	where = append(where, `t.conference_id = ?`, `t.non_talk = 0`)
	args = append(args, q.ConferenceID)
	if q.Day != "" {
		where = append(where, `t.day = ?`)
		args = append(args, q.Day)
	}
	if q.Tag != "" {
		where = append(where, taggedSQL)
		args = append(args, taggedArgs(q.Tag)...)
	}
	cond := from + ` WHERE ` + strings.Join(where, " AND ")
	total, err := s.count(ctx, `SELECT 1`+cond, args...)
	if err != nil {
		return nil, total, err
	}
	ts, err := s.summaries(ctx, sel+cond+` ORDER BY `+order+limitSQL(limit(q.Limit))+` OFFSET ?`, append(args, q.Offset)...)
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
	s.awaitIndex(ctx)
	type hit struct{ talkID, noteID int64 }
	var hits []hit
	seen := map[int64]bool{}
	ws := fmt.Sprintf("ws: w%d AND ", q.WorkspaceID)
	// One conference's: the index knows workspaces only, so each hit's talk
	// says, by key (a list of the conference's ids would be built whole
	// first, 100,000 on a big database). A workspace of one conference
	// needs no filter, which costs a third of a search of the notes.
	inConf, noteConf, args := "", "", []any{}
	if q.ConferenceID != 0 {
		var others bool
		if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM conferences WHERE workspace_id = ? AND id != ?)`,
			q.WorkspaceID, q.ConferenceID).Scan(&others); err != nil {
			return nil, talkbot.Total{}, fmt.Errorf("search: %w", err)
		}
		if !others {
			q.ConferenceID = 0
		}
	}
	if q.ConferenceID != 0 {
		inConf = ` AND EXISTS (SELECT 1 FROM talks t WHERE t.id = talk_fts.rowid AND t.conference_id = ?)`
		// In the bounded batch of matches, or another conference's notes would fill it.
		noteConf = ` JOIN talks t ON t.id = n.talk_id AND t.conference_id = ?`
		args = append(args, q.ConferenceID)
	}
	for _, columns := range []string{"{title speakers tags}", "abstract"} {
		rows, err := s.r.QueryContext(ctx, `SELECT rowid FROM talk_fts WHERE talk_fts MATCH ?`+inConf+` ORDER BY rowid DESC`+limitSQL(countCap+1),
			append([]any{ws + columns + ": (" + terms + ")"}, args...)...)
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
	if strings.ContainsFunc(q.Text, talkbot.Unspaced) && len(hits) <= countCap {
		// The index holds a run of Chinese or Japanese as one token, so it
		// finds 未来 only at the start of one: titles are looked through too.
		if err := s.titlesHolding(ctx, q, func(id int64) {
			if !seen[id] {
				seen[id] = true
				hits = append(hits, hit{talkID: id})
			}
		}); err != nil {
			return nil, talkbot.Total{}, err
		}
	}
	if len(hits) <= countCap {
		// Notes the viewer may not read are skipped after the match, so read a
		// generous batch: private notes are a minority.
		rows, err := s.r.QueryContext(ctx, `SELECT n.id, n.talk_id FROM note_fts JOIN notes n ON n.id = note_fts.rowid`+noteConf+`
			WHERE note_fts MATCH ? AND (n.visibility = 'team' OR n.user_id = ?) ORDER BY note_fts.rowid DESC`+limitSQL(4*countCap),
			append(args, ws+"text: ("+terms+")", q.ViewerID)...)
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
	total := capped(len(hits))
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
	if d.Logs, err = s.userLogs(ctx, viewerID, `WHERE l.talk_id = ? ORDER BY l.rating DESC, u.name`, talkID); err != nil {
		return d, err
	}
	d.Notes, err = queryNotes(ctx, s.r, `WHERE n.talk_id = ? AND (n.visibility = 'team' OR n.user_id = ?) ORDER BY n.id`, talkID, viewerID)
	return d, err
}

// userLogs reads users' logs of talks as viewerID may see them: a private
// missed reason is its user's alone.
func (s *Store) userLogs(ctx context.Context, viewerID int64, where string, args ...any) ([]talkbot.UserLog, error) {
	return queryRows(ctx, s.r, "logs", func(r scanner) (talkbot.UserLog, error) {
		var ul talkbot.UserLog
		var status, logged, updated string
		err := r.Scan(append(logDest(&ul.Log, &status, &logged, &updated), &ul.UserName, &ul.Presented)...)
		finishLog(&ul.Log, status, logged, updated)
		ul.Log = talkbot.SeenBy(ul.Log, viewerID)
		return ul, err
	}, `SELECT `+logColumns+`, u.name, `+presentedColumn+` FROM logs l JOIN users u ON u.id = l.user_id `+where, args...)
}

// titlesHolding calls found with each talk of the query's conference (or
// workspace) whose title holds every word of the query, newest first.
func (s *Store) titlesHolding(ctx context.Context, q talkbot.SearchQuery, found func(int64)) error {
	where, args := []string{`t.workspace_id = ?`}, []any{q.WorkspaceID}
	if q.ConferenceID != 0 {
		where, args = append(where, `t.conference_id = ?`), append(args, q.ConferenceID)
	}
	for _, w := range strings.Fields(talkbot.NormalizeTitle(q.Text)) {
		where = append(where, `t.norm_title LIKE ? ESCAPE '\'`)
		args = append(args, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(w)+"%")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT t.id FROM talks t WHERE `+strings.Join(where, " AND ")+` ORDER BY t.id DESC`+limitSQL(countCap+1), args...)
	if err != nil {
		return fmt.Errorf("search titles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("scan hit: %w", err)
		}
		found(id)
	}
	return rows.Err()
}

// WatchList ranks recordings for the user in a conference, each with every
// reason that applies: their own missed and watch-later talks, colleagues'
// recommendations, talks colleagues starred or rated 4-5, and talks like the
// ones the user rated highly (sharing a tag); with filters, any talk the team
// logged that matches them. Talks with a recording rank higher; a talk the
// user attended or watched never appears. It returns a page and the total.
// ConferenceTags returns the tags the conference's talks carry, the most
// used first, at most limit.
func (s *Store) ConferenceTags(ctx context.Context, conferenceID int64, limit int) ([]string, error) {
	return queryRows(ctx, s.r, "conference tags", func(r scanner) (string, error) {
		var t string
		return t, r.Scan(&t)
	}, `SELECT tt.tag FROM talk_tags tt JOIN talks t ON t.id = tt.talk_id
		WHERE t.conference_id = ? GROUP BY tt.tag ORDER BY count(*) DESC, tt.tag`+limitSQL(limit), conferenceID)
}

func (s *Store) WatchList(ctx context.Context, u talkbot.User, conferenceID int64, f talkbot.WatchFilters, p talkbot.Page) ([]talkbot.Suggestion, talkbot.Total, error) {
	byID := map[int64]*talkbot.Suggestion{}
	add := func(id int64) *talkbot.Suggestion {
		if sg, ok := byID[id]; ok {
			return sg
		}
		sg := &talkbot.Suggestion{Talk: talkbot.Talk{ID: id}}
		byID[id] = sg
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
	narrow, nargs, err := s.watchFilter(ctx, u, f)
	if err != nil {
		return nil, talkbot.Total{}, err
	}
	// Non-talk items have nothing to watch; a talk nobody will record stays
	// only on the user's own list (where the reply says so).
	narrow = ` AND t.non_talk = 0` + narrow
	others := ` AND NOT (t.do_not_record = 1 AND t.recording_url = '')` + narrow
	unseen := `NOT EXISTS (SELECT 1 FROM logs m WHERE m.talk_id = t.id AND m.user_id = ? AND (m.status = 'attended' OR m.watched = 1))`
	// The tags of the talks the user starred or rated 4-5, read first: with
	// none, the sources by tag below have nothing to find, and as a
	// subquery they walked every highlighted talk to learn it (160 ms on
	// 100,000 talks, the p99 of `watch`).
	var favourites []any
	if err := scan(`SELECT DISTINCT mg.tag FROM logs ml JOIN talk_tags mg ON mg.talk_id = ml.talk_id WHERE ml.user_id = ? AND `+highlighted("ml"),
		[]any{u.ID}, func(rows *sql.Rows) error {
			var tag string
			if err := rows.Scan(&tag); err != nil {
				return err
			}
			favourites = append(favourites, tag)
			return nil
		}); err != nil {
		return nil, talkbot.Total{}, err
	}
	favouriteTags := placeholders(len(favourites))
	// The favourites' tags are read up to tagRows rows (a talk has a row
	// per tag it shares), the best-liked talks first: enough to rank, and
	// more only slowed a busy team's watch down.
	const tagRows = countCap + 1
	shared := 0 // rows of the favourites' tags read so far
	sharedTag := func(rows *sql.Rows) error {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			return err
		}
		shared++
		if sg := add(id); !slices.Contains(sg.SharedTags, tag) {
			sg.SharedTags = append(sg.SharedTags, tag)
		}
		return nil
	}
	type source struct {
		query string
		args  []any
		fn    func(rows *sql.Rows) error
	}
	sources := []source{
		{`SELECT t.id, l.status = 'missed', l.reason, l.reason_private, l.updated_at FROM logs l JOIN talks t ON t.id = l.talk_id
			WHERE l.user_id = ? AND t.conference_id = ? AND l.watch_later = 1 AND l.watched = 0` + narrow + `
			ORDER BY t.id` + limitSQL(countCap+1), append([]any{u.ID, conferenceID}, nargs...),
			func(rows *sql.Rows) error {
				var id int64
				var missed, private bool
				var reason, since string
				if err := rows.Scan(&id, &missed, &reason, &private, &since); err != nil {
					return err
				}
				sg := add(id)
				sg.WatchLater, sg.Missed, sg.MissedReason, sg.ReasonPrivate, sg.Since = true, missed, reason, private, parseTime(since)
				return nil
			}},
		{`SELECT t.id, fu.name FROM recommendations r JOIN talks t ON t.id = r.talk_id JOIN users fu ON fu.id = r.from_user_id
			WHERE r.workspace_id = ? AND (r.to_user_id = ? OR r.to_user_id IS NULL) AND r.from_user_id != ? AND t.conference_id = ?
			AND ` + unseen + others + ` ORDER BY r.id` + limitSQL(4*countCap), append([]any{u.WorkspaceID, u.ID, u.ID, conferenceID, u.ID}, nargs...),
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
			}},
		{`SELECT t.id, t.score FROM talks t WHERE t.conference_id = ? AND t.highlight_count > 0 AND ` + unseen + `
			AND EXISTS (SELECT 1 FROM logs o WHERE o.talk_id = t.id AND o.user_id != ? AND ` + highlighted("o") + `)` + others + `
			ORDER BY t.highlight_count DESC, t.score DESC, t.id` + limitSQL(countCap+1), append([]any{conferenceID, u.ID, u.ID}, nargs...),
			func(rows *sql.Rows) error {
				var id int64
				var score int
				if err := rows.Scan(&id, &score); err != nil {
					return err
				}
				add(id).TeamScore = score
				return nil
			}},
	}
	if len(favourites) > 0 {
		// Like the user's own favourites: a tag in common with a talk they
		// starred or rated 4-5. The team's highlights first, in the order of
		// talks_rank, which stops at the limit; the talks only logged come
		// after (below), when there are not that many.
		sources = append(sources, source{`SELECT t.id, g.tag FROM talks t CROSS JOIN talk_tags g ON g.talk_id = t.id
			WHERE t.conference_id = ? AND t.highlight_count > 0 AND g.tag IN (` + favouriteTags + `)
			AND ` + unseen + others + ` ORDER BY t.highlight_count DESC, t.score DESC, t.id` + limitSQL(tagRows),
			slices.Concat([]any{conferenceID}, favourites, []any{u.ID}, nargs), sharedTag})
	}
	if filtered(f) { // a question narrows to its subject: any talk the team logged on it counts
		sources = append(sources, source{`SELECT t.id FROM talks t WHERE t.conference_id = ? AND EXISTS (SELECT 1 FROM logs x WHERE x.talk_id = t.id)
			AND ` + unseen + others + ` ORDER BY t.highlight_count DESC, t.id` + limitSQL(countCap+1), append([]any{conferenceID, u.ID}, nargs...),
			func(rows *sql.Rows) error {
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				add(id)
				return nil
			}})
	}
	for _, src := range sources {
		if err := scan(src.query, src.args, src.fn); err != nil {
			return nil, talkbot.Total{}, err
		}
	}
	if len(favourites) > 0 && shared < tagRows {
		// CROSS JOIN starts from the tags: left to itself, SQLite walked every
		// talk of the conference by talks_day (about a second on 100,000).
		err := scan(`SELECT t.id, g.tag FROM talk_tags g CROSS JOIN talks t ON t.id = g.talk_id
			WHERE g.tag IN (`+favouriteTags+`) AND t.conference_id = ? AND t.highlight_count = 0
			AND EXISTS (SELECT 1 FROM logs x WHERE x.talk_id = t.id) AND `+unseen+others+` ORDER BY t.id`+limitSQL(tagRows-shared),
			slices.Concat(favourites, []any{conferenceID, u.ID}, nargs), sharedTag)
		if err != nil {
			return nil, talkbot.Total{}, err
		}
	}
	// The recording of every candidate (and, asked for, the colleagues' best rating), in one query each.
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	if err := s.watchFacts(ctx, u, ids, byID, f.MinRating); err != nil {
		return nil, talkbot.Total{}, err
	}
	var order []*talkbot.Suggestion
	for _, sg := range byID {
		if (f.MinRating > 0 && sg.BestRating < f.MinRating) || (f.WithRecording && !sg.HasRecording) {
			continue
		}
		sg.Score = watchScore(sg)
		order = append(order, sg)
	}
	slices.SortFunc(order, func(a, b *talkbot.Suggestion) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	total := capped(len(order))
	var out []talkbot.Suggestion
	for _, sg := range pageOf(order, p) {
		t, err := getTalk(ctx, s.r, u.WorkspaceID, sg.ID)
		if err != nil {
			return nil, total, err
		}
		sg.Talk = t
		if sg.Ratings, err = s.userLogs(ctx, u.ID, `WHERE l.talk_id = ? AND l.user_id != ? AND `+highlighted("l")+`
			ORDER BY l.rating DESC, u.name LIMIT 5`, sg.ID, u.ID); err != nil {
			return nil, total, err
		}
		out = append(out, *sg)
	}
	return out, total, nil
}

// watchScore ranks a suggestion as README says: the user's own list (what
// they missed, then what they want to watch) first, then what colleagues
// recommend, then what they love, then talks like the user's favourites.
// Within each, a talk with a recording to watch goes first, then the
// stronger reasons. (Summed reasons had put a colleague's favourite above
// the user's own missed talk.)
func watchScore(sg *talkbot.Suggestion) float64 {
	var tier float64
	switch {
	case sg.Missed:
		tier = 5
	case sg.WatchLater:
		tier = 4
	case len(sg.From) > 0:
		tier = 3
	case sg.TeamScore > 0:
		tier = 2
	default:
		tier = 1
	}
	score := 100 * tier
	if sg.HasRecording {
		score += 50
	}
	score += 3 * float64(min(len(sg.From), 2))
	score += float64(min(max(sg.TeamScore, 0), 6))
	score += float64(min(len(sg.SharedTags), 2))
	return score
}

func filtered(f talkbot.WatchFilters) bool {
	return len(f.Keywords) > 0 || len(f.Tags) > 0 || f.Day != "" || f.Weekday != ""
}

var weekdays = map[string]int{"sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6}

// watchFilter is the SQL (" AND …", on talks t) and arguments of a
// question's filters. Keywords match a talk's title, speakers, tags or
// abstract, or a note the user may read.
func (s *Store) watchFilter(ctx context.Context, u talkbot.User, f talkbot.WatchFilters) (string, []any, error) {
	var b strings.Builder
	var args []any
	if len(f.Tags) > 0 {
		b.WriteString(` AND (` + strings.TrimSuffix(strings.Repeat(taggedSQL+" OR ", len(f.Tags)), " OR ") + `)`)
		for _, tag := range f.Tags {
			args = append(args, taggedArgs(strings.ToLower(tag))...)
		}
	}
	if f.Day != "" {
		b.WriteString(` AND t.day = ?`)
		args = append(args, f.Day)
	}
	if wd, ok := weekdays[strings.ToLower(f.Weekday)]; ok {
		b.WriteString(` AND t.day != '' AND CAST(strftime('%w', t.day) AS INTEGER) = ?`)
		args = append(args, wd)
	}
	if len(f.Keywords) > 0 {
		terms := ftsQuery(strings.Join(f.Keywords, " "), "", " OR ")
		if terms != "" {
			s.awaitIndex(ctx)
			ws := fmt.Sprintf("ws: w%d AND ", u.WorkspaceID)
			b.WriteString(` AND (t.id IN (SELECT rowid FROM talk_fts WHERE talk_fts MATCH ? LIMIT 2000)
				OR t.id IN (SELECT n.talk_id FROM notes n WHERE n.id IN (SELECT rowid FROM note_fts WHERE note_fts MATCH ? LIMIT 4000)
					AND (n.visibility = 'team' OR n.user_id = ?))`)
			args = append(args, ws+"("+terms+")", ws+"text: ("+terms+")", u.ID)
			for _, k := range f.Keywords { // a schedule's track ("SECURITY") is the talk's topic too
				b.WriteString(` OR ` + trackSQL)
				args = append(args, trackArgs(strings.ToLower(k))...)
			}
			b.WriteString(`)`)
		}
	}
	return b.String(), args, nil
}

// watchFacts fills in, for the candidates, whether a recording exists and
// the best rating a colleague gave (only with minRating set: it is 0 otherwise).
func (s *Store) watchFacts(ctx context.Context, u talkbot.User, ids []int64, byID map[int64]*talkbot.Suggestion, minRating int) error {
	for len(ids) > 0 {
		n := min(len(ids), 400)
		chunk := ids[:n]
		ids = ids[n:]
		in := "?" + strings.Repeat(", ?", n-1)
		args := make([]any, 0, n+1)
		for _, id := range chunk {
			args = append(args, id)
		}
		// Only a question with a rating ("rated 4+") needs the best rating,
		// probed from 5 down: MAX read every log of the team's favourites
		// (hundreds each) for every one of up to 1,500 candidates.
		best, lead := "0", []any{}
		if minRating > 0 {
			lead = []any{u.ID}
			best = "CASE"
			for r := 5; r >= 1; r-- {
				best += fmt.Sprintf(" WHEN EXISTS (SELECT 1 FROM logs o WHERE o.talk_id = t.id AND o.user_id != ?1 AND o.rating = %d) THEN %d", r, r)
			}
			best += " ELSE 0 END"
		}
		rows, err := s.r.QueryContext(ctx, `SELECT t.id, t.recording_url != '', `+best+`
			FROM talks t WHERE t.id IN (`+in+`)`, append(lead, args...)...)
		if err != nil {
			return fmt.Errorf("watch facts: %w", err)
		}
		for rows.Next() {
			var id int64
			var rec bool
			var best int
			if err := rows.Scan(&id, &rec, &best); err != nil {
				rows.Close()
				return fmt.Errorf("watch facts: %w", err)
			}
			if sg := byID[id]; sg != nil {
				sg.HasRecording, sg.BestRating = rec, best
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Export returns everything the user owns: their logs and their own notes, by conference.
func (s *Store) Export(ctx context.Context, u talkbot.User) (talkbot.Export, error) {
	ex := talkbot.Export{User: u}
	if err := s.r.QueryRowContext(ctx, `SELECT notify FROM users WHERE id = ?`, u.ID).Scan(&ex.Notify); err != nil {
		return ex, fmt.Errorf("export settings: %w", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+conferenceColumns+` FROM conferences c WHERE c.id IN (
		SELECT t.conference_id FROM talks t JOIN logs l ON l.talk_id = t.id WHERE l.user_id = ?
		UNION SELECT t.conference_id FROM talks t JOIN notes n ON n.talk_id = t.id WHERE n.user_id = ?
		UNION SELECT t.conference_id FROM talks t JOIN recommendations r ON r.talk_id = t.id WHERE r.from_user_id = ?
		UNION SELECT j.conference_id FROM journal j WHERE j.user_id = ?) ORDER BY c.id`, u.ID, u.ID, u.ID, u.ID)
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
			WHERE t.conference_id = ? AND (l.user_id IS NOT NULL OR EXISTS (SELECT 1 FROM notes n WHERE n.talk_id = t.id AND n.user_id = ?)
				OR EXISTS (SELECT 1 FROM recommendations r WHERE r.talk_id = t.id AND r.from_user_id = ?))
			ORDER BY t.day, COALESCE(t.starts_at, ''), t.id`, u.ID, c.ID, u.ID, u.ID)
		if err != nil {
			return ex, err
		}
		for _, t := range talks {
			notes, err := queryNotes(ctx, s.r, `WHERE n.talk_id = ? AND n.user_id = ? ORDER BY n.id`, t.ID, u.ID)
			if err != nil {
				return ex, err
			}
			et := talkbot.ExportTalk{Talk: t.Talk, Log: t.Log, Notes: notes}
			if p, ok, err := presentation(ctx, s.r, u.ID, t.ID); err != nil {
				return ex, err
			} else if ok {
				et.Presentation = &p
			}
			if et.RecommendedTo, err = queryRows(ctx, s.r, "recommendations", func(r scanner) (string, error) {
				var name string
				return name, r.Scan(&name)
			}, `SELECT COALESCE(u.name, '') FROM recommendations r LEFT JOIN users u ON u.id = r.to_user_id
				WHERE r.talk_id = ? AND r.from_user_id = ? ORDER BY r.id`, t.ID, u.ID); err != nil {
				return ex, err
			}
			ex.Conferences[i].Talks = append(ex.Conferences[i].Talks, et)
		}
		if ex.Conferences[i].Journal, err = queryJournal(ctx, s.r, `WHERE j.user_id = ? AND j.conference_id = ? ORDER BY j.id`, u.ID, c.ID); err != nil {
			return ex, err
		}
	}
	return ex, nil
}

// NotesByTalk returns talks of the conference with the notes the query
// selects (never a private note of anyone but the viewer), the most noted
// talks first, at most q.Limit of them.
func (s *Store) NotesByTalk(ctx context.Context, q talkbot.NotesQuery) ([]talkbot.NotedTalk, error) {
	where := []string{`t.workspace_id = ?`, `t.conference_id = ?`, `(n.visibility = 'team' OR n.user_id = ?)`}
	args := []any{q.WorkspaceID, q.ConferenceID, q.ViewerID}
	if q.TalkID != 0 {
		where, args = append(where, `t.id = ?`), append(args, q.TalkID)
	}
	if q.Day != "" {
		where, args = append(where, `t.day = ?`), append(args, q.Day)
	}
	if q.Tag != "" {
		where, args = append(where, taggedSQL), append(args, taggedArgs(q.Tag)...)
	}
	if q.AuthorID != 0 {
		where, args = append(where, `n.user_id = ?`), append(args, q.AuthorID)
	}
	cond := strings.Join(where, " AND ")
	rows, err := s.r.QueryContext(ctx, `SELECT n.talk_id FROM notes n JOIN talks t ON t.id = n.talk_id WHERE `+cond+`
		GROUP BY n.talk_id ORDER BY COUNT(*) DESC, n.talk_id`+limitSQL(limit(q.Limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("noted talks: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("noted talks: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]talkbot.NotedTalk, 0, len(ids))
	text := 0
	for _, id := range ids {
		if q.MaxText > 0 && text >= q.MaxText {
			break
		}
		t, err := getTalk(ctx, s.r, q.WorkspaceID, id)
		if err != nil {
			return nil, err
		}
		notes, err := queryNotes(ctx, s.r, `JOIN talks t ON t.id = n.talk_id WHERE n.talk_id = ? AND `+cond+` ORDER BY n.id`,
			append([]any{id}, args...)...)
		if err != nil {
			return nil, err
		}
		for _, n := range notes {
			text += len(n.Text)
		}
		out = append(out, talkbot.NotedTalk{Talk: t, Notes: notes})
	}
	return out, nil
}
