package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

var clock = func() time.Time { return time.Date(2024, 11, 13, 17, 0, 0, 0, time.UTC) }

func open(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "talkbot.db")
	s, err := store.Open(context.Background(), path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func user(t *testing.T, s *store.Store, name string) talkbot.User {
	t.Helper()
	u, err := s.User(context.Background(), talkbot.PlatformConsole, "local", name, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func conference(t *testing.T, s *store.Store, u talkbot.User) talkbot.Conference {
	t.Helper()
	c, err := s.CurrentConference(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func addTalk(t *testing.T, s *store.Store, u talkbot.User, title string, p talkbot.LogPatch, note *talkbot.NoteDraft) talkbot.Outcome {
	t.Helper()
	c := conference(t, s, u)
	if p.Status == nil {
		p.Status = ptr(talkbot.StatusAttended)
	}
	out, err := s.Apply(context.Background(), talkbot.Change{User: u, Label: "add",
		NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: title, Day: "2024-11-13"}, Log: p, Note: note})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	v, err := s.Version(ctx)
	if err != nil || v < 1 {
		t.Fatalf("Version = %d, %v; want >= 1", v, err)
	}
	s.Close()
	s2, err := store.Open(ctx, path, store.Options{Now: clock})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	if v2, _ := s2.Version(ctx); v2 != v {
		t.Errorf("version after reopen = %d, want %d", v2, v)
	}
}

func TestUserIsFoundOrCreatedAndRenamed(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a := user(t, s, "alice")
	again, err := s.User(ctx, talkbot.PlatformConsole, "local", "alice", "Alice Liddell")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != a.ID || again.Name != "Alice Liddell" {
		t.Errorf("second lookup = %+v, want same id %d renamed", again, a.ID)
	}
	other, err := s.User(ctx, talkbot.PlatformSlack, "T1", "alice", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if other.WorkspaceID == a.WorkspaceID {
		t.Error("a Slack user landed in the console workspace")
	}
	if _, err := s.FindUser(ctx, a.WorkspaceID, "ALICE LIDDELL"); err != nil {
		t.Errorf("FindUser by name, any case: %v", err)
	}
	if _, err := s.FindUser(ctx, a.WorkspaceID, "nobody"); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("FindUser(nobody) err = %v, want ErrNotFound", err)
	}
}

func TestTwoUsersShareOneTalk(t *testing.T) {
	s, _ := open(t)
	a, b := user(t, s, "alice"), user(t, s, "bob")
	first := addTalk(t, s, a, "Cgroupv2 Is Coming Soon To a Cluster Near You", talkbot.LogPatch{}, nil)
	second := addTalk(t, s, b, "cgroupv2 is coming soon to a cluster near you!", talkbot.LogPatch{}, nil)
	if !first.Created || second.Created || first.Talk.ID != second.Talk.ID {
		t.Fatalf("talks %d (created %v) and %d (created %v); want one shared talk", first.Talk.ID, first.Created, second.Talk.ID, second.Created)
	}

	c := conference(t, s, a)
	bySchedule := func(u talkbot.User, title string) talkbot.Outcome {
		out, err := s.Apply(context.Background(), talkbot.Change{User: u, NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: title,
			ScheduleID: "182HU", ScheduleURL: "https://kccncna2022.sched.com/event/182HU"}, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	x, y := bySchedule(a, "Resize Your Pods"), bySchedule(b, "Resize your pods in place (different title)")
	if x.Talk.ID != y.Talk.ID {
		t.Errorf("same schedule id gave talks %d and %d", x.Talk.ID, y.Talk.ID)
	}
}

func TestHighlightsRankByTeamRatingsAndUndoRestoresThem(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, b, c := user(t, s, "alice"), user(t, s, "bob"), user(t, s, "carol")
	keda := addTalk(t, s, a, "KEDA", talkbot.LogPatch{Rating: ptr(5)}, nil).Talk
	addTalk(t, s, b, "KEDA", talkbot.LogPatch{Rating: ptr(4)}, nil)
	ebpf := addTalk(t, s, c, "eBPF", talkbot.LogPatch{Rating: ptr(5), Starred: ptr(true)}, nil).Talk
	addTalk(t, s, a, "Boring", talkbot.LogPatch{Rating: ptr(2)}, nil)
	conf := conference(t, s, a)

	ids := func() []int64 {
		hs, _, err := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: conf.ID})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, h := range hs {
			out = append(out, h.ID)
		}
		return out
	}
	if got, want := fmt.Sprint(ids()), fmt.Sprint([]int64{keda.ID, ebpf.ID}); got != want {
		t.Fatalf("highlights = %s, want %s (two highlighters beat one; 2/5 is no highlight)", got, want)
	}
	// Bob lowers his rating: KEDA has one highlighter, eBPF wins on its star.
	if _, err := s.Apply(ctx, talkbot.Change{User: b, TalkID: keda.ID, Log: talkbot.LogPatch{Rating: ptr(2)}}); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids()), fmt.Sprint([]int64{ebpf.ID, keda.ID}); got != want {
		t.Fatalf("after bob's 2/5 highlights = %s, want %s", got, want)
	}
	if _, err := s.Undo(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids()), fmt.Sprint([]int64{keda.ID, ebpf.ID}); got != want {
		t.Errorf("after undo highlights = %s, want %s", got, want)
	}
	mine, _, err := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: conf.ID, UserID: a.ID})
	if err != nil || len(mine) != 1 || mine[0].ID != keda.ID {
		t.Errorf("alice's highlights = %v, %v; want only KEDA", mine, err)
	}
}

func TestPrivateNotesStayWithTheirAuthor(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, b := user(t, s, "alice"), user(t, s, "bob")
	talk := addTalk(t, s, a, "OpenTelemetry: What's Next", talkbot.LogPatch{},
		&talkbot.NoteDraft{Text: "ask about zebrafish sampling", Visibility: talkbot.VisibilityPrivate}).Talk
	addTalk(t, s, a, "OpenTelemetry: What's Next", talkbot.LogPatch{},
		&talkbot.NoteDraft{Text: "great roadmap slide", Visibility: talkbot.VisibilityTeam})

	for _, tc := range []struct {
		viewer talkbot.User
		want   int
	}{{a, 2}, {b, 1}} {
		d, err := s.TalkDetail(ctx, a.WorkspaceID, tc.viewer.ID, talk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Notes) != tc.want {
			t.Errorf("%s sees %d notes, want %d", tc.viewer.Name, len(d.Notes), tc.want)
		}
	}
	if hits, _, _ := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: a.WorkspaceID, ViewerID: b.ID, Text: "zebrafish"}); len(hits) != 0 {
		t.Errorf("bob's search found alice's private note: %+v", hits)
	}
	if hits, _, _ := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: a.WorkspaceID, ViewerID: a.ID, Text: "zebrafish"}); len(hits) != 1 {
		t.Errorf("alice's search for her own private note found %d talks, want 1", len(hits))
	}
	ex, err := s.Export(ctx, b)
	if err != nil || len(ex.Conferences) != 0 {
		t.Errorf("bob's export = %+v, %v; want nothing (he logged nothing)", ex, err)
	}
}

