package slack

import (
	"context"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

// homeSections are the commands whose replies fill the App Home: the user's
// talks today, their watch-later list, the team's highlights.
var homeSections = []string{"list today", "list watch", "highlights"}

const (
	homeTalks     = 5   // talk cards per App Home section
	maxHomeBlocks = 100 // Slack's limit for a Home tab
)

// homeView builds the App Home from the replies to the sections' commands,
// with an optional notice (the answer to a button pressed there) on top.
func homeView(notice *commands.Reply, replies []commands.Reply) slackgo.HomeTabViewRequest {
	var blocks []slackgo.Block
	if notice != nil {
		for _, m := range render(*notice, renderOptions{noActions: true}) {
			blocks = append(blocks, m.blocks...)
		}
		blocks = append(blocks[:min(len(blocks), maxHomeBlocks/4)], slackgo.NewDividerBlock())
	}
	blocks = append(blocks, slackgo.NewActionBlock("",
		slackgo.NewButtonBlockElement(actionOpenAdd, "add", plainText("Log a talk")).WithStyle(slackgo.StylePrimary),
		slackgo.NewButtonBlockElement(actionHomeReset, "refresh", plainText("Refresh")),
	))
	for i, r := range replies {
		part, more := homePart(r)
		var section []slackgo.Block
		for _, m := range render(part, renderOptions{}) {
			section = append(section, m.blocks...)
		}
		if more {
			section = append(section, slackgo.NewContextBlock("", mrkdwn("More with `/talk "+homeSections[i]+"`")))
		}
		if len(blocks)+1+len(section) > maxHomeBlocks {
			break
		}
		blocks = append(blocks, slackgo.NewDividerBlock())
		blocks = append(blocks, section...)
	}
	return slackgo.HomeTabViewRequest{Type: slackgo.VTHomeTab, CallbackID: "home", Blocks: slackgo.Blocks{BlockSet: blocks}}
}

// homePart is what the App Home shows of a reply: the lines before its
// first talk card and the first few cards. more says the reply had more
// (more cards, or pages): the command shows them all.
func homePart(r commands.Reply) (part commands.Reply, more bool) {
	part = commands.Reply{Command: r.Command, Kind: r.Kind, Code: r.Code, Safe: r.Safe, Private: r.Private}
	cards := 0
	for _, b := range r.Blocks {
		switch b := b.(type) {
		case *commands.TalkCard:
			if cards == homeTalks {
				more = true
				continue
			}
			cards++
			part.Blocks = append(part.Blocks, b)
		case *commands.Actions:
			more = true // the buttons of further pages
		case *commands.Attachment:
		default:
			if cards == 0 { // what follows the cards says which of them a page shows
				part.Blocks = append(part.Blocks, b)
			}
		}
	}
	return part, more
}

// publishHome shows the user's App Home: their talks today, their
// watch-later list and the team's highlights.
func (a *Adapter) publishHome(ctx context.Context, o origin, notice *commands.Reply) {
	a.homes.published(o.team, o.user, a.now())
	var replies []commands.Reply
	for _, command := range homeSections {
		r, _ := a.run(ctx, o, command, nil) // the runtime logs a failure; the reply says it
		replies = append(replies, r)
	}
	if !a.firstAnswer(ctx) {
		return
	}
	if err := a.publishView(ctx, o.user, homeView(notice, replies)); err != nil {
		a.log.ErrorContext(ctx, "publish app home", "user_id", o.user, "err", err)
	}
}

// homeTracker knows which users have opened the App Home, so a change
// refreshes theirs, at most once per interval.
type homeTracker struct {
	mu sync.Mutex
	m  map[string]*homeState
}

type homeState struct {
	last      time.Time
	scheduled bool
}

// opened records that the user opened the App Home, and reports whether it
// needs publishing: not when it was published less than interval ago (Slack
// keeps showing the last one), so flipping between tabs costs nothing.
func (h *homeTracker) opened(team, user string, now time.Time, interval time.Duration) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.m[team+"/"+user]
	if st == nil {
		if len(h.m) > 100_000 {
			clear(h.m)
		}
		h.m[team+"/"+user] = &homeState{}
		return true
	}
	return interval <= 0 || st.last.IsZero() || now.Sub(st.last) >= interval
}

func (h *homeTracker) published(team, user string, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if st := h.m[team+"/"+user]; st != nil {
		st.last, st.scheduled = now, false
	}
}

// refreshHome republishes the user's App Home after a change, if they have
// opened it; changes that come close together share one refresh.
func (a *Adapter) refreshHome(o origin) {
	h := a.homes
	h.mu.Lock()
	st := h.m[o.team+"/"+o.user]
	if st == nil || st.scheduled {
		h.mu.Unlock()
		return
	}
	st.scheduled = true
	var wait time.Duration
	if a.homeInterval > 0 {
		wait = st.last.Add(a.homeInterval).Sub(a.now())
	}
	h.mu.Unlock()
	o = origin{team: o.team, user: o.user, userName: o.userName, home: true}
	submit := func() {
		if !a.rt.Submit(dispatch.Job{Name: "slack:home_refresh", Key: o.team + "/" + o.user, Run: func(ctx context.Context) { a.publishHome(ctx, o, nil) }}) {
			h.mu.Lock()
			st.scheduled = false
			h.mu.Unlock()
		}
	}
	if wait <= 0 {
		submit()
		return
	}
	time.AfterFunc(wait, submit)
}
