package matrix_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

// TestInviteJoinAndReply: the bot joins on invite, never answers history from
// before it joined, and answers `!talk add` with an m.notice reply.
func TestInviteJoinAndReply(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()

	room := alice.createRoom(false)
	history := alice.say(room, "!talk help")
	if err := alice.invite(room, e.botID); err != nil {
		t.Fatal(err)
	}
	alice.waitMember(room, e.botID, event.MembershipJoin)

	cmd, got := alice.ask(room, "!talk add KEDA Real Time Scaling")
	if got.MsgType != event.MsgNotice {
		t.Errorf("msgtype = %q, want m.notice", got.MsgType)
	}
	if want := "Logged new talk #1 KEDA Real Time Scaling"; !strings.HasPrefix(got.Body, want) {
		t.Errorf("body = %q, want it to start with %q", got.Body, want)
	}
	if got.Format != event.FormatHTML || !strings.Contains(got.FormattedBody, "<strong>#1</strong>") {
		t.Errorf("formatted body = %q (format %q)", got.FormattedBody, got.Format)
	}
	if got.RelatesTo.GetReplyTo() != cmd {
		t.Errorf("in reply to %q, want %q", got.RelatesTo.GetReplyTo(), cmd)
	}
	if n := len(alice.repliesTo(history)); n != 0 {
		t.Errorf("%d replies to a command sent before the bot joined, want none", n)
	}
}

// TestEtiquette: notices, edits and the bot's own replies are never
// answered; mentions are; a command in a thread is answered in the thread.
func TestEtiquette(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	room := e.botInRoom(alice, false)

	notice := alice.send(room, &event.MessageEventContent{MsgType: event.MsgNotice, Body: "!talk help"})
	edit := alice.send(room, &event.MessageEventContent{
		Body:       "* !talk help",
		NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "!talk help"},
		RelatesTo:  (&event.RelatesTo{}).SetReplace(notice),
	})
	chat := alice.say(room, "talk about the keynote later?")

	var thanks id.EventID
	t.Run("mention", func(t *testing.T) {
		cmd, got := alice.ask(room, "talkbot: what should I watch later?")
		if got.MsgType != event.MsgNotice || got.Body == "" {
			t.Errorf("reply to a mention = %+v", got)
		}
		// A reply to the bot mentions it in m.mentions, but is no command.
		thanks = alice.send(room, &event.MessageEventContent{Body: "thanks!",
			RelatesTo: (&event.RelatesTo{}).SetReplyTo(alice.reply(cmd).ID), Mentions: &event.Mentions{UserIDs: []id.UserID{e.botID}}})
	})
	t.Run("intentional mention mid-sentence", func(t *testing.T) {
		evt := alice.send(room, &event.MessageEventContent{Body: "so what should I watch later, Talkbot?", Mentions: &event.Mentions{UserIDs: []id.UserID{e.botID}}})
		got := alice.reply(evt).Content.AsMessage()
		if strings.Contains(got.Body, "know the command") {
			t.Errorf("reply = %q, want the watch list", got.Body)
		}
	})
	t.Run("thread", func(t *testing.T) {
		root := alice.say(room, "KubeCon day 1")
		evt := alice.send(room, &event.MessageEventContent{Body: "!talk list", RelatesTo: (&event.RelatesTo{}).SetThread(root, root)})
		got := alice.reply(evt).Content.AsMessage()
		if got.RelatesTo.GetThreadParent() != root || got.RelatesTo.IsFallingBack {
			t.Errorf("relates_to = %+v, want a reply in thread %s", got.RelatesTo, root)
		}
	})
	// Everything above was answered in order, so anything the bot would have
	// said to the notice, the edit or the chat line has been said by now.
	for name, evt := range map[string]id.EventID{"notice": notice, "edit": edit, "chat": chat, "thanks": thanks} {
		if n := len(alice.repliesTo(evt)); n != 0 {
			t.Errorf("%d replies to the %s, want none", n, name)
		}
	}
}

// TestRestart: a restarted bot answers nothing twice, answers a command sent
// while it was down exactly once, and skips one older than MaxAge.
func TestRestart(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot()
	room := e.botInRoom(alice, false)
	before, _ := alice.ask(room, "!talk add Talk One")
	b.stop(t)

	offline := alice.say(room, "!talk add Talk Two")
	e.startBot()
	alice.reply(offline)
	barrier, _ := alice.ask(room, "!talk list")
	for _, evt := range []id.EventID{before, offline, barrier} {
		if n := len(alice.repliesTo(evt)); n != 1 {
			t.Errorf("%d replies to %s, want exactly 1", n, evt)
		}
	}

	t.Run("too old", func(t *testing.T) {
		e.bots[len(e.bots)-1].stop(t)
		old := alice.say(room, "!talk add Talk Three")
		var skew atomic.Int64
		skew.Store(int64(2 * time.Hour))
		b := e.startBot(func(c *matrix.Config) { c.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) } })
		b.waitLog(t, "skipping a command sent too long ago")
		skew.Store(0)
		alice.ask(room, "!talk list")
		if n := len(alice.repliesTo(old)); n != 0 {
			t.Errorf("%d replies to a command older than MaxAge, want none", n)
		}
	})
}