func TestDeleteAndUndoRestoreEverything(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a := user(t, s, "alice")
	out := addTalk(t, s, a, "Typo talk", talkbot.LogPatch{Rating: ptr(5)}, &talkbot.NoteDraft{Text: "note", Visibility: talkbot.VisibilityTeam})
	if _, err := s.Apply(ctx, talkbot.Change{User: a, TalkID: out.Talk.ID, DeleteLog: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Talk(ctx, a.WorkspaceID, out.Talk.ID); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("the talk only alice used survived her delete: %v", err)
	}
	if _, err := s.Undo(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	d, err := s.TalkDetail(ctx, a.WorkspaceID, a.ID, out.Talk.ID)
	if err != nil {
		t.Fatalf("talk not restored: %v", err)
	}
	if len(d.Logs) != 1 || d.Logs[0].Rating != 5 || len(d.Notes) != 1 {
		t.Errorf("restored %+v, want alice's 5/5 log and her note", d)
	}
	// Undo the delete, then the add itself: the talk is gone again, and then there is nothing left.
	if _, err := s.Undo(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Talk(ctx, a.WorkspaceID, out.Talk.ID); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("undoing the add left the talk: %v", err)
	}
	if _, err := s.Undo(ctx, a.ID); !errors.Is(err, talkbot.ErrNoUndo) {
		t.Errorf("third undo err = %v, want ErrNoUndo", err)
	}
}

func TestFailedChangeLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a := user(t, s, "alice")
	c := conference(t, s, a)
	// The note's visibility breaks a CHECK constraint after the talk and log are written.
	_, err := s.Apply(ctx, talkbot.Change{User: a, NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: "Half written"},
		Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}, Note: &talkbot.NoteDraft{Text: "x", Visibility: "public"}})
	if err == nil {
		t.Fatal("Apply with a bad note succeeded")
	}
	if ts, _ := s.TalksByTitle(ctx, c.ID, "Half written"); len(ts) != 0 {
		t.Errorf("a failed change left talk %+v", ts)
	}
	if _, err := s.Undo(ctx, a.ID); !errors.Is(err, talkbot.ErrNoUndo) {
		t.Errorf("a failed change left history: %v", err)
	}
}

