package matrix

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"maunium.net/go/mautrix/event"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

func plain(s string) commands.Span { return commands.Span{Text: s} }

func styled(s string, st commands.Style) commands.Span { return commands.Span{Text: s, Style: st} }

func para(spans ...commands.Span) *commands.Paragraph { return &commands.Paragraph{Spans: spans} }

func TestRenderSpans(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spans    []commands.Span
		wantBody string
		wantHTML string
	}{
		{"strong", []commands.Span{plain("Logged "), styled("#1", commands.StyleStrong)},
			"Logged #1", "Logged <strong>#1</strong>"},
		{"html escaped", []commands.Span{plain(`<b>x</b> & <img src=x onerror="alert(1)">`)},
			`<b>x</b> & <img src=x onerror="alert(1)">`, "&lt;b&gt;x&lt;/b&gt; &amp; &lt;img src=x onerror=&#34;alert(1)&#34;&gt;"},
		{"mass mentions", []commands.Span{plain("@room @here @channel @everyone")},
			"@\u2060room @\u2060here @\u2060channel @\u2060everyone", "@\u2060room @\u2060here @\u2060channel @\u2060everyone"},
		{"mass mention across spans", []commands.Span{plain("@"), styled("room", commands.StyleStrong)},
			"@\u2060room", "@<strong>room</strong>"},
		{"mention in code", []commands.Span{styled("@room", commands.StyleCode)},
			"`@\u2060room`", "<code>@\u2060room</code>"},
		{"code", []commands.Span{plain("Try "), styled("rate #12 4", commands.StyleCode)},
			"Try `rate #12 4`", "Try <code>rate #12 4</code>"},
		{"backticks are text", []commands.Span{plain("Try `rate 4` or `<b>`")},
			"Try `rate 4` or `<b>`", "Try `rate 4` or `&lt;b&gt;`"},
		{"http link", []commands.Span{{Text: "schedule", Style: commands.StyleLink, URL: "https://kccncna2022.sched.com/event/182HU?a=1&b=2"}},
			"schedule <https://kccncna2022.sched.com/event/182HU?a=1&b=2>", `<a href="https://kccncna2022.sched.com/event/182HU?a=1&amp;b=2">schedule</a>`},
		{"javascript link", []commands.Span{{Text: "click", Style: commands.StyleLink, URL: "javascript:alert(1)"}},
			"click <javascript:alert(1)>", "click"},
		{"link with a quote", []commands.Span{{Text: "x", Style: commands.StyleLink, URL: `https://e.org/"><script>`}},
			`x <https://e.org/"><script>>`, `<a href="https://e.org/&#34;&gt;&lt;script&gt;">x</a>`},
		{"note", []commands.Span{styled("“great\n<i>demo</i>”", commands.StyleEmphasis)},
			"“great\n<i>demo</i>”", "<em>“great<br>&lt;i&gt;demo&lt;/i&gt;”</em>"},
		{"mention", []commands.Span{plain("to "), {Text: "Bob <3", Style: commands.StyleMention, User: "@bob:example.org"}},
			"to @Bob <3", `to <a href="https://matrix.to/#/@bob:example.org">Bob &lt;3</a>`},
		{"mention of no Matrix user", []commands.Span{{Text: "bob", Style: commands.StyleMention, User: "U123"}},
			"@bob", "@bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(commands.Reply{Blocks: []commands.Block{para(tc.spans...)}}, maxTextBytes, maxTextBytes)
			if len(got) != 1 {
				t.Fatalf("%d events, want 1", len(got))
			}
			if got[0].MsgType != event.MsgNotice || got[0].Format != event.FormatHTML {
				t.Errorf("msgtype %q format %q, want m.notice with HTML", got[0].MsgType, got[0].Format)
			}
			if got[0].Body != tc.wantBody {
				t.Errorf("body = %q, want %q", got[0].Body, tc.wantBody)
			}
			if got[0].FormattedBody != tc.wantHTML {
				t.Errorf("html = %q, want %q", got[0].FormattedBody, tc.wantHTML)
			}
		})
	}
}

