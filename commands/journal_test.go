package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// shared runs a command where others read the reply (a shared Matrix room).
func (f *fixture) shared(user, text string) commands.Reply {
	f.t.Helper()
	return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformMatrix, Workspace: "example.org",
		UserID: user, UserName: user, Text: text, Shared: true})
}

// TestPrivateTextStaysOutOfSharedReplies: in a room others read, a private
// conference note or note is never echoed (writing, listing, undoing), and
// the personal post and agenda are refused; the team's post is fine.
func TestPrivateTextStaysOutOfSharedReplies(t *testing.T) {
	f := newFixture(t)
	const secret = "the hotel was double booked again"
	for _, c := range []struct {
		cmd, want string
		err       bool
	}{
		{"add Gateway API Is GA 5/5 -- canaries everywhere", "Logged new talk #1", false},
		{"journal --private " + secret, "Conference note saved (private)", false},
		{"journal", "(private, not shown here)", false},
		{"journal delete j1", "Deleted conference note j1", false},
		{"undo", "is back (private): (private, not shown here)", false},
		{"note --private " + secret + " too", "Noted (private)", false},
		{"undo", "Removed your note n2: (private, not shown here)", false},
		{"note --private " + secret + " once more", "Noted (private)", false},
		{"note delete n3", "It was private, so it is not shown here", false},
		{"export markdown", "--no-private", true},
		{"export ics", "direct message", true},
		{"export markdown team", "The team's post", false},
		// A question back about a private note leaves it out of its answers.
		{"add Cilium Project Update", "Logged new talk", false},
		{"add Envoy Project Update", "Logged new talk", false},
		{`note --private "Cilium Project Update" ` + secret, "Noted (private)", false},
		{"add Keynote day:2026-12-05", "Logged new talk", false},
		{"add Keynote day:2026-12-06", "Logged new talk", false},
		{`note --private "Keynote" ` + secret, "Your note is private, so I leave it out here", false},
		{"privacy private", "private", false},
		{"add Project Update -- " + secret, "Your note is private, so I leave it out here", false},
		{"missed Project Update -- " + secret, "Your reason is private, so I leave it out here", false},
	} {
		r := f.shared("@alice:example.org", c.cmd)
		if (r.Kind == commands.KindError) != c.err || !strings.Contains(r.Text(), c.want) {
			t.Errorf("%q = %v %q; want error %v and %q", c.cmd, r.Kind, r.Text(), c.err, c.want)
		}
		if strings.Contains(r.Text(), "double booked") {
			t.Errorf("%q shows the private text in a shared room:\n%s", c.cmd, r.Text())
		}
		for _, b := range r.Blocks {
			if a, ok := b.(*commands.Actions); ok {
				for _, btn := range a.Buttons {
					if strings.Contains(btn.Command, "double booked") {
						t.Errorf("%q offers a button with the private text: %q", c.cmd, btn.Command)
					}
				}
			}
		}
	}
	// With --no-private the post may be shared, and holds no private text.
	f.shared("@alice:example.org", "journal --private "+secret)
	r := f.shared("@alice:example.org", "export markdown --no-private")
	if r.Kind == commands.KindError || r.Private || !strings.Contains(r.Text(), "canaries everywhere") || strings.Contains(r.Text(), "double booked") {
		t.Errorf("export markdown --no-private in a shared room = %v private=%v:\n%s", r.Kind, r.Private, r.Text())
	}
}

// A link typed at the end of a private note stays in the note: taken out as
// one of the talk's links, which are the workspace's, it was shown to
// colleagues by show. A team note's link is the talk's, as before.
func TestALinkInAPrivateNoteStaysPrivate(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "privacy private")
	f.ok("alice", "add Kubernetes Controllers Deep Dive -- more prep https://docs.example.com/d/SECRET")
	if got := f.ok("alice", "notes #1"); !strings.Contains(got, "more prep https://docs.example.com/d/SECRET") {
		t.Errorf("alice's note lost its link:\n%s", got)
	}
	f.ok("bob", "add Kubernetes Controllers Deep Dive 4/5 -- good one https://github.com/example/controller-demo")
	got := f.ok("bob", "show #1")
	if strings.Contains(got, "SECRET") {
		t.Errorf("bob is shown alice's private link:\n%s", got)
	}
	if !strings.Contains(got, "Link: https://github.com/example/controller-demo") {
		t.Errorf("a team note's link is not the talk's:\n%s", got)
	}
}

