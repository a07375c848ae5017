//go:build cgo

package treesitter_test

import (
	"bytes"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/scope/treesitter"
)

// BenchmarkEnclosing parses each sample, repeated to about 100 KB (a large source file),
// and finds the scope of a line in its middle: what one hunk of a change costs.
func BenchmarkEnclosing(b *testing.B) {
	for _, name := range []string{"sample.py", "sample.js", "sample.ts", "sample.rs", "Sample.java", "sample.c", "sample.cpp", "sample.rb"} {
		lang, one := readSample(b, name)
		src := bytes.Repeat(one, 100<<10/len(one)+1)
		line := bytes.Count(src, []byte("\n"))/2 + 1
		b.Run(lang, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				treesitter.Enclosing(lang, src, line)
			}
		})
	}
}
