package schedule

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"github.com/talkbot/talkbot"
)

// MaxBytes is the largest schedule file Parse and Fetch accept (FOSDEM's,
// the largest we know, is 3.4 MB).
const MaxBytes = 20 << 20

// Schedule is a conference programme as a schedule file describes it.
type Schedule struct {
	Format     Format
	Conference ConferenceInfo
	Sessions   []Session // by start time, then room, then id
}

// Format names the kind of file a schedule was read from.
type Format string

// The formats Parse reads.
const (
	FormatICal     Format = "ical"      // iCalendar, as Sched exports it (all.ics)
	FormatFrabXML  Format = "frab-xml"  // FOSDEM / Pentabarf / frab schedule.xml
	FormatFrabJSON Format = "frab-json" // pretalx's (and frab's) schedule.json
)

// ConferenceInfo is what a schedule says about its conference.
type ConferenceInfo struct {
	Name     string // "FOSDEM 2025"; empty when the file does not say
	Acronym  string // "fosdem-2025", Sched's event slug "kccnceu2026"
	StartsOn string // YYYY-MM-DD in Timezone
	EndsOn   string // YYYY-MM-DD in Timezone
	// Timezone is the conference's IANA zone, never empty ("UTC" at worst);
	// ZoneSource says where it came from.
	Timezone   string
	ZoneSource ZoneSource
}

// ZoneSource says how the conference's time zone was found, so an importer
// can tell the admin when it was a guess.
type ZoneSource string

// Where a time zone can come from, most trustworthy first.
const (
	ZoneDeclared ZoneSource = "declared" // the file names it (frab time_zone_name, an iCal TZID)
	ZoneGiven    ZoneSource = "given"    // ParseOptions.Timezone
	ZoneGuessed  ZoneSource = "guessed"  // from the venue's city or country (Sched's LOCATION, frab <city>)
	ZoneOffset   ZoneSource = "offset"   // a fixed Etc/GMT±N zone from the UTC offsets in the file
	ZoneUTC      ZoneSource = "utc"      // nothing to go on; the times are exact, only Day may be off
)

// Session is one item of the programme: a talk, a workshop, or a non-talk
// item such as a coffee break (NonTalk). Its texts fit talkbot's limits
// (MaxTitleLen, MaxFieldLen, MaxAbstract: longer ones are cut with "…";
// a URL over MaxURLLen is dropped).
type Session struct {
	// SourceID is the schedule's stable id of the session: the iCal UID,
	// the frab guid (its numeric id in files without guids), the pretalx
	// guid (or code). Re-imports match sessions on it.
	SourceID string
	Title    string            // without the speakers Sched appends to it
	Speakers []talkbot.Speaker // Org is known only for Sched
	Abstract string            // plain text (HTML reduced, entities unescaped): subtitle, abstract and description
	Room     string
	Track    string
	Type     string    // the source's session type ("devroom", "Workshop"); empty for Sched
	StartsAt time.Time // UTC
	EndsAt   time.Time // UTC; equal to StartsAt when the file gives no end
	Day      string    // YYYY-MM-DD of StartsAt in the conference's zone; for a session after midnight, before a frab or pretalx file's day change, the day that lists it
	URL      string    // the session's page on the schedule
	// Recordings are links to the session's video files or pages (frab
	// <links>, pretalx links) as ClassifyLink recognises them; subtitles are left out.
	Recordings  []string
	DoNotRecord bool // the speaker opted out of recording (pretalx do_not_record, frab <recording><optout>)
	NonTalk     bool // badge pick-up, breaks, meals, parties, booth demos without a topic
	Cancelled   bool // the schedule says so in its title ("[CANCELED] …", "(CANCELLED) …")
}

// ParseOptions adjust Parse.
type ParseOptions struct {
	// Timezone (IANA) is the conference's zone when the file does not name
	// one. A file's own zone wins: it is not an override. Files whose times
	// carry no zone or offset at all (older frab XML) need it unless the
	// file's city names a zone.
	Timezone string
}

// Parse reads a schedule, telling its format by its content: Sched-style
// iCalendar, frab XML (FOSDEM, Pentabarf, CCC) or frab JSON (pretalx). A
// file that is none of them fails with ErrNotSchedule, a broken or
// truncated one with ErrMalformed; either way nothing of it is returned.
func Parse(data []byte) (Schedule, error) {
	return ParseWithOptions(data, ParseOptions{})
}

