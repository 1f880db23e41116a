package commands

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
)

// talkLine is the one-line form of a talk: "#12 Title — Speaker, Org &
// Speaker, Org", in the style a pasted line reads back.
func talkLine(t talkbot.Talk) Line { return appendTalkLine(make(Line, 0, talkLineSpans), t) }

// talkLineSpans is how many spans talkLine makes at most.
const talkLineSpans = 4

// appendTalkLine appends talkLine(t) to l.
func appendTalkLine(l Line, t talkbot.Talk) Line {
	l = append(l, bold("#"+strconv.FormatInt(t.ID, 10)), plain(" "), plain(t.Title))
	if len(t.Speakers) > 0 {
		l = append(l, plain(" — "+schedule.FormatSpeakers(t.Speakers)))
	}
	return l
}

// talkFacts is the event, room, day and tags of a talk, or nil when it has none.
func talkFacts(t talkbot.Talk) Line {
	var parts []string
	for _, p := range []string{t.Event, t.Room, t.Day} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	for _, tag := range t.Tags {
		parts = append(parts, "#"+tag)
	}
	if len(parts) == 0 {
		return nil
	}
	return Line{plain("   " + strings.Join(parts, " · "))}
}

func stars(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// logState describes a log in a few words: "attended, ★★★★★ 5/5, starred";
// "presented" for a talk the user gave (it counts as attended).
func logState(l talkbot.Log, presented bool) string {
	var parts []string
	switch {
	case presented:
		parts = append(parts, "presented")
	case l.Status == talkbot.StatusAttended:
		parts = append(parts, "attended")
	case l.Status == talkbot.StatusMissed:
		if l.Reason != "" {
			parts = append(parts, "missed ("+l.Reason+")")
		} else {
			parts = append(parts, "missed")
		}
	}
	if l.Rating > 0 {
		parts = append(parts, fmt.Sprintf("%s %d/5", stars(l.Rating), l.Rating))
	}
	if l.Starred {
		parts = append(parts, "starred")
	}
	if l.Watched {
		parts = append(parts, "watched")
	} else if l.WatchLater {
		parts = append(parts, "watch later")
	}
	return strings.Join(parts, ", ")
}

// names lists up to three names, then how many more.
func names(ns []string) string {
	if len(ns) <= 3 {
		return strings.Join(ns, ", ")
	}
	return strings.Join(ns[:3], ", ") + fmt.Sprintf(" and %d more", len(ns)-3)
}

// summaryCard renders a talk in a list: a card "3. #12 Title", then its
// facts, the user's state and the team's numbers on one line.
func summaryCard(b *builder, n int, s talkbot.TalkSummary, own bool, viewer int64) {
	c := b.card(fmt.Sprintf("%d.", n), s.Talk)
	c.Stats = &Stats{Highlights: s.HighlightCount, Stars: s.StarCount, RatingSum: s.RatingSum, RatingCount: s.RatingCount}
	if s.Log.UserID != 0 && s.Log.UserID == viewer { // bob's log on `list @bob` is shown, not the viewer's to act on
		l := s.Log
		c.Log = &l
	}
	var parts []string
	if own {
		if st := logState(s.Log, s.Presented); st != "" {
			parts = append(parts, st)
		}
	}
	if s.RatingCount > 0 && (!own || s.RatingCount > 1) {
		parts = append(parts, fmt.Sprintf("team %.1f/5 from %d", s.AverageRating(), s.RatingCount))
	}
	if s.StarCount > 0 && (!own || s.StarCount > 1 || !s.Log.Starred) {
		parts = append(parts, fmt.Sprintf("%d ★ starred", s.StarCount))
	}
	if f := talkFacts(s.Talk); f != nil {
		parts = append([]string{strings.TrimSpace(f[0].Text)}, parts...)
	}
	if len(parts) > 0 {
		c.line(plain("   " + strings.Join(parts, " · ")))
	}
}

// ambiguousReply asks which talk was meant, with a button for each.
func ambiguousReply(e *ambiguousError) Reply {
	b := &builder{r: Reply{Kind: KindQuestion}}
	switch {
	case e.heading != "":
		b.text(e.heading)
	case len(e.talks) == 1: // a talk of that title on another day
		b.line(plain("One talk matches “"), plain(truncate(e.query, 80)), plain("”. Did you mean it?"))
	default:
		b.line(plain("Several talks match “"), plain(truncate(e.query, 80)), plain("”. Did you mean one of these?"))
	}
	list := &List{}
	var buttons []Button
	for _, t := range e.talks {
		l := append(Line{plain("• ")}, talkLine(t)...)
		room, when := "", t.Day
		if t.SourceID != "" { // a session: its room tells it from the others at that time
			room = t.Room
		}
		if !t.StartsAt.IsZero() && e.loc != nil { // and its start from the others that day
			when = strings.TrimSpace(when + " " + t.StartsAt.In(e.loc).Format("15:04"))
		}
		if where := strings.Join(nonEmptyOf(when, room), ", "); where != "" {
			l = append(l, plain(" ("+where+")"))
		}
		if t.Cancelled {
			l = append(l, plain(" — cancelled"))
		}
		list.Items = append(list.Items, Item{Spans: l, Talk: t.ID})
		buttons = append(buttons, Button{Label: fmt.Sprintf("#%d", t.ID), Command: e.retry(fmt.Sprintf("#%d", t.ID))})
	}
	b.r.Blocks = append(b.r.Blocks, list)
	if e.more != "" {
		b.text(e.more)
	}
	answer := Line{plain("Answer with its #id: "), code(e.retry(fmt.Sprintf("#%d", e.talks[0].ID)))}
	if e.newTalk != "" {
		answer = append(answer, plain(", or "), code(e.newTalk), plain(" for a different talk"))
		buttons = append(buttons, Button{Label: "A different talk", Command: e.newTalk})
	}
	b.line(append(answer, plain("."))...)
	if e.warn != "" {
		b.text(strings.TrimSpace(e.warn))
	}
	if e.withheld != "" {
		b.text("Your " + e.withheld + " is private, so I leave it out here: add it after the #id when you answer.")
		return b.reply()
	}
	b.buttons(buttons...)
	return b.reply()
}

// nonEmptyOf returns the strings that are not empty.
func nonEmptyOf(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