// TestRedelivery: when the sync position is lost (a crash before it was
// saved), the homeserver sends the room's recent events again: the bot
// answers none of them twice and carries out none of their changes again.
func TestRedelivery(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	seen := &markSeen{Handler: e.router, st: e.store, marked: map[string]bool{}}
	b := e.startBotWith(seen)
	room := e.botInRoom(alice, false)
	ctx, key := context.Background(), "matrix.next_batch:"+e.botID.String()
	var saved string
	poll(t, "the bot saves its sync position", func() bool {
		saved, _ = e.store.State(ctx, key)
		return saved != ""
	})
	var answered []id.EventID
	for _, cmd := range []string{"!talk add Talk One 3/5", "!talk rate 5", "!talk list", "!talk rate 9", "!talk note a note"} {
		evt, _ := alice.ask(room, cmd)
		answered = append(answered, evt)
	}
	b.stop(t)
	// A change commits with its event's mark, so a crash after it cannot run
	// it again; a command that changes nothing is marked as its answer leaves.
	seen.mu.Lock()
	for text, want := range map[string]bool{"add Talk One 3/5": true, "rate 5": true, "note a note": true, "list": false, "rate 9": false} {
		if got, ok := seen.marked[text]; !ok || got != want {
			t.Errorf("%q: event marked handled before its reply was sent = %v (seen %v), want %v", text, got, ok, want)
		}
	}
	seen.mu.Unlock()
	// As if the bot had died before saving any position after saved.
	if err := e.store.SetState(ctx, key, saved); err != nil {
		t.Fatal(err)
	}

	again := &markSeen{Handler: e.router, st: e.store, marked: map[string]bool{}}
	e.startBotWith(again)
	barrier, got := alice.ask(room, "!talk show #1")
	for _, evt := range append(answered, barrier) {
		if n := len(alice.repliesTo(evt)); n != 1 {
			t.Errorf("%d replies to %s, want exactly 1", n, evt)
		}
	}
	if n := strings.Count(got.Body, "a note"); n != 1 {
		t.Errorf("the note appears %d times after the redelivery, want 1: %q", n, got.Body)
	}
	again.mu.Lock()
	defer again.mu.Unlock()
	if ran := slices.Sorted(maps.Keys(again.marked)); !slices.Equal(ran, []string{"show #1"}) {
		t.Errorf("the restarted bot ran %q, want only the new command: the redelivered ones are dropped before any work", ran)
	}
}

// TestAnswersWhenTheMarkFails: when the record that an event was handled
// cannot be written, the bot still answers (and logs it): better twice,
// should the event come back, than never.
func TestAnswersWhenTheMarkFails(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot(func(c *matrix.Config) { c.State = failingMarks{e.store} })
	room := e.botInRoom(alice, false)
	if _, got := alice.ask(room, "!talk list"); !strings.Contains(got.Body, "Nothing here yet") {
		t.Errorf("reply = %q, want the (empty) list", got.Body)
	}
	b.waitLog(t, "mark event handled")
}

// failingMarks is the store, except that marking an event handled fails.
type failingMarks struct{ *store.Store }

func (failingMarks) MarkHandled(context.Context, string, string) (bool, error) {
	return false, errors.New("disk I/O error")
}

// markSeen records, for each command, whether its event was marked handled
// by the time the router answered, before the adapter sent the reply.
type markSeen struct {
	dispatch.Handler
	st *store.Store

	mu     sync.Mutex
	marked map[string]bool // by the command's text
}

func (h *markSeen) Handle(ctx context.Context, req commands.Request) commands.Reply {
	r := h.Handler.Handle(ctx, req)
	var done bool
	if m := talkbot.EventMarkFrom(ctx); m != nil {
		done, _ = h.st.Handled(ctx, m.Platform, m.EventID)
	}
	h.mu.Lock()
	h.marked[commands.StripPrefix(req.Text)] = done
	h.mu.Unlock()
	return r
}

// TestEncryptedRoom: an encrypted room works, and keeps working after a restart.
func TestEncryptedRoom(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot()
	room := e.botInRoom(alice, true)

	cmd := alice.say(room, "!talk add Encrypted Talk")
	reply := alice.reply(cmd)
	if reply.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the reply in an encrypted room was not encrypted")
	}
	if got := reply.Content.AsMessage().Body; !strings.Contains(got, "#1 Encrypted Talk") {
		t.Errorf("reply = %q", got)
	}
	b.stop(t)

	e.startBot()
	cmd = alice.say(room, "!talk rate 5")
	reply = alice.reply(cmd)
	if reply.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the reply after a restart was not encrypted")
	}
	if got := reply.Content.AsMessage().Body; !strings.HasPrefix(got, "Rated ★★★★★ 5/5: #1 Encrypted Talk") {
		t.Errorf("reply after restart = %q", got)
	}
}

// TestReactions: reactions on a talk reply rate, star and list it.
func TestReactions(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	room := e.botInRoom(alice, false)
	cmd := alice.say(room, "!talk add KEDA Real Time Scaling")
	talkReply := alice.reply(cmd).ID

	for _, tc := range []struct{ key, want string }{
		{"4️⃣", "Rated ★★★★☆ 4/5: #1 KEDA Real Time Scaling"},
		{"⭐", "Starred ⭐ #1 KEDA Real Time Scaling"},
	} {
		reaction := alice.react(room, talkReply, tc.key)
		poll(t, "the bot acts on "+tc.key, func() bool {
			for _, r := range alice.repliesTo(talkReply) {
				if strings.HasPrefix(r.Content.AsMessage().Body, tc.want) {
					return true
				}
			}
			return false
		})
		_ = reaction
	}
	_, got := alice.ask(room, "!talk list")
	if !strings.Contains(got.Body, "★★★★☆ 4/5, starred") {
		t.Errorf("list after reactions = %q, want the rating and the star", got.Body)
	}
}

