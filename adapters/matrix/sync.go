package matrix

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot"
)

// syncer is mautrix's DefaultSyncer with talkbot's listeners, a recovering
// ProcessResponse and exponential backoff after failed syncs.
type syncer struct {
	*mautrix.DefaultSyncer
	a       *Adapter
	backoff backoff
	synced  bool // a first response has been processed
}

func newSyncer(a *Adapter) *syncer {
	s := &syncer{DefaultSyncer: mautrix.NewDefaultSyncer(), a: a}
	s.FilterJSON = &mautrix.Filter{
		Room: &mautrix.RoomFilter{
			// Enough to cover the commands of a busy room while the bot was down.
			Timeline: &mautrix.FilterPart{Limit: 100},
		},
		Presence: &mautrix.FilterPart{NotTypes: []event.Type{event.EphemeralEventPresence}},
	}
	s.OnSync(a.noteJoins)
	s.OnSync(a.noteEdits)
	s.OnEventType(event.StateMember, a.onMember)
	s.OnEventType(event.StateTombstone, a.onTombstone)
	s.OnEventType(event.EventMessage, a.onMessage)
	s.OnEventType(event.EventReaction, a.onReaction)
	s.OnEventType(event.EventRedaction, a.onRedaction)
	return s
}

// ProcessResponse hands the response to the listeners, then tells the sync
// store that the batch is dispatched. A panic in a listener is logged and
// the loop goes on: one bad event never stops the bot.
func (s *syncer) ProcessResponse(ctx context.Context, resp *mautrix.RespSync, since string) error {
	if s.backoff.reset() {
		s.a.observer().Reconnect(Platform)
	}
	s.a.connected.Store(true)
	if !s.synced {
		s.synced = true
		defer s.a.work.idle.Reset(idleAfter) // start-up is over: its garbage can go
	}
	if since != "" {
		for roomID, room := range resp.Rooms.Join {
			joinedNow := slices.ContainsFunc(room.Timeline.Events, func(evt *event.Event) bool { return ownJoin(evt, s.a.cli.UserID) })
			if room.Timeline.Limited && room.Timeline.PrevBatch != "" && !joinedNow { // not the history before a join
				room.Timeline.Events = append(s.a.fillGap(ctx, roomID, room.Timeline.PrevBatch), room.Timeline.Events...)
			}
		}
	}
	err := s.DefaultSyncer.ProcessResponse(ctx, resp, since)
	if s.a.sync != nil {
		s.a.sync.dispatched(ctx)
	}
	if err != nil {
		s.a.log.Error("processing a sync response failed; going on", "err", err)
	}
	return nil
}

// maxGapPages bounds how far back fillGap reads a room: 1,000 events.
const maxGapPages = 10

// fillGap reads back the events a limited timeline left out, from the
// sync's prev_batch, up to the oldest the bot still answers (maxAge), oldest
// first. A sync gives a room's last 100 events: after a restart, a command
// with more than that after it (chatter, reactions, joins) was never seen,
// never answered. Events read again are dropped by their marks.
func (a *Adapter) fillGap(ctx context.Context, room id.RoomID, from string) []*event.Event {
	var older []*event.Event // newest first
	cutoff := a.now().Add(-a.maxAge)
	for page := 0; page < maxGapPages; page++ {
		resp, err := a.cli.Messages(ctx, room, from, "", mautrix.DirectionBackward, nil, 100)
		if err != nil {
			a.log.Warn("could not read back the events a sync left out; commands among them go unanswered",
				"room_id", room.String(), "read", len(older), "err", err)
			break
		}
		old := false // reached what the bot no longer answers
		for _, evt := range resp.Chunk {
			if old = eventTime(evt).Before(cutoff); old {
				break
			}
			evt.RoomID = room
			older = append(older, evt)
		}
		if old || len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			break
		}
		from = resp.End
	}
	if len(older) > 0 {
		a.log.Info("read back the events a sync left out", "room_id", room.String(), "events", len(older))
	}
	slices.Reverse(older)
	return older
}

// OnFailedSync waits retry_after_ms when rate limited, otherwise backs off
// exponentially; an access token the server no longer knows is fatal.
func (s *syncer) OnFailedSync(_ *mautrix.RespSync, err error) (time.Duration, error) {
	s.a.connected.Store(false)
	if errors.Is(err, mautrix.MUnknownToken) {
		return 0, err
	}
	wait := s.backoff.next(err)
	if _, limited := rateLimited(err); limited {
		s.a.observer().RateLimitWait(Platform, "sync", wait)
	}
	s.a.log.Warn("sync failed; retrying", "err", err, "retry_in", wait)
	return wait, nil
}

// backoff doubles the wait after each failure, from 500ms up to a minute,
// and honours the server's retry_after_ms.
type backoff struct {
	mu   sync.Mutex
	wait time.Duration
}

func (b *backoff) next(err error) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.wait == 0 {
		b.wait = 500 * time.Millisecond
	} else {
		b.wait = min(2*b.wait, time.Minute)
	}
	if after, ok := rateLimited(err); ok {
		return after
	}
	return b.wait
}

// reset starts the backoff afresh and reports whether there had been failures.
func (b *backoff) reset() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	failed := b.wait > 0
	b.wait = 0
	return failed
}

