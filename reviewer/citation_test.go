package reviewer_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// goOnly is a team rule of Go files, an info.
const goOnly = `---
id: go-only
title: Go housekeeping
severity: info
paths: ["**/*.go"]
---
Keep Go tidy.
`

// TestCitedRuleMustApply: a finding may cite a rule only for a file the rule applies to.
// A (steered) model citing an info rule of Go files on a Python line would cap its error
// to info; the claim is dropped and the finding keeps its severity. On a Go line the
// citation stands, and caps it.
func TestCitedRuleMustApply(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../testdata/demo/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) {
		return reviewer.Reply{Model: "m", Requests: 1, Findings: []reviewer.ModelFinding{
			{Path: "app/client.py", Line: 17, Severity: "error", RuleID: "go-only", Message: "py", Quote: "return cur.fetchone()"},
			{Path: "svc/main.go", Line: 14, Severity: "error", RuleID: "go-only", Message: "go", Quote: "resp, err := client.Get"},
		}}, nil
	}}
	rv := reviewer.New(diffBytes(raw), ruleFS{fsys: fstest.MapFS{".reviewer/rules/go-only.md": {Data: []byte(goOnly)}}}, reviewer.Options{Model: model}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range res.Findings {
		if f.Source == reviewer.SourceLLM {
			got[f.Message] = f.RuleID + " " + f.Severity.String()
		}
	}
	if want := map[string]string{"py": " error", "go": "go-only info"}; !maps.Equal(got, want) {
		t.Errorf("model findings %v, want %v", got, want)
	}
}

// spendingSource dismisses nothing and says it spent one classification request.
type spendingSource struct{}

func (spendingSource) Dismissed(context.Context, reviewer.Change, []reviewer.PostedComment) ([]reviewer.Dismissal, error) {
	return nil, nil
}

func (spendingSource) Spent() reviewer.Usage {
	return reviewer.Usage{Requests: 1, PromptTokens: 50, CompletionTokens: 5, CostUSD: 0.25, Model: "small-model"}
}

// failingSpender spent a classification request, then failed (the forge refused to say
// who may dismiss, or to resolve a thread).
type failingSpender struct{ spendingSource }

func (failingSpender) Dismissed(context.Context, reviewer.Change, []reviewer.PostedComment) ([]reviewer.Dismissal, error) {
	return nil, errors.New("forge down")
}

// TestDismissalSpendIsCounted: what reading the replies cost the model joins the review's
// usage, in the result and in the summary posted on the change; and it does when reading
// the dismissals then failed: the model was paid all the same, and the report says so.
func TestDismissalSpendIsCounted(t *testing.T) {
	t.Parallel()
	for _, src := range []reviewer.DismissalSpender{spendingSource{}, failingSpender{}} {
		f := verifyForge(t)
		model := &fakeModel{answer: func(string) (reviewer.Reply, error) {
			return reviewer.Reply{Model: "big-model", Requests: 1, Usage: reviewer.TokenUsage{PromptTokens: 1000}}, nil
		}}
		rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{
			Model:   model,
			Forge:   f,
			Publish: reviewer.PublishOptions{FailOn: rules.SeverityError, Seal: testKey, Dismissals: src},
		}, nil)
		res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "github", Repo: "o/r", Number: 7}})
		var pe *reviewer.PublishError
		if _, failing := src.(failingSpender); failing != errors.As(err, &pe) {
			t.Fatalf("%T: Review error = %v", src, err)
		}
		if u := res.Usage; u.Requests != 2 || u.PromptTokens != 1050 || u.CostUSD != 0.25 || u.Model != "big-model, small-model" {
			t.Errorf("%T: usage %+v, want the replies' request in it", src, u)
		}
		if _, failing := src.(failingSpender); !failing && (!strings.Contains(f.Summary, "2 requests") || !strings.Contains(f.Summary, "$0.25")) {
			t.Errorf("the summary does not count the replies' request:\n%s", f.Summary)
		}
	}
}
