package slack

import (
	"regexp"
	"strings"
)

// reMarkup matches Slack's inline markup in incoming text: <@U123|name>,
// <#C123|name>, <!here>, <https://…|label>.
var reMarkup = regexp.MustCompile(`<([^<>]*)>`)

var htmlUnescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// commandText turns a message or slash command text as Slack sends it into
// the command language: links become their URL, channels #name, special
// mentions @here, entities are unescaped. User mentions stay <@U123>, which
// the commands read as a user reference.
func commandText(s string) string {
	return convertMarkup(s, func(id, label string) string {
		if label != "" {
			return "<@" + id + "|" + label + ">"
		}
		return "<@" + id + ">"
	}, false)
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
	s = reMarkup.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		target, label, _ := strings.Cut(inner, "|")
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
	})
	return htmlUnescaper.Replace(s)
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

// cutShare takes a leading "share" off a command: the reply then goes to the channel.
func cutShare(text string) (string, bool) {
	t := strings.TrimSpace(text)
	for _, p := range []string{"talk ", "/talk ", "!talk "} {
		if len(t) > len(p) && strings.EqualFold(t[:len(p)], p) {
			t = strings.TrimSpace(t[len(p):])
			break
		}
	}
	w, rest, _ := strings.Cut(t, " ")
	if strings.EqualFold(w, "share") {
		return strings.TrimSpace(rest), true
	}
	return t, false
}

// quoteTitle quotes s for the command language with a pair of quotes it does
// not contain, and breaks the free-text separators (" -- ", " — ") so a title
// typed into a form never runs into a note.
func quoteTitle(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, sep := range []string{" -- ", " — ", " –– "} {
		s = strings.ReplaceAll(s, sep, strings.TrimRight(sep, " ")+"\u00a0")
	}
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}, {"«", "»"}} {
		if !strings.Contains(s, q[0]) && !strings.Contains(s, q[1]) {
			return q[0] + s + q[1]
		}
	}
	return s
}
