// Package commands is talkbot's platform-neutral command layer: it parses a
// message, routes it through one table of commands, runs the handler against
// the store and returns a neutral Reply for an adapter to render.
package commands

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/schedule"
	"golang.org/x/text/width"
)

// Store is what the commands need from storage: the port a store
// implements (store.Store, on SQLite) and store/storetest checks. A lookup of
// one thing returns an error wrapping talkbot.ErrNotFound when there is none,
// never a zero value and nil; a list returns no items, a zero Total and nil.
// Errors users may read are *talkbot.Error; anything else is internal.
type Store interface {
	// User finds or creates the user (and their workspace), keeping the
	// display name current; an empty name keeps the known one.
	User(ctx context.Context, platform, workspace, externalID, name string) (talkbot.User, error)
	// FindUser finds a user of the workspace by external id or display
	// name, ignoring case: ErrNotFound when nobody matches.
	FindUser(ctx context.Context, workspaceID int64, ref string) (talkbot.User, error)
	SetDefaultVisibility(ctx context.Context, userID int64, v talkbot.Visibility) error
	// ForgetUser deletes the user and everything they own.
	ForgetUser(ctx context.Context, userID int64) (talkbot.Forgotten, error)

	// CurrentConference is the user's pick, else the workspace's active
	// conference, created ("General") on a fresh install: never ErrNotFound.
	CurrentConference(ctx context.Context, u talkbot.User) (talkbot.Conference, error)
	// UserAndConference is User, then the conference of the channel
	// (ChannelConference), else CurrentConference: what every command
	// starts from.
	UserAndConference(ctx context.Context, platform, workspace, externalID, name, channel string) (talkbot.User, talkbot.Conference, error)
	// ChannelConference is the conference a channel picked (ErrNotFound
	// when it follows the team); SetChannelConference picks one by name,
	// or with "" has the channel follow the team again.
	ChannelConference(ctx context.Context, workspaceID int64, channel string) (talkbot.Conference, error)
	SetChannelConference(ctx context.Context, u talkbot.User, channel, name string) (talkbot.Conference, error)
	Conferences(ctx context.Context, workspaceID int64) ([]talkbot.Conference, error)
	// ConferenceNamed finds one by name, up to case and punctuation (ErrNotFound).
	ConferenceNamed(ctx context.Context, workspaceID int64, name string) (talkbot.Conference, error)
	// CreateConference adds one (ECONFLICT when the name is taken) and
	// switches the user to it, or the whole workspace with forTeam.
	CreateConference(ctx context.Context, u talkbot.User, c talkbot.Conference, forTeam bool) (talkbot.Conference, error)
	// UseConference switches the user (or the workspace) to a conference by
	// name: ErrNotFound when there is none.
	UseConference(ctx context.Context, u talkbot.User, name string, forTeam bool) (talkbot.Conference, error)
	SetConferenceVideos(ctx context.Context, conferenceID int64, url string) error

	// Talk and TalkByScheduleInWorkspace return ErrNotFound when there is
	// no such talk.
	Talk(ctx context.Context, workspaceID, id int64) (talkbot.Talk, error)
	// MergeTalks moves everything of talk from onto talk into, fills into's
	// empty fields from it and deletes it, for good.
	MergeTalks(ctx context.Context, workspaceID, from, into int64) (talkbot.Talk, error)
	// TalksBySchedule returns the conference's talks with that schedule id,
	// oldest first: a pretalx code can name several slots of one session.
	TalksBySchedule(ctx context.Context, conferenceID int64, scheduleID string) ([]talkbot.Talk, error)
	TalkByScheduleInWorkspace(ctx context.Context, workspaceID int64, scheduleID string) (talkbot.Talk, error)
	// TalksByTitle returns the conference's talks with that normalised title, oldest first.
	TalksByTitle(ctx context.Context, conferenceID int64, title string) ([]talkbot.Talk, error)
	// TitlesWithWords returns candidates whose titles hold every word (or,
	// with typos, words starting like them), with only ID, Title and Day set.
	TitlesWithWords(ctx context.Context, conferenceID int64, words []string, typos bool, limit int) ([]talkbot.Talk, error)
	// TitleCandidates ranks talks sharing any words with query, best first.
	TitleCandidates(ctx context.Context, conferenceID int64, query string, limit int) ([]talkbot.Talk, error)
	// UserLog and UserNote return ErrNotFound when the user has none (a note
	// of someone else's counts as none).
	UserLog(ctx context.Context, userID, talkID int64) (talkbot.Log, error)
	UserNotes(ctx context.Context, userID, talkID int64) ([]talkbot.Note, error)
	UserNote(ctx context.Context, userID, noteID int64) (talkbot.Note, error)

	// Apply carries out a change in one transaction and records its undo
	// step; a change that changes nothing records none (Outcome.Unchanged).
	Apply(ctx context.Context, c talkbot.Change) (talkbot.Outcome, error)
	// Undo reverses the user's latest change: talkbot.ErrNoUndo when none is left.
	Undo(ctx context.Context, userID int64) (talkbot.Undone, error)

	// ListTalks returns a page of `list`; its talks carry what a card shows,
	// not their abstract, links or schedule ids.
	ListTalks(ctx context.Context, q talkbot.ListQuery) ([]talkbot.TalkSummary, talkbot.Total, error)
	Highlights(ctx context.Context, q talkbot.HighlightQuery) ([]talkbot.TalkSummary, talkbot.Total, error)
	Search(ctx context.Context, q talkbot.SearchQuery) ([]talkbot.SearchHit, talkbot.Total, error)
	// TalkDetail returns a talk with everyone's logs and the notes viewerID
	// may read: ErrNotFound when there is no such talk.
	TalkDetail(ctx context.Context, workspaceID, viewerID, talkID int64) (talkbot.TalkDetail, error)
	// WatchList ranks what the user should watch, narrowed by the filters.
	WatchList(ctx context.Context, u talkbot.User, conferenceID int64, f talkbot.WatchFilters, p talkbot.Page) ([]talkbot.Suggestion, talkbot.Total, error)
	// ConferenceTags returns the tags the conference's talks carry, the most
	// used first, at most limit.
	ConferenceTags(ctx context.Context, conferenceID int64, limit int) ([]string, error)
	// Export returns everything the user owns, their private notes included.
	Export(ctx context.Context, u talkbot.User) (talkbot.Export, error)
	// NotesByTalk returns talks with the notes the query selects, at most
	// q.Limit talks, the most noted first.
	NotesByTalk(ctx context.Context, q talkbot.NotesQuery) ([]talkbot.NotedTalk, error)

	DigestStore
	ScheduleStore // schedule import and browsing (schedule.go)
	JournalStore  // conference notes, presentations, recommendations for the wrap-up (journal.go)
}

