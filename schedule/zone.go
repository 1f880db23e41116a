package schedule

import (
	"fmt"
	"strings"
	"time"
)

// zone is a conference's time zone and how it was found.
type zone struct {
	loc    *time.Location
	source ZoneSource
}

// loadZone loads an IANA zone; "Local" and "" are refused, since the
// machine's zone says nothing about the conference's.
func loadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("no zone named %q", name)
	}
	return time.LoadLocation(name)
}

// pickZone returns the first zone known, in order of trust: what the file
// declares, what the caller gave, what the venue suggests. ok is false when
// none is known.
func pickZone(declared string, given *zone, places ...string) (zone, bool) {
	if loc, err := loadZone(declared); err == nil {
		return zone{loc: loc, source: ZoneDeclared}, true
	}
	if given != nil {
		return *given, true
	}
	if loc := guessZone(places...); loc != nil {
		return zone{loc: loc, source: ZoneGuessed}, true
	}
	return zone{}, false
}

// offsetZone returns a fixed zone for a UTC offset of whole hours
// (Etc/GMT-2 is UTC+2: POSIX signs are inverted), or UTC.
func offsetZone(offset int, ok bool) zone {
	if ok && offset != 0 && offset%3600 == 0 && offset >= -12*3600 && offset <= 14*3600 {
		name := fmt.Sprintf("Etc/GMT%+d", -offset/3600)
		if loc, err := time.LoadLocation(name); err == nil {
			return zone{loc: loc, source: ZoneOffset}
		}
	}
	return zone{loc: time.UTC, source: ZoneUTC}
}

var zoneRegions = []string{"Europe", "America", "Asia", "Australia", "Africa", "Pacific", "Atlantic", "Indian"}

// guessZone finds the zone of a place: a city the zone database is named
// after ("Amsterdam", "Chicago", "Hong Kong"), a US state or Canadian
// province, or a country with one zone. Places are tried in order; each may
// be "City, Region, Country".
func guessZone(places ...string) *time.Location {
	for _, p := range places {
		parts := strings.Split(p, ",")
		for _, part := range parts { // the city first, then the region, then the country
			name := strings.TrimSpace(part)
			if name == "" || len(name) > 40 {
				continue
			}
			if z, ok := placeZones[strings.ToLower(name)]; ok {
				if loc, err := time.LoadLocation(z); err == nil {
					return loc
				}
			}
			city := strings.ReplaceAll(name, " ", "_")
			if !isZoneCity(city) {
				continue
			}
			for _, region := range zoneRegions {
				if loc, err := time.LoadLocation(region + "/" + city); err == nil {
					return loc
				}
			}
		}
	}
	return nil
}

