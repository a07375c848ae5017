package reviewer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// failingSpender spent a classification request, then failed (the forge refused to say
// who may dismiss, or to resolve a thread).
type failingSpender struct{ spendingSource }

func (failingSpender) Dismissed(context.Context, reviewer.Change, []reviewer.PostedComment) ([]reviewer.Dismissal, error) {
	return nil, errors.New("forge down")
}

// TestDismissalSpendCountedOnError: what reading the replies cost is in the review's
// usage even when reading the dismissals then failed: the model was paid all the same,
// and the run's report says what it cost.
func TestDismissalSpendCountedOnError(t *testing.T) {
	t.Parallel()
	f := verifyForge(t)
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) {
		return reviewer.Reply{Model: "big-model", Requests: 1, Usage: reviewer.TokenUsage{PromptTokens: 1000}}, nil
	}}
	rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{
		Model:   model,
		Forge:   f,
		Publish: reviewer.PublishOptions{FailOn: rules.SeverityError, Seal: testKey, Dismissals: failingSpender{}},
	}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "github", Repo: "o/r", Number: 7}})
	var pe *reviewer.PublishError
	if !errors.As(err, &pe) {
		t.Fatalf("Review error = %v, want a PublishError", err)
	}
	if u := res.Usage; u.Requests != 2 || u.CostUSD != 0.25 {
		t.Errorf("usage %+v, want the replies' request in it", u)
	}
}
