package matrix

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"maunium.net/go/mautrix"
)

// Observer is told about the adapter's calls to the homeserver and its
// connection, for metrics; *metrics.Metrics is one. Its methods must be
// quick and safe for concurrent use.
type Observer interface {
	// APICall reports one request to the homeserver: outcome is "ok",
	// "error" or "rate_limited".
	APICall(platform, call, outcome string)
	// RateLimitWait reports a wait the homeserver asked for (M_LIMIT_EXCEEDED).
	RateLimitWait(platform, call string, wait time.Duration)
	// Reconnect reports the sync working again after it failed.
	Reconnect(platform string)
}

type nopObserver struct{}

func (nopObserver) APICall(string, string, string)              {}
func (nopObserver) RateLimitWait(string, string, time.Duration) {}
func (nopObserver) Reconnect(string)                            {}

// Connected reports whether the bot is logged in and its last sync with the
// homeserver succeeded.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// waited reports the rate-limit waits of one kind of call to the Observer.
func (a *Adapter) waited(call string) func(time.Duration) {
	return func(d time.Duration) { a.observer().RateLimitWait(Platform, call, d) }
}

// observeRequests counts each request mautrix makes (every attempt).
func (a *Adapter) observeRequests(req *http.Request, resp *http.Response, err error, _ time.Duration) {
	outcome := "ok"
	switch {
	case resp != nil && resp.StatusCode == http.StatusTooManyRequests:
		outcome = "rate_limited"
	case err != nil || resp == nil || resp.StatusCode >= 400:
		outcome = "error"
	}
	a.observer().APICall(Platform, callName(req.URL.Path), outcome)
}

// callName names a Client-Server API request for metrics without its ids:
// /_matrix/client/v3/rooms/!r:x/send/m.room.message/txn is "rooms.send",
// /_matrix/media/v3/upload is "media.upload".
func callName(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 3 || parts[0] != "_matrix" {
		return "other"
	}
	api, rest := parts[1], parts[3:]
	if len(rest) == 0 {
		return api
	}
	name := rest[0]
	switch name {
	case "rooms", "user", "profile", "join", "directory", "room_keys":
		// rooms/{roomId}/send/…, user/{userId}/filter, profile/{userId}/displayname
		if len(rest) >= 3 {
			name += "." + rest[2]
		}
	default:
		if len(rest) >= 2 && !looksLikeID(rest[1]) {
			name += "." + rest[1] // keys/upload, account/whoami
		}
	}
	if api != "client" {
		name = api + "." + name
	}
	return name
}

func looksLikeID(s string) bool {
	return s == "" || strings.ContainsAny(s, "!@$#:%") || len(s) > 40
}

// unreachable reports whether err means the homeserver could not be
// reached or had trouble of its own (a network error, a 5xx, a rate limit),
// so that trying again later may work; a refused login is final.
func unreachable(err error) bool {
	var he mautrix.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		return he.Response.StatusCode >= 500 || he.Response.StatusCode == http.StatusTooManyRequests
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// connect logs in and sets up end-to-end encryption. While the homeserver
// cannot be reached it tries again, waiting longer each time (up to a
// minute), until ctx ends: a bot started during an outage comes up when it
// is over. A refused login stops it, naming the setting to fix.
func (a *Adapter) connect(ctx context.Context) error {
	var wait time.Duration
	for {
		err := a.login(ctx)
		if err == nil {
			a.sync = newSyncStore(a.cfg.State, "matrix.next_batch:"+a.cli.UserID.String(), a.log)
			a.cli.Store = a.sync
			err = a.setupCrypto(ctx)
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !unreachable(err) {
			return refusal(err, a.cfg.AccessToken != "")
		}
		// The failed try's crypto helper closed the state store it made.
		a.cli.StateStore, a.cli.Crypto = nil, nil
		wait = min(max(2*wait, time.Second), time.Minute)
		a.log.Warn("homeserver unreachable; trying again", "err", err, "retry_in", wait.String())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// refusal names the setting behind a login the homeserver refused.
func refusal(err error, token bool) error {
	if token && errors.Is(err, mautrix.MUnknownToken) {
		return fmt.Errorf("matrix: the homeserver refused MATRIX_ACCESS_TOKEN (unknown or signed out); "+
			"make a new access token for the bot, or set MATRIX_PASSWORD instead: %w", err)
	}
	return err
}

// observer is the Observer, or one that ignores everything (an Adapter not made by New).
func (a *Adapter) observer() Observer {
	if a.obs == nil {
		return nopObserver{}
	}
	return a.obs
}
