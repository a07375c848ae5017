package diff_test

import (
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
)

// TestParseGenerated checks the benchmark's generated diff parses to exactly what was generated.
func TestParseGenerated(t *testing.T) {
	t.Parallel()
	files, err := diff.Parse(difftest.Generate(1000, 100))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1000 {
		t.Fatalf("got %d files, want 1000", len(files))
	}
	changed := 0
	for _, f := range files {
		checkFile(t, f)
		changed += f.AddedLines() + f.DeletedLines()
	}
	if changed != 100_000 {
		t.Errorf("got %d changed lines, want 100000", changed)
	}
}

func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name string
		data []byte
	}{
		{"large-release", readFixture(b, "large-release-v62.0.0-to-v66.0.0.diff")},
		{"generated-100k-lines-1000-files", difftest.Generate(1000, 100)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := diff.Parse(c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