// Request is one message to the bot, as an adapter saw it.
type Request struct {
	Platform  string // talkbot.PlatformSlack, ...
	Workspace string // Slack team id, Matrix homeserver, "local"
	UserID    string // platform user id
	UserName  string // display name
	Text      string // the message, with or without a leading talk, /talk or !talk
	// Mentions are the users the message mentions, as the platform marked
	// them (Slack's <@U123>, a Matrix pill): how they appear in Text, and who
	// they are. Commands read user references from these, never from
	// platform syntax.
	Mentions []Mention
	// Channels are the channels the message names as the platform marked
	// them (Slack's <#C123|talks>): how they appear in Text, and their ids.
	Channels []ChannelRef
	Channel  string // where it was said: a Slack channel or Matrix room id; "" in the console
	// Admin says the user is an admin here: the platform's role or BOT_ADMINS.
	Admin bool
	// IsAdmin, when set, asks the platform whether the user is an admin,
	// for platforms where that costs a call (Slack's users.info): commands
	// ask only when it matters. An error says the platform could not tell;
	// its message is for the user.
	IsAdmin func(ctx context.Context) (bool, error)
	// Shared says others will see the reply (a shared Matrix room, a Slack
	// message shared to a channel): private notes are then left out of it.
	Shared bool
	// Overheard says others read what the user typed (a shared Matrix room,
	// a Slack message in a channel): a private note saved says so.
	Overheard bool
	// Talk is the talk the message answers, when the platform knows it (a
	// Matrix reply to a card of the bot's showing one talk): a command that
	// names no talk acts on it, not on the user's last.
	Talk int64
	// Note is a note given apart from Text, as a form's note field: taken
	// as typed, never read for a rating, tags or links the way text after
	// ` -- ` is. It is the note (or reason) of add, missed, want and watched.
	Note string
}

