package reviewer_test

import (
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// TestFoldHiddenAfterVerification: a model finding on the line of a built-in pattern
// finding (py-eval-exec, a warning, on app/client.py's eval line) is folded, or lends
// anything, only once the verifier kept it. A false "error" the verifier drops must not
// raise the pattern's warning to an error, which fails the change under fail_on: error,
// nor post its suggestion.
func TestFoldHiddenAfterVerification(t *testing.T) {
	t.Parallel()
	const falseAlarm = "This eval is a remote code execution hole."
	m := &verifyingModel{fakeModel: &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		var fs []reviewer.ModelFinding
		if strings.Contains(user, "FILE app/client.py") {
			fs = []reviewer.ModelFinding{{Path: "app/client.py", Line: 21, Severity: "error", Message: falseAlarm,
				Quote: "return eval(expr)", Suggestion: "    return 0"}}
		}
		return reviewer.Reply{Findings: fs, Model: "gpt-test", Requests: 1, Usage: reviewer.TokenUsage{PromptTokens: 1000, CompletionTokens: 100}}, nil
	}}}
	m.verdicts = func(id, _ string, _ map[string]string) reviewer.Verdict {
		return reviewer.Verdict{ID: id, Keep: false, Confidence: 0.05, Reason: "expr is a constant here."}
	}
	res := verifyRun(t, verifyForge(t), m)
	found := false
	for _, f := range res.Findings {
		if f.Path != "app/client.py" || f.Line != 21 {
			continue
		}
		if f.RuleID == "py-eval-exec" {
			found = true
			if f.Severity != rules.SeverityWarning || f.Suggestion == "    return 0" {
				t.Errorf("the pattern finding took the dropped model finding's severity %v or suggestion %q", f.Severity, f.Suggestion)
			}
		}
		if f.Message == falseAlarm {
			t.Errorf("the finding the verifier dropped was posted: %+v", f)
		}
	}
	if !found {
		t.Fatalf("no py-eval-exec finding on app/client.py:21: %+v", res.Findings)
	}
	if len(m.asked) == 0 || !strings.Contains(strings.Join(m.asked, ""), falseAlarm) {
		t.Errorf("the model finding was never verified")
	}
}