// TestReactionsTakenBack: removing a reaction takes back what it did,
// unless something since has changed it; a moderator's removal of
// someone's reaction changes nothing of theirs.
func TestReactionsTakenBack(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	e.startBot()
	room := e.sharedRoom(alice, bob)
	card := alice.reply(alice.say(room, "!talk add KEDA Real Time Scaling")).ID
	sees := func(u *user, what string) {
		t.Helper()
		poll(t, "the bot answers "+what, func() bool {
			for _, r := range u.repliesTo(card) {
				if strings.HasPrefix(r.Content.AsMessage().Body, what) {
					return true
				}
			}
			return false
		})
	}
	redact := func(u *user, evt id.EventID) {
		t.Helper()
		if _, err := u.cli.RedactEvent(context.Background(), room, evt); err != nil {
			t.Fatalf("redact: %v", err)
		}
	}
	star := alice.react(room, card, "⭐")
	sees(alice, "Starred ⭐ #1")
	four := alice.react(room, card, "4️⃣")
	sees(alice, "Rated ★★★★☆ 4/5")
	five := alice.react(room, card, "5️⃣")
	sees(alice, "Rated ★★★★★ 5/5")
	redact(alice, star)
	sees(alice, "Unstarred #1")
	redact(alice, four) // the 5 came after it
	sees(alice, "Your rating of #1 is 5/5, not 4/5")
	if _, got := alice.ask(room, "!talk list"); !strings.Contains(got.Body, "★★★★★ 5/5") || strings.Contains(got.Body, "starred") {
		t.Errorf("list after taking back the star and the 4 = %q, want 5/5 and no star", got.Body)
	}
	redact(alice, five)
	sees(alice, "Rating removed: #1")
	// A reaction that found the talk so already takes nothing back.
	alice.ask(room, "!talk rate #1 4")
	again := alice.react(room, card, "4️⃣")
	sees(alice, "Already rated 4/5")
	redact(alice, again)
	if _, got := alice.ask(room, "!talk list"); !strings.Contains(got.Body, "★★★★☆ 4/5") {
		t.Errorf("list after removing a 4️⃣ that changed nothing = %q, want the 4/5 typed before it", got.Body)
	}

	bobStar := bob.react(room, card, "⭐")
	sees(bob, "Starred ⭐ #1")
	redact(alice, bobStar) // alice made the room: a moderator here
	if _, got := bob.ask(room, "!talk list"); !strings.Contains(got.Body, "starred") {
		t.Errorf("bob's list after a moderator removed his reaction = %q, want his star kept", got.Body)
	}
}

// TestNeutralised: @room and HTML in a title are echoed as text.
func TestNeutralised(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	room := e.botInRoom(alice, false)
	_, got := alice.ask(room, `!talk add <b>Bold</b> @room <a href="javascript:alert(1)">x</a> <img src=x onerror=alert(1)>`)
	if strings.Contains(got.Body, "@room") || strings.Contains(got.FormattedBody, "@room") {
		t.Errorf("@room not defanged: body %q, html %q", got.Body, got.FormattedBody)
	}
	for _, tag := range htmlTag.FindAllString(got.FormattedBody, -1) {
		if !allowedTag[tag] {
			t.Errorf("formatted body has the tag %s: %q", tag, got.FormattedBody)
		}
	}
	if !strings.Contains(got.FormattedBody, "&lt;b&gt;Bold&lt;/b&gt;") {
		t.Errorf("formatted body = %q, want the HTML escaped", got.FormattedBody)
	}
	if got.Mentions == nil || got.Mentions.Room || len(got.Mentions.UserIDs) != 1 || got.Mentions.UserIDs[0] != alice.ID {
		t.Errorf("m.mentions = %+v, want only the asker", got.Mentions)
	}
}

var (
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
	allowedTag = map[string]bool{"<strong>": true, "</strong>": true, "<br>": true, "<code>": true, "</code>": true, "<em>": true, "</em>": true}
)

