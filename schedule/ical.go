package schedule

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// parseICal reads an iCalendar schedule as Sched exports it
// (https://<event>.sched.com/all.ics): SUMMARY is "Title - Speaker, Org &
// Speaker, Org", DESCRIPTION the abstract with HTML entities, LOCATION the
// room followed by the venue's ", City, Country", CATEGORIES the track, URL
// the session's page, times in UTC.
//
// Sched does not name the conference's zone (X-WR-TIMEZONE says UTC, the
// zone of its times), so the zone is, in order: a VTIMEZONE or TZID in the
// file, the given one, the one the venue's city or country suggests. When
// none is found the times are still exact and the zone is UTC.
func parseICal(data []byte, given *zone) (Schedule, error) {
	// Unfolded first: a generator that folds every 75 octets, as RFC 5545
	// allows, splits a multi-byte character across two lines.
	data = unfold(data)
	if err := notUTF8(data); err != nil {
		return Schedule{}, err
	}
	if !endsWith(data, "END:VCALENDAR") {
		return Schedule{}, malformed(nil, "it ends before END:VCALENDAR")
	}
	cal, err := parseCalendar(data)
	if err != nil {
		return Schedule{}, malformed(err, "%s", clip(err.Error()))
	}
	prop := func(name ics.Property) string {
		for _, p := range cal.CalendarProperties {
			if p.IANAToken == string(name) {
				return strings.TrimSpace(p.Value)
			}
		}
		return ""
	}
	s := Schedule{Format: FormatICal}
	s.Conference.Name, s.Conference.Acronym = icalName(prop(ics.PropertyProductId), prop(ics.PropertyXWRCalName), prop(ics.PropertyName))

	// The zone most sessions start in is the conference's: a calendar may
	// hold a remote session in another zone, and a VTIMEZONE for it.
	var events []*ics.VEvent
	uses := map[string]int{}
	utc := 0 // sessions starting at a UTC time (Sched's): a vote for no named zone
	declared, timezone := "", ""
	for _, c := range cal.Components {
		switch c := c.(type) {
		case *ics.VEvent:
			if c.GetProperty(ics.ComponentPropertyRecurrenceId) != nil {
				continue // an override of one instance of a recurring event: not in schedules
			}
			if st := c.GetProperty(ics.ComponentPropertyStatus); st != nil && strings.EqualFold(strings.TrimSpace(st.Value), "CANCELLED") {
				continue // gone from the programme, as if it were not in the file
			}
			events = append(events, c)
			if p := c.GetProperty(ics.ComponentPropertyDtStart); p != nil {
				if strings.HasSuffix(strings.TrimSpace(p.Value), "Z") {
					utc++
				}
				if tz := p.ICalParameters["TZID"]; len(tz) == 1 {
					if _, err := loadZone(tz[0]); err == nil {
						uses[tz[0]]++
						if declared == "" || uses[tz[0]] > uses[declared] {
							declared = tz[0]
						}
					}
				}
			}
		case *ics.VTimezone:
			if p := c.GetProperty(ics.ComponentPropertyTzid); p != nil && timezone == "" {
				if _, err := loadZone(p.Value); err == nil {
					timezone = p.Value
				}
			}
		}
	}
	switch {
	case utc > uses[declared]: // most times are UTC: the zone is the venue's, as for Sched
		declared = ""
	case declared == "":
		declared = timezone
	}
	calZone := prop(ics.PropertyXWRTimezone)
	if declared == "" && !strings.EqualFold(calZone, "UTC") {
		declared = calZone
	}

	locations := make([]string, len(events))
	for i, ev := range events {
		locations[i] = cleanLine(value(ev, ics.ComponentPropertyLocation))
	}
	tail := venueTail(locations)
	z, ok := pickZone(declared, given, tail)
	if !ok && strings.EqualFold(calZone, "UTC") {
		z, ok = zone{loc: time.UTC, source: ZoneDeclared}, true // floating times meant in UTC
	}
	var loc *time.Location // for floating times; nil when unknown
	if ok {
		loc = z.loc
	}

	s.Sessions = make([]Session, 0, len(events))
	for i, ev := range events {
		x := Session{
			SourceID: strings.TrimSpace(value(ev, ics.ComponentPropertyUniqueId)),
			Abstract: htmlToText(value(ev, ics.ComponentPropertyDescription), true),
			Room:     roomOf(locations[i], tail),
			Track:    cleanLine(value(ev, ics.ComponentPropertyCategories)),
			URL:      strings.TrimSpace(value(ev, ics.ComponentPropertyUrl)),
		}
		summary := cleanLine(value(ev, ics.ComponentPropertySummary))
		title, speakers, split := SplitTitle(summary)
		x.Title = title
		if split {
			x.Speakers = speakers
		}
		what := firstOf(summary, x.SourceID) // for error messages
		start, allDay, err := icalTime(ev.GetProperty(ics.ComponentPropertyDtStart), loc)
		if err != nil {
			return Schedule{}, icalTimeError(err, "start", what)
		}
		x.StartsAt, x.EndsAt = start, start
		if p := ev.GetProperty(ics.ComponentPropertyDtEnd); p != nil {
			if x.EndsAt, _, err = icalTime(p, loc); err != nil {
				return Schedule{}, icalTimeError(err, "end", what)
			}
		} else if p := ev.GetProperty(ics.ComponentPropertyDuration); p != nil {
			d, err := isoDuration(p.Value)
			if err != nil {
				return Schedule{}, malformed(err, "session %q has a bad DURATION", clip(what))
			}
			x.EndsAt = start.Add(d)
		} else if allDay {
			x.EndsAt = start.AddDate(0, 0, 1)
		}
		x.NonTalk = isNonTalk(x.Title, x.Track, "", len(x.Speakers) > 0)
		s.Sessions = append(s.Sessions, x)
	}
	if !ok {
		z = zone{loc: time.UTC, source: ZoneUTC} // every time was exact (UTC or a known TZID)
	}
	if err := finish(&s, z, nil); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

// parseCalendar runs golang-ical, turning a panic on hostile input into an error.
func parseCalendar(data []byte) (cal *ics.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("ical parser: %v", r)
		}
	}()
	return ics.ParseCalendar(bytes.NewReader(data))
}

