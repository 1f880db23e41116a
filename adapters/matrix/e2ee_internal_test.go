package matrix

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/event"
)

func TestDecryptFailure(t *testing.T) {
	withheld := func(code event.RoomKeyWithheldCode) error {
		return fmt.Errorf("failed to get group session: %w", &event.RoomKeyWithheldEventContent{Code: code})
	}
	for _, tc := range []struct {
		name        string
		err         error
		crossSigned bool
		cause, want string
	}{
		{"unverified, not signed", withheld(event.RoomKeyWithheldUnverified), false, UndecryptableUnverified, "MATRIX_PASSWORD or MATRIX_RECOVERY_KEY"},
		{"unverified, signed", withheld(event.RoomKeyWithheldUnverified), true, UndecryptableUnverified, "identity changed"},
		{"blocked", withheld(event.RoomKeyWithheldBlacklisted), false, UndecryptableWithheld, "blocked the bot's device"},
		{"no olm", withheld(event.RoomKeyWithheldNoOlmSession), false, UndecryptableWithheld, "m.no_olm"},
		{"unavailable", withheld(event.RoomKeyWithheldUnavailable), false, UndecryptableWithheld, "m.unavailable"},
		{"no session", fmt.Errorf("%w (ID abc)", crypto.ErrNoSessionFound), false, UndecryptableNoSession, "asked the sender's devices"},
		{"damaged", crypto.ErrCorruptedMegolmPayload, false, UndecryptableOther, "damaged"},
	} {
		cause, why := decryptFailure(tc.err, tc.crossSigned)
		if cause != tc.cause || !strings.Contains(why, tc.want) {
			t.Errorf("%s: decryptFailure = %q, %q; want %q and %q in the text", tc.name, cause, why, tc.cause, tc.want)
		}
	}
}

func TestFreshDeviceReason(t *testing.T) {
	for _, tc := range []struct {
		err   error
		token bool
		want  string
	}{
		{nil, false, ""},
		{errors.New("set up: olm account is marked as shared, keys seem to have disappeared from the server"), false, "no longer has the encryption keys"},
		{errors.New(`mismatching device ID in client and crypto store ("A" != "B")`), true, "MATRIX_ACCESS_TOKEN belongs to another device"},
		{errors.New(`mismatching device ID in client and crypto store ("A" != "B")`), false, ""},
		{errors.New("connection refused"), true, ""},
	} {
		if got := freshDeviceReason(tc.err, tc.token); tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("freshDeviceReason(%v, %v) = %q, want %q", tc.err, tc.token, got, tc.want)
		}
	}
}

// TestCrossSigningKeysPickled: the copy in the State is pickled with the
// pickle key, reads back as the same keys, and not with another key.
func TestCrossSigningKeysPickled(t *testing.T) {
	ctx := context.Background()
	st := newMemState()
	a := &Adapter{cfg: Config{PickleKey: "the pickle key", State: st}, cli: &mautrix.Client{UserID: "@talkbot:example.org"}, log: slog.New(slog.DiscardHandler)}
	if got, err := a.savedCrossSigningKeys(ctx); got != nil || err != nil {
		t.Fatalf("before saving: %v, %v; want nothing", got, err)
	}
	nop := zerolog.Nop()
	mach := &crypto.OlmMachine{Log: &nop}
	keys, err := mach.GenerateCrossSigningKeys()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.saveCrossSigningKeys(ctx, keys); err != nil {
		t.Fatal(err)
	}
	raw, _ := st.State(ctx, crossSigningStateKey(a.cli.UserID))
	seed := keys.Seeds()
	for _, secret := range []string{base64.RawURLEncoding.EncodeToString(seed.MasterKey), base64.RawStdEncoding.EncodeToString(seed.MasterKey), "m.cross_signing.master"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the stored copy shows %q in the clear: %s", secret, raw)
		}
	}
	got, err := a.savedCrossSigningKeys(ctx)
	if err != nil || got == nil || *got.PublicKeys() != *keys.PublicKeys() {
		t.Errorf("read back %v, %v; want the saved keys", got, err)
	}
	a.cfg.PickleKey = "another key"
	if _, err := a.savedCrossSigningKeys(ctx); err == nil {
		t.Errorf("the copy opened with another pickle key")
	}
}

func TestSetAside(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "talkbot-crypto.db")
	for _, f := range []string{db, db + "-wal"} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	aside, err := setAside(db, time.Date(2026, 5, 1, 9, 30, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if want := db + ".old-20260501T093000Z"; aside != want {
		t.Errorf("set aside as %s, want %s", aside, want)
	}
	for _, f := range []string{aside, aside + "-wal"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the store is still in place: %v", err)
	}
}