// TestTwoUsers: two people in one room each see their own logs, and power
// level 50 makes a room admin.
func TestTwoUsers(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	bot := e.startBot()
	room := e.sharedRoom(alice, bob)

	alice.ask(room, "!talk add Alice's Talk")
	bob.ask(room, "!talk add Bob's Talk")
	_, a := alice.ask(room, "!talk list")
	_, bb := bob.ask(room, "!talk list")
	if !strings.Contains(a.Body, "Alice's Talk") || strings.Contains(a.Body, "Bob's Talk") {
		t.Errorf("alice's list = %q", a.Body)
	}
	if !strings.Contains(bb.Body, "Bob's Talk") || strings.Contains(bb.Body, "Alice's Talk") {
		t.Errorf("bob's list = %q", bb.Body)
	}

	// An export holds private notes: not posted where others read.
	cmd, got := alice.ask(room, "!talk export json")
	if !strings.Contains(got.Body, "ask me in a direct message") {
		t.Errorf("export in a shared room = %q", got.Body)
	}
	alice.ask(room, "!talk help") // everything for cmd has been sent by now
	if n := len(alice.repliesTo(cmd)); n != 1 {
		t.Errorf("%d replies to export in a shared room, want 1 (no file)", n)
	}

	// Mentions are data: a pill, or a full user id, names the colleague.
	evt := alice.send(room, &event.MessageEventContent{Body: "!talk recommend #1 Bob", Format: event.FormatHTML,
		FormattedBody: `!talk recommend #1 <a href="https://matrix.to/#/` + bob.ID.String() + `">Bob</a>`})
	if got := alice.reply(evt).Content.AsMessage().Body; !strings.HasPrefix(got, "Recommended #1 Alice's Talk") || !strings.Contains(got, "to bob;") {
		t.Errorf("recommend to a pill = %q, want it recommended to bob", got)
	}
	if _, got := alice.ask(room, "!talk recommend #1 @carol:localhost"); !strings.Contains(got.Body, "to carol;") {
		t.Errorf("recommend to a user id = %q, want it recommended to carol, who has not used the bot yet", got.Body)
	}
	if _, got := bob.ask(room, "!talk watch"); !strings.Contains(got.Body, "Alice's Talk") {
		t.Errorf("bob's watch list after alice's recommendation = %q", got.Body)
	}
	// A private reply is never posted where others read it.
	private := commands.Reply{Private: true, Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: "alice's private notes"}}}}}
	if _, err := bot.adapter.Post(context.Background(), commands.Destination{Channel: room.String()}, private); err == nil {
		t.Errorf("a private reply was posted to a room of three")
	}

	// Alice made the room (power level 100): she is an admin there, Bob is not.
	if _, got := alice.ask(room, "!talk edit #2 room:W183"); got.Body == "" || strings.Contains(got.Body, "Only whoever") {
		t.Errorf("the room admin's edit of another's talk = %q, want it done", got.Body)
	}
	if _, got := bob.ask(room, "!talk edit #1 room:W183"); !strings.Contains(got.Body, "Only whoever logged #1 first, or an admin") {
		t.Errorf("a member's edit of another's talk = %q, want it refused", got.Body)
	}
}

// TestARoomOfOnesOwnMakesNoAdmin: the workspace is the whole homeserver,
// and whoever makes a room has power level 100 in it. In a room of her own
// with the bot, mallory is nobody's admin.
func TestARoomOfOnesOwnMakesNoAdmin(t *testing.T) {
	e := newEnv(t)
	alice, mallory := e.newUser("alice"), e.newUser("mallory")
	e.startBot()
	room := e.botInRoom(alice, false)
	alice.ask(room, "!talk add Alice's Great Talk 5/5")
	own := e.botInRoom(mallory, false)
	for _, cmd := range []string{"!talk edit #1 title:Garbage", "!talk digest on here at 18:00"} {
		if _, got := mallory.ask(own, cmd); !strings.Contains(got.Body, "Only") {
			t.Errorf("mallory in her own room: %q answered %q", cmd, got.Body)
		}
	}
	mallory.ask(own, "!talk conf new Mallory Con") // switches only her
	if _, got := alice.ask(room, "!talk show #1"); !strings.HasPrefix(got.Body, "#1 Alice's Great Talk") {
		t.Errorf("alice's talk is now %q", got.Body)
	}
	if _, got := alice.ask(room, "!talk conf"); strings.Contains(got.Body, "Mallory Con") {
		t.Errorf("mallory switched the team: %q", got.Body)
	}
}

// TestBotAdminsTurnRoomModeratorsOff: with BOT_ADMINS set (cmd/bot then
// turns room moderators off), a room's creator is no admin even in a room
// shared with others.
func TestBotAdminsTurnRoomModeratorsOff(t *testing.T) {
	e := newEnv(t)
	carol, dave := e.newUser("carol"), e.newUser("dave")
	e.startBot(func(c *matrix.Config) { c.RoomModeratorsAreAdmins = false })
	shared := e.botInRoom(carol, false)
	if err := carol.invite(shared, dave.ID); err != nil {
		t.Fatal(err)
	}
	dave.waitMember(shared, dave.ID, event.MembershipInvite)
	dave.join(shared)
	dave.ask(shared, "!talk add Dave's Talk")
	if _, got := carol.ask(shared, "!talk edit #1 room:Nowhere"); !strings.Contains(got.Body, "Only whoever logged #1 first, or an admin") {
		t.Errorf("a room's creator with BOT_ADMINS set: an edit of dave's talk answered %q", got.Body)
	}
}

