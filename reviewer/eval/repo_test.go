package eval_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/eval"
)

// repoDiff changes line 4 of a.go; line 2 (the lock) is outside its hunk.
const repoDiff = `diff --git a/a.go b/a.go
--- a/a.go
+++ b/a.go
@@ -3,3 +3,3 @@ func f() {
 	defer mu.Unlock()
-	x := 1
+	x := 2
 	use(x)
`

const (
	repoBase = "func f() {\n\tmu.Lock()\n\tdefer mu.Unlock()\n\tx := 1\n\tuse(x)\n}\n"
	repoHead = "func f() {\n\tmu.Lock()\n\tdefer mu.Unlock()\n\tx := 2\n\tuse(x)\n}\n"
)

func repoCase(head string, expected string) fstest.MapFS {
	return fstest.MapFS{
		"change.diff":    {Data: []byte(repoDiff)},
		"expected.json":  {Data: []byte(expected)},
		"repo/base/a.go": {Data: []byte(repoBase)},
		"repo/head/a.go": {Data: []byte(head)},
		// A Go file is stored as X.go.txt, out of reach of gofmt.
		"repo/base/other.go.txt": {Data: []byte("package other\n")},
		"repo/head/other.go.txt": {Data: []byte("package other\n")},
	}
}

const repoExpected = `{"issues": [{"path": "a.go", "from_line": 4, "to_line": 4}],
  "context_lines": [{"path": "a.go", "from_line": 1, "to_line": 2, "note": "the lock"}, {"path": "other.go", "from_line": 1, "to_line": 1}]}`

