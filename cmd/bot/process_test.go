package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/talkbot/talkbot/store"
)

// TestStartUpWaitsForSlack: a bot started while Slack cannot be reached
// stays up, says so on /readyz, and serves once Slack is back.
func TestStartUpWaitsForSlack(t *testing.T) {
	// The port stays bound all along, so that nothing else on the machine
	// can take it during the outage: until Slack is back every connection
	// is closed at once, which the bot sees as Slack unreachable.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	out := &outageListener{Listener: ln}
	out.down.Store(true)
	w := serveSlackWorldOn(t, out)

	dir := t.TempDir()
	db := filepath.Join(dir, "talkbot.db")
	p := startBot(t, dir, slackEnv(db, "http://"+ln.Addr().String()+"/api/"))
	op := p.operator()
	p.waitLog(`msg="slack unreachable; trying again"`)
	if status, body := get(t, op+"/readyz"); status != http.StatusServiceUnavailable || !strings.Contains(body, "slack: not connected") ||
		!strings.Contains(body, "database: ok") {
		t.Errorf("/readyz during the outage = %d %q, want 503 naming slack", status, body)
	}
	if status, _ := get(t, op+"/healthz"); status != http.StatusOK {
		t.Errorf("/healthz during the outage = %d, want 200: the process is up", status)
	}

	out.down.Store(false) // Slack is back
	p.waitLog(`msg="connected to slack"`)
	if status, body := get(t, op+"/readyz"); status != http.StatusOK || !strings.Contains(body, "slack: connected") {
		t.Errorf("/readyz once Slack is back = %d %q, want 200", status, body)
	}
	c := newSlashClient(op, w)
	hook := nextHook()
	ch := w.expect(hook)
	if status, body, err := c.send("U0ALICE", "add Started During An Outage", hook); err != nil || status != 200 || body != "" {
		t.Fatalf("slash command: %d %q %v", status, body, err)
	}
	if m := answer(t, ch, "add"); !strings.Contains(m.Text, "Logged new talk #1") {
		t.Errorf("answer = %q", m.Text)
	}
	p.waitLog(`msg=command .*cmd=add outcome=ok`) // logged once counted
	_, metrics := get(t, op+"/metrics")
	for _, want := range []string{
		`talkbot_commands_total{command="add",outcome="ok",platform="slack"} 1`,
		`talkbot_chat_api_calls_total{call="auth.test",outcome="error",platform="slack"}`,
		`talkbot_chat_api_calls_total{call="auth.test",outcome="ok",platform="slack"} 1`,
		`talkbot_chat_api_calls_total{call="response_url",outcome="ok",platform="slack"} 1`,
		`talkbot_database_size_bytes `,
		`talkbot_queue_depth `,
		`go_goroutines `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	p.signal(syscall.SIGTERM)
	if code := p.wait(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
}

// TestRefusedSlackTokenStopsTheBot: a token Slack refuses ends the bot at
// once, with a message that names the variable.
func TestRefusedSlackTokenStopsTheBot(t *testing.T) {
	w := newSlackWorld(t)
	w.mu.Lock()
	w.refuse = "invalid_auth"
	w.mu.Unlock()
	dir := t.TempDir()
	p := startBot(t, dir, slackEnv(filepath.Join(dir, "talkbot.db"), w.apiURL()))
	if code := p.wait(); code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	logs := p.logs.String()
	if !strings.Contains(logs, "bot: slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)") {
		t.Errorf("the bot did not say which variable is wrong:\n%s", logs)
	}
	if strings.Contains(logs, "xoxb-e2e-token") {
		t.Error("the token is in the log")
	}
}

// llmGate is an OpenAI-compatible server whose answers wait until released.
type llmGate struct {
	srv     *httptest.Server
	arrived chan struct{} // one value per request received
	release chan struct{} // closed to let the answers go
}

func newLLMGate(t *testing.T) *llmGate {
	g := &llmGate{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	reTalk := regexp.MustCompile(`"talk":(\d+)`)
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			fmt.Fprint(w, `{"object":"list","data":[{"id":"e2e-model","object":"model","owned_by":"e2e"}]}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		g.arrived <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return
		}
		var req struct {
			Messages []struct{ Content string } `json:"messages"`
		}
		json.Unmarshal(body, &req)
		var talks []map[string]any
		seen := map[string]bool{}
		for _, m := range reTalk.FindAllStringSubmatch(req.Messages[len(req.Messages)-1].Content, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				var id int
				fmt.Sscan(m[1], &id)
				talks = append(talks, map[string]any{"talk": id, "summary": "The model says it was worth it."})
			}
		}
		content, _ := json.Marshal(map[string]any{"talks": talks, "overall": "A good day, says the model."})
		resp, _ := json.Marshal(map[string]any{"id": "c1", "object": "chat.completion", "created": 1, "model": "e2e-model",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "message": map[string]string{"role": "assistant", "content": string(content)}}},
			"usage":   map[string]int{"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}})
		w.Header().Set("Content-Type", "application/json")
		w.Write(resp)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

// TestSIGTERMFinishesWhatIsUnderWay: a summary waiting on the LLM when
// SIGTERM comes still gets its answer; the bot then stops taking requests,
// commits, closes and exits 0.
func TestSIGTERMFinishesWhatIsUnderWay(t *testing.T) {
	w := newSlackWorld(t)
	g := newLLMGate(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "talkbot.db")
	env := slackEnv(db, w.apiURL())
	env["OPENAI_BASE_URL"], env["OPENAI_MODEL"], env["OPENAI_API_KEY"] = g.srv.URL+"/v1", "e2e-model", "sk-e2e"
	p := startBot(t, dir, env)
	op := p.operator()
	p.waitLog(`msg="connected to slack"`)
	c := newSlashClient(op, w)
	run := func(text string) hookMsg {
		t.Helper()
		hook := nextHook()
		ch := w.expect(hook)
		if status, body, err := c.send("U0ALICE", text, hook); err != nil || status != 200 || body != "" {
			t.Fatalf("%s: %d %q %v", text, status, body, err)
		}
		return answer(t, ch, text)
	}
	run("add Graceful Shutdown In Practice")
	run("note #1 drain first, then close")

	hook := nextHook()
	ch := w.expect(hook)
	if status, _, err := c.send("U0ALICE", "summary #1", hook); err != nil || status != 200 {
		t.Fatalf("summary: %d %v", status, err)
	}
	<-g.arrived // the summary is waiting on the model
	p.signal(syscall.SIGTERM)
	p.waitLog(`msg="stopping: taking no new work, finishing what is under way"`)
	close(g.release)
	if m := answer(t, ch, "summary"); !strings.Contains(m.Body, "The model says it was worth it.") {
		t.Errorf("the summary under way at SIGTERM answered %s, want the model's summary", m.Body)
	}
	if code := p.wait(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	if _, err := http.Get(op + "/healthz"); err == nil {
		t.Error("the operator server still answers after the bot exited")
	}
	h, err := store.Check(t.Context(), db)
	if err != nil || len(h.Problems) > 0 {
		t.Errorf("database after shutdown: %+v, %v", h, err)
	}
}

// TestSIGTERMDeadline: work that does not finish within
// BOT_SHUTDOWN_TIMEOUT is given up, and the bot still exits.
func TestSIGTERMDeadline(t *testing.T) {
	w := newSlackWorld(t)
	g := newLLMGate(t) // never released: the model never answers
	dir := t.TempDir()
	env := slackEnv(filepath.Join(dir, "talkbot.db"), w.apiURL())
	env["OPENAI_BASE_URL"], env["OPENAI_MODEL"], env["OPENAI_TIMEOUT"] = g.srv.URL+"/v1", "e2e-model", "10m"
	env["BOT_SHUTDOWN_TIMEOUT"] = "1s"
	p := startBot(t, dir, env)
	op := p.operator()
	p.waitLog(`msg="connected to slack"`)
	c := newSlashClient(op, w)
	for _, text := range []string{"add Stuck Talk", "note #1 the model will not answer this"} {
		hook := nextHook()
		ch := w.expect(hook)
		c.send("U0ALICE", text, hook)
		answer(t, ch, text)
	}
	c.send("U0ALICE", "summary #1", nextHook())
	<-g.arrived
	p.signal(syscall.SIGTERM)
	// The model would take ten minutes; the bot is gone well within the test's patience.
	if code := p.wait(); code != 0 {
		t.Errorf("exit code = %d, want 0", code)
	}
}

// TestBackupWhileTheBotRuns: `bot backup` copies the database while
// commands stream in; the copy is sound and holds every add confirmed
// before it began, and the bot never notices.
func TestBackupWhileTheBotRuns(t *testing.T) {
	w := newSlackWorld(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "talkbot.db")
	p := startBot(t, dir, slackEnv(db, w.apiURL()))
	op := p.operator()
	p.waitLog(`msg="connected to slack"`)
	c := newSlashClient(op, w)
	add := func(n int) bool {
		hook := nextHook()
		ch := w.expect(hook)
		if status, body, err := c.send(fmt.Sprintf("UBACKUP%d", n), "add "+distinctTitle("Backup", n), hook); err != nil || status != 200 || body != "" {
			t.Errorf("add %d: %d %q %v", n, status, body, err)
			return false
		}
		m := answer(t, ch, "add")
		if !strings.Contains(m.Text, "Logged new talk") {
			t.Logf("add %d answered %q", n, m.Text)
		}
		return strings.Contains(m.Text, "Logged new talk")
	}
	var before []string
	for n := range 30 {
		if add(n) {
			before = append(before, distinctTitle("Backup", n))
		}
	}
	done := make(chan struct{})
	var during atomic.Int64
	go func() {
		defer close(done)
		for n := 30; n < 130; n++ {
			if add(n) {
				during.Add(1)
			}
		}
	}()
	dest := filepath.Join(t.TempDir(), "copy.db")
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"backup", "--db", db, dest}, envOf(nil), strings.NewReader(""), &out, &errs); err != nil {
		t.Fatalf("bot backup: %v\n%s", err, errs.String())
	}
	<-done
	if !strings.Contains(out.String(), "backed up "+db+" to "+dest) || !strings.Contains(out.String(), "integrity_check ok") {
		t.Errorf("bot backup said %q", out.String())
	}
	if during.Load() != 100 {
		t.Errorf("%d of the 100 adds during the backup were confirmed", during.Load())
	}
	if missing := missingTitles(t, dest, before); len(missing) > 0 {
		t.Errorf("the backup lacks %d adds confirmed before it, e.g. %q", len(missing), missing[0])
	}
	if h, err := store.Check(t.Context(), dest); err != nil || len(h.Problems) > 0 {
		t.Errorf("the backup: %+v, %v", h, err)
	}
	// A second backup to the same name is refused rather than overwriting the first.
	if err := run(t.Context(), []string{"backup", "--db", db, dest}, envOf(nil), strings.NewReader(""), &out, &errs); err == nil ||
		!strings.Contains(err.Error(), "never overwrites") {
		t.Errorf("backup onto an existing file: %v", err)
	}
	if err := run(t.Context(), []string{"backup"}, envOf(nil), strings.NewReader(""), &out, &errs); err == nil ||
		!strings.Contains(err.Error(), "bot backup [--db PATH] DEST") {
		t.Errorf("backup without DEST: %v", err)
	}
}

// distinctTitle is a title unlike every other one it makes: the bot takes
// "Backup n100" for a typo of "Backup n10", as it should.
func distinctTitle(kind string, n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprint(kind, n)))
	return fmt.Sprintf("%s %x", kind, sum[:6])
}