// TestPrivateOnlyWhereLaterMembersCannotReadBack: a room of two is private
// only when nobody can read back what the bot said there: not a public or
// world-readable room, and not an unencrypted room whose history the
// colleagues invited next week would read. A room whose history starts at
// each member's invite is private.
func TestPrivateOnlyWhereLaterMembersCannotReadBack(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	ctx := context.Background()
	room := func(preset string, history event.HistoryVisibility) id.RoomID {
		req := &mautrix.ReqCreateRoom{Preset: preset, Invite: []id.UserID{e.botID}, Name: "talks"}
		if history != "" {
			req.InitialState = []*event.Event{{Type: event.StateHistoryVisibility,
				Content: event.Content{Parsed: &event.HistoryVisibilityEventContent{HistoryVisibility: history}}}}
		}
		resp, err := alice.cli.CreateRoom(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		alice.waitMember(resp.RoomID, e.botID, event.MembershipJoin)
		return resp.RoomID
	}
	first := room("private_chat", event.HistoryVisibilityJoined)
	alice.ask(first, "!talk add Talk A")
	if _, got := alice.ask(first, "!talk note --private #1 zebrapassword: layoffs next week"); strings.Contains(got.Body, "can read what you typed") {
		t.Errorf("a private room's private note warns: %s", got.Body)
	}
	// Where others read the room, the message typed was read too: the reply says so.
	if _, got := alice.ask(room("private_chat", ""), "!talk note --private #1 and the reorg"); !strings.Contains(got.Body, "Others here can read what you typed") {
		t.Errorf("a shared room's private note does not warn: %s", got.Body)
	}
	for _, tc := range []struct {
		name    string
		room    id.RoomID
		private bool
	}{
		{"private, history from each join", first, true},
		{"private, Matrix's default history", room("private_chat", ""), false},
		{"public, world-readable", room("public_chat", event.HistoryVisibilityWorldReadable), false},
		{"public, history from each join", room("public_chat", event.HistoryVisibilityJoined), false},
	} {
		_, got := alice.ask(tc.room, "!talk notes #1")
		if shown := strings.Contains(got.Body, "zebrapassword"); shown != tc.private {
			t.Errorf("%s: the private note shown = %v, want %v:\n%s", tc.name, shown, tc.private, got.Body)
		}
		// The export's answer, and where it is private its file: both reply,
		// in either order.
		evt := alice.say(tc.room, "!talk export json")
		var answer string
		poll(t, "the export's answer", func() bool {
			for _, r := range alice.repliesTo(evt) {
				if m := r.Content.AsMessage(); m.MsgType != event.MsgFile {
					answer = m.Body
				}
			}
			return answer != ""
		})
		if asked := strings.Contains(answer, "ask me in a direct message"); asked == tc.private {
			t.Errorf("%s: export json answered %q", tc.name, answer)
		}
	}
}

// TestCoreRulesThroughMatrix: the talk-resolution rules hold for commands
// that arrive over a real homeserver, in a room two people share.
func TestCoreRulesThroughMatrix(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	e.startBot()
	room := e.sharedRoom(alice, bob)

	alice.ask(room, "!talk add SIG Node Intro and Deep Dive - Sergey Kanzhelev, Google 4/5")
	if _, got := bob.ask(room, "!talk missed SIG Network Intro and Deep Dive - Tim Hockin, Google -- room full"); !strings.Contains(got.Body, "Missed new talk #2 SIG Network Intro and Deep Dive") {
		t.Errorf("missed SIG Network = %q", got.Body)
	}
	if _, got := alice.ask(room, "!talk show #1"); !strings.Contains(got.Body, "attended, ★★★★☆ 4/5") || strings.Contains(got.Body, "missed") {
		t.Errorf("SIG Node after bob's missed = %q", got.Body)
	}
	if _, got := bob.ask(room, "!talk add Top #1 Kubernetes Mistakes -- oops"); !strings.Contains(got.Body, "Logged new talk #3 Top #1 Kubernetes Mistakes") {
		t.Errorf("a #1 inside a title = %q", got.Body)
	}
}

// TestInviters: invites from servers and users not allowed are refused.
func TestInviters(t *testing.T) {
	e := newEnv(t)
	alice, mallory := e.newUser("alice"), e.newUser("mallory")
	e.startBot(func(c *matrix.Config) { c.AllowedInviters = []string{"example.org", "@alice:localhost"} })

	refused := mallory.createRoom(false, e.botID)
	mallory.waitMember(refused, e.botID, event.MembershipLeave)

	allowed := alice.createRoom(false, e.botID)
	alice.waitMember(allowed, e.botID, event.MembershipJoin)
}

// A direct chat that became a group and lost the one it was made with is
// no direct chat of whoever is left: their chat lines are no commands. So
// too for a chat the bot remembered before it kept who it is with.
func TestAFormerDirectChatWantsThePrefix(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("remembered as before: %v", legacy), func(t *testing.T) {
			e := newEnv(t)
			alice, bob := e.newUser("alice"), e.newUser("bob")
			e.startBot()
			ctx := context.Background()
			resp, err := alice.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "private_chat", Invite: []id.UserID{e.botID}, IsDirect: true})
			if err != nil {
				t.Fatal(err)
			}
			room := resp.RoomID
			alice.waitMember(room, e.botID, event.MembershipJoin)
			if _, got := alice.ask(room, "help"); !strings.Contains(got.Body, "add") {
				t.Fatalf("alice's direct chat: %q", got.Body)
			}
			if legacy {
				if err := e.store.SetState(ctx, "matrix.direct:"+room.String(), "1"); err != nil {
					t.Fatal(err)
				}
				if _, got := alice.ask(room, "help"); !strings.Contains(got.Body, "add") {
					t.Fatalf("alice's direct chat, remembered as before: %q", got.Body)
				}
			}
			if err := alice.invite(room, bob.ID); err != nil {
				t.Fatal(err)
			}
			bob.waitMember(room, bob.ID, event.MembershipInvite)
			bob.join(room)
			if _, err := alice.cli.LeaveRoom(ctx, room); err != nil {
				t.Fatal(err)
			}
			bob.waitMember(room, alice.ID, event.MembershipLeave)
			chat := bob.say(room, "anyone going to the party tonight?")
			if _, got := bob.ask(room, "!talk help"); !strings.Contains(got.Body, "add") {
				t.Fatalf("bob's command: %q", got.Body)
			}
			if n := len(bob.repliesTo(chat)); n != 0 {
				t.Errorf("the bot answered bob's chat line %d times", n)
			}
		})
	}
}

