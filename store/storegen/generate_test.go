package storegen

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

// smallGeneration is the size `make test` generates: big enough for every
// kind of row to turn up, small enough to take well under a second.
var smallGeneration = Options{
	Platform: talkbot.PlatformConsole, Workspace: "bench",
	Talks: 200, Users: 20, LogsPerUser: 10, Notes: 2000, Recommendations: 30, Seed: 7,
}

// generated is a generated database, open as the bot opens it, and as a
// plain database for the checks.
type generated struct {
	*store.Store
	db   *sql.DB
	path string
}

func genTestStore(t *testing.T, g Options) *generated {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 25, 11, 0, 0, 0, time.UTC) }
	path := filepath.Join(t.TempDir(), "gen.db")
	s, err := store.Open(ctx, path, store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := Generate(ctx, path, g); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &generated{Store: s, db: db, path: path}
}

func genCount(t *testing.T, s *generated, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestGenerateLoadsWhatWasAskedFor(t *testing.T) {
	ctx := context.Background()
	g := smallGeneration
	s := genTestStore(t, g)

	for _, c := range []struct {
		query string
		want  int
	}{
		{`SELECT COUNT(*) FROM workspaces`, 1},
		{`SELECT COUNT(*) FROM conferences`, 1},
		{`SELECT COUNT(*) FROM users`, g.Users},
		{`SELECT COUNT(*) FROM talks`, g.Talks},
		{`SELECT COUNT(*) FROM notes`, g.Notes},
		{`SELECT COUNT(*) FROM recommendations`, g.Recommendations},
		{`SELECT COUNT(DISTINCT norm_title) FROM talks`, g.Talks},
		{`SELECT COUNT(*) FROM talks WHERE tags = ''`, 0},
		{`SELECT COUNT(*) FROM talks WHERE day NOT IN ('2026-03-24', '2026-03-25', '2026-03-26')`, 0},
		{`SELECT COUNT(*) FROM users WHERE last_talk_id IS NULL`, 0},
	} {
		if got := genCount(t, s, c.query); got != c.want {
			t.Errorf("%s = %d, want %d", c.query, got, c.want)
		}
	}
	if got, lo, hi := genCount(t, s, `SELECT COUNT(*) FROM logs`), g.Users, g.Users*(2*g.LogsPerUser-1); got < lo || got > hi {
		t.Errorf("%d logs, want %d to %d", got, lo, hi)
	}
	for _, status := range []string{"attended", "missed", "none"} {
		if genCount(t, s, `SELECT COUNT(*) FROM logs WHERE status = ?`, status) == 0 {
			t.Errorf("no %s logs", status)
		}
	}
	if got := genCount(t, s, `SELECT COUNT(*) FROM talk_tags`); got < g.Talks {
		t.Errorf("%d talk tags for %d talks", got, g.Talks)
	}

	// The router finds the generated users, and their conference, without creating anything.
	u, err := s.User(ctx, g.Platform, g.Workspace, UserID(g.Users), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := genCount(t, s, `SELECT COUNT(*) FROM users`); got != g.Users {
		t.Errorf("looking up %s made %d users, want %d", UserID(g.Users), got, g.Users)
	}
	c, err := s.CurrentConference(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	want := talkbot.Conference{ID: c.ID, WorkspaceID: u.WorkspaceID, Name: "KubeCon EU 2026", StartsOn: "2026-03-24", EndsOn: "2026-03-26", Timezone: "Europe/Amsterdam"}
	if c != want {
		t.Errorf("current conference = %+v, want %+v", c, want)
	}
}

func TestGenerateKeepsHighlightCountersRight(t *testing.T) {
	ctx := context.Background()
	s := genTestStore(t, smallGeneration)

	if got := genCount(t, s, `SELECT COUNT(*) FROM talks t WHERE
		highlight_count != (SELECT COUNT(*) FROM logs l WHERE l.talk_id = t.id AND (l.starred OR l.rating >= 4))
		OR star_count != (SELECT COUNT(*) FROM logs l WHERE l.talk_id = t.id AND l.starred)
		OR rating_sum != (SELECT COALESCE(SUM(rating), 0) FROM logs l WHERE l.talk_id = t.id)
		OR rating_count != (SELECT COUNT(*) FROM logs l WHERE l.talk_id = t.id AND l.rating > 0)
		OR score != (SELECT COALESCE(SUM(CASE WHEN l.rating > 0 THEN l.rating - 3 ELSE 0 END + l.starred), 0)
			FROM logs l WHERE l.talk_id = t.id)`); got != 0 {
		t.Errorf("%d talks have counters that disagree with their logs", got)
	}

	u, err := s.User(ctx, talkbot.PlatformConsole, smallGeneration.Workspace, UserID(1), "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CurrentConference(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	top, _, err := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: c.ID, Page: talkbot.Page{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 10 {
		t.Fatalf("%d team highlights, want 10", len(top))
	}
	best := genCount(t, s, `SELECT COUNT(*) FROM logs WHERE talk_id = ? AND (starred OR rating >= 4)`, top[0].ID)
	most := genCount(t, s, `SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM logs WHERE starred OR rating >= 4 GROUP BY talk_id)`)
	if best != most || top[0].HighlightCount != most {
		t.Errorf("top highlight #%d has %d highlights (counter %d); the most any talk has is %d", top[0].ID, best, top[0].HighlightCount, most)
	}
	// Popular talks draw more people than the rest.
	if most < 3*genCount(t, s, `SELECT COUNT(*) FROM logs`)/smallGeneration.Talks {
		t.Errorf("the most highlighted talk has %d highlights: attention is not skewed", most)
	}
}

func TestGenerateIsSearchable(t *testing.T) {
	ctx := context.Background()
	s := genTestStore(t, smallGeneration)
	u, err := s.User(ctx, talkbot.PlatformConsole, smallGeneration.Workspace, UserID(1), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		words    string
		wantNote bool
	}{
		{"kubernetes", false}, // in titles and abstracts
		{"staging", true},     // only in notes
	} {
		hits, _, err := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: u.WorkspaceID, ViewerID: u.ID, Text: c.words, Page: talkbot.Page{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) == 0 {
			t.Errorf("search %q found nothing", c.words)
			continue
		}
		if gotNote := hits[0].Note != nil; gotNote != c.wantNote {
			t.Errorf("search %q: first hit found by a note = %v, want %v", c.words, gotNote, c.wantNote)
		}
	}
}

func TestGeneratePrivateNotesBelongToTheirAuthor(t *testing.T) {
	ctx := context.Background()
	s := genTestStore(t, smallGeneration)

	if got := genCount(t, s, `SELECT COUNT(*) FROM notes n WHERE NOT EXISTS
		(SELECT 1 FROM logs l WHERE l.user_id = n.user_id AND l.talk_id = n.talk_id)`); got != 0 {
		t.Errorf("%d notes are on talks their author never logged", got)
	}
	private := genCount(t, s, `SELECT COUNT(*) FROM notes WHERE visibility = 'private'`)
	if private == 0 || private == smallGeneration.Notes {
		t.Fatalf("%d of %d notes are private, want some but not all", private, smallGeneration.Notes)
	}

	var noteID, talkID, authorID int64
	if err := s.db.QueryRowContext(ctx, `SELECT id, talk_id, user_id FROM notes WHERE visibility = 'private' ORDER BY id LIMIT 1`).
		Scan(&noteID, &talkID, &authorID); err != nil {
		t.Fatal(err)
	}
	var otherID, wsID int64
	if err := s.db.QueryRowContext(ctx, `SELECT id, workspace_id FROM users WHERE id != ? ORDER BY id LIMIT 1`, authorID).
		Scan(&otherID, &wsID); err != nil {
		t.Fatal(err)
	}
	shows := func(viewer int64) bool {
		d, err := s.TalkDetail(ctx, wsID, viewer, talkID)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(d.Notes, func(n talkbot.Note) bool { return n.ID == noteID })
	}
	if !shows(authorID) {
		t.Errorf("private note %d is hidden from its author", noteID)
	}
	if shows(otherID) {
		t.Errorf("private note %d is shown to user %d, who did not write it", noteID, otherID)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	snapshot := func(s *generated) []string {
		rows, err := s.db.QueryContext(context.Background(), `SELECT title || '|' || speakers || '|' || starts_at FROM talks
			UNION ALL SELECT text || '|' || visibility FROM notes WHERE id % 97 = 0
			UNION ALL SELECT user_id || '|' || talk_id || '|' || status || '|' || rating FROM logs
			UNION ALL SELECT user_id || '|' || label || '|' || payload || '|' || created_at FROM history`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := snapshot(genTestStore(t, smallGeneration)), snapshot(genTestStore(t, smallGeneration))
	if !slices.Equal(a, b) {
		t.Error("the same seed generated different data")
	}
	other := smallGeneration
	other.Seed++
	if slices.Equal(a, snapshot(genTestStore(t, other))) {
		t.Error("a different seed generated the same data")
	}
}

func TestGenerateRefusesAnExistingWorkspace(t *testing.T) {
	s := genTestStore(t, smallGeneration)
	err := Generate(context.Background(), s.path, smallGeneration)
	if err == nil {
		t.Fatal("generating into an existing workspace succeeded")
	}
	if got := genCount(t, s, `SELECT COUNT(*) FROM talks`); got != smallGeneration.Talks {
		t.Errorf("after the failed run there are %d talks, want %d", got, smallGeneration.Talks)
	}
}

// TestGeneratedHistoryUndoes: every user has a full undo history, in the
// records the store writes, that undo walks back to its start: each step
// had left the log as it then was (the newest, as it is stored), changed
// only its rating or star, came after the log was logged, and named the
// user's last talk before it.
func TestGeneratedHistoryUndoes(t *testing.T) {
	ctx := context.Background()
	g := smallGeneration
	s := genTestStore(t, g)
	if got, want := genCount(t, s, `SELECT COUNT(*) FROM history`), g.Users*store.HistoryDepth; got != want {
		t.Errorf("%d undo steps, want %d", got, want)
	}
	// cmp.Equal compares the times with their Equal method.
	same := func(a, b talkbot.Log) bool { return cmp.Equal(a, b) }
	// newest is the talk of the user's newest step, 0 when none is left.
	newest := func(userID int64) (talk int64) {
		err := s.db.QueryRowContext(ctx, `SELECT json_extract(payload, '$.talk_id') FROM history WHERE user_id = ? ORDER BY id DESC LIMIT 1`, userID).Scan(&talk)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		return talk
	}
	for i := 1; i <= g.Users; i++ {
		u, err := s.User(ctx, g.Platform, g.Workspace, UserID(i), "")
		if err != nil {
			t.Fatal(err)
		}
		if last := genCount(t, s, `SELECT last_talk_id FROM users WHERE id = ?`, u.ID); int64(last) != newest(u.ID) {
			t.Errorf("%s: last talk #%d, but the newest step is on #%d", UserID(i), last, newest(u.ID))
		}
		for step := range store.HistoryDepth {
			talk := newest(u.ID)
			stored, err := s.UserLog(ctx, u.ID, talk)
			if err != nil {
				t.Fatal(err)
			}
			undone, err := s.Undo(ctx, u.ID)
			if err != nil || undone.LogBefore == nil || undone.LogAfter == nil {
				t.Fatalf("%s, step %d back: undo = %+v, %v; want a log change taken back", UserID(i), step, undone, err)
			}
			if !same(*undone.LogAfter, stored) {
				t.Fatalf("%s, step %d back: the step had left %+v, but the log was %+v", UserID(i), step, *undone.LogAfter, stored)
			}
			before := *undone.LogBefore
			if before.Rating == stored.Rating && before.Starred == stored.Starred {
				t.Errorf("%s, step %d back: %q changed nothing", UserID(i), step, undone.Label)
			}
			if before.UpdatedAt.Before(before.LoggedAt) {
				t.Errorf("%s, step %d back: before it the log was updated (%v) before it was logged (%v)", UserID(i), step, before.UpdatedAt, before.LoggedAt)
			}
			before.Rating, before.Starred, before.UpdatedAt = stored.Rating, stored.Starred, stored.UpdatedAt
			if !same(before, stored) {
				t.Errorf("%s, step %d back: %q changed more than a rating or star: %+v, stored %+v", UserID(i), step, undone.Label, *undone.LogBefore, stored)
			}
			var last sql.NullInt64
			if err := s.db.QueryRowContext(ctx, `SELECT last_talk_id FROM users WHERE id = ?`, u.ID).Scan(&last); err != nil {
				t.Fatal(err)
			}
			if last.Int64 != newest(u.ID) {
				t.Errorf("%s, step %d back: last talk after the undo #%d, want #%d, the talk of the step before", UserID(i), step, last.Int64, newest(u.ID))
			}
		}
	}
}
