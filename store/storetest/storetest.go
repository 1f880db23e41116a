// Package storetest is the conformance suite of talkbot's store port, the
// commands.Store interface: what each method returns, and what it does when
// nothing is found. store.Store (SQLite) runs it; a second store (PostgreSQL,
// for several replicas) must pass it too.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Open returns a new, empty store on the given clock; the suite closes nothing
// (register cleanup with t).
type Open func(t *testing.T, now func() time.Time) commands.Store

// Run runs every check against stores made by open.
func Run(t *testing.T, open Open) {
	checks := []struct {
		name string
		run  func(t *testing.T, s commands.Store, clock *Clock)
	}{
		{"UsersAreFoundOrCreated", usersAreFoundOrCreated},
		{"NotFoundIsAnError", notFoundIsAnError},
		{"ConferencesForTheUserOrTheTeam", conferencesForTheUserOrTheTeam},
		{"UserAndConferenceIsUserThenConference", userAndConferenceIsUserThenConference},
		{"ApplyFindsOrCreatesTalks", applyFindsOrCreatesTalks},
		{"ApplyKeepsSetFieldsWhenFilling", applyKeepsSetFieldsWhenFilling},
		{"NoChangeNoUndo", noChangeNoUndo},
		{"UndoWalksBack", undoWalksBack},
		{"ListsPageAndCount", listsPageAndCount},
		{"PrivateNotesStayWithTheirAuthor", privateNotesStayWithTheirAuthor},
		{"SearchStaysInItsWorkspace", searchStaysInItsWorkspace},
		{"WatchListGivesEveryReason", watchListGivesEveryReason},
		{"WatchListLikesTheFavouritesTags", watchListLikesTheFavouritesTags},
		{"TitlesWithWords", titlesWithWords},
		{"NoteEditsAreTheOwners", noteEditsAreTheOwners},
		{"ExportAndForget", exportAndForget},
		{"JournalIsTheOwners", journalIsTheOwners},
		{"RecommendationsName", recommendationsName},
		{"ImportIsKeyedOnSourceIDs", importIsKeyedOnSourceIDs},
		{"ScheduleSessionsByTime", scheduleSessionsByTime},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			clock := &Clock{t: time.Date(2024, 11, 13, 17, 0, 0, 0, time.UTC)}
			c.run(t, open(t, clock.Now), clock)
		})
	}
}

// Clock is the suite's clock: it moves only when a check says.
type Clock struct{ t time.Time }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { return c.t }

