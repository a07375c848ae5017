package reviewer_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
)

// benchInput is a diff the benchmarks review.
type benchInput struct {
	name string
	diff []byte
}

// benchInputs are the diffs of BENCHMARKS.md: go-github v62..v66 (1.7 MB) and a generated
// diff of 100,000 changed lines over 1,000 files.
func benchInputs(b *testing.B) []benchInput {
	b.Helper()
	large, err := os.ReadFile("../testdata/diffs/large-release-v62.0.0-to-v66.0.0.diff")
	if err != nil {
		b.Fatal(err)
	}
	return []benchInput{{"large-1.7MB", large}, {"generated-100k-lines", difftest.Generate(1000, 100)}}
}

// BenchmarkReview times the local pipeline as `reviewer review` runs it with the built-in
// rules: parse, filter, load and match rules, run the pattern rules. Results in
// BENCHMARKS.md.
func BenchmarkReview(b *testing.B) {
	for _, in := range benchInputs(b) {
		b.Run(in.name, func(b *testing.B) {
			rv := reviewer.New(diffBytes(in.diff), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{}, nil)
			b.SetBytes(int64(len(in.diff)))
			b.ReportAllocs()
			var findings int
			for b.Loop() {
				res, err := rv.Review(b.Context(), reviewer.Request{})
				if err != nil {
					b.Fatal(err)
				}
				findings = len(res.Findings)
			}
			b.ReportMetric(float64(findings), "findings")
		})
	}
}

// nopModel answers every prompt at once with no findings, so a benchmark times the
// pipeline itself and not a gateway. It counts what it was sent.
type nopModel struct {
	mu      sync.Mutex
	prompts int
	tokens  int
}

func (m *nopModel) Review(_ context.Context, p reviewer.Prompt) (reviewer.Reply, error) {
	n := 0
	for _, msg := range p.Messages {
		n += chunk.Count(msg.Content)
	}
	m.mu.Lock()
	m.prompts++
	m.tokens += n
	m.mu.Unlock()
	return reviewer.Reply{Requests: 1, Model: "nop", Usage: reviewer.TokenUsage{PromptTokens: n}}, nil
}

// BenchmarkReviewWithModel times the whole pipeline with the model stage on (withhold,
// redact, chunk, render, anchor) against a model that answers at once, and reports what
// the change would cost in requests and tokens: prompt tokens per changed line, and the
// ratio of prompt tokens to the diff's own tokens (the diff is the floor).
func BenchmarkReviewWithModel(b *testing.B) {
	for _, in := range benchInputs(b) {
		b.Run(in.name, func(b *testing.B) {
			files, err := diff.Parse(in.diff)
			if err != nil {
				b.Fatal(err)
			}
			changed := 0
			for _, f := range files {
				changed += f.AddedLines() + f.DeletedLines()
			}
			b.SetBytes(int64(len(in.diff)))
			b.ReportAllocs()
			var m *nopModel
			for b.Loop() {
				m = &nopModel{}
				rv := reviewer.New(diffBytes(in.diff), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{Model: m, Chunk: chunk.Options{MaxTokensPerChange: 1 << 30}}, nil)
				if _, err := rv.Review(b.Context(), reviewer.Request{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(m.prompts), "chunks")
			b.ReportMetric(float64(m.tokens)/float64(changed), "tokens/changed-line")
			b.ReportMetric(float64(m.tokens)/float64(chunk.Count(string(in.diff))), "prompt/diff-tokens")
		})
	}
}
