package main

// The harness of the process tests: the bot binary, built once per test run
// and run as an operator would; a stand-in for Slack (the Web API and the
// response_url endpoint) on 127.0.0.1; signed slash commands in Slack's
// wire format.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// patience bounds every wait of the process tests; none is a timing target.
const patience = 60 * time.Second

var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// botBinary builds cmd/bot once for the whole test run.
func botBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "talkbot-bin-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "bot")
		cmd := exec.Command("go", "build", "-tags", "sqlite_fts5 goolm", "-o", binary.path, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// watched is a log or output stream that tests wait on, line by line.
type watched struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	hear chan struct{} // closed and replaced on every write
}

func newWatched() *watched { return &watched{hear: make(chan struct{})} }

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	close(w.hear)
	w.hear = make(chan struct{})
	return len(p), nil
}

func (w *watched) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// wait returns the first match of re, waiting for it to be written.
func (w *watched) wait(t testing.TB, re *regexp.Regexp, exited <-chan struct{}) []string {
	t.Helper()
	deadline := time.After(patience)
	for {
		w.mu.Lock()
		m := re.FindStringSubmatch(w.buf.String())
		hear := w.hear
		w.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-hear:
		case <-exited:
			if m := re.FindStringSubmatch(w.String()); m != nil {
				return m
			}
			t.Fatalf("the bot exited before writing %s:\n%s", re, w.String())
		case <-deadline:
			t.Fatalf("waited %s for %s:\n%s", patience, re, w.String())
		}
	}
}

// proc is one run of the bot binary.
type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	logs   *watched
	out    *watched
	stdin  io.WriteCloser
	exited chan struct{}
	err    error // once exited
}

