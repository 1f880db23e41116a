package slack

import (
	"context"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot"
)

// ttlSet remembers keys for a while, up to a bound: each key for at least
// ttl, unless limit keys are held, when the oldest go first (a seventh of
// the bound at a time). It keeps a 64-bit hash of each key, with a seed of
// its own, not the key, in buckets of keys that came close together (within
// a sixth of ttl, and at most a seventh of the bound each); a bucket is
// forgotten whole. Under overload the sets hold every request of the last
// minutes, so their size is the bot's: as a map from key to time with a
// queue of expiries they were some 60 bytes a request, and the garbage
// collector's headroom doubled that; in buckets they are about 15. A new
// key whose hash collides with one kept looks seen before: with the set
// full, about one chance in 10^13 a request; the seed keeps anyone from
// choosing keys that do.
type ttlSet struct {
	mu        sync.Mutex
	seed      maphash.Seed
	ttl, span int64 // nanoseconds
	limit     int
	perBucket int
	buckets   []*ttlBucket // oldest first
	total     int          // keys in all buckets
}

type ttlBucket struct {
	first, last int64 // when its first and latest keys came, Unix nanoseconds
	keys        map[uint64]struct{}
}

func newTTLSet(ttl time.Duration, limit int) *ttlSet {
	return &ttlSet{seed: maphash.MakeSeed(), ttl: int64(ttl), span: int64(ttl)/6 + 1, limit: max(1, limit), perBucket: max(1, (limit+6)/7)}
}

// add records key and reports whether it was new.
func (s *ttlSet) add(key string, now time.Time) bool {
	h := maphash.String(s.seed, key)
	at := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Forget the buckets whose every key is older than ttl.
	for len(s.buckets) > 0 && at-s.buckets[0].last > s.ttl {
		s.dropOldest()
	}
	for _, b := range s.buckets {
		if _, ok := b.keys[h]; ok {
			return false
		}
	}
	for s.total >= s.limit { // full: the oldest go
		s.dropOldest()
	}
	n := len(s.buckets)
	if n == 0 || at-s.buckets[n-1].first >= s.span || len(s.buckets[n-1].keys) >= s.perBucket {
		s.buckets = append(s.buckets, &ttlBucket{first: at, keys: map[uint64]struct{}{}})
		n++
	}
	b := s.buckets[n-1]
	b.last = at
	b.keys[h] = struct{}{}
	s.total++
	return true
}

func (s *ttlSet) dropOldest() {
	s.total -= len(s.buckets[0].keys)
	s.buckets = slices.Delete(s.buckets, 0, 1)
}

// remove forgets key (a request that could not be queued may come again).
func (s *ttlSet) remove(key string) {
	h := maphash.String(s.seed, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.buckets {
		if _, ok := b.keys[h]; ok {
			delete(b.keys, h)
			s.total--
		}
	}
}

// pacer spaces posts to one channel: Slack allows about one a second.
type pacer struct {
	mu    sync.Mutex
	every time.Duration
	next  map[string]time.Time
}

// reserve takes the channel's next slot and returns how long to wait for it.
func (p *pacer) reserve(channel string, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.next) > 10_000 {
		for k, t := range p.next {
			if t.Before(now) {
				delete(p.next, k)
			}
		}
	}
	at := p.next[channel]
	if at.Before(now) {
		at = now
	}
	p.next[channel] = at.Add(p.every)
	return at.Sub(now)
}

// userInfo is what the adapter keeps of users.info.
type userInfo struct {
	name  string
	admin bool
	known bool // Slack answered: admin is its word, not a failure's default
	at    time.Time
}

// userCache keeps users.info answers for a while. Slack rate-limits
// users.info (about 100 a minute), so it is asked only for what a command
// needs (whether its user is an admin; the names in a message saved as a
// note), never on every command; and while it answers 429, only for an
// admin's role: a name can wait.
type userCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	m       map[string]userInfo
	limited time.Time // users.info is rate limited until then
}

// errAdminUnknown answers a command that needs to know whether its user is
// an admin when Slack could not say.
var errAdminUnknown = talkbot.Errorf(talkbot.EINTERNAL, "I couldn't check with Slack whether you are an admin, so I did nothing. Please try again in a minute.")

// user returns what Slack says of a user: their display name and whether
// they are a workspace admin or owner. When Slack cannot say, the user has
// no name and their role is unknown, for a minute.
func (a *Adapter) user(ctx context.Context, team, id string) userInfo {
	return a.lookUp(ctx, team, id, true)
}

