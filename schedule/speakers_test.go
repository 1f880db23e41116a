package schedule

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/talkbot/talkbot"
)

// labelled is one hand-labelled session title: testdata/sched_titles.jsonl
// holds the 596 SUMMARY lines of KubeCon EU 2026's Sched export and the
// speaker lines of the seed posts, each read and labelled by a person.
type labelled struct {
	Source   string `json:"source"`
	Summary  string `json:"summary"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Speakers []struct {
		Name string `json:"name"`
		Org  string `json:"org"`
	} `json:"speakers"`
}

func readLabels(t *testing.T) []labelled {
	t.Helper()
	f, err := os.Open("testdata/sched_titles.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l labelled
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("testdata line %d: %v", len(out)+1, err)
		}
		out = append(out, l)
	}
	return out
}

// spaces folds the no-break and zero-width spaces Sched leaves in titles.
var spaces = strings.NewReplacer("\u00a0", " ", "\u200b", "", "\u202f", " ")

func squash(s string) string { return strings.Join(strings.Fields(spaces.Replace(s)), " ") }

// TestSplitTitleOnRealSchedules checks the parser against every labelled
// title: at least 99% must come out exactly as the person read them.
func TestSplitTitleOnRealSchedules(t *testing.T) {
	labels := readLabels(t)
	if len(labels) < 600 {
		t.Fatalf("only %d labelled titles", len(labels))
	}
	misses := 0
	for i, l := range labels {
		title, got, ok := SplitTitle(spaces.Replace(l.Summary))
		var want []talkbot.Speaker
		for _, s := range l.Speakers {
			want = append(want, talkbot.Speaker{Name: squash(s.Name), Org: squash(s.Org)})
		}
		for j := range got {
			got[j].Name, got[j].Org = squash(got[j].Name), squash(got[j].Org)
		}
		wantTitle := squash(l.Title)
		if len(want) == 0 {
			wantTitle = squash(l.Summary)
		}
		if diff := cmp.Diff(want, got); diff != "" || squash(title) != wantTitle || ok != (len(want) > 0) {
			misses++
			t.Logf("line %d %q:\n  title %q, want %q\n  speakers (-want +got):\n%s", i+1, l.Summary, title, wantTitle, diff)
		}
	}
	rate := 1 - float64(misses)/float64(len(labels))
	t.Logf("%d of %d titles right (%.1f%%)", len(labels)-misses, len(labels), 100*rate)
	if rate < 0.99 {
		t.Errorf("only %.1f%% of real titles split right; want at least 99%%", 100*rate)
	}
}

func TestSplitTitle(t *testing.T) {
	sp := func(pairs ...string) []talkbot.Speaker {
		var out []talkbot.Speaker
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, talkbot.Speaker{Name: pairs[i], Org: pairs[i+1]})
		}
		return out
	}
	tests := []struct {
		in       string
		title    string
		speakers []talkbot.Speaker
	}{
		// The kinds of titles that went wrong before (issue 7).
		{"Node Resource Management: The Big Picture - Sascha Grunert & Swati Sehgal, Red Hat; Alexander Kanevskiy, Intel; Evan Lezar, NVIDIA",
			"Node Resource Management: The Big Picture", sp("Sascha Grunert", "Red Hat", "Swati Sehgal", "Red Hat", "Alexander Kanevskiy", "Intel", "Evan Lezar", "NVIDIA")},
		{"Gateway API - Antonio Ojea, Michelle Shepardson & Benjamin Elder, Google",
			"Gateway API", sp("Antonio Ojea", "Google", "Michelle Shepardson", "Google", "Benjamin Elder", "Google")},
		{"Pricing - Jane Doe, Vice President, Product, Acme", "Pricing", sp("Jane Doe", "Acme")},
		{"MCP Routing In Linkerd - Flynn, Buoyant", "MCP Routing In Linkerd", sp("Flynn", "Buoyant")},
		{"Seldon Core - Alejandro Saucedo, The Institute for Ethical AI & Machine Learning",
			"Seldon Core", sp("Alejandro Saucedo", "The Institute for Ethical AI & Machine Learning")},
		{"Opening Remarks - Kateryna Nezdolii, Isovalent, Erica Hughberg, and Chris Mazur, Tetrate",
			"Opening Remarks", sp("Kateryna Nezdolii", "Isovalent", "Erica Hughberg", "Tetrate", "Chris Mazur", "Tetrate")},
		{"Panel: Tales - Moderated by Jane Doe, Acme", "Panel: Tales", sp("Jane Doe", "Acme")},
		{"Open Policy Agent. (OPA) Intro & Deep Dive - Charlie Egan, Styra, Inc.", "Open Policy Agent. (OPA) Intro & Deep Dive", sp("Charlie Egan", "Styra, Inc.")},
		{"Flux Beyond Git: Harnessing the Power of OCI - Stefan Prodan & Hidde Beydals, Weaveworks.",
			"Flux Beyond Git: Harnessing the Power of OCI", sp("Stefan Prodan", "Weaveworks", "Hidde Beydals", "Weaveworks")},
		{"Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni",
			"Resize Your Pods In-Place With Deterministic eBPF Triggers", sp("Pablo Chico de Guzman", "", "Vinay Kulkarni", "")},
		{"The CRA - Greg Kroah-Hartman, Linux Kernel Maintainer & Fellow, The Linux Foundation", "The CRA", sp("Greg Kroah-Hartman", "The Linux Foundation")},
		{"One Controller to Rule Them All - Taming Multiple Orchestrators at Uber Scale - Srikar Paruchuru & Egor Grishechko, Uber",
			"One Controller to Rule Them All - Taming Multiple Orchestrators at Uber Scale", sp("Srikar Paruchuru", "Uber", "Egor Grishechko", "Uber")},
		// talkbot's own reply lines, pasted back.
		{"Resize Your Pods — Pablo Chico de Guzman & Vinay Kulkarni", "Resize Your Pods", sp("Pablo Chico de Guzman", "", "Vinay Kulkarni", "")},
		// Not speakers: the dash belongs to the title.
		{"KEDA - Real Time And Serverless Scaling in Kubernetes", "KEDA - Real Time And Serverless Scaling in Kubernetes", nil},
		{"Kubernetes — The Hard Way", "Kubernetes — The Hard Way", nil},
		{"Keynote - Closing Remarks", "Keynote - Closing Remarks", nil},
		{"Kubernetes für Anfänger - Eine Einführung", "Kubernetes für Anfänger - Eine Einführung", nil},
		{"Observabilidad - Las Buenas Prácticas", "Observabilidad - Las Buenas Prácticas", nil},
		{"eBPF入門 - 基礎から実践まで", "eBPF入門 - 基礎から実践まで", nil},
		{"eBPF入門 - 山田太郎, サイボウズ", "eBPF入門", sp("山田太郎", "サイボウズ")},
		// Names that are also articles somewhere.
		{"Scaling Envoy - Des Walsh, Google", "Scaling Envoy", sp("Des Walsh", "Google")},
		{"Kubernetes Security - Uma Thurman", "Kubernetes Security", sp("Uma Thurman", "")},
		{"Platform Teams - Les Hill & Una Murphy, Acme", "Platform Teams", sp("Les Hill", "Acme", "Una Murphy", "Acme")},
		{"ArgoCon Hosted by CNCF - Full-Day Event | ALL ACCESS PASS REQUIRED", "ArgoCon Hosted by CNCF - Full-Day Event | ALL ACCESS PASS REQUIRED", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			title, got, ok := SplitTitle(tt.in)
			if title != tt.title || ok != (tt.speakers != nil) {
				t.Errorf("title %q (ok %v), want %q", title, ok, tt.title)
			}
			if diff := cmp.Diff(tt.speakers, got); diff != "" {
				t.Errorf("speakers (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFormatSpeakersReadsBack: what talkbot writes after " — " in a reply
// reads back as the same speakers.
func TestFormatSpeakersReadsBack(t *testing.T) {
	n, misses := 0, 0
	for _, l := range readLabels(t) {
		if len(l.Speakers) == 0 {
			continue
		}
		n++
		var ss []talkbot.Speaker
		for _, s := range l.Speakers {
			ss = append(ss, talkbot.Speaker{Name: squash(s.Name), Org: squash(s.Org)})
		}
		line := "Some Talk — " + FormatSpeakers(ss)
		_, got, ok := SplitTitle(line)
		if !ok || !cmp.Equal(ss, got) {
			misses++ // two affiliations of one person cannot always be told from two people
			t.Logf("%q read back as %v", line, got)
		}
	}
	if misses*100 > n {
		t.Errorf("%d of %d speaker lists do not read back", misses, n)
	}
	for _, ss := range [][]talkbot.Speaker{
		{{Name: "Ana Lee", Org: "Acme"}, {Name: "Bo Chan", Org: "Acme"}},
		{{Name: "Ana Lee"}, {Name: "Bo Chan", Org: "Acme"}},
		{{Name: "Ana Lee", Org: "Acme"}, {Name: "Bo Chan"}},
		{{Name: "Ana Lee"}, {Name: "Bo Chan"}, {Name: "Cy Dorn"}},
		{{Name: "Ana Lee", Org: "Acme"}, {Name: "Bo Chan", Org: "Initech"}, {Name: "Cy Dorn", Org: "Acme"}},
	} {
		line := FormatSpeakers(ss)
		got, ok := ParseSpeakers(line)
		if !ok || !cmp.Equal(ss, got) {
			t.Errorf("FormatSpeakers(%v) = %q, which reads back as %v", ss, line, got)
		}
	}
}

func FuzzSplitTitle(f *testing.F) {
	f.Add("Title - Ana Lee, Acme & Bo Chan, Initech; Cy Dorn, Red Hat")
	f.Add("A - B, C, and D, E")
	f.Fuzz(func(t *testing.T, s string) {
		title, sp, ok := SplitTitle(s)
		if !ok {
			if title != s || sp != nil {
				t.Fatalf("no split, but title %q and speakers %v", title, sp)
			}
			return
		}
		if len(sp) == 0 || title == "" || len(title) >= len(s) {
			t.Fatalf("split %q into %q and %v", s, title, sp)
		}
		for _, x := range sp {
			if x.Name == "" {
				t.Fatalf("a speaker without a name in %q: %v", s, sp)
			}
		}
	})
}
