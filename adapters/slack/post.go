package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Retries of a Web API call that Slack rate-limited.
const (
	maxRetries    = 3
	maxRetryAfter = 2 * time.Minute
)

// retry runs f again after Slack's Retry-After each time Slack answers 429,
// a few times at most, and after a short pause when it answers 5xx: that
// is Slack's own trouble and seldom lasts, and a reply dropped on the
// first one was lost.
func (a *Adapter) retry(ctx context.Context, what string, f func(ctx context.Context) error) error {
	return a.retryWithin(ctx, what, len(serverErrorWaits), f)
}

// retryWithin is retry, trying again after at most serverErrors 5xx
// answers (start-up waits out an outage itself).
func (a *Adapter) retryWithin(ctx context.Context, what string, serverErrors int, f func(ctx context.Context) error) error {
	failed := 0 // 5xx answers so far
	for attempt := 0; ; attempt++ {
		err := f(ctx)
		wait, limited := retryAfter(err)
		a.obs.APICall(talkbot.PlatformSlack, what, callOutcome(err, limited))
		if what != "response_url" { // a response_url takes no token
			a.noteToken(ctx, what, err)
		}
		switch {
		case limited && attempt < maxRetries && wait <= maxRetryAfter:
		case !limited && serverError(err) && failed < serverErrors:
			wait = serverErrorWaits[failed]
			failed++
		default:
			return err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return err // the wait would outlast what the caller can give it
		}
		if limited {
			a.log.WarnContext(ctx, "slack rate limited; retrying", "call", what, "retry_after", wait, "attempt", attempt+1)
			a.obs.RateLimitWait(talkbot.PlatformSlack, what, wait)
		} else {
			a.log.WarnContext(ctx, "slack server error; retrying", "call", what, "retry_in", wait, "err", err)
		}
		if err := a.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// serverErrorWaits are the pauses before trying a call again after Slack
// answered it with a 5xx.
var serverErrorWaits = []time.Duration{time.Second, 2 * time.Second}

// serverError reports whether Slack answered with a 5xx.
func serverError(err error) bool {
	var sc slackgo.StatusCodeError
	return errors.As(err, &sc) && sc.Code >= 500
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

// origin is where a request came from, and so where its answer goes.
type origin struct {
	team, user, userName string
	channel              string
	threadTS             string
	responseURL          string
	direct               bool                  // a direct message: with the app, or between people (both "D…")
	dm                   bool                  // a direct message with the app
	home                 bool                  // the App Home: no channel
	channels             []commands.ChannelRef // the channels the message names
	note                 string                // a form's note field, kept apart from the command's text
	overheard            bool                  // typed in a message others in the channel read
}

// delivery says how to show the answer.
type delivery struct {
	share   bool // post it to the channel for everyone
	replace bool // replace the message the button pressed was on
}

// answer is where one request's replies go. A slow command's first reply is
// "working on it…", which the answer then replaces.
type answer struct {
	o    origin
	d    delivery
	text string // the command as run: what a share button runs again

	progressed      bool   // "working on it…" went through response_url
	hookUses        int    // posts to response_url so far
	progressChannel string // … or was posted here
	progressTS      string
	final           *commands.Reply // the answer, once sent
}

// filesNote tells the reader of an ephemeral answer where its files went.
const filesNote = "sent to you in a direct message"

// deliver sends a reply where the request came from: to the asker alone
// unless shared (and never a private reply or an error to a channel), replacing the
// "working on it…" that came before it where Slack can. Files go beside a
// posted message, or to the user's direct messages with the app.
func (a *Adapter) deliver(ctx context.Context, st *answer, r commands.Reply) error {
	o := st.o
	progress := r.Kind == commands.KindProgress
	// "Working on it…" is not the answer: the mark is left to the command's
	// change or its answer, as in Matrix.
	if !progress && !a.firstAnswer(ctx) {
		return nil
	}
	if !progress {
		st.final = &r
	}
	// Only an answer goes to the channel: not an error, a question or a private reply.
	public := st.d.share && o.channel != "" && !o.dm && !r.Private && r.Kind == commands.KindOK
	posted := o.responseURL == "" && (public || o.dm || o.channel == "") // a message of its own, not ephemeral
	opts := renderOptions{public: public}
	if r.Kind == commands.KindOK && r.Safe && !r.Private && !public && !o.dm && o.channel != "" && st.text != "" {
		opts.share = st.text
	}
	files := r.Attachments()
	filesToDM := !public && !o.dm
	if len(files) > 0 && filesToDM && !posted {
		opts.filesNote = filesNote
	}
	msgs := render(r, opts)
	var err error
	switch {
	case o.responseURL != "":
		var sent int
		sent, err = a.viaResponseURL(ctx, st, msgs, public)
		switch {
		case errors.Is(err, errHookUsedUp):
			err = a.withoutHook(ctx, st, msgs[sent:], public)
		case goneHook(err):
			// Slack keeps a response_url for 30 minutes: a form sent in
			// later, or a very slow command, is answered in a message.
			a.log.InfoContext(ctx, "response_url gone; answering in a message", "user_id", o.user, "err", err)
			err = a.withoutHook(ctx, st, msgs[sent:], public)
		}
	case posted:
		err = a.viaPost(ctx, st, msgs, progress)
	default:
		// An ephemeral message cannot be replaced without a response_url:
		// the answer comes as a message of its own.
		for _, m := range msgs {
			if err = a.postEphemeral(ctx, o.channel, o.user, o.threadTS, m); err != nil {
				break
			}
		}
	}
	if err != nil || progress || len(files) == 0 {
		return err
	}
	channel, thread := o.channel, o.threadTS
	if filesToDM {
		if channel, err = a.openDM(ctx, o.user); err != nil {
			return fmt.Errorf("open dm for files: %w", err)
		}
		thread = ""
	}
	return a.upload(ctx, channel, thread, files)
}

// viaResponseURL answers through the response_url of a slash command or an
// interaction: replace_original replaces "working on it…", or the message a
// paging button was on. It returns how many of msgs went.
func (a *Adapter) viaResponseURL(ctx context.Context, st *answer, msgs []message, public bool) (int, error) {
	for i, m := range msgs {
		if st.hookUses == maxHookUses {
			return i, errHookUsedUp
		}
		st.hookUses++
		// A shared answer never replaces the "working on it…" only its user
		// saw: Slack may keep a replaced ephemeral message ephemeral, and the
		// share would reach nobody. It follows it, for everyone.
		replace := i == 0 && (st.d.replace || st.progressed && !public)
		if err := a.respond(ctx, st.o.responseURL, st.o.channel, m, public, replace); err != nil {
			return i, err
		}
	}
	st.progressed = true
	return len(msgs), nil
}

// maxHookUses is how many times Slack takes a response_url. What it
// answers past that is undocumented, so a reply longer than that many
// messages (a show with many long notes) goes on in messages of its own.
const maxHookUses = 5

var errHookUsedUp = errors.New("slack: the response_url is used up")

// goneHook says whether Slack refused a response_url for good: expired
// (after 30 minutes) or used up (after 5 answers), a 404 (or 410). A 400 is
// the message's fault, which another way of posting would not mend.
func goneHook(err error) bool {
	var sc slackgo.StatusCodeError
	return errors.As(err, &sc) && (sc.Code == http.StatusNotFound || sc.Code == http.StatusGone)
}

// withoutHook answers as a response_url would have: a shared answer posted
// to the channel, else a message only the user sees there, or in the app's
// DM when there is no channel.
func (a *Adapter) withoutHook(ctx context.Context, st *answer, msgs []message, public bool) error {
	st.o.responseURL = ""
	if public || st.o.channel == "" || st.o.dm {
		return a.viaPost(ctx, st, msgs, false)
	}
	for _, m := range msgs {
		if err := a.postEphemeral(ctx, st.o.channel, st.o.user, st.o.threadTS, m); err != nil {
			return err
		}
	}
	return nil
}

// viaPost posts to the channel (or the user's direct messages); the answer
// to a slow command updates the "working on it…" posted before it.
func (a *Adapter) viaPost(ctx context.Context, st *answer, msgs []message, progress bool) error {
	channel := st.o.channel
	if channel == "" {
		var err error
		if channel, err = a.openDM(ctx, st.o.user); err != nil {
			return fmt.Errorf("open dm: %w", err)
		}
	}
	for i, m := range msgs {
		if i == 0 && st.progressTS != "" {
			if err := a.update(ctx, st.progressChannel, st.progressTS, m); err != nil {
				return err
			}
			continue
		}
		ch, ts, err := a.postMessage(ctx, channel, st.o.threadTS, m)
		if err != nil {
			return err
		}
		if i == 0 && progress {
			st.progressChannel, st.progressTS = ch, ts
		}
	}
	return nil
}

// Post posts a reply unprompted (a digest, a notice) to a channel, or to a
// user's direct messages with the app when to.Channel is empty, files and
// all. It returns the ts of the (first) message. A private reply goes only
// to a direct message.
func (a *Adapter) Post(ctx context.Context, to commands.Destination, r commands.Reply) (string, error) {
	channel := to.Channel
	switch {
	case channel == "" && to.User == "":
		return "", errors.New("slack post: no channel or user to post to")
	case channel == "":
		var err error
		if channel, err = a.openDM(ctx, to.User); err != nil {
			return "", fmt.Errorf("slack post: open dm: %w", err)
		}
	case r.Private && !strings.HasPrefix(channel, "D"):
		return "", errors.New("slack post: a private reply goes to its owner's direct messages, not a channel")
	}
	var first string
	for _, m := range render(r, renderOptions{public: !strings.HasPrefix(channel, "D")}) {
		_, ts, err := a.postMessage(ctx, channel, to.Thread, m)
		if err != nil {
			return first, fmt.Errorf("slack post: %w", err)
		}
		if first == "" {
			first = ts
		}
	}
	if err := a.upload(ctx, channel, to.Thread, r.Attachments()); err != nil {
		return first, fmt.Errorf("slack post: %w", err)
	}
	return first, nil
}

// respond answers through a response_url.
func (a *Adapter) respond(ctx context.Context, responseURL, channel string, m message, public, replace bool) error {
	no := false
	msg := &slackgo.WebhookMessage{
		Text:            m.text,
		Blocks:          &slackgo.Blocks{BlockSet: m.blocks},
		ResponseType:    slackgo.ResponseTypeEphemeral,
		ReplaceOriginal: replace,
		UnfurlLinks:     &no,
		UnfurlMedia:     &no,
	}
	if public {
		msg.ResponseType = slackgo.ResponseTypeInChannel
		if err := a.pace(ctx, channel); err != nil {
			return err
		}
	}
	body, err := webhookBody(msg)
	if err != nil {
		return fmt.Errorf("encode response_url message: %w", err)
	}
	return a.retry(ctx, "response_url", func(ctx context.Context) error {
		return a.postWebhook(ctx, responseURL, body)
	})
}

// webhookBody is the JSON of msg, as slack-go's PostWebhook would send it,
// with the blocks encoded once: nested inside the message, encoding/json
// compacts the blocks' JSON again at every level of MarshalJSON, which was
// most of the encoding time of a 25-talk list.
func webhookBody(msg *slackgo.WebhookMessage) ([]byte, error) {
	m := *msg
	m.Blocks = nil
	head, err := json.Marshal(&m)
	if err != nil || msg.Blocks == nil || len(msg.Blocks.BlockSet) == 0 {
		return head, err
	}
	scratch := bodyBuffers.Get().(*[]byte)
	out := append((*scratch)[:0], head[:len(head)-1]...) // without its closing brace
	if len(head) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"blocks":[`...)
	for i, b := range msg.Blocks.BlockSet {
		if i > 0 {
			out = append(out, ',')
		}
		if out, err = appendBlock(out, b); err != nil {
			break
		}
	}
	var body []byte
	if err == nil {
		out = append(out, "]}"...)
		body = bytes.Clone(out) // the size of the body, once
	}
	if cap(out) <= maxScratch {
		*scratch = out[:0]
		bodyBuffers.Put(scratch)
	}
	return body, err
}

// bodyBuffers are where webhookBody builds a body. A 25-talk list is some
// 30 KB of JSON: grown from a guess, a new buffer of its own was allocated
// about three times over.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// maxScratch keeps the buffer of an unusually long reply out of the pool.
const maxScratch = 256 << 10

// postWebhook posts body to a response_url, answering errors as slack-go's
// PostWebhookCustomHTTPContext does, so retry treats them alike.
func (a *Adapter) postWebhook(ctx context.Context, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("failed new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("failed to post webhook: %w", err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}()
	if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") != "" {
		secs, err := strconv.ParseInt(res.Header.Get("Retry-After"), 10, 64)
		if err != nil {
			return err
		}
		return &slackgo.RateLimitedError{RetryAfter: time.Duration(secs) * time.Second}
	}
	if res.StatusCode != http.StatusOK {
		return slackgo.StatusCodeError{Code: res.StatusCode, Status: res.Status}
	}
	return nil
}

func messageOptions(m message) []slackgo.MsgOption {
	return []slackgo.MsgOption{slackgo.MsgOptionText(m.text, false), slackgo.MsgOptionBlocks(m.blocks...),
		slackgo.MsgOptionDisableLinkUnfurl(), slackgo.MsgOptionDisableMediaUnfurl()}
}

// postMessage posts to a channel (or a user's DM with the app), in a thread
// when threadTS is set, and returns the channel and ts of the message.
func (a *Adapter) postMessage(ctx context.Context, channel, threadTS string, m message) (string, string, error) {
	if err := a.pace(ctx, channel); err != nil {
		return "", "", err
	}
	opts := messageOptions(m)
	if threadTS != "" {
		opts = append(opts, slackgo.MsgOptionTS(threadTS))
	}
	var ch, ts string
	err := a.retry(ctx, "chat.postMessage", func(ctx context.Context) error {
		var err error
		ch, ts, err = a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	return ch, ts, err
}

// update replaces a message the bot posted.
func (a *Adapter) update(ctx context.Context, channel, ts string, m message) error {
	return a.retry(ctx, "chat.update", func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, messageOptions(m)...)
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

// upload shares files in a channel (or thread) with Slack's files upload v2:
// files.getUploadURLExternal, the upload, files.completeUploadExternal.
func (a *Adapter) upload(ctx context.Context, channel, threadTS string, files []*commands.Attachment) error {
	for _, f := range files {
		if len(f.Data) == 0 {
			continue
		}
		if err := a.pace(ctx, channel); err != nil {
			return err
		}
		err := a.retry(ctx, "files.upload", func(ctx context.Context) error {
			_, err := a.api.UploadFileContext(ctx, slackgo.UploadFileParameters{
				Reader: bytes.NewReader(f.Data), FileSize: len(f.Data), Filename: f.Name, Title: f.Name,
				Channel: channel, ThreadTimestamp: threadTS,
			})
			return err
		})
		if err != nil {
			return fmt.Errorf("upload %s: %w", f.Name, err)
		}
	}
	return nil
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
