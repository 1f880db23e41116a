package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

// TestUndoReadsRecordsStoredBeforeUndoHadItsOwnTypes: undo records are JSON in
// the database; one written by the first release (plain domain structs, and
// speakers as "Name (Org)") must still undo.
func TestUndoReadsRecordsStoredBeforeUndoHadItsOwnTypes(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	a := user(t, s, "alice")
	out := addTalk(t, s, a, "New Title", talkbot.LogPatch{Rating: ptr(4)}, nil)
	const old = `{"talk_id":1,"talk_before":{"ID":1,"WorkspaceID":1,"ConferenceID":1,"Title":"Old Title",
		"Speakers":["Pablo Chico de Guzman (Red Hat)","Vinay Kulkarni"],"Event":"","Room":"W183","Day":"2024-11-13",
		"StartsAt":"0001-01-01T00:00:00Z","EndsAt":"0001-01-01T00:00:00Z","ScheduleURL":"","ScheduleID":"","RecordingURL":"",
		"Abstract":"","Tags":["ebpf"],"CreatedBy":1,"CreatedAt":"2024-11-13T17:00:00Z"},"log_touched":true,
		"log_before":{"UserID":1,"TalkID":1,"Status":"attended","Reason":"","WatchLater":false,"Watched":false,"Rating":3,
		"Starred":false,"LoggedAt":"2024-11-13T17:00:00Z","UpdatedAt":"2024-11-13T17:00:00Z"},"last_talk_before":1}`
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `UPDATE history SET payload = ?, label = 'edit'`, old); err != nil {
		t.Fatal(err)
	}
	u, err := s.Undo(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Talk(ctx, a.WorkspaceID, out.Talk.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []talkbot.Speaker{{Name: "Pablo Chico de Guzman", Org: "Red Hat"}, {Name: "Vinay Kulkarni"}}
	if got.Title != "Old Title" || got.Room != "W183" || !cmp.Equal(got.Speakers, want) {
		t.Errorf("talk after undo = %q room %q speakers %v", got.Title, got.Room, got.Speakers)
	}
	if l, err := s.UserLog(ctx, a.ID, out.Talk.ID); err != nil || l.Rating != 3 {
		t.Errorf("log after undo = %+v, %v; want rating 3", l, err)
	}
	if u.Label != "edit" || !u.TalkChanged || u.LogBefore == nil || u.LogBefore.Rating != 3 {
		t.Errorf("undone = %+v", u)
	}
}

// TestSameTitleOnAnotherDayIsAnotherTalk: "Keynote" on two days is two talks;
// a talk without a day is the same talk on any day.
func TestSameTitleOnAnotherDayIsAnotherTalk(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a := user(t, s, "alice")
	c := conference(t, s, a)
	add := func(title, day string) talkbot.Outcome {
		out, err := s.Apply(ctx, talkbot.Change{User: a, Label: "add", NewTalk: &talkbot.Talk{ConferenceID: c.ID, Title: title, Day: day},
			Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	d1, d2 := add("Keynote", "2023-04-19"), add("Keynote", "2023-04-20")
	if d1.Talk.ID == d2.Talk.ID || !d2.Created {
		t.Errorf("day 2's keynote went on day 1's talk #%d", d1.Talk.ID)
	}
	if again := add("Keynote", "2023-04-20"); again.Talk.ID != d2.Talk.ID {
		t.Errorf("day 2's keynote again = #%d, want #%d", again.Talk.ID, d2.Talk.ID)
	}
	undated, later := add("Open Mic", ""), add("Open Mic", "2023-04-21")
	if undated.Talk.ID != later.Talk.ID {
		t.Errorf("a talk without a day became two talks")
	}
}

// TestChangeThatChangesNothingRecordsNoUndo: doing what is already done writes
// nothing, so undo then takes back the change before it.
func TestChangeThatChangesNothingRecordsNoUndo(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a := user(t, s, "alice")
	out := addTalk(t, s, a, "A Talk", talkbot.LogPatch{Rating: ptr(4)}, nil)
	again, err := s.Apply(ctx, talkbot.Change{User: a, Label: "rate", TalkID: out.Talk.ID, Log: talkbot.LogPatch{Rating: ptr(4)}})
	if err != nil || !again.Unchanged {
		t.Fatalf("rating 4 again: unchanged %v, %v", again.Unchanged, err)
	}
	u, err := s.Undo(ctx, a.ID)
	if err != nil || u.Label != "add" || !u.TalkRemoved {
		t.Errorf("undo after a no-op took back %+v, %v; want the add", u, err)
	}
}

// TestNoteEditsAreTheOwnersAndUndoable covers editing, re-scoping and deleting
// one note.
func TestNoteEditsAreTheOwnersAndUndoable(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, b := user(t, s, "alice"), user(t, s, "bob")
	out := addTalk(t, s, a, "A Talk", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "first thought", Visibility: talkbot.VisibilityTeam})
	id := out.Note.ID
	edit := func(u talkbot.User, e talkbot.NoteEdit) (talkbot.Outcome, error) {
		e.NoteID = id
		return s.Apply(ctx, talkbot.Change{User: u, Label: "note edit", TalkID: out.Talk.ID, EditNote: &e})
	}
	if _, err := edit(b, talkbot.NoteEdit{Text: ptr("bob was here")}); talkbot.ErrorCode(err) != talkbot.ENOTFOUND {
		t.Errorf("bob edited alice's note: %v", err)
	}
	if _, err := edit(a, talkbot.NoteEdit{Text: ptr("second thought"), Visibility: ptr(talkbot.VisibilityPrivate)}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.UserNote(ctx, a.ID, id); n.Text != "second thought" || n.Visibility != talkbot.VisibilityPrivate {
		t.Errorf("edited note = %+v", n)
	}
	if d, _ := s.TalkDetail(ctx, a.WorkspaceID, b.ID, out.Talk.ID); len(d.Notes) != 0 {
		t.Errorf("bob sees alice's now private note: %+v", d.Notes)
	}
	if _, err := edit(a, talkbot.NoteEdit{Delete: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserNote(ctx, a.ID, id); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("deleted note still there: %v", err)
	}
	for range 2 {
		if _, err := s.Undo(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.UserNote(ctx, a.ID, id); n.Text != "first thought" || n.Visibility != talkbot.VisibilityTeam {
		t.Errorf("note after two undos = %+v, want the first version back", n)
	}
}

func TestRepeatedRecommendationIsNotStoredTwice(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, b := user(t, s, "alice"), user(t, s, "bob")
	out := addTalk(t, s, a, "A Talk", talkbot.LogPatch{}, nil)
	for i, wantRepeated := range []bool{false, true} {
		got, err := s.Apply(ctx, talkbot.Change{User: a, Label: "recommend", TalkID: out.Talk.ID, RecommendTo: []int64{b.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if (len(got.Repeated) > 0) != wantRepeated || got.Unchanged != wantRepeated {
			t.Errorf("recommendation %d: repeated %v unchanged %v", i+1, got.Repeated, got.Unchanged)
		}
	}
	if sg, total, _ := s.WatchList(ctx, b, out.Talk.ConferenceID, talkbot.WatchFilters{}, talkbot.Page{Limit: 10}); total.N != 1 || len(sg[0].From) != 1 {
		t.Errorf("bob's watch list = %+v", sg)
	}
}

// TestOnlyUniqueViolationsAreConflicts: a broken reference is a bug to log,
// not "that clashes with something already saved".
func TestOnlyUniqueViolationsAreConflicts(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a := user(t, s, "alice")
	_, err := s.Apply(ctx, talkbot.Change{User: a, Label: "add", NewTalk: &talkbot.Talk{ConferenceID: 9999, Title: "Nowhere"}})
	if err == nil || talkbot.ErrorCode(err) != talkbot.EINTERNAL {
		t.Errorf("a talk in a missing conference: code %q (%v), want internal", talkbot.ErrorCode(err), err)
	}
	if _, err := s.CreateConference(ctx, a, talkbot.Conference{Name: "Dup", Timezone: "UTC"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateConference(ctx, a, talkbot.Conference{Name: "dup", Timezone: "UTC"}, true); talkbot.ErrorCode(err) != talkbot.ECONFLICT {
		t.Errorf("a second conference of that name: %v, want a conflict", err)
	}
}

// TestUndoWalksBackTheKeptStepsOfEachUser: undo takes back a user's own last
// changes, newest first, as far as the history keeps (50 steps), whatever
// another user did in between; a change after an undo is undone next.
func TestUndoWalksBackTheKeptStepsOfEachUser(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	a, b := user(t, s, "alice"), user(t, s, "bob")
	talk := addTalk(t, s, a, "Cilium at scale", talkbot.LogPatch{}, nil).Talk
	addTalk(t, s, b, "KEDA in production", talkbot.LogPatch{}, nil)
	const changes, kept = 60, 50
	for i := range changes {
		if _, err := s.Apply(ctx, talkbot.Change{User: a, Label: fmt.Sprintf("rate %d", i), TalkID: talk.ID,
			Log: talkbot.LogPatch{Rating: ptr(i%5 + 1)}}); err != nil {
			t.Fatal(err)
		}
		if i == changes/2 {
			if _, err := s.Apply(ctx, talkbot.Change{User: b, Label: "star", TalkID: talk.ID, Log: talkbot.LogPatch{Starred: ptr(true)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	u, err := s.Undo(ctx, a.ID)
	if err != nil || u.Label != fmt.Sprintf("rate %d", changes-1) {
		t.Fatalf("alice's first undo = %q, %v; want her last rating", u.Label, err)
	}
	if _, err := s.Apply(ctx, talkbot.Change{User: a, Label: "want", TalkID: talk.ID, Log: talkbot.LogPatch{WatchLater: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	for i := range kept {
		want := "want"
		if i > 0 {
			want = fmt.Sprintf("rate %d", changes-1-i)
		}
		u, err := s.Undo(ctx, a.ID)
		if err != nil || u.Label != want {
			t.Fatalf("alice's undo %d = %q, %v; want %q", i+2, u.Label, err, want)
		}
	}
	if u, err := s.Undo(ctx, a.ID); !errors.Is(err, talkbot.ErrNoUndo) {
		t.Errorf("undo past the kept steps took back %q, %v; want nothing left", u.Label, err)
	}
	for _, want := range []string{"star", "add"} {
		if u, err := s.Undo(ctx, b.ID); err != nil || u.Label != want {
			t.Errorf("bob's undo = %q, %v; want %q", u.Label, err, want)
		}
	}
}

// TestForgottenUserLeavesNoHistory: undo steps carry what was changed, a
// deleted note's text among it, so forgetting a user deletes them too.
func TestForgottenUserLeavesNoHistory(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	a, b := user(t, s, "alice"), user(t, s, "bob")
	out := addTalk(t, s, a, "KEDA", talkbot.LogPatch{}, &talkbot.NoteDraft{Text: "my private thoughts", Visibility: talkbot.VisibilityPrivate})
	if _, err := s.Apply(ctx, talkbot.Change{User: a, Label: "delete", TalkID: out.Talk.ID, DeleteLog: true}); err != nil {
		t.Fatal(err)
	}
	addTalk(t, s, b, "KEDA", talkbot.LogPatch{}, nil)
	if _, err := s.ForgetUser(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var left, others int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM history WHERE payload LIKE '%private thoughts%' OR user_id = ?`, a.ID).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM history WHERE user_id = ?`, b.ID).Scan(&others); err != nil {
		t.Fatal(err)
	}
	if left != 0 || others != 1 {
		t.Errorf("after forgetting alice: %d of her undo steps left, %d of bob's; want 0 and 1", left, others)
	}
}
