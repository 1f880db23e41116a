package commands_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// The rules of "a week of real typing must never overwrite, merge or drop
// what people log", each with the case that went wrong and its counter-example.

// talkIDs are the ids a reply names ("#12"), exactly: #1 is not found in #12.
var reTalkRef = regexp.MustCompile(`#(\d+)\b`)

func talkIDs(s string) []string {
	var out []string
	for _, m := range reTalkRef.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func names(s string, id int) bool { return slices.Contains(talkIDs(s), fmt.Sprint(id)) }

// kubeconEU2023 is a fixture during KubeCon EU 2023, with alice as its admin.
func kubeconEU2023(t *testing.T) *fixture {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon EU 2023 2023-04-18..2023-04-21 Europe/Amsterdam")
	f.now = time.Date(2023, 4, 19, 15, 0, 0, 0, time.UTC)
	return f
}

func TestSimilarTitlesStayApart(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add SIG Node Intro and Deep Dive - Sergey Kanzhelev, Google 4/5")
	out := f.ok("alice", "missed SIG Network Intro and Deep Dive - Tim Hockin, Google -- room full")
	if !strings.Contains(out, "Missed new talk #2 SIG Network Intro and Deep Dive — Tim Hockin, Google") {
		t.Errorf("missed SIG Network:\n%s", out)
	}
	if node := f.exportedTalk("alice", 1); node.Status != "attended" || node.Rating != 4 {
		t.Errorf("the SIG Node talk became %s %d/5", node.Status, node.Rating)
	}
	if net := f.exportedTalk("alice", 2); net.Status != "missed" || net.MissedReason != "room full" || net.Day != "2023-04-19" {
		t.Errorf("the SIG Network talk = %+v", net)
	}
	// Fewer words, every one of them in the title: that talk, named in the reply.
	f.ok("bob", "add Writing your own Rust linter")
	if out := f.ok("carol", "add writing own rust linter *4"); !strings.Contains(out, "Logged #3 Writing your own Rust linter") {
		t.Errorf("a shorter title made a new talk:\n%s", out)
	}
	// A typo in a word still finds it.
	if out := f.ok("carol", "want Writng your own Rust lintr"); !names(out, 3) || strings.Contains(out, "new talk") {
		t.Errorf("a typo'd title:\n%s", out)
	}
}

// A version or number glued to a word is part of what the talk is: one
// digit off is another talk, never a typo (a user saw bob's IPv6 rating
// land on alice's IPv4 talk, and their own second talk dropped as
// "Already so").
func TestADigitOffIsAnotherTalk(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Dual-stack IPv4 Networking Deep Dive 4/5 -- v4 notes")
	out := f.ok("bob", "add Dual-stack IPv6 Networking Deep Dive 2/5 -- v6 notes")
	if !strings.Contains(out, "Logged new talk #2 Dual-stack IPv6 Networking Deep Dive") {
		t.Errorf("bob's IPv6 talk:\n%s", out)
	}
	if v4 := f.exportedTalk("alice", 1); v4.Rating != 4 {
		t.Errorf("alice's IPv4 talk is now %d/5", v4.Rating)
	}
	for i, title := range []string{"Cgroupv1 Migration Stories", "Cgroupv2 Migration Stories", "Day1 Keynote", "Day2 Keynote",
		"Scaling Session Number1", "Scaling Session Number12"} {
		if out := f.ok("carol", "add "+title); !strings.Contains(out, fmt.Sprintf("Logged new talk #%d %s", 3+i, title)) {
			t.Errorf("add %s:\n%s", title, out)
		}
	}
	// A typo in the letters of such a word still finds the talk.
	if out := f.ok("dave", "add Cgroupv2 Migraton Stories"); !strings.Contains(out, "Logged #4 Cgroupv2 Migration Stories") {
		t.Errorf("a typo beside the digits:\n%s", out)
	}
}

// `want` on a talk watched already puts it back on the watch-later list,
// as its reply says; before, the reply said so and the list stayed empty.
func TestWantAfterWatchedIsOnTheList(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "missed Cluster API Deep Dive -- room full")
	f.ok("alice", "watched Cluster API Deep Dive")
	if out := f.ok("alice", "want Cluster API Deep Dive"); !strings.Contains(out, "On your watch-later list") {
		t.Fatalf("want:\n%s", out)
	}
	if out := f.ok("alice", "list watch"); !names(out, 1) {
		t.Errorf("list watch after want:\n%s", out)
	}
	if got := f.exportedTalk("alice", 1); !got.WatchLater || got.Watched {
		t.Errorf("export: watch_later %v, watched %v", got.WatchLater, got.Watched)
	}
	f.ok("alice", "undo")
	if got := f.exportedTalk("alice", 1); got.WatchLater || !got.Watched {
		t.Errorf("after undo: watch_later %v, watched %v", got.WatchLater, got.Watched)
	}
}

func TestSeveralCandidatesAskBackAndChangeNothing(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Cilium Project Update")
	f.ok("alice", "add Envoy Project Update")
	r := f.as("bob", "missed Project Update -- room full")
	if r.Kind != commands.KindQuestion {
		t.Fatalf("missed Project Update: kind %v\n%s", r.Kind, r.Text())
	}
	for _, want := range []string{"#1 Cilium Project Update", "#2 Envoy Project Update", "`missed #1 -- room full`", "`missed \"Project Update\" day:2023-04-19 -- room full` for a different talk"} {
		if !strings.Contains(r.Text(), want) {
			t.Errorf("the question lacks %q:\n%s", want, r.Text())
		}
	}
	if doc := f.export("bob"); len(doc.Conferences) != 0 {
		t.Errorf("asking back logged something: %+v", doc.Conferences)
	}
	// Answering with the id does it.
	if out := f.ok("bob", "missed #1 -- room full"); !strings.Contains(out, "Missed #1 Cilium Project Update") {
		t.Errorf("the answer:\n%s", out)
	}
}

// A title known only on another day asks about that one talk, in words
// that fit one ("Several talks match" above a single choice read wrong).
func TestOneSessionOnAnotherDayIsAskedAbout(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Keynote day:2023-04-18")
	r := f.as("bob", "add Keynote")
	if r.Kind != commands.KindQuestion || !strings.Contains(r.Text(), "One talk matches “Keynote”. Did you mean it?") || !names(r.Text(), 1) {
		t.Errorf("add Keynote the day after: kind %v\n%s", r.Kind, r.Text())
	}
}