// endsWith reports whether the last non-blank line of data is line.
func endsWith(data []byte, line string) bool {
	data = bytes.TrimRight(data, " \t\r\n")
	i := bytes.LastIndexByte(data, '\n')
	return strings.EqualFold(string(bytes.TrimSpace(data[i+1:])), line)
}

func value(ev *ics.VEvent, p ics.ComponentProperty) string {
	if prop := ev.GetProperty(p); prop != nil {
		return prop.Value
	}
	return ""
}

// cleanLine makes a one-line text field plain: entities unescaped, spaces folded.
func cleanLine(s string) string { return htmlToText(s, false) }

// icalName reads the conference's name: Sched puts it in PRODID
// ("-//Sched.com KubeCon + CloudNativeCon Europe 2026//EN") and its event
// slug in X-WR-CALNAME; other calendars name themselves in X-WR-CALNAME or NAME.
func icalName(prodID, calName, name string) (string, string) {
	if parts := strings.Split(prodID, "//"); len(parts) >= 2 {
		if n, ok := strings.CutPrefix(parts[1], "Sched.com "); ok {
			return cleanLine(n), calName
		}
	}
	if name != "" {
		return cleanLine(name), ""
	}
	return cleanLine(calName), ""
}

func icalTimeError(err error, which, what string) error {
	if err == errFloating {
		return newError(ErrNoTimezone, nil, "")
	}
	return malformed(err, "session %q has a bad %s time", clip(what), which)
}

var errFloating = fmt.Errorf("a local time, and no time zone known")

// icalTime reads a DATE-TIME (UTC, with a TZID, or floating: local time in
// loc) or a DATE (allDay, midnight in loc).
func icalTime(p *ics.IANAProperty, loc *time.Location) (t time.Time, allDay bool, err error) {
	if p == nil {
		return time.Time{}, false, fmt.Errorf("missing")
	}
	v := strings.TrimSpace(p.Value)
	if tz := p.ICalParameters["TZID"]; len(tz) == 1 {
		if l, err := loadZone(strings.Trim(tz[0], `"`)); err == nil {
			loc = l
		} // a zone Go does not know (a Windows name): the conference's
	}
	switch {
	case len(v) == 16 && v[15] == 'Z':
		t, err = time.Parse("20060102T150405Z", v)
		return t, false, err
	case len(v) == 15 || len(v) == 8:
		if loc == nil {
			return time.Time{}, false, errFloating
		}
		layout := "20060102T150405"
		if len(v) == 8 {
			layout = "20060102"
		}
		t, err = time.ParseInLocation(layout, v, loc)
		return t, len(v) == 8, err
	}
	return time.Time{}, false, fmt.Errorf("time %q", clip(v))
}

