// Package dendritetest runs a real Matrix homeserver, Dendrite, on loopback
// for tests and benchmarks. Dendrite is built once from the tools module in
// tools/dendrite (so its dependencies stay out of talkbot's go.mod) into the
// user's cache directory and reused by later runs; each Server lives in its
// own temporary directory with SQLite databases and is stopped by Cleanup.
package dendritetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// ServerName is the homeserver name of every Server: user ids are @name:localhost.
const ServerName = "localhost"

// commands are the Dendrite programs the harness needs, built from tools/dendrite.
var commands = []string{"dendrite", "generate-config", "generate-keys", "create-account"}

// Server is one running Dendrite.
type Server struct {
	URL        string // http://127.0.0.1:port
	ServerName string

	bin    string
	dir    string
	config string
	cmd    *exec.Cmd
	exited chan struct{}
	logMu  sync.Mutex
	log    bytes.Buffer
	stop   sync.Once
}

// Start builds Dendrite if needed, starts it on a free loopback port and
// registers Stop with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Build(t)
	if err != nil {
		t.Fatalf("build dendrite: %v", err)
	}
	s, err := start(bin, t.TempDir())
	if err != nil {
		t.Fatalf("start dendrite: %v", err)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("dendrite log:\n%s", s.tail(4000))
		}
	})
	return s
}

func start(bin, dir string) (*Server, error) {
	s := &Server{ServerName: ServerName, bin: bin, dir: dir, config: filepath.Join(dir, "dendrite.yaml")}
	key := filepath.Join(dir, "matrix_key.pem")
	if out, err := exec.Command(filepath.Join(bin, "generate-keys"), "--private-key", key).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("generate-keys: %w: %s", err, out)
	}
	out, err := exec.Command(filepath.Join(bin, "generate-config"), "-ci", "-dir", dir, "-server", ServerName).Output()
	if err != nil {
		return nil, fmt.Errorf("generate-config: %w", err)
	}
	cfg, err := configure(out, dir, key)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.config, cfg, 0o600); err != nil {
		return nil, err
	}
	// A free port can be taken between Close and Dendrite's bind; try a few.
	for attempt := 0; ; attempt++ {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		s.URL = "http://" + addr
		err = s.launch()
		if err == nil {
			return s, nil
		}
		if attempt == 2 {
			return nil, fmt.Errorf("%w\n%s", err, s.tail(2000))
		}
	}
}

// launch runs Dendrite on s.URL's address and waits until it answers.
func (s *Server) launch() error {
	s.stop = sync.Once{}
	s.cmd = exec.Command(filepath.Join(s.bin, "dendrite"), "-config", s.config, "-http-bind-address", strings.TrimPrefix(s.URL, "http://"))
	s.cmd.Dir = s.dir
	s.cmd.Stdout, s.cmd.Stderr = (*serverLog)(s), (*serverLog)(s)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start dendrite: %w", err)
	}
	s.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(s.cmd, s.exited)
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		return err
	}
	return nil
}

// Restart starts a stopped server again on the same address, with its data.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.launch(); err != nil {
		t.Fatalf("restart dendrite: %v\n%s", err, s.tail(2000))
	}
}

// configure edits the -ci configuration: shared-secret registration only,
// no federation, no rate limits, warnings only in the log, data under dir.
func configure(generated []byte, dir, key string) ([]byte, error) {
	var cfg map[string]any
	if err := yaml.Unmarshal(generated, &cfg); err != nil {
		return nil, fmt.Errorf("parse dendrite config: %w", err)
	}
	set := func(value any, path ...string) {
		m := cfg
		for _, p := range path[:len(path)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[path[len(path)-1]] = value
	}
	set(key, "global", "private_key")
	set(true, "global", "disable_federation")
	set(false, "global", "presence", "enable_inbound")
	set(false, "global", "presence", "enable_outbound")
	set(false, "global", "server_notices", "enabled")
	set(true, "client_api", "registration_disabled")
	set(randomHex(16), "client_api", "registration_shared_secret")
	set(false, "client_api", "rate_limiting", "enabled")
	set(false, "sync_api", "search", "enabled")
	set([]any{map[string]any{"type": "std", "level": "warn"}}, "logging")
	return yaml.Marshal(cfg)
}

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return errors.New("dendrite exited during start-up")
		default:
		}
		resp, err := http.Get(s.URL + "/_matrix/client/versions")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("dendrite not ready after %s", timeout)
}

