package talkbot

import "time"

// Change is everything one command does to the data, applied by the store in
// one transaction and recorded so that undo can reverse it.
type Change struct {
	User  User
	Label string // what undo reports it reversed, e.g. "add #12"

	// The talk: an existing one by ID, or NewTalk to be found (same schedule
	// id or normalised title in its conference) or created.
	TalkID  int64
	NewTalk *Talk

	Log  LogPatch
	Note *NoteDraft
	Talk TalkPatch // fields to set
	Fill TalkPatch // fields to set only where the talk has none yet (a second user's add)

	RecommendTo   []int64 // user ids
	RecommendTeam bool    // to everyone in the workspace
	DeleteLog     bool    // drop the user's log and notes on the talk
}

// LogPatch sets the fields of the user's log that are not nil.
type LogPatch struct {
	Status     *Status
	Reason     *string
	WatchLater *bool
	Watched    *bool
	Rating     *int
	Starred    *bool
}

// Empty reports whether the patch sets nothing.
func (p LogPatch) Empty() bool { return p == LogPatch{} }

// NoteDraft is a note about to be written.
type NoteDraft struct {
	Text       string
	Visibility Visibility
}

// TalkPatch sets the fields of a talk that are not nil; AddTags are merged in.
type TalkPatch struct {
	Title        *string
	Speakers     *[]string
	Event        *string
	Room         *string
	Day          *string
	ScheduleURL  *string
	ScheduleID   *string
	RecordingURL *string
	Tags         *[]string
	AddTags      []string
}

// Outcome is what a Change left behind.
type Outcome struct {
	Talk        Talk
	Log         Log // the zero Log when it was deleted
	Created     bool
	TalkDeleted bool // DeleteLog removed the talk too: nobody else used it
	Note        *Note
}

// Forgotten counts what ForgetUser removed.
type Forgotten struct {
	Logs, Notes int
}

// ListQuery selects talks for `list`.
type ListQuery struct {
	WorkspaceID  int64
	ConferenceID int64
	ViewerID     int64
	Day          string // YYYY-MM-DD, empty for all days
	UserID       int64  // only talks this user logged; 0 for the whole team
	Tag          string
	WatchLater   bool // only the user's watch-later list
	Limit        int
}

// HighlightQuery selects talks for `highlights`.
type HighlightQuery struct {
	ConferenceID int64
	Day          string
	Tag          string
	UserID       int64 // only this user's highlights; 0 for the team's
	Limit        int
}

// TalkSummary is a talk as a list shows it, with the team's numbers and the
// viewer's (or listed user's) own log.
type TalkSummary struct {
	Talk
	Log            Log
	HighlightCount int
	StarCount      int
	RatingSum      int
	RatingCount    int
}

// AverageRating is the mean rating, 0 when nobody rated.
func (s TalkSummary) AverageRating() float64 {
	if s.RatingCount == 0 {
		return 0
	}
	return float64(s.RatingSum) / float64(s.RatingCount)
}

// SearchHit is a talk found by search, with the visible note that matched, if any.
type SearchHit struct {
	Talk
	Note *Note
}

// TalkDetail is one talk with everyone's logs and the notes the viewer may read.
type TalkDetail struct {
	Talk
	Logs  []UserLog
	Notes []Note
}

// UserLog is a log with the name of its user.
type UserLog struct {
	Log
	UserName string
}

// Reason says why a talk is suggested for watching.
type Reason string

// The reasons behind a watch suggestion, in the order they are listed.
const (
	ReasonWatchLater  Reason = "watch_later"
	ReasonMissed      Reason = "missed"
	ReasonRecommended Reason = "recommended"
	ReasonTeamRated   Reason = "team_rated"
)

// Suggestion is a talk worth watching and why.
type Suggestion struct {
	Talk
	Reason  Reason
	Detail  string    // the missed reason
	From    []string  // who recommended it
	Ratings []UserLog // colleagues who rated it 4-5
	Since   time.Time
}

// Export is everything a user owns (PRODUCT.md §4).
type Export struct {
	User        User
	Conferences []ExportConference
}

// ExportConference is one conference and the user's talks in it.
type ExportConference struct {
	Conference
	Talks []ExportTalk
}

// ExportTalk is a talk with the user's log and own notes.
type ExportTalk struct {
	Talk
	Log   Log
	Notes []Note
}
