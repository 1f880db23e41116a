package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
	"github.com/talkbot/talkbot/store"
)

// The real schedules of ../shared/data.
const (
	schedICS   = "../../shared/data/kubecon_eu_2026_sched_all.ics"
	fosdemXML  = "../../shared/data/fosdem_2025_schedule.xml"
	mchPretalx = "../../shared/data/mch2022_pretalx_schedule.json"
)

func parsed(t testing.TB, path string) talkbot.ScheduleImport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schedule.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s.Import(filepath.Base(path))
}

// openAt is open with a clock the test sets.
func openAt(t *testing.T, at *time.Time) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "talkbot.db")
	s, err := store.Open(context.Background(), path, store.Options{Now: func() time.Time { return *at }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func importSchedule(t *testing.T, s *store.Store, u talkbot.User, imp talkbot.ScheduleImport) talkbot.ImportResult {
	t.Helper()
	res, err := s.ImportSchedule(context.Background(), u, imp)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// talkOf returns the conference's talk with a schedule source id.
func talkOf(t *testing.T, s *store.Store, u talkbot.User, sourceID string) talkbot.Talk {
	t.Helper()
	sessions, _, err := s.ScheduleSessions(context.Background(), talkbot.ScheduleQuery{ConferenceID: conference(t, s, u).ID, Page: talkbot.Page{Limit: 500}})
	if err != nil {
		t.Fatal(err)
	}
	for p := 2; len(sessions) > 0; p++ {
		for _, x := range sessions {
			if x.SourceID == sourceID {
				return x.Talk
			}
		}
		sessions, _, err = s.ScheduleSessions(context.Background(), talkbot.ScheduleQuery{ConferenceID: conference(t, s, u).ID,
			Page: talkbot.Page{Offset: (p - 1) * 500, Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("no talk with source id %s", sourceID)
	return talkbot.Talk{}
}

func countRows(t *testing.T, path, query string, args ...any) int {
	t.Helper()
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportFOSDEMAndReimportIsIdempotent(t *testing.T) {
	at := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)
	s, path := openAt(t, &at)
	u := user(t, s, "admin")
	conference(t, s, u) // a fresh install's placeholder, "General"
	imp := parsed(t, fosdemXML)
	res := importSchedule(t, s, u, imp)
	// Two of the new sessions are cancelled by their titles ("[CANCELED] …").
	if res.New != 1105 || res.Updated != 0 || res.Cancelled != 2 || res.Merged != 0 {
		t.Errorf("first import: %d new, %d updated, %d cancelled, %d merged; want 1105 new, 2 of them cancelled", res.New, res.Updated, res.Cancelled, res.Merged)
	}
	c := res.Conference
	if c.Name != "FOSDEM 2025" || c.StartsOn != "2025-02-01" || c.EndsOn != "2025-02-02" || c.Timezone != "Europe/Brussels" ||
		c.ScheduleSource != "fosdem_2025_schedule.xml" || !c.ImportedAt.Equal(at) {
		t.Errorf("conference = %+v", c)
	}
	if res.Renamed != talkbot.DefaultConferenceName || res.ConferenceCreated {
		t.Errorf("a fresh install's placeholder conference should take the schedule's name: renamed %q, created %v", res.Renamed, res.ConferenceCreated)
	}
	if cur := conference(t, s, u); cur.ID != c.ID {
		t.Errorf("current conference = %q, want the imported one", cur.Name)
	}

	welcome := talkOf(t, s, u, "fdbc5919-f702-524c-9331-3a2c670f6ff3")
	brussels, _ := time.LoadLocation("Europe/Brussels")
	if welcome.Title != "Welcome to FOSDEM 2025" || welcome.Room != "Janson" || welcome.Event != "Keynotes" || welcome.Type != "keynote" ||
		welcome.Day != "2025-02-01" || welcome.StartsAt.In(brussels).Format("15:04") != "09:30" ||
		welcome.ScheduleID != "fosdem-2025-6712-welcome-to-fosdem-2025" || !strings.HasSuffix(welcome.RecordingURL, ".mp4") || welcome.CreatedBy != 0 {
		t.Errorf("welcome talk = %+v", welcome)
	}
	if got, err := s.TalksBySchedule(context.Background(), c.ID, "fosdem-2025-6712-welcome-to-fosdem-2025"); err != nil || len(got) != 1 || got[0].ID != welcome.ID {
		t.Errorf("the talks by the link's id = %+v, %v", got, err)
	}

	at = at.Add(time.Hour)
	again := importSchedule(t, s, u, parsed(t, fosdemXML))
	if again.New != 0 || again.Updated != 0 || again.Cancelled != 0 || again.Unchanged != 1105 || again.Conference.ID != c.ID {
		t.Errorf("re-import: %d new, %d updated, %d cancelled, %d unchanged into #%d; want 1105 unchanged into #%d; updated: %+v",
			again.New, again.Updated, again.Cancelled, again.Unchanged, again.Conference.ID, c.ID, again.UpdatedTalks)
	}
	if n := countRows(t, path, `SELECT COUNT(*) FROM talks`); n != 1105 {
		t.Errorf("%d talks after two imports, want 1105", n)
	}
}

func TestReimportUpdatesCancelsAndKeepsLogs(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2022, 7, 1, 9, 0, 0, 0, time.UTC)
	s, _ := openAt(t, &at)
	u, bob := user(t, s, "admin"), user(t, s, "bob")
	imp := parsed(t, mchPretalx)
	importSchedule(t, s, u, imp)
	moved, dropped := imp.Sessions[10], imp.Sessions[20]
	dropTalk := talkOf(t, s, u, dropped.SourceID)
	if _, err := s.Apply(ctx, talkbot.Change{User: bob, TalkID: dropTalk.ID, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended), Rating: ptr(5)},
		Note: &talkbot.NoteDraft{Text: "best talk of the camp", Visibility: talkbot.VisibilityTeam}}); err != nil {
		t.Fatal(err)
	}

	next := parsed(t, mchPretalx)
	next.Sessions[10].Room = "Tent 42"
	next.Sessions = slices.Delete(next.Sessions, 20, 21)
	res := importSchedule(t, s, u, next)
	if res.New != 0 || res.Updated != 1 || res.Cancelled != 1 || res.Unchanged != len(next.Sessions)-1 {
		t.Fatalf("re-import: %d new, %d updated, %d cancelled, %d unchanged", res.New, res.Updated, res.Cancelled, res.Unchanged)
	}
	if up := res.UpdatedTalks[0]; up.Talk.SourceID != moved.SourceID || !slices.Equal(up.Fields, []string{"room"}) || up.Talk.Room != "Tent 42" {
		t.Errorf("updated = %+v", up)
	}
	gone := talkOf(t, s, u, dropped.SourceID)
	if !gone.Cancelled || res.CancelledTalks[0].ID != gone.ID {
		t.Errorf("the dropped session is not cancelled: %+v", gone)
	}
	if l, err := s.UserLog(ctx, bob.ID, gone.ID); err != nil || l.Rating != 5 {
		t.Errorf("bob's log of the cancelled talk = %+v, %v", l, err)
	}
	if ns, _ := s.UserNotes(ctx, bob.ID, gone.ID); len(ns) != 1 {
		t.Errorf("bob's notes on the cancelled talk = %v", ns)
	}
	if hs, _, _ := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: gone.ConferenceID}); len(hs) != 1 || hs[0].ID != gone.ID {
		t.Errorf("highlights = %v, want bob's 5/5 still there", hs)
	}

	// It comes back: back on the schedule, with everything bob had.
	res = importSchedule(t, s, u, parsed(t, mchPretalx))
	back := talkOf(t, s, u, dropped.SourceID)
	if res.Updated != 2 || back.Cancelled || back.ID != gone.ID {
		t.Errorf("the session back: %d updated, talk %+v", res.Updated, back)
	}
	var fields []string
	for _, up := range res.UpdatedTalks {
		fields = append(fields, up.Fields...)
	}
	if !slices.Contains(fields, "back on the schedule") || !slices.Contains(fields, "room") {
		t.Errorf("updated fields = %v", fields)
	}
}

// A schedule that gives a session a new id (Sched makes some edited events
// anew) has not cancelled it: the talk takes the new id, and bob's miss
// and watch-later stay on the session rather than on a "cancelled" twin.
func TestAReissuedSessionKeepsItsLogs(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2022, 7, 1, 9, 0, 0, 0, time.UTC)
	s, _ := openAt(t, &at)
	u, bob := user(t, s, "admin"), user(t, s, "bob")
	imp := parsed(t, mchPretalx)
	importSchedule(t, s, u, imp)
	old := talkOf(t, s, u, imp.Sessions[30].SourceID)
	if _, err := s.Apply(ctx, talkbot.Change{User: bob, TalkID: old.ID, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusMissed), Reason: ptr("room full"), WatchLater: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	next := parsed(t, mchPretalx)
	x := &next.Sessions[30]
	x.SourceID, x.ScheduleID, x.ScheduleURL = "REISSUED1", "REISSUED1", strings.Replace(x.ScheduleURL, imp.Sessions[30].ScheduleID, "REISSUED1", 1)
	res := importSchedule(t, s, u, next)
	if res.New != 0 || res.Cancelled != 0 || res.Updated != 1 {
		t.Fatalf("re-import: %d new, %d cancelled, %d updated; want the one session updated", res.New, res.Cancelled, res.Updated)
	}
	now := talkOf(t, s, u, "REISSUED1")
	if now.ID != old.ID || now.Cancelled {
		t.Errorf("the session is talk %d (cancelled %v), want #%d still", now.ID, now.Cancelled, old.ID)
	}
	if l, err := s.UserLog(ctx, bob.ID, old.ID); err != nil || l.Status != talkbot.StatusMissed || !l.WatchLater {
		t.Errorf("bob's log = %+v, %v", l, err)
	}

	// Made anew and moved (the edit that gave it a new id put it in another
	// room): still the session, by its title, day and start.
	importSchedule(t, s, u, parsed(t, mchPretalx)) // all back as they were
	base := parsed(t, mchPretalx)
	was := talkOf(t, s, u, base.Sessions[32].SourceID)
	next = parsed(t, mchPretalx)
	next.Sessions[32].SourceID, next.Sessions[32].ScheduleID, next.Sessions[32].Room = "ELSEWHERE", "ELSEWHERE", "Another Tent"
	importSchedule(t, s, u, next)
	if moved := talkOf(t, s, u, "ELSEWHERE"); moved.ID != was.ID || moved.Room != "Another Tent" {
		t.Errorf("the moved session is talk %d in %q, want #%d in the new room", moved.ID, moved.Room, was.ID)
	}

	// Not when it could be either of two (two newcomers alike), or when only
	// the title is the same (another day, time and room: another session).
	// The talk whose id left is cancelled, as before.
	for name, edit := range map[string]func(ss []talkbot.Talk) []talkbot.Talk{
		"two newcomers alike": func(ss []talkbot.Talk) []talkbot.Talk {
			twin := ss[31]
			twin.SourceID, twin.ScheduleID = "TWIN2", "TWIN2"
			ss[31].SourceID, ss[31].ScheduleID = "TWIN1", "TWIN1"
			return append(ss, twin)
		},
		"the title alone": func(ss []talkbot.Talk) []talkbot.Talk {
			x := &ss[33]
			x.SourceID, x.ScheduleID, x.Room = "LATER", "LATER", "Another Tent"
			x.StartsAt, x.EndsAt = x.StartsAt.Add(49*time.Hour), x.EndsAt.Add(49*time.Hour)
			x.Day = x.StartsAt.Format(time.DateOnly)
			return ss
		},
	} {
		res := importSchedule(t, s, u, parsed(t, mchPretalx)) // all back as they were
		base := parsed(t, mchPretalx)
		i := map[string]int{"two newcomers alike": 31, "the title alone": 33}[name]
		was := talkOf(t, s, u, base.Sessions[i].SourceID)
		next := parsed(t, mchPretalx)
		next.Sessions = edit(next.Sessions)
		res = importSchedule(t, s, u, next)
		if gone := talkOf(t, s, u, base.Sessions[i].SourceID); !gone.Cancelled || gone.ID != was.ID {
			t.Errorf("%s: the old talk = %+v (new %d, cancelled %d)", name, gone, res.New, res.Cancelled)
		}
	}
}

func TestImportMergesTalksLoggedByHand(t *testing.T) {
	ctx := context.Background()
	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	at := time.Date(2026, 3, 24, 11, 10, 0, 0, amsterdam)
	s, _ := openAt(t, &at)
	admin, alice, bob := user(t, s, "admin"), user(t, s, "alice"), user(t, s, "bob")
	c, err := s.CreateConference(ctx, admin, talkbot.Conference{Name: "KubeCon EU 2026", StartsOn: "2026-03-23", EndsOn: "2026-03-26",
		Timezone: "Europe/Amsterdam"}, true)
	if err != nil {
		t.Fatal(err)
	}
	imp := parsed(t, schedICS)
	var session talkbot.Talk // a talk on the 24th
	for _, x := range imp.Sessions {
		if x.Day == "2026-03-24" && !x.NonTalk && len(x.Speakers) > 0 && strings.Contains(x.Title, ":") {
			session = x
			break
		}
	}
	log := func(u talkbot.User, d talkbot.Talk, p talkbot.LogPatch, note string) talkbot.Talk {
		t.Helper()
		d.ConferenceID = c.ID
		ch := talkbot.Change{User: u, NewTalk: &d, Log: p}
		if note != "" {
			ch.Note = &talkbot.NoteDraft{Text: note, Visibility: talkbot.VisibilityTeam}
		}
		out, err := s.Apply(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		return out.Talk
	}
	// Alice logs it by its schedule link, with a tag; Bob by its title typed
	// his way, starred, with a note; both on the day.
	byLink := log(alice, talkbot.Talk{Title: "Schedule entry " + session.ScheduleID, ScheduleID: session.ScheduleID, ScheduleURL: session.ScheduleURL,
		Day: "2026-03-24", Tags: []string{"ebpf"}}, talkbot.LogPatch{Status: ptr(talkbot.StatusAttended), Rating: ptr(4)}, "alice's note")
	byTitle := log(bob, talkbot.Talk{Title: strings.ToUpper(strings.ReplaceAll(session.Title, ":", " -")), Day: "2026-03-24"},
		talkbot.LogPatch{Status: ptr(talkbot.StatusAttended), Starred: ptr(true)}, "bob's note")
	// Alice logged the same talk twice over, the second time as missed.
	log(alice, talkbot.Talk{Title: session.Title, Day: "2026-03-24"}, talkbot.LogPatch{Status: ptr(talkbot.StatusMissed), WatchLater: ptr(true)}, "")
	// A talk of that title on another day is another session; one the schedule lacks stays.
	otherDay := log(bob, talkbot.Talk{Title: session.Title, Day: "2026-03-26"}, talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}, "")
	hallway := log(bob, talkbot.Talk{Title: "Hallway chat about homelabs", Day: "2026-03-24"}, talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}, "")
	if byLink.ID == byTitle.ID {
		t.Fatal("the fixture needs two hand-logged talks")
	}

	res := importSchedule(t, s, admin, imp)
	if res.Conference.ID != c.ID || res.Conference.Name != "KubeCon EU 2026" || res.ConferenceCreated {
		t.Errorf("imported into %+v (created %v), want the team's KubeCon EU 2026 under its name", res.Conference, res.ConferenceCreated)
	}
	if res.Merged != 2 || res.New != len(imp.Sessions)-1 {
		t.Errorf("%d merged, %d new; want 2 merged and the rest new", res.Merged, res.New)
	}
	got := talkOf(t, s, admin, session.SourceID)
	if got.ID != byLink.ID || got.Title != session.Title || !slices.Equal(got.Tags, []string{"ebpf"}) || got.CreatedBy != 0 {
		t.Errorf("scheduled talk = %+v; want alice's talk #%d with the schedule's title and her tag, the schedule's to edit", got, byLink.ID)
	}
	if _, err := s.Talk(ctx, admin.WorkspaceID, byTitle.ID); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("bob's duplicate #%d is still there: %v", byTitle.ID, err)
	}
	d, err := s.TalkDetail(ctx, admin.WorkspaceID, admin.ID, got.ID)
	if err != nil {
		t.Fatal(err)
	}
	logs := map[string]talkbot.Log{}
	for _, l := range d.Logs {
		logs[l.UserName] = l.Log
	}
	if a := logs["alice"]; a.Status != talkbot.StatusAttended || a.Rating != 4 || !a.WatchLater {
		t.Errorf("alice's log = %+v; want her two logs in one: attended, 4/5, watch later", a)
	}
	if b := logs["bob"]; b.Status != talkbot.StatusAttended || !b.Starred {
		t.Errorf("bob's log = %+v", b)
	}
	if len(d.Notes) != 2 {
		t.Errorf("notes = %+v, want alice's and bob's", d.Notes)
	}
	if got.ID != 0 {
		sum, _, _ := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: c.ID})
		if len(sum) != 1 || sum[0].ID != got.ID || sum[0].HighlightCount != 2 {
			t.Errorf("highlights = %+v, want the merged talk with both highlights counted", sum)
		}
	}
	for _, id := range []int64{otherDay.ID, hallway.ID} {
		if tk, err := s.Talk(ctx, admin.WorkspaceID, id); err != nil || tk.SourceID != "" {
			t.Errorf("talk #%d = %+v, %v; want it left as logged", id, tk, err)
		}
	}
	if u, _ := s.User(ctx, talkbot.PlatformConsole, "local", "bob", "bob"); u.LastTalkID == byTitle.ID {
		t.Errorf("bob's last talk points at the merged-away #%d", byTitle.ID)
	}
	// Undo cannot reach past the merge into a talk that is gone.
	if _, err := s.Undo(ctx, bob.ID); err != nil {
		t.Errorf("bob's undo after the merge: %v", err)
	}
	// Re-importing merges nothing more and duplicates nothing.
	again := importSchedule(t, s, admin, parsed(t, schedICS))
	if again.New != 0 || again.Merged != 0 || again.Updated != 0 {
		t.Errorf("re-import: %d new, %d merged, %d updated", again.New, again.Merged, again.Updated)
	}
}

