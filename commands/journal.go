package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/talkbot/talkbot"
)

// JournalStore is what conference notes, presentations and the wrap-up
// need of the store.
type JournalStore interface {
	// Journal returns a conference's notes that q.ViewerID may read, oldest first.
	Journal(ctx context.Context, q talkbot.JournalQuery) ([]talkbot.JournalEntry, error)
	// UserJournalEntry returns one of the user's conference notes:
	// ErrNotFound when it is not theirs or does not exist.
	UserJournalEntry(ctx context.Context, userID, id int64) (talkbot.JournalEntry, error)
	// ApplyJournal writes, changes or deletes one of the user's conference
	// notes and records its undo step (none when nothing changed).
	ApplyJournal(ctx context.Context, c talkbot.JournalChange) (talkbot.JournalOutcome, error)
	// Recommendations returns the recommendations of a conference's talks, oldest first.
	Recommendations(ctx context.Context, conferenceID int64) ([]talkbot.Recommendation, error)
}

var (
	// reJournalEdit is `journal edit j12 <text>`, `journal delete j12`, `journal private j12`,
	// `journal team j12`, `journal takeaway j12`, `journal intro j12`.
	reJournalEdit = regexp.MustCompile(`^(?i)(edit|delete|remove|private|team|takeaway|intro)\s+j(\d+)(?:\s+|$)`)
	reJournalFlag = regexp.MustCompile(`^(?i)(?:--|—|–)(private|team|takeaway)(?:\s+|$)`)
)

// journal adds, lists and changes the user's notes on the conference itself.
func (r *Router) journal(ctx context.Context, c *call) (Reply, error) {
	if m := reJournalEdit.FindStringSubmatch(c.args); m != nil {
		id, err := strconv.ParseInt(m[2], 10, 64)
		if err != nil {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "j%s is not a conference note I know; `journal` lists yours.", m[2])
		}
		return r.editJournal(ctx, c, strings.ToLower(m[1]), id, strings.TrimSpace(c.args[len(m[0]):]))
	}
	text := c.args
	e := talkbot.JournalEntry{Visibility: c.user.DefaultVisibility}
	for m := reJournalFlag.FindStringSubmatch(text); m != nil; m = reJournalFlag.FindStringSubmatch(text) {
		switch strings.ToLower(m[1]) {
		case "takeaway":
			e.Takeaway = true
		default:
			e.Visibility = talkbot.Visibility(strings.ToLower(m[1]))
		}
		text = text[len(m[0]):]
	}
	if v, rest := visFlag(text); v != "" {
		e.Visibility, text = v, rest
	}
	text = strings.TrimSpace(text)
	if text == "" {
		if c.args != "" { // flags and no text
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "What's the note? Try `journal --takeaway DRA is almost as hot as AI`.")
		}
		return r.listJournal(ctx, c)
	}
	if err := checkNoteLen(text); err != nil {
		return Reply{}, err
	}
	e.Text = text
	out, err := r.store.ApplyJournal(ctx, talkbot.JournalChange{User: c.user, ConferenceID: c.conf.ID, Label: "journal", New: &e})
	if err != nil {
		return Reply{}, err
	}
	kind := "Conference note"
	if e.Takeaway {
		kind = "Takeaway"
	}
	b := &builder{}
	b.line(plain(fmt.Sprintf("%s saved (%s) on %s: ", kind, e.Visibility, c.conf.Name)), quoteShown(c, out.Entry, 200))
	b.text(fmt.Sprintf("j%d · `journal` lists yours; `journal edit j%d <text>` changes it. It goes in your `export markdown`.", out.Entry.ID, out.Entry.ID))
	if w := c.overheard(e.Visibility); w != "" {
		b.text(strings.TrimSpace(w))
	}
	return b.reply(), nil
}

// quoteShown is an entry's text in quotes, or a word that it is private
// when others will read the reply.
func quoteShown(c *call, e talkbot.JournalEntry, n int) Span {
	if e.Visibility == talkbot.VisibilityPrivate && c.req.Shared {
		return plain("(private, not shown here)")
	}
	return quote(truncate(e.Text, n))
}

func (r *Router) listJournal(ctx context.Context, c *call) (Reply, error) {
	es, err := r.store.Journal(ctx, talkbot.JournalQuery{ConferenceID: c.conf.ID, ViewerID: c.user.ID, AuthorID: c.user.ID})
	if err != nil {
		return Reply{}, err
	}
	b := &builder{r: Reply{Private: true}}
	if len(es) == 0 {
		b.text("No conference notes on " + c.conf.Name + " yet. `journal 10k+ attendees, rooms too small` adds one; `journal --takeaway <text>` a takeaway for your wrap-up post.")
		return b.reply(), nil
	}
	b.text(fmt.Sprintf("Your conference notes on %s (%d):", c.conf.Name, len(es)))
	for _, e := range es {
		kind := ""
		if e.Takeaway {
			kind = ", takeaway"
		}
		b.line(plain(fmt.Sprintf("j%d (%s%s) ", e.ID, e.Visibility, kind)), quoteShown(c, e, 300))
	}
	first := es[0].ID
	b.text(fmt.Sprintf("`journal edit j%d <text>`, `journal delete j%d`, `journal private j%d`, `journal takeaway j%d` change one; `undo` takes a change back.", first, first, first, first))
	return b.reply(), nil
}

