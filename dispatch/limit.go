package dispatch

import (
	"fmt"
	"sync"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Limiter is a token bucket per user: Burst commands at once, then one every
// Every. Chat adapters use it (their users share the bot); the console, a
// user's own terminal, does not.
type Limiter struct {
	mu      sync.Mutex
	burst   float64
	every   time.Duration
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
	told   bool // a refusal was reported since the last command taken
}

// NewLimiter returns a Limiter; zero values mean 30 at once and one every half second.
func NewLimiter(burst int, every time.Duration) *Limiter {
	if burst <= 0 {
		burst = 30
	}
	if every <= 0 {
		every = 500 * time.Millisecond
	}
	return &Limiter{burst: float64(burst), every: every, buckets: map[string]*bucket{}}
}

// Take spends a token for key and returns how long to wait when there is none.
func (l *Limiter) Take(key string, now time.Time) time.Duration {
	wait, _ := l.TakeOrTell(key, now)
	return wait
}

// TakeOrTell is Take, and says whether a refusal is the first since key's
// last command: only that one needs telling. Answering each line of a
// flood, or of another bot that answers every message, would never stop.
func (l *Limiter) TakeOrTell(key string, now time.Time) (wait time.Duration, tell bool) {
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
		tell, b.told = !b.told, true
		return time.Duration((1 - b.tokens) * float64(l.every)), tell
	}
	b.tokens--
	b.told = false
	return 0, false
}

// prune forgets buckets that have refilled, so the map stays bounded.
func (l *Limiter) prune(now time.Time) {
	full := time.Duration(l.burst * float64(l.every))
	for k, b := range l.buckets {
		if now.Sub(b.at) > full {
			delete(l.buckets, k)
		}
	}
}

// Limited is the friendly reply to a user over their rate.
func Limited(wait time.Duration) commands.Reply {
	return commands.Refusal("", talkbot.EINVALID, "Easy there: that's a lot of commands at once. Try again in "+humanWait(wait)+".")
}

// Busy is the reply when the queue is full: nothing was run.
func Busy() commands.Reply {
	return commands.Refusal("", talkbot.EINTERNAL, "I'm swamped right now and did not run that; nothing was changed. Please try again in a minute.")
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
