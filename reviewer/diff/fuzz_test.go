package diff_test

import (
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

func FuzzParse(f *testing.F) {
	for _, rel := range fixtures(f) {
		data := readFixture(f, rel)
		if len(data) > 64<<10 {
			continue // the fuzzer mutates small inputs better; large ones are in the goldens
		}
		f.Add(data)
	}
	f.Add([]byte(multiHunk))
	f.Add([]byte(series))
	f.Add([]byte(typeChange))
	f.Add([]byte("diff -r 6e2f6a3cd6e1 x\n--- a/x\tThu Jan 01 00:00:00 1970 +0000\n+++ b/x\tThu Jan 01 00:00:00 1970 +0000\n@@ -1 +1 @@\n-a\n+b\n"))
	f.Add([]byte("Index: x\n====\n--- x\t(nonexistent)\n+++ x\t(working copy)\n@@ -0,0 +1 @@\n+b\n"))
	f.Add([]byte("diff --git i/x w/x\nindex 1..2 100644\n--- i/x\n+++ w/x\n@@ -1 +1 @@\n-a\n+b\n"))
	f.Add([]byte("diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\r\n\\ No newline at end of file\n+b\r\n-- \n2.43.0\n"))
	// Input that is not a diff, and diffs cut inside their headers.
	f.Add([]byte("# My project\n\nText.\n"))
	f.Add([]byte("\x1b[1mdiff --git a/x b/x\x1b[m\n\x1b[1m--- a/x\x1b[m\n"))
	f.Add([]byte("\xef\xbb\xbfdiff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ "))
	f.Add([]byte("--- x.orig\n+++ x\n"))
	f.Add([]byte("diff --cc x\nindex 1,2..3\n--- a/x\n+++ b/x\n@@@ -1,1 -1,1 +1,1 @@@\n- a\n +b\n++c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := diff.Parse(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse diff: line ") {
				t.Fatalf("error %q does not name a line", err)
			}
			return
		}
		for _, f := range files {
			checkFile(t, f)
		}
	})
}

// checkFile checks the invariants of a parsed file: line numbers follow the hunk headers,
// counts match, content is one line, and the lookups agree with the lines.
func checkFile(t *testing.T, f *diff.File) {
	t.Helper()
	if f.OldPath == "" && f.NewPath == "" {
		t.Fatalf("file with no path: %+v", f)
	}
	for hi, h := range f.Hunks {
		oldNo, newNo := h.OldStart, h.NewStart
		oldN, newN := 0, 0
		for _, l := range h.Lines {
			if strings.Contains(l.Content, "\n") {
				t.Fatalf("content %q holds a newline", l.Content)
			}
			switch l.Kind {
			case diff.Context:
				if l.OldLine != oldNo || l.NewLine != newNo {
					t.Fatalf("context line %d/%d, want %d/%d", l.OldLine, l.NewLine, oldNo, newNo)
				}
				oldNo++
				newNo++
				oldN++
				newN++
			case diff.Deleted:
				if l.OldLine != oldNo || l.NewLine != 0 {
					t.Fatalf("deleted line %d/%d, want %d/0", l.OldLine, l.NewLine, oldNo)
				}
				oldNo++
				oldN++
			case diff.Added:
				if l.OldLine != 0 || l.NewLine != newNo {
					t.Fatalf("added line %d/%d, want 0/%d", l.OldLine, l.NewLine, newNo)
				}
				newNo++
				newN++
			}
			if l.Kind != diff.Deleted {
				if i, ok := f.HunkOfNew(l.NewLine); !ok || i != hi {
					t.Fatalf("HunkOfNew(%d) = %d, %v; want %d", l.NewLine, i, ok, hi)
				}
			}
			if l.Kind != diff.Added && !f.CommentableOld(l.OldLine) {
				t.Fatalf("CommentableOld(%d) = false", l.OldLine)
			}
			if l.Kind == diff.Context {
				if n, ok := f.OldToNew(l.OldLine); !ok || n != l.NewLine {
					t.Fatalf("OldToNew(%d) = %d, %v; want %d", l.OldLine, n, ok, l.NewLine)
				}
				if o, ok := f.NewToOld(l.NewLine); !ok || o != l.OldLine {
					t.Fatalf("NewToOld(%d) = %d, %v; want %d", l.NewLine, o, ok, l.OldLine)
				}
			}
		}
		if oldN != h.OldLines || newN != h.NewLines {
			t.Fatalf("hunk -%d,%d +%d,%d holds %d old and %d new lines", h.OldStart, h.OldLines, h.NewStart, h.NewLines, oldN, newN)
		}
	}
	// Lines outside every hunk map both ways and back.
	for _, line := range []int{1, 2, 50, 1000} {
		if f.CommentableOld(line) {
			continue
		}
		n, ok := f.OldToNew(line)
		if !ok {
			t.Fatalf("OldToNew(%d) outside hunks = false", line)
		}
		if o, ok := f.NewToOld(n); !ok || o != line {
			t.Fatalf("NewToOld(OldToNew(%d) = %d) = %d, %v", line, n, o, ok)
		}
	}
}
