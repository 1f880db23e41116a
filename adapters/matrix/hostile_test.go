package matrix_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands/hostiletest"
)

// matrixNever is what no formatted reply may carry: HTML a client would run
// or show as markup, or a bidi override.
var matrixNever = []string{"<script", "<img", "<b>bold", "\u202e"}

var reAnchor = regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>`)

// TestHostileInputs puts the shared table through a real homeserver: each
// gets a clear answer, data changes only where it should, and no reply
// (nor the talk shown afterwards) pings the room, carries HTML from the
// input, or shows a link under another name.
func TestHostileInputs(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	room := e.botInRoom(alice, false)
	ctx := context.Background()
	snapshot := func() string {
		u, err := e.store.User(ctx, talkbot.PlatformMatrix, alice.ID.Homeserver(), alice.ID.String(), "")
		if err != nil {
			t.Fatal(err)
		}
		ex, err := e.store.Export(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return hostiletest.JSON(ex)
	}
	check := func(t *testing.T, c *event.MessageEventContent) {
		t.Helper()
		if m := c.Mentions; m == nil || m.Room || len(m.UserIDs) > 1 || len(m.UserIDs) == 1 && m.UserIDs[0] != alice.ID {
			t.Errorf("the reply pings %+v, want alice at most", m)
		}
		for _, bad := range matrixNever {
			if strings.Contains(c.FormattedBody, bad) || bad == "\u202e" && strings.Contains(c.Body, bad) {
				t.Errorf("the reply carries %q:\n%s", bad, clip(c.FormattedBody))
			}
		}
		for _, a := range reAnchor.FindAllStringSubmatch(c.FormattedBody, -1) {
			if strings.Contains(a[1], "evil.example") && a[1] != a[2] {
				t.Errorf("a link to %s shows as %q", a[1], a[2])
			}
		}
	}
	alice.ask(room, "!talk "+hostiletest.Seed)
	for _, c := range hostiletest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			if why, skip := c.NotFor["matrix"]; skip {
				t.Skip(why)
			}
			before := snapshot()
			_, got := alice.ask(room, "!talk "+c.Command)
			after := snapshot()
			if !strings.Contains(got.Body, c.Reply) {
				t.Errorf("reply %q, want it to say %q", clip(got.Body), c.Reply)
			}
			if got.MsgType != event.MsgNotice {
				t.Errorf("reply msgtype %s, want m.notice", got.MsgType)
			}
			check(t, got)
			switch {
			case !c.Changes && after != before:
				t.Errorf("the data changed:\nbefore %s\nafter  %s", clip(before), clip(after))
			case c.Changes && after == before:
				t.Error("the data did not change")
			case c.Changes && !strings.Contains(after, c.Stored):
				t.Errorf("the data lacks %q:\n%s", c.Stored, clip(after))
			}
			if c.Changes { // what was saved comes back in show and list
				_, show := alice.ask(room, "!talk show #1")
				_, list := alice.ask(room, "!talk list")
				check(t, show)
				check(t, list)
				if !strings.Contains(show.Body+list.Body, c.Stored) {
					t.Errorf("show and list do not show %q:\n%s\n%s", c.Stored, clip(show.Body), clip(list.Body))
				}
			}
		})
	}
}

func clip(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}
