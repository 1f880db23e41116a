// Command botmain runs talkbot's Matrix adapter over a real store and command
// router, wired as cmd/bot wires it, as its own process: the Matrix latency
// benchmark measures it, and its memory, from outside. Configuration comes
// from the same environment variables as the bot.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/commands"
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
	st, err := store.Open(ctx, os.Getenv("BOT_DB"), store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	router := commands.New(commands.Config{Store: st, Logger: log, RateBurst: 1_000_000})
	a, err := matrix.New(matrix.Config{
		Homeserver:      os.Getenv("MATRIX_HOMESERVER"),
		UserID:          os.Getenv("MATRIX_USER"),
		Password:        os.Getenv("MATRIX_PASSWORD"),
		PickleKey:       os.Getenv("MATRIX_PICKLE_KEY"),
		CryptoDB:        os.Getenv("MATRIX_CRYPTO_DB"),
		AllowedInviters: strings.Fields(os.Getenv("MATRIX_ALLOWED_INVITERS")),
		Handler:         router,
		State:           st,
		Logger:          log,
	})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
