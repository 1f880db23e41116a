package slack

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"
)

// appendBlock appends b's JSON, as encoding/json would write it. The blocks
// a list is made of (a section with its card's menu, rich text) are written
// directly: through encoding/json's reflection a 25-card list's encoding
// cost as much as finding its talks (BENCHMARKS.md). Any other block, or
// one using a field the renderer never sets, goes through encoding/json.
func appendBlock(out []byte, b slackgo.Block) ([]byte, error) {
	if sec, ok := b.(*slackgo.SectionBlock); ok && directSection(sec) {
		return appendSection(out, sec), nil
	}
	if rt, ok := b.(*slackgo.RichTextBlock); ok && directRichText(rt) {
		return appendRichText(out, rt), nil
	}
	js, err := json.Marshal(b)
	return append(out, js...), err
}

// directSection says whether appendSection writes all of sec.
func directSection(sec *slackgo.SectionBlock) bool {
	if sec.Text == nil || sec.BlockID != "" || sec.Fields != nil || sec.Expand {
		return false
	}
	acc := sec.Accessory
	if acc == nil {
		return true
	}
	if *acc != (slackgo.Accessory{SelectElement: acc.SelectElement}) || acc.SelectElement == nil {
		return false
	}
	s := acc.SelectElement
	if s.OptionGroups != nil || s.InitialOption != nil || s.InitialUser != "" || s.InitialConversation != "" ||
		s.InitialChannel != "" || s.DefaultToCurrentConversation || s.ResponseURLEnabled || s.Filter != nil ||
		s.MinQueryLength != nil || s.Confirm != nil || s.FocusOnLoad {
		return false
	}
	for _, o := range s.Options {
		if o == nil || o.Text == nil || o.Description != nil || o.URL != "" {
			return false
		}
	}
	return true
}

func appendSection(out []byte, sec *slackgo.SectionBlock) []byte {
	out = append(out, `{"type":`...)
	out = appendString(out, string(sec.Type))
	out = append(out, `,"text":`...)
	out = appendText(out, sec.Text)
	if sec.Accessory != nil {
		s := sec.Accessory.SelectElement
		out = append(out, `,"accessory":{`...)
		comma := false
		field := func(name string) {
			if comma {
				out = append(out, ',')
			}
			comma = true
			out = append(out, name...)
		}
		if s.Type != "" {
			field(`"type":`)
			out = appendString(out, s.Type)
		}
		if s.Placeholder != nil {
			field(`"placeholder":`)
			out = appendText(out, s.Placeholder)
		}
		if s.ActionID != "" {
			field(`"action_id":`)
			out = appendString(out, s.ActionID)
		}
		if len(s.Options) > 0 {
			field(`"options":[`)
			for i, o := range s.Options {
				if i > 0 {
					out = append(out, ',')
				}
				out = append(out, `{"text":`...)
				out = appendText(out, o.Text)
				out = append(out, `,"value":`...)
				out = appendString(out, o.Value)
				out = append(out, '}')
			}
			out = append(out, ']')
		}
		out = append(out, '}')
	}
	return append(out, '}')
}

