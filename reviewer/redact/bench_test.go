package redact_test

import (
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// BenchmarkFile redacts the 100,000-line generated diff, file by file, as the pipeline does.
//
//	go test -run '^$' -bench . -benchmem ./reviewer/redact/
func BenchmarkFile(b *testing.B) {
	files, err := diff.Parse(difftest.Generate(1000, 100))
	if err != nil {
		b.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		for _, h := range f.Hunks {
			lines += len(h.Lines)
		}
	}
	r := redact.New()
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			r.File(f)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
	b.ReportMetric(float64(lines), "lines")
}
