package matrix

import (
	"context"
	"errors"
	"fmt"

	_ "go.mau.fi/util/dbutil/litestream" // registers the sqlite3-fk-wal driver the crypto store opens
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// login makes the client usable. With an access token it asks the server who
// the token belongs to; with a password the login itself happens in
// setupCrypto, which reuses the device id the crypto store remembers.
func (a *Adapter) login(ctx context.Context) error {
	if a.cfg.AccessToken == "" {
		return nil
	}
	who, err := a.cli.Whoami(ctx)
	if err != nil {
		return fmt.Errorf("matrix: check access token: %w", err)
	}
	if a.cfg.UserID != "" && who.UserID != id.UserID(a.cfg.UserID) {
		return fmt.Errorf("matrix: the access token belongs to %s, not MATRIX_USER %s", who.UserID, a.cfg.UserID)
	}
	if who.DeviceID == "" {
		return errors.New("matrix: the access token has no device; log in with a password or create a device token")
	}
	a.cli.UserID, a.cli.DeviceID = who.UserID, who.DeviceID
	return nil
}

// setupCrypto opens the end-to-end encryption store (its own SQLite file,
// encrypted with the pickle key), logs in with a password when configured,
// and hooks decryption into the syncer.
func (a *Adapter) setupCrypto(ctx context.Context) error {
	helper, err := cryptohelper.NewCryptoHelper(a.cli, []byte(a.cfg.PickleKey), a.cfg.CryptoDB)
	if err != nil {
		return fmt.Errorf("matrix: crypto store %s: %w", a.cfg.CryptoDB, err)
	}
	if a.cfg.AccessToken == "" {
		helper.LoginAs = &mautrix.ReqLogin{
			Type:                     mautrix.AuthTypePassword,
			Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: a.cfg.UserID},
			Password:                 a.cfg.Password,
			InitialDeviceDisplayName: a.cfg.DeviceName,
		}
	}
	helper.DecryptErrorCallback = func(evt *event.Event, err error) {
		a.log.Warn("could not decrypt a message", "room_id", evt.RoomID.String(), "event_id", evt.ID.String(), "user_id", evt.Sender.String(), "err", err)
	}
	if err := helper.Init(ctx); err != nil {
		_ = helper.Close()
		if a.cli.AccessToken == "" {
			if errors.Is(err, mautrix.MForbidden) {
				return fmt.Errorf("matrix: log in as %s: the homeserver refused the user or password: %w", a.cfg.UserID, err)
			}
			return fmt.Errorf("matrix: log in as %s: %w", a.cfg.UserID, err)
		}
		return fmt.Errorf("matrix: set up end-to-end encryption (store %s): %w", a.cfg.CryptoDB, err)
	}
	a.crypto = helper
	a.cli.Crypto = helper
	if err := a.cfg.State.SetState(ctx, "matrix.device_id:"+a.cli.UserID.String(), a.cli.DeviceID.String()); err != nil {
		a.log.Warn("save device id", "err", err)
	}
	return nil
}
