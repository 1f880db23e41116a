package dispatch

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// fakeHandler is a command layer with a few commands whose facts the tests
// choose, and whose run they control.
type fakeHandler struct {
	facts map[string]commands.Command
	run   func(ctx context.Context, req commands.Request) commands.Reply
}

func (h *fakeHandler) Lookup(text string) (commands.Command, bool) {
	word, _, _ := strings.Cut(commands.StripPrefix(text), " ")
	c, ok := h.facts[word]
	return c, ok
}

func (h *fakeHandler) Handle(ctx context.Context, req commands.Request) commands.Reply {
	return h.run(ctx, req)
}

func say(s string) commands.Reply {
	return commands.Reply{Blocks: []commands.Block{&commands.Paragraph{Spans: []commands.Span{{Text: s}}}}}
}

// replies records what a Respond was given.
type replies struct {
	mu  sync.Mutex
	got []commands.Reply
}

func (r *replies) respond(_ context.Context, rep commands.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rep)
	return nil
}

func (r *replies) texts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rep := range r.got {
		out = append(out, rep.Text())
	}
	return out
}

type counts struct {
	mu       sync.Mutex
	outcomes []string
}

func (c *counts) CommandDone(platform, command, outcome, code string, took time.Duration) {
	c.mu.Lock()
	c.outcomes = append(c.outcomes, command+":"+outcome)
	c.mu.Unlock()
}
func (c *counts) QueueDepth(int) {}

func TestSlowCommandsSayWorkingOnItFirst(t *testing.T) {
	release := make(chan struct{})
	h := &fakeHandler{facts: map[string]commands.Command{"summary": {Name: "summary", Slow: true}}, run: func(ctx context.Context, req commands.Request) commands.Reply {
		<-release
		return say("Here is the summary.")
	}}
	rt := New(Config{Handler: h, Logger: slog.New(slog.DiscardHandler)})
	var r replies
	done := make(chan error)
	go func() { done <- rt.Serve(context.Background(), commands.Request{Text: "summary today"}, r.respond) }()
	// The progress reply arrives while the command still runs.
	for deadline := time.Now().Add(5 * time.Second); len(r.texts()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no working-on-it reply while the command runs")
		}
		time.Sleep(time.Millisecond) // polling the recorder, not synchronising the code under test
	}
	if got := r.got[0]; got.Kind != commands.KindProgress || got.Text() != "Working on it…" {
		t.Errorf("first reply = %v %q", got.Kind, got.Text())
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := r.texts(); len(got) != 2 || got[1] != "Here is the summary." {
		t.Errorf("replies = %q", got)
	}
}

func TestPanicsAndTimeoutsAreAnsweredAndTheBotGoesOn(t *testing.T) {
	h := &fakeHandler{facts: map[string]commands.Command{
		"boom": {Name: "boom"},
		"hang": {Name: "hang", Changes: true},
		"fine": {Name: "fine"},
	}, run: func(ctx context.Context, req commands.Request) commands.Reply {
		switch req.Text {
		case "boom":
			panic("kaboom")
		case "hang":
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond) // a handler that notices late
			return say("too late")
		}
		return say("fine")
	}}
	obs := &counts{}
	rt := New(Config{Handler: h, Timeout: 50 * time.Millisecond, Logger: slog.New(slog.DiscardHandler), Observer: obs})
	var r replies
	for _, text := range []string{"boom", "hang", "fine"} {
		if err := rt.Serve(context.Background(), commands.Request{Text: text}, r.respond); err != nil {
			t.Fatal(err)
		}
	}
	got := r.texts()
	if !strings.Contains(got[0], "Something went wrong on my side; nothing was changed") {
		t.Errorf("panic answered %q", got[0])
	}
	if !strings.Contains(got[1], "took too long") || !strings.Contains(got[1], "whether it was saved") {
		t.Errorf("timeout answered %q", got[1])
	}
	if got[2] != "fine" {
		t.Errorf("the next command got %q", got[2])
	}
	if want := "[boom:panic hang:timeout fine:ok]"; fmt.Sprint(obs.outcomes) != want {
		t.Errorf("outcomes = %v, want %s", obs.outcomes, want)
	}
}

