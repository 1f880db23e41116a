package console_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/adapters/console"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/llm"
	"github.com/talkbot/talkbot/llm/assist"
	"github.com/talkbot/talkbot/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

// The end-to-end scripts in testdata/*.txt are console input, one command a
// line ("@name: command" speaks as name), with a few directives the harness
// reads before the adapter sees the line (the adapter skips "//" lines):
//
//	//clock 2022-10-26T09:00:00-04:00   set the clock (RFC 3339)
//	//tick 0s                           how far the clock moves after each command (default 1m)
//	//user elmiko                       who types lines without "@name: " (default "me")
//	//admin elmiko                      treat this user as a workspace admin (nobody is by default)
//	//ratelimit 5 1m                    a chat adapter's rate limit: burst and interval (before the first command)
//
// Any other "//" line is a comment. Comments, directives and blank lines are
// copied into the transcript so the golden file reads like the script.

// fakeClock is the clock of one script run.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// recorder sits between the adapter and the router: it decides who is an
// admin (the console adapter marks everyone as one, which would hide the
// "only your own talks" rule), remembers the last request and reply, and moves
// the clock on after each command.
type recorder struct {
	h       *commands.Router
	limiter *dispatch.Limiter // a //ratelimit directive's, applied as a chat adapter would
	clock   *fakeClock
	tick    time.Duration
	admins  map[string]bool
	calls   int
	req     commands.Request
	reply   commands.Reply
}

func (r *recorder) Handle(ctx context.Context, req commands.Request) commands.Reply {
	req.Admin = r.admins[req.UserID]
	var rep commands.Reply
	if wait := r.take(req); wait > 0 {
		rep = dispatch.Limited(wait)
	} else {
		rep = r.h.Handle(ctx, req)
	}
	r.calls++
	r.req, r.reply = req, rep
	r.clock.advance(r.tick)
	return rep
}

func (r *recorder) take(req commands.Request) time.Duration {
	if r.limiter == nil {
		return 0
	}
	return r.limiter.Take(req.UserID, r.clock.Now())
}

func (r *recorder) Lookup(text string) (commands.Command, bool) { return r.h.Lookup(text) }

// entry is one command of a script and what came back.
type entry struct {
	n     int    // script line number
	user  string // who typed it
	line  string // the line as written
	text  string // the command, without "@name: "
	reply commands.Reply
	out   string    // what the adapter printed for it (echo and reply)
	at    time.Time // the clock when it ran
	// state around the command, read straight from the database
	before, after dbState
}

// session is one script run against its own database.
type session struct {
	t       *testing.T
	name    string
	ctx     context.Context
	path    string
	st      *store.Store
	db      *sql.DB // a second, read-only view of the same file for the assertions
	clock   *fakeClock
	rec     *recorder
	rt      *dispatch.Runtime
	user    string
	entries []*entry
	out     bytes.Buffer
	// every note ever written, by text: who wrote it and how visible it was
	notes map[string]noteSeen
	// undo bookkeeping: per user, the states before each change still on their history
	undo    map[string][]undoPoint
	changes int // how many commands so far changed the database
}

type noteSeen struct {
	owner      string
	visibility string
}

type undoPoint struct {
	entry   *entry
	changes int // s.changes right after the change
}

func newSession(t *testing.T, name string) *session {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "talkbot.db")
	clock := &fakeClock{t: time.Date(2022, 10, 20, 12, 0, 0, 0, time.UTC)}
	st, err := store.Open(ctx, path, store.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &session{t: t, name: name, ctx: ctx, path: path, st: st, db: db, clock: clock, user: "me",
		rec:   &recorder{clock: clock, tick: time.Minute, admins: map[string]bool{}},
		notes: map[string]noteSeen{}, undo: map[string][]undoPoint{}}
}

// router builds the router on first use, so a //ratelimit directive can come first.
func (s *session) router() {
	if s.rec.h != nil {
		return
	}
	// The built-in summariser and question parser, as a bot with no LLM configured has.
	builtIn := assist.New(llm.New(nil, llm.Options{Cache: s.st, Budget: s.st, Now: s.clock.Now}))
	s.rec.h = commands.New(commands.Config{Store: s.st, Now: s.clock.Now, Assistant: builtIn})
	s.rt = dispatch.New(dispatch.Config{Handler: s.rec, Logger: slog.New(slog.DiscardHandler)})
}

// run plays a script and returns the transcript.
func (s *session) run(script string) string {
	t := s.t
	t.Helper()
	for i, raw := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		if d, ok := strings.CutPrefix(line, "//"); ok {
			s.directive(n, strings.TrimSpace(d))
			fmt.Fprintln(&s.out, line)
			continue
		}
		if line == "" {
			fmt.Fprintln(&s.out)
			continue
		}
		s.router()
		s.command(n, line)
	}
	return s.out.String()
}

func (s *session) directive(n int, d string) {
	t := s.t
	word, arg, _ := strings.Cut(d, " ")
	arg = strings.TrimSpace(arg)
	var err error
	switch word {
	case "clock":
		var at time.Time
		if at, err = time.Parse(time.RFC3339, arg); err == nil {
			s.clock.set(at)
		}
	case "tick":
		s.rec.tick, err = time.ParseDuration(arg)
	case "user":
		s.user = arg
	case "admin":
		s.rec.admins[arg] = true
	case "ratelimit":
		if s.rec.h != nil {
			t.Fatalf("%s:%d: //ratelimit must come before the first command", s.name, n)
		}
		burst, every, _ := strings.Cut(arg, " ")
		var n int
		var d time.Duration
		if n, err = strconv.Atoi(burst); err == nil {
			if d, err = time.ParseDuration(strings.TrimSpace(every)); err == nil {
				s.rec.limiter = dispatch.NewLimiter(n, d)
			}
		}
	}
	if err != nil {
		t.Fatalf("%s:%d: bad directive %q: %v", s.name, n, d, err)
	}
}

// command runs one line through a console adapter and records it.
func (s *session) command(n int, line string) {
	t := s.t
	e := &entry{n: n, line: line, at: s.clock.Now(), before: s.state()}
	var out bytes.Buffer
	a := console.Adapter{Server: s.rt, User: s.user, In: strings.NewReader(line + "\n"), Out: &out, Echo: true}
	calls := s.rec.calls
	if err := a.Run(s.ctx); err != nil {
		t.Fatalf("%s:%d: adapter: %v", s.name, n, err)
	}
	if s.rec.calls != calls+1 {
		t.Fatalf("%s:%d: the adapter made %d calls for %q, want 1", s.name, n, s.rec.calls-calls, line)
	}
	e.user, e.text, e.reply, e.out = s.rec.req.UserID, s.rec.req.Text, s.rec.reply, out.String()
	e.after = s.state()
	s.out.Write(out.Bytes())
	s.entries = append(s.entries, e)
	s.track(e)
}

// track keeps the bookkeeping the assertions need: notes ever written and
// the undo points of each user.
func (s *session) track(e *entry) {
	for _, n := range e.after.notes {
		if prev, ok := s.notes[n.text]; ok && prev.owner != n.owner {
			s.t.Fatalf("%s:%d: two users wrote the note %q; keep note texts unique in scripts", s.name, e.n, n.text)
		}
		s.notes[n.text] = noteSeen{owner: n.owner, visibility: n.visibility}
	}
	changed := !reflect.DeepEqual(e.before.rows, e.after.rows)
	if e.after.maxHistory > e.before.maxHistory {
		s.undo[e.user] = append(s.undo[e.user], undoPoint{entry: e, changes: s.changes + 1})
	}
	if isCommand(e.text, "undo") && e.reply.Kind == commands.KindOK {
		s.checkUndo(e)
	}
	if isCommand(e.text, "forget") && strings.HasPrefix(e.reply.Text(), "Done:") {
		delete(s.undo, e.user)
	}
	if changed {
		s.changes++
	}
}

