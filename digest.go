package talkbot

import (
	"context"
	"time"
)

// Digest is where and when a workspace's daily digest goes.
type Digest struct {
	WorkspaceID int64
	Platform    string // the workspace's platform and external id, to post with
	Workspace   string
	Channel     string // a Slack channel, a Matrix room
	At          string // HH:MM, local time
	Timezone    string // IANA zone; empty means the conference's
	CreatedBy   int64
	CreatedAt   time.Time
}

// DigestKey names one digest post: a channel, a conference and a local date.
type DigestKey struct {
	WorkspaceID  int64
	Channel      string
	ConferenceID int64
	Day          string // YYYY-MM-DD, local to the digest's zone
}

// DigestStatus is where a digest post stands in the ledger.
type DigestStatus string

// The states of a digest post. Claimed comes first, before anything is
// posted; sending is set just before posting, so a restart can tell a post
// that may have gone out (unknown) from one that certainly did not.
const (
	DigestClaimed DigestStatus = "claimed"
	DigestSending DigestStatus = "sending"
	DigestPosted  DigestStatus = "posted"
	DigestEmpty   DigestStatus = "empty"   // nothing was logged that day: nothing posted
	DigestSkipped DigestStatus = "skipped" // the bot was down past the window
	DigestUnknown DigestStatus = "unknown" // the bot stopped while posting; never posted again
)

// DigestRecord is a row of the digest ledger.
type DigestRecord struct {
	DigestKey
	Status    DigestStatus
	ClaimedBy string
	ClaimedAt time.Time
	MessageID string
	Note      string
}

// OutboxKind is what an outbox message is.
type OutboxKind string

// Outbox kinds.
const (
	OutboxRecording  OutboxKind = "recording"  // a talk on the user's list has a recording now
	OutboxConference OutboxKind = "conference" // the team switched conference: tell the digest channels
)

// OutboxItem is a message waiting to be sent, at most once.
type OutboxItem struct {
	ID          int64
	WorkspaceID int64
	Platform    string
	Workspace   string
	Kind        OutboxKind
	User        User // the recipient of a recording notice
	Talk        Talk
	Conference  Conference // the new conference of a conference notice
	Channel     string
}

// DayReport is a conference day as the team logged it, for the digest:
// only what the whole team may read.
type DayReport struct {
	Day        string
	Talks      []DayTalk     // the team's talks of the day, in schedule order
	Highlights []TalkSummary // the day's best, best first
	Notes      []Note        // team notes on the day's talks, the best-rated talks' first
	Picks      []TalkSummary // talks someone missed that colleagues loved
	Recordings []Talk        // recordings that became available that day
	Counts     DayCounts
}

// DayTalk is a talk of the day with who attended it.
type DayTalk struct {
	TalkSummary
	Attendees []string // who attended, by display name
	Wanted    bool     // someone missed it or saved it for later, and has not watched it
}

// DayCounts are a day's numbers.
type DayCounts struct {
	Talks, Logs, Notes, People int
}

// Empty reports whether nothing was logged that day.
func (r DayReport) Empty() bool {
	return r.Counts.Logs == 0 && r.Counts.Notes == 0 && len(r.Recordings) == 0
}

// Location is the digest's time zone: its own, else the conference's.
func (d Digest) Location(c Conference) *time.Location {
	if d.Timezone != "" {
		if loc, err := LoadLocation(d.Timezone); err == nil {
			return loc
		}
	}
	return c.Location()
}

// Slot is when the digest of a local date (YYYY-MM-DD) goes out: its HH:MM
// on that date in loc. Built from the date, not by adding hours, so 18:00
// stays 18:00 across daylight-saving changes; a time the clocks skip (02:30
// on the spring-forward night) moves forward with them.
func (d Digest) Slot(day string, loc *time.Location) (time.Time, error) {
	date, err := time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return time.Time{}, err
	}
	at, err := time.Parse("15:04", d.At)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(date.Year(), date.Month(), date.Day(), at.Hour(), at.Minute(), 0, 0, loc), nil
}

// Covers is the conference day (YYYY-MM-DD, in the conference's zone) the
// digest posted at slot reports: the one in progress twelve hours before,
// so that 18:00 reports the day ending, a morning digest the day before,
// and a digest in a zone far from the conference's the conference day that
// has ended at its time (09:00 in Tokyo is 01:00 in Amsterdam: KubeCon's
// day before, not the one not yet begun).
// The twelve hours are the wall clock's, in the conference's zone: real
// hours would skip a day, or cover one twice, across a daylight-saving
// change for a digest near noon.
func (d Digest) Covers(slot time.Time, c Conference) string {
	t := slot.In(c.Location())
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour()-12, t.Minute(), 0, 0, time.UTC).Format(time.DateOnly)
}

// DayBounds returns the instants a local date (YYYY-MM-DD) starts and ends at in loc.
func DayBounds(day string, loc *time.Location) (from, to time.Time, err error) {
	from, err = time.ParseInLocation(time.DateOnly, day, loc)
	if err != nil {
		return from, to, err
	}
	return from, from.AddDate(0, 0, 1), nil
}

// DigestDay reports whether the conference has a digest on a local date:
// every day it runs and the day after it ends. A conference without dates
// has one any day something is logged.
func (c Conference) DigestDay(day string) bool {
	if c.StartsOn == "" {
		return true
	}
	end := c.EndsOn
	if end == "" {
		end = c.StartsOn
	}
	last, err := time.Parse(time.DateOnly, end)
	if err != nil {
		return false
	}
	return day >= c.StartsOn && day <= last.AddDate(0, 0, 1).Format(time.DateOnly)
}

type unattendedKey struct{}

// Unattended marks ctx as work no user waits on (a scheduled digest): it
// may wait for what a command would give up on, such as the LLM's lanes.
func Unattended(ctx context.Context) context.Context {
	return context.WithValue(ctx, unattendedKey{}, true)
}

// IsUnattended says whether ctx was marked by Unattended.
func IsUnattended(ctx context.Context) bool {
	v, _ := ctx.Value(unattendedKey{}).(bool)
	return v
}
