package slack

import (
	"os"
	"strings"
	"testing"
)

// TestManifestMatchesCode keeps slack/manifest.yml in step with the ids,
// events and scopes the adapter uses.
func TestManifestMatchesCode(t *testing.T) {
	b, err := os.ReadFile("../../slack/manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	m := string(b)
	for _, want := range []string{
		"command: /talk", "should_escape: true",
		"callback_id: " + callbackSaveNote, "type: message",
		"callback_id: " + callbackLogTalk, "type: global",
		"- app_home_opened", "- app_mention", "- message.im",
		"- app_mentions:read", "- chat:write", "- commands", "- files:write", "- im:history", "- im:write", "- users:read",
		"home_tab_enabled: true", "messages_tab_enabled: true", "messages_tab_read_only_enabled: false",
		"interactivity:\n    is_enabled: true", "socket_mode_enabled: true",
		"# url: https://talkbot.example.com" + EventsPath, "# request_url: https://talkbot.example.com" + EventsPath,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("manifest lacks %q", want)
		}
	}
}
