package llm

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// QuestionRequest is a free-form watch question ("anything on eBPF I missed?").
type QuestionRequest struct {
	WorkspaceID int64
	Text        string
	Today       string   // YYYY-MM-DD in the conference's zone: resolves "today", "yesterday"
	Tags        []string // tags known in the workspace; a tag filter must be one of them when given
}

// Filters narrow the watch ranking. The zero value means no narrowing.
type Filters struct {
	Keywords      []string `json:"keywords"`       // full-text terms, lower case
	Tags          []string `json:"tags"`           // without '#', lower case
	Day           string   `json:"day"`            // YYYY-MM-DD
	Weekday       string   `json:"weekday"`        // "monday" … "sunday"
	OnlyMissed    bool     `json:"only_missed"`    // talks the user missed or did not attend
	MinRating     int      `json:"min_rating"`     // 0-5: colleagues' ratings at least this
	WithRecording bool     `json:"with_recording"` // only talks with a recording
}

// Question is a parsed question.
type Question struct {
	Filters    Filters
	By         string // "llm:<model>" or "built-in"
	Fallback   Reason
	TokensUsed int
}

// Limits on filters, from the model or the parser.
const (
	maxKeywords   = 8
	maxKeywordLen = 40
	maxTagLen     = 32
	maxTags       = 10
)

// ParseQuestion turns a question into filters: with the model when it can
// (asked for JSON, validated strictly), else with the built-in parser.
func (s *Service) ParseQuestion(ctx context.Context, q QuestionRequest) Question {
	if s.client == nil {
		return Question{Filters: ParseQuestionBuiltIn(q), By: BuiltIn, Fallback: ReasonNotConfigured}
	}
	var f Filters
	var res askResult
	err := s.inLane(ctx, func(ctx context.Context) (err error) { f, res, err = s.parseQuestionLLM(ctx, q); return err })
	if err != nil {
		s.logFallback(ctx, "question", q.WorkspaceID, err)
		return Question{Filters: ParseQuestionBuiltIn(q), By: BuiltIn, Fallback: reasonFor(err), TokensUsed: res.used}
	}
	return Question{Filters: f, By: s.by(), TokensUsed: res.used}
}

const filtersSystem = "You turn a conference attendee's question about which talk recordings to watch into search filters. " +
	dataRule + " Answer with one JSON object and nothing else."

const filtersAnswer = `Answer as JSON with exactly these fields: {"keywords":[<up to 8 lower-case search words from the question, not words like "talk" or "watch">],` +
	`"tags":[<tags from the known tags only, without #>],"day":"<YYYY-MM-DD or empty>","weekday":"<monday…sunday or empty>",` +
	`"only_missed":<true if the asker wants talks they missed or did not attend>,"min_rating":<0-5, 4 for "best" or "top">,` +
	`"with_recording":<true only if the asker asks for talks with a recording>}.`

type questionData struct {
	Question  string   `json:"question"`
	Today     string   `json:"today,omitempty"`
	KnownTags []string `json:"known_tags,omitempty"`
}

func (s *Service) parseQuestionLLM(ctx context.Context, q QuestionRequest) (Filters, askResult, error) {
	text := truncateTokens(strings.TrimSpace(q.Text), 200)
	tags := q.Tags
	if len(tags) > 200 {
		tags = tags[:200]
	}
	data := questionData{Question: neutralise(text), Today: q.Today, KnownTags: tags}
	req := Request{
		Messages: []Message{
			{RoleSystem, filtersSystem},
			{RoleUser, "The question, today's date and the known tags:\n" + fence(data) + "\n" + filtersAnswer},
		},
		MaxTokens: 300,
		JSON:      true,
	}
	var f Filters
	res, err := s.ask(ctx, q.WorkspaceID, promptFilters, req, func(answer string) error {
		var raw Filters
		if err := decodeObject(answer, &raw, true); err != nil {
			return err
		}
		var err error
		f, err = validFilters(raw, q.Tags)
		return err
	})
	return f, res, err
}

var (
	keywordPattern = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}+#.\-_]*$`)
	tagPattern     = regexp.MustCompile(`^[\p{L}][\p{L}\p{N}\-_.]*$`)
	weekdays       = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}
)

