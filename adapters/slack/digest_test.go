package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/dispatch"
)

// middayZone is a fixed zone where it is now about noon, so the test's day
// never straddles midnight whenever it runs.
func middayZone(now time.Time) string {
	offset := 12 - now.UTC().Hour() // hours east of UTC; Etc/GMT signs run the other way
	if offset > 12 {
		offset -= 24
	}
	if offset == 0 {
		return "Etc/GMT"
	}
	return fmt.Sprintf("Etc/GMT%+d", -offset)
}

// TestDigestPostedToSlack: an admin turns the digest on with a channel picked
// the way Slack sends it (<#C…|name>); at its time the scheduler posts Block
// Kit to that channel through the Web API, once, and a pick's "watch later"
// button acts for whoever presses it.
func TestDigestPostedToSlack(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.rt.Admins = []string{"U0ALICE"} })
	now := time.Now()
	zone := middayZone(now)
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	at := now.In(loc).Add(time.Minute).Format("15:04")
	e.slash(slash{user: "U0ALICE", text: "conf new Slack Summit " + zone})
	e.idle()
	e.slash(slash{user: "U0ALICE", text: "add Resize Your Pods In-Place With Deterministic eBPF Triggers 5/5 -- mind slightly blown"})
	e.idle()
	e.slash(slash{user: "U0BOB", text: "missed #1 -- room full"})
	e.slash(slash{user: "U0BOB", text: "note --private #1 secret plans"})
	e.slash(slash{user: "U0ALICE", text: "digest on <#C0DIGEST|kubecon-talks> at " + at, channel: "C0TALKS"})
	e.idle()
	var confirmed bool
	for _, h := range e.api.got("response_url") {
		confirmed = confirmed || strings.Contains(h.shown(t), "The daily digest goes to <#C0DIGEST>")
	}
	if !confirmed {
		t.Fatalf("digest on was not confirmed with the channel: %+v", e.api.got("response_url"))
	}
	e.api.reset()

	sched := dispatch.NewScheduler(dispatch.SchedulerConfig{Ledger: e.store, Digests: e.router, Runtime: e.rt,
		Posters: map[string]dispatch.Poster{talkbot.PlatformSlack: e.a}, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(2 * time.Minute) }})
	for range 2 {
		if err := sched.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	posts := e.api.got("chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("%d digests posted, want 1", len(posts))
	}
	f := posts[0].Form
	if f.Get("channel") != "C0DIGEST" {
		t.Errorf("posted to %q", f.Get("channel"))
	}
	blocks := f.Get("blocks")
	// The digest at (about) midday reports the day of twelve hours before: today, there.
	day := "Slack Summit: " + now.In(loc).Add(time.Minute-12*time.Hour).Format("Monday 2 January")
	for _, want := range []string{day, "Resize Your Pods In-Place", "mind slightly blown", "Missed it? Colleagues loved these", "Watch later"} {
		if !strings.Contains(shown(t, blocks), want) {
			t.Errorf("the digest's blocks lack %q:\n%s", want, blocks)
		}
	}
	if !strings.Contains(blocks, `"value":"want #1"`) {
		t.Errorf("the digest offers no Watch later:\n%s", blocks)
	}
	if strings.Contains(blocks, "secret plans") {
		t.Errorf("a private note in the channel digest:\n%s", blocks)
	}

	// Carol presses "Watch #1 later" on the channel's digest: it goes on her list.
	var parsed []struct {
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal([]byte(blocks), &parsed); err != nil {
		t.Fatal(err)
	}
	var action map[string]any
	for _, b := range parsed {
		for _, el := range b.Elements {
			if el.Value == "want #1" {
				action = map[string]any{"action_id": el.ActionID, "block_id": b.BlockID, "type": "button", "value": el.Value, "action_ts": "1.1"}
			}
		}
	}
	if action == nil {
		t.Fatalf("no watch-later button in %s", blocks)
	}
	press := blockActions("U0CAROL", e.api.responseURL("digest"), "trg-digest-want", action)
	press["container"] = map[string]any{"type": "message", "message_ts": posts[0].TS, "channel_id": "C0DIGEST"}
	press["user"] = map[string]any{"id": "U0CAROL", "username": "carol", "name": "carol", "team_id": testTeam}
	e.interact(press)
	e.idle()
	if l := e.handle("U0CAROL", "list watch"); !strings.Contains(l, "Resize Your Pods") {
		t.Errorf("carol's watch-later list after the button:\n%s", l)
	}
	if l := e.handle("U0ALICE", "list watch"); strings.Contains(l, "Resize Your Pods") {
		t.Errorf("the button acted for the digest's author, not the presser:\n%s", l)
	}
	if n := len(e.api.got("chat.update")); n != 0 {
		t.Errorf("the channel's digest was edited %d times by one person's button", n)
	}

	// A recording reaches bob, who missed it, in his direct messages.
	e.api.reset()
	e.slash(slash{user: "U0ALICE", text: "video #1 https://www.youtube.com/watch?v=29yKJ1312AM"})
	e.idle()
	e.api.reset()
	if err := sched.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	dms := e.api.got("chat.postMessage")
	if len(dms) != 2 { // bob and carol both wait for it
		t.Fatalf("%d recording notices, want 2", len(dms))
	}
	for _, dm := range dms {
		if !strings.HasPrefix(dm.Form.Get("channel"), "D") || !strings.Contains(dm.Form.Get("blocks"), "29yKJ1312AM") {
			t.Errorf("notice to %s: %s", dm.Form.Get("channel"), dm.Form.Get("blocks"))
		}
	}
}
