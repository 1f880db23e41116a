package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

// viewState is a view's submitted state in Slack's wire format.
func viewState(values map[string]map[string]any) map[string]any {
	out := map[string]any{}
	for block, v := range values {
		out[block] = map[string]any{inputValue: v}
	}
	return map[string]any{"values": out}
}

func viewSubmission(user, trigger, callback, meta string, state map[string]any) map[string]any {
	return map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam, "domain": "example"},
		"user":       map[string]any{"id": user, "username": "alice", "name": "alice", "team_id": testTeam},
		"api_app_id": "A0TALKBOT", "token": "gIkuvaNzQIHg97ATvDxqgjtO", "trigger_id": trigger,
		"view": map[string]any{"id": "V0VIEW", "team_id": testTeam, "type": "modal", "callback_id": callback,
			"private_metadata": meta, "state": state, "hash": "1700000000.abcdef"},
		"response_urls": []any{},
	}
}

func TestAddModal(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add", trigger: "trg-modal", responseURL: e.api.responseURL("orig")})
	e.idle()
	opens := e.api.got("views.open")
	if len(opens) != 1 {
		t.Fatalf("views.open calls = %d, want 1", len(opens))
	}
	var open struct {
		TriggerID string `json:"trigger_id"`
		View      struct {
			CallbackID      string `json:"callback_id"`
			PrivateMetadata string `json:"private_metadata"`
		} `json:"view"`
	}
	if err := json.Unmarshal([]byte(opens[0].Body), &open); err != nil {
		t.Fatal(err)
	}
	if open.TriggerID != "trg-modal" || open.View.CallbackID != viewAdd {
		t.Fatalf("opened %+v", open)
	}
	if len(e.rec.requests()) != 0 {
		t.Errorf("opening the modal ran a command")
	}

	// Submitted with an empty title: the form shows an error, nothing runs.
	status, body := e.interact(viewSubmission("U0ALICE", "trg-sub0", viewAdd, open.View.PrivateMetadata, viewState(map[string]map[string]any{
		inputTitle: {"type": "plain_text_input", "value": "  "}})))
	if status != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, `"title"`) {
		t.Errorf("empty title: %d %s", status, body)
	}

	// A title with options and separators in it stays whole; the note is the note.
	title := `Kubernetes "Mythbusters" -- 5/5 #notatag https://example.com`
	status, body = e.interact(viewSubmission("U0ALICE", "trg-sub1", viewAdd, open.View.PrivateMetadata, viewState(map[string]map[string]any{
		inputTitle:    {"type": "plain_text_input", "value": title},
		inputSpeakers: {"type": "plain_text_input", "value": "Alice Smith & Bob Jones"},
		inputRating:   {"type": "static_select", "selected_option": map[string]any{"value": "4", "text": map[string]any{"type": "plain_text", "text": "4"}}},
		inputTags:     {"type": "plain_text_input", "value": "ebpf, Networking"},
		inputNote:     {"type": "plain_text_input", "value": "great demo -- really, the crowd gave it 5/5 #wow https://example.com/slides"},
	})))
	if status != http.StatusOK || body != "" {
		t.Fatalf("submission: %d %q (want an empty 200 that closes the modal)", status, body)
	}
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 1 || !strings.Contains(hooks[0].Body, "Logged new talk") {
		t.Fatalf("answer through the slash command's response_url: %+v", hooks)
	}
	show := e.handle("U0ALICE", "show #1")
	// The form's note is the note as typed: its 5/5 is no second rating (that
	// had failed the whole form after it closed), its #wow no tag.
	for _, want := range []string{`Kubernetes "Mythbusters" --` + "\u00a0" + `5/5 #notatag https://example.com`, "Alice Smith & Bob Jones", "#ebpf", "#networking", "4/5",
		"great demo -- really, the crowd gave it 5/5 #wow https://example.com/slides"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	if strings.Contains(show, "· #wow") || strings.Contains(show, "Link: https://example.com/slides") {
		t.Errorf("the note's words became the talk's tag or link:\n%s", show)
	}
	checkInputLengths(t, opens[0].Body)
}

// formMeta is the private_metadata of the form the bot opened last.
func formMeta(t *testing.T, e *env) string {
	t.Helper()
	opens := e.api.got("views.open")
	if len(opens) == 0 {
		t.Fatal("no form opened")
	}
	var open struct {
		View struct {
			PrivateMetadata string `json:"private_metadata"`
		} `json:"view"`
	}
	if err := json.Unmarshal([]byte(opens[len(opens)-1].Body), &open); err != nil {
		t.Fatal(err)
	}
	return open.View.PrivateMetadata
}

