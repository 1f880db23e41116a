package commands_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/schedule"
	"github.com/talkbot/talkbot/store"
)

// The real schedules of ../shared/data.
const (
	schedICS   = "../../shared/data/kubecon_eu_2026_sched_all.ics"
	fosdemXML  = "../../shared/data/fosdem_2025_schedule.xml"
	mchPretalx = "../../shared/data/mch2022_pretalx_schedule.json"
)

// newImportFixture is newFixture with the router's import options set.
func newImportFixture(t *testing.T, cfg commands.Config) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return f.now }
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "talkbot.db"), store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.store = st
	cfg.Store, cfg.Now, cfg.Logger = st, clock, slog.New(slog.DiscardHandler)
	f.router = commands.New(cfg)
	return f
}

// asAdmin runs a command as a console admin, which may fail.
func (f *fixture) asAdmin(user, text string) commands.Reply {
	f.t.Helper()
	return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local",
		UserID: user, UserName: user, Text: text, Admin: true})
}

// on runs a command from a platform, as an admin or not.
func (f *fixture) on(platform, user, text string, admin bool) commands.Reply {
	f.t.Helper()
	return f.router.Handle(context.Background(), commands.Request{Platform: platform, Workspace: "W1", UserID: user, UserName: user,
		Text: text, Admin: admin})
}

