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

// TestOneEditKeepsDigits: a word one edit away is a typo only when its
// digits are the same.
func TestOneEditKeepsDigits(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"ipv4", "ipv6", false}, {"cgroupv1", "cgroupv2", false}, {"number1", "number12", false},
		{"day1", "day", false}, {"day1", "dax1", true}, {"day1", "day7", false},
		{"cgroupv2", "cgropv2", true}, {"kubernetes", "kubernets", true}, {"arm64", "arm64s", true},
	} {
		if got := oneEditApart(c.a, c.b); got != c.want {
			t.Errorf("oneEditApart(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