// Attending a talk logged as missed drops the reason it was missed for; a
// reason goes only on a missed talk (an export said attended, "room full").
func TestAReasonIsOnlyForAMissedTalk(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "missed Cluster API Deep Dive -- room full")
	f.ok("alice", "add Cluster API Deep Dive 4/5")
	if got := f.exportedTalk("alice", 1); got.Status != "attended" || got.MissedReason != "" {
		t.Errorf("after add: %s, missed reason %q", got.Status, got.MissedReason)
	}
	if r := f.as("alice", "edit #1 reason:clash"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "not logged #1 as missed") {
		t.Errorf("edit reason on an attended talk: kind %v\n%s", r.Kind, r.Text())
	}
	f.ok("alice", "undo")
	if got := f.exportedTalk("alice", 1); got.Status != "missed" || got.MissedReason != "room full" {
		t.Errorf("after undo: %s, missed reason %q", got.Status, got.MissedReason)
	}
	if out := f.ok("alice", "edit #1 reason:clash"); !strings.Contains(out, "Updated") || !strings.Contains(out, "clash") {
		t.Errorf("edit reason on a missed talk:\n%s", out)
	}
	if got := f.exportedTalk("alice", 1); got.MissedReason != "clash" {
		t.Errorf("the reason is %q, want clash", got.MissedReason)
	}
}

// An edit never makes two talks of one session: the same title on the
// same day is one talk (edit #1 day: had left two "Keynote"s on one day,
// between which every later add could only ask).
func TestAnEditNeverMakesTwoTalksOfOneSession(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Keynote day:2023-04-19 4/5")
	f.ok("alice", "add Keynote day:2023-04-20 2/5")
	f.ok("alice", "add Other Talk day:2023-04-20")
	for _, in := range []string{"edit #1 day:2023-04-20", "edit #3 title:keynote"} {
		if r := f.as("alice", in); r.Kind != commands.KindError || !strings.Contains(r.Text(), "the same session as #2 Keynote") {
			t.Errorf("%s: kind %v\n%s", in, r.Kind, r.Text())
		}
	}
	if d := f.exportedTalk("alice", 1).Day; d != "2023-04-19" {
		t.Errorf("#1 moved to %s", d)
	}
	if out := f.ok("alice", "edit #1 day:2023-04-21"); !strings.Contains(out, "Updated #1 Keynote") {
		t.Errorf("a day with no keynote:\n%s", out)
	}
	// A talk with no day is the same session as one of its title on any day.
	if r := f.as("alice", "edit #2 day:"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "the same session as #1 Keynote") {
		t.Errorf("edit #2 day: (no day): kind %v\n%s", r.Kind, r.Text())
	}
}

// Naming a talk by another spelling of its schedule link (http, a query)
// leaves the link it has: it had been replaced by the variant typed.
func TestAnotherSpellingOfTheLinkKeepsTheTalksLink(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "missed https://kccncna2022.sched.com/event/182E3 -- room full")
	if out := f.ok("alice", "add http://kccncna2022.sched.com/event/182E3?iframe=no"); !strings.Contains(out, "Logged #1 ") {
		t.Fatalf("add by the variant:\n%s", out)
	}
	if got := f.exportedTalk("alice", 1).ScheduleURL; got != "https://kccncna2022.sched.com/event/182E3" {
		t.Errorf("the talk's schedule link is now %s", got)
	}
}

func TestSameTitleOnAnotherDayIsAnotherSession(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Keynote day:2023-04-19 -- numbers: 10,000 people")
	out := f.ok("alice", "add Keynote day:2023-04-20 -- Paris next year")
	if !strings.Contains(out, "Logged new talk #2 Keynote") || !strings.Contains(out, "2023-04-20") {
		t.Errorf("day 2's keynote:\n%s", out)
	}
	if d1 := f.exportedTalk("alice", 1); len(d1.Notes) != 1 || d1.Day != "2023-04-19" {
		t.Errorf("day 1's keynote = %+v", d1)
	}
	// Logging "Keynote" on day 3, having attended the others: a new session today.
	f.now = time.Date(2023, 4, 21, 9, 0, 0, 0, time.UTC)
	if out := f.ok("alice", "add Keynote"); !strings.Contains(out, "Logged new talk #3 Keynote") {
		t.Errorf("day 3's keynote:\n%s", out)
	}
	// Bob attended none: for him "Keynote" on day 3 is day 3's talk.
	if out := f.ok("bob", "add Keynote"); !strings.Contains(out, "Logged #3 Keynote") {
		t.Errorf("bob's keynote:\n%s", out)
	}
	// Carol logging day 1's keynote on day 3 by title is asked which one.
	f.ok("dave", "add Closing Party day:2023-04-20")
	if r := f.as("carol", "add Closing Party"); r.Kind != commands.KindQuestion || !strings.Contains(r.Text(), "`add #4`") {
		t.Errorf("carol's closing party:\n%s", r.Text())
	}
}

func TestHashNumberInsideATitleIsText(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add First Talk")
	out := f.ok("alice", "add Top #1 Kubernetes Mistakes -- so many")
	if !strings.Contains(out, "Logged new talk #2 Top #1 Kubernetes Mistakes") {
		t.Errorf("a #1 inside a title:\n%s", out)
	}
	if first := f.exportedTalk("alice", 1); len(first.Notes) != 0 {
		t.Errorf("the note went on #1: %+v", first.Notes)
	}
	// Alone, #1 is still a reference.
	if out := f.ok("alice", "want #1"); !strings.Contains(out, "#1 First Talk") {
		t.Errorf("want #1:\n%s", out)
	}
	// A reply line pasted back after #id names that talk.
	if out := f.ok("bob", "show #2 Top #1 Kubernetes Mistakes"); !strings.HasPrefix(out, "#2 Top #1 Kubernetes Mistakes") {
		t.Errorf("a pasted reply line:\n%s", out)
	}
}

// "missed #1 clash" was read as the title "#1 clash", and a new talk of
// that name took the miss while #1 stayed attended: words after a talk's
// id that are not its title are refused, with the command meant.
func TestWordsAfterATalkIDAreAskedAbout(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Kubernetes at Scale 4/5")
	for _, tc := range []struct{ cmd, want string }{
		{"missed #1 clash", "`missed #1 -- clash`"},
		{"add #1 great talk", "`add #1 -- great talk`"},
		{"presented #1 thanks", "`presented #1 -- thanks`"},
		{"want #1 for the flight home", "`want #1 -- for the flight home`"},
		{"delete #1 now", "`delete #1`"},
		{"recommend #1 bob", "`recommend #1 @name`"},
		{"add #99 Problems", "`add \"#99 Problems\"`"},
		{"star #1 wow", "“wow”"},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			if r := f.as("alice", tc.cmd); r.Kind != commands.KindError || !strings.Contains(r.Text(), tc.want) {
				t.Errorf("%s:\n%s", tc.cmd, r.Text())
			}
		})
	}
	doc := f.export("alice")
	if talks := doc.Conferences[0].Talks; len(talks) != 1 || talks[0].Status != "attended" || talks[0].Rating != 4 || len(talks[0].Notes) != 0 {
		t.Errorf("alice's log changed: %+v", talks)
	}
	// What the refusal suggests does what was meant.
	f.ok("alice", "missed #1 -- clash")
	if got := f.exportedTalk("alice", 1); got.Status != "missed" || got.MissedReason != "clash" {
		t.Errorf("missed #1 -- clash: %+v", got)
	}
	// A quoted title that starts with a number is a title.
	if out := f.ok("alice", `add "#99 Problems"`); !strings.Contains(out, "Logged new talk #2 #99 Problems") {
		t.Errorf("a quoted #99 title:\n%s", out)
	}
}

