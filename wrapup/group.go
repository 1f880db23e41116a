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

// group splits talks (in time order) into sections, each in time order.
func group(ts []Talk, c talkbot.Conference, by Grouping) []talkGroup {
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
		for _, t := range ts {
			d := dayOf(t, loc)
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
				put(d, dayTitle(c, d, days[d]), t)
			}
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

// dayTitle names a day's section as the seeds do: "KubeCon Day 1, Wednesday
// November 13" on the conference's days; "Cloud Native Rejekts, Sunday
// November 10" on a day of one co-located event; else the date.
func dayTitle(c talkbot.Conference, day string, ts []Talk) string {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "Other talks"
	}
	date := d.Format("Monday January 2")
	if start, err := time.Parse(time.DateOnly, c.StartsOn); err == nil && day >= c.StartsOn && (c.EndsOn == "" || day <= c.EndsOn) {
		n := int(d.Sub(start).Hours()/24) + 1
		return shortName(c.Name) + " Day " + strconv.Itoa(n) + ", " + date
	}
	event := ""
	for _, t := range ts {
		e := strings.TrimSpace(t.Event)
		if e == "" || (event != "" && !strings.EqualFold(e, event)) {
			return date
		}
		event = e
	}
	return event + ", " + date
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
