package commands_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/store"
)

// fixture is a router on a real SQLite file with a clock the test moves.
type fixture struct {
	t      *testing.T
	router *commands.Router
	store  *store.Store
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2024, 11, 13, 17, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return f.now }
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "talkbot.db"), store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.store = st
	f.router = commands.New(commands.Config{Store: st, Now: clock})
	return f
}

func (f *fixture) as(user, text string) commands.Reply {
	f.t.Helper()
	return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local",
		UserID: user, UserName: user, Text: text})
}

// admin runs a command as a workspace admin, which must succeed.
func (f *fixture) admin(user, text string) string {
	f.t.Helper()
	r := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local",
		UserID: user, UserName: user, Text: text, Admin: true})
	if r.Kind == commands.KindError {
		f.t.Fatalf("%s: %q failed: %s", user, text, r.Text())
	}
	return r.Text()
}

// ok runs a command that must succeed and returns its text.
func (f *fixture) ok(user, text string) string {
	f.t.Helper()
	r := f.as(user, text)
	if r.Kind == commands.KindError {
		f.t.Fatalf("%s: %q failed: %s", user, text, r.Text())
	}
	return r.Text()
}

// attachment is the data of a reply's one file, nil when it has none.
func attachment(r commands.Reply) []byte {
	if as := r.Attachments(); len(as) == 1 {
		return as[0].Data
	}
	return nil
}

func (f *fixture) export(user string) commands.ExportDoc {
	f.t.Helper()
	r := f.as(user, "export json")
	var doc commands.ExportDoc
	if err := json.Unmarshal(attachment(r), &doc); err != nil {
		f.t.Fatalf("export json: %v\n%s", err, r.Text())
	}
	return doc
}

func (f *fixture) exportedTalk(user string, id int64) commands.ExportTalk {
	f.t.Helper()
	for _, c := range f.export(user).Conferences {
		for _, t := range c.Talks {
			if t.ID == id {
				return t
			}
		}
	}
	f.t.Fatalf("talk #%d not in %s's export", id, user)
	return commands.ExportTalk{}
}

func TestProductExamples(t *testing.T) {
	f := newFixture(t)
	out := f.ok("alice", "/talk add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni 5/5 #ebpf -- mind slightly blown; needs KEP-1287")
	if !strings.Contains(out, "#1 Resize Your Pods In-Place With Deterministic eBPF Triggers — Pablo Chico de Guzman & Vinay Kulkarni") {
		t.Errorf("add reply:\n%s", out)
	}
	got := f.exportedTalk("alice", 1)
	if got.Rating != 5 || got.Status != "attended" || len(got.Tags) != 1 || got.Tags[0] != "ebpf" ||
		len(got.Notes) != 1 || got.Notes[0].Text != "mind slightly blown; needs KEP-1287" {
		t.Errorf("logged %+v", got)
	}

	f.ok("alice", "/talk missed https://kccncna2022.sched.com/event/182E3 -- room full")
	got = f.exportedTalk("alice", 2)
	if got.Status != "missed" || got.MissedReason != "room full" || !got.WatchLater || got.ScheduleID != "182E3" {
		t.Errorf("missed %+v", got)
	}

	f.ok("alice", "/talk add Cgroupv2 Is Coming Soon To a Cluster Near You -- only saw the last half")
	f.ok("alice", "/talk want #3")
	if got := f.exportedTalk("alice", 3); !got.WatchLater || got.Notes[0].Text != "only saw the last half" {
		t.Errorf("want #3: %+v", got)
	}
	out = f.ok("alice", "!talk what should I watch later?")
	if !strings.Contains(out, "you missed it (room full)") || !names(out, 3) {
		t.Errorf("watch:\n%s", out)
	}
}

