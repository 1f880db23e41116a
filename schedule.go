package talkbot

import "time"

// ScheduleImport is a conference's programme as a schedule file gives it,
// ready for the store to import in one transaction.
type ScheduleImport struct {
	Source string // where it came from: a URL, or a file name
	Format string // the file's format ("ical", "frab-xml", "frab-json")
	// Key is the schedule's own name for its conference (Sched's event slug,
	// frab's acronym): a re-import finds the conference by it.
	Key        string
	Conference Conference // name, dates and zone; ID and workspace are the store's
	// Sessions are the talks of the programme, each with its SourceID, its
	// Day and times in the conference's zone, and the fields the schedule
	// owns; IDs, workspace, conference and tags are the store's.
	Sessions []Talk
	// ChannelConferenceID is the conference of the channel the import is
	// typed in, when the channel has one of its own (0 otherwise): it stands
	// in for the user's current conference, and an import into it leaves
	// the team's conference where it is.
	ChannelConferenceID int64
}

// ImportResult says what an import did.
type ImportResult struct {
	Conference        Conference // as it now is
	ConferenceCreated bool
	Renamed           string // the placeholder name the conference had before ("General"), if the import renamed it
	LeftIn            string // the dateless conference the import did not take over: its talks are of other days

	New, Updated, Unchanged, Cancelled, Merged int
	// Examples of each, a few at most, in schedule order.
	NewTalks       []Talk
	UpdatedTalks   []TalkUpdate
	CancelledTalks []Talk
	MergedTalks    []TalkMerge
	// Unmatched are talks logged by hand whose title fits several sessions
	// of their day: left as they were, for their owners to pick.
	Unmatched int
}

// TalkUpdate is a scheduled talk a re-import changed, and which fields.
type TalkUpdate struct {
	Talk   Talk
	Fields []string // "title", "room", "time", "speakers", "recording", "back on the schedule", …
}

// TalkMerge is a talk logged by hand that an import joined to its session.
type TalkMerge struct {
	Talk      Talk   // the scheduled talk, as it now is
	WasID     int64  // the hand-logged talk's id; equal to Talk.ID when the talk itself became the scheduled one
	WasTitle  string // its title as it was typed
	MatchedBy string // "schedule link" or "title and day"
}

// ScheduleQuery selects the sessions `schedule` and `add now` show.
type ScheduleQuery struct {
	ConferenceID int64
	ViewerID     int64  // whose log each session comes with; colleagues are everyone else
	Day          string // YYYY-MM-DD; empty for any day
	// RunningFrom and RunningTo select sessions on during some of
	// [RunningFrom, RunningTo); zero for no such bound.
	RunningFrom, RunningTo time.Time
	// StartFrom and StartTo select sessions starting in [StartFrom, StartTo); zero for no such bound.
	StartFrom, StartTo time.Time
	Events             []string // only these tracks (Talk.Event); empty for all
	TalksOnly          bool     // leave out non-talk items and cancelled sessions
	Page
}

// ScheduledTalk is a session as `schedule` lists it: the viewer's own log,
// and which colleagues attended it or want to watch it.
type ScheduledTalk struct {
	Talk
	Log       Log      // the viewer's; the zero Log when they have none
	Presented bool     // the viewer gave the talk
	Attended  []string // colleagues who attended it, by name
	Want      []string // colleagues who have it on their watch-later list
}
