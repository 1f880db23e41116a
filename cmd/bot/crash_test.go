package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/talkbot/talkbot/store"
)

// TestCrashSafety kills the bot with SIGKILL at random moments while
// commands stream in through the Slack HTTP endpoint (one process) and the
// console (another, on the same database), then restarts it, a few times
// over. After each crash the database passes integrity_check, and every
// command that was answered with success is in it.
func TestCrashSafety(t *testing.T) {
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	w := newSlackWorld(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "talkbot.db")

	var confirmed []string // titles of talks whose add was answered with success
	for round := range 5 {
		got := crashRound(t, w, dir, db, round, 5+rng.IntN(60), 5+rng.IntN(60))
		confirmed = append(confirmed, got...)

		h, err := store.Check(context.Background(), db)
		if err != nil || len(h.Problems) > 0 {
			t.Fatalf("round %d: after SIGKILL the database fails its check: %+v, %v", round, h, err)
		}
		missing := missingTitles(t, db, confirmed)
		if len(missing) > 0 {
			t.Fatalf("round %d: %d confirmed adds are not in the database, e.g. %q", round, len(missing), missing[0])
		}
		t.Logf("round %d: %d confirmed adds so far, all there; integrity_check ok", round, len(confirmed))
	}
	// And the bot starts on what the crashes left, and sees it.
	p := startBot(t, dir, map[string]string{"BOT_DB": db}, "console", "--user", "crash", "--db", db)
	io.WriteString(p.stdin, "show "+distinctTitle("Console", 1)+"\n")
	p.stdin.Close()
	if code := p.wait(); code != 0 {
		t.Fatalf("the console after the crashes exited %d:\n%s", code, p.logs.String())
	}
	if !strings.Contains(p.out.String(), distinctTitle("Console", 1)) {
		t.Errorf("the console after restart does not show the first talk it confirmed:\n%s", tail(p.out.String(), 2000))
	}
}

var reLogged = regexp.MustCompile(`Logged new talk #\d+ (Console [0-9a-f]{12})`)

// crashRound runs a Slack bot and a console bot on db, streams adds into
// both, and SIGKILLs each after its own number of confirmed adds. It
// returns the titles confirmed.
func crashRound(t *testing.T, w *slackWorld, dir, db string, round, slackKillAfter, consoleKillAfter int) []string {
	chat := startBot(t, dir, slackEnv(db, w.apiURL()))
	op := chat.operator()
	chat.waitLog(`msg="connected to slack"`)
	console := startBot(t, dir, map[string]string{"BOT_DB": db}, "console", "--user", "crash", "--db", db)

	var mu sync.Mutex
	var confirmed []string
	var slackOK, acked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup

	// Slack: eight senders, each command from a new user (no rate limit),
	// answers counted as they come to the response_url.
	c := newSlashClient(op, w)
	var seq atomic.Int64
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := seq.Add(1)
				title := distinctTitle("Slack", round*1_000_000+int(n))
				hook := nextHook()
				ch := w.expect(hook)
				status, _, err := c.send(fmt.Sprintf("UCRASH%d", n), "add "+title, hook)
				if err != nil || status != 200 {
					return // the bot is gone
				}
				acked.Add(1)
				wg.Go(func() {
					select {
					case m := <-ch:
						if strings.Contains(m.Text, "Logged new talk") {
							mu.Lock()
							confirmed = append(confirmed, title)
							mu.Unlock()
							if slackOK.Add(1) == int64(slackKillAfter) {
								chat.kill()
							}
						}
					case <-stop:
					}
				})
			}
		})
	}
	// The console: lines written ahead of the answers, as a script would.
	wg.Go(func() {
		for n := 1; ; n++ {
			if _, err := fmt.Fprintf(console.stdin, "add %s\n", distinctTitle("Console", round*1_000_000+n)); err != nil {
				return // killed
			}
			select {
			case <-stop:
				return
			case <-console.exited:
				return
			default:
			}
		}
	})
	// Console answers: count them, kill at the chosen one.
	re := regexp.MustCompile(fmt.Sprintf(`(?s)(Logged new talk #\d+ Console .*){%d}`, consoleKillAfter))
	console.out.wait(t, re, console.exited)
	console.kill()
	select {
	case <-chat.exited:
	case <-time.After(patience):
		t.Fatalf("round %d: only %d Slack adds were confirmed", round, slackOK.Load())
	}
	close(stop)
	wg.Wait()
	for _, m := range reLogged.FindAllStringSubmatch(console.out.String(), -1) {
		confirmed = append(confirmed, m[1])
	}
	t.Logf("round %d: Slack acknowledged %d adds and confirmed %d before the kill (the rest were under way)", round, acked.Load(), slackOK.Load())
	return confirmed
}

// missingTitles returns the titles that no talk in db has.
func missingTitles(t *testing.T, db string, titles []string) []string {
	t.Helper()
	conn, err := sql.Open("sqlite3", store.DSN(db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT title FROM talks`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		have[s] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, title := range titles {
		if !have[title] {
			missing = append(missing, title)
		}
	}
	return missing
}