// The first logger may fill in and change a talk's details with `add`, as
// with `edit`: the reply says what it replaced (the talk is everyone's),
// and a day that would make it another session's twin is refused.
func TestAddThatChangesATalkSaysSo(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Keynote day:2023-04-19 room:Hall A")
	f.ok("alice", "add Keynote day:2023-04-20")
	if out := f.ok("alice", "add #1 room:Hall B"); !strings.Contains(out, "Changed for everyone: room was Hall A.") {
		t.Errorf("a room replaced:\n%s", out)
	}
	if out := f.ok("alice", "add #1 event:Main"); strings.Contains(out, "Changed") {
		t.Errorf("an empty event filled in:\n%s", out)
	}
	r := f.as("alice", "add #1 day:2023-04-20")
	if r.Kind != commands.KindError || !strings.Contains(r.Text(), "#2") {
		t.Errorf("add #1 onto #2's day:\n%s", r.Text())
	}
	if got := f.exportedTalk("alice", 1); got.Day != "2023-04-19" || got.Room != "Hall B" {
		t.Errorf("#1 is now %s in %s", got.Day, got.Room)
	}
}

// Logging works before anyone sets a conference up (the talks go to
// General); the admin's first `conf new` must not leave them behind, where
// list, highlights, the digest and the post of the new conference never
// look. It takes them over when their days fit its week, and says so;
// otherwise it says where they stay.
func TestTheFirstConferenceKeepsWhatWasLoggedBefore(t *testing.T) {
	f := newFixture(t)
	f.now = time.Date(2026, 3, 24, 10, 0, 0, 0, time.UTC)
	f.ok("bob", "add Opening Keynote 5/5 -- great")
	if out := f.admin("alice", "conf new KubeCon EU 2026 2026-03-23..2026-03-26 Europe/Amsterdam"); !strings.Contains(out, "with the talks logged so far") {
		t.Errorf("conf new:\n%s", out)
	}
	f.ok("bob", "add Second Talk 4/5")
	if out := f.ok("bob", "list"); !strings.Contains(out, "KubeCon EU 2026") || !names(out, 1) || !names(out, 2) {
		t.Errorf("bob's list:\n%s", out)
	}
	if out := f.ok("bob", "highlights"); !names(out, 1) {
		t.Errorf("bob's highlights:\n%s", out)
	}

	g := newFixture(t)
	g.now = f.now
	g.ok("bob", "add Opening Keynote 5/5")
	if out := g.admin("alice", "conf new KubeCon NA 2026 2026-11-09..2026-11-12 America/Los_Angeles"); !strings.Contains(out, "stay under General: `conf use General`") {
		t.Errorf("conf new for another week:\n%s", out)
	}
	if out := g.ok("bob", "conf list"); !strings.Contains(out, "General") {
		t.Errorf("conf list:\n%s", out)
	}
}

// A talk the user gave says so where their log is shown, not "attended".
func TestAPresentedTalkSaysPresented(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Kubernetes at Scale 4/5")
	f.ok("bob", "add Kubernetes at Scale")
	f.ok("alice", "presented #1 https://speakerdeck.com/alice/k8s-at-scale")
	if out := f.ok("alice", "list"); !strings.Contains(out, "presented, ★★★★☆ 4/5") || strings.Contains(out, "attended") {
		t.Errorf("alice's list:\n%s", out)
	}
	out := f.ok("bob", "show #1")
	if !strings.Contains(out, "alice: presented, ★★★★☆ 4/5") || !strings.Contains(out, "bob: attended") {
		t.Errorf("bob's show:\n%s", out)
	}
	if out := f.ok("bob", "list"); !strings.Contains(out, "attended") || strings.Contains(out, "presented") {
		t.Errorf("bob's list:\n%s", out)
	}
	f.ok("alice", "rate #1 5")
	if out := f.ok("alice", "undo"); !strings.Contains(out, "back to presented, ★★★★☆ 4/5 (it was presented, ★★★★★ 5/5)") {
		t.Errorf("alice's undo of a rating:\n%s", out)
	}
}

func TestUnicodeFormsAreOneTalk(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Caf\u00e9 Culture at Scale")       // NFC: é as one code point
	out := f.ok("bob", "add Cafe\u0301 Culture at Scale") // NFD: e and a combining accent
	if !strings.Contains(out, "Logged #1") {
		t.Errorf("the NFD title made another talk:\n%s", out)
	}
	f.ok("alice", "add \u202eTrojan\u202c Source \u2066Review\u2069")
	if got := f.exportedTalk("alice", 2).Title; got != "Trojan Source Review" {
		t.Errorf("bidirectional overrides kept: %q", got)
	}
}

func TestOptionsAfterTheNoteStillCount(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Some Great Talk -- loved it 5/5 #security")
	got := f.exportedTalk("alice", 1)
	if got.Rating != 5 || !slices.Equal(got.Tags, []string{"security"}) || len(got.Notes) != 1 || got.Notes[0].Text != "loved it" {
		t.Errorf("rating %d tags %v notes %+v", got.Rating, got.Tags, got.Notes)
	}
	f.ok("alice", "add Title with -- double dash inside day:2023-04-21")
	if got := f.exportedTalk("alice", 2); got.Title != "Title with" || got.Day != "2023-04-21" || got.Notes[0].Text != "double dash inside" {
		t.Errorf("title %q day %q notes %+v", got.Title, got.Day, got.Notes)
	}
	// An em dash is part of the title.
	f.ok("alice", "add Kubernetes — The Hard Way day:2023-04-21")
	if got := f.exportedTalk("alice", 3); got.Title != "Kubernetes — The Hard Way" || len(got.Notes) != 0 || got.Day != "2023-04-21" {
		t.Errorf("em dash: %+v", got)
	}
}

func TestPastedReplyLineFindsTheTalk(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni")
	// The way replies write it now, and the way they used to.
	for _, line := range []string{
		"show Resize Your Pods In-Place With Deterministic eBPF Triggers — Pablo Chico de Guzman & Vinay Kulkarni",
		"show Resize Your Pods In-Place With Deterministic eBPF Triggers — Pablo Chico de Guzman, Vinay Kulkarni",
	} {
		if out := f.ok("bob", line); !strings.HasPrefix(out, "#1 Resize Your Pods") {
			t.Errorf("%s:\n%s", line, out)
		}
	}
	// After its #id: a reply line cut short, a question's line, the start
	// of the title; for show, words of the title.
	f.ok("alice", "add Keynote day:2023-04-18")
	f.ok("alice", "add Keynote day:2023-04-19")
	f.ok("alice", "add Cilium Deep Dive")
	for line, id := range map[string]int{
		"show #1 Resize Your Pods … — Pablo Chico de Guzman & Vinay Kulkarni":        1,
		"want #1 Resize Your Pods In-Place — Pablo Chico de Guzman & Vinay Kulkarni": 1,
		"want #2 Keynote (2023-04-18)":               2,
		"watched #3 Keynote · 2023-04-19 · attended": 3,
		"show #4 Cilium":                             4,
	} {
		if out := f.ok("bob", line); !names(out, id) || strings.Contains(out, "new talk") {
			t.Errorf("%s:\n%s", line, out)
		}
	}
}

