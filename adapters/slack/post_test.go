package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

// postReply is an unprompted post: a heading, a talk card and a file.
func postReply() commands.Reply {
	return commands.Reply{Command: "digest", Blocks: []commands.Block{
		&commands.Paragraph{Spans: []commands.Span{{Text: "Today's highlights — KubeCon NA 2024:", Style: commands.StyleStrong}}},
		&commands.TalkCard{Talk: talkbot.Talk{ID: 12, Title: podsTitle, Speakers: []talkbot.Speaker{{Name: "Pablo Chico de Guzman"}}},
			Stats: &commands.Stats{Highlights: 3, Stars: 2, RatingSum: 14, RatingCount: 3},
			Lead:  []commands.Span{{Text: "1."}},
			Lines: []commands.Line{{{Text: "   team 4.7/5 from 3 · 2 ★ starred"}}}},
		&commands.Attachment{Name: "highlights.md", MediaType: "text/markdown", Data: []byte("# Highlights\n\n1. #12 " + podsTitle + "\n")},
	}}
}

// TestPostUnprompted posts a reply nobody asked for (a digest) with a talk
// card and a file to a channel and to a user's direct messages, through the
// stand-in Web API: chat.postMessage, then the files upload v2 calls.
func TestPostUnprompted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id, err := e.a.Post(ctx, commands.Destination{Platform: "slack", Workspace: testTeam, Channel: "C0TALKS", Thread: "1700000000.000009"}, postReply())
	if err != nil {
		t.Fatal(err)
	}
	posts := e.api.got("chat.postMessage")
	if len(posts) != 1 || id != posts[0].TS {
		t.Fatalf("posted %d messages, id %q", len(posts), id)
	}
	f := posts[0].Form
	if f.Get("channel") != "C0TALKS" || f.Get("thread_ts") != "1700000000.000009" {
		t.Errorf("posted to %v", f)
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(f.Get("blocks")), &blocks); err != nil || len(blocks) != 3 {
		t.Fatalf("blocks (%v): %s", err, f.Get("blocks"))
	}
	card, _ := json.Marshal(blocks[1])
	for _, want := range []string{"#12 " + podsTitle + " — Pablo Chico de Guzman", "team 4.7/5", `"text":"Actions…"`, `"value":"rate #12 5"`, `"value":"want #12"`} {
		if !strings.Contains(shown(t, string(card)), want) && !strings.Contains(string(card), want) {
			t.Errorf("card lacks %q: %s", want, card)
		}
	}
	if note, _ := json.Marshal(blocks[2]); !strings.Contains(string(note), "highlights.md") || strings.Contains(string(note), "direct message") {
		t.Errorf("file note: %s", note)
	}
	checkUpload(t, e.api, "C0TALKS", "1700000000.000009", "highlights.md", "# Highlights")

	// To a user: their direct messages with the app, opened once.
	e.api.reset()
	for range 2 {
		if _, err := e.a.Post(ctx, commands.Destination{Platform: "slack", Workspace: testTeam, User: "U0BOB"}, postReply()); err != nil {
			t.Fatal(err)
		}
	}
	if opens := e.api.got("conversations.open"); len(opens) != 1 || opens[0].Form.Get("users") != "U0BOB" {
		t.Errorf("conversations.open: %+v", opens)
	}
	if posts := e.api.got("chat.postMessage"); len(posts) != 2 || posts[0].Form.Get("channel") != "D0BOB" {
		t.Errorf("DM posts: %+v", posts)
	}

	// A private reply never goes to a channel.
	e.api.reset()
	private := postReply()
	private.Private = true
	if _, err := e.a.Post(ctx, commands.Destination{Platform: "slack", Channel: "C0TALKS"}, private); err == nil {
		t.Error("a private reply was posted to a channel")
	}
	if got := e.api.got(""); len(got) != 0 {
		t.Errorf("calls after a refused post: %+v", got)
	}
	if _, err := e.a.Post(ctx, commands.Destination{Platform: "slack", User: "U0BOB"}, private); err != nil {
		t.Errorf("a private reply to its owner's DM: %v", err)
	}
}

