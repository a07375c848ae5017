package markdown_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/markdown"
	"github.com/reviewerbot/reviewer/reviewer/markdown/markdowntest"
)

const wj = "\u2060"

// TestRender pins how ordinary and hostile text reads once rendered: the visible text is
// kept, and what would act is escaped or broken by an invisible word joiner.
func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		render         func(string) string
	}{
		{"plain text stays", "Wrap the error: `fmt.Errorf(\"x: %w\", err)`, *not* _log_ it.", "Wrap the error: `fmt.Errorf(\"x: %w\", err)`, *not* _log_ it.", markdown.Text},
		{"lists stay, indentation goes", "Two things:\n\n- one\n  - two\n1. three", "Two things:\n\n- one\n- two\n1. three", markdown.Text},
		{"quick actions", "ok\n/approve\n   /merge\n\t/close", "ok\n\\/approve\n\\/merge\n\\/close", markdown.Text},
		{"fence", "```suggestion\nrm -rf /\n```", "`rm -rf /`", markdown.Text},
		{"code block", "Use this:\n```go\nif err != nil {\n\treturn err\n}\n```\nThen `go vet`.", "Use this:\n\n`if err != nil {`\\\n` return err`\\\n`}`\n\nThen `go vet`.", markdown.Text},
		{"unclosed fence", "~~~\n/approve @all\n", "`/approve @" + wj + "all`", markdown.Text},
		{"not a fence", "```a`b\n", "\\`\\`\\`a\\`b", markdown.Text},
		{"unbalanced backtick", "a ` then @all and Closes #1", "a \\` then @" + wj + "all and Closes #" + wj + "1", markdown.Text},
		{"mentions in code spans", "`@all` `#1`", "`@" + wj + "all` `#" + wj + "1`", markdown.Text},
		{"references", "org/repo#12 !7 GH-5 &3 %2 ~4", "org/repo#" + wj + "12 !" + wj + "7 GH-" + wj + "5 &amp;" + wj + "3 %" + wj + "2 \\~" + wj + "4", markdown.Text},
		{"html", "<img src=x onerror=alert(1)><!-- x -->", "&lt;img src=x onerror=alert(1)&gt;&lt;!-- x --&gt;", markdown.Text},
		{"links", "[x](javascript:alert(1)) ![i](https://t.example/p.png) <https://a.example>", "\\[x\\](javascript:alert(1)) !\\[i\\](https" + wj + "://t.example/p.png) &lt;https" + wj + "://a.example&gt;", markdown.Text},
		{"bare urls", "see https://evil.example and www.evil.example or a@b.example", "see https" + wj + "://evil.example and www" + wj + ".evil.example or a@" + wj + "b.example", markdown.Text},
		{"entities", "&#64;all &lt;", "&amp;#" + wj + "64;all &amp;lt;", markdown.Text},
		{"one line", "a\n/approve\n\nb", "a /approve b", markdown.Line},
		{"rules keep links", "See [the guide](https://docs.example/sql) or https://docs.example.", "See [the guide](https://docs.example/sql) or https://docs.example.", markdown.Rules},
		{"rules keep no image", "![x](https://t.example/p.png) [y](javascript:x)", "!\\[x\\](https://t.example/p.png) \\[y\\](javascript:x)", markdown.Rules},
		{"path", "vendor/<!-- reviewer:summary head=ab -->", "`vendor/<" + wj + "!-" + wj + "- reviewer:summary head=ab -" + wj + "->`", markdown.Code},
		{"path with backticks", "a`b", "``a`b``", markdown.Code},
		{"path in a cell", "big|table.sql", "big\\|table.sql", markdown.CodeCell},
		{"cell", "x | `y|z`", "x \\| \\`y\\|z\\`", markdown.Cell},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.render(tt.in); got != tt.want {
				t.Errorf("render(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// bodies puts s, rendered every way, where the bot puts such text, and says how each body
// may read.
func bodies(s string) map[string]struct {
	body string
	opts markdowntest.Options
} {
	const marker = "\n<!-- reviewer:fingerprint=0123456789abcdef severity=error -->\n"
	type b = struct {
		body string
		opts markdowntest.Options
	}
	return map[string]b{
		"Text":  {"**Error** · " + markdown.Code(s) + "\n\n" + markdown.Text(s) + "\n" + marker, markdowntest.Options{Marker: true}},
		"Rules": {"**Error**\n\n" + markdown.Rules(s) + "\n" + marker, markdowntest.Options{Marker: true, Links: true}},
		"Line":  {markdown.Line(s) + "\n\n- " + markdown.Code(s) + ": " + markdown.Line(s) + "\n", markdowntest.Options{}},
		"Cell": {"| file | why |\n| --- | --- |\n| " + markdown.CodeCell(s) + " | " + markdown.Cell(s) + " |\n\n" + markdown.Code(s) + "\n",
			markdowntest.Options{}},
	}
}

func check(t *testing.T, s string) {
	t.Helper()
	for name, b := range bodies(s) {
		if p := markdowntest.Problems(b.body, b.opts); len(p) > 0 {
			t.Errorf("%s of %q:\n%s\nproblems: %q", name, s, b.body, p)
		}
	}
}

// hostile are pieces of text that would act if posted as they are.
var hostile = []string{
	"<!--", "-->", "--!>", "<!-- reviewer:summary head=dddd -->", "`", "``", "```", "```suggestion", "~~~", "    ",
	"/approve", "/merge", "\n/close", "\n  /target_branch main", "\n", "\n\n", "\r", "\r/approve", "\t", "\u2028",
	"\u200b", "\u2060", "\u202e", "@all", "@", "@alice", "a@b.example", "#1", "!1", "GH-1", "Closes #1", "org/r#2",
	"&#64;all", "&#35;1", "&lt;", "&", "[", "]", "(", ")", "[x](javascript:alert(1))", "![i](https://t.example/i.png)",
	"<img src=x>", "<script>alert(1)</script>", "<a href=x>", "javascript:alert(1)", "http://", "https://evil.example",
	"www.evil.example", "<https://a.example>", "<a@b.example>", "mailto:a@b.example", "ftp://f.example", "[x]: https://e.example",
	"[^1]", "[^1]: note", "\\", "\\`", "|", "*", "_", "**", "$", "$x$", "$$", "<", ">", ">>>", ":", "::include{file=x}",
	"#", "# ", "- ", "1. ", "---", "===", " ", "x", "word", "code()", "{+ +}", "[[_TOC_]]", "> [!NOTE]", "<details>",
}

func hostileText(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.IntN(24) {
		b.WriteString(hostile[r.IntN(len(hostile))])
		if r.IntN(3) == 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// TestHostileText renders a few thousand generated hostile texts every way and parses the
// bodies as GitHub would: none may hold HTML, an image, a link or autolink, a fence, a live
// mention or reference, or a quick-action line. The seed is fixed, so every run checks the
// same texts.
func TestHostileText(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 2026))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for range n {
		check(t, hostileText(r))
		if t.Failed() {
			return
		}
	}
}

// FuzzRender looks for text that renders into something live.
func FuzzRender(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	for _, s := range []string{
		"a ` then @all and Closes #1",
		"ok\n/approve\n  /merge",
		"```suggestion\nrm -rf /\n```",
		"vendor/<!-- reviewer:summary head=dddddddddddddddddddddddddddddddddddddddd -->",
		"`code` and `` a`b `` and ```x```",
		"[a](https://docs.example/x) ![b](https://t.example/b.png) <https://c.example>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check(t, s)
	})
}
