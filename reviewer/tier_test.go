package reviewer_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// TestReviewTierDecidesTheModelStage: a trivial change sends nothing and its summary says
// so; a lite one is sent with its tier's model; both summaries name the tier and why.
func TestReviewTierDecidesTheModelStage(t *testing.T) {
	t.Parallel()
	docs := "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,2 @@\n # app\n-Old words.\n+New words.\n"
	code := "diff --git a/pkg/a.go b/pkg/a.go\n--- a/pkg/a.go\n+++ b/pkg/a.go\n@@ -1,2 +1,3 @@\n package pkg\n+var limit = 10\n func f() {}\n"
	plans := reviewer.DefaultTierPlans()
	plans[reviewer.TierLite].Model = "small-model"
	tests := []struct {
		name, diff string
		prompts    int
		summary    []string
	}{
		{"trivial", docs, 0, []string{"**Tier:** trivial: only documentation in 1 file", "a trivial change is not sent to the model"}},
		{"lite", code, 1, []string{"**Tier:** lite: code changes in 1 file, 1 changed lines", "**Model:** "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			model := &fakeModel{answer: func(string) (reviewer.Reply, error) { return reviewer.Reply{Requests: 1, Model: "small-model"}, nil }}
			opts := reviewer.Options{Model: model, Tiers: reviewer.TierOptions{Plans: plans}}
			rv := reviewer.New(diffBytes(tt.diff), ruleFS{fsys: fstest.MapFS{}, opts: rules.RepoOptions{NoBuiltin: true}}, opts, nil)
			res, err := rv.Review(t.Context(), reviewer.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if len(model.prompts) != tt.prompts {
				t.Fatalf("%d prompts sent, want %d", len(model.prompts), tt.prompts)
			}
			for _, p := range model.prompts {
				if p.Model != "small-model" {
					t.Errorf("prompt asks for model %q, want the lite tier's small-model", p.Model)
				}
			}
			body := reviewer.SummaryBody(reviewer.Change{HeadSHA: "abc1234"}, &res, reviewer.Published{}, testKey)
			for _, s := range tt.summary {
				if !strings.Contains(body, s) {
					t.Errorf("summary lacks %q:\n%s", s, body)
				}
			}
		})
	}
}
