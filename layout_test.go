package talkbot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the data flow one way (STYLE.md): commands never speak
// to a platform, SQLite or the LLM directly, adapters never reach past
// commands, schedule formats know nothing of storage or chat, and the domain
// package needs nothing but the standard library; only cmd/bot and metrics
// know Prometheus, and metrics only implements the observers others declare.
func TestLayering(t *testing.T) {
	const mod = "github.com/talkbot/talkbot"
	const prom = "github.com/prometheus/"
	banned := map[string][]string{
		".":                  {"github.com/", "maunium.net/", mod + "/"},
		"./commands":         {"github.com/slack-go/", "maunium.net/go/mautrix", "github.com/mattn/go-sqlite3", "github.com/sashabaranov/go-openai", mod + "/store", mod + "/llm", mod + "/adapters", mod + "/metrics", prom},
		"./dispatch":         {mod + "/store", mod + "/llm", mod + "/adapters", mod + "/metrics", prom},
		"./adapters/console": {mod + "/store", mod + "/llm", mod + "/adapters/slack", mod + "/adapters/matrix", "github.com/mattn/go-sqlite3", mod + "/metrics", prom},
		"./adapters/slack":   {mod + "/store", mod + "/llm", mod + "/adapters/console", mod + "/adapters/matrix", "maunium.net/", mod + "/metrics", prom},
		"./adapters/matrix":  {mod + "/store", mod + "/llm", mod + "/adapters/console", mod + "/adapters/slack", "github.com/slack-go/", mod + "/metrics", prom},
		"./llm":              {mod + "/store", mod + "/commands", mod + "/adapters", "github.com/mattn/go-sqlite3", "github.com/slack-go/", "maunium.net/", mod + "/metrics", prom},
		"./metrics":          {mod + "/", "github.com/slack-go/", "maunium.net/", "github.com/mattn/go-sqlite3", "github.com/sashabaranov/go-openai"},
		"./wrapup":           {mod + "/store", mod + "/commands", mod + "/llm", mod + "/adapters", mod + "/dispatch", "github.com/mattn/go-sqlite3", "github.com/slack-go/", "maunium.net/"},
		"./schedule":         {mod + "/store", mod + "/commands", mod + "/llm", mod + "/adapters", "github.com/mattn/go-sqlite3", "github.com/slack-go/", "maunium.net/"},
	}
	for pkg, prefixes := range banned {
		out, err := exec.Command("go", "list", "-tags", "sqlite_fts5 goolm", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if pkg == "." && dep == mod || pkg == "./metrics" && dep == mod+"/metrics" {
				continue
			}
			for _, p := range prefixes {
				if strings.HasPrefix(dep, p) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
