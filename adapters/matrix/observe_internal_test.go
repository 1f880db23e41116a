package matrix

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	"maunium.net/go/mautrix"
)

func TestCallName(t *testing.T) {
	tests := map[string]string{
		"/_matrix/client/v3/sync": "sync",
		"/_matrix/client/v3/rooms/!abc:localhost/send/m.room.message/txn1": "rooms.send",
		"/_matrix/client/v3/rooms/!abc:localhost/state/m.room.encryption/": "rooms.state",
		"/_matrix/client/v3/rooms/!abc:localhost/members":                  "rooms.members",
		"/_matrix/client/v3/join/!abc:localhost":                           "join",
		"/_matrix/client/v3/user/@bot:localhost/filter":                    "user.filter",
		"/_matrix/client/v3/profile/@bot:localhost/displayname":            "profile.displayname",
		"/_matrix/client/v3/keys/upload":                                   "keys.upload",
		"/_matrix/client/v3/sendToDevice/m.room.encrypted/42":              "sendToDevice.m.room.encrypted",
		"/_matrix/client/v3/account/whoami":                                "account.whoami",
		"/_matrix/client/v3/createRoom":                                    "createRoom",
		"/_matrix/media/v3/upload":                                         "media.upload",
		"/_matrix/client/versions":                                         "client",
		"/.well-known/matrix/client":                                       "other",
	}
	for path, want := range tests {
		if got := callName(path); got != want {
			t.Errorf("callName(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestUnreachable(t *testing.T) {
	refused := &url.Error{Op: "Get", URL: "http://127.0.0.1:1/", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("matrix: check access token: %w", mautrix.HTTPError{Message: "request error", WrappedError: refused}), true},
		{mautrix.HTTPError{Response: &http.Response{StatusCode: 502}}, true},
		{mautrix.HTTPError{Response: &http.Response{StatusCode: 401}, RespError: &mautrix.RespError{ErrCode: "M_UNKNOWN_TOKEN"}}, false},
		{mautrix.HTTPError{Response: &http.Response{StatusCode: 403}, RespError: &mautrix.RespError{ErrCode: "M_FORBIDDEN"}}, false},
		{errors.New("crypto store locked"), false},
	}
	for _, tc := range tests {
		if got := unreachable(tc.err); got != tc.want {
			t.Errorf("unreachable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