func TestBareNumberAfterSpeakersIsAskedAbout(t *testing.T) {
	f := kubeconEU2023(t)
	r := f.as("alice", "add Automating Configuration and Permissions Testing for GitOps with OPA Conftest - Eve Ben Ezra & Michael Hume, The New York Times 4")
	if r.Kind != commands.KindError || !strings.Contains(r.Text(), "4/5") {
		t.Errorf("a bare 4 after the speakers:\n%s", r.Text())
	}
	if doc := f.export("alice"); len(doc.Conferences) != 0 {
		t.Errorf("it logged something: %+v", doc.Conferences)
	}
	f.ok("alice", "add Automating Configuration and Permissions Testing for GitOps with OPA Conftest - Eve Ben Ezra & Michael Hume, The New York Times 4/5")
	got := f.exportedTalk("alice", 1)
	if got.Rating != 4 || !slices.Equal(got.SpeakerOrgs, []string{"The New York Times", "The New York Times"}) {
		t.Errorf("rating %d, orgs %q", got.Rating, got.SpeakerOrgs)
	}
	// A number inside a title without speakers is part of it.
	f.ok("alice", "add Kubernetes 101")
	if got := f.exportedTalk("alice", 2); got.Title != "Kubernetes 101" {
		t.Errorf("title %q", got.Title)
	}
}

func TestSpeakersAndOrganisationsStayApart(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Node Resource Management: The Big Picture - Sascha Grunert & Swati Sehgal, Red Hat; Alexander Kanevskiy, Intel; Evan Lezar, NVIDIA; David Porter, Google. https://kccnceu2023.sched.com/event/1HyVB")
	got := f.exportedTalk("alice", 1)
	wantNames := []string{"Sascha Grunert", "Swati Sehgal", "Alexander Kanevskiy", "Evan Lezar", "David Porter"}
	wantOrgs := []string{"Red Hat", "Red Hat", "Intel", "NVIDIA", "Google"}
	if got.Title != "Node Resource Management: The Big Picture" || !slices.Equal(got.Speakers, wantNames) || !slices.Equal(got.SpeakerOrgs, wantOrgs) {
		t.Errorf("title %q speakers %q orgs %q", got.Title, got.Speakers, got.SpeakerOrgs)
	}
	f.ok("alice", "add Gateway API Update - Antonio Ojea, Michelle Shepardson & Benjamin Elder, Google")
	if got := f.exportedTalk("alice", 2); len(got.Speakers) != 3 || got.SpeakerOrgs[1] != "Google" {
		t.Errorf("three speakers at Google: %q %q", got.Speakers, got.SpeakerOrgs)
	}
	// edit speakers: with quotes stores the names, not the quotes.
	f.ok("alice", `edit #2 speakers:"Antonio Ojea (Google), Michelle Shepardson"`)
	if got := f.exportedTalk("alice", 2); !slices.Equal(got.Speakers, []string{"Antonio Ojea", "Michelle Shepardson"}) || got.SpeakerOrgs[0] != "Google" {
		t.Errorf("edited speakers %q orgs %q", got.Speakers, got.SpeakerOrgs)
	}
}

func TestSharedFieldsFollowTheEditRule(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("carol", "add Kubeadm Deep Dive https://sched.co/1Iki0 room:Auditorium #kubeadm")
	out := f.ok("bob", "add https://sched.co/1Iki0 room:Hall-7 #cluster-lifecycle 4/5")
	got := f.exportedTalk("bob", 1)
	if got.Room != "Auditorium" || !slices.Equal(got.Tags, []string{"kubeadm"}) || got.Rating != 4 {
		t.Errorf("bob's add changed carol's talk: room %q tags %v (rating %d)", got.Room, got.Tags, got.Rating)
	}
	if !strings.Contains(out, "already has its details") {
		t.Errorf("the reply does not say the details were kept:\n%s", out)
	}
	// Anyone may fill an empty field; a set recording is the owner's or an admin's to replace.
	f.ok("bob", "video #1 https://www.youtube.com/watch?v=first")
	if r := f.as("dave", "video #1 https://www.youtube.com/watch?v=second"); r.Kind != commands.KindError {
		t.Errorf("dave replaced the recording:\n%s", r.Text())
	}
	f.ok("carol", "video #1 https://www.youtube.com/watch?v=fixed")
	if got := f.exportedTalk("carol", 1); got.RecordingURL != "https://www.youtube.com/watch?v=fixed" {
		t.Errorf("recording = %q", got.RecordingURL)
	}
}

func TestLinksRecordingsAndPlaylists(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Kyverno demo https://kyverno.io/")
	got := f.exportedTalk("alice", 1)
	if got.RecordingURL != "" || !slices.Equal(got.Links, []string{"https://kyverno.io/"}) {
		t.Errorf("a project page became %q / links %v", got.RecordingURL, got.Links)
	}
	if out := f.ok("alice", "show #1"); !strings.Contains(out, "https://kyverno.io/") {
		t.Errorf("show lacks the link:\n%s", out)
	}
	f.ok("alice", "add Flux Beyond Git https://youtu.be/abc123")
	if got := f.exportedTalk("alice", 2); got.RecordingURL != "https://youtu.be/abc123" {
		t.Errorf("a YouTube link is the recording: %q", got.RecordingURL)
	}
	r := f.as("alice", "add Some Talk https://www.youtube.com/playlist?list=PLj6h78yzYM2O")
	if r.Kind != commands.KindError || !strings.Contains(r.Text(), "conf video") {
		t.Errorf("a playlist on add:\n%s", r.Text())
	}
	f.ok("alice", "conf video https://www.youtube.com/playlist?list=PLj6h78yzYM2O")
	if out := f.ok("bob", "conf"); !strings.Contains(out, "https://www.youtube.com/playlist?list=PLj6h78yzYM2O") {
		t.Errorf("conf lacks the recordings:\n%s", out)
	}
	if doc := f.export("alice"); doc.Conferences[0].VideosURL != "https://www.youtube.com/playlist?list=PLj6h78yzYM2O" {
		t.Errorf("export: %+v", doc.Conferences[0])
	}
}

func TestOnlyAdminsSwitchTheTeamsConference(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Opening Keynote")
	out := f.ok("bob", "conf new bobtest")
	if !strings.Contains(out, "just you") {
		t.Errorf("bob's conf new:\n%s", out)
	}
	if l := f.ok("carol", "list team"); !strings.Contains(l, "KubeCon EU 2023") || !strings.Contains(l, "Opening Keynote") {
		t.Errorf("carol's list after bob's conf new:\n%s", l)
	}
	if l := f.ok("bob", "list"); !strings.Contains(l, "bobtest") {
		t.Errorf("bob's own list is not on bobtest:\n%s", l)
	}
	f.admin("alice", "conf use bobtest")
	if c := f.ok("carol", "conf"); !strings.Contains(c, "bobtest") {
		t.Errorf("an admin's conf use did not move the team:\n%s", c)
	}
}

