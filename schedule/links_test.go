package schedule

import (
	"net/url"
	"testing"
)

func TestClassifyLink(t *testing.T) {
	tests := []struct {
		url  string
		kind LinkKind
		id   string
	}{
		{"https://kccncna2022.sched.com/event/182HU", LinkSchedule, "182HU"},
		{"https://kccncna2022.sched.com/event/182HR?iframe=no", LinkSchedule, "182HR"},
		{"https://kccnceu2023.sched.com/event/1HyVB/node-resource-management", LinkSchedule, "1HyVB"},
		{"https://sched.co/1HyYu", LinkSchedule, "1HyYu"},
		{"https://cfp.cloud-native.rejekts.io/cloud-native-rejekts-na-detroit-2022/talk/8GP8QM/", LinkSchedule, "8GP8QM"},
		{"https://fosdem.org/2025/schedule/event/fosdem-2025-5853-rust-linters/", LinkSchedule, "fosdem-2025-5853-rust-linters"},
		{"https://fahrplan.events.ccc.de/congress/2023/fahrplan/events/12345.html", LinkSchedule, "12345"},
		{"https://www.youtube.com/watch?v=29yKJ1312AM", LinkRecording, ""},
		{"https://www.youtube.com/watch?v=29yKJ1312AM&list=PLj6h78yzYM2O1wlsM-Ma-RYhfT5LKq0XC", LinkRecording, ""},
		{"https://youtu.be/29yKJ1312AM", LinkRecording, ""},
		{"https://vimeo.com/123456789", LinkRecording, ""},
		{"https://video.fosdem.org/2025/ud2218a/fosdem-2025-5853.av1.webm", LinkRecording, ""},
		{"https://media.ccc.de/v/37c3-12345-some-talk", LinkRecording, ""},
		{"https://tube.example.org/w/9c9de5e8-0a1e-484a-b099-e80766180a6d", LinkRecording, ""},
		{"https://peertube.example.net/videos/watch/9c9de5e8-0a1e-484a-b099-e80766180a6d", LinkRecording, ""},
		{"https://www.youtube.com/playlist?list=PLj6h78yzYM2O1wlsM-Ma-RYhfT5LKq0XC", LinkPlaylist, ""},
		{"https://www.youtube.com/c/CloudNativeRejekts", LinkPlaylist, ""},
		{"https://www.youtube.com/@cncf", LinkPlaylist, ""},
		{"https://vimeo.com/showcase/1234", LinkPlaylist, ""},
		{"https://media.ccc.de/c/37c3", LinkPlaylist, ""},
		{"https://video.fosdem.org/2025/", LinkPlaylist, ""},
		{"https://kyverno.io/", LinkOther, ""},
		{"https://github.com/Shopify/kubeaudit", LinkOther, ""},
		{"https://speakerdeck.com/someone/slides", LinkOther, ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			got := ClassifyLink(u)
			if got.Kind != tt.kind || got.ScheduleID != tt.id {
				t.Errorf("ClassifyLink = kind %d id %q, want kind %d id %q", got.Kind, got.ScheduleID, tt.kind, tt.id)
			}
		})
	}
}

func TestBetterScheduleLink(t *testing.T) {
	for _, c := range []struct {
		have, typed string
		want        bool
	}{
		{"https://sched.co/182E3", "https://kccncna2022.sched.com/event/182E3", true},
		{"https://kccncna2022.sched.com/event/182E3", "http://kccncna2022.sched.com/event/182E3?iframe=no", false},
		{"http://kccncna2022.sched.com/event/182E3", "https://kccncna2022.sched.com/event/182E3", true},
		{"https://kccncna2022.sched.com/event/182E3", "https://sched.co/182E3", false},
		{"", "https://sched.co/182E3", true},
	} {
		if got := BetterScheduleLink(c.have, c.typed); got != c.want {
			t.Errorf("BetterScheduleLink(%q, %q) = %v, want %v", c.have, c.typed, got, c.want)
		}
	}
}
