package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// journalIsTheOwners: conference notes are read by their author (private
// ones) or the team (team ones); only their author changes them; every
// change undoes; the export and forget cover them.
func journalIsTheOwners(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	c := conf(t, s, a)
	write := func(u talkbot.User, text string, takeaway bool, v talkbot.Visibility) talkbot.JournalEntry {
		t.Helper()
		return must(s.ApplyJournal(ctx, talkbot.JournalChange{User: u, ConferenceID: c.ID, Label: "journal",
			New: &talkbot.JournalEntry{Text: text, Takeaway: takeaway, Visibility: v}}))(t).Entry
	}
	venue := write(a, "rooms too small", false, talkbot.VisibilityTeam)
	secret := write(a, "skip the Thursday party", false, talkbot.VisibilityPrivate)
	write(b, "DRA is hot", true, talkbot.VisibilityTeam)

	texts := func(es []talkbot.JournalEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Text)
		}
		return out
	}
	if got := texts(must(s.Journal(ctx, talkbot.JournalQuery{ConferenceID: c.ID, ViewerID: a.ID, AuthorID: a.ID}))(t)); len(got) != 2 || got[1] != secret.Text {
		t.Errorf("alice's own entries = %q", got)
	}
	team := must(s.Journal(ctx, talkbot.JournalQuery{ConferenceID: c.ID}))(t)
	if got := texts(team); len(got) != 2 || got[0] != venue.Text || got[1] != "DRA is hot" {
		t.Errorf("the team's entries = %q; want the two team ones, oldest first", got)
	}
	if !team[1].Takeaway || team[1].UserName != "bob" {
		t.Errorf("bob's takeaway = %+v", team[1])
	}
	if got := texts(must(s.Journal(ctx, talkbot.JournalQuery{ConferenceID: c.ID, ViewerID: b.ID}))(t)); len(got) != 2 {
		t.Errorf("bob reads %q; alice's private entry must not be among them", got)
	}
	if _, err := s.UserJournalEntry(ctx, b.ID, secret.ID); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("bob's lookup of alice's entry: %v, want ErrNotFound", err)
	}
	if _, err := s.ApplyJournal(ctx, talkbot.JournalChange{User: b, ConferenceID: c.ID, EditID: secret.ID, Delete: true}); talkbot.ErrorCode(err) != talkbot.ENOTFOUND {
		t.Errorf("bob deleting alice's entry: %v, want ENOTFOUND", err)
	}

	edited := must(s.ApplyJournal(ctx, talkbot.JournalChange{User: a, ConferenceID: c.ID, EditID: venue.ID, Label: "journal edit",
		Text: ptr("10k+ attendees, rooms too small"), Takeaway: ptr(true)}))(t)
	if edited.Entry.Text != "10k+ attendees, rooms too small" || !edited.Entry.Takeaway || edited.Before.Text != venue.Text {
		t.Errorf("edit = %+v", edited)
	}
	same := must(s.ApplyJournal(ctx, talkbot.JournalChange{User: a, ConferenceID: c.ID, EditID: venue.ID, Takeaway: ptr(true)}))(t)
	if !same.Unchanged {
		t.Error("setting what is already so changed something")
	}
	u := must(s.Undo(ctx, a.ID))(t)
	if u.Label != "journal edit" || len(u.JournalRestored) != 1 || u.JournalRestored[0].Text != venue.Text {
		t.Errorf("undo of the edit = %+v", u)
	}
	must(s.ApplyJournal(ctx, talkbot.JournalChange{User: a, ConferenceID: c.ID, EditID: secret.ID, Delete: true, Label: "journal delete"}))(t)
	if got := must(s.Journal(ctx, talkbot.JournalQuery{ConferenceID: c.ID, ViewerID: a.ID, AuthorID: a.ID}))(t); len(got) != 1 {
		t.Errorf("after delete, %d entries", len(got))
	}
	u = must(s.Undo(ctx, a.ID))(t)
	if len(u.JournalRestored) != 1 || u.JournalRestored[0].ID != secret.ID {
		t.Errorf("undo of the delete = %+v", u)
	}
	if got := must(s.UserJournalEntry(ctx, a.ID, secret.ID))(t); got.Visibility != talkbot.VisibilityPrivate || got.Text != secret.Text {
		t.Errorf("restored entry = %+v", got)
	}

	// A presentation comes with the talk's log; undo takes it away again.
	talk := add(t, s, a, "My Talk", "", talkbot.LogPatch{}, nil)
	out := must(s.Apply(ctx, talkbot.Change{User: a, TalkID: talk.Talk.ID, Label: "presented", Present: &talkbot.PresentDraft{SlidesURL: "https://example.com/slides"}}))(t)
	if out.Presentation == nil || out.Presentation.SlidesURL != "https://example.com/slides" {
		t.Errorf("presentation = %+v", out.Presentation)
	}
	again := must(s.Apply(ctx, talkbot.Change{User: a, TalkID: talk.Talk.ID, Present: &talkbot.PresentDraft{}}))(t)
	if !again.Unchanged || again.Presentation.SlidesURL != "https://example.com/slides" {
		t.Errorf("presenting again without slides = %+v; want unchanged, slides kept", again)
	}
	ex := must(s.Export(ctx, a))(t)
	if len(ex.Conferences) != 1 || len(ex.Conferences[0].Journal) != 2 {
		t.Fatalf("export = %+v; want one conference with alice's two entries", ex)
	}
	var presented *talkbot.Presentation
	for _, et := range ex.Conferences[0].Talks {
		if et.ID == talk.Talk.ID {
			presented = et.Presentation
		}
	}
	if presented == nil {
		t.Error("the export does not say alice presented her talk")
	}
	if u := must(s.Undo(ctx, a.ID))(t); !u.PresentationChanged {
		t.Errorf("undo of presented = %+v", u)
	}
	if out := must(s.Apply(ctx, talkbot.Change{User: a, TalkID: talk.Talk.ID, Log: talkbot.LogPatch{Rating: ptr(4)}}))(t); out.Presentation != nil {
		t.Errorf("after undo, still presented: %+v", out.Presentation)
	}

	f := must(s.ForgetUser(ctx, a.ID))(t)
	if f.Notes != 2 {
		t.Errorf("forget counted %d notes, want alice's 2 conference notes", f.Notes)
	}
	if got := must(s.Journal(ctx, talkbot.JournalQuery{ConferenceID: c.ID}))(t); len(got) != 1 || got[0].UserID != b.ID {
		t.Errorf("after alice is forgotten, the journal holds %+v", got)
	}
}

// recommendationsName: recommendations come with who made them, oldest first.
func recommendationsName(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	c := conf(t, s, a)
	talk := add(t, s, a, "Worth It", "", talkbot.LogPatch{}, nil)
	must(s.Apply(ctx, talkbot.Change{User: a, TalkID: talk.Talk.ID, RecommendTo: []int64{b.ID}}))(t)
	must(s.Apply(ctx, talkbot.Change{User: b, TalkID: talk.Talk.ID, RecommendTeam: true}))(t)
	rs := must(s.Recommendations(ctx, c.ID))(t)
	if len(rs) != 2 || rs[0].FromName != "alice" || rs[0].ToID != b.ID || rs[1].FromName != "bob" || rs[1].ToID != 0 {
		t.Errorf("recommendations = %+v", rs)
	}
}