func sessions(t *testing.T, path string) schedule.Schedule {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schedule.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// talkCount is how many scheduled sessions a workspace has.
func (f *fixture) talkCount(platform, workspace string) int {
	f.t.Helper()
	u, err := f.store.User(context.Background(), platform, workspace, "probe", "probe")
	if err != nil {
		f.t.Fatal(err)
	}
	cs, err := f.store.Conferences(context.Background(), u.WorkspaceID)
	if err != nil {
		f.t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		_, tot, err := f.store.ScheduleSessions(context.Background(), talkbot.ScheduleQuery{ConferenceID: c.ID})
		if err != nil {
			f.t.Fatal(err)
		}
		n += tot.N
	}
	return n
}

func TestImportAFileFromTheConsoleAndAgain(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	out := f.admin("admin", "import "+fosdemXML)
	for _, want := range []string{"Imported FOSDEM 2025 (into General, which takes the schedule's name)", "frab XML", "1,105 sessions",
		"2025-02-01..2025-02-02, times in Europe/Brussels", "New 1,105 · updated 0", "• new: #1 Welcome to FOSDEM 2025", "… and 1,102 more",
		"`schedule today`", "(its title on the schedule says so;"} {
		if !strings.Contains(out, want) {
			t.Errorf("import reply lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "⚠") {
		t.Errorf("FOSDEM names its zone; the reply warns:\n%s", out)
	}
	// Abstracts are indexed after the import's transaction; a search as soon as it replied finds them.
	if got := f.admin("admin", "search constructionism"); !strings.Contains(got, "Program to Learn: The Power of Creative Coding") {
		t.Errorf("search for a word of one abstract, right after the import:\n%s", got)
	}
	again := f.admin("admin", "import")
	if !strings.Contains(again, "New 0 · updated 0 · unchanged 1,105 · cancelled 0") {
		t.Errorf("`import` alone again:\n%s", again)
	}
	if r := f.as("bob", "import "+fosdemXML); r.Kind != commands.KindError || !strings.Contains(r.Text(), "Only an admin") {
		t.Errorf("a non-admin's import = %q", r.Text())
	}
}

func TestImportFlagsAGuessedZone(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	out := f.admin("admin", "import "+schedICS)
	if !strings.Contains(out, "⚠ The schedule does not name its time zone; I went by its venue: Europe/Amsterdam") ||
		!strings.Contains(out, "items are not talks") {
		t.Errorf("Sched import reply:\n%s", out)
	}
	fixed := f.admin("admin", "import "+schedICS+" Europe/Paris")
	if strings.Contains(fixed, "⚠") || !strings.Contains(fixed, "times in Europe/Paris") {
		t.Errorf("import with a zone:\n%s", fixed)
	}
	if r := f.asAdmin("admin", "import "+schedICS+" Mars/Olympus"); !strings.Contains(r.Text(), "I do not know the time zone") {
		t.Errorf("a bad zone: %s", r.Text())
	}
}

// TestChatImportsOnlyPublicLinks: from Slack or Matrix a chat admin gets no
// file of the server and no private address; the operator may allow the latter.
func TestChatImportsOnlyPublicLinks(t *testing.T) {
	data, err := os.ReadFile(mchPretalx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	defer srv.Close()
	for _, platform := range []string{talkbot.PlatformSlack, talkbot.PlatformMatrix} {
		f := newImportFixture(t, commands.Config{})
		for _, tc := range []struct{ in, want string }{
			{"import /etc/passwd", "In chat I import schedules from http(s) links only"},
			{"import " + fosdemXML, "In chat I import schedules from http(s) links only"},
			{"import file:///etc/passwd", "I can only fetch schedules from http:// or https:// links"},
			{"import http://169.254.169.254/", "That address is on a private network"},
			{"import http://[::1]:9/x", "That address is on a private network"},
			{"import " + srv.URL + "/schedule.json", "That address is on a private network"},
		} {
			r := f.on(platform, "admin", tc.in, true)
			if r.Kind != commands.KindError || !strings.Contains(r.Text(), tc.want) {
				t.Errorf("%s %q = %q, want a refusal saying %q", platform, tc.in, r.Text(), tc.want)
			}
			if strings.Contains(r.Text(), "root:") || strings.Contains(r.Text(), "no such file") {
				t.Errorf("%s %q leaks the server's files: %q", platform, tc.in, r.Text())
			}
		}
		if n := f.talkCount(platform, "W1"); n != 0 {
			t.Errorf("%s: %d sessions after refused imports", platform, n)
		}
	}
	f := newImportFixture(t, commands.Config{ImportAllowPrivate: true})
	withPassword := strings.Replace(srv.URL, "http://", "http://ops:s3cret@", 1) + "/schedule.json"
	if r := f.on(talkbot.PlatformSlack, "admin", "import "+withPassword, true); r.Kind != commands.KindOK ||
		!strings.Contains(r.Text(), "Imported MCH2022") || !strings.Contains(r.Text(), "from "+srv.URL+"/schedule.json") || strings.Contains(r.Text(), "s3cret") {
		t.Errorf("with IMPORT_ALLOW_PRIVATE: %s", r.Text())
	}
	if r := f.on(talkbot.PlatformSlack, "admin", "import /etc/passwd", true); !strings.Contains(r.Text(), "http(s) links only") {
		t.Errorf("IMPORT_ALLOW_PRIVATE opened the disk: %s", r.Text())
	}
}

// TestBrokenSchedulesImportNothing: a truncated, malformed, oversized or
// foreign file is refused whole.
func TestBrokenSchedulesImportNothing(t *testing.T) {
	dir := t.TempDir()
	full, err := os.ReadFile(fosdemXML)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := append(bytes.Repeat([]byte(" "), schedule.MaxBytes), '\n')
	ics, _ := os.ReadFile(schedICS)
	cases := []struct{ path, want string }{
		{write("cut.xml", full[:len(full)/2]), "broken or cut short"},
		{write("cut.ics", ics[:len(ics)-200]), "broken or cut short"},
		{write("bad.json", []byte(`{"schedule": {"conference": {"days": [{"rooms": {"A": [{"guid": 5`)), "broken or cut short"},
		{write("big.xml", append([]byte("<schedule>"), big...)), "over 20 MB"},
		{write("page.html", []byte("<!doctype html><html><body>Not a schedule</body></html>")), "not a schedule I can read"},
		{dir, "not a file I can import"},
		{filepath.Join(dir, "missing.ics"), "There is no file"},
	}
	f := newImportFixture(t, commands.Config{})
	for _, tc := range cases {
		r := f.asAdmin("admin", "import "+tc.path)
		if r.Kind != commands.KindError || !strings.Contains(r.Text(), tc.want) {
			t.Errorf("import %s = %q, want %q", filepath.Base(tc.path), r.Text(), tc.want)
		}
	}
	if n := f.talkCount(talkbot.PlatformConsole, "local"); n != 0 {
		t.Errorf("%d sessions after broken imports", n)
	}
	if l := f.ok("admin", "conf list"); strings.Contains(l, "FOSDEM") {
		t.Errorf("a broken import made a conference:\n%s", l)
	}
}

func TestScheduleListsSessionsAndColleagues(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+fosdemXML)
	brussels, _ := time.LoadLocation("Europe/Brussels")
	f.now = time.Date(2025, 2, 1, 9, 40, 0, 0, brussels)
	now := f.ok("alice", "schedule now")
	if !strings.HasPrefix(now, "Schedule — FOSDEM 2025, on now (Europe/Brussels):") || !strings.Contains(now, "09:30–09:50 #1 Welcome to FOSDEM 2025") ||
		!strings.Contains(now, "Janson · Keynotes · keynote") {
		t.Errorf("schedule now:\n%s", now)
	}
	f.ok("bob", "add #1 4/5")
	f.ok("carol", "want #1")
	marked := f.ok("alice", "schedule now")
	if !strings.Contains(marked, "✓ bob attended · carol want to watch it") {
		t.Errorf("colleagues' marks:\n%s", marked)
	}
	if own := f.ok("bob", "schedule now"); !strings.Contains(own, "✓ you: attended, ★★★★☆ 4/5 · carol want to watch it") {
		t.Errorf("bob's own mark:\n%s", own)
	}
	day := f.ok("alice", "schedule 2025-02-01 #rust")
	if !strings.Contains(day, "Schedule — FOSDEM 2025, Sat 1 Feb 2025, #rust") || !strings.Contains(day, " · Rust") || strings.Contains(day, "Janson") {
		t.Errorf("Sunday's Rust track:\n%s", day)
	}
	today := f.ok("alice", "schedule")
	if !strings.Contains(today, "Sat 1 Feb 2025") || !strings.Contains(today, "`schedule page 2` shows the next") {
		t.Errorf("schedule alone (today, paged):\n%s", today)
	}
	if next := f.ok("alice", "schedule next"); !strings.Contains(next, "starting in the next hour") || strings.Contains(next, "09:30–09:50") {
		t.Errorf("schedule next:\n%s", next)
	}
	f.now = time.Date(2025, 2, 1, 23, 0, 0, 0, brussels)
	if r := f.ok("alice", "schedule next"); !strings.Contains(r, "next, from Sun 2 Feb 09:") {
		t.Errorf("schedule next at night:\n%s", r)
	}
	if r := f.as("alice", "schedule #nosuchtrack"); !strings.Contains(r.Text(), "No track matches #nosuchtrack. Tracks: ") {
		t.Errorf("unknown track: %s", r.Text())
	}
	if r := f.as("alice", "schedule now today"); r.Kind != commands.KindError {
		t.Errorf("now and today at once: %s", r.Text())
	}
}

func TestLogByLinkTypoAndNow(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+fosdemXML)
	s := sessions(t, fosdemXML)
	brussels, _ := time.LoadLocation("Europe/Brussels")
	f.now = time.Date(2025, 2, 1, 9, 35, 0, 0, brussels)
	// The welcome (Janson, 09:30) by its schedule link, in its http:// form.
	link := strings.Replace(s.Sessions[0].URL, "https://", "http://", 1)
	if out := f.ok("alice", "add "+link+" 5/5"); !strings.Contains(out, "Logged #1 Welcome to FOSDEM 2025") {
		t.Errorf("add by schedule link:\n%s", out)
	}
	if out := f.ok("alice", "add fosdem-2025-6712-welcome-to-fosdem-2025"); !strings.Contains(out, "#1 Welcome to FOSDEM 2025") {
		t.Errorf("add by schedule id:\n%s", out)
	}
	// Typos early and late in a word.
	for _, typed := range []string{"wlecome fosdem", "welcoem to fosdme 2025", "program to learn creatvie coding", "porgram learn creative codnig"} {
		out := f.ok("bob", "want "+typed)
		if !strings.Contains(out, "Welcome to FOSDEM 2025") && !strings.Contains(out, "Program to Learn: The Power of Creative Coding") {
			t.Errorf("want %s:\n%s", typed, out)
		}
		if strings.Contains(out, "new talk") {
			t.Errorf("want %s made a new talk:\n%s", typed, out)
		}
	}
	// A number matches only as typed, a typo in the words around it or not.
	if out := f.ok("bob", "add wlecome to fosdem 2026"); !strings.Contains(out, "new talk") {
		t.Errorf("another year's welcome found a talk:\n%s", out)
	}
	if out := f.ok("bob", "add wlecome to fosdem 2025"); !strings.Contains(out, "Welcome to FOSDEM 2025") || strings.Contains(out, "new talk") {
		t.Errorf("add with a typo and the year:\n%s", out)
	}

	// 10:02: alice's last room is Janson, where "Program to Learn" is on.
	f.now = time.Date(2025, 2, 1, 10, 2, 0, 0, brussels)
	if out := f.ok("alice", "add now -- the keynote"); !strings.Contains(out, "Program to Learn: The Power of Creative Coding") {
		t.Errorf("add now in alice's room:\n%s", out)
	}
	// 11:02: Carol has no last room and many sessions are on: she is asked, with rooms.
	f.now = time.Date(2025, 2, 1, 11, 2, 0, 0, brussels)
	r := f.as("carol", "add now 4/5")
	if r.Kind != commands.KindQuestion || !strings.Contains(r.Text(), "Which one are you in?") ||
		!strings.Contains(r.Text(), "add #") || !strings.Contains(r.Text(), "`schedule now` lists them all") {
		t.Errorf("add now with several sessions on:\n%s", r.Text())
	}
	if !strings.Contains(r.Text(), "4/5") {
		t.Errorf("the question back forgets the rating:\n%s", r.Text())
	}
	f.now = time.Date(2025, 2, 3, 12, 0, 0, 0, brussels)
	if r := f.as("carol", "add now"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "Nothing on the schedule is on right now") {
		t.Errorf("add now after the conference: %s", r.Text())
	}
}

func TestAddNowWithoutASchedule(t *testing.T) {
	f := newFixture(t)
	if r := f.as("alice", "add now"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "goes by the schedule") {
		t.Errorf("add now without a schedule: %s", r.Text())
	}
	if r := f.as("alice", `add "now"`); r.Kind != commands.KindOK || !strings.Contains(r.Text(), "Logged new talk #1 now") {
		t.Errorf("a talk called now, in quotes: %s", r.Text())
	}
	if r := f.as("alice", "schedule"); !strings.Contains(r.Text(), "has no schedule yet. An admin can `import`") {
		t.Errorf("schedule without one: %s", r.Text())
	}
}

func TestNoRecordingIsPromisedForAnOptOut(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+mchPretalx)
	var optOut schedule.Session
	for _, x := range sessions(t, mchPretalx).Sessions {
		if x.DoNotRecord {
			optOut = x
			break
		}
	}
	f.now = optOut.EndsAt.Add(time.Hour)
	out := f.ok("alice", "missed "+optOut.URL+" -- room full")
	if !strings.Contains(out, "Not recorded: the speaker opted out") {
		t.Errorf("missed a do-not-record talk:\n%s", out)
	}
	if w := f.ok("alice", "watch"); !strings.Contains(w, "Not recorded: the speaker opted out") || strings.Contains(w, "▶") {
		t.Errorf("watch:\n%s", w)
	}
	id := talkIDs(out)[0]
	code := strings.TrimSuffix(optOut.URL[strings.LastIndex(strings.TrimSuffix(optOut.URL, "/"), "/")+1:], "/")
	if sh := f.ok("bob", "show "+code); !strings.Contains(sh, "#"+id+" ") {
		t.Errorf("show by its pretalx code %s:\n%s", code, sh)
	}
	if sh := f.ok("bob", "show #"+id); !strings.Contains(sh, "no video will come") {
		t.Errorf("show:\n%s", sh)
	}
	// A video someone finds anyway is taken, and then shown.
	f.admin("admin", "video #"+id+" https://www.youtube.com/watch?v=29yKJ1312AM")
	if sh := f.ok("bob", "show #"+id); strings.Contains(sh, "no video will come") || !strings.Contains(sh, "Recording: https://www.youtube.com/watch?v=29yKJ1312AM") {
		t.Errorf("show with a video:\n%s", sh)
	}
}

// A number glued to a sign ("10²") or a short word beside one ("Go²") still
// lets a typo elsewhere find the talk: the index keeps such signs in a word.
func TestTypoBesideASignedWord(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Go² in 5 minutes")
	f.ok("alice", "add Top 10² Kubernetes Pitfalls")
	for typed, want := range map[string]string{"go in 5 minuets": "#1", "top 10 kubernetes pitfals": "#2"} {
		if out := f.ok("bob", "add "+typed); strings.Contains(out, "new talk") || !strings.Contains(out, want) {
			t.Errorf("add %s:\n%s", typed, out)
		}
	}
}

// A pretalx code names every slot of a session held on several days
// (MCH2022's soldering workshop runs on three under one code). A code or
// link alone asks which one, a day picks it, and nothing is done to the
// first slot unasked: a user's attended 4/5 had turned into "missed (clash)".
func TestAScheduleIDOfSeveralSlotsAsks(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+mchPretalx)
	slots := map[string]int{}
	var codes []string // of sessions with more than one slot
	for _, x := range sessions(t, mchPretalx).Sessions {
		c := path.Base(strings.TrimSuffix(x.URL, "/"))
		if slots[c]++; slots[c] == 2 {
			codes = append(codes, c)
		}
	}
	// The first code whose slots are on different days, from the ask-back.
	reSlot := regexp.MustCompile(`• #(\d+) .*\((\d{4}-\d\d-\d\d)`)
	var code, first, other, otherDay string
	for _, c := range codes {
		q := f.as("alice", "add "+c+" 4/5")
		if q.Kind != commands.KindQuestion {
			t.Fatalf("add %s, a code of %d slots: kind %v\n%s", c, slots[c], q.Kind, q.Text())
		}
		m := reSlot.FindAllStringSubmatch(q.Text(), -1)
		if len(m) != slots[c] {
			t.Fatalf("add %s asks about %d of its %d slots:\n%s", c, len(m), slots[c], q.Text())
		}
		for _, s := range m[1:] {
			if s[2] != m[0][2] && code == "" {
				code, first, other, otherDay = c, m[0][1], s[1], s[2]
			}
		}
	}
	if code == "" {
		t.Fatal("no pretalx code with slots on two days in " + mchPretalx)
	}
	if out := f.ok("alice", "add "+code+" day:"+otherDay+" 4/5"); !strings.Contains(out, "Logged #"+other+" ") {
		t.Errorf("add %s day:%s:\n%s", code, otherDay, out)
	}
	if r := f.as("alice", "missed "+code+" -- clash"); r.Kind != commands.KindQuestion {
		t.Errorf("missed %s: kind %v\n%s", code, r.Kind, r.Text())
	}
	id, _ := strconv.ParseInt(other, 10, 64)
	if got := f.exportedTalk("alice", id); got.Status != "attended" || got.Rating != 4 {
		t.Errorf("the slot alice attended is now %s %d/5", got.Status, got.Rating)
	}
	// Rating or noting by the code: the one slot alice logged; bob, with none, is asked.
	if out := f.ok("alice", "note --private "+code+" bring a soldering iron"); !strings.Contains(out, "Noted (private) on #"+other+" ") {
		t.Errorf("alice's note by the code:\n%s", out)
	}
	if r := f.as("bob", "note --private "+code+" bring a soldering iron"); r.Kind != commands.KindQuestion ||
		!strings.Contains(r.Text(), "note #"+first+" --private bring a soldering iron") {
		t.Errorf("bob's note by the code: kind %v\n%s", r.Kind, r.Text())
	}
	if r := f.as("bob", "rate "+code+" 5"); !strings.Contains(r.Text(), "rate #"+first+" 5`") {
		t.Errorf("bob's rate by the code: the answer drops the rating:\n%s", r.Text())
	}
}

