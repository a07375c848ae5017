package report_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/report"
	"github.com/reviewerbot/reviewer/rules"
)

func TestTextSummary(t *testing.T) {
	t.Parallel()
	reviewed := reviewer.FileCoverage{Path: "a.go", Outcome: reviewer.OutcomeReviewed}
	finding := reviewer.Finding{Path: "a.go", Line: 1, Severity: rules.SeverityWarning, Message: "m"}
	tests := []struct {
		name string
		res  reviewer.Result
		// want lines must appear in the output; notWant lines must not.
		want, notWant []string
	}{
		{
			name:    "clean pass",
			res:     reviewer.Result{Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{reviewed}}},
			want:    []string{"1 file: 1 reviewed", "no findings"},
			notWant: []string{"incomplete", "usage:"},
		},
		{
			name: "skipped file is not a clean pass",
			res: reviewer.Result{Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{
				reviewed, {Path: "b.go", Outcome: reviewer.OutcomeSkipped, Reason: "too large"},
			}}},
			want:    []string{"  b.go: skipped (too large)", "2 files: 1 reviewed, 1 skipped", "review incomplete: 1 file not reviewed (skipped or failed); this is not a clean pass", "no findings in the reviewed files"},
			notWant: []string{"no findings\n"},
		},
		{
			name: "failed file is not a clean pass",
			res: reviewer.Result{Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{
				reviewed, {Path: "b.go", Outcome: reviewer.OutcomeFailed, Reason: "gateway timeout"},
				{Path: "c.go", Outcome: reviewer.OutcomeFailed},
			}}},
			want: []string{"  c.go: failed\n", "3 files: 1 reviewed, 2 failed", "review incomplete: 2 files not reviewed"},
		},
		{
			name: "unseen code is not a clean pass",
			res: reviewer.Result{Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{
				reviewed,
				{Path: "c.py", Outcome: reviewer.OutcomeReviewed, Reason: "line 2 (5001 bytes) not shown to the model", Unseen: true},
				{Path: "vendor/x.go", Outcome: reviewer.OutcomeFiltered, Reason: "vendored", Unseen: true},
				{Path: "go.sum", Outcome: reviewer.OutcomeFiltered, Reason: "lock file"},
			}}},
			want: []string{"  c.py: reviewed (line 2 (5001 bytes) not shown to the model)\n", "  vendor/x.go: filtered (vendored)\n", "4 files: 2 reviewed, 2 filtered",
				"not all reviewed: code of the change in 2 files was not reviewed (filtered, withheld, or lines too long to show); this is not a clean pass", "no findings in the reviewed files"},
			notWant: []string{"  a.go", "no findings\n", "review incomplete"},
		},
		{
			name: "findings with an incomplete ledger",
			res: reviewer.Result{
				Findings: []reviewer.Finding{finding},
				Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{reviewed, {Path: "b.go", Outcome: reviewer.OutcomeSkipped}}},
			},
			want: []string{"a.go:1: warning m", "review incomplete", "1 finding: 0 errors, 1 warning, 0 info"},
		},
		{
			name:    "unplaced only is not no findings",
			res:     reviewer.Result{Unplaced: []reviewer.Unplaced{{Path: "a.go", Message: "u"}}, Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{reviewed}}},
			want:    []string{"  a.go: u", "0 findings: 0 errors, 0 warnings, 0 info; 1 unplaced"},
			notWant: []string{"no findings"},
		},
		{
			name:    "usage only with a model",
			res:     reviewer.Result{Usage: reviewer.Usage{Requests: 2, PromptTokens: 1234567, Model: "m"}},
			notWant: []string{"usage:"},
		},
		{
			name: "usage",
			res:  reviewer.Result{LLMEnabled: true, Usage: reviewer.Usage{Requests: 2, PromptTokens: 1234567, CompletionTokens: 999, CostUSD: 1.5, Model: "m"}},
			want: []string{"usage: 2 requests, 1,234,567 prompt tokens, 999 completion tokens, $1.5000, model m"},
		},
		{
			name: "multi-line message and suggestion",
			res: reviewer.Result{Findings: []reviewer.Finding{{
				Path: "a.go", Line: 3, EndLine: 4, Severity: rules.SeverityError, RuleID: "r",
				Message: "first\nsecond\n", Suggestion: "x := 1\n\ny := 2\n",
			}}},
			want: []string{"a.go:3-4: error [r] first\n    second\n    suggested change:\n        x := 1\n\n        y := 2\n"},
		},
		{
			name: "control characters cannot drive the terminal",
			res: reviewer.Result{Findings: []reviewer.Finding{{
				Path: "a.go", Line: 1, Message: "ok\x1b[2J\x1b]0;pwned\x07 \r\u009b31m",
			}}},
			want:    []string{"a.go:1: info ok\ufffd[2J\ufffd]0;pwned\ufffd \ufffd\ufffd31m\n"},
			notWant: []string{"\x1b", "\x07", "\r", "\u009b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(render(t, report.FormatText, &tt.res, report.Options{}))
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("output has %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestTextColor(t *testing.T) {
	t.Parallel()
	res := &reviewer.Result{
		Findings: []reviewer.Finding{
			{Path: "a.go", Line: 1, Severity: rules.SeverityError, Message: "e"},
			{Path: "a.go", Line: 2, Severity: rules.SeverityWarning, Message: "w"},
			{Path: "a.go", Line: 3, Severity: rules.SeverityInfo, Message: "i"},
		},
		Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{{Path: "a.go", Outcome: reviewer.OutcomeReviewed}}},
	}
	got := strings.Split(string(render(t, report.FormatText, res, report.Options{Color: true})), "\n")[:3]
	want := []string{
		"\x1b[1ma.go:1\x1b[0m: \x1b[31merror\x1b[0m e",
		"\x1b[1ma.go:2\x1b[0m: \x1b[33mwarning\x1b[0m w",
		"\x1b[1ma.go:3\x1b[0m: \x1b[36minfo\x1b[0m i",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("colored lines (-want +got):\n%s", diff)
	}
	plain := string(render(t, report.FormatText, res, report.Options{}))
	if strings.Contains(plain, "\x1b") {
		t.Errorf("output without Color has escape sequences:\n%q", plain)
	}
}

// TestTextExcerpt: the code under a finding, with its line numbers and, where the
// finding has columns that still fit the line shown, a caret line under them.
func TestTextExcerpt(t *testing.T) {
	t.Parallel()
	at := func(line, end, col, endCol int) reviewer.Finding {
		return reviewer.Finding{Path: "a.go", Line: line, EndLine: end, Column: col, EndColumn: endCol, Severity: rules.SeverityWarning, Message: "m"}
	}
	span := func(line, end int) reviewer.Span {
		return reviewer.Span{Path: "a.go", Side: reviewer.SideNew, Line: line, EndLine: end}
	}
	tests := []struct {
		name string
		f    reviewer.Finding
		ex   reviewer.Excerpt
		want string // the lines after the finding's own
	}{
		{"caret under the columns, tabs kept", at(7, 7, 7, 18), reviewer.Excerpt{Lines: []string{"\tx := db.Query(q)"}},
			"    7 | \tx := db.Query(q)\n      | \t     ^^^^^^^^^^^\n"},
		{"no columns, no caret", at(7, 7, 0, 0), reviewer.Excerpt{Lines: []string{"x := 1"}},
			"    7 | x := 1\n"},
		{"indentation is not marked", at(9, 9, 1, 11), reviewer.Excerpt{Lines: []string{"    return"}},
			"    9 |     return\n      |     ^^^^^^\n"},
		{"characters, not bytes", at(3, 3, 7, 12), reviewer.Excerpt{Lines: []string{`s := "über"`}},
			"    3 | s := \"über\"\n      |       ^^^^\n"},
		{"a column inside a character", at(3, 3, 8, 12), reviewer.Excerpt{Lines: []string{`s := "über"`}},
			"    3 | s := \"über\"\n"},
		{"a masked line gets no caret: its columns moved", at(4, 4, 8, 28), reviewer.Excerpt{Lines: []string{`key := "«redacted:github-token#1»"`}, Masked: true},
			"    4 | key := \"«redacted:github-token#1»\"\n"},
		{"columns off the line", at(4, 4, 40, 44), reviewer.Excerpt{Lines: []string{"short"}},
			"    4 | short\n"},
		{"a range, line numbers aligned", at(9, 10, 0, 0), reviewer.Excerpt{Lines: []string{"a", "b"}},
			"     9 | a\n    10 | b\n"},
		{"a longer range than shown", at(9, 20, 0, 0), reviewer.Excerpt{Lines: []string{"a", "b", "c", "d"}},
			"     9 | a\n    10 | b\n    11 | c\n    12 | d\n       | ... 8 more lines\n"},
		{"a long line is cut", at(1, 1, 200, 210), reviewer.Excerpt{Lines: []string{strings.Repeat("x", 300)}},
			"    1 | " + strings.Repeat("x", 160) + "…\n"},
		{"control characters", at(1, 1, 0, 0), reviewer.Excerpt{Lines: []string{"a\x1b[2Jb"}},
			"    1 | a\ufffd[2Jb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := &reviewer.Result{
				Findings: []reviewer.Finding{tt.f},
				Excerpts: map[reviewer.Span]reviewer.Excerpt{span(tt.f.Line, max(tt.f.Line, tt.f.EndLine)): tt.ex},
			}
			out := string(render(t, report.FormatText, res, report.Options{}))
			_, rest, _ := strings.Cut(out, ": warning m\n")
			got, _, _ := strings.Cut(rest, "\n\n")
			got += "\n"
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("excerpt (-want +got):\n%s\nwhole output:\n%s", diff, out)
			}
		})
	}
}