func TestRatingsAndLinks(t *testing.T) {
	f := newFixture(t)
	for i, in := range []string{"add A 5/5", "add B *5", "add C ★★★★★", "add D", "rate 5"} {
		f.ok("alice", in)
		_ = i
	}
	for id := int64(1); id <= 4; id++ {
		if r := f.exportedTalk("alice", id).Rating; r != 5 {
			t.Errorf("talk #%d rated %d, want 5", id, r)
		}
	}
	f.ok("alice", "add E https://kccncna2022.sched.com/event/182HU?iframe=no https://www.youtube.com/watch?v=29yKJ1312AM speakers:Ana Ruiz, Bo Li event:Cloud Native Rejekts room:W183 day:2022-10-24 tags:ebpf,networking")
	got := f.exportedTalk("alice", 5)
	want := commands.ExportTalk{ID: 5, Title: "E", Speakers: []string{"Ana Ruiz", "Bo Li"}, Event: "Cloud Native Rejekts", Room: "W183", Day: "2022-10-24",
		ScheduleURL: "https://kccncna2022.sched.com/event/182HU?iframe=no", ScheduleID: "182HU", RecordingURL: "https://www.youtube.com/watch?v=29yKJ1312AM",
		Tags: []string{"ebpf", "networking"}, Status: "attended", LoggedAt: got.LoggedAt, Notes: []commands.ExportNote{}}
	if g, w := mustJSON(got), mustJSON(want); g != w {
		t.Errorf("logged\n%s\nwant\n%s", g, w)
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestNoteRateStarApplyToTheLastTalk(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add The Demo Talk")
	f.ok("alice", "add Another Talk")
	// "note the demo was great" is a note on the last talk, never a search for "the demo".
	f.ok("alice", "note the demo was great")
	f.ok("alice", "rate 4")
	f.ok("alice", "star")
	if got := f.exportedTalk("alice", 2); len(got.Notes) != 1 || got.Rating != 4 || !got.Starred {
		t.Errorf("last talk = %+v, want the note, 4/5 and a star", got)
	}
	if got := f.exportedTalk("alice", 1); len(got.Notes) != 0 {
		t.Errorf("note landed on #1: %+v", got)
	}
	f.ok("alice", `note "The Demo Talk" quoted titles name a talk`)
	f.ok("alice", "note --private #1 only for me")
	got := f.exportedTalk("alice", 1)
	if len(got.Notes) != 2 || got.Notes[1].Visibility != "private" {
		t.Errorf("#1 notes = %+v", got.Notes)
	}
	if r := f.as("alice", "rate great talk 4"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "quoted title") {
		t.Errorf("rate with an unquoted title: %s", r.Text())
	}
}

func TestBadInputIsAnsweredAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add KEDA - Real Time And Serverless Scaling in Kubernetes 4/5 -- good")
	f.ok("alice", "add Keda Operators Deep Dive")
	f.ok("bob", "add Bob's Talk")
	before := mustJSON(f.export("alice"))
	tests := []struct{ in, want string }{
		{"frobnicate", "I don't know the command"},
		{"ad KEDA", "Did you mean `add`?"},
		{"rate 6", "Ratings go from 1 to 5"},
		{"rate #1 0/5", "Ratings go from 1 to 5"},
		{"add " + strings.Repeat("x", 301), "Titles can be up to 300 characters"},
		{"note " + strings.Repeat("y", 4001), "Notes can be up to 4000 characters"},
		{"add Title day:2024-02-30", "not a date I can read"},
		{"list 2024-13-01", "not a date I can read"},
		{"show #99", "There is no talk #99"},
		// #0 is a number no talk has, not "the talk I just logged".
		{"rate #0 4", "There is no talk #0"},
		{"note #0 meant for another talk", "There is no talk #0"},
		{"star #0", "There is no talk #0"},
		{"show #0", "There is no talk #0"},
		{"rate #99999999999999999999 4", "There is no talk #99999999999999999999"},
		{"show nothing like this at all", "I found no talk called"},
		{"show keda", "Did you mean one of these?"},
		{"add Title javascript://x", "Only http(s) links"},
		{"video #1 ftp://example.org/v", "Only http(s) links"},
		{"edit #3 title:Mine now", "Only whoever logged #3 first"},
		{"delete #3", "nothing logged on #3"},
		{"conf new X 2024-11-15..2024-11-13", "ends before it starts"},
		{"conf new X Mars/Olympus", "not a time zone I know"},
		{"conf use Nope", "no conference called"},
		{"privacy loud", "privacy team"},
		{"note", "What's the note?"},
		{"search", "Search for what?"},
		{"add", "Which talk?"},
		{"list @nobody", "I don't know @nobody"},
		{"recommend #1 @alice", "can't recommend a talk to yourself"},
		{"help nosuch", "I don't know the command"},
		{"add \xff\xfe", "not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.in[:min(len(tc.in), 30)], func(t *testing.T) {
			r := f.as("alice", tc.in)
			if r.Kind == commands.KindOK || !strings.Contains(r.Text(), tc.want) {
				t.Errorf("%q → kind %d %q, want an error containing %q", tc.in, r.Kind, r.Text(), tc.want)
			}
			for _, leak := range []string{"sqlite", "SQL", "sql:", "panic", "goroutine", "talkbot invalid", "<nil>"} {
				if strings.Contains(r.Text(), leak) {
					t.Errorf("reply leaks %q: %s", leak, r.Text())
				}
			}
		})
	}
	if after := mustJSON(f.export("alice")); after != before {
		t.Errorf("bad input changed alice's data:\nbefore %s\nafter  %s", before, after)
	}
}

func TestMassMentionsAndMarkupAreDefanged(t *testing.T) {
	f := newFixture(t)
	out := f.ok("alice", "add @channel <!here> @room <b>Bold</b> -- hi @everyone")
	for _, bad := range []string{"@channel", "<!here>", "@room", "@everyone"} {
		if strings.Contains(out, bad) {
			t.Errorf("reply contains a live %q:\n%s", bad, out)
		}
	}
	r := f.as("alice", "show #1")
	card, ok := r.Blocks[0].(*commands.TalkCard)
	if !ok || !strings.Contains(card.Talk.Title, "<b>Bold</b>") || !strings.Contains(commands.LineText(card.Heading()), "<b>Bold</b>") {
		t.Errorf("the card should keep the literal text for adapters to escape: %+v", r.Blocks)
	}
}