// So do #tags typed at the end of a private note: as the talk's tags,
// show, search and the team's post gave them to everyone. A tag typed
// before ` -- ` is the talk's.
func TestATagInAPrivateNoteStaysPrivate(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "privacy private")
	f.ok("alice", "add Beta Talk #ebpf 5/5 -- careless private note #hiring #ebpf")
	if got := f.ok("alice", "notes #1"); !strings.Contains(got, "careless private note #hiring") {
		t.Errorf("alice's note lost its tag:\n%s", got)
	}
	got := f.ok("bob", "show #1")
	if strings.Contains(got, "hiring") {
		t.Errorf("bob is shown alice's private tag:\n%s", got)
	}
	if !strings.Contains(got, "#ebpf") {
		t.Errorf("the tag typed before -- is not the talk's:\n%s", got)
	}
	if got := f.as("bob", "search hiring").Text(); strings.Contains(got, "Beta Talk") {
		t.Errorf("bob's search finds the private tag:\n%s", got)
	}
	f.ok("carol", "add Gamma Talk -- team note #security")
	if got := f.ok("bob", "show #2"); !strings.Contains(got, "#security") {
		t.Errorf("a team note's tag is not the talk's:\n%s", got)
	}
}

// A --private flag typed where people type it (at the end, before or after
// ` -- `, or as a phone's dash) makes the note private; kept as text, it
// had saved a team note every colleague could read.
func TestAPrivateFlagAnywhereMakesTheNotePrivate(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Foo Talk")
	for _, cmd := range []string{
		"add Foo Talk --private -- secret one",
		"add Foo Talk -- --private secret two",
		"note #1 secret three --private",
		"note —private #1 secret four",
		"note #1 secret five –private",
		"journal secret six --private",
		"journal —private secret seven",
	} {
		if got := f.ok("alice", cmd); !strings.Contains(got, "(private)") {
			t.Errorf("%q saved:\n%s", cmd, got)
		}
	}
	if got := f.ok("alice", "missed Foo Talk -- --private secret reason"); !strings.Contains(got, "missed (secret reason)") {
		t.Errorf("a private reason for a miss:\n%s", got)
	}
	for _, cmd := range []string{"show #1", "journal", "list @alice"} {
		if got := f.as("bob", cmd).Text(); strings.Contains(got, "secret") || strings.Contains(got, "private") {
			t.Errorf("bob's %q shows alice's private note:\n%s", cmd, got)
		}
	}
	if got := f.ok("alice", "list"); strings.Contains(got, "--private") || strings.Count(got, "Foo Talk") != 1 {
		t.Errorf("the flag went into a title:\n%s", got)
	}
	if got := f.ok("alice", "notes #1"); strings.Contains(got, "private secret") || strings.Contains(got, "--") {
		t.Errorf("a flag was kept in a note's text:\n%s", got)
	}
	// An ask-back's answer keeps the flag.
	f.ok("alice", "add Keynote day:2024-11-11")
	f.ok("alice", "add Keynote day:2024-11-12")
	for _, cmd := range []string{"watched Keynote -- --private secret eight", `note "Keynote" secret nine --private`, "watched Keynote --private --- secret ten"} {
		r := f.as("alice", cmd)
		var answer string
		for _, b := range r.Blocks {
			if a, ok := b.(*commands.Actions); ok && len(a.Buttons) > 0 {
				answer = a.Buttons[0].Command
			}
		}
		if answer == "" {
			t.Fatalf("%q: no question back about the two keynotes:\n%s", cmd, r.Text())
		}
		if got := f.ok("alice", answer); !strings.Contains(got, "(private)") {
			t.Errorf("%q: the answer %q saved:\n%s", cmd, answer, got)
		}
	}
}

