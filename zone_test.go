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
