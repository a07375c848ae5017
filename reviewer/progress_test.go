package reviewer_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/rules"
)

// TestProgress: Options.Progress hears of every chunk sent and answered (from the cache
// or not) or failed, with the tokens and cost so far; every count only grows, and the
// last report agrees with the result, whose usage counts the answers from the cache.
func TestProgress(t *testing.T) {
	t.Parallel()
	model := &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		switch {
		case strings.Contains(user, "FILE web/app.js"):
			return reviewer.Reply{}, errors.New("gateway down")
		case strings.Contains(user, "FILE app/client.py"):
			// From the cache: what it cost the first time, spent nothing now.
			return reviewer.Reply{Cached: true, Model: "m", Usage: reviewer.TokenUsage{PromptTokens: 500, CompletionTokens: 50}}, nil
		}
		return reviewer.Reply{Requests: 1, Model: "m", Usage: reviewer.TokenUsage{PromptTokens: 1000, CompletionTokens: 100}}, nil
	}}
	var (
		mu     sync.Mutex
		events []reviewer.Progress
	)
	rv := reviewer.New(diffBytes(demoWithEnv(t)), ruleFS{fsys: fstest.MapFS{}, opts: rules.RepoOptions{NoBuiltin: true}},
		reviewer.Options{
			Model: model, Chunk: chunk.Options{MaxChunkTokens: 1950},
			Prices: map[string]reviewer.Price{"m": {Input: 1, Output: 4}},
			Progress: func(p reviewer.Progress) {
				mu.Lock()
				events = append(events, p)
				mu.Unlock()
			},
		}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) < 3 {
		t.Fatalf("%d progress reports, want one at the start and more as chunks go", len(events))
	}
	for i := 1; i < len(events); i++ {
		a, b := events[i-1], events[i]
		if b.Chunks < a.Chunks || b.Sent < a.Sent || b.Answered < a.Answered || b.Cached < a.Cached || b.Failed < a.Failed ||
			b.PromptTokens < a.PromptTokens || b.CostUSD < a.CostUSD {
			t.Errorf("progress went back: %+v then %+v", a, b)
		}
	}
	if first := events[0]; first.Chunks == 0 || first.Sent != 0 {
		t.Errorf("first report %+v, want the planned chunks and nothing sent", first)
	}
	chunks := len(model.prompts)
	cached := 0
	for _, p := range model.prompts {
		if strings.Contains(p.Messages[len(p.Messages)-1].Content, "FILE app/client.py") {
			cached++
		}
	}
	if cached == 0 || cached == chunks {
		t.Fatalf("%d of %d chunks from the cache: the test needs some of each", cached, chunks)
	}
	want := reviewer.Progress{
		Chunks: chunks, Sent: chunks, Answered: chunks - 1, Cached: cached, Failed: 1,
		PromptTokens: res.Usage.PromptTokens, CompletionTokens: res.Usage.CompletionTokens, CostUSD: res.Usage.CostUSD,
	}
	if diff := cmp.Diff(want, events[len(events)-1]); diff != "" {
		t.Errorf("last report (-want +got):\n%s", diff)
	}
	if res.Usage.Answers != chunks-1 || res.Usage.CachedAnswers != cached {
		t.Errorf("usage counts %d answers, %d from the cache; want %d and %d", res.Usage.Answers, res.Usage.CachedAnswers, chunks-1, cached)
	}
	if res.Usage.PromptTokens != 1000*(chunks-1-cached) {
		t.Errorf("usage %d prompt tokens: the cached answers must cost nothing", res.Usage.PromptTokens)
	}
}
