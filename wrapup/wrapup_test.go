package wrapup_test

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/wrapup"
	"github.com/talkbot/talkbot/wrapup/wrapuptest"
)

// hostile is user text that would be markup, a mass mention or a disguised
// link if it reached a post as written.
var hostile = []string{
	"<script>alert(1)</script>",
	"[click here](javascript:alert(1))",
	"![tracker](https://evil.example/pixel.png)",
	"**bold** and _em_ and __strong__ and ~~gone~~",
	"# not a heading",
	"> not a quote",
	"1. not a list",
	"- not a list either",
	"+ nor this",
	"    not code",
	"`not code`",
	"| a | b |\n|---|---|\n| c | d |",
	"&lt;b&gt; stays as typed, &amp; too",
	"<https://evil.example> and <mailto:x@y>",
	"[ref]: https://evil.example",
	"line with a hard break\\",
	"heading underline\n===",
	"snake_case_name and __init__",
	"@channel @here <!channel> @room",
	"!ChAnnel_ and @here__ and @room_@everyone_",
	"$x^2$ and \\(math\\)",
	"set it with {{ .Values.image.tag }} and {% include secrets.yml %}",
	"`{{ .Release.Name }}` and {{< youtube x >}} {{% notice %}} {%- endraw -%} {% endraw %}",
}

var reMassMention = regexp.MustCompile(`(?i)[@!](channel|here|everyone|room)\b`)

// TestTextIsLiteral: user text through Text renders, in a Markdown parser,
// to exactly that text (mass mentions defanged): no markup survives.
func TestTextIsLiteral(t *testing.T) {
	for _, s := range hostile {
		t.Run(s, func(t *testing.T) {
			var paras []string
			for _, p := range strings.Split(talkbot.Defang(s), "\n\n") {
				var lines []string
				for _, l := range strings.Split(p, "\n") {
					lines = append(lines, strings.TrimSpace(l))
				}
				paras = append(paras, "<p>"+html.EscapeString(strings.Join(lines, "\n"))+"</p>\n")
			}
			want := strings.Join(paras, "")
			got := normalize(wrapuptest.HTML([]byte(wrapup.Text(s))))
			if got != normalize(want) {
				t.Errorf("Text(%q) = %q\nrenders %q\nwant    %q", s, wrapup.Text(s), got, want)
			}
		})
	}
}

// normalize makes goldmark's and html.EscapeString's choices of entity agree.
func normalize(s string) string {
	return strings.NewReplacer("&#34;", "&quot;", "&#39;", "'").Replace(s)
}

func TestDestOnlyWebLinks(t *testing.T) {
	for in, want := range map[string]string{
		"https://sched.co/1i7mE":                "https://sched.co/1i7mE",
		"javascript:alert(1)":                   "",
		"data:text/html,hi":                     "",
		"https://example.com/a b(c)<d>":         "https://example.com/a%20b%28c%29%3Cd%3E",
		"https://www.youtube.com/live/M1R?t=14": "https://www.youtube.com/live/M1R?t=14",
		"/relative":                             "",
	} {
		if got := wrapup.Dest(in); got != want {
			t.Errorf("Dest(%q) = %q, want %q", in, got, want)
		}
	}
}