func TestSharedTalksAndTeamViews(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add https://kccncna2022.sched.com/event/182HU Resize Your Pods 5/5 -- loved it")
	out := f.ok("bob", "add https://kccncna2022.sched.com/event/182HU ★★★★")
	if !strings.Contains(out, "Logged #1 Resize Your Pods") {
		t.Errorf("bob's add of the same schedule link made a new talk:\n%s", out)
	}
	f.ok("carol", "add resize your pods *2")
	f.ok("carol", "note --private secret thought")
	f.ok("carol", "add Boring Talk *5")
	f.ok("carol", "star")
	show := f.ok("bob", "show #1")
	for _, want := range []string{"alice: attended, ★★★★★ 5/5", "bob: attended, ★★★★☆ 4/5", "carol: attended, ★★☆☆☆ 2/5", "loved it"} {
		if !strings.Contains(show, want) {
			t.Errorf("show #1 lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, "secret thought") {
		t.Errorf("bob sees carol's private note:\n%s", show)
	}
	hl := f.ok("bob", "highlights")
	if i, j := strings.Index(hl, "#1 "), strings.Index(hl, "#2 "); i < 0 || j < 0 || i > j {
		t.Errorf("highlights should rank #1 (two highlighters) before #2:\n%s", hl)
	}
	if hl := f.ok("carol", "highlights mine"); strings.Contains(hl, "#1 ") || !strings.Contains(hl, "#2 ") {
		t.Errorf("carol's highlights:\n%s", hl)
	}
	if l := f.ok("bob", "list @carol"); !names(l, 1) || !names(l, 2) {
		t.Errorf("list @carol:\n%s", l)
	}
	if s := f.ok("bob", "search secret"); names(s, 1) {
		t.Errorf("search found carol's private note for bob:\n%s", s)
	}
	if s := f.ok("carol", "search secret"); !names(s, 1) {
		t.Errorf("carol's search misses her own private note:\n%s", s)
	}
}

func TestTodayFollowsTheConferenceZone(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver")
	f.now = time.Date(2024, 11, 14, 5, 30, 0, 0, time.UTC) // 22:30 on the 13th in Denver
	f.ok("alice", "add Late Keynote")
	if day := f.exportedTalk("alice", 1).Day; day != "2024-11-13" {
		t.Errorf("talk logged at 22:30 Denver time got day %s, want 2024-11-13", day)
	}
	if l := f.ok("alice", "list day 1"); !strings.Contains(l, "Late Keynote") {
		t.Errorf("list day 1:\n%s", l)
	}
	if l := f.ok("alice", "list today"); !strings.Contains(l, "Late Keynote") {
		t.Errorf("list today:\n%s", l)
	}
}

// A zone typed before the dates is the conference's zone too, not part of
// its name, which left the conference in UTC: a talk logged at 22:30 in
// Denver went on the next day. A word with a slash that is no zone stays
// in the name.
func TestAZoneBeforeTheDatesIsTheConferencesZone(t *testing.T) {
	f := newFixture(t)
	if out := f.admin("alice", "conf new KubeCon NA 2024 America/Denver 2024-11-13..2024-11-15"); !strings.Contains(out, "Created KubeCon NA 2024 (2024-11-13..2024-11-15, America/Denver)") {
		t.Errorf("conf new, the zone before the dates:\n%s", out)
	}
	f.now = time.Date(2024, 11, 14, 5, 30, 0, 0, time.UTC) // 22:30 on the 13th in Denver
	f.ok("alice", "add Late Keynote")
	if day := f.exportedTalk("alice", 1).Day; day != "2024-11-13" {
		t.Errorf("talk logged at 22:30 Denver time got day %s, want 2024-11-13", day)
	}
	if out := f.admin("alice", "conf new Days of CI/CD 2024-11-20..2024-11-21"); !strings.Contains(out, "Created Days of CI/CD (2024-11-20..2024-11-21, UTC)") {
		t.Errorf("conf new, a name with a slash:\n%s", out)
	}
}

func TestUndoEditDeleteRecommendForget(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Typo Talk room:W1")
	f.ok("alice", "edit #1 title:Real Talk")
	f.ok("alice", "edit #1 rating:3")
	if got := f.exportedTalk("alice", 1); got.Title != "Real Talk" || got.Rating != 3 {
		t.Errorf("after edits %+v", got)
	}
	f.ok("alice", "undo")
	f.ok("alice", "undo")
	if got := f.exportedTalk("alice", 1); got.Title != "Typo Talk" || got.Rating != 0 {
		t.Errorf("after two undos %+v", got)
	}
	f.ok("bob", "add Bob's Pick")
	f.ok("bob", "recommend #2 @alice")
	if w := f.ok("alice", "watch"); !strings.Contains(w, "recommended by bob") {
		t.Errorf("alice's watch:\n%s", w)
	}
	f.ok("alice", "delete #1")
	if l := f.ok("alice", "list"); strings.Contains(l, "Typo Talk") {
		t.Errorf("deleted talk still listed:\n%s", l)
	}
	f.ok("alice", "undo")
	if l := f.ok("alice", "list"); !strings.Contains(l, "Typo Talk") {
		t.Errorf("undo did not bring the talk back:\n%s", l)
	}
	if r := f.as("alice", "forget me"); r.Kind != commands.KindQuestion {
		t.Errorf("forget me did not ask: %s", r.Text())
	}
	if l := f.ok("alice", "list"); !strings.Contains(l, "Typo Talk") {
		t.Error("forget me without confirming deleted data")
	}
	f.ok("alice", "forget me confirm")
	if doc := f.export("alice"); len(doc.Conferences) != 0 {
		t.Errorf("after forget me, alice's export has %+v", doc.Conferences)
	}
	if l := f.ok("bob", "list team"); strings.Contains(l, "Typo Talk") {
		t.Errorf("alice's talk still in team list after forget me:\n%s", l)
	}
}

func TestHelpComesFromTheTable(t *testing.T) {
	f := newFixture(t)
	help := f.ok("alice", "help")
	for _, cmd := range []string{"add", "missed", "want", "watched", "rate", "star", "unstar", "note", "video", "list", "show",
		"highlights", "search", "watch", "recommend", "edit", "delete", "undo", "conf", "import", "schedule", "digest", "notify", "export", "privacy", "forget", "help"} {
		if !strings.Contains(help, "`"+cmd) {
			t.Errorf("help lacks %s", cmd)
		}
	}
	if h := f.ok("alice", "help saw"); !strings.Contains(h, "add <title") {
		t.Errorf("help for an alias:\n%s", h)
	}
}

func TestSharedRepliesLeaveOutPrivateNotes(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "privacy private")
	f.ok("alice", "add Zebra Talk -- zebrafish are my secret")
	shared := func(text string) commands.Reply {
		return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local",
			UserID: "alice", UserName: "alice", Text: text, Shared: true})
	}
	for _, cmd := range []string{"show #1", "search zebrafish", "add Another -- another secret"} {
		if r := shared(cmd); strings.Contains(r.Text(), "secret") {
			t.Errorf("shared %q shows a private note:\n%s", cmd, r.Text())
		}
	}
	if r := shared("export json"); r.Kind != commands.KindError || len(r.Attachments()) != 0 {
		t.Errorf("shared export json: %q", r.Text())
	}
	if out := f.ok("alice", "show #1"); !strings.Contains(out, "zebrafish are my secret") {
		t.Errorf("alice's own (unshared) show lacks her private note:\n%s", out)
	}
}