// validFilters checks filters from the model and normalises them; any field
// out of bounds rejects the whole answer.
func validFilters(f Filters, known []string) (Filters, error) {
	out := Filters{OnlyMissed: f.OnlyMissed, WithRecording: f.WithRecording}
	if len(f.Keywords) > maxKeywords {
		return Filters{}, fmt.Errorf("%d keywords, at most %d", len(f.Keywords), maxKeywords)
	}
	for _, k := range f.Keywords {
		k = strings.ToLower(strings.TrimSpace(k))
		if utf8.RuneCountInString(k) > maxKeywordLen || !keywordPattern.MatchString(k) {
			return Filters{}, fmt.Errorf("keyword %q is not a search word", k)
		}
		if questionWords[k] || stopWords[k] {
			// "talks" or "missed", searched for, narrowed "what talks did I
			// miss?" to nothing; the built-in parser drops them too.
			continue
		}
		if !slices.Contains(out.Keywords, k) {
			out.Keywords = append(out.Keywords, k)
		}
	}
	if len(f.Tags) > maxTags {
		return Filters{}, fmt.Errorf("%d tags, at most %d", len(f.Tags), maxTags)
	}
	for _, t := range f.Tags {
		t = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t), "#"))
		if utf8.RuneCountInString(t) > maxTagLen || !tagPattern.MatchString(t) {
			return Filters{}, fmt.Errorf("tag %q is not a tag", t)
		}
		if len(known) > 0 && !containsFold(known, t) {
			// A tag nobody used would narrow to nothing: it searches as a word.
			if len(out.Keywords) < maxKeywords && !slices.Contains(out.Keywords, t) && keywordPattern.MatchString(t) {
				out.Keywords = append(out.Keywords, t)
			}
			continue
		}
		if !slices.Contains(out.Tags, t) {
			out.Tags = append(out.Tags, t)
		}
	}
	if f.Day != "" {
		if _, err := time.Parse(time.DateOnly, f.Day); err != nil {
			return Filters{}, fmt.Errorf("day %q is not YYYY-MM-DD", f.Day)
		}
		out.Day = f.Day
	}
	if f.Weekday != "" {
		w := strings.ToLower(f.Weekday)
		if !slices.Contains(weekdays, w) {
			return Filters{}, fmt.Errorf("weekday %q is not a day of the week", f.Weekday)
		}
		out.Weekday = w
	}
	if f.MinRating < 0 || f.MinRating > 5 {
		return Filters{}, fmt.Errorf("min_rating %d is not 0-5", f.MinRating)
	}
	out.MinRating = f.MinRating
	return out, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(strings.TrimPrefix(v, "#"), s) {
			return true
		}
	}
	return false
}

// Words of watch questions that are not what the asker is looking for.
var questionWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`anything something everything any some what which who whom whose how why when where
		should could would can may might shall will must do does did done is are was were be been am i me my mine we us our
		you your it its this that these those there here the a an and or but of on in at to for from with about by as into
		talk talks session sessions recording recordings video videos watch watched watching later list
		recommend recommended recommendation recommendations suggest suggestions show tell give find see seen
		missed miss skipped skip attend attended didn't did not couldn't couldnt haven't havent go went
		best top great good favourite favorite favourites favorites highly rated rating stars star
		today yesterday tomorrow day week please thanks need want wanted like liked interesting worth
		else more other others also just all really very so up out them they team colleagues`) {
		m[w] = true
	}
	return m
}()

var (
	isoDate          = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2})\b`)
	ratingPattern    = regexp.MustCompile(`(?i)(?:\brated\s*|\b)([1-5])\s*(?:\+|/5|\s*stars?|★)|\b(?:rated|rating)\s*(?:at least\s*)?([1-5])\b`)
	missedPattern    = regexp.MustCompile(`(?i)\b(?:missed|miss|skipped)\b|(?:\bnot|n't|\bnever) (?:see|seen|attend|attended|make|made|go|get|got|catch|caught)\b`)
	bestPattern      = regexp.MustCompile(`(?i)\b(best|top|greatest|highly rated|highest rated|favou?rites?|must[- ]see|must[- ]watch)\b`)
	recordPattern    = regexp.MustCompile(`(?i)\bwith (?:a |the )?(?:recording|video)s?\b|\b(?:recorded|ha(?:s|ve) (?:a |the )?(?:recording|video)s?)\b`)
	todayPattern     = regexp.MustCompile(`\btoday\b`)
	yesterdayPattern = regexp.MustCompile(`\byesterday\b`)
	weekdayPattern   = regexp.MustCompile(`\b(` + strings.Join(weekdays, "|") + `)s?\b`)
	mention          = regexp.MustCompile(`[@!][^\s]+`) // mentions and Slack specials are never search words
	hashTag          = regexp.MustCompile(`(?:^|\s)#([\p{L}][\p{L}\p{N}\-_.]*)`)
)

