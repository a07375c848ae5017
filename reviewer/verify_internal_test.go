package reviewer

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
	"github.com/reviewerbot/reviewer/rules"
)

// verifyDiff has one hunk of new lines 1-6 in a.go; b.go has lines 1-2.
const verifyDiff = `diff --git a/a.go b/a.go
--- a/a.go
+++ b/a.go
@@ -1,3 +1,6 @@
 package a
 
-func f() {}
+func f(p *int) int {
+	x := *p
+	return x / 0
+}
diff --git a/b.go b/b.go
new file mode 100644
--- /dev/null
+++ b/b.go
@@ -0,0 +1,2 @@
+package a
+var token = "x"
`

// scriptedVerifier answers each request with verdicts(user message) and records them.
type scriptedVerifier struct {
	verdicts func(user string) ([]Verdict, error)

	mu    sync.Mutex
	users []string
}

func (v *scriptedVerifier) Verify(_ context.Context, p Prompt) (VerifyReply, error) {
	user := p.Messages[len(p.Messages)-1].Content
	v.mu.Lock()
	v.users = append(v.users, user)
	v.mu.Unlock()
	vs, err := v.verdicts(user)
	return VerifyReply{Verdicts: vs, Model: "verifier", Requests: 1, Usage: TokenUsage{PromptTokens: 100, CompletionTokens: 10}}, err
}

func verifyFiles(t *testing.T) []*diff.File {
	t.Helper()
	files, err := diff.Parse([]byte(verifyDiff))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func llmFinding(path string, line int, rule, msg string) Finding {
	return Finding{Path: path, Line: line, EndLine: line, Side: SideNew, Severity: rules.SeverityWarning, RuleID: rule,
		Message: msg, Source: SourceLLM, Suggestion: "fixed()", Fingerprint: "fp-" + msg}
}

func newTestVerifyStage(v Verifier, minConf float64) *verifyStage {
	red := redact.New()
	return &verifyStage{v: v, opts: VerifyOptions{Enabled: true, MinConfidence: minConf}, masks: newMasks(red), red: red,
		price: func(string) Price { return Price{Input: 1, Output: 1} }, log: slog.New(slog.DiscardHandler)}
}

func messages(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Message)
	}
	return out
}

