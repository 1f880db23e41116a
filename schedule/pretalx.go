package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
)

// frabJSON is the schedule.json of pretalx ("frab-compatible") and frab:
// schedule.conference.days[].rooms{name: [events]}.
type frabJSON struct {
	Schedule struct {
		Conference *struct {
			Acronym      string `json:"acronym"`
			Title        string `json:"title"`
			Start        string `json:"start"`
			End          string `json:"end"`
			TimeZoneName string `json:"time_zone_name"`
			DayChange    string `json:"day_change"`
			Days         []struct {
				Date     string                     `json:"date"`
				DayStart string                     `json:"day_start"`
				Rooms    map[string][]frabJSONEvent `json:"rooms"`
			} `json:"days"`
		} `json:"conference"`
	} `json:"schedule"`
}

type frabJSONEvent struct {
	ID          flexString `json:"id"`
	GUID        string     `json:"guid"`
	Code        string     `json:"code"`
	Date        string     `json:"date"`
	Start       string     `json:"start"`
	Duration    string     `json:"duration"`
	Room        string     `json:"room"`
	URL         string     `json:"url"`
	Title       flexString `json:"title"`
	Subtitle    flexString `json:"subtitle"`
	Track       flexString `json:"track"`
	Type        flexString `json:"type"`
	Abstract    flexString `json:"abstract"`
	Description flexString `json:"description"`
	DoNotRecord bool       `json:"do_not_record"`
	Persons     []struct {
		PublicName string `json:"public_name"`
		Name       string `json:"name"`
	} `json:"persons"`
	Links     []link `json:"links"`
	Recording *struct {
		Optout bool `json:"optout"`
	} `json:"recording"`
}

// flexString reads a JSON string, number, null, or a translated text
// ({"en": "…", "de": "…"}: English, else any).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case len(b) > 0 && b[0] == '{':
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		s, ok := m["en"]
		if !ok {
			for _, v := range m { // one language, the same every time
				if v > s {
					s = v
				}
			}
		}
		*f = flexString(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexString(n.String())
	}
	return nil
}

// parseFrabJSON reads pretalx's schedule.json (and frab's). Times come from
// each event's date, which carries its offset; the zone is the file's
// time_zone_name (newer pretalx), the given one, or else a fixed
// Etc/GMT±N zone from the offsets: MCH2022's file names no zone.
func parseFrabJSON(data []byte, given *zone) (Schedule, error) {
	if err := notUTF8(data); err != nil {
		return Schedule{}, err
	}
	var f frabJSON
	body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	bom := int64(len(data) - len(body)) // offsets count from the file's first byte
	if err := json.Unmarshal(body, &f); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return Schedule{}, malformed(err, "JSON error at byte %d", se.Offset+bom)
		case errors.As(err, &te) && te.Field != "":
			// In the file's words, not Go's: "schedule.conference.days.rooms.persons".
			return Schedule{}, malformed(err, "%s is not %s, at byte %d", clip(te.Field), jsonKind(te.Type.Kind().String()), te.Offset+bom)
		}
		return Schedule{}, malformed(err, "JSON of an unexpected shape")
	}
	c := f.Schedule.Conference
	if c == nil {
		return Schedule{}, ErrNotSchedule
	}
	s := Schedule{Format: FormatFrabJSON}
	s.Conference.Name, s.Conference.Acronym = cleanLine(c.Title), strings.TrimSpace(c.Acronym)
	z, zoneKnown := pickZone(c.TimeZoneName, given)
	var loc *time.Location
	if zoneKnown {
		loc = z.loc
	}
	dayChange, _ := clock(c.DayChange)
	var off offsets
	var listed []string // the day each session is listed under, when it is past midnight
	for _, day := range c.Days {
		change := dayChange
		if t, err := time.Parse(time.RFC3339, day.DayStart); err == nil {
			change = time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
		}
		for roomName, events := range day.Rooms {
			for _, e := range events {
				x := Session{
					SourceID: firstOf(e.GUID, e.Code, string(e.ID)),
					Title:    cleanLine(string(e.Title)),
					Room:     firstOf(cleanLine(e.Room), cleanLine(roomName)),
					Track:    cleanLine(string(e.Track)),
					Type:     cleanLine(string(e.Type)),
					URL:      strings.TrimSpace(e.URL),
					Abstract: joinTexts(cleanLine(string(e.Subtitle)), htmlToText(string(e.Abstract), true),
						htmlToText(string(e.Description), true)),
					DoNotRecord: e.DoNotRecord || e.Recording != nil && e.Recording.Optout,
				}
				x.Recordings = recordings(e.Links)
				for _, p := range e.Persons {
					if n := cleanLine(firstOf(p.PublicName, p.Name)); n != "" {
						x.Speakers = append(x.Speakers, talkbot.Speaker{Name: n})
					}
				}
				var err error
				var evening string
				x.StartsAt, evening, err = eventStart(e.Date, day.Date, e.Start, change, loc, &off)
				if err != nil {
					return Schedule{}, eventError(err, x)
				}
				listed = append(listed, evening)
				x.EndsAt = x.StartsAt
				if strings.TrimSpace(e.Duration) != "" {
					dur, err := parseDuration(e.Duration)
					if err != nil {
						return Schedule{}, malformed(err, "session %q has the duration %s", clip(x.Title), strconv.Quote(clip(e.Duration)))
					}
					x.EndsAt = x.StartsAt.Add(dur)
				}
				x.NonTalk = isNonTalk(x.Title, x.Track, x.Type, len(x.Speakers) > 0)
				s.Sessions = append(s.Sessions, x)
			}
		}
	}
	if !zoneKnown {
		z = offsetZone(off.offset, off.ok)
	}
	s.Conference.StartsOn, s.Conference.EndsOn = isoDate(c.Start), isoDate(c.End)
	if err := finish(&s, z, listed); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

// jsonKind says what a Go kind is in JSON's words.
func jsonKind(kind string) string {
	switch kind {
	case "slice", "array":
		return "a list"
	case "struct", "map":
		return "an object"
	case "string":
		return "text"
	case "bool":
		return "true or false"
	case "ptr":
		return "an object"
	case "interface":
		return "a value I can read"
	}
	return "a number"
}
