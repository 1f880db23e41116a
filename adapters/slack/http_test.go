package slack

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

const podsTitle = "Resize Your Pods In-Place With Deterministic eBPF Triggers"

func TestSlashCommandEndToEnd(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add " + podsTitle + " - Pablo Chico de Guzman &amp; Vinay Kulkarni 5/5 #ebpf -- mind slightly blown", trigger: "t-add"})
	e.idle()

	got := e.api.got("response_url")
	if len(got) != 1 {
		t.Fatalf("response_url calls = %d, want 1", len(got))
	}
	var msg struct {
		ResponseType string          `json:"response_type"`
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		Replace      bool            `json:"replace_original"`
	}
	if err := json.Unmarshal([]byte(got[0].Body), &msg); err != nil {
		t.Fatal(err)
	}
	if msg.ResponseType != "ephemeral" {
		t.Errorf("response_type = %q, want ephemeral", msg.ResponseType)
	}
	for _, want := range []string{"#1 " + podsTitle + " — Pablo Chico de Guzman & Vinay Kulkarni", `"action_id":"card-1"`, `"value":"rate #1 5"`, `"value":"star #1"`} {
		if !strings.Contains(shown(t, string(msg.Blocks)), want) && !strings.Contains(string(msg.Blocks), want) {
			t.Errorf("reply blocks lack %q:\n%s", want, msg.Blocks)
		}
	}
	// Committed: the router sees it.
	if list := e.handle("U0ALICE", "list"); !strings.Contains(list, podsTitle) || !strings.Contains(list, "5/5") {
		t.Errorf("list after add:\n%s", list)
	}
	reqs := e.rec.requests()
	if len(reqs) != 1 || reqs[0].Platform != "slack" || reqs[0].Workspace != testTeam || reqs[0].UserID != "U0ALICE" ||
		reqs[0].UserName != "alice" || reqs[0].Channel != "C0TALKS" || reqs[0].Shared {
		t.Errorf("requests = %+v", reqs)
	}
	if !strings.Contains(reqs[0].Text, "Guzman & Vinay") {
		t.Errorf("entities not unescaped: %q", reqs[0].Text)
	}
	// The name came with the slash command: no users.info call held the answer up.
	if n := len(e.api.got("users.info")); n != 0 {
		t.Errorf("users.info calls = %d, want 0", n)
	}
}

// TestMentionsAreData: Slack's <@U…> mentions reach the commands as
// Request.Mentions, with the text showing "@name" where the mention was.
func TestMentionsAreData(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{user: "U0BOB", userName: "bob", text: "add Cgroupv2 Is Coming Soon"})
	e.idle()
	e.slash(slash{text: "list <@U0BOB|bob>"})
	e.slash(slash{text: "recommend #1 <@U0CAROL>"})
	e.idle()
	e.event("EvMention", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> list <@U0BOB>",
		"ts": "1.1", "channel": "C0TALKS"}, nil)
	e.idle()
	reqs := e.rec.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	want := []struct {
		text     string
		mentions []commands.Mention
	}{
		{"add Cgroupv2 Is Coming Soon", nil},
		{"list @bob", []commands.Mention{{Text: "@bob", UserID: "U0BOB", Name: "bob"}}},
		// A bare <@U…> gets its name from users.info.
		{"recommend #1 @U0CAROL", []commands.Mention{{Text: "@U0CAROL", UserID: "U0CAROL", Name: "name-U0CAROL"}}},
		{"list @U0BOB", []commands.Mention{{Text: "@U0BOB", UserID: "U0BOB", Name: "name-U0BOB"}}},
	}
	for i, w := range want {
		if reqs[i].Text != w.text || !slices.Equal(reqs[i].Mentions, w.mentions) {
			t.Errorf("request %d: %q %+v, want %q %+v", i, reqs[i].Text, reqs[i].Mentions, w.text, w.mentions)
		}
	}
	hooks := e.api.got("response_url")
	if len(hooks) != 3 || !strings.Contains(hooks[1].Body, "bob's talks") || !strings.Contains(hooks[1].Body, "Cgroupv2") {
		t.Errorf("list @bob:\n%+v", hooks)
	}
	if !strings.Contains(hooks[2].Body, "Recommended") {
		t.Errorf("recommend to a mentioned newcomer: %s", hooks[2].Body)
	}
	if eph := e.api.got("chat.postEphemeral"); len(eph) != 1 || !strings.Contains(eph[0].Form.Get("blocks"), "Cgroupv2") {
		t.Errorf("mention answer: %+v", eph)
	}
}