// ParseWithOptions is Parse with options.
func ParseWithOptions(data []byte, opts ParseOptions) (Schedule, error) {
	if len(data) > MaxBytes {
		return Schedule{}, newError(ErrTooLarge, nil, "That schedule is over %d MB; nothing was imported.", MaxBytes>>20)
	}
	var given *zone
	if opts.Timezone != "" {
		loc, err := loadZone(opts.Timezone)
		if err != nil {
			return Schedule{}, newError(ErrUnknownTimezone, err, "I do not know the time zone %q; use an IANA name such as Europe/Brussels.", opts.Timezone)
		}
		given = &zone{loc: loc, source: ZoneGiven}
	}
	var (
		s   Schedule
		err error
	)
	switch detect(data) {
	case FormatICal:
		s, err = parseICal(data, given)
	case FormatFrabXML:
		s, err = parseFrabXML(data, given)
	case FormatFrabJSON:
		s, err = parseFrabJSON(data, given)
	default:
		return Schedule{}, ErrNotSchedule
	}
	if err != nil {
		return Schedule{}, err
	}
	return s, nil
}

// cleanText is a one-line field of a session: clean, and its line breaks folded.
func cleanText(s string) string { return talkbot.OneLine(strings.TrimSpace(talkbot.Clean(s))) }

// webLink is the session's link if it is an http(s) address, else "": a
// schedule's javascript: link or escape sequences are no link to keep.
func webLink(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	if l := u.String(); len(l) <= talkbot.MaxURLLen {
		return l
	}
	return ""
}

// notUTF8 refuses a schedule that is not UTF-8 text: its titles would be
// kept garbled (PRODUCT §5). Each parser asks it first.
func notUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	return newError(ErrMalformed, nil, "That schedule is not UTF-8 text (a Latin-1 export, perhaps); nothing was imported. Save it as UTF-8 and import it again.")
}

// detect tells the format from the first bytes and, for XML and JSON, the
// outermost names; it never trusts a file name or a Content-Type.
func detect(data []byte) Format {
	head := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(head) >= 15 && strings.EqualFold(string(head[:15]), "BEGIN:VCALENDAR"):
		return FormatICal
	case bytes.HasPrefix(head, []byte("<")):
		if xmlRoot(head) == "schedule" {
			return FormatFrabXML
		}
	case bytes.HasPrefix(head, []byte("{")):
		if looksLikeFrabJSON(head) {
			return FormatFrabJSON
		}
	}
	return ""
}

