package commands

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/talkbot/talkbot"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		in   string
		want opts
	}{
		{"Cgroupv2 Is Coming Soon 5/5 #ebpf #Networking", opts{rating: 5, tags: []string{"ebpf", "networking"}}},
		{"*4 Title", opts{rating: 4}},
		{"Title ★★★☆☆", opts{rating: 3}},
		{"Kyverno demo https://kyverno.io/ https://github.com/kyverno/kyverno", opts{links: []string{"https://kyverno.io/", "https://github.com/kyverno/kyverno"}}},
		{"https://www.youtube.com/playlist?list=PL123", opts{playlist: "https://www.youtube.com/playlist?list=PL123"}},
		{"https://kccncna2022.sched.com/event/182HU?iframe=no Title", opts{scheduleURL: "https://kccncna2022.sched.com/event/182HU?iframe=no", scheduleID: "182HU"}},
		{"Title https://www.youtube.com/watch?v=29yKJ1312AM", opts{recordingURL: "https://www.youtube.com/watch?v=29yKJ1312AM"}},
		{"https://pretalx.com/mch2022/talk/ABC123/", opts{scheduleURL: "https://pretalx.com/mch2022/talk/ABC123/", scheduleID: "ABC123"}},
		{"Title speakers:Alice Smith, Bob Jones room:W183 event:Cloud Native Rejekts day:2022-10-24 tags:ebpf,security",
			opts{speakers: []talkbot.Speaker{{Name: "Alice Smith"}, {Name: "Bob Jones"}}, hasSpeakers: true, room: "W183", event: "Cloud Native Rejekts",
				day: "2022-10-24", tags: []string{"ebpf", "security"}}},
		{`speakers:"Ana, Bo" Title`, opts{speakers: []talkbot.Speaker{{Name: "Ana"}, {Name: "Bo"}}, hasSpeakers: true}},
		{`speakers:Ana Lee (Acme), Bo Chan Title`, opts{speakers: []talkbot.Speaker{{Name: "Ana Lee", Org: "Acme"}, {Name: "Bo Chan Title"}}, hasSpeakers: true}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseOptions(tokenize(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			got.rest, got.typed = nil, nil
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(opts{})); diff != "" {
				t.Errorf("parseOptions(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestParseOptionsRejects(t *testing.T) {
	for _, in := range []string{"Title 6/5", "Title 0/5", "*9", "★★★★★★", "day:2024-13-45", "day:tomorrow",
		"javascript://alert(1)", "ftp://example.org/x", "#" + strings.Repeat("a", 40), "tags:a,b,c,d,e,f,g,h,i,j,k", "room:"} {
		if _, err := parseOptions(tokenize(in)); err == nil {
			t.Errorf("parseOptions(%q) accepted it", in)
		}
	}
}

func TestSplitFreeTextAndPrefix(t *testing.T) {
	tests := []struct{ in, head, free string }{
		{"Title 5/5 -- mind slightly blown -- really", "Title 5/5", "mind slightly blown -- really"},
		{"Kubernetes — The Hard Way day:2023-04-21", "Kubernetes — The Hard Way day:2023-04-21", ""},
		{"Title-with-dashes --flag", "Title-with-dashes --flag", ""},
		{`"Kubernetes — The Hard Way" 5/5 -- great`, `"Kubernetes — The Hard Way" 5/5`, "great"},
		{`“Quoted -- dash” and more`, `“Quoted -- dash” and more`, ""},
		{"-- only a note", "", "only a note"},
		{"Title --", "Title", ""},
	}
	for _, tc := range tests {
		head, free, _, _ := splitFreeText(tc.in)
		if head != tc.head || free != tc.free {
			t.Errorf("splitFreeText(%q) = %q, %q; want %q, %q", tc.in, head, free, tc.head, tc.free)
		}
	}
	for in, want := range map[string]string{"/talk add x": "add x", "!talk list": "list", "talk help": "help", "TALK help": "help", "talkative": "talkative", "list": "list"} {
		if got := StripPrefix(in); got != want {
			t.Errorf("StripPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanText(t *testing.T) {
	if _, err := cleanText("bad \xff utf8"); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
	for in, want := range map[string]string{
		"a\x00b\x1bc\td\ne\u200b":            "abc d\ne",
		"Caf\u0065\u0301 Talk":               "Caf\u00e9 Talk",    // NFD becomes NFC
		"\u202eevil\u202c \u2066title\u2069": "evil title",        // bidirectional overrides and isolates go
		"עברית and العربية":                  "עברית and العربية", // right-to-left text itself stays
	} {
		if got, err := cleanText(in); err != nil || got != want {
			t.Errorf("cleanText(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestTrailingOptions(t *testing.T) {
	tests := []struct {
		in, text string
		options  []string
	}{
		{"loved it 5/5 #security", "loved it", []string{"5/5", "#security"}},
		{"double dash inside day:2023-04-21", "double dash inside", []string{"day:2023-04-21"}},
		{"see #12 for more", "see #12 for more", nil},
		{"slides at https://example.org/s.pdf", "slides at", []string{"https://example.org/s.pdf"}},
		{"ends with #12", "ends with #12", nil},
		{"5/5", "", []string{"5/5"}},
		{"rated 5/5 by everyone in the room", "rated 5/5 by everyone in the room", nil},
	}
	for _, tt := range tests {
		text, opts := trailingOptions(tt.in)
		var got []string
		for _, o := range opts {
			got = append(got, o.text)
		}
		if text != tt.text || !cmp.Equal(got, tt.options) {
			t.Errorf("trailingOptions(%q) = %q, %q; want %q, %q", tt.in, text, got, tt.text, tt.options)
		}
	}
}

func TestEditDistanceCountsSwaps(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"lsit", "list", 1}, {"list", "list", 0}, {"platfrom", "platform", 1}, {"edit", "lsit", 2}, {"", "abc", 3}, {"kitten", "sitting", 3}} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestScheduleID(t *testing.T) {
	for in, want := range map[string]string{
		"https://kcsna2024.sched.com/event/1nSgo/official-kubernetes-crds-where-to-from-here": "1nSgo",
		"https://fosdem.org/2025/schedule/event/fosdem-2025-4321-go-fuzzing/":                 "fosdem-2025-4321-go-fuzzing",
		"https://youtu.be/29yKJ1312AM": "",
	} {
		u, _ := url.Parse(in)
		if got, _ := scheduleID(u); got != want {
			t.Errorf("scheduleID(%s) = %q, want %q", in, got, want)
		}
	}
}

// FuzzTokens checks the parser's invariants on any input: no panic, option
// tokens never leak into the title, and limits hold.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{"add Title 5/5 #ebpf -- note", `"quoted “curly” title" speakers:"A, B"`, "★★★★★ *3 #12 https://x.sched.com/event/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		clean, err := cleanText(s)
		if err != nil {
			return
		}
		if !utf8.ValidString(clean) {
			t.Fatalf("cleanText returned invalid UTF-8 for %q", s)
		}
		head, _, _, _ := splitFreeText(StripPrefix(clean))
		o, err := parseOptions(tokenize(head))
		if err != nil {
			return
		}
		if o.rating < 0 || o.rating > 5 || len(o.tags) > 10 {
			t.Fatalf("parseOptions(%q) = rating %d, %d tags", head, o.rating, len(o.tags))
		}
		for _, tk := range o.rest {
			if !tk.quoted && isOptionToken(tk) && !reTalkID.MatchString(tk.text) { // a #12 is the reference's to read
				t.Fatalf("option token %q left in the title of %q", tk.text, head)
			}
		}
	})
}