// checkUndo compares the state after an undo with the state before the change it reversed.
func (s *session) checkUndo(e *entry) {
	t := s.t
	stack := s.undo[e.user]
	if len(stack) == 0 {
		t.Errorf("%s:%d: %s's undo succeeded (%q) but the harness saw no change of theirs to undo", s.name, e.n, e.user, e.reply.Text())
		return
	}
	p := stack[len(stack)-1]
	s.undo[e.user] = stack[:len(stack)-1]
	want, got := p.entry.before, e.after
	if p.changes != s.changes {
		// Someone else changed things since: compare only what this user owns.
		want, got = want.ownedBy(e.user), got.ownedBy(e.user)
	}
	for _, table := range sortedKeys(want.rows, got.rows) {
		if w, g := want.rows[table], got.rows[table]; !slices.Equal(w, g) {
			t.Errorf("%s:%d: after %q by %s, table %s is not back to how it was before line %d (%q):\nbefore: %q\nafter undo: %q",
				s.name, e.n, e.line, e.user, table, p.entry.n, p.entry.line, w, g)
		}
	}
}

func sortedKeys[V any](ms ...map[string]V) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// isCommand reports whether text is the command word (with or without a talk prefix).
func isCommand(text string, words ...string) bool {
	f := strings.Fields(strings.ToLower(text))
	if len(f) > 0 && (f[0] == "talk" || f[0] == "/talk" || f[0] == "!talk") {
		f = f[1:]
	}
	return len(f) > 0 && slices.Contains(words, f[0])
}

// dbState is the data a user can see, read with plain SQL, independent of the store's queries.
type dbState struct {
	rows       map[string][]string // table -> rows rendered as text, sorted
	notes      []noteRow
	maxHistory int64
	talks      map[int64]talkRow
	userConf   map[string]int64 // external id -> current conference
	confs      map[int64]confRow
}

type talkRow struct {
	conf  int64
	title string
	day   string
	tags  []string
}

type confRow struct {
	name, startsOn, zone string
}

type noteRow struct {
	id         int64
	talkID     int64
	owner      string
	text       string
	visibility string
}

var stateQueries = map[string]string{
	"users": `SELECT u.id, u.external_id, u.name, u.default_visibility, COALESCE(u.last_talk_id, 0), COALESCE(u.conference_id, 0) FROM users u`,
	"talks": `SELECT t.id, t.conference_id, t.title, t.norm_title, t.speakers, t.event, t.room, t.day, COALESCE(t.starts_at, ''),
		t.schedule_url, COALESCE(t.schedule_id, ''), t.recording_url, t.tags, COALESCE(t.created_by, 0), t.created_at,
		t.highlight_count, t.star_count, t.rating_sum, t.rating_count FROM talks t`,
	"talk_tags":       `SELECT x.talk_id, x.tag FROM talk_tags x`,
	"logs":            `SELECT u.external_id, l.talk_id, l.status, l.reason, l.watch_later, l.watched, l.rating, l.starred, l.logged_at FROM logs l JOIN users u ON u.id = l.user_id`,
	"notes":           `SELECT u.external_id, n.id, n.talk_id, n.text, n.visibility, n.created_at FROM notes n JOIN users u ON u.id = n.user_id`,
	"recommendations": `SELECT u.external_id, r.talk_id, COALESCE(r.to_user_id, 0) FROM recommendations r JOIN users u ON u.id = r.from_user_id`,
	"journal":         `SELECT u.external_id, j.id, j.conference_id, j.text, j.takeaway, j.visibility, j.created_at FROM journal j JOIN users u ON u.id = j.user_id`,
	"presentations":   `SELECT u.external_id, p.talk_id, p.slides_url FROM presentations p JOIN users u ON u.id = p.user_id`,
}

// ownedTables have the owner's external id as their first column.
var ownedTables = []string{"logs", "notes", "recommendations", "journal", "presentations"}

func (s *session) state() dbState {
	t := s.t
	st := dbState{rows: map[string][]string{}}
	for table, q := range stateQueries {
		rows, err := s.db.QueryContext(s.ctx, q)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprint(v)
			}
			st.rows[table] = append(st.rows[table], strings.Join(parts, "|"))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		rows.Close()
		sort.Strings(st.rows[table])
	}
	rows, err := s.db.QueryContext(s.ctx, `SELECT n.id, n.talk_id, u.external_id, n.text, n.visibility FROM notes n JOIN users u ON u.id = n.user_id ORDER BY n.id`)
	if err != nil {
		t.Fatalf("read notes: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n noteRow
		if err := rows.Scan(&n.id, &n.talkID, &n.owner, &n.text, &n.visibility); err != nil {
			t.Fatalf("scan note: %v", err)
		}
		st.notes = append(st.notes, n)
	}
	if err := s.db.QueryRowContext(s.ctx, `SELECT COALESCE(MAX(id), 0) FROM history`).Scan(&st.maxHistory); err != nil {
		t.Fatalf("read history: %v", err)
	}
	st.talks = map[int64]talkRow{}
	s.scan(`SELECT id, conference_id, title, day, tags FROM talks`, func(rows *sql.Rows) error {
		var id int64
		var tr talkRow
		var tags string
		err := rows.Scan(&id, &tr.conf, &tr.title, &tr.day, &tags)
		tr.tags = strings.Fields(tags)
		st.talks[id] = tr
		return err
	})
	st.userConf = map[string]int64{}
	s.scan(`SELECT u.external_id, COALESCE(u.conference_id, w.active_conference_id, 0) FROM users u JOIN workspaces w ON w.id = u.workspace_id`,
		func(rows *sql.Rows) error {
			var name string
			var conf int64
			err := rows.Scan(&name, &conf)
			st.userConf[name] = conf
			return err
		})
	st.confs = map[int64]confRow{}
	s.scan(`SELECT id, name, starts_on, timezone FROM conferences`, func(rows *sql.Rows) error {
		var id int64
		var c confRow
		err := rows.Scan(&id, &c.name, &c.startsOn, &c.zone)
		st.confs[id] = c
		return err
	})
	return st
}

func (s *session) scan(query string, fn func(*sql.Rows) error) {
	rows, err := s.db.QueryContext(s.ctx, query)
	if err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			s.t.Fatalf("%s: %v", query, err)
		}
	}
	if err := rows.Err(); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
}

func (st dbState) ownedBy(user string) dbState {
	out := dbState{rows: map[string][]string{}}
	for _, table := range ownedTables {
		for _, r := range st.rows[table] {
			if strings.HasPrefix(r, user+"|") {
				out.rows[table] = append(out.rows[table], r)
			}
		}
	}
	return out
}

// exportData is the data of a reply's file (an export), nil when it has none.
func exportData(r commands.Reply) []byte {
	if as := r.Attachments(); len(as) > 0 {
		return as[0].Data
	}
	return nil
}

// ---- running the scripts ----

func TestScripts(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) < 2 {
		t.Fatalf("found %d scripts in testdata, want at least 2", len(scripts))
	}
	for _, path := range scripts {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		t.Run(name, func(t *testing.T) {
			script, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s := newSession(t, name)
			got := s.run(string(script))
			compareGolden(t, filepath.Join("testdata", name+".golden"), got)

			s.checkEveryReply()
			s.checkPrivateNotes()
			s.checkExports()
			s.checkHighlights()
			s.checkForgotten()
			s.checkPosts()
			if check, ok := scriptChecks[name]; ok {
				check(t, s)
			}
		})
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n"))
	if len(diff) > 6000 {
		diff = diff[:6000] + "\n…"
	}
	t.Fatalf("transcript differs from %s (-want +got):\n%s\n(run go test with -update if the change is intended, then read the diff)", path, diff)
}

// ---- assertions that hold for every script ----

var (
	reRawMassMention = regexp.MustCompile(`(?i)[@!](channel|here|everyone|room)\b`)
	reGoError        = regexp.MustCompile(`(?i)(sqlite|sql:|panic|runtime error|goroutine|\bnil\b|%!|constraint failed|no such|UNIQUE)`)
)

