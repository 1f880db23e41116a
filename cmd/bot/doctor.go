package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/adapters/slack"
	"github.com/talkbot/talkbot/llm"
	"github.com/talkbot/talkbot/store"
)

// doctor checks what the bot needs before it is started (or while it runs)
// and says in plain words what is wrong and how to fix it.
type doctor struct {
	out      io.Writer
	client   *http.Client
	problems int
}

func (d *doctor) ok(area, format string, args ...any) {
	fmt.Fprintf(d.out, "ok    %-13s %s\n", area, fmt.Sprintf(format, args...))
}

func (d *doctor) note(area, format string, args ...any) {
	fmt.Fprintf(d.out, "note  %-13s %s\n", area, fmt.Sprintf(format, args...))
}

func (d *doctor) fail(area, format string, args ...any) {
	d.problems++
	fmt.Fprintf(d.out, "FAIL  %-13s %s\n", area, fmt.Sprintf(format, args...))
}

// runDoctor is `bot doctor`: the configuration, the database, the chat
// credentials and the LLM, each checked for real. It fails when any check does.
func runDoctor(ctx context.Context, cfg Config, stdout io.Writer) error {
	d := &doctor{out: stdout, client: &http.Client{Timeout: 15 * time.Second}}
	d.config(cfg)
	d.database(ctx, cfg.DB)
	if cfg.slackEnabled() {
		d.slack(ctx, cfg)
	}
	if cfg.matrixEnabled() {
		d.matrix(ctx, cfg)
	}
	if !cfg.slackEnabled() && !cfg.matrixEnabled() {
		d.note("chat", "no Slack or Matrix credentials are set: `bot` starts the console. Set SLACK_BOT_TOKEN or MATRIX_USER (see .env.example) to chat.")
	}
	d.llm(ctx, cfg)
	if d.problems > 0 {
		return fmt.Errorf("doctor: %d problem(s) found; fix the FAIL lines above and run `bot doctor` again", d.problems)
	}
	fmt.Fprintln(stdout, "All checks passed.")
	return nil
}

func (d *doctor) config(cfg Config) {
	err := cfg.Validate()
	if err == nil {
		d.ok("configuration", "every variable that is set is well-formed")
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			d.fail("configuration", "%s (set it in the environment or in .env)", line)
		}
	}
}

func (d *doctor) database(ctx context.Context, path string) {
	if isDBURL(path) {
		return // the configuration check has said so, without the URL's password
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		// The bot creates the file, not its directory: with none it stopped at
		// once while this said all was well.
		if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
			d.fail("database", "BOT_DB %s does not exist, nor does its directory %s: the bot creates the file, not the directory; "+
				"create it, or fix the path", path, filepath.Dir(path))
			return
		}
		d.note("database", "BOT_DB %s does not exist yet: the bot creates it at first start (its directory must be writable)", path)
		return
	}
	h, err := store.Check(ctx, path)
	switch {
	case err != nil:
		d.fail("database", "cannot read BOT_DB %s: %v. Check the path and the file's permissions.", path, err)
	case len(h.Problems) > 0:
		d.fail("database", "BOT_DB %s is damaged (integrity_check: %s). Stop the bot and restore the latest backup "+
			"(README.md, \"Backup and restore\"); keep the damaged file for inspection.", path, h.Problems[0])
	case h.ReadOnly != nil:
		d.fail("database", "BOT_DB %s passes integrity_check but cannot be written (%v): the user the bot runs as must be able to write "+
			"the file, its -wal and -shm files and its directory (chmod 600 %s*)", path, h.ReadOnly, path)
	case h.Version > h.Latest:
		d.fail("database", "BOT_DB %s is at schema version %d, newer than this build knows (%d): run the newer talkbot, "+
			"or restore a backup made before the upgrade.", path, h.Version, h.Latest)
	case h.Version < h.Latest:
		d.ok("database", "BOT_DB %s passes integrity_check; at schema version %d, it is migrated to %d at the next start, after an automatic backup",
			path, h.Version, h.Latest)
	default:
		d.ok("database", "BOT_DB %s passes integrity_check (schema version %d)", path, h.Version)
	}
}

func (d *doctor) slack(ctx context.Context, cfg Config) {
	if hasUserinfo(cfg.SlackAPIURL) {
		return // as for Matrix
	}
	if cfg.SlackAppToken == "" && cfg.SlackSigningSecret == "" {
		d.fail("slack", "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is: set one of them")
	}
	who, err := slack.CheckTokens(ctx, cfg.SlackBotToken, cfg.SlackAppToken, cfg.SlackAPIURL, d.client)
	if err != nil {
		d.fail("slack", "%v", err)
		return
	}
	modes := []string{}
	if cfg.SlackAppToken != "" {
		modes = append(modes, "Socket Mode (SLACK_APP_TOKEN accepted)")
	}
	if cfg.SlackSigningSecret != "" {
		modes = append(modes, "HTTP mode at "+slack.EventsPath+" on HTTP_ADDR "+cfg.HTTPAddr)
	}
	d.ok("slack", "SLACK_BOT_TOKEN is the bot %s (%s) in workspace %s (%s); %s", who.User, who.UserID, who.Team, who.TeamID, strings.Join(modes, " and "))
}

func (d *doctor) matrix(ctx context.Context, cfg Config) {
	// A URL with a password in it: the configuration check has said so,
	// and a check would print the URL with it.
	if cfg.MatrixHomeserver == "" || hasUserinfo(cfg.MatrixHomeserver) {
		return // the configuration check has said so
	}
	who, err := matrix.CheckLogin(ctx, cfg.MatrixHomeserver, cfg.MatrixUser, cfg.MatrixPassword, cfg.MatrixAccessToken, d.client)
	if err != nil {
		d.fail("matrix", "%v", err)
		return
	}
	how := "MATRIX_PASSWORD works (checked with a separate device, signed out again)"
	if cfg.MatrixAccessToken != "" {
		how = "MATRIX_ACCESS_TOKEN works"
	}
	d.ok("matrix", "%s: the homeserver %s knows the bot as %s", how, cfg.MatrixHomeserver, who)
}

func (d *doctor) llm(ctx context.Context, cfg Config) {
	if cfg.OpenAIModel == "" {
		d.note("llm", "no LLM is configured (OPENAI_MODEL is unset): summaries and questions use the built-in summariser and parser")
		return
	}
	if hasUserinfo(cfg.OpenAIBaseURL) {
		return // as for Matrix
	}
	c, err := llm.NewClient(llm.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIKey, Model: cfg.OpenAIModel,
		Timeout: min(cfg.OpenAITimeout, 20*time.Second), HTTPClient: d.client, MaxRetries: -1})
	if err != nil {
		d.fail("llm", "%v", err)
		return
	}
	if err := c.Check(ctx); err != nil {
		d.fail("llm", "%v (the bot still answers, with the built-in summariser, while this is broken)", err)
		return
	}
	where := cfg.OpenAIBaseURL
	if where == "" {
		where = "OpenAI's API"
	}
	d.ok("llm", "%s answers and offers OPENAI_MODEL %s", where, cfg.OpenAIModel)
}