// checkUpload checks the files upload v2 calls of one file: an upload URL,
// the bytes posted to it, and the completion sharing it in the channel.
func checkUpload(t *testing.T, api *standIn, channel, thread, name, content string) {
	t.Helper()
	urls, ups, done := api.got("files.getUploadURLExternal"), api.got("upload"), api.got("files.completeUploadExternal")
	if len(urls) != 1 || len(ups) != 1 || len(done) != 1 {
		t.Fatalf("upload calls: %d, %d, %d; want one of each", len(urls), len(ups), len(done))
	}
	if f := urls[0].Form; f.Get("filename") != name || f.Get("length") != itoa(int64(len(ups[0].File.Data))) {
		t.Errorf("files.getUploadURLExternal %v", f)
	}
	if ups[0].File.Name != name || !strings.Contains(string(ups[0].File.Data), content) {
		t.Errorf("uploaded %q: %q", ups[0].File.Name, ups[0].File.Data)
	}
	if f := done[0].Form; f.Get("channel_id") != channel || f.Get("thread_ts") != thread || !strings.Contains(f.Get("files"), name) {
		t.Errorf("files.completeUploadExternal %v", f)
	}
}

// TestExportGoesToDirectMessages: an export answers a slash command
// ephemerally, and its file, which Slack cannot attach to that answer, goes
// to the user's direct messages with the app; a shared export is refused.
func TestExportGoesToDirectMessages(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon -- a private thought", trigger: "t-1"})
	e.slash(slash{text: "export json", trigger: "t-2"})
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 2 {
		t.Fatalf("%d answers", len(hooks))
	}
	if body := hooks[1].Body; !strings.Contains(body, "talkbot-export.json") || !strings.Contains(body, filesNote) ||
		strings.Contains(body, `"action_id":"share"`) || !strings.Contains(body, `"response_type":"ephemeral"`) {
		t.Errorf("export answer:\n%s", body)
	}
	if opens := e.api.got("conversations.open"); len(opens) != 1 || opens[0].Form.Get("users") != "U0ALICE" {
		t.Errorf("conversations.open: %+v", opens)
	}
	checkUpload(t, e.api, "D0ALICE", "", "talkbot-export.json", "a private thought")
	var doc map[string]any
	if err := json.Unmarshal(e.api.got("upload")[0].File.Data, &doc); err != nil || doc["format"] == nil {
		t.Errorf("the file is not the export (%v): %v", err, doc)
	}

	e.api.reset()
	e.slash(slash{text: "share export json", trigger: "t-3"})
	e.idle()
	if hooks := e.api.got("response_url"); len(hooks) != 1 || strings.Contains(hooks[0].Body, "in_channel") {
		t.Errorf("shared export: %+v", hooks)
	}
	if n := len(e.api.got("upload")); n != 0 {
		t.Errorf("a shared export uploaded %d files", n)
	}
}

