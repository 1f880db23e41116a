package llm_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
