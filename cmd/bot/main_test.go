package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/talkbot/talkbot/store"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SLACK_BOT_TOKEN": "nope"}, "SLACK_BOT_TOKEN must start with xoxb-"},
		{map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, "SLACK_APP_TOKEN must start with xapp-"},
		{map[string]string{"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN must be set"},
		{map[string]string{"MATRIX_USER": "talkbot", "MATRIX_PASSWORD": "p", "MATRIX_HOMESERVER": "https://m.org"}, "MATRIX_USER must be a full Matrix id"},
		{map[string]string{"MATRIX_ACCESS_TOKEN": "t"}, "MATRIX_HOMESERVER must be set"},
		// A misspelt MATRIX_USER had started the console, exiting 0.
		{map[string]string{"MATRIX_HOMESERVER": "https://m.org", "MATRIX_PASSWORD": "p", "MATRIX_PICKLE_KEY": "k", "MATRIX_USERNAME": "@t:m.org"}, "MATRIX_USER (or MATRIX_ACCESS_TOKEN) must be set"},
		{map[string]string{"OPENAI_BASE_URL": "https://gw.example.com/v1?api-key=QUERYSECRET", "OPENAI_MODEL": "m"}, "OPENAI_BASE_URL must not hold a query"},
		{map[string]string{"MATRIX_ACCESS_TOKEN": "t", "MATRIX_HOMESERVER": "https://m.org"}, "MATRIX_PICKLE_KEY must be set"},
		{map[string]string{"MATRIX_RECOVERY_KEY": "EsTc 1234"}, "MATRIX_RECOVERY_KEY must be a Matrix recovery key"},
		{map[string]string{"MATRIX_RESET_CROSS_SIGNING": "please"}, "MATRIX_RESET_CROSS_SIGNING must be true or false"},
		{map[string]string{"OPENAI_BASE_URL": "localhost:11434"}, "OPENAI_BASE_URL must be an http(s) URL"},
		{map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}, "OPENAI_MODEL must be set"},
		{map[string]string{"OPENAI_DAILY_TOKENS": "lots"}, "OPENAI_DAILY_TOKENS must be a whole number"},
		{map[string]string{"OPENAI_DAILY_TOKENS": "-5"}, "OPENAI_DAILY_TOKENS must be a whole number"},
		{map[string]string{"OPENAI_CONTEXT_TOKENS": "512"}, "OPENAI_CONTEXT_TOKENS must be at least 2048"},
		{map[string]string{"OPENAI_TIMEOUT": "30"}, "OPENAI_TIMEOUT must be a duration"},
		{map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"},
		{map[string]string{"BOT_SHUTDOWN_TIMEOUT": "soon"}, "BOT_SHUTDOWN_TIMEOUT must be a duration"},
		{map[string]string{"IMPORT_ALLOW_PRIVATE": "maybe"}, "IMPORT_ALLOW_PRIVATE must be true or false"},
		// It had been taken for a file name.
		{map[string]string{"BOT_DB": "postgres://talkbot@db.internal/talkbot"}, "BOT_DB must be a SQLite file path"},
	}
	for _, tc := range tests {
		err := loadConfig(envOf(tc.env)).Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("env %v: err = %v, want %q", tc.env, err, tc.want)
		}
	}
	if err := loadConfig(envOf(nil)).Validate(); err != nil {
		t.Errorf("empty environment: %v", err)
	}
	c := loadConfig(envOf(map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "OPENAI_MODEL": "llama3.2",
		"OPENAI_DAILY_TOKENS": "0", "OPENAI_TIMEOUT": "45s", "OPENAI_CONTEXT_TOKENS": "16000"}))
	if err := c.Validate(); err != nil || c.OpenAIDailyTokens != 0 || c.OpenAITimeout != 45*time.Second || c.OpenAIContextTokens != 16000 {
		t.Errorf("a local server without a key: %+v, %v", c, err)
	}
	if loadConfig(envOf(nil)).ImportAllowPrivate || !loadConfig(envOf(map[string]string{"IMPORT_ALLOW_PRIVATE": "1"})).ImportAllowPrivate {
		t.Errorf("IMPORT_ALLOW_PRIVATE is off unless set to 1")
	}
	if d := loadConfig(envOf(nil)); d.OpenAIDailyTokens != 200000 || d.OpenAITimeout != 30*time.Second || d.OpenAIContextTokens != 8000 {
		t.Errorf("defaults: daily %d, timeout %s, context %d", d.OpenAIDailyTokens, d.OpenAITimeout, d.OpenAIContextTokens)
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"secret-token-value":  {"SLACK_BOT_TOKEN": "secret-token-value", "SLACK_SIGNING_SECRET": "x", "SLACK_API_URL": "http://127.0.0.1:1/api/"},
		"EsTc almost a key 1": {"MATRIX_RECOVERY_KEY": "EsTc almost a key 1"},
		// A password in a URL would reach every log line of a request to it.
		"hs-SECRET": {"MATRIX_HOMESERVER": "http://u:hs-SECRET@127.0.0.1:1", "MATRIX_ACCESS_TOKEN": "t", "MATRIX_PICKLE_KEY": "k"},
		"pw-SECRET": {"OPENAI_BASE_URL": "http://user:pw-SECRET@127.0.0.1:1/v1", "OPENAI_MODEL": "m"},
		"sl-SECRET": {"SLACK_API_URL": "http://u:sl-SECRET@127.0.0.1:1/api/", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "x"},
		"pg-SECRET": {"BOT_DB": "postgres://talkbot:pg-SECRET@127.0.0.1:1/talkbot"},
	} {
		err := loadConfig(envOf(env)).Validate()
		if err == nil || strings.Contains(err.Error(), name) {
			t.Errorf("err = %v; want an error that does not echo the secret", err)
		}
		// Doctor's report, which had printed the URL in the check after
		// the line saying it must not hold a password.
		if out, err := doctorRun(t, env); err == nil || strings.Contains(out, name) {
			t.Errorf("doctor: %v; want a report that does not echo the secret:\n%s", err, out)
		}
	}
}

