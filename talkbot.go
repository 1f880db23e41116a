// Package talkbot holds the domain types shared by every layer of the bot:
// workspaces, users, conferences, talks, logs and notes, plus the error kinds
// that separate what a user may read from what is only logged.
package talkbot

import (
	"strings"
	"sync"
	"time"
)

// Platform names where a workspace lives.
const (
	PlatformConsole = "console"
	PlatformSlack   = "slack"
	PlatformMatrix  = "matrix"
)

// Status is what a user did about a talk.
type Status string

// The statuses a log can have.
const (
	StatusNone     Status = "none"
	StatusAttended Status = "attended"
	StatusMissed   Status = "missed"
)

// Visibility says who may read a note.
type Visibility string

// Note visibilities: team notes are seen by the workspace, private ones only by their author.
const (
	VisibilityTeam    Visibility = "team"
	VisibilityPrivate Visibility = "private"
)

// Limits on user input (PRODUCT.md §5).
const (
	MaxTitleLen  = 300
	MaxNoteLen   = 4000
	MaxTags      = 10
	MaxTagLen    = 32
	MaxFieldLen  = 300 // speakers, event, room
	MaxURLLen    = 2000
	MaxAbstract  = 10000
	MaxLineBytes = 16000
)

// LengthlessSession is how long a session the schedule gives no length (a
// frab duration of 00:00, a VEVENT with no end) counts as on.
const LengthlessSession = 30 * time.Minute

// User is one person within one workspace.
type User struct {
	ID                int64
	WorkspaceID       int64
	ExternalID        string // platform user id ("U123", "@alice:example.org", "alice")
	Name              string
	DefaultVisibility Visibility
	LastTalkID        int64 // the talk this user touched last; 0 when none
	ConferenceID      int64 // the user's own pick; 0 means the workspace's active one
}

// DefaultConferenceName names the conference talks go to before anyone sets one up.
const DefaultConferenceName = "General"

// Conference is a named event with dates and a time zone.
type Conference struct {
	ID          int64
	WorkspaceID int64
	Name        string
	StartsOn    string // YYYY-MM-DD, empty when unknown
	EndsOn      string // YYYY-MM-DD, empty when unknown
	Timezone    string // IANA zone name
	VideosURL   string // a playlist or channel with the conference's recordings

	ScheduleSource string    // where its schedule was imported from (a URL or a file name); empty when none was
	ImportedAt     time.Time // when it was last imported; zero when never
}

// Location returns the conference's time zone, UTC when it is unknown.
func (c Conference) Location() *time.Location {
	if loc, err := LoadLocation(c.Timezone); err == nil && c.Timezone != "" {
		return loc
	}
	return time.UTC
}

// locations holds the zones loaded so far, by name. time.LoadLocation reads
// and parses the zone's file each time, and commands ask for their
// conference's zone once or twice each. Only zones that exist, spelled as
// the zone database spells them, are kept (time.LoadLocation also takes
// "Europe/./Amsterdam" and endless others like it), so it holds a few
// hundred at the most.
var locations sync.Map // string → *time.Location

// LoadLocation is time.LoadLocation, remembered.
func LoadLocation(name string) (*time.Location, error) {
	if loc, ok := locations.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err == nil && zoneName(name) {
		locations.Store(name, loc)
	}
	return loc, err
}

// zoneName reports whether name is spelled as the zone database's names
// are: segments of letters, digits and "_+-" between single slashes.
func zoneName(name string) bool {
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" || strings.Trim(seg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-") != "" {
			return false
		}
	}
	return true
}

// Week returns the first and last dates (YYYY-MM-DD) of the conference's
// week: its dates, plus three days before for co-located events and two after.
// ok is false when the conference has no dates.
func (c Conference) Week() (from, to string, ok bool) {
	start, err := time.Parse(time.DateOnly, c.StartsOn)
	if err != nil {
		return "", "", false
	}
	end, err := time.Parse(time.DateOnly, c.EndsOn)
	if err != nil || end.Before(start) {
		end = start
	}
	return start.AddDate(0, 0, -3).Format(time.DateOnly), end.AddDate(0, 0, 2).Format(time.DateOnly), true
}