var (
	denver = talkbot.Conference{ID: 1, Name: "KubeCon NA 2024", StartsOn: "2024-11-13", EndsOn: "2024-11-15", Timezone: "America/Denver"}
	mike   = int64(7)
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func note(user int64, text string, v talkbot.Visibility) talkbot.Note {
	return talkbot.Note{UserID: user, UserName: map[int64]string{mike: "mike", 8: "david"}[user], Text: text, Visibility: v}
}

// week is a week of mike's, from seed 001: a co-located event, main days, a
// talk he gave, one he missed, one recommended to him.
func week() wrapup.Personal {
	attended := func(day, logged string) talkbot.Log {
		return talkbot.Log{UserID: mike, Status: talkbot.StatusAttended, LoggedAt: at(logged)}
	}
	rejekts := wrapup.Talk{Talk: talkbot.Talk{ID: 1, Title: "Karpenter and Cluster Autoscaler: A data-driven comparison", Event: "Cloud Native Rejekts", Day: "2024-11-10",
		Speakers:    []talkbot.Speaker{{Name: "Michael McCune", Org: "Red Hat"}, {Name: "David Morrison", Org: "Applied Computing Research Labs"}},
		ScheduleURL: "https://cfp.cloud-native.rejekts.io/cloud-native-rejekts-na-salt-lake-city-2024/talk/CZ9VGR/", RecordingURL: "https://www.youtube.com/live/M1R05c1pWmc?t=14609", Tags: []string{"karpenter"}},
		Log:          attended("2024-11-10", "2024-11-10T22:00:00Z"),
		Presentation: &talkbot.Presentation{UserID: mike, TalkID: 1, SlidesURL: "https://speakerdeck.com/elmiko/karpenter"},
		Notes:        []talkbot.Note{note(mike, "We had about 20-25 people in the audience.", talkbot.VisibilityTeam), note(mike, "fix the HDMI adapter before London", talkbot.VisibilityPrivate), note(8, "david's view of it", talkbot.VisibilityTeam)}}
	obs := wrapup.Talk{Talk: talkbot.Talk{ID: 2, Title: "From Observability to Performance", Day: "2024-11-13",
		Speakers: []talkbot.Speaker{{Name: "Nadia Pinaeva", Org: "Red Hat"}, {Name: "Antonio Ojea", Org: "Google"}}, ScheduleURL: "https://sched.co/1i7mE", Tags: []string{"networking"}},
		Log: talkbot.Log{UserID: mike, Status: talkbot.StatusAttended, Rating: 5, LoggedAt: at("2024-11-13T18:00:00Z")}}
	arch := wrapup.Talk{Talk: talkbot.Talk{ID: 3, Title: "Architecting Tomorrow", Day: "2024-11-13", ScheduleURL: "https://sched.co/1i7ke",
		Speakers: []talkbot.Speaker{{Name: "Alexander Kanevskiy", Org: "Intel Finland"}}},
		Log: talkbot.Log{UserID: mike, Status: talkbot.StatusAttended, Rating: 4, LoggedAt: at("2024-11-13T17:00:00Z")}}
	missed := wrapup.Talk{Talk: talkbot.Talk{ID: 4, Title: "Be Part of the Solution", Day: "2024-11-14", ScheduleURL: "https://sched.co/1pee5"},
		Log: talkbot.Log{UserID: mike, Status: talkbot.StatusMissed, WatchLater: true, Reason: "room full", LoggedAt: at("2024-11-14T17:00:00Z")}}
	rec := wrapup.Talk{Talk: talkbot.Talk{ID: 5, Title: "Exceeded Your Validation Cost Budget? Now What?", ScheduleURL: "https://sched.co/1i7nv"}, RecommendedBy: []string{"joel", "jack"}}
	heard := wrapup.Talk{Talk: talkbot.Talk{ID: 7, Title: "Kubernetes in the Second Decade", Day: "2024-11-15"},
		Log: talkbot.Log{UserID: mike, Status: talkbot.StatusNone, LoggedAt: at("2024-11-15T17:00:00Z")}, Notes: []talkbot.Note{note(mike, "heard it was great; watched it on the platform", talkbot.VisibilityTeam)}}
	lunch := wrapup.Talk{Talk: talkbot.Talk{ID: 6, Title: "Lunch", NonTalk: true, Day: "2024-11-13"}, Log: attended("2024-11-13", "2024-11-13T19:00:00Z")}
	return wrapup.Personal{Conference: denver, AuthorID: mike, Talks: []wrapup.Talk{obs, rejekts, arch, missed, rec, lunch, heard},
		Journal: []talkbot.JournalEntry{
			{UserID: mike, Text: "I attended KubeCon North America 2024 in Salt Lake City.", Visibility: talkbot.VisibilityTeam},
			{UserID: mike, Text: "DRA is almost as hot as AI.", Takeaway: true, Visibility: talkbot.VisibilityTeam},
			{UserID: mike, Text: "the hotel wifi was awful", Visibility: talkbot.VisibilityPrivate},
		}}
}

func check(t *testing.T, post []byte) string {
	t.Helper()
	for _, p := range wrapuptest.Problems(post) {
		t.Error(p)
	}
	return string(post)
}

func TestPersonalPostByDay(t *testing.T) {
	post := check(t, wrapup.PersonalPost(week(), wrapup.Options{By: wrapup.ByDay}))
	want := []string{
		"## Contents",
		"## Cloud Native Rejekts, Sunday November 10",
		"### Karpenter and Cluster Autoscaler: A data-driven comparison",
		"## KubeCon Day 1, Wednesday November 13",
		"## KubeCon Day 3, Friday November 15",
		"### Kubernetes in the Second Decade",
		"## Talks I wanted to see (and will watch the recordings of)",
		"## Thoughts and takeaways",
	}
	if got := wrapuptest.Headings([]byte(post)); !slices.Equal(got, want) {
		t.Errorf("headings = %q\nwant %q\n%s", got, want, post)
	}
	for _, s := range []string{
		"by Michael McCune, Red Hat & David Morrison, Applied Computing Research Labs",
		"_I presented this talk · [slides](https://speakerdeck.com/elmiko/karpenter) · [recording](https://www.youtube.com/live/M1R05c1pWmc?t=14609)_",
		// On the day, in the order the talks were on (logged): Architecting before Observability.
		"* [Architecting Tomorrow](https://sched.co/1i7ke) - Alexander Kanevskiy, Intel Finland _(a great talk)_\n* [From Observability to Performance](https://sched.co/1i7mE) - Nadia Pinaeva, Red Hat & Antonio Ojea, Google _(highly recommend)_",
		"_(couldn't attend: room full)_",
		"_(recommended to me by joel and jack)_",
		"* DRA is almost as hot as AI.",
		"I attended KubeCon North America 2024 in Salt Lake City.",
		"fix the HDMI adapter before London", "the hotel wifi was awful", // the author's own private notes
	} {
		if !strings.Contains(post, s) {
			t.Errorf("the post lacks %q:\n%s", s, post)
		}
	}
	for _, s := range []string{"david's view of it", "Lunch"} {
		if strings.Contains(post, s) {
			t.Errorf("the post holds %q (a colleague's note, or a meal):\n%s", s, post)
		}
	}
}

func TestNoPrivateLeavesThemOut(t *testing.T) {
	post := check(t, wrapup.PersonalPost(week(), wrapup.Options{NoPrivate: true, Front: wrapup.Hugo, Ratings: wrapup.Stars, Title: `My "week"`}))
	for _, s := range []string{"fix the HDMI adapter", "hotel wifi", "david's view"} {
		if strings.Contains(post, s) {
			t.Errorf("--no-private post holds %q:\n%s", s, post)
		}
	}
	for _, s := range []string{"+++\ntitle = \"My \\\"week\\\"\"\n", "We had about 20-25 people", "★★★★★"} {
		if !strings.Contains(post, s) {
			t.Errorf("the post lacks %q:\n%s", s, post)
		}
	}
}

func TestPersonalPostByEventAndTopic(t *testing.T) {
	byEvent := check(t, wrapup.PersonalPost(week(), wrapup.Options{}))
	got := wrapuptest.Headings([]byte(byEvent))
	if i, j := slices.Index(got, "## Cloud Native Rejekts"), slices.Index(got, "## KubeCon"); i < 0 || j < 0 || i > j {
		t.Errorf("by event, headings %q: want Cloud Native Rejekts before KubeCon", got)
	}
	byTopic := check(t, wrapup.PersonalPost(week(), wrapup.Options{By: wrapup.ByTopic, Front: wrapup.NoFront}))
	got = wrapuptest.Headings([]byte(byTopic))
	want := []string{"# KubeCon NA 2024 Retrospective", "## Contents", "## Karpenter", "### Karpenter and Cluster Autoscaler: A data-driven comparison",
		"## Networking", "## Other talks", "### Kubernetes in the Second Decade", "## Talks I wanted to see (and will watch the recordings of)", "## Thoughts and takeaways"}
	if !slices.Equal(got, want) {
		t.Errorf("by topic, headings = %q\nwant %q", got, want)
	}
}

// TestHostileTextStaysText: hostile titles, speakers, event names, notes and
// conference notes make a post that still parses as intended: no HTML,
// images, links off the web or broken headings, and no live mass mention.
func TestHostileTextStaysText(t *testing.T) {
	p := wrapup.Personal{Conference: talkbot.Conference{Name: "<b>Con</b> @here", Timezone: "UTC"}, AuthorID: mike}
	for i, s := range hostile {
		p.Talks = append(p.Talks, wrapup.Talk{
			Talk: talkbot.Talk{ID: int64(i + 1), Title: s, Event: s, Tags: []string{"t" + string(rune('a'+i))}, Speakers: []talkbot.Speaker{{Name: s, Org: s}},
				ScheduleURL: "javascript:alert(1)", RecordingURL: "https://example.com/a)b"},
			Log:   talkbot.Log{UserID: mike, Status: talkbot.StatusAttended, LoggedAt: time.Unix(int64(i), 0)},
			Notes: []talkbot.Note{note(mike, s, talkbot.VisibilityTeam)}})
		p.Journal = append(p.Journal, talkbot.JournalEntry{UserID: mike, Text: s, Takeaway: i%2 == 0, Visibility: talkbot.VisibilityTeam})
	}
	for _, by := range []wrapup.Grouping{wrapup.ByEvent, wrapup.ByDay, wrapup.ByTopic} {
		for _, front := range []wrapup.Front{wrapup.Jekyll, wrapup.Hugo} {
			post := check(t, wrapup.PersonalPost(p, wrapup.Options{By: by, Front: front, Title: "[x](javascript:y) <i>"}))
			if m := reMassMention.FindString(post); m != "" {
				t.Errorf("by %s: the mass mention %q is live:\n%s", by, m, post)
			}
			// A Jekyll theme prints the title as HTML.
			if front, _, _ := strings.Cut(post[3:], post[:3]); strings.ContainsAny(front, "<>") {
				t.Errorf("by %s: the front matter holds markup:\n%s", by, front)
			}
		}
	}
	p.Conference.Name = "<img src=x onerror=alert(1)> Summit"
	if post := check(t, wrapup.PersonalPost(p, wrapup.Options{})); !strings.Contains(post, `title: "‹img src=x onerror=alert(1)› Summit`) {
		t.Errorf("the conference's name in the title:\n%.200s", post)
	}
}

// Sections named in Japanese, Korean or French get contents links that go
// to them, as GitHub, Hugo and Jekyll name headings: they had been
// "#heading", "#-" and "#journe-scurit".
func TestContentsLinksOfOtherScripts(t *testing.T) {
	p := wrapup.Personal{Conference: talkbot.Conference{Name: "Cloud Native Days Tokyo 2026", Timezone: "Asia/Tokyo"}, AuthorID: mike}
	for i, event := range []string{"セキュリティ・デイ", "オブザーバビリティ・デイ", "Journée Sécurité", "플랫폼 엔지니어링", "Día de Observabilidad"} {
		p.Talks = append(p.Talks, wrapup.Talk{
			Talk: talkbot.Talk{ID: int64(i + 1), Title: fmt.Sprintf("Talk %d", i+1), Event: event},
			Log:  talkbot.Log{UserID: mike, Status: talkbot.StatusAttended, LoggedAt: time.Unix(int64(i), 0)}})
	}
	post := check(t, wrapup.PersonalPost(p, wrapup.Options{By: wrapup.ByEvent}))
	for _, link := range []string{"(#セキュリティデイ)", "(#journée-sécurité)", "(#플랫폼-엔지니어링)", "(#día-de-observabilidad)"} {
		if !strings.Contains(post, link) {
			t.Errorf("the contents lack %s:\n%s", link, post)
		}
	}
}

// TestTemplateSyntaxInNotesIsKept: KubeCon notes quote Helm templates. A
// Jekyll site runs Liquid on the post before Markdown ("{{ .Values.x }}"
// came out empty, "{% include %}" failed the build), Hugo its shortcodes:
// the post keeps them as typed, in code spans too.
func TestTemplateSyntaxInNotesIsKept(t *testing.T) {
	p := week()
	p.Talks[0].Notes = []talkbot.Note{note(mike, "set the tag with `{{ .Values.image.tag }}`, then {% include secrets.yml %}", talkbot.VisibilityTeam)}
	post := check(t, wrapup.PersonalPost(p, wrapup.Options{}))
	if !strings.Contains(post, "{% raw %}") || !strings.Contains(post, "`{{ .Values.image.tag }}`, then {% include secrets.yml %}") {
		t.Errorf("Jekyll post:\n%s", post)
	}
	if strings.Count(post, "{% raw %}") != strings.Count(post, "{% endraw %}") {
		t.Errorf("raw blocks do not close:\n%s", post)
	}
	p.Talks[0].Notes = []talkbot.Note{note(mike, "embed it with {{< youtube abc >}}", talkbot.VisibilityTeam)}
	post = check(t, wrapup.PersonalPost(p, wrapup.Options{Front: wrapup.Hugo}))
	if strings.Contains(post, "{{<") || !strings.Contains(post, "youtube abc") {
		t.Errorf("Hugo post:\n%s", post)
	}
}

func TestTeamPostNeverPrivate(t *testing.T) {
	tm := wrapup.Team{Conference: denver, Logged: 12,
		Highlights: []wrapup.TeamTalk{{Talk: talkbot.Talk{ID: 2, Title: "From Observability to Performance", ScheduleURL: "https://sched.co/1i7mE"},
			Highlights: 3, Stars: 1, RatingSum: 14, RatingCount: 3,
			Notes: []talkbot.Note{note(mike, "networking metrics, enlightening", talkbot.VisibilityTeam), note(8, "a private aside", talkbot.VisibilityPrivate)}}},
		Recommended: []wrapup.TeamTalk{{Talk: talkbot.Talk{ID: 5, Title: "Exceeded Your Validation Cost Budget? Now What?", ScheduleURL: "https://sched.co/1i7nv",
			RecordingURL: "https://www.youtube.com/watch?v=abc"}, RecommendedBy: []string{"mike"}}},
		Journal: []talkbot.JournalEntry{{UserID: mike, UserName: "mike", Text: "9,200 attendees", Visibility: talkbot.VisibilityTeam},
			{UserID: 8, UserName: "david", Text: "private musing", Takeaway: true, Visibility: talkbot.VisibilityPrivate},
			{UserID: 8, UserName: "david", Text: "more clouds coming", Takeaway: true, Visibility: talkbot.VisibilityTeam}}}
	post := check(t, wrapup.TeamPost(tm, wrapup.Options{}))
	for _, s := range []string{"### 1. [From Observability to Performance](https://sched.co/1i7mE)", "_Highlighted by 3 people · 4.7/5 from 3 ratings · ★ 1_",
		"**mike:** networking metrics, enlightening", "recommended by mike · [recording](https://www.youtube.com/watch?v=abc)",
		"* 9,200 attendees (mike)", "* more clouds coming (david)"} {
		if !strings.Contains(post, s) {
			t.Errorf("the team post lacks %q:\n%s", s, post)
		}
	}
	for _, s := range []string{"a private aside", "private musing"} {
		if strings.Contains(post, s) {
			t.Errorf("the team post holds the private %q:\n%s", s, post)
		}
	}
}

// A highlight the whole team wrote about quotes some of it and counts the
// rest: 500 long notes had made a 13 MB post, more than a homeserver takes.
func TestTeamPostQuotesAFewNotesOfEachTalk(t *testing.T) {
	var notes []talkbot.Note
	for i := range 500 {
		notes = append(notes, talkbot.Note{UserID: int64(100 + i%250), UserName: fmt.Sprintf("user%d", i%250),
			Text: fmt.Sprintf("note %d: %s", i, strings.Repeat("a long thought ", 200)), Visibility: talkbot.VisibilityTeam})
	}
	tm := wrapup.Team{Conference: denver, Logged: 1, Highlights: []wrapup.TeamTalk{{Talk: talkbot.Talk{ID: 2, Title: "Keynote"},
		Highlights: 250, RatingSum: 1000, RatingCount: 250, Notes: notes}}}
	post := check(t, wrapup.TeamPost(tm, wrapup.Options{}))
	if len(post) > 30_000 {
		t.Errorf("the post is %d bytes", len(post))
	}
	// Notes of some 3,000 bytes: four reach the bound, the rest are counted.
	for _, s := range []string{"**user0:** note 0:", "**user3:** note 3:", "_…and 496 more notes from 250 people._"} {
		if !strings.Contains(post, s) {
			t.Errorf("the team post lacks %q", s)
		}
	}
	if strings.Contains(post, "note 4:") {
		t.Errorf("the team post quotes past its bound")
	}
}

// TestCalendarParsesBack: the agenda reads back with the iCalendar library
// the importer uses, with the same talks and times.
func TestCalendarParsesBack(t *testing.T) {
	talks := []wrapup.Talk{
		{Talk: talkbot.Talk{ID: 1, Title: "From Observability to Performance", StartsAt: at("2024-11-13T18:15:00Z"), EndsAt: at("2024-11-13T18:50:00Z"),
			Room: "Salt Palace, Level 1, 155", ScheduleURL: "https://sched.co/1i7mE", Speakers: []talkbot.Speaker{{Name: "Nadia Pinaeva", Org: "Red Hat"}}},
			Log: talkbot.Log{Status: talkbot.StatusAttended}},
		{Talk: talkbot.Talk{ID: 2, Title: "Be Part of the Solution; an allyship workshop, with commas", Day: "2024-11-14"}, Log: talkbot.Log{Status: talkbot.StatusMissed, Reason: "room full", WatchLater: true}},
		{Talk: talkbot.Talk{ID: 3, Title: "No day at all"}, Log: talkbot.Log{WatchLater: true}},
		{Talk: talkbot.Talk{ID: 4, Title: "Dropped from the schedule", Day: "2024-11-15", Cancelled: true}, Log: talkbot.Log{WatchLater: true}},
	}
	data, skipped := wrapup.Calendar(denver, talks, at("2024-11-16T12:00:00Z"))
	if !slices.Equal(skipped, []int64{3}) {
		t.Errorf("skipped %v, want [3], the talk with no day", skipped)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(string(data)))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, data)
	}
	evs := cal.Events()
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3:\n%s", len(evs), data)
	}
	prop := func(e *ics.VEvent, p ics.ComponentProperty) string {
		if x := e.GetProperty(p); x != nil {
			return x.Value
		}
		return ""
	}
	start, err1 := evs[0].GetStartAt()
	end, err2 := evs[0].GetEndAt()
	if err1 != nil || err2 != nil || !start.Equal(talks[0].StartsAt) || !end.Equal(talks[0].EndsAt) {
		t.Errorf("first event %v..%v (%v, %v), want %v..%v", start, end, err1, err2, talks[0].StartsAt, talks[0].EndsAt)
	}
	if prop(evs[0], ics.ComponentPropertySummary) != talks[0].Title || prop(evs[0], ics.ComponentPropertyLocation) != talks[0].Room ||
		prop(evs[0], ics.ComponentPropertyUrl) != talks[0].ScheduleURL {
		t.Errorf("first event reads back as %q / %q / %q", prop(evs[0], ics.ComponentPropertySummary), prop(evs[0], ics.ComponentPropertyLocation), prop(evs[0], ics.ComponentPropertyUrl))
	}
	day, err := evs[1].GetAllDayStartAt()
	if err != nil || day.Format(time.DateOnly) != "2024-11-14" || prop(evs[1], ics.ComponentPropertySummary) != talks[1].Title {
		t.Errorf("second event: %v %v %q", day, err, prop(evs[1], ics.ComponentPropertySummary))
	}
	if d := prop(evs[1], ics.ComponentPropertyDescription); !strings.Contains(d, "Missed (room full)") {
		t.Errorf("second event's description %q", d)
	}
	// A session the schedule dropped is cancelled in the calendar too.
	if st := prop(evs[2], ics.ComponentPropertyStatus); st != "CANCELLED" || prop(evs[1], ics.ComponentPropertyStatus) != "TENTATIVE" {
		t.Errorf("statuses %q, %q; want TENTATIVE, CANCELLED", prop(evs[1], ics.ComponentPropertyStatus), st)
	}
}

