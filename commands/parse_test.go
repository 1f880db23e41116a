package commands

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestSplitSchedTitle(t *testing.T) {
	tests := []struct {
		in       string
		title    string
		speakers []string
	}{
		{"Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni",
			"Resize Your Pods In-Place With Deterministic eBPF Triggers", []string{"Pablo Chico de Guzman", "Vinay Kulkarni"}},
		{"Official Kubernetes CRDs: Where to from here ? - Nick Young, Isovalent, Rob Scott, Google",
			"Official Kubernetes CRDs: Where to from here ?", []string{"Nick Young (Isovalent)", "Rob Scott (Google)"}},
		{"SIG Autoscaling Projects Update - Jack Francis, Microsoft", "SIG Autoscaling Projects Update", []string{"Jack Francis (Microsoft)"}},
		{"When Multitenancy Goes Wrong: A Deep Dive Into Kcp’s First CVE - Marko Mudrinić, Kubermatic & Marvin Beckers, ClickHouse",
			"When Multitenancy Goes Wrong: A Deep Dive Into Kcp’s First CVE", []string{"Marko Mudrinić (Kubermatic)", "Marvin Beckers (ClickHouse)"}},
		{"Keynote: The CRA and What it Means for Open Source Communities - Greg Kroah-Hartman, Linux Kernel Maintainer & Fellow, The Linux Foundation",
			"Keynote: The CRA and What it Means for Open Source Communities", []string{"Greg Kroah-Hartman (Linux Kernel Maintainer & Fellow, The Linux Foundation)"}},
		// Titles with " - " in them stay whole.
		{"KEDA - Real Time And Serverless Scaling in Kubernetes", "KEDA - Real Time And Serverless Scaling in Kubernetes", nil},
		{"Beyond Kubebuilder - Generating Entire Kubernetes Controller Implementations", "Beyond Kubebuilder - Generating Entire Kubernetes Controller Implementations", nil},
		{"Cilium - The Good Parts", "Cilium - The Good Parts", nil},
		{"No speakers here", "No speakers here", nil},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			title, speakers, _ := splitSchedTitle(tc.in)
			if title != tc.title || !cmp.Equal(speakers, tc.speakers) {
				t.Errorf("splitSchedTitle = %q %q, want %q %q", title, speakers, tc.title, tc.speakers)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		in   string
		want opts
	}{
		{"Cgroupv2 Is Coming Soon 5/5 #ebpf #Networking", opts{rating: 5, tags: []string{"ebpf", "networking"}}},
		{"*4 Title", opts{rating: 4}},
		{"Title ★★★☆☆", opts{rating: 3}},
		{"#12", opts{talkID: 12}},
		{"https://kccncna2022.sched.com/event/182HU?iframe=no Title", opts{scheduleURL: "https://kccncna2022.sched.com/event/182HU?iframe=no", scheduleID: "182HU"}},
		{"Title https://www.youtube.com/watch?v=29yKJ1312AM", opts{recordingURL: "https://www.youtube.com/watch?v=29yKJ1312AM"}},
		{"https://pretalx.com/mch2022/talk/ABC123/", opts{scheduleURL: "https://pretalx.com/mch2022/talk/ABC123/", scheduleID: "ABC123"}},
		{"Title speakers:Alice Smith, Bob Jones room:W183 event:Cloud Native Rejekts day:2022-10-24 tags:ebpf,security",
			opts{speakers: []string{"Alice Smith", "Bob Jones"}, hasSpeakers: true, room: "W183", event: "Cloud Native Rejekts",
				day: "2022-10-24", tags: []string{"ebpf", "security"}}},
		{`speakers:"Ana, Bo" Title`, opts{speakers: []string{"Ana", "Bo"}, hasSpeakers: true}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseOptions(tokenize(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			got.rest = nil
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
		{"Title — phone dash", "Title", "phone dash"},
		{"Title-with-dashes --flag", "Title-with-dashes --flag", ""},
		{`"Kubernetes — The Hard Way" 5/5 -- great`, `"Kubernetes — The Hard Way" 5/5`, "great"},
		{`“Quoted -- dash” and more`, `“Quoted -- dash” and more`, ""},
		{"-- only a note", "", "only a note"},
		{"Title --", "Title", ""},
	}
	for _, tc := range tests {
		head, free, _ := splitFreeText(tc.in)
		if head != tc.head || free != tc.free {
			t.Errorf("splitFreeText(%q) = %q, %q; want %q, %q", tc.in, head, free, tc.head, tc.free)
		}
	}
	for in, want := range map[string]string{"/talk add x": "add x", "!talk list": "list", "talk help": "help", "TALK help": "help", "talkative": "talkative", "list": "list"} {
		if got := stripPrefix(in); got != want {
			t.Errorf("stripPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanText(t *testing.T) {
	if _, err := cleanText("bad \xff utf8"); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
	got, err := cleanText("a\x00b\x1bc\td\ne\u200b")
	if err != nil || got != "abc d\ne" {
		t.Errorf("cleanText = %q, %v", got, err)
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
		head, _, _ := splitFreeText(stripPrefix(clean))
		o, err := parseOptions(tokenize(head))
		if err != nil {
			return
		}
		if o.rating < 0 || o.rating > 5 || len(o.tags) > 10 {
			t.Fatalf("parseOptions(%q) = rating %d, %d tags", head, o.rating, len(o.tags))
		}
		for _, tk := range o.rest {
			if !tk.quoted && isOptionToken(tk) {
				t.Fatalf("option token %q left in the title of %q", tk.text, head)
			}
		}
	})
}