// Advance moves the clock on.
func (c *Clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

func ptr[T any](v T) *T { return &v }

// oneBySchedule is the one talk with that schedule id in the conference.
func oneBySchedule(t *testing.T, s commands.Store, conferenceID int64, id string) talkbot.Talk {
	t.Helper()
	ts, err := s.TalksBySchedule(context.Background(), conferenceID, id)
	if err != nil || len(ts) != 1 {
		t.Fatalf("talks with schedule id %s: %d, %v; want one", id, len(ts), err)
	}
	return ts[0]
}

// must returns v, failing the test on err: must(f())(t).
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func user(t *testing.T, s commands.Store, name string) talkbot.User {
	t.Helper()
	return must(s.User(context.Background(), talkbot.PlatformConsole, "local", name, name))(t)
}

func conf(t *testing.T, s commands.Store, u talkbot.User) talkbot.Conference {
	t.Helper()
	return must(s.CurrentConference(context.Background(), u))(t)
}

// add logs a new talk as attended, with the patch and note given.
func add(t *testing.T, s commands.Store, u talkbot.User, title, day string, p talkbot.LogPatch, note *talkbot.NoteDraft) talkbot.Outcome {
	t.Helper()
	if p.Status == nil {
		p.Status = ptr(talkbot.StatusAttended)
	}
	return must(s.Apply(context.Background(), talkbot.Change{User: u, Label: "add",
		NewTalk: &talkbot.Talk{ConferenceID: conf(t, s, u).ID, Title: title, Day: day}, Log: p, Note: note}))(t)
}

func usersAreFoundOrCreated(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a := must(s.User(ctx, talkbot.PlatformSlack, "T1", "U1", "Alice"))(t)
	again := must(s.User(ctx, talkbot.PlatformSlack, "T1", "U1", ""))(t)
	if again.ID != a.ID || again.Name != "Alice" {
		t.Errorf("found again as %+v; want the same user, name kept", again)
	}
	renamed := must(s.User(ctx, talkbot.PlatformSlack, "T1", "U1", "Alice B."))(t)
	if renamed.ID != a.ID || renamed.Name != "Alice B." {
		t.Errorf("renamed = %+v", renamed)
	}
	other := must(s.User(ctx, talkbot.PlatformSlack, "T2", "U1", "Alice"))(t)
	if other.WorkspaceID == a.WorkspaceID {
		t.Error("the same id in another workspace is the same user")
	}
	nameless := must(s.User(ctx, talkbot.PlatformSlack, "T1", "U9", ""))(t)
	if nameless.Name != "U9" {
		t.Errorf("a new user without a name is called %q, want their id", nameless.Name)
	}
	if got := must(s.FindUser(ctx, a.WorkspaceID, "alice b."))(t); got.ID != a.ID {
		t.Errorf("FindUser by name, any case = %+v", got)
	}
}

func notFoundIsAnError(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	u := user(t, s, "alice")
	c := conf(t, s, u)
	checks := map[string]error{}
	_, checks["FindUser"] = s.FindUser(ctx, u.WorkspaceID, "nobody")
	_, checks["Talk"] = s.Talk(ctx, u.WorkspaceID, 999)
	_, checks["TalkByScheduleInWorkspace"] = s.TalkByScheduleInWorkspace(ctx, u.WorkspaceID, "NOPE1")
	_, checks["UserLog"] = s.UserLog(ctx, u.ID, 999)
	_, checks["UserNote"] = s.UserNote(ctx, u.ID, 999)
	_, checks["TalkDetail"] = s.TalkDetail(ctx, u.WorkspaceID, u.ID, 999)
	_, checks["UseConference"] = s.UseConference(ctx, u, "Nowhere Con", false)
	rate := talkbot.LogPatch{Rating: ptr(4)}
	_, checks["Apply"] = s.Apply(ctx, talkbot.Change{User: u, Label: "rate", TalkID: 999, Log: rate})
	other := must(s.User(ctx, talkbot.PlatformSlack, "T2", "U2", "Bob"))(t)
	elsewhere := add(t, s, other, "Another Team's Talk", "", talkbot.LogPatch{}, nil).Talk
	_, checks["Apply on another workspace's talk"] = s.Apply(ctx, talkbot.Change{User: u, Label: "rate", TalkID: elsewhere.ID, Log: rate})
	for name, err := range checks {
		if !errors.Is(err, talkbot.ErrNotFound) {
			t.Errorf("%s of nothing: %v, want ErrNotFound", name, err)
		}
	}
	if _, err := s.Undo(ctx, u.ID); !errors.Is(err, talkbot.ErrNoUndo) {
		t.Errorf("Undo with no history: %v, want ErrNoUndo", err)
	}
	ts, err := s.TalksByTitle(ctx, c.ID, "nothing like it")
	if err != nil || len(ts) != 0 {
		t.Errorf("TalksByTitle of nothing = %v, %v; want none and no error", ts, err)
	}
	ls, total, err := s.ListTalks(ctx, talkbot.ListQuery{ConferenceID: c.ID, UserID: u.ID})
	if err != nil || len(ls) != 0 || total != (talkbot.Total{}) {
		t.Errorf("ListTalks of nothing = %v, %+v, %v", ls, total, err)
	}
	if c.Name != "General" {
		t.Errorf("a fresh install's conference is %q, want General", c.Name)
	}
}

// userAndConferenceIsUserThenConference checks the one read every command
// starts with against the two it stands for, as users and conferences come
// and change.
func userAndConferenceIsUserThenConference(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	same := func(when, id, name string) {
		t.Helper()
		u, c, err := s.UserAndConference(ctx, talkbot.PlatformSlack, "T7", id, name, "")
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		wu := must(s.User(ctx, talkbot.PlatformSlack, "T7", id, name))(t)
		if wc := must(s.CurrentConference(ctx, wu))(t); !reflect.DeepEqual(u, wu) || !reflect.DeepEqual(c, wc) {
			t.Errorf("%s: %+v on %+v, want %+v on %+v", when, u, c, wu, wc)
		}
	}
	same("a new user in a new workspace", "U1", "Carol")
	same("known", "U1", "Carol")
	same("nameless", "U1", "")
	same("renamed", "U1", "Carol D.")
	same("a second user", "U2", "Dan")
	carol := must(s.User(ctx, talkbot.PlatformSlack, "T7", "U1", ""))(t)
	must(s.CreateConference(ctx, carol, talkbot.Conference{Name: "KubeCon", Timezone: "Europe/London"}, true))(t)
	same("after the team's conf new", "U2", "Dan")
	must(s.CreateConference(ctx, carol, talkbot.Conference{Name: "Carolcon", Timezone: "UTC"}, false))(t)
	same("after her own conf new", "U1", "Carol D.")
	if _, c, _ := s.UserAndConference(ctx, talkbot.PlatformSlack, "T7", "U1", "", ""); c.Name != "Carolcon" {
		t.Errorf("carol is on %q, want Carolcon", c.Name)
	}
}

func conferencesForTheUserOrTheTeam(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	general := conf(t, s, a)
	add(t, s, a, "Logged Before Any Conference", "2024-01-10", talkbot.LogPatch{}, nil) // keeps General: a day outside KubeCon's week
	kc := must(s.CreateConference(ctx, a, talkbot.Conference{Name: "KubeCon", StartsOn: "2024-11-13", EndsOn: "2024-11-15", Timezone: "America/Denver"}, true))(t)
	if got := conf(t, s, b); got.ID != kc.ID || got.Timezone != "America/Denver" {
		t.Errorf("after the team's conf new, bob is on %+v", got)
	}
	mine := must(s.CreateConference(ctx, b, talkbot.Conference{Name: "Bobcon", Timezone: "UTC"}, false))(t)
	if got := conf(t, s, b); got.ID != mine.ID {
		t.Errorf("bob's own conf new left him on %q", got.Name)
	}
	if got := conf(t, s, a); got.ID != kc.ID {
		t.Errorf("bob's own conf new moved alice to %q", got.Name)
	}
	if _, err := s.CreateConference(ctx, a, talkbot.Conference{Name: "kubecon", Timezone: "UTC"}, true); talkbot.ErrorCode(err) != talkbot.ECONFLICT {
		t.Errorf("a second KubeCon: %v, want a conflict", err)
	}
	// Case in any script: SÉCURITÉ DAYS is Sécurité Days, for use and for new.
	sec := must(s.CreateConference(ctx, b, talkbot.Conference{Name: "Sécurité Days 2026", Timezone: "Europe/Paris"}, false))(t)
	if _, err := s.CreateConference(ctx, a, talkbot.Conference{Name: "SÉCURITÉ DAYS 2026", Timezone: "UTC"}, true); talkbot.ErrorCode(err) != talkbot.ECONFLICT {
		t.Errorf("a second Sécurité Days in capitals: %v, want a conflict", err)
	}
	if got, err := s.UseConference(ctx, b, "SÉCURITÉ DAYS 2026", false); err != nil || got.ID != sec.ID {
		t.Errorf("conf use SÉCURITÉ DAYS 2026 = %+v, %v", got, err)
	}
	// The same letters beat the same words: with "Sécurité: Days 2026" there too, SÉCURITÉ DAYS 2026 is Sécurité Days 2026.
	if _, err := s.CreateConference(ctx, b, talkbot.Conference{Name: "Sécurité: Days 2026", Timezone: "UTC"}, false); talkbot.ErrorCode(err) != talkbot.ECONFLICT {
		t.Errorf("Sécurité: Days 2026 beside Sécurité Days 2026: %v, want a conflict", err)
	}
	must(s.UseConference(ctx, b, "General", false))(t)
	if got := conf(t, s, b); got.ID != general.ID {
		t.Errorf("bob's conf use General left him on %q", got.Name)
	}
	if err := s.SetConferenceVideos(ctx, kc.ID, "https://www.youtube.com/playlist?list=PL1"); err != nil {
		t.Fatal(err)
	}
	if got := conf(t, s, a); got.VideosURL != "https://www.youtube.com/playlist?list=PL1" {
		t.Errorf("videos = %q", got.VideosURL)
	}
	if cs := must(s.Conferences(ctx, a.WorkspaceID))(t); len(cs) != 4 { // General, KubeCon, Bobcon, Sécurité Days
		t.Errorf("%d conferences, want 4", len(cs))
	}
}

func applyFindsOrCreatesTalks(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	first := add(t, s, a, "Keynote", "2023-04-19", talkbot.LogPatch{Rating: ptr(4)}, nil)
	if !first.Created || first.Log.Rating != 4 || first.Talk.CreatedBy != a.ID {
		t.Errorf("first add = %+v", first)
	}
	shared := add(t, s, b, "keynote!", "2023-04-19", talkbot.LogPatch{}, nil)
	if shared.Created || shared.Talk.ID != first.Talk.ID {
		t.Errorf("bob's add of the same talk made #%d", shared.Talk.ID)
	}
	day2 := add(t, s, a, "Keynote", "2023-04-20", talkbot.LogPatch{}, nil)
	if !day2.Created {
		t.Error("the same title on another day is the same talk")
	}
	withID := must(s.Apply(ctx, talkbot.Change{User: a, Label: "add", NewTalk: &talkbot.Talk{ConferenceID: conf(t, s, a).ID,
		Title: "Schedule entry 182HU", ScheduleID: "182HU", Speakers: []talkbot.Speaker{{Name: "Pablo", Org: "Ambassador Labs"}},
		Links: []string{"https://github.com/x/y"}}, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}}))(t)
	bySchedule := oneBySchedule(t, s, conf(t, s, a).ID, "182HU")
	if bySchedule.ID != withID.Talk.ID || !slices.Equal(bySchedule.Speakers, []talkbot.Speaker{{Name: "Pablo", Org: "Ambassador Labs"}}) ||
		!slices.Equal(bySchedule.Links, []string{"https://github.com/x/y"}) {
		t.Errorf("by schedule id = %+v", bySchedule)
	}
	if ts := must(s.TalksByTitle(ctx, conf(t, s, a).ID, "KEYNOTE"))(t); len(ts) != 2 || ts[0].ID != first.Talk.ID {
		t.Errorf("TalksByTitle = %v", ts)
	}
}