// FuzzPersonalPost: whatever a user writes, the post parses back with no
// HTML, no image, no link but the web ones (and the address or ftp URL a
// renderer links by itself) and headings that nest.
func FuzzPersonalPost(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, s, "ebpf")
	}
	f.Add("Title", "a note\n\n# heading\n- item", "observability")
	f.Fuzz(func(t *testing.T, title, text, tag string) {
		p := wrapup.Personal{Conference: denver, AuthorID: mike, Talks: []wrapup.Talk{{
			Talk:  talkbot.Talk{ID: 1, Title: title, Event: title, Tags: []string{tag}, ScheduleURL: "https://sched.co/1i7mE"},
			Log:   talkbot.Log{UserID: mike, Status: talkbot.StatusAttended},
			Notes: []talkbot.Note{note(mike, text, talkbot.VisibilityTeam)}}},
			Journal: []talkbot.JournalEntry{{UserID: mike, Text: text, Takeaway: true, Visibility: talkbot.VisibilityTeam}}}
		for _, by := range []wrapup.Grouping{wrapup.ByEvent, wrapup.ByTopic} {
			post := wrapup.PersonalPost(p, wrapup.Options{By: by, Title: title})
			if ps := wrapuptest.Problems(post); len(ps) > 0 {
				t.Fatalf("%q\n%s", ps, post)
			}
			if m := reMassMention.FindString(string(post)); m != "" {
				t.Fatalf("live mass mention %q:\n%s", m, post)
			}
		}
	})
}