// The "Log a talk" form's private box keeps its note from colleagues, as
// the note form's does (the form had no such box: a DM's note went to the team).
func TestAddFormPrivateNote(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add", trigger: "trg-p", responseURL: e.api.responseURL("p")})
	e.idle()
	meta := formMeta(t, e)
	status, body := e.interact(viewSubmission("U0ALICE", "trg-p-sub", viewAdd, meta, viewState(map[string]map[string]any{
		inputTitle:   {"type": "plain_text_input", "value": "Cgroupv2 Is Coming Soon"},
		inputNote:    {"type": "plain_text_input", "value": "ask Dana about the interview"},
		inputPrivate: {"type": "checkboxes", "selected_options": []map[string]any{{"value": "private"}}},
	})))
	if status != http.StatusOK || body != "" {
		t.Fatalf("submission: %d %q", status, body)
	}
	e.idle()
	if hooks := e.api.got("response_url"); len(hooks) != 1 || !strings.Contains(hooks[0].Body, "Logged new talk") {
		t.Fatalf("answer: %+v", hooks)
	}
	if own := e.handle("U0ALICE", "show #1"); !strings.Contains(own, "(private)") || !strings.Contains(own, "ask Dana about the interview") {
		t.Errorf("alice's show:\n%s", own)
	}
	if bob := e.handle("U0BOB", "show #1"); strings.Contains(bob, "Dana") {
		t.Errorf("bob reads alice's private note:\n%s", bob)
	}
}

// A form field holding every kind of quotation mark cannot be quoted for
// the command line: the form says so, and nothing runs (the note form's
// "Or another talk" had run `note edit n1 …`, overwriting a note).
func TestAFormFieldOfEveryQuoteIsSentBack(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add", trigger: "trg-q", responseURL: e.api.responseURL("q")})
	e.idle()
	meta := formMeta(t, e)
	status, body := e.interact(viewSubmission("U0ALICE", "trg-q-sub", viewAdd, meta, viewState(map[string]map[string]any{
		inputTitle: {"type": "plain_text_input", "value": `edit n1 "a" “b” «c»`}})))
	if status != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "quotation marks") {
		t.Errorf("submission: %d %s", status, body)
	}
	e.idle()
	if n := len(e.rec.requests()); n != 0 {
		t.Errorf("%d commands ran", n)
	}
}

// A form sent in after its slash command's response_url is gone (Slack
// keeps one 30 minutes) is answered in a message only its user sees: the
// question an ambiguous title asks is not lost, nor the note typed for it.
func TestAFormSentLateIsAnsweredInAMessage(t *testing.T) {
	e := newEnv(t)
	// Two days that are not today (the bot's clock is the real one): a question.
	e.handle("U0BOB", "add Keynote day:"+time.Now().AddDate(0, 0, -2).Format(time.DateOnly))
	e.handle("U0BOB", "add Keynote day:"+time.Now().AddDate(0, 0, -1).Format(time.DateOnly))
	e.slash(slash{text: "add", trigger: "trg-late", responseURL: e.api.responseURL("late")})
	e.idle()
	meta := formMeta(t, e)
	e.api.reset()
	e.api.failNext("response_url", 10, http.StatusNotFound, "")
	e.interact(viewSubmission("U0ALICE", "trg-late-sub", viewAdd, meta, viewState(map[string]map[string]any{
		inputTitle: {"type": "plain_text_input", "value": "Keynote"},
		inputNote:  {"type": "plain_text_input", "value": "typed in the hallway for 40 minutes"},
	})))
	e.idle()
	posts := e.api.got("chat.postEphemeral")
	if len(posts) != 1 || posts[0].Form.Get("channel") != "C0TALKS" || posts[0].Form.Get("user") != "U0ALICE" {
		t.Fatalf("the answer after the response_url was gone: %+v", posts)
	}
	question := posts[0].shown(t)
	if !strings.Contains(question, "Keynote") {
		t.Errorf("the question: %s", question)
	}
	// Its buttons carry the note: pressing one logs it.
	var value string
	for _, b := range regexp.MustCompile(`"value":"([^"]*)"`).FindAllStringSubmatch(posts[0].Form.Get("blocks"), -1) {
		if strings.Contains(b[1], "hallway") {
			value = b[1]
			break
		}
	}
	if value == "" {
		t.Fatalf("no button carries the note: %s", posts[0].Form.Get("blocks"))
	}
	e.interact(blockActions("U0ALICE", e.api.responseURL("q"), "trg-late-pick", map[string]any{
		"action_id": "run-1", "block_id": "b", "type": "button", "value": value, "action_ts": "1.1"}))
	e.idle()
	if l := e.handle("U0ALICE", "list all"); !strings.Contains(l, "Keynote") {
		t.Errorf("alice's list after answering the question:\n%s", l)
	}
}

