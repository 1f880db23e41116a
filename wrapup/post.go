// Package wrapup renders what a user takes away from a conference as files
// other tools read: the Markdown wrap-up post (theirs, or the team's, for a
// blog) and their agenda as iCalendar. It takes plain data and returns bytes;
// what goes in (whose notes, which talks) is decided by the caller, and the
// renderer leaves out again anything a post must never hold.
package wrapup

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
)

// Grouping is how a post's talks fall into sections.
type Grouping string

// The groupings of the seeds: by event (co-located events, then the main
// conference), by day, or by topic (the talks' tags).
const (
	// ByDefault is by event, or by day when the talks come from an imported schedule.
	ByDefault Grouping = ""
	ByEvent   Grouping = "event"
	ByDay     Grouping = "day"
	ByTopic   Grouping = "topic"
)

// Front is the front matter a post starts with.
type Front string

// Front matters: Jekyll's YAML, Hugo's TOML, or none.
const (
	Jekyll  Front = "jekyll"
	Hugo    Front = "hugo"
	NoFront Front = "none"
)

const starFull = "★"

// Ratings is how a rating reads in a post.
type Ratings string

// Ratings as words ("highly recommend") or stars (★★★★★).
const (
	Words Ratings = "words"
	Stars Ratings = "stars"
)

// Options shape a post.
type Options struct {
	By      Grouping
	Front   Front
	Ratings Ratings
	Title   string // "" for "<conference> Retrospective"
	Date    string // YYYY-MM-DD of the front matter
	// NoPrivate leaves the author's private notes out.
	NoPrivate bool
}

// Talk is a talk in a personal post: the author's log, own notes and
// presentation, and who recommended it to them.
type Talk struct {
	talkbot.Talk
	Log           talkbot.Log
	Notes         []talkbot.Note
	Presentation  *talkbot.Presentation
	RecommendedBy []string
}

// Personal is what a user's own post is made of.
type Personal struct {
	Conference talkbot.Conference
	// FirstDay is the conference proper's first day, "KubeCon Day 1", when
	// it is later than the conference's dates say (they start with the
	// co-located events' day); the days before it are pre-conference.
	FirstDay string
	AuthorID int64
	Talks    []Talk // every talk the author logged or was recommended
	Journal  []talkbot.JournalEntry
}

// Rating words for 1-5, as the seeds' authors write them.
var ratingWords = [...]string{1: "not for me", 2: "kind of a boring talk", 3: "a good talk", 4: "a great talk", 5: "highly recommend"}

// doc accumulates Markdown blocks, separated by blank lines.
type doc struct{ blocks []string }

func (d *doc) add(s string) {
	if s = strings.TrimRight(s, "\n"); s != "" {
		d.blocks = append(d.blocks, s)
	}
}

func (d *doc) String() string { return strings.Join(d.blocks, "\n\n") + "\n" }

// post is the document as the site generator of front should read it:
// template syntax that users typed (KubeCon notes quote Helm's
// "{{ .Values.image.tag }}") is kept from the generator's template engine,
// which runs before Markdown and would have dropped it or failed the build.
// Jekyll: each block holding "{{" or "{%" goes inside {% raw %}…{% endraw %}
// (a block each, so that an excerpt never cuts a raw block open), and a
// "{% endraw" inside gets a word joiner so it cannot end it. Hugo runs only
// its shortcodes, "{{<" and "{{%": a zero-width space splits those.
func (d *doc) post(front Front) []byte {
	blocks := slices.Clone(d.blocks)
	for i := 1; i < len(blocks); i++ { // the first block is the front matter
		b := blocks[i]
		switch front {
		case Jekyll:
			if strings.Contains(b, "{{") || strings.Contains(b, "{%") {
				blocks[i] = "{% raw %}" + reEndraw.ReplaceAllString(b, "{\u2060%$1") + "{% endraw %}"
			}
		case Hugo:
			blocks[i] = hugoShortcodes.Replace(b)
		}
	}
	return []byte(strings.Join(blocks, "\n\n") + "\n")
}