// BOT_DB=postgres://… (a store still to come) is refused, naming the
// variable: it was taken for a file name, and the bot's log, its error and
// doctor's report all printed the URL, password and all.
func TestAPostgresURLInBotDBIsRefused(t *testing.T) {
	env := map[string]string{"BOT_DB": "postgres://talkbot:pg-SECRET@127.0.0.1:1/talkbot"}
	for _, args := range [][]string{nil, {"console"}, {"doctor"}} {
		var out, logs bytes.Buffer
		err := run(context.Background(), args, envOf(env), strings.NewReader("list\n"), &out, &logs)
		all := fmt.Sprint(err) + out.String() + logs.String()
		if err == nil || !strings.Contains(all, "BOT_DB must be a SQLite file path") || strings.Contains(all, "pg-SECRET") {
			t.Errorf("bot %q: %v\n%s%s", args, err, out.String(), logs.String())
		}
	}
}

// TestMatrixFilesNextToTheDatabase: the crypto store and a new recovery key
// live beside BOT_DB unless MATRIX_CRYPTO_DB says otherwise, so that the bot
// finds them again from any working directory that finds its database.
func TestMatrixFilesNextToTheDatabase(t *testing.T) {
	tests := []struct {
		env               map[string]string
		cryptoDB, keyFile string
	}{
		{nil, "talkbot-crypto.db", "talkbot-recovery-key.txt"},
		{map[string]string{"BOT_DB": "/var/lib/talkbot/talks.db"}, "/var/lib/talkbot/talks-crypto.db", "/var/lib/talkbot/talks-recovery-key.txt"},
		{map[string]string{"BOT_DB": "data/bot.sqlite"}, "data/bot.sqlite-crypto.db", "data/bot.sqlite-recovery-key.txt"},
		{map[string]string{"BOT_DB": "/srv/t.db", "MATRIX_CRYPTO_DB": "/secure/keys.db"}, "/secure/keys.db", "/srv/t-recovery-key.txt"},
	}
	for _, tc := range tests {
		c := loadConfig(envOf(tc.env))
		if c.MatrixCryptoDB != tc.cryptoDB || c.MatrixRecoveryKeyFile != tc.keyFile {
			t.Errorf("env %v: crypto db %q, recovery key file %q; want %q, %q", tc.env, c.MatrixCryptoDB, c.MatrixRecoveryKeyFile, tc.cryptoDB, tc.keyFile)
		}
	}
}

func TestRunWithoutCredentialsStartsTheConsole(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bot.db")
	var out, logs bytes.Buffer
	in := strings.NewReader("add Cgroupv2 Is Coming Soon To a Cluster Near You 4/5\nlist\n")
	err := run(context.Background(), nil, envOf(map[string]string{"BOT_DB": db, "USER": "alice"}), in, &out, &logs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "starting the console") {
		t.Errorf("the bot did not say it starts the console; logs:\n%s", logs.String())
	}
	if !strings.Contains(out.String(), "Logged new talk #1 Cgroupv2") || !strings.Contains(out.String(), "1. #1 Cgroupv2") {
		t.Errorf("console output:\n%s", out.String())
	}
	// The data is in the file: a second run as the same user sees it.
	out.Reset()
	if err := run(context.Background(), []string{"console", "--user", "alice", "--db", db}, envOf(nil), strings.NewReader("list\n"), &out, &logs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "★★★★☆ 4/5") {
		t.Errorf("second run:\n%s", out.String())
	}
}

