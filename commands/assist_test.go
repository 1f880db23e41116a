package commands_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/store"
)

// fakeAssistant answers like a model would, and remembers what it was given.
type fakeAssistant struct {
	mu        sync.Mutex
	given     []commands.TalkNotes
	questions []string
	tags      [][]string // the tags each question came with
	filters   commands.WatchFilters
	explain   func(cands []commands.WatchCandidate) []string
}

func (a *fakeAssistant) Summarize(_ context.Context, _ int64, talks []commands.TalkNotes) commands.Summary {
	a.mu.Lock()
	a.given = append(a.given, talks...)
	a.mu.Unlock()
	s := commands.Summary{Overall: "The team liked eBPF.", Credit: "Summarised by llm:fake."}
	for _, t := range talks {
		s.Talks = append(s.Talks, commands.TalkSummaryText{TalkID: t.TalkID, Text: "notes on " + t.Title})
	}
	s.Talks = append(s.Talks, commands.TalkSummaryText{TalkID: 9999, Text: "a talk the model made up"})
	return s
}

func (a *fakeAssistant) ParseQuestion(_ context.Context, q commands.WatchQuestion) commands.WatchFilters {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.questions = append(a.questions, q.Text)
	a.tags = append(a.tags, q.Tags)
	return a.filters
}

// Thinks says a model answers, as for a configured LLM.
func (a *fakeAssistant) Thinks() bool { return true }

func (a *fakeAssistant) Explain(_ context.Context, _ int64, _ string, cands []commands.WatchCandidate) []string {
	if a.explain == nil {
		return nil
	}
	return a.explain(cands)
}

func assisted(t *testing.T, a commands.Assistant) *fixture {
	t.Helper()
	f := &fixture{t: t, now: time.Date(2024, 11, 13, 17, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return f.now }
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "talkbot.db"), store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.store = st
	f.router = commands.New(commands.Config{Store: st, Now: clock, Assistant: a})
	return f
}