// TestImportedScheduleGoesByDay: a schedule's "event" is its track, so a
// post of imported talks goes by day unless asked otherwise.
func TestImportedScheduleGoesByDay(t *testing.T) {
	p := week()
	p.Talks[0].SourceID, p.Talks[0].Event = "1i7mE@sched", "OBSERVABILITY"
	got := wrapuptest.Headings([]byte(check(t, wrapup.PersonalPost(p, wrapup.Options{}))))
	if !slices.Contains(got, "## KubeCon Day 1, Wednesday November 13") || slices.Contains(got, "## OBSERVABILITY") {
		t.Errorf("headings = %q; want the days, not the tracks", got)
	}
	got = wrapuptest.Headings([]byte(check(t, wrapup.PersonalPost(p, wrapup.Options{By: wrapup.ByEvent}))))
	if !slices.Contains(got, "## OBSERVABILITY") {
		t.Errorf("asked by event, headings = %q", got)
	}
}

// TestNotesKeepCodeSpans: a note's `code` stays code in the post (seed 003
// quotes `keep_firing_for` so), while what is around it and inside it stays
// text.
func TestNotesKeepCodeSpans(t *testing.T) {
	for _, c := range []struct{ note, want string }{
		{"they mention `keep_firing_for` landing", "<p>they mention <code>keep_firing_for</code> landing</p>\n"},
		{"`<script>` and *not bold* and `[x](javascript:y)`", "<p><code>&lt;script&gt;</code> and *not bold* and <code>[x](javascript:y)</code></p>\n"},
		{"- `flag` first", "<ul>\n<li><code>flag</code> first</li>\n</ul>\n"},
		{"a lone ` backtick", "<p>a lone ` backtick</p>\n"}, {"` `", "<p>` `</p>\n"},
	} {
		got := normalize(wrapuptest.HTML([]byte(strings.Join(wrapup.Paragraphs(c.note), "\n\n"))))
		if got != c.want {
			t.Errorf("Paragraphs(%q) renders %q\nwant %q", c.note, got, c.want)
		}
	}
}