// TestDirectChat: in a direct chat with the bot no prefix is needed, and
// `export json` comes as an (encrypted) file.
func TestDirectChat(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot()
	ctx := context.Background()
	resp, err := alice.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset: "trusted_private_chat", Invite: []id.UserID{e.botID}, IsDirect: true,
		InitialState: []*event.Event{{Type: event.StateEncryption, Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	room := resp.RoomID
	alice.waitMember(room, e.botID, event.MembershipJoin)
	_, got := alice.ask(room, "add Talk In A DM -- a private thought")
	if !strings.HasPrefix(got.Body, "Logged new talk #1 Talk In A DM") {
		t.Errorf("reply in a direct chat = %q", got.Body)
	}

	cmd := alice.say(room, "export json")
	poll(t, "the export file", func() bool { return len(alice.repliesTo(cmd)) == 2 })
	var file *event.MessageEventContent
	for _, r := range alice.repliesTo(cmd) {
		if c := r.Content.AsMessage(); c.MsgType == event.MsgFile {
			file = c
		}
	}
	if file == nil || file.File == nil {
		t.Fatalf("no encrypted file among the replies to export: %+v", alice.repliesTo(cmd))
	}
	mxc, err := file.File.URL.Parse()
	if err != nil {
		t.Fatal(err)
	}
	data, err := alice.cli.DownloadBytes(ctx, mxc)
	if err != nil {
		t.Fatal(err)
	}
	if err := file.File.DecryptInPlace(data); err != nil {
		t.Fatalf("decrypt the export: %v", err)
	}
	if !strings.Contains(string(data), `"format": "talkbot.export/v1"`) || !strings.Contains(string(data), "a private thought") {
		t.Errorf("export = %s", data)
	}

	// A post to alice goes to the direct chat she made.
	posted, err := b.adapter.Post(ctx, commands.Destination{User: alice.ID.String()},
		commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: "Your digest."}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if evt := alice.botEvent(room, e.botID, id.EventID(posted)); evt.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the post in the direct chat was not encrypted")
	}
}

// TestLeaveEmptyRoom: the bot leaves a room when the last person leaves.
func TestLeaveEmptyRoom(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot()
	room := e.botInRoom(alice, false)
	alice.ask(room, "!talk help")
	if _, err := alice.cli.LeaveRoom(context.Background(), room); err != nil {
		t.Fatal(err)
	}
	b.waitLog(t, "left a room everyone else had left")
}

// TestPanicAndRateLimit: a panicking command is logged, answered with an
// apology, and the bot goes on; a user over their rate is told to slow down.
func TestPanicAndRateLimit(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	h := extraCommands{router: e.router, extra: map[string]commands.Command{"boom": {Name: "boom"}},
		run: func(context.Context, commands.Request) commands.Reply { panic("boom") }}
	b := e.startBotWith(h, func(c *matrix.Config) { c.Limiter = dispatch.NewLimiter(3, time.Hour) })
	room := e.botInRoom(alice, false)
	if _, got := alice.ask(room, "!talk boom"); !strings.HasPrefix(got.Body, "Something went wrong on my side") {
		t.Errorf("reply to a command whose handler panicked = %q, want an apology", got.Body)
	}
	if _, got := alice.ask(room, "!talk help"); !strings.Contains(got.Body, "add") {
		t.Errorf("help after a panic = %q", got.Body)
	}
	b.waitLog(t, "a command panicked")
	alice.ask(room, "!talk list") // the third command of the burst
	if _, got := alice.ask(room, "!talk list"); !strings.HasPrefix(got.Body, "Easy there") {
		t.Errorf("a fourth command at once = %q, want the rate limit", got.Body)
	}
	// Told once: the rest of a flood (or another bot answering each notice)
	// goes unanswered.
	var flood []id.EventID
	for range 3 {
		flood = append(flood, alice.say(room, "!talk list"))
	}
	poll(t, "the flood handled", func() bool {
		for _, evt := range flood {
			if done, err := e.store.Handled(context.Background(), matrix.Platform, evt.String()); err != nil || !done {
				return false
			}
		}
		return true
	})
	for _, evt := range flood {
		if replies := alice.repliesTo(evt); len(replies) > 0 {
			t.Errorf("a command over the rate, told before, was answered: %q", replies[0].Content.AsMessage().Body)
		}
	}
}

// TestSyncRecovers: when the homeserver goes away and comes back, the bot
// backs off, syncs again and answers.
func TestSyncRecovers(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot()
	room := e.botInRoom(alice, false)
	alice.ask(room, "!talk add Before The Outage")

	e.srv.Stop()
	b.waitLog(t, "sync failed; retrying")
	e.srv.Restart(t)

	_, got := alice.ask(room, "!talk add After The Outage")
	if !strings.HasPrefix(got.Body, "Logged new talk #2 After The Outage") {
		t.Errorf("reply after the outage = %q", got.Body)
	}
}

// TestAccessToken: the bot also runs from an access token instead of a password.
func TestAccessToken(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	token := e.accessToken()
	e.startBot(func(c *matrix.Config) { c.Password, c.UserID, c.AccessToken = "", "", token })
	room := e.botInRoom(alice, true)
	if _, got := alice.ask(room, "!talk add Token Talk"); !strings.HasPrefix(got.Body, "Logged new talk #1 Token Talk") {
		t.Errorf("reply = %q", got.Body)
	}
}

// TestWrongPassword: a bad login stops Run with an error that says so.
func TestWrongPassword(t *testing.T) {
	e := newEnv(t)
	a, err := matrix.New(matrix.Config{
		Homeserver: e.srv.URL, UserID: e.botID.String(), Password: "wrong",
		PickleKey: "k", CryptoDB: filepath.Join(t.TempDir(), "c.db"), State: e.store,
		Runtime: dispatch.New(dispatch.Config{Handler: e.router}),
	})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "refused MATRIX_USER or MATRIX_PASSWORD") {
		t.Errorf("Run with a wrong password = %v", err)
	}
	// A post to a bot that never started fails at once rather than waiting.
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, err := a.Post(ctx, commands.Destination{Channel: "!room:localhost"}, say("hello")); err == nil || ctx.Err() != nil {
		t.Errorf("post to a stopped bot = %v (context %v), want an error at once", err, ctx.Err())
	}
}