// isZoneCity reports whether s can be the city part of a zone name: a
// capitalised word or words, nothing a file path could be made of.
func isZoneCity(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// placeZones maps places that are not themselves in zone names: cities that
// host conferences, US states and Canadian provinces, and countries with a
// single zone.
var placeZones = map[string]string{
	// cities
	"salt lake city": "America/Denver", "atlanta": "America/New_York", "boston": "America/New_York",
	"washington": "America/New_York", "washington dc": "America/New_York", "san francisco": "America/Los_Angeles",
	"san diego": "America/Los_Angeles", "san jose": "America/Los_Angeles", "seattle": "America/Los_Angeles",
	"las vegas": "America/Los_Angeles", "portland": "America/Los_Angeles", "austin": "America/Chicago",
	"dallas": "America/Chicago", "houston": "America/Chicago", "new orleans": "America/Chicago",
	"raleigh": "America/New_York", "miami": "America/New_York", "munich": "Europe/Berlin",
	"hamburg": "Europe/Berlin", "frankfurt": "Europe/Berlin", "cologne": "Europe/Berlin", "barcelona": "Europe/Madrid",
	"valencia": "Europe/Madrid", "milan": "Europe/Rome", "edinburgh": "Europe/London", "manchester": "Europe/London",
	"geneva": "Europe/Zurich", "lyon": "Europe/Paris", "antwerp": "Europe/Brussels", "ghent": "Europe/Brussels",
	"rotterdam": "Europe/Amsterdam", "utrecht": "Europe/Amsterdam", "zeewolde": "Europe/Amsterdam", "porto": "Europe/Lisbon",
	"krakow": "Europe/Warsaw", "gothenburg": "Europe/Stockholm", "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata",
	"mumbai": "Asia/Kolkata", "hyderabad": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
	"beijing": "Asia/Shanghai", "shenzhen": "Asia/Shanghai", "osaka": "Asia/Tokyo", "canberra": "Australia/Sydney",
	// US states and Canadian provinces
	"ca": "America/Los_Angeles", "california": "America/Los_Angeles", "wa": "America/Los_Angeles", "washington state": "America/Los_Angeles",
	"or": "America/Los_Angeles", "oregon": "America/Los_Angeles", "nv": "America/Los_Angeles", "nevada": "America/Los_Angeles",
	"ut": "America/Denver", "utah": "America/Denver", "co": "America/Denver", "colorado": "America/Denver",
	"az": "America/Phoenix", "arizona": "America/Phoenix", "tx": "America/Chicago", "texas": "America/Chicago",
	"il": "America/Chicago", "illinois": "America/Chicago", "mn": "America/Chicago", "minnesota": "America/Chicago",
	"mo": "America/Chicago", "missouri": "America/Chicago",
	"ny": "America/New_York", "new york": "America/New_York", "ma": "America/New_York", "massachusetts": "America/New_York",
	"ga": "America/New_York", "georgia": "America/New_York", "fl": "America/New_York", "florida": "America/New_York",
	"nc": "America/New_York", "north carolina": "America/New_York", "mi": "America/Detroit", "michigan": "America/Detroit",
	"pa": "America/New_York", "pennsylvania": "America/New_York", "dc": "America/New_York", "va": "America/New_York", "virginia": "America/New_York",
	"on": "America/Toronto", "ontario": "America/Toronto", "qc": "America/Toronto", "quebec": "America/Toronto",
	"bc": "America/Vancouver", "british columbia": "America/Vancouver",
	// countries with one zone
	"netherlands": "Europe/Amsterdam", "the netherlands": "Europe/Amsterdam", "belgium": "Europe/Brussels",
	"germany": "Europe/Berlin", "france": "Europe/Paris", "spain": "Europe/Madrid", "italy": "Europe/Rome",
	"united kingdom": "Europe/London", "uk": "Europe/London", "england": "Europe/London", "scotland": "Europe/London",
	"ireland": "Europe/Dublin", "austria": "Europe/Vienna", "switzerland": "Europe/Zurich", "denmark": "Europe/Copenhagen",
	"sweden": "Europe/Stockholm", "norway": "Europe/Oslo", "finland": "Europe/Helsinki", "poland": "Europe/Warsaw",
	"czechia": "Europe/Prague", "czech republic": "Europe/Prague", "hungary": "Europe/Budapest", "greece": "Europe/Athens",
	"romania": "Europe/Bucharest", "croatia": "Europe/Zagreb", "serbia": "Europe/Belgrade", "bulgaria": "Europe/Sofia",
	"luxembourg": "Europe/Luxembourg", "slovenia": "Europe/Ljubljana", "slovakia": "Europe/Bratislava", "estonia": "Europe/Tallinn",
	"latvia": "Europe/Riga", "lithuania": "Europe/Vilnius", "iceland": "Atlantic/Reykjavik", "turkey": "Europe/Istanbul",
	"israel": "Asia/Jerusalem", "india": "Asia/Kolkata", "china": "Asia/Shanghai", "japan": "Asia/Tokyo",
	"south korea": "Asia/Seoul", "korea": "Asia/Seoul", "taiwan": "Asia/Taipei", "singapore": "Asia/Singapore",
	"hong kong": "Asia/Hong_Kong", "thailand": "Asia/Bangkok", "vietnam": "Asia/Ho_Chi_Minh", "philippines": "Asia/Manila",
	"malaysia": "Asia/Kuala_Lumpur", "united arab emirates": "Asia/Dubai", "uae": "Asia/Dubai", "new zealand": "Pacific/Auckland",
	"south africa": "Africa/Johannesburg", "kenya": "Africa/Nairobi", "nigeria": "Africa/Lagos", "egypt": "Africa/Cairo",
	"argentina": "America/Argentina/Buenos_Aires", "colombia": "America/Bogota", "peru": "America/Lima", "chile": "America/Santiago",
}