// TestSeedFindings covers what replaying the seed posts turned up.
func TestSeedFindings(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon NA 2022 2022-10-24..2022-10-28 America/Detroit")
	f.now = time.Date(2022, 10, 26, 15, 0, 0, 0, time.UTC)

	// A Sched-style title with a schedule link still has its speakers split off.
	out := f.ok("alice", "add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni https://kccncna2022.sched.com/event/182HU 5/5")
	if !strings.Contains(out, "#1 Resize Your Pods In-Place With Deterministic eBPF Triggers — Pablo Chico de Guzman & Vinay Kulkarni") {
		t.Errorf("add with link:\n%s", out)
	}
	// A bare schedule id names a talk for rate and note.
	f.ok("bob", "add Other Talk")
	f.ok("bob", "rate 182HU 4")
	f.ok("bob", "note 182HU the demo worked")
	if got := f.exportedTalk("bob", 1); got.Rating != 4 || len(got.Notes) != 1 || got.Notes[0].Text != "the demo worked" {
		t.Errorf("bob's log of #1 = %+v", got)
	}
	// sched.co short links are schedule links.
	f.ok("alice", "missed https://sched.co/182E3 -- room full")
	if got := f.exportedTalk("alice", 3); got.ScheduleID != "182E3" || got.RecordingURL != "" {
		t.Errorf("sched.co link stored as %+v", got)
	}
	// A typed title replaces the placeholder a bare link gave.
	f.ok("bob", "add Cgroupv2 Is Coming Soon To a Cluster Near You https://sched.co/182E3")
	if got := f.exportedTalk("alice", 3); got.Title != "Cgroupv2 Is Coming Soon To a Cluster Near You" {
		t.Errorf("placeholder title kept: %q", got.Title)
	}
	// Missing a talk during the conference logs it on today's date, as add does.
	if got := f.exportedTalk("alice", 3); got.Day != "2022-10-26" {
		t.Errorf("missed talk got day %q", got.Day)
	}
	// Rooms have spaces; options run on to the next one.
	f.ok("alice", "add No One Is Saving Us But Us room:Flex Room 5/5")
	if got := f.exportedTalk("alice", 4); got.Room != "Flex Room" || got.Rating != 5 || got.Day != "2022-10-26" {
		t.Errorf("room option: %+v", got)
	}
	// A shorter title that only one talk contains is that talk.
	f.ok("carol", "add API Server Inception: How Many Layers Deep Can You Go")
	out = f.ok("alice", "add API Server Inception *4")
	if !strings.Contains(out, "Logged #5 API Server Inception: How Many Layers") {
		t.Errorf("partial title made a new talk:\n%s", out)
	}
	// Undo names the talk, and ids are never reused after a delete.
	f.ok("alice", "add Typo Talk")
	if u := f.ok("alice", "undo"); u != "Undone: `add` on #6 Typo Talk\n   Your log of it is gone (attended).\n   Nobody else had logged the talk, so it is gone." {
		t.Errorf("undo reply %q", u)
	}
	if out := f.ok("alice", "add Next Talk"); !strings.Contains(out, "#7 Next Talk") {
		t.Errorf("id reused:\n%s", out)
	}
	// Recommending to a name nobody knows is refused; @here means the team.
	if r := f.as("alice", "recommend #1 @davdi"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "don't know @davdi") {
		t.Errorf("recommend to a typo: %s", r.Text())
	}
	if out := f.ok("alice", "recommend #1 @here"); !strings.Contains(out, "to the team") {
		t.Errorf("recommend @here:\n%s", out)
	}
	// The export keeps & and < readable.
	f.ok("alice", "add Authoring & Fuzz Testing APIs")
	if r := f.as("alice", "export json"); strings.Contains(string(attachment(r)), `\u0026`) || !strings.Contains(string(attachment(r)), "Authoring & Fuzz") {
		t.Errorf("export escapes HTML:\n%s", attachment(r))
	}
	for in, want := range map[string]string{"rate #1 4 5": "two ratings", "add Tagged Talk #42abc": "neither a talk id", "note great talk": ""} {
		r := f.as("dave", in)
		if r.Kind != commands.KindError || !strings.Contains(r.Text(), want) {
			t.Errorf("%q → %q, want an error with %q", in, r.Text(), want)
		}
	}
	if r := f.as("dave", "note great talk"); !strings.Contains(r.Text(), `"quoted title"`) {
		t.Errorf("note with no last talk: %s", r.Text())
	}
}