// ParseQuestionBuiltIn reads filters from a question with rules: #tags,
// dates, weekdays, "missed", "best"/"top", ratings, "with a recording", and
// the remaining content words as keywords.
func ParseQuestionBuiltIn(q QuestionRequest) Filters {
	text := mention.ReplaceAllString(Sanitize(q.Text), " ")
	lower := strings.ToLower(text)
	var f Filters
	for _, m := range hashTag.FindAllStringSubmatch(text, -1) {
		t := strings.ToLower(strings.TrimRight(m[1], ".-_"))
		if len(f.Tags) < maxTags && utf8.RuneCountInString(t) <= maxTagLen && !slices.Contains(f.Tags, t) {
			f.Tags = append(f.Tags, t)
		}
	}
	if m := isoDate.FindString(text); m != "" {
		if _, err := time.Parse(time.DateOnly, m); err == nil {
			f.Day = m
		}
	}
	if today, err := time.Parse(time.DateOnly, q.Today); err == nil && f.Day == "" {
		switch {
		case todayPattern.MatchString(lower):
			f.Day = q.Today
		case yesterdayPattern.MatchString(lower):
			f.Day = today.AddDate(0, 0, -1).Format(time.DateOnly)
		}
	}
	if m := weekdayPattern.FindStringSubmatch(lower); m != nil {
		f.Weekday = m[1]
	}
	f.OnlyMissed = missedPattern.MatchString(lower)
	f.WithRecording = recordPattern.MatchString(lower)
	if m := ratingPattern.FindStringSubmatch(lower); m != nil {
		n, _ := strconv.Atoi(m[1] + m[2])
		f.MinRating = n
	} else if bestPattern.MatchString(lower) {
		f.MinRating = 4
	}
	stripped := hashTag.ReplaceAllString(text, " ")
	stripped = isoDate.ReplaceAllString(stripped, " ")
	for _, w := range questionTokens(stripped) {
		if len(f.Keywords) == maxKeywords {
			break
		}
		lw := strings.ToLower(w)
		if questionWords[lw] || stopWords[lw] || slices.Contains(weekdays, strings.TrimSuffix(lw, "s")) ||
			isNumber(lw) || slices.Contains(f.Keywords, lw) || utf8.RuneCountInString(lw) < 2 || utf8.RuneCountInString(lw) > maxKeywordLen {
			continue
		}
		f.Keywords = append(f.Keywords, lw)
	}
	return f
}

// questionTokens splits text into words, keeping inner + # . - _ ("c++", "c#", "k8s", "ci/cd" as "ci", "cd").
func questionTokens(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("+#.-_'", r))
	}) {
		f = strings.Trim(f, ".-_'")
		if f != "" && keywordPattern.MatchString(f) {
			out = append(out, f)
		}
	}
	return out
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// Candidate is a talk the ranking chose, with what the model may say about it.
type Candidate struct {
	TalkID int64
	Title  string
	Facts  []string // e.g. "alice rated it 5/5", "you missed it: room full", "has a recording"
	Reason string   // the ranking's own one-line reason
}

// Explained is a candidate with the reason to show.
type Explained struct {
	TalkID  int64
	Title   string // the caller's title, never the model's
	Reason  string
	FromLLM bool
}

// Explanation is the candidates, in the caller's order, each with a reason.
type Explanation struct {
	Talks      []Explained
	By         string
	Fallback   Reason
	TokensUsed int
}

const explainSystem = "You explain in one line why a conference attendee should watch each talk recording, " +
	"using only the facts given for that talk. " + dataRule + " Answer with one JSON object and nothing else."

const explainAnswer = `Answer as JSON: {"reasons":[{"talk":<talk id from the data>,"reason":"<one line, at most 20 words>"}]}. ` +
	"Only talk ids from the data. Plain text only: no Markdown, no HTML, no mentions."