func TestForgetUserRemovesTheirDataAndRatings(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, b := user(t, s, "alice"), user(t, s, "bob")
	talk := addTalk(t, s, a, "KEDA", talkbot.LogPatch{Rating: ptr(5)}, &talkbot.NoteDraft{Text: "alice's note", Visibility: talkbot.VisibilityTeam}).Talk
	addTalk(t, s, b, "KEDA", talkbot.LogPatch{Rating: ptr(3)}, nil)
	f, err := s.ForgetUser(ctx, a.ID)
	if err != nil || f.Logs != 1 || f.Notes != 1 {
		t.Fatalf("ForgetUser = %+v, %v; want 1 log, 1 note", f, err)
	}
	d, err := s.TalkDetail(ctx, b.WorkspaceID, b.ID, talk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Logs) != 1 || d.Logs[0].UserName != "bob" || len(d.Notes) != 0 {
		t.Errorf("after forgetting alice the talk shows %+v", d)
	}
	hs, _, _ := s.Highlights(ctx, talkbot.HighlightQuery{ConferenceID: talk.ConferenceID})
	if len(hs) != 0 {
		t.Errorf("alice's 5/5 still counts in highlights: %+v", hs)
	}
}

// A talk only the forgotten user typed in and used goes with them: its
// title may be personal ("Interview with Acme about leaving my job").
func TestForgetUserDeletesTheTalksOnlyTheyUsed(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	d, e := user(t, s, "dave"), user(t, s, "erin")
	own := addTalk(t, s, d, "Interview with Acme about leaving my job", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "went well", Visibility: talkbot.VisibilityPrivate}).Talk
	shared := addTalk(t, s, d, "KEDA Deep Dive", talkbot.LogPatch{}, nil).Talk
	addTalk(t, s, e, "KEDA Deep Dive", talkbot.LogPatch{Rating: ptr(4)}, nil)
	recommended := addTalk(t, s, d, "Recommended to erin", talkbot.LogPatch{}, nil).Talk
	if _, err := s.Apply(ctx, talkbot.Change{User: d, TalkID: recommended.ID, RecommendTo: []int64{e.ID}}); err != nil {
		t.Fatal(err)
	}
	f, err := s.ForgetUser(ctx, d.ID)
	if err != nil || f.Talks != 2 {
		t.Fatalf("ForgetUser = %+v, %v; want 2 talks deleted", f, err)
	}
	for _, id := range []int64{own.ID, recommended.ID} {
		if _, err := s.Talk(ctx, d.WorkspaceID, id); !errors.Is(err, talkbot.ErrNotFound) {
			t.Errorf("talk #%d kept: %v", id, err)
		}
	}
	if _, err := s.Talk(ctx, e.WorkspaceID, shared.ID); err != nil {
		t.Errorf("the talk erin logged too: %v", err)
	}
	hits, _, err := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: e.WorkspaceID, ViewerID: e.ID, Text: "Acme"})
	if err != nil || len(hits) != 0 {
		t.Errorf("search Acme after forget me = %+v, %v", hits, err)
	}
}