// FuzzParse sends arbitrary lines through the router on a real database:
// whatever comes in, the reply is never empty and never leaks internals.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"add Resize Your Pods - Pablo Chico de Guzman & Vinay Kulkarni 5/5 #ebpf -- wow", "missed https://kccncna2022.sched.com/event/182E3 -- room full",
		"note --private #1 hi", `rate "Resize Your Pods" ★★★★`, "list day 2 team #ebpf", "edit #1 speakers:A, B", "conf new X 2024-01-01..2024-01-02 UTC",
		"highlights today mine", "search pods", "undo", "recommend #1 @bob", "forget me", "what should I watch?", "video #1 https://youtu.be/x",
	} {
		f.Add(s)
	}
	st, err := store.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	router := commands.New(commands.Config{Store: st})
	f.Fuzz(func(t *testing.T, line string) {
		r := router.Handle(context.Background(), commands.Request{Platform: "console", Workspace: "local", UserID: "fuzz", UserName: "fuzz", Text: line})
		text := r.Text()
		if strings.TrimSpace(text) == "" {
			t.Fatalf("empty reply to %q", line)
		}
		if strings.Contains(text, "Something went wrong") || strings.Contains(text, "sqlite") {
			t.Fatalf("internal error for %q: %s", line, text)
		}
	})
}

// Changing your mind takes back one thing and leaves the rest: unrate,
// unwant and unstar never put a talk on your list, and a talk with nothing
// left of your log leaves it.
func TestChangingYourMind(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Cgroupv2 Is Coming Soon 4/5 -- only saw the last half")
	if r := f.ok("alice", "unrate #1 5"); !strings.Contains(r, "is 4/5, not 5/5") {
		t.Errorf("unrate with another rating:\n%s", r)
	}
	if got := f.exportedTalk("alice", 1); got.Rating != 4 {
		t.Errorf("a conditional unrate that did not match removed the rating: %+v", got)
	}
	f.ok("alice", "unrate 4")
	if got := f.exportedTalk("alice", 1); got.Rating != 0 || got.Status != "attended" || len(got.Notes) != 1 {
		t.Errorf("after unrate: %+v, want attended, unrated, the note kept", got)
	}
	if r := f.ok("alice", "unrate"); !strings.Contains(r, "Not rated anyway") {
		t.Errorf("unrate twice:\n%s", r)
	}
	f.ok("alice", "undo") // the unrate of 4: an unchanged one records nothing
	if got := f.exportedTalk("alice", 1); got.Rating != 4 {
		t.Errorf("undo of unrate: %+v, want 4/5 back", got)
	}

	f.ok("alice", "missed KEDA Graduation -- room full")
	f.ok("alice", "unwant #2")
	if got := f.exportedTalk("alice", 2); got.WatchLater || got.Status != "missed" {
		t.Errorf("unwant of a miss: %+v, want still missed, off the list", got)
	}
	if l := f.ok("alice", "list watch"); strings.Contains(l, "KEDA") {
		t.Errorf("unwanted talk on the watch-later list:\n%s", l)
	}

	f.ok("alice", "want OpenTelemetry: What's Next")
	f.ok("alice", "unwant OpenTelemetry: What's Next")
	if l := f.ok("alice", "list"); strings.Contains(l, "OpenTelemetry") {
		t.Errorf("a talk only wanted, then unwanted, still on alice's list:\n%s", l)
	}
	f.ok("alice", "undo")
	if l := f.ok("alice", "list watch"); !strings.Contains(l, "OpenTelemetry") {
		t.Errorf("undo of unwant did not put it back:\n%s", l)
	}

	f.ok("bob", "add Bob's Own Talk")
	for _, cmd := range []string{"unstar #4", "unrate #4", "unwant #4"} {
		if r := f.ok("alice", cmd); !strings.Contains(r, "anyway") {
			t.Errorf("%s on a talk alice never logged:\n%s", cmd, r)
		}
	}
	if l := f.ok("alice", "list"); strings.Contains(l, "Bob's Own Talk") {
		t.Errorf("taking back what was never set put bob's talk on alice's list:\n%s", l)
	}
	if r := f.as("alice", "unwant"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "unwant #12") {
		t.Errorf("unwant alone: %s", r.Text())
	}
}

