package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Note is one note, as the asker may see it.
type Note struct {
	Author string // display name
	Text   string
}

// TalkNotes are the notes on one talk.
type TalkNotes struct {
	TalkID int64
	Title  string
	Notes  []Note
}

// SummaryRequest asks for a summary of notes. The caller passes only notes
// the asking user may see (their own and team-visible ones): nothing else is sent.
type SummaryRequest struct {
	WorkspaceID int64
	Talks       []TalkNotes
}

// TalkSummary is the summary of one talk's notes.
type TalkSummary struct {
	TalkID  int64
	Title   string // always the caller's title, never the model's
	Text    string
	BuiltIn bool // the built-in summariser wrote this one (the model left the talk out, or everything fell back)
}

// Summary is a summary of notes grouped by talk, in the order given.
type Summary struct {
	Talks    []TalkSummary
	Overall  string
	By       string // "llm:<model>" or "built-in"
	Fallback Reason // why the built-in summariser answered; empty when the model did
	Stats    Stats
}

// Stats count what a summary cost.
type Stats struct {
	Calls          int // requests sent to the model
	CacheHits      int // answers taken from the cache
	TokensUsed     int // tokens charged to the workspace's budget
	TokensSent     int // estimated prompt tokens sent
	LargestRequest int // estimated prompt + answer tokens of the largest request
}

// Credit says who wrote the summary, for the reply: "Summarised by
// llm:gpt-4o-mini." or "Built-in summary: today's LLM token budget is spent."
// A talk the model left out has the built-in summary, a colleague's own
// words, and the credit says so: "Summarised by llm:gpt-4o-mini (#14:
// built-in, the model left it out)."
func (s Summary) Credit() string {
	if s.By != BuiltIn {
		var left []string
		for _, t := range s.Talks {
			if t.BuiltIn {
				left = append(left, fmt.Sprintf("#%d", t.TalkID))
			}
		}
		switch {
		case len(left) == 1:
			return fmt.Sprintf("Summarised by %s (%s: built-in, the model left it out).", s.By, left[0])
		case len(left) > 4:
			left = append(left[:3], fmt.Sprintf("%d more", len(left)-3))
			fallthrough
		case len(left) > 1:
			return fmt.Sprintf("Summarised by %s (%s and %s: built-in, the model left them out).", s.By,
				strings.Join(left[:len(left)-1], ", "), left[len(left)-1])
		}
		return credit(s.By, "")
	}
	if s.Fallback == "" {
		return "Built-in summary."
	}
	return credit(s.By, s.Fallback)
}

// Summarize summarises the notes, with the model when one is configured and
// the budget allows, else with the built-in summariser. It always answers.
func (s *Service) Summarize(ctx context.Context, req SummaryRequest) Summary {
	talks := withNotes(req.Talks)
	if len(talks) == 0 {
		return SummarizeBuiltIn(nil)
	}
	if s.client == nil {
		sum := SummarizeBuiltIn(talks)
		sum.Fallback = ReasonNotConfigured
		return sum
	}
	var run *summaryRun // inLane runs f once at least
	var sum Summary
	err := s.inLane(ctx, func(ctx context.Context) (err error) {
		run = &summaryRun{s: s, ws: req.WorkspaceID} // counted anew if the cache alone could not answer
		sum, err = run.summarize(ctx, talks)
		return err
	})
	if err != nil {
		s.logFallback(ctx, "summary", req.WorkspaceID, err)
		sum = SummarizeBuiltIn(talks)
		sum.Fallback = reasonFor(err)
	}
	sum.Stats = run.stats
	return sum
}

const summarySystem = "You write short, factual summaries of the notes a team took at conference talks, " +
	"for a team chat. " + dataRule + " Answer with one JSON object and nothing else."

const summaryInstruction = "Summarise the notes below. A line with a \"title\" names a talk; a line with a \"note\" " +
	"belongs to the talk with the same \"talk\" id."

