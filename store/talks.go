package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/talkbot/talkbot"
)

const talkColumns = `t.id, t.workspace_id, t.conference_id, t.title, t.speakers, t.event, t.room, t.day,
	t.starts_at, t.ends_at, t.schedule_url, COALESCE(t.schedule_id, ''), t.recording_url, t.links, t.abstract, t.tags,
	COALESCE(t.created_by, 0), t.created_at,
	COALESCE(t.source_id, ''), t.session_type, t.non_talk, t.cancelled, t.do_not_record`

const statColumns = `t.highlight_count, t.star_count, t.rating_sum, t.rating_count`

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is one row to read: a *sql.Row or the current row of *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryRows runs query and reads every row it returns with scan; what names
// the rows in errors.
func queryRows[T any](ctx context.Context, q queryer, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func talkDest(t *talkbot.Talk, speakers, links, tags *string, starts, ends *sql.NullString, created *string) []any {
	return []any{&t.ID, &t.WorkspaceID, &t.ConferenceID, &t.Title, speakers, &t.Event, &t.Room, &t.Day,
		starts, ends, &t.ScheduleURL, &t.ScheduleID, &t.RecordingURL, links, &t.Abstract, tags, &t.CreatedBy, created,
		&t.SourceID, &t.Type, &t.NonTalk, &t.Cancelled, &t.DoNotRecord}
}

func finishTalk(t *talkbot.Talk, speakers, links, tags string, starts, ends sql.NullString, created string) {
	t.Speakers = decodeSpeakers(speakers)
	t.Links = splitLines(links)
	t.Tags = strings.Fields(tags)
	t.StartsAt = parseNullTime(starts)
	t.EndsAt = parseNullTime(ends)
	t.CreatedAt = parseTime(created)
}

func scanTalk(row scanner, extra ...any) (talkbot.Talk, error) {
	var r talkRow
	if err := row.Scan(r.dest(extra...)...); err != nil {
		return r.t, err
	}
	return r.talk(), nil
}

// talkRow is where talkColumns are scanned. One serves every row of a
// query: made a row, the destinations were a third of what reading a list
// page allocated.
type talkRow struct {
	t                              talkbot.Talk
	speakers, links, tags, created string
	starts, ends                   sql.NullString
}

// dest is the scan destinations of talkColumns, then extra.
func (r *talkRow) dest(extra ...any) []any {
	return append(talkDest(&r.t, &r.speakers, &r.links, &r.tags, &r.starts, &r.ends, &r.created), extra...)
}

// talk is the talk of the row scanned last.
func (r *talkRow) talk() talkbot.Talk {
	t := r.t
	finishTalk(&t, r.speakers, r.links, r.tags, r.starts, r.ends, r.created)
	return t
}

// encodeSpeakers stores speakers one a line, "name<TAB>organisation", so
// full-text search finds talks by either.
func encodeSpeakers(ss []talkbot.Speaker) string {
	lines := make([]string, len(ss))
	for i, s := range ss {
		lines[i] = s.Name
		// A name ending in ")" ("James (purpleidea)") keeps its tab, or it would read back as the old "Name (Org)".
		if s.Org != "" || strings.HasSuffix(s.Name, ")") {
			lines[i] += "\t" + s.Org
		}
	}
	return strings.Join(lines, "\n")
}

// decodeSpeakers reads encodeSpeakers, and the "Name (Org)" lines of
// databases written before organisations had their own place.
func decodeSpeakers(s string) []talkbot.Speaker {
	var out []talkbot.Speaker
	for _, line := range splitLines(s) {
		name, org, ok := strings.Cut(line, "\t")
		if !ok && strings.HasSuffix(line, ")") {
			if i := strings.LastIndex(line, " ("); i > 0 {
				name, org = line[:i], strings.TrimSuffix(line[i+2:], ")")
			}
		}
		out = append(out, talkbot.Speaker{Name: name, Org: org})
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func queryTalks(ctx context.Context, q queryer, query string, args ...any) ([]talkbot.Talk, error) {
	return queryRows(ctx, q, "talks", func(r scanner) (talkbot.Talk, error) { return scanTalk(r) }, query, args...)
}

func getTalk(ctx context.Context, q queryer, workspaceID, id int64) (talkbot.Talk, error) {
	t, err := scanTalk(q.QueryRowContext(ctx, `SELECT `+talkColumns+` FROM talks t WHERE t.id = ? AND t.workspace_id = ?`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return t, talkbot.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("get talk: %w", err)
	}
	return t, nil
}

// talkByID reads a talk by id alone, for undo, which knows it by its record.
func talkByID(ctx context.Context, q queryer, id int64) (talkbot.Talk, error) {
	t, err := scanTalk(q.QueryRowContext(ctx, `SELECT `+talkColumns+` FROM talks t WHERE t.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, talkbot.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("get talk: %w", err)
	}
	return t, nil
}

// Talk returns the workspace's talk with the given short id.
func (s *Store) Talk(ctx context.Context, workspaceID, id int64) (talkbot.Talk, error) {
	return getTalk(ctx, s.hot, workspaceID, id)
}

const queryTalkBySchedule = `SELECT ` + talkColumns + ` FROM talks t
WHERE t.conference_id = ? AND t.schedule_id = ? ORDER BY t.id LIMIT 1`

// TalksBySchedule returns the conference's talks with that schedule id, oldest
// first: a pretalx code names every slot of a session held on several days.
func (s *Store) TalksBySchedule(ctx context.Context, conferenceID int64, scheduleID string) ([]talkbot.Talk, error) {
	return queryTalks(ctx, s.r, `SELECT `+talkColumns+` FROM talks t
		WHERE t.conference_id = ? AND t.schedule_id = ? ORDER BY t.id`+limitSQL(maxSlots), conferenceID, scheduleID)
}

// maxSlots bounds the sessions one schedule id is read for: a workshop
// held every day of a festival has a handful.
const maxSlots = 50

// TalkByScheduleInWorkspace returns a talk with that schedule id in any of the workspace's conferences.
func (s *Store) TalkByScheduleInWorkspace(ctx context.Context, workspaceID int64, scheduleID string) (talkbot.Talk, error) {
	return findOne(queryTalks(ctx, s.r, `SELECT `+talkColumns+` FROM talks t
		WHERE t.workspace_id = ? AND t.schedule_id = ? ORDER BY t.id DESC LIMIT 1`, workspaceID, scheduleID))
}

func findOne(ts []talkbot.Talk, err error) (talkbot.Talk, error) {
	if err != nil {
		return talkbot.Talk{}, err
	}
	if len(ts) == 0 {
		return talkbot.Talk{}, talkbot.ErrNotFound
	}
	return ts[0], nil
}

const queryTalksByTitle = `SELECT ` + talkColumns + ` FROM talks t WHERE t.conference_id = ? AND t.norm_title = ? ORDER BY t.id`

// TalksByTitle returns the conference's talks whose normalised title equals title's.
func (s *Store) TalksByTitle(ctx context.Context, conferenceID int64, title string) ([]talkbot.Talk, error) {
	return queryTalks(ctx, s.hot, queryTalksByTitle, conferenceID, talkbot.NormalizeTitle(title))
}

// TitleCandidates returns up to limit talks of the conference whose titles
// share words with query, best match first: the raw material for fuzzy
// matching. Titles with every word come first (cheap); only when there are
// none does it rank titles with any word, which is slow on a big schedule.
func (s *Store) TitleCandidates(ctx context.Context, conferenceID int64, query string, limit int) ([]talkbot.Talk, error) {
	s.awaitIndex(ctx)
	for _, join := range []string{" AND ", " OR "} {
		match := ftsQuery(query, "title", join) // the conference filter below scopes it
		if match == "" {
			return nil, nil
		}
		ts, err := queryTalks(ctx, s.r, `SELECT `+talkColumns+` FROM talk_fts f JOIN talks t ON t.id = f.rowid
			WHERE talk_fts MATCH ? AND t.conference_id = ? ORDER BY f.rank`+limitSQL(limit), match, conferenceID)
		if err != nil || len(ts) > 0 {
			return ts, err
		}
	}
	return nil, nil
}

// TitlesWithWords returns up to limit talks of the conference whose titles
// hold every one of the words, as whole words, or, with typos set, as words
// that start like them (the first half of each word of four letters or more,
// at least three letters; a number whole), so a word with a typo late in it
// still finds its talk. Only id, title and day are read: the caller checks
// each candidate word by word and reads the few it keeps in full.
func (s *Store) TitlesWithWords(ctx context.Context, conferenceID int64, words []string, typos bool, limit int) ([]talkbot.Talk, error) {
	var terms []string
	for _, w := range words {
		w = talkbot.NormalizeTitle(w)
		if w == "" || strings.Contains(w, " ") {
			continue
		}
		if strings.IndexFunc(w, notTokenChar) >= 0 {
			// The index's tokenizer splits a word at its vowel signs (कुल)
			// or a sign (c#): a quoted term of several tokens is a phrase,
			// which an index of detail=none refuses. Each piece, then.
			for _, p := range strings.FieldsFunc(w, notTokenChar) {
				terms = append(terms, `"`+p+`"`)
			}
			continue
		}
		switch r := []rune(w); {
		case typos && strings.Trim(w, "0123456789") == "":
			terms = append(terms, `"`+w+`"*`) // a number has no typo, but may have a sign glued on: "10²"
		case typos && len(r) >= 4:
			terms = append(terms, `"`+string(r[:max(3, (len(r)+1)/2)])+`"*`)
		default:
			terms = append(terms, `"`+w+`"`)
		}
	}
	if len(terms) == 0 {
		return nil, nil
	}
	// talk_title_words holds titles alone, so a prefix merges the words of
	// titles only, not of every abstract as talk_fts's `title:` would. Every
	// talk is in it when the transaction that writes it commits, an
	// import's too, so this read needs no wait for an import's indexing
	// (awaitIndex).
	return queryRows(ctx, s.hot, "titles with words", func(r scanner) (talkbot.Talk, error) {
		t := talkbot.Talk{ConferenceID: conferenceID}
		err := r.Scan(&t.ID, &t.Title, &t.Day)
		return t, err
	}, `SELECT t.id, t.title, t.day FROM talk_title_words f JOIN talks t ON t.id = f.rowid
		WHERE talk_title_words MATCH ? AND t.conference_id = ?`+limitSQL(limit), strings.Join(terms, " AND "), conferenceID)
}

// ftsString is s as an FTS5 string: quoted, its quotes doubled, so no
// text is read as query syntax.
func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// notTokenChar is what FTS5's unicode61 tokenizer splits words at.
func notTokenChar(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }

// ftsQuery turns user words into an FTS5 query of quoted prefix terms, so no
// user text is ever read as FTS syntax. The index keeps text as written (its
// tokenizer folds case, not ß or width), so a word NormalizeTitle folds
// otherwise is asked for as typed too: "Straße" finds "Straße" and "Strasse".
func ftsQuery(text, column, join string) string {
	var terms []string
	for _, field := range strings.Fields(text) {
		var folded []string
		for _, w := range strings.Fields(talkbot.NormalizeTitle(field)) {
			if len(terms)+len(folded) == 12 {
				break
			}
			if strings.IndexFunc(w, func(r rune) bool { return !notTokenChar(r) }) < 0 {
				continue // "🚀🚀🚀", `"""`: the index holds no token of it
			}
			folded = append(folded, ftsString(w)+`*`)
		}
		if len(folded) == 0 {
			continue
		}
		term := strings.Join(folded, " AND ")
		if !talkbot.IsASCII(field) && strings.Join(strings.Fields(talkbot.NormalizeTitle(field)), " ") != strings.ToLower(field) {
			term = "((" + term + ") OR " + ftsString(field) + "*)"
		}
		terms = append(terms, term)
	}
	if len(terms) == 0 {
		return ""
	}
	q := strings.Join(terms, join)
	if column != "" {
		q = column + ": (" + q + ")"
	}
	return q
}

// findOrCreateTalk returns the talk in the draft's conference with the same
// schedule id, else the same normalised title on the same day (a talk without
// a day matches any day), else a new one. Sessions with one title on different
// days ("Keynote") stay apart.
func findOrCreateTalk(ctx context.Context, tx *txn, u talkbot.User, d talkbot.Talk, now time.Time) (talkbot.Talk, bool, error) {
	if d.ScheduleID != "" {
		t, err := findOne(queryTalks(ctx, tx, queryTalkBySchedule, d.ConferenceID, d.ScheduleID))
		if err == nil || !errors.Is(err, talkbot.ErrNotFound) {
			return t, false, err
		}
	}
	if d.Title != "" {
		ts, err := queryTalks(ctx, tx, queryTalksByTitle, d.ConferenceID, talkbot.NormalizeTitle(d.Title))
		if err != nil {
			return talkbot.Talk{}, false, err
		}
		for _, t := range ts {
			if t.Day == d.Day || t.Day == "" || d.Day == "" {
				return t, false, nil
			}
		}
	}
	d.WorkspaceID = u.WorkspaceID
	d.CreatedBy = u.ID
	d.CreatedAt = now
	id, err := insertTalk(ctx, tx, d)
	if err != nil {
		return d, false, err
	}
	d.ID = id
	return d, true, nil
}

const insertTalkQuery = `INSERT INTO talks (id, workspace_id, conference_id, title, norm_title, speakers, event, room, day,
	starts_at, ends_at, schedule_url, schedule_id, recording_url, links, abstract, tags, created_by, created_at, fts_pending)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// insertTalk writes a new talk (with t.ID when it is set, as undo restores
// one) and its tags, and returns its id.
func insertTalk(ctx context.Context, tx *txn, t talkbot.Talk) (int64, error) {
	res, err := tx.ExecContext(ctx, insertTalkQuery, nullID(t.ID),
		t.WorkspaceID, t.ConferenceID, t.Title, talkbot.NormalizeTitle(t.Title), encodeSpeakers(t.Speakers), t.Event, t.Room, t.Day,
		nullTime(t.StartsAt), nullTime(t.EndsAt), t.ScheduleURL, nullString(t.ScheduleID), t.RecordingURL, strings.Join(t.Links, "\n"),
		t.Abstract, strings.Join(t.Tags, " "), nullID(t.CreatedBy), formatTime(t.CreatedAt), tx.indexLater(&tx.markedTalks))
	if err != nil {
		return 0, fmt.Errorf("insert talk: %w", err)
	}
	id, _ := res.LastInsertId()
	if err := writeTags(ctx, tx, id, t.Tags); err != nil {
		return 0, err
	}
	return id, nil
}

// updateTalk writes the editable fields of t.
func updateTalk(ctx context.Context, tx *txn, t talkbot.Talk) error {
	_, err := tx.ExecContext(ctx, `UPDATE talks SET title = ?, norm_title = ?, speakers = ?, event = ?, room = ?, day = ?,
		schedule_url = ?, schedule_id = ?, recording_url = ?, links = ?, tags = ? WHERE id = ?`,
		t.Title, talkbot.NormalizeTitle(t.Title), encodeSpeakers(t.Speakers), t.Event, t.Room, t.Day,
		t.ScheduleURL, nullString(t.ScheduleID), t.RecordingURL, strings.Join(t.Links, "\n"), strings.Join(t.Tags, " "), t.ID)
	if err != nil {
		return fmt.Errorf("update talk: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM talk_tags WHERE talk_id = ?`, t.ID); err != nil {
		return fmt.Errorf("clear tags: %w", err)
	}
	return writeTags(ctx, tx, t.ID, t.Tags)
}

func writeTags(ctx context.Context, tx *txn, talkID int64, tags []string) error {
	for _, tag := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO talk_tags (talk_id, tag) VALUES (?, ?)`, talkID, tag); err != nil {
			return fmt.Errorf("insert tag: %w", err)
		}
	}
	return nil
}

// maxLinks bounds a talk's other links.
const maxLinks = 20

// patchTalk applies p to t, touching only empty fields when fillEmpty is set
// (then tags are added only to a talk without any; links are always added).
// It reports whether anything changed.
func patchTalk(t talkbot.Talk, p talkbot.TalkPatch, fillEmpty bool) (talkbot.Talk, bool) {
	before := t
	set := func(dst *string, v *string) {
		if v != nil && (!fillEmpty || *dst == "") {
			*dst = *v
		}
	}
	set(&t.Title, p.Title)
	set(&t.Event, p.Event)
	set(&t.Room, p.Room)
	set(&t.Day, p.Day)
	set(&t.ScheduleURL, p.ScheduleURL)
	set(&t.ScheduleID, p.ScheduleID)
	set(&t.RecordingURL, p.RecordingURL)
	if p.Speakers != nil && (!fillEmpty || len(t.Speakers) == 0) {
		t.Speakers = *p.Speakers
	}
	if p.Tags != nil {
		t.Tags = *p.Tags
	}
	t.Tags = slices.Clone(t.Tags)
	if !fillEmpty || len(t.Tags) == 0 {
		for _, tag := range p.AddTags {
			if !slices.Contains(t.Tags, tag) && len(t.Tags) < talkbot.MaxTags {
				t.Tags = append(t.Tags, tag)
			}
		}
	}
	t.Links = slices.Clone(t.Links)
	for _, l := range p.AddLinks { // anyone may add a link; none is replaced
		if !slices.Contains(t.Links, l) && len(t.Links) < maxLinks {
			t.Links = append(t.Links, l)
		}
	}
	changed := t.Title != before.Title || t.Event != before.Event || t.Room != before.Room || t.Day != before.Day ||
		t.ScheduleURL != before.ScheduleURL || t.ScheduleID != before.ScheduleID || t.RecordingURL != before.RecordingURL ||
		!slices.Equal(t.Speakers, before.Speakers) || !slices.Equal(t.Tags, before.Tags) || !slices.Equal(t.Links, before.Links)
	return t, changed
}
