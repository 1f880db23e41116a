package slack

import (
	"regexp"
	"strings"

	"github.com/talkbot/talkbot/commands"
)

// reMarkup matches Slack's inline markup in incoming text: <@U123|name>,
// <#C123|name>, <!here>, <https://…|label>.
var reMarkup = regexp.MustCompile(`<([^<>]*)>`)

var htmlUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// commandText turns a message or slash command text as Slack sends it into
// the command language: links become their URL, channels #name, special
// mentions @here, entities are unescaped, and user mentions become "@name"
// ("@U123" without a label) with the user as a commands.Mention.
func commandText(s string) (string, []commands.Mention) {
	var mentions []commands.Mention
	text := convertMarkup(s, func(id, label string) string {
		m := commands.Mention{Text: "@" + id, UserID: id}
		if label != "" {
			m.Text, m.Name = "@"+label, label
		}
		if !containsMention(mentions, m) {
			mentions = append(mentions, m)
		}
		return m.Text
	}, false)
	return text, mentions
}

// reChannelRef is a channel as Slack marks it: <#C123|talks>, or <#C123>.
var reChannelRef = regexp.MustCompile(`<#([CG][A-Z0-9]+)(?:\|([^<>|]*))?>`)

// channelRefs returns the channels a message names, each as commandText
// shows it (#talks) with its id.
func channelRefs(s string) []commands.ChannelRef {
	var out []commands.ChannelRef
	for _, m := range reChannelRef.FindAllStringSubmatch(s, -1) {
		text := "#" + m[1]
		if m[2] != "" {
			text = "#" + htmlUnescaper.Replace(m[2])
		}
		out = append(out, commands.ChannelRef{Text: text, ID: m[1]})
	}
	return out
}

func containsMention(ms []commands.Mention, m commands.Mention) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// noteText turns a Slack message into plain text for a note: user mentions
// become @name (via name, when it knows the user), links "label (url)".
func noteText(s string, name func(id string) string) string {
	return convertMarkup(s, func(id, label string) string {
		if label == "" && name != nil {
			label = name(id)
		}
		if label == "" {
			label = id
		}
		return "@" + label
	}, true)
}

func convertMarkup(s string, user func(id, label string) string, labelledLinks bool) string {
	// Slack escapes &, < and > everywhere, inside markup too: each piece is
	// unescaped once, so "&amp;lt;" stays "&lt;".
	var b strings.Builder
	last := 0
	for _, m := range reMarkup.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(htmlUnescaper.Replace(s[last:m[0]]))
		b.WriteString(markup(s[m[2]:m[3]], user, labelledLinks))
		last = m[1]
	}
	b.WriteString(htmlUnescaper.Replace(s[last:]))
	return b.String()
}

// markup converts the inside of one <…>.
func markup(inner string, user func(id, label string) string, labelledLinks bool) string {
	target, label, _ := strings.Cut(inner, "|")
	target, label = htmlUnescaper.Replace(target), htmlUnescaper.Replace(label)
	switch {
	case strings.HasPrefix(target, "@"):
		return user(target[1:], label)
	case strings.HasPrefix(target, "#"):
		if label != "" {
			return "#" + label
		}
		return target
	case strings.HasPrefix(target, "!"):
		// <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
		if label != "" {
			return label
		}
		name, _, _ := strings.Cut(target[1:], "^")
		return "@" + name
	}
	if label != "" && labelledLinks && label != target && label != strings.TrimPrefix(target, "mailto:") {
		return label + " (" + target + ")"
	}
	if strings.HasPrefix(target, "mailto:") {
		return strings.TrimPrefix(target, "mailto:")
	}
	return target
}

// stripMention removes a leading mention of the bot from a message.
func stripMention(text, botUserID string) string {
	t := strings.TrimSpace(text)
	if botUserID == "" {
		return t
	}
	for _, p := range []string{"<@" + botUserID + ">", "<@" + botUserID + "|"} {
		if strings.HasPrefix(t, p) {
			if i := strings.IndexByte(t, '>'); i >= 0 {
				return strings.TrimSpace(strings.TrimLeft(t[i+1:], ":, "))
			}
		}
	}
	return t
}

// cutShare takes a leading "share" off a command (after any talk prefix):
// the reply then goes to the channel.
func cutShare(text string) (string, bool) {
	t := commands.StripPrefix(text)
	w, rest, _ := strings.Cut(t, " ")
	if strings.EqualFold(w, "share") {
		return strings.TrimSpace(rest), true
	}
	return t, false
}

// quoteTitle quotes s for the command language with a pair of quotes it does
// not contain, and breaks the free-text separators (" -- ", " — ") so a title
// typed into a form never runs into a note. It is false for text holding
// every kind of quote: unquoted, its words would be read as the command's
// (`edit n1 "a" “b” «c»` ran note edit).
func quoteTitle(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), " ")
	for _, sep := range []string{" -- ", " — ", " –– "} {
		s = strings.ReplaceAll(s, sep, strings.TrimRight(sep, " ")+"\u00a0")
	}
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"«", "»"}} {
		if !strings.Contains(s, q[0]) && !strings.Contains(s, q[1]) {
			return q[0] + s + q[1], true
		}
	}
	return "", false
}
