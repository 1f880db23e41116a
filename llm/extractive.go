package llm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The built-in summariser is extractive: it picks the sentences of the notes
// that say what the other sentences say, with TextRank over a graph of
// sentences joined by the cosine similarity of their TF-IDF vectors. That
// graph is dense, but each PageRank step factors through the term space
// (W·y = U(Uᵀy) − y), so one step costs the number of words, not sentences
// squared: a thousand notes take milliseconds. Same input, same output.

// Limits of built-in summaries.
const (
	builtInSentences    = 2   // per talk
	builtInTalkRunes    = 320 // per talk summary
	builtInSentenceMax  = 220 // one quoted sentence
	builtInOverallPicks = 3   // key sentences across all talks
	builtInTopTalks     = 3   // "most discussed"
	redundantCosine     = 0.5 // a second pick this close to the first says the same
)

// SummarizeBuiltIn summarises notes without a model: the most central
// sentences of each talk's notes, and an overview of the whole set.
func SummarizeBuiltIn(talks []TalkNotes) Summary {
	talks = withNotes(talks)
	sum := Summary{By: BuiltIn}
	if len(talks) == 0 {
		sum.Overall = noNotes
		return sum
	}
	c := newCorpus(talks)
	for ti, t := range talks {
		idx := c.byTalk[ti]
		picks := c.pick(idx, c.rank(idx), builtInSentences, builtInTalkRunes, false)
		var parts []string
		for _, i := range picks {
			parts = append(parts, endSentence(c.sents[i].text))
		}
		sum.Talks = append(sum.Talks, TalkSummary{TalkID: t.TalkID, Title: t.Title, Text: strings.Join(parts, " "), BuiltIn: true})
	}
	sum.Overall = c.overview(talks)
	return sum
}

const noNotes = "There are no notes to summarise."

// endSentence ends s the way a sentence ends, so sentences picked from
// different notes do not run into each other.
func endSentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsRune(".!?…", []rune(s)[len([]rune(s))-1]) {
		return s
	}
	return s + "."
}

// withNotes drops notes with no text and talks with no notes.
func withNotes(talks []TalkNotes) []TalkNotes {
	var out []TalkNotes
	for _, t := range talks {
		var notes []Note
		for _, n := range t.Notes {
			if strings.TrimSpace(n.Text) != "" {
				notes = append(notes, n)
			}
		}
		if len(notes) > 0 {
			t.Notes = notes
			out = append(out, t)
		}
	}
	return out
}

type sentence struct {
	text   string // sanitised, clipped, as shown
	talk   int    // index into the talks
	terms  []termWeight
	words  int // content words
	author string
}

type termWeight struct {
	id int32
	w  float64
}

type corpus struct {
	sents  []sentence
	byTalk [][]int // sentence indexes per talk
	nTerms int
	// scratch for rank, indexed by term id
	v []float64
}

func newCorpus(talks []TalkNotes) *corpus {
	c := &corpus{byTalk: make([][]int, len(talks))}
	ids := map[string]int32{}
	var df []int
	var tfs [][]termWeight // raw counts per sentence, then weights
	// stamp[id] is 1+ the sentence that last used term id, at[id] its index in that sentence's tf.
	var stamp, at []int32
	for ti, t := range talks {
		for _, n := range t.Notes {
			for _, s := range splitSentences(Sanitize(n.Text)) {
				var tf []termWeight
				words := 0
				mark := int32(len(c.sents) + 1)
				forEachTerm(s, func(term string) {
					id, ok := ids[term]
					if !ok {
						id = int32(len(ids))
						ids[term] = id
						df = append(df, 0)
						stamp = append(stamp, 0)
						at = append(at, 0)
					}
					words++
					if stamp[id] == mark {
						tf[at[id]].w++
						return
					}
					stamp[id], at[id] = mark, int32(len(tf))
					df[id]++
					tf = append(tf, termWeight{id: id, w: 1})
				})
				c.byTalk[ti] = append(c.byTalk[ti], len(c.sents))
				c.sents = append(c.sents, sentence{text: clip(s, builtInSentenceMax), talk: ti, words: words, author: n.Author})
				tfs = append(tfs, tf)
			}
		}
	}
	c.nTerms = len(ids)
	c.v = make([]float64, c.nTerms)
	n := float64(len(c.sents))
	for i, tf := range tfs {
		var norm float64
		for k := range tf {
			tf[k].w = (1 + math.Log(tf[k].w)) * math.Log(1+n/float64(df[tf[k].id]))
			norm += tf[k].w * tf[k].w
		}
		if norm > 0 {
			norm = math.Sqrt(norm)
			for k := range tf {
				tf[k].w /= norm
			}
		}
		slices.SortFunc(tf, func(a, b termWeight) int { return cmp.Compare(a.id, b.id) })
		c.sents[i].terms = tf
	}
	return c
}