// TestSlowCommand: a slow command is answered "working on it…" at once,
// then that notice is edited into the answer, encrypted in an encrypted
// room; meanwhile it holds up neither the sync loop nor other rooms.
func TestSlowCommand(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	h := extraCommands{router: e.router, extra: map[string]commands.Command{"summary": {Name: "summary", Slow: true}},
		run: func(ctx context.Context, req commands.Request) commands.Reply {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return commands.Reply{Blocks: []commands.Block{
				&commands.Paragraph{Spans: []commands.Span{{Text: "Summary of "}, {Text: "#1", Style: commands.StyleStrong}, {Text: ": <great> talk"}}},
			}}
		}}
	e.startBotWith(h)
	t.Cleanup(free) // runs before the bot stops, should the test fail early
	slowRoom, fastRoom := e.botInRoom(alice, true), e.botInRoom(alice, false)
	cmd := alice.say(slowRoom, "!talk summary #1")
	progress := alice.reply(cmd)
	if got := progress.Content.AsMessage(); got.MsgType != event.MsgNotice || got.Body != "Working on it…" {
		t.Errorf("first reply to a slow command = %s %q, want an m.notice saying it is working on it", got.MsgType, got.Body)
	}
	if _, got := alice.ask(fastRoom, "!talk add A quick talk"); !strings.Contains(got.Body, "A quick talk") {
		t.Errorf("reply in the other room = %q", got.Body)
	}
	if n := len(alice.editsOf(progress.ID)); n != 0 {
		t.Fatalf("the slow command was answered before it finished")
	}
	free()
	poll(t, "the answer replaces the progress notice", func() bool { return len(alice.editsOf(progress.ID)) > 0 })
	edit := alice.editsOf(progress.ID)[0]
	if edit.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the edit in an encrypted room was sent in plaintext")
	}
	got := edit.Content.AsMessage()
	if got.NewContent == nil || got.NewContent.Body != "Summary of #1: <great> talk" || got.NewContent.FormattedBody != "Summary of <strong>#1</strong>: &lt;great&gt; talk" {
		t.Errorf("the edit's new content = %+v, want the answer", got.NewContent)
	}
	if got.NewContent != nil && got.NewContent.MsgType != event.MsgNotice {
		t.Errorf("the answer is a %s, want an m.notice", got.NewContent.MsgType)
	}
	alice.ask(slowRoom, "!talk help") // everything for cmd has been sent by now
	if n := len(alice.repliesTo(cmd)); n != 1 {
		t.Errorf("%d replies to the slow command, want 1 (the notice, then edited)", n)
	}
	noPlaintext(t, alice, slowRoom, e.botID)
}

// TestSlowCommandCutOff: a slow command that a shutdown cuts off, after it
// said it is working on it, runs again when the restarted bot gets its event
// back, and is answered once.
func TestSlowCommandCutOff(t *testing.T) {
	e := newEnv(t)
	e.grace = 50 * time.Millisecond
	alice := e.newUser("alice")
	var runs atomic.Int32
	h := extraCommands{router: e.router, extra: map[string]commands.Command{"summary": {Name: "summary", Slow: true}},
		run: func(ctx context.Context, req commands.Request) commands.Reply {
			if runs.Add(1) == 1 {
				<-ctx.Done() // the bot stops under the first run
			}
			return commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: "Summary of #1"}}}}}
		}}
	b := e.startBotWith(h)
	room := e.botInRoom(alice, false)
	cmd := alice.say(room, "!talk summary #1")
	if got := alice.reply(cmd).Content.AsMessage().Body; got != "Working on it…" {
		t.Fatalf("first reply = %q, want the progress notice", got)
	}
	b.stop(t) // past the grace, the runtime cuts the command off

	e.startBotWith(h)
	answers := func() (n int) {
		for _, r := range alice.repliesTo(cmd) {
			for _, edit := range alice.editsOf(r.ID) {
				if c := edit.Content.AsMessage().NewContent; c != nil && c.Body == "Summary of #1" {
					n++
				}
			}
		}
		return n
	}
	poll(t, "the restarted bot answers the slow command", func() bool { return answers() > 0 })
	alice.ask(room, "!talk help") // everything for cmd has been sent by now
	if n := answers(); n != 1 || runs.Load() != 2 {
		t.Errorf("%d answers after %d runs, want 1 answer after 2", n, runs.Load())
	}
}