func applyKeepsSetFieldsWhenFilling(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	talk := add(t, s, a, "A Talk", "", talkbot.LogPatch{}, nil).Talk
	must(s.Apply(ctx, talkbot.Change{User: a, TalkID: talk.ID, Talk: talkbot.TalkPatch{Room: ptr("W183"), AddTags: []string{"ebpf"}}}))(t)
	out := must(s.Apply(ctx, talkbot.Change{User: b, TalkID: talk.ID, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)},
		Fill: talkbot.TalkPatch{Room: ptr("Hall 7"), Event: ptr("Rejekts"), AddTags: []string{"other"}}}))(t)
	if out.Talk.Room != "W183" || out.Talk.Event != "Rejekts" || !slices.Equal(out.Talk.Tags, []string{"ebpf"}) {
		t.Errorf("after bob's fill: room %q event %q tags %v; want W183, Rejekts, [ebpf]", out.Talk.Room, out.Talk.Event, out.Talk.Tags)
	}
}

func noChangeNoUndo(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a := user(t, s, "alice")
	talk := add(t, s, a, "A Talk", "", talkbot.LogPatch{Rating: ptr(3)}, nil).Talk
	out := must(s.Apply(ctx, talkbot.Change{User: a, Label: "rate", TalkID: talk.ID, Log: talkbot.LogPatch{Rating: ptr(3)}}))(t)
	if !out.Unchanged {
		t.Error("rating 3 again changed something")
	}
	if u := must(s.Undo(ctx, a.ID))(t); u.Label != "add" {
		t.Errorf("undo after the no-op undid %q, want the add", u.Label)
	}
}