// name returns the user's display name, or "" when Slack does not know it
// yet. It does not wait out Slack's rate limit, which every job asking a
// name would otherwise sit out, one after another: the name known before
// serves, or none.
func (a *Adapter) name(ctx context.Context, team, id string) string {
	return a.lookUp(ctx, team, id, false).name
}

// knownName is the display name Slack gave the user before, however long
// ago, or "": slash commands and buttons carry only the legacy username
// ("asmith"), and the team saw one name, then the other.
func (a *Adapter) knownName(team, id string) string {
	a.users.mu.Lock()
	defer a.users.mu.Unlock()
	return a.users.m[team+"/"+id].name
}

func (a *Adapter) lookUp(ctx context.Context, team, id string, patient bool) userInfo {
	key := team + "/" + id
	now := a.now()
	a.users.mu.Lock()
	u, ok := a.users.m[key]
	limited := now.Before(a.users.limited)
	a.users.mu.Unlock()
	switch {
	case ok && now.Sub(u.at) < a.users.ttl && (u.known || !patient):
		// A failure kept (for a minute, not to ask a failing Slack on every
		// command) answers names; an admin's role is asked again.
		return u
	case limited && !patient:
		return u
	}
	var su *slackgo.User
	ask := func(ctx context.Context) error {
		var err error
		su, err = a.api.GetUserInfoContext(ctx, id)
		if wait, isLimited := retryAfter(err); isLimited {
			a.users.mu.Lock()
			a.users.limited = maxTime(a.users.limited, a.now().Add(wait))
			a.users.mu.Unlock()
		}
		return err
	}
	var err error
	if patient {
		err = a.retry(ctx, "users.info", ask)
	} else if err = ask(ctx); err != nil {
		_, isLimited := retryAfter(err)
		a.obs.APICall(talkbot.PlatformSlack, "users.info", callOutcome(err, isLimited))
	}
	if err != nil && ctx.Err() != nil {
		return u // the caller gave up (the note form's second): no failure of Slack's to keep
	}
	if err != nil {
		a.log.WarnContext(ctx, "users.info failed", "user_id", id, "err", err)
		u = userInfo{name: u.name, at: now.Add(time.Minute - a.users.ttl)} // a name known before still serves
	} else {
		// An admin of another organisation, met in a shared channel, is none here.
		admin := (su.IsAdmin || su.IsOwner || su.IsPrimaryOwner) && (su.TeamID == "" || su.TeamID == team)
		u = userInfo{name: displayName(su), admin: admin, known: true, at: now}
	}
	a.users.mu.Lock()
	if len(a.users.m) > 50_000 {
		clear(a.users.m)
	}
	a.users.m[key] = u
	a.users.mu.Unlock()
	return u
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// isAdmin asks Slack, when a command needs to know, whether the user is a
// workspace admin or owner.
func (a *Adapter) isAdmin(team, user string) func(ctx context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		u := a.user(ctx, team, user)
		if !u.known {
			return false, errAdminUnknown
		}
		return u.admin, nil
	}
}

func displayName(u *slackgo.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.RealName, u.Profile.RealName, u.Name} {
		if n != "" {
			return n
		}
	}
	return ""
}

// dmCache remembers each user's direct message channel with the app, so
// conversations.open is called once per user.
type dmCache struct {
	mu sync.Mutex
	m  map[string]string
}

// appDM says whether channel is the app's direct messages with user. Slack
// names a user's direct messages with a colleague "D…" too, and a slash
// command works there: its files (an export, private notes and all) must
// go to the app's DM, not to the colleague.
func (a *Adapter) appDM(ctx context.Context, user, channel string) bool {
	ch, err := a.openDM(ctx, user)
	return err == nil && ch == channel
}

// openDM returns the channel of the app's direct messages with the user.
func (a *Adapter) openDM(ctx context.Context, user string) (string, error) {
	a.dms.mu.Lock()
	ch, ok := a.dms.m[user]
	a.dms.mu.Unlock()
	if ok {
		return ch, nil
	}
	var c *slackgo.Channel
	err := a.retry(ctx, "conversations.open", func(ctx context.Context) error {
		var err error
		c, _, _, err = a.api.OpenConversationContext(ctx, &slackgo.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		return err
	})
	if err != nil {
		return "", err
	}
	a.dms.mu.Lock()
	if len(a.dms.m) > 100_000 {
		clear(a.dms.m)
	}
	a.dms.m[user] = c.ID
	a.dms.mu.Unlock()
	return c.ID, nil
}