// An ask-back among one title's sessions tells them apart by their start,
// in the conference's zone, and says how many it leaves out and how to
// narrow it (KubeCon EU 2026 has ten "Project Demo" slots; the reply
// showed five alike, with nothing to say there were more).
func TestAnAskBackShowsStartsAndWhatItLeftOut(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+schedICS)
	var demos []schedule.Session
	for _, x := range sessions(t, schedICS).Sessions {
		if x.Title == "Project Demo" {
			demos = append(demos, x)
		}
	}
	if len(demos) <= 5 {
		t.Fatalf("%d Project Demo sessions in %s; the test wants more than five", len(demos), schedICS)
	}
	r := f.as("alice", "add Project Demo")
	if r.Kind != commands.KindQuestion {
		t.Fatalf("add Project Demo: kind %v\n%s", r.Kind, r.Text())
	}
	amsterdam, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range demos[:5] {
		start := x.StartsAt.In(amsterdam).Format("2006-01-02 15:04")
		if !strings.Contains(r.Text(), "Project Demo ("+start+", ") {
			t.Errorf("no option starting %s:\n%s", start, r.Text())
		}
	}
	if want := fmt.Sprintf("… and %d more. Add `day:YYYY-MM-DD`", len(demos)-5); !strings.Contains(r.Text(), want) {
		t.Errorf("the question lacks %q:\n%s", want, r.Text())
	}
	// `note` reads no day: option, so its question points at search instead.
	n := f.as("alice", `note "Project Demo" the CNCF sandbox projects were the best part`)
	if want := fmt.Sprintf("… and %d more: `search Project Demo` shows them all", len(demos)-5); !strings.Contains(n.Text(), want) || strings.Contains(n.Text(), "day:") {
		t.Errorf("note's question lacks %q or offers day:\n%s", want, n.Text())
	}
}

