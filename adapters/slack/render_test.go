package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares v, as indented JSON, with testdata/name.golden, and prints
// a line diff when they differ.
func golden(t *testing.T, name string, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep &lt; and <…> readable in the files
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(b.String(), "\n")); diff != "" {
		t.Errorf("%s differs from %s (-want +got; go test -update rewrites it):\n%s", name, path, diff)
	}
	return b.String()
}

// hostile is user text that tries every trick Slack's mrkdwn knows.
const hostile = `<!channel> <!here|here> <@U0BOB> <#C0GENERAL|general> <https://evil.example/x|click here> @here @channel &amp; <b>bold</b> <script>x</script> *stars* _under_ ` + "`code`"

func plainSpan(s string) commands.Span { return commands.Span{Text: s} }

func line(spans ...commands.Span) commands.Line { return spans }

func para(spans ...commands.Span) *commands.Paragraph { return &commands.Paragraph{Spans: spans} }

// Talks of the fixed replies.
var (
	podsTalk = talkbot.Talk{ID: 1, Title: podsTitle, Day: "2024-11-13", Tags: []string{"ebpf"},
		Speakers: []talkbot.Speaker{{Name: "Pablo Chico de Guzman", Org: "Red Hat"}, {Name: "Vinay Kulkarni"}}}
	hostileTalk = talkbot.Talk{ID: 2, Title: hostile, Speakers: []talkbot.Speaker{{Name: "<@U0EVE> & <!here>"}}}
)

// goldenReplies are fixed replies, built here rather than by the router, so
// a reworded message in commands changes no golden file.
func goldenReplies() map[string]commands.Reply {
	listCard := func(n int, t talkbot.Talk, l *talkbot.Log, stats string) *commands.TalkCard {
		return &commands.TalkCard{Talk: t, Log: l, Stats: &commands.Stats{Highlights: 1, Stars: 1, RatingSum: 5, RatingCount: 1},
			Lead: []commands.Span{plainSpan(itoa(int64(n)) + ".")}, Lines: []commands.Line{line(plainSpan("   " + stats))}}
	}
	return map[string]commands.Reply{
		"list": {Command: "list", Safe: true, Blocks: []commands.Block{
			para(plainSpan("Your talks — KubeCon NA 2024:")),
			listCard(1, podsTalk, &talkbot.Log{Status: talkbot.StatusAttended, Rating: 5, Starred: true}, "2024-11-13 · #ebpf · attended, ★★★★★ 5/5, starred"),
			listCard(2, hostileTalk, &talkbot.Log{Status: talkbot.StatusMissed, WatchLater: true}, "missed, watch later · team 4.0/5 from 2"),
			para(plainSpan("(1–2 of 30; "), commands.Span{Text: "list page 2", Style: commands.StyleCode}, plainSpan(" shows the next.)")),
			&commands.Actions{Buttons: []commands.Button{{Label: "Next ›", Command: "list page 2"}}},
		}},
		"show_hostile": {Command: "show", Safe: true, Private: true, Blocks: []commands.Block{
			&commands.TalkCard{Talk: hostileTalk, Notes: []talkbot.Note{{ID: 5, UserName: "bob", Text: hostile}}, Lines: []commands.Line{
				line(plainSpan("   Schedule: "), commands.Span{Text: "https://kccncna2022.sched.com/event/182HU", Style: commands.StyleLink, URL: "https://kccncna2022.sched.com/event/182HU"}),
				line(plainSpan("   Link: "), commands.Span{Text: "slides", Style: commands.StyleLink, URL: "javascript:alert(1)"}),
				line(plainSpan("• "), commands.Span{Text: "<!channel>", Style: commands.StyleStrong}, plainSpan(": attended")),
				line(plainSpan("✎ "), commands.Span{Text: "bob", Style: commands.StyleStrong}, plainSpan(" (private): "), commands.Span{Text: "“" + hostile + "”", Style: commands.StyleEmphasis}),
				line(plainSpan("Recommended by "), commands.Span{Text: "@carol", Style: commands.StyleMention, User: "U0CAROL"}, plainSpan(" and "), commands.Span{Text: "<!here>", Style: commands.StyleMention, User: "<!here>"}),
			}},
		}},
		"error": {Kind: commands.KindError, Code: talkbot.ENOTFOUND, Blocks: []commands.Block{
			para(plainSpan("I don't know the command “lsit”. Did you mean "), commands.Span{Text: "list", Style: commands.StyleCode}, plainSpan("?")),
		}},
		"question": {Command: "rate", Kind: commands.KindQuestion, Blocks: []commands.Block{
			para(plainSpan("Several talks match “sig”. Did you mean one of these?")),
			&commands.List{Items: []commands.Item{
				{Spans: line(plainSpan("• "), commands.Span{Text: "#3", Style: commands.StyleStrong}, plainSpan(" SIG Node Intro")), Talk: 3},
				{Spans: line(plainSpan("• "), commands.Span{Text: "#4", Style: commands.StyleStrong}, plainSpan(" SIG Network Intro")), Talk: 4},
			}},
			&commands.Actions{Buttons: []commands.Button{{Label: "#3", Command: "rate #3 4", Primary: true}, {Label: "#4", Command: "rate #4 4"}}},
		}},
		"export": {Command: "export", Safe: true, Private: true, Blocks: []commands.Block{
			para(plainSpan("Your data (talkbot.export/v1, 2 talks):")),
			&commands.Attachment{Name: "talkbot-export.json", MediaType: "application/json", Data: []byte(`{"format": "talkbot.export/v1", "note": "` + hostile + `"}`)},
		}},
		"progress": {Command: "summary", Kind: commands.KindProgress, Blocks: []commands.Block{para(plainSpan("Working on it…"))}},
	}
}