func TestURLVerification(t *testing.T) {
	e := newEnv(t)
	body := `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	status, got := e.do(request{contentType: "application/json", body: body})
	if status != http.StatusOK {
		t.Fatalf("status = %d", status)
	}
	var res map[string]string
	if err := json.Unmarshal([]byte(got), &res); err != nil || res["challenge"] != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("answer = %q (%v)", got, err)
	}
	// Unsigned, the same challenge is refused.
	if status, _ := e.do(request{contentType: "application/json", body: body, unsigned: true}); status != http.StatusUnauthorized {
		t.Errorf("unsigned url_verification: status %d, want 401", status)
	}
}

func TestRefusedRequestsChangeNothing(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.cfg.MaxBody = 64 << 10 })
	note := func(trigger string) string {
		return e.slashBody(slash{text: "add Cgroupv2 Is Coming Soon -- only saw the last half", trigger: trigger})
	}
	form := "application/x-www-form-urlencoded"
	big := e.slashBody(slash{text: "note " + strings.Repeat("x", 70<<10), trigger: "t-big"})
	stale := time.Now().Add(-6 * time.Minute).Unix()
	future := time.Now().Add(6 * time.Minute).Unix()
	tests := []struct {
		name string
		req  request
		want int
	}{
		{"unsigned", request{contentType: form, body: note("t1"), unsigned: true}, http.StatusUnauthorized},
		{"forged with another secret", request{contentType: form, body: note("t2"), secret: "not-the-secret"}, http.StatusUnauthorized},
		{"stale", request{contentType: form, body: note("t3"), ts: stale}, http.StatusUnauthorized},
		{"from the future", request{contentType: form, body: note("t4"), ts: future}, http.StatusUnauthorized},
		{"bad signature format", request{contentType: form, body: note("t5"), header: http.Header{"X-Slack-Signature": {"v1=abc"}}}, http.StatusUnauthorized},
		{"oversized", request{contentType: form, body: big}, http.StatusRequestEntityTooLarge},
		{"oversized and unsigned", request{contentType: form, body: big, unsigned: true}, http.StatusUnauthorized},
		{"signed junk", request{contentType: "text/plain", body: "hello"}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _ := e.do(tc.req)
			if status != tc.want {
				t.Errorf("status = %d, want %d", status, tc.want)
			}
		})
	}
	// A tampered body: signed, then changed.
	t.Run("tampered body", func(t *testing.T) {
		ts := time.Now().Unix()
		req, _ := http.NewRequest(http.MethodPost, e.url+EventsPath, strings.NewReader(note("t6")+"x"))
		req.Header.Set("Content-Type", form)
		req.Header.Set("X-Slack-Request-Timestamp", itoa(ts))
		req.Header.Set("X-Slack-Signature", sign(testSecret, ts, note("t6")))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("status = %d, want 401", res.StatusCode)
		}
	})
	e.idle()
	if got := e.api.got(""); len(got) != 0 {
		t.Errorf("refused requests reached Slack: %+v", got)
	}
	if got := e.rec.requests(); len(got) != 0 {
		t.Errorf("refused requests ran commands: %+v", got)
	}
	if list := e.handle("U0ALICE", "list"); strings.Contains(list, "Cgroupv2") {
		t.Errorf("a refused request logged a talk:\n%s", list)
	}
}

func TestReplayedRequestIsRefused(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon"})
	e.idle()
	ts := time.Now().Unix()
	body := e.slashBody(slash{text: "note the demo was great", trigger: "t-note"})
	r := request{contentType: "application/x-www-form-urlencoded", body: body, ts: ts}
	if status, _ := e.do(r); status != http.StatusOK {
		t.Fatalf("first delivery: %d", status)
	}
	if status, _ := e.do(r); status != http.StatusUnauthorized {
		t.Errorf("replay: status %d, want 401", status)
	}
	// Re-signed later (a new signature) but the same trigger_id: acknowledged, not run again.
	r.ts = ts + 1
	if status, _ := e.do(r); status != http.StatusOK {
		t.Errorf("re-signed repeat: status %d, want 200", status)
	}
	e.idle()
	if n := strings.Count(e.handle("U0ALICE", "show #1"), "the demo was great"); n != 1 {
		t.Errorf("note saved %d times, want 1", n)
	}
	if n := len(e.api.got("response_url")); n != 2 {
		t.Errorf("replies = %d, want 2 (add, note)", n)
	}
}

func TestRedeliveredEventRunsOnce(t *testing.T) {
	seen := &markSeen{}
	e := newEnv(t, func(s *setup) { seen.next = s.handler; s.handler = seen })
	seen.st = e.store
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon"})
	e.idle()
	e.api.reset()
	mention := map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> note redelivered?",
		"ts": "1700000001.000100", "channel": "C0TALKS", "event_ts": "1700000001.000100"}
	for i, hdr := range []http.Header{nil, {"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}, {"X-Slack-Retry-Num": {"2"}, "X-Slack-Retry-Reason": {"http_timeout"}}} {
		if status, body := e.event("Ev0MENTION1", mention, hdr); status != http.StatusOK || body != "" {
			t.Fatalf("delivery %d: %d %q", i, status, body)
		}
	}
	e.idle()
	if n := strings.Count(e.handle("U0ALICE", "show #1"), "redelivered?"); n != 1 {
		t.Errorf("note saved %d times, want 1", n)
	}
	eph := e.api.got("chat.postEphemeral")
	if len(eph) != 1 {
		t.Fatalf("postEphemeral calls = %d, want 1", len(eph))
	}
	if eph[0].Form.Get("channel") != "C0TALKS" || eph[0].Form.Get("user") != "U0ALICE" {
		t.Errorf("ephemeral went to %v", eph[0].Form)
	}
	// The note committed with the delivery's mark, before its answer was sent.
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if want := []string{"add Cgroupv2 Is Coming Soon: unmarked", "note redelivered?: marked"}; !slices.Equal(seen.calls, want) {
		t.Errorf("commands run = %q, want %q", seen.calls, want)
	}
}

// markSeen records each command the router runs, and whether its event was
// marked handled by the time the router answered, before the reply was sent.
type markSeen struct {
	next dispatch.Handler
	st   *store.Store

	mu    sync.Mutex
	calls []string
}

func (h *markSeen) Handle(ctx context.Context, req commands.Request) commands.Reply {
	r := h.next.Handle(ctx, req)
	state := "unmarked"
	if m := talkbot.EventMarkFrom(ctx); m != nil {
		if done, _ := h.st.Handled(ctx, m.Platform, m.EventID); done {
			state = "marked"
		}
	}
	h.mu.Lock()
	h.calls = append(h.calls, req.Text+": "+state)
	h.mu.Unlock()
	return r
}

func (h *markSeen) Lookup(text string) (commands.Command, bool) { return h.next.Lookup(text) }

func TestMentionsAndDirectMessages(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "missed Cgroupv2 Is Coming Soon -- room full"})
	e.idle()
	e.api.reset()

	// A question in a thread, by mention.
	e.event("Ev1", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> what should I watch later?",
		"ts": "1700000002.000100", "thread_ts": "1700000000.000001", "channel": "C0TALKS", "event_ts": "1700000002.000100"}, nil)
	// A DM.
	e.event("Ev2", map[string]any{"type": "message", "channel_type": "im", "user": "U0ALICE", "text": "list",
		"ts": "1700000003.000100", "channel": "D0ALICE", "event_ts": "1700000003.000100"}, nil)
	// Ignored: the bot itself, another bot, an edit, a mention in a DM (message.im answers it).
	e.event("Ev3", map[string]any{"type": "message", "channel_type": "im", "user": testBotUser, "text": "list", "ts": "1.1", "channel": "D0ALICE"}, nil)
	e.event("Ev4", map[string]any{"type": "message", "channel_type": "im", "bot_id": "B0OTHER", "text": "list", "ts": "1.2", "channel": "D0ALICE"}, nil)
	e.event("Ev5", map[string]any{"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": "D0ALICE", "ts": "1.3",
		"message": map[string]any{"type": "message", "user": "U0ALICE", "text": "list", "ts": "1.0"}}, nil)
	e.event("Ev6", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> list", "ts": "1.4", "channel": "D0ALICE"}, nil)
	e.event("Ev7", map[string]any{"type": "message", "channel_type": "channel", "user": "U0ALICE", "text": "list", "ts": "1.5", "channel": "C0TALKS"}, nil)
	e.idle()

	eph := e.api.got("chat.postEphemeral")
	if len(eph) != 1 {
		t.Fatalf("postEphemeral calls = %d, want 1", len(eph))
	}
	if f := eph[0].Form; f.Get("thread_ts") != "1700000000.000001" || !strings.Contains(f.Get("blocks"), "room full") {
		t.Errorf("mention answer: %v", f)
	}
	posts := e.api.got("chat.postMessage")
	if len(posts) != 1 || posts[0].Form.Get("channel") != "D0ALICE" || !strings.Contains(posts[0].Form.Get("blocks"), "Cgroupv2") {
		t.Errorf("DM answers: %+v", posts)
	}
	if n := len(e.rec.requests()); n != 3 {
		t.Errorf("commands run = %d, want 3 (missed, mention, DM)", n)
	}
}

func TestShareAndButtons(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon"})
	e.slash(slash{text: "share list", trigger: "t-share"})
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 2 {
		t.Fatalf("response_url calls = %d", len(hooks))
	}
	if !strings.Contains(hooks[0].Body, `"response_type":"ephemeral"`) || !strings.Contains(hooks[1].Body, `"response_type":"in_channel"`) {
		t.Errorf("want ephemeral then in_channel:\n%s\n%s", hooks[0].Body, hooks[1].Body)
	}
	if strings.Contains(hooks[1].Body, `"action_id":"share"`) {
		t.Errorf("a shared message has a share button:\n%s", hooks[1].Body)
	}

	// A private list has a share button; pressing it posts the list publicly.
	e.api.reset()
	e.slash(slash{text: "list"})
	e.idle()
	list := e.api.got("response_url")[0].Body
	if b := findButton(t, list, "Share in channel"); b.ActionID != actionShare || b.Value != "list" {
		t.Fatalf("share button %+v", b)
	}
	e.api.reset()
	status, _ := e.interact(blockActions("U0ALICE", e.api.responseURL("msg-1"), "trg-share", map[string]any{
		"action_id": "share", "block_id": "nav", "type": "button", "value": "list", "action_ts": "1700000010.1"}))
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	// Star and rate from a card's menu.
	e.interact(blockActions("U0ALICE", e.api.responseURL("msg-1"), "trg-star", cardAction("star #1")))
	e.interact(blockActions("U0ALICE", e.api.responseURL("msg-1"), "trg-rate", cardAction("rate #1 4")))
	// Not run: a share of a command that changes data.
	e.interact(blockActions("U0ALICE", e.api.responseURL("msg-1"), "trg-bad1", map[string]any{
		"action_id": "share", "block_id": "b1", "type": "button", "value": "delete #1", "action_ts": "1.1"}))
	e.idle()
	// A rating out of range gets a short answer and changes nothing.
	e.interact(blockActions("U0ALICE", e.api.responseURL("msg-1"), "trg-bad2", cardAction("rate #1 9")))
	e.idle()
	hooks = e.api.got("response_url")
	if len(hooks) != 4 {
		t.Fatalf("response_url calls = %d, want 4 (share, star, rate, the bad rating)", len(hooks))
	}
	if !strings.Contains(hooks[0].Body, `"response_type":"in_channel"`) || strings.Contains(hooks[0].Body, `"replace_original":true`) {
		t.Errorf("share button did not post in channel: %s", hooks[0].Body)
	}
	if !strings.Contains(hooks[3].shown(t), ":warning:") {
		t.Errorf("bad rating answer: %s", hooks[3].Body)
	}
	show := e.handle("U0ALICE", "show #1")
	if !strings.Contains(show, "starred") || !strings.Contains(show, "★★★★☆ 4/5") {
		t.Errorf("after star and rate:\n%s", show)
	}
	if strings.Contains(e.handle("U0ALICE", "list"), "Nothing here") {
		t.Errorf("the refused delete ran")
	}
	// Once starred, the card's menu offers Unstar.
	e.api.reset()
	e.slash(slash{text: "show #1"})
	e.idle()
	if body := e.api.got("response_url")[0].Body; !strings.Contains(body, `"value":"unstar #1"`) || strings.Contains(body, `"value":"star #1"`) {
		t.Errorf("menu of a starred talk:\n%s", body)
	}
}

// cardAction is a choice from a talk card's "Actions…" menu.
func cardAction(command string) map[string]any {
	return map[string]any{"action_id": "card-1", "block_id": "b0", "type": "static_select", "action_ts": "1700000011.1",
		"selected_option": map[string]any{"text": map[string]any{"type": "plain_text", "text": command}, "value": command}}
}

func TestPaging(t *testing.T) {
	e := newEnv(t)
	for i := range 27 {
		e.handle("U0ALICE", "add Talk number "+itoa(int64(i+1)))
	}
	e.slash(slash{text: "list"})
	e.idle()
	first := e.api.got("response_url")[0].Body
	if n := strings.Count(first, `"type":"section"`); n > 50 {
		t.Errorf("%d sections", n)
	}
	if n := strings.Count(first, `"placeholder":{"type":"plain_text","text":"Actions…"`); n != 25 {
		t.Errorf("cards on page 1 = %d, want 25", n)
	}
	next := findButton(t, first, "Next ›")
	if next.Value != "list page 2" || findButton(t, first, "Share in channel").Value != "list" {
		t.Fatalf("buttons of page 1:\n%s", first)
	}
	e.api.reset()
	e.interact(blockActions("U0ALICE", e.api.responseURL("msg-2"), "trg-page", map[string]any{
		"action_id": next.ActionID, "block_id": "b9", "type": "button", "value": next.Value, "action_ts": "1.1"}))
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 1 {
		t.Fatalf("%d answers to the Next button", len(hooks))
	}
	second := hooks[0].Body
	if !strings.Contains(second, `"replace_original":true`) || !strings.Contains(second, "26–27 of 27") {
		t.Errorf("page 2 does not replace page 1:\n%s", second)
	}
	if n := strings.Count(second, `"text":"Actions…"`); n != 2 {
		t.Errorf("cards on page 2 = %d, want 2", n)
	}
	if prev := findButton(t, second, "‹ Previous"); prev.Value != "list page 1" {
		t.Errorf("previous = %+v", prev)
	}
	// On a message in the channel for everyone, Next answers its presser
	// apart, leaving the message as it is.
	e.api.reset()
	shared := blockActions("U0BOB", e.api.responseURL("msg-3"), "trg-page-shared", map[string]any{
		"action_id": next.ActionID, "block_id": "b9", "type": "button", "value": next.Value, "action_ts": "1.2"})
	shared["container"].(map[string]any)["is_ephemeral"] = false
	e.interact(shared)
	e.idle()
	if hooks := e.api.got("response_url"); len(hooks) != 1 || strings.Contains(hooks[0].Body, `"replace_original":true`) ||
		!strings.Contains(hooks[0].Body, `"response_type":"ephemeral"`) {
		t.Errorf("Next on a shared message: %+v", hooks)
	}
}

// button is a button of a rendered message.
type button struct {
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
	Text     struct {
		Text string `json:"text"`
	} `json:"text"`
}

// findButton finds the button labelled label in a message's JSON.
func findButton(t *testing.T, body, label string) button {
	t.Helper()
	var msg struct {
		Blocks []struct {
			Elements []button `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(body), &msg); err != nil {
		t.Fatal(err)
	}
	for _, b := range msg.Blocks {
		for _, el := range b.Elements {
			if el.Text.Text == label {
				return el
			}
		}
	}
	t.Fatalf("no %q button in %s", label, body)
	return button{}
}