// A talk whose last log a colleague deleted stays when its creator is
// forgotten: the colleague's undo brings their log back onto it.
func TestForgetUserKeepsATalkAColleaguesUndoNeeds(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, b := user(t, s, "alice"), user(t, s, "bob")
	talk := addTalk(t, s, a, "My Personal Interview Talk", talkbot.LogPatch{}, nil).Talk
	addTalk(t, s, b, "My Personal Interview Talk", talkbot.LogPatch{Rating: ptr(4)}, &talkbot.NoteDraft{Text: "bob's own note", Visibility: talkbot.VisibilityTeam})
	if _, err := s.Apply(ctx, talkbot.Change{User: b, TalkID: talk.ID, DeleteLog: true}); err != nil {
		t.Fatal(err)
	}
	if f, err := s.ForgetUser(ctx, a.ID); err != nil || f.Talks != 0 {
		t.Fatalf("ForgetUser = %+v, %v; want the talk kept", f, err)
	}
	u, err := s.Undo(ctx, b.ID)
	if err != nil || u.TalkGone {
		t.Fatalf("bob's undo = %+v, %v", u, err)
	}
	if l, err := s.UserLog(ctx, b.ID, talk.ID); err != nil || l.Rating != 4 {
		t.Errorf("bob's log = %+v, %v", l, err)
	}
}

func TestWatchListReasons(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, b, c := user(t, s, "alice"), user(t, s, "bob"), user(t, s, "carol")
	missed := addTalk(t, s, a, "Room full talk", talkbot.LogPatch{Status: ptr(talkbot.StatusMissed), Reason: ptr("room full"), WatchLater: ptr(true)}, nil).Talk
	rec := addTalk(t, s, b, "Recommended talk", talkbot.LogPatch{}, nil).Talk
	if _, err := s.Apply(ctx, talkbot.Change{User: b, TalkID: rec.ID, RecommendTo: []int64{a.ID}}); err != nil {
		t.Fatal(err)
	}
	rated := addTalk(t, s, c, "Carol's favourite", talkbot.LogPatch{Rating: ptr(5)}, nil).Talk
	seen := addTalk(t, s, c, "Seen by alice", talkbot.LogPatch{Rating: ptr(5)}, nil).Talk
	addTalk(t, s, a, "Seen by alice", talkbot.LogPatch{}, nil)
	// Carol loved the talk alice missed, and recommends it too: every reason shows.
	if _, err := s.Apply(ctx, talkbot.Change{User: c, TalkID: missed.ID, Log: talkbot.LogPatch{Rating: ptr(5), Starred: ptr(true)}, RecommendTeam: true}); err != nil {
		t.Fatal(err)
	}

	sg, total, err := s.WatchList(ctx, a, missed.ConferenceID, talkbot.WatchFilters{}, talkbot.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range sg {
		var raters []string
		for _, r := range x.Ratings {
			raters = append(raters, fmt.Sprintf("%s:%d", r.UserName, r.Rating))
		}
		got = append(got, fmt.Sprintf("%d missed=%v later=%v from=%v rated=%v", x.ID, x.Missed, x.WatchLater, x.From, raters))
	}
	want := []string{
		fmt.Sprintf("%d missed=true later=true from=[carol] rated=[carol:5]", missed.ID),
		fmt.Sprintf("%d missed=false later=false from=[bob] rated=[]", rec.ID),
		fmt.Sprintf("%d missed=false later=false from=[] rated=[carol:5]", rated.ID),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("watch list =\n%v\nwant\n%v\n(talk %d alice attended must not appear)", got, want, seen.ID)
	}
	if total.N != 3 || total.More {
		t.Errorf("total = %+v, want 3", total)
	}
	page2, _, err := s.WatchList(ctx, a, missed.ConferenceID, talkbot.WatchFilters{}, talkbot.Page{Offset: 2, Limit: 2})
	if err != nil || len(page2) != 1 || page2[0].ID != rated.ID {
		t.Errorf("second page = %v, %v; want talk %d alone", page2, err, rated.ID)
	}
}

// TestConcurrentWritersNeverSeeLocked runs writers in goroutines and in other
// processes on one file; every change must commit.
func TestConcurrentWritersNeverSeeLocked(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	const procs, goroutines, each = 3, 6, 40

	errs := make(chan error, goroutines+procs)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- writeTalks(ctx, s, fmt.Sprintf("g%d", g), each)
		}()
	}
	var cmds []*exec.Cmd
	for p := 0; p < procs; p++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWriterProcess$")
		cmd.Env = append(os.Environ(), "TALKBOT_WRITER_DB="+path, "TALKBOT_WRITER_NAME=p"+strconv.Itoa(p), "TALKBOT_WRITER_N="+strconv.Itoa(each))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	wg.Wait()
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			errs <- fmt.Errorf("writer process: %w", err)
		}
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	u := user(t, s, "counter")
	c := conference(t, s, u)
	total := 0
	for _, name := range []string{"g0", "g1", "g2", "g3", "g4", "g5", "p0", "p1", "p2"} {
		w, err := s.User(ctx, talkbot.PlatformConsole, "local", name, name)
		if err != nil {
			t.Fatal(err)
		}
		ts, _, err := s.ListTalks(ctx, talkbot.ListQuery{ConferenceID: c.ID, UserID: w.ID, Page: talkbot.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		total += len(ts)
	}
	if want := (goroutines + procs) * each; total != want {
		t.Errorf("%d talks logged, want %d", total, want)
	}
}

func writeTalks(ctx context.Context, s *store.Store, name string, n int) error {
	u, err := s.User(ctx, talkbot.PlatformConsole, "local", name, name)
	if err != nil {
		return err
	}
	c, err := s.CurrentConference(ctx, u)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		_, err := s.Apply(ctx, talkbot.Change{User: u, NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: fmt.Sprintf("%s talk %d", name, i)},
			Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended), Rating: ptr(1 + i%5)}, Note: &talkbot.NoteDraft{Text: "n", Visibility: talkbot.VisibilityTeam}})
		if err != nil {
			return fmt.Errorf("%s write %d: %w", name, i, err)
		}
	}
	return nil
}