// goldenReplies are fixed replies of every kind of block, built here rather
// than by the router, so that rewording a message in commands changes no
// golden file.
func goldenReplies() []struct {
	name  string
	reply commands.Reply
} {
	talk := talkbot.Talk{ID: 12, Title: "Resize Your Pods <In-Place> & @room", Speakers: []talkbot.Speaker{{Name: "Vinay Kulkarni", Org: "eBay"}}}
	card := &commands.TalkCard{
		Talk:  talk,
		Log:   &talkbot.Log{Status: talkbot.StatusAttended, Rating: 5},
		Stats: &commands.Stats{Highlights: 2, Stars: 1, RatingSum: 9, RatingCount: 2},
		Lead:  []commands.Span{plain("Logged new talk")},
		Tail:  []commands.Span{plain(" (2024-11-13)")},
		Lines: []commands.Line{
			{plain("   KubeCon NA 2024 · W183 · #ebpf")},
			{plain("   Note: "), styled("“mind slightly blown; <b>not bold</b> @here”", commands.StyleEmphasis)},
			{plain("   "), {Text: "schedule", Style: commands.StyleLink, URL: "https://kccncna2024.sched.com/event/1i7kM"}},
		},
	}
	return []struct {
		name  string
		reply commands.Reply
	}{
		{"paragraph", commands.Reply{Blocks: []commands.Block{
			para(plain("Rated "), styled("★★★★★ 5/5", commands.StyleStrong), plain(": see "), styled("show #12", commands.StyleCode), plain(".")),
		}}},
		{"talk card", commands.Reply{Command: "add", Blocks: []commands.Block{card,
			&commands.Actions{Buttons: []commands.Button{{Label: "Rate 5", Command: "rate #12 5", Primary: true}, {Label: "Undo", Command: "undo"}}},
		}}},
		{"list", commands.Reply{Command: "list", Safe: true, Blocks: []commands.Block{
			para(plain("Your talks at "), styled("KubeCon NA 2024", commands.StyleStrong), plain(" (2):")),
			&commands.List{Items: []commands.Item{
				{Spans: []commands.Span{plain("1. "), styled("#12", commands.StyleStrong), plain(" Resize Your Pods")}, Talk: 12},
				{Spans: []commands.Span{plain("2. "), styled("#3", commands.StyleStrong), plain(" Top #1 Kubernetes Mistakes")}, Talk: 3},
			}},
		}}},
		{"question", commands.Reply{Kind: commands.KindQuestion, Blocks: []commands.Block{
			para(plain("Several talks match “"), plain("SIG Node"), plain("”. Did you mean one of these?")),
			&commands.List{Items: []commands.Item{
				{Spans: []commands.Span{plain("• "), styled("#1", commands.StyleStrong), plain(" SIG Node Intro")}, Talk: 1},
				{Spans: []commands.Span{plain("• "), styled("#2", commands.StyleStrong), plain(" SIG Node Deep Dive")}, Talk: 2},
			}},
			para(plain("Answer with its #id: "), styled("rate #1 4", commands.StyleCode), plain(".")),
			&commands.Actions{Buttons: []commands.Button{{Label: "#1", Command: "rate #1 4"}, {Label: "#2", Command: "rate #2 4"}}},
		}}},
		{"error", commands.Reply{Kind: commands.KindError, Code: talkbot.EINVALID, Blocks: []commands.Block{
			para(plain("A rating is 1 to 5, like "), styled("rate #12 4", commands.StyleCode), plain(".")),
		}}},
		{"progress", commands.Reply{Kind: commands.KindProgress, Blocks: []commands.Block{para(plain("Working on it…"))}}},
		{"mention", commands.Reply{Blocks: []commands.Block{
			para(plain("Recommended "), styled("#12", commands.StyleStrong), plain(" to "), commands.Span{Text: "Bob", Style: commands.StyleMention, User: "@bob:example.org"}, plain(".")),
		}}},
		{"attachment", commands.Reply{Command: "export", Private: true, Blocks: []commands.Block{
			para(plain("Your export: 1 talk, 1 note.")),
			&commands.Attachment{Name: "talkbot-export.json", MediaType: "application/json", Data: []byte(`{"format": "talkbot.export/v1"}`)},
		}}},
	}
}

