package wrapup

import (
	"fmt"
	"strings"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
)

// TeamTalk is a talk in the team's post: the team's numbers and the
// team-visible notes about it, and who recommends watching it.
type TeamTalk struct {
	talkbot.Talk
	Highlights, Stars, RatingSum, RatingCount int
	Notes                                     []talkbot.Note
	RecommendedBy                             []string
}

// Team is what the team's post is made of.
type Team struct {
	Conference  talkbot.Conference
	Logged      int        // how many talks the team logged
	Highlights  []TeamTalk // best first
	Recommended []TeamTalk // talks someone recommends watching, in the order first recommended
	Journal     []talkbot.JournalEntry
}

// What a highlight of the team's post quotes at most: a post is read, and
// a talk the whole team wrote about would run to megabytes.
const (
	teamNotes    = 12
	teamNoteText = 12_000 // bytes of the notes' text
)

// TeamPost renders the team's post for a company blog: the team's
// highlights, ranked, with the notes people shared, attributed by name;
// the talks the team recommends watching; the team's takeaways. A private
// note or conference note never appears, whatever is passed in.
func TeamPost(tm Team, o Options) []byte {
	o = defaults(o, tm.Conference.Name+": the team's highlights")
	var d doc
	var tags []string
	for _, t := range tm.Highlights {
		tags = append(tags, t.Tags...)
	}
	d.add(frontMatter(o, tagsOf(tm.Conference, []Talk{{Talk: talkbot.Talk{Tags: tags}}})))

	var intro, takeaways []talkbot.JournalEntry
	for _, e := range tm.Journal {
		switch {
		case e.Visibility != talkbot.VisibilityTeam:
		case e.Takeaway:
			takeaways = append(takeaways, e)
		default:
			intro = append(intro, e)
		}
	}
	// Logged, not seen: the count holds talks someone only missed or put on their list.
	d.add(Text(fmt.Sprintf("The team logged %s at %s, and these are the ones we liked best.",
		count(tm.Logged, "talk"), tm.Conference.Name)))
	if len(intro) > 0 {
		d.add(bullets(intro, true))
	}

	var sections []*section
	if len(tm.Highlights) > 0 {
		s := &section{title: "Team highlights"}
		for i, t := range tm.Highlights {
			head := fmt.Sprintf("### %d. %s", i+1, teamTitle(t))
			if len(t.Speakers) > 0 {
				head += "\nby " + Inline(schedule.FormatSpeakers(t.Speakers))
			}
			s.body.add(head)
			s.body.add("_" + teamMeta(t) + "_")
			last := int64(-1)
			quoted, left, leftBy := quotedNotes(t.Notes)
			for _, n := range quoted {
				paras := Paragraphs(n.Text)
				if n.UserID != last { // a run of one person's notes is named once
					paras[0] = "**" + Inline(nameOr(n.UserName)) + ":** " + paras[0]
				}
				last = n.UserID
				for _, p := range paras {
					s.body.add(p)
				}
			}
			if left > 0 {
				s.body.add("_…and " + count(left, "more note") + " from " + people(leftBy) + "._")
			}
		}
		sections = append(sections, s)
	}
	if len(tm.Recommended) > 0 {
		s := &section{title: "Talks we recommend watching"}
		var lines []string
		for _, t := range tm.Recommended {
			line := "* " + teamTitle(t)
			if len(t.Speakers) > 0 {
				line += " - " + Inline(schedule.FormatSpeakers(t.Speakers))
			}
			var parts []string
			if len(t.RecommendedBy) > 0 {
				parts = append(parts, "recommended by "+Inline(andList(t.RecommendedBy)))
			}
			if Dest(t.ScheduleURL) != "" && Dest(t.RecordingURL) != "" {
				parts = append(parts, Link("recording", t.RecordingURL))
			}
			if len(parts) > 0 {
				line += " _(" + strings.Join(parts, " · ") + ")_"
			}
			lines = append(lines, line)
		}
		s.body.add(strings.Join(lines, "\n"))
		sections = append(sections, s)
	}
	if len(takeaways) > 0 {
		s := &section{title: "Thoughts and takeaways"}
		s.body.add(bullets(takeaways, true))
		sections = append(sections, s)
	}
	writeSections(&d, sections)
	return d.post(o.Front)
}

// quotedNotes is what a highlight quotes: its team notes up to the
// bounds, and how many are left out, by how many people.
func quotedNotes(notes []talkbot.Note) (quoted []talkbot.Note, left, leftBy int) {
	text := 0
	by := map[int64]bool{}
	for _, n := range notes {
		if n.Visibility != talkbot.VisibilityTeam || len(Paragraphs(n.Text)) == 0 {
			continue
		}
		if len(quoted) >= teamNotes || text >= teamNoteText {
			left++
			by[n.UserID] = true
			continue
		}
		quoted, text = append(quoted, n), text+len(n.Text)
	}
	return quoted, left, len(by)
}

// NotesLeftOut is how many of a highlight's team notes the team's post
// leaves out, for the reply to say where they are.
func NotesLeftOut(t TeamTalk) int {
	_, left, _ := quotedNotes(t.Notes)
	return left
}

func teamTitle(t TeamTalk) string {
	return titleLink(Talk{Talk: t.Talk})
}

// teamMeta is a highlight's numbers: who highlighted it, the average
// rating, the stars, the recording.
func teamMeta(t TeamTalk) string {
	parts := []string{"highlighted by " + people(t.Highlights)}
	if t.RatingCount > 0 {
		parts = append(parts, fmt.Sprintf("%.1f/5 from %s", float64(t.RatingSum)/float64(t.RatingCount), count(t.RatingCount, "rating")))
	}
	if t.Stars > 0 {
		parts = append(parts, fmt.Sprintf("%s %d", starFull, t.Stars))
	}
	if Dest(t.ScheduleURL) != "" && Dest(t.RecordingURL) != "" {
		parts = append(parts, Link("recording", t.RecordingURL))
	}
	return upperFirst(strings.Join(parts, " · "))
}

func nameOr(name string) string {
	if strings.TrimSpace(name) == "" {
		return "someone"
	}
	return name
}

func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d people", n)
}
