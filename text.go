package talkbot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Clean is what text from outside goes through before it is kept or shown
// (PRODUCT §5), typed or imported: control characters, zero-width spaces,
// soft hyphens, word joiners and bidirectional overrides dropped, tabs,
// carriage returns and wide spaces made spaces, normalised to NFC. Line
// breaks and no-break spaces stay.
func Clean(s string) string {
	return norm.NFC.String(strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r), r == '\u200b', r == '\u2028', r == '\u2029', r == '\ufeff',
			r == '\u00ad', r == '\u2060', // invisible: two titles that look the same would be two talks
			r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return -1
		case r > 127 && unicode.Is(unicode.Zs, r) && r != '\u00a0' && r != '\u2007' && r != '\u202f':
			// An IME's full-width space (U+3000) around -- must still start a note.
			return ' '
		}
		return r
	}, s))
}

// OneLine is text for a one-line field (a title, a room, a name): its line
// breaks, which Clean keeps, would show as lines of their own in a card,
// forging the bot's own lines. Runs of white space become one space.
func OneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\v\f\u0085") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// massMention ends at a word boundary or an underscore: Markdown escaping
// turns "@here_" into "@here\_", which reads as @here.
var massMention = regexp.MustCompile(`(?i)([@!])(channel|here|everyone|room)(\b|_)`)

// Defang breaks mass mentions (@channel, @here, @everyone, @room, <!channel>) in
// text that will be echoed, by putting a word joiner after the sigil: the text
// reads the same but no chat platform treats it as a mention.
func Defang(s string) string {
	if !strings.ContainsAny(s, "@!") {
		return s // most text: no sigil, nothing for the regexp to find
	}
	return massMention.ReplaceAllString(s, "$1\u2060$2$3")
}

// Unspaced reports whether r is of a script written without spaces
// between words (Chinese, Japanese, Thai…): a run of it is a phrase, not
// a word, to matching and to the full-text index.
func Unspaced(r rune) bool {
	return r > 127 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}

// NormalizeTitle folds a title for matching: lower case, punctuation dropped,
// runs of spaces collapsed. Invisible format characters (a soft hyphen) are
// no break, nor are combining marks; a # or + ending a word is kept, so "C#", "C++" and "C" are three
// titles; a title of no letters or digits ("🚀🚀🚀") is itself, lower case,
// not the empty title every such one would share. Width and case fold as
// Unicode says.
func NormalizeTitle(s string) string {
	var b strings.Builder
	space := false
	lower := strings.ToLower(s)
	if !IsASCII(lower) {
		// Full-width ＫｕｂｅＣｏｎ is KubeCon, half-width ｶﾞｲﾄﾞ is ガイド, Straße is STRASSE.
		lower = cases.Fold().String(norm.NFC.String(width.Fold.String(lower)))
	}
	for i, r := range lower {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r > 127 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case (r == '#' || r == '+') && !space && b.Len() > 0 && wordEnds(lower[i:]):
			b.WriteRune(r)
		case r > 127 && unicode.Is(unicode.Cf, r):
		case r > 127 && unicode.Is(unicode.M, r):
			// A Hindi or Thai vowel sign is part of its word (कुल is no
			// काल); Hebrew and Arabic vowel points are optional, so none.
			// Emoji presentation (5️⃣ is 5, U+FE0F and a keycap) is none either.
			last, _ := utf8.DecodeLastRuneInString(b.String())
			if !space && last > 127 && !unicode.In(last, unicode.Hebrew, unicode.Arabic) && !unicode.Is(unicode.Variation_Selector, r) {
				b.WriteRune(r)
			}
		default:
			space = true
		}
	}
	if b.Len() == 0 {
		return strings.Join(strings.Fields(lower), " ")
	}
	return b.String()
}

// IsASCII reports whether s holds ASCII only: the fast paths of folding.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// wordEnds reports whether s, from a # or +, ends a word: only more of
// them follow before anything but a letter or digit ("C++ talk", "C#/.NET",
// "C#🚀"), not "C#4" or "K8s+Go".
func wordEnds(s string) bool {
	r, _ := utf8.DecodeRuneInString(strings.TrimLeft(s, "#+"))
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}
