package report_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/report"
	"github.com/reviewerbot/reviewer/rules"
)

// testOptions are the options of every golden test.
var testOptions = report.Options{
	Reviewed:       "main...HEAD, 3 commits",
	ToolName:       "reviewer",
	ToolVersion:    "1.2.3",
	InformationURI: "https://github.com/reviewerbot/reviewer",
}

// sampleResult is a realistic review: several files in diff order, every outcome of the
// ledger, every severity, a range finding, findings without a rule, a finding on removed
// lines, paths with a space and a non-ASCII character, unplaced findings and usage. Its
// findings are deliberately out of order: the reports sort them.
func sampleResult() *reviewer.Result {
	return &reviewer.Result{
		Findings: []reviewer.Finding{
			{
				Path: "internal/store/query.go", Line: 51, EndLine: 51, Side: reviewer.SideNew,
				Severity: rules.SeverityError, RuleID: "sql-no-string-concat",
				Message:    `Query built by string concatenation with "id": use a placeholder, never "+" or Sprintf.`,
				Suggestion: "rows, err := db.QueryContext(ctx, \"SELECT name FROM users WHERE id = $1\", id)\n",
				Source:     reviewer.SourceLLM, Fingerprint: "9c1f4e2a7b3d5f60",
			},
			{
				Path: "cmd/server/main.go", Line: 88, EndLine: 88, Side: reviewer.SideNew,
				Severity: rules.SeverityInfo,
				Message:  "This goroutine is never stopped; tie its lifetime to ctx so shutdown can drain it.",
				Source:   reviewer.SourceLLM, Fingerprint: "0b7e55c3a1d94f28",
			},
			{
				Path: "cmd/server/main.go", Line: 17, EndLine: 19, Side: reviewer.SideNew,
				Severity: rules.SeverityWarning, RuleID: "go-wrap-errors",
				Message:    "Wrap the error with what was being done: the caller cannot tell which file failed.",
				Suggestion: "if err != nil {\n\treturn fmt.Errorf(\"load config %s: %w\", path, err)\n}",
				Source:     reviewer.SourceLLM, Fingerprint: "5d2a8f0e6c4b1a93",
			},
			{
				Path: "internal/auth/token.go", Line: 42, EndLine: 42, Side: reviewer.SideNew,
				Column: 9, EndColumn: 41,
				Severity: rules.SeverityError, RuleID: "no-hardcoded-secrets",
				Message:    "Hard-coded credential: read it from the environment or a secret file.",
				Suggestion: `key := os.Getenv("PAYMENTS_API_KEY")`,
				Source:     reviewer.SourcePattern, Fingerprint: "e4b9c07d21f3a856",
			},
			{
				Path: "internal/auth/token.go", Line: 30, EndLine: 33, Side: reviewer.SideOld,
				Severity: rules.SeverityWarning,
				Message:  "The removed check rejected empty tokens, and nothing in the change replaces it.",
				Source:   reviewer.SourceLLM, Fingerprint: "71aa3c9e0f5d2b64",
			},
			{
				Path: "docs/guide/getting started.md", Line: 5, EndLine: 5, Side: reviewer.SideNew,
				Severity: rules.SeverityInfo, RuleID: "docs-relative-links",
				Message: "Link to https://example.com/docs/install points at a page that moved; use a relative link.",
				Source:  reviewer.SourceLLM, Fingerprint: "c38d6b1f9e0a4257",
			},
			{
				Path: "internal/i18n/übersetzung.go", Line: 23, EndLine: 23, Side: reviewer.SideNew,
				Column: 2, EndColumn: 12,
				Severity: rules.SeverityWarning, RuleID: "go-wrap-errors",
				Message: "Wrap the error with context: return fmt.Errorf(\"load catalog: %w\", err).",
				Source:  reviewer.SourcePattern, Fingerprint: "2f6e0d8b4c7a9e15",
			},
		},
		Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{
			{Path: "cmd/server/main.go", Outcome: reviewer.OutcomeReviewed},
			{Path: "internal/auth/token.go", Outcome: reviewer.OutcomeReviewed},
			{Path: "docs/guide/getting started.md", Outcome: reviewer.OutcomeReviewed},
			{Path: "internal/i18n/übersetzung.go", Outcome: reviewer.OutcomeReviewed},
			{Path: "go.sum", Outcome: reviewer.OutcomeFiltered, Reason: "lock file"},
			{Path: "vendor/github.com/acme/retry/retry.go", Outcome: reviewer.OutcomeFiltered, Reason: "vendored"},
			{Path: "web/package-lock.json", Outcome: reviewer.OutcomeFiltered, Reason: "lock file"},
			{Path: "web/dist/app.min.js", Outcome: reviewer.OutcomeFiltered, Reason: "minified", Unseen: true},
			{Path: "config/.env.production", Outcome: reviewer.OutcomeWithheld, Reason: "sensitive file"},
			{Path: "internal/gen/schema.pb.go", Outcome: reviewer.OutcomeSkipped, Reason: "over the per-change token budget"},
			{Path: "internal/store/store.go", Outcome: reviewer.OutcomeFailed, Reason: "model reply was not valid JSON after 3 attempts"},
			{Path: "internal/store/query.go", Outcome: reviewer.OutcomeReviewed},
		}},
		Usage: reviewer.Usage{
			Requests: 6, PromptTokens: 48210, CompletionTokens: 3904, CachedTokens: 12000,
			CostUSD: 0.02134, Model: "openai/gpt-4.1-mini", Answers: 9, CachedAnswers: 3,
		},
		Unplaced: []reviewer.Unplaced{
			{Path: "internal/store/query.go", Message: "The migration in this change drops the index this query relies on."},
			{Message: "The description says tests were added, but the diff has none."},
			{Path: "cmd/server/main.go", Message: "Errors are both logged and returned; handle each error once."},
			{Path: "internal/store/query.go", Message: "Errors are both logged and returned; handle each error once."},
			{Path: "cmd/server/main.go", Message: "Errors are both logged and returned; handle each error once."},
		},
		Verification: reviewer.Verification{
			Ran: true, Candidates: 5, Checked: 4, Unverified: 1, Corrected: 1, Rejected: 1,
			Failures: []string{"model request timed out"},
			Dropped: []reviewer.DroppedFinding{
				{Path: "cmd/server/main.go", Line: 12, Side: reviewer.SideNew, Message: "Consider adding error handling.",
					Reason: "the verification pass found it does not hold", Verdict: "The error is returned on line 13.", Confidence: 0.9},
				{Path: "internal/store/query.go", Line: 51, Side: reviewer.SideNew, RuleID: "sql-no-string-concat", Message: "SQL built by concatenation.",
					Reason: "the same problem as the finding at internal/store/query.go:51", Confidence: 0.8},
			},
			Usage: reviewer.Usage{Requests: 2, PromptTokens: 3100, CompletionTokens: 240, CostUSD: 0.0012},
		},
		// The code under the findings as the review saw it: the secret on token.go:42
		// is masked, so its columns no longer fit and it gets no caret.
		Excerpts: map[reviewer.Span]reviewer.Excerpt{
			{Path: "cmd/server/main.go", Side: reviewer.SideNew, Line: 17, EndLine: 19}: {Lines: []string{"\tif err != nil {", "\t\treturn err", "\t}"}},
			{Path: "cmd/server/main.go", Side: reviewer.SideNew, Line: 88, EndLine: 88}: {Lines: []string{"\tgo s.watch()"}},
			{Path: "internal/auth/token.go", Side: reviewer.SideNew, Line: 42, EndLine: 42}: {
				Lines: []string{"\tkey := \"«redacted:generic-api-key#1»\""}, Masked: true,
			},
			{Path: "internal/auth/token.go", Side: reviewer.SideOld, Line: 30, EndLine: 33}: {
				Lines: []string{"\tif tok == \"\" {", "\t\treturn errEmptyToken", "\t}", ""},
			},
			{Path: "internal/i18n/übersetzung.go", Side: reviewer.SideNew, Line: 23, EndLine: 23}: {Lines: []string{"\treturn err"}},
			{Path: "internal/store/query.go", Side: reviewer.SideNew, Line: 51, EndLine: 51}: {
				Lines: []string{"\trows, err := db.QueryContext(ctx, \"SELECT name FROM users WHERE id = \"+id)"},
			},
		},
		Rules: []*rules.Rule{
			{
				ID: "docs-relative-links", Title: "Link within the docs with relative links", Severity: rules.SeverityInfo,
				Paths:  []string{"docs/**/*.md"},
				Body:   "Absolute links to our own site break when pages move.\nUse a relative link.\n",
				Source: ".reviewer/rules/docs-relative-links.md",
			},
			{
				ID: "go-context-first", Title: "Context comes first", Severity: rules.SeverityWarning,
				Paths: []string{"**/*.go"}, Body: "Functions that do I/O take ctx as their first parameter.",
				Source: "builtin:go-context-first.md",
			},
			{
				ID: "go-wrap-errors", Title: "Wrap errors with context", Severity: rules.SeverityWarning,
				Paths: []string{"**/*.go"}, Exclude: []string{"**/*_test.go"}, Pattern: `return err$`,
				Message: `Wrap the error with fmt.Errorf("...: %w", err).`,
				Body:    "Errors that cross a package boundary carry what was being done:\n\n```go\nreturn fmt.Errorf(\"load config: %w\", err)\n```\n",
				Source:  ".reviewer/rules/go-wrap-errors.md",
			},
			{
				ID: "no-hardcoded-secrets", Title: "No hard-coded secrets", Severity: rules.SeverityError,
				Pattern: `(?i)(api|secret)_?key\s*:?=\s*"[^"]+"`,
				Message: "Hard-coded credential: read it from the environment or a secret file.",
				Source:  "builtin:no-hardcoded-secrets.md",
			},
			{
				ID: "sql-no-string-concat", Title: "Build SQL with placeholders", Severity: rules.SeverityError,
				Paths:  []string{"**/*.go"},
				Body:   "  Never build a query from strings: pass values as placeholders ($1, ?).  \n",
				Source: ".reviewer/rules/sql-no-string-concat.md",
			},
		},
		LLMEnabled: true,
		Tier: reviewer.Tier{Level: reviewer.TierLite, Reasons: []string{"code changes in 3 files, 40 changed lines"},
			Plan: reviewer.TierPlan{AskModel: true}},
		Omitted: 3,
		Published: reviewer.Published{Posted: 5, Kept: 2, Resolved: 1, Rejected: 1, Status: reviewer.StatusFailure, APICalls: 9,
			Dismissed: 1, DismissedBy: []reviewer.Dismissal{
				{Fingerprint: "3f2a9c", RuleID: "sql-no-string-concat", Who: "alice", At: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)},
				{Fingerprint: "3f2a9c", RuleID: "sql-no-string-concat", Who: "bob"},
			}},
		Egress: []reviewer.Egress{{
			Model:  "openai/gpt-4o-mini",
			Tokens: 5120,
			Files: []reviewer.EgressFile{
				{Path: "internal/store/store.go", Hunks: []string{"@@ -10,6 +10,9 @@", "@@ -40,3 +43,8 @@"}},
				{Path: "web/app.ts", Hunks: []string{"@@ -0,0 +1,12 @@"}},
			},
		}},
	}
}

