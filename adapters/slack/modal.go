package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/talkbot/talkbot"
	"github.com/talkbot/talkbot/commands"
)

// Block and action ids of the modals' inputs.
const (
	inputTitle    = "title"
	inputSpeakers = "speakers"
	inputRating   = "rating"
	inputTags     = "tags"
	inputNote     = "note"
	inputTalkPick = "talk_pick"
	inputTalkRef  = "talk_ref"
	inputPrivate  = "private"
	inputValue    = "value" // the action id of every input
)

// modalMeta travels in a modal's private_metadata: where to answer once it is submitted.
type modalMeta struct {
	Channel     string `json:"ch,omitempty"`
	ResponseURL string `json:"ru,omitempty"`
	ThreadTS    string `json:"th,omitempty"`
}

func (m modalMeta) encode() string {
	b, _ := json.Marshal(m)
	if len(b) > 3000 { // Slack's limit; a response_url is far shorter
		b, _ = json.Marshal(modalMeta{Channel: m.Channel})
	}
	return string(b)
}

// maxInputLen is the most a plain-text input may hold: Slack refuses a form
// (views.open answers invalid_arguments) whose max_length is more.
const maxInputLen = 3000

func textInput(block, label, placeholder string, multiline bool, maxLen int, optional bool) *slackgo.InputBlock {
	el := slackgo.NewPlainTextInputBlockElement(plainText(placeholder), inputValue)
	el.Multiline = multiline
	el.MaxLength = min(maxLen, maxInputLen)
	in := slackgo.NewInputBlock(block, plainText(label), nil, el)
	in.Optional = optional
	return in
}

// addModal is the form `/talk add` with no text opens.
func addModal(meta modalMeta) slackgo.ModalViewRequest {
	var ratings []*slackgo.OptionBlockObject
	for n := 5; n >= 1; n-- {
		ratings = append(ratings, slackgo.NewOptionBlockObject(strconv.Itoa(n),
			plainText(strings.Repeat("★", n)+strings.Repeat("☆", 5-n)+" "+strconv.Itoa(n)), nil))
	}
	rating := slackgo.NewInputBlock(inputRating, plainText("Rating"), nil,
		slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, plainText("Not rated"), inputValue, ratings...))
	rating.Optional = true
	tags := textInput(inputTags, "Tags", "ebpf, networking", false, 400, true)
	tags.Hint = plainText("Comma-separated; each starts with a letter.")
	return slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		CallbackID:      viewAdd,
		Title:           plainText("Log a talk"),
		Submit:          plainText("Log it"),
		Close:           plainText("Cancel"),
		PrivateMetadata: meta.encode(),
		Blocks: slackgo.Blocks{BlockSet: []slackgo.Block{
			textInput(inputTitle, "Title or schedule link", "Resize Your Pods In-Place With Deterministic eBPF Triggers", false, talkbot.MaxTitleLen, false),
			textInput(inputSpeakers, "Speakers", "Pablo Chico de Guzman, Vinay Kulkarni", false, talkbot.MaxFieldLen, true),
			rating,
			tags,
			textInput(inputNote, "Note", "mind slightly blown; needs KEP-1287", true, talkbot.MaxNoteLen, true),
			privateBox(),
		}},
	}
}

func (a *Adapter) openAddModal(ctx context.Context, o origin, triggerID string) {
	if triggerID == "" {
		return
	}
	meta := modalMeta{Channel: o.channel, ResponseURL: o.responseURL, ThreadTS: o.threadTS}
	if err := a.openView(ctx, triggerID, addModal(meta)); err != nil {
		a.log.ErrorContext(ctx, "open add modal", "user_id", o.user, "err", err)
	}
}

// noteModal is the form of the "Save as talk note" shortcut: pick a talk
// (from the user's own list, or by reference), edit the text, save.
func noteModal(meta modalMeta, talks []*slackgo.OptionBlockObject, text string) slackgo.ModalViewRequest {
	var blocks []slackgo.Block
	if len(talks) > 0 {
		pick := slackgo.NewInputBlock(inputTalkPick, plainText("Talk"), nil,
			slackgo.NewOptionsSelectBlockElement(slackgo.OptTypeStatic, plainText("Pick one of your talks"), inputValue, talks...))
		pick.Optional = true
		blocks = append(blocks, pick)
	}
	ref := textInput(inputTalkRef, "Or another talk", "#12, a schedule link, or the title", false, talkbot.MaxTitleLen, true)
	note := textInput(inputNote, "Note", "", true, talkbot.MaxNoteLen, false)
	note.Element.(*slackgo.PlainTextInputBlockElement).InitialValue = truncateRunes(text, maxInputLen)
	if utf8.RuneCountInString(text) > maxInputLen {
		note.Hint = plainText(fmt.Sprintf("The message was longer than a form holds (%d characters): check the end.", maxInputLen))
	}
	blocks = append(blocks, ref, note, privateBox())
	return slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		CallbackID:      viewNote,
		Title:           plainText("Save as talk note"),
		Submit:          plainText("Save"),
		Close:           plainText("Cancel"),
		PrivateMetadata: meta.encode(),
		Blocks:          slackgo.Blocks{BlockSet: blocks},
	}
}

