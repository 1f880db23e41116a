package wrapuptest

import (
	"strings"
	"testing"
)

// TestProblems: the checker flags the markup user text must never become,
// and lets through the links a renderer makes by itself from what was typed.
func TestProblems(t *testing.T) {
	for _, bad := range []string{
		"<javascript:alert(1)>",
		"<JAVASCRIPT:alert(1)>",
		"<javascript://%0aalert(1)>",
		"<data:text/html,x>",
		"<vbscript:x>",
		"<file:///etc/passwd>",
		"[slides](javascript:alert(1))",
		"[slides](data:text/html,hi)",
		"![logo](https://example.com/a.png)",
		"<b>bold</b>",
		"[contents](#nowhere)\n\n## Day 1",
		"## Day 1\n\n#### Talk",
	} {
		if ps := Problems([]byte(bad + "\n")); len(ps) == 0 {
			t.Errorf("%q: no problem found", bad)
		}
	}
	for _, good := range []string{
		"ask jane@example.com for the slides",
		"A%@000.eamp",
		"see www.example.com and https://sched.co/1i7mE",
		"files at ftp://ftp.example.org/talk.pdf",
		"http://%.a and www.%.a",
		"[contents](#day-1)\n\n## Day 1\n\n### Talk",
	} {
		if ps := Problems([]byte(good + "\n")); len(ps) > 0 {
			t.Errorf("%q: %s", good, strings.Join(ps, "; "))
		}
	}
}
