package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands/hostiletest"
)

// mrkdwnNever is what no text Slack parses as mrkdwn (a mrkdwn object, a
// message's notification text) may carry: a live mass mention, raw HTML
// (Slack wants <, > and & escaped), or a link whose label hides where it
// goes.
var mrkdwnNever = []string{"<!channel", "<!here", "<!everyone", "<!subteam", "<script", "<img", "<b>", "|kubecon.io>"}

// styleNever is the styling people type (the hostile inputs' and the
// golden replies'), which must not reach a mrkdwn object: there a note's
// ``` would swallow the colleagues' notes after it.
var styleNever = []string{"*stars*", "_under_", "~strike~", "```"}

// textNever is what no text at all may carry, plain and rich text
// included: an undefanged mass mention, a right-to-left override.
var textNever = []string{"<!channel", "<!here", "<!everyone", "@here", "@channel", "\u202e"}

// checkInert fails when a message the bot sends (Block Kit JSON: a message,
// its blocks, a view) would act on what a user typed. Rich and plain text
// show as typed, so HTML and mrkdwn in them are inert; rich text may hold
// only the links and users the reply makes itself (own says which), no
// broadcast or user group.
func checkInert(t *testing.T, js string, own func(kind, target string) bool) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, js)
	}
	bad := func(what, in string) {
		t.Helper()
		t.Errorf("%s in %s", what, clip(in))
	}
	never := func(s string, list []string) {
		t.Helper()
		for _, b := range list {
			if strings.Contains(s, b) {
				bad(fmt.Sprintf("%q", b), s)
			}
		}
	}
	var walk func(v any, top bool)
	walk = func(v any, top bool) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e, false)
			}
		case map[string]any:
			str := func(k string) string { s, _ := v[k].(string); return s }
			switch typ := str("type"); typ {
			case "mrkdwn":
				never(str("text"), mrkdwnNever)
				never(str("text"), styleNever)
			case "broadcast", "usergroup":
				bad("a "+typ+" element", hostiletest.JSON(v))
			case "link":
				if !own("link", str("url")) {
					bad("a link the reply did not make", hostiletest.JSON(v))
				}
			case "user":
				if !own("user", str("user_id")) {
					bad("a mention the reply did not make", hostiletest.JSON(v))
				}
			}
			if top { // the notification text
				never(str("text"), mrkdwnNever)
			}
			never(str("text"), textNever)
			for k, e := range v {
				if _, isString := e.(string); !isString {
					walk(e, k == "view")
				}
			}
		}
	}
	walk(v, true)
}

// TestHostileInputs puts the shared table through a signed /talk slash
// command: each gets a clear answer, data changes only where it should,
// and neither the answer nor the talk shown afterwards carries a live mass
// mention, live HTML or markup, or a disguised link (checkInert).
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
			checkInert(t, h.Body, func(string, string) bool { return false })
			out = append(out, h.shown(t))
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
	cases = append(cases, hostiletest.Case{Name: "Slack markup: mass mentions, a user, a labelled link, styling",
		Command: "note #1 <!channel> <!here|here> <!everyone> <!subteam^S0TEAM|@team> <@U0BOB|bob> <https://evil.example/x|kubecon.io> listen up *stars* _under_ ~strike~ ```fence",
		Reply:   "Noted (team) on #1", Changes: true, Stored: "https://evil.example/x listen up *stars* _under_ ~strike~ ```fence"})
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
			if c.Changes { // what was saved comes back in show and list, as typed
				if shown := say("show #1") + say("list"); !strings.Contains(shown, c.Stored) {
					t.Errorf("show and list do not show %q:\n%s", c.Stored, clip(shown))
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
