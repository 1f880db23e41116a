package matrix_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/adapters/matrix"
)

// These tests play Element's current behaviour with mautrix as the client:
// a user whose client shares room keys only with devices cross-signed by
// their owner, and who looks at the trust of every message it decrypts.

// trusted fails the test unless evt was encrypted and sent by a device the
// receiving client sees as cross-signed by the bot's master key (no red
// shield in Element).
func trusted(t *testing.T, evt *event.Event) {
	t.Helper()
	if evt.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the reply %s was sent in plaintext", evt.ID)
	}
	if evt.Mautrix.TrustState < id.TrustStateCrossSignedTOFU {
		t.Errorf("the reply %s comes from a device the client does not trust (%s), want one cross-signed by the bot", evt.ID, evt.Mautrix.TrustState)
	}
}

// noPlaintext fails the test if the bot ever sent a message in plaintext in room.
func noPlaintext(t *testing.T, u *user, room id.RoomID, bot id.UserID) {
	t.Helper()
	for _, evt := range u.fromBot(room, bot) {
		if evt.Mautrix.EventSource&event.SourceDecrypted == 0 {
			t.Errorf("the bot sent %s in plaintext in an encrypted room: %q", evt.ID, evt.Content.AsMessage().Body)
		}
	}
}

// TestStrictClientGetsTrustedReplies: the bot cross-signs itself on first
// start, so a client that excludes unverified devices gets trusted,
// encrypted replies, before and after a restart; the recovery key goes to a
// private file, never to the log.
func TestStrictClientGetsTrustedReplies(t *testing.T) {
	e := newEnv(t)
	alice := e.newStrictUser("alice")
	b := e.startBot()
	b.waitLog(t, "matrix bot started")
	if !strings.Contains(b.logs.String(), "cross_signed=true") || !b.adapter.CrossSigned() {
		t.Fatalf("the bot did not cross-sign its device; log:\n%s", b.logs.String())
	}
	room := e.botInRoom(alice, true)
	dev := e.botDevice()

	cmd := alice.say(room, "!talk add Trusted Talk")
	reply := alice.reply(cmd)
	trusted(t, reply)
	if got := reply.Content.AsMessage().Body; !strings.HasPrefix(got, "Logged new talk #1 Trusted Talk") {
		t.Errorf("reply = %q", got)
	}

	keyFile := strings.TrimSuffix(e.cryptoDB, ".db") + "-recovery-key.txt"
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no recovery key file: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("recovery key file mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(keyFile)
	key := recoveryKeyIn(string(data))
	if !matrix.ValidRecoveryKey(key) {
		t.Errorf("no valid recovery key in the file:\n%s", data)
	}
	b.stop(t)

	b = e.startBot()
	b.waitLog(t, "matrix bot started")
	if e.botDevice() != dev {
		t.Errorf("the bot came back as device %s, want %s", e.botDevice(), dev)
	}
	if strings.Contains(b.logs.String(), "made cross-signing keys") {
		t.Errorf("the restarted bot made new cross-signing keys")
	}
	_, _ = alice.ask(room, "!talk rate 5")
	cmd = alice.say(room, "!talk list")
	reply = alice.reply(cmd)
	trusted(t, reply)
	noPlaintext(t, alice, room, e.botID)
	for _, bb := range e.bots {
		if key != "" && strings.Contains(bb.logs.String(), key) {
			t.Errorf("the recovery key was logged")
		}
	}
}

var recoveryKeyLine = regexp.MustCompile(`(?m)^[1-9A-HJ-NP-Za-km-z]{4}( [1-9A-HJ-NP-Za-km-z]{4}){11}$`)

func recoveryKeyIn(s string) string { return recoveryKeyLine.FindString(s) }

// TestLostCryptoStore: with the crypto store gone, or the device signed out
// on the homeserver, the bot comes back as a new device, signs it from the
// keys in its database, and answers encrypted and trusted, never in
// plaintext; the talk data stays.
func TestLostCryptoStore(t *testing.T) {
	e := newEnv(t)
	alice := e.newStrictUser("alice")
	b := e.startBot()
	room := e.botInRoom(alice, true)
	first := e.botDevice()
	trusted(t, alice.reply(alice.say(room, "!talk add Kept Talk")))
	b.stop(t)

	for _, f := range []string{e.cryptoDB, e.cryptoDB + "-wal", e.cryptoDB + "-shm"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	b = e.startBot()
	b.waitLog(t, "matrix bot started")
	second := e.botDevice()
	if second == first {
		t.Fatalf("the bot kept device %s without its crypto store", first)
	}
	alice.waitTrusts(e.botID, second)
	reply := alice.reply(alice.say(room, "!talk list"))
	trusted(t, reply)
	if got := reply.Content.AsMessage().Body; !strings.Contains(got, "Kept Talk") {
		t.Errorf("list after losing the crypto store = %q, want the talk kept", got)
	}
	b.stop(t)

	t.Run("device signed out", func(t *testing.T) {
		e.deleteBotDevice(t, second)
		b := e.startBot()
		b.waitLog(t, "matrix bot started")
		if !strings.Contains(b.logs.String(), "no longer has the encryption keys of the bot's device") {
			t.Errorf("the bot did not say its device's keys are gone; log:\n%s", b.logs.String())
		}
		third := e.botDevice()
		if third == second {
			t.Fatalf("the bot kept the signed-out device %s", second)
		}
		alice.waitTrusts(e.botID, third)
		trusted(t, alice.reply(alice.say(room, "!talk list")))
		if old, _ := filepath.Glob(e.cryptoDB + ".old-*"); len(old) != 1 {
			t.Errorf("old crypto stores set aside: %v, want one", old)
		}
		if slices.Contains(e.botDevices(t), second) {
			t.Errorf("the signed-out device %s is back in the bot's device list, without keys", second)
		}
	})
	noPlaintext(t, alice, room, e.botID)
}

// deleteBotDevice signs a device of the bot's out, as from Element's session list.
func (e *env) deleteBotDevice(t *testing.T, dev id.DeviceID) {
	t.Helper()
	ctx := context.Background()
	cli, helper := e.login(e.botID.Localpart(), e.botPW)
	defer helper.Close()
	url := cli.BuildClientURL("v3", "devices", dev)
	body, err := cli.MakeRequest(ctx, http.MethodDelete, url, struct{}{}, nil)
	var challenge mautrix.RespUserInteractive
	if err == nil || json.Unmarshal(body, &challenge) != nil || challenge.Session == "" {
		t.Fatalf("delete device without auth = %v, want a user-interactive auth challenge", err)
	}
	auth := map[string]any{"type": mautrix.AuthTypePassword, "session": challenge.Session, "password": e.botPW,
		"identifier": map[string]string{"type": string(mautrix.IdentifierTypeUser), "user": e.botID.String()}}
	if err := cli.DeleteDevice(ctx, dev, &mautrix.ReqDeleteDevice[any]{Auth: auth}); err != nil {
		t.Fatalf("delete the bot's device %s: %v", dev, err)
	}
	if _, err := cli.Logout(ctx); err != nil {
		t.Fatal(err)
	}
}

// botDevices lists the bot's devices on the homeserver.
func (e *env) botDevices(t *testing.T) []id.DeviceID {
	t.Helper()
	ctx := context.Background()
	cli, err := mautrix.NewClient(e.srv.URL, e.botID, e.accessToken())
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Logout(ctx)
	resp, err := cli.GetDevicesInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []id.DeviceID
	for _, d := range resp.Devices {
		out = append(out, d.DeviceID)
	}
	return out
}

// crossSignElsewhere sets up cross-signing for the bot's account in another
// client, as an operator who once signed in as the bot in Element would,
// and returns the recovery key it shows.
func (e *env) crossSignElsewhere() string {
	e.t.Helper()
	ctx := context.Background()
	cli, helper := e.login(e.botID.Localpart(), e.botPW)
	defer helper.Close()
	key, err := helper.Machine().GenerateAndVerifyWithRecoveryKey(ctx)
	if err != nil {
		e.t.Fatalf("set up cross-signing in another client: %v", err)
	}
	if _, err := cli.Logout(ctx); err != nil {
		e.t.Fatal(err)
	}
	return key
}

// TestUndecryptableCommand: when the bot cannot sign its device (the
// account's keys were made in Element and it has no recovery key), a strict
// client withholds the room key; the bot logs why and what to do, and
// counts it. Given MATRIX_RECOVERY_KEY it signs its device and is answered.
func TestUndecryptableCommand(t *testing.T) {
	e := newEnv(t)
	recoveryKey := e.crossSignElsewhere()
	alice := e.newStrictUser("alice")
	b := e.startBot()
	b.waitLog(t, "matrix bot started")
	for _, want := range []string{"cross_signed=false", "already has cross-signing keys", "MATRIX_RECOVERY_KEY"} {
		if !strings.Contains(b.logs.String(), want) {
			t.Errorf("start-up log lacks %q:\n%s", want, b.logs.String())
		}
	}
	room := e.botInRoom(alice, true)
	cmd := alice.say(room, "!talk add Unheard Talk")
	b.waitLog(t, "could not decrypt a message")
	line := logLine(b.logs.String(), "could not decrypt a message")
	for _, want := range []string{cmd.String(), "m.unverified", "not cross-signed", "MATRIX_PASSWORD or MATRIX_RECOVERY_KEY"} {
		if !strings.Contains(line, want) {
			t.Errorf("the log line lacks %q: %s", want, line)
		}
	}
	if got := b.adapter.Undecryptable()[matrix.UndecryptableUnverified]; got != 1 {
		t.Errorf("undecryptable (unverified) = %d, want 1; all: %v", got, b.adapter.Undecryptable())
	}
	b.stop(t)

	b = e.startBot(func(c *matrix.Config) { c.RecoveryKey = recoveryKey })
	b.waitLog(t, "matrix bot started")
	if !b.adapter.CrossSigned() {
		t.Fatalf("the bot did not sign its device with the recovery key; log:\n%s", b.logs.String())
	}
	alice.waitTrusts(e.botID, e.botDevice())
	// A new conversation: mautrix, unlike Element, never hands a running
	// session to a device that became trusted later.
	room2 := e.botInRoom(alice, true)
	trusted(t, alice.reply(alice.say(room2, "!talk add Heard Talk")))
	if n := len(alice.repliesTo(cmd)); n != 0 {
		t.Errorf("%d replies to the command the bot could not read, want none", n)
	}
}

func logLine(logs, s string) string {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// TestCrossSigningReset: replacing the account's cross-signing keys needs
// the password; with only an access token the log says to set
// MATRIX_PASSWORD. A reset happens once, not on every start.
func TestCrossSigningReset(t *testing.T) {
	e := newEnv(t)
	e.crossSignElsewhere()
	token := e.accessToken()

	b := e.startBot(func(c *matrix.Config) {
		c.Password, c.UserID, c.AccessToken, c.ResetCrossSigning = "", "", token, true
	})
	b.waitLog(t, "matrix bot started")
	if b.adapter.CrossSigned() || !strings.Contains(b.logs.String(), "asks for the bot's password") || !strings.Contains(b.logs.String(), "set MATRIX_PASSWORD") {
		t.Errorf("with only an access token the reset should fail and say to set MATRIX_PASSWORD; log:\n%s", b.logs.String())
	}
	b.stop(t)

	b = e.startBot(func(c *matrix.Config) { c.ResetCrossSigning = true })
	b.waitLog(t, "matrix bot started")
	if !b.adapter.CrossSigned() || !strings.Contains(b.logs.String(), "replacing the account's cross-signing keys") {
		t.Errorf("with the password the reset should sign the device; log:\n%s", b.logs.String())
	}
	b.stop(t)

	b = e.startBot(func(c *matrix.Config) { c.ResetCrossSigning = true })
	b.waitLog(t, "matrix bot started")
	if !b.adapter.CrossSigned() || strings.Contains(b.logs.String(), "replacing") {
		t.Errorf("a restart with the reset still set should keep the new keys; log:\n%s", b.logs.String())
	}
}

// TestElementClient: Element's own SDK (matrix-js-sdk 43 with its Rust
// crypto), set to exclude insecure devices as Element is by default, gets the
// bot's reply decrypted and with no shield warning. It needs Node and
// `npm ci --prefix adapters/matrix/testdata/element`, and is skipped without.
func TestElementClient(t *testing.T) {
	dir := filepath.Join("testdata", "element")
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "matrix-js-sdk")); err != nil {
		t.Skip("matrix-js-sdk is not installed; run: npm ci --prefix adapters/matrix/testdata/element")
	}
	e := newEnv(t)
	_, pw := e.srv.CreateUser(t, "eve")
	b := e.startBot()
	b.waitLog(t, "matrix bot started")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", filepath.Join(dir, "element.mjs"), e.srv.URL, "eve", pw, e.botID.String(), "!talk add Element Talk").CombinedOutput()
	var got struct {
		Encrypted         bool    `json:"encrypted"`
		DecryptionFailure *string `json:"decryption_failure"`
		Body              string  `json:"body"`
		Shield            *string `json:"shield"`
		ShieldReason      any     `json:"shield_reason"`
	}
	line := logLine(string(out), "RESULT ")
	if err != nil || json.Unmarshal([]byte(strings.TrimPrefix(line, "RESULT ")), &got) != nil {
		t.Fatalf("element client: %v\n%s", err, tail(string(out), 4000))
	}
	if !got.Encrypted || got.DecryptionFailure != nil {
		t.Errorf("Element could not read the reply (encrypted %v, failure %v)", got.Encrypted, deref(got.DecryptionFailure))
	}
	if !strings.HasPrefix(got.Body, "Logged new talk #1 Element Talk") {
		t.Errorf("reply = %q", got.Body)
	}
	if got.Shield == nil || *got.Shield != "none" {
		t.Errorf("Element shows a shield on the reply: %v (%v), want none", deref(got.Shield), got.ShieldReason)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// The crypto store holds the bot's keys: it is its owner's alone, like
// BOT_DB, whatever the umask. It was created 0644.
func TestTheCryptoStoreIsTheOwnersAlone(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	e := newEnv(t)
	alice := e.newUser("alice")
	e.startBot()
	e.botInRoom(alice, true)
	for _, suffix := range []string{"", "-wal"} {
		fi, err := os.Stat(e.cryptoDB + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s is %v; want no access for group and others", filepath.Base(e.cryptoDB+suffix), mode)
		}
	}
}
