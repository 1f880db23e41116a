package slack

import (
	"context"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot/commands"
)

// homeSections are the App Home's parts: a title and the command that fills it.
var homeSections = []struct{ prefix, command string }{
	{"today-", "list today"},
	{"later-", "list watch"},
	{"team-", "highlights"},
}

const (
	homeTalks     = 5   // talk cards per App Home section
	maxHomeBlocks = 100 // Slack's limit for a Home tab
)

// homeView builds the App Home from the replies to the sections' commands,
// with an optional notice (the answer to a button pressed there) on top.
func homeView(notice *commands.Reply, replies []commands.Reply) slackgo.HomeTabViewRequest {
	var blocks []slackgo.Block
	if notice != nil {
		r := render(*notice, renderOptions{public: true, noCards: true, prefix: "notice-"})
		blocks = append(blocks, r.blocks...)
		blocks = append(blocks, slackgo.NewDividerBlock())
	}
	blocks = append(blocks, slackgo.NewActionBlock("home-actions",
		slackgo.NewButtonBlockElement(actionOpenAdd, "add", plainText("Log a talk")).WithStyle(slackgo.StylePrimary),
		slackgo.NewButtonBlockElement(actionHomeReset, "refresh", plainText("Refresh")),
	))
	for i, r := range replies {
		s := homeSections[i]
		out := render(r, renderOptions{public: true, perPage: homeTalks, prefix: s.prefix})
		part := out.blocks
		if out.pages > 1 {
			// Drop "Page 1 of N": the Home shows the first few; the command shows all.
			part = part[:len(part)-1]
			part = append(part, slackgo.NewContextBlock(s.prefix+"more", mrkdwn("More with `/talk "+s.command+"`")))
		}
		if len(blocks)+len(part)+1 > maxHomeBlocks {
			break
		}
		blocks = append(blocks, slackgo.NewDividerBlock())
		blocks = append(blocks, part...)
	}
	return slackgo.HomeTabViewRequest{Type: slackgo.VTHomeTab, CallbackID: "home", Blocks: slackgo.Blocks{BlockSet: blocks}}
}

// publishHome shows the user's App Home: their talks today, their
// watch-later list and the team's highlights.
func (a *Adapter) publishHome(ctx context.Context, o origin, notice *commands.Reply) {
	a.homes.published(o.team, o.user, a.now())
	var replies []commands.Reply
	for _, s := range homeSections {
		replies = append(replies, a.handler.Handle(ctx, a.request(ctx, o, s.command)))
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
		if !a.pool.submit(job{name: "home_refresh", key: o.team + "/" + o.user, run: func(ctx context.Context) { a.publishHome(ctx, o, nil) }}) {
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
