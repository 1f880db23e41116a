package commands_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// inChannel runs a command in a Slack or Matrix channel.
func (f *fixture) inChannel(platform, channel string, admin bool, text string, chans ...commands.ChannelRef) commands.Reply {
	f.t.Helper()
	return f.router.Handle(context.Background(), commands.Request{Platform: platform, Workspace: "T1",
		UserID: "U1", UserName: "alice", Text: text, Channel: channel, Admin: admin, Channels: chans})
}

func TestDigestCommands(t *testing.T) {
	f := newFixture(t)
	f.inChannel(talkbot.PlatformSlack, "C1", true, "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver")

	for _, tc := range []struct {
		platform, channel string
		admin             bool
		text              string
		chans             []commands.ChannelRef
		want              string // in the reply
		kind              commands.Kind
	}{
		{talkbot.PlatformSlack, "C1", false, "digest on here at 18:00", nil, "Only an admin", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest on here at 6pm", nil, "“6pm” is not a time", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest on here at 24:00", nil, "“24:00” is not a time", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest on here", nil, "At what time?", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest on here at 18:00 Mars/Olympus", nil, "not a time zone I know", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest on here at 18:00 Local", nil, "not a time zone I know", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest on talks at 18:00", nil, "“talks” is not a channel", commands.KindError},
		{talkbot.PlatformSlack, "D1", true, "digest on here at 18:00", nil, "", commands.KindOK}, // a DM is a place to post too
		{talkbot.PlatformSlack, "", true, "digest on here at 18:00", nil, "Here is a direct message", commands.KindError},
		{talkbot.PlatformMatrix, "!r:example.org", true, "digest on #talks:example.org at 18:00", nil, "not a room id", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest frobnicate", nil, "Try `digest on here at 18:00`", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest off #nowhere", nil, "There is no digest for that channel", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "digest preview 2024-13-40", nil, "is not a date", commands.KindError},
		{talkbot.PlatformSlack, "C1", true, "notify maybe", nil, "Try `notify on` or `notify off`", commands.KindError},
	} {
		r := f.inChannel(tc.platform, tc.channel, tc.admin, tc.text, tc.chans...)
		if r.Kind != tc.kind || !strings.Contains(r.Text(), tc.want) {
			t.Errorf("%s %q: %v %q, want %v with %q", tc.platform, tc.text, r.Kind, r.Text(), tc.kind, tc.want)
		}
	}
	// Only the DM's digest was set up by all that.
	if r := f.inChannel(talkbot.PlatformSlack, "D1", true, "digest off here"); r.Kind != commands.KindOK {
		t.Fatalf("digest off here: %s", r.Text())
	}

	// Slack sends a channel picked from the list as <#C123|talks>: its id is what is kept.
	r := f.inChannel(talkbot.PlatformSlack, "C1", true, "digest on #kubecon-talks at 18:30",
		commands.ChannelRef{Text: "#kubecon-talks", ID: "C0KUBE"})
	if r.Kind != commands.KindOK || !strings.Contains(r.Text(), "C0KUBE at 18:30 America/Denver") {
		t.Errorf("digest on #channel: %s", r.Text())
	}
	// A channel typed by name is kept as typed (Slack posts to #name too); a zone of its own.
	f.inChannel(talkbot.PlatformSlack, "C1", true, "digest on #general 08:00 Europe/Berlin")
	f.inChannel(talkbot.PlatformMatrix, "!room:example.org", true, "digest on here at 19:00")

	status := f.inChannel(talkbot.PlatformSlack, "C1", false, "digest status").Text()
	for _, want := range []string{"#general at 08:00 Europe/Berlin, next Thu 14 Nov 08:00", "C0KUBE at 18:30 America/Denver, next Wed 13 Nov 18:30"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	if strings.Contains(status, "!room") {
		t.Errorf("a Matrix room shows in the Slack workspace's status:\n%s", status)
	}
	if r := f.inChannel(talkbot.PlatformSlack, "C1", true, "digest off #kubecon-talks", commands.ChannelRef{Text: "#kubecon-talks", ID: "C0KUBE"}); r.Kind != commands.KindOK {
		t.Errorf("digest off: %s", r.Text())
	}
	if status := f.inChannel(talkbot.PlatformSlack, "C1", false, "digest status").Text(); strings.Contains(status, "C0KUBE") {
		t.Errorf("still on after off:\n%s", status)
	}

	// The channel is rendered as a channel, so Slack shows its name.
	var span commands.Span
	for _, s := range r.Blocks[0].(*commands.Paragraph).Spans {
		if s.Style == commands.StyleChannel {
			span = s
		}
	}
	if span.Channel != "C0KUBE" {
		t.Errorf("the reply names the channel as %+v", span)
	}

	// notify with no argument says where you stand.
	if got := f.ok("bob", "notify off"); !strings.Contains(got, "No more recording messages") {
		t.Errorf("notify off: %s", got)
	}
	if got := f.ok("bob", "notify"); !strings.Contains(got, "Recording messages are off for you") {
		t.Errorf("notify: %s", got)
	}
}

// The digest counts every team note of the day but reads only those it
// shows, the best-rated talks' first: a day of many notes on a talk nobody
// rated does not crowd out the one a colleague loved.
func TestTheDigestShowsTheBestTalksNotesFirst(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Plain Talk")
	for i := range 55 {
		f.ok("alice", fmt.Sprintf("note #1 plain note %d", i+1))
	}
	f.ok("alice", "note --private #1 a private note")
	f.ok("bob", "add Star Talk 5/5 -- the star note")
	text := f.admin("alice", "digest preview")
	for _, want := range []string{"wrote 56 team notes", "the star note", "plain note 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "private note") || strings.Contains(text, "plain note 55") {
		t.Errorf("the digest shows a note it should not:\n%s", text)
	}
}

// A title that ends in "Page 2" is a title to show: the pages of people
// follow a #id.
func TestShowATitleEndingInPage(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add The Front Page 2 4/5")
	f.ok("alice", "add Other Talk")
	if show := f.ok("alice", "show The Front Page 2"); !strings.Contains(show, "• alice: attended, ★★★★☆ 4/5") {
		t.Errorf("show The Front Page 2:\n%s", show)
	}
	if show := f.ok("alice", `show "The Front Page 2" page 2`); !strings.Contains(show, "0 other people logged it") {
		t.Errorf("a quoted title's page 2:\n%s", show)
	}
}

// A talk the whole team saw names a few of them, in the digest and in
// `show`, and counts the rest: 40 names had filled the channel's message.
func TestABigTeamIsCountedNotListed(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Keynote: The Road Ahead 3/5")
	for i := range 40 {
		f.ok(fmt.Sprintf("user%02d", i), fmt.Sprintf("add #1 %d/5", 4+i%2))
	}
	digest := f.admin("alice", "digest preview")
	if !strings.Contains(digest, "and 38 more") || strings.Contains(digest, "user20") || !strings.Contains(digest, "`show #id` names everyone") {
		t.Errorf("the digest's line of the talk:\n%s", digest)
	}
	show := f.ok("alice", "show #1")
	if n := strings.Count(show, "• "); n != 16 {
		t.Errorf("show names %d people, want 15 and alice:\n%s", n, show)
	}
	if !strings.Contains(show, "• alice: attended, ★★★☆☆ 3/5") || !strings.Contains(show, "…and 25 more people: `show #1 page 2`.") {
		t.Errorf("show lacks alice's own line or the count of the rest:\n%s", show)
	}
	// The best ratings come first.
	if strings.Contains(show, "4/5") {
		t.Errorf("a 4/5 is named before twenty 5/5s:\n%s", show)
	}
	// The rest are on the next pages, each person once.
	seen := map[string]int{}
	for p := 1; p <= 3; p++ {
		page := f.ok("alice", fmt.Sprintf("show #1 page %d", p))
		for _, m := range regexp.MustCompile(`• (user\d+):`).FindAllStringSubmatch(page, -1) {
			seen[m[1]]++
		}
		if p == 3 && (!strings.Contains(page, "People 31–40 of 40") || strings.Contains(page, "more people")) {
			t.Errorf("the last page:\n%s", page)
		}
	}
	if page := f.ok("alice", "show #1 page 9"); !strings.Contains(page, "40 other people logged it, 15 a page") {
		t.Errorf("a page past the last:\n%s", page)
	}
	if len(seen) != 40 {
		t.Errorf("the pages name %d of the 40 people: %v", len(seen), seen)
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("%s is named %d times", name, n)
		}
	}
}

