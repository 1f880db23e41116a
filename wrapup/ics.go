package wrapup

import (
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
)

// Calendar renders a user's agenda as iCalendar (RFC 5545): one event for
// each talk that has a time (or at least a day, as an all-day event), with
// its title, speakers, room and links. It returns the file and the ids of
// the talks left out for having neither.
func Calendar(c talkbot.Conference, ts []Talk, now time.Time) ([]byte, []int64) {
	cal := ics.NewCalendar()
	cal.SetProductId("-//talkbot//agenda//EN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(c.Name)
	cal.SetXWRCalName(c.Name)
	if c.Timezone != "" {
		cal.SetXWRTimezone(c.Timezone)
	}
	var skipped []int64
	for _, t := range ts {
		if t.NonTalk {
			continue
		}
		ev := cal.AddEvent(eventUID(t.Talk))
		ev.SetDtStampTime(now)
		switch {
		case !t.StartsAt.IsZero():
			ev.SetStartAt(t.StartsAt)
			if !t.EndsAt.IsZero() && t.EndsAt.After(t.StartsAt) {
				ev.SetEndAt(t.EndsAt)
			}
		case t.Day != "":
			d, err := time.Parse(time.DateOnly, t.Day)
			if err != nil {
				cal.RemoveEvent(eventUID(t.Talk))
				skipped = append(skipped, t.ID)
				continue
			}
			ev.SetAllDayStartAt(d)
			ev.SetAllDayEndAt(d.AddDate(0, 0, 1))
		default:
			cal.RemoveEvent(eventUID(t.Talk))
			skipped = append(skipped, t.ID)
			continue
		}
		ev.SetSummary(t.Title)
		if t.Room != "" {
			ev.SetLocation(t.Room)
		}
		if u := Dest(t.ScheduleURL); u != "" {
			ev.SetURL(t.ScheduleURL)
		} else if u := Dest(t.RecordingURL); u != "" {
			ev.SetURL(t.RecordingURL)
		}
		ev.SetDescription(description(t))
		switch {
		case t.Cancelled && t.Log.Status != talkbot.StatusAttended: // the schedule dropped it
			ev.SetStatus(ics.ObjectStatusCancelled)
		case t.Log.Status == talkbot.StatusAttended:
			ev.SetStatus(ics.ObjectStatusConfirmed)
		default:
			ev.SetStatus(ics.ObjectStatusTentative)
		}
	}
	return []byte(cal.Serialize(ics.WithNewLineWindows)), skipped // RFC 5545: lines end in CRLF
}

// eventUID is a talk's event id, stable across exports so a calendar app
// updates rather than doubles an event imported twice.
func eventUID(t talkbot.Talk) string {
	if t.SourceID != "" {
		return "talkbot-" + talkbot.Clean(t.SourceID) // kept before imports cleaned ids
	}
	return "talkbot-talk-" + strconv.FormatInt(t.ID, 10)
}

func description(t Talk) string {
	var lines []string
	if len(t.Speakers) > 0 {
		lines = append(lines, schedule.FormatSpeakers(t.Speakers))
	}
	if t.Event != "" {
		lines = append(lines, t.Event)
	}
	switch {
	case t.Log.Status == talkbot.StatusAttended:
		lines = append(lines, "Attended")
	case t.Log.Status == talkbot.StatusMissed:
		if r := strings.TrimSpace(t.Log.Reason); r != "" {
			lines = append(lines, "Missed ("+r+"); on the watch-later list")
		} else {
			lines = append(lines, "Missed; on the watch-later list")
		}
	case t.Log.WatchLater:
		lines = append(lines, "On the watch-later list")
	}
	if t.RecordingURL != "" {
		lines = append(lines, "Recording: "+t.RecordingURL)
	}
	return strings.Join(lines, "\n")
}
