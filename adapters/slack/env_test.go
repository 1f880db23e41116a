package slack

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

const (
	testSecret  = "8f742231b10e8888abcd99yyyzzz85a5"
	testTeam    = "T0TEAM"
	testBotUser = "U0BOT"
	testBotID   = "B0BOT"
)

// apiCall is one request the stand-in Web API received.
type apiCall struct {
	Method string     // "chat.postMessage", "response_url", "upload", …
	Form   url.Values // form-encoded calls
	Body   string     // the raw body
	File   upload     // what an upload carried
	TS     string     // the ts the stand-in gave a message it posted
}

// upload is a file posted to an upload URL.
type upload struct {
	Name string
	Data []byte
}

// blocks returns the Block Kit JSON the call carried.
func (c apiCall) blocks() string {
	if b := c.Form.Get("blocks"); b != "" {
		return b
	}
	return c.Body
}

// shown is what a user reads of the blocks the call carried.
func (c apiCall) shown(t *testing.T) string {
	t.Helper()
	return shown(t, c.blocks())
}

// shown is what a user reads in Block Kit JSON (a message, its blocks, a
// view): each block's text on lines of its own, rich text as it shows
// (links "label <url>", users "<@U…>", channels "<#C…>", emoji ":name:"),
// mrkdwn and plain text as sent, buttons' and options' labels.
func shown(t *testing.T, js string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, js)
	}
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			str := func(k string) string { s, _ := v[k].(string); return s }
			switch str("type") {
			case "text":
				b.WriteString(str("text"))
				return
			case "link":
				b.WriteString(str("text") + " <" + str("url") + ">")
				return
			case "user":
				b.WriteString("<@" + str("user_id") + ">")
				return
			case "channel":
				b.WriteString("<#" + str("channel_id") + ">")
				return
			case "emoji":
				b.WriteString(":" + str("name") + ":")
				return
			case "mrkdwn", "plain_text":
				b.WriteString(str("text") + "\n")
				return
			}
			for _, k := range []string{"blocks", "view", "text", "fields", "elements", "accessory", "options"} {
				if _, isString := v[k].(string); !isString {
					walk(v[k])
				}
			}
			if str("type") == "rich_text" {
				b.WriteString("\n")
			}
		}
	}
	walk(v)
	return b.String()
}

// failure is a canned error answer for one call.
type failure struct {
	status     int
	retryAfter string
}

// standIn is a stand-in for Slack's Web API and response_url endpoint on
// 127.0.0.1, speaking the real wire format and recording what the bot sends.
type standIn struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []apiCall
	users map[string]slackgo.User
	fail  map[string][]failure
	times map[string][]time.Time
	seq   int            // numbers messages and files
	hear  chan struct{}  // closed and replaced on every call, for waitFor
	conns atomic.Int64   // connections opened to it
	hooks map[string]int // posts to each response_url
	// revoked makes every Web API method refuse the token, as Slack does
	// once the app is uninstalled.
	revoked atomic.Bool
}

