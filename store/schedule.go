package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/talkbot/talkbot"
)

// examplesShown is how many talks of each kind an import result names.
const examplesShown = 3

// ImportSchedule creates or updates a conference and its talks from a
// schedule, in one transaction, and makes it the workspace's active
// conference, unless it is the channel's own (ChannelConferenceID). The
// conference is the one imported from the same schedule before (by its
// key), else the one of the same name, else the channel's own or the
// user's current one when it has no schedule yet and its dates (if any) overlap
// the schedule's (the placeholder "General" takes the schedule's name),
// else a new one.
//
// Sessions are matched on their SourceID, so a re-import updates what
// changed and marks the talks gone from the file cancelled; nobody's logs
// or notes are deleted. Talks logged by hand are joined to their session by
// schedule id (a pasted link), or by normalised title on the same day: the
// first becomes the scheduled talk, and any other's logs, notes and
// recommendations move onto it. The schedule's recording fills an empty
// recording_url only.
func (s *Store) ImportSchedule(ctx context.Context, u talkbot.User, imp talkbot.ScheduleImport) (talkbot.ImportResult, error) {
	if err := checkImport(imp); err != nil {
		return talkbot.ImportResult{}, err
	}
	var res talkbot.ImportResult
	err := s.change(ctx, func(tx *txn) error {
		res = talkbot.ImportResult{}
		now := s.now().UTC()
		conf, err := importConference(ctx, tx, u, imp, now, &res)
		if err != nil {
			return err
		}
		existing, err := queryTalks(ctx, tx, `SELECT `+talkColumns+` FROM talks t WHERE t.conference_id = ? ORDER BY t.id`, conf.ID)
		if err != nil {
			return err
		}
		w, err := newImportWriter(ctx, tx, conf, now)
		if err != nil {
			return err
		}
		defer w.close()
		if err := w.run(ctx, imp.Sessions, existing, &res); err != nil {
			return err
		}
		// The team moves to it as with an admin's `conf use`: the digest
		// channels hear of it, and an undo next says how to switch back.
		// The schedule of a channel's own conference is that channel's.
		if conf.ID != imp.ChannelConferenceID {
			if err := switchConference(ctx, tx, u, conf.ID, true, now); err != nil {
				return fmt.Errorf("activate conference: %w", err)
			}
		}
		res.Conference, err = scanConference(tx.QueryRowContext(ctx, `SELECT `+conferenceColumns+` FROM conferences c WHERE c.id = ?`, conf.ID))
		return err
	})
	if err != nil {
		return talkbot.ImportResult{}, fmt.Errorf("import schedule: %w", err)
	}
	if res.New > 0 {
		s.indexSoon()
	}
	return res, nil
}

// ftsPerTxn bounds one indexing transaction, so that other writes wait
// some 15 ms behind it at most, not the whole schedule's 60.
const ftsPerTxn = 256

// ftsIndexer is the run that puts imported talks into talk_fts and
// talk_trigrams after their import commits (migration 00009).
type ftsIndexer struct {
	mu      sync.Mutex
	running chan struct{} // closed when the run ends; nil when none runs
	again   bool          // an import committed more while the run went on
	wg      sync.WaitGroup
}

// indexSoon starts a run unless one is on, which then goes on until no
// talk is marked.
func (s *Store) indexSoon() {
	a := &s.fts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.running != nil {
		a.again = true
		return
	}
	a.running = make(chan struct{})
	a.wg.Add(1)
	go s.indexPending(a.running)
}

// indexPending indexes the marked talks, a few hundred a transaction, until
// none is left. A failure (the store closing, a full disk) leaves the rest
// marked for the next import or the next Open.
func (s *Store) indexPending(done chan struct{}) {
	a := &s.fts
	defer a.wg.Done()
	for {
		for {
			var n int64
			err := s.update(context.Background(), func(tx *txn) error {
				ctx := context.Background()
				r, err := tx.ExecContext(ctx, indexTalkText+`fts_pending = 1 ORDER BY id`+limitSQL(ftsPerTxn))
				if err != nil {
					return fmt.Errorf("index talks: %w", err)
				}
				if n, err = r.RowsAffected(); err != nil || n == 0 {
					return err
				}
				_, err = tx.ExecContext(ctx, indexTalkTrigrams+`fts_pending = 1 ORDER BY id`+limitSQL(ftsPerTxn))
				if err != nil {
					return fmt.Errorf("index talks: %w", err)
				}
				_, err = tx.ExecContext(ctx, `UPDATE talks SET fts_pending = 0 WHERE id IN
					(SELECT id FROM talks WHERE fts_pending = 1 ORDER BY id`+limitSQL(ftsPerTxn)+`)`)
				if err != nil {
					return fmt.Errorf("index talks: %w", err)
				}
				return nil
			})
			if err != nil || n == 0 {
				break
			}
		}
		a.mu.Lock()
		if !a.again {
			a.running = nil
			close(done)
			a.mu.Unlock()
			return
		}
		a.again = false
		a.mu.Unlock()
	}
}

// awaitIndex waits, within ctx, for a run of indexPending to end: every
// read of talk_fts and talk_trigrams does, so that a search or a title
// typed right after an import finds what it imported.
func (s *Store) awaitIndex(ctx context.Context) {
	a := &s.fts
	a.mu.Lock()
	running := a.running
	a.mu.Unlock()
	if running == nil {
		return
	}
	select {
	case <-running:
	case <-ctx.Done():
	}
}

