package store

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
)

// Undo records are stored as JSON, so they have types of their own: a
// renamed domain field must not silently break the records already stored.
// Their JSON names are the Go field names the first records were written
// with (they were plain domain structs then), so those records still read.

// undoRecord is what reverses one Change.
type undoRecord struct {
	TalkID      int64     `json:"talk_id"`
	TalkCreated bool      `json:"talk_created,omitempty"`
	TalkBefore  *undoTalk `json:"talk_before,omitempty"`
	// TalkAfter is the talk as the change left it: an undo puts back only
	// the fields that still hold what it wrote (records from before it
	// have none, and put the whole of TalkBefore back).
	TalkAfter      *undoTalk  `json:"talk_after,omitempty"`
	TalkDeleted    *undoTalk  `json:"talk_deleted,omitempty"`
	LogTouched     bool       `json:"log_touched,omitempty"`
	LogBefore      *undoLog   `json:"log_before,omitempty"`
	LogAfter       *undoLog   `json:"log_after,omitempty"`
	NotesAdded     []int64    `json:"notes_added,omitempty"`
	NotesDeleted   []undoNote `json:"notes_deleted,omitempty"`
	NotesEdited    []undoNote `json:"notes_edited,omitempty"` // as they were before
	RecsAdded      []int64    `json:"recs_added,omitempty"`
	LastTalkBefore int64      `json:"last_talk_before,omitempty"`
	// PassedOn says the change handed the talk's edit right on (its first
	// logger deleted their log) to PassedTo (0: nobody); undo hands it back
	// while the recipient still holds it.
	PassedOn bool  `json:"passed_on,omitempty"`
	PassedTo int64 `json:"passed_to,omitempty"`
	// VisibilityBefore is a `privacy` step's: the user's default before it.
	VisibilityBefore string `json:"visibility_before,omitempty"`
	// ConferenceBefore marks a conference switch (conf new, conf use),
	// which undo does not take back; it names the conference before, for
	// the way back. The step stops undo from reaching past it unnoticed.
	ConferenceBefore string `json:"conference_before,omitempty"`

	// The user's presentation of the talk: touched, and as it was (nil: none).
	PresentationTouched bool              `json:"presentation_touched,omitempty"`
	PresentationBefore  *undoPresentation `json:"presentation_before,omitempty"`
	// Conference notes (journal); a record of a journal change has no talk (TalkID 0).
	JournalAdded   []int64       `json:"journal_added,omitempty"`
	JournalDeleted []undoJournal `json:"journal_deleted,omitempty"`
	JournalEdited  []undoJournal `json:"journal_edited,omitempty"` // as they were before
}

type undoTalk struct {
	ID           int64        `json:"ID"`
	WorkspaceID  int64        `json:"WorkspaceID"`
	ConferenceID int64        `json:"ConferenceID"`
	Title        string       `json:"Title"`
	Speakers     undoSpeakers `json:"Speakers"`
	Event        string       `json:"Event"`
	Room         string       `json:"Room"`
	Day          string       `json:"Day"`
	StartsAt     time.Time    `json:"StartsAt"`
	EndsAt       time.Time    `json:"EndsAt"`
	ScheduleURL  string       `json:"ScheduleURL"`
	ScheduleID   string       `json:"ScheduleID"`
	RecordingURL string       `json:"RecordingURL"`
	Links        []string     `json:"Links,omitempty"`
	Abstract     string       `json:"Abstract"`
	Tags         []string     `json:"Tags"`
	CreatedBy    int64        `json:"CreatedBy"`
	CreatedAt    time.Time    `json:"CreatedAt"`
}

// undoSpeakers are written as {"name","org"} objects; records from before
// speakers had organisations hold plain "Name (Org)" strings.
type undoSpeakers []undoSpeaker

type undoSpeaker struct {
	Name string `json:"name"`
	Org  string `json:"org,omitempty"`
}

func (s *undoSpeakers) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(undoSpeakers, 0, len(raw))
	for _, r := range raw {
		var line string
		if err := json.Unmarshal(r, &line); err == nil {
			sp := decodeSpeakers(line)
			if len(sp) == 1 {
				out = append(out, undoSpeaker{Name: sp[0].Name, Org: sp[0].Org})
			}
			continue
		}
		var x undoSpeaker
		if err := json.Unmarshal(r, &x); err != nil {
			return err
		}
		out = append(out, x)
	}
	*s = out
	return nil
}

