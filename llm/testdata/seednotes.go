//go:build ignore

// seednotes turns the per-talk paragraphs of the seed wrap-up posts into
// note fixtures for the built-in summariser's golden tests: each paragraph
// becomes notes of up to two sentences, spread over four team members.
//
//	go run llm/testdata/seednotes.go /work/shared/seeds llm/testdata/notes
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

type note struct {
	Author string
	Text   string
}

type talk struct {
	TalkID int64
	Title  string
	Notes  []note
}

var (
	boldTitle  = regexp.MustCompile(`^\*\*\[([^\]]+)\]\([^)]*\)\*\*`)
	headTitle  = regexp.MustCompile(`^#{3,4} \[([^\]]+)\]\([^)]*\)`)
	heading    = regexp.MustCompile(`^#{1,6} |^__.*__$|^\*\*[^\[]`)
	mdLink     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	tag        = regexp.MustCompile(`<[^>]+>`)
	sentenceAt = regexp.MustCompile(`([.!?])\s+`)
	authors    = []string{"alice", "bob", "carol", "dan"}
)

func main() {
	seeds, out := os.Args[1], os.Args[2]
	files := map[string]string{"000_0ed1a327313a31b9.txt": "kubecon-na-2022", "002_e44bddb86feeae51.txt": "kubecon-na-2023-wrapup", "003_c980cafc206e5b86.txt": "kubecon-na-2023-log"}
	for file, name := range files {
		b, err := os.ReadFile(filepath.Join(seeds, file))
		if err != nil {
			panic(err)
		}
		var talks []talk
		if strings.HasPrefix(file, "002") {
			talks = plainTitles(string(b))
		} else {
			talks = markdownTitles(string(b))
		}
		js, _ := json.MarshalIndent(talks, "", "  ")
		if err := os.WriteFile(filepath.Join(out, name+".json"), append(js, '\n'), 0o644); err != nil {
			panic(err)
		}
		fmt.Println(name, len(talks), "talks")
	}
}

// markdownTitles reads posts whose talks are **[Title](link)** or ### [Title](link).
func markdownTitles(text string) []talk {
	var talks []talk
	var cur *talk
	var para []string
	flush := func() {
		if cur != nil && len(para) > 0 {
			addParagraph(cur, strings.Join(para, " "))
		}
		para = nil
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		m := boldTitle.FindStringSubmatch(line)
		if m == nil {
			m = headTitle.FindStringSubmatch(line)
		}
		switch {
		case m != nil:
			flush()
			talks = append(talks, talk{TalkID: int64(len(talks) + 1), Title: m[1]})
			cur = &talks[len(talks)-1]
		case heading.MatchString(line):
			flush()
			cur = nil
		case line == "" || strings.HasPrefix(line, "by ") || strings.HasPrefix(line, "<img"):
			flush()
		default:
			para = append(para, line)
		}
	}
	flush()
	return withNotes(talks)
}

// plainTitles reads a post whose talk titles stand alone on a line, listed in its table of contents.
func plainTitles(text string) []talk {
	lines := strings.Split(text, "\n")
	titles := map[string]bool{}
	for _, l := range lines[1:20] {
		if t, ok := strings.CutPrefix(l, "- "); ok && strings.Contains(t, " - ") && !strings.HasPrefix(t, "Day ") {
			titles[t] = true
		}
	}
	sections := map[string]bool{"Keynotes": true, "Conclusion": true, "Pre-Conference Activities": true}
	var talks []talk
	var cur *talk
	for _, l := range lines[20:] {
		l = strings.TrimSpace(l)
		switch {
		case titles[l]:
			talks = append(talks, talk{TalkID: int64(len(talks) + 1), Title: l[:strings.LastIndex(l, " - ")]})
			cur = &talks[len(talks)-1]
		case sections[l] || strings.HasPrefix(l, "Day "):
			cur = nil
		case cur != nil && l != "" && strings.Count(l, " ") > 5:
			addParagraph(cur, l)
		}
	}
	return withNotes(talks)
}

func addParagraph(t *talk, p string) {
	p = tag.ReplaceAllString(mdLink.ReplaceAllString(p, "$1"), "")
	p = strings.NewReplacer("**", "", "_", "", "`", "").Replace(p)
	sentences := strings.Split(sentenceAt.ReplaceAllString(p, "$1\x00"), "\x00")
	for i := 0; i < len(sentences); i += 2 {
		text := strings.TrimSpace(strings.Join(sentences[i:min(i+2, len(sentences))], " "))
		if text != "" {
			t.Notes = append(t.Notes, note{Author: authors[len(t.Notes)%len(authors)], Text: text})
		}
	}
}

func withNotes(talks []talk) []talk {
	var out []talk
	for _, t := range talks {
		if len(t.Notes) > 0 {
			t.TalkID = int64(len(out) + 1)
			out = append(out, t)
		}
	}
	return out
}
