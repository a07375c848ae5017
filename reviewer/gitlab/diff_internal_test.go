package gitlab

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
)

func TestSynthesize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		entry gl.MergeRequestDiff
		want  string // the parsed file as old|new|status|binary|hunks
		gap   bool
	}{
		{"hunks only, no final newline", gl.MergeRequestDiff{OldPath: "a.go", NewPath: "a.go", AMode: "100644", BMode: "100644", Diff: "@@ -1 +1 @@\n-x\n+y"}, "a.go|a.go|modified|false|1", false},
		{"own ---/+++ lines", gl.MergeRequestDiff{OldPath: "a.go", NewPath: "a.go", Diff: "--- a/a.go\n+++ b/a.go\n@@ -1 +1 @@\n-x\n+y\n"}, "a.go|a.go|modified|false|1", false},
		{"unidiff git header", gl.MergeRequestDiff{OldPath: "a.go", NewPath: "a.go", Diff: "diff --git a/a.go b/a.go\nindex 1..2 100644\n--- a/a.go\n+++ b/a.go\n@@ -1 +1 @@\n-x\n+y\n"}, "a.go|a.go|modified|false|1", false},
		{"mode change only", gl.MergeRequestDiff{OldPath: "run.sh", NewPath: "run.sh", AMode: "100644", BMode: "100755"}, "run.sh|run.sh|modified|false|0", false},
		{"new empty file", gl.MergeRequestDiff{OldPath: "e", NewPath: "e", AMode: "0", BMode: "100644", NewFile: true}, "|e|added|false|0", false},
		{"space in path", gl.MergeRequestDiff{OldPath: "my file.txt", NewPath: "my file.txt", Diff: "@@ -1 +1 @@\n-x\n+y\n"}, "my file.txt|my file.txt|modified|false|1", false},
		{"quote and tab in path", gl.MergeRequestDiff{OldPath: "a\"b\tc", NewPath: "a\"b\tc", Diff: "@@ -1 +1 @@\n-x\n+y\n"}, "a\"b\tc|a\"b\tc|modified|false|1", false},
		{"utf-8 path", gl.MergeRequestDiff{OldPath: "日本語.txt", NewPath: "日本語.txt", Diff: "@@ -1 +1 @@\n-x\n+y\n"}, "日本語.txt|日本語.txt|modified|false|1", false},
		{"binary", gl.MergeRequestDiff{OldPath: "i.png", NewPath: "i.png", Diff: "Binary files a/i.png and b/i.png differ\n"}, "i.png|i.png|modified|true|0", false},
		{"renamed with edit", gl.MergeRequestDiff{OldPath: "o.go", NewPath: "n.go", RenamedFile: true, Diff: "@@ -1 +1 @@\n-x\n+y\n"}, "o.go|n.go|renamed|false|1", false},
		{"no newline at end", gl.MergeRequestDiff{OldPath: "a", NewPath: "a", Diff: "@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n"}, "a|a|modified|false|1", false},
		{"too large", gl.MergeRequestDiff{OldPath: "big", NewPath: "big", TooLarge: true}, "", true},
		{"collapsed deleted", gl.MergeRequestDiff{OldPath: "gone", NewPath: "gone", DeletedFile: true, Collapsed: true}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, gaps := synthesize([]*gl.MergeRequestDiff{&tt.entry})
			if tt.gap {
				if len(out) != 0 || len(gaps) != 1 || gaps[0].Outcome != reviewer.OutcomeSkipped {
					t.Errorf("out %q gaps %v, want one skipped gap and no diff", out, gaps)
				}
				return
			}
			files, err := diff.Parse(out)
			if err != nil {
				t.Fatalf("diff.Parse: %v\n%s", err, out)
			}
			if len(files) != 1 {
				t.Fatalf("%d files from\n%s", len(files), out)
			}
			f := files[0]
			got := f.OldPath + "|" + f.NewPath + "|" + f.Status.String() + "|" + boolString(f.Binary) + "|" + strconv.Itoa(len(f.Hunks))
			if got != tt.want {
				t.Errorf("parsed %s, want %s, from\n%s", got, tt.want, out)
			}
		})
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestLocateAndLineCode(t *testing.T) {
	t.Parallel()
	// Two hunks: the second starts after one line was removed and two added above it.
	files, err := diff.Parse([]byte("diff --git a/p.go b/p.go\n--- a/p.go\n+++ b/p.go\n" +
		"@@ -1,3 +1,4 @@\n a\n-b\n+B\n+C\n c\n" +
		"@@ -10,2 +11,2 @@\n j\n-k\n+K\n"))
	if err != nil {
		t.Fatal(err)
	}
	f := files[0]
	const sha = "53df1a8715a76db56bffadd0e871823da09c34b7" // sha1("p.go")
	tests := []struct {
		side reviewer.Side
		n    int
		ok   bool
		code string
		old  int
		new  int
	}{
		{reviewer.SideNew, 1, true, sha + "_1_1", 1, 1},
		{reviewer.SideOld, 2, true, sha + "_2_2", 2, 0}, // removed: its new counter is where it would be
		{reviewer.SideNew, 2, true, sha + "_3_2", 0, 2}, // added: its old counter is the next old line
		{reviewer.SideNew, 3, true, sha + "_3_3", 0, 3},
		{reviewer.SideNew, 4, true, sha + "_3_4", 3, 4}, // context: both, and they differ
		{reviewer.SideOld, 3, true, sha + "_3_4", 3, 4},
		{reviewer.SideNew, 11, true, sha + "_10_11", 10, 11},
		{reviewer.SideOld, 11, true, sha + "_11_12", 11, 0},
		{reviewer.SideNew, 12, true, sha + "_12_12", 0, 12},
		{reviewer.SideNew, 7, false, "", 0, 0}, // between hunks
		{reviewer.SideNew, 0, false, "", 0, 0},
	}
	for _, tt := range tests {
		l, ok := locate(f, tt.side, tt.n)
		if ok != tt.ok {
			t.Errorf("locate(%s %d) ok = %v", tt.side, tt.n, ok)
			continue
		}
		if !ok {
			continue
		}
		got := []any{lineCode("p.go", l), l.old, l.new}
		if d := cmp.Diff([]any{tt.code, tt.old, tt.new}, got); d != "" {
			t.Errorf("locate(%s %d) (-want +got):\n%s", tt.side, tt.n, d)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	s := truncate("ééééé", 6)
	if len(s) > 6 || s != "é…" {
		t.Errorf("truncate = %q", s)
	}
	if truncate("short", 10) != "short" {
		t.Error("short string changed")
	}
}