func TestOperatorServerAnswersHealthzAndStops(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveOperator(ctx, ln, operatorMux(), slog.New(slog.DiscardHandler)) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz = %d %q, want 200 \"ok\\n\"", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("the operator server still answers after shutdown")
	}
}

// BOT_ADMINS is one list for Slack and Matrix: Slack ids in it must not
// leave Matrix without its room moderators as admins.
func TestOnlyMatrixIDsInBotAdminsTurnRoomModeratorsOff(t *testing.T) {
	for _, tc := range []struct {
		admins []string
		want   bool
	}{{nil, false}, {[]string{"U012ABCDEF"}, false}, {[]string{"U012ABCDEF", "@alice:example.org"}, true}} {
		if got := !roomModeratorsAreAdmins(Config{Admins: tc.admins}); got != tc.want {
			t.Errorf("BOT_ADMINS %q turns room moderators off: %v, want %v", tc.admins, got, tc.want)
		}
	}
}

// `bot backup DEST --db PATH` reads its flag after DEST too (it said "say
// where the copy goes"), and LOG_LEVEL is read in any case.
func TestBackupFlagsAfterDestAndLogLevelCase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	var out, errs bytes.Buffer
	dest := filepath.Join(dir, "copy.db")
	if err := runBackup(context.Background(), Config{DB: "elsewhere.db"}, []string{dest, "--db", db}, &out, &errs); err != nil {
		t.Fatalf("backup DEST --db PATH: %v\n%s", err, errs.String())
	}
	if _, err := os.Stat(dest); err != nil || !strings.Contains(out.String(), "backed up "+db) {
		t.Errorf("backup: %v, %q", err, out.String())
	}
	if err := loadConfig(envOf(map[string]string{"LOG_LEVEL": "DEBUG"})).Validate(); err != nil {
		t.Errorf("LOG_LEVEL=DEBUG: %v", err)
	}
}

// A .env with a line that does not parse is refused, naming the line: read
// as no file, its settings were dropped and the bot started the console on
// ./talkbot.db, exiting 0 under systemd. A missing .env is fine.
func TestAnUnreadableDotenvIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".env")
	os.WriteFile(path, []byte("SLACK_BOT_TOKEN=xoxb-abc\n# a comment\nSLACK_SIGNING_SECRET 8f14e45fceea167a\n"), 0o600)
	if _, err := envWithDotenv(path); err == nil || !strings.Contains(err.Error(), "line 3") || strings.Contains(err.Error(), "8f14e45f") {
		t.Errorf("a .env with a bad line 3: %v", err)
	}
	if _, err := envWithDotenv(filepath.Join(dir, "missing.env")); err != nil {
		t.Errorf("a missing .env: %v", err)
	}
	os.WriteFile(path, []byte("SLACK_BOT_TOKEN=xoxb-abc\n"), 0o600)
	if getenv, err := envWithDotenv(path); err != nil || getenv("SLACK_BOT_TOKEN") != "xoxb-abc" {
		t.Errorf("a good .env: %v", err)
	}
}

// A database the bot cannot write is refused at start, saying what to fix:
// it had started, and answered every command with an apology for ever.
// (As root every file is writable: checked by hand with setpriv there.)
func TestADatabaseTheBotCannotWriteIsRefused(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes any file")
	}
	db := soundDB(t)
	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	var out, logs bytes.Buffer
	err := run(context.Background(), []string{"console", "--user", "alice", "--db", db}, envOf(nil), strings.NewReader("list\n"), &out, &logs)
	if err == nil || !strings.Contains(err.Error(), "cannot be written") {
		t.Errorf("a read-only database: %v\n%s", err, out.String())
	}

	// That start left a read-only -shm file: after a chmod of the file
	// alone the bot still refuses, and must say what else to fix.
	if err := os.Chmod(db, 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"console", "--user", "alice", "--db", db}, envOf(nil), strings.NewReader("list\n"), &out, &logs)
	if err != nil && !strings.Contains(err.Error(), "-shm") {
		t.Errorf("with its -shm file still read-only: %v", err)
	}
}
