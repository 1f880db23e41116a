// Command bot runs talkbot: in Slack or Matrix when their credentials are
// configured, otherwise as a console bot on stdin and stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	_ "time/tzdata" // conference zones work on machines without /usr/share/zoneinfo

	"github.com/joho/godotenv"
	"golang.org/x/sync/errgroup"

	"github.com/talkbot/talkbot/adapters/console"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], envWithDotenv(".env"), os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bot:", err)
		os.Exit(1)
	}
}

// envWithDotenv reads the process environment, falling back to a .env file.
func envWithDotenv(path string) func(string) string {
	file, _ := godotenv.Read(path) // a missing .env is fine
	return func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return file[k]
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg := loadConfig(getenv)
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	sub := "auto"
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "auto":
		if cfg.slackEnabled() || cfg.matrixEnabled() {
			return runChat(ctx, cfg, log)
		}
		log.Info("no chat credentials configured (see .env.example); starting the console adapter", "db", cfg.DB)
		return runConsole(ctx, cfg, log, defaultUser(getenv), cfg.DB, stdin, stdout)
	case "console":
		fs := flag.NewFlagSet("console", flag.ContinueOnError)
		fs.SetOutput(stderr)
		user := fs.String("user", defaultUser(getenv), "who you are in the console workspace")
		db := fs.String("db", cfg.DB, "SQLite database file")
		if err := fs.Parse(args); err != nil {
			return err
		}
		return runConsole(ctx, cfg, log, *user, *db, stdin, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: bot [console --user NAME --db PATH]\nWith no chat credentials set, bot starts the console. See README.md.")
		return nil
	}
	return fmt.Errorf("unknown subcommand %q; try `bot console --user NAME`", sub)
}

// defaultUser is who the console user is when --user does not say: the
// login name, or "console" where there is none (a container, a service).
func defaultUser(getenv func(string) string) string {
	for _, k := range []string{"USER", "LOGNAME"} {
		if u := getenv(k); u != "" {
			return u
		}
	}
	return "console"
}

// runChat runs the chat adapters whose credentials are set until ctx is done
// or one of them fails.
func runChat(ctx context.Context, cfg Config, log *slog.Logger) error {
	st, err := store.Open(ctx, cfg.DB, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	// Chat users share the bot: each may send 30 commands at once, then one every half second.
	h := adminFor(commands.New(commands.Config{Store: st, Logger: log, RateBurst: 30}), cfg.Admins)
	g, ctx := errgroup.WithContext(ctx)
	if cfg.slackEnabled() {
		g.Go(func() error { return startSlack(ctx, cfg, log.With("adapter", "slack"), h, st) })
	}
	if cfg.matrixEnabled() {
		g.Go(func() error { return startMatrix(ctx, cfg, log.With("adapter", "matrix"), h, st) })
	}
	err = g.Wait()
	log.Info("shut down")
	return err
}

func runConsole(ctx context.Context, cfg Config, log *slog.Logger, user, dbPath string, stdin io.Reader, stdout io.Writer) error {
	st, err := store.Open(ctx, dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	router := commands.New(commands.Config{Store: st, Logger: log})
	a := &console.Adapter{Handler: adminFor(router, cfg.Admins), User: user, In: stdin, Out: stdout, Prompt: isTerminal(stdin)}
	if a.Prompt {
		fmt.Fprintf(stdout, "talkbot console: you are %s (`--user NAME` picks another), data in %s. Type `help`, or Ctrl-D to quit.\n", user, dbPath)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	}
}

// adminFor marks users listed in BOT_ADMINS as admins, whatever the platform says.
func adminFor(h console.Handler, admins []string) console.Handler {
	return handlerFunc(func(ctx context.Context, req commands.Request) commands.Reply {
		if slices.Contains(admins, req.UserID) {
			req.Admin = true
		}
		return h.Handle(ctx, req)
	})
}

type handlerFunc func(ctx context.Context, req commands.Request) commands.Reply

func (f handlerFunc) Handle(ctx context.Context, req commands.Request) commands.Reply {
	return f(ctx, req)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