// render writes res in format f and fails the test on an error.
func render(t testing.TB, f report.Format, res *reviewer.Result, opts report.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, f, res, opts); err != nil {
		t.Fatalf("Write(%s): %v", f, err)
	}
	return buf.Bytes()
}

func TestWriteGolden(t *testing.T) {
	t.Parallel()
	clean := &reviewer.Result{
		Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{
			{Path: "main.go", Outcome: reviewer.OutcomeReviewed},
			{Path: "go.sum", Outcome: reviewer.OutcomeFiltered, Reason: "lock file"},
		}},
	}
	incomplete := &reviewer.Result{
		Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{
			{Path: "main.go", Outcome: reviewer.OutcomeReviewed},
			{Path: "big.go", Outcome: reviewer.OutcomeSkipped, Reason: "over the per-change token budget"},
		}},
		Usage:      reviewer.Usage{Requests: 1, PromptTokens: 900, CompletionTokens: 12, CostUSD: 0.0004, Model: "llama3.1:8b"},
		LLMEnabled: true,
	}
	tests := []struct {
		name string
		res  *reviewer.Result
	}{
		{"sample", sampleResult()},
		{"clean", clean},
		{"incomplete", incomplete},
	}
	for _, tt := range tests {
		for _, f := range report.Formats() {
			t.Run(tt.name+"/"+string(f), func(t *testing.T) {
				t.Parallel()
				got := render(t, f, tt.res, testOptions)
				golden.Check(t, filepath.Join("testdata", tt.name+"."+string(f)+".golden"), got)
			})
		}
	}
}

