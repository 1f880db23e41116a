package matrix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/attachment"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/commands"
)

// reply sends r as an m.notice in reply to inReplyTo (in thread when set),
// mentioning only to, and remembers which talks it showed. cause is the event
// being answered: the transaction id derives from it, so a retried send is
// never posted twice.
func (a *Adapter) reply(ctx context.Context, cause *event.Event, inReplyTo, thread id.EventID, to id.UserID, r commands.Reply) error {
	content := render(r)
	content.RelatesTo = relation(inReplyTo, thread)
	content.Mentions = &event.Mentions{UserIDs: []id.UserID{to}}
	log := a.log.With("room_id", cause.RoomID.String(), "event_id", cause.ID.String())
	resp, err := a.send(ctx, log, cause.RoomID, event.EventMessage, content, txnID(cause.ID, "reply"))
	if err != nil {
		return err
	}
	if len(r.Talks) > 0 {
		a.remember(ctx, resp.EventID, shownTalks{Talks: r.Talks, Thread: thread})
	}
	if r.JSON != nil {
		if err := a.sendJSON(ctx, log, cause, inReplyTo, thread, r.JSON); err != nil {
			return fmt.Errorf("send attachment: %w", err)
		}
	}
	return nil
}

// private reports whether only the bot and one person are in room.
func (a *Adapter) private(ctx context.Context, room id.RoomID) bool {
	members, err := a.cli.StateStore.GetRoomJoinedOrInvitedMembers(ctx, room)
	return err == nil && len(members) <= 2
}

// sendJSON sends an export as a file, encrypted when the room is.
func (a *Adapter) sendJSON(ctx context.Context, log *slog.Logger, cause *event.Event, inReplyTo, thread id.EventID, data []byte) error {
	const name = "talkbot-export.json"
	content := &event.MessageEventContent{
		MsgType: event.MsgFile, Body: name, FileName: name,
		Info:      &event.FileInfo{MimeType: "application/json", Size: len(data)},
		RelatesTo: relation(inReplyTo, thread),
	}
	encrypted, err := a.roomEncrypted(ctx, cause.RoomID)
	if err != nil {
		return err
	}
	upload, mime := data, "application/json"
	var file *attachment.EncryptedFile
	if encrypted {
		file = attachment.NewEncryptedFile()
		upload, mime = file.Encrypt(data), "application/octet-stream"
	}
	var up *mautrix.RespMediaUpload
	if err := retryLimited(ctx, log, func() error {
		var err error
		up, err = a.cli.UploadBytesWithName(ctx, upload, mime, name)
		return err
	}); err != nil {
		return err
	}
	if file != nil {
		content.File = &event.EncryptedFileInfo{EncryptedFile: *file, URL: up.ContentURI.CUString()}
	} else {
		content.URL = up.ContentURI.CUString()
	}
	_, err = a.sendEvent(ctx, log, cause.RoomID, event.EventMessage, content, txnID(cause.ID, "file"), encrypted)
	return err
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
	err := retryLimited(ctx, log, func() error {
		body, bodyType := content, typ
		if encrypted {
			sealed, err := a.crypto.Encrypt(ctx, room, typ, content)
			if err != nil {
				return fmt.Errorf("encrypt: %w", err)
			}
			body, bodyType = sealed, event.EventEncrypted
		}
		var err error
		resp, err = a.cli.SendMessageEvent(ctx, room, bodyType, body, mautrix.ReqSendEvent{TransactionID: txn})
		return err
	})
	return resp, err
}

// txnID is a transaction id derived from the event being answered.
func txnID(cause id.EventID, what string) string {
	h := sha256.Sum256([]byte(what + "\x00" + cause.String()))
	return "talkbot." + what + "." + hex.EncodeToString(h[:12])
}

// maxRateLimitTries bounds how often one request is retried after M_LIMIT_EXCEEDED.
const maxRateLimitTries = 6

// retryLimited runs fn until the homeserver stops answering M_LIMIT_EXCEEDED,
// waiting the retry_after_ms it asks for between tries.
func retryLimited(ctx context.Context, log *slog.Logger, fn func() error) error {
	for try := 1; ; try++ {
		err := fn()
		wait, limited := rateLimited(err)
		if !limited || try == maxRateLimitTries {
			return err
		}
		log.Warn("rate limited by the homeserver; waiting", "retry_in", wait.String(), "try", try)
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