// TestDaysCountFromTheConferenceProper: KubeCon EU 2026's dates start on
// the co-located events' Monday; the seeds' "KubeCon Day 1" is the first
// keynote's Tuesday, and the days before are pre-conference (an imported
// schedule's "event" is its ALL-CAPS track, no heading).
func TestDaysCountFromTheConferenceProper(t *testing.T) {
	eu := talkbot.Conference{Name: "KubeCon EU 2026", StartsOn: "2026-03-23", EndsOn: "2026-03-26", Timezone: "Europe/Amsterdam"}
	log := talkbot.Log{UserID: mike, Status: talkbot.StatusAttended, LoggedAt: at("2026-03-24T10:00:00Z")}
	p := wrapup.Personal{Conference: eu, FirstDay: "2026-03-24", AuthorID: mike, Talks: []wrapup.Talk{
		{Talk: talkbot.Talk{ID: 1, Title: "Maintainer Summit", Day: "2026-03-22", Event: "PROJECT OPPORTUNITIES", SourceID: "a@sched"}, Log: log},
		{Talk: talkbot.Talk{ID: 2, Title: "Project Lightning Talk: Opening", Day: "2026-03-23", Event: "PROJECT OPPORTUNITIES", SourceID: "b@sched"}, Log: log},
		{Talk: talkbot.Talk{ID: 3, Title: "Keynote: Welcome", Day: "2026-03-24", Event: "KEYNOTE SESSIONS", SourceID: "c@sched"}, Log: log},
		{Talk: talkbot.Talk{ID: 4, Title: "Closing Keynote", Day: "2026-03-26", Event: "KEYNOTE SESSIONS", SourceID: "d@sched"}, Log: log},
	}}
	got := wrapuptest.Headings([]byte(check(t, wrapup.PersonalPost(p, wrapup.Options{}))))
	want := []string{"## Pre-conference, Sunday March 22", "## Pre-conference, Monday March 23", "## KubeCon Day 1, Tuesday March 24", "## KubeCon Day 3, Thursday March 26"}
	if !slices.Equal(got, want) {
		t.Errorf("headings = %q\nwant %q", got, want)
	}
}