// An empty list says what would fill it, not always "add a talk".
func TestEmptyListsSayWhatFillsThem(t *testing.T) {
	f := newFixture(t)
	if l := f.ok("alice", "list watch"); !strings.Contains(l, "`want <talk>`") {
		t.Errorf("empty watch-later list:\n%s", l)
	}
	f.ok("alice", "add Cgroupv2 Is Coming Soon #kernel")
	if l := f.ok("alice", "list #ebpf"); !strings.Contains(l, "`list` shows all your talks") {
		t.Errorf("own list, filtered to nothing:\n%s", l)
	}
	f.ok("bob", "add Bob's Talk")
	if l := f.ok("alice", "list @bob watch"); strings.Contains(l, "add <title>") {
		t.Errorf("bob's empty list tells alice to log a talk:\n%s", l)
	}
}

// On a new conference's first morning, `note great keynote` is not a note
// on the last talk of the conference before: the bot asks which talk.
func TestTheLastTalkOfAnotherConferenceIsNotAssumed(t *testing.T) {
	f := newFixture(t)
	f.admin("admin", "conf new FOSDEM 2025 2025-02-01..2025-02-02 Europe/Brussels")
	f.ok("alice", "add Opening Keynote")
	f.admin("admin", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver")
	for _, cmd := range []string{"note great keynote", "rate 4", "star"} {
		r := f.as("alice", cmd)
		if r.Kind != commands.KindError || !strings.Contains(r.Text(), "is of FOSDEM 2025") {
			t.Errorf("%s after the switch: %s", cmd, r.Text())
		}
	}
	if got := f.exportedTalk("alice", 1); len(got.Notes) != 0 || got.Rating != 0 || got.Starred {
		t.Errorf("FOSDEM's keynote changed: %+v", got)
	}
	if r := f.ok("alice", "show"); !strings.Contains(r, "Opening Keynote") {
		t.Errorf("show, which changes nothing, of the last talk:\n%s", r)
	}
	f.ok("alice", "add Welcome + Opening Remarks")
	f.ok("alice", "note great keynote")
	if got := f.exportedTalk("alice", 2); len(got.Notes) != 1 {
		t.Errorf("a note after a talk of this conference: %+v", got)
	}
}

// A channel given a conference of its own (`conf here`, an admin's) has
// every command typed in it, by anyone, about that conference; other
// channels and direct messages follow the team, and a team's move leaves
// the channel where it is.
func TestAChannelsOwnConference(t *testing.T) {
	f := newFixture(t)
	in := func(user, channel, text string, admin bool) commands.Reply {
		t.Helper()
		return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1",
			UserID: user, UserName: user, Text: text, Channel: channel, Admin: admin})
	}
	ok := func(user, channel, text string, admin bool) string {
		t.Helper()
		r := in(user, channel, text, admin)
		if r.Kind == commands.KindError {
			t.Fatalf("%s in %s: %q: %s", user, channel, text, r.Text())
		}
		return r.Text()
	}
	ok("UADMIN", "C1", "conf new FOSDEM 2025 2025-02-01..2025-02-02 Europe/Brussels", true)
	ok("UADMIN", "C1", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver", true)
	if r := in("UBOB", "CFOSDEM", "conf here FOSDEM 2025", false); r.Kind != commands.KindError || !strings.Contains(r.Text(), "Only an admin") {
		t.Errorf("a non-admin's conf here: %s", r.Text())
	}
	ok("UADMIN", "CFOSDEM", "conf use fosdem 2025 here", true)
	ok("UBOB", "CFOSDEM", "add Opening Keynote 5/5", false)
	ok("UBOB", "C1", "add Welcome + Opening Remarks", false)
	if l := ok("UBOB", "CFOSDEM", "list", false); !strings.Contains(l, "FOSDEM 2025") || !strings.Contains(l, "Opening Keynote") || strings.Contains(l, "Welcome") {
		t.Errorf("bob's list in the FOSDEM channel:\n%s", l)
	}
	if l := ok("UBOB", "DBOB", "list", false); !strings.Contains(l, "KubeCon NA 2024") || strings.Contains(l, "Opening Keynote") {
		t.Errorf("bob's list in his direct message:\n%s", l)
	}
	if s := ok("UBOB", "CFOSDEM", "conf here", false); !strings.Contains(s, "This channel is on FOSDEM 2025") {
		t.Errorf("conf here in the FOSDEM channel: %s", s)
	}
	if s := ok("UADMIN", "CFOSDEM", "conf new KubeCon EU 2025 2025-04-01..2025-04-04 Europe/London", true); !strings.Contains(s, "stay on FOSDEM 2025") {
		t.Errorf("the team's move, typed in the FOSDEM channel: %s", s)
	}
	if s := ok("UBOB", "CFOSDEM", "conf", false); !strings.Contains(s, "Current conference: FOSDEM 2025") {
		t.Errorf("conf in the FOSDEM channel after the team moved: %s", s)
	}
	ok("UADMIN", "CFOSDEM", "conf here off", true)
	if s := ok("UBOB", "CFOSDEM", "conf", false); !strings.Contains(s, "Current conference: KubeCon EU 2025") {
		t.Errorf("conf in the channel after conf here off: %s", s)
	}
	if r := in("UADMIN", "CFOSDEM", "conf here Nonexistent Con", true); r.Kind != commands.KindError || !strings.Contains(r.Text(), "no conference called") {
		t.Errorf("conf here of an unknown conference: %s", r.Text())
	}
}

