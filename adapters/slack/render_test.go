package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares v, as indented JSON, with testdata/name.golden.
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
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, path, b.String())
	}
	return b.String()
}

// hostile is user text that tries every trick Slack's mrkdwn knows.
const hostile = `<!channel> <!here|here> <@U0BOB> <#C0GENERAL|general> <https://evil.example/x|click here> @here @channel &amp; <b>bold</b> <script>x</script>`

// goldenRouter is a real router over a real store, on a fixed clock.
func goldenRouter(t *testing.T) *commands.Router {
	t.Helper()
	now := time.Date(2024, 11, 13, 17, 30, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "golden.db"), store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return commands.New(commands.Config{Store: st, Now: clock, Logger: slog.New(slog.DiscardHandler), RateBurst: 1000})
}

func TestRenderGolden(t *testing.T) {
	r := goldenRouter(t)
	run := func(user, text string) commands.Reply {
		return r.Handle(context.Background(), commands.Request{Platform: "slack", Workspace: testTeam, UserID: user, UserName: strings.ToLower(user[2:]), Text: text,
			Admin: user == "U0ALICE"})
	}
	run("U0ALICE", "conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver")
	run("U0ALICE", "add https://kccncna2022.sched.com/event/182HU "+podsTitle+" - Pablo Chico de Guzman & Vinay Kulkarni 5/5 #ebpf -- mind slightly blown; needs KEP-1287")
	run("U0ALICE", "video #1 https://www.youtube.com/watch?v=29yKJ1312AM")
	run("U0BOB", "add #1 *4 -- "+hostile)
	run("U0BOB", "add "+strings.NewReplacer("<", "", ">", "").Replace(hostile)+" `code` *stars* _under_")
	for i := range 10 {
		run("U0ALICE", "add Talk number "+itoa(int64(i+1))+" #observability")
	}
	run("U0ALICE", "want #2")

	tests := []struct {
		name string
		text string
		user string
		page int
	}{
		{"list_page1", "list", "U0ALICE", 1},
		{"list_page2", "list", "U0ALICE", 2},
		{"show_hostile_note", "show #1", "U0ALICE", 1},
		{"list_hostile_title", "list", "U0BOB", 1},
		{"error_unknown", "lsit", "U0ALICE", 1},
		{"help", "help", "U0ALICE", 1},
		{"export_json", "export json", "U0BOB", 1},
		{"add_change", "rate #3 2", "U0ALICE", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reply := run(tc.user, tc.text)
			out := render(reply, renderOptions{command: onlyReadOnly(tc.text), page: tc.page})
			if len(out.blocks) > 50 {
				t.Errorf("%d blocks; Slack takes 50", len(out.blocks))
			}
			s := golden(t, tc.name, map[string]any{"text": out.text, "blocks": out.blocks})
			checkNeutral(t, s)
		})
	}
	t.Run("home", func(t *testing.T) {
		var replies []commands.Reply
		for _, s := range homeSections {
			replies = append(replies, run("U0ALICE", s.command))
		}
		notice := run("U0ALICE", "star #2")
		v := homeView(&notice, replies)
		if len(v.Blocks.BlockSet) > maxHomeBlocks {
			t.Errorf("%d blocks", len(v.Blocks.BlockSet))
		}
		checkUniqueBlockIDs(t, v.Blocks.BlockSet)
		checkNeutral(t, golden(t, "home", v))
	})
	t.Run("modals", func(t *testing.T) {
		add := addModal(modalMeta{Channel: "C0TALKS", ResponseURL: "https://hooks.slack.com/commands/T0TEAM/1/abc"})
		if !slackgo.ValidateUniqueBlockID(add) {
			t.Error("add modal block ids are not unique")
		}
		golden(t, "modal_add", add)
		note := noteModal(modalMeta{Channel: "C0TALKS"}, []*slackgo.OptionBlockObject{
			slackgo.NewOptionBlockObject("1", plainText("#1 "+podsTitle[:50]), nil)}, "a note <b>with</b> @here")
		golden(t, "modal_note", note)
	})
}

