package dispatch_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
	"github.com/talkbot/talkbot/store"
)

// clock is a settable clock shared by the store, the router and the scheduler.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// posted is one post as a platform received it.
type posted struct {
	at    time.Time
	to    commands.Destination
	reply commands.Reply
}

// platform records posts, as the console would print them.
type platform struct {
	mu    sync.Mutex
	clock *clock
	posts []posted
	fail  bool
}

func (p *platform) Post(_ context.Context, to commands.Destination, r commands.Reply) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return "", fmt.Errorf("the platform is down")
	}
	p.posts = append(p.posts, posted{at: p.clock.Now(), to: to, reply: r})
	return fmt.Sprintf("m%d", len(p.posts)), nil
}

func (p *platform) take() []posted {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.posts
	p.posts = nil
	return out
}

// bot is one talkbot process: its store on the shared file, its router,
// runtime and scheduler.
type bot struct {
	st     *store.Store
	router *commands.Router
	rt     *dispatch.Runtime
	sched  *dispatch.Scheduler
}

type world struct {
	t     *testing.T
	path  string
	clock *clock
	plat  *platform
	logs  *syncBuffer
	bot   *bot
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newWorld(t *testing.T, start time.Time) *world {
	w := &world{t: t, path: filepath.Join(t.TempDir(), "bot.db"), clock: &clock{now: start}, logs: &syncBuffer{}}
	w.plat = &platform{clock: w.clock}
	w.bot = w.start("bot-1")
	return w
}

// start opens another bot on the same database, as a restart or a second process would.
func (w *world) start(owner string) *bot {
	ctx := context.Background()
	st, err := store.Open(ctx, w.path, store.Options{Now: w.clock.Now})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	router := commands.New(commands.Config{Store: st, Now: w.clock.Now, Logger: log})
	rt := dispatch.New(dispatch.Config{Handler: router, Logger: log})
	sched := dispatch.NewScheduler(dispatch.SchedulerConfig{Ledger: st, Digests: router, Runtime: rt,
		Posters: map[string]dispatch.Poster{talkbot.PlatformConsole: w.plat}, Owner: owner, Now: w.clock.Now, Logger: log})
	return &bot{st: st, router: router, rt: rt, sched: sched}
}

// say runs a console command as user (alice is the admin) at the clock's time.
func (w *world) say(user, text string) string {
	w.t.Helper()
	rep := w.bot.router.Handle(context.Background(), commands.Request{Platform: talkbot.PlatformConsole, Workspace: "local",
		UserID: user, UserName: user, Admin: user == "alice", Text: text})
	if rep.Kind == commands.KindError {
		w.t.Fatalf("%s: %q: %s", user, text, rep.Text())
	}
	return rep.Text()
}

func (w *world) at(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		w.t.Fatal(err)
	}
	w.clock.Set(t)
}

func (w *world) tick(b *bot) {
	w.t.Helper()
	if err := b.sched.Tick(context.Background()); err != nil {
		w.t.Fatalf("tick at %s: %v", w.clock.Now(), err)
	}
}