type undoLog struct {
	UserID     int64     `json:"UserID"`
	TalkID     int64     `json:"TalkID"`
	Status     string    `json:"Status"`
	Reason     string    `json:"Reason"`
	WatchLater bool      `json:"WatchLater"`
	Watched    bool      `json:"Watched"`
	Rating     int       `json:"Rating"`
	Starred    bool      `json:"Starred"`
	LoggedAt   time.Time `json:"LoggedAt"`
	UpdatedAt  time.Time `json:"UpdatedAt"`
	// Absent from records written before reasons had a visibility.
	ReasonPrivate bool `json:"ReasonPrivate,omitempty"`
}

type undoNote struct {
	ID         int64     `json:"ID"`
	TalkID     int64     `json:"TalkID"`
	UserID     int64     `json:"UserID"`
	Text       string    `json:"Text"`
	Visibility string    `json:"Visibility"`
	CreatedAt  time.Time `json:"CreatedAt"`
}

func toUndoTalk(t talkbot.Talk) *undoTalk {
	u := &undoTalk{ID: t.ID, WorkspaceID: t.WorkspaceID, ConferenceID: t.ConferenceID, Title: t.Title, Event: t.Event, Room: t.Room,
		Day: t.Day, StartsAt: t.StartsAt, EndsAt: t.EndsAt, ScheduleURL: t.ScheduleURL, ScheduleID: t.ScheduleID,
		RecordingURL: t.RecordingURL, Links: t.Links, Abstract: t.Abstract, Tags: t.Tags, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt}
	for _, s := range t.Speakers {
		u.Speakers = append(u.Speakers, undoSpeaker{Name: s.Name, Org: s.Org})
	}
	return u
}

func (u *undoTalk) talk() talkbot.Talk {
	t := talkbot.Talk{ID: u.ID, WorkspaceID: u.WorkspaceID, ConferenceID: u.ConferenceID, Title: u.Title, Event: u.Event, Room: u.Room,
		Day: u.Day, StartsAt: u.StartsAt, EndsAt: u.EndsAt, ScheduleURL: u.ScheduleURL, ScheduleID: u.ScheduleID,
		RecordingURL: u.RecordingURL, Links: u.Links, Abstract: u.Abstract, Tags: u.Tags, CreatedBy: u.CreatedBy, CreatedAt: u.CreatedAt}
	for _, s := range u.Speakers {
		t.Speakers = append(t.Speakers, talkbot.Speaker{Name: strings.TrimSpace(s.Name), Org: strings.TrimSpace(s.Org)})
	}
	return t
}

// LogStepPayload is the undo step of a change that took a user's log of a
// known talk from before to after, as the store records it: for generators
// of benchmark and test data (storegen), which load histories in bulk.
func LogStepPayload(before, after talkbot.Log, lastTalkBefore int64) (string, error) {
	b, err := json.Marshal(undoRecord{TalkID: after.TalkID, LogTouched: true, LogBefore: toUndoLog(before),
		LogAfter: toUndoLog(after), LastTalkBefore: lastTalkBefore})
	return string(b), err
}

func toUndoLog(l talkbot.Log) *undoLog {
	return &undoLog{UserID: l.UserID, TalkID: l.TalkID, Status: string(l.Status), Reason: l.Reason, WatchLater: l.WatchLater,
		Watched: l.Watched, Rating: l.Rating, Starred: l.Starred, LoggedAt: l.LoggedAt, UpdatedAt: l.UpdatedAt, ReasonPrivate: l.ReasonPrivate}
}

func (u *undoLog) log() talkbot.Log {
	return talkbot.Log{UserID: u.UserID, TalkID: u.TalkID, Status: talkbot.Status(u.Status), Reason: u.Reason, WatchLater: u.WatchLater,
		Watched: u.Watched, Rating: u.Rating, Starred: u.Starred, LoggedAt: u.LoggedAt, UpdatedAt: u.UpdatedAt, ReasonPrivate: u.ReasonPrivate}
}

func toUndoNote(n talkbot.Note) undoNote {
	return undoNote{ID: n.ID, TalkID: n.TalkID, UserID: n.UserID, Text: n.Text, Visibility: string(n.Visibility), CreatedAt: n.CreatedAt}
}

func (u undoNote) note() talkbot.Note {
	return talkbot.Note{ID: u.ID, TalkID: u.TalkID, UserID: u.UserID, Text: u.Text, Visibility: talkbot.Visibility(u.Visibility), CreatedAt: u.CreatedAt}
}