func onlyReadOnly(text string) string {
	if isReadOnly(text) {
		return text
	}
	return ""
}

// reLive finds markup that Slack would act on: mass and user mentions,
// channel links, links.
var reLive = regexp.MustCompile(`<[!@#]|<https?:|<mailto:`)

// checkNeutral fails when rendered JSON holds live markup other than the
// links talkbot itself makes (schedule and recording links).
func checkNeutral(t *testing.T, s string) {
	t.Helper()
	for _, m := range reLive.FindAllStringIndex(s, -1) {
		rest := s[m[0]:]
		if strings.HasPrefix(rest, "<https://kccncna2022.sched.com/") || strings.HasPrefix(rest, "<https://www.youtube.com/") {
			continue
		}
		t.Errorf("live markup %q", rest[:min(len(rest), 40)])
	}
	for _, bad := range []string{"@here", "@channel"} {
		if strings.Contains(s, bad) {
			t.Errorf("undefanged %s", bad)
		}
	}
}

func checkUniqueBlockIDs(t *testing.T, blocks []slackgo.Block) {
	t.Helper()
	seen := map[string]bool{}
	for _, b := range blocks {
		id := b.ID()
		if id == "" {
			continue
		}
		if seen[id] {
			t.Errorf("block id %q twice", id)
		}
		seen[id] = true
	}
}