// rank scores the sentences idx by TextRank (damping 0.85) on their cosine
// similarity graph, without building the graph.
func (c *corpus) rank(idx []int) []float64 {
	const damping, iterations, epsilon = 0.85, 30, 1e-7
	n := len(idx)
	p := make([]float64, n)
	if n == 0 {
		return p
	}
	for i := range p {
		p[i] = 1 / float64(n)
	}
	if n == 1 {
		return p
	}
	// deg[j] = Σ_i≠j cos(i, j) = u_j·Σu − u_j·u_j.
	v := c.v
	for _, i := range idx {
		for _, t := range c.sents[i].terms {
			v[t.id] += t.w
		}
	}
	deg := make([]float64, n)
	self := make([]float64, n)
	for k, i := range idx {
		for _, t := range c.sents[i].terms {
			deg[k] += t.w * v[t.id]
			self[k] += t.w * t.w
		}
		deg[k] -= self[k]
	}
	next := make([]float64, n)
	y := make([]float64, n)
	for range iterations {
		c.reset(idx)
		dangling := 0.0
		for k, i := range idx {
			if deg[k] < 1e-12 {
				dangling += p[k]
				y[k] = 0
				continue
			}
			y[k] = p[k] / deg[k]
			for _, t := range c.sents[i].terms {
				v[t.id] += t.w * y[k]
			}
		}
		delta := 0.0
		for k, i := range idx {
			s := -self[k] * y[k]
			for _, t := range c.sents[i].terms {
				s += t.w * v[t.id]
			}
			next[k] = (1-damping)/float64(n) + damping*(s+dangling/float64(n))
			delta += math.Abs(next[k] - p[k])
		}
		p, next = next, p
		if delta < epsilon {
			break
		}
	}
	c.reset(idx)
	return p
}

// reset zeroes the scratch entries the sentences idx touched.
func (c *corpus) reset(idx []int) {
	for _, i := range idx {
		for _, t := range c.sents[i].terms {
			c.v[t.id] = 0
		}
	}
}

func cosine(a, b []termWeight) float64 {
	s := 0.0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].id < b[j].id:
			i++
		case a[i].id > b[j].id:
			j++
		default:
			s += a[i].w * b[j].w
			i++
			j++
		}
	}
	return s
}

