package main

import (
	"log/slog"

	"github.com/talkbot/talkbot/llm"
	"github.com/talkbot/talkbot/llm/assist"
	"github.com/talkbot/talkbot/store"
)

// newAssistant is the commands' assistant: the LLM at OPENAI_BASE_URL (or
// OpenAI's, with only a key) when OPENAI_MODEL is set, the built-in
// summariser and parser otherwise or whenever the model cannot answer.
func newAssistant(cfg Config, st *store.Store, log *slog.Logger, obs llm.Observer) (*assist.Assistant, error) {
	var client *llm.Client
	if cfg.OpenAIModel != "" {
		c, err := llm.NewClient(llm.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIKey, Model: cfg.OpenAIModel,
			Timeout: cfg.OpenAITimeout, Logger: log.With("component", "llm")})
		if err != nil {
			return nil, err
		}
		client = c
	}
	return assist.New(llm.New(client, llm.Options{Cache: st, Budget: st, DailyTokens: cfg.OpenAIDailyTokens,
		ContextTokens: cfg.OpenAIContextTokens, Logger: log.With("component", "llm"), Observer: obs})), nil
}