// kubecon sets up the conference and a digest at 18:00 Amsterdam time.
func (w *world) kubecon() {
	w.say("alice", "conf new KubeCon EU 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	w.say("alice", "digest on here at 18:00")
}

func (w *world) status(day string) talkbot.DigestStatus {
	w.t.Helper()
	conf, err := w.bot.st.TeamConference(context.Background(), 1)
	if err != nil {
		w.t.Fatal(err)
	}
	rec, err := w.bot.st.DigestRecord(context.Background(), talkbot.DigestKey{WorkspaceID: 1, Channel: "console", ConferenceID: conf.ID, Day: day})
	if err != nil {
		return ""
	}
	return rec.Status
}

func TestDigestPostsOnceAtTheLocalTime(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Resize Your Pods In-Place With Deterministic eBPF Triggers - Pablo Chico de Guzman, Red Hat 5/5 -- mind slightly blown")
	w.say("bob", "add #1 4/5 -- the demo was great")
	w.say("bob", "note --private #1 ask Pablo about the KEP")
	w.say("carol", "add Cgroupv2 Is Coming Soon To a Cluster Near You 3/5")
	w.say("dave", "missed #1 -- room full")

	w.at("2026-03-24T17:59:00+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("posted before 18:00: %v", got)
	}
	preview := w.say("bob", "digest preview")

	w.at("2026-03-24T18:00:00+01:00")
	w.tick(w.bot)
	w.tick(w.bot)
	got := w.plat.take()
	if len(got) != 1 {
		t.Fatalf("%d posts at 18:00, want 1", len(got))
	}
	post := got[0].reply.Text()
	for _, want := range []string{"KubeCon EU 2026, day 2: Tuesday 24 March", "4 people logged 2 talks and wrote 2 team notes.",
		"Resize Your Pods In-Place", "alice, bob", "4.5/5", "Cgroupv2 Is Coming Soon", "mind slightly blown", "— alice",
		"Missed it? Colleagues loved these"} {
		if !strings.Contains(post, want) {
			t.Errorf("the digest lacks %q:\n%s", want, post)
		}
	}
	if strings.Contains(post, "ask Pablo") {
		t.Errorf("a private note is in the digest:\n%s", post)
	}
	if got[0].to.Channel != "console" || got[0].to.Platform != talkbot.PlatformConsole {
		t.Errorf("posted to %+v", got[0].to)
	}
	var picks *commands.Actions
	for _, b := range got[0].reply.Blocks {
		if a, ok := b.(*commands.Actions); ok {
			picks = a
		}
	}
	if picks == nil || len(picks.Buttons) != 1 || picks.Buttons[0].Command != "want #1" {
		t.Errorf("the pick's watch-later button: %+v", picks)
	}
	// The preview is the post, under one line saying it is a preview.
	if want := "Preview: the digest for 2026-03-24, as it would be posted (nothing is posted now).\n" + post; preview != want {
		t.Errorf("preview differs from the post:\n%s", cmp.Diff(want, preview))
	}
	if st := w.status("2026-03-24"); st != talkbot.DigestPosted {
		t.Errorf("ledger says %q", st)
	}

	// A restart (another bot on the same file) does not post it again.
	w.at("2026-03-24T18:05:00+01:00")
	w.tick(w.start("bot-2"))
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("posted again after a restart: %d posts", len(got))
	}
	if !strings.Contains(w.say("bob", "digest status"), "2026-03-24: posted") {
		t.Errorf("digest status:\n%s", w.say("bob", "digest status"))
	}
}

func TestDigestEmptyDayPostsNothing(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.at("2026-03-24T18:30:00+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("an empty day posted %d digests: %s", len(got), got[0].reply.Text())
	}
	if st := w.status("2026-03-24"); st != talkbot.DigestEmpty {
		t.Errorf("ledger says %q, want empty", st)
	}
	if got := w.say("bob", "digest preview"); !strings.Contains(got, "Nothing was logged on 2026-03-24") {
		t.Errorf("preview of an empty day: %s", got)
	}
	// Days outside the conference have no digest, even with something logged.
	w.at("2026-03-28T12:00:00+01:00")
	w.say("alice", "add A Talk Watched Later At Home")
	w.at("2026-03-28T18:30:00+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("a digest two days after the conference: %s", got[0].reply.Text())
	}
}

func TestDigestAfterDowntime(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Day Two Keynote 4/5")
	// Down at 18:00, back at 21:30: posted once, late.
	w.at("2026-03-24T21:30:00+01:00")
	w.tick(w.bot)
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 1 {
		t.Fatalf("%d posts after coming back inside the window, want 1", len(got))
	}

	// With the digest at 20:00, down until 00:30 the day after: past
	// midnight but inside six hours, yesterday's goes out.
	w.at("2026-03-25T10:00:00+01:00")
	w.say("bob", "add Day Three Keynote 5/5")
	w.say("alice", "digest on here at 20:00")
	w.at("2026-03-26T00:30:00+01:00")
	w.tick(w.bot)
	got := w.plat.take()
	if len(got) != 1 || !strings.Contains(got[0].reply.Text(), "Day Three Keynote") {
		t.Fatalf("after midnight: %d posts, want yesterday's", len(got))
	}

	// Down past the window: recorded as skipped, with a log line, and never posted later.
	w.at("2026-03-26T10:00:00+01:00")
	w.say("carol", "add Day Four Keynote 5/5")
	w.at("2026-03-27T02:01:00+01:00")
	w.tick(w.bot)
	w.at("2026-03-27T03:00:00+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("posted %d digests past the window", len(got))
	}
	if st := w.status("2026-03-26"); st != talkbot.DigestSkipped {
		t.Errorf("ledger says %q, want skipped", st)
	}
	if n := strings.Count(w.logs.String(), "digest skipped"); n != 1 {
		t.Errorf("%d skip log lines, want 1:\n%s", n, w.logs.String())
	}
	if st := w.say("bob", "digest status"); !strings.Contains(st, "2026-03-26: skipped (the bot was down at 20:00 and came back 6h1m0s late") {
		t.Errorf("digest status:\n%s", st)
	}
}