// TestRenderGolden renders the fixed replies as Matrix users get them into
// testdata/render.golden (go test -update rewrites it).
func TestRenderGolden(t *testing.T) {
	var out strings.Builder
	for _, tc := range goldenReplies() {
		parts := render(tc.reply, maxTextBytes, maxTextBytes)
		fmt.Fprintf(&out, "=== %s (talks %v, mentions %v, files %d)\n", tc.name, tc.reply.Talks(), mentioned(tc.reply), len(tc.reply.Attachments()))
		for i, c := range parts {
			if len(parts) > 1 {
				fmt.Fprintf(&out, "--- event %d\n", i+1)
			}
			fmt.Fprintf(&out, "--- body (%s)\n%s\n--- html\n%s\n", c.MsgType, c.Body, c.FormattedBody)
		}
		out.WriteString("\n")
	}
	golden := filepath.Join("testdata", "render.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(out.String(), "\n")); diff != "" {
		t.Errorf("rendered replies differ from %s (-want +got; go test -update rewrites it):\n%s", golden, diff)
	}
}

// TestRenderBodyIsTheReplysText: the body is what every platform's plain
// text says (Reply.Text), the files apart.
func TestRenderBodyIsTheReplysText(t *testing.T) {
	for _, tc := range goldenReplies() {
		r := tc.reply
		var blocks []commands.Block
		for _, b := range r.Blocks {
			if _, ok := b.(*commands.Attachment); !ok {
				blocks = append(blocks, b)
			}
		}
		r.Blocks = blocks
		parts := render(tc.reply, maxTextBytes, maxTextBytes)
		if len(parts) != 1 {
			t.Fatalf("%s: %d events, want 1", tc.name, len(parts))
		}
		if got, want := parts[0].Body, talkbot.Defang(r.Text()); got != want {
			t.Errorf("%s: body = %q, want Reply.Text %q", tc.name, got, want)
		}
	}
}

// TestRenderSplitsLongReplies: a reply too long for one event comes in
// several, each within the limit, cut at line ends, nothing lost; a single
// line longer than an event is cut between characters.
func TestRenderSplitsLongReplies(t *testing.T) {
	var long commands.Reply
	for i := range 3000 {
		long.Blocks = append(long.Blocks, para(styled(fmt.Sprintf("#%d", i), commands.StyleStrong), plain(" a talk <with> a title & long enough to fill the reply")))
	}
	huge := strings.Repeat("ünïcödé <&> @room ", 8000)
	for _, tc := range []struct {
		name  string
		reply commands.Reply
		first int
	}{
		{"many lines", long, maxTextBytes},
		{"many lines, edited", long, maxTextBytes / 2},
		{"one huge line", commands.Reply{Blocks: []commands.Block{para(plain("Note: "), styled(huge, commands.StyleEmphasis))}}, maxTextBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := render(tc.reply, tc.first, maxTextBytes)
			if len(parts) < 2 {
				t.Fatalf("%d events, want the reply split", len(parts))
			}
			var bodies []string
			for i, c := range parts {
				limit := maxTextBytes
				if i == 0 {
					limit = tc.first
				}
				if n := jsonLen(c.Body) + jsonLen(c.FormattedBody); n > limit {
					t.Errorf("event %d: %d bytes of text as JSON, want at most %d", i+1, n, limit)
				}
				bodies = append(bodies, c.Body)
			}
			sep := "\n"
			if tc.name == "one huge line" {
				sep = ""
			}
			if got, want := strings.Join(bodies, sep), plainText(tc.reply); got != want {
				t.Errorf("the events' bodies together differ from the reply's text (%d bytes, want %d)", len(got), len(want))
			}
			if strings.Contains(strings.Join(bodies, sep), "@room") {
				t.Errorf("a mass mention survived the split")
			}
		})
	}
}

func TestRelation(t *testing.T) {
	plain := relation("$cmd", "")
	if plain.Type != "" || plain.GetReplyTo() != "$cmd" {
		t.Errorf("reply outside a thread = %+v", plain)
	}
	thread := relation("$cmd", "$root")
	if thread.Type != event.RelThread || thread.EventID != "$root" || thread.GetReplyTo() != "$cmd" || thread.IsFallingBack {
		t.Errorf("reply in a thread = %+v", thread)
	}
	post := relation("", "$root")
	if post.Type != event.RelThread || post.EventID != "$root" || !post.IsFallingBack {
		t.Errorf("post in a thread = %+v", post)
	}
	if none := relation("", ""); none != nil {
		t.Errorf("post outside a thread = %+v, want no relation", none)
	}
}
