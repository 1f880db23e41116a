package matrix_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// wrapUp is an unprompted post: a talk card and a file.
func wrapUp(talk talkbot.Talk, file []byte) commands.Reply {
	return commands.Reply{Command: "digest", Blocks: []commands.Block{
		&commands.Paragraph{Spans: []commands.Span{{Text: "Today's highlight "}, {Text: "@room", Style: commands.StyleStrong}}},
		&commands.TalkCard{Talk: talk, Lead: []commands.Span{{Text: "Recording out:"}},
			Lines: []commands.Line{{{Text: "   "}, {Text: "watch it", Style: commands.StyleLink, URL: "https://youtu.be/abc?t=1&x=<2>"}}}},
		&commands.Actions{Buttons: []commands.Button{{Label: "Want", Command: fmt.Sprintf("want #%d", talk.ID)}}},
		&commands.Attachment{Name: "wrap-up.md", MediaType: "text/markdown", Data: file},
	}}
}

// botEvent waits until u has seen the bot's event evt in room and returns it.
func (u *user) botEvent(room id.RoomID, bot id.UserID, evt id.EventID) *event.Event {
	u.t.Helper()
	var found *event.Event
	poll(u.t, "the bot's event "+evt.String(), func() bool {
		for _, e := range u.fromBot(room, bot) {
			if e.ID == evt {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// botFiles returns the m.file events from the bot u has seen in room.
func (u *user) botFiles(room id.RoomID, bot id.UserID) []*event.Event {
	var out []*event.Event
	for _, e := range u.fromBot(room, bot) {
		if e.Content.AsMessage().MsgType == event.MsgFile {
			out = append(out, e)
		}
	}
	return out
}

// download fetches a file event's bytes, decrypting them when they are encrypted.
func (u *user) download(evt *event.Event) []byte {
	u.t.Helper()
	c := evt.Content.AsMessage()
	uri := c.URL
	if c.File != nil {
		uri = c.File.URL
	}
	mxc, err := uri.Parse()
	if err != nil {
		u.t.Fatal(err)
	}
	data, err := u.cli.DownloadBytes(context.Background(), mxc)
	if err != nil {
		u.t.Fatal(err)
	}
	if c.File != nil {
		if err := c.File.DecryptInPlace(data); err != nil {
			u.t.Fatalf("decrypt the file: %v", err)
		}
	}
	return data
}

// TestPost: an unprompted post with a talk card and a file arrives in an
// encrypted room (encrypted, file too) and in a plain one; posting it again
// with the same key posts nothing new; reactions on the card work; a reply
// too long for one event arrives whole, in several.
func TestPost(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot()
	ctx := context.Background()
	plainRoom := e.botInRoom(alice, false)
	alice.ask(plainRoom, "!talk add Unprompted <Talk>")
	talk := talkbot.Talk{ID: 1, Title: "Unprompted <Talk>"}
	file := []byte("# Wrap-up\n\n- #1 Unprompted <Talk>: ★★★★★\n")

	for _, encrypted := range []bool{true, false} {
		name := map[bool]string{true: "encrypted", false: "plain"}[encrypted]
		t.Run(name, func(t *testing.T) {
			room := plainRoom
			if encrypted {
				room = e.botInRoom(alice, true)
			}
			to := commands.Destination{Platform: talkbot.PlatformMatrix, Channel: room.String(), Key: "wrap-up 2024-11-13 " + name}
			posted, err := b.adapter.Post(ctx, to, wrapUp(talk, file))
			if err != nil {
				t.Fatalf("post: %v", err)
			}
			evt := alice.botEvent(room, e.botID, id.EventID(posted))
			if decrypted := evt.Mautrix.EventSource&event.SourceDecrypted != 0; decrypted != encrypted {
				t.Errorf("the post was decrypted: %v, want %v", decrypted, encrypted)
			}
			got := evt.Content.AsMessage()
			if want := "Today's highlight @\u2060room\nRecording out: #1 Unprompted <Talk>\n   watch it <https://youtu.be/abc?t=1&x=<2>>"; got.MsgType != event.MsgNotice || got.Body != want {
				t.Errorf("post = %s %q, want an m.notice %q", got.MsgType, got.Body, want)
			}
			if want := `Recording out: <strong>#1</strong> Unprompted &lt;Talk&gt;<br>   <a href="https://youtu.be/abc?t=1&amp;x=&lt;2&gt;">watch it</a>`; !strings.Contains(got.FormattedBody, want) {
				t.Errorf("post HTML = %q, want it to contain %q", got.FormattedBody, want)
			}
			if got.RelatesTo != nil || got.Mentions == nil || len(got.Mentions.UserIDs) != 0 || got.Mentions.Room {
				t.Errorf("relates_to %+v, mentions %+v: want a post that answers nothing and pings nobody", got.RelatesTo, got.Mentions)
			}
			poll(t, "the file", func() bool { return len(alice.botFiles(room, e.botID)) > 0 })
			f := alice.botFiles(room, e.botID)[0]
			if c := f.Content.AsMessage(); c.Body != "wrap-up.md" || (c.File != nil) != encrypted {
				t.Errorf("file %q, encrypted %v; want wrap-up.md, encrypted %v", c.Body, c.File != nil, encrypted)
			}
			if data := alice.download(f); !bytes.Equal(data, file) {
				t.Errorf("file = %q, want %q", data, file)
			}

			again, err := b.adapter.Post(ctx, to, wrapUp(talk, file))
			if err != nil || again != posted {
				t.Errorf("the same post again = %q, %v; want the first post %q", again, err, posted)
			}
			barrier, err := b.adapter.Post(ctx, commands.Destination{Channel: room.String(), Key: "barrier " + name},
				commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: "barrier"}}}}})
			if err != nil {
				t.Fatal(err)
			}
			alice.botEvent(room, e.botID, id.EventID(barrier))
			cards := 0
			for _, evt := range alice.fromBot(room, e.botID) {
				if strings.Contains(evt.Content.AsMessage().Body, "Recording out") {
					cards++
				}
			}
			if cards != 1 || len(alice.botFiles(room, e.botID)) != 1 {
				t.Errorf("%d posts and %d files after posting twice with one key, want 1 and 1", cards, len(alice.botFiles(room, e.botID)))
			}
			if encrypted {
				noPlaintext(t, alice, room, e.botID)
			}
			if !encrypted {
				alice.react(room, id.EventID(posted), "⭐")
				poll(t, "the bot acts on a reaction to the post", func() bool {
					for _, r := range alice.repliesTo(id.EventID(posted)) {
						if strings.HasPrefix(r.Content.AsMessage().Body, "Starred ⭐ #1") {
							return true
						}
					}
					return false
				})
			}
		})
	}

	t.Run("long", func(t *testing.T) {
		room := e.botInRoom(alice, true)
		var r commands.Reply
		var want []string
		for i := range 3000 {
			line := fmt.Sprintf("long-line %d: <a talk> & a title long enough to fill the reply", i)
			r.Blocks = append(r.Blocks, &commands.Paragraph{Spans: []commands.Span{{Text: line}}})
			want = append(want, line)
		}
		if _, err := b.adapter.Post(ctx, commands.Destination{Channel: room.String(), Key: "long"}, r); err != nil {
			t.Fatalf("post a long reply: %v", err)
		}
		var got []string
		poll(t, "the whole long reply", func() bool {
			got = got[:0]
			for _, evt := range alice.fromBot(room, e.botID) {
				got = append(got, evt.Content.AsMessage().Body)
			}
			return len(got) > 0 && strings.HasSuffix(got[len(got)-1], "long-line 2999: <a talk> & a title long enough to fill the reply")
		})
		if len(got) < 4 {
			t.Errorf("a 250 kB reply came in %d events", len(got))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("the long reply's events together differ from it")
		}
		noPlaintext(t, alice, room, e.botID)
	})
}

