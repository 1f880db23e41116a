package llm_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	openai "github.com/sashabaranov/go-openai"
	"github.com/talkbot/talkbot/llm"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// seedNotes reads note fixtures made from the seed wrap-up posts (testdata/seednotes.go).
func seedNotes(t testing.TB, name string) []llm.TalkNotes {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "notes", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var talks []llm.TalkNotes
	if err := json.Unmarshal(b, &talks); err != nil {
		t.Fatal(err)
	}
	return talks
}

func render(s llm.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", s.Credit())
	for _, t := range s.Talks {
		fmt.Fprintf(&b, "#%d %s\n  %s\n\n", t.TalkID, t.Title, t.Text)
	}
	fmt.Fprintf(&b, "Overall: %s\n", s.Overall)
	return b.String()
}

func TestBuiltInSummariesOfSeedNotes(t *testing.T) {
	for _, name := range []string{"kubecon-na-2022", "kubecon-na-2023-log", "kubecon-na-2023-wrapup"} {
		t.Run(name, func(t *testing.T) {
			talks := seedNotes(t, name)
			got := render(llm.SummarizeBuiltIn(talks))
			path := filepath.Join("testdata", "golden", name+".txt")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("built-in summary changed (-want +got; go test -update accepts it):\n%s", diff)
			}
		})
	}
}

// A long sentence, or a long answer of the model, is cut before a link it
// would cut short: …/issues/12 is a live link to another issue than
// …/issues/1287. Nor is a flag cut in half.
func TestLongTextIsNeverCutInsideALinkOrAFlag(t *testing.T) {
	const link = "https://github.com/kubernetes/enhancements/issues/1287"
	long := strings.Repeat("the speakers walked through the design again ", 4) + "and the KEP is at " + link + " so read it"
	flags := strings.Repeat("word ", 43) + strings.Repeat("🇩🇪 ", 20) // the cut falls between 🇩 and 🇪
	srv := newStandIn(t)
	srv.answer = func(openai.ChatCompletionRequest) reply {
		b, _ := json.Marshal(map[string]any{"talks": []map[string]any{{"talk": 1, "summary": strings.Repeat("a summary that goes on ", 28) + "see " + link}}})
		return ok(string(b))
	}
	c, _ := srv.client(t, llm.Config{})
	model := llm.New(c, llm.Options{}).Summarize(context.Background(), llm.SummaryRequest{Talks: []llm.TalkNotes{{TalkID: 1, Title: "T", Notes: []llm.Note{{Text: "x"}}}}})
	for name, text := range map[string]string{
		"built-in":    llm.SummarizeBuiltIn([]llm.TalkNotes{{TalkID: 1, Title: "T", Notes: []llm.Note{{Text: long}}}}).Talks[0].Text,
		"the model's": model.Talks[0].Text,
	} {
		if !strings.HasSuffix(text, "…") {
			t.Fatalf("%s summary is not cut: %q", name, text)
		}
		if strings.Contains(text, "https://") && !strings.Contains(text, link) {
			t.Errorf("%s summary cuts the link short: %q", name, text)
		}
	}
	text := llm.SummarizeBuiltIn([]llm.TalkNotes{{TalkID: 1, Title: "T", Notes: []llm.Note{{Text: flags}}}}).Talks[0].Text
	if strings.Count(text, "🇪") != strings.Count(text, "🇩") {
		t.Errorf("a flag is cut in half: %q", text)
	}
}