func newStandIn(t *testing.T) *standIn {
	s := &standIn{users: map[string]slackgo.User{}, fail: map[string][]failure{}, times: map[string][]time.Time{}, hear: make(chan struct{}),
		hooks: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

func (s *standIn) responseURL(id string) string { return s.srv.URL + "/hooks/" + id }

func (s *standIn) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	switch {
	case strings.HasPrefix(r.URL.Path, "/hooks/"):
		method = "response_url"
	case strings.HasPrefix(r.URL.Path, "/upload/"):
		method = "upload"
	}
	c := apiCall{Method: method, Body: string(body)}
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/x-www-form-urlencoded":
		c.Form, _ = url.ParseQuery(string(body))
	case "multipart/form-data":
		if part, err := multipart.NewReader(strings.NewReader(string(body)), params["boundary"]).NextPart(); err == nil {
			data, _ := io.ReadAll(part)
			c.File = upload{Name: part.FileName(), Data: data}
		}
	}
	s.mu.Lock()
	defer func() {
		close(s.hear)
		s.hear = make(chan struct{})
		s.mu.Unlock()
	}()
	s.times[method] = append(s.times[method], time.Now())
	s.seq++
	ts := fmt.Sprintf("1700000000.%06d", s.seq)
	if method == "chat.postMessage" {
		c.TS = ts
	}
	s.calls = append(s.calls, c)
	if f := s.fail[method]; len(f) > 0 {
		s.fail[method] = f[1:]
		if f[0].retryAfter != "" {
			w.Header().Set("Retry-After", f[0].retryAfter)
		}
		w.WriteHeader(f[0].status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if s.revoked.Load() && method != "response_url" && method != "upload" {
		fmt.Fprint(w, `{"ok":false,"error":"token_revoked"}`)
		return
	}
	if method == "response_url" {
		// Slack takes a response_url five times; what it answers past
		// that is undocumented: a 404, as for an expired one, here.
		if s.hooks[r.URL.Path]++; s.hooks[r.URL.Path] > 5 {
			http.Error(w, "used_url", http.StatusNotFound)
			return
		}
	}
	if refusal := refuseBlocks(method, c); refusal != "" {
		if method == "response_url" {
			http.Error(w, refusal, http.StatusBadRequest)
		} else {
			fmt.Fprintf(w, `{"ok":false,"error":%q}`, refusal)
		}
		return
	}
	switch method {
	case "auth.test":
		fmt.Fprintf(w, `{"ok":true,"url":"https://example.slack.com/","team":"Example","user":"talkbot","team_id":%q,"user_id":%q,"bot_id":%q}`, testTeam, testBotUser, testBotID)
	case "users.info":
		id := c.Form.Get("user")
		user, known := s.users[id]
		if !known {
			user = slackgo.User{ID: id, Name: strings.ToLower(id), Profile: slackgo.UserProfile{DisplayName: "name-" + id}}
		}
		b, _ := json.Marshal(map[string]any{"ok": true, "user": user})
		w.Write(b)
	case "chat.postMessage":
		channel := c.Form.Get("channel")
		if strings.HasPrefix(channel, "U") { // a user id: their DM with the app
			channel = "D" + channel[1:]
		}
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, channel, ts)
	case "chat.update":
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q,"text":""}`, c.Form.Get("channel"), c.Form.Get("ts"))
	case "chat.postEphemeral":
		fmt.Fprintf(w, `{"ok":true,"message_ts":%q}`, ts)
	case "conversations.open":
		fmt.Fprintf(w, `{"ok":true,"channel":{"id":%q}}`, "D"+strings.TrimPrefix(c.Form.Get("users"), "U"))
	case "files.getUploadURLExternal":
		fmt.Fprintf(w, `{"ok":true,"upload_url":%q,"file_id":"F%04d"}`, fmt.Sprintf("%s/upload/F%04d", s.srv.URL, s.seq), s.seq)
	case "upload":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "OK - %d", len(c.File.Data))
	case "files.completeUploadExternal":
		var files []slackgo.FileSummary
		json.Unmarshal([]byte(c.Form.Get("files")), &files)
		b, _ := json.Marshal(map[string]any{"ok": true, "files": files})
		w.Write(b)
	case "views.open", "views.publish":
		fmt.Fprint(w, `{"ok":true,"view":{"id":"V0VIEW","type":"modal"}}`)
	case "response_url":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "ok")
	default:
		fmt.Fprint(w, `{"ok":false,"error":"unknown_method"}`)
	}
}

// refuseBlocks is Slack's answer to a message its blocks break the limits
// of, or "": more than 50 blocks or a section of more than 3,000 characters
// is invalid_blocks; blocks of more than 12,000 characters together are
// msg_blocks_too_long to chat.postMessage and its kin (not to a
// response_url: bolt-js issue 2867).
func refuseBlocks(method string, c apiCall) string {
	var raw string
	switch method {
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		raw = c.Form.Get("blocks")
	case "response_url":
		var m struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		_ = json.Unmarshal([]byte(c.Body), &m)
		raw = string(m.Blocks)
	}
	if raw == "" {
		return ""
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return "invalid_blocks_format"
	}
	if len(blocks) > 50 {
		return "invalid_blocks"
	}
	total := 0
	for _, b := range blocks {
		if t, ok := b["text"].(map[string]any); ok {
			if s, _ := t["text"].(string); utf8.RuneCountInString(s) > 3000 {
				return "invalid_blocks"
			}
		}
		total += textIn(b)
	}
	if total > 12000 && method != "response_url" {
		return "msg_blocks_too_long"
	}
	return ""
}

// textIn counts the characters of every "text" string in a block.
func textIn(v any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "text" {
				n += utf8.RuneCountInString(s)
			} else {
				n += textIn(x)
			}
		}
	case []any:
		for _, x := range v {
			n += textIn(x)
		}
	}
	return n
}

// waitFor returns once n calls of method have come, or fails the test.
func (s *standIn) waitFor(t *testing.T, method string, n int) []apiCall {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		hear := s.hear
		s.mu.Unlock()
		if got := s.got(method); len(got) >= n {
			return got
		}
		select {
		case <-hear:
		case <-deadline:
			t.Fatalf("%d %s calls, want %d", len(s.got(method)), method, n)
		}
	}
}

// failNext makes the next n calls of method answer with status (and Retry-After).
func (s *standIn) failNext(method string, n, status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail[method] = append(s.fail[method], failure{status, retryAfter})
	}
}

func (s *standIn) setUser(u slackgo.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// got returns the calls of one method (all but auth.test when method is "").
func (s *standIn) got(method string) []apiCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []apiCall
	for _, c := range s.calls {
		if (method == "" && c.Method != "auth.test" && c.Method != "users.info" && c.Method != "conversations.open") || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (s *standIn) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// recorder is a dispatch.Handler that remembers the requests it passes on.
type recorder struct {
	next dispatch.Handler
	mu   sync.Mutex
	reqs []commands.Request
}

func (r *recorder) Handle(ctx context.Context, req commands.Request) commands.Reply {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.next.Handle(ctx, req)
}

func (r *recorder) Lookup(text string) (commands.Command, bool) { return r.next.Lookup(text) }

func (r *recorder) requests() []commands.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]commands.Request(nil), r.reqs...)
}

// logBuffer is a log the tests read while the adapter writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// into has the adapter log to l.
func (l *logBuffer) into(s *setup) { s.cfg.Logger = slog.New(slog.NewTextHandler(l, nil)) }

// sleeps records the waits the adapter asks for and returns at once.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.d = append(s.d, d)
	}
	return ctx.Err()
}

func (s *sleeps) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// acks records Socket Mode acknowledgements.
type acks struct {
	ch chan socketmode.Response
}

func (a *acks) Ack(req socketmode.Request, payload ...any) error {
	res := socketmode.Response{EnvelopeID: req.EnvelopeID}
	if len(payload) > 0 {
		res.Payload = payload[0]
	}
	a.ch <- res
	return nil
}

// env is an adapter in HTTP mode, mounted on a server on 127.0.0.1, over a
// real runtime, router and store, talking to a stand-in Web API.
type env struct {
	t      *testing.T
	a      *Adapter
	rt     *dispatch.Runtime
	api    *standIn
	store  *store.Store
	router *commands.Router
	rec    *recorder
	sleeps *sleeps
	acks   *acks
	url    string
}

// setup is what a test may change before the env starts.
type setup struct {
	cfg     Config
	rt      dispatch.Config
	router  *commands.Router
	handler dispatch.Handler // the recorder's next: the router unless a test wraps it
}

func newEnv(t *testing.T, tweak ...func(*setup)) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "talkbot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, api: newStandIn(t), store: st, sleeps: &sleeps{}, acks: &acks{ch: make(chan socketmode.Response, 100)}}
	quiet := slog.New(slog.DiscardHandler)
	e.router = commands.New(commands.Config{Store: st, Logger: quiet})
	s := setup{
		router:  e.router,
		handler: e.router,
		rt:      dispatch.Config{Logger: quiet},
		cfg: Config{
			SigningSecret: testSecret,
			Events:        st,
			Logger:        quiet,
			API:           slackgo.New("xoxb-test", slackgo.OptionAPIURL(e.api.srv.URL+"/api/")),
			HTTPClient:    e.api.srv.Client(),
			HomeInterval:  -1,
			Sleep:         e.sleeps.sleep,
		},
	}
	for _, f := range tweak {
		f(&s)
	}
	e.rec = &recorder{next: s.handler}
	s.rt.Handler = e.rec
	e.rt = dispatch.New(s.rt)
	s.cfg.Runtime = e.rt
	e.a, err = New(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.a.acker = e.acks
	mux := http.NewServeMux()
	mux.Handle(EventsPath, e.a.HTTPHandler())
	srv := httptest.NewServer(mux)
	e.url = srv.URL
	rtDone := make(chan struct{})
	go func() {
		e.rt.Run(ctx)
		close(rtDone)
	}()
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		<-rtDone
		st.Close()
	})
	return e
}

// idle waits until the runtime has finished all background work.
func (e *env) idle() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.rt.WaitIdle(ctx); err != nil {
		e.t.Fatalf("runtime never went idle: %v", err)
	}
}

// sign is Slack's v0 request signature.
func sign(secret string, ts int64, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// request is one HTTP request to /slack/events.
type request struct {
	contentType string
	body        string
	ts          int64  // 0: now
	secret      string // "": testSecret
	unsigned    bool
	header      http.Header
}

func (e *env) do(r request) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+EventsPath, strings.NewReader(r.body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", r.contentType)
	if !r.unsigned {
		ts, secret := r.ts, r.secret
		if ts == 0 {
			ts = time.Now().Unix()
		}
		if secret == "" {
			secret = testSecret
		}
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("X-Slack-Signature", sign(secret, ts, r.body))
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// slash is a /talk slash command in Slack's form encoding.
type slash struct {
	text, user, userName, channel, trigger, responseURL string
}

var triggerSeq atomic.Int64

func (e *env) slashBody(s slash) string {
	if s.user == "" {
		s.user = "U0ALICE"
	}
	if s.userName == "" {
		s.userName = strings.ToLower(strings.TrimPrefix(s.user, "U0"))
	}
	if s.channel == "" {
		s.channel = "C0TALKS"
	}
	if s.trigger == "" {
		s.trigger = fmt.Sprintf("%d.%d.0123456789abcdef", 1700000000+triggerSeq.Add(1), triggerSeq.Load())
	}
	if s.responseURL == "" {
		s.responseURL = e.api.responseURL("slash-" + s.trigger)
	}
	return url.Values{
		"token":                 {"gIkuvaNzQIHg97ATvDxqgjtO"},
		"team_id":               {testTeam},
		"team_domain":           {"example"},
		"enterprise_id":         {""},
		"enterprise_name":       {""},
		"channel_id":            {s.channel},
		"channel_name":          {"kubecon"},
		"user_id":               {s.user},
		"user_name":             {s.userName},
		"command":               {"/talk"},
		"text":                  {s.text},
		"api_app_id":            {"A0TALKBOT"},
		"is_enterprise_install": {"false"},
		"response_url":          {s.responseURL},
		"trigger_id":            {s.trigger},
	}.Encode()
}

// slash sends a signed slash command and checks it is acknowledged with an empty 200.
func (e *env) slash(s slash) {
	e.t.Helper()
	status, body := e.do(request{contentType: "application/x-www-form-urlencoded", body: e.slashBody(s)})
	if status != http.StatusOK || body != "" {
		e.t.Fatalf("slash command %q: got %d %q, want 200 and an empty body", s.text, status, body)
	}
}

// interact sends a signed interactivity payload.
func (e *env) interact(payload any) (int, string) {
	e.t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(request{contentType: "application/x-www-form-urlencoded", body: url.Values{"payload": {string(b)}}.Encode()})
}

// event sends a signed Events API callback.
func (e *env) event(eventID string, inner map[string]any, header http.Header) (int, string) {
	e.t.Helper()
	b, _ := json.Marshal(eventCallback(eventID, inner))
	// Slack signs each delivery afresh: a retry has a later timestamp.
	ts := time.Now().Unix()
	if n, err := strconv.ParseInt(header.Get("X-Slack-Retry-Num"), 10, 64); err == nil {
		ts += n
	}
	return e.do(request{contentType: "application/json", body: string(b), header: header, ts: ts})
}

func eventCallback(eventID string, inner map[string]any) map[string]any {
	return map[string]any{
		"token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": testTeam, "api_app_id": "A0TALKBOT",
		"event": inner, "type": "event_callback", "event_id": eventID, "event_time": 1700000000,
		"authorizations":        []map[string]any{{"enterprise_id": nil, "team_id": testTeam, "user_id": testBotUser, "is_bot": true, "is_enterprise_install": false}},
		"is_ext_shared_channel": inner["user_team"] != nil, "event_context": "4-eyJldCI6ImFwcF9tZW50aW9uIn0",
	}
}

// handle runs a command straight through the router, to look at the data.
func (e *env) handle(user, text string) string {
	e.t.Helper()
	r := e.router.Handle(context.Background(), commands.Request{Platform: "slack", Workspace: testTeam, UserID: user, UserName: "x", Text: text})
	return r.Text()
}
