package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"
)

// serveStandIn serves the stand-in Web API and response_url endpoint
// (/hooks/<id>, reported to answered) on loopback.
func serveStandIn(answered func(id string)) (baseURL string, stop func(), err error) {
	api := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch {
		case strings.HasPrefix(r.URL.Path, "/hooks/"):
			answered(strings.TrimPrefix(r.URL.Path, "/hooks/"))
			io.WriteString(w, "ok")
		case r.URL.Path == "/api/auth.test":
			io.WriteString(w, `{"ok":true,"team_id":"T0BENCH","user_id":"U0BOT","bot_id":"B0BOT"}`)
		case r.URL.Path == "/api/users.info":
			io.WriteString(w, `{"ok":true,"user":{"id":"U1","name":"bench","profile":{"display_name":"bench"}}}`)
		default:
			io.WriteString(w, `{"ok":true}`)
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	go api.Serve(ln)
	return "http://" + ln.Addr().String(), func() { api.Close() }, nil
}

// childOptions are what the server process is started with.
type childOptions struct {
	api            string
	workers, queue int
	db             string // the database file; a fresh one in a temporary directory when empty
	durable        bool
	logLevel       string // the bot's; errors only when empty
	cpuProfile     string
	maxWait        time.Duration // the runtime's MaxQueueWait; its default when 0
}

// child is the running server process.
type child struct {
	pid            int
	bot, base, ref string // addresses: the adapter, the do-nothing handler, the reference
	stop           func()
}

// startServer runs the servers in a child process (this program again) and
// returns their addresses. The child's log goes to logs when set, else to
// this process's stderr.
func startServer(ctx context.Context, o childOptions, logs func(io.Reader)) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	durable := "0"
	if o.durable {
		durable = "1"
	}
	cmd.Env = append(os.Environ(), serveEnv+"=1", "BENCH_API="+o.api, "BENCH_WORKERS="+strconv.Itoa(o.workers),
		"BENCH_QUEUE="+strconv.Itoa(o.queue), "BENCH_CPUPROFILE="+o.cpuProfile, "BENCH_DB="+o.db,
		"BENCH_DURABLE="+durable, "BENCH_LOGLEVEL="+o.logLevel, "BENCH_MAXWAIT="+o.maxWait.String())
	var logDone chan struct{}
	if logs != nil {
		r, err := cmd.StderrPipe()
		if err != nil {
			return nil, err
		}
		logDone = make(chan struct{})
		go func() { logs(r); close(logDone) }()
	} else {
		cmd.Stderr = os.Stderr
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{pid: cmd.Process.Pid}
	c.stop = func() {
		stdin.Close() // the child stops when its input ends
		if logDone != nil {
			<-logDone
		}
		cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if _, scanErr := fmt.Sscanf(line, "bot=%s base=%s ref=%s", &c.bot, &c.base, &c.ref); err != nil || scanErr != nil {
		c.stop()
		return nil, fmt.Errorf("bench server did not start: %q %v %v", line, err, scanErr)
	}
	return c, nil
}

// referenceHandler is the floor for any Slack bot in HTTP mode: it verifies
// the signature, reads the slash command, acknowledges it, and posts a fixed
// reply to its response_url.
func referenceHandler(transport http.RoundTripper) http.Handler {
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	reply := []byte(`{"response_type":"ephemeral","text":"ok"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv, err := slackgo.NewSecretsVerifier(r.Header, secret)
		if err != nil {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		body, err := io.ReadAll(io.TeeReader(r.Body, &sv))
		if err != nil || sv.Ensure() != nil {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("response_url") == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
		go func() {
			res, err := client.Post(form.Get("response_url"), "application/json", bytes.NewReader(reply))
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		}()
	})
}

// repoRoot is the directory of go.mod, found from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the benchmark inside the repository (no go.mod above the working directory)")
		}
		dir = parent
	}
}
