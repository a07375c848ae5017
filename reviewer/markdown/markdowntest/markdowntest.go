// Package markdowntest checks Markdown bodies the way the forges read them, for tests of
// what the bot posts: it parses a body with a CommonMark parser and GitHub's extensions
// (goldmark with GFM and footnotes) and reports every HTML, image, link, autolink or fence
// the bot did not mean to write, every live mention or reference in the rendered text, and
// every line GitLab would run as a quick action.
//
// Only tests import it; it is the one package that imports goldmark.
package markdowntest

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/reviewerbot/reviewer/reviewer/markdown"
)

// Options say what the bot itself writes into a body, which is not a problem.
type Options struct {
	// Marker says the body ends with the bot's hidden marker line, its one HTML comment.
	Marker bool
	// HTML are whole lines of raw HTML the bot writes (its <details> wrappers).
	HTML []string
	// Suggestion allows one fenced block whose info string starts with "suggestion".
	Suggestion bool
	// Links allows links and autolinks to http(s) pages (rules text from the base branch).
	Links bool
}

var (
	md = goldmark.New(goldmark.WithExtensions(extension.GFM, extension.Footnote))

	markerLine = regexp.MustCompile(`\n<!-- reviewer:(?:fingerprint=[0-9a-f]+ severity=[a-z]+|summary head=[0-9a-f]*(?: seal=[0-9a-f]+)?) -->\s*\z`)
	// live are mentions and references as the forges find them in rendered text.
	live = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_])@[\p{L}\p{N}_]|[#!]\d|\bGH-\d`)
	tag  = regexp.MustCompile(`<[^>]*>`)
	// pre is a code block, which the forges never link in: only a suggestion's, whose
	// code must stay as it is.
	pre = regexp.MustCompile(`(?s)<pre>.*?</pre>`)
)

// Problems returns what is wrong with body, one line each; nil when nothing is.
func Problems(body string, o Options) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	src := body
	if o.Marker {
		loc := markerLine.FindStringIndex(src)
		if loc == nil {
			add("the body does not end with the bot's marker")
		} else {
			src = src[:loc[0]] + "\n"
		}
	}
	for _, delim := range []string{"<!--", "-->", "--!>"} {
		if strings.Contains(src, delim) {
			add("an HTML comment delimiter %q besides the bot's marker", delim)
		}
	}
	// GitLab drops "\r" before it looks for quick actions; a renderer may end a line at one.
	for _, s := range []string{strings.ReplaceAll(body, "\r", ""), strings.ReplaceAll(body, "\r", "\n")} {
		for _, ln := range strings.Split(s, "\n") {
			if markdown.QuickAction(ln) {
				add("quick action line %q", ln)
			}
		}
	}

	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	suggestions := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML:
			var b strings.Builder
			for i := 0; i < n.Segments.Len(); i++ {
				seg := n.Segments.At(i)
				b.Write(seg.Value(source))
			}
			add("raw HTML %q", b.String())
		case *ast.HTMLBlock:
			var b strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				b.Write(seg.Value(source))
			}
			if n.HasClosure() {
				b.Write(n.ClosureLine.Value(source))
			}
			if !allowedHTML(b.String(), o.HTML) {
				add("HTML block %q", b.String())
			}
		case *ast.Image:
			add("image %q", n.Destination)
		case *ast.AutoLink:
			if url := string(n.URL(source)); !o.Links || !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
				add("autolink %q", url)
			}
		case *ast.Link:
			dest := string(n.Destination)
			if !o.Links || !strings.HasPrefix(dest, "https://") && !strings.HasPrefix(dest, "http://") {
				add("link to %q", dest)
			}
		case *east.FootnoteLink:
			add("footnote link %d", n.Index)
		case *ast.FencedCodeBlock:
			info := ""
			if n.Info != nil {
				info = string(n.Info.Value(source))
			}
			if !o.Suggestion || !strings.HasPrefix(info, "suggestion") {
				add("fenced block %q", info)
			} else if suggestions++; suggestions > 1 {
				add("a second suggestion")
			}
		case *ast.CodeBlock:
			add("indented code block")
		}
		return ast.WalkContinue, nil
	})

	var rendered bytes.Buffer
	if err := md.Renderer().Render(&rendered, source, doc); err != nil {
		add("render: %v", err)
	}
	visible := html.UnescapeString(tag.ReplaceAllString(pre.ReplaceAllString(rendered.String(), " "), " "))
	for _, m := range live.FindAllString(visible, -1) {
		add("live mention or reference %q", strings.TrimSpace(m))
	}
	return out
}

func allowedHTML(block string, allowed []string) bool {
	for _, ln := range strings.Split(strings.TrimRight(block, "\n"), "\n") {
		ok := false
		for _, a := range allowed {
			ok = ok || strings.HasPrefix(ln, a)
		}
		if !ok {
			return false
		}
	}
	return true
}