func TestWriteDeterministic(t *testing.T) {
	t.Parallel()
	for _, f := range report.Formats() {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			want := render(t, f, sampleResult(), testOptions)
			// The same findings in the opposite order give the same report.
			res := sampleResult()
			for i, j := 0, len(res.Findings)-1; i < j; i, j = i+1, j-1 {
				res.Findings[i], res.Findings[j] = res.Findings[j], res.Findings[i]
			}
			got := render(t, f, res, testOptions)
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("report depends on the order of the findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteDoesNotModifyResult(t *testing.T) {
	t.Parallel()
	want := sampleResult()
	got := sampleResult()
	for _, f := range report.Formats() {
		render(t, f, got, testOptions)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(rules.Rule{})); diff != "" {
		t.Errorf("Write modified the result (-want +got):\n%s", diff)
	}
}

func TestWriteEmptyResult(t *testing.T) {
	t.Parallel()
	for _, f := range report.Formats() {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			got := render(t, f, &reviewer.Result{}, report.Options{})
			if len(got) == 0 || got[len(got)-1] != '\n' {
				t.Errorf("output %q does not end with a newline", got)
			}
			if f != report.FormatText && bytes.Contains(got, []byte("null")) {
				t.Errorf("output has a null, want empty arrays:\n%s", got)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		format  report.Format
		res     *reviewer.Result
		opts    report.Options
		w       *failWriter
		wantErr string
	}{
		{"unknown format", "html", &reviewer.Result{}, report.Options{}, &failWriter{}, `unknown format "html"`},
		{"relative information uri", report.FormatSARIF, &reviewer.Result{}, report.Options{InformationURI: "reviewer.dev"}, &failWriter{}, `information uri "reviewer.dev" is not an absolute URI`},
		{"nil result", report.FormatJSON, nil, report.Options{}, &failWriter{}, "nil result"},
		{"text writer fails", report.FormatText, sampleResult(), report.Options{}, &failWriter{fail: true}, "write text report: disk full"},
		{"json writer fails", report.FormatJSON, sampleResult(), report.Options{}, &failWriter{fail: true}, "write json report: disk full"},
		{"sarif writer fails", report.FormatSARIF, sampleResult(), report.Options{}, &failWriter{fail: true}, "write sarif report: disk full"},
		{"codequality writer fails", report.FormatCodeQuality, sampleResult(), report.Options{}, &failWriter{fail: true}, "write codequality report: disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := report.Write(tt.w, tt.format, tt.res, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Write() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

type failWriter struct{ fail bool }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.fail {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    report.Format
		wantErr bool
	}{
		{"text", report.FormatText, false},
		{"json", report.FormatJSON, false},
		{"sarif", report.FormatSARIF, false},
		{"codequality", report.FormatCodeQuality, false},
		{" SARIF ", report.FormatSARIF, false},
		{"", "", true},
		{"code-quality", "", true},
		{"xml", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := report.ParseFormat(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseFormat(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseFormat(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// bigResult is a review of 100 files with 10,000 findings, for the benchmarks.
func bigResult() *reviewer.Result {
	res := &reviewer.Result{LLMEnabled: true, Usage: reviewer.Usage{Requests: 400, PromptTokens: 3_000_000, Model: "m"}}
	for i := range 100 {
		res.Coverage.Files = append(res.Coverage.Files, reviewer.FileCoverage{Path: fmt.Sprintf("pkg/p%02d/file %d.go", i%10, i), Outcome: reviewer.OutcomeReviewed})
	}
	res.Rules = sampleResult().Rules
	ids := []string{"go-wrap-errors", "no-hardcoded-secrets", "", "sql-no-string-concat"}
	for i := range 10_000 {
		f := reviewer.Finding{
			Path: res.Coverage.Files[i%100].Path, Line: 1 + (i*7)%5000, Side: reviewer.SideNew,
			Severity: rules.Severity(i % 3), RuleID: ids[i%len(ids)],
			Message: "Wrap the error with what was being done, so the caller can tell which step failed.",
			Source:  reviewer.SourceLLM, Fingerprint: fmt.Sprintf("%016x", i*2654435761),
		}
		f.EndLine = f.Line + i%3
		if i%10 == 0 {
			f.Suggestion = "return fmt.Errorf(\"load: %w\", err)"
		}
		res.Findings = append(res.Findings, f)
	}
	return res
}

func BenchmarkWrite(b *testing.B) {
	res := bigResult()
	for _, f := range report.Formats() {
		b.Run(string(f), func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := report.Write(&buf, f, res, testOptions); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