// TestPrivateRepliesAreNeverShared: `share` of a reply that shows the
// user's private notes answers only them.
func TestPrivateRepliesAreNeverShared(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon"})
	e.slash(slash{text: "note --private #1 my secret"})
	e.idle()
	e.api.reset()
	e.slash(slash{text: "share notes #1"})
	e.event("EvShareNotes", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> share notes #1", "ts": "1.1", "channel": "C0TALKS"}, nil)
	e.idle()
	if n := len(e.api.got("")); n != 2 {
		t.Errorf("%d answers, want 2", n)
	}
	for _, c := range e.api.got("") {
		if strings.Contains(c.Body, "in_channel") || c.Method == "chat.postMessage" {
			t.Errorf("shared: %s %s", c.Method, c.Body)
		}
		if strings.Contains(c.Body+c.Form.Get("blocks"), "my secret") {
			t.Errorf("a private note left its owner: %s %s", c.Method, c.Body)
		}
	}
}

// TestRateLimit: a user over their rate is told so at once, and nothing
// runs. A slash command is always told (only a person types one); of a
// flood of mentions and messages only the first is.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.cfg.Limiter = dispatch.NewLimiter(2, time.Hour) })
	e.slash(slash{text: "help"})
	e.slash(slash{text: "help"})
	e.event("EvRate", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> add KEDA", "ts": "1.1", "channel": "C0TALKS"}, nil)
	e.idle()
	status, body := e.do(request{contentType: "application/x-www-form-urlencoded", body: e.slashBody(slash{text: "add Cgroupv2 Is Coming Soon"})})
	if status != http.StatusOK || !strings.Contains(body, "Easy there") || !strings.Contains(body, `"response_type":"ephemeral"`) {
		t.Errorf("over the rate: %d %s", status, body)
	}
	e.event("EvRate2", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> add Flood", "ts": "1.2", "channel": "C0TALKS"}, nil)
	// Others are not held back.
	e.slash(slash{text: "help", user: "U0BOB"})
	e.idle()
	if n := len(e.rec.requests()); n != 3 {
		t.Errorf("%d commands ran, want 3", n)
	}
	if eph := e.api.got("chat.postEphemeral"); len(eph) != 1 || !strings.Contains(eph[0].shown(t), "Easy there") {
		t.Errorf("mentions over the rate: %+v, want the first told", eph)
	}
	if l := e.handle("U0ALICE", "list"); strings.Contains(l, "Cgroupv2") || strings.Contains(l, "KEDA") || strings.Contains(l, "Flood") {
		t.Errorf("a command over the rate ran:\n%s", l)
	}
}

// TestRetriedEventCostsNoRate: Slack retrying an event the bot handled takes
// nothing of the user's rate.
func TestRetriedEventCostsNoRate(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.cfg.Limiter = dispatch.NewLimiter(2, time.Hour) })
	mention := map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> help", "ts": "1.1", "channel": "C0TALKS"}
	e.event("EvOnce", mention, nil)
	e.idle()
	e.event("EvOnce", mention, http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}})
	e.idle()
	if _, body := e.do(request{contentType: "application/x-www-form-urlencoded", body: e.slashBody(slash{text: "help"})}); strings.Contains(body, "Easy there") {
		t.Errorf("the user's second command was refused after a retry of their first: %s", body)
	}
}

// The response_url body, blocks encoded once, says what slack-go's own
// encoding of the message says.
func TestWebhookBodyIsSlackGosMessage(t *testing.T) {
	replies := goldenReplies()
	no := false
	menus := 0
	for _, b := range render(replies["list"], renderOptions{})[0].blocks {
		if s, ok := b.(*slackgo.SectionBlock); ok && s.Accessory != nil && s.Accessory.SelectElement != nil {
			menus++
		}
	}
	if menus == 0 {
		t.Fatal("the list golden has no card menus: the spliced encoding goes untested")
	}
	var bodies, wants [][]byte
	for _, name := range []string{"list", "show_hostile", "error", "progress"} {
		for _, msg := range []*slackgo.WebhookMessage{
			{Text: name, Blocks: &slackgo.Blocks{BlockSet: render(replies[name], renderOptions{share: "list"})[0].blocks},
				ResponseType: slackgo.ResponseTypeEphemeral, ReplaceOriginal: true, UnfurlLinks: &no, UnfurlMedia: &no},
			{Text: name}, // no blocks
		} {
			got, err := webhookBody(msg)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("%s: %v in %s", name, err, got)
			}
			if err := json.Unmarshal(want, &w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("%s: body\n%s\nwant\n%s", name, got, want)
			}
			bodies, wants = append(bodies, got), append(wants, want)
		}
	}
	// Bodies are built in pooled buffers: one handed out must stay as it was.
	for i := range bodies {
		var g, w any
		if json.Unmarshal(bodies[i], &g) != nil || json.Unmarshal(wants[i], &w) != nil || !reflect.DeepEqual(g, w) {
			t.Errorf("body %d changed after later bodies were built:\n%s", i, bodies[i])
		}
	}
}

