package commands

import (
	"math/rand/v2"
	"testing"
)

// TestOneEditApartAgreesWithEditDistance: the fast check the resolver runs
// on every word says what editDistance(a, b) <= 1 says, on words one or two
// random edits apart, with accents too.
func TestOneEditApartAgreesWithEditDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	letters := []rune("abcdeéöz")
	edit := func(w []rune) []rune {
		w = append([]rune(nil), w...)
		switch i := r.IntN(len(w) + 1); r.IntN(4) {
		case 0:
			return append(w[:i], append([]rune{letters[r.IntN(len(letters))]}, w[i:]...)...)
		case 1:
			if i < len(w) {
				return append(w[:i], w[i+1:]...)
			}
		case 2:
			if i < len(w) {
				w[i] = letters[r.IntN(len(letters))]
			}
		default:
			if i+1 < len(w) {
				w[i], w[i+1] = w[i+1], w[i]
			}
		}
		return w
	}
	for n := 0; n < 20000; n++ {
		a := make([]rune, 1+r.IntN(8))
		for i := range a {
			a[i] = letters[r.IntN(len(letters))]
		}
		b := edit(a)
		if r.IntN(2) == 0 {
			b = edit(b)
		}
		want := editDistance(foldDiacritics(string(a)), foldDiacritics(string(b))) <= 1
		if got := oneEditApart(string(a), string(b)); got != want {
			t.Fatalf("oneEditApart(%q, %q) = %v, editDistance says %v", string(a), string(b), got, want)
		}
	}
}
