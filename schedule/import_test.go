package schedule

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/talkbot/talkbot"
)

// The real schedules of ../shared/data (see its README).
const (
	schedICS   = "../../shared/data/kubecon_eu_2026_sched_all.ics"
	fosdemXML  = "../../shared/data/fosdem_2025_schedule.xml"
	mchPretalx = "../../shared/data/mch2022_pretalx_schedule.json"
	oldFrabXML = "testdata/fosdem_2025_old_format.xml"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseFile(t testing.TB, name string, opts ParseOptions) Schedule {
	t.Helper()
	s, err := ParseWithOptions(readFile(t, name), opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	checkSchedule(t, s)
	return s
}

// checkSchedule asserts what holds for every schedule Parse returns.
func checkSchedule(t testing.TB, s Schedule) {
	t.Helper()
	loc, err := time.LoadLocation(s.Conference.Timezone)
	if err != nil || s.Conference.Timezone == "" {
		t.Fatalf("zone %q: %v", s.Conference.Timezone, err)
	}
	if len(s.Sessions) == 0 {
		t.Fatal("no sessions")
	}
	ids := map[string]bool{}
	for i, x := range s.Sessions {
		switch {
		case x.SourceID == "" || ids[x.SourceID]:
			t.Fatalf("session %d: id %q empty or twice", i, x.SourceID)
		case x.Title == "":
			t.Fatalf("session %q: no title", x.SourceID)
		case x.StartsAt.Location() != time.UTC || x.EndsAt.Location() != time.UTC:
			t.Fatalf("session %q: times not in UTC: %v %v", x.SourceID, x.StartsAt, x.EndsAt)
		case x.EndsAt.Before(x.StartsAt):
			t.Fatalf("session %q ends before it starts", x.SourceID)
		case x.Day != x.StartsAt.In(loc).Format(time.DateOnly) && x.Day != x.StartsAt.In(loc).AddDate(0, 0, -1).Format(time.DateOnly):
			// the start's date, or the evening's before it (past midnight, before a day change)
			t.Fatalf("session %q: day %s, starts %v", x.SourceID, x.Day, x.StartsAt.In(loc))
		case i > 0 && x.StartsAt.Before(s.Sessions[i-1].StartsAt):
			t.Fatalf("session %q out of order", x.SourceID)
		case utf8.RuneCountInString(x.Title) > talkbot.MaxTitleLen || utf8.RuneCountInString(x.Room) > talkbot.MaxFieldLen ||
			utf8.RuneCountInString(x.Track) > talkbot.MaxFieldLen || utf8.RuneCountInString(x.Abstract) > talkbot.MaxAbstract ||
			len(x.URL) > talkbot.MaxURLLen:
			t.Fatalf("session %q: a text over talkbot's limits", x.SourceID)
		case s.Conference.StartsOn == "" || s.Conference.EndsOn < s.Conference.StartsOn:
			t.Fatalf("conference dates %q..%q", s.Conference.StartsOn, s.Conference.EndsOn)
		}
		ids[x.SourceID] = true
	}
}

// leftovers are what HTML or escaping leaves when it was not reduced to text.
var leftovers = regexp.MustCompile(`</?(?:p|a|em|strong|li|ul|ol|br|code|div|h\d)\b|&(?:[a-z]+|#\d+);|\\[,;n]`)

func byID(t *testing.T, s Schedule, id string) Session {
	t.Helper()
	for _, x := range s.Sessions {
		if x.SourceID == id {
			return x
		}
	}
	t.Fatalf("no session %q", id)
	return Session{}
}

func count(s Schedule, key func(Session) string) int {
	seen := map[string]bool{}
	for _, x := range s.Sessions {
		if k := key(x); k != "" {
			seen[k] = true
		}
	}
	return len(seen)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParseSched(t *testing.T) {
	s := parseFile(t, schedICS, ParseOptions{})
	want := ConferenceInfo{Name: "KubeCon + CloudNativeCon Europe 2026", Acronym: "kccnceu2026", StartsOn: "2026-03-23",
		EndsOn: "2026-03-26", Timezone: "Europe/Amsterdam", ZoneSource: ZoneGuessed}
	if diff := cmp.Diff(want, s.Conference); diff != "" {
		t.Errorf("conference (-want +got):\n%s", diff)
	}
	if s.Format != FormatICal {
		t.Errorf("format %q", s.Format)
	}
	if got := len(s.Sessions); got != 596 {
		t.Errorf("%d sessions, want all 596 events", got)
	}
	if got := count(s, func(x Session) string { return x.Room }); got != 51 {
		t.Errorf("%d rooms, want 51", got)
	}
	if got := count(s, func(x Session) string { return x.Track }); got != 26 {
		t.Errorf("%d tracks, want 26", got)
	}
	for _, x := range s.Sessions {
		if strings.Contains(x.Room, "Netherlands") || strings.Contains(x.Room, ", Amsterdam") {
			t.Errorf("room %q keeps the venue's city", x.Room)
		}
		if leftovers.MatchString(x.Abstract + x.Title + x.Room) {
			t.Errorf("session %q: escaping left: %q", x.SourceID, leftovers.FindString(x.Abstract+x.Title+x.Room))
		}
		if !strings.HasPrefix(x.URL, "http://kccnceu2026.sched.com/event/"+x.SourceID) {
			t.Errorf("session %q: url %q", x.SourceID, x.URL)
		}
	}

	kep := byID(t, s, "3dc9224afcfd14b6a2a30b953631d9f8")
	wantKEP := Session{
		SourceID: "3dc9224afcfd14b6a2a30b953631d9f8",
		Title:    "A Tale of Two KEPs: How the Community is Taming Kubernetes' CrashLoopBackoff",
		Speakers: []talkbot.Speaker{{Name: "Yang Li", Org: "Google"}},
		Room:     "Hall 8 | Room D", Track: "OPERATIONS + PERFORMANCE",
		StartsAt: utc("2026-03-24T14:30:00+01:00"), EndsAt: utc("2026-03-24T15:00:00+01:00"), Day: "2026-03-24",
		URL: "http://kccnceu2026.sched.com/event/3dc9224afcfd14b6a2a30b953631d9f8",
	}
	kep.Abstract = kep.Abstract[:60]
	wantKEP.Abstract = "For over seven years, Kubernetes' rigid 5-minute CrashLoopBa"
	if diff := cmp.Diff(wantKEP, kep); diff != "" {
		t.Errorf("a talk (-want +got):\n%s", diff)
	}

	audit := s.Sessions[0]
	for _, x := range s.Sessions {
		if strings.HasPrefix(x.Title, "Kubernetes Third Party Audit Review") {
			audit = x
		}
	}
	wantSpeakers := []talkbot.Speaker{{Name: "Iain Smart", Org: "AmberWolf"},
		{Name: "Amir Montazery", Org: "Open Source Technology Improvement Fund"}, {Name: "Rey Lejano", Org: "Red Hat"},
		{Name: "Tabitha Sable", Org: "Datadog"}, {Name: "Pietro Tirenna", Org: "Shielder"}}
	if diff := cmp.Diff(wantSpeakers, audit.Speakers); audit.Title != "Kubernetes Third Party Audit Review" || diff != "" {
		t.Errorf("speakers of %q (-want +got):\n%s", audit.Title, diff)
	}

	// &gt\; and &nbsp\; in the file: iCal escaping and HTML entities both undone.
	if x := byID(t, s, "3744130f8166538a8106cd12790a3883"); !strings.Contains(x.Abstract, "clusters and >60M req/min, we were stuck") {
		t.Errorf("abstract not unescaped: %.120q", x.Abstract)
	}
	summit := byID(t, s, "0c2c3729721440b841aaaf02e5d99579")
	if !strings.HasPrefix(summit.Abstract, "THIS EVENT IS SOLD OUT. PLEASE REVIEW WAITLIST PROCESS.\n\nView the") || summit.NonTalk {
		t.Errorf("maintainer summit: non-talk %v, abstract %.80q", summit.NonTalk, summit.Abstract)
	}
	// A session away from the venue: the street address is not the room.
	if x := byID(t, s, "b71b3c798c161f352e0faf27b5136fa7"); x.Room != "Hotel Casa Amsterdam" {
		t.Errorf("room %q, want Hotel Casa Amsterdam", x.Room)
	}
	// Badge pick-up opens at 08:00 in Amsterdam on Sunday.
	if x := byID(t, s, "bdeb89fcb7b271c2053791f3789faff7"); !x.StartsAt.Equal(utc("2026-03-22T08:00:00+01:00")) || x.Day != "2026-03-22" || !x.NonTalk || x.Room != "Entrance C" {
		t.Errorf("badge pick-up: %+v", x)
	}
}

func TestParseSchedWithZone(t *testing.T) {
	s := parseFile(t, schedICS, ParseOptions{Timezone: "America/Los_Angeles"})
	if s.Conference.Timezone != "America/Los_Angeles" || s.Conference.ZoneSource != ZoneGiven {
		t.Fatalf("zone %q (%s), want the given one", s.Conference.Timezone, s.Conference.ZoneSource)
	}
	// The times stay exact; only the day they fall on moves: 07:00 UTC is the night before in Los Angeles.
	x := byID(t, s, "bdeb89fcb7b271c2053791f3789faff7")
	if !x.StartsAt.Equal(utc("2026-03-22T07:00:00Z")) || x.Day != "2026-03-22" {
		t.Errorf("badge pick-up at %v on %s", x.StartsAt, x.Day)
	}
	if _, err := ParseWithOptions(readFile(t, schedICS), ParseOptions{Timezone: "Mars/Olympus_Mons"}); !errors.Is(err, ErrUnknownTimezone) {
		t.Errorf("unknown zone: %v", err)
	}
}

// TestNonTalkOnSched measures the non-talk classifier against the "kind"
// a person gave each of the 596 events of the Sched file.
func TestNonTalkOnSched(t *testing.T) {
	data := readFile(t, schedICS)
	var uids []string // in file order, as the labels are
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if uid, ok := strings.CutPrefix(sc.Text(), "UID:"); ok {
			uids = append(uids, strings.TrimSpace(uid))
		}
	}
	var labels []labelled
	for _, l := range readLabels(t) {
		if l.Source == "ics" {
			labels = append(labels, l)
		}
	}
	if len(labels) != len(uids) {
		t.Fatalf("%d labels for %d events", len(labels), len(uids))
	}
	s, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	wrong, nonTalks := 0, 0
	for i, l := range labels {
		x := byID(t, s, uids[i])
		want := l.Kind == "non-talk"
		if want {
			nonTalks++
		}
		if x.NonTalk != want {
			wrong++
			t.Logf("%q (%s): non-talk %v, labelled %s", l.Summary, x.Track, x.NonTalk, l.Kind)
		}
	}
	acc := 1 - float64(wrong)/float64(len(labels))
	t.Logf("non-talk classifier: %d of %d right (%.1f%%); %d labelled non-talk", len(labels)-wrong, len(labels), 100*acc, nonTalks)
	if acc < 0.95 {
		t.Errorf("accuracy %.1f%%, want at least 95%%", 100*acc)
	}
}

func TestIsNonTalk(t *testing.T) {
	tests := []struct {
		title, track, typ string
		speakers          bool
		want              bool
	}{
		{"Lunch", "", "", false, true},
		{"Coffee Break ☕", "", "", false, true},
		{"Networking Lunch", "", "", false, true},
		{"Day 2: Morning Coffee", "", "", false, true},
		{"Welcome Reception", "", "", false, true},
		{"Badge Pick-Up & Registration", "", "", false, true},
		{"Expo Hall Open", "", "", false, true},
		{"Anything", "Breaks", "", false, true},
		{"Pause", "", "break", false, true},
		{"Kubernetes Meet & Greet", "", "", false, true},
		{"Closing Party", "", "", false, true},
		// A co-located event with tickets of its own is still one people attend, rate and write up.
		{"Security Day Hosted by Acme | SEPARATE REGISTRATION REQUIRED", "", "", false, false},
		{"Red Hat OpenShift Commons Gathering | SEPARATE REGISTRATION REQUIRED", "", "", false, false},
		{"[SOLD OUT] Maintainer Summit Hosted by CNCF | SEPARATE REGISTRATION REQUIRED", "", "", false, false},
		{"EmpowerUs Reception | SEPARATE REGISTRATION REQUIRED", "", "", false, true}, // still a reception
		{"Closing Party | REGISTRATION REQUIRED", "", "", false, true},
		{"Lunch | SEPARATE REGISTRATION REQUIRED", "", "", false, true},
		{"Breaking the Monolith", "", "", false, false},
		{"How To Break Multi-Tenancy Again", "", "", false, false},
		{"Lunch and Learn: eBPF for Everyone", "", "", false, false},
		{"Keynote: Live Demo Showcase", "", "", false, false},
		{"Sponsored Demo: Tailor-Made Nodes on GKE", "", "", false, false},
		{"Merge + Meet: Kickoff Meeting for Underrepresented Groups", "", "", false, false},
		{"Welcome", "", "", false, false},
		{"Networking", "Network", "devroom", true, false},
		{"ArgoCon Hosted by CNCF - Full-Day Event | ALL ACCESS PASS REQUIRED", "", "", false, false},
		{"Coffee", "", "", true, false}, // someone speaks: a talk about coffee
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			if got := isNonTalk(tt.title, tt.track, tt.typ, tt.speakers); got != tt.want {
				t.Errorf("isNonTalk(%q, %q, %q, %v) = %v, want %v", tt.title, tt.track, tt.typ, tt.speakers, got, tt.want)
			}
		})
	}
}

