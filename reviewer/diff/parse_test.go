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
		if d.IsDir() || !(strings.HasSuffix(path, ".diff") || strings.HasSuffix(path, ".patch")) {
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
	for _, in := range []string{"", "\n", "just some text\n", "From 123 Mon Sep 17 00:00:00 2001\nSubject: x\n\n---\n"} {
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
		{
			name: "bad timestamp in plain diff",
			in:   "--- a.txt\tyesterday\n+++ b.txt\ttoday\n@@ -1 +1 @@\n-a\n+b\n",
			want: `parse diff: line 1: file header: parsing time "yesterday" as "2006-01-02 15:04:05 -0700": cannot parse "yesterday" as "2006"`,
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
