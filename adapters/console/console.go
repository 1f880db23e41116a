// Package console is the stdin/stdout adapter: one message per line in, each
// reply as plain text out. It serves local use and end-to-end tests.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
	"github.com/talkbot/talkbot/dispatch"
)

// Workspace is the console's one workspace.
const Workspace = "local"

// Server runs a request and sends its reply; *dispatch.Runtime is one.
type Server interface {
	Serve(ctx context.Context, req commands.Request, respond dispatch.Respond) error
}

// Adapter reads commands from In and writes replies to Out.
type Adapter struct {
	Server Server
	User   string // who is typing
	In     io.Reader
	Out    io.Writer
	Prompt bool // print "> " before each line (interactive use)
	Echo   bool // print each command before its reply (transcripts)

	mu  sync.Mutex // one writer on Out: replies and posts
	cmd sync.Mutex // held while a command runs, for Wait
}

// Wait returns once no command is under way: the one a stop (Ctrl-C,
// SIGTERM) finds running ends before the store closes.
func (a *Adapter) Wait() {
	a.cmd.Lock()
	a.cmd.Unlock()
}

// Run answers each line of input until it ends or ctx is done. Blank lines
// and lines starting with "//" (comments in scripts) are skipped; a line
// "@name: command" speaks as another user, which scripts use to play a team.
// The console's own user is an admin of the console workspace; others are
// not. Lines run one after another: a script applies in order, and whole.
func (a *Adapter) Run(ctx context.Context) error {
	sc := bufio.NewScanner(a.In)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		if a.Prompt {
			a.write("> ")
		}
		if !sc.Scan() {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		user, text := a.User, line
		if name, rest, ok := speaker(line); ok {
			user, text = name, rest
		}
		if a.Echo {
			a.write(fmt.Sprintf("> %s\n", line))
		}
		// One person is one user whatever the case they are typed in: @Bob: and @bob: are bob.
		id := strings.ToLower(user)
		req := commands.Request{Platform: talkbot.PlatformConsole, Workspace: Workspace,
			UserID: id, UserName: user, Admin: id == strings.ToLower(a.User), Text: text}
		// A slow command's "working on it…" is a line of its own; the answer
		// follows. A stop lets the command under way finish (Wait): cut
		// off, a change it had saved was answered "That took too long".
		a.cmd.Lock()
		err := a.Server.Serve(context.WithoutCancel(ctx), req, func(_ context.Context, r commands.Reply) error { return a.write(r.Text() + "\n") })
		a.cmd.Unlock()
		if err != nil {
			return fmt.Errorf("write reply: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
}

// Post prints a reply posted unprompted (a digest, say), headed by where it
// would have gone.
func (a *Adapter) Post(_ context.Context, to commands.Destination, r commands.Reply) (string, error) {
	where := to.Channel
	if where == "" {
		where = "@" + to.User
	}
	return "", a.write(fmt.Sprintf("[posted to %s]\n%s\n", where, r.Text()))
}

func (a *Adapter) write(s string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := io.WriteString(a.Out, s)
	return err
}

// speaker splits "@bob: list" into "bob" and "list".
func speaker(line string) (string, string, bool) {
	if !strings.HasPrefix(line, "@") {
		return "", "", false
	}
	name, rest, ok := strings.Cut(line[1:], ": ")
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return "", "", false
	}
	return name, rest, true
}