func TestRecordingsAndNonTalkItems(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2022, 7, 27, 9, 0, 0, 0, time.UTC)
	s, _ := openAt(t, &at)
	admin, alice, bob := user(t, s, "admin"), user(t, s, "alice"), user(t, s, "bob")
	imp := parsed(t, mchPretalx)
	var optOut talkbot.Talk
	for _, x := range imp.Sessions {
		if x.DoNotRecord {
			optOut = x
			break
		}
	}
	// A schedule that brings a recording for every other session, and a non-talk item.
	for i := range imp.Sessions {
		if !imp.Sessions[i].DoNotRecord {
			imp.Sessions[i].RecordingURL = "https://media.ccc.de/v/mch2022-" + imp.Sessions[i].ScheduleID
		}
	}
	imp.Sessions = append(imp.Sessions, talkbot.Talk{SourceID: "lunch-1", Title: "Lunch", Day: "2022-07-23", NonTalk: true,
		StartsAt: time.Date(2022, 7, 23, 10, 0, 0, 0, time.UTC), EndsAt: time.Date(2022, 7, 23, 11, 0, 0, 0, time.UTC)})
	importSchedule(t, s, admin, imp)
	opted := talkOf(t, s, admin, optOut.SourceID)
	if opted.RecordingURL != "" || !opted.DoNotRecord {
		t.Errorf("a do-not-record session = %+v", opted)
	}
	lunch := talkOf(t, s, admin, "lunch-1")
	other := talkOf(t, s, admin, imp.Sessions[0].SourceID)
	for _, id := range []int64{lunch.ID, opted.ID, other.ID} {
		if _, err := s.Apply(ctx, talkbot.Change{User: alice, TalkID: id, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended), Rating: ptr(5)}}); err != nil {
			t.Fatal(err)
		}
	}
	hs, _, _ := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: lunch.ConferenceID})
	var ids []int64
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	if slices.Contains(ids, lunch.ID) || !slices.Contains(ids, other.ID) {
		t.Errorf("highlights %v: want the talk and not lunch (#%d)", ids, lunch.ID)
	}
	if mine, _, _ := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: lunch.ConferenceID, UserID: alice.ID}); len(mine) != 2 {
		t.Errorf("alice's highlights = %d talks, want 2 (lunch left out)", len(mine))
	}
	team, _, _ := s.ListTalks(ctx, talkbot.ListQuery{WorkspaceID: alice.WorkspaceID, ConferenceID: lunch.ConferenceID, ViewerID: bob.ID})
	for _, x := range team {
		if x.NonTalk {
			t.Errorf("the team's list shows %q", x.Title)
		}
	}
	own, _, _ := s.ListTalks(ctx, talkbot.ListQuery{WorkspaceID: alice.WorkspaceID, ConferenceID: lunch.ConferenceID, UserID: alice.ID})
	if len(own) != 3 {
		t.Errorf("alice's own list = %d talks, want all 3 she logged", len(own))
	}
	sg, _, err := s.WatchList(ctx, bob, lunch.ConferenceID, talkbot.WatchFilters{}, talkbot.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sg) != 1 || sg[0].ID != other.ID || !sg[0].HasRecording {
		t.Errorf("bob's suggestions = %+v; want only the recorded talk (not lunch, not the one nobody will record)", sg)
	}
	// On her own list a do-not-record talk stays; the commands say there is no video coming.
	if _, err := s.Apply(ctx, talkbot.Change{User: bob, TalkID: opted.ID, Log: talkbot.LogPatch{WatchLater: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	if sg, _, _ := s.WatchList(ctx, bob, lunch.ConferenceID, talkbot.WatchFilters{}, talkbot.Page{}); len(sg) != 2 {
		t.Errorf("bob's suggestions with his own pick = %d, want 2", len(sg))
	}
	// A user's own video on such a talk is kept by a re-import.
	if _, err := s.Apply(ctx, talkbot.Change{User: admin, TalkID: opted.ID, Talk: talkbot.TalkPatch{RecordingURL: ptr("https://youtu.be/abc")}}); err != nil {
		t.Fatal(err)
	}
	importSchedule(t, s, admin, imp)
	if got := talkOf(t, s, admin, optOut.SourceID); got.RecordingURL != "https://youtu.be/abc" {
		t.Errorf("after re-import the video is %q", got.RecordingURL)
	}
}

func TestScheduleSessionsByTimeTrackAndColleagues(t *testing.T) {
	ctx := context.Background()
	brussels, _ := time.LoadLocation("Europe/Brussels")
	at := time.Date(2025, 2, 1, 11, 2, 0, 0, brussels)
	s, _ := openAt(t, &at)
	admin, alice, bob := user(t, s, "admin"), user(t, s, "alice"), user(t, s, "bob")
	c := importSchedule(t, s, admin, parsed(t, fosdemXML)).Conference
	running, total, err := s.ScheduleSessions(ctx, talkbot.ScheduleQuery{ConferenceID: c.ID, ViewerID: alice.ID, RunningFrom: at, RunningTo: at.Add(time.Nanosecond),
		Page: talkbot.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if total.N < 20 || len(running) != total.N {
		t.Fatalf("%d sessions running at 11:02 (total %+v), want a few dozen", len(running), total)
	}
	for i, x := range running {
		if x.StartsAt.After(at) || !x.EndsAt.After(at) || (i > 0 && x.StartsAt.Before(running[i-1].StartsAt)) {
			t.Errorf("%q (%v–%v) is not running at 11:02, or out of order", x.Title, x.StartsAt, x.EndsAt)
		}
	}
	rust, _, err := s.ScheduleSessions(ctx, talkbot.ScheduleQuery{ConferenceID: c.ID, Day: "2025-02-01", Events: []string{"Rust"}, Page: talkbot.Page{Limit: 100}})
	if err != nil || len(rust) == 0 {
		t.Fatalf("Rust track: %v, %v", rust, err)
	}
	for _, x := range rust {
		if x.Event != "Rust" || x.Day != "2025-02-01" {
			t.Errorf("%q in %q on %s", x.Title, x.Event, x.Day)
		}
	}
	pick := running[0].Talk
	if _, err := s.Apply(ctx, talkbot.Change{User: bob, TalkID: pick.ID, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, talkbot.Change{User: admin, TalkID: pick.ID, Log: talkbot.LogPatch{WatchLater: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx, talkbot.Change{User: alice, TalkID: pick.ID, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}}); err != nil {
		t.Fatal(err)
	}
	again, _, _ := s.ScheduleSessions(ctx, talkbot.ScheduleQuery{ConferenceID: c.ID, ViewerID: alice.ID, RunningFrom: at, RunningTo: at.Add(time.Nanosecond)})
	if x := again[0]; !slices.Equal(x.Attended, []string{"bob"}) || !slices.Equal(x.Want, []string{"admin"}) || x.Log.Status != talkbot.StatusAttended {
		t.Errorf("marks = attended %v, want %v, own %+v", x.Attended, x.Want, x.Log)
	}
	next, err := s.NextSessionStart(ctx, c.ID, time.Date(2025, 2, 2, 23, 0, 0, 0, brussels))
	if !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("next session after the end = %v, %v; want ErrNotFound", next, err)
	}
	tracks, err := s.Tracks(ctx, c.ID)
	if err != nil || len(tracks) < 60 || !slices.Contains(tracks, "Rust") {
		t.Errorf("%d tracks (%v)", len(tracks), err)
	}
}

func TestTitlesLikeFindsEarlyTypos(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)
	s, _ := openAt(t, &at)
	admin := user(t, s, "admin")
	c := importSchedule(t, s, admin, parsed(t, fosdemXML)).Conference
	for _, tc := range []struct{ typed, want string }{
		{"welcmoe fosdem", "Welcome to FOSDEM 2025"},
		{"wlecome fosdem", "Welcome to FOSDEM 2025"},
		{"prgoram learn creative coding", "Program to Learn: The Power of Creative Coding"},
	} {
		ts, err := s.TitlesLike(ctx, c.ID, strings.Fields(tc.typed), false, 200)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, x := range ts {
			found = found || x.Title == tc.want
		}
		if !found || len(ts) > 50 {
			t.Errorf("TitlesLike(%q) = %d candidates without %q", tc.typed, len(ts), tc.want)
		}
	}
	if ts, _ := s.TitlesLike(ctx, c.ID, []string{"a", "of"}, true, 10); len(ts) != 0 {
		t.Errorf("short words alone found %d titles", len(ts))
	}
}

func TestBadImportChangesNothing(t *testing.T) {
	at := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)
	s, path := openAt(t, &at)
	admin := user(t, s, "admin")
	before := conference(t, s, admin)
	good := parsed(t, mchPretalx)
	for name, imp := range map[string]talkbot.ScheduleImport{
		"no sessions":  {Conference: good.Conference},
		"no zone":      {Conference: talkbot.Conference{Name: "X"}, Sessions: good.Sessions},
		"duplicate id": {Conference: good.Conference, Sessions: append(slices.Clone(good.Sessions), good.Sessions[0])},
	} {
		if _, err := s.ImportSchedule(context.Background(), admin, imp); talkbot.ErrorCode(err) != talkbot.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	if n := countRows(t, path, `SELECT COUNT(*) FROM talks`); n != 0 {
		t.Errorf("%d talks after refused imports", n)
	}
	if after := conference(t, s, admin); after != before {
		t.Errorf("conference changed: %+v -> %+v", before, after)
	}
}

// searchTitles is the titles of what `search` finds.
func searchTitles(t *testing.T, s *store.Store, u talkbot.User, text string) []string {
	t.Helper()
	hits, _, err := s.Search(context.Background(), talkbot.SearchQuery{WorkspaceID: u.WorkspaceID, ViewerID: u.ID, Text: text, Page: talkbot.Page{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.Title)
	}
	return out
}

// ftsHits counts talk_fts rows an FTS5 query matches, read past the store.
func ftsHits(t *testing.T, path, match string) int {
	return countRows(t, path, `SELECT COUNT(*) FROM talk_fts WHERE talk_fts MATCH ?`, match)
}

// "constructionism" is in one FOSDEM 2025 abstract only, in no title.
const abstractWord, abstractTalk = "constructionism", "Program to Learn: The Power of Creative Coding"

// An import's talks go into talk_fts after its transaction, but a search
// as soon as the import has returned finds them by their abstracts, and
// nothing is left marked once the store has closed.
func TestImportedAbstractsAreSearchableOnceImportReturns(t *testing.T) {
	at := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)
	s, path := openAt(t, &at)
	u := user(t, s, "admin")
	importSchedule(t, s, u, parsed(t, fosdemXML))
	if got := searchTitles(t, s, u, abstractWord); !slices.Equal(got, []string{abstractTalk}) {
		t.Errorf("search %s right after the import = %q, want [%q]", abstractWord, got, abstractTalk)
	}
	if got := searchTitles(t, s, u, "creative coding"); !slices.Contains(got, abstractTalk) {
		t.Errorf("search by title = %q", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, path, `SELECT COUNT(*) FROM talks WHERE fts_pending = 1`); n != 0 {
		t.Errorf("%d talks still wait for their abstract to be indexed", n)
	}
	if n := ftsHits(t, path, "abstract: "+abstractWord); n != 1 {
		t.Errorf("talk_fts has %d rows with %s in the abstract, want 1", n, abstractWord)
	}
}

// A process that dies after an import committed but before its talks were
// put into talk_fts leaves them marked; the next Open indexes them, and a
// search or a typed title meanwhile waits for that.
func TestAbstractsLeftUnindexedAreIndexedOnOpen(t *testing.T) {
	at := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)
	s, path := openAt(t, &at)
	u := user(t, s, "admin")
	importSchedule(t, s, u, parsed(t, fosdemXML))
	s.Close()
	// The state the import's own transaction commits: its talks marked, and not in talk_fts.
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM talk_fts; DELETE FROM talk_trigrams; UPDATE talks SET fts_pending = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if n := ftsHits(t, path, "abstract: "+abstractWord); n != 0 {
		t.Fatalf("talk_fts still has the abstract (%d rows): the test does not leave it unindexed", n)
	}

	s, err = store.Open(context.Background(), path, store.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := searchTitles(t, s, u, abstractWord); !slices.Equal(got, []string{abstractTalk}) {
		t.Errorf("search %s after reopening = %q, want [%q]", abstractWord, got, abstractTalk)
	}
	got, err := s.TitleCandidates(context.Background(), conference(t, s, u).ID, "program to learn creative coding", 5)
	if err != nil || len(got) == 0 || got[0].Title != abstractTalk {
		t.Errorf("talks titled like %q: %d, first %q, %v", abstractTalk, len(got), firstTitle(got), err)
	}
	if n := ftsHits(t, path, "abstract: "+abstractWord); n != 1 {
		t.Errorf("talk_fts has %d rows with %s in the abstract after reopening, want 1", n, abstractWord)
	}
	if got, err := s.TitlesLike(context.Background(), conference(t, s, u).ID, []string{"constrcutionism", "porgram"}, false, 5); err != nil {
		t.Error(err)
	} else if len(got) != 0 {
		t.Errorf("an abstract's word found a title by its trigrams: %q", firstTitle(got))
	}
	if got, err := s.TitlesLike(context.Background(), conference(t, s, u).ID, []string{"porgram", "lerarn", "creatvie"}, false, 5); err != nil || len(got) != 1 || got[0].Title != abstractTalk {
		t.Errorf("a title typed with typos, by its trigrams: %d talks, first %q, %v", len(got), firstTitle(got), err)
	}
	if n := countRows(t, path, `SELECT COUNT(*) FROM talks WHERE fts_pending = 1`); n != 0 {
		t.Errorf("%d talks still wait for their abstract to be indexed", n)
	}
}

func firstTitle(ts []talkbot.Talk) string {
	if len(ts) == 0 {
		return ""
	}
	return ts[0].Title
}

// The conference proper begins with its first keynote: KubeCon EU 2026's
// on Tuesday, after the co-located events' Monday. MCH2022 has none.
func TestFirstKeynoteDay(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s, _ := openAt(t, &at)
	u := user(t, s, "admin")
	for _, tc := range []struct{ path, want string }{{schedICS, "2026-03-24"}, {mchPretalx, ""}} {
		res := importSchedule(t, s, u, parsed(t, tc.path))
		if got, err := s.FirstKeynoteDay(ctx, res.Conference.ID); err != nil || got != tc.want {
			t.Errorf("%s: first keynote on %q, %v; want %q", tc.path, got, err, tc.want)
		}
	}
}

// An undo of a user's tag on a scheduled talk leaves the room a re-import
// gave it since (it had put the talk back in its old room for everyone).
func TestUndoKeepsWhatAReimportChangedSince(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2022, 7, 23, 9, 0, 0, 0, time.UTC)
	s, _ := openAt(t, &at)
	u, bob := user(t, s, "admin"), user(t, s, "bob")
	imp := parsed(t, mchPretalx)
	importSchedule(t, s, u, imp)
	talk := talkOf(t, s, u, imp.Sessions[40].SourceID)
	if _, err := s.Apply(ctx, talkbot.Change{User: bob, TalkID: talk.ID, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)},
		Fill: talkbot.TalkPatch{AddTags: []string{"bootc"}}}); err != nil {
		t.Fatal(err)
	}
	next := parsed(t, mchPretalx)
	next.Sessions[40].Room = "Tent 42"
	importSchedule(t, s, u, next)
	if _, err := s.Undo(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	got := talkOf(t, s, u, imp.Sessions[40].SourceID)
	if got.Room != "Tent 42" || slices.Contains(got.Tags, "bootc") {
		t.Errorf("after bob's undo: room %q, tags %v; want the re-import's room and no bootc", got.Room, got.Tags)
	}
}
