package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

// envelope parses a Socket Mode message as slack-go's client does, into the
// event its handler dispatches.
func envelope(t *testing.T, raw string) socketmode.Event {
	t.Helper()
	var req socketmode.Request
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		t.Fatal(err)
	}
	evt := socketmode.Event{Request: &req}
	switch req.Type {
	case socketmode.RequestTypeSlashCommands:
		var sc slackgo.SlashCommand
		if err := json.Unmarshal(req.Payload, &sc); err != nil {
			t.Fatal(err)
		}
		evt.Type, evt.Data = socketmode.EventTypeSlashCommand, sc
	case socketmode.RequestTypeEventsAPI:
		ev, err := slackevents.ParseEvent(req.Payload, slackevents.OptionNoVerifyToken())
		if err != nil {
			t.Fatal(err)
		}
		evt.Type, evt.Data = socketmode.EventTypeEventsAPI, ev
	case socketmode.RequestTypeInteractive:
		var ic slackgo.InteractionCallback
		if err := json.Unmarshal(req.Payload, &ic); err != nil {
			t.Fatal(err)
		}
		evt.Type, evt.Data = socketmode.EventTypeInteractive, ic
	default:
		t.Fatalf("envelope type %q", req.Type)
	}
	return evt
}

func slashEnvelope(id, text, trigger, responseURL string) string {
	payload, _ := json.Marshal(map[string]any{
		"token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": testTeam, "team_domain": "example", "channel_id": "C0TALKS",
		"channel_name": "kubecon", "user_id": "U0ALICE", "user_name": "alice", "command": "/talk", "text": text,
		"api_app_id": "A0TALKBOT", "is_enterprise_install": "false", "response_url": responseURL, "trigger_id": trigger,
	})
	return fmt.Sprintf(`{"envelope_id":%q,"payload":%s,"type":"slash_commands","accepts_response_payload":true}`, id, payload)
}

func eventEnvelope(id, eventID string, retry int, inner map[string]any) string {
	payload, _ := json.Marshal(eventCallback(eventID, inner))
	return fmt.Sprintf(`{"envelope_id":%q,"payload":%s,"type":"events_api","accepts_response_payload":false,"retry_attempt":%d,"retry_reason":"timeout"}`, id, payload, retry)
}

func interactiveEnvelope(id string, payload any) string {
	b, _ := json.Marshal(payload)
	return fmt.Sprintf(`{"envelope_id":%q,"payload":%s,"type":"interactive","accepts_response_payload":true}`, id, b)
}

func (e *env) nextAck() socketmode.Response {
	e.t.Helper()
	select {
	case res := <-e.acks.ch:
		return res
	case <-time.After(10 * time.Second):
		e.t.Fatal("no Socket Mode ack")
		return socketmode.Response{}
	}
}

func TestSocketModeDispatch(t *testing.T) {
	obs := newObserved()
	e := newEnv(t, func(s *setup) { s.cfg.Observer = obs })
	h := e.a.socketHandler(socketmode.New(slackgo.New("xoxb-test")))

	// A slash command: acknowledged with no payload, answered through response_url.
	h.DispatchEvent(envelope(t, slashEnvelope("env-1", "add Cgroupv2 Is Coming Soon 4/5", "trg-s1", e.api.responseURL("s1"))))
	if ack := e.nextAck(); ack.EnvelopeID != "env-1" || ack.Payload != nil {
		t.Errorf("ack = %+v", ack)
	}
	e.idle()
	if hooks := e.api.got("response_url"); len(hooks) != 1 || !strings.Contains(hooks[0].Body, "Logged new talk") {
		t.Errorf("answer: %+v", hooks)
	}

	// An event, then Slack's retry of it: both acknowledged, handled once.
	mention := map[string]any{"type": "app_mention", "user": "U0ALICE", "text": "<@" + testBotUser + "> note from socket mode", "ts": "1.1", "channel": "C0TALKS"}
	h.DispatchEvent(envelope(t, eventEnvelope("env-2", "EvSOCK1", 0, mention)))
	h.DispatchEvent(envelope(t, eventEnvelope("env-3", "EvSOCK1", 1, mention)))
	got := map[string]bool{e.nextAck().EnvelopeID: true, e.nextAck().EnvelopeID: true}
	if !got["env-2"] || !got["env-3"] {
		t.Errorf("acks = %v", got)
	}
	e.idle()
	if n := strings.Count(e.handle("U0ALICE", "show #1"), "from socket mode"); n != 1 {
		t.Errorf("note saved %d times, want 1", n)
	}

	// A modal submitted without a title: the ack carries the form's errors.
	h.DispatchEvent(envelope(t, interactiveEnvelope("env-4", viewSubmission("U0ALICE", "trg-s4", viewAdd, "{}",
		viewState(map[string]map[string]any{inputTitle: {"type": "plain_text_input", "value": ""}})))))
	res := e.nextAck()
	b, _ := json.Marshal(res.Payload)
	if res.EnvelopeID != "env-4" || string(b) != `{"errors":{"title":"Give the talk's title or its schedule link."},"response_action":"errors"}` {
		t.Errorf("ack = %s %s", res.EnvelopeID, b)
	}

	// `/talk add` alone opens the modal.
	h.DispatchEvent(envelope(t, slashEnvelope("env-5", "add", "trg-s5", e.api.responseURL("s5"))))
	e.nextAck()
	e.idle()
	if opens := e.api.got("views.open"); len(opens) != 1 || !strings.Contains(opens[0].Body, `"trigger_id":"trg-s5"`) {
		t.Errorf("views.open: %+v", opens)
	}

	// A full queue leaves the request unacknowledged, so Slack sends it again.
	e.a.ack(&socketmode.Event{Request: &socketmode.Request{EnvelopeID: "env-6"}}, kindSlashCommand, ack503, time.Now())
	e.a.ack(&socketmode.Event{Request: &socketmode.Request{EnvelopeID: "env-7"}}, kindSlashCommand, ephemeralAck(dispatch.Busy(), ackRefused), time.Now())
	if res := e.nextAck(); res.EnvelopeID != "env-7" || res.Payload == nil {
		t.Errorf("ack = %+v, want env-7 with the busy message (env-6 unacknowledged)", res)
	}
	// Socket Mode's acknowledgements are observed as HTTP mode's are, the unacknowledged one too.
	if got := obs.ackLog(); len(got) < 2 || !slices.Equal(got[len(got)-2:], []string{"slash_command refused", "slash_command refused"}) {
		t.Errorf("acks observed %v, want the last two refused", got)
	}
}