var reEndraw = regexp.MustCompile(`\{%(-?\s*endraw)`)

var hugoShortcodes = strings.NewReplacer("{{<", "{\u200b{<", "{{%", "{\u200b{%")

// section is a "## " heading and what goes under it.
type section struct {
	title string
	body  doc
}

// PersonalPost renders a user's wrap-up post.
func PersonalPost(p Personal, o Options) []byte {
	by := o.By
	o = defaults(o, p.Conference.Name+" Retrospective")
	o.By = by
	conf := p.Conference
	var saw, wanted []Talk
	for _, t := range p.Talks {
		if t.NonTalk || t.Cancelled && t.Log.Status != talkbot.StatusAttended {
			continue
		}
		t.Notes = ownNotes(t.Notes, p.AuthorID, o.NoPrivate)
		switch {
		case t.Log.Status == talkbot.StatusAttended || t.Log.Watched || t.Presentation != nil:
			saw = append(saw, t)
		case t.Log.WatchLater || t.Log.Status == talkbot.StatusMissed || len(t.RecommendedBy) > 0:
			wanted = append(wanted, t)
		case len(t.Notes) > 0: // neither attended nor listed, but written about: the notes belong in the post
			saw = append(saw, t)
		}
	}
	if o.By == ByDefault {
		// An imported schedule's "event" is its track: by track is not how
		// the seeds group a week, by day is.
		o.By = ByEvent
		if slices.ContainsFunc(saw, func(t Talk) bool { return t.SourceID != "" }) {
			o.By = ByDay
		}
	}
	loc := conf.Location()
	slices.SortStableFunc(saw, func(a, b Talk) int { return when(a, loc).Compare(when(b, loc)) })
	slices.SortStableFunc(wanted, func(a, b Talk) int {
		return cmp.Or(cmp.Compare(wantRank(a), wantRank(b)), when(a, loc).Compare(when(b, loc)))
	})
	// Watching a recording is worth saying only in a post that has talks attended too.
	mixed := slices.ContainsFunc(saw, func(t Talk) bool { return t.Log.Status == talkbot.StatusAttended }) &&
		slices.ContainsFunc(saw, func(t Talk) bool { return t.Log.Status != talkbot.StatusAttended })

	var intro, takeaways []talkbot.JournalEntry
	for _, e := range p.Journal {
		if e.UserID != p.AuthorID || (o.NoPrivate && e.Visibility == talkbot.VisibilityPrivate) {
			continue
		}
		if e.Takeaway {
			takeaways = append(takeaways, e)
		} else {
			intro = append(intro, e)
		}
	}

	var sections []*section
	for _, g := range group(saw, conf, p.FirstDay, o.By) {
		s := &section{title: g.title}
		renderTalks(&s.body, g.talks, o, mixed)
		sections = append(sections, s)
	}
	if len(wanted) > 0 {
		s := &section{title: "Talks I wanted to see (and will watch the recordings of)"}
		renderTalks(&s.body, wanted, o, false)
		sections = append(sections, s)
	}
	if len(takeaways) > 0 {
		s := &section{title: "Thoughts and takeaways"}
		s.body.add(bullets(takeaways, false))
		sections = append(sections, s)
	}

	var d doc
	d.add(frontMatter(o, tagsOf(conf, saw)))
	if len(intro) == 0 {
		d.add(Text(defaultIntro(conf, len(saw), len(wanted))))
	}
	for _, e := range intro {
		for _, para := range Paragraphs(e.Text) {
			d.add(para)
		}
	}
	writeSections(&d, sections)
	return d.post(o.Front)
}

// defaults fills in what the options leave open.
func defaults(o Options, title string) Options {
	if o.By == "" {
		o.By = ByEvent
	}
	if o.Front == "" {
		o.Front = Jekyll
	}
	if o.Ratings == "" {
		o.Ratings = Words
	}
	if strings.TrimSpace(o.Title) == "" {
		o.Title = title
	}
	return o
}

