package console_test

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/go-cmp/cmp"

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
	scriptChecks["wrapup_kubecon_eu_2026_agenda"] = func(t *testing.T, s *session) {
		s.checkWrapup("ana", map[string]string{"export markdown --by day": "wrapup_kubecon_eu_2026_agenda.md"})
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
	s.checkAgendas()
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

// checkAgendas: every `export ics` parses back (with the iCalendar library
// the importer uses) to exactly the user's attended, missed and
// watch-later talks of the conference that have a day or a time, each at
// its time from the database (or on its day, all day). Checked where the
// database is, at the end, as it was after the export.
func (s *session) checkAgendas() {
	t := s.t
	final := s.entries[len(s.entries)-1].after.rows
	for _, e := range s.entries {
		as := e.reply.Attachments()
		if len(as) == 0 || as[0].MediaType != "text/calendar" || !reflect.DeepEqual(e.after.rows, final) {
			continue
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(as[0].Data))
		if err != nil {
			t.Errorf("%s:%d: the agenda does not parse: %v", s.name, e.n, err)
			continue
		}
		got := map[string]string{}
		for _, ev := range cal.Events() {
			when := ""
			allDay := false
			if p := ev.GetProperty(ics.ComponentPropertyDtStart); p != nil {
				allDay = len(p.ICalParameters["VALUE"]) > 0 && p.ICalParameters["VALUE"][0] == "DATE"
			}
			if start, err := ev.GetStartAt(); err == nil && !allDay {
				when = start.UTC().Format(time.RFC3339)
				if end, err := ev.GetEndAt(); err == nil {
					when += ".." + end.UTC().Format(time.RFC3339)
				}
			} else if day, err := ev.GetAllDayStartAt(); err == nil {
				when = day.Format(time.DateOnly)
			}
			got[ev.GetProperty(ics.ComponentPropertySummary).Value] = when
		}
		want := map[string]string{}
		s.scan(`SELECT t.title, t.day, COALESCE(t.starts_at, ''), COALESCE(t.ends_at, '') FROM logs l JOIN talks t ON t.id = l.talk_id
			JOIN users u ON u.id = l.user_id JOIN conferences c ON c.id = t.conference_id
			WHERE u.external_id = '`+e.user+`' AND (l.status IN ('attended', 'missed') OR l.watch_later = 1) AND t.non_talk = 0
			AND c.id = (SELECT COALESCE(u2.conference_id, w.active_conference_id) FROM users u2 JOIN workspaces w ON w.id = u2.workspace_id WHERE u2.external_id = '`+e.user+`')`,
			func(rows *sql.Rows) error {
				var title, day, starts, ends string
				if err := rows.Scan(&title, &day, &starts, &ends); err != nil {
					return err
				}
				switch {
				case starts != "":
					st, _ := time.Parse(time.RFC3339, starts)
					want[title] = st.UTC().Format(time.RFC3339)
					if en, err := time.Parse(time.RFC3339, ends); err == nil && en.After(st) {
						want[title] += ".." + en.UTC().Format(time.RFC3339)
					}
				case day != "":
					want[title] = day
				}
				return nil
			})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s:%d: the agenda's events (-database +agenda):\n%s", s.name, e.n, diff)
		}
		if len(got) == 0 {
			t.Errorf("%s:%d: an empty agenda tests nothing", s.name, e.n)
		}
	}
}