// A private note alone does not put the talk on its author's list for
// colleagues, or on the team's: bob had learnt alice wrote one.
func TestAPrivateNoteAloneListsNothingForColleagues(t *testing.T) {
	f := newFixture(t)
	f.ok("carol", "add Public Talk")
	f.ok("alice", "note --private #1 first")
	f.ok("carol", "delete #1")
	f.ok("alice", "note --private #1 only a private note here")
	f.ok("alice", "add Attended Talk")
	if got := f.as("bob", "list @alice").Text(); strings.Contains(got, "Public Talk") || !strings.Contains(got, "Attended Talk") {
		t.Errorf("bob's list @alice:\n%s", got)
	}
	if got := f.as("bob", "list team").Text(); strings.Contains(got, "Public Talk") {
		t.Errorf("bob's list team:\n%s", got)
	}
	if got := f.ok("alice", "list"); !strings.Contains(got, "Public Talk") {
		t.Errorf("alice's own list lacks the talk of her private note:\n%s", got)
	}
}

// The flag at the end leaves the options before it options, and a dash
// word inside a title stays the title's.
func TestAPrivateFlagLeavesTheRestAsTyped(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "privacy private")
	got := f.ok("alice", "add Foo Talk -- loved it 5/5 #security --team")
	if !strings.Contains(got, "(team)") || !strings.Contains(got, "loved it") || strings.Contains(got, "loved it 5/5") {
		t.Errorf("add with options before the flag:\n%s", got)
	}
	if show := f.ok("bob", "show #1"); !strings.Contains(show, "#security") {
		t.Errorf("the tag before the flag is not the talk's:\n%s", show)
	}
	if got := f.ok("alice", "add Going —Private with Kubernetes"); !strings.Contains(got, "Going —Private with Kubernetes") {
		t.Errorf("a title's dash word was taken as a flag:\n%s", got)
	}
}

// Why someone missed a talk is private as a note would be: by its flag,
// else by the user's privacy when it was given. A later switch of privacy
// does not publish it, as it does not publish an old private note.
func TestAMissedReasonIsPrivateAsANoteWouldBe(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "missed Foo Talk -- room full")
	f.ok("alice", "missed Baz Talk -- --private a vendor meeting")
	f.ok("bob", "privacy private")
	f.ok("bob", "missed Foo Talk -- interview at the booth")
	f.ok("bob", "missed Bar Talk -- --private a recruiter call")
	f.ok("bob", "privacy team")
	f.ok("bob", "missed Qux Talk -- the line was too long")
	for _, cmd := range []string{"show #1", "list @bob", "show #2", "show #3", "list @alice"} {
		got := f.ok("carol", cmd)
		if strings.Contains(got, "interview") || strings.Contains(got, "recruiter") || strings.Contains(got, "vendor") || !strings.Contains(got, "missed") {
			t.Errorf("carol's %q:\n%s", cmd, got)
		}
	}
	if got := f.ok("carol", "show #1"); !strings.Contains(got, "missed (room full)") {
		t.Errorf("alice's team reason is hidden from carol:\n%s", got)
	}
	if got := f.ok("carol", "list @bob"); !strings.Contains(got, "missed (the line was too long)") {
		t.Errorf("bob's reason given under privacy team is hidden from carol:\n%s", got)
	}
	for _, cmd := range []string{"show #1", "list"} {
		if got := f.ok("bob", cmd); !strings.Contains(got, "missed (interview at the booth)") {
			t.Errorf("bob's own %q lacks his reason:\n%s", cmd, got)
		}
	}
	// An edit keeps a private reason private.
	f.ok("bob", "edit #1 reason:an interview, after all")
	if got := f.ok("carol", "show #1"); strings.Contains(got, "after all") {
		t.Errorf("an edited private reason reached carol:\n%s", got)
	}
}

// A private note or conference note typed where others read the message
// says so; a team note does not.
func TestAPrivateNoteOverheardWarns(t *testing.T) {
	f := newFixture(t)
	run := func(text string) string {
		return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformMatrix, Workspace: "example.org",
			UserID: "@alice:example.org", UserName: "alice", Text: text, Channel: "!room:example.org", Shared: true, Overheard: true}).Text()
	}
	run("add Keynote day:2024-11-11")
	run("add Keynote day:2024-11-12")
	for _, cmd := range []string{"add Foo Talk -- --private one", `note --private "Foo Talk" two`, "journal --private three",
		"missed Bar Talk -- --private four", `edit "Bar Talk" reason:four, again`, "note edit n1 five", "journal edit j1 six",
		"watched Keynote -- --private seven"} { // the question back warns: its answer is a button
		if got := run(cmd); !strings.Contains(got, "Others here can read what you typed") {
			t.Errorf("%q does not warn:\n%s", cmd, got)
		}
	}
	if got := run(`note "Foo Talk" a team note`); strings.Contains(got, "can read what you typed") {
		t.Errorf("a team note warns:\n%s", got)
	}
}