// xmlRoot returns the name of the first element, "" when there is none.
func xmlRoot(data []byte) string {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false // an HTML page must not fail here, only not be a schedule
	for {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}

// looksLikeFrabJSON reports whether a JSON object's first keys lead to
// schedule.conference, reading only as far as needed, so that a truncated
// schedule is reported as broken rather than as something else.
func looksLikeFrabJSON(data []byte) bool {
	d := json.NewDecoder(bytes.NewReader(data))
	want := []string{"schedule", "conference"}
	for depth := 0; depth < len(want); {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case json.Delim:
			if t != '{' {
				return false
			}
		case string:
			if t == want[depth] {
				depth++
				continue
			}
			var skip json.RawMessage // another key's value
			if err := d.Decode(&skip); err != nil {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// finish validates the sessions, sorts them, fills in Day and the
// conference's dates, and refuses a schedule without sessions: importing
// one would cancel every talk already known.
func finish(s *Schedule, z zone, listed []string) error {
	if len(s.Sessions) == 0 {
		return newError(ErrNotSchedule, nil, "That schedule has no sessions; nothing was imported.")
	}
	s.Conference.Timezone = z.loc.String()
	s.Conference.ZoneSource = z.source
	s.Conference.Name, s.Conference.Acronym = talkbot.Clean(s.Conference.Name), talkbot.Clean(s.Conference.Acronym)
	seen := make(map[string]bool, len(s.Sessions))
	for i := range s.Sessions {
		x := &s.Sessions[i]
		// As typed text is: a title in NFD (a Mac's copy) must match the
		// same title typed, and no override may make it read otherwise.
		// First: a title of invisible characters alone is no title.
		x.Title, x.Room, x.Track, x.Type, x.Abstract = cleanText(x.Title), cleanText(x.Room), cleanText(x.Track), cleanText(x.Type), talkbot.Clean(x.Abstract)
		for j := range x.Speakers {
			x.Speakers[j].Name, x.Speakers[j].Org = cleanText(x.Speakers[j].Name), cleanText(x.Speakers[j].Org)
		}
		x.SourceID = talkbot.Clean(x.SourceID) // shown in an agenda's UID
		switch {
		case x.SourceID == "":
			return malformed(nil, "session %q has no id", clip(x.Title))
		case seen[x.SourceID]:
			return malformed(nil, "two sessions have the id %q", clip(x.SourceID))
		case x.Title == "":
			return malformed(nil, "session %q has no title", clip(x.SourceID))
		case x.EndsAt.Before(x.StartsAt):
			return malformed(nil, "session %q ends before it starts", clip(x.Title))
		}
		seen[x.SourceID] = true
		x.Title = truncate(x.Title, talkbot.MaxTitleLen)
		x.Room, x.Track, x.Type = truncate(x.Room, talkbot.MaxFieldLen), truncate(x.Track, talkbot.MaxFieldLen), truncate(x.Type, talkbot.MaxFieldLen)
		x.Abstract = truncate(x.Abstract, talkbot.MaxAbstract)
		x.URL = webLink(x.URL)
		x.StartsAt, x.EndsAt = x.StartsAt.UTC(), x.EndsAt.UTC()
		x.Day = x.StartsAt.In(z.loc).Format(time.DateOnly)
		if i < len(listed) && listed[i] != "" {
			x.Day = listed[i] // the evening's session, past midnight
		}
		x.Cancelled = cancelledTitle(x.Title)
	}
	slices.SortStableFunc(s.Sessions, func(a, b Session) int {
		return cmp.Or(a.StartsAt.Compare(b.StartsAt), strings.Compare(a.Room, b.Room), strings.Compare(a.SourceID, b.SourceID))
	})
	// Dates missing, or that contradict each other ("5202-02-01".."2025-02-02"): the sessions' days.
	if s.Conference.StartsOn == "" || s.Conference.EndsOn == "" || s.Conference.EndsOn < s.Conference.StartsOn {
		s.Conference.StartsOn, s.Conference.EndsOn = sessionDays(s.Sessions)
	}
	return nil
}

// A title the schedule marks as cancelled (FOSDEM's "[CANCELED] …",
// "CANCELLED: …", "… - CANCELLED"), but not one whose slot holds another
// session ("… - CANCELLED, replaced by a panel", "(AMA … Instead)"), one that
// replaces a cancelled talk ("(REPLACES CANCELLED TALK)") or one about
// cancelling ("Cancelled Flights: …").
var (
	reCancelled = regexp.MustCompile(`(?i)[(\[]\s*cancel+ed\s*[)\]]|^\W*cancel+ed\s*:|\s[-–—]\s*cancel+ed\s*($|[,.;!)])`)
	reReplaced  = regexp.MustCompile(`(?i)\breplace[ds]?\b|\binstead\b`)
)

func cancelledTitle(title string) bool {
	return reCancelled.MatchString(title) && !reReplaced.MatchString(title)
}

// sessionDays returns the first and last days with talks of the conference
// proper (not events with tickets of their own, such as a summit the Sunday
// before), or with any session when there are none.
func sessionDays(ss []Session) (first, last string) {
	for _, talksOnly := range []bool{true, false} {
		for _, x := range ss {
			if talksOnly && (x.NonTalk || ownRegistration(x.Title)) {
				continue
			}
			if first == "" || x.Day < first {
				first = x.Day
			}
			if x.Day > last {
				last = x.Day
			}
		}
		if first != "" {
			return first, last
		}
	}
	return "", ""
}

// truncate cuts s to at most n runes, at a space when one is near the end,
// marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	// Whole characters as people see them: a flag or a family emoji is several runes.
	var b strings.Builder
	left := n - 1
	for g := uniseg.NewGraphemes(s); g.Next() && len(g.Runes()) <= left; {
		b.WriteString(g.Str())
		left -= len(g.Runes())
	}
	cut := b.String()
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > len(cut)*3/4 {
		return strings.TrimSpace(cut[:i]) + "…"
	}
	return cut + "…"
}

// clip shortens file content quoted in an error message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	r := []rune(s)
	return string(r[:60]) + "…"
}

func parseDuration(s string) (time.Duration, error) {
	// "00:50", "1:30", "01:30:00"
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("duration %q is not HH:MM", s)
	}
	var d time.Duration
	units := []time.Duration{time.Hour, time.Minute, time.Second}
	for i, p := range parts {
		n, ok := atoi(p)
		if !ok || (i > 0 && n > 59) {
			return 0, fmt.Errorf("duration %q is not HH:MM", s)
		}
		d += time.Duration(n) * units[i]
	}
	return d, nil
}

// atoi reads a small non-negative number of at most four digits.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