// Logging a session that a later import dropped from the schedule says so,
// so a user who picked the wrong one can take it back.
func TestLoggingACancelledSessionSaysSo(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	event := func(uid, start, title string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTART:" + start + "\r\nDTEND:" + start[:11] + "5900Z\r\nSUMMARY:" + title +
			"\r\nLOCATION:Room A\r\nURL:https://example.sched.com/event/" + uid + "\r\nEND:VEVENT\r\n"
	}
	ics := func(events ...string) string {
		path := filepath.Join(t.TempDir(), "schedule.ics")
		data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" + strings.Join(events, "") + "END:VCALENDAR\r\n"
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	etcd, gateway := event("abc1", "20250120T090000Z", "Keeping Etcd Healthy"), event("abc2", "20250120T100000Z", "Gateway API Today")
	f.admin("admin", "import "+ics(etcd, gateway))
	if out := f.admin("admin", "import "+ics(gateway)); !strings.Contains(out, "cancelled 1") || !strings.Contains(out, "(gone from the schedule;") {
		t.Fatalf("the second import:\n%s", out)
	}
	if out := f.ok("alice", "add Keeping Etcd Healthy 4/5"); !strings.Contains(out, "this session was cancelled") {
		t.Errorf("add a cancelled session:\n%s", out)
	}
	if out := f.ok("alice", "add Gateway API Today"); strings.Contains(out, "cancelled") {
		t.Errorf("add a session on the schedule:\n%s", out)
	}
	// A re-import whose title says so cancels it; the next one restores it.
	if out := f.admin("admin", "import "+ics(event("abc2", "20250120T100000Z", "[CANCELED] Gateway API Today"))); !strings.Contains(out, "updated 1") {
		t.Fatalf("the import that cancels by title:\n%s", out)
	}
	if sh := f.ok("bob", "show #2"); !strings.Contains(sh, "Cancelled, says the schedule.") {
		t.Errorf("show after the title says cancelled:\n%s", sh)
	}
	f.admin("admin", "import "+ics(gateway))
	if sh := f.ok("bob", "show #2"); strings.Contains(sh, "Cancelled") {
		t.Errorf("show after it is back:\n%s", sh)
	}
}

// A co-located event with tickets of its own (KubeCon EU 2026's OpenShift
// Commons Gathering, "| SEPARATE REGISTRATION REQUIRED") is an event people
// attend and write up: a rating and a note on it reach the team's
// highlights and the user's own post, as they do for a talk.
func TestAColocatedEventIsLoggedLikeATalk(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+schedICS)
	const title = "Red Hat OpenShift Commons Gathering"
	out := f.ok("alice", "add "+title+" 5/5 -- the OpenShift roadmap talk was the best of the week")
	if !strings.Contains(out, "Logged #") {
		t.Fatalf("add %s:\n%s", title, out)
	}
	if h := f.ok("bob", "highlights"); !strings.Contains(h, title) {
		t.Errorf("the team's highlights leave it out:\n%s", h)
	}
	if post := f.ok("alice", "export markdown"); !strings.Contains(post, title) || !strings.Contains(post, "OpenShift roadmap") {
		t.Errorf("alice's post leaves it out:\n%s", post)
	}
}

