package console_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/wrapup/wrapuptest"
)

// The wrapup_* scripts replay seeds 000 (by event), 001 (by day) and 003
// (by topic) from the seeds' own talk lists, notes and conference notes, and
// export the posts; each post is a golden file of its own (testdata/*.md),
// to be read beside its seed.
func init() {
	scriptChecks["wrapup_kubecon_na_2022"] = func(t *testing.T, s *session) {
		s.checkWrapup("elmiko", map[string]string{
			"export markdown --title KubeCon North America 2022, Detroit Edition": "wrapup_kubecon_na_2022.md",
			"export markdown team": "wrapup_kubecon_na_2022_team.md",
		})
	}
	scriptChecks["wrapup_kubecon_na_2024"] = func(t *testing.T, s *session) {
		s.checkWrapup("mike", map[string]string{"export markdown --by day": "wrapup_kubecon_na_2024.md"})
	}
	scriptChecks["wrapup_kubecon_na_2023"] = func(t *testing.T, s *session) {
		s.checkWrapup("clux", map[string]string{
			`export markdown --by topic --front hugo --title Talk log from KubeCon Chicago`: "wrapup_kubecon_na_2023.md",
		})
	}
}

// isPost reports whether a reply carries a Markdown post.
func isPost(r commands.Reply) bool {
	as := r.Attachments()
	return len(as) > 0 && as[0].MediaType == "text/markdown"
}

// checkPosts: every post any script exports reads back as Markdown with
// links to the web (or to its own headings) only, no HTML or images, and
// headings that nest; and it is printed whole in the console.
func (s *session) checkPosts() {
	for _, e := range s.entries {
		if !isPost(e.reply) {
			continue
		}
		data := e.reply.Attachments()[0].Data
		for _, p := range wrapuptest.Problems(data) {
			s.t.Errorf("%s:%d: the post of %q: %s", s.name, e.n, e.line, p)
		}
		if !strings.Contains(e.out, string(data)) {
			s.t.Errorf("%s:%d: the console does not print the whole post of %q", s.name, e.n, e.line)
		}
	}
}

// checkWrapup compares the owner's posts with their golden files, and
// checks whose private notes each post holds: all of the owner's in their
// own post, none with --no-private, none of anyone's in the team post or in
// a colleague's post.
func (s *session) checkWrapup(owner string, goldens map[string]string) {
	t := s.t
	for line, file := range goldens {
		e := s.last(line)
		if e == nil || !isPost(e.reply) {
			t.Errorf("%s: %q made no post", s.name, line)
			continue
		}
		compareGolden(t, filepath.Join("testdata", file), string(e.reply.Attachments()[0].Data))
	}
	seenOwn := false
	for _, e := range s.entries {
		if !isPost(e.reply) {
			continue
		}
		post := string(e.reply.Attachments()[0].Data)
		private := privateAt(e)
		team := strings.Contains(e.text, "markdown team")
		noPrivate := strings.Contains(e.text, "--no-private")
		for text, who := range private {
			needle := []rune(text)
			if len(needle) > 40 {
				needle = needle[:40]
			}
			has := strings.Contains(post, string(needle))
			switch {
			case team || noPrivate || who != e.user:
				if has {
					t.Errorf("%s:%d: %q by %s holds %s's private note %q", s.name, e.n, e.line, e.user, who, text)
				}
			case who == owner && e.user == owner && !has:
				t.Errorf("%s:%d: %s's own post lacks their private note %q", s.name, e.n, owner, text)
			case who == owner && e.user == owner:
				seenOwn = true
			}
		}
	}
	if !seenOwn {
		t.Errorf("%s: %s's own post shows none of their private notes, so privacy is not tested", s.name, owner)
	}
}

// privateAt is every private note and conference note after the entry, by
// text, with its owner.
func privateAt(e *entry) map[string]string {
	private := map[string]string{}
	for _, n := range e.after.notes {
		if n.visibility == "private" {
			private[n.text] = n.owner
		}
	}
	for _, r := range e.after.rows["journal"] {
		if f := strings.Split(r, "|"); len(f) >= 6 && f[5] == "private" {
			private[f[3]] = f[0]
		}
	}
	return private
}