func TestAdmin(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.rt.Admins = []string{"U0CAROL"} })
	e.api.setUser(slackgo.User{ID: "U0BOB", Name: "bob", IsAdmin: true, Profile: slackgo.UserProfile{DisplayName: "Bob"}})
	e.api.setUser(slackgo.User{ID: "U0OWEN", Name: "owen", IsOwner: true})
	// Commands that need no admin ask Slack nothing.
	for _, u := range []string{"U0ALICE", "U0BOB", "U0OWEN", "U0CAROL"} {
		e.slash(slash{text: "help", user: u, userName: strings.ToLower(u[2:])})
	}
	e.idle()
	if n := len(e.api.got("users.info")); n != 0 {
		t.Errorf("users.info calls for help = %d, want 0", n)
	}
	for _, r := range e.rec.requests() {
		if r.UserName != strings.ToLower(r.UserID[2:]) || r.Admin != (r.UserID == "U0CAROL") {
			t.Errorf("request %+v", r)
		}
	}
	// A switch of the team's conference needs an admin: Slack is asked, once a user.
	e.api.reset()
	tests := []struct{ user, text, want string }{
		{"U0CAROL", "conf new KubeCon NA 2024", "now the team's active conference"},
		{"U0BOB", "conf new KubeCon EU 2025", "now the team's active conference"},
		{"U0BOB", "conf use KubeCon NA 2024", "is now the team's active conference"},
		{"U0ALICE", "conf new Alice Con", "switches just you"},
		{"U0OWEN", "conf use KubeCon NA 2024", "is now the team's active conference"},
		{"U0CAROL", "conf use KubeCon EU 2025", "is now the team's active conference"},
	}
	for _, tc := range tests {
		e.slash(slash{text: tc.text, user: tc.user, userName: strings.ToLower(tc.user[2:])})
		e.idle()
	}
	hooks := e.api.got("response_url")
	for i, tc := range tests {
		if i >= len(hooks) || !strings.Contains(hooks[i].Body, tc.want) {
			t.Errorf("%s %q: want %q in the answer", tc.user, tc.text, tc.want)
		}
	}
	asked := map[string]int{}
	for _, c := range e.api.got("users.info") {
		asked[c.Form.Get("user")]++
	}
	// Bob twice, but Slack once (cached); Carol is in BOT_ADMINS: never asked.
	if want := map[string]int{"U0BOB": 1, "U0ALICE": 1, "U0OWEN": 1}; !maps.Equal(asked, want) {
		t.Errorf("users.info calls = %v, want %v", asked, want)
	}
}

