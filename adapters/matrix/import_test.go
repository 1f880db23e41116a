package matrix_test

import (
	"strings"
	"testing"
)

// TestImportRefusedThroughMatrix: a room admin (power level 100, the room's
// creator) is not the bot's operator. `import` of a file on the server or of
// a metadata address, sent over a real homeserver, is answered with a clear
// refusal (the "working on it…" notice edited into it) and imports nothing;
// a member who is not an admin is refused outright.
func TestImportRefusedThroughMatrix(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	e.startBot()
	room := e.sharedRoom(alice, bob)

	for _, tc := range []struct{ text, want string }{
		{"!talk import /etc/passwd", "In chat I import schedules from http(s) links only"},
		{"!talk import http://169.254.169.254/", "That address is on a private network"},
	} {
		cmd := alice.say(room, tc.text)
		progress := alice.reply(cmd)
		if got := progress.Content.AsMessage().Body; got != "Working on it…" {
			t.Errorf("%q: first reply %q, want the working-on-it notice", tc.text, got)
		}
		poll(t, "the answer to "+tc.text, func() bool { return len(alice.editsOf(progress.ID)) > 0 })
		answer := alice.editsOf(progress.ID)[0].Content.AsMessage().NewContent
		if answer == nil || !strings.Contains(answer.Body, tc.want) || strings.Contains(answer.Body, "root:") {
			t.Errorf("%q answered %+v, want %q", tc.text, answer, tc.want)
		}
	}
	if _, got := bob.ask(room, "!talk import https://kccnceu2026.sched.com/all.ics"); !strings.Contains(got.Body, "Only an admin can run `import`") {
		t.Errorf("a member's import = %q", got.Body)
	}
	if _, got := alice.ask(room, "!talk schedule"); !strings.Contains(got.Body, "has no schedule yet") {
		t.Errorf("after the refused imports: %q", got.Body)
	}
}
