package llm_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/llm"
)

// TestReviewPromptModel: a prompt that names a model (a review tier's) asks it first, then
// the client's models in order, without asking one twice.
func TestReviewPromptModel(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(_ int, r received) reply {
		if r.Model == "tier-model" {
			return apiError(http.StatusNotFound, "The model `tier-model` does not exist.", "invalid_request_error", "", "model_not_found")
		}
		return okReply(t, answerJSON)
	})
	c, _, _ := setup(t, g, func(o *llm.Options) {
		o.Model = "main-model"
		o.FallbackModels = []string{"tier-model", "spare-model"}
	})
	p := testPrompt(t)
	p.Model = "tier-model"
	got, err := c.Review(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Model != "main-model" {
		t.Errorf("answered by %q, want main-model", got.Model)
	}
	p.Model = "main-model"
	if _, err := c.Review(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"tier-model", "main-model", "main-model"}, g.models()); diff != "" {
		t.Errorf("models asked (-want +got):\n%s", diff)
	}
}