func undoWalksBack(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a := user(t, s, "alice")
	out := add(t, s, a, "A Talk", "", talkbot.LogPatch{Rating: ptr(3)}, &talkbot.NoteDraft{Text: "good", Visibility: talkbot.VisibilityTeam})
	must(s.Apply(ctx, talkbot.Change{User: a, Label: "rate", TalkID: out.Talk.ID, Log: talkbot.LogPatch{Rating: ptr(5)}}))(t)
	must(s.Apply(ctx, talkbot.Change{User: a, Label: "delete", TalkID: out.Talk.ID, DeleteLog: true}))(t)
	if _, err := s.Talk(ctx, a.WorkspaceID, out.Talk.ID); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("a talk nobody else used survived its creator's delete: %v", err)
	}
	u := must(s.Undo(ctx, a.ID))(t)
	if u.Label != "delete" || !u.TalkRestored || len(u.NotesRestored) != 1 {
		t.Errorf("undo of the delete = %+v", u)
	}
	u = must(s.Undo(ctx, a.ID))(t)
	if u.Label != "rate" || u.LogBefore == nil || u.LogBefore.Rating != 3 || u.LogAfter.Rating != 5 {
		t.Errorf("undo of the rating = %+v", u)
	}
	u = must(s.Undo(ctx, a.ID))(t)
	if u.Label != "add" || !u.TalkRemoved || len(u.NotesRemoved) != 1 {
		t.Errorf("undo of the add = %+v", u)
	}
}