// checkImport refuses what the schedule parsers never produce, so a caller's
// mistake cannot cancel a whole conference or break the unique ids.
func checkImport(imp talkbot.ScheduleImport) error {
	if len(imp.Sessions) == 0 {
		return talkbot.Errorf(talkbot.EINVALID, "That schedule has no sessions; nothing was imported.")
	}
	if _, err := time.LoadLocation(imp.Conference.Timezone); err != nil || imp.Conference.Timezone == "" {
		return talkbot.Errorf(talkbot.EINVALID, "That schedule's time zone %q is unknown; nothing was imported.", imp.Conference.Timezone)
	}
	seen := make(map[string]bool, len(imp.Sessions))
	for _, x := range imp.Sessions {
		if x.SourceID == "" || seen[x.SourceID] || x.Title == "" {
			return talkbot.Errorf(talkbot.EINVALID, "That schedule has a session without an id or title, or two with one id; nothing was imported.")
		}
		seen[x.SourceID] = true
	}
	return nil
}

// importConference finds or creates the conference the schedule goes into
// and writes what the schedule says about it.
func importConference(ctx context.Context, tx *txn, u talkbot.User, imp talkbot.ScheduleImport, now time.Time, res *talkbot.ImportResult) (talkbot.Conference, error) {
	one := func(query string, args ...any) (talkbot.Conference, bool, error) {
		c, err := scanConference(tx.QueryRowContext(ctx, `SELECT `+conferenceColumns+` FROM conferences c `+query, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return c, false, nil
		}
		return c, err == nil, err
	}
	name := imp.Conference.Name
	if name == "" {
		name = cmp.Or(imp.Key, "Imported schedule")
	}
	conf, found, err := one(`WHERE c.workspace_id = ? AND c.schedule_key = ? AND c.schedule_key != '' ORDER BY c.id LIMIT 1`, u.WorkspaceID, imp.Key)
	if err == nil && !found { // its name as `conf new` and `conf use` read one: up to case and punctuation
		if conf, err = conferenceNamed(ctx, tx, u.WorkspaceID, name); err == nil {
			found = true
		} else if errors.Is(err, talkbot.ErrNotFound) {
			err = nil
		}
	}
	if err == nil && !found {
		var key string
		var imported sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT `+conferenceColumns+`, c.schedule_key FROM conferences c WHERE c.id = COALESCE(NULLIF(?, 0),
			(SELECT conference_id FROM users WHERE id = ?), (SELECT active_conference_id FROM workspaces WHERE id = ?))`, imp.ChannelConferenceID, u.ID, u.WorkspaceID).
			Scan(append(conferenceDest(&conf, &imported), &key)...)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = nil
		case err == nil && key == "" && conf.StartsOn == "":
			// Dateless (General, most often): taken over when its talks'
			// days fit the schedule's week, or last year's talks would
			// become this conference's.
			if found, err = talksWithin(ctx, tx, conf.ID, imp.Conference); err == nil && !found {
				res.LeftIn = conf.Name
			}
		case err == nil && key == "" && overlaps(conf, imp.Conference):
			found = true
		}
		if found && conf.Name == talkbot.DefaultConferenceName {
			res.Renamed = conf.Name
			conf.Name = name
		}
	}
	if err != nil {
		return conf, fmt.Errorf("find conference: %w", err)
	}
	if !found {
		r, err := tx.ExecContext(ctx, `INSERT INTO conferences (workspace_id, name, created_at) VALUES (?, ?, ?)`, u.WorkspaceID, name, formatTime(now))
		if err != nil {
			return conf, fmt.Errorf("insert conference: %w", err)
		}
		conf = talkbot.Conference{WorkspaceID: u.WorkspaceID, Name: name}
		conf.ID, _ = r.LastInsertId()
		res.ConferenceCreated = true
	}
	if found {
		if err := redateTalks(ctx, tx, conf.ID, imp.Conference.Timezone); err != nil {
			return conf, err
		}
	}
	conf.StartsOn, conf.EndsOn, conf.Timezone = imp.Conference.StartsOn, imp.Conference.EndsOn, imp.Conference.Timezone
	_, err = tx.ExecContext(ctx, `UPDATE conferences SET name = ?, starts_on = ?, ends_on = ?, timezone = ?,
		schedule_key = ?, schedule_source = ?, schedule_format = ?, imported_at = ? WHERE id = ?`,
		conf.Name, conf.StartsOn, conf.EndsOn, conf.Timezone, imp.Key, imp.Source, imp.Format, formatTime(now), conf.ID)
	if err != nil {
		return conf, fmt.Errorf("update conference: %w", err)
	}
	return conf, nil
}

// overlaps reports whether a conference's dates and a schedule's share a day.
func overlaps(c, sched talkbot.Conference) bool {
	end := cmp.Or(c.EndsOn, c.StartsOn)
	return c.StartsOn <= sched.EndsOn && end >= sched.StartsOn
}

// importWriter applies one import's matches with statements prepared once.
type importWriter struct {
	tx         *txn
	conf       talkbot.Conference
	now        time.Time
	update     *sql.Stmt
	mergedAway map[int64]bool
}

// importUpdate writes what the schedule owns, plus the tags, links and
// recording a merge may bring; a talk adopted from a hand log becomes the
// schedule's, editable by admins only (created_by NULL).
const importUpdate = `UPDATE talks SET title = ?, norm_title = ?, speakers = ?, event = ?, room = ?, day = ?,
	starts_at = ?, ends_at = ?, schedule_url = ?, schedule_id = ?, recording_url = ?, abstract = ?, source_id = ?,
	session_type = ?, non_talk = ?, do_not_record = ?, cancelled = ?, tags = ?, links = ?, created_by = NULL WHERE id = ?`

func newImportWriter(ctx context.Context, tx *txn, conf talkbot.Conference, now time.Time) (*importWriter, error) {
	w := &importWriter{tx: tx, conf: conf, now: now, mergedAway: map[int64]bool{}}
	var err error
	if w.update, err = tx.Tx.PrepareContext(ctx, importUpdate); err != nil {
		return nil, fmt.Errorf("prepare update: %w", err)
	}
	return w, nil
}

func (w *importWriter) close() { w.update.Close() }

// claim is a talk logged by hand that belongs to a session.
type claim struct {
	talk talkbot.Talk
	by   string // "schedule link" or "title and day"
}

// run matches the sessions to the conference's talks and writes the result.
func (w *importWriter) run(ctx context.Context, sessions []talkbot.Talk, existing []talkbot.Talk, res *talkbot.ImportResult) error {
	bySource := map[string]talkbot.Talk{}
	var hand []talkbot.Talk
	for _, t := range existing {
		if t.SourceID != "" {
			bySource[t.SourceID] = t
		} else {
			hand = append(hand, t)
		}
	}
	bySchedule := map[string]int{} // a session's link id and source id
	byTitle := map[string][]int{}
	for i, x := range sessions {
		for _, id := range []string{x.SourceID, x.ScheduleID} {
			if _, dup := bySchedule[id]; !dup && id != "" {
				bySchedule[id] = i
			}
		}
		norm := talkbot.NormalizeTitle(x.Title)
		byTitle[norm] = append(byTitle[norm], i)
	}
	renamed := reissued(sessions, existing, bySource)
	var fresh []talkbot.Talk // sessions new to the conference, inserted together
	claims := map[int][]claim{}
	for _, h := range hand {
		if i, ok := bySchedule[h.ScheduleID]; ok && h.ScheduleID != "" {
			claims[i] = append(claims[i], claim{h, "schedule link"})
			continue
		}
		switch i, n := sessionOf(h, sessions, byTitle[talkbot.NormalizeTitle(h.Title)]); {
		case n == 1:
			claims[i] = append(claims[i], claim{h, "title and day"})
		case n > 1:
			res.Unmatched++
		}
	}

	for i, x := range sessions {
		target, known := bySource[x.SourceID]
		if t, ok := renamed[i]; ok {
			target, known = t, true
		}
		cs := claims[i]
		if !known && len(cs) > 0 {
			target, cs = cs[0].talk, cs[1:]
			merged, err := w.write(ctx, target, x, cs)
			if err != nil {
				return err
			}
			res.Merged++
			addExample(&res.MergedTalks, talkbot.TalkMerge{Talk: merged, WasID: target.ID, WasTitle: target.Title, MatchedBy: claims[i][0].by})
			w.noteMerges(merged, cs, res)
			continue
		}
		if !known {
			fresh = append(fresh, x)
			continue
		}
		fields := changedFields(target, x)
		if len(fields) == 0 && len(cs) == 0 {
			res.Unchanged++
			continue
		}
		updated, err := w.write(ctx, target, x, cs)
		if err != nil {
			return err
		}
		if len(fields) > 0 {
			res.Updated++
			addExample(&res.UpdatedTalks, talkbot.TalkUpdate{Talk: updated, Fields: fields})
			if updated.Cancelled && !target.Cancelled { // its title says so now
				res.Cancelled++
				addExample(&res.CancelledTalks, updated)
			}
		} else {
			res.Unchanged++
		}
		w.noteMerges(updated, cs, res)
	}

	added, err := w.insertTalks(ctx, fresh)
	if err != nil {
		return err
	}
	res.New = len(added)
	for _, t := range added {
		addExample(&res.NewTalks, t)
		if t.Cancelled { // its title says so
			res.Cancelled++
			addExample(&res.CancelledTalks, t)
		}
	}

	inFile := make(map[string]bool, len(sessions))
	for _, x := range sessions {
		inFile[x.SourceID] = true
	}
	moved := make(map[int64]bool, len(renamed))
	for _, t := range renamed {
		moved[t.ID] = true
	}
	for _, t := range existing {
		if t.SourceID == "" || inFile[t.SourceID] || t.Cancelled || moved[t.ID] {
			continue
		}
		if _, err := w.tx.ExecContext(ctx, `UPDATE talks SET cancelled = 1 WHERE id = ?`, t.ID); err != nil {
			return fmt.Errorf("cancel talk: %w", err)
		}
		t.Cancelled = true
		res.Cancelled++
		addExample(&res.CancelledTalks, t)
	}
	return nil
}

// reissued finds the sessions a schedule gave a new id (Sched makes an event
// anew when it is edited in some ways): a session new to the conference is
// a talk whose id left the file when exactly one of each has its title, day,
// start time and room; or, among the rest, its title and two of those three
// (the edit that made it anew moved it). That talk is the session still,
// with everyone's logs and notes; as a new talk it would have left them on a
// "cancelled" twin. Keyed by the session's index.
func reissued(sessions, existing []talkbot.Talk, bySource map[string]talkbot.Talk) map[int]talkbot.Talk {
	inFile := make(map[string]bool, len(sessions))
	for _, x := range sessions {
		inFile[x.SourceID] = true
	}
	var gone []talkbot.Talk
	for _, t := range existing {
		if t.SourceID != "" && !inFile[t.SourceID] && !t.StartsAt.IsZero() {
			gone = append(gone, t)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	var newcomers []int
	for i, x := range sessions {
		if _, known := bySource[x.SourceID]; !known && !x.StartsAt.IsZero() {
			newcomers = append(newcomers, i)
		}
	}
	out := map[int]talkbot.Talk{}
	taken := map[int64]bool{}
	// The room too: a schedule runs same-titled sessions at one time in
	// several rooms (two "Badge Pick-Up"s).
	for _, keys := range [][]func(talkbot.Talk) string{
		{func(t talkbot.Talk) string {
			return t.Day + "\x00" + formatTime(t.StartsAt) + "\x00" + talkbot.NormalizeTitle(t.Room)
		}},
		{ // moved: one of day, start and room changed
			func(t talkbot.Talk) string { return t.Day + "\x00" + formatTime(t.StartsAt) },
			func(t talkbot.Talk) string { return t.Day + "\x00" + talkbot.NormalizeTitle(t.Room) },
			func(t talkbot.Talk) string { return formatTime(t.StartsAt) + "\x00" + talkbot.NormalizeTitle(t.Room) },
		},
	} {
		for _, key := range keys {
			k := func(t talkbot.Talk) string { return talkbot.NormalizeTitle(t.Title) + "\x00" + key(t) }
			was := map[string][]talkbot.Talk{}
			for _, t := range gone {
				if !taken[t.ID] {
					was[k(t)] = append(was[k(t)], t)
				}
			}
			is := map[string][]int{}
			for _, i := range newcomers {
				if _, done := out[i]; !done {
					is[k(sessions[i])] = append(is[k(sessions[i])], i)
				}
			}
			for key, ts := range was {
				if ns := is[key]; len(ts) == 1 && len(ns) == 1 {
					out[ns[0]], taken[ts[0].ID] = ts[0], true
				}
			}
		}
	}
	return out
}

func (w *importWriter) noteMerges(into talkbot.Talk, cs []claim, res *talkbot.ImportResult) {
	for _, c := range cs {
		res.Merged++
		addExample(&res.MergedTalks, talkbot.TalkMerge{Talk: into, WasID: c.talk.ID, WasTitle: c.talk.Title, MatchedBy: c.by})
	}
}

func addExample[T any](xs *[]T, x T) {
	if len(*xs) < examplesShown {
		*xs = append(*xs, x)
	}
}

// sessionOf picks the session a hand-logged talk of that title is: the one
// on its day (any day when it has none), narrowed by room, then by start
// time, then by when the talk was first logged. It returns how many fit.
func sessionOf(h talkbot.Talk, sessions []talkbot.Talk, sameTitle []int) (int, int) {
	var fit []int
	for _, i := range sameTitle {
		if h.Day == "" || sessions[i].Day == h.Day {
			fit = append(fit, i)
		}
	}
	narrow := func(keep func(x talkbot.Talk) bool) {
		if len(fit) < 2 {
			return
		}
		var out []int
		for _, i := range fit {
			if keep(sessions[i]) {
				out = append(out, i)
			}
		}
		if len(out) > 0 {
			fit = out
		}
	}
	if h.Room != "" {
		narrow(func(x talkbot.Talk) bool { return talkbot.NormalizeTitle(x.Room) == talkbot.NormalizeTitle(h.Room) })
	}
	if !h.StartsAt.IsZero() {
		narrow(func(x talkbot.Talk) bool { return x.StartsAt.Equal(h.StartsAt) })
	}
	// People log a talk while it is on, or soon after.
	narrow(func(x talkbot.Talk) bool {
		return !h.CreatedAt.Before(x.StartsAt.Add(-15*time.Minute)) && !h.CreatedAt.After(x.EndsAt.Add(90*time.Minute))
	})
	if len(fit) == 0 {
		return 0, 0
	}
	return fit[0], len(fit)
}

// changedFields names what the schedule changed of a talk imported before.
func changedFields(t, x talkbot.Talk) []string {
	var out []string
	add := func(changed bool, name string) {
		if changed {
			out = append(out, name)
		}
	}
	add(t.Cancelled && !x.Cancelled, "back on the schedule")
	add(!t.Cancelled && x.Cancelled, "cancelled")
	add(t.Title != x.Title, "title")
	add(!slices.Equal(t.Speakers, x.Speakers), "speakers")
	add(t.Event != x.Event, "track")
	add(t.Room != x.Room, "room")
	add(t.Day != x.Day || !sameInstant(t.StartsAt, x.StartsAt) || !sameInstant(t.EndsAt, x.EndsAt), "time")
	add(t.RecordingURL == "" && x.RecordingURL != "", "recording")
	add(t.DoNotRecord != x.DoNotRecord, "recording opt-out")
	add(t.ScheduleURL != x.ScheduleURL || t.ScheduleID != x.ScheduleID, "link")
	add(t.Abstract != x.Abstract, "abstract")
	add(t.Type != x.Type || t.NonTalk != x.NonTalk, "type")
	return out
}

// sameInstant compares times as the database keeps them (microseconds).
func sameInstant(a, b time.Time) bool { return nullTime(a) == nullTime(b) }

// importInsert writes many talks in one statement: row by row, each
// statement's savepoint makes FTS5 flush its pending terms, which made
// importing FOSDEM's 1,105 talks three times slower. They go into talk_fts
// after the import (indexPending).
const importInsert = `INSERT INTO talks (workspace_id, conference_id, title, norm_title, speakers, event, room, day,
	starts_at, ends_at, schedule_url, schedule_id, recording_url, abstract, source_id, session_type, non_talk, do_not_record,
	cancelled, fts_pending, created_at)
	SELECT ?, ?, j.value->>'title', j.value->>'norm', j.value->>'speakers', j.value->>'event', j.value->>'room', j.value->>'day',
		NULLIF(j.value->>'starts', ''), NULLIF(j.value->>'ends', ''), j.value->>'url', NULLIF(j.value->>'schedule_id', ''),
		j.value->>'recording', j.value->>'abstract', j.value->>'source_id', j.value->>'type', j.value->>'non_talk', j.value->>'dnr',
		j.value->>'cancelled', 1, ?
	FROM json_each(?) j ORDER BY j.key
	RETURNING id, source_id`

// importRow is one talk as importInsert reads it.
type importRow struct {
	Title      string `json:"title"`
	Norm       string `json:"norm"`
	Speakers   string `json:"speakers"`
	Event      string `json:"event"`
	Room       string `json:"room"`
	Day        string `json:"day"`
	Starts     string `json:"starts"`
	Ends       string `json:"ends"`
	URL        string `json:"url"`
	ScheduleID string `json:"schedule_id"`
	Recording  string `json:"recording"`
	Abstract   string `json:"abstract"`
	SourceID   string `json:"source_id"`
	Type       string `json:"type"`
	NonTalk    int    `json:"non_talk"`
	DNR        int    `json:"dnr"`
	Cancelled  int    `json:"cancelled"`
}

// insertTalks inserts new talks, in the order given, and returns them with their ids.
func (w *importWriter) insertTalks(ctx context.Context, ts []talkbot.Talk) ([]talkbot.Talk, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	rows := make([]importRow, len(ts))
	for i, x := range ts {
		starts, _ := nullTime(x.StartsAt).(string)
		ends, _ := nullTime(x.EndsAt).(string)
		rows[i] = importRow{Title: x.Title, Norm: talkbot.NormalizeTitle(x.Title), Speakers: encodeSpeakers(x.Speakers), Event: x.Event,
			Room: x.Room, Day: x.Day, Starts: starts, Ends: ends, URL: x.ScheduleURL, ScheduleID: x.ScheduleID,
			Recording: x.RecordingURL, Abstract: x.Abstract, SourceID: x.SourceID, Type: x.Type, NonTalk: boolInt(x.NonTalk), DNR: boolInt(x.DoNotRecord),
			Cancelled: boolInt(x.Cancelled)}
	}
	payload, err := json.Marshal(rows)
	if err != nil {
		return nil, fmt.Errorf("encode talks: %w", err)
	}
	got, err := w.tx.Tx.QueryContext(ctx, importInsert, w.conf.WorkspaceID, w.conf.ID, formatTime(w.now), string(payload))
	if err != nil {
		return nil, fmt.Errorf("insert talks: %w", err)
	}
	defer got.Close()
	ids := make(map[string]int64, len(ts))
	for got.Next() {
		var id int64
		var source string
		if err := got.Scan(&id, &source); err != nil {
			return nil, fmt.Errorf("insert talks: %w", err)
		}
		ids[source] = id
	}
	if err := got.Err(); err != nil {
		return nil, fmt.Errorf("insert talks: %w", err)
	}
	out := make([]talkbot.Talk, len(ts))
	for i, x := range ts {
		x.ID, x.WorkspaceID, x.ConferenceID, x.CreatedAt = ids[x.SourceID], w.conf.WorkspaceID, w.conf.ID, w.now
		if x.ID == 0 {
			return nil, fmt.Errorf("insert talks: no id for %q", x.SourceID)
		}
		out[i] = x
	}
	return out, nil
}

// write makes target the session x, merging the other talks of cs into it,
// and returns it as written.
func (w *importWriter) write(ctx context.Context, target, x talkbot.Talk, cs []claim) (talkbot.Talk, error) {
	t := target
	for _, c := range cs {
		for _, tag := range c.talk.Tags {
			if !slices.Contains(t.Tags, tag) && len(t.Tags) < talkbot.MaxTags {
				t.Tags = append(slices.Clip(t.Tags), tag)
			}
		}
		for _, l := range c.talk.Links {
			if !slices.Contains(t.Links, l) && len(t.Links) < maxLinks {
				t.Links = append(slices.Clip(t.Links), l)
			}
		}
		t.RecordingURL = cmp.Or(t.RecordingURL, c.talk.RecordingURL)
	}
	t.Title, t.Speakers, t.Event, t.Room, t.Day = x.Title, x.Speakers, x.Event, x.Room, x.Day
	t.StartsAt, t.EndsAt, t.ScheduleURL, t.ScheduleID, t.Abstract = x.StartsAt, x.EndsAt, x.ScheduleURL, x.ScheduleID, x.Abstract
	t.SourceID, t.Type, t.NonTalk, t.DoNotRecord, t.Cancelled, t.CreatedBy = x.SourceID, x.Type, x.NonTalk, x.DoNotRecord, x.Cancelled, 0
	t.RecordingURL = cmp.Or(t.RecordingURL, x.RecordingURL)
	// Logs move first, so that whoever gets told of a new recording (a
	// trigger on recording_url) counts the merged talks' watchers too.
	for _, c := range cs {
		if err := w.merge(ctx, c.talk.ID, t.ID); err != nil {
			return t, err
		}
	}
	_, err := w.update.ExecContext(ctx, t.Title, talkbot.NormalizeTitle(t.Title), encodeSpeakers(t.Speakers), t.Event, t.Room, t.Day,
		nullTime(t.StartsAt), nullTime(t.EndsAt), t.ScheduleURL, nullString(t.ScheduleID), t.RecordingURL, t.Abstract, t.SourceID,
		t.Type, boolInt(t.NonTalk), boolInt(t.DoNotRecord), boolInt(t.Cancelled), strings.Join(t.Tags, " "), strings.Join(t.Links, "\n"), t.ID)
	if err != nil {
		return t, fmt.Errorf("update talk: %w", err)
	}
	if !slices.Equal(t.Tags, target.Tags) {
		if err := writeTags(ctx, w.tx, t.ID, t.Tags); err != nil {
			return t, err
		}
	}
	return t, nil
}

// merge moves everything users own of talk from onto talk into and deletes
// from. A user with logs on both keeps one log that says what either said.
// Undo steps that name from are dropped: the talk they would restore is gone.
func (w *importWriter) merge(ctx context.Context, from, into int64) error {
	if w.mergedAway[from] {
		return nil
	}
	w.mergedAway[from] = true
	return mergeTalk(ctx, w.tx, from, into, w.now)
}

// mergeTalk is merge in tx: everything users own of talk from goes onto
// talk into, and from is deleted.
func mergeTalk(ctx context.Context, tx *txn, from, into int64, now time.Time) error {
	logs, err := queryLogs(ctx, tx, `WHERE l.talk_id = ?`, from)
	if err != nil {
		return err
	}
	for _, l := range logs {
		kept, err := getLog(ctx, tx, l.UserID, into)
		switch {
		case errors.Is(err, talkbot.ErrNotFound):
			kept = l
		case err != nil:
			return err
		default:
			kept = combineLogs(kept, l)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM logs WHERE user_id = ? AND talk_id = ?`, l.UserID, from); err != nil {
			return fmt.Errorf("move log: %w", err)
		}
		kept.TalkID, kept.UpdatedAt = into, now
		if err := putLog(ctx, tx, kept); err != nil {
			return err
		}
		// The user's log of into now says what from said too: an older
		// undo step of into would put back its log from before, and take
		// that (and, with the add that made into, the talk) away.
		if _, err := tx.ExecContext(ctx, `DELETE FROM history WHERE user_id = ? AND json_extract(payload, '$.talk_id') = ?`, l.UserID, into); err != nil {
			return fmt.Errorf("drop undo steps: %w", err)
		}
	}
	for _, q := range []string{
		`UPDATE notes SET talk_id = ? WHERE talk_id = ?`,
		`DELETE FROM recommendations WHERE talk_id = :from AND EXISTS (SELECT 1 FROM recommendations o WHERE o.talk_id = :into
			AND o.from_user_id = recommendations.from_user_id AND o.to_user_id IS recommendations.to_user_id)`,
		`UPDATE recommendations SET talk_id = ? WHERE talk_id = ?`,
		`UPDATE users SET last_talk_id = ? WHERE last_talk_id = ?`,
		// Who presented it, with their slides: the talk's delete took them.
		`UPDATE presentations SET slides_url = (SELECT f.slides_url FROM presentations f WHERE f.talk_id = :from AND f.user_id = presentations.user_id)
			WHERE talk_id = :into AND slides_url = '' AND EXISTS (SELECT 1 FROM presentations f WHERE f.talk_id = :from
			AND f.user_id = presentations.user_id AND f.slides_url != '')`,
		`DELETE FROM presentations WHERE talk_id = :from AND EXISTS (SELECT 1 FROM presentations o WHERE o.talk_id = :into AND o.user_id = presentations.user_id)`,
		`UPDATE presentations SET talk_id = ? WHERE talk_id = ?`,
		// A recording notice is once per user and talk, ever: sent or pending, it comes along.
		`DELETE FROM outbox WHERE kind = 'recording' AND talk_id = :from AND EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'recording'
			AND o.talk_id = :into AND o.user_id = outbox.user_id)`,
		`UPDATE outbox SET talk_id = ? WHERE talk_id = ?`,
	} {
		args := []any{into, from}
		if strings.Contains(q, ":from") {
			args = []any{sql.Named("from", from), sql.Named("into", into)}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("merge talk %d into %d: %w", from, into, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM history WHERE json_extract(payload, '$.talk_id') = ?`, from); err != nil {
		return fmt.Errorf("drop undo steps: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM talks WHERE id = ?`, from); err != nil {
		return fmt.Errorf("delete merged talk: %w", err)
	}
	return nil
}

// combineLogs is one log saying what either of two logs of a user said:
// attended beats missed, a rating and a reason are kept, a star or a
// watch-later mark on either holds.
func combineLogs(a, b talkbot.Log) talkbot.Log {
	out := a
	switch {
	case a.Status == talkbot.StatusAttended || b.Status == talkbot.StatusAttended:
		out.Status = talkbot.StatusAttended
	case a.Status == talkbot.StatusMissed || b.Status == talkbot.StatusMissed:
		out.Status = talkbot.StatusMissed
	}
	if a.Reason == "" {
		out.Reason, out.ReasonPrivate = b.Reason, b.ReasonPrivate
	}
	out.Rating = cmp.Or(a.Rating, b.Rating)
	out.Starred = a.Starred || b.Starred
	out.Watched = a.Watched || b.Watched
	out.WatchLater = (a.WatchLater || b.WatchLater) && !out.Watched
	if b.LoggedAt.Before(a.LoggedAt) {
		out.LoggedAt = b.LoggedAt
	}
	return out
}

func queryLogs(ctx context.Context, q queryer, where string, args ...any) ([]talkbot.Log, error) {
	return queryRows(ctx, q, "logs", func(r scanner) (talkbot.Log, error) {
		var l talkbot.Log
		var status, logged, updated string
		err := r.Scan(logDest(&l, &status, &logged, &updated)...)
		finishLog(&l, status, logged, updated)
		return l, err
	}, `SELECT `+logColumns+` FROM logs l `+where, args...)
}

// ScheduleSessions returns a page of the conference's scheduled sessions
// that the query selects, in time order, each with the viewer's log and the
// colleagues who attended it or want to watch it, and how many there are.
func (s *Store) ScheduleSessions(ctx context.Context, q talkbot.ScheduleQuery) ([]talkbot.ScheduledTalk, talkbot.Total, error) {
	where := []string{`t.conference_id = ?`, `t.source_id IS NOT NULL`}
	args := []any{q.ConferenceID}
	if q.Day != "" {
		where, args = append(where, `t.day = ?`), append(args, q.Day)
	}
	if !q.RunningTo.IsZero() {
		where, args = append(where, `t.starts_at < ?`), append(args, formatTime(q.RunningTo))
	}
	if !q.RunningFrom.IsZero() {
		// A session with no length (a frab duration of 00:00, a VEVENT with
		// no end) counts as on for its first half hour.
		where = append(where, `(t.ends_at > ? OR (t.ends_at <= t.starts_at AND t.starts_at > ?))`)
		args = append(args, formatTime(q.RunningFrom), formatTime(q.RunningFrom.Add(-talkbot.LengthlessSession)))
	}
	if !q.StartFrom.IsZero() {
		where, args = append(where, `t.starts_at >= ?`), append(args, formatTime(q.StartFrom))
	}
	if !q.StartTo.IsZero() {
		where, args = append(where, `t.starts_at < ?`), append(args, formatTime(q.StartTo))
	}
	if len(q.Events) > 0 {
		where = append(where, `t.event IN (?`+strings.Repeat(", ?", len(q.Events)-1)+`)`)
		for _, e := range q.Events {
			args = append(args, e)
		}
	}
	if q.TalksOnly {
		where = append(where, `t.non_talk = 0`, `t.cancelled = 0`)
	}
	cond := ` WHERE ` + strings.Join(where, " AND ")
	total, err := s.count(ctx, `SELECT 1 FROM talks t`+cond, args...)
	if err != nil {
		return nil, total, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+talkColumns+`, `+logColumns+`, `+presentedColumn+`
		FROM talks t LEFT JOIN logs l ON l.talk_id = t.id AND l.user_id = ?`+cond+`
		ORDER BY t.starts_at, t.room, t.id`+limitSQL(limit(q.Limit))+` OFFSET ?`,
		append(append([]any{q.ViewerID}, args...), q.Offset)...)
	if err != nil {
		return nil, total, fmt.Errorf("schedule: %w", err)
	}
	defer rows.Close()
	var out []talkbot.ScheduledTalk
	index := map[int64]int{}
	for rows.Next() {
		var st talkbot.ScheduledTalk
		var l nullableLog
		t, err := scanTalk(rows, append(l.dest(), &st.Presented)...)
		if err != nil {
			return nil, total, fmt.Errorf("scan session: %w", err)
		}
		st.Talk = t
		st.Log, _ = l.log()
		index[t.ID] = len(out)
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, total, err
	}
	if len(out) == 0 {
		return out, total, nil
	}
	ids := make([]any, 0, len(out)+1)
	for _, st := range out {
		ids = append(ids, st.ID)
	}
	crows, err := s.r.QueryContext(ctx, `SELECT l.talk_id, u.name, l.status = 'attended', l.watch_later = 1 AND l.watched = 0
		FROM logs l JOIN users u ON u.id = l.user_id WHERE l.talk_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) AND l.user_id != ?
		ORDER BY u.name COLLATE NOCASE`, append(ids, q.ViewerID)...)
	if err != nil {
		return nil, total, fmt.Errorf("schedule colleagues: %w", err)
	}
	defer crows.Close()
	for crows.Next() {
		var id int64
		var name string
		var attended, want bool
		if err := crows.Scan(&id, &name, &attended, &want); err != nil {
			return nil, total, fmt.Errorf("scan colleague: %w", err)
		}
		st := &out[index[id]]
		switch {
		case attended:
			st.Attended = append(st.Attended, name)
		case want:
			st.Want = append(st.Want, name)
		}
	}
	return out, total, crows.Err()
}

// NextSessionStart returns when the conference's next scheduled session
// after the given time starts: ErrNotFound when none is left.
func (s *Store) NextSessionStart(ctx context.Context, conferenceID int64, after time.Time) (time.Time, error) {
	var next sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT MIN(t.starts_at) FROM talks t
		WHERE t.conference_id = ? AND t.source_id IS NOT NULL AND t.cancelled = 0 AND t.starts_at > ?`, conferenceID, formatTime(after)).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("next session: %w", err)
	}
	if !next.Valid {
		return time.Time{}, talkbot.ErrNotFound
	}
	return parseTime(next.String), nil
}

// FirstKeynoteDay is the first day with a keynote on the conference's
// schedule: where the conference proper begins (KubeCon EU 2026's dates
// start on Monday, its co-located events' day; "Day 1" is Tuesday). ""
// when the schedule has none.
func (s *Store) FirstKeynoteDay(ctx context.Context, conferenceID int64) (string, error) {
	var day sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT MIN(t.day) FROM talks t WHERE t.conference_id = ? AND t.source_id IS NOT NULL
		AND t.day != '' AND t.cancelled = 0 AND (t.title LIKE 'keynote%' OR t.session_type LIKE '%keynote%')`, conferenceID).Scan(&day)
	if err != nil {
		return "", fmt.Errorf("first keynote: %w", err)
	}
	return day.String, nil
}

// Tracks returns the tracks of the conference's schedule, by name.
func (s *Store) Tracks(ctx context.Context, conferenceID int64) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT t.event FROM talks t
		WHERE t.conference_id = ? AND t.source_id IS NOT NULL AND t.event != '' ORDER BY t.event COLLATE NOCASE`, conferenceID)
	if err != nil {
		return nil, fmt.Errorf("tracks: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("scan track: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// TitlesLike returns up to limit talks of the conference whose titles hold,
// for every word of three letters or more, a piece of it: the word itself
// when it has three letters, else its first or its last part (for words of
// seven letters or more, the letter between them left out), so that a typo
// leaves one piece whole. It reads the trigram index, so a typo early in a
// word is found too. Words of four or five letters count only unless loose
// is set: a typo in their middle breaks both their pieces. Only id, title
// and day are read; the caller checks each candidate word by word.
func (s *Store) TitlesLike(ctx context.Context, conferenceID int64, words []string, loose bool, limit int) ([]talkbot.Talk, error) {
	var terms []string
	for _, w := range words {
		for _, w := range strings.Fields(talkbot.NormalizeTitle(w)) {
			if term := trigramTerm(w, loose); term != "" && !slices.Contains(terms, term) {
				terms = append(terms, term)
			}
		}
	}
	if len(terms) == 0 {
		return nil, nil
	}
	s.awaitIndex(ctx)
	rows, err := s.hot.QueryContext(ctx, `SELECT t.id, t.title, t.day FROM talk_trigrams g JOIN talks t ON t.id = g.rowid
		WHERE talk_trigrams MATCH ? AND t.conference_id = ?`+limitSQL(limit), strings.Join(terms, " AND "), conferenceID)
	if err != nil {
		return nil, fmt.Errorf("titles like: %w", err)
	}
	defer rows.Close()
	var out []talkbot.Talk
	for rows.Next() {
		t := talkbot.Talk{ConferenceID: conferenceID}
		if err := rows.Scan(&t.ID, &t.Title, &t.Day); err != nil {
			return nil, fmt.Errorf("titles like: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// trigramTerm is the FTS5 query a word of a typed title asks of the trigram
// index: the word itself when it has three letters (no typo is allowed
// there), else one of two pieces of at least three letters; nothing for a
// shorter word, nor, when loose, for one of four or five letters. The index
// keeps no positions, so a piece is asked for as all of its trigrams.
func trigramTerm(w string, loose bool) string {
	r := []rune(w)
	switch n := len(r); {
	case n == 3:
		return trigramsOf(r)
	case n < 3 || n <= 5 && loose:
		return ""
	case n <= 6:
		return "(" + trigramsOf(r[:3]) + " OR " + trigramsOf(r[n-3:]) + ")"
	default:
		mid := (n - 1) / 2
		return "(" + trigramsOf(r[:mid]) + " OR " + trigramsOf(r[mid+1:]) + ")"
	}
}

// trigramsOf is `("abc" AND "bcd" …)`, the trigrams of a piece of a word
// (quoted, as a title of signs alone is its own normal form).
func trigramsOf(r []rune) string {
	grams := make([]string, 0, len(r)-2)
	for i := 0; i+3 <= len(r); i++ {
		grams = append(grams, ftsString(string(r[i:i+3])))
	}
	return "(" + strings.Join(grams, " AND ") + ")"
}

// MergeTalks makes talk from, one session logged twice under two titles,
// one with talk into: everything users own of from moves onto into (a
// user with logs on both keeps one saying what either said), into takes
// what it lacks of from (speakers, event, room, day, links, recording,
// schedule link) and its tags, and from is deleted, with the undo steps
// that name it: undo cannot take a merge back. Both are talks of one
// conference of the workspace; a session of an imported schedule is never
// the one merged away.
func (s *Store) MergeTalks(ctx context.Context, workspaceID, from, into int64) (talkbot.Talk, error) {
	var out talkbot.Talk
	err := s.change(ctx, func(tx *txn) error {
		a, err := talkByID(ctx, tx, from)
		if err != nil {
			return err
		}
		b, err := talkByID(ctx, tx, into)
		if err != nil {
			return err
		}
		switch {
		case a.WorkspaceID != workspaceID || b.WorkspaceID != workspaceID:
			return talkbot.ErrNotFound
		case a.ConferenceID != b.ConferenceID || a.SourceID != "" || from == into:
			return fmt.Errorf("merge talk %d into %d: %w", from, into, errors.ErrUnsupported)
		}
		if err := mergeTalk(ctx, tx, from, into, s.now()); err != nil {
			return err
		}
		fill := talkbot.TalkPatch{Event: &a.Event, Room: &a.Room, Day: &a.Day, ScheduleURL: &a.ScheduleURL, ScheduleID: &a.ScheduleID,
			RecordingURL: &a.RecordingURL, AddLinks: a.Links}
		if len(a.Speakers) > 0 {
			fill.Speakers = &a.Speakers
		}
		if b.SourceID != "" { // the schedule's fields are the schedule's
			fill = talkbot.TalkPatch{RecordingURL: &a.RecordingURL, AddLinks: a.Links}
		}
		t, changed := patchTalk(b, fill, true)
		for _, tag := range a.Tags {
			if !slices.Contains(t.Tags, tag) && len(t.Tags) < talkbot.MaxTags {
				t.Tags, changed = append(t.Tags, tag), true
			}
		}
		if changed {
			if err := updateTalk(ctx, tx, t); err != nil {
				return err
			}
		}
		out = t
		return nil
	})
	return out, err
}