// pick chooses up to k of the sentences idx, best score first, skipping
// near-repeats and staying within maxRunes; it returns them in note order.
// With oneEach, at most one sentence per talk.
func (c *corpus) pick(idx []int, scores []float64, k, maxRunes int, oneEach bool) []int {
	order := make([]int, len(idx))
	for i := range order {
		order[i] = i
	}
	const minWords = 3
	anyLong := false
	for _, i := range idx {
		anyLong = anyLong || c.sents[i].words >= minWords
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	var chosen []int
	runes := 0
	talks := map[int]bool{}
	for _, o := range order {
		if len(chosen) == k {
			break
		}
		s := c.sents[idx[o]]
		if anyLong && s.words < minWords || oneEach && talks[s.talk] {
			continue
		}
		n := utf8.RuneCountInString(s.text)
		if len(chosen) > 0 && runes+n > maxRunes {
			continue
		}
		redundant := false
		for _, ch := range chosen {
			redundant = redundant || cosine(s.terms, c.sents[ch].terms) > redundantCosine
		}
		if redundant {
			continue
		}
		chosen = append(chosen, idx[o])
		runes += n + 1
		talks[s.talk] = true
	}
	slices.Sort(chosen)
	return chosen
}

// overview is the built-in overall text: counts, the most discussed talks,
// and the most central sentences across everything.
func (c *corpus) overview(talks []TalkNotes) string {
	notes, people := 0, map[string]bool{}
	for _, t := range talks {
		notes += len(t.Notes)
		for _, n := range t.Notes {
			if n.Author != "" {
				people[strings.ToLower(n.Author)] = true
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s", plural(notes, "note"), plural(len(talks), "talk"))
	if len(people) > 0 {
		fmt.Fprintf(&b, " from %s", plural(len(people), "person"))
	}
	b.WriteString(".")
	if len(talks) > 1 {
		order := make([]int, len(talks))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(len(talks[b].Notes), len(talks[a].Notes)) })
		b.WriteString(" Most discussed: ")
		for k, i := range order[:min(builtInTopTalks, len(order))] {
			if k > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s (#%d, %s)", oneLine(talks[i].Title, 80), talks[i].TalkID, plural(len(talks[i].Notes), "note"))
		}
		b.WriteString(".")
		all := make([]int, len(c.sents))
		for i := range all {
			all[i] = i
		}
		picks := c.pick(all, c.rank(all), builtInOverallPicks, 3*builtInSentenceMax, true)
		if len(picks) > 0 {
			b.WriteString(" Key points:")
			for k, i := range picks {
				if k > 0 {
					b.WriteString(";")
				}
				fmt.Fprintf(&b, " %s (#%d)", strings.TrimRight(strings.TrimSpace(c.sents[i].text), ".;"), talks[c.sents[i].talk].TalkID)
			}
			b.WriteString(".")
		}
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if word == "person" {
		return fmt.Sprintf("%d people", n)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// splitSentences cuts text into sentences at line breaks and at . ! ? …
// followed by a space, but not after abbreviations like "e.g.".
func splitSentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-*•> "))
		start := 0
		for i, r := range line {
			if r != '.' && r != '!' && r != '?' && r != '…' {
				continue
			}
			end := i + utf8.RuneLen(r)
			if end < len(line) && line[end] != ' ' {
				continue
			}
			if r == '.' && isAbbreviation(line[start:i]) {
				continue
			}
			if s := strings.TrimSpace(line[start:end]); s != "" && hasLetter(s) {
				out = append(out, s)
			}
			start = end
		}
		if s := strings.TrimSpace(line[start:]); s != "" && hasLetter(s) {
			out = append(out, s)
		}
	}
	return out
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// isAbbreviation reports whether the text before a period ends in a word
// that a period does not end a sentence after.
func isAbbreviation(before string) bool {
	w := before
	if i := strings.LastIndexAny(before, " (\"'"); i >= 0 {
		w = before[i+1:]
	}
	w = strings.ToLower(w)
	switch w {
	case "e.g", "i.e", "vs", "etc", "w.r.t", "mr", "mrs", "ms", "dr", "approx", "aka", "cf", "no", "st", "inc":
		return true
	}
	return utf8.RuneCountInString(w) == 1 && w != "" // initials: "J. Smith"
}

// forEachTerm calls fn with each content word of s: lower-cased, stop words
// dropped, a plural -s folded. Words may hold inner - . + _ ("kep-1287", "v1.28").
func forEachTerm(s string, fn func(string)) {
	s = strings.ToLower(s)
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.TrimRight(s[start:end], "-.+_'")
		start = -1
		w = strings.TrimSuffix(w, "'s")
		if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is") {
			w = w[:len(w)-1]
		}
		if len(w) < 2 && !(w != "" && w[0] >= '0' && w[0] <= '9') || stopWords[w] {
			return
		}
		fn(w)
	}
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		joiner := r == '-' || r == '.' || r == '+' || r == '_' || r == '\''
		switch {
		case word && start < 0:
			start = i
		case word, joiner && start >= 0:
		default:
			flush(i)
		}
	}
	flush(len(s))
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all also am an and any are aren't as at
		be because been before being below between both but by can can't cannot could couldn't did didn't do
		does doesn't doing don't down during each few for from further get got had hadn't has hasn't have
		haven't having he her here hers herself him himself his how i i'm i've i'd if in into is isn't it it's
		its itself just let's like me more most much my myself no nor not now of off on once only or other
		ought our ours ourselves out over own really same she should shouldn't so some such than that that's
		the their theirs them themselves then there there's these they they're this those through to too
		under until up very was wasn't we we're were weren't what when where which while who whom why will
		with won't would wouldn't you you're your yours yourself yourselves lot lots thing things way ve ll
		re im bit kind quite pretty even still yet well one two talk talks session sessions`) {
		m[w] = true
	}
	return m
}()