// A session the schedule's own title marks cancelled (FOSDEM's
// "[CANCELED] …") warns as one dropped from the schedule does.
func TestASessionTitledCancelledWarns(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	if out := f.admin("admin", "import "+fosdemXML); !strings.Contains(out, "cancelled 2") {
		t.Errorf("the import's summary does not count the two sessions its titles cancel:\n%s", out)
	}
	out := f.ok("alice", "add The current state of debugging in WebAssembly")
	if !strings.Contains(out, "[CANCELED] The current state of debugging in WebAssembly") || !strings.Contains(out, "this session was cancelled") {
		t.Errorf("add a session titled cancelled:\n%s", out)
	}
	if sh := f.ok("alice", "show #"+talkIDs(out)[0]); !strings.Contains(sh, "Cancelled, says the schedule.") {
		t.Errorf("show:\n%s", sh)
	}
}

// A break logged by mistake is no event of the agenda, and the reply's
// count is the file's (it had said "2 talks" of a file with one event).
func TestTheAgendaCountsItsEvents(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+schedICS)
	f.ok("zed", "add #2") // a Badge Pick-Up
	f.ok("zed", `add "Keynote: Welcome + Opening Remarks" day:2026-03-24`)
	r := f.as("zed", "export ics")
	if !strings.Contains(r.Text(), "(1 talk)") || strings.Count(string(attachment(r)), "BEGIN:VEVENT") != 1 {
		t.Errorf("export ics: %s\n%s", r.Text(), attachment(r))
	}
	// RFC 5545 §3.1: content lines end in CRLF (strict parsers and some
	// Outlook versions refuse a file of bare LFs).
	if ics := string(attachment(r)); strings.Count(ics, "\n") != strings.Count(ics, "\r\n") {
		t.Errorf("the agenda has lines that do not end in CRLF:\n%q", ics)
	}
}

// `add now` a few minutes before a slot is the talk about to start, in the
// user's last room when there is one; in a session's last minutes, with
// nothing about to start, it is the sessions ending (KubeCon EU 2026,
// Tuesday: 19 talks run 11:15–11:45, the next slot starts at 12:00).
func TestAddNowAroundASlotsStartAndEnd(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+schedICS)
	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	f.now = time.Date(2026, 3, 24, 11, 12, 0, 0, amsterdam)
	r := f.as("dave", "add now")
	if r.Kind != commands.KindQuestion || !strings.Contains(r.Text(), "on now or about to start") || !strings.Contains(r.Text(), "11:15") {
		t.Errorf("dave at 11:12:\n%s", r.Text())
	}
	f.now = time.Date(2026, 3, 24, 11, 40, 0, 0, amsterdam)
	in := f.ok("bob", "add #131")
	f.now = time.Date(2026, 3, 24, 11, 58, 0, 0, amsterdam)
	out := f.ok("bob", "add now")
	if !strings.Contains(out, "Logged #") || !strings.Contains(out, roomOf(in)) {
		t.Errorf("bob at 11:58, last in %q:\n%s", roomOf(in), out)
	}
	f.now = time.Date(2026, 3, 24, 11, 44, 30, 0, amsterdam)
	if r := f.as("carol", "add now"); !strings.Contains(r.Text(), "11:15") {
		t.Errorf("carol at 11:44:30, the 11:15 talks ending:\n%s", r.Text())
	}
}

