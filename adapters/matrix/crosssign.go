package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/crypto/goolm/libolmpickle"
	"maunium.net/go/mautrix/crypto/signatures"
	"maunium.net/go/mautrix/crypto/ssss"
	"maunium.net/go/mautrix/crypto/utils"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
)

// The bot cross-signs its own device, as Element does for a new login, so
// that clients which only talk to devices verified by their owner (Element's
// default since 2026) share room keys with it and show its replies as
// trusted. The private cross-signing keys are kept in two places: in the
// State (talkbot's database), pickled with the pickle key, so that a lost
// crypto store or a new login is signed again without anyone's help; and in
// the account's secret storage on the homeserver, behind a recovery key the
// operator keeps (MATRIX_RECOVERY_KEY), for when the database is gone too or
// the keys were made by another client such as Element.

// ValidRecoveryKey reports whether s is a Matrix recovery key (48 base58
// characters, usually in groups of four).
func ValidRecoveryKey(s string) bool { return utils.DecodeBase58RecoveryKey(s) != nil }

func crossSigningStateKey(user id.UserID) string { return "matrix.cross_signing:" + user.String() }

// ownKeys is what the homeserver publishes about the bot's cross-signing.
type ownKeys struct {
	master      id.Ed25519 // "" when the account has no cross-signing keys
	selfSigning id.Ed25519
	// deviceSigned: this device is signed by the self-signing key, itself
	// signed by the master key; what other users' clients check.
	deviceSigned bool
}

// queryOwnKeys asks the homeserver for the bot's cross-signing keys and
// checks the signatures on them as another user's client would.
func (a *Adapter) queryOwnKeys(ctx context.Context) (ownKeys, error) {
	me, dev := a.cli.UserID, a.cli.DeviceID
	resp, err := a.cli.QueryKeys(ctx, &mautrix.ReqQueryKeys{DeviceKeys: mautrix.DeviceKeysRequest{me: {dev}}})
	if err != nil {
		return ownKeys{}, fmt.Errorf("query the bot's own keys: %w", err)
	}
	var k ownKeys
	master, ok := resp.MasterKeys[me]
	if !ok {
		return k, nil
	}
	k.master = master.FirstKey()
	ssk, ok := resp.SelfSigningKeys[me]
	if !ok {
		return k, nil
	}
	k.selfSigning = ssk.FirstKey()
	sskSigned, _ := signatures.VerifySignatureJSON(ssk, me, k.master.String(), k.master)
	device, ok := resp.DeviceKeys[me][dev]
	if !sskSigned || !ok {
		return k, nil
	}
	k.deviceSigned, _ = signatures.VerifySignatureJSON(device, me, k.selfSigning.String(), k.selfSigning)
	return k, nil
}

// errCannotCrossSign is a reason the bot cannot cross-sign its device, with
// what the operator should do; it is logged as it is.
type errCannotCrossSign struct{ msg string }

func (e *errCannotCrossSign) Error() string { return e.msg }

// crossSign makes sure the bot's device is cross-signed, signing it when it is
// not. It reports whether the device is cross-signed at the end; an error
// says why not in words for the operator. It never stops the bot: users whose
// clients share keys with unverified devices are still answered.
func (a *Adapter) crossSign(ctx context.Context) (bool, error) {
	server, err := a.queryOwnKeys(ctx)
	if err != nil {
		return false, err
	}
	if server.deviceSigned {
		a.keepCopyOfCrossSigningKeys(ctx, server.master)
		return true, nil
	}
	mach := a.crypto.Machine()
	made, err := a.loadCrossSigningKeys(ctx, mach, server.master)
	if err != nil {
		return false, err
	}
	if err := mach.SignOwnDevice(ctx, mach.OwnIdentity()); err != nil {
		return false, fmt.Errorf("sign the bot's device with its self-signing key: %w", err)
	}
	if err := mach.SignOwnMasterKey(ctx); err != nil {
		a.log.Warn("sign the master key with the bot's device", "err", err) // other devices of the bot's would not trust the identity; users still do
	}
	after, err := a.queryOwnKeys(ctx)
	if err != nil {
		return false, err
	}
	if !after.deviceSigned {
		return false, errors.New("the homeserver took the device signature but does not publish it; other clients will see the device as not verified")
	}
	if made {
		a.log.Info("made cross-signing keys for the bot and signed its device", "device_id", a.cli.DeviceID.String())
	} else {
		a.log.Info("signed the bot's device with its cross-signing keys", "device_id", a.cli.DeviceID.String())
	}
	return true, nil
}