const summaryAnswer = "Answer as JSON: {\"talks\":[{\"talk\":<talk id>,\"summary\":\"<at most 50 words: what the notes say about this talk>\"}]," +
	"\"overall\":\"<at most 80 words: the main themes across these talks>\"}. Use only talk ids from the data. " +
	"Plain text only: no Markdown, no HTML, no mentions."

// perTalkAnswerTokens is what one talk's entry in an answer may take;
// a chunk holds no more talks than its answer has room for.
const (
	perTalkAnswerTokens = 90
	overallAnswerTokens = 160
)

type summaryRun struct {
	s     *Service
	ws    int64
	mu    sync.Mutex
	stats Stats
}

type titleLine struct {
	Talk  int64  `json:"talk"`
	Title string `json:"title"`
}

type noteLine struct {
	Talk   int64  `json:"talk"`
	Author string `json:"by,omitempty"`
	Note   string `json:"note"`
}

// chunk is the notes one request carries.
type chunk struct {
	lines []any
	talks []int64 // in order, once each
	cost  int
}

// One summary's requests are bounded: a summary of every note of a big
// team sent hundreds (601 requests, 2.2 million tokens, with no daily cap),
// or spent nine tenths of the workspace's day on one user's command. With a
// daily cap, a summary's requests of notes fill at most a quarter of it.
const (
	maxSummaryChunks  = 16
	summaryBudgetPart = 4
)

var errTooMuch = errors.New("llm: more notes than one summary may send")

