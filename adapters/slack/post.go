package slack

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
)

// Retries of a Web API call that Slack rate-limited.
const (
	maxRetries    = 3
	maxRetryAfter = 2 * time.Minute
)

// retry runs f again after Slack's Retry-After each time Slack answers 429,
// a few times at most.
func (a *Adapter) retry(ctx context.Context, what string, f func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := f(ctx)
		wait, limited := retryAfter(err)
		if !limited || attempt >= maxRetries || wait > maxRetryAfter {
			return err
		}
		a.log.WarnContext(ctx, "slack rate limited; retrying", "call", what, "retry_after", wait, "attempt", attempt+1)
		if err := a.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// retryAfter reports whether err is a 429 and how long Slack asked to wait.
func retryAfter(err error) (time.Duration, bool) {
	var rl *slackgo.RateLimitedError
	if errors.As(err, &rl) {
		return max(rl.RetryAfter, time.Second), true
	}
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests {
		return time.Second, true
	}
	return 0, false
}

// pace waits for the channel's next slot, so posts to one channel stay under one a second.
func (a *Adapter) pace(ctx context.Context, channel string) error {
	if channel == "" {
		return nil
	}
	return a.sleep(ctx, a.pacer.reserve(channel, a.now()))
}

// message is a rendered reply on its way to Slack.
type message struct {
	blocks  []slackgo.Block
	text    string
	public  bool   // in_channel rather than ephemeral
	replace bool   // replace the message the interaction came from
	channel string // for pacing public posts
}

func messageOf(r rendered) message { return message{blocks: r.blocks, text: r.text} }

// respond answers through a response_url.
func (a *Adapter) respond(ctx context.Context, responseURL string, m message) error {
	no := false
	msg := &slackgo.WebhookMessage{
		Text:            m.text,
		Blocks:          &slackgo.Blocks{BlockSet: m.blocks},
		ResponseType:    slackgo.ResponseTypeEphemeral,
		ReplaceOriginal: m.replace,
		UnfurlLinks:     &no,
		UnfurlMedia:     &no,
	}
	if m.public {
		msg.ResponseType = slackgo.ResponseTypeInChannel
		if err := a.pace(ctx, m.channel); err != nil {
			return err
		}
	}
	return a.retry(ctx, "response_url", func(ctx context.Context) error {
		return slackgo.PostWebhookCustomHTTPContext(ctx, responseURL, a.httpClient, msg)
	})
}

// postMessage posts to a channel (or a user's DM with the app), in a thread when threadTS is set.
func (a *Adapter) postMessage(ctx context.Context, channel, threadTS string, m message) error {
	if err := a.pace(ctx, channel); err != nil {
		return err
	}
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(m.text, false), slackgo.MsgOptionBlocks(m.blocks...),
		slackgo.MsgOptionDisableLinkUnfurl(), slackgo.MsgOptionDisableMediaUnfurl()}
	if threadTS != "" {
		opts = append(opts, slackgo.MsgOptionTS(threadTS))
	}
	return a.retry(ctx, "chat.postMessage", func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
}

// postEphemeral shows a message to one user in a channel.
func (a *Adapter) postEphemeral(ctx context.Context, channel, user, threadTS string, m message) error {
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(m.text, false), slackgo.MsgOptionBlocks(m.blocks...)}
	if threadTS != "" {
		opts = append(opts, slackgo.MsgOptionTS(threadTS))
	}
	return a.retry(ctx, "chat.postEphemeral", func(ctx context.Context) error {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

func (a *Adapter) openView(ctx context.Context, triggerID string, v slackgo.ModalViewRequest) error {
	return a.retry(ctx, "views.open", func(ctx context.Context) error {
		_, err := a.api.OpenViewContext(ctx, triggerID, v)
		return err
	})
}

func (a *Adapter) publishView(ctx context.Context, user string, v slackgo.HomeTabViewRequest) error {
	return a.retry(ctx, "views.publish", func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, slackgo.PublishViewContextRequest{UserID: user, View: v})
		return err
	})
}

// userInfo is what the adapter keeps of users.info.
type userInfo struct {
	name  string
	admin bool
	bot   bool
	at    time.Time
}

// userCache keeps users.info answers for a while: one lookup per user, not per command.
type userCache struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]userInfo
}

// user returns the user's display name and whether Slack says they are a
// workspace admin or owner. When Slack cannot say, the user is no admin and
// fallbackName stands in, for a minute.
func (a *Adapter) user(ctx context.Context, team, id, fallbackName string) userInfo {
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
		u = userInfo{name: fallbackName, at: now.Add(time.Minute - a.users.ttl)}
	} else {
		u = userInfo{name: displayName(su), admin: su.IsAdmin || su.IsOwner || su.IsPrimaryOwner, bot: su.IsBot, at: now}
	}
	if u.name == "" {
		u.name = fallbackName
	}
	if u.name == "" {
		u.name = id
	}
	a.users.mu.Lock()
	if len(a.users.m) > 50_000 {
		clear(a.users.m)
	}
	a.users.m[key] = u
	a.users.mu.Unlock()
	return u
}

func displayName(u *slackgo.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.RealName, u.Profile.RealName, u.Name} {
		if n != "" {
			return n
		}
	}
	return ""
}