// maxSession bounds durations: no session lasts a year, and larger
// numbers would overflow time.Duration.
const maxSession = 366 * 24 * time.Hour

// isoDuration reads an RFC 5545 duration: P1D, PT1H30M, P1W.
func isoDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, fmt.Errorf("duration %q", s)
	}
	var d time.Duration
	inTime := false
	n := -1
	for _, c := range rest {
		switch {
		case c >= '0' && c <= '9':
			if n < 0 {
				n = 0
			}
			n = n*10 + int(c-'0')
			if n > 1e5 {
				return 0, fmt.Errorf("duration %q", s)
			}
			continue
		case c == 'T' && !inTime && n < 0:
			inTime = true
			continue
		}
		if n < 0 {
			return 0, fmt.Errorf("duration %q", s)
		}
		var u time.Duration
		switch {
		case !inTime && c == 'W':
			u = 7 * 24 * time.Hour
		case !inTime && c == 'D':
			u = 24 * time.Hour
		case inTime && c == 'H':
			u = time.Hour
		case inTime && c == 'M':
			u = time.Minute
		case inTime && c == 'S':
			u = time.Second
		default:
			return 0, fmt.Errorf("duration %q", s)
		}
		if time.Duration(n) > maxSession/u {
			return 0, fmt.Errorf("duration %q is longer than a year", s)
		}
		d += time.Duration(n) * u
		if d > maxSession {
			return 0, fmt.Errorf("duration %q is longer than a year", s)
		}
		n = -1
	}
	if n >= 0 {
		return 0, fmt.Errorf("duration %q", s)
	}
	return d, nil
}

// venueTail returns the end that most locations share, as whole
// comma-separated parts: ", Amsterdam, Netherlands" in Sched's
// "Hall 12, Amsterdam, Netherlands". It names the venue's city, not the room.
func venueTail(locations []string) string {
	counts := map[string]int{}
	located := 0
	for _, l := range locations {
		parts := strings.Split(l, ",")
		if l == "" {
			continue
		}
		located++
		for k := 1; k <= 3 && k < len(parts); k++ {
			counts[joinParts(parts[len(parts)-k:])]++
		}
	}
	best, bestParts, bestCount := "", 0, 0
	for tail, n := range counts {
		p := strings.Count(tail, ",") + 1
		if 2*n <= located || n < 2 {
			continue
		}
		if p > bestParts || p == bestParts && (n > bestCount || n == bestCount && tail < best) {
			best, bestParts, bestCount = tail, p, n
		}
	}
	return best
}

func joinParts(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = strings.TrimSpace(p)
	}
	return strings.Join(out, ", ")
}

// roomOf returns the room of a location: without the venue's tail, or, for
// a place away from the venue ("Hotel Casa Amsterdam, Eerste Ringdijkstraat
// 4, 1097 BC Amsterdam"), without its street address.
func roomOf(location, tail string) string {
	parts := strings.Split(location, ",")
	if tail != "" {
		if n := strings.Count(tail, ",") + 1; len(parts) > n && joinParts(parts[len(parts)-n:]) == tail {
			return joinParts(parts[:len(parts)-n])
		}
	}
	for i := 1; i < len(parts); i++ {
		if strings.ContainsAny(parts[i], "0123456789") {
			return joinParts(parts[:i]) // a street and number, a postcode
		}
	}
	return joinParts(parts)
}

// unfold joins iCalendar's folded lines (RFC 5545 §3.1): a line break
// followed by a space or a tab is no break.
func unfold(data []byte) []byte {
	for _, fold := range []string{"\r\n ", "\r\n\t", "\n ", "\n\t"} {
		data = bytes.ReplaceAll(data, []byte(fold), nil)
	}
	return data
}
