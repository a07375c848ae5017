//go:build cgo

package treesitter_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/scope/treesitter"
)

var langs = []string{"python", "javascript", "typescript", "tsx", "rust", "java", "c", "cpp", "ruby"}

// big repeats a sample until it passes size, and returns it with the number of lines one
// copy adds.
func big(t testing.TB, name string, size int) (string, []byte, int) {
	t.Helper()
	lang, one := readSample(t, name)
	var b bytes.Buffer
	for b.Len() < size {
		b.Write(one)
	}
	return lang, b.Bytes(), bytes.Count(one, []byte("\n"))
}

// TestEnclosingLargeFile checks that a megabyte of code parses and that the scope found
// in its last copy of the sample is the one found in the first, shifted.
// It does not run in parallel: the parse has a wall-clock timeout, and the hostile inputs
// of the other tests would eat its time.
func TestEnclosingLargeFile(t *testing.T) {
	for _, name := range []string{"sample.py", "sample.ts", "sample.rs", "sample.cpp"} {
		lang, src, per := big(t, name, 1<<20)
		copies := bytes.Count(src, []byte("\n")) / per
		line := 22 // inside a function in every one of these samples
		s, e, ok := treesitter.Enclosing(lang, src, line)
		shift := (copies - 1) * per
		sl, el, okl := treesitter.Enclosing(lang, src, line+shift)
		if !ok || !okl || sl != s+shift || el != e+shift {
			t.Errorf("%s ×%d: line %d in %d-%d (%v), line %d in %d-%d (%v); want the same span shifted by %d",
				name, copies, line, s, e, ok, line+shift, sl, el, okl, shift)
		}
	}
}

// TestHostileInput feeds every parser what a change may hold: deep nesting, bytes that are
// not UTF-8, another language, a file over MaxSize. Each must return, with or without a
// span, and never crash.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	_, py := readSample(t, "sample.py")
	_, rs := readSample(t, "sample.rs")
	inputs := map[string][]byte{
		"nested parens":   bytes.Repeat([]byte("("), 128<<10),
		"nested brackets": bytes.Repeat([]byte("[{("), 40_000),
		"nested blocks":   bytes.Repeat([]byte("def f():\n if x:\n  {\n"), 5_000),
		"invalid utf-8":   bytes.Repeat([]byte("\xff\xfe\xc3\x28 def \xe2\x82( {\n"), 4096),
		"nul bytes":       make([]byte, 64<<10),
		"python":          py,
		"rust":            rs,
		"one long line":   bytes.Repeat([]byte("a+"), 64<<10),
	}
	for name, src := range inputs {
		for _, lang := range langs {
			t.Run(name+"/"+lang, func(t *testing.T) {
				t.Parallel()
				lines := bytes.Count(src, []byte("\n")) + 1
				line := lines/2 + 1
				if s, e, ok := treesitter.Enclosing(lang, src, line); ok && (s < 1 || s > line || e < line || e > lines) {
					t.Errorf("Enclosing(line %d) = %d-%d: not a span of the file's %d lines around it", line, s, e, lines)
				}
				if s, e, ok := treesitter.Header(lang, src); ok && (s < 1 || e < s || e > lines) {
					t.Errorf("Header = %d-%d: not a span of the file's %d lines", s, e, lines)
				}
			})
		}
	}
	huge := bytes.Repeat([]byte("x = 1\n"), treesitter.MaxSize/6+1)
	if _, _, ok := treesitter.Enclosing("python", huge, 1); ok {
		t.Errorf("Enclosing parsed a file of %d bytes, over MaxSize", len(huge))
	}
}

// TestConcurrent runs many parses at once, across languages, against the same answers:
// the parser pool must hand each parser to one goroutine at a time (go test -race).
func TestConcurrent(t *testing.T) {
	t.Parallel()
	lang, src := readSample(t, "sample.py")
	jsLang, js := readSample(t, "sample.js")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			l, s, line, want := lang, src, 27, [2]int{26, 28}
			if i%2 == 1 {
				l, s, line, want = jsLang, js, 10, [2]int{9, 12}
			}
			st, en, ok := treesitter.Enclosing(l, s, line)
			if !ok || [2]int{st, en} != want {
				errs <- fmt.Errorf("%s line %d: %d-%d %v, want %v", l, line, st, en, ok, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func FuzzEnclosing(f *testing.F) {
	for _, name := range []string{"sample.py", "sample.ts", "sample.rs", "Sample.java", "sample.c", "sample.cpp", "sample.rb"} {
		_, src := readSample(f, name)
		f.Add(src, 5, uint8(0))
	}
	f.Add([]byte("((((\xff{{[[\n"), 1, uint8(3))
	f.Fuzz(func(t *testing.T, src []byte, line int, li uint8) {
		lang := langs[int(li)%len(langs)]
		lines := bytes.Count(src, []byte("\n")) + 1
		if s, e, ok := treesitter.Enclosing(lang, src, line); ok && (s < 1 || s > line || e < line || e > lines) {
			t.Errorf("Enclosing(%s, line %d) = %d-%d: not a span around the line in %d lines", lang, line, s, e, lines)
		}
		if s, e, ok := treesitter.Header(lang, src); ok && (s < 1 || e < s || e > lines) {
			t.Errorf("Header(%s) = %d-%d: not a span of %d lines", lang, s, e, lines)
		}
	})
}