// TestVerifyApply: a finding the verifier rejects, one under the threshold and one it marks
// as the same problem as another are dropped with their reasons; two different problems on
// one line both stay; verdicts for ids never shown, a second verdict for an id, and a
// duplicate_of naming itself or an unknown id change nothing; a finding without a verdict
// is kept, unverified.
func TestVerifyApply(t *testing.T) {
	t.Parallel()
	fs := []Finding{
		llmFinding("a.go", 6, "", "Division by zero always panics."),          // f1
		llmFinding("a.go", 5, "", "Consider adding error handling."),          // f2: false positive
		llmFinding("a.go", 6, "", "x / 0 divides by a constant zero."),        // f3: same problem as f1
		llmFinding("a.go", 5, "", "p may be nil and is dereferenced."),        // f4: other problem, other chunk
		llmFinding("a.go", 6, "", "The result is not checked for overflow."),  // f5: low confidence
		llmFinding("b.go", 2, "", "A hard-coded token."),                      // f6: no verdict
		llmFinding("b.go", 1, "", "Package name differs from the directory."), // f7: duplicate_of itself
	}
	huge := strings.Repeat("because ", 10000)
	v := &scriptedVerifier{verdicts: func(string) ([]Verdict, error) {
		return []Verdict{
			{ID: "f1", Keep: true, Confidence: 0.95, Reason: "x / 0"},
			{ID: "f1", Keep: false, Confidence: 1, Reason: "a second verdict is ignored"},
			{ID: "f2", Keep: false, Confidence: 0.9, Reason: huge},
			{ID: "f3", Keep: true, Confidence: 0.9, DuplicateOf: "f1"},
			{ID: "f4", Keep: true, Confidence: 0.8, DuplicateOf: "f404"},
			{ID: "f5", Keep: true, Confidence: 0.2, Reason: "speculative"},
			{ID: "f7", Keep: true, Confidence: 0.7, DuplicateOf: "f7"},
			{ID: "f99", Keep: false, Confidence: 1, Reason: "unknown id"},
			{ID: "", Keep: false},
		}, nil
	}}
	s := newTestVerifyStage(v, 0.5)
	kept, ver, egress := s.run(t.Context(), verifyFiles(t), fs, nil)

	want := []string{"p may be nil and is dereferenced.", "Division by zero always panics.",
		"Package name differs from the directory.", "A hard-coded token."}
	if diff := cmp.Diff(want, messages(kept)); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	reasons := map[string]string{}
	for _, d := range ver.Dropped {
		reasons[d.Message] = d.Reason
		if len(d.Verdict) > 4*maxVerdictReason {
			t.Errorf("%d bytes of the verifier's reason kept", len(d.Verdict))
		}
	}
	wantReasons := map[string]string{
		"Consider adding error handling.":         "the verification pass found it does not hold",
		"x / 0 divides by a constant zero.":       "the same problem as the finding at a.go:6",
		"The result is not checked for overflow.": "confidence 0.20 is under review.min_confidence 0.50",
	}
	if diff := cmp.Diff(wantReasons, reasons); diff != "" {
		t.Errorf("dropped (-want +got):\n%s", diff)
	}
	if ver.Candidates != 7 || ver.Checked != 6 || ver.Unverified != 1 || ver.Verified() {
		t.Errorf("verification %+v: want 7 candidates, 6 checked, 1 unverified", ver)
	}
	if ver.Usage.Requests != 1 || ver.Usage.PromptTokens != 100 || ver.Usage.CostUSD == 0 {
		t.Errorf("usage %+v", ver.Usage)
	}
	if len(egress) != 1 || len(egress[0].Files) != 2 || egress[0].Files[0].Path != "a.go" || egress[0].Model != "verifier" {
		t.Errorf("egress %+v", egress)
	}
	// One request for both files: they fit the budget.
	if len(v.users) != 1 || !strings.Contains(v.users[0], "5 + \treturn x / 0") {
		t.Errorf("requests %q: want one showing the code", v.users)
	}
}

// TestVerifyDuplicateKeepsSeverity: the finding a duplicate folds into keeps the higher
// severity of the two.
func TestVerifyDuplicateKeepsSeverity(t *testing.T) {
	t.Parallel()
	a, b := llmFinding("a.go", 6, "", "Division by zero."), llmFinding("a.go", 6, "", "Panics: divide by zero.")
	b.Severity = rules.SeverityError
	v := &scriptedVerifier{verdicts: func(string) ([]Verdict, error) {
		return []Verdict{{ID: "f1", Keep: true, Confidence: 1, DuplicateOf: "f2"}, {ID: "f2", Keep: true, Confidence: 1}}, nil
	}}
	kept, _, _ := newTestVerifyStage(v, 0.5).run(t.Context(), verifyFiles(t), []Finding{a, b}, nil)
	if len(kept) != 1 || kept[0].Message != b.Message || kept[0].Severity != rules.SeverityError {
		t.Errorf("kept %+v: want the second, an error", kept)
	}
}

