package console_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/adapters/console"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/commands/hostiletest"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

// lastReply remembers the reply to the last request.
type lastReply struct {
	dispatch.Handler
	mu sync.Mutex
	r  commands.Reply
}

func (l *lastReply) Handle(ctx context.Context, req commands.Request) commands.Reply {
	r := l.Handler.Handle(ctx, req)
	l.mu.Lock()
	l.r = r
	l.mu.Unlock()
	return r
}

// TestHostileInputs puts the shared table of hostile inputs through the
// console: each gets a clear answer, data changes only where it should, and
// nothing reaches the terminal that would drive it (escape sequences,
// control characters, bidi overrides).
func TestHostileInputs(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "talkbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	quiet := slog.New(slog.DiscardHandler)
	last := &lastReply{Handler: commands.New(commands.Config{Store: st, Logger: quiet})}
	rt := dispatch.New(dispatch.Config{Handler: last, Logger: quiet})
	say := func(line string) string {
		var out bytes.Buffer
		a := &console.Adapter{Server: rt, User: "alice", In: strings.NewReader(line + "\n"), Out: &out}
		if err := a.Run(ctx); err != nil {
			t.Fatalf("console Run: %v", err)
		}
		return out.String()
	}
	snapshot := func() string {
		u, err := st.User(ctx, talkbot.PlatformConsole, console.Workspace, "alice", "alice")
		if err != nil {
			t.Fatal(err)
		}
		ex, err := st.Export(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return hostiletest.JSON(ex)
	}
	say(hostiletest.Seed)
	for _, c := range hostiletest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			if why, skip := c.NotFor["console"]; skip {
				t.Skip(why)
			}
			before := snapshot()
			out := say(c.Command)
			after := snapshot()
			if !strings.Contains(out, c.Reply) {
				t.Errorf("reply %q, want it to say %q", clip(out), c.Reply)
			}
			last.mu.Lock()
			kind := last.r.Kind
			last.mu.Unlock()
			if c.Error != (kind == commands.KindError) {
				t.Errorf("reply kind %v, want an error: %v (%q)", kind, c.Error, clip(out))
			}
			switch {
			case !c.Changes && after != before:
				t.Errorf("the data changed:\nbefore %s\nafter  %s", clip(before), clip(after))
			case c.Changes && after == before:
				t.Error("the data did not change")
			case c.Changes && !strings.Contains(after, c.Stored):
				t.Errorf("the data lacks %q:\n%s", c.Stored, clip(after))
			}
			if c.Changes { // what was saved comes back in show and list
				out += say("show #1") + say("list")
				if !strings.Contains(out, c.Stored) {
					t.Errorf("show and list do not show %q:\n%s", c.Stored, clip(out))
				}
			}
			for _, r := range out {
				if r != '\n' && (unicode.IsControl(r) || r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069') {
					t.Errorf("the output holds %U, which drives a terminal: %q", r, clip(out))
					break
				}
			}
		})
	}
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
