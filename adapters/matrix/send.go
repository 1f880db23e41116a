package matrix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/attachment"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/commands"
)

// delivery says where and how a reply goes.
type delivery struct {
	room      id.RoomID
	inReplyTo id.EventID  // the command answered; "" for a post
	thread    id.EventID  // the thread it goes in, when there is one
	to        []id.UserID // who it is for: the one person it pings
	// replace is a notice the reply replaces ("working on it…"): its first
	// event is an edit of that notice, the rest follow as replies.
	replace id.EventID
	// txn is the base of the transaction ids, from the command answered or
	// the post's key: the same reply sent again is never posted twice.
	txn string
	// answered, when set, is told the answer before it is sent (a
	// reaction remembers whether it changed anything).
	answered func(commands.Reply)
}

// deliver sends a reply: its text as m.notice events (several when it is too
// long for one), encrypted when the room is, then its files as m.file. It
// remembers which talks the reply showed, for reactions on it, and returns
// the id of its first event (the replaced notice's, for an edit).
func (a *Adapter) deliver(ctx context.Context, log *slog.Logger, d delivery, r commands.Reply) (id.EventID, error) {
	encrypted, err := a.roomEncrypted(ctx, d.room)
	if err != nil {
		return "", err
	}
	first := maxTextBytes
	if d.replace != "" {
		first /= 2 // an edit carries its text twice: the fallback and m.new_content
	}
	parts := render(r, first, maxTextBytes)
	files := r.Attachments()
	if len(parts) == 0 && d.replace != "" {
		// The answer is files only: the notice still says something else than "working on it…".
		names := make([]string, len(files))
		for i, f := range files {
			names[i] = f.Name
		}
		parts = append(parts, notice(strings.Join(names, ", "), html.EscapeString(strings.Join(names, ", "))))
	}
	pings := append(append([]id.UserID{}, d.to...), mentioned(r)...)
	var firstID id.EventID
	for i, c := range parts {
		c.Mentions = &event.Mentions{} // the first event pings; the rest of a long reply does not again
		if i == 0 {
			c.Mentions.UserIDs = pings
		}
		if i == 0 && d.replace != "" {
			c.SetEdit(d.replace)
		} else {
			c.RelatesTo = relation(d.inReplyTo, d.thread)
		}
		resp, err := a.sendEvent(ctx, log, d.room, event.EventMessage, c, fmt.Sprintf("%s.%d", d.txn, i), encrypted)
		if err != nil {
			return firstID, err
		}
		if i == 0 {
			firstID = resp.EventID
			if d.replace != "" {
				firstID = d.replace
			}
		}
	}
	if talks := r.Talks(); len(talks) > 0 && firstID != "" {
		a.remember(ctx, firstID, shownTalks{Talks: talks, Thread: d.thread})
	}
	for i, f := range files {
		fileID, err := a.sendFile(ctx, log, d, f, fmt.Sprintf("%s.file%d", d.txn, i), encrypted)
		if err != nil {
			return firstID, fmt.Errorf("send the file %s: %w", f.Name, err)
		}
		if firstID == "" {
			firstID = fileID
		}
	}
	return firstID, nil
}

// private reports whether what the bot says in room is read by one person
// only: the bot and one person are in it, nobody may join it unasked or
// read it without joining, and whoever is invited later cannot read back
// (the room is encrypted, or its history starts at their invite). A room
// of two with Matrix's default history is not private: the team invited
// next week would read every private note. A room whose state cannot be
// read counts as shared.
func (a *Adapter) private(ctx context.Context, room id.RoomID) bool {
	members, err := a.cli.StateStore.GetRoomJoinedOrInvitedMembers(ctx, room)
	if err != nil || len(members) > 2 {
		return false
	}
	if a.syncRoomState(ctx, room) != nil {
		return false
	}
	rules, err := a.cli.StateStore.GetJoinRules(ctx, room)
	if err != nil || rules != nil && rules.JoinRule != "" && rules.JoinRule != event.JoinRuleInvite && rules.JoinRule != event.JoinRulePrivate {
		return false // public, knock, restricted to a space's members: others may come in
	}
	history, err := a.cli.StateStore.GetHistoryVisibility(ctx, room)
	if err != nil {
		return false
	}
	visibility := event.HistoryVisibilityShared // the spec's default
	if history != nil && history.HistoryVisibility != "" {
		visibility = history.HistoryVisibility
	}
	switch visibility {
	case event.HistoryVisibilityInvited, event.HistoryVisibilityJoined:
		return true
	case event.HistoryVisibilityWorldReadable:
		return false
	}
	encrypted, err := a.cli.StateStore.IsEncrypted(ctx, room)
	return err == nil && encrypted // a later member gets no keys to what was said before
}