// The blocks written without encoding/json escape text as it does: quotes,
// control characters, HTML, invalid UTF-8, the line separators.
func TestBlockTextIsEscapedAsEncodingJSONDoes(t *testing.T) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "tab\tnew\nline\rcr\x00\x01\x1f\x7f\b\f",
		"<b>&amp;</b>", "bad \xff\xfe utf8 \xe2\x82", "line\u2028para\u2029", "★ Go² émoji 🎉", hostile} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
		sec := slackgo.NewSectionBlock(mrkdwn(s), nil, slackgo.NewAccessory(
			slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, plainText(s), "card-1",
				slackgo.NewOptionBlockObject("rate #1 5", plainText(s), nil))))
		if !directSection(sec) {
			t.Fatal("a card's section goes through encoding/json: the direct path is untested")
		}
		want, err = json.Marshal(sec)
		if err != nil {
			t.Fatal(err)
		}
		var w bytes.Buffer
		if err := json.Compact(&w, want); err != nil {
			t.Fatal(err)
		}
		if got := appendSection(nil, sec); string(got) != w.String() {
			t.Errorf("%q: section\n%s\nwant\n%s", s, got, w.String())
		}
		var r richText
		r.text(s, nil)
		r.text(s, boldStyle)
		r.text(s, &slackgo.RichTextSectionTextStyle{Strike: true, Underline: true, Unlink: true})
		r.span(commands.Span{Text: s, Style: commands.StyleLink, URL: "https://example.com/?q=<&>"})
		r.span(commands.Span{Text: s, Style: commands.StyleMention, User: "U0BOB"})
		r.span(commands.Span{Text: s, Style: commands.StyleChannel, Channel: "C0GENERAL"})
		r.emoji("warning")
		rt := r.block()
		if !directRichText(rt) {
			t.Fatal("a rich text block goes through encoding/json: the direct path is untested")
		}
		if want, err = json.Marshal(rt); err != nil {
			t.Fatal(err)
		}
		if got := appendRichText(nil, rt); string(got) != string(want) {
			t.Errorf("%q: rich text\n%s\nwant\n%s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add(hostile)
	f.Add("bad \xff utf8\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	})
}

// With its own client, the adapter keeps the connections of replies posted
// at once open for the next ones: with two kept a host (Go's default) most
// replies opened a connection of their own, a TLS handshake with Slack.
func TestRepliesPostedAtOnceReuseConnections(t *testing.T) {
	e := newEnv(t, func(s *setup) {
		s.cfg.HTTPClient = nil
		s.cfg.Limiter = dispatch.NewLimiter(1<<30, time.Nanosecond)
	})
	const users, each = 16, 20
	var wg sync.WaitGroup
	for u := range users {
		wg.Go(func() {
			for range each {
				body := e.slashBody(slash{user: fmt.Sprintf("U0USER%02d", u), text: "list"})
				if status, _ := e.do(request{contentType: "application/x-www-form-urlencoded", body: body}); status != http.StatusOK {
					t.Errorf("slash command: %d", status)
				}
			}
		})
	}
	wg.Wait()
	e.api.waitFor(t, "response_url", users*each)
	// Each user's first command also looks the user up (users.info), on
	// slack-go's own client: up to one connection a user for those.
	if n := e.api.conns.Load(); n > 3*users {
		t.Errorf("%d replies opened %d connections to Slack; want at most %d", users*each, n, 3*users)
	}
}

// countingConn counts the writes made on a connection.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// A page of 25 talks goes to response_url in one write. With Go's default
// 4 KB buffer its first 4 KB went in one write and the rest in another,
// through a temporary buffer allocated for each reply.
func TestAListPageIsPostedInOneWrite(t *testing.T) {
	var writes atomic.Int64
	transport := replyTransport() // the adapter's own, with a dialer that counts
	var dialer net.Dialer
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, writes: &writes}, nil
	}
	e := newEnv(t, func(s *setup) { s.cfg.HTTPClient = &http.Client{Transport: transport} })
	titles := []string{ // KubeCon EU 2026, as long as its titles get
		"Optimizing Error Recovery for Cost-Efficient Distributed AI Model Training with Kubernetes",
		"How Will Customized Kubernetes Distributions Work for You? a Discussion on Options and Use Cases",
		"Addressing Non-Deterministic Scheduling: Introducing the Node Readiness Controller",
		"Serverless GPUs in Production: How Cerebrium Built a Globally Efficient Low-Latency AI Platform with Knative",
		"Explore TAG Workloads Foundation: Advancing Cloud Native Execution From Core Runtime To Applications",
	}
	for i := range 30 {
		if got := e.handle("U0ALICE", fmt.Sprintf("add %s, part %d 4/5 #ai -- worth a rewatch", titles[i%len(titles)], i+1)); !strings.Contains(got, "Logged") {
			t.Fatalf("add: %s", got)
		}
	}
	for range 2 { // the second reuses the first's connection
		writes.Store(0)
		e.api.reset()
		e.slash(slash{text: "list"})
		posted := e.api.waitFor(t, "response_url", 1)
		if n := len(posted[0].Body); n < 16<<10 {
			t.Fatalf("the page's body is %d bytes: too short to say anything of its writes: %s", n, posted[0].Body)
		}
		if n := writes.Load(); n != 1 {
			t.Errorf("a list page of %d bytes went to response_url in %d writes, want 1", len(posted[0].Body), n)
		}
	}
}