func TestRenderGolden(t *testing.T) {
	replies := goldenReplies()
	tests := []struct {
		name, reply string
		opts        renderOptions
	}{
		{"list", "list", renderOptions{share: "list"}},
		{"show_hostile", "show_hostile", renderOptions{}},
		{"error", "error", renderOptions{}},
		{"question", "question", renderOptions{}},
		{"export_dm", "export", renderOptions{filesNote: filesNote}},
		{"progress", "progress", renderOptions{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgs := render(replies[tc.reply], tc.opts)
			if len(msgs) != 1 || len(msgs[0].blocks) > maxBlocks {
				t.Errorf("%d messages", len(msgs))
			}
			var out []map[string]any
			for _, m := range msgs {
				out = append(out, map[string]any{"text": m.text, "blocks": m.blocks})
			}
			checkInert(t, golden(t, tc.name, out), ownLive)
		})
	}
	t.Run("home", func(t *testing.T) {
		var cards []commands.Block
		for i := range 7 {
			cards = append(cards, &commands.TalkCard{Talk: talkbot.Talk{ID: int64(10 + i), Title: "Talk number " + itoa(int64(i+1))},
				Lead: []commands.Span{plainSpan(itoa(int64(i+1)) + ".")}})
		}
		today := commands.Reply{Command: "list", Safe: true, Blocks: append(append([]commands.Block{para(plainSpan("Your talks — KubeCon NA 2024, 2024-11-13:"))}, cards...),
			para(plainSpan("(1–7 of 7.)")))}
		later := commands.Reply{Command: "list", Safe: true, Blocks: []commands.Block{para(plainSpan("Your watch-later list — KubeCon NA 2024:")),
			&commands.TalkCard{Talk: hostileTalk, Log: &talkbot.Log{WatchLater: true}}}}
		team := commands.Reply{Command: "highlights", Safe: true, Blocks: []commands.Block{para(plainSpan("No highlights yet: "),
			commands.Span{Text: "star", Style: commands.StyleCode}, plainSpan(" a talk or rate it 4 or 5."))}}
		notice := commands.Reply{Command: "star", Blocks: []commands.Block{&commands.TalkCard{Talk: podsTalk, Log: &talkbot.Log{Starred: true},
			Lead: []commands.Span{plainSpan("Starred")}}}}
		v := homeView(&notice, []commands.Reply{today, later, team})
		if len(v.Blocks.BlockSet) > maxHomeBlocks {
			t.Errorf("%d blocks", len(v.Blocks.BlockSet))
		}
		s := golden(t, "home", v)
		checkInert(t, s, ownLive)
		if n := strings.Count(s, `"text": "Actions…"`); n != homeTalks+1 {
			t.Errorf("%d cards with menus, want %d (the notice has none)", n, homeTalks+1)
		}
	})
	t.Run("modals", func(t *testing.T) {
		add := addModal(modalMeta{Channel: "C0TALKS", ResponseURL: "https://hooks.slack.com/commands/T0TEAM/1/abc"})
		if !slackgo.ValidateUniqueBlockID(add) {
			t.Error("add modal block ids are not unique")
		}
		golden(t, "modal_add", add)
		list := commands.Reply{Blocks: []commands.Block{para(plainSpan("Your talks:")),
			&commands.TalkCard{Talk: podsTalk}, &commands.TalkCard{Talk: hostileTalk}, &commands.TalkCard{Talk: podsTalk}}}
		note := noteModal(modalMeta{Channel: "C0TALKS"}, talkOptions(list), "a note <b>with</b> @here")
		golden(t, "modal_note", note)
	})
}

