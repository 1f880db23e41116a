package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/talkbot/talkbot"
)

// Assistant summarises notes and reads watch questions, with a language
// model when one is configured and a built-in summariser and parser when
// not: it always answers. cmd/bot wires llm.Service in; commands never
// imports it.
type Assistant interface {
	Summarize(ctx context.Context, workspaceID int64, talks []TalkNotes) Summary
	ParseQuestion(ctx context.Context, q WatchQuestion) WatchFilters
	// Explain returns one line of why for each candidate, in order; an
	// empty line keeps the candidate's own reason.
	Explain(ctx context.Context, workspaceID int64, question string, cands []WatchCandidate) []string
}

// TalkNotes are the notes about one talk that a summary may use: only ones
// the asker may read.
type TalkNotes struct {
	TalkID int64
	Title  string
	Notes  []NoteText
}

// NoteText is a note as a summary sees it.
type NoteText struct {
	Author string
	Text   string
}

// Summary is what the assistant made of the notes.
type Summary struct {
	Talks   []TalkSummaryText
	Overall string
	Credit  string // who wrote it: "Summarised by llm:gpt-4o-mini." or why the built-in summariser did
}

// TalkSummaryText summarises one talk's notes.
type TalkSummaryText struct {
	TalkID int64
	Text   string
}

// WatchQuestion is a free-form question about what to watch.
type WatchQuestion struct {
	WorkspaceID int64
	Text        string
	Today       string   // YYYY-MM-DD in the conference's zone
	Tags        []string // the tags the workspace uses
}

// WatchFilters narrow the watch list; the zero value narrows nothing.
type WatchFilters = talkbot.WatchFilters

// WatchCandidate is a talk the ranking suggests, for the assistant to explain.
type WatchCandidate struct {
	TalkID int64
	Title  string
	Facts  []string
	Reason string
}

// summaryLimit bounds the talks one summary covers, and summaryText their
// notes' text: some 100,000 tokens, more than the model is sent for one
// summary. A team's whole week of notes at 4,000 characters each took 16 s
// and 2 GB to read and prepare, for a built-in summary.
const (
	summaryLimit = 200
	summaryText  = 400_000
)

func (r *Router) summary(ctx context.Context, c *call) (Reply, error) {
	if r.assistant == nil {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Summaries are not set up on this bot.")
	}
	q := talkbot.NotesQuery{WorkspaceID: c.user.WorkspaceID, ConferenceID: c.conf.ID, ViewerID: c.noteViewer(), Limit: summaryLimit + 1, MaxText: summaryText}
	scope, conf := "all the notes you can read", c.conf
	arg := strings.TrimSpace(c.args)
	switch w := strings.ToLower(arg); {
	case w == "" || w == "all":
	case w == "today":
		q.Day, scope = c.today(), "today's notes"
	case w == "yesterday":
		q.Day, scope = c.now.In(c.conf.Location()).AddDate(0, 0, -1).Format(time.DateOnly), "yesterday's notes"
	case w == "mine":
		q.AuthorID, scope = c.user.ID, "your notes"
	case reDate.MatchString(w):
		d, err := parseDate(w)
		if err != nil {
			return Reply{}, err
		}
		q.Day, scope = d, "the notes of "+d
	case reTag.MatchString(w):
		q.Tag, scope = w[1:], "the notes on #"+w[1:]
	default:
		o, err := parseOptions(tokenize(arg))
		if err != nil {
			return Reply{}, err
		}
		t, err := r.resolve(ctx, c, refFrom(o), looseMode)
		if err != nil {
			return Reply{}, err
		}
		if conf, err = r.talkConference(ctx, c, t); err != nil { // a #12 of another conference: its notes are there
			return Reply{}, err
		}
		q.TalkID, q.ConferenceID, scope = t.ID, conf.ID, fmt.Sprintf("the notes on #%d", t.ID)
	}
	talks, err := r.store.NotesByTalk(ctx, q)
	if err != nil {
		return Reply{}, err
	}
	covered := plural(len(talks), "talk")
	text := 0
	for _, t := range talks {
		for _, n := range t.Notes {
			text += len(n.Text)
		}
	}
	switch {
	case len(talks) > summaryLimit: // the talks with the most notes
		talks = talks[:summaryLimit]
		covered = fmt.Sprintf("the %d talks with the most notes, of more; `summary today`, `summary #tag` or `summary mine` asks for fewer", summaryLimit)
	case text >= summaryText && q.TalkID == 0: // the store stopped there
		covered = fmt.Sprintf("the %d talks with the most notes, as many as one summary reads; `summary today`, `summary #tag` or `summary mine` asks for fewer", len(talks))
	}
	b := &builder{}
	if len(talks) == 0 {
		b.text("There are no notes to summarise in " + scope + " yet. `note <text>` adds one.")
		return b.reply(), nil
	}
	in := make([]TalkNotes, len(talks))
	byID := map[int64]talkbot.Talk{}
	private := false
	for i, t := range talks {
		in[i] = TalkNotes{TalkID: t.ID, Title: t.Title}
		byID[t.ID] = t.Talk
		for _, n := range t.Notes {
			in[i].Notes = append(in[i].Notes, NoteText{Author: n.UserName, Text: n.Text})
			private = private || n.Visibility == talkbot.VisibilityPrivate
		}
	}
	sum := r.assistant.Summarize(ctx, c.user.WorkspaceID, in)
	b.r.Private = private
	b.line(plain(fmt.Sprintf("Summary of %s — %s (%s):", scope, conf.Name, covered)))
	if sum.Overall != "" {
		b.line(emphasis(sum.Overall)) // the model's words, set apart from the bot's
	}
	for _, ts := range sum.Talks {
		t, ok := byID[ts.TalkID]
		if !ok || ts.Text == "" {
			continue // only talks it was given, and only with something to say
		}
		card := b.card("", t)
		card.line(plain("   "), emphasis(ts.Text))
	}
	b.line(emphasis(sum.Credit))
	return b.reply(), nil
}