// checkEveryReply: no reply is empty, leaks a Go or SQL error, or carries a
// live mass mention.
func (s *session) checkEveryReply() {
	t := s.t
	for _, e := range s.entries {
		text := e.reply.Text()
		if exportData(e.reply) != nil && !isPost(e.reply) {
			// The JSON attachment is the user's data verbatim (it must round
			// trip); only the message lines are checked here.
			var blocks []commands.Block
			for _, b := range e.reply.Blocks {
				if _, file := b.(*commands.Attachment); !file {
					blocks = append(blocks, b)
				}
			}
			text = commands.Reply{Blocks: blocks}.Text()
		}
		if strings.TrimSpace(text) == "" {
			t.Errorf("%s:%d: %q got an empty reply", s.name, e.n, e.line)
		}
		if m := reRawMassMention.FindString(text); m != "" {
			t.Errorf("%s:%d: the reply to %q contains a live mass mention %q:\n%s", s.name, e.n, e.line, m, text)
		}
		if exportData(e.reply) == nil && reGoError.MatchString(text) {
			t.Errorf("%s:%d: the reply to %q looks like an internal error:\n%s", s.name, e.n, e.line, text)
		}
		if strings.Contains(text, "Something went wrong on my side") {
			t.Errorf("%s:%d: %q failed inside the bot:\n%s", s.name, e.n, e.line, text)
		}
		if !strings.Contains(e.out, "> "+e.line+"\n") {
			t.Errorf("%s:%d: the transcript does not echo %q", s.name, e.n, e.line)
		}
	}
}

// checkPrivateNotes: a private note never shows up in a reply to anyone but
// its author (whole text, or the first 40 characters of a long one).
func (s *session) checkPrivateNotes() {
	t := s.t
	private := 0
	for text, n := range s.notes {
		if n.visibility != "private" {
			continue
		}
		private++
		needle := []rune(text)
		if len(needle) > 40 {
			needle = needle[:40]
		}
		for _, e := range s.entries {
			if e.user != n.owner && strings.Contains(e.reply.Text(), string(needle)) {
				t.Errorf("%s:%d: %s's private note %q shows in the reply to %s's %q:\n%s", s.name, e.n, n.owner, text, e.user, e.line, e.reply.Text())
			}
		}
	}
	if private == 0 {
		t.Errorf("%s: the script writes no private note, so privacy is not tested", s.name)
	}
}

// checkExports: every `export json` parses as commands.ExportDoc, round trips
// exactly, holds exactly the user's own talks, logs and notes, and no one
// else's notes.
func (s *session) checkExports() {
	t := s.t
	for _, e := range s.entries {
		if !isCommand(e.text, "export") || e.reply.Kind != commands.KindOK || !isExportJSON(e.text) {
			continue
		}
		doc := s.decodeExport(e)
		if doc == nil {
			continue
		}
		if doc.Format != "talkbot.export/v1" {
			t.Errorf("%s:%d: export format %q, want talkbot.export/v1", s.name, e.n, doc.Format)
		}
		if doc.User.Platform != talkbot.PlatformConsole || doc.User.ID != e.user {
			t.Errorf("%s:%d: export user %+v, want console user %s", s.name, e.n, doc.User, e.user)
		}
		s.checkExportMatchesDB(e, doc)
	}
}

// isExportJSON reports whether an export command asks for the JSON export
// (`export` or `export json`), not the post or the agenda.
func isExportJSON(text string) bool {
	f := strings.Fields(strings.ToLower(text))
	if len(f) > 0 && (f[0] == "talk" || f[0] == "/talk" || f[0] == "!talk") {
		f = f[1:]
	}
	return len(f) == 1 || (len(f) > 1 && f[1] == "json")
}

