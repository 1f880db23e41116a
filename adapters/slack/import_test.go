package slack

import (
	"fmt"
	"strings"
	"testing"

	slackgo "github.com/slack-go/slack"
)

// TestImportRefusedThroughSlack: a Slack workspace admin is not the bot's
// operator. `import` of a file on the server, or of a metadata or loopback
// address, sent as a signed slash command, is answered with a clear refusal
// and imports nothing; a member who is not an admin is refused before that.
func TestImportRefusedThroughSlack(t *testing.T) {
	e := newEnv(t)
	e.api.setUser(slackgo.User{ID: "U0ALICE", Name: "alice", IsAdmin: true})
	e.api.setUser(slackgo.User{ID: "U0BOB", Name: "bob"})
	tests := []struct{ user, text, want string }{
		{"U0ALICE", "import /etc/passwd", "In chat I import schedules from http(s) links only"},
		{"U0ALICE", "import http://169.254.169.254/", "That address is on a private network"},
		{"U0ALICE", "import http://127.0.0.1:1/all.ics", "That address is on a private network"},
		{"U0ALICE", "import file:///etc/passwd", "I can only fetch schedules from http:// or https:// links"},
		{"U0BOB", "import https://kccnceu2026.sched.com/all.ics", "Only an admin can run `import`"},
	}
	for i, tc := range tests {
		e.slash(slash{user: tc.user, text: tc.text, trigger: fmt.Sprintf("t-import-%d", i)})
		e.idle()
	}
	hooks := e.api.got("response_url")
	var answers []string
	for _, h := range hooks {
		if !strings.Contains(h.Body, "Working on it…") {
			answers = append(answers, h.Body)
		}
	}
	if len(answers) != len(tests) {
		t.Fatalf("%d answers for %d imports:\n%v", len(answers), len(tests), hooks)
	}
	for i, tc := range tests {
		if !strings.Contains(answers[i], tc.want) {
			t.Errorf("%s %q answered %s, want %q", tc.user, tc.text, answers[i], tc.want)
		}
		if strings.Contains(answers[i], "root:") {
			t.Errorf("%q leaked the server's file: %s", tc.text, answers[i])
		}
	}
	if n := len(hooks) - len(answers); n != len(tests)-1 {
		t.Errorf("%d “working on it” notices, want one for each admin's import", n)
	}
	if s := e.handle("U0ALICE", "schedule"); !strings.Contains(s, "has no schedule yet") {
		t.Errorf("after the refused imports: %s", s)
	}
	if l := e.handle("U0ALICE", "conf list"); strings.Count(l, "\n") != 1 || !strings.Contains(l, "General") {
		t.Errorf("conferences after the refused imports:\n%s", l)
	}
}
