// Command bot runs talkbot: in Slack or Matrix when their credentials are
// configured, otherwise as a console bot on stdin and stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // conference zones work on machines without /usr/share/zoneinfo

	"github.com/joho/godotenv"
	"golang.org/x/sync/errgroup"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/adapters/console"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second signal ends the bot at once, unfinished work or not
	getenv, err := envWithDotenv(".env")
	if err == nil {
		err = run(ctx, os.Args[1:], getenv, os.Stdin, os.Stdout, os.Stderr)
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bot:", err)
		os.Exit(1)
	}
}

// envWithDotenv reads the process environment, falling back to a .env
// file. A missing file is fine; one that does not parse is refused: read
// as none, its tokens and BOT_DB were dropped, and the bot started the
// console on ./talkbot.db (under systemd, exiting at once, with status 0).
func envWithDotenv(path string) (func(string) string, error) {
	file, err := godotenv.Read(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Not godotenv's words: they quote the line, which may hold a token.
		return nil, fmt.Errorf("%s does not parse%s: each line is NAME=value, or a # comment; nothing in it was read", path, badLine(path))
	}
	return func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		return file[k]
	}, nil
}

// badLine names the first line of a .env file that does not parse alone.
func badLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for i, l := range strings.Split(string(b), "\n") {
		if _, err := godotenv.Unmarshal(l + "\n"); err != nil {
			return fmt.Sprintf(", on line %d", i+1)
		}
	}
	return ""
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg := loadConfig(getenv)
	sub := "auto"
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub { // these two need no valid configuration: doctor reports it, backup needs only BOT_DB
	case "doctor":
		fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite database file to check (BOT_DB)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("doctor takes no arguments but --db PATH (got %q): bot doctor [--db PATH]", fs.Arg(0))
		}
		return runDoctor(ctx, cfg, stdout)
	case "backup":
		return runBackup(ctx, cfg, args, stdout, stderr)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration (`bot doctor` explains):\n%w", err)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

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
		fmt.Fprintln(stdout, "usage: bot [console --user NAME --db PATH | doctor [--db PATH] | backup [--db PATH] DEST]\n"+
			"With no chat credentials set, bot starts the console. `bot doctor` checks the setup. See README.md.")
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

// runChat runs the chat adapters whose credentials are set, on one runtime
// and one database, with the operator server on HTTP_ADDR, until ctx is done
// or one of them fails.
func runChat(ctx context.Context, cfg Config, log *slog.Logger) error {
	st, err := openStore(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer st.Close()
	ops := newOperations(st)
	assistant, err := newAssistant(cfg, st, log, ops.metrics)
	if err != nil {
		return err
	}
	router := commands.New(commands.Config{Store: st, Assistant: assistant, Logger: log, ImportAllowPrivate: cfg.ImportAllowPrivate})
	rt := dispatch.New(dispatch.Config{Handler: router, Admins: cfg.Admins, Logger: log, Observer: ops.metrics, Grace: cfg.ShutdownTimeout})
	mux := operatorMux()
	ops.mount(mux, log)

	// Build every adapter before starting anything, so a bad setting stops
	// the bot before it has answered anyone.
	var runs []func(context.Context) error
	posters := map[string]dispatch.Poster{}
	if cfg.slackEnabled() {
		a, err := startSlack(ctx, cfg, log, rt, st, mux, ops.metrics)
		if err != nil {
			return err
		}
		ops.adapter("slack", a.Connected)
		runs = append(runs, a.Run)
		posters[talkbot.PlatformSlack] = a
	}
	if cfg.matrixEnabled() {
		a, err := startMatrix(ctx, cfg, log, rt, st, ops.metrics)
		if err != nil {
			return err
		}
		ops.adapter("matrix", a.Connected)
		runs = append(runs, a.Run)
		posters[talkbot.PlatformMatrix] = a
	}
	// The daily digests and the notices: the ledger in the database keeps
	// them to once, however many bots share it.
	sched := dispatch.NewScheduler(dispatch.SchedulerConfig{Ledger: st, Digests: router, Runtime: rt, Posters: posters,
		Window: cfg.DigestWindow, Grace: cfg.ShutdownTimeout, Logger: log, Observer: ops.metrics})
	runs = append(runs, func(ctx context.Context) error { sched.Run(ctx); return nil })
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	// On SIGTERM the operator server stops taking requests and the runtime
	// finishes what is under way (BOT_SHUTDOWN_TIMEOUT at most); then the
	// store commits what is queued and closes.
	stopNote := context.AfterFunc(ctx, func() {
		log.Info("stopping: taking no new work, finishing what is under way", "timeout", cfg.ShutdownTimeout.String(), "pending", rt.Pending())
	})
	defer stopNote()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { rt.Run(ctx); return nil })
	for _, run := range runs {
		g.Go(func() error { return run(ctx) })
	}
	g.Go(func() error { return serveOperator(ctx, ln, mux, log) })
	err = g.Wait()
	log.Info("shut down")
	return err
}

// operatorMux serves /healthz: the process is up. runChat adds /readyz and
// /metrics (ops.go), and Slack's endpoint in HTTP mode.
func operatorMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	return mux
}

// serveOperator serves the operator's endpoints (and Slack's, in HTTP mode)
// on ln until ctx is done.
func serveOperator(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Info("operator server listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("operator server: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func runConsole(ctx context.Context, cfg Config, log *slog.Logger, user, dbPath string, stdin io.Reader, stdout io.Writer) error {
	st, err := openStore(ctx, dbPath, log)
	if err != nil {
		return err
	}
	defer st.Close()
	assistant, err := newAssistant(cfg, st, log, nil)
	if err != nil {
		return err
	}
	router := commands.New(commands.Config{Store: st, Assistant: assistant, Logger: log, ImportAllowPrivate: cfg.ImportAllowPrivate})
	rt := dispatch.New(dispatch.Config{Handler: router, Admins: cfg.Admins, Logger: log, Grace: cfg.ShutdownTimeout})
	a := &console.Adapter{Server: rt, User: user, In: stdin, Out: stdout, Prompt: isTerminal(stdin)}
	sched := dispatch.NewScheduler(dispatch.SchedulerConfig{Ledger: st, Digests: router, Runtime: rt,
		Posters: map[string]dispatch.Poster{talkbot.PlatformConsole: a}, Window: cfg.DigestWindow, Logger: log})
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() { sched.Run(schedCtx); close(schedDone) }()
	defer func() { stopSched(); <-schedDone }() // before the store closes
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
		finished := make(chan struct{})
		go func() { a.Wait(); close(finished) }()
		select {
		case <-finished:
		case <-time.After(cfg.ShutdownTimeout):
			log.Warn("the command under way did not finish within BOT_SHUTDOWN_TIMEOUT; stopping anyway", "timeout", cfg.ShutdownTimeout.String())
		}
		return nil
	}
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