// TestTextSummaryLines: filtered files are counted by reason in one line, identical
// unplaced findings are merged, the summary says what was reviewed and how many answers
// came from the cache, and the report ends with the coverage line.
func TestTextSummaryLines(t *testing.T) {
	t.Parallel()
	var files []reviewer.FileCoverage
	for i := range 9 {
		files = append(files, reviewer.FileCoverage{Path: fmt.Sprintf("vendor/m/%d.go", i), Outcome: reviewer.OutcomeFiltered, Reason: "vendored"})
	}
	for _, p := range []string{"go.sum", "web/package-lock.json", "Cargo.lock"} {
		files = append(files, reviewer.FileCoverage{Path: p, Outcome: reviewer.OutcomeFiltered, Reason: "lock file"})
	}
	files = append(files,
		reviewer.FileCoverage{Path: "main.go", Outcome: reviewer.OutcomeReviewed},
		reviewer.FileCoverage{Path: "gen/x.pb.go", Outcome: reviewer.OutcomeFiltered, Reason: "generated", Unseen: true},
	)
	same := "Errors are logged and returned."
	res := &reviewer.Result{
		Coverage: reviewer.Coverage{Files: files},
		Unplaced: []reviewer.Unplaced{
			{Path: "a.go", Message: same}, {Path: "b.go", Message: same}, {Path: "a.go", Message: same},
			{Path: "a.go", Message: "Something else."},
			{Message: same},
		},
		LLMEnabled: true,
		Usage:      reviewer.Usage{Requests: 2, Answers: 9, CachedAnswers: 7, Model: "m"},
	}
	out := string(render(t, report.FormatText, res, report.Options{Reviewed: "main...HEAD, 3 commits"}))
	for _, want := range []string{
		"  12 filtered: lock file (3), vendored (9)\n",
		"  gen/x.pb.go: filtered (generated)\n",
		"  a.go, b.go, (change) (4 times): Errors are logged and returned.\n",
		"  a.go: Something else.\n",
		"reviewed main...HEAD, 3 commits\n",
		"; 7 of 9 answers from the cache\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, notWant := range []string{"vendor/m/", "go.sum"} {
		if strings.Contains(out, notWant) {
			t.Errorf("output lists %q, which the filtered line counts:\n%s", notWant, out)
		}
	}
	if !strings.HasSuffix(out, "\n14 files: 1 reviewed, 13 filtered\n") {
		t.Errorf("output does not end with the coverage line:\n%s", out)
	}
}