// A fresh install whose first command is an admin's `conf new` keeps no
// empty General in `conf list`.
func TestAnEmptyGeneralGoesWithTheFirstConference(t *testing.T) {
	f := newFixture(t)
	out := f.admin("admin", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver")
	if !strings.Contains(out, "Created KubeCon NA 2024") || strings.Contains(out, "talks logged so far") {
		t.Errorf("conf new on a fresh install: %s", out)
	}
	if l := f.ok("admin", "conf list"); strings.Contains(l, talkbot.DefaultConferenceName) {
		t.Errorf("conf list after the first conf new:\n%s", l)
	}
	f.ok("alice", "add Keynote")
	if l := f.ok("alice", "list"); !strings.Contains(l, "KubeCon NA 2024") {
		t.Errorf("alice's list:\n%s", l)
	}
}

// One session logged twice under two titles becomes one talk with
// `merge`, asked first: everyone's logs and notes move, a person with
// both keeps what either said, and only the first logger or an admin
// merges a talk away.
func TestMergeMakesTwoTalksOne(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add KEDA Real Time Scaling 4/5 #autoscaling -- great demo")
	f.ok("bob", `add "KEDA - Real Time And Serverless Scaling in Kubernetes" 5/5 -- loved it`)
	f.ok("bob", `missed "KEDA Real Time Scaling" -- was in the other room`)
	if r := f.as("bob", "merge #1 into #2"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "Only whoever logged #1 first") {
		t.Errorf("bob merging alice's talk away: %s", r.Text())
	}
	if r := f.as("alice", "merge #1 into #2"); r.Kind != commands.KindQuestion || !strings.Contains(r.Text(), "merge #1 into #2 confirm") {
		t.Errorf("merge without confirm: %v %s", r.Kind, r.Text())
	}
	if got := f.exportedTalk("alice", 1); got.Rating != 4 {
		t.Errorf("the question changed #1: %+v", got)
	}
	f.ok("alice", "merge #1 into #2 confirm")
	a := f.exportedTalk("alice", 2)
	if a.Rating != 4 || len(a.Notes) != 1 || a.Notes[0].Text != "great demo" || !slices.Contains(a.Tags, "autoscaling") {
		t.Errorf("alice's log on #2 after the merge: %+v", a)
	}
	if b := f.exportedTalk("bob", 2); b.Status != "attended" || b.Rating != 5 {
		t.Errorf("bob's log on #2 after the merge, who attended it and 'missed' #1: %+v", b)
	}
	if l := f.ok("bob", "list team"); strings.Contains(l, "#1 ") || !strings.Contains(l, "team 4.5/5 from 2") {
		t.Errorf("the team's list after the merge:\n%s", l)
	}
	if r := f.as("alice", "show #1"); r.Kind != commands.KindError {
		t.Errorf("#1 after the merge: %s", r.Text())
	}
}

// A log that unwant (or unstar, unrate) leaves with nothing goes as a
// delete of it would: the talk's edit right passes to whoever still logs
// it, and a talk only its creator had, nobody now, goes with the log, so
// a mistyped want leaves no trace; undo brings it all back.
func TestALogLeftWithNothingGoesAsADeleteOfIt(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "want Foo Talk")
	f.ok("bob", "add Foo Talk")
	f.ok("alice", "unwant Foo Talk")
	if r := f.as("bob", "edit #1 room:W183"); r.Kind != commands.KindOK {
		t.Errorf("bob, the one who logs #1 now, edits its room: %s", r.Text())
	}
	f.ok("alice", "want Typo Tlak")
	f.ok("alice", "unwant Typo Tlak")
	if r := f.as("alice", "search Tlak"); strings.Contains(r.Text(), "Typo Tlak") {
		t.Errorf("a talk nobody logs any more, found:\n%s", r.Text())
	}
	f.ok("alice", "undo")
	if l := f.ok("alice", "list watch"); !strings.Contains(l, "Typo Tlak") {
		t.Errorf("undo of the unwant:\n%s", l)
	}
}