// BenchmarkPostAPage posts a list page's worth of JSON (29 KB) to a local
// server with the adapter's response_url transport and with the same
// transport on Go's default 4 KB write buffer; client and server share the
// process, so both their costs are in the numbers.
//
//	go test -tags 'sqlite_fts5 goolm' -run '^$' -bench PostAPage -count 3 ./adapters/slack/
func BenchmarkPostAPage(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer srv.Close()
	body := bytes.Repeat([]byte(`{"type":"divider"},`), 29<<10/19)
	goDefault := replyTransport()
	goDefault.WriteBufferSize = 0
	for _, c := range []struct {
		name      string
		transport *http.Transport
	}{{"adapter", replyTransport()}, {"go-default-buffer", goDefault}} {
		b.Run(c.name, func(b *testing.B) {
			client := &http.Client{Transport: c.transport}
			b.ReportAllocs()
			for b.Loop() {
				res, err := client.Post(srv.URL, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
		})
	}
}

// A slash command typed in a user's direct messages with a colleague (Slack
// names those "D…" too) is no command in the app's DM: an export's file,
// private notes and all, goes to the app's DM, not to the colleague.
func TestAnExportTypedInAColleaguesDMGoesToTheAppsDM(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon", trigger: "t-1"})
	e.slash(slash{text: "note --private #1 for alice only", trigger: "t-2"})
	e.idle()
	e.api.reset()
	e.slash(slash{text: "export json", trigger: "t-3", channel: "D0ALICEBOB"})
	e.idle()
	checkUpload(t, e.api, "D0ALICE", "", "talkbot-export.json", "for alice only")
	if hooks := e.api.got("response_url"); len(hooks) != 1 || !strings.Contains(hooks[0].shown(t), filesNote) {
		t.Errorf("the answer does not say where the file went: %+v", hooks)
	}

	// In the app's own DM the file goes beside the answer, as before.
	e.api.reset()
	e.slash(slash{text: "export json", trigger: "t-4", channel: "D0ALICE"})
	e.idle()
	checkUpload(t, e.api, "D0ALICE", "", "talkbot-export.json", "for alice only")
	if hooks := e.api.got("response_url"); len(hooks) != 1 || strings.Contains(hooks[0].shown(t), filesNote) {
		t.Errorf("in the app's DM: %+v", hooks)
	}
}

// longNotes logs talk #1 for alice with n notes of some 36×size characters
// each, and forgets the calls that took.
func longNotes(t *testing.T, e *env, n, size int) {
	t.Helper()
	e.handle("U0ALICE", "add Cgroupv2 Is Coming Soon To a Cluster Near You")
	for i := range n {
		note := fmt.Sprintf("note %d begins. %s note %d ends.", i, strings.Repeat("The memory controller story, again. ", size), i)
		if got := e.handle("U0ALICE", "note #1 "+note); !strings.Contains(got, "Noted") {
			t.Fatalf("note: %s", got)
		}
	}
	e.api.reset()
}

// checkNotesArrived checks that the start and the end of each of longNotes'
// n notes are in what the user was shown.
func checkNotesArrived(t *testing.T, seen string, n int) {
	t.Helper()
	for i := range n {
		for _, part := range []string{fmt.Sprintf("note %d begins.", i), fmt.Sprintf("note %d ends.", i)} {
			if !strings.Contains(seen, part) {
				t.Errorf("%q never reached the user", part)
			}
		}
	}
}

// A talk's show with many long notes, asked in the app's DM, arrives whole.
// chat.postMessage refuses blocks of some 12,000 characters in all
// (msg_blocks_too_long); the renderer had counted only blocks, so the answer
// was one message Slack refused, and the user got nothing.
func TestALongShowInADMArrivesWhole(t *testing.T) {
	e := newEnv(t)
	const notes = 8
	longNotes(t, e, notes, 50)
	e.event("EvLongShow", map[string]any{"type": "message", "channel_type": "im", "user": "U0ALICE", "text": "show #1",
		"ts": "1700000003.000100", "channel": "D0ALICE"}, nil)
	e.idle()
	posts := e.api.got("chat.postMessage")
	if len(posts) < 2 {
		t.Fatalf("%d messages for some 15,000 characters of notes", len(posts))
	}
	var seen strings.Builder
	for i, p := range posts {
		if refusal := refuseBlocks("chat.postMessage", p); refusal != "" {
			t.Errorf("message %d: Slack answered %s", i, refusal)
		}
		seen.WriteString(shown(t, p.Form.Get("blocks")))
	}
	checkNotesArrived(t, seen.String(), notes)
}

// Slack takes a response_url five times. A show of a talk with many long
// notes is more messages than that: the ones past the fifth come as
// messages only the user sees. They had gone to a used-up response_url,
// whose answer Slack does not document, and could be lost.
func TestAnAnswerLongerThanFiveMessagesArrivesWhole(t *testing.T) {
	e := newEnv(t)
	const notes = 20
	longNotes(t, e, notes, 70)
	e.slash(slash{text: "show #1", trigger: "t-long"})
	e.idle()
	var seen strings.Builder
	hooks := 0
	for _, c := range e.api.got("") {
		switch c.Method {
		case "response_url":
			hooks++
			var m struct {
				Blocks json.RawMessage `json:"blocks"`
			}
			_ = json.Unmarshal([]byte(c.Body), &m)
			seen.WriteString(shown(t, string(m.Blocks)))
		case "chat.postEphemeral":
			if c.Form.Get("user") != "U0ALICE" {
				t.Errorf("the rest went to %q", c.Form.Get("user"))
			}
			seen.WriteString(shown(t, c.Form.Get("blocks")))
		}
	}
	if hooks > 5 {
		t.Errorf("%d posts to one response_url; Slack takes 5", hooks)
	}
	checkNotesArrived(t, seen.String(), notes)
}
