package slack

import (
	"context"
	"fmt"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// acker acknowledges Socket Mode requests; *socketmode.Client is one.
type acker interface {
	Ack(req socketmode.Request, payload ...any) error
}

// runSocket runs Socket Mode until ctx is done. slack-go reconnects by itself
// after outages and Slack's disconnect requests; it gives up only when the
// app token is refused.
func (a *Adapter) runSocket(ctx context.Context) error {
	h := a.socketHandler(a.socket)
	go func() {
		for {
			select {
			case evt := <-a.socket.Events:
				h.DispatchEvent(evt)
			case <-ctx.Done():
				return
			}
		}
	}()
	err := a.socket.RunContext(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("slack socket mode (check SLACK_APP_TOKEN): %w", err)
}

// socketHandler routes Socket Mode envelopes to the same code HTTP mode uses;
// the acknowledgement carries what the HTTP response would.
func (a *Adapter) socketHandler(c *socketmode.Client) *socketmode.SocketmodeHandler {
	h := socketmode.NewSocketmodeHandler(c)
	h.Handle(socketmode.EventTypeSlashCommand, func(evt *socketmode.Event, _ *socketmode.Client) {
		if sc, ok := evt.Data.(slackgo.SlashCommand); ok {
			start := time.Now()
			a.ack(evt, kindSlashCommand, a.onSlashCommand(sc), start)
		}
	})
	h.Handle(socketmode.EventTypeEventsAPI, func(evt *socketmode.Event, _ *socketmode.Client) {
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			start := time.Now()
			var body []byte
			if evt.Request != nil {
				body = evt.Request.Payload
			}
			a.ack(evt, kindEvent, a.onEvent(ev, body), start)
		}
	})
	h.Handle(socketmode.EventTypeInteractive, func(evt *socketmode.Event, _ *socketmode.Client) {
		if ic, ok := evt.Data.(slackgo.InteractionCallback); ok {
			start := time.Now()
			a.ack(evt, kindInteraction, a.onInteraction(ic), start)
		}
	})
	h.Handle(socketmode.EventTypeConnecting, func(*socketmode.Event, *socketmode.Client) {
		a.socketState(false)
		a.log.Debug("slack socket mode connecting")
	})
	h.Handle(socketmode.EventTypeConnected, func(*socketmode.Event, *socketmode.Client) {
		a.socketState(true)
		a.log.Info("slack socket mode connected")
	})
	h.Handle(socketmode.EventTypeConnectionError, func(evt *socketmode.Event, _ *socketmode.Client) {
		a.socketState(false)
		a.log.Warn("slack socket mode connection failed; retrying", "err", fmt.Sprint(evt.Data))
	})
	h.Handle(socketmode.EventTypeInvalidAuth, func(*socketmode.Event, *socketmode.Client) {
		a.log.Error("slack socket mode: the app token was refused")
	})
	h.Handle(socketmode.EventTypeDisconnect, func(*socketmode.Event, *socketmode.Client) {
		a.socketState(false)
		a.log.Info("slack asked to reconnect")
	})
	h.Handle(socketmode.EventTypeHello, func(*socketmode.Event, *socketmode.Client) {})
	h.HandleDefault(func(evt *socketmode.Event, _ *socketmode.Client) {
		a.log.Debug("slack socket mode event ignored", "type", string(evt.Type))
	})
	return h
}

// ack acknowledges a Socket Mode request with the payload HTTP mode would
// have answered with. A request the bot cannot take now stays unacknowledged,
// so Slack delivers it again. It tells the Observer how long the request
// took from start.
func (a *Adapter) ack(evt *socketmode.Event, kind string, res ack, start time.Time) {
	defer func() { a.obs.Acked(kind, res.outcomeLabel(), time.Since(start)) }()
	if evt.Request == nil || res.status >= 500 {
		return
	}
	ackr := a.acker
	if ackr == nil && a.socket != nil {
		ackr = a.socket
	}
	if ackr == nil {
		return
	}
	var err error
	if res.body != nil && res.status == 0 {
		err = ackr.Ack(*evt.Request, res.body)
	} else {
		err = ackr.Ack(*evt.Request)
	}
	if err != nil {
		a.log.Error("slack socket mode ack failed", "envelope_id", evt.Request.EnvelopeID, "err", err)
	}
}
