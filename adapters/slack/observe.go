package slack

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot"
)

// Observer is told about the adapter's calls to Slack and its connection,
// for metrics; *metrics.Metrics is one. Its methods must be quick and safe
// for concurrent use.
type Observer interface {
	// APICall reports one Web API call: outcome is "ok", "error" or "rate_limited".
	APICall(platform, call, outcome string)
	// RateLimitWait reports a wait Slack asked for before a call is tried again.
	RateLimitWait(platform, call string, wait time.Duration)
	// Reconnect reports Socket Mode connecting again after it lost its connection.
	Reconnect(platform string)
	// Acked reports how long a request took from its arrival to its
	// acknowledgement (Slack shows the user an error after 3 seconds): kind
	// is "slash_command", "event", "interaction" or "other"; outcome is
	// "accepted", "refused", "ignored" or "rejected" (inbound.go).
	Acked(kind, outcome string, took time.Duration)
}

type nopObserver struct{}

func (nopObserver) APICall(string, string, string)              {}
func (nopObserver) RateLimitWait(string, string, time.Duration) {}
func (nopObserver) Reconnect(string)                            {}
func (nopObserver) Acked(string, string, time.Duration)         {}

func callOutcome(err error, limited bool) string {
	switch {
	case err == nil:
		return "ok"
	case limited:
		return "rate_limited"
	}
	return "error"
}

// Connected reports whether the adapter is serving: Slack has said who the
// bot is and, with Socket Mode, the socket is connected. HTTP mode needs no
// connection of its own; the operator server takes its requests.
func (a *Adapter) Connected() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botUserID != "" && (a.socket == nil || a.socketUp) && a.refused == ""
}

// tokenRefused is the error of a call Slack refused the bot's token for
// (revoked, the app uninstalled, the account gone), or "".
func tokenRefused(err error) string {
	var se slackgo.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "token_revoked", "invalid_auth", "account_inactive", "not_authed", "token_expired":
			return se.Err
		}
	}
	return ""
}

// noteToken records whether Slack took the bot's token in a call: one it
// refuses makes the bot not ready (/readyz), with one error line for the
// operator, until a call goes through again.
func (a *Adapter) noteToken(ctx context.Context, what string, err error) {
	refused := tokenRefused(err)
	if refused == "" && err != nil {
		return // some other failure says nothing of the token
	}
	a.mu.Lock()
	was := a.refused
	a.refused = refused
	a.mu.Unlock()
	switch {
	case refused != "" && was == "":
		a.log.ErrorContext(ctx, "Slack refused the bot's token; every post fails until it is fixed: reinstall the app, "+
			"or set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) and restart", "call", what, "error", refused)
	case refused == "" && was != "":
		a.log.InfoContext(ctx, "Slack takes the bot's token again", "call", what)
	}
}

// socketState records Socket Mode connecting and disconnecting, and counts reconnects.
func (a *Adapter) socketState(up bool) {
	a.mu.Lock()
	again := up && !a.socketUp && a.socketEver
	a.socketUp = up
	if up {
		a.socketEver = true
	}
	a.mu.Unlock()
	if again {
		a.obs.Reconnect(talkbot.PlatformSlack)
	}
}

// unreachable reports whether err means Slack could not be reached or had
// trouble of its own (a network error, a 5xx), so that trying again later
// may work; a refused token or any other answer of Slack's is final.
func unreachable(err error) bool {
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) {
		return sc.Code >= 500 || sc.Code == http.StatusRequestTimeout
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// startBackoff is the wait before the next try to reach Slack at start-up:
// doubling from a second, at most a minute.
func startBackoff(wait time.Duration) time.Duration {
	if wait <= 0 {
		return time.Second
	}
	return min(2*wait, time.Minute)
}