// directRichText says whether appendRichText writes all of b: sections of
// the elements the renderer makes, with the fields it sets.
func directRichText(b *slackgo.RichTextBlock) bool {
	if b.BlockID != "" || b.Elements == nil {
		return false
	}
	for _, e := range b.Elements {
		sec, ok := e.(*slackgo.RichTextSection)
		if !ok || sec == nil {
			return false
		}
		for _, el := range sec.Elements {
			switch el := el.(type) {
			case *slackgo.RichTextSectionTextElement:
			case *slackgo.RichTextSectionLinkElement:
				if el.Unsafe != nil || el.FromLLM != nil || el.IsSlackURL != nil || el.Truncated != nil || el.Style != nil {
					return false
				}
			case *slackgo.RichTextSectionUserElement:
				if el.FromLLM != nil || el.Style != nil {
					return false
				}
			case *slackgo.RichTextSectionChannelElement:
				if el.TabID != "" || el.FromLLM != nil || el.Style != nil {
					return false
				}
			case *slackgo.RichTextSectionEmojiElement:
				if el.SkinTone != 0 || el.Unicode != "" || el.URL != "" || el.Style != nil {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}

func appendRichText(out []byte, b *slackgo.RichTextBlock) []byte {
	out = append(out, `{"type":`...)
	out = appendString(out, string(b.Type))
	out = append(out, `,"elements":[`...)
	for i, e := range b.Elements {
		if i > 0 {
			out = append(out, ',')
		}
		sec := e.(*slackgo.RichTextSection)
		out = append(out, `{"type":`...)
		out = appendString(out, string(sec.Type))
		out = append(out, `,"elements":`...)
		if sec.Elements == nil {
			out = append(out, "null"...)
		} else {
			out = append(out, '[')
			for j, el := range sec.Elements {
				if j > 0 {
					out = append(out, ',')
				}
				out = appendRichElement(out, el)
			}
			out = append(out, ']')
		}
		out = append(out, '}')
	}
	return append(out, "]}"...)
}

func appendRichElement(out []byte, el slackgo.RichTextSectionElement) []byte {
	out = append(out, `{"type":`...)
	out = appendString(out, string(el.RichTextSectionElementType()))
	switch el := el.(type) {
	case *slackgo.RichTextSectionTextElement:
		out = append(out, `,"text":`...)
		out = appendString(out, el.Text)
		if st := el.Style; st != nil {
			out = append(out, `,"style":{`...)
			comma := false
			for _, f := range [...]struct {
				on   bool
				name string
			}{{st.Bold, `"bold":true`}, {st.Italic, `"italic":true`}, {st.Strike, `"strike":true`},
				{st.Code, `"code":true`}, {st.Underline, `"underline":true`}, {st.Highlight, `"highlight":true`},
				{st.ClientHighlight, `"client_highlight":true`}, {st.Unlink, `"unlink":true`}} {
				if f.on {
					if comma {
						out = append(out, ',')
					}
					comma = true
					out = append(out, f.name...)
				}
			}
			out = append(out, '}')
		}
	case *slackgo.RichTextSectionLinkElement:
		out = append(out, `,"url":`...)
		out = appendString(out, el.URL)
		if el.Text != "" {
			out = append(out, `,"text":`...)
			out = appendString(out, el.Text)
		}
	case *slackgo.RichTextSectionUserElement:
		out = append(out, `,"user_id":`...)
		out = appendString(out, el.UserID)
	case *slackgo.RichTextSectionChannelElement:
		out = append(out, `,"channel_id":`...)
		out = appendString(out, el.ChannelID)
	case *slackgo.RichTextSectionEmojiElement:
		out = append(out, `,"name":`...)
		out = appendString(out, el.Name)
	}
	return append(out, '}')
}

func appendText(out []byte, t *slackgo.TextBlockObject) []byte {
	out = append(out, `{"type":`...)
	out = appendString(out, t.Type)
	out = append(out, `,"text":`...)
	out = appendString(out, t.Text)
	if t.Emoji != nil {
		out = append(out, `,"emoji":`...)
		out = strconv.AppendBool(out, *t.Emoji)
	}
	if t.Verbatim {
		out = append(out, `,"verbatim":true`...)
	}
	return append(out, '}')
}

// appendString appends s as a JSON string, escaped as encoding/json escapes
// it (HTML characters, U+2028 and U+2029 too; invalid UTF-8 becomes U+FFFD).
func appendString(out []byte, s string) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch c {
			case '"', '\\':
				out = append(out, '\\', c)
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			case '\b':
				out = append(out, '\\', 'b')
			case '\f':
				out = append(out, '\\', 'f')
			default:
				out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, s[start:i]...)
			out = append(out, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}
