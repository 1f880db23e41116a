package matrix

import (
	"context"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"maunium.net/go/mautrix/id"

	"github.com/talkbot/talkbot/commands"
)

// userIDInText is a full Matrix user id written out: @bob:example.org. The
// server part ends before a sentence's full stop.
var userIDInText = regexp.MustCompile(`(?:^|[^\w@])(@[A-Za-z0-9._=\-/+]+:[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*(?::[0-9]{1,5})?)`)

// pill is a mention a client marked up: <a href="https://matrix.to/#/@bob:example.org">Bob</a>.
type pill struct {
	text string
	user id.UserID
}

// findMentions returns the users a message mentions, as its command text
// shows them: pills in the HTML (by their text, which the plain body
// carries too) and full user ids in the body. Only mentions found in text
// count, the bot's own (the name it was addressed by) never.
func findMentions(body, formatted, text string, me id.UserID) []commands.Mention {
	var out []commands.Mention
	add := func(m commands.Mention) {
		if id.UserID(m.UserID) == me || m.Text == "" || !strings.Contains(text, m.Text) {
			return
		}
		for _, o := range out {
			if o.Text == m.Text {
				return
			}
		}
		out = append(out, m)
	}
	for _, p := range pills(formatted) {
		name := p.text
		if strings.HasPrefix(name, "@") && strings.Contains(name, ":") {
			name = "" // the pill shows the id itself: the name is looked up
		}
		add(commands.Mention{Text: p.text, UserID: p.user.String(), Name: name})
	}
	for _, m := range userIDInText.FindAllStringSubmatch(body, -1) {
		if u := id.UserID(m[1]); validUser(u) {
			add(commands.Mention{Text: m[1], UserID: m[1]})
		}
	}
	return out
}

// pills returns the user pills of an HTML message: links to matrix.to (or
// matrix: URIs) that name a user.
func pills(formatted string) []pill {
	if formatted == "" {
		return nil
	}
	doc, err := html.Parse(strings.NewReader(formatted))
	if err != nil {
		return nil
	}
	var out []pill
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "a" {
			continue
		}
		for _, attr := range n.Attr {
			if attr.Key != "href" {
				continue
			}
			uri, err := id.ParseMatrixURIOrMatrixToURL(attr.Val)
			if err != nil || uri == nil || uri.Sigil1 != '@' {
				continue
			}
			if u := uri.UserID(); validUser(u) {
				out = append(out, pill{text: strings.TrimSpace(textOf(n)), user: u})
			}
		}
	}
	return out
}

// textOf is the text inside an HTML node.
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// mentions finds the mentions of a message in a room, with the display
// names the room knows for those the message does not name.
func (a *Adapter) mentions(ctx context.Context, room id.RoomID, body, formatted, text string) []commands.Mention {
	ms := findMentions(body, formatted, text, a.cli.UserID)
	for i := range ms {
		if ms[i].Name == "" {
			ms[i].Name = a.displayName(ctx, room, id.UserID(ms[i].UserID))
		}
	}
	return ms
}