func TestOnlySignedPostsAreServed(t *testing.T) {
	e := newEnv(t)
	res, err := http.Get(e.url + EventsPath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s = %d, want 405", EventsPath, res.StatusCode)
	}
}

func blockActions(user, responseURL, trigger string, action map[string]any) map[string]any {
	return map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "username": "alice", "name": "alice", "team_id": testTeam},
		"api_app_id": "A0TALKBOT", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
		"container":  map[string]any{"type": "message", "message_ts": "1700000000.000300", "channel_id": "C0TALKS", "is_ephemeral": true},
		"trigger_id": trigger, "team": map[string]any{"id": testTeam, "domain": "example"},
		"channel":      map[string]any{"id": "C0TALKS", "name": "kubecon"},
		"response_url": responseURL, "actions": []map[string]any{action},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestUserTextIsNeutralised sends mentions and HTML the way Slack delivers
// them (typed markup escaped, real mentions as <!here> and <@U…>) and checks
// that nothing of it comes back live.
func TestUserTextIsNeutralised(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add &lt;!channel&gt; <!here> <@U0BOB|bob> <#C0GEN|general> &lt;b&gt;bold&lt;/b&gt; @channel -- <!everyone> &lt;script&gt;x&lt;/script&gt; <@U0BOB>"})
	e.slash(slash{text: "share list"})
	e.event("EvHostile", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> share show #1", "ts": "1.1", "channel": "C0TALKS"}, nil)
	e.idle()
	calls := e.api.got("")
	if len(calls) != 3 {
		t.Fatalf("%d answers, want 3", len(calls))
	}
	for _, c := range calls {
		body := c.Body
		if c.Form.Has("blocks") {
			js, _ := json.Marshal(map[string]any{"text": c.Form.Get("text"), "blocks": json.RawMessage(c.Form.Get("blocks"))})
			body = string(js)
		}
		checkInert(t, body, func(string, string) bool { return false })
		if s := shown(t, body); !strings.Contains(s, "<b>bold</b>") {
			t.Errorf("the HTML is not shown as typed: %s", s)
		}
	}
}

// TestCoreRulesThroughSlack: the talk-resolution and parsing rules hold for
// commands that arrive as signed slash commands, Slack's entities and all.
func TestCoreRulesThroughSlack(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{user: "U0ALICE", text: "add SIG Node Intro and Deep Dive - Sergey Kanzhelev, Google 4/5", trigger: "t-1"})
	e.idle() // talk ids in the order of the commands
	e.slash(slash{user: "U0BOB", text: "missed SIG Network Intro and Deep Dive - Tim Hockin, Google -- room full", trigger: "t-2"})
	e.slash(slash{user: "U0BOB", text: "add Kubernetes — The Hard Way -- loved it 5/5 #security", trigger: "t-3"})
	e.idle()
	var texts []string
	for _, c := range e.api.got("response_url") {
		texts = append(texts, c.shown(t))
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"Missed new talk #2 SIG Network Intro and Deep Dive", "Logged new talk #3 Kubernetes — The Hard Way"} {
		if !strings.Contains(all, want) {
			t.Errorf("replies lack %q:\n%s", want, all)
		}
	}
	if l := e.handle("U0ALICE", "show #1"); !strings.Contains(l, "attended, ★★★★☆ 4/5") {
		t.Errorf("alice's SIG Node talk changed:\n%s", l)
	}
	if l := e.handle("U0BOB", "show #3"); !strings.Contains(l, "#security") || !strings.Contains(l, "★★★★★ 5/5") || !strings.Contains(l, "“loved it”") {
		t.Errorf("bob's em-dash talk:\n%s", l)
	}
}

