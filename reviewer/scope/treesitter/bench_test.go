//go:build cgo && unix

package treesitter_test

import (
	"bytes"
	"syscall"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/scope/treesitter"
)

// BenchmarkEnclosing parses each sample, repeated to about 100 KB (a large source file),
// and finds the scope of a line in its middle: what one hunk of a change costs. Besides
// the wall time it reports the process's CPU time per operation (cpu-ns/op), which a
// machine shared with other work disturbs less.
func BenchmarkEnclosing(b *testing.B) {
	for _, name := range []string{"sample.py", "sample.js", "sample.ts", "sample.rs", "Sample.java", "sample.c", "sample.cpp", "sample.rb"} {
		lang, one := readSample(b, name)
		src := bytes.Repeat(one, 100<<10/len(one)+1)
		line := bytes.Count(src, []byte("\n"))/2 + 1
		b.Run(lang, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			start := cpuTime(b)
			for b.Loop() {
				if _, _, ok := treesitter.Enclosing(lang, src, line); !ok {
					b.Fatalf("no scope at line %d", line)
				}
			}
			b.ReportMetric(float64(cpuTime(b)-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
