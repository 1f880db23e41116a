package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	slackgo "github.com/slack-go/slack"
)

// Identity is who Slack says the bot is.
type Identity struct {
	Team, TeamID, User, UserID string
}

// CheckTokens asks Slack whether it accepts the bot token (auth.test) and,
// when one is given, the app token (apps.connections.open, which makes a
// Socket Mode URL and connects nothing). Its errors say in plain words which
// variable is wrong and how to fix it; they never hold a token.
func CheckTokens(ctx context.Context, botToken, appToken, apiURL string, client *http.Client) (Identity, error) {
	opts := []slackgo.Option{}
	if apiURL != "" {
		opts = append(opts, slackgo.OptionAPIURL(strings.TrimSuffix(apiURL, "/")+"/"))
	}
	if client != nil {
		opts = append(opts, slackgo.OptionHTTPClient(client))
	}
	where := "Slack"
	if apiURL != "" {
		where = "SLACK_API_URL " + apiURL
	}
	res, err := slackgo.New(botToken, opts...).AuthTestContext(ctx)
	if err != nil {
		return Identity{}, explain(err, "SLACK_BOT_TOKEN", where,
			"copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page; reinstall the app if it was revoked")
	}
	id := Identity{Team: res.Team, TeamID: res.TeamID, User: res.User, UserID: res.UserID}
	if appToken == "" {
		return id, nil
	}
	app := slackgo.New(botToken, append(opts, slackgo.OptionAppLevelToken(appToken))...)
	if _, _, err := app.StartSocketModeContext(ctx); err != nil {
		return id, explain(err, "SLACK_APP_TOKEN", where,
			"make an app-level token with the connections:write scope on the app's Basic Information page, and turn Socket Mode on")
	}
	return id, nil
}

// explain says what a failed call means for the variable it used.
func explain(err error, variable, where, fix string) error {
	var se slackgo.SlackErrorResponse
	switch {
	case unreachable(err):
		return fmt.Errorf("cannot reach %s (%w); check the network, a proxy or firewall, and SLACK_API_URL if set", where, err)
	case errors.As(err, &se) && (se.Err == "invalid_auth" || se.Err == "not_authed" || se.Err == "token_revoked" ||
		se.Err == "account_inactive" || se.Err == "token_expired" || se.Err == "not_allowed_token_type"):
		return fmt.Errorf("Slack refused %s (%s): %s", variable, se.Err, fix)
	}
	return fmt.Errorf("Slack did not accept %s: %w; %s", variable, err, fix)
}