// In a channel shared with another organisation (Slack Connect), its people
// reach the bot with the host's team id. They are told the log is the
// workspace's own, and read, log and switch nothing; an admin of theirs is
// none here.
func TestPeopleOfAnotherOrganisationAreTurnedAway(t *testing.T) {
	e := newEnv(t)
	e.handle("U0BOB", "add Our roadmap talk -- TEAMONLYNOTE")
	e.api.setUser(slackgo.User{ID: "U0EXT", TeamID: "T0OTHER", Name: "mallory", IsAdmin: true, IsOwner: true})
	for i, text := range []string{"search roadmap", "conf new Hijacked", "add Planted talk"} {
		e.event("EvExt"+itoa(int64(i)), map[string]any{"type": "app_mention", "user": "U0EXT", "user_team": "T0OTHER",
			"source_team": "T0OTHER", "text": "<@" + testBotUser + "> " + text, "ts": "1.1", "channel": "C0SHARED"}, nil)
	}
	press := blockActions("U0EXT", e.api.responseURL("msg-ext"), "trg-ext", cardAction("star #1"))
	press["user"].(map[string]any)["team_id"] = "T0OTHER"
	e.interact(press)
	e.idle()
	answers := e.api.got("chat.postEphemeral")
	answers = append(answers, e.api.got("response_url")...)
	if len(answers) != 4 {
		t.Fatalf("%d answers, want 4: %+v", len(answers), answers)
	}
	for _, c := range answers {
		if s := c.shown(t); !strings.Contains(s, "another organisation") || strings.Contains(s, "roadmap") {
			t.Errorf("answer to the outsider: %s", s)
		}
	}
	if conf := e.handle("U0BOB", "conf"); strings.Contains(conf, "Hijacked") {
		t.Errorf("the outsider switched the team's conference: %s", conf)
	}
	if s := e.handle("U0BOB", "search planted"); strings.Contains(s, "Planted") {
		t.Errorf("the outsider logged into the team's log: %s", s)
	}
	if show := e.handle("U0BOB", "show #1"); strings.Contains(show, "starred") {
		t.Errorf("the outsider's button starred: %s", show)
	}

	// An admin of the other organisation, were Slack to let them in, is none here.
	if u := e.a.user(context.Background(), testTeam, "U0EXT"); u.admin {
		t.Error("another organisation's admin is an admin of this workspace")
	}
}