type candidateLine struct {
	Talk   int64    `json:"talk"`
	Title  string   `json:"title"`
	Facts  []string `json:"facts,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

const maxReasonRunes = 160

// Explain asks the model for a one-line reason per candidate. Every talk id
// in the answer is checked against the candidates and unknown ones dropped;
// a candidate the model says nothing valid about keeps its own reason.
// The result always lists exactly the candidates, in their order.
func (s *Service) Explain(ctx context.Context, workspaceID int64, question string, cands []Candidate) Explanation {
	own := func(why Reason) Explanation {
		e := Explanation{By: BuiltIn, Fallback: why}
		for _, c := range cands {
			e.Talks = append(e.Talks, Explained{TalkID: c.TalkID, Title: c.Title, Reason: c.Reason})
		}
		return e
	}
	if len(cands) == 0 {
		return own("")
	}
	if s.client == nil {
		return own(ReasonNotConfigured)
	}
	var reasons map[int64]string
	var res askResult
	err := s.inLane(ctx, func(ctx context.Context) (err error) {
		reasons, res, err = s.explainLLM(ctx, workspaceID, question, cands)
		return err
	})
	if err != nil {
		s.logFallback(ctx, "explain", workspaceID, err)
		e := own(reasonFor(err))
		e.TokensUsed = res.used
		return e
	}
	e := Explanation{By: s.by(), TokensUsed: res.used}
	for _, c := range cands {
		x := Explained{TalkID: c.TalkID, Title: c.Title, Reason: c.Reason}
		if r, ok := reasons[c.TalkID]; ok {
			x.Reason, x.FromLLM = r, true
		}
		e.Talks = append(e.Talks, x)
	}
	return e
}

func (s *Service) explainLLM(ctx context.Context, ws int64, question string, cands []Candidate) (map[int64]string, askResult, error) {
	head := "The asker's question, then the talks our ranking chose for them:\n"
	q := neutralise(truncateTokens(strings.TrimSpace(question), 200))
	room := s.opts.ContextTokens - s.opts.AnswerTokens -
		promptTokens([]Message{{RoleSystem, explainSystem}, {RoleUser, head + fence(map[string]string{"question": q}) + "\n" + explainAnswer}})
	lines := []any{map[string]string{"question": q}}
	sent := map[int64]bool{}
	cost := 0
	for _, c := range cands {
		if sent[c.TalkID] {
			continue
		}
		line := candidateLine{Talk: c.TalkID, Title: neutralise(truncateTokens(c.Title, 100)), Reason: neutralise(truncateTokens(c.Reason, 60))}
		for _, f := range c.Facts[:min(len(c.Facts), 8)] {
			line.Facts = append(line.Facts, neutralise(truncateTokens(f, 80)))
		}
		lc := EstimateTokens(quoteJSON(line)) + 1
		if cost+lc > room || len(sent)*40 > s.opts.AnswerTokens-40 {
			break // the rest keep their own reasons
		}
		cost += lc
		lines = append(lines, line)
		sent[c.TalkID] = true
	}
	req := Request{
		Messages:  []Message{{RoleSystem, explainSystem}, {RoleUser, head + fence(lines...) + "\n" + explainAnswer}},
		MaxTokens: min(s.opts.AnswerTokens, 60+40*len(sent)),
		JSON:      true,
	}
	var reasons map[int64]string
	res, err := s.ask(ctx, ws, promptExplain, req, func(answer string) error {
		var raw struct {
			Reasons []struct {
				Talk   int64  `json:"talk"`
				Reason string `json:"reason"`
			} `json:"reasons"`
		}
		if err := decodeObject(answer, &raw, false); err != nil {
			return err
		}
		reasons = map[int64]string{}
		for _, r := range raw.Reasons {
			if !sent[r.Talk] { // not a talk it was given: dropped
				continue
			}
			if _, dup := reasons[r.Talk]; dup {
				continue
			}
			if text := oneLine(r.Reason, maxReasonRunes); text != "" {
				reasons[r.Talk] = text
			}
		}
		if len(reasons) == 0 {
			return errors.New("the answer explains none of the talks it was given")
		}
		return nil
	})
	return reasons, res, err
}