// TestWriterProcess is the child of TestConcurrentWritersNeverSeeLocked.
func TestWriterProcess(t *testing.T) {
	path := os.Getenv("TALKBOT_WRITER_DB")
	if path == "" {
		t.Skip("only runs as a child process")
	}
	n, _ := strconv.Atoi(os.Getenv("TALKBOT_WRITER_N"))
	s, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := writeTalks(context.Background(), s, os.Getenv("TALKBOT_WRITER_NAME"), n); err != nil {
		t.Fatal(err)
	}
}

func TestAdapterStateSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	first, err := s.MarkHandled(ctx, "slack", "Ev123")
	if err != nil || !first {
		t.Fatalf("first MarkHandled = %v, %v", first, err)
	}
	if again, _ := s.MarkHandled(ctx, "slack", "Ev123"); again {
		t.Error("a redelivered event counted as new")
	}
	if done, err := s.Handled(ctx, "slack", "Ev123"); !done || err != nil {
		t.Errorf("Handled of a marked event = %v, %v", done, err)
	}
	if done, _ := s.Handled(ctx, "slack", "Ev124"); done {
		t.Error("Handled of an unmarked event = true")
	}
	if other, _ := s.MarkHandled(ctx, "matrix", "Ev123"); !other {
		t.Error("the same id on another platform counted as seen")
	}
	if _, err := s.State(ctx, "matrix.next_batch"); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("unset state err = %v", err)
	}
	if err := s.SetState(ctx, "matrix.next_batch", "s72_1"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := store.Open(ctx, path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if v, err := s2.State(ctx, "matrix.next_batch"); v != "s72_1" || err != nil {
		t.Errorf("after reopen state = %q, %v", v, err)
	}
	if again, _ := s2.MarkHandled(ctx, "slack", "Ev123"); again {
		t.Error("after reopen a handled event counted as new")
	}
	if err := s2.ForgetHandledBefore(ctx, clock().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if fresh, _ := s2.MarkHandled(ctx, "slack", "Ev123"); !fresh {
		t.Error("ForgetHandledBefore kept the old record")
	}
}

// TestEventMarkCommitsWithTheChange: an event's mark is written in the
// transaction of the first change its command makes, so a redelivery of the
// event changes nothing, and a change that fails leaves the event unmarked.
func TestEventMarkCommitsWithTheChange(t *testing.T) {
	s, path := open(t)
	a := user(t, s, "alice")
	c := conference(t, s, a)
	keda := addTalk(t, s, a, "KEDA", talkbot.LogPatch{Rating: ptr(3)}, nil).Talk.ID
	rate := func(ctx context.Context, stars int) error {
		_, err := s.Apply(ctx, talkbot.Change{User: a, TalkID: keda, Log: talkbot.LogPatch{Rating: ptr(stars)}})
		return err
	}
	rating := func() int {
		t.Helper()
		d, err := s.TalkDetail(context.Background(), a.WorkspaceID, a.ID, keda)
		if err != nil || len(d.Logs) != 1 {
			t.Fatalf("TalkDetail = %+v, %v", d, err)
		}
		return d.Logs[0].Rating
	}

	first := &talkbot.EventMark{Platform: "matrix", EventID: "$rate5"}
	ctx := talkbot.WithEventMark(context.Background(), first)
	if err := rate(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if err := rate(ctx, 4); err != nil { // a second change of the same command
		t.Fatalf("second change of the event: %v", err)
	}
	if answer, err := first.Seal(func() (bool, error) { t.Error("Seal wrote a mark the change had written"); return true, nil }); !answer || err != nil {
		t.Errorf("Seal after the change = %v, %v; want to answer", answer, err)
	}
	if again, _ := s.MarkHandled(context.Background(), "matrix", "$rate5"); again {
		t.Error("the change did not mark its event handled")
	}

	// The event again, as after a restart: nothing changes, nothing is answered.
	s.Close()
	s, err := store.Open(context.Background(), path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	redelivered := &talkbot.EventMark{Platform: "matrix", EventID: "$rate5"}
	ctx = talkbot.WithEventMark(context.Background(), redelivered)
	if err := rate(ctx, 1); !errors.Is(err, talkbot.ErrHandled) {
		t.Errorf("redelivered change err = %v, want ErrHandled", err)
	}
	if err := rate(ctx, 2); !errors.Is(err, talkbot.ErrHandled) {
		t.Errorf("a later change of the redelivered event err = %v, want ErrHandled", err)
	}
	if got := rating(); got != 4 {
		t.Errorf("rating after the redelivery = %d, want 4", got)
	}
	if answer, _ := redelivered.Seal(func() (bool, error) { return true, nil }); answer {
		t.Error("Seal says to answer a redelivered event")
	}

	// A change that fails leaves its event unmarked: Seal writes the mark before the error reply.
	failing := &talkbot.EventMark{Platform: "matrix", EventID: "$bad"}
	ctx = talkbot.WithEventMark(context.Background(), failing)
	if _, err := s.Apply(ctx, talkbot.Change{User: a, NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: "Half written"},
		Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}, Note: &talkbot.NoteDraft{Text: "x", Visibility: "public"}}); err == nil {
		t.Fatal("Apply with a bad note succeeded")
	}
	answer, err := failing.Seal(func() (bool, error) { return s.MarkHandled(ctx, "matrix", "$bad") })
	if !answer || err != nil {
		t.Errorf("Seal after a failed change = %v, %v; want it to mark the event and answer", answer, err)
	}
	if again, _ := s.MarkHandled(context.Background(), "matrix", "$bad"); again {
		t.Error("Seal did not mark the event")
	}
}

// TestEventMarkSkipsBookkeeping: a new user's first command creates the user
// and their conference first; the mark waits for the change itself.
func TestEventMarkSkipsBookkeeping(t *testing.T) {
	s, _ := open(t)
	m := &talkbot.EventMark{Platform: "matrix", EventID: "$first"}
	ctx := talkbot.WithEventMark(context.Background(), m)
	u, c, err := s.UserAndConference(ctx, talkbot.PlatformMatrix, "example.org", "@new:example.org", "new", "")
	if err != nil {
		t.Fatal(err)
	}
	if done, _ := s.Handled(ctx, "matrix", "$first"); done {
		t.Fatal("creating the user took the event's mark")
	}
	if _, err := s.Apply(ctx, talkbot.Change{User: u, NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: "KEDA"},
		Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}}); err != nil {
		t.Fatal(err)
	}
	if done, _ := s.Handled(ctx, "matrix", "$first"); !done {
		t.Error("the change did not write the event's mark")
	}
}

