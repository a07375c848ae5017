//go:build cgo

package treesitter

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestNoLeak counts tree-sitter's C allocations across every language's Enclosing and
// Header, a parse cut short by the timeout's input and a file over MaxSize: once the idle
// parsers are closed, every block taken must have been given back. A tree, cursor or
// parser left open fails it. It does not run in parallel: the count is process-wide.
func TestNoLeak(t *testing.T) {
	samples := map[string]string{
		"python": "sample.py", "javascript": "sample.js", "typescript": "sample.ts",
		"tsx": "sample.ts", "rust": "sample.rs", "java": "Sample.java", "c": "sample.c",
		"cpp": "sample.cpp", "ruby": "sample.rb",
	}
	drainPools()
	live, stop := countAllocations()
	defer stop()
	for lang, name := range samples {
		src, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for line := range bytes.Count(src, []byte("\n")) + 2 {
			Enclosing(lang, src, line)
		}
		Header(lang, src)
		Enclosing(lang, bytes.Repeat([]byte("[{("), 10_000), 1)
	}
	Enclosing("python", make([]byte, MaxSize+1), 1)
	if n := live(); n <= 0 {
		t.Fatalf("%d blocks live with parsers in the pools: the count does not see tree-sitter's allocations", n)
	}
	drainPools()
	if n := live(); n != 0 {
		t.Errorf("%d blocks of tree-sitter memory still live after every parse and parser was closed", n)
	}
}

// TestParseOnce: asking about many lines of one source parses it once; another source,
// or the same bytes as another language, parses again.
func TestParseOnce(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "sample.py"))
	if err != nil {
		t.Fatal(err)
	}
	parses := func() int {
		last.mu.Lock()
		defer last.mu.Unlock()
		return last.parses
	}
	drainPools()
	before := parses()
	for line := 1; line <= 20; line++ {
		Enclosing("python", src, line)
		Constructor("python", src, line)
	}
	Header("python", bytes.Clone(src))
	if n := parses() - before; n != 1 {
		t.Errorf("%d parses of one source, want 1", n)
	}
	Enclosing("python", append(bytes.Clone(src), "\nx = 1\n"...), 1)
	Enclosing("ruby", src, 1)
	if n := parses() - before; n != 3 {
		t.Errorf("%d parses after another source and another language, want 3", n)
	}
	drainPools()
}
