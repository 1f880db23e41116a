package talkbot

import (
	"testing"
	"time"
)

// Zones are loaded once; names the zone database does not spell so load
// but are not kept, so the cache cannot grow with made-up spellings.
func TestZonesAreLoadedOnceAndOnlyTheirOwnNamesKept(t *testing.T) {
	ams, err := LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := LoadLocation("Europe/Amsterdam"); again != ams {
		t.Error("Europe/Amsterdam loaded twice")
	}
	for _, name := range []string{"Europe/./Amsterdam", "Europe//Amsterdam", "./Europe/Amsterdam"} {
		loc, err := LoadLocation(name)
		if err != nil {
			continue // not every Go accepts these spellings
		}
		if got := time.Date(2026, 3, 25, 12, 0, 0, 0, loc).UTC().Hour(); got != 11 {
			t.Errorf("%s: noon is %d:00 UTC", name, got)
		}
		if _, kept := locations.Load(name); kept {
			t.Errorf("%s kept", name)
		}
	}
	if _, err := LoadLocation("Mars/Olympus_Mons"); err == nil {
		t.Error("a zone that does not exist loaded")
	}
	if _, kept := locations.Load("Mars/Olympus_Mons"); kept {
		t.Error("a zone that does not exist kept")
	}
	for name, want := range map[string]bool{"UTC": true, "America/Argentina/Buenos_Aires": true, "Etc/GMT+5": true,
		"America/Port-au-Prince": true, "Europe/../Amsterdam": false, "": false, "Europe/Amsterdam/": false} {
		if zoneName(name) != want {
			t.Errorf("zoneName(%q) = %v", name, !want)
		}
	}
}

// A digest near noon covers each conference day once across a
// daylight-saving change: twelve hours of the wall clock, not of real time.
func TestDigestCoversEachDayOnceAcrossDaylightSaving(t *testing.T) {
	c := Conference{Timezone: "Europe/Berlin"}
	loc := c.Location()
	for _, at := range []string{"11:30", "12:30"} {
		d := Digest{At: at}
		for _, days := range [][]string{{"2026-03-28", "2026-03-29", "2026-03-30"}, {"2026-10-24", "2026-10-25", "2026-10-26"}} {
			var covered []string
			for _, day := range days {
				slot, err := d.Slot(day, loc)
				if err != nil {
					t.Fatal(err)
				}
				covered = append(covered, d.Covers(slot, c))
			}
			for i := 1; i < len(covered); i++ {
				a, _ := time.Parse(time.DateOnly, covered[i-1])
				b, _ := time.Parse(time.DateOnly, covered[i])
				if b.Sub(a) != 24*time.Hour {
					t.Errorf("a digest at %s covers %v on %v: a day skipped or twice", at, covered, days)
				}
			}
		}
	}
}
