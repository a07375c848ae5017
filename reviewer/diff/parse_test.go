package diff_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// fixtureDir holds the module's shared diff fixtures (see testdata/README.md).
const fixtureDir = "../../testdata/diffs"

// fixtures returns the paths, relative to fixtureDir, of every fixture diff.
func fixtures(t testing.TB) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(fixtureDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || (!strings.HasSuffix(path, ".diff") && !strings.HasSuffix(path, ".patch")) {
			return nil
		}
		rel, err := filepath.Rel(fixtureDir, path)
		if err != nil {
			return err
		}
		paths = append(paths, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no fixtures found")
	}
	return paths
}

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// render writes the parsed model in a stable text form, one line per file, hunk and line.
func render(files []*diff.File, err error) []byte {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		return []byte(b.String())
	}
	fmt.Fprintf(&b, "%d files\n", len(files))
	for _, f := range files {
		fmt.Fprintf(&b, "file %s old=%q new=%q", f.Status, f.OldPath, f.NewPath)
		if f.OldMode != "" || f.NewMode != "" {
			fmt.Fprintf(&b, " mode=%s->%s", or(f.OldMode, "-"), or(f.NewMode, "-"))
		}
		if f.Similarity != 0 {
			fmt.Fprintf(&b, " similarity=%d%%", f.Similarity)
		}
		if f.Binary {
			b.WriteString(" binary")
		}
		if f.Submodule {
			b.WriteString(" submodule")
		}
		fmt.Fprintf(&b, " +%d -%d\n", f.AddedLines(), f.DeletedLines())
		for _, h := range f.Hunks {
			fmt.Fprintf(&b, "  hunk -%d,%d +%d,%d section=%q\n", h.OldStart, h.OldLines, h.NewStart, h.NewLines, h.Section)
			for _, l := range h.Lines {
				fmt.Fprintf(&b, "    %-7s %5s %5s %q", l.Kind, num(l.OldLine), num(l.NewLine), l.Content)
				if l.CRLF {
					b.WriteString(" crlf")
				}
				if l.NoNewline {
					b.WriteString(" no-newline")
				}
				b.WriteByte('\n')
			}
		}
	}
	return []byte(b.String())
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func num(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func TestParseGolden(t *testing.T) {
	t.Parallel()
	for _, rel := range fixtures(t) {
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse(readFixture(t, rel))
			golden.Check(t, filepath.Join("testdata", "golden", filepath.FromSlash(rel)+".golden"), render(files, err))
		})
	}
}

