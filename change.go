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

	Log      LogPatch
	Note     *NoteDraft
	EditNote *NoteEdit // change or delete one of the user's notes on the talk
	Talk     TalkPatch // fields to set
	Fill     TalkPatch // fields to set only where the talk has none yet (a second user's add)

	RecommendTo   []int64 // user ids
	RecommendTeam bool    // to everyone in the workspace
	DeleteLog     bool    // drop the user's log, notes and presentation of the talk

	// Present records that the user gave the talk (`presented`), with the
	// slides link it carries ("" keeps the one recorded before).
	Present *PresentDraft
}

// PresentDraft is a presentation about to be recorded.
type PresentDraft struct {
	SlidesURL string
}

// JournalChange is one change to a user's conference notes (`journal`):
// a new entry, or an edit, re-scoping or deletion of one of theirs. The
// store applies it in one transaction and records how to undo it.
type JournalChange struct {
	User         User
	ConferenceID int64
	Label        string
	New          *JournalEntry // Text, Takeaway and Visibility are read
	EditID       int64         // the entry to change, when New is nil
	Text         *string
	Visibility   *Visibility
	Takeaway     *bool
	Delete       bool
}

// JournalOutcome is what a JournalChange left behind.
type JournalOutcome struct {
	Entry     JournalEntry // as it is now (as it was, when deleted)
	Before    *JournalEntry
	Unchanged bool
}

// JournalQuery selects conference notes: those of one conference ViewerID
// may read (team entries, and their own private ones).
type JournalQuery struct {
	ConferenceID int64
	ViewerID     int64 // whose private entries count too; 0 for nobody's
	AuthorID     int64 // only this user's entries; 0 for everyone's
}

// Recommendation is one user's recommendation of a talk, to a colleague or
// (To 0) the whole team.
type Recommendation struct {
	TalkID   int64
	FromID   int64
	FromName string
	ToID     int64 // 0: the team
}

// NoteEdit changes one of the user's own notes: its text, its visibility, or
// deletes it.
type NoteEdit struct {
	NoteID     int64
	Text       *string
	Visibility *Visibility
	Delete     bool
}

// LogPatch sets the fields of the user's log that are not nil.
type LogPatch struct {
	Status *Status
	Reason *string
	// ReasonPrivate is the visibility of a Reason set (a reason alone has none).
	ReasonPrivate bool
	WatchLater    *bool
	Watched       *bool
	Rating        *int
	Starred       *bool
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
	Speakers     *[]Speaker
	Event        *string
	Room         *string
	Day          *string
	ScheduleURL  *string
	ScheduleID   *string
	RecordingURL *string
	Tags         *[]string
	AddTags      []string
	AddLinks     []string
}

// Outcome is what a Change left behind.
type Outcome struct {
	Talk        Talk
	Log         Log // the zero Log when it was deleted
	Created     bool
	TalkDeleted bool  // DeleteLog removed the talk too: nobody else used it
	Note        *Note // the note written or edited
	// Presentation is the user's presentation of the talk, when they gave it.
	Presentation *Presentation
	NoteBefore   *Note   // an edited or deleted note as it was
	Repeated     []int64 // recommendation recipients (0: the team) who had it from this user already
	// Unchanged says the change found everything already as asked: nothing
	// was written and no undo step recorded.
	Unchanged bool
}

// Forgotten counts what ForgetUser removed.
type Forgotten struct {
	Logs, Notes int
	Talks       int // talks the user had typed in that nobody else used
}

// Page selects a slice of a long list.
type Page struct {
	Offset int
	Limit  int
}

// Total is how many items a list has; past the store's counting cap, N is the
// cap and More is set ("more than N").
type Total struct {
	N    int
	More bool
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
	Page
}

// HighlightQuery selects talks for `highlights`.
type HighlightQuery struct {
	ConferenceID int64
	Day          string
	Tag          string
	UserID       int64 // only this user's highlights; 0 for the team's
	Page
}

// SearchQuery selects talks for `search`.
type SearchQuery struct {
	WorkspaceID  int64
	ConferenceID int64 // only talks of this conference; 0 for the whole workspace
	ViewerID     int64 // whose private notes may match; 0 for nobody's
	Text         string
	Page
}

// TalkSummary is a talk as a list shows it, with the team's numbers and the
// viewer's (or listed user's) own log.
type TalkSummary struct {
	Talk
	Log            Log
	Presented      bool // the log's user gave the talk
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
	UserName  string
	Presented bool // the user gave the talk
}

