package matrix

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"

	"github.com/rs/zerolog"
)

// zerologFor sends mautrix's zerolog output to log: warnings and errors, and
// everything when log is at debug level.
func zerologFor(log *slog.Logger) zerolog.Logger {
	level := zerolog.WarnLevel
	if log.Enabled(context.Background(), slog.LevelDebug) {
		level = zerolog.DebugLevel
	}
	return zerolog.New(slogWriter{log: log.With("component", "mautrix")}).Level(level)
}

// slogWriter turns zerolog's JSON lines into slog records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		w.log.Info(strings.TrimSpace(string(p)))
		return len(p), nil
	}
	level := slog.LevelInfo
	switch m["level"] {
	case "trace", "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error", "fatal", "panic":
		level = slog.LevelError
	}
	msg, _ := m["message"].(string)
	delete(m, "level")
	delete(m, "message")
	delete(m, "time")
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k, m[k])
	}
	w.log.Log(context.Background(), level, msg, args...)
	return len(p), nil
}
