// Package commands is talkbot's platform-neutral command layer: it parses a
// message, routes it through one table of commands, runs the handler against
// the store and returns a neutral Reply for an adapter to render.
package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/talkbot/talkbot"
)

// Store is what the commands need from storage. Lookups of one thing return
// an error wrapping talkbot.ErrNotFound when there is none; lists return no
// items and no error.
type Store interface {
	User(ctx context.Context, platform, workspace, externalID, name string) (talkbot.User, error)
	FindUser(ctx context.Context, workspaceID int64, ref string) (talkbot.User, error)
	SetDefaultVisibility(ctx context.Context, userID int64, v talkbot.Visibility) error
	ForgetUser(ctx context.Context, userID int64) (talkbot.Forgotten, error)

	CurrentConference(ctx context.Context, u talkbot.User) (talkbot.Conference, error)
	Conferences(ctx context.Context, workspaceID int64) ([]talkbot.Conference, error)
	CreateConference(ctx context.Context, u talkbot.User, c talkbot.Conference, forTeam bool) (talkbot.Conference, error)
	UseConference(ctx context.Context, u talkbot.User, name string, forTeam bool) (talkbot.Conference, error)
	SetConferenceVideos(ctx context.Context, conferenceID int64, url string) error

	Talk(ctx context.Context, workspaceID, id int64) (talkbot.Talk, error)
	TalkBySchedule(ctx context.Context, conferenceID int64, scheduleID string) (talkbot.Talk, error)
	TalkByScheduleInWorkspace(ctx context.Context, workspaceID int64, scheduleID string) (talkbot.Talk, error)
	TalksByTitle(ctx context.Context, conferenceID int64, title string) ([]talkbot.Talk, error)
	// TitlesWithWords returns talks with only ID, Title and Day set.
	TitlesWithWords(ctx context.Context, conferenceID int64, words []string, typos bool, limit int) ([]talkbot.Talk, error)
	TitleCandidates(ctx context.Context, conferenceID int64, query string, limit int) ([]talkbot.Talk, error)
	UserLog(ctx context.Context, userID, talkID int64) (talkbot.Log, error)
	UserNotes(ctx context.Context, userID, talkID int64) ([]talkbot.Note, error)
	UserNote(ctx context.Context, userID, noteID int64) (talkbot.Note, error)

	Apply(ctx context.Context, c talkbot.Change) (talkbot.Outcome, error)
	Undo(ctx context.Context, userID int64) (talkbot.Undone, error)

	ListTalks(ctx context.Context, q talkbot.ListQuery) ([]talkbot.TalkSummary, talkbot.Total, error)
	Highlights(ctx context.Context, q talkbot.HighlightQuery) ([]talkbot.TalkSummary, talkbot.Total, error)
	Search(ctx context.Context, q talkbot.SearchQuery) ([]talkbot.SearchHit, talkbot.Total, error)
	TalkDetail(ctx context.Context, workspaceID, viewerID, talkID int64) (talkbot.TalkDetail, error)
	WatchList(ctx context.Context, u talkbot.User, conferenceID int64, p talkbot.Page) ([]talkbot.Suggestion, talkbot.Total, error)
	Export(ctx context.Context, u talkbot.User) (talkbot.Export, error)
}

// Request is one message to the bot, as an adapter saw it.
type Request struct {
	Platform  string // talkbot.PlatformSlack, ...
	Workspace string // Slack team id, Matrix homeserver, "local"
	UserID    string // platform user id
	UserName  string // display name
	Admin     bool   // the platform says this user is an admin
	Text      string // the message, with or without a leading talk, /talk or !talk
	// Shared says others will see the reply (a shared Matrix room, a Slack
	// message shared to a channel): private notes are then left out of it.
	Shared bool
}

// Config configures a Router.
type Config struct {
	Store  Store
	Now    func() time.Time // the clock; time.Now when nil
	Logger *slog.Logger     // slog.Default() when nil
	// RateBurst commands may come at once from one user, then one every
	// RateEvery (500ms when zero). Zero RateBurst means no limit: the console
	// is the user's own terminal, and a script piped into it applies whole.
	RateBurst int
	RateEvery time.Duration
}

// Router parses and routes commands.
type Router struct {
	store    Store
	now      func() time.Time
	log      *slog.Logger
	limiter  *limiter
	commands []command
	byName   map[string]*command
}

// command is one row of the table that routing and help are both built from.
type command struct {
	name     string
	aliases  []string
	usage    string
	summary  string
	examples []string
	notes    []string // more about how it reads its input, for help
	run      func(ctx context.Context, c *call) (Reply, error)
}

// call is one command being run.
type call struct {
	req  Request
	user talkbot.User
	conf talkbot.Conference
	name string // the command word as typed
	args string // the text after the command word
	now  time.Time
	// defaultDay is the day a new talk is logged on when none is given:
	// today, for add and missed while the conference is on.
	defaultDay string
	// rest is what follows the talk reference (options, " -- " and a note),
	// for the commands a question back suggests.
	rest string
}

