package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/store"
)

// TestProcessesStartingTogetherMigrateOnce: two bots (replicas, or a restart
// that overlaps the old process) opening a new database at once both come
// up; one applies the migrations and the other finds them applied.
func TestProcessesStartingTogetherMigrateOnce(t *testing.T) {
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "new.db")
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				s, err := store.Open(context.Background(), path, store.Options{})
				if err == nil {
					err = s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}

// Migration 14 folds the titles kept by an older build anew: "Intro to C#"
// was kept as "intro to c", and a colleague's "Intro to C" landed on it.
func TestTitlesFoldAnewOnUpgrade(t *testing.T) {
	s, path := open(t)
	alice := user(t, s, "alice")
	csharp := addTalk(t, s, alice, "Intro to C#", talkbot.LogPatch{}, nil)
	s.Close()

	// The database as an older build left it, at version 13.
	s = reopenAfter(t, path, `UPDATE talks SET norm_title = 'intro to c'`, `DELETE FROM goose_db_version WHERE version_id >= 14`,
		`ALTER TABLE logs DROP COLUMN reason_private`, `DROP TABLE channel_conferences`)
	got := addTalk(t, s, user(t, s, "bob"), "Intro to C", talkbot.LogPatch{}, nil)
	if !got.Created || got.Talk.ID == csharp.Talk.ID {
		t.Errorf("bob's Intro to C landed on #%d %q", got.Talk.ID, got.Talk.Title)
	}
}

// Migration 15 makes the reasons of users whose privacy is private
// private, in their logs and in the undo records that put logs back: an
// undo after the upgrade had published one.
func TestPrivateReasonsStayPrivateThroughAnUpgradeAndUndo(t *testing.T) {
	ctx := context.Background()
	s, path := open(t)
	bob := user(t, s, "bob")
	if err := s.SetDefaultVisibility(ctx, bob.ID, talkbot.VisibilityPrivate); err != nil {
		t.Fatal(err)
	}
	bob = user(t, s, "bob")
	missed := addTalk(t, s, bob, "Foo Talk", talkbot.LogPatch{Status: ptr(talkbot.StatusMissed), Reason: ptr("a recruiter call"), ReasonPrivate: true}, nil)
	if _, err := s.Apply(ctx, talkbot.Change{User: bob, TalkID: missed.Talk.ID, Label: "star", Log: talkbot.LogPatch{Starred: ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// As the build before migration 15 left it: no reason_private, undo records without it.
	s = reopenAfter(t, path, `DELETE FROM goose_db_version WHERE version_id >= 15`, `ALTER TABLE logs DROP COLUMN reason_private`, `DROP TABLE channel_conferences`,
		`UPDATE history SET payload = json_remove(payload, '$.log_before.ReasonPrivate', '$.log_after.ReasonPrivate')`)
	carol := user(t, s, "carol")
	reason := func() string {
		d, err := s.TalkDetail(ctx, carol.WorkspaceID, carol.ID, missed.Talk.ID)
		if err != nil || len(d.Logs) != 1 {
			t.Fatalf("detail: %+v, %v", d.Logs, err)
		}
		return d.Logs[0].Reason
	}
	if got := reason(); got != "" {
		t.Errorf("after the upgrade carol reads bob's reason %q", got)
	}
	if _, err := s.Undo(ctx, bob.ID); err != nil { // the star
		t.Fatal(err)
	}
	if got := reason(); got != "" {
		t.Errorf("after bob's undo carol reads his reason %q", got)
	}
}

// reopenAfter runs SQL on the closed database at path (to make it as an
// older build left it), then opens it as the bot does, migrations and all.
func reopenAfter(t *testing.T, path string, queries ...string) *store.Store {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite3", store.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := store.Open(ctx, path, store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
