// Package assist makes an llm.Service the commands' Assistant: commands
// declares what it needs and never imports llm, llm knows nothing of the
// command layer, and this is the seam between them.
package assist

import (
	"context"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/llm"
)

// Assistant is an llm.Service seen as a commands.Assistant.
type Assistant struct{ svc *llm.Service }

// New wraps svc.
func New(svc *llm.Service) *Assistant { return &Assistant{svc: svc} }

func (a *Assistant) Summarize(ctx context.Context, workspaceID int64, talks []commands.TalkNotes) commands.Summary {
	req := llm.SummaryRequest{WorkspaceID: workspaceID}
	for _, t := range talks {
		tn := llm.TalkNotes{TalkID: t.TalkID, Title: t.Title}
		for _, n := range t.Notes {
			tn.Notes = append(tn.Notes, llm.Note{Author: n.Author, Text: n.Text})
		}
		req.Talks = append(req.Talks, tn)
	}
	sum := a.svc.Summarize(ctx, req)
	out := commands.Summary{Overall: sum.Overall, Credit: sum.Credit()}
	for _, t := range sum.Talks {
		out.Talks = append(out.Talks, commands.TalkSummaryText{TalkID: t.TalkID, Text: t.Text})
	}
	return out
}

// Thinks says whether a model answers, which may take seconds.
func (a *Assistant) Thinks() bool { return a.svc.HasModel() }

func (a *Assistant) ParseQuestion(ctx context.Context, q commands.WatchQuestion) commands.WatchFilters {
	f := a.svc.ParseQuestion(ctx, llm.QuestionRequest{WorkspaceID: q.WorkspaceID, Text: q.Text, Today: q.Today, Tags: q.Tags}).Filters
	return commands.WatchFilters{Keywords: f.Keywords, Tags: f.Tags, Day: f.Day, Weekday: f.Weekday, OnlyMissed: f.OnlyMissed,
		MinRating: f.MinRating, WithRecording: f.WithRecording}
}

func (a *Assistant) Explain(ctx context.Context, workspaceID int64, question string, cands []commands.WatchCandidate) []string {
	in := make([]llm.Candidate, len(cands))
	for i, c := range cands {
		in[i] = llm.Candidate{TalkID: c.TalkID, Title: c.Title, Facts: c.Facts, Reason: c.Reason}
	}
	ex := a.svc.Explain(ctx, workspaceID, question, in)
	out := make([]string, len(cands))
	for i, t := range ex.Talks {
		if i < len(out) && t.FromLLM {
			out[i] = t.Reason
		}
	}
	return out
}