// TestARecordingWatchedAfterTheWeekHasItsOwnSection: a recording watched on
// the plane home had headed a section "Monday December 2", a day the
// conference never had.
func TestARecordingWatchedAfterTheWeekHasItsOwnSection(t *testing.T) {
	p := week()
	p.Talks = append(p.Talks, wrapup.Talk{Talk: talkbot.Talk{ID: 9, Title: "Prometheus Deep Dive"},
		Log: talkbot.Log{UserID: mike, Watched: true, Rating: 5, LoggedAt: at("2024-12-02T18:00:00Z")}})
	got := wrapuptest.Headings([]byte(check(t, wrapup.PersonalPost(p, wrapup.Options{By: wrapup.ByDay}))))
	if slices.Contains(got, "## Monday December 2") || !slices.Contains(got, "## Watched on video later") {
		t.Errorf("headings = %q", got)
	}
}

// A web address in a note is one link to that address in the post. Its
// characters were escaped like text, and a renderer's link ended at the
// first backslash: a fragment lost, a wiki page cut at its underscore,
// another video's id.
func TestNotesKeepWebAddressesWhole(t *testing.T) {
	for _, u := range []string{
		"https://github.com/kubernetes/enhancements/issues/1287#issuecomment-123",
		"https://kubernetes.io/docs/concepts/workloads/pods/#pod-lifecycle",
		"https://en.wikipedia.org/wiki/Huntington_Place_(Detroit)",
		"https://example.com/~elmiko/slides.pdf",
		"https://github.com/foo/bar/blob/main/__init__.py",
		"https://www.youtube.com/watch?v=abc_-def",
		"https://grafana.com/docs/$version/a*b|c",
	} {
		for _, note := range []string{u, "see " + u + " for more", "(slides: " + u + ").", "`code` then " + u + ", and *this*"} {
			html := wrapuptest.HTML([]byte(strings.Join(wrapup.Paragraphs(note), "\n\n")))
			want := `href="` + strings.ReplaceAll(u, "|", "%7C") + `"`
			if !strings.Contains(string(html), want) {
				t.Errorf("Paragraphs(%q) renders\n%s\nwant a link with %s", note, html, want)
			}
		}
	}
	// Around it, text stays text.
	if html := string(wrapuptest.HTML([]byte(strings.Join(wrapup.Paragraphs("*not bold* https://example.com/a_b_ <b>x</b>"), "")))); strings.Contains(html, "<em>") || strings.Contains(html, "<b>") {
		t.Errorf("text around an address became markup: %s", html)
	}
}

