package matrix

import (
	"context"
	"strings"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/commands"
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
	// The new room of an upgrade, where the bot was invited after the
	// upgrade (Element invites the old room's members): it takes over.
	var create event.CreateEventContent
	if err := a.cli.StateEvent(ctx, evt.RoomID, event.StateCreate, "", &create); err == nil {
		if from := create.GetPredecessor().RoomID; from != "" {
			// After the old room's earlier jobs: a digest set there just
			// before the upgrade moves too.
			a.handOff(ctx, evt, from, "upgrade", func(ctx context.Context) { a.takeOver(ctx, from, evt.RoomID) })
		}
	}
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

// channelMover is an optional capability of a State: moving the daily
// digests of a room to another (*store.Store has it).
type channelMover interface {
	MoveChannel(ctx context.Context, platform, from, to string) (int, error)
}

// onTombstone follows a room upgrade (m.room.tombstone): the old room is
// closed to the bot (Element raises its posting level), so everything the
// bot keeps of it goes to the new room.
func (a *Adapter) onTombstone(ctx context.Context, evt *event.Event) {
	if initialSync(ctx) || evt.Mautrix.EventSource&event.SourceTimeline == 0 {
		return // an upgrade the bot saw before, or state the timeline repeats
	}
	to := evt.Content.AsTombstone().ReplacementRoom
	if to == "" || to == evt.RoomID {
		return
	}
	// After the old room's earlier jobs (a digest set there just before
	// moves too), then in the new room's order: the invite there (often in
	// the same sync) joins too, and two joins at once can both be refused
	// (Dendrite rejected the second with the first, sent before the invite).
	a.enqueue(ctx, evt, "tombstone", func(ctx context.Context) {
		a.handOff(ctx, evt, to, "tombstone", func(ctx context.Context) { a.followUpgrade(ctx, evt.RoomID, to) })
	})
}

// followUpgrade joins the room that replaced from, which takes it over.
// Where the bot may not join yet, the invite to it does that (handleInvite).
func (a *Adapter) followUpgrade(ctx context.Context, from, to id.RoomID) {
	if _, err := a.cli.JoinRoomByID(ctx, to); err != nil {
		a.log.Warn("a room the bot is in was upgraded, and the bot cannot join its new room yet: invite it there",
			"room_id", from.String(), "replacement_room", to.String(), "err", err)
		return
	}
	a.joined(to, a.now()) // nothing said in the new room before the bot came is answered
	a.takeOver(ctx, from, to)
}

// takeOver moves to room to what the bot keeps of the room it upgraded:
// its digests and, for a direct chat, the person's direct chat.
func (a *Adapter) takeOver(ctx context.Context, from, to id.RoomID) {
	log := a.log.With("room_id", from.String(), "replacement_room", to.String())
	moved := 0
	if m, ok := a.cfg.State.(channelMover); ok {
		n, err := m.MoveChannel(ctx, Platform, from.String(), to.String())
		if err != nil {
			log.Error("move the digests of an upgraded room", "err", err)
		}
		moved = n
	}
	if with, err := a.cfg.State.State(ctx, directKey(from)); err == nil {
		if err := a.cfg.State.SetState(ctx, directKey(to), with); err != nil {
			log.Error("remember the upgraded direct chat", "err", err)
		}
		if members, err := a.cli.StateStore.GetRoomJoinedOrInvitedMembers(ctx, from); err == nil {
			for _, m := range members {
				if v, err := a.cfg.State.State(ctx, dmKey(m)); err == nil && v == from.String() {
					if err := a.cfg.State.SetState(ctx, dmKey(m), to.String()); err != nil {
						log.Error("remember the upgraded direct chat", "err", err)
					}
				}
			}
		}
	}
	log.Info("followed a room upgrade", "digests_moved", moved)
	if moved > 0 {
		if _, err := a.Post(ctx, commands.Destination{Platform: Platform, Channel: to.String()}, commands.UpgradeNotice()); err != nil {
			log.Warn("say the digest follows the upgrade", "err", err)
		}
	}
}
