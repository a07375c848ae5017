package diff_test

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
)

// TestParseMemory bounds what Parse allocates on a large diff: the line arena, plus less
// than half the input's size for everything else (files, hunks, headers). Copying the input
// (a string of it, or go-diff's []byte of each header) or a 4 KiB buffer per file breaks
// the bound; on the largest diffs those were a third of the review's peak memory.
// Not parallel: it reads the process's allocation counter, and parallel tests wait.
func TestParseMemory(t *testing.T) {
	data := difftest.Generate(1000, 100)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	files, err := diff.Parse(data)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		for _, h := range f.Hunks {
			lines += len(h.Lines)
		}
	}
	arena := uint64(lines) * uint64(unsafe.Sizeof(diff.Line{}))
	got, limit := after.TotalAlloc-before.TotalAlloc, arena+uint64(len(data))/2
	if got > limit {
		t.Errorf("Parse of a %d-byte diff (%d lines) allocated %d bytes, want at most %d (line arena %d + half the input)",
			len(data), lines, got, limit, arena)
	}
}

// TestLineSize keeps a Line at five words: the three small fields share one.
func TestLineSize(t *testing.T) {
	if got := unsafe.Sizeof(diff.Line{}); got > 40 {
		t.Errorf("diff.Line is %d bytes, want at most 40", got)
	}
}