func listsPageAndCount(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a := user(t, s, "alice")
	for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
		add(t, s, a, title, "2024-11-13", talkbot.LogPatch{Rating: ptr(5)}, nil)
	}
	c := conf(t, s, a)
	page, total, err := s.ListTalks(ctx, talkbot.ListQuery{ConferenceID: c.ID, UserID: a.ID, Page: talkbot.Page{Offset: 2, Limit: 2}})
	if err != nil || len(page) != 2 || total.N != 5 || total.More || page[0].Title != "Three" {
		t.Errorf("list page 2 = %v, %+v, %v", titles(page), total, err)
	}
	// A page past the end still says how many there are, and the team's list counts too.
	if page, total, err := s.ListTalks(ctx, talkbot.ListQuery{ConferenceID: c.ID, UserID: a.ID, Page: talkbot.Page{Offset: 6, Limit: 2}}); err != nil || len(page) != 0 || total.N != 5 {
		t.Errorf("list past the end = %v, %+v, %v", titles(page), total, err)
	}
	if page, total, err := s.ListTalks(ctx, talkbot.ListQuery{ConferenceID: c.ID, ViewerID: a.ID, Page: talkbot.Page{Offset: 4, Limit: 2}}); err != nil || len(page) != 1 || total.N != 5 {
		t.Errorf("team list page 3 = %v, %+v, %v", titles(page), total, err)
	}
	hs, total, err := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: c.ID, Page: talkbot.Page{Offset: 4, Limit: 2}})
	if err != nil || len(hs) != 1 || total.N != 5 {
		t.Errorf("highlights page 3 = %v, %+v, %v", titles(hs), total, err)
	}
	hits, total, err := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: a.WorkspaceID, ViewerID: a.ID, Text: "three", Page: talkbot.Page{Limit: 10}})
	if err != nil || len(hits) != 1 || total.N != 1 {
		t.Errorf("search = %d hits, %+v, %v", len(hits), total, err)
	}
}

func titles(ts []talkbot.TalkSummary) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Title)
	}
	return out
}