// Suggestion is a talk worth watching, with every reason that applies.
type Suggestion struct {
	Talk
	WatchLater    bool      // on the user's own watch-later list
	Missed        bool      // the user could not attend it
	MissedReason  string    // why, as they said
	ReasonPrivate bool      // MissedReason is theirs alone
	From          []string  // colleagues who recommended it
	Ratings       []UserLog // colleagues who starred it or rated it 4-5
	SharedTags    []string  // tags it shares with talks the user rated highly
	TeamScore     int       // the team's net enthusiasm for it
	BestRating    int       // the best rating a colleague gave it, read only for a question with a rating
	HasRecording  bool
	Since         time.Time // when the user put it on their list
	Score         float64   // how high it ranks
}

// Export is everything a user owns (PRODUCT.md §4).
type Export struct {
	User        User
	Notify      bool // a message when a talk on their lists gets a recording (`notify`)
	Conferences []ExportConference
}

// ExportConference is one conference and the user's talks in it.
type ExportConference struct {
	Conference
	Talks   []ExportTalk
	Journal []JournalEntry // the user's own conference notes, private ones included
}

// ExportTalk is a talk with the user's log and own notes.
type ExportTalk struct {
	Talk
	Log          Log
	Notes        []Note
	Presentation *Presentation // when the user gave the talk
	// RecommendedTo is whom the user recommended the talk to, by name;
	// "" stands for the whole team.
	RecommendedTo []string
}

// Undone is what Undo reversed, for the reply to say exactly that.
type Undone struct {
	Label        string // the command that made the change: "add", "rate", "note edit"
	Talk         Talk   // the talk as it is now
	TalkRemoved  bool   // the change had created the talk; nobody else used it, so it is gone
	TalkRestored bool   // the change had deleted the talk; it is back
	// Merged says the change had deleted the talk, and a colleague has
	// logged its session since as another talk: what was the user's on it
	// went onto that one (Talk).
	Merged      bool
	TalkChanged bool // the talk's shared fields went back to what they were
	// TalkKept says some of them did not: changed by others since, or back
	// they would make the talk another one's session.
	TalkKept bool
	TalkGone bool // the talk was deleted since the change: nothing was put back
	// VisibilityBack is the default visibility a `privacy` undo put back.
	VisibilityBack Visibility
	// ConferenceBefore is set when the last step was a conference switch,
	// which undo does not take back: the conference before it, by name.
	ConferenceBefore string
	LogBefore        *Log   // the user's log as it is again; nil when the change created it
	LogAfter         *Log   // the log the change had left; nil when it had deleted it
	NotesRemoved     []Note // notes the change had written, now gone
	NotesRestored    []Note // notes the change had deleted or edited, back as they were
	Recommendations  int    // recommendations taken back
	// Presentation says the user's presentation of the talk was put back
	// as it was (or taken away).
	PresentationChanged bool
	// PresentedBefore and PresentedAfter say whether the user gave the talk
	// with the log as it is again (LogBefore) and as the change had left it.
	PresentedBefore, PresentedAfter bool
	// JournalRemoved and JournalRestored are the conference notes the undo
	// took away and put back; a journal change has no talk (Talk.ID is 0).
	JournalRemoved  []JournalEntry
	JournalRestored []JournalEntry
}

// NotesQuery selects the notes a summary covers: those ViewerID may read
// (team notes, and their own private ones), about talks of the conference.
type NotesQuery struct {
	WorkspaceID  int64
	ConferenceID int64
	ViewerID     int64  // whose private notes count too; 0 for nobody's
	TalkID       int64  // one talk; 0 for any
	Day          string // talks of that day, YYYY-MM-DD
	Tag          string
	AuthorID     int64 // only this user's notes
	Limit        int   // talks at most
	// MaxText bounds the notes' text, in bytes: talks after the one that
	// reaches it are left out (0: no bound).
	MaxText int
}

// NotedTalk is a talk with the notes a query selected, oldest first.
type NotedTalk struct {
	Talk
	Notes []Note
}

// WatchFilters narrow the watch list; the zero value narrows nothing.
type WatchFilters struct {
	Keywords      []string // full-text words, any of which a talk's title, abstract or notes must hold
	Tags          []string // any of these tags
	Day           string   // YYYY-MM-DD
	Weekday       string   // "monday" … "sunday", in the conference's zone
	OnlyMissed    bool     // only talks the user missed or never attended
	MinRating     int      // colleagues' best rating at least this
	WithRecording bool     // only talks with a recording
}