// TestEventMarksInABatch: changes committed together each write their own
// mark, and a redelivered one among them is left out alone.
func TestEventMarksInABatch(t *testing.T) {
	s, _ := open(t)
	a := user(t, s, "alice")
	keda := addTalk(t, s, a, "KEDA", talkbot.LogPatch{}, nil).Talk.ID
	if _, err := s.MarkHandled(context.Background(), "matrix", "$7"); err != nil {
		t.Fatal(err)
	}
	const n = 32
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx := talkbot.WithEventMark(context.Background(), &talkbot.EventMark{Platform: "matrix", EventID: fmt.Sprintf("$%d", i)})
			_, errs[i] = s.Apply(ctx, talkbot.Change{User: a, TalkID: keda, Note: &talkbot.NoteDraft{Text: fmt.Sprintf("note %d", i), Visibility: talkbot.VisibilityTeam}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if want := i == 7; errors.Is(err, talkbot.ErrHandled) != want || (!want && err != nil) {
			t.Errorf("change %d: err = %v", i, err)
		}
	}
	d, err := s.TalkDetail(context.Background(), a.WorkspaceID, a.ID, keda)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Notes) != n-1 {
		t.Errorf("%d notes, want %d: the redelivered one left out, every other kept", len(d.Notes), n-1)
	}
	for i := range n {
		if again, _ := s.MarkHandled(context.Background(), "matrix", fmt.Sprintf("$%d", i)); again {
			t.Errorf("event $%d was not marked handled", i)
		}
	}
}