// Stop stops the server and waits for it to exit.
func (s *Server) Stop() {
	s.stop.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// CreateUser registers a user through shared-secret registration and returns
// the full user id and the password.
func (s *Server) CreateUser(t testing.TB, localpart string) (userID, password string) {
	t.Helper()
	userID, password, err := s.createUser(localpart)
	if err != nil {
		t.Fatalf("create user %s: %v", localpart, err)
	}
	return userID, password
}

func (s *Server) createUser(localpart string) (string, string, error) {
	password := randomHex(12)
	cmd := exec.Command(filepath.Join(s.bin, "create-account"), "-config", s.config, "-url", s.URL,
		"-username", localpart, "-passwordstdin")
	cmd.Stdin = strings.NewReader(password)
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("create-account: %w: %s", err, out)
	}
	return "@" + localpart + ":" + s.ServerName, password, nil
}

func (s *Server) tail(n int) string {
	s.logMu.Lock()
	b := bytes.Clone(s.log.Bytes())
	s.logMu.Unlock()
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// Build returns the directory holding the Dendrite binaries, building them on
// first use. The directory is keyed by the tools module's go.sum and the Go
// version, so a version bump rebuilds; a finished build is moved into place
// atomically, so concurrent test processes never see half a build.
func Build(t testing.TB) (string, error) {
	buildOnce.Do(func() { buildDir, buildErr = build(t) })
	return buildDir, buildErr
}

func build(t testing.TB) (string, error) {
	tools, err := toolsDir()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(tools, f))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	fmt.Fprintf(h, "%s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	root, err := CacheRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "dendrite-"+hex.EncodeToString(h.Sum(nil))[:16])
	if complete(dir) {
		return dir, nil
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(filepath.Join(root, "build.lock"))
	if err != nil {
		return "", fmt.Errorf("lock the build: %w", err)
	}
	defer unlock()
	if complete(dir) { // another test process built it while this one waited
		return dir, nil
	}
	tmp, err := os.MkdirTemp(root, "building-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	t.Logf("building Dendrite into %s (first run only; about two minutes)", dir)
	began := time.Now()
	args := []string{"build", "-trimpath", "-o", tmp + string(filepath.Separator)}
	for _, c := range commands {
		args = append(args, "github.com/element-hq/dendrite/cmd/"+c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goCommand(), args...)
	cmd.Dir = tools
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly", "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %w\n%s", tools, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil && !complete(dir) {
		return "", err
	}
	t.Logf("built Dendrite in %s", time.Since(began).Round(time.Second))
	return dir, nil
}

// CacheRoot is where built homeservers are kept: $TALKBOT_CACHE_DIR, else the
// user cache directory's talkbot folder.
func CacheRoot() (string, error) {
	if d := os.Getenv("TALKBOT_CACHE_DIR"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set TALKBOT_CACHE_DIR): %w", err)
	}
	return filepath.Join(d, "talkbot"), nil
}

func complete(dir string) bool {
	for _, c := range commands {
		if fi, err := os.Stat(filepath.Join(dir, c)); err != nil || fi.Size() == 0 {
			return false
		}
	}
	return true
}

// toolsDir finds tools/dendrite from this source file's location.
func toolsDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the harness source")
	}
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "tools", "dendrite")
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("tools module not found: %w", err)
	}
	return filepath.Clean(dir), nil
}

func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	for _, root := range []string{os.Getenv("GOROOT"), runtime.GOROOT()} {
		if p := filepath.Join(root, "bin", "go"); root != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return "go"
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// serverLog collects Dendrite's standard output and error.
type serverLog Server

func (l *serverLog) Write(p []byte) (int, error) {
	l.logMu.Lock()
	defer l.logMu.Unlock()
	return l.log.Write(p)
}