// ChannelRef is a channel a message names.
type ChannelRef struct {
	Text string // as it appears in Request.Text: "#talks"
	ID   string // the platform's id: "C123"
}

// Mention is a user a message mentions.
type Mention struct {
	Text   string // as it appears in Request.Text, e.g. "@bob" or "Bob Smith"
	UserID string // the platform's id: "U123", "@bob:example.org"
	Name   string // their display name, when known
}

// IsAdminNow reports whether the user is an admin, asking the platform if
// the adapter left that to a call; an error when it could not tell.
func (r Request) IsAdminNow(ctx context.Context) (bool, error) {
	if r.Admin || r.IsAdmin == nil {
		return r.Admin, nil
	}
	return r.IsAdmin(ctx)
}

// Destination is where a post goes: a channel or room of a workspace, or a
// user's direct messages with the bot.
type Destination struct {
	Platform  string
	Workspace string
	Channel   string // a Slack channel id or Matrix room id; "" for a direct message
	User      string // the user a direct message goes to, when Channel is ""
	Thread    string // a thread to post in, when there is one
	// Key is unique to this post (a digest's day and channel, say): where the
	// platform can use it (Matrix transaction ids), a retried post is never
	// posted twice.
	Key string
}

// Config configures a Router.
type Config struct {
	Store     Store
	Assistant Assistant        // summaries and watch questions; summary is off without one
	Now       func() time.Time // the clock; time.Now when nil
	Logger    *slog.Logger     // slog.Default() when nil
	// ImportAllowPrivate lets `import` fetch from loopback, private and
	// link-local addresses (IMPORT_ALLOW_PRIVATE): the operator's choice,
	// never a chat admin's.
	ImportAllowPrivate bool
}

// Router parses and routes commands.
type Router struct {
	store     Store
	assistant Assistant
	now       func() time.Time
	log       *slog.Logger
	fetch     schedule.FetchOptions // how `import` fetches links
	commands  []command
	byName    map[string]*command
}

// command is one row of the table that routing, help and every adapter's
// view of a command are all built from.
type command struct {
	Command
	run func(ctx context.Context, c *call) (Reply, error)
}

// Command is what the table knows about a command: its words and its facts.
type Command struct {
	Name     string
	Aliases  []string
	Usage    string
	Summary  string
	Examples []string
	Notes    []string // more about how it reads its input, for help
	Changes  bool     // it may change data: never run it again for paging or sharing
	Admin    bool     // only admins may run it
	Slow     bool     // it may take seconds: answer "working on it…" first
	// FreeText is what the text after " -- " is to it: "note", "reason";
	// "" when it takes none.
	FreeText string
	// KeepsText says a read puts its arguments out as typed (export's
	// --title goes into the post), or looks for them as typed (search: the
	// index holds ＡＷＳ as written): they are not folded to ASCII width.
	KeepsText bool
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
	// withheld names what rest leaves out ("note", "reason"): private
	// text others would read in a question back, whose answers then
	// cannot be run as offered. "" when nothing is left out.
	withheld string
	// warn is the overheard warning of a private note or reason typed, for
	// a question back too (its answer, a button, is no typed message).
	warn string
}

// overheard is what a reply adds when a private note was typed where
// others read it: the note is kept from every view, not from the room.
func (c *call) overheard(vis talkbot.Visibility) string {
	if c.req.Overheard && vis == talkbot.VisibilityPrivate {
		return "   ⚠ Others here can read what you typed. A direct message with me keeps a private note to you."
	}
	return ""
}