func TestAdminsFromTheTableAndBotAdmins(t *testing.T) {
	var seen []bool
	h := &fakeHandler{facts: map[string]commands.Command{"digest": {Name: "digest", Admin: true}, "conf": {Name: "conf"}},
		run: func(ctx context.Context, req commands.Request) commands.Reply {
			admin, _ := req.IsAdminNow(ctx)
			seen = append(seen, admin)
			return say("done")
		}}
	rt := New(Config{Handler: h, Admins: []string{"U0BOSS"}, Logger: slog.New(slog.DiscardHandler)})
	var r replies
	asked := 0
	platformSays := func(admin bool) func(context.Context) (bool, error) {
		return func(context.Context) (bool, error) { asked++; return admin, nil }
	}
	for _, req := range []commands.Request{
		{UserID: "U0BOB", Text: "digest on here at 18:00", IsAdmin: platformSays(false)}, // refused
		{UserID: "U0BOSS", Text: "digest on here at 18:00"},                              // BOT_ADMINS
		{UserID: "U0ANN", Text: "digest on here at 18:00", IsAdmin: platformSays(true)},  // the platform's admin
		{UserID: "U0BOB", Text: "conf", IsAdmin: platformSays(false)},                    // not admin-only: not asked here
	} {
		if err := rt.Serve(context.Background(), req, r.respond); err != nil {
			t.Fatal(err)
		}
	}
	got := r.texts()
	if !strings.HasPrefix(got[0], "Only an admin can run `digest`") || r.got[0].Code != "forbidden" {
		t.Errorf("a non-admin's digest: %q", got[0])
	}
	if got[1] != "done" || got[2] != "done" || fmt.Sprint(seen[:2]) != "[true true]" {
		t.Errorf("admins' digest: %q, admin seen %v", got[1:3], seen)
	}
	if asked != 3 {
		t.Errorf("the platform was asked %d times; want 3 (once a request, and never for a user in BOT_ADMINS)", asked)
	}
	// A platform that cannot tell: the user is told so, and nothing runs.
	r, ran := replies{}, len(seen)
	cannot := talkbot.Errorf(talkbot.EINTERNAL, "I couldn't check whether you are an admin.")
	err := rt.Serve(context.Background(), commands.Request{UserID: "U0ANN", Text: "digest on here at 18:00",
		IsAdmin: func(context.Context) (bool, error) { return false, cannot }}, r.respond)
	if err != nil || len(r.got) != 1 || r.texts()[0] != cannot.Message || len(seen) != ran {
		t.Errorf("the platform could not tell: %q (ran %d)", r.texts(), len(seen)-ran)
	}
}