// noteViewer is whose private notes the reply may show: the asker's, unless
// others will see it too (0 matches no one).
func (c *call) noteViewer() int64 {
	if c.req.Shared {
		return 0
	}
	return c.user.ID
}

// today is the current date in the conference's zone.
func (c *call) today() string { return c.now.In(c.conf.Location()).Format(time.DateOnly) }

// New returns a Router over the store.
func New(cfg Config) *Router {
	r := &Router{store: cfg.Store, now: cfg.Now, log: cfg.Logger}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if every := cfg.RateEvery; cfg.RateBurst > 0 {
		if every == 0 {
			every = 500 * time.Millisecond
		}
		r.limiter = &limiter{burst: float64(cfg.RateBurst), every: every, buckets: map[string]*bucket{}}
	}
	r.commands = r.table()
	r.byName = map[string]*command{}
	for i := range r.commands {
		c := &r.commands[i]
		r.byName[c.name] = c
		for _, a := range c.aliases {
			r.byName[a] = c
		}
	}
	return r
}

// Handle runs one message and returns the reply. Internal failures are logged
// here and answered with a generic message; they never reach the user as text.
func (r *Router) Handle(ctx context.Context, req Request) Reply {
	text, err := cleanText(req.Text)
	if err != nil {
		return errorReply(talkbot.ErrorMessage(err))
	}
	text = stripPrefix(text)
	if text == "" {
		return r.help("")
	}
	now := r.now()
	if r.limiter != nil {
		if wait := r.limiter.take(req.Platform+"\x00"+req.Workspace+"\x00"+req.UserID, now); wait > 0 {
			return errorReply("Easy there: that's a lot of commands at once. Try again in " + humanWait(wait) + ".")
		}
	}
	if name, err := cleanText(req.UserName); err == nil {
		req.UserName = strings.TrimSpace(name)
	}
	word, args, _ := strings.Cut(text, " ")
	if i := strings.IndexByte(word, '\n'); i >= 0 {
		word, args = word[:i], text[i+1:]
	}
	name := strings.ToLower(word)
	cmd, ok := r.byName[name]
	if !ok {
		if isWatchQuestion(text) {
			cmd, args = r.byName["watch"], ""
		} else {
			return r.unknown(word)
		}
	}
	c := &call{req: req, name: name, args: strings.TrimSpace(args), now: now}
	if c.user, err = r.store.User(ctx, req.Platform, req.Workspace, req.UserID, req.UserName); err == nil {
		c.conf, err = r.store.CurrentConference(ctx, c.user)
	}
	var reply Reply
	if err == nil {
		reply, err = cmd.run(ctx, c)
	}
	var amb *ambiguousError
	if errors.As(err, &amb) {
		return ambiguousReply(amb)
	}
	if err != nil {
		if talkbot.ErrorCode(err) == talkbot.EINTERNAL {
			r.log.ErrorContext(ctx, "command failed", "cmd", cmd.name, "platform", req.Platform, "user_id", req.UserID, "err", err)
		}
		return errorReply(talkbot.ErrorMessage(err))
	}
	return reply
}

// humanWait says a short wait the way a person would.
func humanWait(d time.Duration) string {
	switch s := int((d + time.Second - 1) / time.Second); {
	case s <= 1:
		return "a second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	case s < 120:
		return "a minute"
	default:
		return fmt.Sprintf("%d minutes", (s+59)/60)
	}
}

// isWatchQuestion spots plain questions such as "what should I watch later?".
func isWatchQuestion(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "watch") && (strings.HasSuffix(strings.TrimSpace(t), "?") ||
		strings.HasPrefix(t, "what") || strings.HasPrefix(t, "which") || strings.HasPrefix(t, "anything"))
}

func (r *Router) unknown(word string) Reply {
	best, bestDist := "", 4
	for name := range r.byName {
		if d := editDistance(strings.ToLower(word), name); d < bestDist || (d == bestDist && name < best) {
			best, bestDist = name, d
		}
	}
	shown := truncate(word, 30)
	if best != "" && bestDist <= max(1, len([]rune(word))/2) {
		return errorReply("I don't know the command “" + shown + "”. Did you mean `" + best + "`? Type `help` for the list.")
	}
	return errorReply("I don't know the command “" + shown + "”. Type `help` for the list.")
}

// limiter is a token bucket per user.
type limiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// take spends a token for key and returns how long to wait when there is none.
func (l *limiter) take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) > 100_000 {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 { // a clock stepping back refills nothing and takes nothing
		b.tokens = min(l.burst, b.tokens+float64(elapsed)/float64(l.every))
	}
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(l.every))
	}
	b.tokens--
	return 0
}

// prune forgets buckets that have refilled, so the map stays bounded.
func (l *limiter) prune(now time.Time) {
	full := time.Duration(l.burst * float64(l.every))
	for k, b := range l.buckets {
		if now.Sub(b.at) > full {
			delete(l.buckets, k)
		}
	}
}
