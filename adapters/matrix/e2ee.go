package matrix

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Causes of messages the bot could not decrypt, the keys of Undecryptable.
const (
	UndecryptableUnverified = "withheld_unverified" // the sender's client does not trust the bot's device
	UndecryptableWithheld   = "withheld"            // withheld for another reason
	UndecryptableNoSession  = "no_session"          // the room key never arrived
	UndecryptableOther      = "other"
)

// Undecryptable returns how many recent encrypted messages this Adapter
// could not decrypt, by cause (UndecryptableUnverified, ...). Each may have
// been a command nobody answered.
func (a *Adapter) Undecryptable() map[string]int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.undecrypted)
}

// CrossSigned reports whether the bot's device was cross-signed by its own
// master key when the bot started, so that clients which exclude devices not
// verified by their owner (Element's default) talk to it.
func (a *Adapter) CrossSigned() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.crossSigned
}

// undecryptable handles a message mautrix could not decrypt: it asks the
// sender's devices for the key, logs the cause in words for the operator
// and counts it. Old messages (history, or older than MaxAge) are only
// logged at debug level: they would not be answered anyway.
func (a *Adapter) undecryptable(ctx context.Context, evt *event.Event, err error) {
	log := a.log.With("room_id", evt.RoomID.String(), "event_id", evt.ID.String(), "user_id", evt.Sender.String())
	if evt.Sender == a.cli.UserID || a.now().Sub(eventTime(evt)) > a.maxAge || a.beforeJoin(evt.RoomID, eventTime(evt)) {
		log.Debug("could not decrypt an old message", "err", err)
		return
	}
	cause, why := decryptFailure(err, a.CrossSigned())
	a.mu.Lock()
	a.undecrypted[cause]++
	a.mu.Unlock()
	if cause != UndecryptableNoSession { // mautrix already asked while it waited for the key
		content := evt.Content.AsEncrypted()
		a.crypto.RequestSession(ctx, evt.RoomID, content.SenderKey, content.SessionID, evt.Sender, content.DeviceID)
	}
	log.Warn("could not decrypt a message, so a command in it goes unanswered: "+why, "cause", cause, "err", err)
}

// decryptFailure names the cause of a decryption error and says what to do.
func decryptFailure(err error, crossSigned bool) (cause, why string) {
	var withheld *event.RoomKeyWithheldEventContent
	switch {
	case errors.As(err, &withheld) && withheld.Code == event.RoomKeyWithheldUnverified:
		if crossSigned {
			return UndecryptableUnverified, "the sender's client does not trust the bot's device (m.unverified) although it is cross-signed: " +
				"the client may not have seen the signature yet, or the bot's identity changed and the sender has to accept that in their client; " +
				"ask them to send the command again"
		}
		return UndecryptableUnverified, "the sender's client shares keys only with devices verified by their owner (m.unverified; Element's default) " +
			"and the bot's device is not cross-signed: see the start-up log for why, and set MATRIX_PASSWORD or MATRIX_RECOVERY_KEY so the bot can sign it"
	case errors.As(err, &withheld):
		switch withheld.Code {
		case event.RoomKeyWithheldBlacklisted:
			return UndecryptableWithheld, "the sender has blocked the bot's device (m.blacklisted); they can unblock it in their client"
		case event.RoomKeyWithheldNoOlmSession:
			return UndecryptableWithheld, "the sender's client could not open an encrypted channel to the bot's device (m.no_olm); " +
				"this usually mends itself, ask them to send the command again"
		}
		return UndecryptableWithheld, fmt.Sprintf("the sender's client refused to share the room key (%s)", withheld.Code)
	case errors.Is(err, crypto.ErrNoSessionFound):
		return UndecryptableNoSession, "the room key never arrived, even after the bot asked the sender's devices for it: " +
			"the sender's client may not know the bot's current device yet (a new device after a lost crypto store or a new login), " +
			"or sent the key to an old device of the bot's; ask them to send the command again"
	}
	return UndecryptableOther, "the message is damaged or encrypted in a way the bot cannot read"
}

// errRoomStateUnknown: the room's state could not be read from the
// homeserver, so the bot cannot tell whether it is encrypted.
var errRoomStateUnknown = errors.New("cannot tell whether the room is encrypted")

// syncRoomState reads the room's state from the homeserver once per run into
// the state store. The state store lives in the crypto store: when that was
// lost, it knows neither the room's encryption nor its members, and the sync
// position kept in the State brings only what changed since.
func (a *Adapter) syncRoomState(ctx context.Context, room id.RoomID) error {
	a.mu.Lock()
	done := a.stateRead[room]
	a.mu.Unlock()
	if done {
		return nil
	}
	if err := a.outlast(ctx, a.log.With("room_id", room.String()), "read room state", func() error {
		_, err := a.cli.State(ctx, room)
		return err
	}); err != nil {
		return fmt.Errorf("read the room's state from the homeserver: %w", err)
	}
	a.mu.Lock()
	a.stateRead[room] = true
	a.mu.Unlock()
	return nil
}

// roomEncrypted reports whether room is encrypted, from its state on the
// homeserver (read once per run, then kept up to date by the sync). When it
// cannot tell, it returns errRoomStateUnknown: the caller sends nothing.
func (a *Adapter) roomEncrypted(ctx context.Context, room id.RoomID) (bool, error) {
	stateErr := a.syncRoomState(ctx, room)
	encrypted, err := a.cli.StateStore.IsEncrypted(ctx, room)
	switch {
	case err == nil && encrypted:
		return true, nil // encrypting is always safe
	case stateErr != nil:
		return false, fmt.Errorf("%w: %w", errRoomStateUnknown, stateErr)
	case err != nil:
		return false, fmt.Errorf("%w: %w", errRoomStateUnknown, err)
	}
	return false, nil
}