// TestLongRepliesAreSplit: a reply longer than a message takes is split
// into several, each within Slack's limits (blocks, and characters in all),
// with every card and the buttons kept.
func TestLongRepliesAreSplit(t *testing.T) {
	long := strings.Repeat("a&b ", 2000) // 8000 characters
	r := commands.Reply{Safe: true, Blocks: []commands.Block{para(plainSpan(long))}}
	for i := range 60 {
		r.Blocks = append(r.Blocks, &commands.TalkCard{Talk: talkbot.Talk{ID: int64(i + 1), Title: "Talk " + itoa(int64(i+1))},
			Lines: []commands.Line{line(plainSpan(strings.Repeat("x", 400)))}})
	}
	r.Blocks = append(r.Blocks, &commands.Actions{Buttons: []commands.Button{{Label: "Next ›", Command: "list page 2"}}})
	msgs := render(r, renderOptions{share: "list"})
	if len(msgs) < 4 { // some 38,000 characters
		t.Fatalf("%d messages, want at least 4", len(msgs))
	}
	var text strings.Builder
	cards := 0
	for i, m := range msgs {
		if len(m.blocks) > 50 {
			t.Errorf("message %d has %d blocks", i, len(m.blocks))
		}
		if refusal := refuseBlocks("chat.postMessage", postedBlocks(t, m)); refusal != "" {
			t.Errorf("message %d: Slack would answer %s", i, refusal)
		}
		for _, b := range m.blocks {
			switch b := b.(type) {
			case *slackgo.SectionBlock:
				if n := len([]rune(b.Text.Text)); n > 3000 {
					t.Errorf("section of %d characters", n)
				}
				if b.Accessory != nil {
					cards++
				}
			case *slackgo.RichTextBlock:
				n := 0
				for _, e := range b.Elements {
					for _, el := range e.(*slackgo.RichTextSection).Elements {
						if el, ok := el.(*slackgo.RichTextSectionTextElement); ok {
							n += len([]rune(el.Text))
						}
					}
				}
				if n > 3000 {
					t.Errorf("rich text of %d characters", n)
				}
			}
		}
		js, _ := json.Marshal(m.blocks)
		text.WriteString(shown(t, string(js)))
	}
	if got := strings.Count(text.String(), "a&b"); got != 2000 {
		t.Errorf("%d of 2000 pieces survived", got)
	}
	if cards != 60 {
		t.Errorf("%d cards, want 60", cards)
	}
	last, _ := json.Marshal(msgs[len(msgs)-1].blocks)
	if !strings.Contains(string(last), `"value":"list page 2"`) || !strings.Contains(string(last), `"action_id":"share"`) {
		t.Errorf("the buttons are not at the end: %s", last)
	}
	if msgs[1].text == msgs[0].text || !strings.Contains(msgs[1].text, "continued") {
		t.Errorf("fallback texts %q, %q", msgs[0].text, msgs[1].text)
	}
}