// While Slack rate-limits users.info, a job needing only a name does not
// sit out the wait, nor ask again: once a 429 is back, twenty people writing
// at once cost Slack no more calls and the bot no waits.
func TestNamesDoNotWaitOutUsersInfosRateLimit(t *testing.T) {
	e := newEnv(t)
	e.api.failNext("users.info", 1000, http.StatusTooManyRequests, "30")
	dm := func(u string) {
		e.event("EvDM"+u, map[string]any{"type": "message", "channel_type": "im", "user": u, "text": "help", "ts": "1.1", "channel": "D" + u[1:]}, nil)
	}
	dm("U0FIRST")
	e.idle()
	for i := range 20 {
		dm("U0DM" + strconv.Itoa(i))
	}
	e.idle()
	if n := len(e.api.got("chat.postMessage")); n != 21 {
		t.Errorf("%d of 21 answered", n)
	}
	if n := len(e.api.got("users.info")); n != 1 {
		t.Errorf("users.info asked %d times; want once, the 429 that said to wait", n)
	}
	if waits := e.sleeps.waits(); len(waits) > 0 {
		t.Errorf("jobs waited for a name: %v", waits)
	}
}

// When Slack cannot say whether a user is an admin, a command whose
// meaning that decides says so and does nothing: conf new had quietly
// switched only the admin, not the team.
func TestAnAdminSlackCannotVouchForIsToldSo(t *testing.T) {
	e := newEnv(t)
	e.api.failNext("users.info", 10, http.StatusInternalServerError, "")
	e.slash(slash{text: "conf new Team Conf", user: "U0BOB"})
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 1 || !strings.Contains(hooks[0].shown(t), "couldn't check with Slack whether you are an admin") {
		t.Fatalf("answer: %+v", hooks)
	}
	if l := e.handle("U0BOB", "conf list"); strings.Contains(l, "Team Conf") {
		t.Errorf("the conference was made anyway:\n%s", l)
	}
}