func TestNotesCanBeListedEditedRescopedAndDeleted(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Flux Beyond Git -- OCI artifacts everywhere")
	f.ok("alice", "note ask Stefan about OCI")
	list := f.ok("alice", "notes")
	if !strings.Contains(list, "n1 (team) “OCI artifacts everywhere”") || !strings.Contains(list, "n2 (team) “ask Stefan about OCI”") {
		t.Fatalf("notes:\n%s", list)
	}
	f.ok("alice", "note private n2")
	if out := f.ok("bob", "show #1"); strings.Contains(out, "ask Stefan") {
		t.Errorf("bob sees the note made private:\n%s", out)
	}
	f.ok("alice", "note edit n1 OCI artifacts for everything, even Helm charts")
	if r := f.as("bob", "note delete n1"); r.Kind != commands.KindError {
		t.Errorf("bob deleted alice's note:\n%s", r.Text())
	}
	f.ok("alice", "note delete n1")
	if got := f.exportedTalk("alice", 1); len(got.Notes) != 1 || got.Notes[0].Visibility != "private" {
		t.Errorf("notes after delete: %+v", got.Notes)
	}
	for _, want := range []string{"is back (team): “OCI artifacts for everything", "is back (team): “OCI artifacts everywhere”", "is back (team): “ask Stefan about OCI”"} {
		if u := f.ok("alice", "undo"); !strings.Contains(u, want) {
			t.Errorf("undo = %q, want %q", u, want)
		}
	}
}

func TestListsSayHowManyThereAre(t *testing.T) {
	f := kubeconEU2023(t)
	for i := 1; i <= 12; i++ {
		f.ok("alice", fmt.Sprintf("add Talk Number %d 5/5", i))
	}
	first := f.ok("alice", "highlights mine")
	if !strings.Contains(first, "(1–10 of 12; `highlights mine page 2` shows the next.)") {
		t.Errorf("highlights mine:\n%s", first)
	}
	second := f.ok("alice", "highlights mine page 2")
	if !strings.Contains(second, "11. ") || !strings.Contains(second, "(11–12 of 12.)") || strings.Contains(second, "\n1. ") {
		t.Errorf("page 2:\n%s", second)
	}
	if s := f.ok("alice", "search talk number"); !strings.Contains(s, "of 12") {
		t.Errorf("search:\n%s", s)
	}
}

func TestWatchShowsEveryReason(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "missed Flux Beyond Git -- room full")
	f.ok("bob", "add Flux Beyond Git 5/5")
	f.ok("bob", "recommend #1 @alice")
	out := f.ok("alice", "watch")
	if !strings.Contains(out, "you missed it (room full); recommended by bob; bob rated it 5/5") {
		t.Errorf("watch:\n%s", out)
	}
	// Recommending to someone who attended it says it will not show up.
	f.ok("carol", "add Flux Beyond Git")
	if out := f.ok("bob", "recommend #1 @carol"); !strings.Contains(out, "attended it already") || strings.Contains(out, "it shows up in their") {
		t.Errorf("recommend to carol:\n%s", out)
	}
	if out := f.ok("bob", "recommend #1 @alice"); !strings.Contains(out, "already") {
		t.Errorf("a repeated recommendation:\n%s", out)
	}
}

func TestUndoEditAndDatesSayExactlyWhatHappened(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Flux Beyond Git room:D204 3/5")
	f.ok("alice", "rate 5")
	if out := f.ok("alice", "edit #1 room:D204"); !strings.Contains(out, "Nothing to change") {
		t.Errorf("a no-op edit:\n%s", out)
	}
	// The no-op left no undo step: undo takes back the rating.
	if u := f.ok("alice", "undo"); !strings.Contains(u, "`rate` on #1") || !strings.Contains(u, "back to attended, ★★★☆☆ 3/5 (it was attended, ★★★★★ 5/5)") {
		t.Errorf("undo:\n%s", u)
	}
	r := f.as("alice", "add Future Talk day:2023-05-01")
	if r.Kind != commands.KindError || !strings.Contains(r.Text(), "2023-04-18..2023-04-21") {
		t.Errorf("a day outside the conference:\n%s", r.Text())
	}
	if r := f.as("alice", "edit #1 day:2022-01-01"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "outside") {
		t.Errorf("edit to a day outside:\n%s", r.Text())
	}
	if r := f.as("alice", "lsit"); !strings.Contains(r.Text(), "Did you mean `list`?") {
		t.Errorf("lsit:\n%s", r.Text())
	}
	if r := f.as("alice", "edit #1"); !strings.Contains(r.Text(), "schedule") {
		t.Errorf("edit without a field omits schedule:\n%s", r.Text())
	}
}

func TestALongScriptAppliesWhole(t *testing.T) {
	f := newFixture(t)
	for i := range 500 {
		if r := f.as("alice", fmt.Sprintf("add Scripted Talk %d", i)); r.Kind == commands.KindError {
			t.Fatalf("line %d of a script: %s", i+1, r.Text())
		}
	}
}

// A list shared where others read it is the asker's, by name, and its
// Next button pages the asker's list whoever presses it (it had shown the
// presser their own page 2, "No more").
func TestASharedListIsTheAskersForEveryone(t *testing.T) {
	f := newFixture(t)
	for i := 1; i <= 27; i++ {
		f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1",
			UserID: "U0ALICE", UserName: "alice", Text: fmt.Sprintf("add Talk number %d day:2026-12-07", i)})
	}
	r := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1",
		UserID: "U0ALICE", UserName: "alice", Text: "list", Shared: true})
	if !strings.HasPrefix(r.Text(), "alice's talks — General:") {
		t.Fatalf("the shared list's heading:\n%s", r.Text())
	}
	var next string
	for _, b := range r.Blocks {
		if a, ok := b.(*commands.Actions); ok {
			for _, btn := range a.Buttons {
				if btn.Label == "Next ›" {
					next = btn.Command
				}
			}
		}
	}
	page := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1",
		UserID: "U0BOB", UserName: "bob", Text: next})
	if !strings.Contains(page.Text(), "Talk number 27") || !strings.Contains(page.Text(), "alice's talks") {
		t.Errorf("bob pressed %q:\n%s", next, page.Text())
	}
}

// A shared view of one person's own (their highlights, their watch list)
// has no Next button: pressed by a colleague it showed the colleague's own
// page 2. It says how many there are.
func TestASharedPersonalViewHasNoPagesForOthers(t *testing.T) {
	f := newFixture(t)
	as := func(text string, shared bool) commands.Reply {
		return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1",
			UserID: "U0ALICE", UserName: "alice", Text: text, Shared: shared})
	}
	for i := 1; i <= 12; i++ {
		as(fmt.Sprintf("add Talk number %d 5/5", i), false)
		as(fmt.Sprintf("missed Missed number %d", i), false)
	}
	for _, text := range []string{"highlights mine", "watch"} {
		r := as(text, true)
		for _, b := range r.Blocks {
			if a, ok := b.(*commands.Actions); ok && len(a.Buttons) > 0 {
				t.Errorf("shared %s offers %q", text, a.Buttons[0].Command)
			}
		}
		if !strings.Contains(r.Text(), "(1–10 of 12.)") {
			t.Errorf("shared %s does not say how many:\n%s", text, r.Text())
		}
		if own := as(text, false); !strings.Contains(own.Text(), text+" page 2") {
			t.Errorf("%s, not shared, lost its pages:\n%s", text, own.Text())
		}
	}
}