// privateInShared reports whether a note of that visibility (the user's
// default when empty) is private and others will read the reply.
func (c *call) privateInShared(vis talkbot.Visibility) bool {
	if vis == "" {
		vis = c.user.DefaultVisibility
	}
	return c.req.Shared && vis == talkbot.VisibilityPrivate
}

// noteViewer is whose private notes the reply may show: the asker's, unless
// others will see it too (0 matches no one).
func (c *call) noteViewer() int64 {
	if c.req.Shared {
		return 0
	}
	return c.user.ID
}

// seen is the user's own log as this reply may show it: without a private
// missed reason where others read the reply.
func (c *call) seen(l talkbot.Log) talkbot.Log { return talkbot.SeenBy(l, c.noteViewer()) }

// today is the current date in the conference's zone.
func (c *call) today() string { return c.now.In(c.conf.Location()).Format(time.DateOnly) }

// admin reports whether the user is an admin (asking the platform only now);
// not when the platform could not tell.
func (c *call) admin(ctx context.Context) bool {
	ok, _ := c.req.IsAdminNow(ctx)
	return ok
}

// adminChecked is admin for a command whose meaning the answer decides (a
// switch for the team or for the user alone): the platform's failure to
// tell is the command's error, not a "no".
func (c *call) adminChecked(ctx context.Context) (bool, error) { return c.req.IsAdminNow(ctx) }

// requireAdmin is nil for an admin, else the refusal (or the platform's
// failure to tell) to answer with.
func (c *call) requireAdmin(ctx context.Context, refusal string) error {
	admin, err := c.adminChecked(ctx)
	switch {
	case err != nil:
		return err
	case !admin:
		return talkbot.Errorf(talkbot.EFORBIDDEN, "%s", refusal)
	}
	return nil
}

