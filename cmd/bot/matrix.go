package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

// startMatrix returns the Matrix adapter, configured and checked; its Run
// logs in and syncs until ctx is done, serving every event through rt (which
// the caller runs, once for all adapters; BOT_ADMINS is rt's). The store
// keeps the sync position, the handled events, which reply showed which
// talk, the direct chats and the bot's cross-signing keys (pickled with
// MATRIX_PICKLE_KEY); the end-to-end encryption keys of its device live
// apart in MATRIX_CRYPTO_DB. The adapter adds adapter=matrix to log itself.
func startMatrix(ctx context.Context, cfg Config, log *slog.Logger, rt *dispatch.Runtime, st *store.Store, obs matrix.Observer) (*matrix.Adapter, error) {
	if cfg.MatrixPickleKey == "" {
		return nil, errors.New("MATRIX_PICKLE_KEY must be set for Matrix (a long random string; it encrypts the end-to-end encryption keys in MATRIX_CRYPTO_DB)")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return matrix.New(matrix.Config{
		Homeserver:              cfg.MatrixHomeserver,
		UserID:                  cfg.MatrixUser,
		Password:                cfg.MatrixPassword,
		AccessToken:             cfg.MatrixAccessToken,
		PickleKey:               cfg.MatrixPickleKey,
		CryptoDB:                cfg.MatrixCryptoDB,
		RecoveryKey:             cfg.MatrixRecoveryKey,
		RecoveryKeyFile:         cfg.MatrixRecoveryKeyFile,
		ResetCrossSigning:       cfg.MatrixResetCrossSigning,
		AllowedInviters:         cfg.MatrixInviters,
		RoomModeratorsAreAdmins: roomModeratorsAreAdmins(cfg),
		Runtime:                 rt,
		State:                   st,
		// Chat users share the bot: each may send 30 commands at once, then one every half second.
		Limiter:  dispatch.NewLimiter(30, 500*time.Millisecond),
		Logger:   log,
		Observer: obs,
	})
}

// roomModeratorsAreAdmins: with no Matrix user named in BOT_ADMINS (it may
// hold Slack ids only), a room's moderators are the admins (README).
func roomModeratorsAreAdmins(cfg Config) bool { return !slices.ContainsFunc(cfg.Admins, isMatrixUser) }

// isMatrixUser reports whether an id is a Matrix user's: @localpart:server.
func isMatrixUser(id string) bool { return strings.HasPrefix(id, "@") && strings.Contains(id, ":") }
