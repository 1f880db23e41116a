package schedule

import (
	"errors"
	"testing"

	"github.com/talkbot/talkbot"
)

// Small seeds in each format, in the shapes the real files have.
const (
	seedICal = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:kccnceu2026\r\nPRODID:-//Sched.com KubeCon 2026//EN\r\nX-WR-TIMEZONE:UTC\r\n" +
		"BEGIN:VEVENT\r\nDTSTART:20260322T070000Z\r\nDTEND:20260322T170000Z\r\nSUMMARY:Badge Pick-Up\r\nDESCRIPTION:\r\n" +
		"CATEGORIES:REGISTRATION\r\nLOCATION:Entrance C\\, Amsterdam\\, Netherlands\r\nUID:bdeb89fc\r\nURL:http://x.sched.com/event/bdeb89fc\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Amsterdam:20260324T143000\r\nDURATION:PT30M\r\n" +
		"SUMMARY:A Tale of Two KEPs - Yang Li\\, Google & Ana Lee\\, Acme\r\nDESCRIPTION:Over &gt\\;60M req/min.&nbsp\\;\\nNext\r\n" +
		"CATEGORIES:OPERATIONS\r\nLOCATION:Hall 8 | Room D\\, Amsterdam\\, Netherlands\r\nUID:3dc9224a\r\n" +
		" \r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	seedFrab = `<?xml version="1.0" encoding="UTF-8"?>
<schedule><conference><acronym>fosdem-2025</acronym><title>FOSDEM 2025</title><city>Brussels</city>
<start>2025-02-01</start><end>2025-02-02</end><day_change>09:00:00</day_change><time_zone_name>Europe/Brussels</time_zone_name></conference>
<day index="1" date="2025-02-01"><room name="Janson">
<event guid="fdbc5919-f702" id="6712"><date>2025-02-01T09:30:00+01:00</date><start>09:30</start><duration>00:20</duration>
<room>Janson</room><url>https://fosdem.org/2025/schedule/event/x/</url><title>Welcome</title><subtitle/><track slug="k">Keynotes</track>
<type>keynote</type><abstract>&lt;p&gt;Hello &amp;amp; &lt;a href="https://a.b/"&gt;welcome&lt;/a&gt;&lt;/p&gt;</abstract><description/>
<persons><person id="2">FOSDEM Staff</person></persons><recording><license/><optout>false</optout></recording>
<links><link href="https://video.fosdem.org/2025/janson/x.mp4">Video recording (MP4)</link></links></event>
<event id="6713"><start>08:30</start><duration>1:00:00</duration><room>Janson</room><title>Night</title><track/><type>devroom</type><abstract/></event>
</room></day></schedule>`
	seedPretalx = `{"schedule": {"version": "1", "conference": {"acronym": "mch", "title": "MCH2022", "start": "2022-07-22", "end": "2022-07-26", "time_zone_name": "Europe/Amsterdam",
"days": [{"index": 1, "date": "2022-07-22", "day_start": "2022-07-22T04:00:00+02:00", "rooms": {"Abacus": [
{"id": 109, "guid": "8021acd3", "date": "2022-07-22T17:00:00+02:00", "start": "17:00", "duration": "00:50", "room": "Abacus",
"url": "https://program.mch2022.org/talk/JBNXAX/", "title": "Opening", "subtitle": "", "track": "Curated", "type": "Talk",
"abstract": "Hackers *everywhere*.", "description": "Line\r\n\r\nLine", "do_not_record": true,
"persons": [{"public_name": "Stitch"}], "links": [{"url": "https://media.ccc.de/v/x", "title": "Video"}]},
{"id": "110", "code": "ABC", "start": "02:00", "duration": "01:00", "room": "Abacus", "title": {"en": "Late"}, "track": null, "abstract": null}
]}}]}}}`
)

// fuzzParser checks what every parser promises on any input: no panic; an
// error of a kind the user can be told about, with nothing returned; or a
// schedule whose every session has an id, a title, times in UTC in order
// and its day in the conference's zone.
func fuzzParser(f *testing.F, seeds []string, parse func([]byte, *zone) (Schedule, error)) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parse(data, nil)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotSchedule) && !errors.Is(err, ErrNoTimezone) {
				t.Fatalf("an error of no known kind: %v", err)
			}
			if talkbot.ErrorCode(err) != talkbot.EINVALID {
				t.Fatalf("error %v has code %q", err, talkbot.ErrorCode(err))
			}
			if s.Sessions != nil || s.Conference != (ConferenceInfo{}) {
				t.Fatalf("a partial result with %v", err)
			}
			return
		}
		checkSchedule(t, s)
		if _, err := Parse(data); err != nil && detect(data) != "" {
			t.Fatalf("parsed on its own but not through Parse: %v", err)
		}
	})
}

func FuzzParseICal(f *testing.F) { fuzzParser(f, []string{seedICal}, parseICal) }

func FuzzParseFrab(f *testing.F) { fuzzParser(f, []string{seedFrab}, parseFrabXML) }

func FuzzParsePretalx(f *testing.F) { fuzzParser(f, []string{seedPretalx}, parseFrabJSON) }

// TestSeedsParse keeps the fuzz seeds meaningful: each is a valid schedule.
func TestSeedsParse(t *testing.T) {
	for name, seed := range map[string]string{"ical": seedICal, "frab": seedFrab, "pretalx": seedPretalx} {
		t.Run(name, func(t *testing.T) {
			s, err := Parse([]byte(seed))
			if err != nil {
				t.Fatal(err)
			}
			checkSchedule(t, s)
			if len(s.Sessions) != 2 {
				t.Errorf("%d sessions, want 2", len(s.Sessions))
			}
		})
	}
}
