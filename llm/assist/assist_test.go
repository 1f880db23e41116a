package assist_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/llm"
	"github.com/talkbot/talkbot/llm/assist"
	"github.com/talkbot/talkbot/store"
)

// model is a stand-in OpenAI-compatible server: it answers a summary
// request with a summary of every talk it was sent, plus one it invents.
type model struct {
	calls atomic.Int64
	down  atomic.Bool
}

func (m *model) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.calls.Add(1)
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer test-key" {
		http.Error(w, "wrong path or key", http.StatusUnauthorized)
		return
	}
	if m.down.Load() {
		http.Error(w, `{"error":{"message":"overloaded","type":"server_error"}}`, http.StatusInternalServerError)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var talks []string
	for _, msg := range req.Messages {
		for _, line := range strings.Split(msg.Content, "\n") {
			var tl struct {
				Talk  int64  `json:"talk"`
				Title string `json:"title"`
			}
			if json.Unmarshal([]byte(line), &tl) == nil && tl.Title != "" {
				talks = append(talks, fmt.Sprintf(`{"talk":%d,"summary":"The team found %s useful."}`, tl.Talk, tl.Title))
			}
		}
	}
	talks = append(talks, `{"talk":4242,"summary":"A talk nobody gave."}`)
	content := `{"talks":[` + strings.Join(talks, ",") + `],"overall":"eBPF was the theme."}`
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}},
		"usage":   map[string]any{"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
	})
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// TestSummaryThroughACompatibleServer: the router, the assistant seam and
// the llm package, against a server speaking the OpenAI wire format.
func TestSummaryThroughACompatibleServer(t *testing.T) {
	m := &model{}
	srv := httptest.NewServer(m)
	defer srv.Close()
	ctx := context.Background()
	now := func() time.Time { return time.Date(2024, 11, 13, 17, 0, 0, 0, time.UTC) }
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "talkbot.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	client, err := llm.NewClient(llm.Config{BaseURL: srv.URL + "/v1", APIKey: "test-key", Model: "test-model", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	router := commands.New(commands.Config{Store: st, Now: now, Assistant: assist.New(llm.New(client, llm.Options{Cache: st, Budget: st}))})
	ask := func(text string) string {
		return router.Handle(ctx, commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local", UserID: "alice", UserName: "alice", Text: text}).Text()
	}
	// A question a model reads takes seconds: the user sees "working on it…" first.
	for _, q := range []string{"what should I watch later?", "watch best ebpf talks"} {
		if cmd, ok := router.Lookup(q); !ok || cmd.Name != "watch" || !cmd.Slow {
			t.Errorf("%q: %+v, want the slow watch", q, cmd)
		}
	}
	if cmd, _ := router.Lookup("watch"); cmd.Slow {
		t.Error("watch alone asks no model, yet is slow")
	}
	if cmd, _ := commands.New(commands.Config{Store: st, Now: now, Assistant: assist.New(llm.New(nil, llm.Options{}))}).Lookup("what should I watch later?"); cmd.Slow {
		t.Error("with no model, a question is slow")
	}
	ask("add eBPF Everywhere -- the verifier is the hard part")
	got := ask("summary today")
	for _, want := range []string{"eBPF was the theme.", "#1 eBPF Everywhere", "The team found eBPF Everywhere useful.", "Summarised by llm:test-model."} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "nobody gave") {
		t.Errorf("an invented talk reached the user:\n%s", got)
	}
	// The digest says whose words its summaries are.
	if got := router.Handle(ctx, commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local", UserID: "alice", UserName: "alice",
		Text: "digest preview", Admin: true}).Text(); !strings.Contains(got, "The team found eBPF Everywhere useful.") || !strings.Contains(got, "Summarised by llm:test-model.") {
		t.Errorf("digest preview:\n%s", got)
	}
	// Unchanged notes cost nothing the second time.
	calls := m.calls.Load()
	ask("summary today")
	if m.calls.Load() != calls {
		t.Errorf("the second summary of the same notes called the model again")
	}
	// The model failing never leaves the user without an answer, or shows them the error.
	m.down.Store(true)
	ask("note and the maps are per-CPU") // new notes: no cached answer
	got = ask("summary today")
	if !strings.Contains(got, "Built-in summary: the LLM call failed.") || strings.Contains(got, "overloaded") || !strings.Contains(got, "#1 eBPF Everywhere") {
		t.Errorf("with the model down:\n%s", got)
	}
}