func TestParseFOSDEM(t *testing.T) {
	s := parseFile(t, fosdemXML, ParseOptions{})
	want := ConferenceInfo{Name: "FOSDEM 2025", Acronym: "fosdem-2025", StartsOn: "2025-02-01", EndsOn: "2025-02-02",
		Timezone: "Europe/Brussels", ZoneSource: ZoneDeclared}
	if diff := cmp.Diff(want, s.Conference); diff != "" || s.Format != FormatFrabXML {
		t.Errorf("conference, format %q (-want +got):\n%s", s.Format, diff)
	}
	if got := len(s.Sessions); got != 1105 {
		t.Errorf("%d sessions, want 1105", got)
	}
	if got := count(s, func(x Session) string { return x.Room }); got != 35 {
		t.Errorf("%d rooms, want 35", got)
	}
	if got := count(s, func(x Session) string { return x.Track }); got != 78 {
		t.Errorf("%d tracks, want 78", got)
	}
	if got := count(s, func(x Session) string { return x.Day }); got != 2 {
		t.Errorf("%d days, want 2", got)
	}
	recorded := 0
	for _, x := range s.Sessions {
		if len(x.Recordings) > 0 {
			recorded++
		}
		for _, r := range x.Recordings {
			if !strings.HasPrefix(r, "https://video.fosdem.org/2025/") || strings.HasSuffix(r, ".vtt") {
				t.Errorf("session %q: recording %q", x.SourceID, r)
			}
		}
		if leftovers.MatchString(x.Abstract) {
			t.Errorf("session %q: HTML left in the abstract: %q", x.SourceID, leftovers.FindString(x.Abstract))
		}
		if x.NonTalk {
			t.Errorf("session %q (%s) taken for a non-talk", x.Title, x.Type)
		}
	}
	if recorded != 955 {
		t.Errorf("%d sessions with recordings, want 955", recorded)
	}

	welcome := byID(t, s, "fdbc5919-f702-524c-9331-3a2c670f6ff3")
	wantWelcome := Session{
		SourceID: "fdbc5919-f702-524c-9331-3a2c670f6ff3", Title: "Welcome to FOSDEM 2025",
		Speakers: []talkbot.Speaker{{Name: "FOSDEM Staff"}, {Name: `Richard "RichiH" Hartmann`}},
		Abstract: "FOSDEM welcome and opening talk.\n\nJoin us for the opening of our 25th event.",
		Room:     "Janson", Track: "Keynotes", Type: "keynote",
		StartsAt: utc("2025-02-01T08:30:00Z"), EndsAt: utc("2025-02-01T08:50:00Z"), Day: "2025-02-01",
		URL: "https://fosdem.org/2025/schedule/event/fosdem-2025-6712-welcome-to-fosdem-2025/",
		Recordings: []string{"https://video.fosdem.org/2025/janson/fosdem-2025-6712-welcome-to-fosdem-2025.av1.webm",
			"https://video.fosdem.org/2025/janson/fosdem-2025-6712-welcome-to-fosdem-2025.mp4"},
	}
	if diff := cmp.Diff(wantWelcome, welcome); diff != "" {
		t.Errorf("welcome (-want +got):\n%s", diff)
	}
	var llvm, creative Session
	for _, x := range s.Sessions {
		switch x.Title {
		case "Welcome to the LLVM dev room":
			llvm = x
		case "Program to Learn: The Power of Creative Coding":
			creative = x
		}
	}
	// 10:30 in Brussels (CET) is 09:30 UTC.
	if !llvm.StartsAt.Equal(utc("2025-02-01T09:30:00Z")) || llvm.Room != "K.3.201" {
		t.Errorf("LLVM welcome at %v in %q, want 09:30 UTC in K.3.201", llvm.StartsAt, llvm.Room)
	}
	// Links keep their address; emphasis and paragraphs become plain text.
	for _, want := range []string{"from Logo (https://people.eecs.berkeley.edu/~bh/logo.html), Smalltalk (https://github.com/codefrau/SqueakJS),",
		"it was fun.\n\nWhat many don’t realize"} {
		if !strings.Contains(creative.Abstract, want) {
			t.Errorf("abstract lacks %q:\n%s", want, creative.Abstract)
		}
	}
}

