package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"
)

// doctorDevice is the device a password check logs in as and signs out at
// once: never the bot's own, whose keys a sign-out would destroy.
const doctorDevice = id.DeviceID("TALKBOTDOCTOR")

// CheckLogin asks the homeserver whether it accepts the bot's credentials:
// whoami with an access token; with a password, a log-in as a separate
// device that is signed out again straight away (the bot's own device and
// its encryption keys are left alone). It returns who the homeserver says
// the bot is. Its errors say in plain words which variable is wrong and how
// to fix it; they never hold a secret.
func CheckLogin(ctx context.Context, homeserver, userID, password, accessToken string, client *http.Client) (id.UserID, error) {
	cli, err := mautrix.NewClient(homeserver, id.UserID(userID), accessToken)
	if err != nil {
		return "", fmt.Errorf("MATRIX_HOMESERVER %s: %w", homeserver, err)
	}
	if client != nil {
		cli.Client = client
	}
	cli.DefaultHTTPRetries = 0
	if _, err := cli.Versions(ctx); err != nil {
		return "", fmt.Errorf("cannot reach the homeserver at MATRIX_HOMESERVER %s (%w); check the URL (the client API, as in "+
			"https://matrix.example.org), the network and the server", homeserver, err)
	}
	if accessToken != "" {
		who, err := cli.Whoami(ctx)
		if err != nil {
			if errors.Is(err, mautrix.MUnknownToken) || errors.Is(err, mautrix.MMissingToken) {
				return "", fmt.Errorf("the homeserver refused MATRIX_ACCESS_TOKEN (unknown or signed out): make a new access token "+
					"for the bot, or set MATRIX_PASSWORD instead: %w", err)
			}
			return "", fmt.Errorf("whoami with MATRIX_ACCESS_TOKEN: %w", err)
		}
		if userID != "" && who.UserID != id.UserID(userID) {
			return who.UserID, fmt.Errorf("MATRIX_ACCESS_TOKEN belongs to %s, not MATRIX_USER %s: set MATRIX_USER to %s or use the bot's token",
				who.UserID, userID, who.UserID)
		}
		return who.UserID, nil
	}
	login, err := cli.Login(ctx, &mautrix.ReqLogin{
		Type:       mautrix.AuthTypePassword,
		Identifier: mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: userID},
		Password:   password, DeviceID: doctorDevice, InitialDeviceDisplayName: "talkbot doctor (signed out at once)",
		StoreCredentials: true,
	})
	if err != nil {
		if errors.Is(err, mautrix.MForbidden) {
			return "", fmt.Errorf("the homeserver refused MATRIX_USER %s with MATRIX_PASSWORD: check both (the user is the full id, "+
				"like @talkbot:example.org): %w", userID, err)
		}
		return "", fmt.Errorf("log in as MATRIX_USER %s: %w", userID, err)
	}
	if _, err := cli.Logout(ctx); err != nil {
		return login.UserID, fmt.Errorf("the password works, but signing out the check's device %s failed (remove it in a client's "+
			"session list): %w", doctorDevice, err)
	}
	return login.UserID, nil
}