// A talk the whole team wrote about: `show` prints the newest notes and
// says how many it left out, rather than pages of them (a Slack reply may
// post to its response_url five times).
func TestShowPrintsTheNewestNotes(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Kubernetes at Scale")
	for i := 1; i <= 25; i++ {
		f.ok(fmt.Sprintf("user%02d", i), fmt.Sprintf("add #1 -- note number %d", i))
	}
	out := f.ok("alice", "show #1")
	if !strings.Contains(out, "(5 earlier notes left out; `summary #1` sums them all up.)") ||
		strings.Contains(out, "note number 5”") || !strings.Contains(out, "note number 6”") || !strings.Contains(out, "note number 25”") {
		t.Errorf("show:\n%s", out)
	}
}

// An undo takes back only what its own change wrote to a talk's shared
// fields: a colleague's later recording, an admin's later title and a
// re-import's room stay (undo had written back the whole talk as it was).
func TestUndoLeavesOthersLaterChangesToATalk(t *testing.T) {
	f := newFixture(t)
	f.ok("dave", "add Fresh Talk By Dave")
	f.ok("erin", "video #1 https://www.youtube.com/watch?v=eeeeeeeeeee") // fills the empty field
	f.ok("dave", "video #1 https://www.youtube.com/watch?v=ddddddddddd") // the first logger replaces it
	if out := f.ok("erin", "undo"); !strings.Contains(out, "stay as they are") {
		t.Errorf("erin's undo of the recording dave replaced since:\n%s", out)
	}
	if out := f.ok("carol", "show #1"); !strings.Contains(out, "watch?v=ddddddddddd") {
		t.Errorf("dave's recording after erin's undo:\n%s", out)
	}

	f.ok("bob", "add Hallway Chat With Maintainers")
	f.ok("bob", "edit #2 room:W183")
	f.admin("alice", "edit #2 title:Hallway Chat With Kubernetes Maintainers")
	if out := f.ok("bob", "undo"); !strings.Contains(out, "back as they were") {
		t.Errorf("bob's undo of his own room:\n%s", out)
	}
	out := f.ok("carol", "show #2")
	if !strings.HasPrefix(out, "#2 Hallway Chat With Kubernetes Maintainers") || strings.Contains(out, "W183") {
		t.Errorf("after bob's undo of his room, the admin's title and bob's room:\n%s", out)
	}
}

// `undo` right after `privacy` takes that back; right after a conference
// switch it says how to switch back. It had reached past both and deleted
// the rated log before them.
func TestUndoNeverReachesPastPrivacyOrAConferenceSwitch(t *testing.T) {
	f := newFixture(t)
	f.ok("bob", "add Loved Talk 5/5 -- loved it")
	f.ok("bob", "privacy private")
	if out := f.ok("bob", "undo"); !strings.Contains(out, "Undone: `privacy`. Your notes are") {
		t.Errorf("undo after privacy:\n%s", out)
	}
	if out := f.ok("bob", "privacy"); !strings.Contains(out, "team") {
		t.Errorf("privacy after its undo:\n%s", out)
	}
	f.ok("bob", "conf new Other Conf")
	if out := f.ok("bob", "undo"); !strings.Contains(out, "`conf use General` switches back") {
		t.Errorf("undo after conf new:\n%s", out)
	}
	f.ok("bob", "conf use General")
	f.ok("bob", "undo") // the switch back: said, not taken back
	if got := f.exportedTalk("bob", 1); got.Rating != 5 || len(got.Notes) != 1 {
		t.Errorf("bob's log after the undos: %+v", got)
	}
}

// search looks in the user's conference, as every view does: a hit from
// another one (a colleague's side conference), logged, vanished from the
// user's list and post, and its notes were read out of their context.
func TestSearchIsOfTheUsersConference(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon EU 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	f.ok("alice", "add Zebra Networking Deep Dive day:2026-03-24")
	f.ok("bob", "conf new Bob Side Conf")
	f.ok("bob", "add Side Conf Opening -- side note zebra")
	out := f.ok("carol", "search zebra")
	if !strings.Contains(out, "Zebra Networking Deep Dive") || strings.Contains(out, "Side Conf Opening") || !strings.Contains(out, "KubeCon EU 2026") {
		t.Errorf("carol's search, on KubeCon:\n%s", out)
	}
	if out := f.ok("bob", "search opening"); !strings.Contains(out, "Side Conf Opening") {
		t.Errorf("bob's search, on his conference:\n%s", out)
	}
}

// watch puts the user's own missed and watch-later talks first, as README
// says, before what colleagues recommend and love (summed reasons had put
// a recommended 5/5 above alice's own missed talk).
func TestWatchPutsTheUsersOwnListFirst(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "missed Room Full Talk -- room full")
	f.ok("alice", "want Later Talk")
	f.ok("carol", "add Loved Talk 5/5")
	f.ok("carol", "star #3")
	f.ok("bob", "recommend #3 @alice")
	f.ok("carol", "recommend #3")
	out := f.ok("alice", "watch")
	first, second, third := strings.Index(out, "Room Full Talk"), strings.Index(out, "Later Talk"), strings.Index(out, "Loved Talk")
	if first < 0 || second < 0 || third < 0 || !(first < second && second < third) {
		t.Errorf("alice's watch list:\n%s", out)
	}
}

// Whoever logged a talk first may edit it while they still log it: after
// deleting their log the right passes to the first of those who still do.
func TestEditRightsPassWithTheFirstLog(t *testing.T) {
	f := newFixture(t)
	f.ok("bob", "add Intro to Widgets")
	f.ok("carol", "add Intro to Widgets -- carol was there")
	f.ok("bob", "delete #1")
	if r := f.as("bob", "edit #1 title:Bob Renamed It Anyway"); r.Kind != commands.KindError {
		t.Errorf("bob, with no log left, edited it:\n%s", r.Text())
	}
	if out := f.ok("carol", "edit #1 room:W183"); !strings.Contains(out, "W183") {
		t.Errorf("carol, its first logger now:\n%s", out)
	}
	// bob's undo brings his log back, and with it the right it handed on.
	f.ok("bob", "undo")
	if out := f.ok("bob", "edit #1 room:W184"); !strings.Contains(out, "W184") {
		t.Errorf("bob, his log back:\n%s", out)
	}
	if r := f.as("carol", "edit #1 room:W185"); r.Kind != commands.KindError {
		t.Errorf("carol kept the right after bob's undo:\n%s", r.Text())
	}
}

