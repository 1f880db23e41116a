package store

import (
	"testing"
	"time"
)

// Times read from the database are the times time.Parse reads, and what is
// not a stored time is left to it.
func TestStoredTimesReadAsTimeParseReadsThem(t *testing.T) {
	for _, s := range []string{
		"2026-03-24T10:47:00.000000Z", "2024-02-29T23:59:59.999999Z", "0001-01-01T00:00:00.000000Z",
		time.Date(2026, 10, 25, 1, 30, 0, 123456000, time.UTC).Format(TimeFormat),
	} {
		want, err := time.Parse(TimeFormat, s)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := parseStoredTime(s)
		if !ok || !got.Equal(want) || got.Location() != want.Location() || got != want {
			t.Errorf("%s: got %v (%v), want %v", s, got, ok, want)
		}
		if parseTime(s) != want {
			t.Errorf("%s: parseTime says %v", s, parseTime(s))
		}
	}
	for _, s := range []string{"", "2026-02-30T10:00:00.000000Z", "2026-13-01T10:00:00.000000Z", "2026-03-24T24:00:00.000000Z",
		"2026-03-24T10:60:00.000000Z", "2026-03-24 10:47:00.000000Z", "2026-03-24T10:47:00.00000aZ", "2026-03-24T10:47:00Z",
		"2026-03-24T10:47:00.000000+01:00", "+026-03-24T10:47:00.000000Z"} {
		if got, ok := parseStoredTime(s); ok {
			t.Errorf("%q read as %v", s, got)
		}
	}
	// Times written before TimeFormat (RFC 3339) still read.
	if got := parseTime("2026-03-24T10:47:00+01:00"); !got.Equal(time.Date(2026, 3, 24, 9, 47, 0, 0, time.UTC)) {
		t.Errorf("RFC 3339 read as %v", got)
	}
}
