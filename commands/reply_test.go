package commands_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// The reply is a document adapters render without reading text: these check
// the structure and the metadata, not the wording.

func cards(r commands.Reply) []*commands.TalkCard {
	var out []*commands.TalkCard
	for _, b := range r.Blocks {
		if c, ok := b.(*commands.TalkCard); ok {
			out = append(out, c)
		}
	}
	return out
}

func buttons(r commands.Reply) []commands.Button {
	var out []commands.Button
	for _, b := range r.Blocks {
		if a, ok := b.(*commands.Actions); ok {
			out = append(out, a.Buttons...)
		}
	}
	return out
}

func TestReplyMetadataComesFromTheTable(t *testing.T) {
	f := newFixture(t)
	add := f.as("alice", "add Flux Beyond Git 5/5 -- loved it")
	if add.Command != "add" || add.Safe || add.Kind != commands.KindOK {
		t.Errorf("add: command %q safe %v kind %v", add.Command, add.Safe, add.Kind)
	}
	list := f.as("alice", "list")
	if list.Command != "list" || !list.Safe {
		t.Errorf("list: command %q safe %v", list.Command, list.Safe)
	}
	bad := f.as("alice", "rate #1 9")
	if bad.Command != "rate" || bad.Kind != commands.KindError || bad.Code != talkbot.EINVALID {
		t.Errorf("a bad rating: command %q kind %v code %q", bad.Command, bad.Kind, bad.Code)
	}
	unknown := f.as("alice", "frobnicate")
	if unknown.Command != "" || unknown.Kind != commands.KindError {
		t.Errorf("an unknown command: %+v", unknown)
	}
	for text, want := range map[string]commands.Command{
		"/talk add x": {Name: "add", Changes: true}, "saw x": {Name: "add", Changes: true}, "list": {Name: "list"},
		"what should I watch later?": {Name: "watch"},
	} {
		got, ok := f.router.Lookup(text)
		if !ok || got.Name != want.Name || got.Changes != want.Changes {
			t.Errorf("Lookup(%q) = %+v %v, want %s changes=%v", text, got, ok, want.Name, want.Changes)
		}
	}
	if _, ok := f.router.Lookup("frobnicate"); ok {
		t.Error("Lookup found a command that is not there")
	}
}

func TestTalkCardsCarryTheTalkTheLogAndTheNumbers(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Flux Beyond Git - Stefan Prodan, Weaveworks 5/5 -- loved it")
	f.ok("bob", "add Flux Beyond Git 3/5")
	r := f.as("alice", "list today team")
	cs := cards(r)
	if len(cs) != 1 || cs[0].Talk.ID != 1 || cs[0].Talk.Speakers[0].Org != "Weaveworks" {
		t.Fatalf("cards = %+v", cs)
	}
	if cs[0].Stats == nil || cs[0].Stats.RatingCount != 2 || cs[0].Stats.RatingSum != 8 {
		t.Errorf("stats = %+v", cs[0].Stats)
	}
	if cs[0].Log == nil || cs[0].Log.Rating != 5 {
		t.Errorf("alice's own log on the card = %+v", cs[0].Log)
	}
	if !slices.Equal(r.Talks(), []int64{1}) {
		t.Errorf("Talks() = %v", r.Talks())
	}
	show := f.as("bob", "show #1")
	c := cards(show)
	if len(c) != 1 || len(c[0].Notes) != 1 || c[0].Notes[0].Text != "loved it" || c[0].Log.Rating != 3 {
		t.Errorf("show's card = %+v", c)
	}
}

func TestPrivateRepliesAreMarked(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add A Talk -- team note")
	f.ok("alice", "note --private only mine")
	if r := f.as("alice", "show #1"); !r.Private {
		t.Error("show with a private note is not marked private")
	}
	if r := f.as("bob", "show #1"); r.Private {
		t.Error("bob's show, without alice's private note, is marked private")
	}
	ex := f.as("alice", "export json")
	as := ex.Attachments()
	if !ex.Private || len(as) != 1 || as[0].Name != "talkbot-export.json" || as[0].MediaType != "application/json" {
		t.Errorf("export: private %v, attachments %+v", ex.Private, as)
	}
}