// postedBlocks is a message as chat.postMessage would carry it.
func postedBlocks(t *testing.T, m message) apiCall {
	t.Helper()
	js, err := json.Marshal(m.blocks)
	if err != nil {
		t.Fatal(err)
	}
	return apiCall{Form: url.Values{"blocks": {string(js)}}}
}

// A line cut across blocks keeps a mention, a channel and a link whole:
// each is in one block, once, and no block passes a section's length.
func TestACutLineKeepsItsLiveSpansWhole(t *testing.T) {
	for name, live := range map[string]commands.Span{
		"channel": {Text: "#general", Style: commands.StyleChannel, Channel: "C0GENERAL"},
		"mention": {Text: "@Bob Smith the Third", Style: commands.StyleMention, User: "U0BOB"},
		"name":    {Text: "Bob Smith the Third", Style: commands.StyleMention},
		"link":    {Text: "the slides", Style: commands.StyleLink, URL: "https://example.com/" + strings.Repeat("x", 200)},
	} {
		t.Run(name, func(t *testing.T) {
			r := commands.Reply{Safe: true, Blocks: []commands.Block{para(plainSpan(strings.Repeat("a", 2895)), live, plainSpan(" and more"))}}
			msgs := render(r, renderOptions{})
			js, _ := json.Marshal(msgs[0].blocks)
			out := string(js)
			for _, once := range []string{`"channel_id":"C0GENERAL"`, `"user_id":"U0BOB"`, "Bob Smith the Third", `"url":"https://example.com/`} {
				if n := strings.Count(out, once); n > 1 {
					t.Errorf("%s %d times", once, n)
				}
			}
			if strings.Contains(out, "@Bob S") && !strings.Contains(out, "@Bob Smith the Third") {
				t.Errorf("a name was cut: %s", out)
			}
			for _, b := range msgs[0].blocks {
				if rt, ok := b.(*slackgo.RichTextBlock); ok {
					n := 0
					for _, el := range rt.Elements[0].(*slackgo.RichTextSection).Elements {
						switch el := el.(type) {
						case *slackgo.RichTextSectionTextElement:
							n += len([]rune(el.Text))
						case *slackgo.RichTextSectionLinkElement:
							n += len([]rune(el.Text))
						}
					}
					if n > maxSectionText {
						t.Errorf("a block of %d characters", n)
					}
				}
			}
		})
	}
}

// A card longer than a message (a talk with 60 long notes) is split over
// messages; the reply no longer starts with an empty one.
func TestACardLongerThanAMessage(t *testing.T) {
	c := &commands.TalkCard{Talk: talkbot.Talk{ID: 1, Title: "Talk A"}}
	for range 60 {
		c.Lines = append(c.Lines, line(plainSpan(strings.Repeat("note text ", 299))))
	}
	msgs := render(commands.Reply{Blocks: []commands.Block{c}}, renderOptions{})
	if len(msgs) < 2 {
		t.Fatalf("%d messages, want the card split", len(msgs))
	}
	for i, m := range msgs {
		if len(m.blocks) == 0 || len(m.blocks) > 50 {
			t.Errorf("message %d has %d blocks", i, len(m.blocks))
		}
	}
}

// ownLive is the live markup the golden replies make themselves: schedule
// and recording links, a recommender's mention.
func ownLive(kind, target string) bool {
	switch kind {
	case "link":
		return strings.HasPrefix(target, "https://kccncna2022.sched.com/") || strings.HasPrefix(target, "https://www.youtube.com/")
	case "user":
		return target == "U0CAROL"
	}
	return false
}