// The team sees one name for a person: the display name Slack gave once
// stays, though slash commands carry only the legacy username.
func TestAPersonKeepsTheirDisplayName(t *testing.T) {
	e := newEnv(t)
	e.api.setUser(slackgo.User{ID: "U0ALICE", Name: "asmith", RealName: "Alice Smith", Profile: slackgo.UserProfile{DisplayName: "Alice S."}})
	e.event("EvName1", map[string]any{"type": "message", "channel_type": "im", "user": "U0ALICE", "text": "add Name talk 5/5", "ts": "1.1", "channel": "D0ALICE"}, nil)
	e.idle()
	e.slash(slash{text: "rate #1 4", user: "U0ALICE", userName: "asmith"})
	e.idle()
	if show := e.handle("U0BOB", "show #1"); !strings.Contains(show, "Alice S.") || strings.Contains(show, "asmith") {
		t.Errorf("the team sees:\n%s", show)
	}
}

// A page button on a message shared in a DM between two people is not the
// presser's own: the page answers them apart, and the shared message stays.
func TestAPageButtonInAColleaguesDMDoesNotReplaceTheSharedMessage(t *testing.T) {
	e := newEnv(t)
	press := func(channel string) apiCall {
		e.api.reset()
		p := blockActions("U0BOB", e.api.responseURL("shared"), "trg-page-"+channel, map[string]any{
			"action_id": "run-1", "block_id": "b", "type": "button", "value": "list page 2", "action_ts": "1.1"})
		p["container"] = map[string]any{"type": "message", "message_ts": "1700000000.000300", "channel_id": channel, "is_ephemeral": false}
		p["channel"] = map[string]any{"id": channel, "name": "directmessage"}
		e.interact(p)
		e.idle()
		hooks := e.api.got("response_url")
		if len(hooks) != 1 {
			t.Fatalf("%d answers", len(hooks))
		}
		return hooks[0]
	}
	if h := press("D0ALICEBOB"); strings.Contains(h.Body, `"replace_original":true`) {
		t.Errorf("the page replaced the message alice shared with bob: %s", clip(h.Body))
	}
	if h := press("D0BOB"); !strings.Contains(h.Body, `"replace_original":true`) {
		t.Errorf("in bob's own DM with the app the page replaces its message: %s", clip(h.Body))
	}
}