// TestPostDirect: a post to a person goes to their direct chat with the
// bot: created (encrypted) and the person invited the first time, the same
// room after; commands there need no prefix.
func TestPostDirect(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	b := e.startBot()
	ctx := context.Background()
	note := func(s string) commands.Reply {
		return commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: s}}}}}
	}
	first, err := b.adapter.Post(ctx, commands.Destination{User: alice.ID.String(), Key: "dm 1"}, note("Your digest for today."))
	if err != nil {
		t.Fatalf("post to a person: %v", err)
	}
	roomID, err := e.store.State(ctx, "matrix.dm:"+alice.ID.String())
	if err != nil {
		t.Fatalf("the direct chat was not remembered: %v", err)
	}
	room := id.RoomID(roomID)
	alice.waitMember(room, alice.ID, event.MembershipInvite)
	alice.join(room)
	evt := alice.botEvent(room, e.botID, id.EventID(first))
	if evt.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the post in the new direct chat was not encrypted")
	}
	if got := evt.Content.AsMessage().Body; got != "Your digest for today." {
		t.Errorf("post = %q", got)
	}

	second, err := b.adapter.Post(ctx, commands.Destination{User: alice.ID.String(), Key: "dm 2"}, note("And another."))
	if err != nil {
		t.Fatal(err)
	}
	alice.botEvent(room, e.botID, id.EventID(second)) // in the same room
	if _, got := alice.ask(room, "add Talk From A DM"); !strings.HasPrefix(got.Body, "Logged new talk #1 Talk From A DM") {
		t.Errorf("a command without prefix in the direct chat = %q", got.Body)
	}
	noPlaintext(t, alice, room, e.botID)
}