// A private reason stays out of what others read: a reply in a shared
// room, and the post exported without private notes.
func TestAPrivateReasonStaysOutOfSharedReplies(t *testing.T) {
	f := newFixture(t)
	shared := func(text string) string {
		return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformMatrix, Workspace: "example.org",
			UserID: "@bob:example.org", UserName: "bob", Text: text, Channel: "!room:example.org", Shared: true}).Text()
	}
	if got := shared("missed Foo Talk -- --private a recruiter call"); strings.Contains(got, "recruiter") || !strings.Contains(got, "missed") {
		t.Errorf("the missed reply in a shared room:\n%s", got)
	}
	for _, cmd := range []string{"list", "show #1", "edit #1 reason:a recruiter call, again"} {
		if got := shared(cmd); strings.Contains(got, "recruiter") {
			t.Errorf("%q in a shared room:\n%s", cmd, got)
		}
	}
	if got := shared("undo"); strings.Contains(got, "recruiter") {
		t.Errorf("undo in a shared room:\n%s", got)
	}
	if got := shared("watch"); strings.Contains(got, "recruiter") || !strings.Contains(got, "you missed it") {
		t.Errorf("watch in a shared room:\n%s", got)
	}
	// A question back leaves the reason out of its answers, as it does a private note's text.
	shared("add Kubernetes Security Basics")
	shared("add Kubernetes Security Advanced")
	if got := shared("missed Kubernetes Security -- --private an interview"); strings.Contains(got, "interview") || !strings.Contains(got, "Several talks match") {
		t.Errorf("the question back in a shared room:\n%s", got)
	}
	// An edit takes the flag, as missed does: the text is the reason.
	f.ok("bob", "missed Baz Talk -- the line")
	if got := f.as("carol", "show Baz Talk").Text(); !strings.Contains(got, "missed (the line)") {
		t.Errorf("a team reason:\n%s", got)
	}
	f.ok("bob", "edit Baz Talk reason:--private a call with my manager")
	if got := f.as("carol", "show Baz Talk").Text(); strings.Contains(got, "manager") || strings.Contains(got, "--private") {
		t.Errorf("a reason edited private:\n%s", got)
	}
	if got := f.ok("bob", "show Baz Talk"); !strings.Contains(got, "missed (a call with my manager)") {
		t.Errorf("bob's own edited reason:\n%s", got)
	}
	r := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformMatrix, Workspace: "example.org",
		UserID: "@bob:example.org", UserName: "bob", Text: "export markdown --no-private"})
	if post := string(attachment(r)); strings.Contains(post, "recruiter") || !strings.Contains(post, "couldn't attend") {
		t.Errorf("the post without private notes:\n%s", post)
	}
}

// `export markdown <conference>` and `export ics <conference>` read the
// name as `conf use` does, up to punctuation: `conf use kubecon-eu-2025`
// switched, and `export markdown kubecon-eu-2025` said there was no such
// conference.
func TestExportNamesTheConferenceAsConfUseDoes(t *testing.T) {
	f := newFixture(t)
	f.admin("alice", "conf new KubeCon EU 2025 2025-04-01..2025-04-04 Europe/London")
	f.ok("alice", "add Foo Talk day:2025-04-02 5/5 -- loved it")
	f.admin("alice", "conf new KubeCon NA 2025 2025-11-10..2025-11-13 America/Denver")
	if out := f.ok("alice", "export markdown kubecon-eu-2025"); !strings.Contains(out, `title: "KubeCon EU 2025 Retrospective"`) || !strings.Contains(out, "loved it") {
		t.Errorf("export markdown kubecon-eu-2025:\n%s", out)
	}
	if out := f.ok("alice", "export ics kubecon-eu-2025"); !strings.Contains(out, "SUMMARY:Foo Talk") {
		t.Errorf("export ics kubecon-eu-2025:\n%s", out)
	}
}