func TestSummaryGivesOnlyNotesTheAskerMayRead(t *testing.T) {
	a := &fakeAssistant{}
	f := assisted(t, a)
	f.ok("alice", "add eBPF Everywhere #ebpf -- alice's team note")
	f.ok("alice", "note --private alice's secret")
	f.ok("bob", "add eBPF Everywhere -- bob's team note")
	f.ok("bob", "note --private bob's secret")
	r := f.as("bob", "summary today")
	if r.Command != "summary" || r.Kind != commands.KindOK {
		t.Fatalf("summary: %v %s", r.Kind, r.Text())
	}
	var texts []string
	for _, tn := range a.given {
		for _, n := range tn.Notes {
			texts = append(texts, n.Author+": "+n.Text)
		}
	}
	want := []string{"alice: alice's team note", "bob: bob's team note", "bob: bob's secret"}
	if !slices.Equal(texts, want) {
		t.Errorf("the assistant got %q, want %q (never alice's private note)", texts, want)
	}
	text := r.Text()
	for _, w := range []string{"Summary of today's notes", "The team liked eBPF.", "#1 eBPF Everywhere", "notes on eBPF Everywhere", "Summarised by llm:fake."} {
		if !strings.Contains(text, w) {
			t.Errorf("the reply lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "made up") || !r.Private {
		t.Errorf("an invented talk reached the reply, or it is not marked private (it used bob's private note):\n%s", text)
	}
	if cmd, _ := f.router.Lookup("summary"); !cmd.Slow {
		t.Error("summary is not marked slow: it would not say it is working on it")
	}
	// Scopes.
	a.given = nil
	f.as("alice", "summary mine")
	for _, tn := range a.given {
		for _, n := range tn.Notes {
			if n.Author != "alice" {
				t.Errorf("summary mine included %s's note", n.Author)
			}
		}
	}
	if r := f.as("carol", "summary #nosuchtag"); !strings.Contains(r.Text(), "no notes to summarise") {
		t.Errorf("an empty scope: %s", r.Text())
	}
}

func TestWatchQuestionsNarrowTheRanking(t *testing.T) {
	a := &fakeAssistant{filters: commands.WatchFilters{Keywords: []string{"ebpf"}}}
	f := assisted(t, a)
	f.ok("bob", "add eBPF Everywhere 5/5")
	f.ok("bob", "add Helm Charts 5/5")
	f.ok("carol", "add Quiet eBPF Talk")
	r := f.as("alice", "anything on eBPF I missed?")
	if len(a.questions) != 1 || a.questions[0] != "anything on eBPF I missed?" {
		t.Errorf("questions asked = %q", a.questions)
	}
	got := r.Talks()
	if !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("talks = %v, want the two eBPF ones, the loved one first:\n%s", got, r.Text())
	}
	// Bare `watch` asks the assistant nothing.
	f.as("alice", "watch")
	if len(a.questions) != 1 {
		t.Errorf("bare watch asked the assistant: %q", a.questions)
	}
	// The assistant's lines replace the ranking's own, talk for talk.
	a.explain = func(cands []commands.WatchCandidate) []string {
		out := make([]string, len(cands))
		out[0] = "Bob loved it; it is the eBPF talk to watch."
		return out
	}
	r = f.as("alice", "what should I watch later on ebpf?")
	if !strings.Contains(r.Text(), "Bob loved it; it is the eBPF talk to watch.") || !strings.Contains(r.Text(), "you haven't seen it") {
		t.Errorf("explained:\n%s", r.Text())
	}
}

func TestWatchFiltersInTheStore(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver")
	f.ok("bob", "add eBPF Everywhere day:2024-11-13 #ebpf 5/5 https://youtu.be/ebpf1")
	f.ok("bob", "add Helm Charts day:2024-11-14 #helm 4/5")
	f.ok("bob", "add Flux Day Two day:2024-11-14 #gitops 4/5 https://youtu.be/flux1")
	u, err := f.store.User(context.Background(), talkbot.PlatformConsole, "local", "alice", "alice")
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.store.CurrentConference(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(fl talkbot.WatchFilters) []int64 {
		sg, _, err := f.store.WatchList(context.Background(), u, c.ID, fl, talkbot.Page{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, s := range sg {
			out = append(out, s.ID)
		}
		return out
	}
	for name, tc := range map[string]struct {
		f    talkbot.WatchFilters
		want []int64
	}{
		"everything, recordings and love first": {talkbot.WatchFilters{}, []int64{1, 3, 2}},
		"a keyword":                             {talkbot.WatchFilters{Keywords: []string{"helm"}}, []int64{2}},
		"a tag":                                 {talkbot.WatchFilters{Tags: []string{"gitops"}}, []int64{3}},
		"a weekday (the 14th is a Thursday)":    {talkbot.WatchFilters{Weekday: "thursday"}, []int64{3, 2}},
		"a day":                                 {talkbot.WatchFilters{Day: "2024-11-13"}, []int64{1}},
		"with a recording":                      {talkbot.WatchFilters{WithRecording: true}, []int64{1, 3}},
		"the best only":                         {talkbot.WatchFilters{MinRating: 5}, []int64{1}},
	} {
		if got := ids(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

// A question goes to the model with the tags the conference's talks carry,
// the most used first: a tag it made up ("security" where the team writes
// #sec) would otherwise narrow the list to nothing.
func TestAQuestionComesWithTheTeamsTags(t *testing.T) {
	a := &fakeAssistant{}
	f := assisted(t, a)
	f.ok("alice", "missed Zero Trust for Pods #sec")
	f.ok("bob", "add Pod Security Admission #sec #k8s")
	f.ok("bob", "add Gateway API #networking")
	f.ok("alice", "best security talks from Tuesday?")
	if len(a.tags) != 1 || fmt.Sprint(a.tags[0]) != "[sec k8s networking]" {
		t.Errorf("the question came with the tags %v", a.tags)
	}
}

// A summary covers at most 200 talks; past that it says so and how to ask
// for fewer. It had said "(200 talks)" of 205 and left five out unsaid.
func TestASummaryCutShortSaysSo(t *testing.T) {
	a := &fakeAssistant{}
	f := assisted(t, a)
	for i := range 205 {
		f.ok("alice", fmt.Sprintf("add Lightning talk %d -- note %d", i+1, i+1))
	}
	text := f.as("alice", "summary all").Text()
	if !strings.Contains(text, "the 200 talks with the most notes, of more") || !strings.Contains(text, "`summary today`") {
		t.Errorf("a summary cut short does not say so:\n%.300s", text)
	}
	if len(a.given) != 200 {
		t.Errorf("the assistant got %d talks, want 200", len(a.given))
	}
}

// A summary reads some 400,000 bytes of notes at most, the talks with the
// most notes first, and says so: a big team's week of long notes took 16 s
// and 2 GB to read, for a summary no model would be sent.
func TestASummaryReadsABoundedTextAndSaysSo(t *testing.T) {
	a := &fakeAssistant{}
	f := assisted(t, a)
	long := strings.Repeat("a long note on the talk ", 160) // 3,840 bytes
	for i := range 120 {
		f.ok("alice", fmt.Sprintf("add Deep dive %d -- %s", i+1, long))
	}
	text := f.as("alice", "summary all").Text()
	if !strings.Contains(text, "as many as one summary reads") || !strings.Contains(text, "`summary today`") {
		t.Errorf("a summary cut short does not say so:\n%.300s", text)
	}
	if n := len(a.given); n < 100 || n > 110 {
		t.Errorf("the assistant got %d talks, want the some 105 whose notes make 400,000 bytes", n)
	}
}

// `summary #12` of a talk of another conference summarises its notes, as
// `show #12` shows them: it had said there were none to summarise.
func TestSummaryOfAnotherConferencesTalkHasItsNotes(t *testing.T) {
	a := &fakeAssistant{}
	f := assisted(t, a)
	f.admin("alice", "conf new KubeCon EU 2025 2025-04-01..2025-04-04 Europe/London")
	f.ok("alice", "add eBPF Everywhere -- alice's team note")
	f.ok("bob", "add eBPF Everywhere -- bob's team note")
	f.admin("alice", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/Denver")
	text := f.ok("carol", "summary #1")
	if strings.Contains(text, "no notes to summarise") || !strings.Contains(text, "Summary of the notes on #1 — KubeCon EU 2025") ||
		!strings.Contains(text, "notes on eBPF Everywhere") {
		t.Errorf("summary #1 from KubeCon NA 2025:\n%s", text)
	}
	if len(a.given) != 1 || len(a.given[0].Notes) != 2 {
		t.Errorf("the assistant got %+v, want #1's two notes", a.given)
	}
}