func (s *session) decodeExport(e *entry) *commands.ExportDoc {
	t := s.t
	data := exportData(e.reply)
	if len(data) == 0 {
		t.Errorf("%s:%d: %q returned no JSON", s.name, e.n, e.line)
		return nil
	}
	if !strings.Contains(e.out, string(data)) {
		t.Errorf("%s:%d: the console transcript does not show the JSON of %q", s.name, e.n, e.line)
	}
	var doc commands.ExportDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Errorf("%s:%d: export does not decode into commands.ExportDoc: %v", s.name, e.n, err)
		return nil
	}
	// Round trip: encoding the decoded document gives the same bytes, and decoding those the same value.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as the export does: "&" stays readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatalf("re-encode export: %v", err)
	}
	again := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !bytes.Equal(again, data) {
		t.Errorf("%s:%d: export does not round trip through commands.ExportDoc:\nfirst:  %s\nsecond: %s", s.name, e.n, data, again)
	}
	var doc2 commands.ExportDoc
	if err := json.Unmarshal(again, &doc2); err != nil || !reflect.DeepEqual(doc, doc2) {
		t.Errorf("%s:%d: export decoded twice differs (err %v):\n%+v\n%+v", s.name, e.n, err, doc, doc2)
	}
	// The keys PRODUCT.md §4 promises are there, whatever their value.
	var raw struct {
		Format      *string          `json:"format"`
		User        map[string]any   `json:"user"`
		Conferences []map[string]any `json:"conferences"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("decode export: %v", err)
	}
	if raw.Format == nil || raw.User["platform"] == nil || raw.User["id"] == nil {
		t.Errorf("%s:%d: export lacks format or user.platform/id", s.name, e.n)
	}
	for _, c := range raw.Conferences {
		for _, k := range []string{"name", "timezone", "talks"} {
			if _, ok := c[k]; !ok {
				t.Errorf("%s:%d: export conference lacks %q", s.name, e.n, k)
			}
		}
		talks, _ := c["talks"].([]any)
		for _, x := range talks {
			tk, _ := x.(map[string]any)
			for _, k := range []string{"id", "title", "status", "watch_later", "watched", "starred", "notes"} {
				if _, ok := tk[k]; !ok {
					t.Errorf("%s:%d: export talk %v lacks %q", s.name, e.n, tk["id"], k)
				}
			}
		}
	}
	for _, c := range doc.Conferences {
		if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
			t.Errorf("%s:%d: conference %q has time zone %q", s.name, e.n, c.Name, c.Timezone)
		}
		for _, tk := range c.Talks {
			if !slices.Contains([]string{"attended", "missed", "none"}, tk.Status) {
				t.Errorf("%s:%d: talk #%d has status %q", s.name, e.n, tk.ID, tk.Status)
			}
			if tk.Rating < 0 || tk.Rating > 5 {
				t.Errorf("%s:%d: talk #%d has rating %d", s.name, e.n, tk.ID, tk.Rating)
			}
			for _, ts := range []string{tk.StartsAt, tk.EndsAt, tk.LoggedAt} {
				if _, err := time.Parse(time.RFC3339, ts); ts != "" && err != nil {
					t.Errorf("%s:%d: talk #%d has a bad time %q", s.name, e.n, tk.ID, ts)
				}
			}
			for _, n := range tk.Notes {
				if _, err := time.Parse(time.RFC3339, n.CreatedAt); err != nil {
					t.Errorf("%s:%d: a note on #%d has a bad time %q", s.name, e.n, tk.ID, n.CreatedAt)
				}
			}
		}
	}
	return &doc
}

// checkExportMatchesDB compares an export with the user's rows in the
// database at that moment: same talks, same log fields, same notes, and every
// note is the exporter's own.
func (s *session) checkExportMatchesDB(e *entry, doc *commands.ExportDoc) {
	t := s.t
	type logRow struct {
		status, reason      string
		watchLater, watched bool
		rating              int
		starred             bool
		notes               []string // "visibility:text", in order
		recommendations     int      // how many times the user recommended it
	}
	want := map[int64]*logRow{}
	get := func(id int64) *logRow {
		if want[id] == nil {
			want[id] = &logRow{status: "none"}
		}
		return want[id]
	}
	for _, r := range e.after.rows["logs"] {
		f := strings.Split(r, "|")
		if f[0] != e.user {
			continue
		}
		id, _ := strconv.ParseInt(f[1], 10, 64)
		l := get(id)
		l.status, l.reason = f[2], f[3]
		l.watchLater, l.watched, l.starred = f[4] == "1", f[5] == "1", f[7] == "1"
		l.rating, _ = strconv.Atoi(f[6])
	}
	for _, n := range e.after.notes {
		if n.owner == e.user {
			l := get(n.talkID)
			l.notes = append(l.notes, n.visibility+":"+n.text)
		}
	}
	for _, r := range e.after.rows["recommendations"] {
		f := strings.Split(r, "|")
		if f[0] == e.user {
			id, _ := strconv.ParseInt(f[1], 10, 64)
			get(id).recommendations++
		}
	}
	got := map[int64]*logRow{}
	for _, c := range doc.Conferences {
		for _, tk := range c.Talks {
			if got[tk.ID] != nil {
				t.Errorf("%s:%d: export lists talk #%d twice", s.name, e.n, tk.ID)
			}
			l := &logRow{status: tk.Status, reason: tk.MissedReason, watchLater: tk.WatchLater, watched: tk.Watched, rating: tk.Rating, starred: tk.Starred,
				recommendations: len(tk.RecommendedTo)}
			for _, n := range tk.Notes {
				l.notes = append(l.notes, n.Visibility+":"+n.Text)
				if seen, ok := s.notes[n.Text]; !ok || seen.owner != e.user {
					t.Errorf("%s:%d: %s's export holds the note %q, written by %q", s.name, e.n, e.user, n.Text, seen.owner)
				}
			}
			got[tk.ID] = l
		}
	}
	ids := map[int64]bool{}
	for id := range want {
		ids[id] = true
	}
	for id := range got {
		ids[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		w, g := want[id], got[id]
		switch {
		case g == nil:
			t.Errorf("%s:%d: %s's export lacks talk #%d (%+v)", s.name, e.n, e.user, id, *w)
		case w == nil:
			t.Errorf("%s:%d: %s's export has talk #%d they never logged (%+v)", s.name, e.n, e.user, id, *g)
		case !reflect.DeepEqual(*w, *g):
			t.Errorf("%s:%d: %s's export of talk #%d is %+v, the database says %+v", s.name, e.n, e.user, id, *g, *w)
		}
	}
}

// checkHighlights recomputes the order of every `highlights` reply from the
// raw logs: team highlights rank by how many people starred or rated a talk
// 4-5, then by net score (rating-3 for each rating, +1 for each star, so a
// colleague's 2/5 pulls a talk down), then by id; a user's own by their rating,
// then their star, then how many highlighted it. Both list only highlighted
// talks, at most 10.
func (s *session) checkHighlights() {
	t := s.t
	for _, e := range s.entries {
		if !isCommand(e.text, "highlights", "top") || e.reply.Kind != commands.KindOK {
			continue
		}
		want := s.expectedHighlights(e)
		if !slices.Equal(e.reply.Talks(), want) {
			t.Errorf("%s:%d: %q showed talks %v, the ratings imply %v:\n%s", s.name, e.n, e.line, e.reply.Talks(), want, e.reply.Text())
		}
	}
}

func (s *session) expectedHighlights(e *entry) []int64 {
	st := e.after
	confID := st.userConf[e.user]
	conf := st.confs[confID]
	loc, err := time.LoadLocation(conf.zone)
	if err != nil {
		s.t.Fatalf("%s:%d: conference %d has zone %q", s.name, e.n, confID, conf.zone)
	}
	day, tag, mine, page := "", "", false, 1
	words := strings.Fields(strings.ToLower(e.text))[1:]
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case w == "page" && i+1 < len(words):
			page, _ = strconv.Atoi(words[i+1])
			i++
		case w == "mine" || w == "me":
			mine = true
		case w == "team":
			mine = false
		case w == "today":
			day = e.at.In(loc).Format(time.DateOnly)
		case w == "yesterday":
			day = e.at.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
		case w == "day" && i+1 < len(words):
			n, _ := strconv.Atoi(words[i+1])
			start, _ := time.Parse(time.DateOnly, conf.startsOn)
			day = start.AddDate(0, 0, n-1).Format(time.DateOnly)
			i++
		case strings.HasPrefix(w, "#"):
			tag = w[1:]
		case len(w) == 10 && w[4] == '-':
			day = w
		}
	}
	type score struct {
		id                        int64
		highlighters, score, mine int
		mineStar, mineHighlight   bool
	}
	scores := map[int64]*score{}
	for _, r := range e.after.rows["logs"] {
		f := strings.Split(r, "|")
		id, _ := strconv.ParseInt(f[1], 10, 64)
		rating, _ := strconv.Atoi(f[6])
		starred := f[7] == "1"
		sc := scores[id]
		if sc == nil {
			sc = &score{id: id}
			scores[id] = sc
		}
		if starred || rating >= 4 {
			sc.highlighters++
		}
		if rating > 0 {
			sc.score += rating - 3
		}
		if starred {
			sc.score++
		}
		if f[0] == e.user {
			sc.mine, sc.mineStar, sc.mineHighlight = rating, starred, starred || rating >= 4
		}
	}
	var list []*score
	for id, sc := range scores {
		tr := st.talks[id]
		if tr.conf != confID || (day != "" && tr.day != day) || (tag != "" && !slices.Contains(tr.tags, tag)) {
			continue
		}
		if (mine && sc.mineHighlight) || (!mine && sc.highlighters > 0) {
			list = append(list, sc)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if mine {
			if a.mine != b.mine {
				return a.mine > b.mine
			}
			if a.mineStar != b.mineStar {
				return a.mineStar
			}
			if a.highlighters != b.highlighters {
				return a.highlighters > b.highlighters
			}
			return a.id < b.id
		}
		if a.highlighters != b.highlighters {
			return a.highlighters > b.highlighters
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return a.id < b.id
	})
	var ids []int64
	for _, sc := range list[min((page-1)*10, len(list)):min(page*10, len(list))] {
		ids = append(ids, sc.id)
	}
	return ids
}

// checkForgotten: after `forget me confirm`, the user is gone from the
// database and from every later reply to anyone else.
func (s *session) checkForgotten() {
	t := s.t
	for i, e := range s.entries {
		if !isCommand(e.text, "forget") || !strings.HasPrefix(e.reply.Text(), "Done:") {
			continue
		}
		for _, table := range append([]string{"users"}, ownedTables...) {
			for _, r := range e.after.rows[table] {
				f := strings.Split(r, "|")
				if (table == "users" && f[1] == e.user) || (table != "users" && f[0] == e.user) {
					t.Errorf("%s:%d: after forget me, %s still has a row in %s: %s", s.name, e.n, e.user, table, r)
				}
			}
		}
		var theirs []string
		for text, n := range s.notes {
			if n.owner == e.user {
				theirs = append(theirs, text)
			}
		}
		if len(theirs) == 0 {
			t.Errorf("%s:%d: %s wrote no notes before forgetting, so forgetting them is not tested", s.name, e.n, e.user)
		}
		for _, later := range s.entries[i+1:] {
			if later.user == e.user {
				continue
			}
			text := later.reply.Text()
			for _, n := range theirs {
				if strings.Contains(text, n) {
					t.Errorf("%s:%d: the forgotten %s's note %q still shows to %s:\n%s", s.name, later.n, e.user, n, later.user, text)
				}
			}
			for _, mark := range []string{"• " + e.user + ":", "✎ " + e.user, "by " + e.user, e.user + " rated", e.user + " starred", "   " + e.user + ": "} {
				if strings.Contains(text, mark) {
					t.Errorf("%s:%d: the forgotten %s still shows to %s (%q):\n%s", s.name, later.n, e.user, later.user, mark, text)
				}
			}
		}
	}
}

// ---- assertions for one script ----

var scriptChecks = map[string]func(t *testing.T, s *session){
	"kubecon_na_2022":         checkKubeConNA2022,
	"kubecon_na_2024":         checkKubeConNA2024,
	"kubecon_na_2023_youtube": checkKubeConNA2023,
	"kubecon_eu_2023":         checkKubeConEU2023,
}

// find returns the entries whose line is exactly line.
func (s *session) find(line string) []*entry {
	var out []*entry
	for _, e := range s.entries {
		if e.line == line {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		s.t.Fatalf("%s: the script has no line %q", s.name, line)
	}
	return out
}

func (s *session) last(line string) *entry {
	es := s.find(line)
	return es[len(es)-1]
}

func wantKind(t *testing.T, e *entry, kind commands.Kind) {
	t.Helper()
	if e.reply.Kind != kind {
		t.Errorf("line %d %q: reply kind %d, want %d:\n%s", e.n, e.line, e.reply.Kind, kind, e.reply.Text())
	}
}

func wantContains(t *testing.T, e *entry, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(e.reply.Text(), p) {
			t.Errorf("line %d %q: reply lacks %q:\n%s", e.n, e.line, p, e.reply.Text())
		}
	}
}

func wantNotContains(t *testing.T, e *entry, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(e.reply.Text(), p) {
			t.Errorf("line %d %q: reply has %q:\n%s", e.n, e.line, p, e.reply.Text())
		}
	}
}

// nth returns the i-th (0-based) entry whose line is exactly line.
func (s *session) nth(line string, i int) *entry {
	es := s.find(line)
	if i >= len(es) {
		s.t.Fatalf("%s: the script has %d lines %q, want at least %d", s.name, len(es), line, i+1)
	}
	return es[i]
}

// wantOrder checks that a reply lists talks whose titles start with prefixes, in that order, first.
func wantOrder(t *testing.T, s *session, e *entry, prefixes ...string) {
	t.Helper()
	titles := make([]string, len(e.reply.Talks()))
	for i, id := range e.reply.Talks() {
		titles[i] = e.after.talks[id].title
	}
	if len(titles) < len(prefixes) {
		t.Errorf("line %d %q: %d talks %q, want at least %d", e.n, e.line, len(titles), titles, len(prefixes))
		return
	}
	for i, p := range prefixes {
		if !strings.HasPrefix(titles[i], p) {
			t.Errorf("line %d %q: talk %d is %q, want %q…; all: %q", e.n, e.line, i+1, titles[i], p, titles)
		}
	}
}

// wantUnchanged checks that a command changed no data (a new user row aside).
func wantUnchanged(t *testing.T, e *entry) {
	t.Helper()
	for table, rows := range e.after.rows {
		if table != "users" && !slices.Equal(rows, e.before.rows[table]) {
			t.Errorf("line %d %q changed table %s:\nbefore: %q\nafter:  %q", e.n, e.line, table, e.before.rows[table], rows)
		}
	}
}

// exportOf decodes the export an entry returned.
func exportOf(t *testing.T, e *entry) commands.ExportDoc {
	t.Helper()
	var doc commands.ExportDoc
	if err := json.Unmarshal(exportData(e.reply), &doc); err != nil {
		t.Fatalf("line %d %q: %v", e.n, e.line, err)
	}
	return doc
}

// exportTalk finds the talk in an export whose title starts with prefix.
func exportTalk(t *testing.T, doc commands.ExportDoc, prefix string) *commands.ExportTalk {
	t.Helper()
	for i := range doc.Conferences {
		for j := range doc.Conferences[i].Talks {
			if tk := &doc.Conferences[i].Talks[j]; strings.HasPrefix(tk.Title, prefix) {
				return tk
			}
		}
	}
	t.Errorf("%s's export has no talk %q…", doc.User.ID, prefix)
	return nil
}

type wantTalk struct {
	prefix      string
	status      string
	reason      string
	rating      int
	starred     bool
	watchLater  bool
	watched     bool
	notes       []string // "visibility:text"; nil means not checked
	recording   string
	scheduleID  string
	event, room string
	day         string
	tags        []string
}

func checkExportTalks(t *testing.T, doc commands.ExportDoc, wants []wantTalk) {
	t.Helper()
	for _, w := range wants {
		tk := exportTalk(t, doc, w.prefix)
		if tk == nil {
			continue
		}
		got := wantTalk{prefix: w.prefix, status: tk.Status, reason: tk.MissedReason, rating: tk.Rating, starred: tk.Starred,
			watchLater: tk.WatchLater, watched: tk.Watched, recording: tk.RecordingURL, scheduleID: tk.ScheduleID,
			event: tk.Event, room: tk.Room, day: tk.Day, tags: tk.Tags}
		if w.notes != nil {
			got.notes = []string{}
			for _, n := range tk.Notes {
				got.notes = append(got.notes, n.Visibility+":"+n.Text)
			}
		}
		// Fields the want leaves empty are not checked.
		if w.recording == "" {
			got.recording = ""
		}
		if w.scheduleID == "" {
			got.scheduleID = ""
		}
		if w.event == "" {
			got.event = ""
		}
		if w.room == "" {
			got.room = ""
		}
		if w.day == "" {
			got.day = ""
		}
		if w.tags == nil {
			got.tags = nil
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s's export of %q…:\n got %+v\nwant %+v", doc.User.ID, w.prefix, got, w)
		}
	}
}

func checkKubeConNA2022(t *testing.T, s *session) {
	// Highlights: the order the ratings imply, and a star that visibly moves a talk.
	// Resize: elmiko 5/5 + star, erik 5/5 (2 highlighters); KEDA: elmiko 5/5, jen
	// 5/5 (2, net score 4); Cluster API: elmiko 5/5 + star (1, 3); Dogfood: erik
	// 5/5 + star (1, 3); API Server Inception: elmiko 5/5, erik 3/5 (1, 2) until
	// erik's star makes it a second highlighter.
	before := s.nth("highlights", 1)
	wantOrder(t, s, before, "Resize Your Pods", "KEDA", "Cluster API Status Update", "Who Knew Dogfood", "API Server Inception")
	starred := s.nth("highlights", 2)
	wantOrder(t, s, starred, "Resize Your Pods", "KEDA", "API Server Inception", "Cluster API Status Update", "Who Knew Dogfood")
	wantOrder(t, s, s.nth("highlights", 3), "Resize Your Pods", "KEDA", "Cluster API Status Update", "Who Knew Dogfood", "API Server Inception")
	// Mine: by my rating, then my star, then the team's interest.
	wantOrder(t, s, s.last("highlights mine"), "Resize Your Pods", "Cluster API Status Update", "KEDA", "API Server Inception")
	wantOrder(t, s, s.last("@erik: highlights mine"), "Who Knew Dogfood", "Resize Your Pods")
	if e := s.last("highlights #ebpf"); len(e.reply.Talks()) != 1 {
		t.Errorf("highlights #ebpf: %d talks, want only the Resize talk (erik rated the other 2/5)", len(e.reply.Talks()))
	}

	// Private notes stay private: elmiko's and jen's, and erik's Lafayette note.
	wantNotContains(t, s.last("@erik: show 182HU"), "ask Vinay")
	wantContains(t, s.last("@erik: show 182HU"), "elmiko still owes me a coney", "mind slightly blown")
	wantContains(t, s.last("show 182HU"), "ask Vinay", "elmiko (private)")
	wantNotContains(t, s.last("show 182HU"), "Lafayette")
	wantContains(t, s.last("search Lafayette"), "Nothing matches")
	wantContains(t, s.last("@erik: search Lafayette"), "Lafayette")
	wantContains(t, s.last("search slides"), "Nothing matches")
	wantContains(t, s.last("@erik: search KEP-1287"), "needs KEP-1287")
	wantNotContains(t, s.last("@erik: search KEP-1287"), "ask Vinay")

	// Undo, several levels: the bad rating, then the note; then a delete and its undo.
	wantContains(t, s.nth("show 182Hd", 0), "1/5", "convincing numbers")
	for _, i := range []int{1, 3} {
		e := s.nth("show 182Hd", i)
		wantContains(t, e, "elmiko: attended, ★★★★☆ 4/5")
		wantNotContains(t, e, "convincing numbers", "1/5")
	}
	wantKind(t, s.nth("show 182Hd", 2), commands.KindError)
	wantContains(t, s.last("show #7"), "erik: attended, ★★★★☆ 4/5")

	// Watch list, with each kind of reason.
	watch := s.last("watch")
	wantContains(t, watch, "you missed it (room full)", "on your watch-later list", "recommended by jen", "recommended by erik", "jen rated it 4/5; you haven't seen it")
	later := s.last("what should I watch later?")
	if later.reply.Kind != commands.KindOK || !strings.HasPrefix(later.reply.Text(), "Worth watching") {
		t.Errorf("a plain question did not get the watch list:\n%s", later.reply.Text())
	}
	wantNotContains(t, later, "Cgroupv2") // watched since
	wantContains(t, s.last("@erik: watch"), "you missed it (clashed with my own talk)", "recommended by elmiko", "elmiko rated it 5/5 and starred it")

	// Conferences: a new one becomes current for everyone until they pick.
	wantContains(t, s.nth("@erik: list", 0), "KubeCon EU 2023", "Nothing here yet")
	wantContains(t, s.nth("@erik: list", 1), "KubeCon NA 2022", "Who Knew Dogfood")

	// The JSON export holds what the script logged for elmiko, and nobody else's notes.
	e := s.last("export json")
	doc := exportOf(t, e)
	if n := len(doc.Conferences); n != 1 || doc.Conferences[0].Name != "KubeCon NA 2022" || doc.Conferences[0].Timezone != "America/Detroit" {
		t.Errorf("elmiko's export has conferences %+v, want only KubeCon NA 2022 in America/Detroit", doc.Conferences)
	} else if n := len(doc.Conferences[0].Talks); n != 14 {
		t.Errorf("elmiko's export has %d talks, want the 14 elmiko logged", n)
	}
	checkExportTalks(t, doc, []wantTalk{
		{prefix: "Fun with FreeBSD", status: "attended", rating: 4, notes: []string{"team:inspired me to repeat the demo on a FreeBSD box"},
			scheduleID: "8GP8QM", event: "Cloud Native Rejekts", room: "Main Stage",
			day: "2022-10-23", tags: []string{"freebsd", "virtualization"}},
		{prefix: "API Server Inception", status: "attended", rating: 5, notes: []string{"team:Mike had a system running 19 nested clusters deep"}},
		{prefix: "Cluster API Status Update and Roadmap Planning", status: "attended", rating: 5, starred: true, scheduleID: "1CXNP",
			notes: []string{"team:managed Kubernetes and cluster addons were the big topics; meet Cappy the turtle",
				"private:pitch a package-manager style addon flow at the next CAPI office hours"}},
		{prefix: "No One Is Saving Us But Us", status: "missed", reason: "recommended by several people; missed it at the summit and again here",
			watchLater: true, notes: []string{}},
		{prefix: "OKD Community Status and Roadmap", status: "attended", event: "OpenShift Commons", tags: []string{"okd"},
			notes: []string{"team:lightning talk: OKD Streams and the community-run Tekton pipeline"}},
		{prefix: "API Evolution with CRDs", status: "attended", rating: 4, scheduleID: "182HR",
			notes: []string{"team:a great foundation for anyone writing operators; slow cache updates are still tricky to test"}},
		{prefix: "Resize Your Pods In-Place", status: "attended", rating: 5, starred: true, scheduleID: "182HU", room: "W183", tags: []string{"ebpf"},
			notes: []string{"team:mind slightly blown; needs KEP-1287", "private:ask Vinay whether KEP-1287 makes it into 1.27"}},
		{prefix: "KEDA - Real Time And Serverless Scaling in Kubernetes", status: "attended", rating: 5,
			notes: []string{"team:highly recommend if you scale pods on an event stream"}},
		{prefix: "Beyond Kubebuilder", status: "attended", rating: 4, scheduleID: "182Hd", notes: []string{}},
		{prefix: "Cgroupv2 Is Coming Soon", status: "attended", rating: 4, watched: true, recording: "https://www.youtube.com/watch?v=EXAMPLE182JZ",
			notes: []string{"team:only saw the last half"}},
		{prefix: "The Course Of True Community Management", status: "missed", reason: "room full", watchLater: true, scheduleID: "182E3"},
		{prefix: "Kcp: Towards 1,000,000 Clusters", status: "none", watchLater: true},
		{prefix: "Towards Something Better Than CRDs", status: "none", watchLater: true},
		{prefix: "Using the EBPF Superpowers", status: "none", watchLater: true},
	})
	others := []string{"elmiko still owes me a coney at Lafayette", "slides are worth a second look", "the demo that resized a pod",
		"KEDA scales on an event stream", "everyone should see this one", "great examples of validation rules", "kind of a boring talk"}
	for _, n := range others {
		if bytes.Contains(exportData(e.reply), []byte(n)) {
			t.Errorf("elmiko's export holds someone else's note %q", n)
		}
	}
	erik := exportOf(t, s.last("@erik: export json"))
	if tk := exportTalk(t, erik, "Resize Your Pods In-Place"); tk != nil {
		var texts []string
		for _, n := range tk.Notes {
			texts = append(texts, n.Visibility+":"+n.Text)
		}
		want := []string{"team:the demo that resized a pod when someone ran make was wild", "private:elmiko still owes me a coney at Lafayette"}
		if !slices.Equal(texts, want) || tk.Rating != 4 || tk.Starred {
			t.Errorf("erik's export of the Resize talk: rating %d, starred %v, notes %q; want 4, false, %q", tk.Rating, tk.Starred, texts, want)
		}
	}
	for _, n := range []string{"ask Vinay", "mind slightly blown", "pitch a package-manager"} {
		if bytes.Contains(exportData(s.last("@erik: export json").reply), []byte(n)) {
			t.Errorf("erik's export holds elmiko's note %q", n)
		}
	}
	jen := exportOf(t, s.last("@jen: export json"))
	if tk := exportTalk(t, jen, "KEDA - Real Time"); tk != nil {
		if len(tk.Notes) != 2 || tk.Notes[0].Visibility != "private" || tk.Notes[1].Visibility != "team" {
			t.Errorf("jen's KEDA notes %+v: want the private one (privacy private) then the --team one", tk.Notes)
		}
	}
}

func checkKubeConNA2024(t *testing.T, s *session) {
	// Bad input: an error (or a question), a hint, and no change.
	bad := map[string][]string{
		"note great talk":                    {"no last talk"},
		"rate 5":                             {"no last talk"},
		"ad Karpenter":                       {"Did you mean `add`?"},
		"hilights":                           {"Did you mean `highlights`?"},
		"lisst today":                        {"Did you mean `list`?"},
		"exprot json":                        {"Did you mean `export`?"},
		"add Foo Talk 7/5":                   {"1 to 5"},
		"add Foo Talk *0":                    {"1 to 5"},
		"rate 6":                             {"1 to 5"},
		"rate 0":                             {"1 to 5"},
		"rate ★★★★★★":                        {"1 to 5"},
		"@mike: edit #1 rating:9":            {"1 to 5"},
		"add Lunch and Learn day:2024-13-45": {"YYYY-MM-DD"},
		"add Lunch and Learn day:tomorrow":   {"YYYY-MM-DD"},
		"list 2024-02-30":                    {"YYYY-MM-DD"},
		"edit #1 day:2024-11-31":             {"YYYY-MM-DD"},
		"conf new Rejekts 2024-11-10..2024-11-09":                   {"ends before it starts"},
		"conf new Commons 2024-11-12..2024-11-12 Mars/Olympus_Mons": {"IANA"},
		"@david: edit #1 title:David's talk now":                    {"Only whoever logged #1 first"},
		"add Flux Bootstrap ftp://example.com/flux":                 {"http(s)"},
		"edit #1 video:javascript:alert(1)":                         {"http(s)"},
		"add Tagged Talk tags:a,b,c,d,e,f,g,h,i,j,k":                {"up to 10 tags"},
		"show flux capacitor":                                       {"no talk called"},
		"recommend #2 @mike":                                        {"yourself"},
		"export pdf":                                                {"export json"},
		"privacy public":                                            {"privacy team"},
		"forget":                                                    {"forget me"},
	}
	for line, parts := range bad {
		e := s.last(line)
		wantKind(t, e, commands.KindError)
		wantContains(t, e, parts...)
		wantUnchanged(t, e)
	}
	long := s.entries[slices.IndexFunc(s.entries, func(e *entry) bool {
		return strings.HasPrefix(e.line, "add Measuring All the Costs with OpenCost Plugins - Alex Meijer, Stackwatch: ")
	})]
	wantKind(t, long, commands.KindError)
	wantContains(t, long, "300")
	wantUnchanged(t, long)
	for _, line := range []string{"show update", "rate \"Update\" 4", "@kevin: forget me"} {
		e := s.last(line)
		wantKind(t, e, commands.KindQuestion)
		wantUnchanged(t, e)
	}
	// One talk has the word "cost" in its title (the OpenCost one was refused as too long).
	wantKind(t, s.last("show cost"), commands.KindOK)
	wantContains(t, s.last("show cost"), "#11 Exceeded Your Validation Cost Budget? Now What?")
	wantContains(t, s.last("show update"), "Cluster API Project Update", "SIG Autoscaling Projects Update")
	wantContains(t, s.last("@kevin: forget me"), "forget me confirm")
	if title := s.last("@david: edit #1 title:David's talk now").after.talks[1].title; title != "Karpenter and Cluster Autoscaler: A data-driven comparison" {
		t.Errorf("david renamed mike's talk to %q", title)
	}

	// Mass mentions and markup are echoed inert.
	wantContains(t, s.nth("add @channel <!channel> @here Booth Crawl at <b>the</b> project pavilion <script>alert(1)</script> #social", 0),
		"@\u2060channel", "<!\u2060channel>", "@\u2060here")
	wantContains(t, s.last("show #7"), "@\u2060everyone", "@\u2060room")
	wantContains(t, s.last("@kevin: add <!here> Pickleball court <img src=x onerror=alert(1)> -- @channel bring paddles"), "<!\u2060here>", "@\u2060channel")

	// forget me confirm: kevin's rating and star are gone from the team's numbers.
	wantContains(t, s.nth("@kevin: highlights", 0), "#11 Exceeded Your Validation Cost Budget? Now What?")
	// Without kevin's 5/5 and star the validation talk falls from first to a single 4/5.
	after := s.nth("highlights", 2)
	wantOrder(t, s, after, "From Observability to Performance")
	wantContains(t, after, "Exceeded Your Validation Cost Budget? Now What? — Joel Speed, Red Hat\n   2024-11-14 · #cel · team 4.0/5 from 1")
	wantNotContains(t, after, "Cluster API Project Update", "1 ★ starred")
	wantContains(t, s.last("list @kevin"), "I don't know @kevin")
	wantNotContains(t, s.nth("@david: watch", 1), "recommended by kevin", "kevin rated")

	// The rate limit answers politely and changes nothing.
	lists := s.find("@david: list")
	if n := len(lists); n < 7 {
		t.Fatalf("the script has %d rapid lists, want 7", n)
	}
	last := lists[len(lists)-1]
	wantKind(t, last, commands.KindError)
	wantContains(t, last, "Easy there")
	for _, e := range lists[:3] {
		wantKind(t, e, commands.KindOK)
	}
}

func checkKubeConNA2023(t *testing.T, s *session) {
	// Watch reasons: missed beats recommended; a team recommendation undone is gone.
	sam := s.last("@sam: watch")
	wantContains(t, sam, "you missed it (room full)", "recommended by clux", "clux rated it 5/5; like the talks you rated highly (#security); you haven't seen it")
	wantOrder(t, s, sam, "All You Need to Know About Prometheus in 2023")
	wantNotContains(t, sam, "KEDA Graduation Announcements\n   recommended")
	ana := s.last("@ana: watch")
	wantContains(t, ana, "on your watch-later list", "recommended by clux", "clux rated it 5/5; sam rated it 4/5; you haven't seen it")
	// Private notes.
	wantContains(t, s.last("search cisco"), "Nothing matches")
	wantContains(t, s.last("@sam: search cisco"), "Cisco deal")
	// Team highlights: two highlighters first, then net score.
	wantOrder(t, s, s.last("highlights"), "How Prometheus Halved", "When Is a Secure Connection", "All You Need to Know", "Demystifying Cilium", "Security Showdown")
	// Talks watched on video are "watched", not "attended".
	doc := exportOf(t, s.last("export json"))
	checkExportTalks(t, doc, []wantTalk{
		{prefix: "How Prometheus Halved", status: "none", rating: 5, watched: true, recording: "https://www.youtube.com/watch?v=29yKJ1312AM",
			notes: []string{"team:nice journey into prometheus space optimization; label layout matters a lot"}},
		{prefix: "KEDA Graduation Announcements", status: "none", rating: 4, watched: true,
			notes: []string{"private:finally kill the prometheus-adapter template format i maintain"}},
		{prefix: "All You Need to Know About Prometheus", status: "none", rating: 5, starred: true, watched: true},
	})
}

// serverFunc adapts a function to console.Server.
type serverFunc func(ctx context.Context, req commands.Request, respond dispatch.Respond) error

func (f serverFunc) Serve(ctx context.Context, req commands.Request, respond dispatch.Respond) error {
	return f(ctx, req, respond)
}

// TestAdapterReadsAScript runs a whole multi-line script through one Run:
// comments and blank lines are skipped, "@name: " switches the speaker for
// one line, and each reply follows its echoed line.
func TestAdapterReadsAScript(t *testing.T) {
	in := strings.Join([]string{
		"// a comment",
		"",
		"list",
		"   @bob: add Talk -- with a note   ",
		"@bob:list",
		"@two words: list",
		"//clock 2022-10-26T09:00:00-04:00",
		"talk help",
	}, "\n")
	var got []commands.Request
	h := serverFunc(func(ctx context.Context, req commands.Request, respond dispatch.Respond) error {
		got = append(got, req)
		return respond(ctx, commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: "ok " + req.UserID + " @here"}}}}})
	})
	var out bytes.Buffer
	a := console.Adapter{Server: h, User: "alice", In: strings.NewReader(in), Out: &out, Echo: true}
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []struct{ user, text string }{
		{"alice", "list"},
		{"bob", "add Talk -- with a note"},
		{"alice", "@bob:list"},
		{"alice", "@two words: list"},
		{"alice", "talk help"},
	}
	if len(got) != len(want) {
		t.Fatalf("the handler got %d requests, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		r := got[i]
		if r.UserID != w.user || r.UserName != w.user || r.Text != w.text || r.Platform != talkbot.PlatformConsole || r.Workspace != console.Workspace {
			t.Errorf("request %d = %+v, want user %q text %q on console/%s", i, r, w.user, w.text, console.Workspace)
		}
	}
	wantOut := "> list\nok alice @\u2060here\n" +
		"> @bob: add Talk -- with a note\nok bob @\u2060here\n" +
		"> @bob:list\nok alice @\u2060here\n" +
		"> @two words: list\nok alice @\u2060here\n" +
		"> talk help\nok alice @\u2060here\n"
	if out.String() != wantOut {
		t.Errorf("transcript:\n%s\nwant:\n%s", out.String(), wantOut)
	}
}

// checkKubeConEU2023 checks what seed 004's week left in the data: the
// stored talks, read from the exports, not the reply texts.
func checkKubeConEU2023(t *testing.T, s *session) {
	for _, e := range s.entries {
		if strings.Contains(e.reply.Text(), "Easy there") {
			t.Errorf("line %d %q was rate-limited in the console", e.n, e.line)
		}
	}
	arturo, david, taavi := exportOf(t, s.last("export json")), exportOf(t, s.last("@david: export json")), exportOf(t, s.last("@taavi: export json"))
	if len(arturo.Conferences) != 1 || arturo.Conferences[0].VideosURL != "https://youtube.com/playlist?list=PLj6h78yzYM2PyrvCoOii4rAopBswfz1p7" {
		t.Errorf("arturo's conferences: %+v", arturo.Conferences)
	}
	// A keynote a day, each its own talk with its own note.
	var keynotes []string
	for _, tk := range arturo.Conferences[0].Talks {
		if tk.Title == "Keynote" {
			keynotes = append(keynotes, fmt.Sprintf("#%d %s %d note(s)", tk.ID, tk.Day, len(tk.Notes)))
		}
	}
	if want := []string{"#1 2023-04-19 1 note(s)", "#13 2023-04-20 1 note(s)", "#19 2023-04-21 1 note(s)"}; !slices.Equal(keynotes, want) {
		t.Errorf("arturo's keynotes = %q, want %q", keynotes, want)
	}
	// Speakers with their organisations, apart.
	node := exportTalk(t, arturo, "Node Resource Management")
	if node != nil && (!slices.Equal(node.Speakers, []string{"Sascha Grunert", "Swati Sehgal", "Alexander Kanevskiy", "Evan Lezar", "David Porter"}) ||
		!slices.Equal(node.SpeakerOrgs, []string{"Red Hat", "Red Hat", "Intel", "NVIDIA", "Google"})) {
		t.Errorf("Node Resource Management speakers %q orgs %q", node.Speakers, node.SpeakerOrgs)
	}
	if opa := exportTalk(t, arturo, "Open Policy Agent"); opa != nil && (opa.Title != "Open Policy Agent. (OPA) Intro & Deep Dive" ||
		!slices.Equal(opa.SpeakerOrgs, []string{"Styra, Inc."}) || opa.MissedReason != "Couldn't really attend, room full") {
		t.Errorf("OPA = %+v", *opa)
	}
	if nyt := exportTalk(t, arturo, "Automating Configuration"); nyt != nil && (nyt.Rating != 4 || !slices.Equal(nyt.SpeakerOrgs, []string{"The New York Times", "The New York Times"})) {
		t.Errorf("the New York Times talk: rating %d orgs %q", nyt.Rating, nyt.SpeakerOrgs)
	}
	checkExportTalks(t, arturo, []wantTalk{
		// The rating at the end of the note counts, and leaves the note.
		{prefix: "Argo CD Core", status: "attended", rating: 4, notes: []string{"team:the initial setup is simple; migrating your workflow to gitops can be a bumpy ride"}, tags: []string{"gitops"}},
		{prefix: "Flux Beyond Git", status: "missed", reason: "Couldn’t really attend, room full", watchLater: true, scheduleID: "1HySr", day: "2023-04-19"},
		// taavi filled the room nobody had set; the tags stayed arturo's.
		{prefix: "Hacking and Defending", status: "attended", rating: 5, room: "Hall-12", tags: []string{"security"}, recording: "https://youtu.be/hackingLive"},
		{prefix: "Practical Challenges with Pod Security", status: "attended", notes: []string{"team:Pod Security Admission is the one we adopt when we migrate away from Pod Security Policy (T279110)"}},
	})
	// david: SIG Network is its own talk, SIG Node untouched.
	checkExportTalks(t, david, []wantTalk{
		{prefix: "SIG Node Intro and Deep Dive", status: "attended", rating: 4, tags: []string{"node"}},
		{prefix: "SIG Network Intro and Deep Dive", status: "missed", reason: "room full", watchLater: true, day: "2023-04-19"},
		{prefix: "Argo CD Core", status: "attended", rating: 5, starred: true, notes: []string{"team:a GitOps agent without the UI"}},
		{prefix: "Kyverno demo", status: "attended", recording: "https://www.youtube.com/watch?v=kyvernoDemo"},
	})
	if k := exportTalk(t, david, "Kyverno demo"); k != nil && !slices.Equal(k.Links, []string{"https://kyverno.io/"}) {
		t.Errorf("Kyverno demo links %q", k.Links)
	}
	// "@David:" and "@david:" are one person.
	if k := exportTalk(t, david, "Keynote"); k != nil && (k.ID != 1 || k.Status != "attended") {
		t.Errorf("@David's keynote = %+v", *k)
	}
	if len(david.Conferences) != 1 {
		t.Errorf("david's export has %d conferences (his own davetest is empty)", len(david.Conferences))
	}
	// taavi: titles kept whole, and the talk he typed in lower case is arturo's.
	checkExportTalks(t, taavi, []wantTalk{
		{prefix: "Top #10 Kubernetes Mistakes", status: "attended", notes: []string{"team:we made #3 and #7"}},
		{prefix: "Kubernetes — The Hard Way", status: "attended", day: "2023-04-19"},
		{prefix: "Kubeadm Deep Dive", status: "attended", rating: 4},
		{prefix: "Setting up Etcd", status: "attended", rating: 4},
	})
	if k := exportTalk(t, taavi, "Kubeadm Deep Dive"); k != nil && k.ID != 7 {
		t.Errorf("taavi's kubeadm deep dive is #%d, not arturo's #7", k.ID)
	}
	// 23 talks of the post and 5 of the colleagues', each logged once.
	if n := len(s.entries[len(s.entries)-1].after.talks); n != 28 {
		t.Errorf("the week left %d talks, want 28", n)
	}
}

// TestPostPrintsACardAndAFile: a reply the bot posts unprompted (a digest, a
// notice) is printed with where it would have gone, card and file included.
func TestPostPrintsACardAndAFile(t *testing.T) {
	var out bytes.Buffer
	a := console.Adapter{Out: &out}
	r := commands.Reply{Command: "digest", Blocks: []commands.Block{
		&commands.Paragraph{Spans: []commands.Span{{Text: "Today at KubeCon"}}},
		&commands.TalkCard{Talk: talkbot.Talk{ID: 7, Title: "eBPF for the rest of us"}, Lines: []commands.Line{{{Text: "alice ★★★★★"}}}},
		&commands.Attachment{Name: "day.md", MediaType: "text/markdown", Data: []byte("# Day 1\n")},
	}}
	if _, err := a.Post(context.Background(), commands.Destination{Channel: "#talks"}, r); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Post(context.Background(), commands.Destination{User: "bob"}, commands.Reply{Blocks: []commands.Block{
		&commands.Paragraph{Spans: []commands.Span{{Text: "A recording is up"}}}}}); err != nil {
		t.Fatal(err)
	}
	want := "[posted to #talks]\nToday at KubeCon\n#7 eBPF for the rest of us\nalice ★★★★★\n# Day 1\n" +
		"[posted to @bob]\nA recording is up\n"
	if d := cmp.Diff(want, out.String()); d != "" {
		t.Errorf("posts (-want +got):\n%s", d)
	}
}

// A stop (Ctrl-C, SIGTERM) lets the command under way finish before the
// bot closes its store: cut off, a change it had saved was answered "That
// took too long", and the next lines are not read.
func TestAStopLetsTheCommandUnderWayFinish(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	srv := serverFunc(func(ctx context.Context, req commands.Request, respond dispatch.Respond) error {
		close(started)
		<-release
		if ctx.Err() != nil {
			return respond(ctx, commands.Refusal("add", talkbot.EINTERNAL, "That took too long"))
		}
		return respond(ctx, commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: "Logged " + req.Text}}}}})
	})
	in, feed := io.Pipe()
	var out bytes.Buffer
	a := &console.Adapter{Server: srv, User: "alice", In: in, Out: &out}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	go feed.Write([]byte("add Talk A\nadd Talk B\n"))
	<-started
	stop()
	waited := make(chan struct{})
	go func() { a.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned while the command ran")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-waited
	feed.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "Logged add Talk A\n" {
		t.Errorf("after the stop: %q", got)
	}
}