// roomOf is the room a reply's facts line names ("   Hall 7 | Room A · …").
func roomOf(reply string) string {
	for _, l := range strings.Split(reply, "\n") {
		if parts := strings.Split(strings.TrimSpace(l), " · "); len(parts) > 1 && strings.Contains(l, "2026-") {
			return parts[len(parts)-2]
		}
	}
	return "?"
}

// An imported talk's topic is its track ("SECURITY"): #security and a
// question on security find it in highlights, list and watch, as in
// `schedule #security` (they read tags only, which imported talks lack).
func TestATracksTalksAreItsTopic(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+schedICS)
	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	f.now = time.Date(2026, 3, 25, 18, 0, 0, 0, amsterdam)
	ids := talkIDs(f.ok("carol", "schedule all #security"))
	if len(ids) == 0 {
		t.Fatal("no security sessions")
	}
	f.ok("carol", "add #"+ids[0]+" 5/5")
	for _, cmd := range []string{"highlights #security", "list #security team"} {
		if out := f.ok("alice", cmd); !names(out, atoi(ids[0])) {
			t.Errorf("%s:\n%s", cmd, out)
		}
	}
	if out := f.ok("alice", "best security talks?"); !names(out, atoi(ids[0])) {
		t.Errorf("best security talks?:\n%s", out)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// schedule alone after the conference shows its first day, and says why.
func TestScheduleAfterTheConferenceSaysItIsOver(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+mchPretalx)
	f.now = time.Date(2022, 7, 30, 12, 0, 0, 0, time.UTC)
	if out := f.ok("alice", "schedule"); !strings.Contains(out, "MCH2022 is over; it ran 2022-07-22..2022-07-26") {
		t.Errorf("schedule after MCH2022:\n%s", firstLinesOf(out, 3))
	}
}

func firstLinesOf(s string, n int) string {
	l := strings.Split(s, "\n")
	return strings.Join(l[:min(n, len(l))], "\n")
}

// An import takes General over only when the talks logged in it are of the
// schedule's days: last year's talks stay where they were, and the reply
// says where.
func TestImportLeavesLastYearsTalksInGeneral(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.ok("alice", "add Cgroupv2 Is Coming Soon day:2024-11-13 5/5")
	out := f.admin("admin", "import "+fosdemXML)
	if strings.Contains(out, "into General") || !strings.Contains(out, "The talks logged before stay in General") {
		t.Errorf("import reply:\n%s", out)
	}
	if l := f.ok("alice", "list all"); strings.Contains(l, "Cgroupv2") {
		t.Errorf("last year's talk is FOSDEM's:\n%s", l)
	}
	f.ok("alice", "conf use General")
	if l := f.ok("alice", "list all"); !strings.Contains(l, "Cgroupv2") {
		t.Errorf("General lost its talk:\n%s", l)
	}

	// Talks of the schedule's days are the conference's: General is taken over.
	g := newImportFixture(t, commands.Config{})
	g.ok("alice", "add Welcome to FOSDEM 2025 day:2025-02-01 5/5")
	if out := g.admin("admin", "import "+fosdemXML); !strings.Contains(out, "into General, which takes the schedule's name") {
		t.Errorf("import reply:\n%s", out)
	}
}

// A session the schedule gives no length (a VEVENT with no end, a frab
// duration of 00:00) is on for its first half hour, not over as it starts.
func TestASessionWithNoLengthIsOnAsItStarts(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	path := filepath.Join(t.TempDir(), "schedule.ics")
	data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\nBEGIN:VEVENT\r\nUID:z1\r\nDTSTART:20250120T110000Z\r\n" +
		"SUMMARY:Zero Length Lightning\r\nLOCATION:Room A\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	f.admin("admin", "import "+path)
	f.now = time.Date(2025, 1, 20, 11, 10, 0, 0, time.UTC)
	if now := f.ok("alice", "schedule now"); !strings.Contains(now, "Zero Length Lightning") {
		t.Errorf("ten minutes in:\n%s", now)
	}
	if out := f.ok("alice", "add now 4/5"); !strings.Contains(out, "Zero Length Lightning") {
		t.Errorf("add now ten minutes in:\n%s", out)
	}
	f.now = time.Date(2025, 1, 20, 11, 40, 0, 0, time.UTC)
	if now := f.ok("bob", "schedule now"); strings.Contains(now, "Zero Length Lightning") {
		t.Errorf("forty minutes in:\n%s", now)
	}
}