// keepCopyOfCrossSigningKeys makes sure a device that is already signed (by
// an earlier run, or by hand from another client) can be followed by a new
// one: the database must hold the keys, or they must be reachable with the
// recovery key.
func (a *Adapter) keepCopyOfCrossSigningKeys(ctx context.Context, serverMaster id.Ed25519) {
	saved, err := a.savedCrossSigningKeys(ctx)
	if err == nil && saved != nil && saved.MasterKey.PublicKey() == serverMaster {
		return
	}
	if a.cfg.RecoveryKey == "" {
		a.log.Warn("the bot's device is cross-signed, but the bot has no copy of the cross-signing keys: " +
			"should it lose its crypto store it cannot sign its new device; set MATRIX_RECOVERY_KEY to the account's recovery key")
		return
	}
	mach := a.crypto.Machine()
	if err := a.fetchCrossSigningKeys(ctx, mach, serverMaster); err != nil {
		a.log.Warn("could not read the cross-signing keys with MATRIX_RECOVERY_KEY", "err", err)
		return
	}
	if err := a.saveCrossSigningKeys(ctx, mach.CrossSigningKeys); err != nil {
		a.log.Warn("keep the cross-signing keys in the database", "err", err)
	}
}

// loadCrossSigningKeys puts the bot's private cross-signing keys into mach:
// the copy in the State, else those in secret storage opened with the
// recovery key, else, when the account has none (or they are out of reach and
// a reset is allowed), new ones it publishes. made reports new keys.
func (a *Adapter) loadCrossSigningKeys(ctx context.Context, mach *crypto.OlmMachine, serverMaster id.Ed25519) (made bool, err error) {
	saved, err := a.savedCrossSigningKeys(ctx)
	switch {
	case err != nil:
		a.log.Warn("the cross-signing keys kept in the database cannot be read (was MATRIX_PICKLE_KEY changed?)", "err", err)
	case saved != nil && serverMaster == "":
		// Never published (a crash right after they were made), or lost by
		// the homeserver: publish the same identity again.
		if err := a.publishCrossSigningKeys(ctx, mach, saved); err != nil {
			return false, err
		}
		a.storeInSecretStorage(ctx, mach, saved)
		return false, nil
	case saved != nil && saved.MasterKey.PublicKey() == serverMaster:
		return false, mach.ImportCrossSigningKeys(saved.Seeds())
	case saved != nil:
		a.log.Warn("the cross-signing keys kept in the database are not the account's current ones (another client replaced them, or they were never published)")
	}
	if serverMaster != "" {
		var cannot error = &errCannotCrossSign{"the bot's account already has cross-signing keys (made by another client, such as Element, " +
			"or by an earlier run whose database is gone) and the bot has no copy of them: set MATRIX_RECOVERY_KEY to the account's recovery key, " +
			"or set MATRIX_RESET_CROSS_SIGNING=true to make new ones (people who verified the bot will be told its identity changed)"}
		if a.cfg.RecoveryKey != "" {
			if cannot = a.fetchCrossSigningKeys(ctx, mach, serverMaster); cannot == nil {
				if err := a.saveCrossSigningKeys(ctx, mach.CrossSigningKeys); err != nil {
					a.log.Warn("keep the cross-signing keys in the database", "err", err)
				}
				return false, nil
			}
		}
		if !a.cfg.ResetCrossSigning {
			return false, cannot
		}
		a.log.Warn("replacing the account's cross-signing keys (MATRIX_RESET_CROSS_SIGNING is set); people who verified the bot will be told its identity changed", "because", cannot.Error())
	}
	keys, err := mach.GenerateCrossSigningKeys()
	if err != nil {
		return false, err
	}
	// Kept before they are published: a crash in between leaves keys the
	// next start publishes, never published keys nobody has.
	if err := a.saveCrossSigningKeys(ctx, keys); err != nil {
		return false, fmt.Errorf("keep the new cross-signing keys in the database: %w", err)
	}
	if err := a.publishCrossSigningKeys(ctx, mach, keys); err != nil {
		return false, err
	}
	a.storeInSecretStorage(ctx, mach, keys)
	return true, nil
}

