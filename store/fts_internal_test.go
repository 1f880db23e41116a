package store

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
)

// Talks and notes a batch of several changes writes go into their search
// indexes at the end of the batch (migration 00010), as its later changes
// left them: a talk renamed is found by its new title only, a talk or note
// undone by nothing, a note edited by its new text only, and one an undo
// restores is found again. Once with a change that fails, so the batch
// runs a second time, each change in a savepoint; once without.
func TestABatchIndexesWhatItsChangesLeft(t *testing.T) {
	for _, failing := range []bool{false, true} {
		t.Run(map[bool]string{false: "first run commits", true: "a change fails"}[failing], func(t *testing.T) {
			testBatchIndexing(t, failing)
		})
	}
}

func testBatchIndexing(t *testing.T, failing bool) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	user := func(name string) talkbot.User {
		u, err := s.User(ctx, talkbot.PlatformConsole, "local", name, name)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	alice, bob, carol, dave := user("alice"), user("bob"), user("carol"), user("dave")
	conf, err := s.CurrentConference(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	newTalk := func(u talkbot.User, title, note string) talkbot.Change {
		return talkbot.Change{User: u, Label: "add", NewTalk: &talkbot.Talk{ConferenceID: conf.ID, Title: title},
			Log: talkbot.LogPatch{Status: new(talkbot.StatusAttended)}, Note: &talkbot.NoteDraft{Text: note, Visibility: talkbot.VisibilityTeam}}
	}
	apply := func(c talkbot.Change) func() error {
		return func() error { _, err := s.Apply(ctx, c); return err }
	}
	undo := func(u talkbot.User) func() error {
		return func() error { _, err := s.Undo(ctx, u.ID); return err }
	}
	// inBatch runs the changes in one batch, holding the writer while they
	// queue up; the change at index fails (if any) must fail, the rest not.
	inBatch := func(fails int, changes ...func() error) {
		t.Helper()
		release, holding := make(chan struct{}), make(chan struct{})
		go s.update(ctx, func(*txn) error { close(holding); <-release; return nil })
		<-holding
		errs := make([]chan error, len(changes))
		for i, change := range changes {
			errs[i] = make(chan error, 1)
			go func() { errs[i] <- change() }()
			for len(s.writes) < i+1 {
				time.Sleep(time.Millisecond)
			}
		}
		close(release)
		for i := range changes {
			if err := <-errs[i]; (err != nil) != (i == fails) {
				t.Fatalf("change %d: %v", i, err)
			}
		}
	}
	// What a change later in the batch sees of talk 1 and note 1: still
	// marked for indexing, not yet indexed.
	var talkMark, noteMark int
	probe := func() error {
		return s.update(ctx, func(tx *txn) error {
			if err := tx.QueryRowContext(ctx, `SELECT fts_pending FROM talks WHERE id = 1`).Scan(&talkMark); err != nil {
				return err
			}
			return tx.QueryRowContext(ctx, `SELECT fts_pending FROM notes WHERE id = 1`).Scan(&noteMark)
		})
	}

	// A fresh database numbers talks and notes from 1 in the order they
	// are written, which lets a change name what an earlier one of the same
	// batch creates.
	changes := []func() error{
		apply(newTalk(alice, "Zebra pipelines at scale", "kelp forests everywhere")),
		apply(talkbot.Change{User: alice, Label: "edit", TalkID: 1,
			Talk: talkbot.TalkPatch{Title: new("Quokka pipelines at scale")}, EditNote: &talkbot.NoteEdit{NoteID: 1, Text: new("otter sightings")}}),
		probe,
		apply(newTalk(bob, "Ephemeral gathering", "brief encounter")),
		undo(bob),
		apply(newTalk(carol, "Kept as typed", "stays searchable")),
	}
	fails := -1
	if failing {
		fails = 3
		changes = slices.Insert(changes, fails, undo(dave)) // nothing to undo
	}
	inBatch(fails, changes...)
	if talkMark != 2 || noteMark != 2 {
		t.Errorf("inside the batch the new talk and note were marked %d and %d, want 2: indexed as they were written", talkMark, noteMark)
	}
	// carol drops her talk (it goes, unused) and takes that back: the
	// talk and note undo restores are indexed at the end of their batch.
	inBatch(-1, apply(talkbot.Change{User: carol, Label: "delete", TalkID: 3, DeleteLog: true}), undo(carol))

	talks := func(text string) []string {
		hits, _, err := s.Search(ctx, talkbot.SearchQuery{WorkspaceID: alice.WorkspaceID, ViewerID: alice.ID, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			if h.Note != nil {
				out = append(out, "note: "+h.Note.Text)
			} else {
				out = append(out, h.Title)
			}
		}
		return out
	}
	titles := func(ts []talkbot.Talk, err error) []string {
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, t := range ts {
			out = append(out, t.Title)
		}
		return out
	}
	for _, tc := range []struct {
		what string
		got  []string
		want []string
	}{
		{"search quokka", talks("quokka"), []string{"Quokka pipelines at scale"}},
		{"search zebra", talks("zebra"), nil},
		{"search ephemeral", talks("ephemeral"), nil},
		{"search otter", talks("otter"), []string{"note: otter sightings"}},
		{"search kelp", talks("kelp"), nil},
		{"search brief", talks("brief"), nil},
		{"search stays", talks("stays"), []string{"note: stays searchable"}},
		{"titles with the words quokka pipelines", titles(s.TitlesWithWords(ctx, conf.ID, []string{"quokka", "pipelines"}, false, 5)), []string{"Quokka pipelines at scale"}},
		{"titles with the word zebra", titles(s.TitlesWithWords(ctx, conf.ID, []string{"zebra"}, false, 5)), nil},
		{"titles like quokka", titles(s.TitlesLike(ctx, conf.ID, []string{"quokka"}, false, 5)), []string{"Quokka pipelines at scale"}},
		{"titles like zebra", titles(s.TitlesLike(ctx, conf.ID, []string{"zebra"}, false, 5)), nil},
		{"titles like ephemeral", titles(s.TitlesLike(ctx, conf.ID, []string{"ephemeral"}, false, 5)), nil},
		{"title candidates kept", titles(s.TitleCandidates(ctx, conf.ID, "kept typed", 5)), []string{"Kept as typed"}},
	} {
		if !slices.Equal(tc.got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.what, tc.got, tc.want)
		}
	}
	for _, table := range []string{"talks", "notes"} {
		var marked int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE fts_pending != 0`).Scan(&marked); err != nil || marked != 0 {
			t.Errorf("%s still marked for indexing: %d (%v)", table, marked, err)
		}
	}
	for _, index := range []string{"talk_fts", "talk_trigrams", "talk_title_words", "note_fts"} {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO `+index+`(`+index+`) VALUES ('integrity-check')`); err != nil {
			t.Errorf("%s: %v", index, err)
		}
	}
}

// The statements that ask whether another user's undo names a talk read
// the index of migration 00011: without it, forget me scanned every step
// of every user (2.3 s for 20 talks over 200,000 steps).
func TestTheUndoStepsOfATalkAreLookedUpByIndex(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "talkbot.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, q := range map[string]string{
		"delete":    `SELECT 1 FROM talks WHERE id = ? AND NOT ` + talkInOthersHistory("?"),
		"forget me": forgetOwnTalks,
	} {
		rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, 1, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "history_talk") }) {
			t.Errorf("%s: the history is not looked up by index: %q", name, plan)
		}
	}
}
