package slack

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// EventsPath is where HTTP mode takes slash commands, Events API callbacks
// and interactivity payloads, as Slack's Bolt frameworks do.
const EventsPath = "/slack/events"

// HTTPHandler serves HTTP mode: mount it at EventsPath on the operator
// server. It answers only POSTs, and only those signed with the signing
// secret; without one (Socket Mode only) it refuses everything.
func (a *Adapter) HTTPHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if a.signingSecret == "" {
			http.NotFound(w, r)
			return
		}
		a.serveEvents(w, r)
	})
}

// serveEvents verifies a request's v0 signature before anything else, then
// acknowledges it: forged, stale, unsigned and replayed requests get 401,
// oversized ones 413, and none of them changes anything.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	kind, res := a.verifyAndDispatch(w, r)
	writeAck(w, res)
	a.obs.Acked(kind, res.outcomeLabel(), time.Since(start))
}

// verifyAndDispatch checks a request's signature and freshness, then hands
// it to the code for its kind; kind is kindOther for a request refused
// before it was read.
func (a *Adapter) verifyAndDispatch(w http.ResponseWriter, r *http.Request) (kind string, res ack) {
	sv, err := slackgo.NewSecretsVerifier(r.Header, a.signingSecret)
	if err != nil {
		a.badSigns.Add(err.Error() + " from " + r.RemoteAddr)
		return kindOther, ack{status: http.StatusUnauthorized, body: "invalid signature"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return kindOther, ack{status: http.StatusRequestEntityTooLarge, body: "request too large"}
		}
		return kindOther, ack{status: http.StatusBadRequest}
	}
	if _, err := sv.Write(body); err != nil || sv.Ensure() != nil {
		a.badSigns.Add("signature mismatch from " + r.RemoteAddr)
		return kindOther, ack{status: http.StatusUnauthorized, body: "invalid signature"}
	}
	// Slack signs every delivery afresh, retries included: a signature seen
	// before is someone replaying a captured request.
	if !a.replays.add(r.Header.Get("X-Slack-Signature"), a.now()) {
		a.badSigns.Add("replayed from " + r.RemoteAddr)
		return kindOther, ack{status: http.StatusUnauthorized, body: "replayed request"}
	}
	return a.dispatchHTTP(r, body)
}

// The kinds of request Observer.Acked tells apart.
const (
	kindSlashCommand = "slash_command"
	kindEvent        = "event"
	kindInteraction  = "interaction"
	kindOther        = "other" // URL verification, SSL checks, and whatever was refused before it was read
)

func (a *Adapter) dispatchHTTP(r *http.Request, body []byte) (kind string, res ack) {
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		var outer struct {
			Type      string `json:"type"`
			Challenge string `json:"challenge"`
		}
		if err := json.Unmarshal(body, &outer); err != nil {
			return kindOther, ack{status: http.StatusBadRequest}
		}
		if outer.Type == slackevents.URLVerification {
			return kindOther, ack{body: map[string]string{"challenge": outer.Challenge}}
		}
		ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
		if err != nil {
			// Events this app does not subscribe to land here too; Slack needs no retry.
			a.log.Debug("slack event not parsed", "err", err, "retry_num", r.Header.Get("X-Slack-Retry-Num"))
			return kindEvent, ack{}
		}
		return kindEvent, a.onEvent(ev, body)
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return kindOther, ack{status: http.StatusBadRequest}
		}
		if p := form.Get("payload"); p != "" {
			var ic slackgo.InteractionCallback
			if err := json.Unmarshal([]byte(p), &ic); err != nil {
				return kindInteraction, ack{status: http.StatusBadRequest}
			}
			return kindInteraction, a.onInteraction(ic)
		}
		if form.Get("command") != "" {
			return kindSlashCommand, a.onSlashCommand(slashCommand(form))
		}
		if form.Get("ssl_check") == "1" {
			return kindOther, ack{} // Slack checking the certificate of the slash command's URL
		}
	}
	return kindOther, ack{status: http.StatusBadRequest}
}

// slashCommand reads a slash command from its form, as slack.SlashCommandParse does.
func slashCommand(f url.Values) slackgo.SlashCommand {
	return slackgo.SlashCommand{
		TeamID: f.Get("team_id"), TeamDomain: f.Get("team_domain"),
		EnterpriseID: f.Get("enterprise_id"), EnterpriseName: f.Get("enterprise_name"),
		IsEnterpriseInstall: f.Get("is_enterprise_install") == "true",
		ChannelID:           f.Get("channel_id"), ChannelName: f.Get("channel_name"),
		UserID: f.Get("user_id"), UserName: f.Get("user_name"),
		Command: f.Get("command"), Text: f.Get("text"),
		ResponseURL: f.Get("response_url"), TriggerID: f.Get("trigger_id"), APIAppID: f.Get("api_app_id"),
	}
}

func writeAck(w http.ResponseWriter, res ack) {
	status := res.status
	if status == 0 {
		status = http.StatusOK
	}
	if status != http.StatusOK {
		msg, _ := res.body.(string) // what went wrong, for whoever reads the response
		if msg == "" {
			msg = http.StatusText(status)
		}
		http.Error(w, msg, status)
		return
	}
	if res.body == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	b, err := json.Marshal(res.body)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
