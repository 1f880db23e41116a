package schedule

import (
	"net/url"
	"path"
	"strings"

	"github.com/talkbot/talkbot"
)

// Import turns the schedule into what the store imports: the conference and
// one talk per session, each with the schedule id links to it carry and,
// unless the speaker opted out, one of its recordings. source says where
// the file came from.
func (s Schedule) Import(source string) talkbot.ScheduleImport {
	key := s.Conference.Acronym
	if key == "" {
		key = strings.ToLower(s.Conference.Name)
	}
	imp := talkbot.ScheduleImport{
		Source: source, Format: string(s.Format), Key: key,
		Conference: talkbot.Conference{Name: s.Conference.Name, StartsOn: s.Conference.StartsOn, EndsOn: s.Conference.EndsOn,
			Timezone: s.Conference.Timezone},
		Sessions: make([]talkbot.Talk, len(s.Sessions)),
	}
	for i, x := range s.Sessions {
		t := talkbot.Talk{
			Title: x.Title, Speakers: x.Speakers, Event: x.Track, Room: x.Room, Day: x.Day,
			StartsAt: x.StartsAt, EndsAt: x.EndsAt, ScheduleURL: x.URL, ScheduleID: x.SourceID, Abstract: x.Abstract,
			SourceID: x.SourceID, Type: x.Type, NonTalk: x.NonTalk, DoNotRecord: x.DoNotRecord, Cancelled: x.Cancelled,
		}
		if u, err := url.Parse(x.URL); err == nil && x.URL != "" {
			if l := ClassifyLink(u); l.Kind == LinkSchedule {
				t.ScheduleID = l.ScheduleID // what a pasted link of the session resolves to
			}
		}
		if !x.DoNotRecord {
			t.RecordingURL = bestRecording(x.Recordings)
		}
		imp.Sessions[i] = t
	}
	return imp
}

// bestRecording picks the link people can most easily watch: a video page
// (media.ccc.de, YouTube) before a file, and an MP4 before other files,
// which not every browser plays.
func bestRecording(links []string) string {
	best, bestRank := "", 0
	for _, l := range links {
		rank := 1
		if u, err := url.Parse(l); err == nil {
			switch ext := strings.ToLower(path.Ext(u.Path)); {
			case ext == "":
				rank = 4 // a page
			case ext == ".mp4":
				rank = 3
			case ext == ".webm":
				rank = 2
			}
		}
		if rank > bestRank {
			best, bestRank = l, rank
		}
	}
	return best
}
