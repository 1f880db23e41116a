package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands/hostiletest"
)

// plainJSON decodes a JSON body and encodes it again without escaping <, >
// and &, so what Slack would render can be searched.
func plainJSON(t *testing.T, body string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("a response_url body is not JSON: %v\n%s", err, body)
	}
	return hostiletest.JSON(v)
}

// slackNever is what no message of the bot may carry: a live mass mention,
// raw HTML (Slack wants <, > and & escaped), or a link whose label hides
// where it goes.
var slackNever = []string{"<!channel", "<!here", "<!everyone", "<!subteam", "<script", "<img", "<b>", "|kubecon.io>", "\u202e"}

// TestHostileInputs puts the shared table through a signed /talk slash
// command: each gets a clear answer, data changes only where it should,
// and neither the answer nor the talk shown afterwards carries a live mass
// mention, raw HTML or a disguised link.
func TestHostileInputs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	snapshot := func() string {
		u, err := e.store.User(ctx, talkbot.PlatformSlack, testTeam, "U0ALICE", "")
		if err != nil {
			t.Fatal(err)
		}
		ex, err := e.store.Export(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return hostiletest.JSON(ex)
	}
	say := func(text string) string {
		t.Helper()
		e.api.reset()
		e.slash(slash{text: text})
		e.idle()
		hooks := e.api.got("response_url")
		if len(hooks) == 0 {
			t.Fatalf("no answer to %q", clip(text))
		}
		var out []string
		for _, h := range hooks {
			out = append(out, plainJSON(t, h.Body))
		}
		return strings.Join(out, "\n")
	}
	say(hostiletest.Seed)
	// Slack escapes &, < and > in what people type; its own markup (a
	// mention, a link with a label) arrives unescaped, so it has a case of its own.
	wire := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	cases := hostiletest.Cases()
	for i := range cases {
		cases[i].Command = wire.Replace(cases[i].Command)
	}
	cases = append(cases, hostiletest.Case{Name: "Slack markup: mass mentions, a user, a labelled link",
		Command: "note #1 <!channel> <!here|here> <!everyone> <!subteam^S0TEAM|@team> <@U0BOB|bob> <https://evil.example/x|kubecon.io> listen up",
		Reply:   "Noted (team) on #1", Changes: true, Stored: "https://evil.example/x listen up"})
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if why, skip := c.NotFor["slack"]; skip {
				t.Skip(why)
			}
			before := snapshot()
			out := say(c.Command)
			after := snapshot()
			if !strings.Contains(out, c.Reply) {
				t.Errorf("answer %s, want it to say %q", clip(out), c.Reply)
			}
			if c.Error != strings.Contains(out, ":warning:") {
				t.Errorf("answer %s: an error %v, want %v", clip(out), !c.Error, c.Error)
			}
			switch {
			case !c.Changes && after != before:
				t.Errorf("the data changed:\nbefore %s\nafter  %s", clip(before), clip(after))
			case c.Changes && after == before:
				t.Error("the data did not change")
			case c.Changes && !strings.Contains(after, c.Stored):
				t.Errorf("the data lacks %q:\n%s", c.Stored, clip(after))
			}
			shown := out
			if c.Changes { // what was saved comes back in show and list, escaped
				shown += say("show #1") + say("list")
				if !strings.Contains(shown, wire.Replace(c.Stored)) {
					t.Errorf("show and list do not show %q:\n%s", wire.Replace(c.Stored), clip(shown))
				}
			}
			for _, bad := range slackNever {
				if strings.Contains(shown, bad) {
					t.Errorf("a message carries %q:\n%s", bad, clip(shown[max(0, strings.Index(shown, bad)-200):]))
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
