package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/talkbot/talkbot"
)

// ref is a talk reference as typed: #id, a schedule link or id, a title, or nothing.
type ref struct {
	id         int64
	scheduleID string
	title      string
	quoted     bool // the title was in quotes
}

func (f ref) empty() bool { return f.id == 0 && f.scheduleID == "" && f.title == "" }

// refFrom builds a reference from parsed options and the leftover words.
func refFrom(o opts) ref {
	f := ref{id: o.talkID, scheduleID: o.scheduleID, title: joinTokens(o.rest)}
	f.quoted = len(o.rest) == 1 && o.rest[0].quoted
	return f
}

var reScheduleIDWord = regexp.MustCompile(`^[A-Za-z0-9_-]{4,60}$`)

// isScheduleIDWord reports whether a bare word could be a schedule id such as
// 182HU or 1nSgo: letters and digits, at least one digit.
func isScheduleIDWord(s string) bool {
	return reScheduleIDWord.MatchString(s) && strings.ContainsAny(s, "0123456789")
}

// resolveMode says what to do when a title matches no talk exactly.
type resolveMode int

const (
	mustExist     resolveMode = iota // fuzzy match, ask back when unsure
	fuzzyOrCreate                    // a confident fuzzy match, else a new talk
	exactOrCreate                    // exact title or a new talk
)

// errCreate tells the caller to create a talk with the reference's title.
var errCreate = errors.New("create talk")

// resolve finds the talk a reference names, in the order of PRODUCT.md §3.
func (r *Router) resolve(ctx context.Context, c *call, f ref, mode resolveMode) (talkbot.Talk, error) {
	switch {
	case f.id != 0:
		t, err := r.store.Talk(ctx, c.user.WorkspaceID, f.id)
		if errors.Is(err, talkbot.ErrNotFound) {
			return t, talkbot.Errorf(talkbot.ENOTFOUND, "There is no talk #%d. `list` shows your talks, `search <words>` finds others.", f.id)
		}
		return t, err
	case f.scheduleID != "":
		t, err := r.bySchedule(ctx, c, f.scheduleID)
		if errors.Is(err, talkbot.ErrNotFound) {
			if mode != mustExist {
				return t, errCreate
			}
			return t, talkbot.Errorf(talkbot.ENOTFOUND, "No talk with schedule id %s is logged yet; `add` it first.", f.scheduleID)
		}
		return t, err
	case f.title == "":
		if c.user.LastTalkID == 0 {
			if strictCommands[c.name] {
				return talkbot.Talk{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? Give its #id or \"quoted title\"; there is no last talk to go on yet.")
			}
			return talkbot.Talk{}, talkbot.Errorf(talkbot.EINVALID, "Which talk? Give its #id or title; there is no last talk to go on yet.")
		}
		return r.store.Talk(ctx, c.user.WorkspaceID, c.user.LastTalkID)
	}
	if !f.quoted && isScheduleIDWord(f.title) {
		if t, err := r.bySchedule(ctx, c, f.title); err == nil || !errors.Is(err, talkbot.ErrNotFound) {
			return t, err
		}
	}
	exact, err := r.store.TalksByTitle(ctx, c.conf.ID, f.title)
	if err != nil {
		return talkbot.Talk{}, err
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) > 1:
		return talkbot.Talk{}, ambiguous(f.title, exact)
	}
	if mode == exactOrCreate {
		// "add API Server Inception" when only "API Server Inception: How Many
		// Layers…" starts so means that talk; a quoted title always logs a new one.
		if f.quoted {
			return talkbot.Talk{}, errCreate
		}
		cands, err := r.store.TitlesStartingWith(ctx, c.conf.ID, f.title, 2)
		if err != nil {
			return talkbot.Talk{}, err
		}
		if len(cands) == 1 && len(strings.Fields(talkbot.NormalizeTitle(f.title))) >= 2 {
			return cands[0], nil
		}
		return talkbot.Talk{}, errCreate
	}
	cands, err := r.store.TitleCandidates(ctx, c.conf.ID, f.title, 20)
	if err != nil {
		return talkbot.Talk{}, err
	}
	best, sure := bestMatch(f.title, cands)
	switch {
	case sure:
		return best[0], nil
	case mode == fuzzyOrCreate:
		return talkbot.Talk{}, errCreate
	case len(best) == 0:
		return talkbot.Talk{}, talkbot.Errorf(talkbot.ENOTFOUND, "I found no talk called “%s”. `search <words>` looks further, `add <title>` logs a new one.", truncate(f.title, 80))
	}
	return talkbot.Talk{}, ambiguous(f.title, best)
}

func (r *Router) bySchedule(ctx context.Context, c *call, id string) (talkbot.Talk, error) {
	t, err := r.store.TalkBySchedule(ctx, c.conf.ID, id)
	if errors.Is(err, talkbot.ErrNotFound) {
		return r.store.TalkByScheduleInWorkspace(ctx, c.user.WorkspaceID, id)
	}
	return t, err
}

// strictCommands name a talk only by #id, schedule link or id, or "quoted title".
var strictCommands = map[string]bool{"note": true, "rate": true, "star": true, "unstar": true}

// ambiguousError asks the user to pick one of several talks.
type ambiguousError struct {
	query string
	talks []talkbot.Talk
}

func (e *ambiguousError) Error() string {
	return fmt.Sprintf("%d talks match %q", len(e.talks), e.query)
}

func ambiguous(q string, ts []talkbot.Talk) error {
	if len(ts) > 5 {
		ts = ts[:5]
	}
	return &ambiguousError{query: q, talks: ts}
}

// bestMatch scores candidates by shared words and returns them best first;
// sure is set when the best one clearly beats the rest.
func bestMatch(query string, cands []talkbot.Talk) ([]talkbot.Talk, bool) {
	q := talkbot.NormalizeTitle(query)
	qw := strings.Fields(q)
	type scored struct {
		t talkbot.Talk
		s float64
	}
	var ss []scored
	for _, t := range cands {
		nt := talkbot.NormalizeTitle(t.Title)
		s := wordOverlap(qw, strings.Fields(nt))
		if len(q) >= 4 && strings.Contains(nt, q) {
			s = max(s, 0.75)
		}
		if s >= 0.3 {
			ss = append(ss, scored{t, s})
		}
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].s > ss[j].s })
	out := make([]talkbot.Talk, len(ss))
	for i, s := range ss {
		out[i] = s.t
	}
	sure := len(ss) > 0 && ss[0].s >= 0.6 && (len(ss) == 1 || ss[0].s-ss[1].s >= 0.2)
	return out, sure
}

// wordOverlap is the share of the query's words found in the title (prefixes
// count), weighed down a little for titles much longer than the query.
func wordOverlap(q, t []string) float64 {
	if len(q) == 0 || len(t) == 0 {
		return 0
	}
	hit := 0
	for _, w := range q {
		for _, x := range t {
			if x == w || (len(w) >= 3 && strings.HasPrefix(x, w)) {
				hit++
				break
			}
		}
	}
	recall := float64(hit) / float64(len(q))
	precision := float64(hit) / float64(len(t))
	return 0.8*recall + 0.2*precision
}