func (r *summaryRun) summarize(ctx context.Context, talks []TalkNotes) (Summary, error) {
	s := r.s
	room := s.opts.ContextTokens - s.opts.AnswerTokens -
		promptTokens([]Message{{RoleSystem, summarySystem}, {RoleUser, summaryInstruction + "\n" + fence() + "\n" + summaryAnswer}})
	maxTalks := max(1, (s.opts.AnswerTokens-overallAnswerTokens)/perTalkAnswerTokens)
	chunks := packNotes(talks, room, maxTalks)
	most := maxSummaryChunks
	if s.opts.DailyTokens > 0 {
		most = min(most, max(1, int(s.opts.DailyTokens/int64(summaryBudgetPart*s.opts.ContextTokens))))
	}
	if len(chunks) > most {
		return Summary{}, errTooMuch
	}

	answers := make([]chunkAnswer, len(chunks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Parallel)
	// One request for several talks is the whole summary: its overall is
	// shown, so an answer without one is no answer (and never cached).
	needOverall := len(chunks) == 1 && len(talks) > 1
	for i, c := range chunks {
		g.Go(func() error {
			a, err := r.askChunk(gctx, c, needOverall)
			answers[i] = a
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Summary{}, err
	}

	parts := map[int64][]string{}
	for _, a := range answers {
		for id, text := range a.talks {
			parts[id] = append(parts[id], text)
		}
	}
	merged := map[int64]string{}
	var mu sync.Mutex
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Parallel)
	titles := map[int64]string{}
	for _, t := range talks {
		titles[t.TalkID] = t.Title
	}
	for id, ps := range parts {
		if len(ps) == 1 {
			mu.Lock()
			merged[id] = ps[0]
			mu.Unlock()
			continue
		}
		title := titleLine{Talk: id, Title: neutralise(truncateTokens(titles[id], 100))}
		g.Go(func() error {
			text, err := r.reduce(gctx, "one talk's notes (the first data line names the talk)", title, ps)
			mu.Lock()
			merged[id] = text
			mu.Unlock()
			return err
		})
	}
	var overall string
	if len(chunks) == 1 {
		overall = answers[0].overall
	} else {
		var overalls []string
		for _, a := range answers {
			if a.overall != "" {
				overalls = append(overalls, a.overall)
			}
		}
		g.Go(func() error {
			var err error
			overall, err = r.reduce(gctx, "the team's notes on several talks", nil, overalls)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return Summary{}, err
	}

	// One line, as each talk's: a model's line breaks could forge the
	// reply's own lines (a talk card, a colleague's "private" quote).
	sum := Summary{By: s.by(), Overall: oneLine(overall, 1200)}
	var fallback *Summary
	for _, t := range talks {
		text, ok := merged[t.TalkID]
		text = oneLine(text, 700)
		if !ok || text == "" {
			if fallback == nil { // the model left a talk out: that talk gets the built-in summary
				b := SummarizeBuiltIn(talks)
				fallback = &b
			}
			for _, ft := range fallback.Talks {
				if ft.TalkID == t.TalkID {
					sum.Talks = append(sum.Talks, ft)
				}
			}
			continue
		}
		sum.Talks = append(sum.Talks, TalkSummary{TalkID: t.TalkID, Title: t.Title, Text: text})
	}
	if sum.Overall == "" && len(talks) > 1 {
		return Summary{}, &Error{Kind: KindBadResponse, msg: "llm: the answer has no overall summary"}
	}
	return sum, nil
}

// packNotes splits the notes into chunks of at most room tokens and maxTalks
// talks. A talk too long for one chunk continues in the next, its title line repeated.
func packNotes(talks []TalkNotes, room, maxTalks int) []chunk {
	var chunks []chunk
	cur := chunk{}
	lineCost := func(v any) int { return EstimateTokens(quoteJSON(v)) + 1 }
	flush := func() {
		if len(cur.lines) > 0 {
			chunks = append(chunks, cur)
		}
		cur = chunk{}
	}
	for _, t := range talks {
		title := titleLine{Talk: t.TalkID, Title: neutralise(truncateTokens(t.Title, 100))}
		tc := lineCost(title)
		open := false // the talk's title is in cur
		for _, n := range t.Notes {
			line := noteLine{Talk: t.TalkID, Author: neutralise(truncateTokens(n.Author, 20)), Note: neutralise(n.Text)}
			nc := lineCost(line)
			if limit := room - tc; nc > limit { // a note longer than a whole request is cut
				line.Note = truncateTokens(line.Note, limit-lineCost(noteLine{Talk: t.TalkID, Author: line.Author}))
				nc = lineCost(line)
			}
			need := nc
			if !open {
				need += tc
			}
			if cur.cost+need > room || !open && len(cur.talks) >= maxTalks {
				flush()
				open = false
				need = nc + tc
			}
			if !open {
				cur.lines = append(cur.lines, title)
				cur.talks = append(cur.talks, t.TalkID)
				cur.cost += tc
				open = true
			}
			cur.lines = append(cur.lines, line)
			cur.cost += nc
		}
	}
	flush()
	return chunks
}

type chunkAnswer struct {
	talks   map[int64]string
	overall string
}

func (r *summaryRun) askChunk(ctx context.Context, c chunk, needOverall bool) (chunkAnswer, error) {
	req := Request{
		Messages: []Message{
			{RoleSystem, summarySystem},
			{RoleUser, summaryInstruction + "\n" + fence(c.lines...) + "\n" + summaryAnswer},
		},
		MaxTokens: r.s.opts.AnswerTokens,
		JSON:      true,
	}
	known := map[int64]bool{}
	for _, id := range c.talks {
		known[id] = true
	}
	var ans chunkAnswer
	parse := func(text string) error {
		var raw struct {
			Talks []struct {
				Talk    int64  `json:"talk"`
				Summary string `json:"summary"`
			} `json:"talks"`
			Overall string `json:"overall"`
		}
		if err := decodeObject(text, &raw, false); err != nil {
			return err
		}
		ans = chunkAnswer{talks: map[int64]string{}, overall: raw.Overall}
		for _, t := range raw.Talks {
			if !known[t.Talk] { // a talk it was not given: dropped, never shown
				continue
			}
			if _, dup := ans.talks[t.Talk]; !dup && strings.TrimSpace(t.Summary) != "" {
				ans.talks[t.Talk] = t.Summary
			}
		}
		if len(ans.talks) == 0 {
			return errors.New("the answer summarises none of the talks it was given")
		}
		if needOverall && oneLine(ans.overall, 1200) == "" {
			return errors.New("the answer has no overall summary")
		}
		return nil
	}
	_, err := r.ask(ctx, promptSummary, req, parse)
	return ans, err
}

const mergeInstruction = "Below are partial summaries of %s. Combine them into one summary of at most 80 words."

const mergeAnswer = "Answer as JSON: {\"summary\":\"<text>\"}. Plain text only: no Markdown, no HTML, no mentions."

type partLine struct {
	Part int    `json:"part"`
	Text string `json:"text"`
}

// reduce combines partial summaries into one, in as many rounds as the
// context budget needs. what is our own text; about, when not nil, is a data
// line (a talk's title) that leads every group.
func (r *summaryRun) reduce(ctx context.Context, what string, about any, texts []string) (string, error) {
	s := r.s
	instruction := fmt.Sprintf(mergeInstruction, what)
	var lead []any
	if about != nil {
		lead = []any{about}
	}
	room := s.opts.ContextTokens - s.opts.AnswerTokens -
		promptTokens([]Message{{RoleSystem, summarySystem}, {RoleUser, instruction + "\n" + fence(lead...) + "\n" + mergeAnswer}})
	if len(texts) == 0 {
		return "", nil
	}
	for round := 0; len(texts) > 1; round++ {
		if round == 8 {
			return "", &Error{Kind: KindBadResponse, msg: "llm: partial summaries do not shrink"}
		}
		// Each part is cut to half an answer, so a group always holds at least two.
		var groups [][]any
		cur := slices.Clone(lead)
		cost := 0
		for i, t := range texts {
			line := partLine{Part: i + 1, Text: neutralise(truncateTokens(t, s.opts.AnswerTokens/2))}
			c := EstimateTokens(quoteJSON(line)) + 1
			if cost+c > room && len(cur) > len(lead) {
				groups = append(groups, cur)
				cur, cost = slices.Clone(lead), 0
			}
			cur = append(cur, line)
			cost += c
		}
		groups = append(groups, cur)
		next := make([]string, len(groups))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(s.opts.Parallel)
		for i, grp := range groups {
			g.Go(func() error {
				req := Request{
					Messages: []Message{
						{RoleSystem, summarySystem},
						{RoleUser, instruction + "\n" + fence(grp...) + "\n" + mergeAnswer},
					},
					MaxTokens: s.opts.AnswerTokens / 2,
					JSON:      true,
				}
				var out string
				_, err := r.ask(gctx, promptMerge, req, func(text string) error {
					var raw struct {
						Summary string `json:"summary"`
					}
					if err := decodeObject(text, &raw, false); err != nil {
						return err
					}
					if strings.TrimSpace(raw.Summary) == "" {
						return errors.New("the merged summary is empty")
					}
					out = raw.Summary
					return nil
				})
				next[i] = out
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return "", err
		}
		texts = next
	}
	return texts[0], nil
}

// ask sends one request for this summary and counts what it cost.
func (r *summaryRun) ask(ctx context.Context, prompt string, req Request, valid func(string) error) (string, error) {
	res, err := r.s.ask(ctx, r.ws, prompt, req, valid)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.TokensUsed += res.used
	if res.cached {
		r.stats.CacheHits++
	} else if res.sent > 0 {
		r.stats.Calls++
		r.stats.TokensSent += res.sent
		r.stats.LargestRequest = max(r.stats.LargestRequest, res.sent+req.MaxTokens)
	}
	return res.text, err
}

// decodeObject reads the JSON object in a model's answer, tolerating a code
// fence or words around it. strict refuses fields that are not in v.
func decodeObject(text string, v any, strict bool) error {
	start, end := strings.IndexByte(text, '{'), strings.LastIndexByte(text, '}')
	if start < 0 || end < start {
		return errors.New("the answer holds no JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(text[start : end+1]))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the answer is not the JSON asked for: %w", err)
	}
	if dec.More() {
		return errors.New("the answer holds more than one JSON value")
	}
	return nil
}
