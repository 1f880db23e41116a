// Package storegen bulk-loads a realistic conference into a talkbot database,
// for benchmarks and load tests. It is not part of the bot.
package storegen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

// Options say how much Generate loads and where.
type Options struct {
	Platform  string // talkbot.PlatformConsole when empty
	Workspace string // the workspace's external id; it must not exist yet
	// Conference is the one conference of the workspace, made its active one;
	// KubeCon EU 2026 (2026-03-24..26, Europe/Amsterdam) when Name is empty.
	Conference talkbot.Conference

	Talks           int
	Users           int // with external ids UserID(1) … UserID(Users)
	LogsPerUser     int // the mean; 30 when zero
	Notes           int // spread over the logged talks
	Recommendations int // colleague and team recommendations, for `watch`
	Seed            int64

	Logger *slog.Logger // progress, one line a phase; nothing when nil
}

// UserID is the external id Generate gives its i-th user (1-based).
func UserID(i int) string { return fmt.Sprintf("u%05d", i) }

// generateBatch is how many rows go in one transaction: large enough that
// commits cost nothing, small enough that the WAL stays a few tens of MB.
const generateBatch = 20_000

// generateCacheKiB is the page cache of the write connection while loading:
// the indexes on talk_id take their inserts in random order.
const generateCacheKiB = 256 << 10

// Generate bulk-loads a realistic conference into a new workspace, for
// benchmarks and load tests: talks with titles, speakers, abstracts, tags and
// slots; users; logs with a realistic mix of attended, missed and watch-later,
// skewed ratings and stars, most of them on a few popular talks; team and
// private notes; recommendations; and full undo histories. Rows go through
// the real tables, so the triggers keep full-text search and the highlight
// counters right. The same options and seed always produce the same data. In
// a fresh database, users get ids 1…Users and talks ids 1…Talks.
func Generate(ctx context.Context, path string, g Options) error {
	if err := g.fill(); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	defer conn.Close()
	// A PRAGMA on a pinned connection reaches exactly that connection; put it back when done.
	var cache int64
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return fmt.Errorf("generate: read cache size: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, generateCacheKiB)); err != nil {
		return fmt.Errorf("generate: set cache size: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, cache)); err != nil {
			g.Logger.WarnContext(ctx, "generate: restore cache size", "err", err)
		}
	}()

	gen := newGenerator(g)
	phases := []struct {
		name string
		rows func() int
		run  func(context.Context, *sql.Conn) error
	}{
		{"workspace", func() int { return 1 }, gen.workspace},
		{"users", func() int { return len(gen.users) }, gen.loadUsers},
		{"talks", func() int { return len(gen.talks) }, gen.loadTalks},
		{"logs", func() int { return len(gen.logs) }, gen.loadLogs},
		{"recommendations", func() int { return g.Recommendations }, gen.loadRecommendations},
		{"notes", func() int { return g.Notes }, gen.loadNotes},
		{"history", func() int { return len(gen.users) * store.HistoryDepth }, gen.loadHistory},
	}
	start := time.Now()
	for _, p := range phases {
		t := time.Now()
		if err := p.run(ctx, conn); err != nil {
			return fmt.Errorf("generate %s: %w", p.name, err)
		}
		g.Logger.InfoContext(ctx, "generated", "phase", p.name, "rows", p.rows(), "took", time.Since(t).Round(time.Millisecond))
	}
	g.Logger.InfoContext(ctx, "generated", "phase", "all", "workspace", g.Workspace, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// fill checks the options and puts in the defaults.
func (g *Options) fill() error {
	if g.Platform == "" {
		g.Platform = talkbot.PlatformConsole
	}
	if g.Conference.Name == "" {
		g.Conference = talkbot.Conference{Name: "KubeCon EU 2026", StartsOn: "2026-03-24", EndsOn: "2026-03-26", Timezone: "Europe/Amsterdam"}
	}
	if g.LogsPerUser == 0 {
		g.LogsPerUser = 30
	}
	if g.Logger == nil {
		g.Logger = slog.New(slog.DiscardHandler)
	}
	first, err1 := time.Parse(time.DateOnly, g.Conference.StartsOn)
	last, err2 := time.Parse(time.DateOnly, g.Conference.EndsOn)
	_, err3 := time.LoadLocation(g.Conference.Timezone)
	switch {
	case g.Workspace == "":
		return errors.New("no workspace")
	case g.Talks < 1 || g.Users < 1 || g.LogsPerUser < 1 || g.Notes < 0 || g.Recommendations < 0:
		return fmt.Errorf("want at least one talk, user and log per user, got %d, %d and %d", g.Talks, g.Users, g.LogsPerUser)
	case err1 != nil || err2 != nil || last.Before(first):
		return fmt.Errorf("conference dates %q..%q", g.Conference.StartsOn, g.Conference.EndsOn)
	case err3 != nil:
		return fmt.Errorf("conference time zone: %w", err3)
	}
	return nil
}

// generator holds what one phase leaves for the next: ids and the logs that notes go on.
type generator struct {
	opt  Options
	rng  *rand.Rand
	loc  *time.Location
	days []string // the conference days, YYYY-MM-DD

	wsID, confID int64
	users        []genUser
	talks        []genTalk
	popular      []int32 // talk indexes, most popular first
	logs         []genLog
}

type genUser struct {
	id      int64
	name    string
	private bool // writes private notes by default
}

type genTalk struct {
	id    int64
	start time.Time
	end   time.Time
}

type genLog struct {
	user, talk int32 // indexes into users and talks
	at         time.Time
	log        talkbot.Log // as stored
	steps      int         // undo steps on it (loadHistory)
}

func newGenerator(g Options) *generator {
	loc, _ := time.LoadLocation(g.Conference.Timezone)
	gen := &generator{opt: g, rng: rand.New(rand.NewPCG(uint64(g.Seed), 0x7a1b_b07)), loc: loc}
	first, _ := time.Parse(time.DateOnly, g.Conference.StartsOn)
	last, _ := time.Parse(time.DateOnly, g.Conference.EndsOn)
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		gen.days = append(gen.days, d.Format(time.DateOnly))
	}
	return gen
}

// opening is 09:00 on the conference's first day, in its zone.
func (gen *generator) opening() time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, gen.days[0], gen.loc)
	return d.Add(9 * time.Hour)
}