// checkInputLengths fails when a form's text input allows more than Slack
// does: views.open then refuses the form, and the user sees nothing at all.
func checkInputLengths(t *testing.T, body string) {
	t.Helper()
	var v struct {
		View struct {
			Blocks []struct {
				BlockID string `json:"block_id"`
				Element struct {
					MaxLength    int    `json:"max_length"`
					InitialValue string `json:"initial_value"`
				} `json:"element"`
			} `json:"blocks"`
		} `json:"view"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	for _, b := range v.View.Blocks {
		if b.Element.MaxLength > 3000 || len([]rune(b.Element.InitialValue)) > 3000 {
			t.Errorf("block %s: max_length %d, initial value of %d characters; Slack takes at most 3000", b.BlockID, b.Element.MaxLength, len([]rune(b.Element.InitialValue)))
		}
	}
}

// A message naming people Slack is slow to name (users.info rate limited,
// asking to wait longer than the trigger id lives) opens the note form at
// once: the bot does not sit out the wait, and the mentions show as ids.
func TestSaveAsNoteDoesNotWaitOutSlack(t *testing.T) {
	e := newEnv(t)
	e.api.failNext("users.info", 100, http.StatusTooManyRequests, "5")
	e.interact(map[string]any{
		"type": "message_action", "callback_id": callbackSaveNote, "trigger_id": "trg-limited",
		"team": map[string]any{"id": testTeam, "domain": "example"}, "user": map[string]any{"id": "U0ALICE", "name": "alice"},
		"channel": map[string]any{"id": "C0TALKS", "name": "kubecon"}, "response_url": e.api.responseURL("limited"),
		"message_ts": "1700000000.000500",
		"message":    map[string]any{"type": "message", "user": "U0BOB", "ts": "1700000000.000500", "text": "thanks <@U0M1> and <@U0M2>!"},
	})
	e.idle()
	opens := e.api.got("views.open")
	if len(opens) != 1 || !strings.Contains(opens[0].Body, "thanks @U0M1 and @U0M2!") {
		t.Fatalf("views.open: %+v", opens)
	}
	if waits := e.sleeps.waits(); len(waits) > 0 {
		t.Errorf("the form waited for Slack first: %v", waits)
	}
}

func TestSaveAsNoteShortcut(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon"})
	e.slash(slash{text: "add KEDA - Real Time And Serverless Scaling"})
	e.idle()
	e.api.reset()
	status, _ := e.interact(map[string]any{
		"type": "message_action", "callback_id": callbackSaveNote, "trigger_id": "trg-shortcut",
		"team": map[string]any{"id": testTeam, "domain": "example"}, "user": map[string]any{"id": "U0ALICE", "name": "alice"},
		"channel": map[string]any{"id": "C0TALKS", "name": "kubecon"}, "response_url": e.api.responseURL("shortcut"),
		"message_ts": "1700000000.000400", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
		"message": map[string]any{"type": "message", "user": "U0BOB", "ts": "1700000000.000400",
			"text": "<@U0BOB|bob> says &lt;b&gt;see <https://example.com/slides|the slides>&lt;/b&gt; <!here>"},
	})
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	e.idle()
	opens := e.api.got("views.open")
	if len(opens) != 1 {
		t.Fatalf("views.open calls = %d", len(opens))
	}
	var open struct {
		View struct {
			PrivateMetadata string `json:"private_metadata"`
			Blocks          []struct {
				BlockID string `json:"block_id"`
				Element struct {
					InitialValue string `json:"initial_value"`
					Options      []struct {
						Text  struct{ Text string } `json:"text"`
						Value string                `json:"value"`
					} `json:"options"`
				} `json:"element"`
			} `json:"blocks"`
		} `json:"view"`
	}
	if err := json.Unmarshal([]byte(opens[0].Body), &open); err != nil {
		t.Fatal(err)
	}
	checkInputLengths(t, opens[0].Body)
	var picks []string
	var initial string
	for _, b := range open.View.Blocks {
		for _, o := range b.Element.Options {
			if b.BlockID == inputTalkPick {
				picks = append(picks, o.Value+"="+o.Text.Text)
			}
		}
		if b.BlockID == inputNote {
			initial = b.Element.InitialValue
		}
	}
	if len(picks) != 2 || !strings.Contains(strings.Join(picks, "|"), "1=#1 Cgroupv2 Is Coming Soon") {
		t.Errorf("talk picker = %q", picks)
	}
	if want := "@bob says <b>see the slides (https://example.com/slides)</b> @here"; initial != want {
		t.Errorf("note text = %q, want %q", initial, want)
	}
	status, body := e.interact(viewSubmission("U0ALICE", "trg-note", viewNote, open.View.PrivateMetadata, viewState(map[string]map[string]any{
		inputTalkPick: {"type": "static_select", "selected_option": map[string]any{"value": "1"}},
		inputNote:     {"type": "plain_text_input", "value": initial},
		inputPrivate:  {"type": "checkboxes", "selected_options": []map[string]any{{"value": "private"}}},
	})))
	if status != http.StatusOK || body != "" {
		t.Fatalf("submission: %d %q", status, body)
	}
	// No talk at all: an error in the form.
	_, body = e.interact(viewSubmission("U0ALICE", "trg-note2", viewNote, open.View.PrivateMetadata, viewState(map[string]map[string]any{
		inputNote: {"type": "plain_text_input", "value": "x"}})))
	if !strings.Contains(body, `"talk_ref"`) {
		t.Errorf("no talk: %s", body)
	}
	e.idle()
	show := e.handle("U0ALICE", "show #1")
	if !strings.Contains(show, "(private)") || !strings.Contains(show, "see the slides (https://example.com/slides)") {
		t.Errorf("show:\n%s", show)
	}
	hooks := e.api.got("response_url")
	if len(hooks) != 1 || !strings.Contains(hooks[0].Body, "Noted (private)") {
		t.Errorf("answer: %+v", hooks)
	}
	// What the bot sent never holds live markup from the message.
	for _, c := range hooks {
		if strings.Contains(c.Body, "<!here>") || strings.Contains(c.Body, "<b>") {
			t.Errorf("live markup in %s", c.Body)
		}
	}
}

func TestAppHome(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon 5/5"})
	e.slash(slash{text: "want KEDA - Real Time And Serverless Scaling", user: "U0ALICE"})
	e.idle()
	e.api.reset()
	e.event("EvHOME1", map[string]any{"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home", "event_ts": "1700000005.1"}, nil)
	e.idle()
	pubs := e.api.got("views.publish")
	if len(pubs) != 1 {
		t.Fatalf("views.publish calls = %d, want 1", len(pubs))
	}
	home := pubs[0].Body
	for _, want := range []string{`"user_id":"U0ALICE"`, `"type":"home"`, "Your talks — General", "Your watch-later list", "KEDA", "Team highlights", "Cgroupv2", actionOpenAdd} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	// A change refreshes it.
	e.slash(slash{text: "star #2"})
	e.idle()
	if n := len(e.api.got("views.publish")); n != 2 {
		t.Errorf("views.publish calls after a change = %d, want 2", n)
	}
	// A reading command does not.
	e.slash(slash{text: "list"})
	e.idle()
	if n := len(e.api.got("views.publish")); n != 2 {
		t.Errorf("views.publish calls after a read = %d, want 2", n)
	}
	// A button on the Home acts, then shows the Home again with the answer on top.
	e.interact(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": "U0ALICE", "name": "alice", "team_id": testTeam},
		"team": map[string]any{"id": testTeam}, "trigger_id": "trg-home-star", "api_app_id": "A0TALKBOT",
		"container": map[string]any{"type": "view", "view_id": "V0HOME"},
		"view":      map[string]any{"id": "V0HOME", "type": "home", "team_id": testTeam, "callback_id": "home"},
		"actions":   []map[string]any{cardAction("watched #2")},
	})
	e.idle()
	pubs = e.api.got("views.publish")
	if len(pubs) != 3 || !strings.Contains(pubs[2].Body, "watched") {
		t.Fatalf("home after a button: %d publishes", len(pubs))
	}
	if !strings.Contains(e.handle("U0ALICE", "show #2"), "watched") {
		t.Errorf("the Home button did not act")
	}
	// Redelivered app_home_opened: no second publish.
	e.event("EvHOME1", map[string]any{"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home", "event_ts": "1700000005.1"},
		http.Header{"X-Slack-Retry-Num": {"1"}})
	e.idle()
	if n := len(e.api.got("views.publish")); n != 3 {
		t.Errorf("publishes after a redelivery = %d, want 3", n)
	}
}

// A reply Slack answers with a 5xx is tried again after a short pause,
// twice at most: it had been dropped on the first 502, the user answered
// nothing. A Slack that stays down is given up, and the bot goes on.
func TestServerErrorsAreRetriedBriefly(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon"})
	e.idle()
	e.api.reset()
	e.api.failNext("response_url", 2, http.StatusBadGateway, "")
	e.slash(slash{text: "list"})
	e.idle()
	if hooks := e.api.got("response_url"); len(hooks) != 3 || !strings.Contains(hooks[2].shown(t), "Cgroupv2") {
		t.Errorf("after two 502s: %d posts to response_url", len(hooks))
	}
	if waits := e.sleeps.waits(); len(waits) != 2 || waits[0] != time.Second || waits[1] != 2*time.Second {
		t.Errorf("waits = %v, want 1s then 2s", waits)
	}
	e.api.reset()
	e.api.failNext("chat.postEphemeral", 10, http.StatusServiceUnavailable, "")
	e.event("Ev503", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> list", "ts": "1.3", "channel": "C0TALKS"}, nil)
	e.idle()
	if n := len(e.api.got("chat.postEphemeral")); n != 3 {
		t.Errorf("attempts on a Slack that stays down = %d, want 3", n)
	}
}

func TestRateLimitedCallsAreRetried(t *testing.T) {
	e := newEnv(t)
	e.slash(slash{text: "add Cgroupv2 Is Coming Soon"})
	e.idle()
	e.api.reset()

	e.api.failNext("response_url", 1, http.StatusTooManyRequests, "3")
	e.api.failNext("chat.postEphemeral", 2, http.StatusTooManyRequests, "7")
	e.slash(slash{text: "list"})
	e.event("Ev429", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> list", "ts": "1.1", "channel": "C0TALKS"}, nil)
	e.idle()
	if n := len(e.api.got("response_url")); n != 2 {
		t.Errorf("response_url attempts = %d, want 2", n)
	}
	if n := len(e.api.got("chat.postEphemeral")); n != 3 {
		t.Errorf("chat.postEphemeral attempts = %d, want 3", n)
	}
	waits := map[time.Duration]int{}
	for _, d := range e.sleeps.waits() {
		waits[d]++
	}
	if waits[3*time.Second] != 1 || waits[7*time.Second] != 2 {
		t.Errorf("waits = %v, want 3s once and 7s twice (Slack's Retry-After)", waits)
	}

	// A call that stays rate limited is given up after a few retries, and the bot goes on.
	e.api.reset()
	e.api.failNext("chat.postEphemeral", 10, http.StatusTooManyRequests, "1")
	e.event("Ev429b", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> list", "ts": "1.2", "channel": "C0TALKS"}, nil)
	e.idle()
	if n := len(e.api.got("chat.postEphemeral")); n != maxRetries+1 {
		t.Errorf("attempts = %d, want %d", n, maxRetries+1)
	}
	e.slash(slash{text: "list"})
	e.idle()
	if n := len(e.api.got("response_url")); n != 1 {
		t.Errorf("the bot stopped answering after giving up")
	}
}

func TestRetryAfterIsWaitedForReal(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.cfg.Sleep = nil })
	e.api.failNext("response_url", 1, http.StatusTooManyRequests, "1")
	e.slash(slash{text: "help"})
	e.idle()
	e.api.mu.Lock()
	times := e.api.times["response_url"]
	e.api.mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("attempts = %d", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Second {
		t.Errorf("retried after %v, before Retry-After: 1", gap)
	}
}

func TestPostsToOneChannelArePaced(t *testing.T) {
	now := time.Date(2024, 11, 13, 10, 0, 0, 0, time.UTC)
	e := newEnv(t, func(s *setup) { s.cfg.Now = func() time.Time { return now } })
	for i, u := range []string{"U0ALICE", "U0BOB", "U0CAROL"} {
		e.event("EvShare"+itoa(int64(i)), map[string]any{"type": "app_mention", "user": u, "text": "<@" + testBotUser + "> share help", "ts": "1.1", "channel": "C0TALKS"}, nil)
	}
	e.event("EvOther", map[string]any{"type": "app_mention", "user": "U0DAN", "text": "<@" + testBotUser + "> share help", "ts": "1.1", "channel": "C0OTHER"}, nil)
	e.idle()
	if n := len(e.api.got("chat.postMessage")); n != 4 {
		t.Fatalf("posts = %d, want 4", n)
	}
	waits := e.sleeps.waits()
	total := time.Duration(0)
	for _, d := range waits {
		total += d
	}
	// Three posts to C0TALKS at one instant: the second waits 1s, the third 2s; C0OTHER waits not at all.
	if len(waits) != 2 || total != 3*time.Second {
		t.Errorf("waits = %v, want 1s and 2s", waits)
	}
}

func TestBusyAndPanics(t *testing.T) {
	block := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(block) }) }
	t.Cleanup(release)
	blocking, blockingOnce := make(chan struct{}), sync.Once{} // closed once "block" holds the worker
	e := newEnv(t, func(s *setup) {
		s.rt.Workers, s.rt.Queue = 1, 1
		s.handler = handlerFunc(func(ctx context.Context, req commands.Request) commands.Reply {
			switch req.Text {
			case "block":
				blockingOnce.Do(func() { close(blocking) })
				<-block
			case "panic":
				panic("boom")
			}
			return say("ok " + req.Text)
		})
	})
	e.slash(slash{text: "panic", user: "U1"})
	e.idle()
	if hooks := e.api.got("response_url"); len(hooks) != 1 || !strings.Contains(hooks[0].shown(t), ":warning:") {
		t.Errorf("answer to a panic: %+v", hooks)
	}
	e.slash(slash{text: "block", user: "U1"}) // runs, and holds the only worker
	// Until the worker has taken "block" off the queue (it may still be
	// finishing the panic's job), that one place is "block"'s.
	select {
	case <-blocking:
	case <-time.After(20 * time.Second):
		t.Fatal("the blocking command never ran")
	}
	e.slash(slash{text: "queued", user: "U2"}) // waits in the queue
	// The queue is full: a slash command is told so, an event is left for Slack to redeliver.
	var full bool
	for i := 0; i < 5 && !full; i++ {
		status, body := e.do(request{contentType: "application/x-www-form-urlencoded", body: e.slashBody(slash{text: "more", user: "U3"})})
		full = status == http.StatusOK && strings.Contains(body, "swamped") && strings.Contains(body, `"response_type":"ephemeral"`)
	}
	if !full {
		t.Fatal("a full queue never said so")
	}
	status, _ := e.event("EvBusy", map[string]any{"type": "app_mention", "user": "U4", "text": "<@" + testBotUser + "> list", "ts": "1.1", "channel": "C0TALKS"}, nil)
	if status != http.StatusServiceUnavailable {
		t.Errorf("event with a full queue: %d, want 503", status)
	}
	release()
	e.idle()
	// After the panic and the jam, the event comes again and is handled.
	status, _ = e.event("EvBusy", map[string]any{"type": "app_mention", "user": "U4", "text": "<@" + testBotUser + "> list", "ts": "1.1", "channel": "C0TALKS"},
		http.Header{"X-Slack-Retry-Num": {"1"}})
	e.idle()
	if status != http.StatusOK || len(e.api.got("chat.postEphemeral")) != 1 {
		t.Errorf("redelivered event: %d, %d answers", status, len(e.api.got("chat.postEphemeral")))
	}
	var texts []string
	for _, c := range e.api.got("response_url") {
		texts = append(texts, c.Body)
	}
	if all := strings.Join(texts, "\n"); !strings.Contains(all, "ok block") || !strings.Contains(all, "ok queued") {
		t.Errorf("answers after a panic: %s", all)
	}
}

// handlerFunc is a command layer of one function, which knows no commands.
type handlerFunc func(ctx context.Context, req commands.Request) commands.Reply

func (f handlerFunc) Handle(ctx context.Context, req commands.Request) commands.Reply {
	return f(ctx, req)
}

func (handlerFunc) Lookup(string) (commands.Command, bool) { return commands.Command{}, false }

func say(s string) commands.Reply {
	return commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: s}}}}}
}

// slowRouter is the router with one slow command more, "summary", which
// answers once the test lets it.
type slowRouter struct {
	*commands.Router
	release chan struct{}
}

func (s slowRouter) Lookup(text string) (commands.Command, bool) {
	if commands.StripPrefix(text) == "summary" {
		return commands.Command{Name: "summary", Slow: true}, true
	}
	return s.Router.Lookup(text)
}

func (s slowRouter) Handle(ctx context.Context, req commands.Request) commands.Reply {
	if commands.StripPrefix(req.Text) == "summary" {
		<-s.release
		r := say("Here is the summary.")
		r.Command, r.Safe = "summary", true
		return r
	}
	return s.Router.Handle(ctx, req)
}

// TestSlowCommand: a slow command answers "Working on it…" at once, and the
// answer replaces it: through response_url for a slash command, by
// chat.update in a DM; an ephemeral reply to a mention cannot be replaced,
// so the answer follows it.
func TestSlowCommand(t *testing.T) {
	release := make(chan struct{})
	e := newEnv(t, func(s *setup) { s.handler = slowRouter{Router: s.router, release: release} })
	e.slash(slash{text: "summary"})
	e.event("EvSlowDM", map[string]any{"type": "message", "channel_type": "im", "user": "U0BOB", "text": "summary",
		"ts": "1700000003.000100", "channel": "D0BOB"}, nil)
	e.event("EvSlowMention", map[string]any{"type": "app_mention", "user": "U0CAROL", "text": "<@" + testBotUser + "> summary",
		"ts": "1700000004.000100", "channel": "C0TALKS"}, nil)
	hook := e.api.waitFor(t, "response_url", 1)[0].Body
	post := e.api.waitFor(t, "chat.postMessage", 1)[0].Form
	eph := e.api.waitFor(t, "chat.postEphemeral", 1)[0].Form
	for _, got := range []string{hook, post.Get("blocks"), eph.Get("blocks")} {
		if !strings.Contains(got, "Working on it…") || strings.Contains(got, "summary") {
			t.Errorf("first answer: %s", got)
		}
	}
	if strings.Contains(hook, `"replace_original":true`) {
		t.Errorf("working on it replaced the slash command's message: %s", hook)
	}
	close(release)
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 2 || !strings.Contains(hooks[1].Body, "Here is the summary.") || !strings.Contains(hooks[1].Body, `"replace_original":true`) {
		t.Errorf("slash command answer: %+v", hooks)
	}
	updates := e.api.got("chat.update")
	if len(updates) != 1 || len(e.api.got("chat.postMessage")) != 1 {
		t.Fatalf("DM: %d updates, %d posts, want 1 each", len(updates), len(e.api.got("chat.postMessage")))
	}
	posted := e.api.got("chat.postMessage")[0]
	if u := updates[0].Form; u.Get("channel") != "D0BOB" || u.Get("ts") != posted.TS || !strings.Contains(u.Get("blocks"), "Here is the summary.") {
		t.Errorf("chat.update %v of the message %s", u, posted.TS)
	}
	ephs := e.api.got("chat.postEphemeral")
	if len(ephs) != 2 || !strings.Contains(ephs[1].Form.Get("blocks"), "Here is the summary.") {
		t.Errorf("mention answers: %+v", ephs)
	}
}

// A shared slow command's answer goes to the channel as a message of its
// own: it does not replace the "working on it…" only its user saw, which
// Slack may keep ephemeral.
func TestASharedSlowCommandIsPostedForEveryone(t *testing.T) {
	release := make(chan struct{})
	e := newEnv(t, func(s *setup) { s.handler = slowRouter{Router: s.router, release: release} })
	e.slash(slash{text: "share summary"})
	if hook := e.api.waitFor(t, "response_url", 1)[0].Body; !strings.Contains(hook, "Working on it…") || !strings.Contains(hook, `"response_type":"ephemeral"`) {
		t.Errorf("first answer: %s", hook)
	}
	close(release)
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 2 || !strings.Contains(hooks[1].Body, "Here is the summary.") || !strings.Contains(hooks[1].Body, `"response_type":"in_channel"`) ||
		strings.Contains(hooks[1].Body, `"replace_original":true`) {
		t.Errorf("the shared answer: %+v", hooks)
	}
}

func TestAppHomeOpenedOftenPublishesOnce(t *testing.T) {
	now := time.Date(2024, 11, 13, 10, 0, 0, 0, time.UTC)
	e := newEnv(t, func(s *setup) {
		s.cfg.HomeInterval = time.Minute
		s.cfg.Now = func() time.Time { return now }
	})
	for i := range 3 {
		e.event("EvOpen"+itoa(int64(i)), map[string]any{"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home", "event_ts": "1.1"}, nil)
		e.idle()
	}
	if n := len(e.api.got("views.publish")); n != 1 {
		t.Errorf("views.publish calls = %d, want 1", n)
	}
	// The Messages tab is not the Home.
	e.event("EvOpenMsgs", map[string]any{"type": "app_home_opened", "user": "U0BOB", "channel": "D0BOB", "tab": "messages", "event_ts": "1.2"}, nil)
	e.idle()
	if n := len(e.api.got("views.publish")); n != 1 {
		t.Errorf("views.publish calls = %d after the Messages tab, want 1", n)
	}
}

// Events API messages carry no user names, and a mention in them is a bare
// <@U0DAN>: the bot asks Slack (users.info, cached) so the team reads
// names, never ids, in what it shows.
func TestEventsNameTheirUsers(t *testing.T) {
	e := newEnv(t)
	e.event("EvName1", map[string]any{"type": "message", "channel_type": "im", "user": "U0BOB", "text": "add Talk A 5/5 -- wow",
		"ts": "1700000003.000100", "channel": "D0BOB"}, nil)
	e.idle()
	e.event("EvName2", map[string]any{"type": "app_mention", "user": "U0CAROL", "text": "<@" + testBotUser + "> recommend #1 <@U0DAN>",
		"ts": "1700000004.000100", "channel": "C0TALKS"}, nil)
	e.idle()
	var recommended bool
	for _, c := range e.api.got("") {
		if strings.Contains(c.Body, "Recommended") || strings.Contains(c.Form.Get("text"), "Recommended") {
			recommended = true
			if !strings.Contains(c.Body+c.Form.Get("text")+c.Form.Get("blocks"), "name-U0DAN") {
				t.Errorf("carol's answer names dan by id: %s %v", c.Body, c.Form)
			}
		}
	}
	if !recommended {
		t.Errorf("no answer to carol's recommend: %+v", e.api.got(""))
	}
	show := e.handle("U0ERIN", "show #1")
	if !strings.Contains(show, "• name-U0BOB: attended") || !strings.Contains(show, "✎ name-U0BOB:") {
		t.Errorf("show names bob by his id:\n%s", show)
	}
	if watch := e.handle("U0DAN", "watch"); !strings.Contains(watch, "name-U0CAROL") {
		t.Errorf("dan's watch list:\n%s", watch)
	}
}

// `/talk share` alone had posted the whole help to the channel; a no-break
// space after the command word (Option-Space on a Mac) had made "add Foo"
// an unknown command.
func TestOddSlashCommands(t *testing.T) {
	e := newEnv(t)
	status, body := e.do(request{contentType: "application/x-www-form-urlencoded", body: e.slashBody(slash{text: "share"})})
	if status != http.StatusOK || !strings.Contains(body, "Share what?") || !strings.Contains(body, `"response_type":"ephemeral"`) {
		t.Errorf("share alone: %d %s", status, body)
	}
	e.slash(slash{text: "add\u00a0Kubernetes at Scale"})
	e.idle()
	if len(e.api.got("chat.postMessage")) != 0 {
		t.Errorf("something was posted to the channel: %+v", e.api.got("chat.postMessage"))
	}
	if show := e.handle("U0ERIN", "show #1"); !strings.HasPrefix(show, "#1 Kubernetes at Scale") {
		t.Errorf("add with a no-break space:\n%s", show)
	}
}

// The bot named in passing answers only a command or a question about
// watching; chatter that happens to mention it gets no reply (it got
// "I don't know the command @U0BOB").
func TestAPassingMentionIsAnsweredOnlyWhenItAsks(t *testing.T) {
	e := newEnv(t)
	e.event("EvPass1", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@U0BOB> and <@" + testBotUser + "> - great talk on cgroups!",
		"ts": "1700000005.000100", "channel": "C0TALKS"}, nil)
	e.idle()
	if got := e.api.got(""); len(got) != 0 {
		t.Errorf("a passing mention was answered: %+v", got)
	}
	e.event("EvPass2", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "so what should I watch later, <@" + testBotUser + ">?",
		"ts": "1700000006.000100", "channel": "C0TALKS"}, nil)
	e.idle()
	if got := e.api.got(""); len(got) == 0 {
		t.Errorf("a question naming the bot in passing was not answered")
	}
}

// An Events API callback is kept before Slack is told it arrived, and one
// a crash cut off is handled at the next start: Slack never delivers an
// acknowledged callback again, and a kill -9 under load had lost every
// queued DM (242 of 320), unanswered. One handled before the crash is not
// run again.
func TestEventsACrashCutOffAreHandledAtTheNextStart(t *testing.T) {
	ctx := context.Background()
	release := make(chan struct{})
	e := newEnv(t, func(s *setup) { s.handler = slowRouter{Router: s.router, release: release} })
	kept := func() int {
		t.Helper()
		k, err := e.store.KeptEvents(ctx, "slack", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return len(k)
	}
	// Kept by the time Slack has its answer, while the job has yet to end.
	e.event("EvSlow", map[string]any{"type": "message", "channel_type": "im", "user": "U0BOB", "text": "summary",
		"ts": "1700000002.000100", "channel": "D0BOB"}, nil)
	if n := kept(); n != 1 {
		t.Errorf("%d events kept while one is under way", n)
	}
	close(release)
	e.event("EvKept", map[string]any{"type": "message", "channel_type": "im", "user": "U0BOB", "text": "add Kept Talk",
		"ts": "1700000003.000100", "channel": "D0BOB"}, nil)
	e.idle()
	if n := kept(); n != 0 {
		t.Errorf("%d handled events still to replay", n)
	}

	// As a crash leaves them: kept, never handled (or handled, or old).
	keep := func(id, text string) {
		b, _ := json.Marshal(eventCallback(id, map[string]any{"type": "message", "channel_type": "im", "user": "U0BOB", "text": text,
			"ts": "1700000009.000100", "channel": "D0BOB"}))
		if err := e.store.KeepEvent(ctx, "slack", "event:"+id, b); err != nil {
			t.Fatal(err)
		}
	}
	keep("EvCutOff", "add Cut Off Talk")
	keep("EvKept", "add Kept Talk") // kept already, and handled
	e.api.reset()
	e.a.replayKept(ctx) // this run's own: queued already, not replayed
	e.idle()
	if n := len(e.api.got("chat.postMessage")); n != 0 {
		t.Fatalf("%d answers replayed from this run's own callbacks", n)
	}
	e.a.created = time.Now() // the restart
	e.a.replayKept(ctx)
	e.idle()
	posts := e.api.got("chat.postMessage")
	if len(posts) != 1 || !strings.Contains(shown(t, posts[0].Form.Get("blocks")), "Cut Off Talk") {
		t.Fatalf("after the restart: %d answers", len(posts))
	}
	if got := e.handle("U0BOB", "list"); !strings.Contains(got, "Cut Off Talk") || strings.Count(got, "Kept Talk") != 1 {
		t.Errorf("bob's list:\n%s", got)
	}
	e.api.reset()
	e.a.replayKept(ctx) // a second restart
	e.idle()
	if n := len(e.api.got("chat.postMessage")); n != 0 {
		t.Errorf("%d answers replayed twice", n)
	}
}

// A flood the rate limit dropped stays dropped across a restart: the user
// was told to slow down once, and the rest went unanswered. Unmarked, the
// kept callbacks had been carried out at the next start.
func TestAFloodDroppedStaysDroppedAcrossARestart(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(s *setup) { s.cfg.Limiter = dispatch.NewLimiter(1, time.Hour) })
	for i, text := range []string{"add First Talk", "add Flood One", "add Flood Two"} {
		e.event("EvFlood"+itoa(int64(i)), map[string]any{"type": "message", "channel_type": "im", "user": "U0BOB", "text": text,
			"ts": "170000000" + itoa(int64(i)) + ".000100", "channel": "D0BOB"}, nil)
		e.idle()
	}
	e.a.limiter, e.a.created = dispatch.NewLimiter(100, time.Hour), time.Now() // the restart's
	e.a.replayKept(ctx)
	e.idle()
	if got := e.handle("U0BOB", "list"); !strings.Contains(got, "First Talk") || strings.Contains(got, "Flood") {
		t.Errorf("bob's list after the restart:\n%s", got)
	}
}

// A private note typed in a channel message is read by the channel: the
// reply says so. The same note as a slash command is seen by nobody.
func TestAPrivateNoteInAChannelMessageWarns(t *testing.T) {
	e := newEnv(t)
	e.event("EvPriv", map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> add Cgroupv2 Is Coming Soon -- --private ask Dana for a referral",
		"ts": "1.1", "channel": "C0TALKS"}, nil)
	e.idle()
	posts := e.api.got("chat.postEphemeral")
	if len(posts) != 1 || !strings.Contains(posts[0].shown(t), "Others here can read what you typed") {
		t.Fatalf("the answer to a private note typed in a channel: %+v", posts)
	}
	e.api.reset()
	e.slash(slash{text: "note --private #1 and ask about the team"})
	e.idle()
	hooks := e.api.got("response_url")
	if len(hooks) != 1 || !strings.Contains(hooks[0].shown(t), "Noted (private)") || strings.Contains(hooks[0].shown(t), "can read what you typed") {
		t.Errorf("the answer to a private note as a slash command: %+v", hooks)
	}
}
