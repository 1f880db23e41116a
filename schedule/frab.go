package schedule

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
)

// frabXML is the schedule.xml of Pentabarf, frab and FOSDEM
// (https://github.com/voc/schedule/tree/master/validator/xsd). Older files
// have no guid, no per-event <date>, no <url> and no <time_zone_name>.
type frabXML struct {
	Conference struct {
		Title        string `xml:"title"`
		Acronym      string `xml:"acronym"`
		City         string `xml:"city"`
		Start        string `xml:"start"`
		End          string `xml:"end"`
		DayChange    string `xml:"day_change"`
		TimeZoneName string `xml:"time_zone_name"`
	} `xml:"conference"`
	Days []frabDay `xml:"day"`
}

// The tags say what frabDecoder reads; a test holds it to what
// xml.Decoder.Decode reads with them.
type frabDay struct {
	Date  string     `xml:"date,attr"`
	Rooms []frabRoom `xml:"room"`
}

type frabRoom struct {
	Name   string      `xml:"name,attr"`
	Events []frabEvent `xml:"event"`
}

type frabPerson struct {
	Name string `xml:",chardata"`
}

type frabEvent struct {
	ID          string       `xml:"id,attr"`
	GUID        string       `xml:"guid,attr"`
	Date        string       `xml:"date"`
	Start       string       `xml:"start"`
	Duration    string       `xml:"duration"`
	Room        string       `xml:"room"`
	URL         string       `xml:"url"`
	Title       string       `xml:"title"`
	Subtitle    string       `xml:"subtitle"`
	Track       string       `xml:"track"`
	Type        string       `xml:"type"`
	Abstract    string       `xml:"abstract"`
	Description string       `xml:"description"`
	Persons     []frabPerson `xml:"persons>person"`
	Links       []link       `xml:"links>link"`
	Recording   struct {
		Optout string `xml:"optout"`
	} `xml:"recording"`
}

// parseFrabXML reads a frab schedule.xml. An event's time is its <date>
// when it has one with an offset; otherwise (older files) its day's date
// and <start>, on the next calendar day when <start> is before the
// conference's <day_change> (a party at 01:00 belongs to the day before),
// in the conference's zone: <time_zone_name>, the given zone, or the zone
// of its <city>.
func parseFrabXML(data []byte, given *zone) (Schedule, error) {
	if err := notUTF8(data); err != nil {
		return Schedule{}, err
	}
	var f frabXML
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Entity = xml.HTMLEntity // &nbsp; and friends, as older exporters wrote them
	// Each event's texts (HTML reduced, speakers, recordings: a fifth of the
	// work) are made on another core while the decoder reads on. Nothing
	// of it is returned unless the whole file reads.
	type job struct {
		e    frabEvent
		room string
	}
	jobs := make(chan job, 128)
	var texts []Session // each event's, in file order
	done := make(chan struct{})
	go func() {
		defer close(done)
		for j := range jobs {
			texts = append(texts, sessionTexts(&j.e, j.room))
		}
	}()
	r := frabDecoder{d: d, each: func(e *frabEvent, room string) { jobs <- job{*e, room} }}
	err := r.decode(&f)
	if err == nil {
		err = xmlTrailer(d)
	} else {
		err = xmlError(err)
	}
	close(jobs)
	<-done
	if err != nil {
		return Schedule{}, err
	}
	c := f.Conference
	s := Schedule{Format: FormatFrabXML}
	s.Conference.Name, s.Conference.Acronym = cleanLine(c.Title), strings.TrimSpace(c.Acronym)
	z, zoneKnown := pickZone(c.TimeZoneName, given, cleanLine(c.City))
	dayChange, err := clock(c.DayChange)
	if err != nil && strings.TrimSpace(c.DayChange) != "" {
		return Schedule{}, malformed(err, "the conference's day_change %q", clip(c.DayChange))
	}
	var off offsets
	var listed []string // the day each session is listed under, when it is past midnight
	s.Sessions = make([]Session, 0, len(texts))
	for _, day := range f.Days {
		for _, room := range day.Rooms {
			for _, e := range room.Events {
				x := texts[len(s.Sessions)]
				var loc *time.Location
				if zoneKnown {
					loc = z.loc
				}
				var evening string
				x.StartsAt, evening, err = eventStart(e.Date, day.Date, e.Start, dayChange, loc, &off)
				if err != nil {
					return Schedule{}, eventError(err, x)
				}
				listed = append(listed, evening)
				x.EndsAt = x.StartsAt
				if strings.TrimSpace(e.Duration) != "" {
					dur, err := parseDuration(e.Duration)
					if err != nil {
						return Schedule{}, malformed(err, "session %q has the duration %q", clip(x.Title), clip(e.Duration))
					}
					x.EndsAt = x.StartsAt.Add(dur)
				}
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

// sessionTexts is what a frab event says of its session but its times.
func sessionTexts(e *frabEvent, room string) Session {
	x := Session{
		SourceID:    firstOf(e.GUID, e.ID),
		Title:       cleanLine(e.Title),
		Room:        firstOf(cleanLine(e.Room), cleanLine(room)),
		Track:       cleanLine(e.Track),
		Type:        cleanLine(e.Type),
		URL:         strings.TrimSpace(e.URL),
		Abstract:    joinTexts(cleanLine(e.Subtitle), htmlToText(e.Abstract, false), htmlToText(e.Description, false)),
		Recordings:  recordings(e.Links),
		DoNotRecord: strings.EqualFold(strings.TrimSpace(e.Recording.Optout), "true"),
	}
	for _, p := range e.Persons {
		if n := cleanLine(p.Name); n != "" {
			x.Speakers = append(x.Speakers, talkbot.Speaker{Name: n})
		}
	}
	x.NonTalk = isNonTalk(x.Title, x.Track, x.Type, len(x.Speakers) > 0)
	return x
}

// xmlTrailer makes sure nothing but space and comments follow the root
// element: a second document glued on is not the schedule we read.
func xmlTrailer(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return malformed(nil, "text after the schedule")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return malformed(nil, "more after the schedule")
		}
	}
}

func xmlError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return malformed(err, "XML error on line %d", se.Line)
	}
	return malformed(err, "%s", clip(err.Error()))
}

