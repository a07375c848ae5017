package diff_test

import (
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// multiHunk has four hunks: a change with an insertion, a deletion, a pure insertion
// ("-20,0") and a pure deletion ("+30,0"). Old and new line numbers per hunk:
//
//	@@ -2,4 +2,5 @@   old 2..5  -> new 2..6   (old 3 deleted, new 3 and 4 added)
//	@@ -10,3 +11,2 @@ old 10..12 -> new 11..12 (old 11 deleted)
//	@@ -20,0 +21 @@   new 21 added after old 20
//	@@ -30 +30,0 @@   old 30 deleted
const multiHunk = `diff --git a/m.go b/m.go
index 1111111..2222222 100644
--- a/m.go
+++ b/m.go
@@ -2,4 +2,5 @@ func a() {
 l2
-l3
+n3
+n4
 l4
 l5
@@ -10,3 +11,2 @@
 l10
-l11
 l12
@@ -20,0 +21 @@
+n21
@@ -30 +30,0 @@
-l30
`

func parseOne(t *testing.T, in string) *diff.File {
	t.Helper()
	files, err := diff.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Fatalf("Parse = %d files, want 1", len(files))
	}
	return files[0]
}

func TestCommentable(t *testing.T) {
	t.Parallel()
	f := parseOne(t, multiHunk)
	tests := []struct {
		line     int
		new, old bool
	}{
		{line: -1}, {line: 0}, {line: 1},
		{line: 2, new: true, old: true},
		{line: 3, new: true, old: true},
		{line: 4, new: true, old: true},
		{line: 5, new: true, old: true},
		{line: 6, new: true},
		{line: 7},
		{line: 9},
		{line: 10, old: true},
		{line: 11, new: true, old: true},
		{line: 12, new: true, old: true},
		{line: 13},
		{line: 20},
		{line: 21, new: true},
		{line: 22},
		{line: 29},
		{line: 30, old: true},
		{line: 31},
		{line: 1 << 40},
	}
	for _, tt := range tests {
		if got := f.CommentableNew(tt.line); got != tt.new {
			t.Errorf("CommentableNew(%d) = %v, want %v", tt.line, got, tt.new)
		}
		if got := f.CommentableOld(tt.line); got != tt.old {
			t.Errorf("CommentableOld(%d) = %v, want %v", tt.line, got, tt.old)
		}
	}
}

func TestHunkOf(t *testing.T) {
	t.Parallel()
	f := parseOne(t, multiHunk)
	tests := []struct {
		name string
		fn   func(int) (int, bool)
		line int
		want int
		ok   bool
	}{
		{"new 1", f.HunkOfNew, 1, 0, false},
		{"new 2", f.HunkOfNew, 2, 0, true},
		{"new 6", f.HunkOfNew, 6, 0, true},
		{"new 7", f.HunkOfNew, 7, 0, false},
		{"new 11", f.HunkOfNew, 11, 1, true},
		{"new 12", f.HunkOfNew, 12, 1, true},
		{"new 21", f.HunkOfNew, 21, 2, true},
		{"new 30", f.HunkOfNew, 30, 0, false},
		{"new 31", f.HunkOfNew, 31, 0, false},
		{"old 5", f.HunkOfOld, 5, 0, true},
		{"old 6", f.HunkOfOld, 6, 0, false},
		{"old 10", f.HunkOfOld, 10, 1, true},
		{"old 21", f.HunkOfOld, 21, 0, false},
		{"old 30", f.HunkOfOld, 30, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tt.fn(tt.line)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got (%d, %v), want (%d, %v)", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestLineMapping(t *testing.T) {
	t.Parallel()
	f := parseOne(t, multiHunk)
	type mapping struct {
		in, out int
		ok      bool
	}
	oldToNew := []mapping{
		{0, 0, false},
		{1, 1, true},   // before the first hunk
		{2, 2, true},   // context
		{3, 0, false},  // deleted
		{4, 5, true},   // context after two added lines
		{5, 6, true},   // context
		{6, 7, true},   // between hunks: offset +1
		{9, 10, true},  // between hunks
		{10, 11, true}, // context
		{11, 0, false}, // deleted
		{12, 12, true}, // context
		{13, 13, true}, // between hunks: offset 0
		{20, 20, true}, // the line the insertion follows
		{21, 22, true}, // after the insertion
		{29, 30, true},
		{30, 0, false}, // deleted
		{31, 31, true}, // after the deletion
		{1000, 1000, true},
	}
	for _, m := range oldToNew {
		if got, ok := f.OldToNew(m.in); got != m.out || ok != m.ok {
			t.Errorf("OldToNew(%d) = (%d, %v), want (%d, %v)", m.in, got, ok, m.out, m.ok)
		}
	}
	newToOld := []mapping{
		{0, 0, false},
		{1, 1, true},
		{2, 2, true},
		{3, 0, false}, // added
		{4, 0, false}, // added
		{5, 4, true},
		{6, 5, true},
		{7, 6, true},
		{11, 10, true},
		{12, 12, true},
		{21, 0, false}, // added
		{22, 21, true},
		{30, 29, true},
		{31, 31, true},
	}
	for _, m := range newToOld {
		if got, ok := f.NewToOld(m.in); got != m.out || ok != m.ok {
			t.Errorf("NewToOld(%d) = (%d, %v), want (%d, %v)", m.in, got, ok, m.out, m.ok)
		}
	}
	if got := f.AddedLines(); got != 3 {
		t.Errorf("AddedLines() = %d, want 3", got)
	}
	if got := f.DeletedLines(); got != 3 {
		t.Errorf("DeletedLines() = %d, want 3", got)
	}
}