func TestSpanMrkdwn(t *testing.T) {
	tests := []struct {
		name string
		span commands.Span
		want string
	}{
		{"plain escapes", commands.Span{Text: "a & b <c> >"}, "a &amp; b &lt;c&gt; &gt;"},
		{"mass mention defanged", commands.Span{Text: "<!channel> @here"}, "&lt;!\u2060channel&gt; @\u2060here"},
		{"user mention", commands.Span{Text: "<@U0BOB|bob>"}, "&lt;@U0BOB|bob&gt;"},
		{"bold", commands.Span{Text: "#12", Style: commands.StyleBold}, "*#12*"},
		{"bold with a star stays plain", commands.Span{Text: "a*b", Style: commands.StyleBold}, "a*b"},
		{"code", commands.Span{Text: "add <title>", Style: commands.StyleCode}, "`add &lt;title&gt;`"},
		{"code with a backtick stays plain", commands.Span{Text: "a`b", Style: commands.StyleCode}, "a`b"},
		{"quote", commands.Span{Text: "<b>hi</b>", Style: commands.StyleQuote}, "“&lt;b&gt;hi&lt;/b&gt;”"},
		{"link", commands.Span{Text: "slides", Style: commands.StyleLink, URL: "https://example.com/a?b=1&c=2"}, "<https://example.com/a?b=1&amp;c=2|slides>"},
		{"link with markup in url", commands.Span{Text: "x", Style: commands.StyleLink, URL: "https://example.com/a|<!here>"}, "<https://example.com/a%7C%3C%21here%3E|x>"},
		{"link label escaped", commands.Span{Text: "<!here> <b>", Style: commands.StyleLink, URL: "https://example.com"}, "<https://example.com|&lt;!\u2060here&gt; &lt;b&gt;>"},
		{"javascript is no link", commands.Span{Text: "x", Style: commands.StyleLink, URL: "javascript:alert(1)"}, "x (javascript:alert(1))"},
		{"relative is no link", commands.Span{Text: "x", Style: commands.StyleLink, URL: "/etc/passwd"}, "x (/etc/passwd)"},
		{"ftp is no link", commands.Span{Text: "ftp://x.example", Style: commands.StyleLink, URL: "ftp://x.example"}, "ftp://x.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := spanMrkdwn(tc.span); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSlackTextIn(t *testing.T) {
	tests := []struct {
		name, in, command, note string
	}{
		{"entities", "a &amp; b &lt;c&gt;", "a & b <c>", "a & b <c>"},
		{"link", "add <https://kccncna2022.sched.com/event/182HU>", "add https://kccncna2022.sched.com/event/182HU", "add https://kccncna2022.sched.com/event/182HU"},
		{"labelled link", "see <https://example.com/s|the slides>", "see https://example.com/s", "see the slides (https://example.com/s)"},
		{"user", "list <@U0BOB|bob>", "list <@U0BOB|bob>", "list @bob"},
		{"bare user", "recommend #1 <@U0BOB>", "recommend #1 <@U0BOB>", "recommend #1 @Bob"},
		{"channel as tag", "list <#C0EBPF|ebpf>", "list #ebpf", "list #ebpf"},
		{"special mentions", "<!here> <!channel> <!subteam^S0ID|@sre>", "@here @channel @sre", "@here @channel @sre"},
		{"mailto", "<mailto:a@example.com|a@example.com>", "a@example.com", "a@example.com"},
		{"typed markup arrives escaped", "&lt;!channel&gt;", "<!channel>", "<!channel>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := commandText(tc.in); got != tc.command {
				t.Errorf("commandText = %q, want %q", got, tc.command)
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
		if got := quoteTitle(tc.in); got != tc.want {
			t.Errorf("quoteTitle(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		text string
		ro   bool
	}{{"list", true}, {"show #1", true}, {"what should I watch later?", true}, {"add x", false}, {"talk rate 4", false}, {"", false}, {"delete #1", false}} {
		if got := isReadOnly(tc.text); got != tc.ro {
			t.Errorf("isReadOnly(%q) = %v", tc.text, got)
		}
	}
}

func TestLongTextIsSplit(t *testing.T) {
	long := strings.Repeat("a&b ", 2000) // 8000 characters, 16000 once escaped
	r := commands.Reply{Lines: []commands.Line{{{Text: long}}}, JSON: []byte(`{"note": "` + strings.Repeat("`<x>`", 3000) + `"}`)}
	out := render(r, renderOptions{})
	var text strings.Builder
	for _, b := range out.blocks {
		s, ok := b.(*slackgo.SectionBlock)
		if !ok {
			continue
		}
		if n := len([]rune(s.Text.Text)); n > 3000 {
			t.Errorf("section of %d characters", n)
		}
		if strings.HasSuffix(s.Text.Text, "&") || strings.HasSuffix(s.Text.Text, "&am") {
			t.Errorf("entity cut: …%s", s.Text.Text[len(s.Text.Text)-10:])
		}
		text.WriteString(s.Text.Text)
	}
	if got := strings.Count(text.String(), "a&amp;b"); got != 2000 {
		t.Errorf("%d of 2000 pieces survived", got)
	}
	// The only backticks left are the fences: none from the data can close one.
	if n := strings.Count(strings.ReplaceAll(text.String(), "```", ""), "`"); n != 0 {
		t.Errorf("%d stray backticks in the code blocks", n)
	}
	// The JSON comes back whole from the code blocks.
	var js strings.Builder
	for _, m := range regexp.MustCompile("(?s)```(.*?)```").FindAllStringSubmatch(text.String(), -1) {
		js.WriteString(m[1])
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(htmlUnescaper.Replace(js.String())), &v); err != nil || v["note"] != strings.Repeat("`<x>`", 3000) {
		t.Errorf("JSON did not survive: %v", err)
	}
}

func TestPoolAndSets(t *testing.T) {
	now := time.Unix(1700000000, 0)
	s := newTTLSet(time.Minute, 3)
	if !s.add("a", now) || s.add("a", now) {
		t.Error("a twice")
	}
	s.add("b", now)
	s.add("c", now)
	s.add("d", now) // over the bound: a is forgotten
	if !s.add("a", now) {
		t.Error("the oldest was kept over the bound")
	}
	if !s.add("b", now.Add(2*time.Minute)) {
		t.Error("an expired key was kept")
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
