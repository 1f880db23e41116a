package dispatch

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Ledger is what the scheduler needs of the store: the digest channels, the
// ledger of digest posts, and the outbox of notices.
type Ledger interface {
	AllDigests(ctx context.Context) ([]talkbot.Digest, error)
	// DigestConference is the conference a channel's digest reports: the
	// channel's own, else the team's; talkbot.ErrNotFound when there is none yet.
	DigestConference(ctx context.Context, workspaceID int64, channel string) (talkbot.Conference, error)
	DigestRecord(ctx context.Context, k talkbot.DigestKey) (talkbot.DigestRecord, error)
	ClaimDigest(ctx context.Context, k talkbot.DigestKey, owner string, lease time.Duration) (talkbot.DigestRecord, bool, error)
	SkipDigest(ctx context.Context, k talkbot.DigestKey, owner, note string) (bool, error)
	// MarkDigest's detail is the posted message's id, or else why.
	MarkDigest(ctx context.Context, k talkbot.DigestKey, owner string, from, to talkbot.DigestStatus, detail string) error
	// ReopenDigest claims again for owner a post found empty before the
	// time given, and returns the record as it is then.
	ReopenDigest(ctx context.Context, k talkbot.DigestKey, owner string, before time.Time) (talkbot.DigestRecord, error)
	// ClaimOutbox takes pending notices of the given platforms only.
	ClaimOutbox(ctx context.Context, owner string, platforms []string, limit int, lease time.Duration) ([]talkbot.OutboxItem, int, error)
	FinishOutbox(ctx context.Context, ids []int64, sent bool) error
}

// DigestWriter writes a day's digest; *commands.Router is one.
type DigestWriter interface {
	DigestFor(ctx context.Context, d talkbot.Digest, conf talkbot.Conference, day string) (commands.Reply, bool, error)
}

// DigestObserver is told of each digest post's fate, for metrics.
type DigestObserver interface {
	DigestPosted(status string)
}

// SchedulerConfig configures a Scheduler.
type SchedulerConfig struct {
	Ledger  Ledger
	Digests DigestWriter
	Runtime *Runtime          // posts go through it, logged and counted
	Posters map[string]Poster // by platform (talkbot.PlatformSlack, ...)
	// Window is how late a digest may still go out after its time, when the
	// bot was down at the time; later, it is skipped with a log line. 6h when 0.
	Window time.Duration
	// Lease is how long a claim holds before another bot may take it over
	// (a claim) or must give it up (a post half sent). 10 minutes when 0.
	Lease time.Duration
	// Grace is how long a post under way may finish once the scheduler is
	// stopped (BOT_SHUTDOWN_TIMEOUT): finished, it is recorded as posted
	// rather than left "may have gone out". None when 0.
	Grace    time.Duration
	Interval time.Duration    // between passes; 30s when 0
	Owner    string           // names this bot in the ledger; host, pid and a random tag when empty
	Now      func() time.Time // time.Now when nil
	Logger   *slog.Logger
	Observer DigestObserver // nil for none
}

// Scheduler posts first: each digest channel's daily digest at its local
// time, once, and the queued notices (recordings, conference changes). It
// keeps no state of its own: the ledger in the database decides, so a
// restart or a second bot on the same database never posts twice.
type Scheduler struct {
	cfg SchedulerConfig
	log *slog.Logger
}

// outboxBatch bounds the notices one pass takes.
const outboxBatch = 200

// NewScheduler returns a scheduler; Run it, or call Tick.
func NewScheduler(cfg SchedulerConfig) *Scheduler {
	if cfg.Window == 0 {
		cfg.Window = 6 * time.Hour
	}
	if cfg.Lease == 0 {
		cfg.Lease = 10 * time.Minute
	}
	if cfg.Interval == 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		tag := make([]byte, 4)
		rand.Read(tag)
		cfg.Owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(tag))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{cfg: cfg, log: log.With("component", "scheduler")}
}

