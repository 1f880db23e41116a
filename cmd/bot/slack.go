package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/talkbot/talkbot/adapters/slack"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

// startSlack makes the Slack adapter: Socket Mode when SLACK_APP_TOKEN is
// set, HTTP mode when SLACK_SIGNING_SECRET is (its /slack/events mounted on
// mux, the operator server on HTTP_ADDR), both when both are. Its commands
// run on rt; the store remembers handled Events API deliveries, so
// redeliveries and restarts never answer twice. The caller runs the
// adapter's Run until ctx is done. log should not carry adapter=slack yet:
// the adapter adds it.
func startSlack(ctx context.Context, cfg Config, log *slog.Logger, rt *dispatch.Runtime, st *store.Store, mux *http.ServeMux, obs slack.Observer) (*slack.Adapter, error) {
	if cfg.SlackAppToken == "" && cfg.SlackSigningSecret == "" {
		return nil, errors.New("SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is; set one of them")
	}
	a, err := slack.New(slack.Config{
		BotToken:      cfg.SlackBotToken,
		AppToken:      cfg.SlackAppToken,
		SigningSecret: cfg.SlackSigningSecret,
		APIURL:        cfg.SlackAPIURL,
		Runtime:       rt,
		Events:        st,
		Logger:        log,
		Observer:      obs,
		// Chat users share the bot: each may send 30 commands at once, then one every half second.
		Limiter: dispatch.NewLimiter(30, 500*time.Millisecond),
	})
	if err != nil {
		return nil, err
	}
	if cfg.SlackSigningSecret != "" {
		mux.Handle(slack.EventsPath, a.HTTPHandler())
		log.InfoContext(ctx, "slack http mode", "addr", cfg.HTTPAddr, "path", slack.EventsPath)
	}
	return a, nil
}