// sendFile uploads a file and sends it as m.file, both encrypted when the room is.
func (a *Adapter) sendFile(ctx context.Context, log *slog.Logger, d delivery, f *commands.Attachment, txn string, encrypted bool) (id.EventID, error) {
	mediaType := f.MediaType
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	content := &event.MessageEventContent{
		MsgType: event.MsgFile, Body: f.Name, FileName: f.Name,
		Info:      &event.FileInfo{MimeType: mediaType, Size: len(f.Data)},
		RelatesTo: relation(d.inReplyTo, d.thread),
		Mentions:  &event.Mentions{},
	}
	upload, uploadType := f.Data, mediaType
	var file *attachment.EncryptedFile
	if encrypted {
		file = attachment.NewEncryptedFile()
		upload, uploadType = file.Encrypt(f.Data), "application/octet-stream"
	}
	var up *mautrix.RespMediaUpload
	if err := retryLimited(ctx, log, a.waited("media.upload"), func() error {
		var err error
		up, err = a.cli.UploadBytesWithName(ctx, upload, uploadType, f.Name)
		return err
	}); err != nil {
		return "", err
	}
	if file != nil {
		content.File = &event.EncryptedFileInfo{EncryptedFile: *file, URL: up.ContentURI.CUString()}
	} else {
		content.URL = up.ContentURI.CUString()
	}
	resp, err := a.sendEvent(ctx, log, d.room, event.EventMessage, content, txn, encrypted)
	if err != nil {
		return "", err
	}
	return resp.EventID, nil
}

// send sends one event, encrypted when the room is, as its state on the
// homeserver says. When that cannot be told it sends nothing and returns an
// error wrapping errRoomStateUnknown: never plaintext in an encrypted room.
func (a *Adapter) send(ctx context.Context, log *slog.Logger, room id.RoomID, typ event.Type, content any, txn string) (*mautrix.RespSendEvent, error) {
	encrypted, err := a.roomEncrypted(ctx, room)
	if err != nil {
		return nil, err
	}
	return a.sendEvent(ctx, log, room, typ, content, txn, encrypted)
}

// sendEvent sends one event, encrypting it first when encrypted is set,
// retrying while the homeserver says M_LIMIT_EXCEEDED. Unencrypted events
// still go through mautrix's own check of the state store, which encrypts
// them should the room have turned encrypted meanwhile.
func (a *Adapter) sendEvent(ctx context.Context, log *slog.Logger, room id.RoomID, typ event.Type, content any, txn string, encrypted bool) (*mautrix.RespSendEvent, error) {
	var resp *mautrix.RespSendEvent
	err := a.outlast(ctx, log, "send", func() error { return a.sendOnce(ctx, log, room, typ, content, txn, encrypted, &resp) })
	return resp, err
}

func (a *Adapter) sendOnce(ctx context.Context, log *slog.Logger, room id.RoomID, typ event.Type, content any, txn string, encrypted bool, resp **mautrix.RespSendEvent) error {
	return retryLimited(ctx, log, a.waited("rooms.send"), func() error {
		body, bodyType := content, typ
		if encrypted {
			sealed, err := a.crypto.Encrypt(ctx, room, typ, content)
			if err != nil {
				return fmt.Errorf("encrypt: %w", err)
			}
			body, bodyType = sealed, event.EventEncrypted
		}
		var err error
		*resp, err = a.cli.SendMessageEvent(ctx, room, bodyType, body, mautrix.ReqSendEvent{TransactionID: txn})
		return err
	})
}

// outageWaits bound how long outlast waits out a homeserver that cannot be
// reached: 1+2+4+8+15 s, on top of mautrix's own quick retries.
var outageWaits = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second}

// outlast runs fn until the homeserver answers it, waiting out a short
// outage (a restart, a proxy's 502): a reply whose change was saved had
// been lost after mautrix's 1.5 s of retries, and a command whose room
// state could not be read dropped for good. The transaction id makes a
// send that got through after all count once.
func (a *Adapter) outlast(ctx context.Context, log *slog.Logger, what string, fn func() error) error {
	for try := 0; ; try++ {
		err := fn()
		if err == nil || ctx.Err() != nil || !unreachable(err) || try == len(outageWaits) {
			return err
		}
		if _, limited := rateLimited(err); limited {
			return err // retryLimited's to wait for, and it did
		}
		log.Warn("the homeserver cannot be reached; trying again", "what", what, "retry_in", outageWaits[try].String(), "err", err)
		t := time.NewTimer(outageWaits[try])
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// txnID is a transaction id derived from what is sent (a reply, a post)
// and what makes it unique (the event answered, the post's key).
func txnID(what, key string) string {
	h := sha256.Sum256([]byte(what + "\x00" + key))
	return "talkbot." + what + "." + hex.EncodeToString(h[:12])
}

// maxRateLimitTries bounds how often one request is retried after M_LIMIT_EXCEEDED.
const maxRateLimitTries = 6

// retryLimited runs fn until the homeserver stops answering M_LIMIT_EXCEEDED,
// waiting the retry_after_ms it asks for between tries and telling waited
// (when not nil) of each wait.
func retryLimited(ctx context.Context, log *slog.Logger, waited func(time.Duration), fn func() error) error {
	for try := 1; ; try++ {
		err := fn()
		wait, limited := rateLimited(err)
		if !limited || try == maxRateLimitTries {
			return err
		}
		log.Warn("rate limited by the homeserver; waiting", "retry_in", wait.String(), "try", try)
		if waited != nil {
			waited(wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// rateLimited reports whether err is M_LIMIT_EXCEEDED and how long to wait.
func rateLimited(err error) (time.Duration, bool) {
	var he mautrix.HTTPError
	if !errors.As(err, &he) || he.RespError == nil || he.RespError.ErrCode != mautrix.MLimitExceeded.ErrCode {
		return 0, false
	}
	wait := time.Second
	if ms, ok := he.RespError.ExtraData["retry_after_ms"].(float64); ok && ms >= 0 {
		wait = time.Duration(ms) * time.Millisecond
	}
	return min(wait, 5*time.Minute), true
}