// Around reports whether the date (YYYY-MM-DD) falls within the conference's
// week (see Week). A conference without dates is around every day.
func (c Conference) Around(day string) bool {
	from, to, ok := c.Week()
	if !ok {
		return true
	}
	return day >= from && day <= to
}

// Speaker is a person giving a talk, with the organisation they speak for
// (empty when unknown).
type Speaker struct {
	Name string
	Org  string
}

// SpeakerNames returns the speakers' names.
func SpeakerNames(ss []Speaker) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Name
	}
	return out
}

// Talk is a session of a conference, shared by the whole workspace.
type Talk struct {
	ID           int64
	WorkspaceID  int64
	ConferenceID int64
	Title        string
	Speakers     []Speaker
	Event        string
	Room         string
	Day          string    // YYYY-MM-DD in the conference zone
	StartsAt     time.Time // zero when unknown
	EndsAt       time.Time
	ScheduleURL  string
	ScheduleID   string
	RecordingURL string
	Links        []string // other links: slides, repositories
	Abstract     string
	Tags         []string
	CreatedBy    int64
	CreatedAt    time.Time

	// Set by a schedule import (see ScheduleImport); zero on talks logged by hand.
	SourceID    string // the schedule's stable id of the session (iCal UID, frab guid, pretalx guid)
	Type        string // the schedule's session type ("Workshop", "devroom"), when it gives one
	NonTalk     bool   // a break, a meal, badge pick-up: kept out of highlights, suggestions and team views
	Cancelled   bool   // gone from the schedule at its last import
	DoNotRecord bool   // the speaker opted out of recording: no video will come from the conference
}

// Log is one user's record of one talk.
type Log struct {
	UserID int64
	TalkID int64
	Status Status
	Reason string // why the talk was missed
	// ReasonPrivate keeps Reason to its user, as a private note is kept.
	ReasonPrivate bool
	WatchLater    bool
	Watched       bool
	Rating        int // 1-5, 0 when unrated
	Starred       bool
	LoggedAt      time.Time
	UpdatedAt     time.Time
}

// Blank reports whether a log says nothing: no status, reason, rating, star
// or list of the user's holds the talk.
func (l Log) Blank() bool {
	return (l.Status == StatusNone || l.Status == "") && l.Reason == "" && !l.WatchLater && !l.Watched && l.Rating == 0 && !l.Starred
}

// SeenBy is a log as viewerID may read it: without a private reason of
// someone else's (viewerID 0, a reply others read, sees no private one).
func SeenBy(l Log, viewerID int64) Log {
	if l.ReasonPrivate && l.UserID != viewerID {
		l.Reason = ""
	}
	return l
}

// HighlightRating is the rating from which a talk is one of the user's
// highlights (starred talks are, whatever their rating). The store's SQL
// and its counter triggers follow the same rule.
const HighlightRating = 4

// Highlighted reports whether the log makes its talk one of the user's highlights.
func (l Log) Highlighted() bool { return l.Starred || l.Rating >= HighlightRating }

// Note is free text a user wrote about a talk.
type Note struct {
	ID         int64
	TalkID     int64
	UserID     int64
	UserName   string
	Text       string
	Visibility Visibility
	CreatedAt  time.Time
}

// JournalEntry is a note on a conference itself rather than a talk:
// attendance, the venue, hallway conversations ("10k+ attendees, rooms too
// small"), or a takeaway. Entries feed the wrap-up post: the intro, and
// "Thoughts and takeaways" for the takeaways.
type JournalEntry struct {
	ID           int64
	ConferenceID int64
	UserID       int64
	UserName     string
	Text         string
	Takeaway     bool
	Visibility   Visibility
	CreatedAt    time.Time
}

// Presentation says a user gave a talk, with a link to their slides when
// they gave one.
type Presentation struct {
	UserID    int64
	TalkID    int64
	SlidesURL string
	CreatedAt time.Time
}