// savedCrossSigningKeys returns the keys kept in the State; nil when none.
func (a *Adapter) savedCrossSigningKeys(ctx context.Context) (*crypto.CrossSigningKeysCache, error) {
	v, err := a.cfg.State.State(ctx, crossSigningStateKey(a.cli.UserID))
	if errors.Is(err, talkbot.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	plain, err := libolmpickle.Unpickle([]byte(a.cfg.PickleKey), []byte(v))
	if err != nil {
		return nil, err
	}
	var seeds crypto.CrossSigningSeeds
	if err := json.Unmarshal(plain, &seeds); err != nil {
		return nil, err
	}
	keys, err := seeds.Decode()
	if err != nil {
		return nil, err
	}
	return &keys, nil
}

// saveCrossSigningKeys keeps the private keys in the State, pickled with the
// pickle key as the crypto store pickles its own keys.
func (a *Adapter) saveCrossSigningKeys(ctx context.Context, keys *crypto.CrossSigningKeysCache) error {
	plain, err := json.Marshal(keys.Seeds())
	if err != nil {
		return err
	}
	pickled, err := libolmpickle.Pickle([]byte(a.cfg.PickleKey), plain)
	if err != nil {
		return err
	}
	return a.cfg.State.SetState(ctx, crossSigningStateKey(a.cli.UserID), string(pickled))
}

// fetchCrossSigningKeys reads the private keys from secret storage with the
// recovery key and checks they are the account's current ones.
func (a *Adapter) fetchCrossSigningKeys(ctx context.Context, mach *crypto.OlmMachine, serverMaster id.Ed25519) error {
	keyID, keyData, err := mach.SSSS.GetDefaultKeyData(ctx)
	if err != nil {
		return &errCannotCrossSign{fmt.Sprintf("MATRIX_RECOVERY_KEY is set but the account has no secret storage to open with it (%v): "+
			"set MATRIX_RESET_CROSS_SIGNING=true once to make new cross-signing keys", err)}
	}
	key, err := keyData.VerifyRecoveryKey(keyID, a.cfg.RecoveryKey)
	if err != nil && !errors.Is(err, ssss.ErrUnverifiableKey) {
		return &errCannotCrossSign{fmt.Sprintf("MATRIX_RECOVERY_KEY does not open the account's secret storage (%v): "+
			"check it is the recovery key of %s's current setup", err, a.cli.UserID)}
	}
	if err := mach.FetchCrossSigningKeysFromSSSS(ctx, key); err != nil {
		return &errCannotCrossSign{fmt.Sprintf("read the cross-signing keys from secret storage with MATRIX_RECOVERY_KEY: %v", err)}
	}
	if got := mach.CrossSigningKeys.MasterKey.PublicKey(); got != serverMaster {
		return &errCannotCrossSign{"the cross-signing keys in secret storage are not the account's current ones; " +
			"set up recovery again in a client signed in as the bot, or set MATRIX_RESET_CROSS_SIGNING=true once"}
	}
	return nil
}

// publishCrossSigningKeys uploads the public keys. The homeserver may ask for
// the bot's password (user-interactive auth), always when keys are replaced.
func (a *Adapter) publishCrossSigningKeys(ctx context.Context, mach *crypto.OlmMachine, keys *crypto.CrossSigningKeysCache) error {
	var flows []mautrix.UIAFlow
	err := mach.PublishCrossSigningKeys(ctx, keys, func(resp *mautrix.RespUserInteractive) any {
		flows = resp.Flows
		if a.cfg.Password == "" || !resp.HasSingleStageFlow(mautrix.AuthTypePassword) {
			return nil
		}
		return &passwordAuth{
			BaseAuthData: mautrix.BaseAuthData{Type: mautrix.AuthTypePassword, Session: resp.Session},
			Identifier:   mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: a.cli.UserID.String()},
			User:         a.cli.UserID.String(),
			Password:     a.cfg.Password,
		}
	})
	var he mautrix.HTTPError
	if err == nil || !errors.As(err, &he) || !he.IsStatus(http.StatusUnauthorized) {
		if err != nil {
			return fmt.Errorf("upload cross-signing keys: %w", err)
		}
		return nil
	}
	switch {
	case a.cfg.Password == "":
		return &errCannotCrossSign{"the homeserver asks for the bot's password to upload its cross-signing keys, and only MATRIX_ACCESS_TOKEN is set: " +
			"set MATRIX_PASSWORD (the bot then logs in with it), or set MATRIX_RECOVERY_KEY if the account's cross-signing was set up in another client"}
	case flows != nil && !(mautrix.RespUserInteractive{Flows: flows}).HasSingleStageFlow(mautrix.AuthTypePassword):
		return &errCannotCrossSign{fmt.Sprintf("the homeserver asks for an authentication the bot cannot do to upload its cross-signing keys (flows %v): "+
			"approve it in the account's settings on the homeserver (for example \"reset cross-signing\"), then restart the bot", flows)}
	default:
		return &errCannotCrossSign{"the homeserver refused MATRIX_PASSWORD when the bot uploaded its cross-signing keys: check the password"}
	}
}

