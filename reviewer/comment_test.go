package reviewer_test

import (
	"testing"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

func TestCommentBody(t *testing.T) {
	t.Parallel()
	base := reviewer.Finding{Path: "app/x.py", Line: 10, EndLine: 10, Side: reviewer.SideNew, Severity: rules.SeverityError,
		RuleID: "py-sql-string-format", Fingerprint: "0123456789abcdef01234567", Source: reviewer.SourceLLM,
		Message: "The query is built from `name`; pass it as a parameter."}
	tests := []struct {
		name  string
		edit  func(f *reviewer.Finding)
		style reviewer.SuggestionStyle
	}{
		{"github-suggestion", func(f *reviewer.Finding) {
			f.Suggestion = `cur.execute("SELECT id FROM users WHERE name = %s", (name,))`
		}, reviewer.SuggestionGitHub},
		{"gitlab-range-suggestion", func(f *reviewer.Finding) {
			f.EndLine = 12
			f.Suggestion = "a = 1\nb = 2\nc = 3\n"
		}, reviewer.SuggestionGitLab},
		{"suggestion-with-fences", func(f *reviewer.Finding) {
			f.Path, f.Suggestion = "README.md", "```sh\nmake test\n```"
		}, reviewer.SuggestionGitHub},
		{"neutralized", func(f *reviewer.Finding) {
			f.RuleID, f.Severity = "", rules.SeverityInfo
			f.Message = "As @alice said in #12 and org/repo#34 (GH-5, !7): fixes #99. Email a@b.com. Keep `@decorator` and `#define` as code."
		}, reviewer.SuggestionGitHub},
		{"old-side", func(f *reviewer.Finding) {
			f.Side, f.Severity, f.Suggestion = reviewer.SideOld, rules.SeverityWarning, "never posted on a removed line"
		}, reviewer.SuggestionGitLab},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := base
			tt.edit(&f)
			body := reviewer.CommentBody(f, tt.style)
			golden.Check(t, "testdata/golden/comment-"+tt.name+".md", []byte(body))
			if fp, ok := reviewer.ParseMarker(body); !ok || fp != f.Fingerprint {
				t.Errorf("ParseMarker = %q, %v; want the finding's fingerprint", fp, ok)
			}
		})
	}
}

func TestSummaryBody(t *testing.T) {
	t.Parallel()
	res := &reviewer.Result{
		Findings: []reviewer.Finding{
			{Path: "a.go", Line: 3, Severity: rules.SeverityError},
			{Path: "a.go", Line: 9, Severity: rules.SeverityWarning},
			{Path: "b.py", Line: 1, Severity: rules.SeverityInfo},
		},
		Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{
			{Path: "a.go", Outcome: reviewer.OutcomeReviewed},
			{Path: "b.py", Outcome: reviewer.OutcomeReviewed},
			{Path: "go.sum", Outcome: reviewer.OutcomeFiltered, Reason: "lock file"},
			{Path: ".env", Outcome: reviewer.OutcomeWithheld, Reason: "looks like an environment file with secrets"},
			{Path: "big|table.sql", Outcome: reviewer.OutcomeSkipped, Reason: "budget"},
		}},
		Unplaced:   []reviewer.Unplaced{{Path: "a.go", Message: "line 400 is not in the diff: ask @bob\nabout it"}},
		Omitted:    2,
		LLMEnabled: true,
		Usage:      reviewer.Usage{Requests: 3, PromptTokens: 12000, CompletionTokens: 800, CachedTokens: 4000, CostUSD: 0.0123, Model: "gpt-4o-mini"},
	}
	c := reviewer.Change{Forge: "github", Repo: "o/r", Number: 7, HeadSHA: "0123456789abcdef0123456789abcdef01234567"}
	body := reviewer.SummaryBody(c, res, reviewer.Published{Posted: 2, Kept: 1, Resolved: 1}, testKey)
	golden.Check(t, "testdata/golden/summary-incomplete.md", []byte(body))
	// A file was skipped: the head is not sealed as reviewed, so the next review shows it.
	if head, ok := reviewer.SummaryHead(c, body, testKey); ok {
		t.Errorf("SummaryHead of an incomplete review = %q, %v; want none", head, ok)
	}
	clean := &reviewer.Result{Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{{Path: "a.go", Outcome: reviewer.OutcomeReviewed}}}}
	body = reviewer.SummaryBody(c, clean, reviewer.Published{}, testKey)
	golden.Check(t, "testdata/golden/summary-clean.md", []byte(body))
	if head, ok := reviewer.SummaryHead(c, body, testKey); !ok || head != c.HeadSHA {
		t.Errorf("SummaryHead = %q, %v", head, ok)
	}
}
