package matrix_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

// TestDigestPostedToMatrix: the room's admin turns the digest on in an
// encrypted room; at its time the scheduler posts it there as an m.notice
// with HTML, once, without the private note.
func TestDigestPostedToMatrix(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	b := e.startBot()
	room := e.botInRoom(alice, true)
	// The team's room: alice moderates a room others are in, so she is an admin.
	if err := alice.invite(room, bob.ID); err != nil {
		t.Fatal(err)
	}
	bob.waitMember(room, bob.ID, event.MembershipInvite)
	bob.join(room)

	now := time.Now()
	offset := 12 - now.UTC().Hour() // a zone where it is about noon: the day never straddles midnight
	if offset > 12 {
		offset -= 24
	}
	zone := "Etc/GMT"
	if offset != 0 {
		zone = fmt.Sprintf("Etc/GMT%+d", -offset)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{
		"!talk conf new Matrix Summit " + zone,
		"!talk add Resize Your Pods In-Place With Deterministic eBPF Triggers 5/5 -- mind <b>blown</b>",
		"!talk note --private #1 secret plans",
	} {
		if _, reply := alice.ask(room, cmd); strings.Contains(reply.Body, "Sorry") || strings.Contains(reply.Body, "Only an admin") {
			t.Fatalf("%s: %s", cmd, reply.Body)
		}
	}
	at := now.In(loc).Add(time.Minute).Format("15:04")
	if _, reply := alice.ask(room, "!talk digest on here at "+at); !strings.Contains(reply.Body, "The daily digest goes to "+room.String()) {
		t.Fatalf("digest on: %s", reply.Body)
	}

	sched := dispatch.NewScheduler(dispatch.SchedulerConfig{Ledger: e.store, Digests: e.router,
		Runtime: dispatch.New(dispatch.Config{Handler: e.router, Logger: slog.New(slog.DiscardHandler)}),
		Posters: map[string]dispatch.Poster{talkbot.PlatformMatrix: b.adapter}, Logger: slog.New(slog.NewTextHandler(b.logs, nil)),
		Now: func() time.Time { return time.Now().Add(2 * time.Minute) }}) // its log shows with the bot's should the test fail
	for range 2 {
		if err := sched.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var digests []*event.Event
	poll(t, "the digest in the room", func() bool {
		digests = digests[:0]
		for _, evt := range alice.fromBot(room, e.botID) {
			if strings.HasPrefix(evt.Content.AsMessage().Body, "Matrix Summit") {
				digests = append(digests, evt)
			}
		}
		return len(digests) > 0
	})
	// A third pass, then a barrier post: still one digest.
	if err := sched.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	alice.ask(room, "!talk digest status")
	n := 0
	for _, evt := range alice.fromBot(room, e.botID) {
		if strings.HasPrefix(evt.Content.AsMessage().Body, "Matrix Summit") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d digests in the room, want 1", n)
	}
	msg := digests[0].Content.AsMessage()
	if msg.MsgType != event.MsgNotice || digests[0].Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the digest is %s, decrypted %v: want an encrypted m.notice", msg.MsgType, digests[0].Mautrix.EventSource&event.SourceDecrypted != 0)
	}
	for _, want := range []string{"<strong>Matrix Summit", "<strong>#1</strong> Resize Your Pods", "mind &lt;b&gt;blown&lt;/b&gt;"} {
		if !strings.Contains(msg.FormattedBody, want) {
			t.Errorf("the digest's HTML lacks %q:\n%s", want, msg.FormattedBody)
		}
	}
	if strings.Contains(msg.Body, "secret plans") || strings.Contains(msg.FormattedBody, "secret plans") {
		t.Errorf("a private note in the room's digest:\n%s", msg.Body)
	}
	noPlaintext(t, alice, room, e.botID)
}

// A room upgraded (Element's Upgrade, /upgraderoom) closes the old room to
// the bot. Invited to the new room, the bot moves the room's digest there
// and says so; digest status there names the new room.
func TestTheDigestFollowsARoomUpgrade(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	e.startBot()
	room := e.sharedRoom(alice, bob)
	if _, r := alice.ask(room, "!talk digest on here at 18:00"); !strings.Contains(r.Body, "The daily digest goes to") {
		t.Fatalf("digest on: %s", r.Body)
	}
	next := upgradeAndInvite(t, alice, room, e.botID)
	alice.waitMember(next, e.botID, event.MembershipJoin)
	digestMoved(t, alice, room, next, e.botID)
}

// A digest set in a room just before the room is upgraded moves with it:
// the upgrade is followed after the commands sent before it are done.
func TestADigestSetJustBeforeAnUpgradeFollowsIt(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	h := &holdDigestOn{Handler: e.router, started: make(chan struct{}, 1), release: make(chan struct{})}
	release := sync.OnceFunc(func() { close(h.release) })
	t.Cleanup(release)
	e.startBotWith(h)
	room := e.sharedRoom(alice, bob)
	alice.say(room, "!talk digest on here at 18:00")
	select {
	case <-h.started:
	case <-time.After(wait):
		t.Fatal("the bot never started on digest on")
	}
	next := upgradeAndInvite(t, alice, room, e.botID)
	// The bot joins the new room at once; what it moves there waits for the
	// digest being set. A moment for a move that did not wait to happen:
	alice.waitMember(next, e.botID, event.MembershipJoin)
	time.Sleep(time.Second)
	release()
	digestMoved(t, alice, room, next, e.botID)
}

// digestMoved waits for the bot's notice in next that room's digest moved
// there, and checks digest status there names next.
func digestMoved(t *testing.T, u *user, room, next id.RoomID, bot id.UserID) {
	t.Helper()
	poll(t, "the notice that the digest moved", func() bool {
		for _, evt := range u.fromBot(next, bot) {
			if strings.Contains(evt.Content.AsMessage().Body, "the daily digest comes here now") {
				return true
			}
		}
		return false
	})
	_, status := u.ask(next, "!talk digest status")
	if !strings.Contains(status.Body, next.String()) || strings.Contains(status.Body, room.String()) {
		t.Errorf("digest status in the new room:\n%s", status.Body)
	}
}

// upgradeAndInvite upgrades room as u (Element's Upgrade) and invites who
// to the new room, which it returns.
func upgradeAndInvite(t *testing.T, u *user, room id.RoomID, who id.UserID) id.RoomID {
	t.Helper()
	var resp struct {
		ReplacementRoom id.RoomID `json:"replacement_room"`
	}
	if _, err := u.cli.MakeFullRequest(context.Background(), mautrix.FullRequest{Method: http.MethodPost,
		URL: u.cli.BuildClientURL("v3", "rooms", room, "upgrade"), RequestJSON: map[string]string{"new_version": "10"}, ResponseJSON: &resp}); err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if err := u.invite(resp.ReplacementRoom, who); err != nil {
		t.Fatal(err)
	}
	return resp.ReplacementRoom
}

// holdDigestOn holds each digest on command until release is closed.
type holdDigestOn struct {
	dispatch.Handler
	started chan struct{}
	release chan struct{}
}

func (h *holdDigestOn) Handle(ctx context.Context, req commands.Request) commands.Reply {
	if strings.Contains(req.Text, "digest on") {
		select {
		case h.started <- struct{}{}:
		default:
		}
		<-h.release
	}
	return h.Handler.Handle(ctx, req)
}