// An undo never makes one session two talks: a delete undone after a
// colleague logged the session anew puts the log on the colleague's talk,
// and a rename undone after someone logged the old title keeps the new.
func TestUndoNeverMakesASessionTwoTalks(t *testing.T) {
	f := newFixture(t)
	f.ok("bob", "add Bob Only Talk 5/5 -- bob's note")
	f.ok("bob", "delete #1") // nobody else had logged it: the talk goes
	f.ok("carol", "add Bob Only Talk -- carol's")
	if out := f.ok("bob", "undo"); !strings.Contains(out, "Someone logged this session since") {
		t.Errorf("bob's undo:\n%s", out)
	}
	if r := f.as("dave", "add Bob Only Talk"); r.Kind == commands.KindQuestion {
		t.Errorf("the session is two talks:\n%s", r.Text())
	}
	show := f.ok("dave", "show #2")
	if !strings.Contains(show, "bob: attended, ★★★★★ 5/5") || !strings.Contains(show, "bob's note") || !strings.Contains(show, "carol's") {
		t.Errorf("the one talk:\n%s", show)
	}

	f.ok("bob", "add Alpha Talk")
	f.ok("bob", "edit #3 title:Beta Talk")
	f.ok("carol", "add Alpha Talk 5/5") // a new talk of the old title
	if out := f.ok("bob", "undo"); !strings.Contains(out, "stay as they are") {
		t.Errorf("bob's undo of the rename says nothing of the title kept:\n%s", out)
	}
	if r := f.as("dave", "add Alpha Talk"); r.Kind == commands.KindQuestion {
		t.Errorf("Alpha Talk is two talks:\n%s", r.Text())
	}
}

// Small things a user reads: a colleague's watch-later list says so, and
// a deleted note's reply is two sentences.
func TestWatchListHeadingAndNoteDeleteReply(t *testing.T) {
	f := newFixture(t)
	f.ok("bob", "want Later Talk")
	if out := f.ok("alice", "list @bob watch"); !strings.HasPrefix(out, "bob's watch-later list") {
		t.Errorf("list @bob watch:\n%s", out)
	}
	f.ok("alice", "add Some Talk -- a note")
	if out := f.ok("alice", "note delete n1"); !strings.Contains(out, "“a note”. `undo` brings it back.") {
		t.Errorf("note delete:\n%s", out)
	}
}

// A form's note is taken as typed, on the path through a question back
// too: the answer's command carries it after ` --- `, which reads no
// rating, tag or link from its end (the button had made "5/5" a second
// rating and "#wow" the shared talk's tag).
func TestAFormsNoteSurvivesAQuestionBack(t *testing.T) {
	f := kubeconEU2023(t)
	f.ok("alice", "add Keynote day:2023-04-18")
	f.ok("alice", "add Keynote day:2023-04-19")
	f.now = f.now.AddDate(0, 1, 0) // after the week: no default day, so the add asks back
	r := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local",
		UserID: "bob", UserName: "bob", Text: `add "Keynote" *4`, Note: "the crowd gave it 5/5 #wow https://example.com/slides"})
	var answer string
	for _, b := range r.Blocks {
		if a, ok := b.(*commands.Actions); ok && len(a.Buttons) > 0 {
			answer = a.Buttons[0].Command
		}
	}
	if r.Kind != commands.KindQuestion || answer == "" {
		t.Fatalf("the form's add:\n%s", r.Text())
	}
	f.ok("bob", answer)
	got := f.exportedTalk("bob", 1)
	if got.Rating != 4 || len(got.Notes) != 1 || got.Notes[0].Text != "the crowd gave it 5/5 #wow https://example.com/slides" || slices.Contains(got.Tags, "wow") {
		t.Errorf("pressed %q: %+v", answer, got)
	}
	// Typed, the same: after ` --- ` the note is as typed.
	f.ok("carol", "add Some Talk *3 --- loved the #security part, 5/5")
	if got := f.exportedTalk("carol", 3); got.Rating != 3 || got.Notes[0].Text != "loved the #security part, 5/5" {
		t.Errorf("a typed --- note: %+v", got)
	}
}

// A colleague's delete of the last log never takes away another user's way
// back: alice deleted her log, then bob his, the last; alice's undo still
// puts her 4/5 and note back (her step had been dropped as "nothing to put
// back").
func TestADeleteByTheLastLoggerKeepsOthersUndo(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Foo Talk 4/5 -- alice note on foo")
	f.ok("bob", "add Foo Talk 3/5 -- bob note")
	f.ok("alice", "delete #1")
	f.ok("bob", "delete #1")
	if out := f.ok("alice", "undo"); !strings.Contains(out, "Undone: `delete`") {
		t.Errorf("alice's undo:\n%s", out)
	}
	if got := f.exportedTalk("alice", 1); got.Rating != 4 || len(got.Notes) != 1 {
		t.Errorf("alice's log after her undo: %+v", got)
	}
}

// A conference's search finds its own notes however many another
// conference has: the filter is in the bounded batch of matches.
func TestSearchFindsNotesOfTheConferenceAmongMany(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new Old Con")
	f.ok("bob", "add Old Conf Talk -- zebra in the old days")
	f.admin("alice", "conf new New Con")
	f.ok("alice", "add New Talk")
	for i := 0; i < 2001; i++ { // more than the batch of matches a search reads
		f.ok("alice", fmt.Sprintf("note #2 zebra %d", i))
	}
	f.ok("bob", "conf use Old Con")
	if out := f.ok("bob", "search zebra"); !strings.Contains(out, "Old Conf Talk") || strings.Contains(out, "New Talk") {
		t.Errorf("bob's search in Old Con:\n%s", out)
	}
}

// The right to edit passes on when the first logger undoes the add that
// made the talk, and when they are forgotten.
func TestEditRightsPassOnUndoOfTheAddAndForgetMe(t *testing.T) {
	f := newFixture(t)
	f.ok("bob", "add Intro to Widgets")
	f.ok("carol", "add Intro to Widgets")
	f.ok("bob", "undo") // his add: the talk stays, carol logs it
	if out := f.ok("carol", "edit #1 room:W183"); !strings.Contains(out, "W183") {
		t.Errorf("carol after bob's undo:\n%s", out)
	}
	f.ok("dave", "add Gadgets Deep Dive")
	f.ok("erin", "add Gadgets Deep Dive")
	f.ok("dave", "forget me confirm")
	if out := f.ok("erin", "edit #2 room:W184"); !strings.Contains(out, "W184") {
		t.Errorf("erin after dave was forgotten:\n%s", out)
	}
}

// An undo after the team moved to another conference says where the
// change it took back was.
func TestUndoAfterTheTeamSwitchedSaysWhere(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new Old Con")
	f.ok("bob", "add Bobs Talk 4/5")
	f.admin("alice", "conf new KubeCon EU 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	if out := f.ok("bob", "undo"); !strings.Contains(out, "That was in Old Con, not KubeCon EU 2026.") {
		t.Errorf("bob's undo:\n%s", out)
	}
}

