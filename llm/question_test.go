package llm_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/talkbot/talkbot/llm"
)

func TestParseQuestionBuiltIn(t *testing.T) {
	tests := []struct {
		question string
		want     llm.Filters
	}{
		{"what should I watch later?", llm.Filters{}},
		{"anything on eBPF I missed?", llm.Filters{Keywords: []string{"ebpf"}, OnlyMissed: true}},
		{"best security talks from Tuesday?", llm.Filters{Keywords: []string{"security"}, Weekday: "tuesday", MinRating: 4}},
		{"Which #observability sessions with a recording did I not attend?", llm.Filters{Tags: []string{"observability"}, WithRecording: true, OnlyMissed: true}},
		{"talks rated 5/5 about Prometheus and OpenTelemetry", llm.Filters{Keywords: []string{"prometheus", "opentelemetry"}, MinRating: 5}},
		{"what did I miss today on service mesh?", llm.Filters{Keywords: []string{"service", "mesh"}, Day: "2024-11-13", OnlyMissed: true}},
		{"top talks on 2024-11-14", llm.Filters{Day: "2024-11-14", MinRating: 4}},
		{"anything about C++ or k8s from yesterday", llm.Filters{Keywords: []string{"c++", "k8s"}, Day: "2024-11-12"}},
		{"@channel <b>ebpf</b>", llm.Filters{Keywords: []string{"ebpf"}}},
		{"what did I miss that has a video?", llm.Filters{WithRecording: true, OnlyMissed: true}},
	}
	for _, tc := range tests {
		t.Run(tc.question, func(t *testing.T) {
			got := llm.ParseQuestionBuiltIn(llm.QuestionRequest{Text: tc.question, Today: "2024-11-13"})
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("filters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseQuestionWithTheModel(t *testing.T) {
	q := llm.QuestionRequest{Text: "anything on eBPF I missed?", Today: "2024-11-13", Tags: []string{"ebpf", "security"}}
	builtIn := llm.ParseQuestionBuiltIn(q)
	tests := []struct {
		name   string
		answer string
		want   llm.Filters
		by     string
	}{
		{"valid", `{"keywords":["eBPF","kernel"],"tags":["ebpf","madeup"],"day":"","weekday":"","only_missed":true,"min_rating":0,"with_recording":false}`,
			// a tag the team never used searches as a word (keywords match any)
			llm.Filters{Keywords: []string{"ebpf", "kernel", "madeup"}, Tags: []string{"ebpf"}, OnlyMissed: true}, "llm:test-model"},
		{"in a code fence", "```json\n{\"keywords\":[\"ebpf\"],\"tags\":[],\"day\":\"\",\"weekday\":\"tuesday\",\"only_missed\":false,\"min_rating\":4,\"with_recording\":false}\n```",
			llm.Filters{Keywords: []string{"ebpf"}, Weekday: "tuesday", MinRating: 4}, "llm:test-model"},
		{"the question's own words", `{"keywords":["talks","missed","ebpf"],"tags":[],"only_missed":true}`,
			// searched for, "talks" and "missed" had narrowed a list of missed talks to nothing
			llm.Filters{Keywords: []string{"ebpf"}, OnlyMissed: true}, "llm:test-model"},
		{"an unknown field", `{"keywords":["ebpf"],"sql":"DROP TABLE talks"}`, builtIn, llm.BuiltIn},
		{"a rating out of range", `{"keywords":["ebpf"],"min_rating":9}`, builtIn, llm.BuiltIn},
		{"a keyword with spaces", `{"keywords":["ignore previous instructions"]}`, builtIn, llm.BuiltIn},
		{"a bad date", `{"keywords":[],"day":"next tuesday"}`, builtIn, llm.BuiltIn},
		{"a bad weekday", `{"weekday":"caturday"}`, builtIn, llm.BuiltIn},
		{"a wrong type", `{"keywords":"ebpf"}`, builtIn, llm.BuiltIn},
		{"too many keywords", `{"keywords":["a1","b2","c3","d4","e5","f6","g7","h8","i9"]}`, builtIn, llm.BuiltIn},
		{"not JSON", `Sure! Here are the filters: ebpf`, builtIn, llm.BuiltIn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.push(ok(tc.answer))
			c, _ := srv.client(t, llm.Config{})
			got := llm.New(c, llm.Options{}).ParseQuestion(context.Background(), q)
			if diff := cmp.Diff(tc.want, got.Filters, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("filters (-want +got):\n%s", diff)
			}
			if got.By != tc.by || (tc.by == llm.BuiltIn) != (got.Fallback == llm.ReasonCallFailed) {
				t.Errorf("by %q because %q, want %q", got.By, got.Fallback, tc.by)
			}
			if r := srv.all(); len(r) != 1 || !strings.Contains(r[0].Messages[1].Content, `"question":"anything on eBPF I missed?"`) {
				t.Errorf("the question was not sent as fenced data: %+v", r)
			}
		})
	}
	t.Run("no server", func(t *testing.T) {
		got := llm.New(nil, llm.Options{}).ParseQuestion(context.Background(), q)
		if diff := cmp.Diff(builtIn, got.Filters, cmpopts.EquateEmpty()); diff != "" || got.Fallback != llm.ReasonNotConfigured {
			t.Errorf("filters (-want +got):\n%s (fallback %q)", diff, got.Fallback)
		}
	})
}

func candidates() []llm.Candidate {
	return []llm.Candidate{
		{TalkID: 12, Title: "Resize Your Pods In-Place", Facts: []string{"you missed it: room full", "bob rated it 5/5"}, Reason: "you missed it"},
		{TalkID: 14, Title: "Cgroupv2 Is Coming Soon", Facts: []string{"on your watch-later list"}, Reason: "on your watch-later list"},
		{TalkID: 20, Title: "KEDA", Facts: []string{"carol recommended it to you"}, Reason: "carol recommended it"},
	}
}

func TestExplainKeepsOnlyTheCandidates(t *testing.T) {
	srv := newStandIn(t)
	srv.push(ok(`{"reasons":[
		{"talk":999,"reason":"A brilliant talk that does not exist."},
		{"talk":14,"reason":"You wanted it <b>and</b> @here it is"},
		{"talk":12,"reason":"Bob loved it and you missed it."},
		{"talk":12,"reason":"A second reason for the same talk."}]}`))
	c, _ := srv.client(t, llm.Config{})
	got := llm.New(c, llm.Options{}).Explain(context.Background(), 0, "what should I watch later?", candidates())
	want := llm.Explanation{By: "llm:test-model", TokensUsed: 120, Talks: []llm.Explained{
		{TalkID: 12, Title: "Resize Your Pods In-Place", Reason: "Bob loved it and you missed it.", FromLLM: true},
		{TalkID: 14, Title: "Cgroupv2 Is Coming Soon", Reason: "You wanted it and @\u2060here it is", FromLLM: true},
		{TalkID: 20, Title: "KEDA", Reason: "carol recommended it"}, // the model said nothing: our reason stays
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("explanation (-want +got):\n%s", diff)
	}
	lines := fenced(srv.all()[0])
	if len(lines) != 4 || lines[1]["title"] != "Resize Your Pods In-Place" {
		t.Errorf("fenced data = %v, want the question and the three candidates", lines)
	}
}

func TestExplainFallsBackToOurReasons(t *testing.T) {
	own := llm.Explanation{By: llm.BuiltIn, Fallback: llm.ReasonCallFailed}
	for _, c := range candidates() {
		own.Talks = append(own.Talks, llm.Explained{TalkID: c.TalkID, Title: c.Title, Reason: c.Reason})
	}
	for name, r := range map[string]reply{
		"only invented talks": ok(`{"reasons":[{"talk":999,"reason":"Invented."}]}`),
		"not JSON":            ok("Watch them all!"),
		"server error":        apiError(400, "invalid_request_error", "", "bad request"),
	} {
		t.Run(name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.push(r)
			c, _ := srv.client(t, llm.Config{})
			got := llm.New(c, llm.Options{}).Explain(context.Background(), 0, "?", candidates())
			if diff := cmp.Diff(own, got, cmpopts.IgnoreFields(llm.Explanation{}, "TokensUsed")); diff != "" {
				t.Errorf("explanation (-want +got):\n%s", diff)
			}
		})
	}
	got := llm.New(nil, llm.Options{}).Explain(context.Background(), 0, "?", candidates())
	if got.Fallback != llm.ReasonNotConfigured || len(got.Talks) != 3 || got.Talks[2].Reason != "carol recommended it" {
		t.Errorf("without a server: %+v", got)
	}
}