// TestSearchStaysInItsWorkspace: a busy workspace with many newer matches must
// not crowd another workspace's results out of its search.
func TestSearchStaysInItsWorkspace(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	quiet := user(t, s, "alice")
	addTalk(t, s, quiet, "eBPF in production", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "ebpf notes from the quiet team", Visibility: talkbot.VisibilityTeam})
	busy, err := s.User(ctx, talkbot.PlatformSlack, "T-BUSY", "U1", "bob")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		addTalk(t, s, busy, fmt.Sprintf("eBPF talk %d", i), talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "ebpf again", Visibility: talkbot.VisibilityTeam})
	}
	hits, _, err := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: quiet.WorkspaceID, ViewerID: quiet.ID, Text: "ebpf"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].Title != "eBPF in production" {
		t.Errorf("quiet workspace's search = %d hits %+v, want its one talk", len(hits), hits)
	}
	if hits, _, _ := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: quiet.WorkspaceID, ViewerID: quiet.ID, Text: "quiet team"}); len(hits) != 1 {
		t.Errorf("note search in the quiet workspace = %d hits, want 1", len(hits))
	}
	if hits, _, _ := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: busy.WorkspaceID, ViewerID: busy.ID, Text: "production"}); len(hits) != 0 {
		t.Errorf("busy workspace found the quiet one's talk: %+v", hits)
	}
}

// A German word with ß is found as typed: the title folds Straße to
// STRASSE, the full-text index keeps it as written.
func TestSearchFindsWordsWithSharpS(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	alice := user(t, s, "alice")
	addTalk(t, s, alice, "Die Zukunft der Straße", talkbot.LogPatch{}, nil)
	addTalk(t, s, alice, "Ein Vortrag", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "die Größe der Stadt", Visibility: talkbot.VisibilityTeam})
	addTalk(t, s, alice, "Noch ein Vortrag", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "eine grosse Sache", Visibility: talkbot.VisibilityTeam})
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"Straße", []string{"Die Zukunft der Straße"}},
		{"Größe Stadt", []string{"Ein Vortrag"}},
		{"Größe", []string{"Noch ein Vortrag", "Ein Vortrag"}}, // as typed and as folded
	} {
		hits, _, err := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: alice.WorkspaceID, ViewerID: alice.ID, Text: tc.text})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Title)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("search %s = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestFailingChangeFailsAlone: changes share commits when they queue up
// together; one that fails must roll back alone and the others must commit.
func TestFailingChangeFailsAlone(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a := user(t, s, "alice")
	c := conference(t, s, a)
	const n = 60
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vis := talkbot.VisibilityTeam
			if i%5 == 0 {
				vis = "public" // breaks a CHECK constraint after the talk and log are written
			}
			_, errs[i] = s.Apply(ctx, talkbot.Change{User: a, NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: fmt.Sprintf("Talk %d", i)},
				Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}, Note: &talkbot.NoteDraft{Text: "n", Visibility: vis}})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		ts, _ := s.TalksByTitle(ctx, c.ID, fmt.Sprintf("Talk %d", i))
		if bad := i%5 == 0; bad != (err != nil) || bad != (len(ts) == 0) {
			t.Errorf("change %d: err %v, %d talks saved; want failure and nothing saved only for every fifth", i, err, len(ts))
		}
	}
}