// batches calls fn for rows [0, n), per rows a transaction, with the queries
// prepared once a transaction.
func batches(ctx context.Context, conn *sql.Conn, n, per int, queries []string, fn func(i int, stmts []*sql.Stmt) error) error {
	for from := 0; from < n; from += per {
		if err := batch(ctx, conn, from, min(n, from+per), queries, fn); err != nil {
			return err
		}
	}
	return nil
}

func batch(ctx context.Context, conn *sql.Conn, from, to int, queries []string, fn func(i int, stmts []*sql.Stmt) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	stmts := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		if stmts[i], err = tx.PrepareContext(ctx, q); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer stmts[i].Close()
	}
	for i := from; i < to; i++ {
		if err := fn(i, stmts); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// workspace creates the workspace and its conference, and makes the conference the active one.
func (gen *generator) workspace(ctx context.Context, conn *sql.Conn) error {
	c := gen.opt.Conference
	created := formatTime(gen.opening().AddDate(0, -2, 0))
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO workspaces (platform, external_id, created_at) VALUES (?, ?, ?)`,
		gen.opt.Platform, gen.opt.Workspace, created)
	if err != nil {
		return fmt.Errorf("insert workspace %s/%s (it must not exist yet): %w", gen.opt.Platform, gen.opt.Workspace, err)
	}
	gen.wsID, _ = res.LastInsertId()
	res, err = tx.ExecContext(ctx, `INSERT INTO conferences (workspace_id, name, starts_on, ends_on, timezone, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, gen.wsID, c.Name, c.StartsOn, c.EndsOn, c.Timezone, created)
	if err != nil {
		return fmt.Errorf("insert conference: %w", err)
	}
	gen.confID, _ = res.LastInsertId()
	if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET active_conference_id = ? WHERE id = ?`, gen.confID, gen.wsID); err != nil {
		return fmt.Errorf("activate conference: %w", err)
	}
	return tx.Commit()
}

// loadUsers creates the users: u00001, u00002, …; about one in seven keeps notes private by default.
func (gen *generator) loadUsers(ctx context.Context, conn *sql.Conn) error {
	gen.users = make([]genUser, gen.opt.Users)
	base := gen.opening().AddDate(0, 0, -30)
	return batches(ctx, conn, len(gen.users), generateBatch, []string{
		`INSERT INTO users (workspace_id, external_id, name, default_visibility, created_at) VALUES (?, ?, ?, ?, ?)`,
	}, func(i int, st []*sql.Stmt) error {
		u := genUser{name: gen.personName(), private: gen.rng.IntN(7) == 0}
		vis := talkbot.VisibilityTeam
		if u.private {
			vis = talkbot.VisibilityPrivate
		}
		joined := base.Add(time.Duration(gen.rng.Int64N(int64(30 * 24 * time.Hour))))
		res, err := st[0].ExecContext(ctx, gen.wsID, UserID(i+1), u.name, string(vis), formatTime(joined))
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		u.id, _ = res.LastInsertId()
		gen.users[i] = u
		return nil
	})
}

// loadTalks creates the talks: 25 minutes (tutorials 75) starting on the half
// hour between 09:00 and 17:00 on one of the days, with one to three speakers
// and tags; three in ten have a recording.
func (gen *generator) loadTalks(ctx context.Context, conn *sql.Conn) error {
	gen.talks = make([]genTalk, gen.opt.Talks)
	titles := map[string]int{}
	created := gen.opening().AddDate(0, 0, -14)
	err := batches(ctx, conn, len(gen.talks), generateBatch, []string{
		`INSERT INTO talks (workspace_id, conference_id, title, norm_title, speakers, event, room, day, starts_at, ends_at,
			schedule_url, schedule_id, recording_url, abstract, tags, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		`INSERT INTO talk_tags (talk_id, tag) VALUES (?, ?)`,
	}, func(i int, st []*sql.Stmt) error {
		title, tutorial := gen.title()
		norm := talkbot.NormalizeTitle(title)
		// Titles are unique, as on a real schedule, so a title always names one talk.
		titles[norm]++
		if n := titles[norm]; n > 1 {
			title = fmt.Sprintf("%s (Part %d)", title, n)
			norm = talkbot.NormalizeTitle(title)
		}
		speakers := make([]string, []int{1, 1, 1, 1, 1, 1, 2, 2, 2, 3}[gen.rng.IntN(10)])
		for j := range speakers {
			speakers[j] = gen.personName()
		}
		day := gen.days[gen.rng.IntN(len(gen.days))]
		d, _ := time.ParseInLocation(time.DateOnly, day, gen.loc)
		start := d.Add(9*time.Hour + time.Duration(gen.rng.IntN(17))*30*time.Minute)
		length := 25 * time.Minute
		if tutorial {
			length = 75 * time.Minute
		}
		tags := gen.tags()
		sid := strconv.FormatInt(int64(i)+36*36*36, 36)
		var recording string
		if gen.rng.IntN(10) < 3 {
			recording = "https://www.youtube.com/watch?v=" + gen.videoID()
		}
		res, err := st[0].ExecContext(ctx, gen.wsID, gen.confID, title, norm, strings.Join(speakers, "\n"),
			gen.event(), pick(gen.rng, rooms), day, formatTime(start), formatTime(start.Add(length)),
			"https://kccnceu2026.sched.com/event/"+sid, sid, recording, gen.abstract(speakers[0]),
			strings.Join(tags, " "), gen.users[gen.rng.IntN(len(gen.users))].id, formatTime(created))
		if err != nil {
			return fmt.Errorf("insert talk: %w", err)
		}
		id, _ := res.LastInsertId()
		for _, tag := range tags {
			if _, err := st[1].ExecContext(ctx, id, tag); err != nil {
				return fmt.Errorf("insert tag: %w", err)
			}
		}
		gen.talks[i] = genTalk{id: id, start: start, end: start.Add(length)}
		return nil
	})
	if err != nil {
		return err
	}
	// Popularity is unrelated to the order talks were loaded in.
	gen.popular = make([]int32, len(gen.talks))
	for i, p := range gen.rng.Perm(len(gen.talks)) {
		gen.popular[i] = int32(p)
	}
	return nil
}

