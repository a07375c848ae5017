//go:build !cgo

package treesitter_test

import (
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/scope/treesitter"
)

// TestNoParser checks the build without cgo: no language is reported, so callers use their
// fallback, and the other functions find nothing.
func TestNoParser(t *testing.T) {
	src := []byte("import os\n\ndef f():\n    return 1\n")
	for _, p := range []string{"a.py", "a.ts", "a.rs", "A.java", "a.c", "a.cpp", "a.rb", "a.js"} {
		if l, ok := treesitter.Lang(p); ok {
			t.Errorf("Lang(%q) = %q without cgo; want no language", p, l)
		}
	}
	if s, e, ok := treesitter.Enclosing("python", src, 4); ok {
		t.Errorf("Enclosing = %d-%d without cgo; want none", s, e)
	}
	if s, e, ok := treesitter.Header("python", src); ok {
		t.Errorf("Header = %d-%d without cgo; want none", s, e)
	}
}