func privateNotesStayWithTheirAuthor(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	out := add(t, s, a, "A Talk", "", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "zebrafish secret", Visibility: talkbot.VisibilityPrivate})
	mine := must(s.TalkDetail(ctx, a.WorkspaceID, a.ID, out.Talk.ID))(t)
	theirs := must(s.TalkDetail(ctx, a.WorkspaceID, b.ID, out.Talk.ID))(t)
	shared := must(s.TalkDetail(ctx, a.WorkspaceID, 0, out.Talk.ID))(t)
	if len(mine.Notes) != 1 || len(theirs.Notes) != 0 || len(shared.Notes) != 0 {
		t.Errorf("notes seen: author %d, bob %d, shared %d; want 1, 0, 0", len(mine.Notes), len(theirs.Notes), len(shared.Notes))
	}
	if hits, _, _ := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: a.WorkspaceID, ViewerID: b.ID, Text: "zebrafish"}); len(hits) != 0 {
		t.Errorf("bob's search found alice's private note")
	}
	if hits, _, _ := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: a.WorkspaceID, ViewerID: a.ID, Text: "zebrafish"}); len(hits) != 1 {
		t.Errorf("alice's search misses her own private note")
	}
}

func searchStaysInItsWorkspace(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a := user(t, s, "alice")
	other := must(s.User(ctx, talkbot.PlatformSlack, "T-OTHER", "U1", "eve"))(t)
	add(t, s, a, "eBPF for everyone", "", talkbot.LogPatch{}, nil)
	if hits, total, _ := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: other.WorkspaceID, ViewerID: other.ID, Text: "ebpf"}); len(hits) != 0 || total.N != 0 {
		t.Errorf("another workspace's search found %d talks", len(hits))
	}
}

func watchListGivesEveryReason(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	missed := add(t, s, a, "Room Full", "", talkbot.LogPatch{Status: ptr(talkbot.StatusMissed), Reason: ptr("room full"), WatchLater: ptr(true)}, nil).Talk
	must(s.Apply(ctx, talkbot.Change{User: b, TalkID: missed.ID, Log: talkbot.LogPatch{Rating: ptr(5)}, RecommendTo: []int64{a.ID}}))(t)
	seen := add(t, s, b, "Seen", "", talkbot.LogPatch{Rating: ptr(5)}, nil).Talk
	must(s.Apply(ctx, talkbot.Change{User: a, TalkID: seen.ID, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}}))(t)
	sg, total, err := s.WatchList(ctx, a, conf(t, s, a).ID, talkbot.WatchFilters{}, talkbot.Page{Limit: 10})
	if err != nil || total.N != 1 || len(sg) != 1 {
		t.Fatalf("watch list = %+v, %+v, %v; want the missed talk alone", sg, total, err)
	}
	if g := sg[0]; !g.Missed || g.MissedReason != "room full" || !slices.Equal(g.From, []string{"bob"}) || len(g.Ratings) != 1 {
		t.Errorf("suggestion = %+v; want missed (room full), recommended by bob, bob's 5/5", g)
	}
}

// Talks sharing a tag with the user's 4-5★ talks are suggested, the team's
// highlights and talks only logged alike; a question with a rating keeps
// those a colleague rated that well.
func watchListLikesTheFavouritesTags(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	c := conf(t, s, a)
	tagged := func(u talkbot.User, title, tag string, rating int) talkbot.Talk {
		return must(s.Apply(ctx, talkbot.Change{User: u, Label: "add", Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended), Rating: ptr(rating)},
			NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: title, Tags: []string{tag}}}))(t).Talk
	}
	tagged(a, "Alice's Favourite", "ebpf", 5)
	loved := tagged(b, "Loved eBPF", "ebpf", 5)   // a team highlight
	logged := tagged(b, "Logged eBPF", "ebpf", 2) // only logged
	tagged(b, "Some Rust", "rust", 2)
	sg, _, err := s.WatchList(ctx, a, c.ID, talkbot.WatchFilters{}, talkbot.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64][]string{}
	for _, g := range sg {
		got[g.ID] = g.SharedTags
	}
	if len(got) != 2 || !slices.Equal(got[loved.ID], []string{"ebpf"}) || !slices.Equal(got[logged.ID], []string{"ebpf"}) {
		t.Errorf("suggestions = %v; want #%d and #%d, each for #ebpf", got, loved.ID, logged.ID)
	}
	sg, _, err = s.WatchList(ctx, a, c.ID, talkbot.WatchFilters{MinRating: 5}, talkbot.Page{Limit: 10})
	if err != nil || len(sg) != 1 || sg[0].ID != loved.ID || sg[0].BestRating != 5 {
		t.Errorf("rated 5 = %+v, %v; want #%d alone, best rating 5", sg, err, loved.ID)
	}
}