// A name lookup Slack refused (rate limited) does not stand in for an
// admin's role: the admin's next command asks Slack, and is theirs.
func TestAFailedNameLookupLeavesAnAdminAnAdmin(t *testing.T) {
	e := newEnv(t)
	e.api.setUser(slackgo.User{ID: "U0BOB", Name: "bob", IsAdmin: true, Profile: slackgo.UserProfile{DisplayName: "Bob"}})
	e.api.failNext("users.info", 1, http.StatusTooManyRequests, "1")
	e.event("EvBobDM", map[string]any{"type": "message", "channel_type": "im", "user": "U0BOB", "text": "help", "ts": "1.1", "channel": "D0BOB"}, nil)
	e.idle()
	e.slash(slash{text: "conf new Team Conf", user: "U0BOB"})
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 1 || !strings.Contains(hooks[0].shown(t), "the team's active conference") {
		t.Errorf("the admin's conf new: %+v", hooks)
	}
}

// An uninstall, or tokens revoked, is logged for the operator: every post
// to the workspace fails from then on.
func TestAnUninstallIsLogged(t *testing.T) {
	var logs logBuffer
	e := newEnv(t, logs.into)
	e.event("EvUninstall", map[string]any{"type": "app_uninstalled"}, nil)
	e.event("EvRevoked", map[string]any{"type": "tokens_revoked", "tokens": map[string]any{"bot": []string{"U0BOT"}}}, nil)
	e.idle()
	if n := strings.Count(logs.String(), "the Slack app was uninstalled, or its tokens revoked"); n != 2 {
		t.Errorf("%d lines:\n%s", n, logs.String())
	}
}

// /slack/events is open to the internet: a flood of badly signed requests
// is refused, each at once, and the log gets one line a minute with the
// count, not a line a request.
func TestBadlySignedRequestsDoNotFloodTheLog(t *testing.T) {
	var logs logBuffer
	e := newEnv(t, logs.into)
	for i := range 30 {
		body := e.slashBody(slash{text: "list", trigger: "t-forged-" + itoa(int64(i))})
		if status, _ := e.do(request{contentType: "application/x-www-form-urlencoded", body: body, secret: "not-the-secret"}); status != http.StatusUnauthorized {
			t.Fatalf("a forged request: %d", status)
		}
	}
	if n := strings.Count(logs.String(), "refused"); n > 1 {
		t.Errorf("%d log lines for 30 badly signed requests:\n%s", n, logs.String())
	}
}
