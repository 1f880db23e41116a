package slack

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
)

// ttlSet remembers keys for a while, up to a bound: what is older than ttl,
// or the oldest beyond max, is forgotten. It keeps a 64-bit hash of each key,
// with a seed of its own, not the key: a signature or trigger id is some 100
// bytes of string and map overhead, a hash 16, and the sets hold every
// request of the last minutes (500,000 at the most). A new key whose hash
// collides with one kept looks seen before: with the set full, about one
// chance in 10^13 a request; the seed keeps anyone from choosing keys that do.
type ttlSet struct {
	mu    sync.Mutex
	seed  maphash.Seed
	ttl   time.Duration
	max   int
	seen  map[uint64]int64 // hash → when added, Unix nanoseconds
	order []ttlEntry
	head  int
}

type ttlEntry struct {
	key uint64
	at  int64
}

func newTTLSet(ttl time.Duration, max int) *ttlSet {
	return &ttlSet{seed: maphash.MakeSeed(), ttl: ttl, max: max, seen: map[uint64]int64{}}
}

// add records key and reports whether it was new.
func (s *ttlSet) add(key string, now time.Time) bool {
	h := maphash.String(s.seed, key)
	at := now.UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.head < len(s.order) {
		e := s.order[s.head]
		if time.Duration(at-e.at) <= s.ttl && len(s.seen) < s.max {
			break
		}
		if t, ok := s.seen[e.key]; ok && t == e.at {
			delete(s.seen, e.key)
		}
		s.head++
	}
	if s.head > 1024 && s.head*2 > len(s.order) {
		s.order = append([]ttlEntry(nil), s.order[s.head:]...)
		s.head = 0
	}
	if _, ok := s.seen[h]; ok {
		return false
	}
	s.seen[h] = at
	s.order = append(s.order, ttlEntry{h, at})
	return true
}

// remove forgets key (a request that could not be queued may come again).
func (s *ttlSet) remove(key string) {
	h := maphash.String(s.seed, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.seen, h)
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
	at    time.Time
}

// userCache keeps users.info answers for a while. Slack rate-limits
// users.info (about 100 a minute), so it is asked only for what a command
// needs (whether its user is an admin; the names in a message saved as a
// note), never on every command.
type userCache struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]userInfo
}

// user returns what Slack says of a user: their display name and whether
// they are a workspace admin or owner. When Slack cannot say, the user is no
// admin and has no name, for a minute.
func (a *Adapter) user(ctx context.Context, team, id string) userInfo {
	key := team + "/" + id
	now := a.now()
	a.users.mu.Lock()
	u, ok := a.users.m[key]
	a.users.mu.Unlock()
	if ok && now.Sub(u.at) < a.users.ttl {
		return u
	}
	var su *slackgo.User
	err := a.retry(ctx, "users.info", func(ctx context.Context) error {
		var err error
		su, err = a.api.GetUserInfoContext(ctx, id)
		return err
	})
	if err != nil {
		a.log.WarnContext(ctx, "users.info failed", "user_id", id, "err", err)
		u = userInfo{at: now.Add(time.Minute - a.users.ttl)}
	} else {
		u = userInfo{name: displayName(su), admin: su.IsAdmin || su.IsOwner || su.IsPrimaryOwner, at: now}
	}
	a.users.mu.Lock()
	if len(a.users.m) > 50_000 {
		clear(a.users.m)
	}
	a.users.m[key] = u
	a.users.mu.Unlock()
	return u
}

// isAdmin asks Slack, when a command needs to know, whether the user is a
// workspace admin or owner.
func (a *Adapter) isAdmin(team, user string) func(ctx context.Context) bool {
	return func(ctx context.Context) bool { return a.user(ctx, team, user).admin }
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