// An admin who switches the team mid-conference is told the daily digest
// follows, so the rest of the running conference gets none.
func TestSwitchingTheTeamMidConferenceSaysTheDigestFollows(t *testing.T) {
	f := kubeconEU2023(t)
	f.admin("alice", "digest on here at 18:00")
	if out := f.admin("alice", "conf new KubeCon NA 2023 2023-11-06..2023-11-09 America/Chicago"); !strings.Contains(out, "The daily digest follows the team, so the rest of KubeCon EU 2023 gets none") {
		t.Errorf("conf new mid-conference:\n%s", out)
	}
	if out := f.admin("alice", "conf use KubeCon EU 2023"); strings.Contains(out, "digest follows") {
		t.Errorf("conf use back, from a conference not running:\n%s", out)
	}
}

// When the platform cannot say whether a user is an admin, an edit only an
// admin or the first logger may make says so, not "only whoever logged it".
func TestAnEditThePlatformCannotVouchForSaysSo(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Intro to Widgets")
	cannot := talkbot.Errorf(talkbot.EINTERNAL, "I couldn't check with Slack whether you are an admin, so I did nothing.")
	r := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local",
		UserID: "bob", UserName: "bob", Text: "edit #1 room:W183", IsAdmin: func(context.Context) (bool, error) { return false, cannot }})
	if r.Kind != commands.KindError || r.Text() != cannot.Message {
		t.Errorf("bob's edit: %s", r.Text())
	}
	if show := f.ok("alice", "show #1"); strings.Contains(show, "W183") {
		t.Errorf("the edit was made:\n%s", show)
	}
}

// A line break typed into a one-line field (an edit's title, a quoted
// room) is folded: it showed as a line of its own in colleagues' cards and
// the channel's digest, where it read as one of the bot's.
func TestOneLineFieldsCannotForgeLines(t *testing.T) {
	f := newFixture(t)
	f.ok("mallory", "add T1 room:\"A\n   ✓ bob: attended, ★★★★★ 5/5\"")
	f.ok("mallory", "add T2")
	f.ok("mallory", "edit #2 title: Second\n   Recording: https://evil.example/watch")
	f.ok("mallory", "edit #2 speakers: Eve\nMallory (Evil\nCorp)")
	for _, id := range []string{"#1", "#2"} {
		show := f.ok("bob", "show "+id)
		for _, forged := range []string{"\n   ✓ bob", "\n   Recording: https://evil", "\nMallory", "\nCorp"} {
			if strings.Contains(show, forged) {
				t.Errorf("show %s has the forged line %q:\n%s", id, forged, show)
			}
		}
	}
	if show := f.ok("bob", "show #2"); !strings.Contains(show, "Second Recording: https://evil.example/watch") {
		t.Errorf("show #2 lost the title's text:\n%s", show)
	}
}

// A #12 of another conference is dated within its own conference's week:
// an edit or add typed while the team is on the next conference had
// checked the day against that one, so a spring talk moved to November
// and its wrap-up post gained a November section.
func TestADayOfAnotherConferencesTalkKeepsToItsWeek(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon EU 2025 2025-04-01..2025-04-04 Europe/London")
	f.ok("alice", "add Foo Talk 4/5 day:2025-04-02")
	f.admin("alice", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/Denver")
	for _, cmd := range []string{"edit #1 day:2025-11-11", "add #1 day:2025-11-12", "want #1 day:2025-11-12"} {
		if r := f.as("alice", cmd); r.Kind != commands.KindError || !strings.Contains(r.Text(), "outside KubeCon EU 2025") {
			t.Errorf("%s:\n%s", cmd, r.Text())
		}
	}
	if out := f.ok("alice", "edit #1 day:2025-04-03"); !strings.Contains(out, "2025-04-03") {
		t.Errorf("a day of the talk's own conference:\n%s", out)
	}
	if out := f.ok("alice", "add #1 day:2025-04-04"); !strings.Contains(out, "2025-04-04") {
		t.Errorf("add with a day of the talk's own conference:\n%s", out)
	}
	if got := f.exportedTalk("alice", 1); got.Day != "2025-04-04" {
		t.Errorf("the talk's day: %q", got.Day)
	}
	// A new talk is still dated within the user's conference.
	if r := f.as("alice", "add Bar Talk day:2025-04-02"); r.Kind != commands.KindError || !strings.Contains(r.Text(), "outside KubeCon NA 2025") {
		t.Errorf("a new talk on a day of another conference:\n%s", r.Text())
	}
}

// A recommendation of a talk of another conference than the colleague's
// says where it shows up: `watch` lists the talks of the conference one
// is on, and the reply had promised it in their list now.
func TestRecommendingAnotherConferencesTalkSaysWhereItShows(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon EU 2025 2025-04-01..2025-04-04 Europe/London")
	f.ok("alice", "add Foo Talk 4/5")
	f.admin("alice", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/Denver")
	f.ok("bob", "add Bar Talk")
	if out := f.ok("alice", "recommend #1 @bob"); !strings.Contains(out, "it shows up in their `watch` list when they are on KubeCon EU 2025 (`conf use KubeCon EU 2025`).") {
		t.Errorf("recommend #1 @bob:\n%s", out)
	}
	if out := f.ok("bob", "watch"); strings.Contains(out, "Foo Talk") {
		t.Errorf("bob's watch on KubeCon NA 2025:\n%s", out)
	}
	f.ok("bob", "conf use KubeCon EU 2025")
	if out := f.ok("bob", "watch"); !strings.Contains(out, "recommended by alice") {
		t.Errorf("bob's watch on KubeCon EU 2025:\n%s", out)
	}
	if out := f.ok("alice", "recommend #1"); !strings.Contains(out, "of everyone who hasn't seen it when they are on KubeCon EU 2025") {
		t.Errorf("recommend #1 to the team:\n%s", out)
	}
	// Of the colleague's own conference, the reply is as ever.
	f.ok("carol", "add Baz Talk")
	if out := f.ok("alice", "recommend #2 @carol"); !strings.Contains(out, "to carol; it shows up in their `watch` list.") {
		t.Errorf("recommend #2 @carol:\n%s", out)
	}
}

// Someone who had picked a conference the team then moves to follows the
// team from there: bob, who made KubeCon NA 2025 before the admin switched
// the team to it, stayed on it when the team moved on to KubeCon EU 2026,
// and logged the spring's talks into the autumn's conference.
func TestAPickTheTeamCatchesUpWithFollowsTheTeam(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon EU 2025 2025-04-01..2025-04-04 Europe/London")
	f.ok("bob", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/Denver")
	f.admin("alice", "conf use KubeCon NA 2025")
	f.ok("carol", "conf use KubeCon EU 2025")
	f.admin("alice", "conf new KubeCon EU 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	if out := f.ok("bob", "conf"); !strings.Contains(out, "Current conference: KubeCon EU 2026") {
		t.Errorf("bob's conference:\n%s", out)
	}
	f.ok("bob", "add Foo Talk")
	if l := f.ok("alice", "list team"); !strings.Contains(l, "Foo Talk") {
		t.Errorf("the team's talks of KubeCon EU 2026:\n%s", l)
	}
	// A pick of a conference the team never moved to stays.
	if out := f.ok("carol", "conf"); !strings.Contains(out, "Current conference: KubeCon EU 2025") {
		t.Errorf("carol's conference:\n%s", out)
	}
}