func (a *Adapter) openNoteModal(ctx context.Context, o origin, triggerID, messageText string) {
	if triggerID == "" {
		return
	}
	// The user's own talks, most recent first, for the picker.
	reply, _ := a.run(ctx, o, "list", nil)
	// The trigger id lives three seconds: names are looked up within one,
	// and a mention whose name Slack is slow to give shows as its id.
	lookups, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	text := noteText(messageText, func(id string) string {
		if lookups.Err() != nil {
			return ""
		}
		return a.name(lookups, o.team, id)
	})
	meta := modalMeta{Channel: o.channel, ResponseURL: o.responseURL}
	if err := a.openView(ctx, triggerID, noteModal(meta, talkOptions(reply), text)); err != nil {
		a.log.ErrorContext(ctx, "open note modal", "user_id", o.user, "err", err)
	}
}

// talkOptions are the talks of a reply's cards as menu options: "#12 Title".
func talkOptions(r commands.Reply) []*slackgo.OptionBlockObject {
	var out []*slackgo.OptionBlockObject
	seen := map[int64]bool{}
	for _, b := range r.Blocks {
		c, ok := b.(*commands.TalkCard)
		if !ok || c.Talk.ID <= 0 || seen[c.Talk.ID] || len(out) == 100 {
			continue
		}
		seen[c.Talk.ID] = true
		id := strconv.FormatInt(c.Talk.ID, 10)
		label := truncateRunes("#"+id+" "+strings.Join(strings.Fields(c.Talk.Title), " "), maxOptionText)
		out = append(out, slackgo.NewOptionBlockObject(id, plainText(label), nil))
	}
	return out
}

// reTalkRef is a reference the commands read as it is: #12 or a link.
var reTalkRef = regexp.MustCompile(`^(#\d+|https?://\S+)$`)

// viewSubmission turns a submitted modal into a command. With no command it
// returns the answer for Slack (errors to show in the form).
func (a *Adapter) viewSubmission(ic slackgo.InteractionCallback, o origin) (string, origin, ack) {
	var meta modalMeta
	_ = json.Unmarshal([]byte(ic.View.PrivateMetadata), &meta)
	o.channel, o.responseURL, o.threadTS = meta.Channel, meta.ResponseURL, meta.ThreadTS
	o.direct = strings.HasPrefix(o.channel, "D")
	values := map[string]slackgo.BlockAction{}
	if ic.View.State != nil {
		for block, acts := range ic.View.State.Values {
			values[block] = acts[inputValue]
		}
	}
	val := func(block string) string { return strings.TrimSpace(values[block].Value) }
	const tooQuoted = "Use at most two kinds of quotation marks here (\" \", “ ”, « »)."
	switch ic.View.CallbackID {
	case viewAdd:
		title := val(inputTitle)
		if title == "" {
			return "", o, fieldError(inputTitle, "Give the talk's title or its schedule link.")
		}
		var b strings.Builder
		b.WriteString("add ")
		if reTalkRef.MatchString(title) {
			b.WriteString(title)
		} else if q, ok := quoteTitle(title); ok {
			b.WriteString(q)
		} else {
			return "", o, fieldError(inputTitle, tooQuoted)
		}
		if s := val(inputSpeakers); s != "" {
			q, ok := quoteTitle(s)
			if !ok {
				return "", o, fieldError(inputSpeakers, tooQuoted)
			}
			b.WriteString(" speakers:" + q)
		}
		if r := values[inputRating].SelectedOption.Value; r != "" {
			if n, err := strconv.Atoi(r); err != nil || n < 1 || n > 5 {
				return "", o, fieldError(inputRating, "Pick a rating from 1 to 5.")
			}
			b.WriteString(" *" + r)
		}
		if t := val(inputTags); t != "" {
			q, ok := quoteTitle(strings.Join(strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ' ' }), ","))
			if !ok {
				return "", o, fieldError(inputTags, tooQuoted)
			}
			b.WriteString(" tags:" + q)
		}
		o.note = val(inputNote) // as typed: a "5/5" or "#word" in it is no rating or tag
		if o.note != "" && privateTicked(values) {
			b.WriteString(" --private")
		}
		return b.String(), o, ack{}
	case viewNote:
		ref := ""
		if id := values[inputTalkPick].SelectedOption.Value; id != "" {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
				ref = "#" + id
			}
		}
		if typed := val(inputTalkRef); typed != "" {
			var ok bool
			if ref, ok = typed, reTalkRef.MatchString(typed); !ok {
				if ref, ok = quoteTitle(typed); !ok {
					return "", o, fieldError(inputTalkRef, tooQuoted)
				}
			}
		}
		if ref == "" {
			return "", o, fieldError(inputTalkRef, "Pick a talk above, or type its #id, schedule link or title.")
		}
		note := val(inputNote)
		if note == "" {
			return "", o, fieldError(inputNote, "The note is empty.")
		}
		flag := ""
		if privateTicked(values) {
			flag = "--private "
		}
		return "note " + flag + ref + " " + note, o, ack{}
	}
	return "", o, ack{}
}

// privateBox is a form's "only I can read it" box for its note.
func privateBox() *slackgo.InputBlock {
	box := slackgo.NewInputBlock(inputPrivate, plainText("Visibility"), nil,
		slackgo.NewCheckboxGroupsBlockElement(inputValue, slackgo.NewOptionBlockObject("private", plainText("Private: only I can read it"), nil)))
	box.Optional = true
	return box
}

// privateTicked reports whether a submitted form's private box is ticked.
func privateTicked(values map[string]slackgo.BlockAction) bool {
	for _, opt := range values[inputPrivate].SelectedOptions {
		if opt.Value == "private" {
			return true
		}
	}
	return false
}

// fieldError is the view_submission answer that shows msg under a field.
func fieldError(block, msg string) ack {
	return ack{body: map[string]any{"response_action": "errors", "errors": map[string]string{block: msg}}, outcome: ackRejected}
}