// ownNotes keeps the author's own notes, their private ones unless left out.
func ownNotes(ns []talkbot.Note, author int64, noPrivate bool) []talkbot.Note {
	var out []talkbot.Note
	for _, n := range ns {
		if n.UserID == author && !(noPrivate && n.Visibility == talkbot.VisibilityPrivate) {
			out = append(out, n)
		}
	}
	return out
}

// when orders talks: by their start when the schedule says, else by when
// they were logged (which is about when they were on).
func when(t Talk, loc *time.Location) time.Time {
	if !t.StartsAt.IsZero() {
		return t.StartsAt
	}
	// A talk logged on another day than its own (after the fact, from a
	// list) goes by its day.
	if d, err := time.ParseInLocation(time.DateOnly, t.Day, loc); err == nil && t.Log.LoggedAt.In(loc).Format(time.DateOnly) != t.Day {
		return d
	}
	return t.Log.LoggedAt
}

// wantRank puts missed talks first, then the watch-later list, then what
// colleagues recommended.
func wantRank(t Talk) int {
	switch {
	case t.Log.Status == talkbot.StatusMissed:
		return 0
	case t.Log.WatchLater:
		return 1
	}
	return 2
}

func defaultIntro(c talkbot.Conference, saw, wanted int) string {
	s := "My notes from " + c.Name
	if c.StartsOn != "" {
		s += " (" + c.StartsOn + " to " + c.EndsOn + ")"
	}
	s += fmt.Sprintf(": %s I saw", count(saw, "talk"))
	if wanted > 0 {
		s += fmt.Sprintf(", and %d more to watch on the recordings", wanted)
	}
	return s + "."
}

func count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// writeSections adds a table of contents when there are more than a few
// sections, then the sections.
func writeSections(d *doc, sections []*section) {
	if len(sections) > 4 {
		var toc []string
		seen := map[string]int{}
		for _, s := range sections {
			a := Anchor(s.title)
			if n := seen[a]; n > 0 {
				a = fmt.Sprintf("%s-%d", a, n)
			}
			seen[Anchor(s.title)]++
			toc = append(toc, "- ["+Inline(s.title)+"](#"+a+")")
		}
		d.add("## Contents\n\n" + strings.Join(toc, "\n"))
	}
	for _, s := range sections {
		d.add("## " + Inline(s.title))
		d.blocks = append(d.blocks, s.body.blocks...)
	}
}

// renderTalks writes talks in order: a talk with notes as a headed block
// (title, speakers, what the author thought, the notes as paragraphs), runs
// of talks without notes as one-line bullets.
func renderTalks(d *doc, ts []Talk, o Options, sayWatched bool) {
	var run []string
	flush := func() {
		if len(run) > 0 {
			d.add(strings.Join(run, "\n"))
			run = nil
		}
	}
	for _, t := range ts {
		meta := metaOf(t, o, sayWatched)
		if len(t.Notes) == 0 {
			line := "* " + titleLink(t)
			if len(t.Speakers) > 0 {
				line += " - " + Inline(schedule.FormatSpeakers(t.Speakers))
			}
			if meta != "" {
				line += " _(" + meta + ")_"
			}
			run = append(run, line)
			continue
		}
		flush()
		head := "### " + titleLink(t)
		if len(t.Speakers) > 0 {
			head += "\nby " + Inline(schedule.FormatSpeakers(t.Speakers))
		}
		d.add(head)
		if meta != "" {
			d.add("_" + upperFirst(meta) + "_")
		}
		for _, n := range t.Notes {
			for _, para := range Paragraphs(n.Text) {
				d.add(para)
			}
		}
	}
	flush()
}

