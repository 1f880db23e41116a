package matrix

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

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
// and hooks decryption into the syncer. When the store cannot serve this
// device any more (the homeserver forgot the device's keys, or the access
// token is for another device) it is set aside and the bot starts a fresh
// device; the talk data in the State is untouched.
func (a *Adapter) setupCrypto(ctx context.Context) error {
	err := a.initCrypto(ctx)
	why := freshDeviceReason(err, a.cfg.AccessToken != "")
	if why == "" {
		return err
	}
	aside, moveErr := setAside(a.cfg.CryptoDB, a.now())
	if moveErr != nil {
		return fmt.Errorf("matrix: %s; moving the crypto store %s aside to start a fresh device failed: %w", why, a.cfg.CryptoDB, moveErr)
	}
	a.log.Warn(why+"; starting a fresh device. The talk data is kept; messages encrypted for the old device cannot be read, "+
		"and people may see a new device of the bot's", "old_device_id", a.cli.DeviceID.String(), "old_crypto_store", aside)
	a.cli.StateStore = nil // the old helper's, on the store just moved
	if a.cfg.AccessToken == "" {
		// The login re-created the old device without keys: sign it out, so
		// that no keyless device of the bot's lingers in people's lists.
		if _, err := a.cli.Logout(ctx); err != nil {
			a.log.Warn("sign out the old device", "device_id", a.cli.DeviceID.String(), "err", err)
		}
		a.cli.DeviceID, a.cli.AccessToken = "", ""
	}
	return a.initCrypto(ctx)
}

// freshDeviceReason says in plain words why err means the crypto store
// cannot be used for this device any more; "" when it does not.
func freshDeviceReason(err error, token bool) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "keys seem to have disappeared from the server"):
		// mautrix: "olm account is marked as shared, keys seem to have disappeared from the server"
		return "the homeserver no longer has the encryption keys of the bot's device (the device was signed out, for example " +
			"from another client's session list, or the server's data was reset)"
	case strings.Contains(msg, "mismatching device ID in client and crypto store") && token:
		return "MATRIX_ACCESS_TOKEN belongs to another device than the one in MATRIX_CRYPTO_DB (a new token was made)"
	}
	return ""
}

// setAside renames the crypto store (and its SQLite journal files) out of
// the way, keeping it for inspection, and returns the new name.
func setAside(path string, now time.Time) (string, error) {
	aside := path + ".old-" + now.UTC().Format("20060102T150405Z")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(path+suffix, aside+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return aside, nil
}

func (a *Adapter) initCrypto(ctx context.Context) error {
	// The store holds the bot's keys and its rooms' members: its owner's
	// alone, whatever the umask, as BOT_DB is (SQLite gives the -wal and
	// -shm files the store's mode).
	if f, err := os.OpenFile(a.cfg.CryptoDB, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("matrix: create the crypto store %s: %w", a.cfg.CryptoDB, err)
	}
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
	helper.DecryptErrorCallback = func(evt *event.Event, err error) { a.undecryptable(ctx, evt, err) }
	if err := helper.Init(ctx); err != nil {
		_ = helper.Close()
		if a.cli.AccessToken == "" {
			if errors.Is(err, mautrix.MForbidden) {
				return fmt.Errorf("matrix: log in as %s: the homeserver refused MATRIX_USER or MATRIX_PASSWORD: %w", a.cfg.UserID, err)
			}
			return fmt.Errorf("matrix: log in as %s: %w", a.cfg.UserID, err)
		}
		if a.cfg.AccessToken != "" && strings.Contains(err.Error(), "not marked as shared, but there are keys on the server") {
			return fmt.Errorf("matrix: the crypto store %s is new but the homeserver already has keys for device %s: "+
				"the store of that device was lost, and with MATRIX_ACCESS_TOKEN the bot cannot start another device; "+
				"set MATRIX_PASSWORD instead, or make a new access token (a new device) for the bot: %w", a.cfg.CryptoDB, a.cli.DeviceID, err)
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