func TestTwoBotsOnOneDatabasePostOnce(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Day Two Keynote 4/5")
	other := w.start("bot-2")
	w.at("2026-03-24T18:00:30+01:00")
	for range 5 {
		var wg sync.WaitGroup
		for _, b := range []*bot{w.bot, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := b.sched.Tick(context.Background()); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if got := w.plat.take(); len(got) != 1 {
		t.Fatalf("two bots posted %d digests, want 1", len(got))
	}
}

// TestDigestAcrossDaylightSaving walks the clock in five-minute steps over
// both changes: 18:00 Europe/Berlin is 17:00 UTC before the spring change
// and 16:00 after; 16:00 before the autumn change and 17:00 after.
func TestDigestAcrossDaylightSaving(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	for _, tc := range []struct {
		name, dates string
		days        []string
		at          string
		want        []string // UTC post times
		wall        bool     // want is local wall-clock time: Go picks one of a time that happens twice
	}{
		{"spring forward", "2026-03-28..2026-03-29", []string{"2026-03-28", "2026-03-29", "2026-03-30"}, "18:00",
			[]string{"2026-03-28T17:00:00Z", "2026-03-29T16:00:00Z", "2026-03-30T16:00:00Z"}, false},
		{"fall back", "2026-10-24..2026-10-25", []string{"2026-10-24", "2026-10-25", "2026-10-26"}, "18:00",
			[]string{"2026-10-24T16:00:00Z", "2026-10-25T17:00:00Z", "2026-10-26T17:00:00Z"}, false},
		// 02:30 does not exist on the spring-forward night: that night's
		// digest (of the day before: a morning digest reports the day
		// ended) goes out at 03:30 CEST, once.
		{"a time the clocks skip", "2026-03-28..2026-03-29", []string{"2026-03-28"}, "02:30",
			[]string{"2026-03-29T01:30:00Z"}, false},
		// 02:30 happens twice on the fall-back night: posted at one of them, once.
		{"a time that happens twice", "2026-10-24..2026-10-25", []string{"2026-10-24"}, "02:30",
			[]string{"2026-10-25 02:30"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, _ := time.ParseInLocation(time.DateOnly, tc.days[0], berlin)
			w := newWorld(t, first.Add(-12*time.Hour))
			w.say("alice", "conf new Berlin Summit "+tc.dates+" Europe/Berlin")
			w.say("alice", "digest on here at "+tc.at)
			w.plat.take()
			end := first.AddDate(0, 0, len(tc.days)+1)
			for now := first.Add(-12 * time.Hour); now.Before(end); now = now.Add(5 * time.Minute) {
				w.clock.Set(now)
				local := now.In(berlin)
				if day := local.Format(time.DateOnly); local.Hour() == 0 && local.Minute() == 5 && slices.Contains(tc.days, day) {
					w.say("alice", "add Talk of "+day+" 4/5 day:"+day)
				}
				w.tick(w.bot)
			}
			var got []string
			for _, p := range w.plat.take() {
				if tc.wall {
					got = append(got, p.at.In(berlin).Format("2006-01-02 15:04"))
				} else {
					got = append(got, p.at.UTC().Format(time.RFC3339))
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("posts (-want +got):\n%s", d)
			}
		})
	}
}

func TestDigestCrashRecovery(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Day Two Keynote 4/5")
	ctx := context.Background()
	conf, _ := w.bot.st.TeamConference(ctx, 1)
	key := func(day string) talkbot.DigestKey {
		return talkbot.DigestKey{WorkspaceID: 1, Channel: "console", ConferenceID: conf.ID, Day: day}
	}

	// A bot that claimed today's and died before posting: taken over after the lease.
	w.at("2026-03-24T18:00:00+01:00")
	if _, ok, err := w.bot.st.ClaimDigest(ctx, key("2026-03-24"), "dead-bot", 10*time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	w.at("2026-03-24T18:05:00+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("posted while another bot's claim was fresh")
	}
	w.at("2026-03-24T18:11:00+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 1 {
		t.Fatalf("%d posts after the dead bot's claim expired, want 1", len(got))
	}

	// A bot that died while posting: it may have gone out, so never again.
	w.at("2026-03-25T10:00:00+01:00")
	w.say("bob", "add Day Three Keynote 5/5")
	w.at("2026-03-25T18:00:00+01:00")
	if _, ok, err := w.bot.st.ClaimDigest(ctx, key("2026-03-25"), "dead-bot", 10*time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := w.bot.st.MarkDigest(ctx, key("2026-03-25"), "dead-bot", talkbot.DigestClaimed, talkbot.DigestSending, ""); err != nil {
		t.Fatal(err)
	}
	for _, at := range []string{"2026-03-25T18:05:00+01:00", "2026-03-25T18:20:00+01:00", "2026-03-25T19:00:00+01:00"} {
		w.at(at)
		w.tick(w.start("bot-restarted"))
	}
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("posted a digest that may already have gone out")
	}
	if st := w.status("2026-03-25"); st != talkbot.DigestUnknown {
		t.Errorf("ledger says %q, want unknown", st)
	}
	if n := strings.Count(w.logs.String(), "digest may have been posted"); n != 1 {
		t.Errorf("%d log lines about the unknown post, want 1", n)
	}

	// A post that fails is tried again a few minutes on, not every pass (a
	// bot not in the channel fails every time), and digest status says why.
	w.at("2026-03-26T10:00:00+01:00")
	w.say("bob", "add Day Four Keynote 5/5")
	w.at("2026-03-26T18:00:00+01:00")
	w.plat.fail = true
	if err := w.bot.sched.Tick(ctx); err == nil || !strings.Contains(err.Error(), "the platform is down") {
		t.Errorf("a failed post: tick says %v", err)
	}
	if out := w.say("bob", "digest status"); !strings.Contains(out, "not posted yet") || !strings.Contains(out, "the platform is down") {
		t.Errorf("digest status after a failed post:\n%s", out)
	}
	w.plat.fail = false
	w.at("2026-03-26T18:00:30+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("%d posts 30 s after a failed one, want none yet", len(got))
	}
	w.at("2026-03-26T18:05:30+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 1 {
		t.Fatalf("%d posts five minutes after a failed one, want 1", len(got))
	}
}

func TestRecordingNotices(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Resize Your Pods In-Place With Deterministic eBPF Triggers 5/5")
	w.say("alice", "add Cgroupv2 Is Coming Soon To a Cluster Near You 4/5")
	w.say("bob", "want #1")
	w.say("bob", "missed #2")
	w.say("carol", "missed #1 -- room full")
	w.say("dave", "want #1")
	w.say("dave", "notify off")
	w.say("erin", "want #1")
	w.say("erin", "watched #1")
	w.say("carol", "want #2")

	// Carol adds the first recording herself: she knows; bob hears.
	w.say("carol", "video #1 https://www.youtube.com/watch?v=29yKJ1312AM")
	w.say("alice", "video #2 https://www.youtube.com/watch?v=aaaaaaaaaaa")
	w.tick(w.bot)
	got := w.plat.take()
	byUser := map[string]string{}
	for _, p := range got {
		if p.to.Channel != "" {
			t.Errorf("a recording notice went to channel %q", p.to.Channel)
		}
		byUser[p.to.User] += p.reply.Text()
	}
	if len(got) != 2 || byUser["bob"] == "" || byUser["carol"] == "" {
		t.Fatalf("notices went to %v, want one each to bob and carol", slices.Sorted(mapsKeys(byUser)))
	}
	if !strings.Contains(byUser["bob"], "2 talks on your list have recordings now") ||
		!strings.Contains(byUser["bob"], "29yKJ1312AM") || !strings.Contains(byUser["bob"], "aaaaaaaaaaa") {
		t.Errorf("bob's notice:\n%s", byUser["bob"])
	}
	if !strings.Contains(byUser["carol"], "A talk on your list has a recording now") || strings.Contains(byUser["carol"], "29yKJ1312AM") {
		t.Errorf("carol's notice (only #2, she added #1's herself):\n%s", byUser["carol"])
	}

	// Once per user and talk: a new link, an undo and a redo send nothing more.
	w.say("alice", "edit #1 video:https://www.youtube.com/watch?v=bbbbbbbbbbb")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("%d notices for a changed link", len(got))
	}
	// Dave opts back in: later recordings reach him.
	w.say("dave", "notify on")
	w.say("alice", "add KEDA - Real Time And Serverless Scaling in Kubernetes")
	w.say("dave", "want #3")
	w.say("alice", "video #3 https://www.youtube.com/watch?v=ccccccccccc")
	w.tick(w.bot)
	got = w.plat.take()
	if len(got) != 1 || got[0].to.User != "dave" {
		t.Fatalf("after notify on: %d notices", len(got))
	}
	// A link taken back before the notice went out sends nothing.
	w.say("alice", "add Talk With A Wrong Link")
	w.say("bob", "want #4")
	w.say("alice", "video #4 https://www.youtube.com/watch?v=ddddddddddd")
	w.say("alice", "undo")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("a notice for a link that was undone: %s", got[0].reply.Text())
	}
	// The digest lists the day's new recordings.
	w.at("2026-03-24T18:00:00+01:00")
	w.tick(w.bot)
	got = w.plat.take()
	if len(got) != 1 || !strings.Contains(got[0].reply.Text(), "Recordings now up") || !strings.Contains(got[0].reply.Text(), "ccccccccccc") {
		t.Fatalf("the digest's recordings: %v", got)
	}
}

// frab is a one-talk FOSDEM schedule, with or without its recording.
func frab(recording bool) string {
	links := ""
	if recording {
		links = `<links><link href="https://video.fosdem.org/2025/janson/rust.mp4">Video recording (MP4)</link></links>`
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<schedule><conference><acronym>fosdem-2025</acronym><title>FOSDEM 2025</title><city>Brussels</city>
<start>2025-02-01</start><end>2025-02-02</end><time_zone_name>Europe/Brussels</time_zone_name></conference>
<day index="1" date="2025-02-01"><room name="Janson">
<event guid="fdbc5919-f702" id="6712"><date>2025-02-01T10:30:00+01:00</date><start>10:30</start><duration>00:50</duration>
<room>Janson</room><url>https://fosdem.org/2025/schedule/event/rust/</url><title>Rust in the Linux kernel</title><track>Keynotes</track>
<type>keynote</type><abstract/><persons><person id="2">Miguel Ojeda</person></persons>` + links + `</event>
</room></day></schedule>`
}

// TestReimportBringsRecordingNotices: a schedule imported again with a
// recording tells those who missed the talk, as a `video` would.
func TestReimportBringsRecordingNotices(t *testing.T) {
	w := newWorld(t, mustTime("2025-02-01T12:00:00+01:00"))
	file := filepath.Join(t.TempDir(), "schedule.xml")
	if err := os.WriteFile(file, []byte(frab(false)), 0o600); err != nil {
		t.Fatal(err)
	}
	w.say("alice", "import "+file)
	w.say("bob", "missed https://fosdem.org/2025/schedule/event/rust/ -- room full")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("notices before any recording: %v", got)
	}
	if err := os.WriteFile(file, []byte(frab(true)), 0o600); err != nil {
		t.Fatal(err)
	}
	w.say("alice", "import "+file)
	w.tick(w.bot)
	got := w.plat.take()
	if len(got) != 1 || got[0].to.User != "bob" || !strings.Contains(got[0].reply.Text(), "https://video.fosdem.org/2025/janson/rust.mp4") {
		t.Fatalf("after the re-import: %v", got)
	}
	w.say("alice", "import "+file) // again: nothing new, no second notice
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("a second notice for the same recording")
	}
}

func TestConferenceChangeNotice(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.tick(w.bot)
	w.plat.take()
	w.say("bob", "conf new Bob's Own Meetup") // not an admin: only bob moves
	w.say("alice", "conf new KubeCon NA 2026 2026-11-09..2026-11-12 America/Los_Angeles")
	w.say("alice", "conf use KubeCon NA 2026") // no change: no notice
	w.tick(w.bot)
	got := w.plat.take()
	if len(got) != 1 || got[0].to.Channel != "console" || !strings.Contains(got[0].reply.Text(), "The team now logs talks to KubeCon NA 2026") {
		t.Fatalf("conference notices: %v", got)
	}
}

// An import that makes its conference the team's tells the digest
// channels, as an admin's `conf new` or `conf use` does.
func TestAnImportThatSwitchesTheTeamIsNoticed(t *testing.T) {
	w := newWorld(t, mustTime("2025-01-20T09:00:00+01:00"))
	w.kubecon()
	w.tick(w.bot)
	w.plat.take()
	file := filepath.Join(t.TempDir(), "schedule.xml")
	if err := os.WriteFile(file, []byte(frab(false)), 0o600); err != nil {
		t.Fatal(err)
	}
	w.say("alice", "import "+file)
	w.tick(w.bot)
	got := w.plat.take()
	if len(got) != 1 || got[0].to.Channel != "console" || !strings.Contains(got[0].reply.Text(), "The team now logs talks to FOSDEM 2025") {
		t.Fatalf("conference notices after the import: %v", got)
	}
	w.say("alice", "import") // the same conference again: no notice
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Fatalf("notices after a re-import: %v", got)
	}
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// slowPlatform takes a post and never answers before the context ends,
// as a platform slow to answer at shutdown.
type slowPlatform struct {
	mu        sync.Mutex
	delivered []string
	arrived   chan struct{}
}

func (p *slowPlatform) Post(ctx context.Context, to commands.Destination, r commands.Reply) (string, error) {
	p.mu.Lock()
	p.delivered = append(p.delivered, r.Text())
	p.mu.Unlock()
	select {
	case p.arrived <- struct{}{}:
	default:
	}
	<-ctx.Done() // the answer never comes before the shutdown
	return "", ctx.Err()
}

// stopWhilePosting runs a scheduler until its first post reaches a platform
// that never answers, then stops it, as SIGTERM does.
func stopWhilePosting(w *world) *slowPlatform {
	slow := &slowPlatform{arrived: make(chan struct{}, 1)}
	log := slog.New(slog.NewTextHandler(w.logs, nil))
	rt := dispatch.New(dispatch.Config{Handler: w.bot.router, Logger: log})
	sched := dispatch.NewScheduler(dispatch.SchedulerConfig{Ledger: w.bot.st, Digests: w.bot.router, Runtime: rt,
		Posters: map[string]dispatch.Poster{talkbot.PlatformConsole: slow}, Owner: "bot-1", Now: w.clock.Now, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sched.Run(ctx); close(done) }()
	<-slow.arrived
	cancel()
	<-done
	return slow
}

// A digest in flight when the bot is stopped (SIGTERM) may have reached
// the platform: it is never posted again after the restart. It was, when
// stopping put it back to "claimed".
func TestDigestStoppedWhilePostingIsNotPostedAgain(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Day Two Keynote 4/5")
	w.at("2026-03-24T18:00:00+01:00")

	slow := stopWhilePosting(w)

	// The restart, a minute later.
	restarted := w.start("bot-1-restarted")
	for _, at := range []string{"2026-03-24T18:01:00+01:00", "2026-03-24T18:11:00+01:00"} {
		w.at(at)
		w.tick(restarted)
	}
	again := w.plat.take()
	if len(slow.delivered)+len(again) > 1 {
		t.Errorf("the channel got the 2026-03-24 digest %d times", len(slow.delivered)+len(again))
	}
}

// The same for a recording notice in flight at SIGTERM.
func TestNoticeStoppedWhileSendingIsNotSentAgain(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Day Two Keynote 4/5")
	w.say("bob", "want #1")
	w.say("alice", "video #1 https://www.youtube.com/watch?v=29yKJ1312AM")

	slow := stopWhilePosting(w)
	w.at("2026-03-24T09:01:00+01:00")
	w.tick(w.start("bot-1-restarted"))
	again := w.plat.take()
	if len(slow.delivered)+len(again) > 1 {
		t.Errorf("bob got the recording notice for #1 %d times", len(slow.delivered)+len(again))
	}
}

// Down from Monday 17:00 to Wednesday 10:00: Monday's digest, as well as
// Tuesday's, is recorded as skipped and logged, never left unsaid (the
// pass looked at yesterday and today only).
func TestDigestDownForTwoDaysSkipsBothAloud(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-23T09:00:00+01:00"))
	w.kubecon() // 2026-03-23..26 Europe/Amsterdam, 18:00
	w.say("alice", "add Monday Keynote 5/5")
	w.at("2026-03-25T10:00:00+01:00")
	w.tick(w.bot)
	if got := w.plat.take(); len(got) != 0 {
		t.Errorf("%d posts, want none (both past the window)", len(got))
	}
	for _, day := range []string{"2026-03-23", "2026-03-24"} {
		if st := w.status(day); st != talkbot.DigestSkipped {
			t.Errorf("%s: %q, want skipped", day, st)
		}
	}
	if n := strings.Count(w.logs.String(), "digest skipped"); n != 2 {
		t.Errorf("%d skip lines in the log, want 2:\n%s", n, w.logs.String())
	}
}

// A digest that cannot be posted (the bot is not in the channel) is tried
// every few minutes, not every pass, and when the window closes digest
// status says why it was skipped.
func TestDigestThatKeepsFailingSaysWhy(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Day Two Keynote 4/5")
	w.plat.fail = true
	failed := 0
	for now := mustTime("2026-03-24T18:00:00+01:00"); now.Before(mustTime("2026-03-25T00:30:00+01:00")); now = now.Add(30 * time.Second) {
		w.clock.Set(now)
		if err := w.bot.sched.Tick(t.Context()); err != nil {
			failed++
		}
	}
	if failed > 80 {
		t.Errorf("%d failed tries in six hours, want one every few minutes", failed)
	}
	if out := w.say("alice", "digest status"); !strings.Contains(out, "skipped (it could not be posted within the") || !strings.Contains(out, "the platform is down") {
		t.Errorf("digest status:\n%s", out)
	}
}

// A digest in a zone ahead of the conference's (a team in Tokyo following
// KubeCon EU at 09:00 their time, 01:00 in Amsterdam) reports the
// conference day that has ended: one post for each of the four days. It
// had reported the day not yet begun, and posted nothing all week.
func TestADigestInAZoneAheadReportsTheDayEnded(t *testing.T) {
	amsterdam, _ := time.LoadLocation("Europe/Amsterdam")
	w := newWorld(t, mustTime("2026-03-23T08:00:00+01:00"))
	w.say("alice", "conf new KubeCon EU 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	w.say("alice", "digest on here at 09:00 Asia/Tokyo")
	w.plat.take()
	var days []string
	for now := mustTime("2026-03-23T08:00:00+01:00"); now.Before(mustTime("2026-03-29T00:00:00+01:00")); now = now.Add(30 * time.Minute) {
		w.clock.Set(now)
		local := now.In(amsterdam)
		if day := local.Format(time.DateOnly); local.Hour() == 11 && local.Minute() == 0 && day <= "2026-03-26" {
			w.say("alice", "add Keynote of "+day+" 5/5 -- great")
		}
		w.tick(w.bot)
		for _, p := range w.plat.take() {
			days = append(days, strings.SplitN(p.reply.Text(), "\n", 2)[0])
		}
	}
	if len(days) != 4 {
		t.Fatalf("%d digests, want one a conference day:\n%s", len(days), strings.Join(days, "\n"))
	}
	for i, want := range []string{"23", "24", "25", "26"} {
		if !strings.Contains(days[i], want) {
			t.Errorf("digest %d is headed %q, want March %s's", i+1, days[i], want)
		}
	}
}

// A bot from before the rule of Digest.Covers keyed a morning digest by the
// day it went out on, and found that day empty at 09:00. After the upgrade
// the 09:00 post of the next day reports it: the row found empty before its
// slot is looked at again, and the day's 5/5 talk is posted, not lost.
func TestAnEmptyDayFoundBeforeItsSlotIsLookedAtAgain(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T08:00:00+01:00"))
	w.say("alice", "conf new KubeCon EU 2026 2026-03-23..2026-03-26 Europe/Amsterdam")
	w.say("alice", "digest on here at 09:00")
	w.plat.take()
	conf, err := w.bot.st.TeamConference(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	w.at("2026-03-24T09:00:00+01:00") // the old bot's pass: Tuesday keyed as Tuesday, empty
	k := talkbot.DigestKey{WorkspaceID: 1, Channel: "console", ConferenceID: conf.ID, Day: "2026-03-24"}
	if _, mine, err := w.bot.st.ClaimDigest(context.Background(), k, "old-bot", time.Minute); err != nil || !mine {
		t.Fatalf("claim: %v %v", mine, err)
	}
	if err := w.bot.st.MarkDigest(context.Background(), k, "old-bot", talkbot.DigestClaimed, talkbot.DigestEmpty, ""); err != nil {
		t.Fatal(err)
	}
	w.at("2026-03-24T11:00:00+01:00")
	w.say("alice", "add Tuesday Keynote 5/5 day:2026-03-24")
	w.at("2026-03-25T09:00:00+01:00")
	w.tick(w.bot)
	got := w.plat.take()
	if len(got) != 1 || !strings.Contains(got[0].reply.Text(), "Tuesday Keynote") {
		t.Errorf("%d posts on Wednesday at 09:00, want Tuesday's digest", len(got))
	}
}

// lateAnswer is a platform that takes a post and answers a moment later,
// whatever the context: Slack slow to say "ok" as the bot stops.
type lateAnswer struct {
	arrived chan struct{}
	mu      sync.Mutex
	posts   int
}

func (p *lateAnswer) Post(ctx context.Context, to commands.Destination, r commands.Reply) (string, error) {
	p.mu.Lock()
	p.posts++
	p.mu.Unlock()
	p.arrived <- struct{}{}
	select {
	case <-time.After(200 * time.Millisecond):
		return "ts-1", nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// With a shutdown grace (BOT_SHUTDOWN_TIMEOUT), a digest the platform is
// taking as the bot stops is finished and recorded as posted, not left
// "may have gone out".
func TestAPostUnderWayAtShutdownFinishesWithinTheGrace(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Day Two Keynote 4/5")
	w.at("2026-03-24T18:00:00+01:00")
	late := &lateAnswer{arrived: make(chan struct{}, 1)}
	log := slog.New(slog.NewTextHandler(w.logs, nil))
	rt := dispatch.New(dispatch.Config{Handler: w.bot.router, Logger: log})
	sched := dispatch.NewScheduler(dispatch.SchedulerConfig{Ledger: w.bot.st, Digests: w.bot.router, Runtime: rt,
		Posters: map[string]dispatch.Poster{talkbot.PlatformConsole: late}, Owner: "bot-1", Now: w.clock.Now, Logger: log, Grace: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sched.Run(ctx); close(done) }()
	<-late.arrived
	cancel()
	<-done
	if st := w.status("2026-03-24"); st != talkbot.DigestPosted {
		t.Errorf("ledger after the shutdown: %q, want posted", st)
	}
}

// unattendedSpy notes whether a digest was built as work no one waits on.
type unattendedSpy struct {
	dispatch.DigestWriter
	unattended atomic.Bool
}

func (s *unattendedSpy) DigestFor(ctx context.Context, d talkbot.Digest, conf talkbot.Conference, day string) (commands.Reply, bool, error) {
	s.unattended.Store(talkbot.IsUnattended(ctx))
	return s.DigestWriter.DigestFor(ctx, d, conf, day)
}

// A scheduled digest is built as unattended work, so its summary waits for
// one of the model's lanes (llm) where a command gives up after a moment:
// the day's one post is not the built-in summary because colleagues were
// asking questions at six.
func TestAScheduledDigestWaitsForTheModel(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "add Day Two Keynote 4/5 -- a good start")
	spy := &unattendedSpy{DigestWriter: w.bot.router}
	sched := dispatch.NewScheduler(dispatch.SchedulerConfig{Ledger: w.bot.st, Digests: spy, Runtime: w.bot.rt,
		Posters: map[string]dispatch.Poster{talkbot.PlatformConsole: w.plat}, Owner: "bot-1", Now: w.clock.Now})
	w.at("2026-03-24T18:00:00+01:00")
	if err := sched.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := w.plat.take(); len(got) != 1 || !spy.unattended.Load() {
		t.Errorf("%d posts; built unattended: %v", len(got), spy.unattended.Load())
	}
}

// A channel with a conference of its own keeps its digest on it when the
// team moves on, and is not told of the team's move.
func TestAChannelsOwnConferenceKeepsItsDigest(t *testing.T) {
	w := newWorld(t, mustTime("2026-03-24T09:00:00+01:00"))
	w.kubecon()
	w.say("alice", "conf here KubeCon EU 2026")
	w.say("alice", "conf new KubeCon NA 2026 2026-11-09..2026-11-12 America/Los_Angeles") // the team moves on
	w.say("bob", "add Cgroupv2 Is Coming Soon To a Cluster Near You 4/5")                 // typed here: the channel's conference
	w.at("2026-03-24T18:00:00+01:00")
	w.tick(w.bot)
	got := w.plat.take()
	if len(got) != 1 || !strings.Contains(got[0].reply.Text(), "Cgroupv2") || strings.Contains(got[0].reply.Text(), "now logs talks to") {
		t.Fatalf("posts at 18:00 in a channel on KubeCon EU 2026: %v", got)
	}
	if s := w.say("alice", "digest status"); !strings.Contains(s, "The daily digest of KubeCon EU 2026") {
		t.Errorf("digest status:\n%s", s)
	}
}