func TestJobsOfOneKeyRunInOrderAndAFullQueueRefuses(t *testing.T) {
	// A queue this test holds up for as long as it likes is never late.
	rt := New(Config{Handler: &fakeHandler{}, Workers: 4, Queue: 8, MaxQueueWait: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rt.Run(ctx)
	var mu sync.Mutex
	order := map[string][]int{}
	block := make(chan struct{})
	accepted := 0
	for i := range 40 {
		key := fmt.Sprintf("user%d", i%3)
		ok := rt.Submit(Job{Key: key, Run: func(ctx context.Context) {
			<-block
			mu.Lock()
			order[key] = append(order[key], i)
			mu.Unlock()
		}})
		if ok {
			accepted++
		}
	}
	if accepted != 12 { // 8 queued + 4 workers, however they wait behind their keys
		t.Errorf("accepted %d of 40 jobs, want 12", accepted)
	}
	close(block)
	if err := rt.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	for key, is := range order {
		for j := 1; j < len(is); j++ {
			if is[j] < is[j-1] {
				t.Errorf("%s ran out of order: %v", key, is)
			}
		}
	}
	// A panicking job does not stop the workers.
	rt.Submit(Job{Name: "bad", Run: func(context.Context) { panic("bad job") }})
	ran := make(chan struct{})
	rt.Submit(Job{Run: func(context.Context) { close(ran) }})
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("a job after a panicking one never ran")
	}
}

func TestLimiterIsFriendly(t *testing.T) {
	l := NewLimiter(2, time.Minute)
	now := time.Date(2024, 11, 13, 9, 0, 0, 0, time.UTC)
	if l.Take("alice", now) != 0 || l.Take("alice", now) != 0 {
		t.Fatal("the burst was refused")
	}
	wait := l.Take("alice", now)
	if wait != time.Minute {
		t.Errorf("third command waits %v, want a minute", wait)
	}
	if got := Limited(wait).Text(); got != "Easy there: that's a lot of commands at once. Try again in a minute." {
		t.Errorf("reply %q", got)
	}
	if l.Take("bob", now) != 0 {
		t.Error("one user's burst limited another")
	}
	if l.Take("alice", now.Add(time.Minute)) != 0 {
		t.Error("no token back after a minute")
	}
}

// A user over their rate is told once: the rest of a flood, or of a bot
// answering every message, goes unanswered until a command is taken again.
func TestLimiterTellsOnce(t *testing.T) {
	l := NewLimiter(1, time.Minute)
	now := time.Date(2024, 11, 13, 9, 0, 0, 0, time.UTC)
	var told []bool
	for i := range 4 {
		wait, tell := l.TakeOrTell("alice", now.Add(time.Duration(i)*time.Second))
		if i > 0 && wait == 0 {
			t.Fatalf("command %d was taken", i+1)
		}
		told = append(told, tell)
	}
	if !slices.Equal(told, []bool{false, true, false, false}) {
		t.Errorf("told %v, want only the first refusal", told)
	}
	if wait, _ := l.TakeOrTell("alice", now.Add(2*time.Minute)); wait != 0 {
		t.Fatal("no token back")
	}
	if _, tell := l.TakeOrTell("alice", now.Add(2*time.Minute)); !tell {
		t.Error("the refusal after a command taken again is not told")
	}
}

// A slow command that changes nothing (a summary waiting on a model) lets
// the commands sent after it in its room, or by its user, run: in a team's
// Matrix room, one summary had held every add behind it for as long as
// the model took. A slow change (an import) keeps them waiting, so they see
// what it did.
func TestASlowReadLetsTheNextCommandsOfItsKeyRun(t *testing.T) {
	for _, tc := range []struct {
		slow    string
		letsRun bool
	}{{"summary", true}, {"import", false}} {
		t.Run(tc.slow, func(t *testing.T) {
			release := make(chan struct{})
			h := &fakeHandler{
				facts: map[string]commands.Command{
					"summary": {Name: "summary", Slow: true},
					"import":  {Name: "import", Slow: true, Changes: true},
					"add":     {Name: "add", Changes: true},
				},
				run: func(ctx context.Context, req commands.Request) commands.Reply {
					if req.Text != "add" {
						<-release
					}
					return say(req.Text + " done")
				},
			}
			rt := New(Config{Handler: h, Workers: 4, Logger: slog.New(slog.DiscardHandler)})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go rt.Run(ctx)
			var got replies
			serve := func(text string) Job {
				return Job{Key: "!room:example.org", Run: func(ctx context.Context) {
					_ = rt.Serve(ctx, commands.Request{Platform: "matrix", UserID: "@alice:example.org", Text: text}, got.respond)
				}}
			}
			added := make(chan struct{})
			rt.Submit(serve(tc.slow))
			rt.Submit(Job{Key: "!room:example.org", Run: func(ctx context.Context) { serve("add").Run(ctx); close(added) }})
			wait := 300 * time.Millisecond // long enough for a job to start, were it let
			if tc.letsRun {
				wait = 10 * time.Second
			}
			select {
			case <-added:
				if !tc.letsRun {
					t.Errorf("add ran before the %s it was sent after had finished: %q", tc.slow, got.texts())
				}
			case <-time.After(wait):
				if tc.letsRun {
					t.Errorf("add waited for the %s: %q", tc.slow, got.texts())
				}
			}
			close(release)
			if err := rt.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			if texts := got.texts(); len(texts) != 3 {
				t.Errorf("replies %q, want working on it, and both answers", texts)
			}
		})
	}
}

// A burst of more jobs of one key than may wait behind each other (a busy
// Matrix room's events after a restart) is taken as the key's line moves:
// SubmitWait had waited for a worker to take a job off the shared queue,
// which the key's own line never does, and refused the rest of the burst
// after its whole wait.
func TestAKeysLongBurstIsTakenAsItsLineMoves(t *testing.T) {
	rt := New(Config{Handler: &fakeHandler{}, Workers: 4, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go rt.Run(ctx)
	var mu sync.Mutex
	var order []int
	const burst = 3 * maxWaitingPerKey
	began := time.Now()
	for i := range burst {
		if !rt.SubmitWait(ctx, Job{Key: "!busy:example.org", Run: func(context.Context) {
			time.Sleep(100 * time.Microsecond)
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		}}, 20*time.Second) {
			t.Fatalf("job %d of the burst refused after %v", i, time.Since(began))
		}
	}
	if err := rt.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if len(order) != burst || !slices.IsSorted(order) {
		t.Errorf("%d of %d jobs ran, in order: %v", len(order), burst, slices.IsSorted(order))
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("the burst took %v: its submitters waited out their timeouts", took)
	}
}
