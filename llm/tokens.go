package llm

import "unicode/utf8"

// EstimateTokens guesses how many tokens s costs without a tokenizer: about
// four ASCII characters a token, and a token for every other character (a
// CJK character or an emoji costs one or more), so the guess errs high.
func EstimateTokens(s string) int {
	ascii, other := 0, 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			ascii++
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		other++
		i += n
	}
	return (ascii+3)/4 + other
}

// messageOverhead is what the chat format adds per message and per request.
const (
	messageOverhead = 4
	requestOverhead = 3
)

// promptTokens estimates what sending msgs costs.
func promptTokens(msgs []Message) int {
	n := requestOverhead
	for _, m := range msgs {
		n += messageOverhead + EstimateTokens(m.Content)
	}
	return n
}

// truncateTokens cuts s to about max tokens, at a word boundary when it can.
func truncateTokens(s string, max int) string {
	if EstimateTokens(s) <= max {
		return s
	}
	ascii, other, cut := 0, 0, 0
	for i, r := range s {
		if r < utf8.RuneSelf {
			ascii++
		} else {
			other++
		}
		if (ascii+3)/4+other > max-1 { // one left for the ellipsis
			break
		}
		cut = i + utf8.RuneLen(r)
	}
	t := s[:cut]
	if sp := lastSpace(t); sp > len(t)/2 {
		t = t[:sp]
	}
	return t + "…"
}

func lastSpace(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ' ' || s[i] == '\n' {
			return i
		}
	}
	return -1
}