// TestVerifyCorrect: a corrected line on a line of the diff moves the finding (new
// fingerprint, suggestion dropped); one outside the diff, or on a removed line's side it
// does not name, is refused and the finding stays where it was.
func TestVerifyCorrect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		line     int
		wantLine int
		moved    bool
	}{
		{"line of the diff", 5, 5, true},
		{"line outside the diff", 40, 6, false},
		{"same line", 6, 6, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := llmFinding("a.go", 6, "", "Dereference of a nil pointer.")
			v := &scriptedVerifier{verdicts: func(string) ([]Verdict, error) {
				return []Verdict{{ID: "f1", Keep: true, Confidence: 0.9, Line: tt.line}}, nil
			}}
			kept, ver, _ := newTestVerifyStage(v, 0.5).run(t.Context(), verifyFiles(t), []Finding{f}, nil)
			if len(kept) != 1 {
				t.Fatalf("kept %+v", kept)
			}
			got := kept[0]
			if got.Line != tt.wantLine || got.EndLine != tt.wantLine {
				t.Errorf("line %d-%d, want %d", got.Line, got.EndLine, tt.wantLine)
			}
			if moved := got.Fingerprint != f.Fingerprint; moved != tt.moved {
				t.Errorf("fingerprint changed %v, want %v", moved, tt.moved)
			}
			if tt.moved && (got.Suggestion != "" || ver.Corrected != 1) {
				t.Errorf("moved finding %+v, corrected %d: want no suggestion, 1 corrected", got, ver.Corrected)
			}
			if tt.line == 40 && ver.Rejected != 1 {
				t.Errorf("rejected %d, want 1", ver.Rejected)
			}
		})
	}
}

// TestVerifyFailureKeepsFindings: when the verifier fails, every finding is kept and
// counted unverified, with the failure's reason in the ledger's words.
func TestVerifyFailureKeepsFindings(t *testing.T) {
	t.Parallel()
	fs := []Finding{llmFinding("a.go", 6, "", "Division by zero."), llmFinding("b.go", 2, "", "A token.")}
	v := &scriptedVerifier{verdicts: func(string) ([]Verdict, error) {
		return nil, errors.New("model gpt: status 503: " + ErrRateLimited.Error())
	}}
	kept, ver, egress := newTestVerifyStage(v, 0.5).run(t.Context(), verifyFiles(t), fs, nil)
	if diff := cmp.Diff(messages(fs), messages(kept)); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if ver.Unverified != 2 || len(ver.Failures) != 1 || ver.Verified() || len(ver.Dropped) != 0 {
		t.Errorf("verification %+v", ver)
	}
	if len(egress) != 1 || ver.Usage.Requests != 1 {
		t.Errorf("a failed request is still egress and cost: %+v, %+v", egress, ver.Usage)
	}
}

// TestMergeExact: the same rule, place and message (up to case, space and punctuation)
// merges before anything is sent; a different message on the same line does not.
func TestMergeExact(t *testing.T) {
	t.Parallel()
	a := llmFinding("a.go", 6, "r1", "Division by zero!")
	b := llmFinding("a.go", 6, "r1", "division  by ZERO")
	b.Severity = rules.SeverityError
	c := llmFinding("a.go", 6, "r1", "Overflow.")
	d := llmFinding("a.go", 6, "r2", "Division by zero!")
	got, dropped := mergeExact([]Finding{a, b, c, d})
	if diff := cmp.Diff([]string{a.Message, c.Message, d.Message}, messages(got)); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
	if len(dropped) != 1 || got[0].Severity != rules.SeverityError {
		t.Errorf("dropped %+v, first %+v: want one dropped, the error severity kept", dropped, got[0])
	}
}

// TestBatchCandidates: a file's candidates stay together while they fit; files are
// packed up to the budget; one candidate over the budget is still sent, alone.
func TestBatchCandidates(t *testing.T) {
	t.Parallel()
	mk := func(path string, cost int) *candidate { return &candidate{f: Finding{Path: path}, cost: cost} }
	cands := []*candidate{mk("a", 100), mk("a", 100), mk("b", 301), mk("c", 5000), mk("d", 50)}
	got := batchCandidates(cands, verifyOverhead+500)
	var sizes []int
	for _, b := range got {
		sizes = append(sizes, len(b))
	}
	if diff := cmp.Diff([]int{2, 1, 1, 1}, sizes); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
	many := make([]*candidate, maxVerifyCandidates+1)
	for i := range many {
		many[i] = mk("a", 1)
	}
	if got := batchCandidates(many, 1<<30); len(got) != 2 {
		t.Errorf("%d batches, want 2: at most %d candidates a request", len(got), maxVerifyCandidates)
	}
}
