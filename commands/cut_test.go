package commands_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/talkbot/talkbot/commands"
)

// A cut never splits what reads as one character: a family emoji, a flag,
// a letter and its accent. It had left "👨\u200d…" in a reply.
func TestCutKeepsCharactersWhole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{strings.Repeat("あ", 8) + "👨\u200d👩\u200d👧\u200d👦", 10, strings.Repeat("あ", 8) + "…"},
		{"ab🇯🇵🇯🇵", 5, "ab🇯🇵…"},
		{"cafe\u0301 au lait", 5, "caf…"}, // é as e and its accent: two runes, one character
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"Kubernetes Security", 10, "Kubernete…"},
	} {
		got := commands.Cut(tc.in, tc.n)
		if got != tc.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
		if utf8.RuneCountInString(got) > tc.n {
			t.Errorf("Cut(%q, %d) has %d runes", tc.in, tc.n, utf8.RuneCountInString(got))
		}
	}
}