func TestWritesAfterCloseFail(t *testing.T) {
	s, _ := open(t)
	a := user(t, s, "alice")
	s.Close()
	if err := s.SetDefaultVisibility(context.Background(), a.ID, talkbot.VisibilityPrivate); err == nil {
		t.Error("a write after Close succeeded")
	}
}

// TestLimitsAreWrittenIntoTheSQL: SQLite plans with a bound LIMIT's value, so
// it compiles the statement again every time that parameter is bound; the
// store writes its limits into the SQL instead (limitSQL). A bound LIMIT
// cost the `list` query a quarter of its time (BENCHMARKS.md).
func TestLimitsAreWrittenIntoTheSQL(t *testing.T) {
	bound := regexp.MustCompile(`(?i)\bLIMIT\s+\?`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if bound.MatchString(line) {
				t.Errorf("%s:%d binds its LIMIT: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// An undo of a change to a talk gone since (deleted before this rule kept
// talks others' undo names, or by hand) has nothing to put back: it says
// so and drops the step, so the next undo reaches further back rather than
// failing on it for good.
func TestUndoStepsPastATalkGoneSince(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	b := user(t, s, "bob")
	addTalk(t, s, b, "Other Talk", talkbot.LogPatch{Rating: ptr(3)}, nil)
	gone := addTalk(t, s, b, "Shared Talk", talkbot.LogPatch{Rating: ptr(4)}, nil).Talk
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DELETE FROM talks WHERE id = ?`, gone.ID); err != nil {
		t.Fatal(err)
	}
	if u, err := s.Undo(ctx, b.ID); err != nil || !u.TalkGone {
		t.Fatalf("undo of a change to a talk gone = %+v, %v", u, err)
	}
	if u, err := s.Undo(ctx, b.ID); err != nil || u.TalkGone || u.Talk.Title != "Other Talk" {
		t.Errorf("the next undo = %+v, %v; want Other Talk's add undone", u, err)
	}
}

// A room upgraded to a new one takes its digests over, with the days it
// posted; where the new room has a digest of its own, that one stays.
func TestMoveChannelTakesTheDigestsOver(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	u := user(t, s, "alice")
	for _, d := range []talkbot.Digest{{WorkspaceID: u.WorkspaceID, Channel: "!old:hs", At: "18:00"},
		{WorkspaceID: u.WorkspaceID, Channel: "!kept:hs", At: "09:00"}, {WorkspaceID: u.WorkspaceID, Channel: "!also:hs", At: "12:00"}} {
		if err := s.SetDigest(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.MoveChannel(ctx, talkbot.PlatformConsole, "!old:hs", "!new:hs"); err != nil || n != 1 {
		t.Fatalf("moved %d, %v", n, err)
	}
	if n, err := s.MoveChannel(ctx, talkbot.PlatformConsole, "!also:hs", "!kept:hs"); err != nil || n != 0 {
		t.Fatalf("onto a channel with a digest: moved %d, %v", n, err)
	}
	if n, err := s.MoveChannel(ctx, talkbot.PlatformSlack, "!new:hs", "!elsewhere:hs"); err != nil || n != 0 {
		t.Fatalf("another platform's channel: moved %d, %v", n, err)
	}
	ds, err := s.Digests(ctx, u.WorkspaceID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Channel+" "+d.At)
	}
	if want := "[!kept:hs 09:00 !new:hs 18:00]"; fmt.Sprint(got) != want {
		t.Errorf("digests %v, want %s", got, want)
	}
}
