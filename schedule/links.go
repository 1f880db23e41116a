// Package schedule owns what talkbot knows about conference schedules: the
// links attendees paste (schedule pages, recordings, playlists), the Sched
// style of titles with their speakers, the schedule formats (Sched
// iCalendar, frab XML, pretalx JSON: Parse) and fetching them safely
// (Fetch).
package schedule

import (
	"net/url"
	"regexp"
	"strings"
)

// LinkKind says what a link points at.
type LinkKind int

// The kinds of links.
const (
	LinkOther     LinkKind = iota // slides, a repository, a project page
	LinkSchedule                  // a session's page on the conference schedule
	LinkRecording                 // one talk's video
	LinkPlaylist                  // many videos: a playlist or a channel
)

// Link is a URL that has been classified.
type Link struct {
	URL        string
	Kind       LinkKind
	ScheduleID string // the schedule's stable id of the session, for LinkSchedule
}

var (
	reSchedEvent  = regexp.MustCompile(`^/event/([A-Za-z0-9]+)`)
	reSchedShort  = regexp.MustCompile(`^/([A-Za-z0-9]+)/?$`)
	rePretalxTalk = regexp.MustCompile(`/talk/([A-Za-z0-9]+)/?$`)
	reFosdemEvent = regexp.MustCompile(`/schedule/event/([A-Za-z0-9_-]+)/?$`)
	reFrabEvent   = regexp.MustCompile(`/events/(\d+)(?:\.html)?/?$`)
	reVimeoVideo  = regexp.MustCompile(`^/(?:video/)?\d+/?$`)
	rePeerTube    = regexp.MustCompile(`^/(?:w/[A-Za-z0-9-]{10,}|videos/watch/[0-9a-fA-F-]{36})/?$`)
	rePeerTubeSet = regexp.MustCompile(`^/(?:w/p/[A-Za-z0-9]+|videos/watch/playlist/[0-9a-fA-F-]{36}|video-playlists/.+|[ac]/[^/]+/videos)/?$`)
)

// ClassifyLink tells a schedule link from a recording, a playlist or any other
// link. It expects an absolute http(s) URL (see CheckURL).
func ClassifyLink(u *url.URL) Link {
	l := Link{URL: u.String()}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	path := u.EscapedPath()
	switch {
	case strings.HasSuffix(host, ".sched.com") || host == "sched.com":
		if m := reSchedEvent.FindStringSubmatch(path); m != nil {
			l.Kind, l.ScheduleID = LinkSchedule, m[1]
		}
	case host == "sched.co": // Sched's short links: https://sched.co/182E3
		if m := reSchedShort.FindStringSubmatch(path); m != nil {
			l.Kind, l.ScheduleID = LinkSchedule, m[1]
		}
	case host == "youtube.com" || host == "m.youtube.com" || host == "music.youtube.com" || host == "youtube-nocookie.com":
		l.Kind = youTubeKind(u)
	case host == "youtu.be":
		l.Kind = LinkRecording
	case host == "vimeo.com" || host == "player.vimeo.com":
		if reVimeoVideo.MatchString(path) {
			l.Kind = LinkRecording
		} else if path != "/" && path != "" {
			l.Kind = LinkPlaylist // showcases, albums, channels, users
		}
	case host == "video.fosdem.org":
		if strings.HasSuffix(path, "/") || path == "" {
			l.Kind = LinkPlaylist // a directory of a year or a room
		} else {
			l.Kind = LinkRecording
		}
	case host == "media.ccc.de":
		switch {
		case strings.HasPrefix(path, "/v/"):
			l.Kind = LinkRecording
		case strings.HasPrefix(path, "/c/") || strings.HasPrefix(path, "/b/"):
			l.Kind = LinkPlaylist
		}
	case rePretalxTalk.MatchString(path):
		l.Kind, l.ScheduleID = LinkSchedule, rePretalxTalk.FindStringSubmatch(path)[1]
	case reFosdemEvent.MatchString(path):
		l.Kind, l.ScheduleID = LinkSchedule, reFosdemEvent.FindStringSubmatch(path)[1]
	case reFrabEvent.MatchString(path):
		l.Kind, l.ScheduleID = LinkSchedule, reFrabEvent.FindStringSubmatch(path)[1]
	case rePeerTube.MatchString(path): // any PeerTube instance
		l.Kind = LinkRecording
	case rePeerTubeSet.MatchString(path):
		l.Kind = LinkPlaylist
	}
	return l
}

func youTubeKind(u *url.URL) LinkKind {
	path := u.EscapedPath()
	q := u.Query()
	switch {
	case path == "/watch" && q.Get("v") != "":
		return LinkRecording // a video, even when it is played from a playlist
	case strings.HasPrefix(path, "/live/"), strings.HasPrefix(path, "/shorts/"), strings.HasPrefix(path, "/embed/"),
		strings.HasPrefix(path, "/v/"):
		return LinkRecording
	case path == "/playlist", strings.HasPrefix(path, "/@"), strings.HasPrefix(path, "/c/"),
		strings.HasPrefix(path, "/channel/"), strings.HasPrefix(path, "/user/"):
		return LinkPlaylist
	}
	return LinkOther
}

// BetterScheduleLink reports whether typed is a better spelling than have of
// one session's schedule link, to keep on the talk: a page over a short
// link (sched.co), https over http, no query over one ("?iframe=no").
func BetterScheduleLink(have, typed string) bool {
	rank := func(s string) int {
		u, err := url.Parse(s)
		if err != nil || s == "" {
			return -1
		}
		r := 0
		if strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.") != "sched.co" {
			r += 4
		}
		if u.Scheme == "https" {
			r += 2
		}
		if u.RawQuery == "" && u.Fragment == "" {
			r++
		}
		return r
	}
	return rank(typed) > rank(have)
}
