package wrapup

import (
	"cmp"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
)

// talkGroup is the talks of one section.
type talkGroup struct {
	title string
	talks []Talk
}

// group splits talks (in time order) into sections, each in time order;
// by day, the conference proper's days count from first (its StartsOn
// when empty).
func group(ts []Talk, c talkbot.Conference, first string, by Grouping) []talkGroup {
	var out []talkGroup
	index := map[string]int{}
	put := func(key, title string, t Talk) {
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, talkGroup{title: title})
		}
		out[i].talks = append(out[i].talks, t)
	}
	loc := c.Location()
	switch by {
	case ByDay:
		days := map[string][]Talk{}
		var order []string
		var later []Talk // recordings watched after the week, which has no day of theirs
		for _, t := range ts {
			d := dayOf(t, loc)
			if watchedLater(t, c, d) {
				later = append(later, t)
				continue
			}
			if t.Day == "" && t.StartsAt.IsZero() && d != "" && !c.Around(d) {
				// Logged after the week from memory, with no day of its
				// own: not a section of the day it was typed in.
				d = ""
			}
			if _, ok := days[d]; !ok {
				order = append(order, d)
			}
			days[d] = append(days[d], t)
		}
		// Days in calendar order; a talk with no day at all goes last.
		slices.SortFunc(order, func(a, b string) int {
			if (a == "") != (b == "") {
				return cmp.Compare(b, a) // "" after any date
			}
			return cmp.Compare(a, b)
		})
		for _, d := range order {
			for _, t := range days[d] {
				put(d, dayTitle(c, first, d, days[d]), t)
			}
		}
		for _, t := range later {
			put("watched later", "Watched on video later", t)
		}
	case ByTopic:
		for _, t := range ts {
			if len(t.Tags) == 0 {
				continue
			}
			put("#"+t.Tags[0], topicTitle(t.Tags[0]), t)
		}
		for _, t := range ts {
			if len(t.Tags) == 0 {
				put("", "Other talks", t)
			}
		}
	default:
		// Events in the order their first talk was on: co-located events
		// come before the main conference, as they did in the week.
		main := shortName(c.Name)
		for _, t := range ts {
			e := strings.TrimSpace(t.Event)
			if e == "" || strings.EqualFold(e, c.Name) || strings.EqualFold(e, main) {
				put("", main, t)
				continue
			}
			put(strings.ToLower(e), e, t)
		}
	}
	return out
}

// dayOf is the talk's day in the conference's zone: the schedule's, else
// the day it was logged.
func dayOf(t Talk, loc *time.Location) string {
	switch {
	case t.Day != "":
		return t.Day
	case !t.StartsAt.IsZero():
		return t.StartsAt.In(loc).Format(time.DateOnly)
	case !t.Log.LoggedAt.IsZero():
		return t.Log.LoggedAt.In(loc).Format(time.DateOnly)
	}
	return ""
}

// watchedLater reports whether t is a recording watched after the
// conference's week, with no day of its own on the schedule: by the day it
// was logged, it would head a section of a day the conference never had.
func watchedLater(t Talk, c talkbot.Conference, day string) bool {
	return t.Log.Watched && t.Log.Status != talkbot.StatusAttended && t.Presentation == nil &&
		t.Day == "" && t.StartsAt.IsZero() && day != "" && !c.Around(day)
}

// dayTitle names a day's section as the seeds do: "KubeCon Day 1, Wednesday
// November 13" on the conference proper's days (from first, else the
// conference's start); "Cloud Native Rejekts, Sunday November 10" on a day
// of one co-located event typed in by hand; "Pre-conference, Monday March
// 23" before the conference proper (an imported schedule's "event" is a
// track, "PROJECT OPPORTUNITIES", not an event); else the date.
func dayTitle(c talkbot.Conference, first, day string, ts []Talk) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "Other talks"
	}
	date := d.Format("Monday January 2")
	from := cmp.Or(first, c.StartsOn)
	if start, err := time.Parse(time.DateOnly, from); err == nil && day >= from && (c.EndsOn == "" || day <= c.EndsOn) {
		n := int(d.Sub(start).Hours()/24) + 1
		return shortName(c.Name) + " Day " + strconv.Itoa(n) + ", " + date
	}
	event := ""
	for _, t := range ts {
		e := strings.TrimSpace(t.Event)
		if e == "" || t.SourceID != "" || (event != "" && !strings.EqualFold(e, event)) {
			event = ""
			break
		}
		event = e
	}
	switch {
	case event != "":
		return event + ", " + date
	case from != "" && day < from:
		return "Pre-conference, " + date
	}
	return date
}

var reEdition = regexp.MustCompile(`^(\d{4}|'\d{2}|[A-Z]{2,3})$`)

// shortName is the conference's series name, without the year and region
// that tell one edition from the next: "KubeCon NA 2024" is "KubeCon".
func shortName(name string) string {
	w := strings.Fields(name)
	for len(w) > 1 && reEdition.MatchString(w[len(w)-1]) {
		w = w[:len(w)-1]
	}
	if len(w) == 0 {
		return name
	}
	return strings.Join(w, " ")
}

// topicTitle is a tag as a heading: "continuous-delivery" is "Continuous Delivery".
func topicTitle(tag string) string {
	words := strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		words[i] = upperFirst(w)
	}
	return strings.Join(words, " ")
}