func TestButtonsRunCommands(t *testing.T) {
	f := newFixture(t)
	for i := range 12 {
		f.ok("alice", fmt.Sprintf("add Talk Number %d 5/5", i+1))
	}
	next := buttons(f.as("alice", "highlights mine"))
	if len(next) != 1 || next[0].Command != "highlights mine page 2" {
		t.Errorf("page 1 buttons = %+v", next)
	}
	prev := buttons(f.as("alice", "highlights mine page 2"))
	if len(prev) != 1 || prev[0].Command != "highlights mine page 1" {
		t.Errorf("page 2 buttons = %+v", prev)
	}
	f.ok("alice", "add Cilium Project Update")
	f.ok("alice", "add Envoy Project Update")
	q := f.as("bob", "missed Project Update -- room full")
	var choices []string
	for _, b := range buttons(q) {
		choices = append(choices, b.Command)
	}
	if q.Kind != commands.KindQuestion || !slices.Equal(choices, []string{"missed #13 -- room full", "missed #14 -- room full", `missed "Project Update" day:2024-11-13 -- room full`}) {
		t.Errorf("question buttons = %q", choices)
	}
	for _, b := range q.Blocks {
		if l, ok := b.(*commands.List); ok && (len(l.Items) != 2 || l.Items[0].Talk != 13) {
			t.Errorf("the choices list = %+v", l.Items)
		}
	}
}

func TestCommandsInTextBecomeCodeSpans(t *testing.T) {
	f := newFixture(t)
	r := f.as("alice", "rate 9")
	var codes []string
	for _, b := range r.Blocks {
		if p, ok := b.(*commands.Paragraph); ok {
			for _, s := range p.Spans {
				if s.Style == commands.StyleCode {
					codes = append(codes, s.Text)
				}
			}
		}
	}
	if !slices.Equal(codes, []string{"5/5", "*4", "★★★"}) {
		t.Errorf("code spans = %q in %q", codes, r.Text())
	}
}

func TestMentionsAreData(t *testing.T) {
	f := newFixture(t)
	f.ok("alice", "add Flux Beyond Git")
	f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1", UserID: "U0ALICE", UserName: "alice", Text: "add Flux Beyond Git"})
	req := commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1", UserID: "U0ALICE", UserName: "alice",
		Text: "recommend #2 @Bob Jones", Mentions: []commands.Mention{{Text: "@Bob Jones", UserID: "U0BOB", Name: "Bob Jones"}}}
	r := f.router.Handle(context.Background(), req)
	if r.Kind != commands.KindOK || !containsText(r, "to Bob Jones; it shows up in their `watch` list") {
		t.Errorf("recommend to a mention: %s", r.Text())
	}
	// The mentioned user is known by their platform id now.
	w := f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformSlack, Workspace: "T1", UserID: "U0BOB", UserName: "Bob Jones", Text: "watch"})
	if !containsText(w, "recommended by alice") {
		t.Errorf("bob's watch list: %s", w.Text())
	}
	// An @name with no mention behind it must be someone the bot knows.
	if r := f.as("alice", "recommend #1 @nobody"); r.Kind != commands.KindError {
		t.Errorf("recommend to an unknown @name: %s", r.Text())
	}
}

// A mention of several words (Element puts a pill's display name in the
// body: "list Robert Smith") names its user, as one of one word does.
func TestAMentionOfSeveralWordsNamesItsUser(t *testing.T) {
	f := newFixture(t)
	matrix := func(user, name, text string, mentions ...commands.Mention) commands.Reply {
		return f.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformMatrix, Workspace: "localhost",
			UserID: user, UserName: name, Text: text, Mentions: mentions})
	}
	matrix("@bob:localhost", "Robert Smith", "add Bobs Talk 5/5")
	pill := commands.Mention{Text: "Robert Smith", UserID: "@bob:localhost", Name: "Robert Smith"}
	for _, text := range []string{"list Robert Smith", "list Robert Smith today", "list today Robert Smith page 1"} {
		if r := matrix("@alice:localhost", "alice", text, pill); r.Kind != commands.KindOK || !containsText(r, "Bobs Talk") {
			t.Errorf("%s: %s", text, r.Text())
		}
	}
}

func containsText(r commands.Reply, s string) bool { return strings.Contains(r.Text(), s) }