// TestParseFixturesSucceed lists the fixtures that must not parse, so that a regression that
// turns a good fixture into an error cannot hide in a golden file.
func TestParseFixturesSucceed(t *testing.T) {
	t.Parallel()
	const (
		// The file holds bare hunks with no file header, so there is no path to attach
		// them to; git apply rejects them too ("patch fragment without header").
		bareHunks = "bare hunks"
		// go-diff's hand-made fixture cuts hunk bodies short of the counts in their
		// headers (go-diff does not check counts; git apply says "corrupt patch").
		shortHunk = "hunk shorter than its header"
		// go-diff's hand-made fixture has "@@ -2,3 +3,4 @@" as the first hunk: one unchanged
		// line before it in the old file but two in the new, which no real diff can have.
		badFirstHunk = "first hunk offsets disagree"
		// go-diff's hand-made fixtures name one path in several files: the same deletion
		// three times, or logo-old.png deleted, modified and renamed onto, as several
		// commits' diffs run together would. One git diff never does that.
		repeatedPath = "a path changed more than once"
		// diff -r without -N lists files that only one side has ("Only in dir: name") and
		// shows no lines of them: nothing in the file is a diff.
		onlyIn = "no diff, only diff -r's list of files on one side"
	)
	wantErr := map[string]string{
		"sourcegraph-go-diff/empty_new.diff":                                   bareHunks,
		"sourcegraph-go-diff/empty_orig.diff":                                  bareHunks,
		"sourcegraph-go-diff/no_newline_both.diff":                             bareHunks,
		"sourcegraph-go-diff/no_newline_both2.diff":                            bareHunks,
		"sourcegraph-go-diff/no_newline_new.diff":                              bareHunks,
		"sourcegraph-go-diff/no_newline_orig.diff":                             bareHunks,
		"sourcegraph-go-diff/oneline_hunk.diff":                                bareHunks,
		"sourcegraph-go-diff/sample_bad_hunks.diff":                            bareHunks,
		"sourcegraph-go-diff/sample_hunk.diff":                                 bareHunks,
		"sourcegraph-go-diff/sample_hunk_lines_start_with_minuses.diff":        bareHunks,
		"sourcegraph-go-diff/sample_hunk_lines_start_with_minuses_pluses.diff": bareHunks,
		"sourcegraph-go-diff/sample_hunks.diff":                                bareHunks,
		"sourcegraph-go-diff/sample_hunks_no_newline.diff":                     bareHunks,
		"sourcegraph-go-diff/sample_no_chunksize.diff":                         bareHunks,
		"sourcegraph-go-diff/sample_multi_file.diff":                           shortHunk,
		"sourcegraph-go-diff/sample_multi_file_deleted.diff":                   shortHunk,
		"sourcegraph-go-diff/sample_multi_file_new.diff":                       shortHunk,
		"sourcegraph-go-diff/sample_multi_file_new_win.diff":                   shortHunk,
		"sourcegraph-go-diff/sample_multi_file_single.diff":                    shortHunk,
		"sourcegraph-go-diff/sample_multi_file_single_apple_in.diff":           shortHunk,
		"sourcegraph-go-diff/sample_multi_file_single_apple_out.diff":          shortHunk,
		"sourcegraph-go-diff/sample_contains_added_deleted_files.diff":         badFirstHunk,
		"sourcegraph-go-diff/sample_onlyin_line_isnt_a_file_header.diff":       badFirstHunk,
		"sourcegraph-go-diff/delete_empty_file.diff":                           repeatedPath,
		"sourcegraph-go-diff/sample_binary_inline.diff":                        repeatedPath,
		"sourcegraph-go-diff/sample_onlyin_complex_filenames.diff":             onlyIn,
		"sourcegraph-go-diff/sample_contains_only_added_deleted_files.diff":    onlyIn,
	}
	for _, rel := range fixtures(t) {
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			_, err := diff.Parse(readFixture(t, rel))
			var pe *diff.ParseError
			why := wantErr[rel]
			switch {
			case why != "" && err == nil:
				t.Errorf("Parse succeeded, want an error (%s)", why)
			case why != "" && !errors.As(err, &pe):
				t.Errorf("Parse error %v is not a *diff.ParseError", err)
			case why == "" && err != nil:
				t.Errorf("Parse: %v", err)
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "\n", " \r\n\t\n", "\xef\xbb\xbf", "From 123 Mon Sep 17 00:00:00 2001\nSubject: x\n\n---\n"} {
		files, err := diff.Parse([]byte(in))
		if err != nil || len(files) != 0 {
			t.Errorf("Parse(%q) = %d files, %v; want 0 files, nil", in, len(files), err)
		}
	}
}

func TestParseFormatPatchSignature(t *testing.T) {
	t.Parallel()
	in := "From 1234 Mon Sep 17 00:00:00 2001\n" +
		"Subject: [PATCH] x\n\n---\n a.go | 2 +-\n\n" +
		"diff --git a/a.go b/a.go\nindex 1..2 100644\n--- a/a.go\n+++ b/a.go\n" +
		"@@ -1,2 +1,2 @@\n a\n-b\n+c\n" +
		"-- \n2.43.0\n\n"
	files, err := diff.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []*diff.File{{
		OldPath: "a.go", NewPath: "a.go", OldMode: "100644", NewMode: "100644",
		Hunks: []diff.Hunk{{OldStart: 1, OldLines: 2, NewStart: 1, NewLines: 2, Lines: []diff.Line{
			{Kind: diff.Context, OldLine: 1, NewLine: 1, Content: "a"},
			{Kind: diff.Deleted, OldLine: 2, Content: "b"},
			{Kind: diff.Added, NewLine: 2, Content: "c"},
		}}},
	}}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	const head = "diff --git a/pkg/a.go b/pkg/a.go\nindex 1..2 100644\n--- a/pkg/a.go\n+++ b/pkg/a.go\n"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "malformed hunk header",
			in:   head + "@@ -1,3 +x @@\n a\n",
			want: `parse diff: line 5 (file "pkg/a.go"): hunk header "@@ -1,3 +x @@": new range: want a number`,
		},
		{
			name: "hunk header without closing @@",
			in:   head + "@@ -1,3 +1,3\n a\n",
			want: `parse diff: line 5 (file "pkg/a.go"): hunk header "@@ -1,3 +1,3": want " @@" after the new range`,
		},
		{
			name: "too few lines before the next file",
			in:   head + "@@ -1,3 +1,3 @@\n a\n b\ndiff --git a/b.go b/b.go\n",
			want: `parse diff: line 8 (file "pkg/a.go"): hunk @@ -1,3 +1,3 @@ has too few lines: 1 old and 1 new lines missing before "diff --git a/b.go b/b.go"`,
		},
		{
			name: "too few lines at end of input",
			in:   head + "@@ -1,3 +1,3 @@\n a\n b\n",
			want: `parse diff: line 7 (file "pkg/a.go"): hunk @@ -1,3 +1,3 @@ ends early: 1 old and 1 new lines missing at end of input`,
		},
		{
			name: "too many added lines",
			in:   head + "@@ -1 +1 @@\n-a\n+b\n+c\n",
			want: `parse diff: line 8 (file "pkg/a.go"): hunk @@ -1,1 +1,1 @@ has more lines than its header says`,
		},
		{
			name: "too many deleted lines inside the counts",
			in:   head + "@@ -1 +1,2 @@\n-a\n-b\n+c\n",
			want: `parse diff: line 7 (file "pkg/a.go"): hunk @@ -1 +1,2 @@ has more deleted lines than its header says`,
		},
		{
			name: "overlapping hunks",
			in:   head + "@@ -1,2 +1,2 @@\n a\n b\n@@ -2 +2 @@\n b\n",
			want: `parse diff: line 8 (file "pkg/a.go"): hunk header "@@ -2 +2 @@": overlaps the previous hunk or comes before it`,
		},
		{
			name: "inconsistent gap",
			in:   head + "@@ -1 +1 @@\n a\n@@ -5 +6 @@\n b\n",
			want: `parse diff: line 7 (file "pkg/a.go"): hunk header "@@ -5 +6 @@": 3 unchanged lines after the previous hunk in the old file but 4 in the new`,
		},
		{
			name: "hunk without file header",
			in:   "garbage\n@@ -1 +1 @@\n-a\n+b\n",
			want: `parse diff: line 2: hunk header "@@ -1 +1 @@" without a file header`,
		},
		{
			name: "minus line without plus line",
			in:   "diff --git a/x b/x\n--- a/x\nnot a header\n",
			want: `parse diff: line 3 (file "x"): file header "--- a/x" is not followed by a +++ line`,
		},
		{
			name: "no-newline marker first",
			in:   head + "@@ -1 +1 @@\n\\ No newline at end of file\n a\n",
			want: `parse diff: line 6 (file "pkg/a.go"): hunk @@ -1 +1 @@: "\\ No newline at end of file" before any line`,
		},
		{
			name: "garbage in the hunk",
			in:   head + "@@ -1,2 +1,2 @@\n a\n*garbage\n",
			want: `parse diff: line 7 (file "pkg/a.go"): hunk @@ -1,2 +1,2 @@ has too few lines: 1 old and 1 new lines missing before "*garbage"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse = %d files, nil error; want error %q", len(files), tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			var pe *diff.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not a *diff.ParseError", err)
			}
		})
	}
}

// series is git format-patch --stdout main~2..main where both commits change app/x.py.
const series = `From 8b50b124d0cb5ea83bb6ad58d87ce9a895e4878b Mon Sep 17 00:00:00 2001
From: n <a@b>
Date: Sat, 28 Nov 2026 04:27:21 +0000
Subject: [PATCH 1/2] one

---
 app/x.py | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/app/x.py b/app/x.py
index 01e79c3..10c8337 100644
--- a/app/x.py
+++ b/app/x.py
@@ -1,3 +1,3 @@
 1
-2
+2a
 3
-- 
2.39.5


From 45156bc7ab5179ba0ea3bbcba9c951ab60f8b954 Mon Sep 17 00:00:00 2001
From: n <a@b>
Date: Sat, 28 Nov 2026 04:27:21 +0000
Subject: [PATCH 2/2] two

---
 app/x.py | 1 +
 app/y.py | 1 +
 2 files changed, 2 insertions(+)
 create mode 100644 app/y.py

diff --git a/app/y.py b/app/y.py
new file mode 100644
index 0000000..975fbec
--- /dev/null
+++ b/app/y.py
@@ -0,0 +1 @@
+y
diff --git a/app/x.py b/app/x.py
index 10c8337..720c3eb 100644
--- a/app/x.py
+++ b/app/x.py
@@ -1,3 +1,4 @@
+0
 1
 2a
 3
-- 
2.39.5

`

// typeChange is what git diff writes when src/c.go, a regular file, becomes a submodule: the
// deletion of the path, then its addition.
const typeChange = `diff --git a/src/c.go b/src/c.go
deleted file mode 100644
index d92818a..0000000
--- a/src/c.go
+++ /dev/null
@@ -1,2 +0,0 @@
-100
-101
diff --git a/src/c.go b/src/c.go
new file mode 160000
index 0000000..1234567
--- /dev/null
+++ b/src/c.go
@@ -0,0 +1 @@
+Subproject commit 1234567890123456789012345678901234567890
`

func TestParseRepeatedPath(t *testing.T) {
	t.Parallel()
	const modX = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"
	const delX = "diff --git a/x b/x\ndeleted file mode 100644\nindex 2..0\n--- a/x\n+++ /dev/null\n@@ -1 +0,0 @@\n-b\n"
	const addX = "diff --git a/x b/x\nnew file mode 120000\nindex 0..3\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+c\n"
	const patchBreak = "-- \n2.43.0\n\nFrom 1234 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 2/2] x\n\n---\n"
	const suffix = " is changed by several patches of a series; review the combined diff (git diff BASE..HEAD) instead"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "format-patch series",
			in:   series,
			want: `parse diff: line 41: "app/x.py"` + suffix,
		},
		{
			name: "diffs run together",
			in:   modX + modX,
			want: `parse diff: line 8: "x"` + suffix,
		},
		{
			name: "modified then deleted",
			in:   modX + patchBreak + delX,
			want: `parse diff: line 15: "x"` + suffix,
		},
		{
			name: "deleted then added in the next patch",
			in:   delX + patchBreak + addX,
			want: `parse diff: line 15: "x"` + suffix,
		},
		{
			name: "deleted then added with the same file type",
			in:   delX + strings.Replace(addX, "120000", "100644", 1),
			want: `parse diff: line 8: "x"` + suffix,
		},
		{
			name: "type change then changed again",
			in:   delX + addX + patchBreak + modX,
			want: `parse diff: line 22: "x"` + suffix,
		},
		{
			name: "renamed onto a path changed before",
			in:   modX + "diff --git a/y b/x\nsimilarity index 100%\nrename from y\nrename to x\n",
			want: `parse diff: line 8: "x"` + suffix,
		},
		{
			name: "plain unified diffs",
			in:   "--- x.orig\n+++ x\n@@ -1 +1 @@\n-a\n+b\n--- x.orig\n+++ x\n@@ -1 +1 @@\n-b\n+c\n",
			want: `parse diff: line 6: "x"` + suffix,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse = %d files, nil error; want error %q", len(files), tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			var pe *diff.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not a *diff.ParseError", err)
			}
		})
	}
}

// TestParseDistinctPaths checks that what one git diff can hold is not taken for a series.
func TestParseDistinctPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "renamed away and a new file in its place",
			in: "diff --git a/src/a.go b/src/b.go\nsimilarity index 100%\nrename from src/a.go\nrename to src/b.go\n" +
				"diff --git a/src/a.go b/src/a.go\nnew file mode 100644\nindex 0000000..3e75765\n--- /dev/null\n+++ b/src/a.go\n@@ -0,0 +1 @@\n+new\n",
			want: `2 files
file renamed old="src/a.go" new="src/b.go" similarity=100% +0 -0
file added old="" new="src/a.go" mode=-->100644 +1 -0
  hunk -0,0 +1,1 section=""
    added       -     1 "new"
`,
		},
		{
			// git diff -B -M: the old content is copied away and the file rewritten.
			name: "rewritten and copied away",
			in: "diff --git a/src/a.go b/src/a.go\ndissimilarity index 100%\nindex eb92061..3e75765 100644\n--- a/src/a.go\n+++ b/src/a.go\n@@ -1 +1 @@\n-1000\n+new\n" +
				"diff --git a/src/a.go b/src/b.go\nsimilarity index 100%\ncopy from src/a.go\ncopy to src/b.go\n",
			want: `2 files
file modified old="src/a.go" new="src/a.go" mode=100644->100644 +1 -1
  hunk -1,1 +1,1 section=""
    deleted     1     - "1000"
    added       -     1 "new"
file copied old="src/a.go" new="src/b.go" similarity=100% +0 -0
`,
		},
		{
			// git diff -C -C: the source is changed and copied twice.
			name: "copies of a changed file",
			in: "diff --git a/src/c.go b/src/c.go\nindex d92818a..b412bfd 100644\n--- a/src/c.go\n+++ b/src/c.go\n@@ -1 +1,2 @@\n 120\n+121\n" +
				"diff --git a/src/c.go b/src/d.go\nsimilarity index 100%\ncopy from src/c.go\ncopy to src/d.go\n" +
				"diff --git a/src/c.go b/src/e.go\nsimilarity index 100%\ncopy from src/c.go\ncopy to src/e.go\n",
			want: `3 files
file modified old="src/c.go" new="src/c.go" mode=100644->100644 +1 -0
  hunk -1,1 +1,2 section=""
    context     1     1 "120"
    added       -     2 "121"
file copied old="src/c.go" new="src/d.go" similarity=100% +0 -0
file copied old="src/c.go" new="src/e.go" similarity=100% +0 -0
`,
		},
		{
			name: "two files swapped by renames",
			in: "diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n" +
				"diff --git a/y b/x\nsimilarity index 100%\nrename from y\nrename to x\n",
			want: `2 files
file renamed old="x" new="y" similarity=100% +0 -0
file renamed old="y" new="x" similarity=100% +0 -0
`,
		},
		{
			name: "file becomes a submodule",
			in:   typeChange,
			want: `2 files
file deleted old="src/c.go" new="" mode=100644->- +0 -2
  hunk -1,2 +0,0 section=""
    deleted     1     - "100"
    deleted     2     - "101"
file added old="" new="src/c.go" mode=-->160000 submodule +1 -0
  hunk -0,0 +1,1 section=""
    added       -     1 "Subproject commit 1234567890123456789012345678901234567890"
`,
		},
		{
			name: "symlink becomes a file",
			in: "diff --git a/link b/link\ndeleted file mode 120000\nindex ca0be80..0000000\n--- a/link\n+++ /dev/null\n@@ -1 +0,0 @@\n-src/x.go\n\\ No newline at end of file\n" +
				"diff --git a/link b/link\nnew file mode 100644\nindex 0000000..f73f309\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+file\n",
			want: `2 files
file deleted old="link" new="" mode=120000->- +0 -1
  hunk -1,1 +0,0 section=""
    deleted     1     - "src/x.go" no-newline
file added old="" new="link" mode=-->100644 +1 -0
  hunk -0,0 +1,1 section=""
    added       -     1 "file"
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.in))
			if diff := cmp.Diff(tt.want, string(render(files, err))); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseHeaderTimestamps checks diffs whose ---/+++ lines carry what go-diff cannot read as