// New returns a Router over the store.
func New(cfg Config) *Router {
	r := &Router{store: cfg.Store, assistant: cfg.Assistant, now: cfg.Now, log: cfg.Logger,
		fetch: schedule.FetchOptions{AllowPrivate: cfg.ImportAllowPrivate}}
	if r.now == nil {
		r.now = time.Now
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.commands = r.table()
	r.byName = map[string]*command{}
	for i := range r.commands {
		c := &r.commands[i]
		r.byName[c.Name] = c
		for _, a := range c.Aliases {
			r.byName[a] = c
		}
	}
	return r
}

// Commands returns the table of commands, in help's order.
func (r *Router) Commands() []Command {
	out := make([]Command, len(r.commands))
	for i, c := range r.commands {
		out[i] = c.Command
	}
	return out
}

// Lookup returns the command a message runs (a leading talk, /talk or !talk
// aside), and false for a message that runs none.
func (r *Router) Lookup(text string) (Command, bool) {
	word, args := splitCommand(StripPrefix(text))
	if c, ok := r.byName[commandName(word)]; ok {
		if c.Name == "watch" {
			if question, _ := pageSuffix(args); question != "" {
				return r.watchQuestion(), true
			}
		}
		return c.Command, true
	}
	if isWatchQuestion(text) {
		return r.watchQuestion(), true
	}
	return Command{}, false
}

// watchQuestion is the watch command asked a question: slow when a model
// reads it (two calls, seconds each), so the user sees "working on it…".
func (r *Router) watchQuestion() Command {
	c := r.byName["watch"].Command
	c.Slow = r.thinks()
	return c
}

// thinks says whether a model answers the assistant's questions (seconds,
// tokens), not the built-in parser and summariser alone.
func (r *Router) thinks() bool {
	t, ok := r.assistant.(interface{ Thinks() bool })
	return ok && t.Thinks()
}

// commandName is the command a word names: lower case, and full-width
// letters (an IME's ｌｉｓｔ) as ASCII.
func commandName(word string) string {
	if !talkbot.IsASCII(word) {
		word = width.Fold.String(word)
	}
	return strings.ToLower(word)
}

// splitCommand splits a message into its command word and the rest.
func splitCommand(text string) (word, args string) {
	// Any space ends the word: a Mac's Option-Space types a no-break one.
	i := strings.IndexFunc(text, unicode.IsSpace)
	if i < 0 {
		return text, ""
	}
	_, n := utf8.DecodeRuneInString(text[i:])
	return text[:i], strings.TrimSpace(text[i+n:])
}

// Handle runs one message and returns the reply. Internal failures are logged
// here and answered with a generic message; they never reach the user as text.
func (r *Router) Handle(ctx context.Context, req Request) Reply {
	text, err := cleanText(req.Text)
	if err != nil {
		return failed("", err)
	}
	text = StripPrefix(text)
	if text == "" {
		return r.help("")
	}
	if name, err := cleanText(req.UserName); err == nil {
		req.UserName = strings.TrimSpace(name)
	}
	word, args := splitCommand(text)
	name := commandName(word)
	cmd, ok := r.byName[name]
	if !ok {
		if !isWatchQuestion(text) {
			return r.unknown(word)
		}
		cmd, args = r.byName["watch"], text // the question is the argument
	}
	if !cmd.Changes && !cmd.KeepsText && !talkbot.IsASCII(args) {
		// What a read takes is ids, days and words (ｔｏｄａｙ, ＃１ in an
		// IME's full width), so it folds like the command.
		args = width.Fold.String(args)
	}
	c := &call{req: req, name: name, args: args, now: r.now()}
	c.user, c.conf, err = r.store.UserAndConference(ctx, req.Platform, req.Workspace, req.UserID, req.UserName, channelOf(req))
	var reply Reply
	if err == nil {
		reply, err = cmd.run(ctx, c)
	}
	var amb *ambiguousError
	switch {
	case errors.As(err, &amb):
		reply = ambiguousReply(amb)
	case err != nil:
		if talkbot.ErrorCode(err) == talkbot.EINTERNAL {
			r.log.ErrorContext(ctx, "command failed", "cmd", cmd.Name, "platform", req.Platform, "user_id", req.UserID, "err", err)
		}
		reply = failed(cmd.Name, err)
	}
	reply.Command, reply.Safe = cmd.Name, !cmd.Changes
	return reply
}

// failed is the reply to a command that was not carried out.
func failed(command string, err error) Reply {
	r := errorReply(talkbot.ErrorMessage(err))
	r.Command, r.Code = command, talkbot.ErrorCode(err)
	return r
}

// Refusal is the reply to a command refused before it ran: a busy bot, a
// user over their rate, an admin command from someone who is not one.
func Refusal(command, code, message string) Reply {
	r := errorReply(message)
	r.Command, r.Code = command, code
	return r
}

// isWatchQuestion spots plain questions such as "what should I watch later?".
// A question is two words or more ending in "?" ("anything on eBPF I
// missed?", "best security talks from Tuesday?"), or one about watching.
func isWatchQuestion(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	asks := strings.HasPrefix(t, "what") || strings.HasPrefix(t, "which") || strings.HasPrefix(t, "anything") || strings.HasPrefix(t, "any ")
	return (strings.HasSuffix(t, "?") && len(strings.Fields(t)) >= 2) || (strings.Contains(t, "watch") && asks)
}

func (r *Router) unknown(word string) Reply {
	best, bestDist := "", 4
	for name := range r.byName {
		if d := editDistance(commandName(word), name); d < bestDist || (d == bestDist && name < best) {
			best, bestDist = name, d
		}
	}
	shown := truncate(word, 30)
	if best != "" && bestDist <= max(1, len([]rune(word))/2) {
		return Refusal("", talkbot.ENOTFOUND, "I don't know the command “"+shown+"”. Did you mean `"+best+"`? Type `help` for the list.")
	}
	return Refusal("", talkbot.ENOTFOUND, "I don't know the command “"+shown+"”. Type `help` for the list.")
}
