package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/talkbot/talkbot/adapters/slack"
	"github.com/talkbot/talkbot/store"
)

// startSlack runs the Slack adapter until ctx is done: Socket Mode when
// SLACK_APP_TOKEN is set, HTTP mode (/slack/events and /healthz on HTTP_ADDR)
// when SLACK_SIGNING_SECRET is, both when both are. The store remembers
// handled deliveries, so redeliveries and restarts never answer twice.
func startSlack(ctx context.Context, cfg Config, log *slog.Logger, h slack.Handler, st *store.Store) error {
	if cfg.SlackAppToken == "" && cfg.SlackSigningSecret == "" {
		return errors.New("SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is; set one of them")
	}
	a, err := slack.New(slack.Config{
		BotToken:      cfg.SlackBotToken,
		AppToken:      cfg.SlackAppToken,
		SigningSecret: cfg.SlackSigningSecret,
		APIURL:        cfg.SlackAPIURL,
		Addr:          cfg.HTTPAddr,
		Admins:        cfg.Admins,
		Handler:       h,
		Events:        st,
		Logger:        log,
	})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
