package matrix

import (
	"context"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/commands"
)

func TestCommandText(t *testing.T) {
	names := []string{"@talkbot:example.org", "@talkbot", "talkbot", "Talk Bot"}
	for _, tc := range []struct {
		body      string
		mentioned bool
		want      string
		ok        bool
	}{
		{"!talk add KEDA", false, "!talk add KEDA", true},
		{"  !TALK list", false, "!TALK list", true},
		{"!talk", false, "!talk", true},
		{"!talkative people", false, "", false},
		{"talk about the keynote", false, "", false},
		{"list", false, "", false},
		{"talkbot: what should I watch later?", true, "what should I watch later?", true},
		{"talkbot what should I watch later?", false, "", false},
		{"talkbot what should I watch later?", true, "what should I watch later?", true},
		{"@talkbot what should I watch later?", false, "what should I watch later?", true},
		{"talkbot is great", false, "", false},
		{"thanks!", true, "", false}, // a reply to the bot: the client adds the mention
		{"@talkbot:example.org, list", false, "list", true},
		{"Talk Bot: list today", true, "list today", true},
		{"talkbots are fun", false, "", false},
		{"so what should I watch later, Talkbot?", true, "so what should I watch later, ?", true},
		{"so what should I watch later, Talkbot?", false, "", false},
	} {
		got, ok := commandText(tc.body, tc.mentioned, names)
		if got != tc.want || ok != tc.ok {
			t.Errorf("commandText(%q, %v) = %q, %v; want %q, %v", tc.body, tc.mentioned, got, ok, tc.want, tc.ok)
		}
	}
}

func TestReactionCommand(t *testing.T) {
	for _, tc := range []struct {
		key, want string
	}{
		{"1️⃣", "rate #12 1"},
		{"5️⃣", "rate #12 5"},
		{"3\u20e3", "rate #12 3"}, // without the presentation selector
		{"⭐", "star #12"},
		{"⭐\ufe0f", "star #12"},
		{"👀", "want #12"},
		{"✅", "watched #12"},
		{"👍", ""},
		{"6️⃣", ""},
		{"", ""},
	} {
		got, ok := reactionCommand(tc.key, 12)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("reactionCommand(%q) = %q, %v; want %q", tc.key, got, ok, tc.want)
		}
	}
}

func TestAllowedInviter(t *testing.T) {
	bot := id.UserID("@talkbot:example.org")
	for _, tc := range []struct {
		inviter id.UserID
		allowed []string
		want    bool
	}{
		{"@alice:example.org", nil, true},
		{"@mallory:evil.org", nil, false},
		{"@alice:example.org", []string{"other.org"}, false},
		{"@bob:other.org", []string{"other.org"}, true},
		{"@bob:Other.Org", []string{"other.org"}, true},
		{"@bob:other.org", []string{"@alice:other.org"}, false},
		{"@alice:other.org", []string{"example.org", " @alice:other.org "}, true},
		{"@alice:sub.other.org", []string{"other.org"}, false},
	} {
		if got := allowedInviter(tc.inviter, bot, tc.allowed); got != tc.want {
			t.Errorf("allowedInviter(%s, %v) = %v, want %v", tc.inviter, tc.allowed, got, tc.want)
		}
	}
}

func TestOwnJoin(t *testing.T) {
	me := id.UserID("@talkbot:example.org")
	member := func(stateKey, membership, prev string) *event.Event {
		evt := &event.Event{Type: event.StateMember, StateKey: &stateKey, Content: event.Content{Raw: map[string]any{"membership": membership}}}
		if prev != "" {
			evt.Unsigned.PrevContent = &event.Content{Raw: map[string]any{"membership": prev}}
		}
		return evt
	}
	for _, tc := range []struct {
		name string
		evt  *event.Event
		want bool
	}{
		{"join after invite", member(me.String(), "join", "invite"), true},
		{"first join", member(me.String(), "join", ""), true},
		{"profile change", member(me.String(), "join", "join"), false},
		{"someone else", member("@alice:example.org", "join", "invite"), false},
		{"invite", member(me.String(), "invite", ""), false},
		{"a message", &event.Event{Type: event.EventMessage}, false},
	} {
		if got := ownJoin(tc.evt, me); got != tc.want {
			t.Errorf("%s: ownJoin = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	ok := Config{Homeserver: "https://matrix.example.org", UserID: "@talkbot:example.org", Password: "pw",
		PickleKey: "k", CryptoDB: "c.db", Handler: handlerStub{}, State: newMemState()}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"valid", func(*Config) {}, ""},
		{"token instead of password", func(c *Config) { c.Password, c.UserID, c.AccessToken = "", "", "tok" }, ""},
		{"no homeserver", func(c *Config) { c.Homeserver = "matrix.example.org" }, "homeserver must be an http(s) URL"},
		{"short user", func(c *Config) { c.UserID = "talkbot" }, "full Matrix id"},
		{"no secret", func(c *Config) { c.Password = "" }, "a password or an access token"},
		{"no pickle key", func(c *Config) { c.PickleKey = "" }, "pickle key"},
		{"no crypto db", func(c *Config) { c.CryptoDB = "" }, "crypto database"},
		{"bad recovery key", func(c *Config) { c.RecoveryKey = "EsTc not a key" }, "not a valid Matrix recovery key"},
	} {
		c := ok
		tc.edit(&c)
		_, err := New(c)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: New = %v, want %q", tc.name, err, tc.want)
		}
	}
}

type handlerStub struct{}

func (handlerStub) Handle(context.Context, commands.Request) commands.Reply { return commands.Reply{} }
