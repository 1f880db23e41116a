package matrix

import (
	"context"
	"strings"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// handleInvite joins the room when the inviter is allowed and rejects the
// invite otherwise.
func (a *Adapter) handleInvite(ctx context.Context, evt *event.Event) {
	log := a.log.With("room_id", evt.RoomID.String(), "user_id", evt.Sender.String())
	if !allowedInviter(evt.Sender, a.cli.UserID, a.cfg.AllowedInviters) {
		err := retryLimited(ctx, log, a.waited("rooms.leave"), func() error {
			_, err := a.cli.LeaveRoom(ctx, evt.RoomID, &mautrix.ReqLeave{Reason: "talkbot accepts invites only from allowed servers and users"})
			return err
		})
		log.Warn("refused an invite from someone not allowed (see MATRIX_ALLOWED_INVITERS)", "err", err)
		return
	}
	err := retryLimited(ctx, log, a.waited("join"), func() error {
		_, err := a.cli.JoinRoomByID(ctx, evt.RoomID)
		return err
	})
	if err != nil {
		log.Error("join room", "err", err)
		return
	}
	direct := evt.Content.AsMember().IsDirect
	if direct {
		a.rememberDirect(ctx, evt.RoomID, evt.Sender)
	}
	log.Info("joined a room on invite", "direct", direct)
}

// allowedInviter reports whether inviter may invite the bot: allowed holds
// servers and user ids; empty allows the bot's own server.
func allowedInviter(inviter, bot id.UserID, allowed []string) bool {
	if len(allowed) == 0 {
		allowed = []string{bot.Homeserver()}
	}
	for _, a := range allowed {
		a = strings.TrimSpace(a)
		if strings.HasPrefix(a, "@") {
			if id.UserID(a) == inviter {
				return true
			}
		} else if a != "" && strings.EqualFold(a, inviter.Homeserver()) {
			return true
		}
	}
	return false
}

// leaveIfEmpty leaves (and forgets) a room where nobody but the bot is left.
func (a *Adapter) leaveIfEmpty(ctx context.Context, room id.RoomID) {
	if err := a.syncRoomState(ctx, room); err != nil {
		a.log.Warn("read room members", "room_id", room.String(), "err", err)
		return
	}
	members, err := a.cli.StateStore.GetRoomJoinedOrInvitedMembers(ctx, room)
	if err != nil {
		a.log.Warn("read room members", "room_id", room.String(), "err", err)
		return
	}
	for _, m := range members {
		if m != a.cli.UserID {
			return
		}
	}
	log := a.log.With("room_id", room.String())
	if err := retryLimited(ctx, log, a.waited("rooms.leave"), func() error { _, err := a.cli.LeaveRoom(ctx, room); return err }); err != nil {
		log.Error("leave empty room", "err", err)
		return
	}
	if _, err := a.cli.ForgetRoom(ctx, room); err != nil {
		log.Warn("forget room", "err", err)
	}
	log.Info("left a room everyone else had left")
}
