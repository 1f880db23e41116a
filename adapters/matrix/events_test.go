package matrix

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

func TestCommandText(t *testing.T) {
	names := []string{"@talkbot:example.org", "@talkbot", "talkbot", "Talk Bot"}
	for _, tc := range []struct {
		body      string
		mentioned bool
		want      string
		how       address
	}{
		{"!talk add KEDA", false, "!talk add KEDA", byPrefix},
		{"  !TALK list", false, "!TALK list", byPrefix},
		{"!talk", false, "!talk", byPrefix},
		{"/talk list", false, "/talk list", byPrefix},
		{"!talk\nadd KEDA", false, "!talk\nadd KEDA", byPrefix},
		{"!talkative people", false, "", notAddressed},
		{"!list", false, "", notAddressed},
		{"talk about the keynote", false, "", notAddressed},
		{"list", false, "", notAddressed},
		{"talkbot: what should I watch later?", true, "what should I watch later?", byName},
		{"talkbot what should I watch later?", false, "", notAddressed},
		{"talkbot what should I watch later?", true, "what should I watch later?", byName},
		{"@talkbot what should I watch later?", false, "what should I watch later?", byName},
		{"talkbot is great", false, "", notAddressed},
		{"thanks!", true, "", notAddressed}, // a reply to the bot: the client adds the mention
		{"@talkbot:example.org, list", false, "list", byName},
		{"Talk Bot: list today", true, "list today", byName},
		{"talkbots are fun", false, "", notAddressed},
		{"so what should I watch later, Talkbot?", true, "so what should I watch later, ?", namedInPassing},
		{"so what should I watch later, Talkbot?", false, "", notAddressed},
	} {
		got, how := commandText(tc.body, tc.mentioned, names)
		if got != tc.want || how != tc.how {
			t.Errorf("commandText(%q, %v) = %q, %v; want %q, %v", tc.body, tc.mentioned, got, how, tc.want, tc.how)
		}
	}
}

func TestFindMentions(t *testing.T) {
	me := id.UserID("@talkbot:example.org")
	for _, tc := range []struct {
		name, body, html, text string
		want                   []commands.Mention
	}{
		{"pill", "!talk recommend #12 Bob Smith", `!talk recommend #12 <a href="https://matrix.to/#/@bob:example.org">Bob Smith</a>`, "!talk recommend #12 Bob Smith",
			[]commands.Mention{{Text: "Bob Smith", UserID: "@bob:example.org", Name: "Bob Smith"}}},
		{"pill showing the id", "!talk recommend #12 @bob:example.org", `!talk recommend #12 <a href="https://matrix.to/#/%40bob%3Aexample.org">@bob:example.org</a>`, "!talk recommend #12 @bob:example.org",
			[]commands.Mention{{Text: "@bob:example.org", UserID: "@bob:example.org"}}},
		{"matrix uri pill", "recommend #1 Carol", `recommend #1 <a href="matrix:u/carol:example.org">Carol</a>`, "recommend #1 Carol",
			[]commands.Mention{{Text: "Carol", UserID: "@carol:example.org", Name: "Carol"}}},
		{"id in the body", "!talk recommend #12 @bob:other.org.", "", "!talk recommend #12 @bob:other.org.",
			[]commands.Mention{{Text: "@bob:other.org", UserID: "@bob:other.org"}}},
		{"id with a port", "recommend #12 @bob:localhost:8448", "", "recommend #12 @bob:localhost:8448",
			[]commands.Mention{{Text: "@bob:localhost:8448", UserID: "@bob:localhost:8448"}}},
		{"the bot is no mention", "Talkbot: recommend #1 @bob:example.org", `<a href="https://matrix.to/#/@talkbot:example.org">Talkbot</a>: recommend #1 @bob:example.org`, "recommend #1 @bob:example.org",
			[]commands.Mention{{Text: "@bob:example.org", UserID: "@bob:example.org"}}},
		{"a bare name is no mention", "!talk recommend #12 @bob", "", "!talk recommend #12 @bob", nil},
		{"an e-mail address is no mention", "mail bob@example.org:25", "", "mail bob@example.org:25", nil},
		{"room and event links are no mentions", "see #talks", `see <a href="https://matrix.to/#/#talks:example.org">#talks</a> <a href="https://example.org/@bob:example.org">x</a>`, "see #talks", nil},
		{"a pill not in the command", "Bob: !talk list", `<a href="https://matrix.to/#/@bob:example.org">Bob</a>: !talk list`, "!talk list", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := findMentions(tc.body, tc.html, tc.text, me)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("mentions (-want +got):\n%s", diff)
			}
		})
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
		PickleKey: "k", CryptoDB: "c.db", Runtime: runtimeStub{}, State: newMemState()}
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
		{"no runtime", func(c *Config) { c.Runtime = nil }, "a runtime"},
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

// runtimeStub is a Runtime that runs nothing, for tests that never start the adapter.
type runtimeStub struct{}

func (runtimeStub) SubmitWait(context.Context, dispatch.Job, time.Duration) bool { return false }
func (runtimeStub) Serve(context.Context, commands.Request, dispatch.Respond) error {
	return nil
}
func (runtimeStub) Lookup(string) (commands.Command, bool) { return commands.Command{}, false }