// a timestamp: hg's dates and svn's revisions.
func TestParseHeaderTimestamps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "hg diff",
			in: "diff -r 6e2f6a3cd6e1 src/x.py\n" +
				"--- a/src/x.py\tThu Jan 01 00:00:00 1970 +0000\n" +
				"+++ b/src/x.py\tThu Jan 01 00:00:00 1970 +0000\n" +
				"@@ -1,2 +1,2 @@\n a\n-b\n+c\n" +
				"diff -r 6e2f6a3cd6e1 src/new.py\n" +
				"--- /dev/null\tThu Jan 01 00:00:00 1970 +0000\n" +
				"+++ b/src/new.py\tMon Mar 02 14:05:09 2026 +0100\n" +
				"@@ -0,0 +1 @@\n+n\n" +
				"diff -r 6e2f6a3cd6e1 src/old.py\n" +
				"--- a/src/old.py\tThu Jan 01 00:00:00 1970 +0000\n" +
				"+++ /dev/null\tThu Jan 01 00:00:00 1970 +0000\n" +
				"@@ -1 +0,0 @@\n-o\n",
			want: `3 files
file modified old="src/x.py" new="src/x.py" +1 -1
  hunk -1,2 +1,2 section=""
    context     1     1 "a"
    deleted     2     - "b"
    added       -     2 "c"
file added old="" new="src/new.py" +1 -0
  hunk -0,0 +1,1 section=""
    added       -     1 "n"
file deleted old="src/old.py" new="" +0 -1
  hunk -1,1 +0,0 section=""
    deleted     1     - "o"
`,
		},
		{
			name: "svn diff",
			in: "Index: src/x.py\n" +
				"===================================================================\n" +
				"--- src/x.py\t(revision 10)\n" +
				"+++ src/x.py\t(working copy)\n" +
				"@@ -1,2 +1,2 @@\n a\n-b\n+c\n" +
				"\n" +
				"Property changes on: src/x.py\n" +
				"___________________________________________________________________\n" +
				"Added: svn:eol-style\n" +
				"## -0,0 +1 ##\n" +
				"+native\n" +
				"\\ No newline at end of property\n" +
				"Index: a/new.py\n" +
				"===================================================================\n" +
				"--- a/new.py\t(nonexistent)\n" +
				"+++ a/new.py\t(working copy)\n" +
				"@@ -0,0 +1 @@\n+n\n" +
				"Index: b/old.py\n" +
				"===================================================================\n" +
				"--- b/old.py\t(revision 10)\n" +
				"+++ b/old.py\t(nonexistent)\n" +
				"@@ -1 +0,0 @@\n-o\n" +
				"Index: a/y.py\n" +
				"===================================================================\n" +
				"--- a/y.py\t(revision 9)\n" +
				"+++ a/y.py\t(revision 10)\n" +
				"@@ -3 +3 @@\n-y\n+z\n",
			want: `4 files
file modified old="src/x.py" new="src/x.py" +1 -1
  hunk -1,2 +1,2 section=""
    context     1     1 "a"
    deleted     2     - "b"
    added       -     2 "c"
file added old="" new="a/new.py" +1 -0
  hunk -0,0 +1,1 section=""
    added       -     1 "n"
file deleted old="b/old.py" new="" +0 -1
  hunk -1,1 +0,0 section=""
    deleted     1     - "o"
file modified old="a/y.py" new="a/y.py" +1 -1
  hunk -3,1 +3,1 section=""
    deleted     3     - "y"
    added       -     3 "z"
`,
		},
		{
			name: "svn before 1.9 adding a file",
			in: "Index: src/new.py\n" +
				"===================================================================\n" +
				"--- src/new.py\t(revision 0)\r\n" +
				"+++ src/new.py\t(revision 0)\r\n" +
				"@@ -0,0 +1 @@\r\n+n\r\n",
			want: `1 files
file added old="" new="src/new.py" +1 -0
  hunk -0,0 +1,1 section=""
    added       -     1 "n" crlf
`,
		},
		{
			name: "unreadable timestamps",
			in:   "--- a.txt\tyesterday\n+++ b.txt\ttoday\n@@ -1 +1 @@\n-a\n+b\n",
			want: `1 files
file modified old="a.txt" new="b.txt" +1 -1
  hunk -1,1 +1,1 section=""
    deleted     1     - "a"
    added       -     1 "b"
`,
		},
		{
			name: "git diff with a timestamp",
			in:   "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\tThu Jan 01 00:00:00 1970 +0000\n+++ b/x\tThu Jan 01 00:00:00 1970 +0000\n@@ -1 +1 @@\n-a\n+b\n",
			want: `1 files
file modified old="x" new="x" mode=100644->100644 +1 -1
  hunk -1,1 +1,1 section=""
    deleted     1     - "a"
    added       -     1 "b"
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.in))
			if diff := cmp.Diff(tt.want, string(render(files, err))); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParsePrefixes checks which name prefixes are stripped: git's a/ b/, the pairs
// diff.mnemonicPrefix writes, and none for --no-prefix.
func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	const hunk = "@@ -1 +1 @@\n-a\n+b\n"
	tests := []struct {
		name string
		in   string
		want string // one line per file: status old new
	}{
		{
			name: "mnemonic index and work tree",
			in:   "diff --git i/src/x.go w/src/x.go\nindex 422c2b7..0f7bc76 100644\n--- i/src/x.go\n+++ w/src/x.go\n" + hunk,
			want: "modified src/x.go src/x.go\n",
		},
		{
			name: "mnemonic commit and index",
			in:   "diff --git c/src/x.go i/src/x.go\nindex 422c2b7..0f7bc76 100644\n--- c/src/x.go\n+++ i/src/x.go\n" + hunk,
			want: "modified src/x.go src/x.go\n",
		},
		{
			name: "mnemonic commit and work tree, reversed",
			in:   "diff --git w/w/x.go c/w/x.go\nindex 422c2b7..0f7bc76 100644\n--- w/w/x.go\n+++ c/w/x.go\n" + hunk,
			want: "modified w/x.go w/x.go\n",
		},
		{
			name: "mnemonic object and work tree",
			in:   "diff --git o/x.go w/x.go\nindex 422c2b7..0f7bc76 100644\n--- o/x.go\n+++ w/x.go\n" + hunk,
			want: "modified x.go x.go\n",
		},
		{
			name: "mnemonic no-index",
			in:   "diff --git 1/p 2/q\nindex 7898192..6178079 100644\n--- 1/p\n+++ 2/q\n" + hunk,
			want: "modified p q\n",
		},
		{
			name: "mnemonic added, deleted, binary and mode change",
			in: "diff --git i/src/new.go w/src/new.go\nnew file mode 100644\nindex 0000000..f73f309\n--- /dev/null\n+++ w/src/new.go\n@@ -0,0 +1 @@\n+n\n" +
				"diff --git i/src/old.go w/src/old.go\ndeleted file mode 100644\nindex f73f309..0000000\n--- i/src/old.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n" +
				"diff --git i/img.png w/img.png\nindex 1..2 100644\nBinary files i/img.png and w/img.png differ\n" +
				"diff --git i/run.sh w/run.sh\nold mode 100644\nnew mode 100755\n" +
				"diff --git i/empty w/empty\nnew file mode 100644\nindex 0000000..e69de29\n",
			want: "added  src/new.go\ndeleted src/old.go \nmodified img.png img.png\nmodified run.sh run.sh\nadded  empty\n",
		},
		{
			name: "mnemonic names with spaces",
			in:   "diff --git i/my file.go w/my file.go\nold mode 100644\nnew mode 100755\n",
			want: "modified my file.go my file.go\n",
		},
		{
			name: "mnemonic rename",
			in:   "diff --git c/old name.go i/new name.go\nsimilarity index 90%\nrename from old name.go\nrename to new name.go\nindex 1..2 100644\n--- c/old name.go\t\n+++ i/new name.go\t\n" + hunk,
			want: "renamed old name.go new name.go\n",
		},
		{
			name: "no prefix",
			in:   "diff --git src/x.go src/x.go\nindex 422c2b7..0f7bc76 100644\n--- src/x.go\n+++ src/x.go\n" + hunk,
			want: "modified src/x.go src/x.go\n",
		},
		{
			name: "no prefix, top-level directories named like prefixes",
			in: "diff --git w/x.go w/x.go\nindex 1..2 100644\n--- w/x.go\n+++ w/x.go\n" + hunk +
				"diff --git i/new.go i/new.go\nnew file mode 100644\nindex 0000000..f73f309\n--- /dev/null\n+++ i/new.go\n@@ -0,0 +1 @@\n+n\n" +
				"diff --git a/old.go a/old.go\ndeleted file mode 100644\nindex f73f309..0000000\n--- a/old.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-o\n" +
				"diff --git c/empty c/empty\nnew file mode 100644\nindex 0000000..e69de29\n",
			want: "modified w/x.go w/x.go\nadded  i/new.go\ndeleted a/old.go \nadded  c/empty\n",
		},
		{
			name: "no prefix rename between directories named like prefixes",
			in:   "diff --git i/x.go w/x.go\nsimilarity index 100%\nrename from i/x.go\nrename to w/x.go\n",
			want: "renamed i/x.go w/x.go\n",
		},
		{
			name: "plain diff with mnemonic prefixes",
			in:   "--- i/src/x.go\n+++ w/src/x.go\n" + hunk,
			want: "modified src/x.go src/x.go\n",
		},
		{
			name: "plain diff with one directory",
			in:   "--- w/x.go.orig\n+++ w/x.go\n" + hunk,
			want: "modified w/x.go.orig w/x.go\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, f := range files {
				fmt.Fprintf(&b, "%s %s %s\n", f.Status, f.OldPath, f.NewPath)
			}
			if diff := cmp.Diff(tt.want, b.String()); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