// Run makes a pass at once and then every Interval until ctx is done.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "scheduler pass", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick makes one pass: every digest that is due, then the outbox.
func (s *Scheduler) Tick(ctx context.Context) error {
	ds, err := s.cfg.Ledger.AllDigests(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range ds {
		if err := s.digest(ctx, d); err != nil {
			errs = append(errs, fmt.Errorf("digest %s/%s: %w", d.Workspace, d.Channel, err))
		}
	}
	if err := s.outbox(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// digest posts a channel's digests that are due: today's, and yesterday's
// when its time was late in the evening and the bot was down.
func (s *Scheduler) digest(ctx context.Context, d talkbot.Digest) error {
	if s.cfg.Posters[d.Platform] == nil {
		return nil // another bot on this database runs that platform, or none does yet
	}
	conf, err := s.cfg.Ledger.DigestConference(ctx, d.WorkspaceID, d.Channel)
	if errors.Is(err, talkbot.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	loc := d.Location(conf)
	// Every day since the digest was set up, not only yesterday's and
	// today's: a bot down for two days must record (and log) Monday's as
	// skipped too, never leave it unsaid. Settled days cost a read each.
	from := d.CreatedAt.In(loc)
	if earliest := now.In(loc).AddDate(0, 0, -lookBack); from.Before(earliest) {
		from = earliest
	}
	today := now.In(loc).Format(time.DateOnly)
	for date := from; date.Format(time.DateOnly) <= today; date = date.AddDate(0, 0, 1) {
		slot, err := d.Slot(date.Format(time.DateOnly), loc)
		if err != nil {
			return err
		}
		day := d.Covers(slot, conf) // the conference's day it reports
		if !conf.DigestDay(day) {
			continue
		}
		if now.Before(slot) || slot.Before(d.CreatedAt) { // not yet, or before the digest was set up
			continue
		}
		if err := s.post(ctx, d, conf, day, now.Sub(slot)); err != nil {
			return err
		}
	}
	return nil
}

// finishing is the context of a post under way: it outlives ctx by Grace,
// so that a post the platform is taking as the bot stops is finished.
func (s *Scheduler) finishing(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.cfg.Grace <= 0 || ctx.Err() != nil { // stopped already: no post starts now
		return ctx, func() {}
	}
	post, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		select {
		case <-time.After(s.cfg.Grace):
			cancel()
		case <-post.Done(): // finished in time
		}
	})
	return post, func() { stop(); cancel() }
}

// retryAfter is how long a digest whose post failed waits for the next try.
const retryAfter = 5 * time.Minute

// clip cuts s to n runes for a ledger note, marking the cut.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// lookBack bounds how many days back a pass looks for digests not yet
// settled: longer than any conference.
const lookBack = 31

// post makes one digest post, once: the ledger row is claimed before
// anything is posted and says "sending" while it is.
func (s *Scheduler) post(ctx context.Context, d talkbot.Digest, conf talkbot.Conference, day string, late time.Duration) error {
	k := talkbot.DigestKey{WorkspaceID: d.WorkspaceID, Channel: d.Channel, ConferenceID: conf.ID, Day: day}
	log := s.log.With("workspace", d.Workspace, "channel_id", d.Channel, "conference", conf.Name, "day", day)
	rec, err := s.cfg.Ledger.DigestRecord(ctx, k)
	slot := s.cfg.Now().Add(-late)
	if err == nil && rec.Status == talkbot.DigestEmpty && rec.ClaimedAt.Before(slot) && late <= s.cfg.Window {
		// Found empty before this slot: by a bot that keyed a morning
		// digest by the day it posted on, not the day it reports. This
		// slot looks again.
		if rec, err = s.cfg.Ledger.ReopenDigest(ctx, k, s.cfg.Owner, slot); err != nil {
			return err
		}
	}
	switch {
	case err == nil && rec.Status != talkbot.DigestClaimed && rec.Status != talkbot.DigestSending:
		return nil // settled: posted, empty, skipped or unknown
	case err != nil && !errors.Is(err, talkbot.ErrNotFound):
		return err
	case errors.Is(err, talkbot.ErrNotFound) && late > s.cfg.Window:
		recorded, err := s.cfg.Ledger.SkipDigest(ctx, k, s.cfg.Owner,
			fmt.Sprintf("the bot was down at %s and came back %s late, past the %s window", d.At, late.Round(time.Minute), s.cfg.Window))
		if err != nil {
			return err
		}
		if recorded {
			log.WarnContext(ctx, "digest skipped: the bot was down at its time", "late", late.Round(time.Minute).String(), "window", s.cfg.Window.String())
			s.observe(talkbot.DigestSkipped)
		}
		return nil
	}
	if err == nil && rec.Status == talkbot.DigestClaimed && rec.Note != "" && late <= s.cfg.Window && s.cfg.Now().Sub(rec.ClaimedAt) < retryAfter {
		return nil // a try failed a moment ago: not every pass (a bot not in the channel fails every time)
	}
	rec, mine, err := s.cfg.Ledger.ClaimDigest(ctx, k, s.cfg.Owner, s.cfg.Lease)
	if err != nil {
		return err
	}
	if !mine {
		if rec.Status == talkbot.DigestUnknown && rec.ClaimedBy != s.cfg.Owner {
			log.WarnContext(ctx, "digest may have been posted: a bot stopped while posting it; not posting again", "claimed_by", rec.ClaimedBy)
			s.observe(talkbot.DigestUnknown)
		}
		return nil
	}
	if late > s.cfg.Window { // claimed in time, but never posted (the adapter kept failing)
		log.WarnContext(ctx, "digest skipped: it could not be posted within the window", "late", late.Round(time.Minute).String(), "last_error", rec.Note)
		s.observe(talkbot.DigestSkipped)
		return s.cfg.Ledger.MarkDigest(ctx, k, s.cfg.Owner, talkbot.DigestClaimed, talkbot.DigestSkipped,
			"it could not be posted within the "+s.cfg.Window.String()+" window: "+cmp.Or(rec.Note, "the platform refused it"))
	}

	// No one waits on a digest: its summary may wait for the model's lanes.
	reply, empty, err := s.cfg.Digests.DigestFor(talkbot.Unattended(ctx), d, conf, day)
	if err != nil {
		return err
	}
	if empty {
		s.observe(talkbot.DigestEmpty)
		return s.cfg.Ledger.MarkDigest(ctx, k, s.cfg.Owner, talkbot.DigestClaimed, talkbot.DigestEmpty, "")
	}
	p := s.cfg.Posters[d.Platform]
	if err := s.cfg.Ledger.MarkDigest(ctx, k, s.cfg.Owner, talkbot.DigestClaimed, talkbot.DigestSending, ""); err != nil {
		return err
	}
	to := commands.Destination{Platform: d.Platform, Workspace: d.Workspace, Channel: d.Channel,
		Key: fmt.Sprintf("digest-%d-%s-%s", conf.ID, d.Channel, day)}
	postCtx, done := s.finishing(ctx)
	id, err := s.cfg.Runtime.Post(postCtx, p, to, reply)
	done()
	if err != nil && ctx.Err() != nil {
		// Stopped while posting: the platform may have it already. It stays
		// "sending", which the next start reads as a post that may have gone
		// out (never sent twice), as after a crash.
		return err
	}
	if err != nil {
		// Not posted: claimed again, so a later pass retries within the
		// window; why is kept for `digest status`.
		if err := s.cfg.Ledger.MarkDigest(context.WithoutCancel(ctx), k, s.cfg.Owner, talkbot.DigestSending, talkbot.DigestClaimed,
			"the last try failed: "+clip(err.Error(), 200)); err != nil {
			return err
		}
		return err
	}
	s.observe(talkbot.DigestPosted)
	return s.cfg.Ledger.MarkDigest(context.WithoutCancel(ctx), k, s.cfg.Owner, talkbot.DigestSending, talkbot.DigestPosted, id)
}

func (s *Scheduler) observe(st talkbot.DigestStatus) {
	if s.cfg.Observer != nil {
		s.cfg.Observer.DigestPosted(string(st))
	}
}

// outbox sends the queued notices: one message a person however many of
// their talks got recordings, one a channel for a conference change.
func (s *Scheduler) outbox(ctx context.Context) error {
	platforms := slices.Sorted(maps.Keys(s.cfg.Posters))
	items, abandoned, err := s.cfg.Ledger.ClaimOutbox(ctx, s.cfg.Owner, platforms, outboxBatch, s.cfg.Lease)
	if err != nil {
		return err
	}
	if abandoned > 0 {
		s.log.WarnContext(ctx, "notices given up: a bot stopped while sending them, and they are sent at most once", "count", abandoned)
	}
	type group struct {
		to    commands.Destination
		ids   []int64
		talks []talkbot.Talk
		conf  talkbot.Conference
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, it := range items {
		to := commands.Destination{Platform: it.Platform, Workspace: it.Workspace}
		if it.Kind == talkbot.OutboxRecording {
			to.User = it.User.ExternalID
		} else {
			to.Channel = it.Channel
		}
		key := fmt.Sprintf("%s|%d|%s|%s", it.Kind, it.WorkspaceID, to.User, to.Channel)
		g := byKey[key]
		if g == nil || it.Kind == talkbot.OutboxConference {
			g = &group{to: to}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, it.ID)
		g.talks = append(g.talks, it.Talk)
		g.conf = it.Conference
	}
	var errs []error
	for i, g := range groups {
		var reply commands.Reply
		if g.to.User != "" {
			reply = commands.RecordingNotice(g.talks)
		} else {
			reply = commands.ConferenceNotice(g.conf)
		}
		g.to.Key = fmt.Sprintf("outbox-%d", g.ids[0])
		postCtx, done := s.finishing(ctx)
		_, err := s.cfg.Runtime.Post(postCtx, s.cfg.Posters[g.to.Platform], g.to, reply)
		done()
		if err != nil && ctx.Err() != nil {
			// Stopped while sending: it may have gone out. Left "sending", the
			// next start gives it up (a notice goes at most once); those not
			// tried yet wait for the next start.
			errs = append(errs, err)
			for _, rest := range groups[i+1:] {
				if err := s.cfg.Ledger.FinishOutbox(context.WithoutCancel(ctx), rest.ids, false); err != nil {
					errs = append(errs, err)
				}
			}
			break
		}
		if err := s.cfg.Ledger.FinishOutbox(context.WithoutCancel(ctx), g.ids, err == nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