// TestRepliesAtOnceReuseConnections: replies going out in several rooms at
// once keep their connections to the homeserver open for the next ones;
// with two kept a host (Go's default), most opened one of their own, a TLS
// handshake with the homeserver.
func TestRepliesAtOnceReuseConnections(t *testing.T) {
	e := newEnv(t)
	proxy := newCountingProxy(t, e.srv.URL)
	alice := e.newUser("alice")
	e.startBot(func(c *matrix.Config) {
		c.Homeserver = proxy.url
		c.Limiter = dispatch.NewLimiter(1<<30, time.Nanosecond)
	})
	rooms := make([]id.RoomID, 8)
	for i := range rooms {
		rooms[i] = e.botInRoom(alice, false)
	}
	alice.ask(rooms[0], "!talk help") // the bot is past its start-up requests
	before := proxy.conns.Load()
	const rounds = 10
	for range rounds {
		var cmds []id.EventID
		for _, room := range rooms {
			cmds = append(cmds, alice.say(room, "!talk list"))
		}
		for _, cmd := range cmds {
			alice.reply(cmd)
		}
	}
	// At most a connection for each request in flight: a reply a room, the
	// sync, and receipts and the like.
	if n, most := proxy.conns.Load()-before, int64(2*len(rooms)+4); n > most {
		t.Errorf("%d replies in %d rooms at once opened %d connections to the homeserver; want at most %d",
			rounds*len(rooms), len(rooms), n, most)
	}
}

// countingProxy forwards TCP connections to a server and counts them.
type countingProxy struct {
	url   string
	conns atomic.Int64
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &countingProxy{url: u.Scheme + "://" + ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.conns.Add(1)
			go func() {
				defer c.Close()
				s, err := net.Dial("tcp", u.Host)
				if err != nil {
					return
				}
				defer s.Close()
				go func() { io.Copy(s, c); s.Close() }()
				io.Copy(c, s)
			}()
		}
	}()
	return p
}

// A command edited before the bot read it (sent while it was down, fixed
// at once) is not run as first typed: the user is told to send the command
// they meant. In an encrypted room too, where the edit says in the clear
// what it edits.
func TestACommandEditedBeforeTheBotReadItIsNotRun(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		t.Run(fmt.Sprintf("encrypted=%v", encrypted), func(t *testing.T) {
			e := newEnv(t)
			alice := e.newUser("alice")
			b := e.startBot()
			room := e.botInRoom(alice, encrypted)
			alice.ask(room, "!talk help")
			b.stop(t)
			orig := alice.say(room, "!talk add Talk Wrong Title")
			alice.send(room, &event.MessageEventContent{MsgType: event.MsgText, Body: "* !talk add Talk Right Title",
				NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "!talk add Talk Right Title"},
				RelatesTo:  (&event.RelatesTo{}).SetReplace(orig)})
			e.startBot()
			if got := alice.reply(orig).Content.AsMessage().Body; !strings.Contains(got, "You edited that command before I read it") {
				t.Errorf("the answer to the edited command: %q", got)
			}
			if _, list := alice.ask(room, "!talk list"); strings.Contains(list.Body, "Wrong") {
				t.Errorf("the superseded text ran:\n%s", list.Body)
			}
			// An edit after the answer changes nothing, as before.
			evt, _ := alice.ask(room, "!talk add Talk Kept As Typed")
			alice.send(room, &event.MessageEventContent{MsgType: event.MsgText, Body: "* !talk add Talk Edited Later",
				NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "!talk add Talk Edited Later"},
				RelatesTo:  (&event.RelatesTo{}).SetReplace(evt)})
			if _, list := alice.ask(room, "!talk list"); !strings.Contains(list.Body, "Talk Kept As Typed") || strings.Contains(list.Body, "Edited Later") {
				t.Errorf("after an edit of an answered command:\n%s", list.Body)
			}
		})
	}
}

// A command sent as a reply to a talk's card acts on that talk, as a
// reaction on the card does, not on the talk touched last.
func TestAReplyToACardActsOnItsTalk(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	room := e.botInRoom(alice, false)
	alpha, _ := alice.ask(room, "!talk add Talk Alpha")
	card := alice.reply(alpha).ID
	alice.ask(room, "!talk add Talk Beta") // the last talk now
	for _, text := range []string{"!talk rate 2", "!talk missed -- left early"} {
		evt := alice.send(room, &event.MessageEventContent{MsgType: event.MsgText, Body: text, RelatesTo: (&event.RelatesTo{}).SetReplyTo(card)})
		if got := alice.reply(evt).Content.AsMessage().Body; !strings.Contains(got, "#1 Talk Alpha") {
			t.Errorf("%s, as a reply to Alpha's card: %q", text, got)
		}
	}
	if _, list := alice.ask(room, "!talk list"); !strings.Contains(list.Body, "Talk Beta") || strings.Count(list.Body, "2/5") != 1 {
		t.Errorf("list:\n%s", list.Body)
	}
}
