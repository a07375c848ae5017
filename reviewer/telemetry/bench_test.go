package telemetry_test

import (
	"context"
	"os"
	"testing"
	"testing/fstest"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/telemetry"
	"github.com/reviewerbot/reviewer/rules"
)

type benchDiff []byte

func (d benchDiff) Diff(context.Context, reviewer.Change) ([]byte, error) { return d, nil }

type noRules struct{}

func (noRules) Rules(context.Context, reviewer.Change) (*rules.Set, error) {
	return rules.LoadRepo(fstest.MapFS{}, rules.RepoOptions{})
}

// quietModel answers every prompt at once with nothing found.
type quietModel struct{}

func (quietModel) Review(context.Context, reviewer.Prompt) (reviewer.Reply, error) {
	return reviewer.Reply{Model: "m", Requests: 1, Usage: reviewer.TokenUsage{PromptTokens: 100}}, nil
}

// BenchmarkReviewTracing times the pipeline with the model stage (a model that answers
// at once) on the 1.7 MB go-github diff: untraced (no tracer, as without
// telemetry.traces.endpoint), with a tracer whose sampler drops every trace, and with
// every span recorded and handed to an exporter that drops it. Results in BENCHMARKS.md.
func BenchmarkReviewTracing(b *testing.B) {
	raw, err := os.ReadFile("../../testdata/diffs/large-release-v62.0.0-to-v66.0.0.diff")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		tracer *telemetry.Tracer
	}{
		{"off", nil},
		{"unsampled", telemetry.NewWithProcessor(telemetry.Options{SampleRatio: 0}, sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter()))},
		{"recorded", telemetry.NewWithProcessor(telemetry.Options{SampleRatio: 1}, sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter()))},
	} {
		b.Run(c.name, func(b *testing.B) {
			opts := reviewer.Options{Model: quietModel{}, Chunk: chunk.Options{MaxTokensPerChange: 1 << 30}}
			if c.tracer != nil {
				opts.Tracer = c.tracer
			}
			rv := reviewer.New(benchDiff(raw), noRules{}, opts, nil)
			// The first review compiles the masker and the prompts: not what is timed.
			if _, err := rv.Review(b.Context(), reviewer.Request{}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				ctx, root := c.tracer.Start(b.Context(), "review")
				_, err := rv.Review(ctx, reviewer.Request{})
				root.End(err)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
