package reviewer_test

import (
	"os"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
)

// BenchmarkReview times the local pipeline as `reviewer review` runs it with the built-in
// rules: parse, filter, load and match rules, run the pattern rules. Results in
// BENCHMARKS.md.
func BenchmarkReview(b *testing.B) {
	large, err := os.ReadFile("../testdata/diffs/large-release-v62.0.0-to-v66.0.0.diff")
	if err != nil {
		b.Fatal(err)
	}
	inputs := []struct {
		name string
		diff []byte
	}{
		{"large-1.7MB", large},
		{"generated-100k-lines", difftest.Generate(1000, 100)},
	}
	for _, in := range inputs {
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
