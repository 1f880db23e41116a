// Package wrapuptest reads a wrap-up post back with a Markdown parser
// (goldmark, with GitHub's extensions) and says what is wrong with it, for
// the tests of every package that makes one.
package wrapuptest

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Problems parses a post (front matter and all) and returns what is wrong:
// a link whose destination is not an http(s) URL (the renderer's own
// links from typed text may also be an address or an ftp URL), or an
// anchor that is no heading's; an image or raw HTML (a post never has either: user text must
// not become them); headings that skip a level (the first may be a level
// 1 or 2: a theme prints the front matter's title as the level 1).
func Problems(post []byte) []string {
	body, problems := templates(post)
	md := goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithParserOptions(parser.WithAutoHeadingID()))
	doc := md.Parser().Parse(text.NewReader(body), parser.WithContext(parser.NewContext(parser.WithIDs(&githubIDs{seen: map[string]bool{}}))))
	ids := map[string]bool{}
	var anchors []string
	prev := 0
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			if id, ok := n.AttributeString("id"); ok {
				ids[fmt.Sprint(string(id.([]byte)))] = true
			}
			if (prev == 0 && n.Level > 2) || (prev > 0 && n.Level > prev+1) {
				problems = append(problems, fmt.Sprintf("heading %q is level %d after level %d", plain(n, body), n.Level, prev))
			}
			prev = n.Level
		case *ast.Link:
			dest := string(n.Destination)
			if a, ok := strings.CutPrefix(dest, "#"); ok && a != "" {
				anchors = append(anchors, a)
			} else if !isWebURL(dest) {
				problems = append(problems, fmt.Sprintf("link %q goes to %q, not an http(s) URL", plain(n, body), dest))
			}
		case *ast.AutoLink:
			// What the renderer links by itself from text the user typed, as
			// GitHub does: a bare address (as mailto:), an ftp:// or a web URL
			// (URL gives "www." ones their http). Anything else, an angle
			// autolink's <mailto:…> included, is a problem.
			u := string(n.URL(body))
			if n.AutoLinkType == ast.AutoLinkEmail {
				break
			}
			// The scheme alone: a renderer percent-encodes the rest, so a
			// stray "%" (which url.Parse refuses) is still a web link.
			if scheme, _, _ := strings.Cut(strings.ToLower(u), "://"); scheme != "http" && scheme != "https" && scheme != "ftp" {
				problems = append(problems, fmt.Sprintf("autolink to %q", u))
			}
		case *ast.Image:
			problems = append(problems, fmt.Sprintf("an image (%q)", n.Destination))
		case *ast.RawHTML, *ast.HTMLBlock:
			problems = append(problems, fmt.Sprintf("raw HTML %q", plain(n, body)))
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		problems = append(problems, err.Error())
	}
	for _, a := range anchors {
		if !ids[a] {
			problems = append(problems, fmt.Sprintf("the contents link to #%s, which no heading is", a))
		}
	}
	return problems
}

// githubIDs gives headings the ids GitHub does (and Hugo's default, and
// Jekyll's GFM): letters of any script, marks, digits and _ kept lower
// case, spaces and dashes as dashes, the rest dropped; a repeated id gets
// -1, -2. goldmark's own keeps ASCII only, which no site a post goes to does.
type githubIDs struct{ seen map[string]bool }

func (g *githubIDs) Generate(value []byte, kind ast.NodeKind) []byte {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(string(value))) {
		switch {
		case unicode.IsLetter(r), unicode.IsMark(r), unicode.IsDigit(r), r == '_', r == '-':
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte('-')
		}
	}
	id := b.String()
	if strings.Trim(id, "-_") == "" {
		id = "heading"
	}
	base := id
	for i := 1; g.seen[id]; i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	g.seen[id] = true
	return []byte(id)
}

func (g *githubIDs) Put(value []byte) { g.seen[string(value)] = true }

// templates is the post's body as Markdown gets it from the site
// generator's template engine, which runs first: for Jekyll (YAML front
// matter) Liquid keeps what is inside {% raw %}…{% endraw %} and would run
// any other "{{" or "{%"; Hugo (TOML) runs its shortcodes, "{{<" and
// "{{%". Template syntax that would run is a problem: it is user text the
// generator would drop or fail on.
func templates(post []byte) ([]byte, []string) {
	body := stripFrontMatter(post)
	var problems []string
	switch {
	case bytes.HasPrefix(post, []byte("---\n")):
		var out []byte
		for rest := body; len(rest) > 0; {
			open := bytes.Index(rest, []byte("{% raw %}"))
			outside := rest
			if open >= 0 {
				outside = rest[:open]
			}
			if bytes.Contains(outside, []byte("{{")) || bytes.Contains(outside, []byte("{%")) {
				problems = append(problems, fmt.Sprintf("Liquid would run %q", clip(outside)))
			}
			out = append(out, outside...)
			if open < 0 {
				break
			}
			rest = rest[open+len("{% raw %}"):]
			end := reEndraw.FindIndex(rest) // where Liquid ends it, spelt as it may be
			if end == nil {
				problems = append(problems, "a {% raw %} block is never closed")
				out = append(out, rest...)
				break
			}
			out = append(out, rest[:end[0]]...)
			rest = rest[end[1]:]
		}
		body = out
	case bytes.HasPrefix(post, []byte("+++\n")):
		if bytes.Contains(body, []byte("{{<")) || bytes.Contains(body, []byte("{{%")) {
			problems = append(problems, "Hugo would run a shortcode")
		}
	}
	return body, problems
}

// reEndraw is a tag that ends a raw block, as Liquid reads it.
var reEndraw = regexp.MustCompile(`\{%-?\s*endraw\s*-?%\}`)

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// Headings returns the post's headings as "## text", in order.
func Headings(post []byte) []string {
	body, _ := templates(post)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(body))
	var out []string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			out = append(out, strings.Repeat("#", h.Level)+" "+plain(h, body))
		}
		return ast.WalkContinue, nil
	})
	return out
}

// HTML renders Markdown (GitHub's extensions, without turning bare URLs into links) to HTML.
func HTML(md []byte) string {
	var buf bytes.Buffer
	g := goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.TaskList))
	if err := g.Convert(md, &buf); err != nil {
		return "error: " + err.Error()
	}
	return buf.String()
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// plain is a node's text, without markup.
func plain(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.RawHTML:
			for i := 0; i < c.Segments.Len(); i++ {
				s := c.Segments.At(i)
				b.Write(s.Value(src))
			}
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// stripFrontMatter drops a leading --- YAML or +++ TOML block.
func stripFrontMatter(post []byte) []byte {
	for _, fence := range []string{"---\n", "+++\n"} {
		if rest, ok := bytes.CutPrefix(post, []byte(fence)); ok {
			if i := bytes.Index(rest, []byte("\n"+fence)); i >= 0 {
				return rest[i+len(fence)+1:]
			}
		}
	}
	return post
}
