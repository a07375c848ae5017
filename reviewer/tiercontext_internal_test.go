package reviewer

import (
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/chunk"
)

// TestTierBoundsContext: a tier's ContextTokens caps the context per request and per
// file below what the configuration allows, never above it; no cap leaves it as it is.
func TestTierBoundsContext(t *testing.T) {
	t.Parallel()
	lite := DefaultTierPlans()[TierLite]
	for _, tt := range []struct {
		name       string
		plan       TierPlan
		configured chunk.ContextOptions
		want       chunk.ContextOptions
	}{
		{"lite under the defaults", lite, chunk.ContextOptions{}, chunk.ContextOptions{MaxChunkTokens: lite.ContextTokens, MaxFileTokens: lite.ContextTokens}},
		{"a smaller configuration stays", lite, chunk.ContextOptions{MaxChunkTokens: 500, MaxFileTokens: 300}, chunk.ContextOptions{MaxChunkTokens: 500, MaxFileTokens: 300}},
		{"no cap", TierPlan{AskModel: true}, chunk.ContextOptions{MaxChunkTokens: 9000}, chunk.ContextOptions{MaxChunkTokens: 9000}},
	} {
		s := &modelStage{plan: tt.plan, opts: Options{Chunk: chunk.Options{Context: tt.configured}}}
		if got := s.chunkOptions().Context; got != tt.want {
			t.Errorf("%s: context %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