// A card of `list @bob` shows bob's log as text, not as the viewer's own:
// the platforms' quick actions on it (Slack's Unstar, Remove my rating)
// would act on the viewer's log, from bob's state.
func TestAColleaguesListCardsAreNotTheViewers(t *testing.T) {
	f := newFixture(t)
	f.ok("bob", "add Bob's Favourite 5/5")
	f.ok("bob", "star")
	r := f.as("alice", "list @bob")
	n := 0
	for _, b := range r.Blocks {
		if c, ok := b.(*commands.TalkCard); ok {
			n++
			if c.Log != nil {
				t.Errorf("alice's view of bob's list carries a log as hers: %+v", c.Log)
			}
		}
	}
	if n != 1 || !strings.Contains(r.Text(), "starred") {
		t.Errorf("list @bob: %d cards:\n%s", n, r.Text())
	}
	for _, b := range f.as("bob", "list").Blocks {
		if c, ok := b.(*commands.TalkCard); ok && (c.Log == nil || !c.Log.Starred) {
			t.Errorf("bob's own list card: %+v", c.Log)
		}
	}
}

// A change found so already says so on the reply, for the quick actions
// taken back later (a Matrix reaction removed) to take nothing back.
func TestAChangeFoundSoAlreadyIsMarkedUnchanged(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Foo Talk 4/5")
	for _, tc := range []struct {
		cmd  string
		want bool
	}{{"rate #1 4", true}, {"rate #1 5", false}, {"star #1", false}, {"star #1", true}, {"want #1", false}, {"want #1", true}, {"unrate #1 4", true}} {
		if r := f.as("alice", tc.cmd); r.Unchanged != tc.want {
			t.Errorf("%q: Unchanged = %v, want %v (%s)", tc.cmd, r.Unchanged, tc.want, r.Text())
		}
	}
}

// `conf use Meet Me Here` is that conference, not `conf here Meet Me`;
// an admin's switch typed in a channel with a conference of its own still
// warns that the team's running conference loses its digest.
func TestConfUseInAChannelOfItsOwn(t *testing.T) {
	f := newFixture(t)
	in := func(channel, text string) string {
		t.Helper()
		r := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1",
			UserID: "UADMIN", UserName: "admin", Text: text, Channel: channel, Admin: true})
		if r.Kind == commands.KindError {
			t.Fatalf("%q in %s: %s", text, channel, r.Text())
		}
		return r.Text()
	}
	in("C1", "conf new Meet Me Here 2024-11-20..2024-11-21 UTC")
	in("C1", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver")
	in("C1", "digest on here at 18:00")
	if out := in("C1", "conf use Meet Me Here"); !strings.Contains(out, "Meet Me Here (2024-11-20..2024-11-21, UTC) is now the team's active conference") {
		t.Errorf("conf use Meet Me Here: %s", out)
	}
	in("C1", "conf use KubeCon NA 2024")
	in("CFOSDEM", "conf new FOSDEM 2025 2025-02-01..2025-02-02 Europe/Brussels")
	in("CFOSDEM", "conf use KubeCon NA 2024")
	in("CFOSDEM", "conf here FOSDEM 2025")
	if out := in("CFOSDEM", "conf use Meet Me Here"); !strings.Contains(out, "the rest of KubeCon NA 2024 gets none") {
		t.Errorf("the team's switch, typed in the FOSDEM channel, during KubeCon NA: %s", out)
	}
}

// After a merge, undo never reaches an older step of the talk merged
// into: it would put back that log from before the merge, losing what the
// merged-away talk said, and with the add that made the talk, the talk.
func TestUndoAfterAMergeKeepsTheMergedTalk(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add KEDA Real Time Scaling 5/5")
	f.ok("alice", `add "KEDA - Real Time And Serverless Scaling in Kubernetes"`)
	f.ok("bob", "add KEDA Real Time Scaling 4/5")
	f.ok("bob", `add "KEDA - Real Time And Serverless Scaling in Kubernetes" -- good`)
	f.ok("alice", "merge #1 into #2 confirm")
	for _, u := range []string{"alice", "bob"} {
		f.as(u, "undo")
	}
	if a := f.exportedTalk("alice", 2); a.Rating != 5 {
		t.Errorf("alice's log on #2 after the merge and an undo: %+v", a)
	}
	if b := f.exportedTalk("bob", 2); b.Rating != 4 || len(b.Notes) != 1 {
		t.Errorf("bob's log on #2 after the merge and an undo: %+v", b)
	}
}
