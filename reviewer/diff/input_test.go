package diff_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// TestParseNotDiff is input that holds no diff at all: before, Parse skipped it as text
// between files and returned no files, so a README or an image reviewed as "no findings".
func TestParseNotDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		reason error
		want   string
	}{
		{
			name:   "readme",
			in:     "# My project\n\nIt does things.\n",
			reason: diff.ErrNoDiff,
			want:   `parse diff: line 1: no diff: it starts with "# My project"`,
		},
		{
			name:   "text after blank lines",
			in:     "\n\r\n  \nhello\n",
			reason: diff.ErrNoDiff,
			want:   `parse diff: line 4: no diff: it starts with "hello"`,
		},
		{
			name:   "git log without -p",
			in:     "commit 8b50b124d0cb5ea83bb6ad58d87ce9a895e4878b\nAuthor: n <a@b>\n\n    one\n",
			reason: diff.ErrNoDiff,
			want:   `parse diff: line 1: no diff: it starts with "commit 8b50b124d0cb5ea83bb6ad58d87ce9a895e4878b"`,
		},
		{
			name:   "png",
			in:     "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
			reason: diff.ErrBinary,
			want:   `parse diff: line 3: binary data: it holds a NUL byte before any hunk, and starts with the bytes 89 50 4e 47 0d 0a 1a 0a`,
		},
		{
			name:   "gzip",
			in:     "\x1f\x8b\x08\x00\x00\x00\x00\x00",
			reason: diff.ErrBinary,
			want:   `parse diff: line 1: binary data: it holds a NUL byte before any hunk, and starts with the bytes 1f 8b 08 00 00 00 00 00`,
		},
		{
			name:   "elf",
			in:     "\x7fELF\x02\x01\x01\x00\x00",
			reason: diff.ErrBinary,
			want:   `parse diff: line 1: binary data: it holds a NUL byte before any hunk, and starts with the bytes 7f 45 4c 46 02 01 01 00`,
		},
		{
			name:   "nul in a diff's header",
			in:     "diff --git a/x b/x\x00\x00\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
			reason: diff.ErrBinary,
			want:   `parse diff: line 1: binary data: it holds a NUL byte before any hunk, and starts with the bytes 64 69 66 66 20 2d 2d 67`,
		},
		{
			name:   "first line not utf-8, no diff",
			in:     "\xc3\x28abc\nmore\n",
			reason: diff.ErrBinary,
			want:   `parse diff: line 1: binary data: it does not start with text but with the bytes c3 28 61 62 63 0a 6d 6f`,
		},
		{
			name:   "first line not text, then a stray hunk",
			in:     "\xff\xd8\xff\xe0 JFIF\n@@ -1 +1 @@\n-a\n+b\n",
			reason: diff.ErrBinary,
			want:   `parse diff: line 1: binary data: it does not start with text but with the bytes ff d8 ff e0 20 4a 46 49`,
		},
		{
			name:   "control characters",
			in:     "\x01\x02\x03 stream\n",
			reason: diff.ErrBinary,
			want:   `parse diff: line 1: binary data: it does not start with text but with the bytes 01 02 03 20 73 74 72 65`,
		},
		{
			name:   "pdf",
			in:     "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
			reason: diff.ErrNoDiff,
			want:   `parse diff: line 1: no diff: it starts with "%PDF-1.4"`,
		},
		{
			name:   "utf-16 from powershell",
			in:     "\xff\xfed\x00i\x00f\x00f\x00",
			reason: diff.ErrBinary,
			want:   `parse diff: line 1: binary data: it is UTF-16 text (Windows PowerShell's > writes it); write the diff with git diff --output=FILE`,
		},
		{
			name:   "coloured git diff",
			in:     "\x1b[1mdiff --git a/x b/x\x1b[m\n\x1b[1mindex 1..2 100644\x1b[m\n",
			reason: diff.ErrColor,
			want:   `parse diff: line 1: ANSI colour codes: git diff --color=always (or color.ui=always) wrote them; give git diff --no-color`,
		},
		{
			name:   "colour only from the second file",
			in:     "diff --git a/x b/x\nold mode 100644\nnew mode 100755\n\x1b[1mdiff --git a/y b/y\x1b[m\n",
			reason: diff.ErrColor,
			want:   `parse diff: line 4: ANSI colour codes: git diff --color=always (or color.ui=always) wrote them; give git diff --no-color`,
		},
		{
			name:   "diff -r without -N",
			in:     "Only in a: x.txt\n",
			reason: diff.ErrNoDiff,
			want:   `parse diff: line 1: no diff: it starts with "Only in a: x.txt" (diff -r without -N names new and deleted files without their lines: use diff -ruN)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse = %d files, nil error; want %v", len(files), tt.reason)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(err, tt.reason) {
				t.Errorf("error %v is not %v", err, tt.reason)
			}
			var pe *diff.ParseError
			var ie *diff.InputError
			if !errors.As(err, &pe) || !errors.As(err, &ie) {
				t.Errorf("error %T is not a *diff.ParseError holding a *diff.InputError", err)
			}
		})
	}
}

// TestParseTextAroundDiff keeps what still parses: prose before a diff (a mail, a commit
// message), a byte order mark, escapes inside a line's content, and an empty patch.
func TestParseTextAroundDiff(t *testing.T) {
	t.Parallel()
	const file = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b \x1b[31mred\x1b[m\n"
	tests := []struct {
		name string
		in   string
		path string // of the one file, "" for none
	}{
		{name: "prose first", in: "Here is my change.\n\n" + file, path: "x"},
		{name: "byte order mark", in: "\xef\xbb\xbf" + file, path: "x"},
		{name: "latin-1 content", in: strings.Replace(file, "+b", "+caf\xe9", 1), path: "x"},
		{name: "latin-1 name", in: "diff --git a/caf\xe9 b/caf\xe9\nnew file mode 100644\nindex 0..1\n--- /dev/null\n+++ b/caf\xe9\n@@ -0,0 +1 @@\n+x\n", path: "caf\xe9"},
		{name: "nul in a hunk, as diff -a writes", in: strings.Replace(file, "+b", "+b\x00", 1), path: "x"},
		{name: "format-patch of an empty commit", in: "From 8b50b124d0cb5ea83bb6ad58d87ce9a895e4878b Mon Sep 17 00:00:00 2001\nFrom: n <a@b>\nSubject: [PATCH] nothing\n\n---\n-- \n2.39.5\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, f := range files {
				paths = append(paths, f.Path())
			}
			var want []string
			if tt.path != "" {
				want = []string{tt.path}
			}
			if d := cmp.Diff(want, paths); d != "" {
				t.Errorf("files (-want +got):\n%s", d)
			}
		})
	}
}

// TestParseCutHeaders is a diff cut short inside its headers. Before, "+++ " cut before its
// name read as the deletion of the file, and ---/+++ with no hunk as a file with no changed
// lines.
func TestParseCutHeaders(t *testing.T) {
	t.Parallel()
	const head = "diff --git a/pkg/a.go b/pkg/a.go\nindex 1..2 100644\n"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "cut after +++ and its space",
			in:   head + "--- a/pkg/a.go\n+++ ",
			want: `parse diff: line 4 (file "pkg/a.go"): file header "+++ " names no file (was the diff cut short?)`,
		},
		{
			name: "cut after ---",
			in:   head + "--- ",
			want: `parse diff: line 4 (file "pkg/a.go"): file header "--- " is not followed by a +++ line`,
		},
		{
			name: "cut inside the +++ name",
			in:   head + "--- a/pkg/a.go\n+++ b/pk",
			want: `parse diff: line 4 (file "pkg/a.go"): the input ends after the file header "+++ b/pk", before any hunk (was the diff cut short?)`,
		},
		{
			name: "cut after the +++ line",
			in:   head + "--- a/pkg/a.go\n+++ b/pkg/a.go\n",
			want: `parse diff: line 4 (file "pkg/a.go"): the input ends after the file header "+++ b/pkg/a.go", before any hunk (was the diff cut short?)`,
		},
		{
			name: "next file after the +++ line",
			in:   head + "--- a/pkg/a.go\n+++ b/pkg/a.go\ndiff --git a/b.go b/b.go\n",
			want: `parse diff: line 5 (file "pkg/a.go"): file header "+++ b/pkg/a.go" is followed by "diff --git a/b.go b/b.go", not by a hunk`,
		},
		{
			name: "cut inside the hunk header",
			in:   head + "--- a/pkg/a.go\n+++ b/pkg/a.go\n@@ -1,3 +1",
			want: `parse diff: line 5 (file "pkg/a.go"): hunk header "@@ -1,3 +1": want " @@" after the new range`,
		},
		{
			name: "cut after the hunk header",
			in:   head + "--- a/pkg/a.go\n+++ b/pkg/a.go\n@@ -1,3 +1,3 @@\n",
			want: `parse diff: line 5 (file "pkg/a.go"): hunk @@ -1,3 +1,3 @@ ends early: 3 old and 3 new lines missing at end of input`,
		},
		{
			name: "plain diff cut after the +++ line",
			in:   "--- pkg/a.go.orig\n+++ pkg/a.go\n",
			want: `parse diff: line 2 (file "pkg/a.go"): the input ends after the file header "+++ pkg/a.go", before any hunk (was the diff cut short?)`,
		},
		{
			name: "plain diff cut after +++",
			in:   "--- pkg/a.go.orig\n+++ ",
			want: `parse diff: line 1: file header without a file name`,
		},
		{
			name: "combined diff of a merge",
			in:   "diff --cc pkg/a.go\nindex 1,2..3\n--- a/pkg/a.go\n+++ b/pkg/a.go\n@@@ -1,1 -1,1 +1,1 @@@\n- a\n +b\n++c\n",
			want: `parse diff: line 5 (file "pkg/a.go"): hunk header "@@@ -1,1 -1,1 +1,1 @@@" is from a combined diff of a merge, which cannot be reviewed: diff against one parent (git diff HEAD^1 HEAD)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse = %d files (first %+v), nil error; want %q", len(files), files[0], tt.want)
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

// TestParseSVNHeaderWithoutHunk keeps svn's property-only change, whose ---/+++ lines come
// before a "Property changes" block rather than a hunk.
func TestParseSVNHeaderWithoutHunk(t *testing.T) {
	t.Parallel()
	in := "Index: x.py\n===================================================================\n" +
		"--- x.py\t(revision 10)\n+++ x.py\t(working copy)\n\n" +
		"Property changes on: x.py\n___________________________________________________________________\n" +
		"Added: svn:eol-style\n## -0,0 +1 ##\n+native\n"
	files, err := diff.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Path() != "x.py" || len(files[0].Hunks) != 0 {
		t.Errorf("Parse = %+v, want x.py without hunks", files)
	}
}

func TestStripColorLeavesPlainInput(t *testing.T) {
	t.Parallel()
	// A plain diff whose content holds an escape keeps it: only a coloured diff, one with a
	// line that starts with an escape, is stripped.
	in := []byte("diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+\x1b[31mred\x1b[m\n")
	out, stripped := diff.StripColor(in)
	if stripped || string(out) != string(in) {
		t.Errorf("StripColor changed a plain diff: %q, %v", out, stripped)
	}
}

func TestStripColorLeavesBinary(t *testing.T) {
	t.Parallel()
	// An executable can hold a line that starts with an escape: it is binary, not coloured.
	in := []byte("\x7fELF\x02\x01\x01\x00\n\x1b[31mred\x1b[m\n")
	out, stripped := diff.StripColor(in)
	if stripped || string(out) != string(in) {
		t.Errorf("StripColor changed binary data: %q, %v", out, stripped)
	}
}

func TestStripColorKeepsOtherEscapes(t *testing.T) {
	t.Parallel()
	in := "\x1b[1mdiff --git a/x b/x\x1b[m\n+a\x1b]0;title\x07 \x1b[2J\x1b\n"
	out, stripped := diff.StripColor([]byte(in))
	if want := "diff --git a/x b/x\n+a\x1b]0;title\x07 \x1b[2J\x1b\n"; !stripped || string(out) != want {
		t.Errorf("StripColor = %q, %v; want %q, true", out, stripped, want)
	}
}

// TestStripColorGit compares real git diff --color=always output, stripped, with git diff
// --no-color of the same change, byte for byte, under colour settings that put codes in
// every place git puts them: headers, hunk headers and their function context, added and
// deleted lines, whitespace errors, moved lines, CRLF and missing final newlines.
func TestStripColorGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return out
	}
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var long strings.Builder
	for i := range 40 {
		long.WriteString(strings.Repeat("x", i) + " line\n")
	}
	git("init", "-q", "-b", "main")
	write("main.go", "package main\n\nfunc main() {\n\tprintln(1)\n\tprintln(2)\n}\n\nfunc other() {\n\tprintln(3)\n}\n")
	write("crlf.txt", "one\r\ntwo\r\nthree\r\n")
	write("noeol.txt", "a\nb")
	write("moved.txt", long.String()+"end\n")
	write("old name.txt", "keep\nthis\ncontent\nhere\n")
	write("gone.txt", "bye\n")
	write("run.sh", "echo hi\n")
	write("img.bin", "\x00\x01\x02")
	write("esc.txt", "plain\n")
	git("add", "-A")
	git("commit", "-q", "-m", "base")

	write("main.go", "package main\n\nfunc main() {\n\tprintln(1)   \n\tprintln(22)\n}\n\nfunc other() {\n\tprintln(4)\n}\n")
	write("crlf.txt", "one\r\n2\r\nthree\r\n")
	write("noeol.txt", "a\nc")
	write("moved.txt", "end\n"+long.String())
	write("new.txt", "\tfresh \n+plus\n-minus\n @@ -1 +1 @@\n")
	write("img.bin", "\x00\x03")
	write("esc.txt", "plain \\x1b[31m text\n")
	git("mv", "old name.txt", "new name.txt")
	write("new name.txt", "keep\nthis\ncontent\nhere\nplus\n")
	git("rm", "-q", "gone.txt")
	if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")

	plain := git("diff", "--cached", "--no-color")
	configs := [][]string{
		{"-c", "color.ui=always"},
		{"-c", "color.diff=always", "-c", "diff.colorMoved=zebra"},
		{"-c", "color.ui=always", "-c", "color.diff.meta=bold yellow", "-c", "color.diff.whitespace=red reverse",
			"-c", "color.diff.context=dim", "-c", "color.diff.func=green ul", "-c", "diff.wsErrorHighlight=all"},
	}
	for _, cfg := range configs {
		colored := git(append(cfg, "diff", "--cached")...)
		if string(colored) == string(plain) {
			t.Fatalf("git %v diff wrote no colour", cfg)
		}
		if _, err := diff.Parse(colored); !errors.Is(err, diff.ErrColor) {
			t.Errorf("Parse(git %v diff) = %v, want %v", cfg, err, diff.ErrColor)
		}
		got, stripped := diff.StripColor(colored)
		if !stripped {
			t.Errorf("StripColor(git %v diff) reports nothing stripped", cfg)
		}
		if d := cmp.Diff(strings.SplitAfter(string(plain), "\n"), strings.SplitAfter(string(got), "\n")); d != "" {
			t.Errorf("git %v diff, stripped, differs from --no-color (-want +got):\n%s", cfg, d)
		}
	}
	if _, err := diff.Parse(plain); err != nil {
		t.Errorf("Parse(git diff --no-color): %v", err)
	}
}