// TestParseFrabOldFormat reads a slice of the FOSDEM file as older
// exporters wrote it (no guid, no per-event date, no time zone) and gets the
// same times as the full file gives for the same events.
func TestParseFrabOldFormat(t *testing.T) {
	full := parseFile(t, fosdemXML, ParseOptions{})
	byTitle := map[string]Session{}
	for _, x := range full.Sessions {
		byTitle[x.Room+"|"+x.Title] = x
	}
	old := readFile(t, oldFrabXML)
	check := func(t *testing.T, s Schedule) {
		t.Helper()
		if len(s.Sessions) != 17 {
			t.Fatalf("%d sessions, want 17", len(s.Sessions))
		}
		for _, x := range s.Sessions {
			f, ok := byTitle[x.Room+"|"+x.Title]
			if !ok {
				t.Fatalf("%q not in the full file", x.Title)
			}
			if !x.StartsAt.Equal(f.StartsAt) || !x.EndsAt.Equal(f.EndsAt) || x.Day != f.Day {
				t.Errorf("%q: %v-%v on %s, the full file says %v-%v on %s", x.Title, x.StartsAt, x.EndsAt, x.Day, f.StartsAt, f.EndsAt, f.Day)
			}
			if x.SourceID != strings.Split(f.URL, "-")[2] { // no guid: the numeric id, as in fosdem-2025-6712-…
				t.Errorf("%q: id %q", x.Title, x.SourceID)
			}
			if diff := cmp.Diff(f.Recordings, x.Recordings); diff != "" {
				t.Errorf("%q recordings (-full +old):\n%s", x.Title, diff)
			}
		}
	}

	t.Run("zone from the city", func(t *testing.T) {
		s, err := Parse(old)
		if err != nil {
			t.Fatal(err)
		}
		checkSchedule(t, s)
		if s.Conference.Timezone != "Europe/Brussels" || s.Conference.ZoneSource != ZoneGuessed {
			t.Errorf("zone %q (%s)", s.Conference.Timezone, s.Conference.ZoneSource)
		}
		check(t, s)
	})
	noCity := bytes.Replace(old, []byte("<city>Brussels</city>"), nil, 1)
	t.Run("no zone at all", func(t *testing.T) {
		s, err := Parse(noCity)
		if !errors.Is(err, ErrNoTimezone) || len(s.Sessions) != 0 {
			t.Fatalf("got %d sessions, %v; want ErrNoTimezone", len(s.Sessions), err)
		}
		if msg := talkbot.ErrorMessage(err); !strings.Contains(msg, "time zone") {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("zone given", func(t *testing.T) {
		s, err := ParseWithOptions(noCity, ParseOptions{Timezone: "Europe/Brussels"})
		if err != nil {
			t.Fatal(err)
		}
		check(t, s)
		ny, err := ParseWithOptions(noCity, ParseOptions{Timezone: "America/New_York"})
		if err != nil {
			t.Fatal(err)
		}
		if d := ny.Sessions[0].StartsAt.Sub(s.Sessions[0].StartsAt); d != 6*time.Hour {
			t.Errorf("in New York the first session starts %v later, want 6h", d)
		}
	})
}

// TestFrabDayChange: a start before the day's change time is the night after.
func TestFrabDayChange(t *testing.T) {
	xml := `<?xml version="1.0"?>
<schedule><conference><title>Camp</title><acronym>camp</acronym><day_change>04:00</day_change>
<time_zone_name>Europe/Amsterdam</time_zone_name></conference>
<day date="2025-07-22" index="1"><room name="Tent">
<event id="1"><start>22:00</start><duration>01:00</duration><room>Tent</room><title>Late talk</title><track/><type>talk</type></event>
<event id="2"><start>01:30</start><duration>02:00</duration><room>Tent</room><title>Night owls</title><track/><type>talk</type></event>
</room></day></schedule>`
	s, err := Parse([]byte(xml))
	if err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, s)
	got := map[string][2]string{}
	for _, x := range s.Sessions {
		got[x.Title] = [2]string{x.StartsAt.Format(time.RFC3339), x.Day}
	}
	want := map[string][2]string{
		"Late talk":  {"2025-07-22T20:00:00Z", "2025-07-22"},
		"Night owls": {"2025-07-22T23:30:00Z", "2025-07-22"}, // 01:30 CEST on the 23rd: the 22nd's programme
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A pretalx session past midnight, before the day's day_start, is the
// evening's: on the day that lists it, so `schedule day 1` shows it and the
// last night stays within the conference's dates.
func TestPretalxNightIsTheEveningsDay(t *testing.T) {
	s, err := Parse([]byte(`{"schedule": {"version": "1", "conference": {"acronym": "c", "title": "Camp", "start": "2026-07-10", "end": "2026-07-11",
"time_zone_name": "Europe/Amsterdam", "days": [{"index": 2, "date": "2026-07-11", "day_start": "2026-07-11T04:00:00+02:00", "rooms": {"Tent": [
{"guid": "a", "date": "2026-07-11T22:00:00+02:00", "start": "22:00", "duration": "01:00", "room": "Tent", "title": "Late"},
{"guid": "b", "date": "2026-07-12T02:00:00+02:00", "start": "02:00", "duration": "01:00", "room": "Tent", "title": "Closing Night"}]}}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, s)
	for _, x := range s.Sessions {
		if x.Day != "2026-07-11" {
			t.Errorf("%s: day %s, want 2026-07-11", x.Title, x.Day)
		}
	}
	if s.Conference.EndsOn != "2026-07-11" {
		t.Errorf("the conference ends %s", s.Conference.EndsOn)
	}
}

// A frab start is wall-clock time: on the night the clocks go back, 03:30
// is 03:30 CET, not three and a half hours after midnight (02:30).
func TestFrabStartOnTheNightTheClocksGoBack(t *testing.T) {
	s, err := Parse([]byte(`<?xml version="1.0"?>
<schedule><conference><title>Camp</title><acronym>camp</acronym><day_change>04:00</day_change>
<time_zone_name>Europe/Amsterdam</time_zone_name></conference>
<day date="2025-10-25" index="1"><room name="Tent">
<event id="1"><start>22:00</start><duration>01:00</duration><room>Tent</room><title>Late talk</title><track/><type>talk</type></event>
<event id="2"><start>03:30</start><duration>00:30</duration><room>Tent</room><title>After the change</title><track/><type>talk</type></event>
</room></day></schedule>`))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range s.Sessions {
		if x.Title == "After the change" && (x.StartsAt.Format(time.RFC3339) != "2025-10-26T02:30:00Z" || x.Day != "2025-10-25") {
			t.Errorf("starts %s on %s, want 02:30Z (03:30 CET) on the 25th's programme", x.StartsAt.Format(time.RFC3339), x.Day)
		}
	}
}

func TestParsePretalx(t *testing.T) {
	s := parseFile(t, mchPretalx, ParseOptions{})
	want := ConferenceInfo{Name: "MCH2022", Acronym: "mch2021-2020", StartsOn: "2022-07-22", EndsOn: "2022-07-26",
		Timezone: "Etc/GMT-2", ZoneSource: ZoneOffset}
	if diff := cmp.Diff(want, s.Conference); diff != "" || s.Format != FormatFrabJSON {
		t.Errorf("conference, format %q (-want +got):\n%s", s.Format, diff)
	}
	if got := len(s.Sessions); got != 183 {
		t.Errorf("%d sessions, want 183", got)
	}
	if got := count(s, func(x Session) string { return x.Room }); got != 8 {
		t.Errorf("%d rooms, want 8", got)
	}
	if got := count(s, func(x Session) string { return x.Day }); got != 5 {
		t.Errorf("%d days, want 5", got)
	}
	var noRecording []string
	for _, x := range s.Sessions {
		if x.DoNotRecord {
			noRecording = append(noRecording, x.SourceID)
		}
		if leftovers.MatchString(x.Abstract) {
			t.Errorf("session %q: %q left in the abstract", x.SourceID, leftovers.FindString(x.Abstract))
		}
	}
	if len(noRecording) != 6 || !strings.Contains(strings.Join(noRecording, " "), "87dda100-e1c2-5a27-a826-ac74b26eff13") {
		t.Errorf("do_not_record: %v, want 6 including the popsicle bridge competition", noRecording)
	}
	opening := byID(t, s, "8021acd3-9860-5c31-bdcc-b1bdd25e4c87")
	if opening.Title != "⚠️ May Contain Hackers 2022 Opening" || opening.Room != "Abacus 🧮" ||
		!opening.StartsAt.Equal(utc("2022-07-22T15:00:00Z")) || opening.EndsAt.Sub(opening.StartsAt) != 50*time.Minute ||
		opening.URL != "https://program.mch2022.org/mch2021-2020/talk/JBNXAX/" || opening.Type != "Talk" ||
		len(opening.Speakers) != 1 || opening.Speakers[0].Name != `Elger "Stitch" Jonker` {
		t.Errorf("opening: %+v", opening)
	}
	// abstract and description, each paragraph kept
	if !strings.HasPrefix(opening.Abstract, "⚠️ Warning! This talk may contain hackers.") ||
		!strings.Contains(opening.Abstract, "?\n\nThis talk serves as an introduction to the camp.") ||
		!strings.Contains(opening.Abstract, "the stream. As we cannot film") {
		t.Errorf("abstract:\n%s", opening.Abstract)
	}

	amsterdam := parseFile(t, mchPretalx, ParseOptions{Timezone: "Europe/Amsterdam"})
	if amsterdam.Conference.Timezone != "Europe/Amsterdam" || !byID(t, amsterdam, opening.SourceID).StartsAt.Equal(opening.StartsAt) {
		t.Errorf("with a zone given: %+v", amsterdam.Conference)
	}
}

// A pretalx export saved with a byte order mark reads as one without.
func TestPretalxWithAByteOrderMark(t *testing.T) {
	s, err := Parse(append([]byte("\xef\xbb\xbf"), readFile(t, mchPretalx)...))
	if err != nil || len(s.Sessions) == 0 {
		t.Fatalf("%d sessions, %v", len(s.Sessions), err)
	}
}

func TestPretalxDeclaredZone(t *testing.T) {
	doc := `{"schedule": {"version": "1", "conference": {"acronym": "demo", "title": "DemoCon", "start": "2024-03-30",
	"end": "2024-03-31", "time_zone_name": "Europe/Berlin", "days": [{"index": 1, "date": "2024-03-30",
	"day_start": "2024-03-30T04:00:00+01:00", "rooms": {"Hall": [{"id": 7, "code": "ABC123", "title": {"en": "Clocks &amp; DST", "de": "Uhren"},
	"date": "2024-03-31T10:00:00+02:00", "start": "10:00", "duration": "01:00", "room": "Hall", "track": null, "type": "Talk",
	"abstract": "x &lt; y<br>and <b>bold</b>", "description": null, "persons": [{"name": "Ada"}],
	"links": [{"url": "https://media.ccc.de/v/demo-7-clocks", "title": "Video"}], "recording": {"optout": true}}]}}]}}}`
	s, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, s)
	want := Session{SourceID: "ABC123", Title: "Clocks & DST", Speakers: []talkbot.Speaker{{Name: "Ada"}},
		Abstract: "x < y\nand bold", Room: "Hall", Type: "Talk", StartsAt: utc("2024-03-31T08:00:00Z"),
		EndsAt: utc("2024-03-31T09:00:00Z"), Day: "2024-03-31", Recordings: []string{"https://media.ccc.de/v/demo-7-clocks"},
		DoNotRecord: true}
	if diff := cmp.Diff(want, s.Sessions[0]); diff != "" || s.Conference.Timezone != "Europe/Berlin" || s.Conference.ZoneSource != ZoneDeclared {
		t.Errorf("zone %q; session (-want +got):\n%s", s.Conference.Timezone, diff)
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, in     string
		keepNewlines bool
		want         string
	}{
		{"paragraphs", "<p>One\ntwo.</p>\n<p>Three.</p>", false, "One two.\n\nThree."},
		{"list", "<p>Topics:</p><ul><li>eBPF</li><li>XDP &amp; TC</li></ul>", false, "Topics:\n\n- eBPF\n- XDP & TC"},
		{"ordered list", "<ol><li>a</li><li>b</li></ol>", false, "1. a\n2. b"},
		{"link", `See <a href="https://example.org/x">the docs</a>.`, false, "See the docs (https://example.org/x)."},
		{"bare link", `<a href="https://example.org/">https://example.org/</a>`, false, "https://example.org/"},
		{"no javascript links", `<a href="javascript:alert(1)">click</a>`, false, "click"},
		{"script dropped", "<script>alert(1)</script>Hello<style>p{}</style>", false, "Hello"},
		{"entities", "caf&eacute; &lt;3 &#8212; &nbsp;ok", false, "café <3 — ok"},
		{"unknown tags are text", "Use List<String> and Map<K, V>", false, "Use List<String> and Map<K, V>"},
		{"less-than", "a < b and b > c", false, "a < b and b > c"},
		{"br", "one<br>two<br/><br/>three", false, "one\ntwo\n\nthree"},
		{"pre keeps spaces", "<pre>x  = 1\ny  = 2</pre>", false, "x  = 1\ny  = 2"},
		{"Sched text keeps lines", "Line one\nLine two\n\n\n\nPara", true, "Line one\nLine two\n\nPara"},
		{"Sched entities", "SOLD OUT.&nbsp; PLEASE &gt;60M", true, "SOLD OUT. PLEASE >60M"},
		{"zero-width", "Dell\u200b Platform", false, "Dell Platform"},
		{"plain", "  Just text ", false, "Just text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := htmlToText(tt.in, tt.keepNewlines); got != tt.want {
				t.Errorf("htmlToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Format
	}{
		{"ical", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", FormatICal},
		{"ical with BOM and blank lines", "\xef\xbb\xbf\r\n\r\nbegin:vcalendar\n", FormatICal},
		{"frab xml", `<?xml version="1.0"?><!-- x --><schedule><version>1</version>`, FormatFrabXML},
		{"frab json", `{"$schema": "x", "schedule": {"version": "1", "base_url": "y", "conference": {`, FormatFrabJSON},
		{"html", "<!DOCTYPE html><html><head><title>Schedule</title></head><body>", ""},
		{"rss", `<?xml version="1.0"?><rss><channel>`, ""},
		{"other json", `{"data": {"schedule": []}}`, ""},
		{"json array", `[{"schedule": {}}]`, ""},
		{"schedule not an object", `{"schedule": "soon"}`, ""},
		{"text", "Title,Start,End\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := detect([]byte(tt.in)); got != tt.want {
				t.Errorf("detect(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseRejects: what is not a schedule, or is a broken one, imports nothing.
func TestParseRejects(t *testing.T) {
	ical, frab, pretalx := readFile(t, schedICS), readFile(t, fosdemXML), readFile(t, mchPretalx)
	half := func(b []byte) []byte { return b[:len(b)/2] }
	replace := func(b []byte, old, new string) []byte {
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("fixture lacks %q", old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
	event := "BEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Talk\r\nDTSTART:20260324T100000Z\r\nDTEND:20260324T103000Z\r\nEND:VEVENT\r\n"
	cal := func(body string) []byte {
		return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + body + "END:VCALENDAR\r\n")
	}
	tests := []struct {
		name string
		in   []byte
		kind error
	}{
		{"empty", nil, ErrNotSchedule},
		{"blank", []byte(" \n\t"), ErrNotSchedule},
		{"an HTML page", []byte("<!DOCTYPE html>\n<html><body><h1>KubeCon schedule</h1></body></html>"), ErrNotSchedule},
		{"random JSON", []byte(`{"talks": [{"title": "x"}]}`), ErrNotSchedule},
		{"a PDF", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), ErrNotSchedule},
		{"a calendar without events", cal(""), ErrNotSchedule},
		{"frab without events", []byte(`<schedule><conference><title>x</title></conference></schedule>`), ErrNotSchedule},
		{"pretalx without conference", []byte(`{"schedule": {"version": "1", "conference": null}}`), ErrNotSchedule},
		{"truncated ical", half(ical), ErrMalformed},
		{"ical cut at an event's end", ical[:bytes.LastIndex(ical, []byte("END:VEVENT"))+len("END:VEVENT\r\n")], ErrMalformed},
		{"truncated frab", half(frab), ErrMalformed},
		{"frab with a broken tag", replace(frab, "<title>Welcome to FOSDEM 2025</title>", "<title>Welcome to FOSDEM 2025</titl>"), ErrMalformed},
		{"frab with a bad start", replace(frab, "<date>2025-02-01T09:30:00+01:00</date>\n        <start>09:30</start>", "<date>soon</date><start>half past</start>"), ErrMalformed},
		{"frab with a bad duration", replace(frab, "<duration>00:20</duration>", "<duration>twenty</duration>"), ErrMalformed},
		{"frab with a second document", append(append([]byte{}, frab...), "<schedule></schedule>"...), ErrMalformed},
		{"truncated pretalx", half(pretalx), ErrMalformed},
		{"pretalx with trailing junk", append(append([]byte{}, pretalx...), "}"...), ErrMalformed},
		{"pretalx with a bad date", replace(pretalx, `"date": "2022-07-22T17:00:00+02:00"`, `"date": "Friday"`), ErrMalformed},
		{"pretalx with a bad duration", replace(pretalx, `"duration": "00:50"`, `"duration": "00:90"`), ErrMalformed},
		{"pretalx with people as names", []byte(`{"schedule":{"conference":{"title":"PC","days":[{"date":"2026-05-01","rooms":{"R1":[{"guid":"g1","date":"2026-05-01T10:00:00+02:00","duration":"00:30","title":"A talk","persons":["Ann"]}]}}]}}}`), ErrMalformed},
		{"ical event without a start", cal(strings.Replace(event, "DTSTART:20260324T100000Z\r\n", "", 1)), ErrMalformed},
		{"ical event with a bad start", cal(strings.Replace(event, "20260324T100000Z", "20261324T100000Z", 1)), ErrMalformed},
		{"ical event ending before it starts", cal(strings.Replace(event, "20260324T103000Z", "20260324T090000Z", 1)), ErrMalformed},
		{"ical event without a UID", cal(strings.Replace(event, "UID:1\r\n", "", 1)), ErrMalformed},
		{"two events with one UID", cal(event + event), ErrMalformed},
		{"a title of invisible characters", cal(strings.Replace(event, "SUMMARY:Talk", "SUMMARY:\u200b\u202e", 1)), ErrMalformed},
		{"a Latin-1 calendar", cal(strings.Replace(event, "SUMMARY:Talk", "SUMMARY:Caf\xe9 et cr\xe8me", 1)), ErrMalformed},
		{"ical floating time, no zone", cal(strings.Replace(event, "100000Z", "100000", 1)), ErrNoTimezone},
		{"over 20 MB", append(append([]byte{}, ical...), bytes.Repeat([]byte(" "), MaxBytes)...), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.in)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if s.Sessions != nil || s.Conference != (ConferenceInfo{}) {
				t.Errorf("a partial result: %d sessions, %+v", len(s.Sessions), s.Conference)
			}
			if code := talkbot.ErrorCode(err); code != talkbot.EINVALID {
				t.Errorf("code %q, want %q (a message the user may read)", code, talkbot.EINVALID)
			}
			if msg := talkbot.ErrorMessage(err); strings.Contains(msg, "Go ") || strings.Contains(msg, "struct") || strings.Contains(msg, "unmarshal") {
				t.Errorf("a Go error in what the user reads: %s", msg)
			}
			t.Logf("%s", talkbot.ErrorMessage(err))
		})
	}
}

func TestParseICalZones(t *testing.T) {
	cal := func(extra, start string) []byte {
		return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + extra + "BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Opening - Ana Lee\\, Acme\r\n" +
			start + "\r\nDURATION:PT1H30M\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	}
	tests := []struct {
		name             string
		in               []byte
		opts             ParseOptions
		wantStart, zone  string
		source           ZoneSource
		wantEnd, wantDay string
	}{
		{"TZID", cal("", "DTSTART;TZID=America/Chicago:20241113T090000"), ParseOptions{}, "2024-11-13T15:00:00Z", "America/Chicago", ZoneDeclared, "2024-11-13T16:30:00Z", "2024-11-13"},
		{"X-WR-TIMEZONE", cal("X-WR-TIMEZONE:Europe/Paris\r\n", "DTSTART:20240601T090000"), ParseOptions{}, "2024-06-01T07:00:00Z", "Europe/Paris", ZoneDeclared, "2024-06-01T08:30:00Z", "2024-06-01"},
		{"given, floating", cal("", "DTSTART:20240601T090000"), ParseOptions{Timezone: "Asia/Tokyo"}, "2024-06-01T00:00:00Z", "Asia/Tokyo", ZoneGiven, "2024-06-01T01:30:00Z", "2024-06-01"},
		{"unknown TZID falls back to the given zone", cal("", "DTSTART;TZID=W. Europe Standard Time:20240601T090000"), ParseOptions{Timezone: "Europe/Berlin"}, "2024-06-01T07:00:00Z", "Europe/Berlin", ZoneGiven, "2024-06-01T08:30:00Z", "2024-06-01"},
		{"UTC, nothing else known", cal("", "DTSTART:20240601T233000Z"), ParseOptions{}, "2024-06-01T23:30:00Z", "UTC", ZoneUTC, "2024-06-02T01:00:00Z", "2024-06-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseWithOptions(tt.in, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkSchedule(t, s)
			x := s.Sessions[0]
			got := []string{x.StartsAt.Format(time.RFC3339), x.EndsAt.Format(time.RFC3339), x.Day, s.Conference.Timezone, string(s.Conference.ZoneSource)}
			want := []string{tt.wantStart, tt.wantEnd, tt.wantDay, tt.zone, string(tt.source)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if x.Title != "Opening" || len(x.Speakers) != 1 || x.Speakers[0] != (talkbot.Speaker{Name: "Ana Lee", Org: "Acme"}) {
				t.Errorf("title %q, speakers %v", x.Title, x.Speakers)
			}
		})
	}
}

// A calendar with a remote session in another zone, and a VTIMEZONE for
// each, is in the zone most of its sessions start in, whichever comes first
// or last in the file.
func TestParseICalOfSeveralZones(t *testing.T) {
	event := func(uid, start string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nSUMMARY:Talk " + uid + "\r\nDTSTART;TZID=" + start + "\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
	}
	utcEvent := func(uid, start string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nSUMMARY:Talk " + uid + "\r\nDTSTART:" + start + "\r\nDURATION:PT1H\r\nLOCATION:Hall 1\\, Amsterdam\\, Netherlands\r\nEND:VEVENT\r\n"
	}
	vtimezone := func(tz string) string {
		return "BEGIN:VTIMEZONE\r\nTZID:" + tz + "\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
	}
	for name, body := range map[string]string{
		"the other zone's VTIMEZONE last": vtimezone("Europe/Amsterdam") + vtimezone("America/New_York") +
			event("a1", "Europe/Amsterdam:20260324T090000") + event("a2", "Europe/Amsterdam:20260325T003000") + event("a3", "America/New_York:20260325T120000"),
		"the other zone's session first": event("a3", "America/New_York:20260325T120000") +
			event("a1", "Europe/Amsterdam:20260324T090000") + event("a2", "Europe/Amsterdam:20260325T003000"),
		"Sched's UTC times, one remote session": "X-WR-TIMEZONE:UTC\r\n" + event("a3", "America/New_York:20260325T120000") +
			utcEvent("a1", "20260324T080000Z") + utcEvent("a2", "20260324T233000Z") + utcEvent("a4", "20260325T090000Z"),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Parse([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:DevConf\r\n" + body + "END:VCALENDAR\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			if s.Conference.Timezone != "Europe/Amsterdam" {
				t.Errorf("zone %s, want Europe/Amsterdam", s.Conference.Timezone)
			}
			for _, x := range s.Sessions {
				if x.Title == "Talk a2" && x.Day != "2026-03-25" {
					t.Errorf("the 00:30 session is on %s, want 2026-03-25", x.Day)
				}
			}
		})
	}
}

// Imported text is cleaned as typed text is: a title in NFD (a Mac's copy)
// is the title typed, and no override or control character gets in.
func TestImportedTextIsCleaned(t *testing.T) {
	s, err := Parse([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\n" +
		"SUMMARY:Cafe\u0301 Culture \u202etxt.exe\u202c\a - Zoe\u0308 Zed\\, Zorg\r\nLOCATION:Room \u200bN\r\n" +
		"DTSTART:20260324T100000Z\r\nDTEND:20260324T103000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	x := s.Sessions[0]
	if x.Title != "Café Culture txt.exe" || x.Room != "Room N" || len(x.Speakers) != 1 || x.Speakers[0].Name != "Zoë Zed" {
		t.Errorf("title %q, room %q, speakers %+v", x.Title, x.Room, x.Speakers)
	}
	if talkbot.NormalizeTitle(x.Title) != talkbot.NormalizeTitle("Café Culture txt.exe") {
		t.Errorf("the title does not match the one typed")
	}
}

// A schedule's one-line fields stay one line, and only its http(s) links are
// kept: a title's line break showed as a line of the bot's own in a card,
// and a link's escape sequences reached the console's terminal.
func TestImportedFieldsAreOneLineAndLinksWeb(t *testing.T) {
	event := func(uid, summary, url string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nSUMMARY:" + summary + "\r\nLOCATION:Hall\\nB\r\nURL:" + url +
			"\r\nDTSTART:20260324T100000Z\r\nDTEND:20260324T103000Z\r\nEND:VEVENT\r\n"
	}
	s, err := Parse([]byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" +
		event("1", "Real Talk\\n   ✓ bob: attended\\, ★★★★★ 5/5", "javascript:alert(1)") +
		event("2\x1b[31m", "Second", "https://evil.example/\x1b[2J\x1b]0;pwned\a") +
		event("3", "Third", "https://youtube.com@evil.example/watch") +
		event("4", "Fourth", "https://kccnceu2026.sched.com/event/1x2y") +
		"END:VCALENDAR\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range s.Sessions {
		if strings.ContainsAny(x.SourceID, "\x1b") {
			t.Errorf("session id %q keeps an escape", x.SourceID)
		}
		got[x.Title] = x.Room + " | " + x.URL
	}
	want := map[string]string{
		"Real Talk ✓ bob: attended, ★★★★★ 5/5": "Hall B | ",
		"Second": "Hall B | ",
		"Third":  "Hall B | ",
		"Fourth": "Hall B | https://kccnceu2026.sched.com/event/1x2y",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("title: room | link (-want +got):\n%s", diff)
	}
}

func TestLongTextsAreCut(t *testing.T) {
	long := strings.Repeat("word ", 3000)
	doc := `<schedule><conference><title>x</title><time_zone_name>UTC</time_zone_name></conference><day date="2025-01-01">` +
		`<room name="r"><event id="1"><start>10:00</start><title>` + long + `</title><abstract>` + long + `</abstract></event></room></day></schedule>`
	s, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	checkSchedule(t, s)
	x := s.Sessions[0]
	if !strings.HasSuffix(x.Title, "word…") || !strings.HasSuffix(x.Abstract, "word…") {
		t.Errorf("title %q…, abstract …%q", x.Title[:20], x.Abstract[len(x.Abstract)-20:])
	}
	// Flags are cut whole, never to one of their two letters.
	if got := truncate(strings.Repeat("🇯🇵", 10), 6); got != "🇯🇵🇯🇵…" {
		t.Errorf("flags cut to %q", got)
	}
}

func TestRoomOf(t *testing.T) {
	locs := []string{"Hall 12, Amsterdam, Netherlands", "Forum, Amsterdam, Netherlands", "Hall 8 | Room D, Amsterdam, Netherlands",
		"Strandzuid, Europaplein 22 | 1078 GZ Amsterdam", ""}
	tail := venueTail(locs)
	if tail != "Amsterdam, Netherlands" {
		t.Fatalf("tail %q", tail)
	}
	want := []string{"Hall 12", "Forum", "Hall 8 | Room D", "Strandzuid", ""}
	for i, l := range locs {
		if got := roomOf(l, tail); got != want[i] {
			t.Errorf("roomOf(%q) = %q, want %q", l, got, want[i])
		}
	}
	if got := venueTail([]string{"Room 1", "Room 2, Annex"}); got != "" {
		t.Errorf("no shared tail, got %q", got)
	}
}

// A title that says the session is cancelled marks it so; one that
// replaces a cancelled talk does not (FOSDEM 2025's own titles).
func TestCancelledTitle(t *testing.T) {
	for title, want := range map[string]bool{
		"[CANCELED] The current state of debugging in WebAssembly":                                 true,
		"(CANCELLED) Funding the FOSS Ecosystem - (AMA with Devroom Organisers Instead)":           false, // the AMA is on
		"CANCELLED: openSUSE: Engineering Stable Rolling Releases with OBS and openQA":             true,
		"A PID control system based on the MOS 6502 - CANCELLED, replaced by Retrocomputing panel": false, // the panel is on
		"Legacy Builds - CANCELLED": true,
		"Catalog Zones in the PowerDNS Recursor (TALK REPLACES CANCELLED TALK)": false,
		"Is Big DNS Taking Over? (REPLACES CANCELLED TALK)":                     false,
		"Cancellation Tokens in Go":                                             false,
		"Cancelled Flights: Resilient Airline Booking on Kubernetes":            false,
		"Kubernetes - Cancelled Features Retrospective":                         false,
	} {
		if got := cancelledTitle(title); got != want {
			t.Errorf("cancelledTitle(%q) = %v, want %v", title, got, want)
		}
	}
	n := 0
	for _, x := range parseFile(t, fosdemXML, ParseOptions{}).Sessions {
		if x.Cancelled {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d FOSDEM 2025 sessions cancelled, want the 2 whose titles say so and name no replacement", n)
	}
}

// A calendar folded every 75 octets, as RFC 5545 lets a generator do,
// splits a multi-byte character across two lines: it is put back together,
// not refused as "not UTF-8".
func TestICalFoldedInsideACharacter(t *testing.T) {
	title := "クラウドネイティブの未来とセキュリティ実践 - 山田太郎"
	line := []byte("SUMMARY:" + title)
	var folded []byte
	for len(line) > 75 {
		folded = append(append(folded, line[:75]...), "\r\n "...)
		line = line[75:]
	}
	folded = append(folded, line...)
	if utf8.Valid(folded) {
		t.Fatal("the fixture splits no character")
	}
	data := []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\n" + string(folded) +
		"\r\nDTSTART:20260324T100000Z\r\nDTEND:20260324T103000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	s, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Sessions) != 1 || !strings.HasPrefix(title, s.Sessions[0].Title) || s.Sessions[0].Title == "" {
		t.Errorf("sessions = %+v", s.Sessions)
	}
}