// popularTalk picks a talk, most of the time one of the popular few: the top
// 1% of talks get about 16% of the attention, the top 10% about 40%.
func (gen *generator) popularTalk() int32 {
	return gen.popular[int(float64(len(gen.popular))*math.Pow(gen.rng.Float64(), 2.5))]
}

// loadLogs gives every user between 1 and 2×LogsPerUser-1 talks: 70% attended
// (80% of those rated, mostly 4s and 5s; some starred), 15% missed and 15%
// put on the watch-later list, a fifth of both since watched.
func (gen *generator) loadLogs(ctx context.Context, conn *sql.Conn) error {
	perUser := make([][]int32, len(gen.users))
	total := 0
	for u := range perUser {
		n := min(1+gen.rng.IntN(2*gen.opt.LogsPerUser-1), len(gen.talks))
		seen := make(map[int32]bool, n)
		for len(seen) < n {
			seen[gen.popularTalk()] = true
		}
		// In id order, so the inserts append to the logs primary key.
		perUser[u] = slices.Sorted(maps.Keys(seen))
		total += n
	}
	gen.logs = make([]genLog, 0, total)
	// A user's logs go in one transaction, so batches count users.
	return batches(ctx, conn, len(perUser), max(1, generateBatch/gen.opt.LogsPerUser), []string{
		`INSERT INTO logs (user_id, talk_id, status, reason, watch_later, watched, rating, starred, logged_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	}, func(u int, st []*sql.Stmt) error {
		logs := make([]genLog, len(perUser[u]))
		for i, ti := range perUser[u] {
			t := gen.talks[ti]
			l := gen.log(t)
			l.UserID, l.TalkID = gen.users[u].id, t.id
			l.LoggedAt, l.UpdatedAt = l.LoggedAt.UTC(), l.UpdatedAt.UTC() // as the store keeps them
			logs[i] = genLog{user: int32(u), talk: ti, at: l.LoggedAt, log: l}
		}
		// The undo history's steps go to the logs changed last (loadHistory),
		// after each was logged.
		byUpdate := make([]int, len(logs))
		for i := range byUpdate {
			byUpdate[i] = i
		}
		slices.SortStableFunc(byUpdate, func(a, b int) int { return logs[b].log.UpdatedAt.Compare(logs[a].log.UpdatedAt) })
		for rank, i := range byUpdate {
			l := &logs[i]
			if l.steps = historySteps(len(logs), rank); l.steps > 0 {
				if first := l.log.LoggedAt.Add(time.Duration(l.steps) * time.Minute); l.log.UpdatedAt.Before(first) {
					l.log.UpdatedAt = first
				}
			}
		}
		for _, g := range logs {
			l := g.log
			if _, err := st[0].ExecContext(ctx, l.UserID, l.TalkID, string(l.Status), l.Reason, boolInt(l.WatchLater),
				boolInt(l.Watched), l.Rating, boolInt(l.Starred), formatTime(l.LoggedAt), formatTime(l.UpdatedAt)); err != nil {
				return fmt.Errorf("insert log: %w", err)
			}
			gen.logs = append(gen.logs, g)
		}
		return nil
	})
}

// historySteps is how many of a user's store.HistoryDepth undo steps go to
// the rank-th (from 0) most recently changed of their n logs: the steps go
// round the logs, the last changed first.
func historySteps(n, rank int) int {
	k := store.HistoryDepth / n
	if rank < store.HistoryDepth%n {
		k++
	}
	return k
}

// log makes up one user's log of talk t.
func (gen *generator) log(t genTalk) talkbot.Log {
	r := gen.rng
	l := talkbot.Log{Status: talkbot.StatusAttended, LoggedAt: t.end.Add(time.Duration(r.IntN(90)) * time.Minute)}
	switch p := r.IntN(100); {
	case p < 70:
		if r.IntN(5) > 0 {
			l.Rating = []int{1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5}[r.IntN(20)]
		}
		l.Starred = r.IntN(100) < []int{2, 1, 1, 3, 10, 40}[l.Rating]
	case p < 85:
		l.Status, l.WatchLater = talkbot.StatusMissed, true
		if r.IntN(2) == 0 {
			l.Reason = pick(r, missedReasons)
		}
	default:
		l.Status, l.WatchLater = talkbot.StatusNone, true
		l.LoggedAt = t.start.Add(-time.Duration(1+r.IntN(48*60)) * time.Minute)
	}
	l.UpdatedAt = l.LoggedAt
	if l.WatchLater && r.IntN(5) == 0 {
		l.WatchLater, l.Watched = false, true
		l.UpdatedAt = l.LoggedAt.Add(time.Duration(1+r.IntN(14*24)) * time.Hour)
		if r.IntN(2) == 0 {
			l.Rating = 3 + r.IntN(3)
		}
	}
	return l
}

// loadRecommendations has users recommend popular talks, one in ten to the whole team.
func (gen *generator) loadRecommendations(ctx context.Context, conn *sql.Conn) error {
	return batches(ctx, conn, gen.opt.Recommendations, generateBatch, []string{
		`INSERT INTO recommendations (workspace_id, talk_id, from_user_id, to_user_id, created_at) VALUES (?, ?, ?, ?, ?)`,
	}, func(_ int, st []*sql.Stmt) error {
		l := gen.logs[gen.rng.IntN(len(gen.logs))]
		var to any
		if gen.rng.IntN(10) > 0 {
			to = gen.users[gen.rng.IntN(len(gen.users))].id
		}
		at := l.at.Add(time.Duration(gen.rng.IntN(24*60)) * time.Minute)
		if _, err := st[0].ExecContext(ctx, gen.wsID, gen.talks[l.talk].id, gen.users[l.user].id, to, formatTime(at)); err != nil {
			return fmt.Errorf("insert recommendation: %w", err)
		}
		return nil
	})
}

// loadNotes writes notes on logged talks, by the user who logged them, in
// their default visibility nine times in ten. Every user has at least one log.
func (gen *generator) loadNotes(ctx context.Context, conn *sql.Conn) error {
	return batches(ctx, conn, gen.opt.Notes, generateBatch, []string{
		`INSERT INTO notes (talk_id, user_id, text, visibility, created_at) VALUES (?, ?, ?, ?, ?)`,
	}, func(_ int, st []*sql.Stmt) error {
		l := gen.logs[gen.rng.IntN(len(gen.logs))]
		u := gen.users[l.user]
		vis := talkbot.VisibilityTeam
		if u.private != (gen.rng.IntN(10) == 0) {
			vis = talkbot.VisibilityPrivate
		}
		at := l.at.Add(time.Duration(gen.rng.IntN(6*60)) * time.Minute)
		if _, err := st[0].ExecContext(ctx, gen.talks[l.talk].id, u.id, gen.note(), string(vis), formatTime(at)); err != nil {
			return fmt.Errorf("insert note: %w", err)
		}
		return nil
	})
}

// loadHistory gives every user a full undo history, as a conference week
// leaves it (a user's logs and notes are a hundred changes and more): the
// last store.HistoryDepth steps, going round the logs they changed last,
// each a change of a rating (of a star, on a talk not rated) that the next
// step on the same log starts from, the last one leaving the log as it is
// stored; so undo takes each back to what the step before left. All users'
// steps go in the order of their times, as the store appends them, and a
// user's last talk is that of their newest step.
func (gen *generator) loadHistory(ctx context.Context, conn *sql.Conn) error {
	type step struct {
		log      int32 // into gen.logs
		back     int   // steps on the same log after this one
		at       time.Time
		lastTalk int64 // the talk of the user's step before
	}
	byUser := make([][]step, len(gen.users))
	for i, l := range gen.logs {
		for back := range l.steps {
			byUser[l.user] = append(byUser[l.user], step{log: int32(i), back: back, at: l.log.UpdatedAt.Add(-time.Duration(back) * time.Minute)})
		}
	}
	steps := make([]step, 0, len(gen.users)*store.HistoryDepth)
	lastTalks := make([]int64, len(gen.users))
	for u, own := range byUser {
		slices.SortStableFunc(own, func(a, b step) int { return a.at.Compare(b.at) })
		for i := 1; i < len(own); i++ {
			own[i].lastTalk = gen.logs[own[i-1].log].log.TalkID
		}
		lastTalks[u] = gen.logs[own[len(own)-1].log].log.TalkID
		steps = append(steps, own...)
	}
	slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
	err := batches(ctx, conn, len(steps), generateBatch, []string{
		`INSERT INTO history (user_id, label, payload, created_at) VALUES (?, ?, ?, ?)`,
	}, func(i int, st []*sql.Stmt) error {
		s := steps[i]
		after := undoneSteps(gen.logs[s.log].log, s.back)
		after.UpdatedAt = s.at
		before := undoneSteps(after, 1)
		before.UpdatedAt = s.at.Add(-time.Minute)
		label := "rate"
		switch {
		case after.Rating > 0:
		case after.Starred:
			label = "star"
		default:
			label = "unstar"
		}
		payload, err := store.LogStepPayload(before, after, s.lastTalk)
		if err != nil {
			return err
		}
		if _, err := st[0].ExecContext(ctx, after.UserID, label, payload, formatTime(s.at)); err != nil {
			return fmt.Errorf("insert history: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return batches(ctx, conn, len(gen.users), generateBatch, []string{`UPDATE users SET last_talk_id = ? WHERE id = ?`},
		func(u int, st []*sql.Stmt) error {
			if _, err := st[0].ExecContext(ctx, lastTalks[u], gen.users[u].id); err != nil {
				return fmt.Errorf("set last talk: %w", err)
			}
			return nil
		})
}

// undoneSteps is l as it was n of loadHistory's steps earlier: a rated log
// had the rating after its rating (5 after 4, 1 after 5), an unrated one the
// other star.
func undoneSteps(l talkbot.Log, n int) talkbot.Log {
	for range n {
		if l.Rating > 0 {
			l.Rating = l.Rating%5 + 1
		} else {
			l.Starred = !l.Starred
		}
	}
	return l
}

// The text below is made of word lists in the style of KubeCon EU talk titles.

// pick returns a random element of list.
func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// pickSkewed favours the start of list, for lists ordered most common first.
func pickSkewed(r *rand.Rand, list []string) string {
	return list[int(float64(len(list))*math.Pow(r.Float64(), 1.8))]
}

func (gen *generator) personName() string {
	return pick(gen.rng, firstNames) + " " + pick(gen.rng, lastNames)
}

// project is a well-known project, or once in a hundred times one of the long tail.
func (gen *generator) project() string {
	if gen.rng.IntN(100) == 0 {
		return pick(gen.rng, rareProjects)
	}
	return pickSkewed(gen.rng, projects)
}

// title makes up a talk title and says whether the talk is a tutorial.
func (gen *generator) title() (string, bool) {
	r := gen.rng
	v, t, q, p := pick(r, verbs), pick(r, topics), pick(r, qualifiers), gen.project()
	switch r.IntN(14) {
	case 0:
		return v + " " + t + " " + q, false
	case 1:
		return v + " " + t + " With " + p, false
	case 2:
		return p + " Deep Dive: " + v + " " + t, false
	case 3:
		return "From " + t + " To " + pick(r, topics) + ": Lessons From " + pick(r, companies), false
	case 4:
		return "How " + pick(r, companies) + " " + pick(r, pastVerbs) + " " + t + " With " + p, false
	case 5:
		return p + " in Action: " + v + " " + t + " " + q, false
	case 6:
		return "Beyond " + t + ": " + v + " " + pick(r, topics) + " With " + p + " and " + gen.project(), false
	case 7:
		return "Lessons Learned " + v + " " + t + " at " + pick(r, companies), false
	case 8:
		return pick(r, adjectives) + " " + t + ": What We Learned " + v + " " + p + " " + q, false
	case 9:
		return "Project Lightning Talk: What's New in " + p + " " + pick(r, versions), false
	case 10:
		return "Tutorial: " + v + " " + t + " With " + p + ", Step by Step", true
	case 11:
		return "Panel: The Future of " + t + " " + q, false
	case 12:
		return "Why " + t + " Is Harder Than You Think (and What " + pick(r, companies) + " Did About It)", false
	default:
		return "SIG " + pick(r, sigs) + ": " + pick(r, []string{"Updates and Deep Dive", "Intro and Roadmap", "What's Next", "Meet the Maintainers"}) + " " + pick(r, versions), false
	}
}

// abstract makes up three to five sentences about a talk.
func (gen *generator) abstract(speaker string) string {
	r := gen.rng
	s := []string{
		"In this talk, " + speaker + " shows how " + pick(r, companies) + " " + pick(r, pastVerbs) + " " + strings.ToLower(pick(r, topics)) + " with " + gen.project() + ".",
		"We start with the basics of " + strings.ToLower(pick(r, topics)) + " and move on to " + strings.ToLower(pick(r, topics)) + ", " + strings.ToLower(pick(r, topics)) + " and the mistakes we made along the way.",
		"You will see a live demo of " + gen.project() + " running " + pick(r, workloads) + " across " + strconv.Itoa(2+r.IntN(500)) + " Kubernetes clusters.",
		"Attendees will leave with a checklist for " + strings.ToLower(pick(r, verbs)) + " " + strings.ToLower(pick(r, topics)) + " " + strings.ToLower(pick(r, qualifiers)) + ".",
		"We also cover how " + gen.project() + " and " + gen.project() + " fit together, and where they do not.",
		"Expect real numbers: " + strconv.Itoa(10+r.IntN(85)) + "% less " + pick(r, costs) + " and " + strconv.Itoa(2+r.IntN(20)) + "x faster " + pick(r, speedups) + ".",
		"No prior knowledge of " + gen.project() + " is needed.",
	}
	r.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	return strings.Join(s[:3+r.IntN(3)], " ")
}

// tags picks one to three tags, the common ones more often.
func (gen *generator) tags() []string {
	n := []int{1, 1, 2, 2, 2, 3}[gen.rng.IntN(6)]
	var out []string
	for len(out) < n {
		if t := pickSkewed(gen.rng, tagList); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func (gen *generator) event() string {
	if gen.rng.IntN(10) == 0 {
		return pick(gen.rng, colocated)
	}
	return "KubeCon + CloudNativeCon Europe 2026"
}

func (gen *generator) videoID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 11)
	for i := range b {
		b[i] = alphabet[gen.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// note makes up a note of one to three short remarks. Some words, such as
// "staging" and "overflow", appear only in notes.
func (gen *generator) note() string {
	r := gen.rng
	n := []int{1, 1, 1, 2, 2, 3}[r.IntN(6)]
	parts := make([]string, n)
	for i := range parts {
		switch r.IntN(16) {
		case 0:
			parts[i] = "great demo of " + gen.project()
		case 1:
			parts[i] = "try " + gen.project() + " on our staging cluster"
		case 2:
			parts[i] = "ask " + pick(r, firstNames) + " about " + strings.ToLower(pick(r, topics))
		case 3:
			parts[i] = "the " + strings.ToLower(pick(r, topics)) + " part was " + pick(r, opinions)
		case 4:
			parts[i] = "room was full, watched from the overflow"
		case 5:
			parts[i] = "TODO read the " + gen.project() + " docs on " + strings.ToLower(pick(r, topics))
		case 6:
			parts[i] = "speaker recommends " + gen.project() + " over " + gen.project() + " for " + strings.ToLower(pick(r, topics))
		case 7:
			parts[i] = "key takeaway: " + pick(r, takeaways)
		case 8:
			parts[i] = pick(r, []string{"too basic for us", "too much vendor pitch", "best talk of the day", "solid but nothing new", "slides will be on the schedule page", "must watch the recording"})
		case 9:
			parts[i] = "follow up on KEP-" + strconv.Itoa(1000+r.IntN(4000)) + " with the platform team"
		case 10:
			parts[i] = "compare " + strings.ToLower(pick(r, topics)) + " with what we run today"
		case 11:
			parts[i] = "they cut " + pick(r, costs) + " by " + strconv.Itoa(10+r.IntN(80)) + "% with " + gen.project()
		case 12:
			parts[i] = "open question: does " + gen.project() + " work with " + pick(r, workloads) + "?"
		case 13:
			parts[i] = pick(r, firstNames) + " from " + pick(r, companies) + " had a good point about " + strings.ToLower(pick(r, topics))
		case 14:
			parts[i] = "share with the " + pick(r, []string{"SRE", "security", "data", "ML", "platform", "networking"}) + " team"
		default:
			parts[i] = pick(r, opinions) + " talk, " + pick(r, []string{"clear speaker", "rushed at the end", "good Q&A", "demo failed but recovered", "great diagrams"})
		}
	}
	return strings.Join(parts, ". ")
}

// Read-only word lists.
var (
	firstNames = strings.Fields(`Aarav Abebe Adaeze Adam Aiko Aisha Alejandro Alessio Alex Ana Andrea Anya Arjun Astrid
		Ayumi Bartosz Bea Bilal Bjorn Carla Chen Chiara Chidi Daniel Dario Dawn Diego Elif Elias Emma Eitan Fatima Felix
		Florian Gabriel Giulia Hana Hiro Ines Ivan Jakub Jana Javier Joaquin Johanna Jorge Juraci Kai Kamala Katarzyna
		Kenji Kevin Lars Laura Lea Lin Lionel Luca Lucia Mado Maja Marco Marina Marta Mateo Mauro Maya Mehmet Mei Mika
		Mladen Nadia Nina Noah Nourhan Nuno Olga Omar Pablo Paula Priya Rafael Ravi Richard Rita Robert Sakura Samir Sara
		Sebastian Simone Sofia Sunita Tariq Thomas Tomas Valentina Verena Vinay Wei Whitney Yasmin Yuki Zara Zoltan`)
	lastNames = strings.Fields(`Abellard Adeyemi Andersson Aravena Bauer Becker Berton Bhargava Brandt Campbell Chen
		Choi Costa Cruz Dasgupta Dubois Egan Eriksson Fajobi Farcic Fernandes Fischer Garcia George Gordon Greggi Guedes
		Gutierrez Hacman Halley Hansen Haruki Hoffmann Horvat Ivanova Jansen Jausovec Kaur Keller Kim Klein Kowalski
		Kumar Laurent Lee Leong Lopez Martin Meyer Moore Morales Mueller Nakamura Neumann Nguyen Novak Ojea Okafor Olsen
		Park Patel Perez Petrov Polshakova Rashko Rodrigues Rossi Sato Schmidt Schneider Shah Silva Singh Smith Sosa
		Suzuki Tanaka Traub Turrado Van Dijk Vermande Wagner Walters Wang Watts Weber Wolf Wong Yamamoto Yilmaz Zhang`)
	projects = strings.Split(`Kubernetes|OpenTelemetry|Prometheus|Argo CD|Cilium|Istio|Envoy|Helm|Flux|Crossplane|Backstage|`+
		`Kyverno|OPA|Falco|etcd|containerd|Gateway API|Cluster API|Kueue|Kubeflow|KEDA|Knative|Linkerd|cert-manager|`+
		`SPIFFE|SPIRE|Dapr|Karmada|KubeVirt|Rook|Thanos|Jaeger|Vitess|Strimzi|Keycloak|WebAssembly|eBPF|Volcano|`+
		`Kustomize|Harbor|Sigstore|in-toto|Kepler|OpenCost|Talos|Headlamp|kro|Kgateway|Kagent|Tinkerbell|Metal3|CRI-O|`+
		`Longhorn|Cortex|Dragonfly|CoreDNS|Kairos|Buildpacks|Notary|Kubebuilder`, "|")
	// rareProjects each turn up in a few talks and notes only: search's long tail.
	rareProjects = strings.Fields(`Kubewarden Keptn Kanister Kubescape Paralus Kured Clusternet Kuberhealthy Meshery
		OpenFunction Piraeus Devfile Trickster Xline Zot Konveyor Copacetic Bpfman Aeraki Antrea Athenz Capsule
		Chaosblade KubeArmor Kubeclipper KubeDL Kuasar Krator Merbridge Nocalhost OpenELB OpenGemini OpenYurt Oras
		Pixie Sermant Spiderpool SuperEdge Tremor Vineyard WasmEdge Hexa Kmesh Kubestellar Microcks Ratify Shipwright`)
	verbs = strings.Fields(`Scaling Securing Debugging Taming Automating Migrating Observing Building Operating
		Upgrading Running Testing Simplifying Rethinking Hardening Optimizing Demystifying Orchestrating Sharding
		Benchmarking Replacing Federating Profiling Tuning`)
	pastVerbs = strings.Fields(`scaled secured debugged tamed automated migrated rebuilt replaced simplified hardened
		optimized federated halved`)
	topics = strings.Split(`Controllers|Operators|Service Mesh|Multi-Cluster Networking|GPU Scheduling|`+
		`Supply-Chain Security|Observability Pipelines|Platform Engineering|Developer Portals|Autoscaling|`+
		`Cost Management|Policy as Code|Secrets Management|Workload Identity|Edge Clusters|LLM Inference|`+
		`Batch Workloads|Stateful Workloads|Node Lifecycle|Admission Webhooks|Custom Resources|Distributed Tracing|`+
		`Log Pipelines|Network Policies|Ingress|Certificate Rotation|Runtime Security|Image Builds|Disaster Recovery|`+
		`Chaos Engineering|Sidecars|Control Planes|Telemetry|Dynamic Resource Allocation|Cluster Upgrades|`+
		`Multi-Tenancy|GitOps|Progressive Delivery|Internal Developer Platforms|AI Agents|Model Serving|`+
		`Vector Databases|Data Pipelines|Storage Migrations|Zero Trust|SBOMs|Kubernetes Upgrades|Pod Startup|`+
		`Cold Starts|Spot Instances|Bare Metal|Alerting|SLOs|On-Call|Backups|Service Discovery|Rate Limiting|`+
		`API Gateways|Fleet Management|Sustainability`, "|")
	qualifiers = strings.Split(`at Scale|in Production|Without Losing Your Mind|the Hard Way|for Fun and Profit|`+
		`on a Budget|in Five Minutes|Across 1000 Clusters|With Zero Downtime|in the AI Era|at the Edge|`+
		`for Regulated Industries|Before It Was Cool|in a Sovereign Cloud|for Small Teams|in 2026`, "|")
	adjectives = strings.Fields(`Boring Resilient Sustainable Declarative Immutable Ephemeral Invisible Secure Fast
		Cheap Reproducible Observable`)
	companies = strings.Split(`Spotify|Bloomberg|Swisscom|Adidas|ING|Booking.com|Mercedes-Benz|SAP|Red Hat|Google|`+
		`Microsoft|NVIDIA|Datadog|Grafana Labs|Isovalent|Solo.io|Upbound|Broadcom|CERN|Deutsche Bahn|Zalando|`+
		`Shopify|Ericsson|Nokia|Telstra|Adyen|Philips|ASML|Intuit|Huawei|Alibaba Cloud|Apple|Cisco|Akamai|`+
		`Millennium bcp|Lidl|Capital One|CoreWeave|Anthropic|Mistral AI|OVHcloud|Scaleway|Hetzner|Schwarz IT|Siemens`, "|")
	sigs = strings.Fields(`Network Node Storage Scheduling Autoscaling Apps Auth Security Release Testing
		Instrumentation Scalability Architecture CLI Docs Windows`)
	versions  = strings.Fields(`1.34 1.35 1.36 2026 v2 v3 GA Beta`)
	workloads = strings.Split(`LLM training jobs|batch pipelines|payment services|game servers|5G cores|CI runners|databases|ML notebooks|edge devices|legacy VMs`, "|")
	costs     = strings.Fields(`spend egress latency toil memory CPU downtime noise`)
	speedups  = strings.Split(`rollouts|pod startup|builds|incident response|onboarding|scheduling|queries|recovery`, "|")
	opinions  = strings.Fields(`brilliant useful solid dense inspiring practical shallow confusing excellent fun`)
	takeaways = strings.Split(`measure before you tune|start with the defaults|own your upgrade path|treat policies like code|`+
		`do not run your own control plane|budget for observability|test the restore, not the backup|small clusters fail less`, "|")
	tagList = strings.Fields(`kubernetes security observability ai platform networking ebpf gitops ml storage
		scheduling operators mesh wasm edge cost policy tracing multicluster serverless sustainability telco`)
	colocated = strings.Split(`ArgoCon|BackstageCon|Observability Day|Platform Engineering Day|WasmCon|`+
		`Open Source SecurityCon|Cloud Native AI + Kubeflow Day|Cloud Native Telco Day`, "|")
	rooms = strings.Split(`Auditorium;Hall 7 | Room A;Hall 7 | Room B-C;Hall 7 | Room D;Hall 7 | Room E;`+
		`Hall 7 | Room F;Elicium 1;Elicium 2;Forum;Hall 12;G102-103;G104-105;G106-108;E102;E103-104;D201;D202;`+
		`Emerald Room;Amber Room;Cloud Native Theater`, ";")
	missedReasons = strings.Split(`room full|clashed with another talk|hallway track|lunch ran long|`+
		`on a call|at the booth|too tired after the keynote|queue at the door`, "|")
)

func formatTime(t time.Time) string { return t.UTC().Format(store.TimeFormat) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