// noteJoins remembers when the bot joined each room that shows its join in
// this sync, so that the history a new room's first sync brings along is never
// answered.
func (a *Adapter) noteJoins(_ context.Context, resp *mautrix.RespSync, _ string) bool {
	for roomID, room := range resp.Rooms.Join {
		for _, evt := range room.Timeline.Events {
			if ownJoin(evt, a.cli.UserID) {
				a.joined(roomID, eventTime(evt))
			}
		}
	}
	return true
}

// noteEdits remembers the messages edited in this sync, before any of its
// events is handled: a command edited before the bot read it (sent while
// it was down or busy, fixed at once) must not run as first typed. An
// encrypted edit says what it edits in the clear (m.relates_to).
func (a *Adapter) noteEdits(_ context.Context, resp *mautrix.RespSync, _ string) bool {
	for _, room := range resp.Rooms.Join {
		for _, evt := range room.Timeline.Events {
			rel, _ := evt.Content.Raw["m.relates_to"].(map[string]any)
			if t, _ := rel["rel_type"].(string); t == string(event.RelReplace) {
				if target, _ := rel["event_id"].(string); target != "" {
					a.noteEdit(id.EventID(target), evt.Sender)
				}
			}
		}
	}
	return true
}

// ownJoin reports whether evt is the bot joining (not a profile change of a member).
func ownJoin(evt *event.Event, me id.UserID) bool {
	if evt.Type != event.StateMember || evt.GetStateKey() != me.String() {
		return false
	}
	if m, _ := evt.Content.Raw["membership"].(string); m != string(event.MembershipJoin) {
		return false
	}
	if prev := evt.Unsigned.PrevContent; prev != nil {
		if m, _ := prev.Raw["membership"].(string); m == string(event.MembershipJoin) {
			return false
		}
	}
	return true
}

// syncStore keeps the sync position in talkbot's State. mautrix saves a
// batch's next_batch token before it dispatches the batch, and talkbot
// handles events in jobs on the runtime: so the token is written only once every event of
// its batch and all earlier ones has been handled. A crash then redelivers
// unfinished events after a restart, and their marks (talkbot.EventMark)
// drop those that were already answered.
type syncStore struct {
	state State
	key   string
	log   *slog.Logger

	mu      sync.Mutex
	batch   uint64            // the batch being dispatched
	tokens  map[uint64]string // next_batch of each batch not yet written
	open    map[uint64]int    // per batch: jobs not finished, +1 until it is dispatched
	written uint64            // the newest batch whose token is written

	writeMu sync.Mutex
}

func newSyncStore(st State, key string, log *slog.Logger) *syncStore {
	return &syncStore{state: st, key: key, log: log, tokens: map[uint64]string{}, open: map[uint64]int{}}
}

func (s *syncStore) SaveFilterID(context.Context, id.UserID, string) error { return nil }

// LoadFilterID returns no filter, so each start creates the current one.
func (s *syncStore) LoadFilterID(context.Context, id.UserID) (string, error) { return "", nil }

func (s *syncStore) LoadNextBatch(ctx context.Context, _ id.UserID) (string, error) {
	tok, err := s.state.State(ctx, s.key)
	if errors.Is(err, talkbot.ErrNotFound) {
		return "", nil
	}
	return tok, err
}

// SaveNextBatch is called before the batch is dispatched: it opens the batch.
func (s *syncStore) SaveNextBatch(_ context.Context, _ id.UserID, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batch++
	s.tokens[s.batch] = token
	s.open[s.batch]++
	return nil
}

// begin counts a job of the current batch and returns the batch.
func (s *syncStore) begin() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open[s.batch]++
	return s.batch
}

// reopen counts one more job of batch b, from a job of b's not yet done.
func (s *syncStore) reopen(b uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open[b]++
}

// done finishes a job begun in batch b.
func (s *syncStore) done(ctx context.Context, b uint64) {
	s.mu.Lock()
	s.open[b]--
	if _, ok := s.tokens[b]; !ok && s.open[b] <= 0 {
		delete(s.open, b) // a late job (a delayed decryption) of a batch already written
	}
	s.mu.Unlock()
	s.flush(ctx)
}

// dispatched closes the current batch: all its events are with listeners.
func (s *syncStore) dispatched(ctx context.Context) {
	s.mu.Lock()
	s.open[s.batch]--
	s.mu.Unlock()
	s.flush(ctx)
}

// flush writes the token of the newest batch that, with every earlier one, is finished.
func (s *syncStore) flush(ctx context.Context) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.Lock()
	batches := make([]uint64, 0, len(s.tokens))
	for b := range s.tokens {
		batches = append(batches, b)
	}
	slices.Sort(batches)
	var upTo uint64
	for _, b := range batches {
		if s.open[b] > 0 {
			break
		}
		upTo = b
	}
	if upTo == 0 || upTo <= s.written {
		s.mu.Unlock()
		return
	}
	token := s.tokens[upTo]
	s.mu.Unlock()

	if err := s.state.SetState(ctx, s.key, token); err != nil {
		s.log.Warn("save sync position", "err", err)
		return
	}
	s.mu.Lock()
	s.written = upTo
	for _, b := range batches {
		if b > upTo {
			break
		}
		delete(s.tokens, b)
		delete(s.open, b)
	}
	s.mu.Unlock()
}