// eventError turns a time error into what the user reads.
func eventError(err error, x Session) error {
	if errors.Is(err, errFloating) {
		return newError(ErrNoTimezone, nil, "")
	}
	return malformed(err, "session %q has no usable start time", clip(firstOf(x.Title, x.SourceID)))
}

// offsets remembers a UTC offset seen in the file, for a zone of last resort.
type offsets struct {
	offset int
	ok     bool
}

// eventStart computes when a frab event starts: from its full date when it
// has an offset, else from the day's date and the start time in loc. A
// start past midnight but before dayChange is the programme of the day
// listing it (a party at 01:00 belongs to the evening before): evening is
// then that day, else "".
func eventStart(date, dayDate, start string, dayChange time.Duration, loc *time.Location, off *offsets) (t time.Time, evening string, err error) {
	t, err = eventTime(date, dayDate, start, dayChange, loc, off)
	if err != nil {
		return t, "", err
	}
	listed := isoDate(dayDate)
	clockTime := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	dayBefore := time.Date(t.Year(), t.Month(), t.Day()-1, 12, 0, 0, 0, t.Location()).Format(time.DateOnly)
	if listed != "" && clockTime < dayChange && dayBefore == listed {
		evening = listed
	}
	return t, evening, nil
}

func eventTime(date, dayDate, start string, dayChange time.Duration, loc *time.Location, off *offsets) (time.Time, error) {
	date = strings.TrimSpace(date)
	if date != "" {
		if t, err := time.Parse(time.RFC3339, date); err == nil {
			if !off.ok {
				_, off.offset = t.Zone()
				off.ok = true
			}
			return t, nil
		}
		if t, err := time.Parse("2006-01-02T15:04:05", date); err == nil { // no offset: local time
			if loc == nil {
				return time.Time{}, errFloating
			}
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
		}
		return time.Time{}, fmt.Errorf("date %q", clip(date))
	}
	day, err := time.Parse(time.DateOnly, isoDate(dayDate))
	if err != nil {
		return time.Time{}, fmt.Errorf("day %q: %w", clip(dayDate), err)
	}
	at, err := clock(start)
	if err != nil {
		return time.Time{}, err
	}
	if loc == nil {
		return time.Time{}, errFloating
	}
	if at < dayChange {
		day = day.AddDate(0, 0, 1) // after midnight, still the day before's programme
	}
	// The wall clock, not time since midnight: on a night the clocks go
	// back, 03:30 is four and a half hours after midnight, not three and a half.
	return time.Date(day.Year(), day.Month(), day.Day(), int(at/time.Hour), int(at%time.Hour/time.Minute), int(at%time.Minute/time.Second), 0, loc), nil
}

// clock reads a time of day, "09:30" or "09:30:00".
func clock(s string) (time.Duration, error) {
	d, err := parseDuration(s)
	if err != nil || d >= 24*time.Hour {
		return 0, fmt.Errorf("time of day %q", clip(s))
	}
	return d, nil
}

// isoDate keeps the date of "2025-02-01" or "2025-02-01T09:00:00+01:00".
func isoDate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 10 {
		if _, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			return s[:10]
		}
	}
	return ""
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// joinTexts joins the non-empty texts, each once, by blank lines.
func joinTexts(texts ...string) string {
	var out []string
	for _, t := range texts {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, "\n\n")
}

// link is a frab <link> or a frab JSON link.
type link struct {
	Href  string `xml:"href,attr" json:"href"`
	URL   string `json:"url"`
	Title string `xml:",chardata" json:"title"`
}

// recordings keeps the links that are the session's own recording: a video
// on the conference's recording service (video.fosdem.org, media.ccc.de)
// or one the schedule calls a recording. Other videos in <links> are
// speakers' demos and earlier talks, and subtitle files are not videos.
func recordings(links []link) []string {
	var out []string
	for _, l := range links {
		href := strings.TrimSpace(firstOf(l.Href, l.URL))
		title := strings.ToLower(strings.TrimSpace(l.Title))
		if !strings.HasPrefix(title, "video recording") && !strings.HasPrefix(title, "recording") &&
			!strings.Contains(href, "video.fosdem.org/") && !strings.Contains(href, "media.ccc.de/") {
			continue // most links: chat rooms, feedback, slides
		}
		u, err := url.Parse(href)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			continue
		}
		p := strings.ToLower(u.Path)
		if strings.HasSuffix(p, ".vtt") || strings.HasSuffix(p, ".srt") || ClassifyLink(u).Kind != LinkRecording {
			continue
		}
		host := strings.ToLower(u.Hostname())
		if host == "video.fosdem.org" || host == "media.ccc.de" || strings.HasPrefix(title, "video recording") ||
			strings.HasPrefix(title, "recording") {
			out = append(out, u.String())
		}
	}
	return out
}