// TestEvalBuildRepo: a case's repo/ becomes a git repository whose head commit the
// pipeline reads through reviewer.TreeReader, the same for every build; a diff that does
// not turn the base into the head is an error naming the case and the file.
func TestEvalBuildRepo(t *testing.T) {
	t.Parallel()
	c, err := eval.LoadCase(repoCase(repoHead, repoExpected), "locked")
	if err != nil {
		t.Fatal(err)
	}
	repo, revs, err := eval.BuildRepo(t.Context(), c, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var tr reviewer.TreeReader = repo
	fsys, err := tr.Tree(t.Context(), reviewer.Change{}, revs.Head, []string{"a.go"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := fs.ReadFile(fsys, "a.go"); err != nil || string(got) != repoHead {
		t.Errorf("a.go at head: %q, %v", got, err)
	}
	fsys, err = tr.Tree(t.Context(), reviewer.Change{}, revs.Base, []string{"a.go"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := fs.ReadFile(fsys, "a.go"); string(got) != repoBase {
		t.Errorf("a.go at base: %q", got)
	}
	_, again, err := eval.BuildRepo(t.Context(), c, t.TempDir())
	if err != nil || again != revs {
		t.Errorf("a second build gave %+v, %v; want the same commits %+v", again, err, revs)
	}

	// The head tree disagrees with the diff: the error names the case and the file.
	bad, err := eval.LoadCase(repoCase(strings.Replace(repoHead, "use(x)", "use(x, x)", 1), repoExpected), "drifted")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = eval.BuildRepo(t.Context(), bad, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "case drifted: change.diff applied to repo/base does not give repo/head: drifted/repo/head/a.go differ") {
		t.Errorf("a head the diff does not give: %v", err)
	}
	// The base tree does not take the diff: git's message names the file.
	fsys2 := repoCase(repoHead, repoExpected)
	fsys2["repo/base/a.go"] = &fstest.MapFile{Data: []byte("func f() {}\n")}
	bad, err = eval.LoadCase(fsys2, "unapplied")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = eval.BuildRepo(t.Context(), bad, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "case unapplied: change.diff does not apply to repo/base") || !strings.Contains(err.Error(), "a.go") {
		t.Errorf("a base the diff does not apply to: %v", err)
	}
}

func TestEvalLoadRepoCase(t *testing.T) {
	t.Parallel()
	c, err := eval.LoadCase(repoCase(repoHead, repoExpected), "locked")
	if err != nil {
		t.Fatal(err)
	}
	want := []eval.ContextLines{{Path: "a.go", FromLine: 1, ToLine: 2, Note: "the lock"}, {Path: "other.go", FromLine: 1, ToLine: 1}}
	if diff := cmp.Diff(want, c.Expected.Context); diff != "" || c.Base == nil || c.Head == nil {
		t.Errorf("base %v, head %v, context (-want +got):\n%s", c.Base != nil, c.Head != nil, diff)
	}
	// Line 1 of a.go is in the diff, as its hunk's section: a prompt holding it proves
	// nothing, so it does not count.
	if diff := cmp.Diff([]eval.MarkedLine{{Path: "a.go", Line: 2, Text: "mu.Lock()"}, {Path: "other.go", Line: 1, Text: "package other"}}, eval.MarkedLines(c)); diff != "" {
		t.Errorf("marked lines (-want +got):\n%s", diff)
	}

	tests := []struct {
		name  string
		edit  func(fstest.MapFS)
		wants []string
	}{
		{"a Go file twice", func(m fstest.MapFS) { m["repo/base/other.go"] = &fstest.MapFile{Data: []byte("package other\n")} },
			[]string{"c/repo/base: both other.go and other.go.txt: keep one"}},
		{"no head", func(m fstest.MapFS) { delete(m, "repo/head/a.go"); delete(m, "repo/head/other.go.txt") },
			[]string{"c/repo/head: missing: a case's repo/ holds the files at the change's base and at its head"}},
		{"repo is a file", func(m fstest.MapFS) {
			for k := range m {
				if strings.HasPrefix(k, "repo/") {
					delete(m, k)
				}
			}
			m["repo"] = &fstest.MapFile{Data: []byte("x")}
		}, []string{"c/repo: not a directory"}},
		{"context without a repo", func(m fstest.MapFS) {
			for k := range m {
				if strings.HasPrefix(k, "repo/") {
					delete(m, k)
				}
			}
		}, []string{"c/expected.json: context_lines: the case has no repo/"}},
		{"context in a hunk, past the end, on no file, blank", func(m fstest.MapFS) {
			m["expected.json"] = &fstest.MapFile{Data: []byte(`{"issues": [], "context_lines": [
			  {"path": "a.go", "from_line": 2, "to_line": 4},
			  {"path": "a.go", "from_line": 6, "to_line": 9},
			  {"path": "b.go", "from_line": 1, "to_line": 1}]}`)}
		}, []string{
			"c/expected.json: context_lines[0]: lines 2-4 of a.go overlap the hunk at +3,3",
			"context_lines[1]: lines 6-9: repo/head/a.go has 6 lines",
			`context_lines[2].path: "b.go" is not a file of repo/head`,
		}},
		{"unknown key", func(m fstest.MapFS) {
			m["expected.json"] = &fstest.MapFile{Data: []byte(`{"issues": [], "context_lines": [{"path": "a.go", "from_line": 1, "to_line": 1, "x": 1}]}`)}
		}, []string{"c/expected.json: context_lines[0].x: unknown key (want path, from_line, to_line, note)"}},
		{"context that reads as the diff", func(m fstest.MapFS) {
			m["expected.json"] = &fstest.MapFile{Data: []byte(`{"issues": [], "context_lines": [{"path": "a.go", "from_line": 1, "to_line": 1}]}`)}
		}, []string{"context_lines[0]: every line of 1-1 of a.go is blank or reads as part of the diff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := repoCase(repoHead, repoExpected)
			tt.edit(m)
			_, err := eval.LoadCase(m, "c")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestEvalCoverContext(t *testing.T) {
	t.Parallel()
	c, err := eval.LoadCase(repoCase(repoHead, repoExpected), "locked")
	if err != nil {
		t.Fatal(err)
	}
	diffOnly := "FILE a.go (modified)\n@@ -3,3 +3,3 @@ func f() {\n3  defer mu.Unlock()\n"
	withScope := diffOnly + "CONTEXT a.go\n1 func f() {\n2 \tmu.Lock()\nFILE other.go\npackage other\n"
	other := "FILE a.go (modified)\n@@ -9,3 +9,3 @@\n"
	if !c.Prompted(diffOnly) || c.Prompted(other) || c.Prompted("@@ -3,3 +3,3 @@") {
		t.Errorf("Prompted: the case's hunk %v, another hunk %v, no file %v", c.Prompted(diffOnly), c.Prompted(other), c.Prompted("@@ -3,3 +3,3 @@"))
	}
	for _, tt := range []struct {
		name    string
		prompts []string
		want    eval.ContextCoverage
	}{
		{"the diff alone", []string{diffOnly}, eval.ContextCoverage{Case: "locked", Marked: 2, Missed: []string{"a.go:2", "other.go:1"}}},
		{"the enclosing scope and the other file", []string{withScope}, eval.ContextCoverage{Case: "locked", Marked: 2, Reached: 2}},
		{"one of two", []string{diffOnly + "\tmu.Lock()"}, eval.ContextCoverage{Case: "locked", Marked: 2, Reached: 1, Missed: []string{"other.go:1"}}},
		{"over two requests", []string{diffOnly + "package other", "mu.Lock()"}, eval.ContextCoverage{Case: "locked", Marked: 2, Reached: 2}},
	} {
		got := eval.CoverContext(c, tt.prompts)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if r := eval.CoverContext(c, []string{withScope}).Ratio(); !r.Valid || r.Value != 1 {
		t.Errorf("ratio %+v", r)
	}
}