// startBot runs the binary in dir with exactly env (plus a PATH-less
// minimum) and the arguments given.
func startBot(t testing.TB, dir string, env map[string]string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(botBinary(t), args...)
	cmd.Dir = dir // no stray .env
	cmd.Env = []string{"HOME=" + dir, "USER=operator"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{t: t, cmd: cmd, logs: newWatched(), out: newWatched(), exited: make(chan struct{})}
	cmd.Stderr, cmd.Stdout = p.logs, p.out
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("bot log:\n%s", tail(p.logs.String(), 6000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func (p *proc) waitLog(re string) []string {
	p.t.Helper()
	return p.logs.wait(p.t, regexp.MustCompile(re), p.exited)
}

var reListening = regexp.MustCompile(`msg="operator server listening" addr=(\S+)`)

// operator returns the operator server's base URL, once it listens.
func (p *proc) operator() string {
	p.t.Helper()
	return "http://" + p.logs.wait(p.t, reListening, p.exited)[1]
}

func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait() int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(patience):
		p.t.Fatalf("the bot did not exit within %s:\n%s", patience, tail(p.logs.String(), 4000))
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

func get(t testing.TB, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const (
	signingSecret = "e2e-signing-secret-5f0c1d"
	slackTeam     = "T0E2E"
)

// hookMsg is one message the bot sent to a response_url.
type hookMsg struct {
	Text    string `json:"text"` // the notification text: the first line
	Replace bool   `json:"replace_original"`
	Body    string `json:"-"` // the whole message, blocks and all
}

func (m hookMsg) progress() bool { return strings.Contains(m.Text, "Working on it") }
func (m hookMsg) failed() bool   { return strings.HasPrefix(m.Text, ":warning:") }

// slackWorld stands in for Slack: the Web API and the response_url
// endpoint, on 127.0.0.1. Every response_url message is kept per hook.
type slackWorld struct {
	srv      *httptest.Server
	apiCalls atomic.Int64

	mu      sync.Mutex
	refuse  string // an error code auth.test answers with; "" accepts the token
	hooks   map[string][]hookMsg
	waiters map[string]chan hookMsg
}

func newSlackWorld(t testing.TB) *slackWorld {
	w := &slackWorld{hooks: map[string][]hookMsg{}, waiters: map[string]chan hookMsg{}}
	w.srv = httptest.NewUnstartedServer(http.HandlerFunc(w.serve))
	w.srv.Config.ReadHeaderTimeout = 10 * time.Second
	w.srv.Start()
	t.Cleanup(w.srv.Close)
	return w
}

// outageListener closes every connection it accepts while down: whoever
// dials it finds nothing there, yet its port stays taken.
type outageListener struct {
	net.Listener
	down atomic.Bool
}

func (l *outageListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || !l.down.Load() {
			return c, err
		}
		c.Close()
	}
}

// serveSlackWorldOn starts the stand-in on ln, where the bot was told Slack is.
func serveSlackWorldOn(t testing.TB, ln net.Listener) *slackWorld {
	t.Helper()
	w := &slackWorld{hooks: map[string][]hookMsg{}, waiters: map[string]chan hookMsg{}}
	w.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(w.serve)}}
	w.srv.Start()
	t.Cleanup(w.srv.Close)
	return w
}

func (w *slackWorld) apiURL() string { return w.srv.URL + "/api/" }

func (w *slackWorld) serve(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if id, ok := strings.CutPrefix(r.URL.Path, "/hooks/"); ok {
		var m hookMsg
		json.Unmarshal(body, &m)
		m.Body = string(body)
		w.mu.Lock()
		w.hooks[id] = append(w.hooks[id], m)
		ch := w.waiters[id]
		w.mu.Unlock()
		if ch != nil {
			ch <- m
		}
		io.WriteString(rw, "ok")
		return
	}
	w.apiCalls.Add(1)
	rw.Header().Set("Content-Type", "application/json")
	switch strings.TrimPrefix(r.URL.Path, "/api/") {
	case "auth.test":
		w.mu.Lock()
		refuse := w.refuse
		w.mu.Unlock()
		if refuse != "" {
			fmt.Fprintf(rw, `{"ok":false,"error":%q}`, refuse)
			return
		}
		fmt.Fprintf(rw, `{"ok":true,"url":"https://e2e.slack.com/","team":"E2E","user":"talkbot","team_id":%q,"user_id":"U0BOT","bot_id":"B0BOT"}`, slackTeam)
	case "users.info":
		form, _ := url.ParseQuery(string(body))
		id := form.Get("user")
		fmt.Fprintf(rw, `{"ok":true,"user":{"id":%q,"name":%q,"profile":{"display_name":%q}}}`, id, strings.ToLower(id), "name-"+id)
	case "conversations.open":
		form, _ := url.ParseQuery(string(body))
		fmt.Fprintf(rw, `{"ok":true,"channel":{"id":%q}}`, "D"+strings.TrimPrefix(form.Get("users"), "U"))
	case "chat.postMessage":
		fmt.Fprint(rw, `{"ok":true,"channel":"C0E2E","ts":"1700000000.000100"}`)
	default:
		fmt.Fprint(rw, `{"ok":true}`)
	}
}

// expect registers interest in a hook's messages before the command is sent.
func (w *slackWorld) expect(hook string) <-chan hookMsg {
	ch := make(chan hookMsg, 8)
	w.mu.Lock()
	w.waiters[hook] = ch
	w.mu.Unlock()
	return ch
}

// answer waits for the final (not "working on it…") message on a hook.
func answer(t testing.TB, ch <-chan hookMsg, what string) hookMsg {
	t.Helper()
	deadline := time.After(patience)
	for {
		select {
		case m := <-ch:
			if !m.progress() {
				return m
			}
		case <-deadline:
			t.Fatalf("no answer to %s within %s", what, patience)
		}
	}
}

var hookSeq atomic.Int64

// slashClient sends signed /talk slash commands to a bot's /slack/events.
type slashClient struct {
	events string // the bot's /slack/events URL
	hooks  string // the stand-in's response_url base
	http   *http.Client
}

func newSlashClient(operator string, w *slackWorld) *slashClient {
	return &slashClient{events: operator + "/slack/events", hooks: w.srv.URL + "/hooks/",
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// nextHook is a new response_url id.
func nextHook() string { return "h" + strconv.FormatInt(hookSeq.Add(1), 10) }

// send posts one slash command, signed as Slack signs it, and returns the
// HTTP status and body of the acknowledgement.
func (c *slashClient) send(user, text, hook string) (int, string, error) {
	n := hookSeq.Add(1)
	body := url.Values{
		"token": {"e2e-verification-token"}, "team_id": {slackTeam}, "team_domain": {"e2e"},
		"enterprise_id": {""}, "enterprise_name": {""}, "channel_id": {"C0E2E"}, "channel_name": {"talks"},
		"user_id": {user}, "user_name": {strings.ToLower(user)}, "command": {"/talk"}, "text": {text},
		"api_app_id": {"A0E2E"}, "is_enterprise_install": {"false"},
		"response_url": {c.hooks + hook}, "trigger_id": {fmt.Sprintf("%d.%d.e2e", time.Now().UnixNano(), n)},
	}.Encode()
	req, err := http.NewRequest(http.MethodPost, c.events, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(signingSecret))
	io.WriteString(mac, "v0:"+ts+":"+body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// slackEnv is the environment of a bot in Slack HTTP mode against w.
func slackEnv(db, apiURL string) map[string]string {
	return map[string]string{
		"BOT_DB": db, "HTTP_ADDR": "127.0.0.1:0", "LOG_LEVEL": "info",
		"SLACK_BOT_TOKEN": "xoxb-e2e-token", "SLACK_SIGNING_SECRET": signingSecret, "SLACK_API_URL": apiURL,
	}
}
