package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// miniSchedule is a small programme: three talks and a lunch on 2025-02-01 in Brussels.
func miniSchedule() talkbot.ScheduleImport {
	at := func(h, m int) time.Time { return time.Date(2025, 2, 1, h-1, m, 0, 0, time.UTC) } // CET is UTC+1
	talk := func(id, title, room string, h, m int) talkbot.Talk {
		return talkbot.Talk{SourceID: id, ScheduleID: "e" + id, Title: title, Room: room, Event: "Rust", Day: "2025-02-01",
			StartsAt: at(h, m), EndsAt: at(h, m+30), ScheduleURL: "https://example.org/schedule/event/e" + id + "/"}
	}
	lunch := talk("4", "Lunch", "Hall", 12, 0)
	lunch.NonTalk = true
	return talkbot.ScheduleImport{Source: "https://example.org/schedule.xml", Format: "frab-xml", Key: "minicon",
		Conference: talkbot.Conference{Name: "MiniCon 2025", StartsOn: "2025-02-01", EndsOn: "2025-02-01", Timezone: "Europe/Brussels"},
		Sessions: []talkbot.Talk{talk("1", "Platform Engineering Without Tears", "A", 10, 0), talk("2", "Writing your own Rust linter", "B", 10, 0),
			talk("3", "Fearless Concurrency", "A", 11, 0), lunch}}
}

func importIsKeyedOnSourceIDs(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a := user(t, s, "alice")
	hand := add(t, s, a, "writing your own rust linter!", "2025-02-01", talkbot.LogPatch{Rating: ptr(5)}, nil)
	imp := miniSchedule()
	res := must(s.ImportSchedule(ctx, a, imp))(t)
	if res.New != 3 || res.Merged != 1 || res.Conference.Name != "MiniCon 2025" || res.Conference.Timezone != "Europe/Brussels" {
		t.Errorf("first import = %+v", res)
	}
	if got := oneBySchedule(t, s, res.Conference.ID, "e2"); got.ID != hand.Talk.ID || got.SourceID != "2" || got.Room != "B" {
		t.Errorf("the hand-logged talk = %+v, want it joined to session 2", got)
	}
	if l := must(s.UserLog(ctx, a.ID, hand.Talk.ID))(t); l.Rating != 5 {
		t.Errorf("alice's log = %+v", l)
	}
	imp.Sessions[0].Room = "C"
	imp.Sessions = imp.Sessions[:3]
	again := must(s.ImportSchedule(ctx, a, imp))(t)
	if again.New != 0 || again.Updated != 1 || again.Cancelled != 1 || again.Unchanged != 2 || again.Conference.ID != res.Conference.ID {
		t.Errorf("re-import = %+v", again)
	}
	if _, err := s.ImportSchedule(ctx, a, talkbot.ScheduleImport{Conference: imp.Conference}); talkbot.ErrorCode(err) != talkbot.EINVALID {
		t.Errorf("an empty schedule: %v, want EINVALID", err)
	}
}

func scheduleSessionsByTime(t *testing.T, s commands.Store, _ *Clock) {
	ctx := context.Background()
	a, b := user(t, s, "alice"), user(t, s, "bob")
	c := must(s.ImportSchedule(ctx, a, miniSchedule()))(t).Conference
	at := time.Date(2025, 2, 1, 9, 10, 0, 0, time.UTC) // 10:10 in Brussels
	on := must3(s.ScheduleSessions(ctx, talkbot.ScheduleQuery{ConferenceID: c.ID, ViewerID: a.ID, RunningFrom: at, RunningTo: at.Add(time.Nanosecond)}))(t)
	if len(on) != 2 || on[0].Room != "A" || on[1].Room != "B" {
		t.Fatalf("on at 10:10 = %+v", on)
	}
	must(s.Apply(ctx, talkbot.Change{User: b, TalkID: on[0].ID, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended)}}))(t)
	on = must3(s.ScheduleSessions(ctx, talkbot.ScheduleQuery{ConferenceID: c.ID, ViewerID: a.ID, RunningFrom: at, RunningTo: at.Add(time.Nanosecond)}))(t)
	if !slices.Equal(on[0].Attended, []string{"bob"}) {
		t.Errorf("colleagues on %q = %v", on[0].Title, on[0].Attended)
	}
	talks := must3(s.ScheduleSessions(ctx, talkbot.ScheduleQuery{ConferenceID: c.ID, Day: "2025-02-01", TalksOnly: true}))(t)
	if len(talks) != 3 {
		t.Errorf("talks only = %d sessions, want 3 (no lunch)", len(talks))
	}
	if next := must(s.NextSessionStart(ctx, c.ID, at))(t); !next.Equal(time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("next start after 10:10 = %v", next)
	}
	if _, err := s.NextSessionStart(ctx, c.ID, at.Add(24*time.Hour)); !errors.Is(err, talkbot.ErrNotFound) {
		t.Errorf("next start after the end: %v, want ErrNotFound", err)
	}
	if tr := must(s.Tracks(ctx, c.ID))(t); !slices.Equal(tr, []string{"Rust"}) {
		t.Errorf("tracks = %v", tr)
	}
	// A typo early in a word: trigrams find what word prefixes cannot.
	if ts := must(s.TitlesLike(ctx, c.ID, []string{"paltform", "engineering"}, false, 10))(t); len(ts) != 1 || ts[0].Title != "Platform Engineering Without Tears" {
		t.Errorf("TitlesLike(paltform engineering) = %+v", ts)
	}
}

// must3 is must for the (items, total, error) of a list.
func must3[T any](v T, _ talkbot.Total, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(fmt.Errorf("list: %w", err))
		}
		return v
	}
}
