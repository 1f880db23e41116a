package matrix

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spans    []commands.Span
		wantBody string
		wantHTML string
	}{
		{"plain", []commands.Span{{Text: "Logged "}, {Text: "#1", Style: commands.StyleBold}},
			"Logged #1", "Logged <strong>#1</strong>"},
		{"html escaped", []commands.Span{{Text: `<b>x</b> & <img src=x onerror="alert(1)">`}},
			`<b>x</b> & <img src=x onerror="alert(1)">`, "&lt;b&gt;x&lt;/b&gt; &amp; &lt;img src=x onerror=&#34;alert(1)&#34;&gt;"},
		{"mass mentions", []commands.Span{{Text: "@room @here @channel @everyone"}},
			"@\u2060room @\u2060here @\u2060channel @\u2060everyone", "@\u2060room @\u2060here @\u2060channel @\u2060everyone"},
		{"mention in code", []commands.Span{{Text: "@room", Style: commands.StyleCode}},
			"`@\u2060room`", "<code>@\u2060room</code>"},
		{"http link", []commands.Span{{Text: "schedule", Style: commands.StyleLink, URL: "https://kccncna2022.sched.com/event/182HU?a=1&b=2"}},
			"schedule <https://kccncna2022.sched.com/event/182HU?a=1&b=2>", `<a href="https://kccncna2022.sched.com/event/182HU?a=1&amp;b=2">schedule</a>`},
		{"javascript link", []commands.Span{{Text: "click", Style: commands.StyleLink, URL: "javascript:alert(1)"}},
			"click <javascript:alert(1)>", "click"},
		{"link with a quote", []commands.Span{{Text: "x", Style: commands.StyleLink, URL: `https://e.org/"><script>`}},
			`x <https://e.org/"><script>>`, `<a href="https://e.org/&#34;&gt;&lt;script&gt;">x</a>`},
		{"inline code", []commands.Span{{Text: "Try `rate 4` or `<b>` and a stray ` here"}},
			"Try `rate 4` or `<b>` and a stray ` here", "Try <code>rate 4</code> or <code>&lt;b&gt;</code> and a stray ` here"},
		{"note", []commands.Span{{Text: "great\n<i>demo</i>", Style: commands.StyleQuote}},
			"“great\n<i>demo</i>”", "<em>“great<br>&lt;i&gt;demo&lt;/i&gt;”</em>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(commands.Reply{Lines: []commands.Line{tc.spans}})
			if got.MsgType != event.MsgNotice || got.Format != event.FormatHTML {
				t.Errorf("msgtype %q format %q, want m.notice with HTML", got.MsgType, got.Format)
			}
			if got.Body != tc.wantBody {
				t.Errorf("body = %q, want %q", got.Body, tc.wantBody)
			}
			if got.FormattedBody != tc.wantHTML {
				t.Errorf("html = %q, want %q", got.FormattedBody, tc.wantHTML)
			}
		})
	}
}

func TestRenderTruncatesLongReplies(t *testing.T) {
	var r commands.Reply
	for i := range 2000 {
		r.Lines = append(r.Lines, commands.Line{{Text: fmt.Sprintf("%d. a talk with a long enough title to fill the reply", i)}})
	}
	got := render(r)
	if n := len(got.Body) + len(got.FormattedBody); n > maxReplyBytes+200 {
		t.Errorf("reply is %d bytes, want at most about %d", n, maxReplyBytes)
	}
	if !strings.Contains(got.Body, "more lines not shown") {
		t.Errorf("truncated reply does not say so: ...%s", got.Body[len(got.Body)-100:])
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
}

// TestRenderGolden renders real replies of the command router, as Matrix
// users get them, into testdata/replies.golden (go test -update rewrites it).
func TestRenderGolden(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2024, 11, 13, 17, 0, 0, 0, time.UTC)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "talkbot.db"), store.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := commands.New(commands.Config{Store: st, Now: func() time.Time { return clock }, Logger: slog.New(slog.DiscardHandler)})
	var out strings.Builder
	for _, cmd := range []string{
		"!talk conf new KubeCon NA 2024 2024-11-13..2024-11-15 America/Denver",
		"!talk add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman & Vinay Kulkarni 5/5 #ebpf https://kccncna2024.sched.com/event/1i7kM -- mind slightly blown; needs KEP-1287",
		"!talk add <script>alert(1)</script> @room -- <b>not bold</b> @here",
		"!talk note #1 ask Vinay about <KEP-1287> & @everyone",
		"!talk list",
		"!talk show #1",
		"!talk rate 9",
		"!talk frobnicate",
		"!talk help rate",
	} {
		reply := r.Handle(ctx, commands.Request{Platform: talkbot.PlatformMatrix, Workspace: "example.org", UserID: "@alice:example.org", UserName: "Alice", Text: cmd})
		c := render(reply)
		fmt.Fprintf(&out, "> %s\n--- body (%s, talks %v)\n%s\n--- html\n%s\n\n", cmd, c.MsgType, reply.Talks, c.Body, c.FormattedBody)
	}
	golden := filepath.Join("testdata", "replies.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if out.String() != string(want) {
		t.Errorf("rendered replies differ from %s (go test -update rewrites it):\n%s", golden, out.String())
	}
}
