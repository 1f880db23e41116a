// Package console is the stdin/stdout adapter: one message per line in, each
// reply as plain text out. It serves local use and end-to-end tests.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Workspace is the console's one workspace.
const Workspace = "local"

// Handler runs one command; *commands.Router is one.
type Handler interface {
	Handle(ctx context.Context, req commands.Request) commands.Reply
}

// Adapter reads commands from In and writes replies to Out.
type Adapter struct {
	Handler Handler
	User    string // who is typing
	In      io.Reader
	Out     io.Writer
	Prompt  bool // print "> " before each line (interactive use)
	Echo    bool // print each command before its reply (transcripts)
}

// Run answers each line of input until it ends or ctx is done. Blank lines
// and lines starting with "//" (comments in scripts) are skipped; a line
// "@name: command" speaks as another user, which scripts use to play a team.
// The console's own user is an admin of the console workspace; others are not.
func (a *Adapter) Run(ctx context.Context) error {
	sc := bufio.NewScanner(a.In)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		if a.Prompt {
			fmt.Fprint(a.Out, "> ")
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
			fmt.Fprintf(a.Out, "> %s\n", line)
		}
		// One person is one user whatever the case they are typed in: @Bob: and @bob: are bob.
		id := strings.ToLower(user)
		reply := a.Handler.Handle(ctx, commands.Request{
			Platform: talkbot.PlatformConsole, Workspace: Workspace,
			UserID: id, UserName: user, Admin: id == strings.ToLower(a.User), Text: text,
		})
		if _, err := fmt.Fprintln(a.Out, reply.Text()); err != nil {
			return fmt.Errorf("write reply: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read input: %w", err)
	}
	return nil
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