// colorCode is what StripColor removes, written as a regexp to check it independently.
var colorCode = regexp.MustCompile("\x1b\\[[0-9;:]*[mK]")

// FuzzStripColor checks that StripColor removes colour codes and nothing else, and leaves
// input with no line starting with an escape as it is.
func FuzzStripColor(f *testing.F) {
	f.Add([]byte("\x1b[1mdiff --git a/x b/x\x1b[m\n\x1b[32m+\x1b[m\x1b[32mx\x1b[m\x1b[41m \x1b[m\n"))
	f.Add([]byte("+a\n\x1b[\x1b[31mm\n\x1b[1;38;5;208mx\x1b[K\x1b]0;t\x07\n"))
	f.Add([]byte("diff --git a/x b/x\n+\x1b[31mred\x1b[m\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, stripped := diff.StripColor(in)
		_, perr := diff.Parse(in)
		colored := (strings.HasPrefix(string(in), "\x1b[") || strings.Contains(string(in), "\n\x1b[")) && !errors.Is(perr, diff.ErrBinary)
		if stripped != colored {
			t.Fatalf("StripColor(%q) reports %v, want %v", in, stripped, colored)
		}
		want := in
		if colored {
			want = colorCode.ReplaceAll(in, nil)
		}
		if string(out) != string(want) {
			t.Fatalf("StripColor(%q) = %q, want %q", in, out, want)
		}
	})
}