// titleLink is the talk's title linked to its schedule page, or to its
// recording when that is all there is.
func titleLink(t Talk) string {
	if Dest(t.ScheduleURL) != "" {
		return Link(Inline(t.Title), t.ScheduleURL)
	}
	return Link(Inline(t.Title), t.RecordingURL)
}

// metaOf is what the author did and thought of a talk, in a few words:
// presented it (and the slides), the rating, the reason it was missed, who
// recommended it, the recording.
func metaOf(t Talk, o Options, sayWatched bool) string {
	var parts []string
	if p := t.Presentation; p != nil {
		parts = append(parts, "I presented this talk")
		if Dest(p.SlidesURL) != "" {
			parts = append(parts, Link("slides", p.SlidesURL))
		}
	}
	if t.Log.Rating > 0 {
		if o.Ratings == Stars {
			parts = append(parts, strings.Repeat(starFull, t.Log.Rating)+strings.Repeat("☆", 5-t.Log.Rating))
		} else {
			parts = append(parts, ratingWords[t.Log.Rating])
		}
	}
	if t.Log.Starred {
		parts = append(parts, "one of my highlights")
	}
	if t.Log.Status == talkbot.StatusMissed {
		if r := strings.TrimSpace(t.Log.Reason); r != "" && !(o.NoPrivate && t.Log.ReasonPrivate) {
			parts = append(parts, "couldn't attend: "+Inline(r))
		} else {
			parts = append(parts, "couldn't attend")
		}
	}
	if sayWatched && t.Log.Watched && t.Log.Status != talkbot.StatusAttended {
		parts = append(parts, "watched the recording")
	}
	if len(t.RecommendedBy) > 0 {
		parts = append(parts, "recommended to me by "+Inline(andList(t.RecommendedBy)))
	}
	if Dest(t.ScheduleURL) != "" && Dest(t.RecordingURL) != "" {
		parts = append(parts, Link("recording", t.RecordingURL))
	}
	return strings.Join(parts, " · ")
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// andList is "a", "a and b", "a, b and c".
func andList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// bullets lists conference notes, each one bullet (its further lines and
// paragraphs indented under it), with the author's name when named.
func bullets(es []talkbot.JournalEntry, named bool) string {
	var lines []string
	for _, e := range es {
		text := strings.Join(Paragraphs(e.Text), "\n\n")
		text = strings.ReplaceAll(text, "\n", "\n  ")
		text = strings.ReplaceAll(text, "\n  \n", "\n\n")
		if named && e.UserName != "" {
			text += " (" + Inline(e.UserName) + ")"
		}
		if text != "" {
			lines = append(lines, "* "+text)
		}
	}
	return strings.Join(lines, "\n")
}

// tagsOf is the front matter's tags: the conference's series ("kubecon"),
// then the post's most used talk tags.
func tagsOf(c talkbot.Conference, ts []Talk) []string {
	var out []string
	if w := strings.Fields(shortName(c.Name)); len(w) > 0 {
		if slug := Anchor(w[0]); slug != "heading" {
			out = append(out, slug)
		}
	}
	counts := map[string]int{}
	var order []string
	for _, t := range ts {
		for _, tag := range t.Tags {
			if counts[tag] == 0 {
				order = append(order, tag)
			}
			counts[tag]++
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(counts[b], counts[a]) })
	for _, tag := range order {
		if len(out) == 6 {
			break
		}
		if !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	return out
}

func frontMatter(o Options, tags []string) string {
	quoted := make([]string, len(tags))
	for i, t := range tags {
		quoted[i] = quoteString(t)
	}
	switch o.Front {
	case Hugo:
		return "+++\ntitle = " + quoteString(o.Title) + "\ndate = " + quoteString(o.Date) + "\ntags = [" + strings.Join(quoted, ", ") + "]\n+++"
	case NoFront:
		return "# " + Inline(o.Title)
	}
	return "---\nlayout: post\ntitle: " + quoteString(o.Title) + "\ndate: " + o.Date + "\ntags: [" + strings.Join(quoted, ", ") + "]\n---"
}
