package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/talkbot/talkbot/adapters/matrix"
	"github.com/talkbot/talkbot/store"
)

// startMatrix runs the Matrix adapter until ctx is done. The store keeps the
// sync position, the handled events, which reply showed which talk and the
// bot's cross-signing keys (pickled with MATRIX_PICKLE_KEY); the end-to-end
// encryption keys of its device live apart in MATRIX_CRYPTO_DB.
func startMatrix(ctx context.Context, cfg Config, log *slog.Logger, h matrix.Handler, st *store.Store) error {
	if cfg.MatrixPickleKey == "" {
		return errors.New("MATRIX_PICKLE_KEY must be set for Matrix (a long random string; it encrypts the end-to-end encryption keys in MATRIX_CRYPTO_DB)")
	}
	a, err := matrix.New(matrix.Config{
		Homeserver:        cfg.MatrixHomeserver,
		UserID:            cfg.MatrixUser,
		Password:          cfg.MatrixPassword,
		AccessToken:       cfg.MatrixAccessToken,
		PickleKey:         cfg.MatrixPickleKey,
		CryptoDB:          cfg.MatrixCryptoDB,
		RecoveryKey:       cfg.MatrixRecoveryKey,
		RecoveryKeyFile:   cfg.MatrixRecoveryKeyFile,
		ResetCrossSigning: cfg.MatrixResetCrossSigning,
		AllowedInviters:   cfg.MatrixInviters,
		Admins:            cfg.Admins,
		Handler:           h,
		State:             st,
		Logger:            log,
	})
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