func titlesWithWords(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a := user(t, s, "alice")
	add(t, s, a, "Writing your own Rust linter", "2024-11-13", talkbot.LogPatch{}, nil)
	c := conf(t, s, a)
	exact := must(s.TitlesWithWords(ctx, c.ID, []string{"writing", "rust", "linter"}, false, 10))(t)
	if len(exact) != 1 || exact[0].Title != "Writing your own Rust linter" || exact[0].Day != "2024-11-13" {
		t.Errorf("whole words = %+v", exact)
	}
	if none := must(s.TitlesWithWords(ctx, c.ID, []string{"writing", "rust", "lintr"}, false, 10))(t); len(none) != 0 {
		t.Errorf("a typo matched as a whole word: %+v", none)
	}
	if typo := must(s.TitlesWithWords(ctx, c.ID, []string{"writng", "rust", "lintr"}, true, 10))(t); len(typo) != 1 {
		t.Errorf("with typos = %+v, want the talk", typo)
	}
}

func noteEditsAreTheOwners(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	out := add(t, s, a, "A Talk", "", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "first", Visibility: talkbot.VisibilityTeam})
	if _, err := s.UserNote(ctx, b.ID, out.Note.ID); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("bob reads alice's note as his: %v", err)
	}
	_, err := s.Apply(ctx, talkbot.Change{User: b, TalkID: out.Talk.ID, EditNote: &talkbot.NoteEdit{NoteID: out.Note.ID, Delete: true}})
	if talkbot.ErrorCode(err) != talkbot.ENOTFOUND {
		t.Errorf("bob deleting alice's note: %v, want not found", err)
	}
	edited := must(s.Apply(ctx, talkbot.Change{User: a, Label: "note edit", TalkID: out.Talk.ID, EditNote: &talkbot.NoteEdit{NoteID: out.Note.ID, Text: ptr("second")}}))(t)
	if edited.Note == nil || edited.Note.Text != "second" || edited.NoteBefore.Text != "first" {
		t.Errorf("edit outcome = %+v", edited)
	}
	if ns := must(s.UserNotes(ctx, a.ID, out.Talk.ID))(t); len(ns) != 1 || ns[0].Text != "second" {
		t.Errorf("notes = %+v", ns)
	}
}

func exportAndForget(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	out := add(t, s, a, "A Talk", "", talkbot.LogPatch{Rating: ptr(5)}, &talkbot.NoteDraft{Text: "mine alone", Visibility: talkbot.VisibilityPrivate})
	add(t, s, b, "A Talk", "", talkbot.LogPatch{Rating: ptr(4)}, &talkbot.NoteDraft{Text: "bob's", Visibility: talkbot.VisibilityTeam})
	ex := must(s.Export(ctx, a))(t)
	if len(ex.Conferences) != 1 || len(ex.Conferences[0].Talks) != 1 {
		t.Fatalf("export = %+v", ex)
	}
	if got := ex.Conferences[0].Talks[0]; got.Log.Rating != 5 || len(got.Notes) != 1 || got.Notes[0].Text != "mine alone" {
		t.Errorf("exported talk = %+v; want alice's 5/5 and only her own note", got)
	}
	f := must(s.ForgetUser(ctx, a.ID))(t)
	if f.Logs != 1 || f.Notes != 1 {
		t.Errorf("forgot %+v", f)
	}
	d := must(s.TalkDetail(ctx, b.WorkspaceID, b.ID, out.Talk.ID))(t)
	if len(d.Logs) != 1 || d.Logs[0].UserName != "bob" {
		t.Errorf("after forget, logs = %+v", d.Logs)
	}
}
