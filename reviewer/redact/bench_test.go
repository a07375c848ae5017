package redact_test

import (
	"os"
	"path/filepath"
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

// BenchmarkFixtures redacts every fixture diff of testdata/diffs (real code: go-github
// v62..v66 and the parser's edge cases) and reports how many lines got a mask: the false
// positives on ordinary code, since none of these diffs holds a live secret.
//
//	go test -run '^$' -bench BenchmarkFixtures -benchtime 1x ./reviewer/redact/
func BenchmarkFixtures(b *testing.B) {
	paths, err := filepath.Glob("../../testdata/diffs/*.diff")
	if err != nil || len(paths) == 0 {
		b.Fatalf("no fixture diffs: %v", err)
	}
	var files []*diff.File
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		fs, err := diff.Parse(raw)
		if err != nil {
			b.Fatalf("%s: %v", p, err)
		}
		files = append(files, fs...)
	}
	lines := 0
	for _, f := range files {
		for _, h := range f.Hunks {
			lines += len(h.Lines) + 1
		}
	}
	r := redact.New()
	masked := map[[3]int]bool{}
	b.ResetTimer()
	for b.Loop() {
		clear(masked)
		for fi, f := range files {
			_, secrets := r.File(f)
			for _, s := range secrets {
				masked[[3]int{fi, s.Hunk, s.Index}] = true
			}
		}
	}
	b.ReportMetric(float64(len(masked)), "masked-lines")
	b.ReportMetric(float64(lines), "lines")
}