// A session on now, or just over, is the one `add <title>` means: at
// 01:40 a camp's night session (the evening's day) and, at 00:10, one
// that began at 23:30, are logged without a question.
func TestAddingTheSessionOnNowAfterMidnight(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	path := filepath.Join(t.TempDir(), "camp.json")
	data := `{"schedule": {"version": "1", "conference": {"acronym": "c", "title": "Camp", "start": "2026-07-10", "end": "2026-07-11",
"time_zone_name": "UTC", "days": [{"index": 1, "date": "2026-07-10", "day_start": "2026-07-10T04:00:00+00:00", "rooms": {"Tent": [
{"guid": "a", "date": "2026-07-10T23:30:00+00:00", "start": "23:30", "duration": "01:00", "room": "Tent", "title": "Midnight Talk"},
{"guid": "b", "date": "2026-07-11T01:30:00+00:00", "start": "01:30", "duration": "01:00", "room": "Tent", "title": "Night Owls"}]}}]}}}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	f.admin("admin", "import "+path)
	f.now = time.Date(2026, 7, 11, 0, 10, 0, 0, time.UTC)
	if out := f.ok("alice", "add Midnight Talk 5/5"); !strings.Contains(out, "Logged") || strings.Contains(out, "Did you mean") {
		t.Errorf("at 00:10:\n%s", out)
	}
	f.now = time.Date(2026, 7, 11, 1, 40, 0, 0, time.UTC)
	if out := f.ok("bob", "add Night Owls 4/5"); !strings.Contains(out, "Logged") || strings.Contains(out, "Did you mean") {
		t.Errorf("at 01:40:\n%s", out)
	}
}

// Before a conference has its zone (General on a fresh install, which has
// UTC only), a talk logged on an Auckland morning, the evening before in
// UTC, got the day before. When the zone comes, by an import or an admin's
// `conf new` taking General over, the talk is on the day it was logged on
// there: day 1's, and joined to its session rather than doubled. A day
// given with day: for another date stays.
func TestTalksLoggedBeforeTheZoneMoveToTheirDay(t *testing.T) {
	morning := time.Date(2025, 3, 31, 21, 20, 0, 0, time.UTC) // 10:20 on 1 April in Auckland
	t.Run("import", func(t *testing.T) {
		f := newImportFixture(t, commands.Config{})
		path := filepath.Join(t.TempDir(), "kiwi.ics")
		data := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Kiwi Cloud 2025//EN\r\nX-WR-CALNAME:Kiwi Cloud 2025\r\n" +
			"BEGIN:VEVENT\r\nUID:akl-1\r\nDTSTART;TZID=Pacific/Auckland:20250401T093000\r\nDTEND;TZID=Pacific/Auckland:20250401T101500\r\n" +
			"SUMMARY:Opening Keynote\r\nLOCATION:Main Hall\r\nEND:VEVENT\r\n" +
			"BEGIN:VEVENT\r\nUID:akl-2\r\nDTSTART;TZID=Pacific/Auckland:20250402T093000\r\nDTEND;TZID=Pacific/Auckland:20250402T101500\r\n" +
			"SUMMARY:Day Two Keynote\r\nLOCATION:Main Hall\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		f.now = morning
		f.ok("alice", "add Opening Keynote 5/5 -- great start")
		f.now = morning.Add(8 * time.Hour)
		out := f.admin("admin", "import "+path)
		if !strings.Contains(out, "merged with talks logged by hand 1") {
			t.Errorf("the keynote logged that morning did not join its session:\n%s", out)
		}
		if got := f.ok("alice", "schedule 2025-04-01"); !strings.Contains(got, "✓ you: attended, ★★★★★ 5/5") {
			t.Errorf("the schedule does not show alice's keynote:\n%s", got)
		}
		if got := f.ok("alice", "list day 1"); !strings.Contains(got, "Opening Keynote") {
			t.Errorf("list day 1:\n%s", got)
		}
	})
	t.Run("conf new", func(t *testing.T) {
		f := newFixture(t)
		f.now = morning
		f.ok("alice", "add Opening Keynote 5/5")
		f.ok("alice", "want Day Two Workshop day:2025-04-02")
		f.admin("admin", "conf new Kiwi Cloud 2025 2025-04-01..2025-04-02 Pacific/Auckland")
		if day := f.exportedTalk("alice", 1).Day; day != "2025-04-01" {
			t.Errorf("the keynote logged at 10:20 in Auckland is on %s, want 2025-04-01", day)
		}
		if got := f.ok("alice", "list day 1"); !strings.Contains(got, "Opening Keynote") {
			t.Errorf("list day 1:\n%s", got)
		}
		if day := f.exportedTalk("alice", 2).Day; day != "2025-04-02" {
			t.Errorf("the workshop given day:2025-04-02 is on %s", day)
		}
	})
	// A talk of the same title already on the day it would move to keeps
	// its day: the two made one session two talks, and every later
	// `add Keynote` and `show Keynote` of the day asked which.
	t.Run("onto a talk of its title", func(t *testing.T) {
		f := newFixture(t)
		f.now = morning
		f.ok("alice", "add Keynote 5/5")
		f.now = morning.Add(5 * time.Hour) // 15:20 in Auckland, 1 April in UTC too
		f.ok("bob", "add Keynote day:2025-04-01 3/5")
		f.admin("admin", "conf new Kiwi Cloud 2025 2025-04-01..2025-04-02 Pacific/Auckland")
		if r := f.as("carol", "add Keynote day:2025-04-01"); r.Kind != commands.KindOK || !strings.Contains(r.Text(), "#2 Keynote") {
			t.Errorf("carol's keynote of 1 April:\n%s", r.Text())
		}
		if got := f.exportedTalk("alice", 1); got.Day != "2025-03-31" || got.Rating != 5 {
			t.Errorf("alice's keynote: %+v, want it kept on 2025-03-31 with her 5/5", got)
		}
	})
}

// `show #id` of a talk of another conference than the user's gives its
// time in that talk's conference's zone: FOSDEM's opening keynote is at
// 10:00 in Brussels, also for someone now on a conference in New York.
func TestShowGivesATalksTimeInItsOwnConferencesZone(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+fosdemXML)
	f.ok("alice", "add #5")
	f.admin("admin", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/New_York")
	got := f.ok("alice", "show #5")
	if !strings.Contains(got, "Sat 1 Feb 10:00–10:50 CET") {
		t.Errorf("show #5 from KubeCon NA's zone:\n%s", got)
	}
}

// A schedule's conference is the workspace's of that name as `conf new`
// reads names, up to case and punctuation: an import made a second
// "KubeCon + CloudNativeCon Europe 2026" beside the team's "KubeCon
// CloudNativeCon Europe 2026", which `conf new` calls the same, and the
// talks logged in it stayed out of the schedule.
func TestImportFindsTheConferenceNamedAsConfNewReadsNames(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "conf new KubeCon CloudNativeCon Europe 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	f.ok("alice", "add Keynote: Welcome + Opening Remarks day:2026-03-24 5/5 -- great start")
	f.admin("admin", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/Denver")
	out := f.admin("admin", "import "+schedICS)
	if !strings.Contains(out, "merged with talks logged by hand 1") {
		t.Errorf("import reply:\n%s", firstLinesOf(out, 3))
	}
	list := f.admin("admin", "conf list")
	if strings.Count(list, "Europe 2026") != 1 {
		t.Errorf("conf list:\n%s", list)
	}
	if l := f.ok("alice", "list"); !strings.Contains(l, "Keynote: Welcome + Opening Remarks") {
		t.Errorf("alice's talks of the imported conference:\n%s", l)
	}
}

// An import that moves the team to its conference is a switch like an
// admin's `conf use`: an undo right after says how to switch back to the
// conference the team was on. It had pointed at the one before that, or
// taken back a change in the old conference.
func TestUndoAfterAnImportThatSwitchedTheTeam(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "conf new KubeCon Japan 2025 2025-06-16..2025-06-17 Asia/Tokyo")
	f.admin("admin", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/Denver")
	f.admin("admin", "add Foo Talk 4/5")
	f.admin("admin", "import "+fosdemXML)
	if out := f.admin("admin", "undo"); !strings.Contains(out, "`conf use KubeCon NA 2025` switches back") {
		t.Errorf("undo after the import:\n%s", out)
	}
	if out := f.admin("admin", "undo"); !strings.Contains(out, "Undone: `add`") {
		t.Errorf("the next undo:\n%s", out)
	}
	// Imported again, the team stays where it is: no switch to undo.
	f.admin("admin", "add Welcome to FOSDEM 2025 day:2025-02-01 5/5")
	f.admin("admin", "import")
	if out := f.admin("admin", "undo"); !strings.Contains(out, "Undone: `add`") {
		t.Errorf("undo after a re-import:\n%s", out)
	}
}

// An import that joins two talks logged by hand into their session keeps
// what each person had on either: alice presented the one bob's was merged
// with, or hers was merged into his, and she still presented it, slides
// and all.
func TestAnImportMergeKeepsWhoPresented(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "conf new KubeCon CloudNativeCon Europe 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	f.ok("bob", "add Opening keynote day:2026-03-24 https://kccnceu2026.sched.com/event/6d33234981cf5b14145b63b75fa9e0c0")
	f.ok("alice", `presented "Keynote: Welcome + Opening Remarks" day:2026-03-24 https://speakerdeck.com/alice/welcome`)
	if out := f.admin("admin", "import "+schedICS); !strings.Contains(out, "merged with talks logged by hand 2") {
		t.Fatalf("import:\n%s", firstLinesOf(out, 3))
	}
	for _, c := range f.export("alice").Conferences {
		for _, x := range c.Talks {
			if !x.Presented || x.SlidesURL != "https://speakerdeck.com/alice/welcome" || !strings.HasPrefix(x.Title, "Keynote: Welcome") {
				t.Errorf("alice's talk after the import: %+v, want the keynote she presented, with her slides", x)
			}
			return
		}
	}
	t.Error("alice has no talk after the import")
}

// A session of the imported schedule is never merged away; a talk logged
// by hand merges into it, and the session keeps the schedule's details.
func TestMergeIntoAScheduledSession(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	f.admin("admin", "import "+schedICS)
	f.ok("alice", "add Opening Keynote, Written Down Wrong day:2026-03-24 5/5")
	hand := f.exportedTalk("alice", 597)
	if !strings.Contains(hand.Title, "Written Down Wrong") {
		t.Fatalf("the hand-logged talk: %+v", hand)
	}
	if r := f.as("admin", "merge #1 into #597"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "session of the imported schedule, which stays: `merge #597 into #1`") {
		t.Errorf("merging a session away: %s", r.Text())
	}
	f.ok("alice", "merge #597 into #1 confirm")
	if got := f.exportedTalk("alice", 1); got.Rating != 5 || got.ScheduleURL == "" {
		t.Errorf("alice's log on the session after the merge: %+v", got)
	}
}

// An admin's import typed in a channel with a conference of its own
// (`conf here`) gives that conference its schedule and leaves the team
// where it is: it had moved the whole team, everyone's `add` in their
// direct messages included, onto the channel's conference.
func TestAnImportInAChannelWithItsOwnConferenceLeavesTheTeam(t *testing.T) {
	f := newImportFixture(t, commands.Config{})
	in := func(channel, user, text string) string {
		t.Helper()
		r := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local",
			UserID: user, UserName: user, Text: text, Channel: channel, Admin: user == "admin"})
		if r.Kind == commands.KindError {
			t.Fatalf("%s in %s: %q: %s", user, channel, text, r.Text())
		}
		return r.Text()
	}
	in("C1", "admin", "conf new FOSDEM 2025 2025-02-01..2025-02-02 Europe/Brussels")
	in("C1", "admin", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/Denver")
	in("CFOSDEM", "admin", "conf here FOSDEM 2025")
	if out := in("CFOSDEM", "admin", "import "+fosdemXML); !strings.Contains(out, "It is this channel's conference") {
		t.Errorf("import in the FOSDEM channel:\n%s", firstLinesOf(out, 2))
	}
	if out := in("C1", "bob", "conf"); !strings.Contains(out, "Current conference: KubeCon NA 2025") {
		t.Errorf("the team after an import in the FOSDEM channel: %s", out)
	}
	if out := in("CFOSDEM", "bob", "schedule 2025-02-01"); !strings.Contains(out, "Welcome to FOSDEM 2025") {
		t.Errorf("the FOSDEM channel's schedule:\n%s", firstLinesOf(out, 3))
	}
}