// The team's post quotes a dozen notes of a highlight; its reply says
// where the rest are.
func TestTheTeamPostSaysWhereTheRestAre(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Keynote: The Road Ahead 5/5")
	for i := range 20 {
		f.ok(fmt.Sprintf("user%02d", i), fmt.Sprintf("add #1 5/5 -- thought number %d", i))
	}
	r := f.as("alice", "export markdown team")
	if !strings.Contains(r.Text(), "a dozen notes (some 12 KB) at most: `summary #1` sums up all of #1's") {
		t.Errorf("the reply:\n%s", r.Text())
	}
	if post := string(attachment(r)); !strings.Contains(post, "_…and 8 more notes from 8 people._") {
		t.Errorf("the post:\n%s", post)
	}
}

// `digest preview` alone shows what today's digest says: a morning digest
// reports the day before, so at 10:00 on day 2 it is day 1's, the one
// posted at 09:00, not day 2's, just begun.
func TestPreviewOfAMorningDigestIsTheDayBefore(t *testing.T) {
	f := newFixture(t)
	f.now = time.Date(2026, 3, 23, 10, 0, 0, 0, time.UTC) // 11:00 in Amsterdam
	f.admin("admin", "conf new KubeCon EU 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	f.ok("alice", "add Opening Keynote 5/5 -- great")
	for _, tc := range []struct{ at, now, want string }{
		{"09:00", "2026-03-24T10:00:00+01:00", "the digest for 2026-03-23"},
		{"09:00 Asia/Tokyo", "2026-03-24T10:00:00+09:00", "the digest for 2026-03-23"}, // 02:00 in Amsterdam
		{"18:00", "2026-03-23T17:00:00+01:00", "the digest for 2026-03-23"},
	} {
		f.admin("admin", "digest on here at "+tc.at)
		now, err := time.Parse(time.RFC3339, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		f.now = now
		got := f.ok("alice", "digest preview")
		if !strings.Contains(got, tc.want) || !strings.Contains(got, "Opening Keynote") {
			t.Errorf("digest at %s, previewed at %s:\n%s", tc.at, tc.now, got)
		}
	}
}