// passwordAuth is the m.login.password stage of user-interactive auth, with
// both the current identifier and the older user field.
type passwordAuth struct {
	mautrix.BaseAuthData
	Identifier mautrix.UserIdentifier `json:"identifier"`
	User       string                 `json:"user"`
	Password   string                 `json:"password"`
}

// storeInSecretStorage puts new private keys in the account's secret
// storage, behind MATRIX_RECOVERY_KEY when set, else behind a new recovery
// key written to RecoveryKeyFile for the operator (never to the log).
func (a *Adapter) storeInSecretStorage(ctx context.Context, mach *crypto.OlmMachine, keys *crypto.CrossSigningKeysCache) {
	var key *ssss.Key
	var err error
	if a.cfg.RecoveryKey != "" {
		key, err = ssss.WrapKey(utils.DecodeBase58RecoveryKey(a.cfg.RecoveryKey), nil)
	} else {
		key, err = ssss.NewKey("")
	}
	if err == nil {
		err = mach.SSSS.SetKeyData(ctx, key.ID, key.Metadata)
	}
	if err == nil {
		err = mach.UploadCrossSigningKeysToSSSS(ctx, key, keys)
	}
	if err == nil {
		err = mach.SSSS.SetDefaultKeyID(ctx, key.ID)
	}
	if err != nil {
		a.log.Warn("could not put the cross-signing keys in the account's secret storage; they are kept in the database only", "err", err)
		return
	}
	if a.cfg.RecoveryKey != "" {
		a.log.Info("the cross-signing keys are in the account's secret storage, behind MATRIX_RECOVERY_KEY")
		return
	}
	if err := writeSecretFile(a.cfg.RecoveryKeyFile, recoveryKeyNote(a.cli.UserID, key.RecoveryKey())); err != nil {
		a.log.Warn("could not write the recovery key file; the cross-signing keys are kept in the database only", "file", a.cfg.RecoveryKeyFile, "err", err)
		return
	}
	a.log.Warn("a recovery key for the bot's cross-signing keys was written to a file: keep it somewhere safe "+
		"(for example as MATRIX_RECOVERY_KEY), then delete the file", "file", a.cfg.RecoveryKeyFile)
}

func recoveryKeyNote(user id.UserID, key string) string {
	return "# Recovery key of " + user.String() + "'s cross-signing keys (talkbot).\n" +
		"# Keep it somewhere safe, for example as MATRIX_RECOVERY_KEY, then delete this file.\n" +
		"# With it a bot that lost its database still signs its new device; Element accepts it too.\n" +
		key + "\n"
}

// writeSecretFile writes data readable by the owner only.
func writeSecretFile(path, data string) error {
	if strings.TrimSpace(path) == "" {
		return errors.New("no file configured")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil { // an older file may have been readable by others
		f.Close()
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