// A note's lines keep their shape in the post: a line typed "- item" or
// "1. item" is a list item, other lines keep their breaks, and what the
// items say stays text. Markdown had run them all into one line.
func TestNotesKeepTheirLines(t *testing.T) {
	for _, c := range []struct{ note, want string }{
		{"para two:\n- item a\n- item *b*\n\n1. first\n2. second", "<p>para two:</p>\n<ul>\n<li>item a</li>\n<li>item *b*</li>\n</ul>\n<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"},
		{"line one\nline two\nline three", "<p>line one<br>\nline two<br>\nline three</p>\n"},
		{"- a list\nthen text", "<ul>\n<li>a list</li>\n</ul>\n<p>then text</p>\n"},
		{"- # not a heading\n- [x](javascript:y)", "<ul>\n<li># not a heading</li>\n<li>[x](javascript:y)</li>\n</ul>\n"},
		{"ends in a backslash \\\nnext", "<p>ends in a backslash \\ <br>\nnext</p>\n"},
		{"-not a list\n2025. What a year", "<p>-not a list<br>\n2025. What a year</p>\n"},
		{"2025. What a year", "<p>2025. What a year</p>\n"},
	} {
		got := normalize(wrapuptest.HTML([]byte(strings.Join(wrapup.Paragraphs(c.note), "\n\n"))))
		if got != c.want {
			t.Errorf("Paragraphs(%q) renders %q\nwant %q", c.note, got, c.want)
		}
	}
}

// A talk attended but logged weeks after the conference, from memory, with
// no day of its own, goes under "Other talks", not a section of the day it
// was typed in ("Monday December 7").
func TestATalkLoggedAfterTheWeekHasNoDayOfItsOwn(t *testing.T) {
	p := week()
	p.Talks = append(p.Talks, wrapup.Talk{Talk: talkbot.Talk{ID: 9, Title: "Talk logged from memory"},
		Log: talkbot.Log{UserID: mike, Status: talkbot.StatusAttended, Rating: 5, LoggedAt: at("2024-12-07T18:00:00Z")}})
	post := check(t, wrapup.PersonalPost(p, wrapup.Options{By: wrapup.ByDay}))
	got := wrapuptest.Headings([]byte(post))
	if slices.Contains(got, "## Saturday December 7") || !slices.Contains(got, "## Other talks") || !strings.Contains(post, "Talk logged from memory") {
		t.Errorf("headings = %q", got)
	}
}
