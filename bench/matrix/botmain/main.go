// Command botmain runs talkbot's Matrix adapter over a real store, command
// router and runtime, wired as cmd/bot wires them, as its own process: the
// Matrix latency benchmark measures it, and its memory, from outside.
// Configuration comes from the same environment variables as the bot. The
// per-user rate limit is lifted: one user sends every command.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "botmain:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	level := slog.LevelWarn // LOG_LEVEL=info logs each command with its timings
	_ = level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL")))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	st, err := store.Open(ctx, os.Getenv("BOT_DB"), store.Options{Durable: true}) // as cmd/bot opens it
	if err != nil {
		return err
	}
	defer st.Close()
	rt := dispatch.New(dispatch.Config{Handler: commands.New(commands.Config{Store: st, Logger: log}), Logger: log})
	a, err := matrix.New(matrix.Config{
		Homeserver:      os.Getenv("MATRIX_HOMESERVER"),
		UserID:          os.Getenv("MATRIX_USER"),
		Password:        os.Getenv("MATRIX_PASSWORD"),
		PickleKey:       os.Getenv("MATRIX_PICKLE_KEY"),
		CryptoDB:        os.Getenv("MATRIX_CRYPTO_DB"),
		AllowedInviters: strings.Fields(os.Getenv("MATRIX_ALLOWED_INVITERS")),
		Runtime:         rt,
		Limiter:         dispatch.NewLimiter(1_000_000, time.Nanosecond),
		State:           st,
		Logger:          log,
	})
	if err != nil {
		return err
	}
	rtDone := make(chan struct{})
	go func() { rt.Run(ctx); close(rtDone) }()
	err = a.Run(ctx)
	<-rtDone
	return err
}