var ack503 = ack{status: http.StatusServiceUnavailable}

// TestSocketModeOverWebSocket runs the adapter in Socket Mode against a
// stand-in Slack on 127.0.0.1: apps.connections.open, a WebSocket that sends
// hello and a slash command, and reads the ack back.
func TestSocketModeOverWebSocket(t *testing.T) {
	// Slack's client sends Origin: https://api.slack.com.
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	acked := make(chan string, 1)
	api := newStandIn(t)
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		conn.WriteMessage(websocket.PingMessage, []byte("ping"))
		conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"hello","num_connections":1,"debug_info":{"host":"applink-1","approximate_connection_time":18060},"connection_info":{"app_id":"A0TALKBOT"}}`))
		conn.WriteMessage(websocket.TextMessage, []byte(slashEnvelope("env-ws", "help", "trg-ws", api.responseURL("ws"))))
		var res struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if err := conn.ReadJSON(&res); err == nil {
			acked <- res.EnvelopeID
		}
		// Hold the connection until the client goes away.
		conn.ReadMessage()
	}))
	t.Cleanup(ws.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer xapp-1-test" {
			http.Error(w, `{"ok":false,"error":"invalid_auth"}`, http.StatusOK)
			return
		}
		fmt.Fprintf(w, `{"ok":true,"url":%q}`, "ws"+strings.TrimPrefix(ws.URL, "http")+"/link")
	})
	mux.Handle("/", api.srv.Config.Handler)
	slackAPI := httptest.NewServer(mux)
	t.Cleanup(slackAPI.Close)

	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "talkbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	quiet := slog.New(slog.DiscardHandler)
	rt := dispatch.New(dispatch.Config{Handler: commands.New(commands.Config{Store: st, Logger: quiet}), Logger: quiet})
	rtDone := make(chan struct{})
	go func() {
		rt.Run(ctx)
		close(rtDone)
	}()
	defer func() { cancel(); <-rtDone }()
	a, err := New(Config{BotToken: "xoxb-test", AppToken: "xapp-1-test", APIURL: slackAPI.URL + "/api",
		Runtime: rt, Events: st, Logger: quiet, HTTPClient: slackAPI.Client()})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	select {
	case id := <-acked:
		if id != "env-ws" {
			t.Errorf("acked %q", id)
		}
	case err := <-done:
		t.Fatalf("Run ended: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no ack over the WebSocket")
	}
	api.waitFor(t, "response_url", 1)
	if err := rt.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if hooks := api.got("response_url"); len(hooks) != 1 || !strings.Contains(hooks[0].Body, "talkbot: log the talks") {
		t.Errorf("answer: %+v", hooks)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}

	// A refused app token ends Run with an error that names the variable.
	b, err := New(Config{BotToken: "xoxb-test", AppToken: "xapp-1-revoked", APIURL: slackAPI.URL + "/api/",
		Runtime: rt, Events: st, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	if err := b.Run(ctx2); err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || ctx2.Err() != nil {
		t.Errorf("Run with a refused token: %v", err)
	}
}
