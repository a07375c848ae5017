package diff_test

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	godiff "github.com/sourcegraph/go-diff/diff"

	"github.com/reviewerbot/reviewer/reviewer/diff"

	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
)

// BenchmarkGoDiff measures go-diff's own parser on BenchmarkParse's inputs: the reason Parse
// hands go-diff each file's header lines and splits hunk bodies itself (see the package doc
// and BENCHMARKS.md). go-diff reads line by line through a bufio.Reader, copies every line
// (ReadBytes) into each hunk's Body, and scans hunk headers with fmt.Sscanf; and its result
// has no line numbers, so Parse would still have to split each Body by the header counts.
func BenchmarkGoDiff(b *testing.B) {
	cases := []struct {
		name string
		data []byte
	}{
		{"large-release", readFixture(b, "large-release-v62.0.0-to-v66.0.0.diff")},
		{"generated-100k-lines-1000-files", difftest.Generate(1000, 100)},
	}
	for _, c := range cases {
		// Everything: headers, hunks and bodies.
		b.Run("ParseMultiFileDiff/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := godiff.ParseMultiFileDiff(c.data); err != nil {
					b.Fatal(err)
				}
			}
		})
		// Only the hunk headers, through one reused buffer, as Parse hands go-diff the file
		// headers.
		var headers []string
		for line := range strings.Lines(string(c.data)) {
			if strings.HasPrefix(line, "@@ ") {
				headers = append(headers, line)
			}
		}
		b.Run("hunk-headers/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			b.ReportAllocs()
			br := bufio.NewReader(strings.NewReader(""))
			for b.Loop() {
				for _, h := range headers {
					br.Reset(strings.NewReader(h))
					if _, err := godiff.NewHunksReader(br).ReadAllHunks(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// TestGoDiffSplitsHunksByHeaders shows why hunk bodies are not go-diff's to read: it ends a
// hunk at the next line that is not hunk-like rather than by the counts in its header, so a
// format-patch signature ("-- " and the git version) becomes a deleted line of the last hunk,
// where Parse, counting, stops before it.
func TestGoDiffSplitsHunksByHeaders(t *testing.T) {
	t.Parallel()
	const patch = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n-- \n2.43.0\n"
	fds, err := godiff.ParseMultiFileDiff([]byte(patch))
	if err != nil || len(fds) != 1 || len(fds[0].Hunks) != 1 {
		t.Fatalf("go-diff: %v, %d files", err, len(fds))
	}
	if body := fds[0].Hunks[0].Body; !bytes.Contains(body, []byte("-- \n")) {
		t.Fatalf("go-diff's body %q no longer holds the signature: reconsider reading hunks with go-diff", body)
	}
	files, err := diff.Parse([]byte(patch))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(files[0].Hunks[0].Lines); n != 2 {
		t.Errorf("Parse read %d lines in the hunk, want 2", n)
	}
}