// editJournal changes, deletes or re-scopes one of the user's conference notes.
func (r *Router) editJournal(ctx context.Context, c *call, verb string, id int64, text string) (Reply, error) {
	e, err := r.store.UserJournalEntry(ctx, c.user.ID, id)
	if errors.Is(err, talkbot.ErrNotFound) {
		return Reply{}, talkbot.Errorf(talkbot.ENOTFOUND, "You have no conference note j%d; `journal` lists yours.", id)
	}
	if err != nil {
		return Reply{}, err
	}
	if verb != "edit" && text != "" {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "`journal %s j%d` takes nothing after it; to change its text, `journal edit j%d <text>`.", verb, id, id)
	}
	ch := talkbot.JournalChange{User: c.user, ConferenceID: e.ConferenceID, EditID: id, Label: "journal " + verb}
	switch verb {
	case "edit":
		if text == "" {
			return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Give the new text: `journal edit j%d <text>`; `journal delete j%d` removes it.", id, id)
		}
		if err := checkNoteLen(text); err != nil {
			return Reply{}, err
		}
		ch.Text = &text
	case "delete", "remove":
		ch.Delete, ch.Label = true, "journal delete"
	case "private", "team":
		ch.Visibility = ptr(talkbot.Visibility(verb))
	case "takeaway", "intro":
		ch.Takeaway = ptr(verb == "takeaway")
	}
	out, err := r.store.ApplyJournal(ctx, ch)
	if err != nil {
		return Reply{}, err
	}
	b := &builder{}
	switch {
	case out.Unchanged:
		b.line(plain(fmt.Sprintf("Conference note j%d is like that already: ", id)), quoteShown(c, out.Entry, 200))
	case ch.Delete:
		b.line(plain(fmt.Sprintf("Deleted conference note j%d: ", id)), quoteShown(c, e, 200))
		b.text("`undo` brings it back.")
	case ch.Takeaway != nil && *ch.Takeaway:
		b.line(plain(fmt.Sprintf("Conference note j%d is now a takeaway (“Thoughts and takeaways” in your post): ", id)), quoteShown(c, out.Entry, 200))
	case ch.Takeaway != nil:
		b.line(plain(fmt.Sprintf("Conference note j%d is now part of your post's intro: ", id)), quoteShown(c, out.Entry, 200))
	case ch.Visibility != nil:
		b.line(plain(fmt.Sprintf("Conference note j%d is now %s: ", id, *ch.Visibility)), quoteShown(c, out.Entry, 200))
	default:
		b.line(plain(fmt.Sprintf("Changed conference note j%d: ", id)), quoteShown(c, out.Entry, 200))
		if w := c.overheard(out.Entry.Visibility); w != "" {
			b.text(strings.TrimSpace(w))
		}
	}
	return b.reply(), nil
}

// presented records that the user gave a talk (attended, and presented),
// with their slides when a link is given.
func (r *Router) presented(ctx context.Context, c *call) (Reply, error) {
	head, free, _, _ := splitFreeText(c.args)
	o, err := parseOptions(tokenize(head))
	if err != nil {
		return Reply{}, err
	}
	if o.playlist != "" {
		return Reply{}, errPlaylist
	}
	// The slides are any link that is not the schedule's or a recording.
	var slides string
	switch len(o.links) {
	case 0:
	case 1:
		slides, o.links = o.links[0], nil
	default:
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Give one slides link: `presented #12 https://speakerdeck.com/…`.")
	}
	f := refFrom(o)
	if f.empty() {
		return Reply{}, talkbot.Errorf(talkbot.EINVALID, "Which talk did you give? Try `presented #12` or `presented <title> <slides link>`.")
	}
	if f.title != "" {
		if err := checkTitle(f.title); err != nil {
			return Reply{}, err
		}
	}
	ch := talkbot.Change{User: c.user, Log: talkbot.LogPatch{Status: ptr(talkbot.StatusAttended), Reason: ptr("")}, Present: &talkbot.PresentDraft{SlidesURL: slides}}
	if ch.Note, err = r.noteDraft(c, free, ""); err != nil {
		return Reply{}, err
	}
	if slides != "" {
		o.links = []string{slides} // the slides are one of the talk's links, for everyone
	}
	if c.conf.Around(c.today()) {
		c.defaultDay = c.today()
	}
	if _, err := r.target(ctx, c, f, o, logMode, &ch); err != nil {
		return Reply{}, err
	}
	out, err := r.apply(ctx, ch, "presented")
	if err != nil {
		return Reply{}, err
	}
	verb := "You presented"
	if out.Created {
		verb = "You presented new talk"
	}
	if out.Unchanged {
		verb = "Already so: you presented"
	}
	b := &builder{}
	card := b.card(verb, out.Talk)
	card.Log = &out.Log
	if p := out.Presentation; p != nil && p.SlidesURL != "" {
		card.line(plain("   Slides: "), link(p.SlidesURL, p.SlidesURL))
	} else {
		card.text(fmt.Sprintf("   `presented #%d <slides link>` adds your slides; your `export markdown` says you gave it.", out.Talk.ID))
	}
	switch {
	case out.Note == nil:
	case out.Note.Visibility == talkbot.VisibilityPrivate && c.req.Shared:
		card.text("   Note saved (private).")
	default:
		card.line(plain("   Note saved ("+string(out.Note.Visibility)+"): "), quote(truncate(out.Note.Text, 200)))
	}
	return b.reply(), nil
}
