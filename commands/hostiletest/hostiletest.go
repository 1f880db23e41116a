// Package hostiletest is the table of hostile inputs every adapter's tests
// put through its translation layer: huge and binary messages, control
// characters, SQL fragments, mass mentions, HTML and script, Markdown link
// tricks, a 10k-line note, right-to-left text and emoji. Each case says
// what the reply must say and whether the user's data may change; each
// adapter's test adds what its platform must never show (a live @channel,
// an HTML tag, a link whose label hides where it goes).
package hostiletest

import (
	"encoding/json"
	"strings"
)

// Case is one hostile input.
type Case struct {
	Name    string
	Command string // the command as typed, without the adapter's prefix (/talk, !talk)
	Reply   string // the reply contains this
	Error   bool   // the reply is a refusal
	Changes bool   // the user's data changes; when false it must stay exactly as it was
	// NotFor names adapters the case cannot reach, with why ("matrix": JSON cannot carry invalid UTF-8).
	NotFor map[string]string
	// Stored is text the saved data then holds (a title, a note), when Changes.
	Stored string
}

// Seed is what each adapter's test runs first, so cases that name a talk
// have one: talk #1, logged by the user.
const Seed = "add Hostile Inputs In Practice"

// Cases returns the table.
func Cases() []Case {
	tenK := strings.Repeat("ok\n", 10_000) // 30 kB: within a Matrix event, over a message's limit
	return []Case{
		{Name: "huge message", Command: "note #1 " + strings.Repeat("spam ", 5_000), Error: true,
			Reply: "That message is too long"},
		{Name: "huge title", Command: "add " + strings.Repeat("Long ", 80), Error: true, Reply: "Titles can be up to 300 characters"},
		{Name: "invalid UTF-8", Command: "add Binary \xff\xfe\xfd Talk", Error: true, Reply: "not valid UTF-8",
			NotFor: map[string]string{"matrix": "Matrix events are JSON, which cannot carry invalid UTF-8"}},
		{Name: "NUL and control characters", Command: "note #1 bell\x07 escape\x1b[31mred\x1b[0m nul\x00 end", Changes: true,
			Reply: "Noted (team) on #1", Stored: "bell escape[31mred[0m nul end"},
		{Name: "SQL in a title", Command: "add Robert'); DROP TABLE talks; SELECT * FROM users WHERE '1'='1", Changes: true,
			Reply: "Logged new talk #2", Stored: "Robert'); DROP TABLE talks; SELECT * FROM users WHERE '1'='1"},
		{Name: "SQL and FTS syntax in a search", Command: `search ' OR 1=1 NEAR("x" AND *) --`, Reply: "Nothing matches"},
		{Name: "mass mentions", Command: "note #1 @channel @here @everyone @room <!channel> <!here> <!everyone> listen up", Changes: true,
			Reply: "Noted (team) on #1", Stored: "listen up"},
		{Name: "HTML and script", Command: `note #1 <script>alert(1)</script><img src=x onerror=alert(2)><b>bold</b>`, Changes: true,
			Reply: "Noted (team) on #1", Stored: "<script>alert(1)</script>"},
		{Name: "Markdown link tricks", Command: "note #1 [Official schedule](https://evil.example/phish) and <https://evil.example/x|kubecon.io>", Changes: true,
			Reply: "Noted (team) on #1", Stored: "Official schedule"},
		{Name: "a 10k-line note", Command: "note #1 " + tenK, Error: true, Reply: "too long",
			NotFor: map[string]string{"console": "the console reads one command a line"}},
		{Name: "right-to-left text and emoji", Command: "note #1 مؤتمر رائع 🚀🔥 \u202eevil\u202c שלום 👩🏽‍💻", Changes: true,
			Reply: "Noted (team) on #1", Stored: "مؤتمر رائع 🚀🔥 evil שלום 👩🏽‍💻"},
		{Name: "only invisible characters", Command: "note #1 \u200b\u2066\u202e\ufeff", Error: true, Reply: "What's the note?"},
	}
}

// JSON renders v (a store export) for before-and-after comparisons, with
// <, > and & as they are.
func JSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "unencodable: " + err.Error()
	}
	return b.String()
}
