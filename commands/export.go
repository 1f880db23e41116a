package commands

import (
	"cmp"
	"time"

	"github.com/talkbot/talkbot"
)

// ExportFormat names the version of the JSON export.
const ExportFormat = "talkbot.export/v1"

// ExportDoc is the JSON export (PRODUCT.md §4): everything a user owns.
// Absent values are omitted, never invented.
type ExportDoc struct {
	Format      string             `json:"format"`
	User        ExportUser         `json:"user"`
	Conferences []ExportConference `json:"conferences"`
}

// ExportUser identifies whose data it is.
type ExportUser struct {
	Platform string `json:"platform"`
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	// The user's settings: who sees their notes by default (`privacy`), and
	// whether a recording of a talk on their lists sends a message (`notify`).
	DefaultVisibility string `json:"default_visibility,omitempty"`
	Notify            bool   `json:"notify"`
}

// ExportConference is a conference with the user's talks in it.
type ExportConference struct {
	Name      string       `json:"name"`
	Timezone  string       `json:"timezone"`
	StartsOn  string       `json:"starts_on,omitempty"`
	EndsOn    string       `json:"ends_on,omitempty"`
	VideosURL string       `json:"videos_url,omitempty"` // a playlist or channel of the recordings
	Talks     []ExportTalk `json:"talks"`
	// Journal is the user's notes on the conference itself (`journal`); omitted when none.
	Journal []ExportJournal `json:"journal,omitempty"`
}

// ExportJournal is one of the user's conference notes.
type ExportJournal struct {
	Text       string `json:"text"`
	Takeaway   bool   `json:"takeaway,omitempty"`
	Visibility string `json:"visibility"`
	CreatedAt  string `json:"created_at"`
}

// ExportTalk is a talk with the user's log and own notes.
type ExportTalk struct {
	ID       int64    `json:"id"`
	Title    string   `json:"title"`
	Speakers []string `json:"speakers,omitempty"` // plain names
	// SpeakerOrgs runs parallel to Speakers: the organisation of each
	// speaker, "" when unknown; omitted when none is known.
	SpeakerOrgs  []string `json:"speaker_orgs,omitempty"`
	Event        string   `json:"event,omitempty"`
	Room         string   `json:"room,omitempty"`
	Day          string   `json:"day,omitempty"`
	StartsAt     string   `json:"starts_at,omitempty"`
	EndsAt       string   `json:"ends_at,omitempty"`
	ScheduleURL  string   `json:"schedule_url,omitempty"`
	ScheduleID   string   `json:"schedule_id,omitempty"`
	RecordingURL string   `json:"recording_url,omitempty"`
	Links        []string `json:"links,omitempty"` // slides, repositories
	Tags         []string `json:"tags,omitempty"`
	Status       string   `json:"status"`
	MissedReason string   `json:"missed_reason,omitempty"`
	// ReasonPrivate says the reason was kept from the team.
	ReasonPrivate bool   `json:"missed_reason_private,omitempty"`
	WatchLater    bool   `json:"watch_later"`
	Watched       bool   `json:"watched"`
	Rating        int    `json:"rating,omitempty"`
	Starred       bool   `json:"starred"`
	LoggedAt      string `json:"logged_at,omitempty"`
	Presented     bool   `json:"presented,omitempty"`  // the user gave the talk
	SlidesURL     string `json:"slides_url,omitempty"` // their slides, when they said
	// RecommendedTo is whom the user recommended the talk to, by name;
	// "team" for the whole team. Omitted when they did not.
	RecommendedTo []string     `json:"recommended_to,omitempty"`
	Notes         []ExportNote `json:"notes"`
}

// ExportNote is one of the user's notes.
type ExportNote struct {
	Text       string `json:"text"`
	Visibility string `json:"visibility"`
	CreatedAt  string `json:"created_at"`
}

func exportDocument(ex talkbot.Export, platform string) ExportDoc {
	doc := ExportDoc{Format: ExportFormat, User: ExportUser{Platform: platform, ID: ex.User.ExternalID, Name: ex.User.Name,
		DefaultVisibility: string(ex.User.DefaultVisibility), Notify: ex.Notify}, Conferences: []ExportConference{}}
	for _, c := range ex.Conferences {
		loc := c.Location()
		ec := ExportConference{Name: c.Name, Timezone: c.Timezone, StartsOn: c.StartsOn, EndsOn: c.EndsOn, VideosURL: c.VideosURL, Talks: []ExportTalk{}}
		for _, t := range c.Talks {
			status := t.Log.Status
			if status == "" {
				status = talkbot.StatusNone
			}
			et := ExportTalk{ID: t.ID, Title: t.Title, Speakers: talkbot.SpeakerNames(t.Speakers), SpeakerOrgs: speakerOrgs(t.Speakers),
				Event: t.Event, Room: t.Room, Day: t.Day,
				StartsAt: zoned(t.StartsAt, loc), EndsAt: zoned(t.EndsAt, loc), ScheduleURL: t.ScheduleURL, ScheduleID: t.ScheduleID,
				RecordingURL: t.RecordingURL, Links: t.Links, Tags: t.Tags, Status: string(status), MissedReason: t.Log.Reason, ReasonPrivate: t.Log.ReasonPrivate,
				WatchLater: t.Log.WatchLater, Watched: t.Log.Watched, Rating: t.Log.Rating, Starred: t.Log.Starred,
				LoggedAt: zoned(t.Log.LoggedAt, time.UTC), Notes: []ExportNote{}}
			if p := t.Presentation; p != nil {
				et.Presented, et.SlidesURL = true, p.SlidesURL
			}
			for _, to := range t.RecommendedTo {
				et.RecommendedTo = append(et.RecommendedTo, cmp.Or(to, "team"))
			}
			for _, n := range t.Notes {
				et.Notes = append(et.Notes, ExportNote{Text: n.Text, Visibility: string(n.Visibility), CreatedAt: zoned(n.CreatedAt, time.UTC)})
			}
			ec.Talks = append(ec.Talks, et)
		}
		for _, e := range c.Journal {
			ec.Journal = append(ec.Journal, ExportJournal{Text: e.Text, Takeaway: e.Takeaway, Visibility: string(e.Visibility), CreatedAt: zoned(e.CreatedAt, time.UTC)})
		}
		doc.Conferences = append(doc.Conferences, ec)
	}
	return doc
}

// speakerOrgs is the organisations parallel to the speakers' names, or nil
// when no speaker's is known.
func speakerOrgs(ss []talkbot.Speaker) []string {
	var out []string
	known := false
	for _, s := range ss {
		out = append(out, s.Org)
		known = known || s.Org != ""
	}
	if !known {
		return nil
	}
	return out
}

func zoned(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339)
}