// Spans become rich text elements: what a user typed shows as typed, and
// only the bot's own links, users and channels are live.
func TestRichTextSpan(t *testing.T) {
	tests := []struct {
		name string
		span commands.Span
		want string // the elements' JSON
	}{
		{"plain as typed", commands.Span{Text: "a & b <c> *stars* _under_ ~strike~ `code` ```fence"},
			`[{"type":"text","text":"a \u0026 b \u003cc\u003e *stars* _under_ ~strike~ ` + "`code` ```fence" + `"}]`},
		{"mass mention defanged", commands.Span{Text: "<!channel> @here"}, `[{"type":"text","text":"\u003c!\u2060channel\u003e @\u2060here"}]`},
		{"strong", commands.Span{Text: "#12", Style: commands.StyleStrong}, `[{"type":"text","text":"#12","style":{"bold":true}}]`},
		{"strong keeps spaces outside", commands.Span{Text: " #12 ", Style: commands.StyleStrong},
			`[{"type":"text","text":" "},{"type":"text","text":"#12","style":{"bold":true}},{"type":"text","text":" "}]`},
		{"strong with a star", commands.Span{Text: "a*b", Style: commands.StyleStrong}, `[{"type":"text","text":"a*b","style":{"bold":true}}]`},
		{"strong of nothing", commands.Span{Text: " ", Style: commands.StyleStrong}, `[{"type":"text","text":" "}]`},
		{"emphasis", commands.Span{Text: "“<b>hi</b>”", Style: commands.StyleEmphasis}, `[{"type":"text","text":"“\u003cb\u003ehi\u003c/b\u003e”","style":{"italic":true}}]`},
		{"code", commands.Span{Text: "add <title>", Style: commands.StyleCode}, `[{"type":"text","text":"add \u003ctitle\u003e","style":{"code":true}}]`},
		{"mention", commands.Span{Text: "@bob", Style: commands.StyleMention, User: "U0BOB"}, `[{"type":"user","user_id":"U0BOB"}]`},
		{"mention of no Slack user", commands.Span{Text: "<!here>", Style: commands.StyleMention, User: "!here"}, `[{"type":"text","text":"@\u003c!\u2060here\u003e"}]`},
		{"mention by name", commands.Span{Text: "bob", Style: commands.StyleMention}, `[{"type":"text","text":"@bob"}]`},
		{"channel", commands.Span{Text: "#general", Style: commands.StyleChannel, Channel: "C0GENERAL"}, `[{"type":"channel","channel_id":"C0GENERAL"}]`},
		{"channel of no Slack id", commands.Span{Text: "#general", Style: commands.StyleChannel, Channel: "!here"}, `[{"type":"text","text":"#general"}]`},
		{"link", commands.Span{Text: "slides", Style: commands.StyleLink, URL: "https://example.com/a?b=1&c=2"},
			`[{"type":"link","url":"https://example.com/a?b=1\u0026c=2","text":"slides"}]`},
		{"link label defanged", commands.Span{Text: "<!here> <b>", Style: commands.StyleLink, URL: "https://example.com"},
			`[{"type":"link","url":"https://example.com","text":"\u003c!\u2060here\u003e \u003cb\u003e"}]`},
		{"link without a label", commands.Span{Style: commands.StyleLink, URL: "https://example.com"}, `[{"type":"link","url":"https://example.com","text":"https://example.com"}]`},
		{"javascript is no link", commands.Span{Text: "x", Style: commands.StyleLink, URL: "javascript:alert(1)"}, `[{"type":"text","text":"x (javascript:alert(1))"}]`},
		{"relative is no link", commands.Span{Text: "x", Style: commands.StyleLink, URL: "/etc/passwd"}, `[{"type":"text","text":"x (/etc/passwd)"}]`},
		{"ftp is no link", commands.Span{Text: "ftp://x.example", Style: commands.StyleLink, URL: "ftp://x.example"}, `[{"type":"text","text":"ftp://x.example"}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r richText
			r.span(tc.span)
			got, err := json.Marshal(r.els)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.ReplaceAll(string(got), "\u2060", `\u2060`); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestSlackTextIn(t *testing.T) {
	tests := []struct {
		name, in, command, note string
		mentions                []commands.Mention
	}{
		{"entities", "a &amp; b &lt;c&gt;", "a & b <c>", "a & b <c>", nil},
		{"entities once", "&amp;lt;", "&lt;", "&lt;", nil},
		{"link", "add <https://kccncna2022.sched.com/event/182HU>", "add https://kccncna2022.sched.com/event/182HU", "add https://kccncna2022.sched.com/event/182HU", nil},
		{"link with an entity", "<https://example.com/?a=1&amp;b=2>", "https://example.com/?a=1&b=2", "https://example.com/?a=1&b=2", nil},
		{"labelled link", "see <https://example.com/s|the slides>", "see https://example.com/s", "see the slides (https://example.com/s)", nil},
		{"user", "list <@U0BOB|bob>", "list @bob", "list @bob", []commands.Mention{{Text: "@bob", UserID: "U0BOB", Name: "bob"}}},
		{"bare user", "recommend #1 <@U0BOB>", "recommend #1 @U0BOB", "recommend #1 @Bob", []commands.Mention{{Text: "@U0BOB", UserID: "U0BOB"}}},
		{"one user twice", "<@U0BOB> <@U0BOB>", "@U0BOB @U0BOB", "@Bob @Bob", []commands.Mention{{Text: "@U0BOB", UserID: "U0BOB"}}},
		{"channel as tag", "list <#C0EBPF|ebpf>", "list #ebpf", "list #ebpf", nil},
		{"special mentions", "<!here> <!channel> <!subteam^S0ID|@sre>", "@here @channel @sre", "@here @channel @sre", nil},
		{"mailto", "<mailto:a@example.com|a@example.com>", "a@example.com", "a@example.com", nil},
		{"typed markup arrives escaped", "&lt;!channel&gt;", "<!channel>", "<!channel>", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, mentions := commandText(tc.in)
			if got != tc.command || !slices.Equal(mentions, tc.mentions) {
				t.Errorf("commandText = %q %+v, want %q %+v", got, mentions, tc.command, tc.mentions)
			}
			for _, m := range mentions {
				if !strings.Contains(got, m.Text) {
					t.Errorf("mention %q is not in the text %q", m.Text, got)
				}
			}
			if got := noteText(tc.in, func(id string) string { return map[string]string{"U0BOB": "Bob"}[id] }); got != tc.note {
				t.Errorf("noteText = %q, want %q", got, tc.note)
			}
		})
	}
}

func TestCommandHelpers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<@U0BOT> list", "list"},
		{"<@U0BOT|talkbot>: what should I watch later?", "what should I watch later?"},
		{"hey <@U0BOT> list", "hey <@U0BOT> list"},
	} {
		if got := stripMention(tc.in, "U0BOT"); got != tc.want {
			t.Errorf("stripMention(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		in    string
		want  string
		share bool
	}{
		{"share list today", "list today", true},
		{"talk share highlights", "highlights", true},
		{"SHARE help", "help", true},
		{"list", "list", false},
		{"shared list", "shared list", false},
		{"/talk share list", "list", true},
	} {
		got, share := cutShare(tc.in)
		if got != tc.want || share != tc.share {
			t.Errorf("cutShare(%q) = %q %v", tc.in, got, share)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"KEDA", `"KEDA"`},
		{`The "Best" Talk`, `“The "Best" Talk”`},
		{`A "B" “C”`, `«A "B" “C”»`},
		{"Title -- with a dash", "\"Title --\u00a0with a dash\""},
	} {
		if got, ok := quoteTitle(tc.in); got != tc.want || !ok {
			t.Errorf("quoteTitle(%q) = %q %v, want %q", tc.in, got, ok, tc.want)
		}
	}
	if got, ok := quoteTitle(`edit n1 "a" “b” «c»`); ok {
		t.Errorf("text of every quote was quoted: %q", got)
	}
	for _, tc := range []struct {
		id, kind string
	}{{"run-3", actionRun}, {"card-12", actionCard}, {"share", actionShare}, {"open_add", actionOpenAdd}, {"a-b", "a-b"}} {
		if got := actionKind(tc.id); got != tc.kind {
			t.Errorf("actionKind(%q) = %q, want %q", tc.id, got, tc.kind)
		}
	}
}

func TestSets(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s := newTTLSet(time.Minute, 70) // 7 buckets of 10
	if !s.add("a", now) || s.add("a", now) {
		t.Error("a twice")
	}
	for i := range 69 {
		s.add(fmt.Sprint("k", i), now)
	}
	if s.add("a", now) || s.add("k68", now) {
		t.Error("a key within the bound was forgotten")
	}
	for i := range 10 {
		s.add(fmt.Sprint("more", i), now) // over the bound: the oldest bucket goes
	}
	if !s.add("a", now) {
		t.Error("the oldest was kept over the bound")
	}
	if s.add("k68", now) || s.add("more9", now) {
		t.Error("a newer key was forgotten")
	}
	s.remove("more9")
	if !s.add("more9", now) {
		t.Error("a removed key was kept")
	}
	if !s.add("k68", now.Add(2*time.Minute)) {
		t.Error("an expired key was kept")
	}

	// Under steady traffic every key is remembered for the whole ttl, and
	// forgotten soon after.
	s = newTTLSet(time.Minute, 1000)
	for i := range 200 {
		at := now.Add(time.Duration(i) * 7 * time.Second)
		key := fmt.Sprint("t", i)
		if !s.add(key, at) {
			t.Fatalf("%s seen before", key)
		}
		if i >= 9 {
			if old := fmt.Sprint("t", i-8); s.add(old, at) { // 56 s old
				t.Fatalf("%s forgotten after 56 s", old)
			}
		}
		if i >= 12 {
			if old := fmt.Sprint("t", i-12); !s.add(old, at.Add(time.Second)) { // 85 s old
				t.Fatalf("%s remembered after 85 s", old)
			}
		}
	}
	// A burst after quiet minutes forgets nothing younger than ttl while the
	// set holds fewer than its bound.
	s = newTTLSet(time.Minute, 700)
	for i := range 5 {
		s.add(fmt.Sprint("quiet", i), now.Add(time.Duration(i)*10*time.Second))
	}
	burst := now.Add(50 * time.Second)
	for i := range 600 {
		s.add(fmt.Sprint("burst", i), burst)
	}
	for i := range 5 {
		if s.add(fmt.Sprint("quiet", i), burst) {
			t.Errorf("quiet%d forgotten in a burst within the bound", i)
		}
	}

	p := &pacer{every: time.Second, next: map[string]time.Time{}}
	if w := p.reserve("C1", now); w != 0 {
		t.Errorf("first post waits %v", w)
	}
	if w := p.reserve("C1", now.Add(300*time.Millisecond)); w != 700*time.Millisecond {
		t.Errorf("second post waits %v, want 700ms", w)
	}
	if w := p.reserve("C2", now); w != 0 {
		t.Errorf("another channel waits %v", w)
	}
	if w := p.reserve("C1", now.Add(5*time.Second)); w != 0 {
		t.Errorf("a post after a pause waits %v", w)
	}
}

// A card posted where others read it offers Star whatever the asker's own
// star: colleagues had only "Unstar", which unstarred nothing of theirs.
func TestASharedCardsMenuIsEveryones(t *testing.T) {
	c := &commands.TalkCard{Talk: talkbot.Talk{ID: 1, Title: "Talk A"}, Log: &talkbot.Log{Starred: true}}
	for _, tc := range []struct {
		public bool
		want   string
	}{{false, `"value":"unstar #1"`}, {true, `"value":"star #1"`}} {
		b, _ := json.Marshal(render(commands.Reply{Blocks: []commands.Block{c}}, renderOptions{public: tc.public})[0].blocks)
		if !strings.Contains(string(b), tc.want) {
			t.Errorf("public %v: the menu lacks %s: %s", tc.public, tc.want, b)
		}
	}
}
