package matrix

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// errPrivateToShared: a reply only its asker may read was to be posted where others read it.
var errPrivateToShared = errors.New("matrix: a private reply is never posted to a room others are in")

// Post posts a reply unprompted (a digest, a notice): to the room
// to.Channel, or, when that is empty, to the direct chat with the user
// to.User, which it creates (and invites them to) the first time. The reply
// goes as m.notice events, split when too long for one, and its files as
// m.file, all encrypted when the room is; in to.Thread when set. With
// to.Key set, posting the same reply again (a retry) is not posted twice.
// It returns the id of the first event posted. Post waits for Run to have
// started, or ctx to end; once Run has returned it fails.
func (a *Adapter) Post(ctx context.Context, to commands.Destination, r commands.Reply) (string, error) {
	select {
	case <-a.ready:
	case <-a.stopped:
		return "", errStopped
	case <-ctx.Done():
		return "", fmt.Errorf("matrix post: %w", ctx.Err())
	}
	if !a.work.begin() {
		return "", errStopped
	}
	defer a.work.end()
	if to.Platform != "" && to.Platform != Platform {
		return "", fmt.Errorf("matrix post: a destination on %s", to.Platform)
	}
	log := a.log.With("room_id", to.Channel, "user_id", to.User)
	room := id.RoomID(to.Channel)
	if room == "" {
		user := id.UserID(to.User)
		if !validUser(user) {
			return "", fmt.Errorf("matrix post: %q is neither a room nor a user id", to.User)
		}
		var err error
		if room, err = a.directRoom(ctx, user); err != nil {
			return "", fmt.Errorf("matrix post: the direct chat with %s: %w", user, err)
		}
		log = log.With("room_id", room.String())
	} else if !validRoom(room) {
		return "", fmt.Errorf("matrix post: %q is not a room id", to.Channel)
	}
	if err := a.syncRoomState(ctx, room); err != nil {
		return "", fmt.Errorf("matrix post: %w: %w", errRoomStateUnknown, err)
	}
	if r.Private && to.Channel != "" && !a.private(ctx, room) {
		return "", errPrivateToShared
	}
	key := to.Key
	if key == "" {
		key = rand.Text() // still one id for the retries of this call
	}
	first, err := a.deliver(ctx, log, delivery{room: room, thread: id.EventID(to.Thread), txn: txnID("post", room.String()+"\x00"+key)}, r)
	if err != nil {
		return first.String(), fmt.Errorf("matrix post: %w", err)
	}
	return first.String(), nil
}

func validRoom(room id.RoomID) bool {
	s := room.String()
	return len(s) > 1 && s[0] == '!'
}

func dmKey(user id.UserID) string { return "matrix.dm:" + user.String() }

// directRoom returns the direct chat with user: the one remembered, while
// both are still in it, else a new encrypted one the user is invited to.
func (a *Adapter) directRoom(ctx context.Context, user id.UserID) (id.RoomID, error) {
	a.dmMu.Lock()
	defer a.dmMu.Unlock()
	v, err := a.cfg.State.State(ctx, dmKey(user))
	switch {
	case err == nil:
		room := id.RoomID(v)
		if a.inDirectRoom(ctx, room, user) {
			return room, nil
		}
	case !errors.Is(err, talkbot.ErrNotFound):
		return "", err
	}
	var resp *mautrix.RespCreateRoom
	err = retryLimited(ctx, a.log, a.waited("createRoom"), func() error {
		var err error
		resp, err = a.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{
			Preset: "trusted_private_chat", IsDirect: true, Invite: []id.UserID{user},
			InitialState: []*event.Event{{
				Type:    event.StateEncryption,
				Content: event.Content{Parsed: &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}},
			}},
		})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create it: %w", err)
	}
	a.rememberDirect(ctx, resp.RoomID, user)
	a.log.Info("created a direct chat to post in", "room_id", resp.RoomID.String(), "user_id", user.String())
	return resp.RoomID, nil
}

// inDirectRoom reports whether the bot and user are both still in room
// (the user joined or invited), and nobody else.
func (a *Adapter) inDirectRoom(ctx context.Context, room id.RoomID, user id.UserID) bool {
	if err := a.syncRoomState(ctx, room); err != nil {
		return false
	}
	if !a.cli.StateStore.IsMembership(ctx, room, a.cli.UserID, event.MembershipJoin) {
		return false
	}
	members, err := a.cli.StateStore.GetRoomJoinedOrInvitedMembers(ctx, room)
	return err == nil && len(members) == 2 && slices.Contains(members, user)
}

// rememberDirect records room as the direct chat with user: commands there
// need no prefix, and posts to the user go there. It keeps who the chat is
// with: someone else left alone in it later is in no direct chat.
func (a *Adapter) rememberDirect(ctx context.Context, room id.RoomID, user id.UserID) {
	if err := a.cfg.State.SetState(ctx, directKey(room), user.String()); err != nil {
		a.log.Warn("remember a direct chat", "room_id", room.String(), "err", err)
	}
	if err := a.cfg.State.SetState(ctx, dmKey(user), room.String()); err != nil {
		a.log.Warn("remember a direct chat", "room_id", room.String(), "err", err)
	}
}
