package fakegithub_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// TestSetFile: files set at a head are in the tree listing and the contents API at that
// head, whole, a changed file included (instead of rebuilt from the diff); the base does
// not see them.
func TestSetFile(t *testing.T) {
	t.Parallel()
	base, head := strings.Repeat("1", 40), strings.Repeat("3", 40)
	f := fakegithub.New(t, fakegithub.Options{Token: "t"})
	f.Push(fakegithub.Rev{Base: base, Start: base, Head: head,
		Diff: "diff --git a/src/a.go b/src/a.go\nindex 1111111..2222222 100644\n--- a/src/a.go\n+++ b/src/a.go\n@@ -2 +2 @@\n-var x = 1\n+var x = 2\n"})
	f.SetFile(head, "src/a.go", "package a\nvar x = 2\n")
	f.SetFile(head, "src/lib/b.go", "package lib\n")
	cl, err := github.New(github.Options{BaseURL: f.BaseURL(), Token: "t", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := reviewer.Change{Forge: "github", Repo: f.Repo(), Number: f.Number(), HeadSHA: head}
	read := func(rev, dir string) map[string]string {
		fsys, err := cl.Tree(t.Context(), c, rev, []string{dir})
		if err != nil {
			t.Fatalf("Tree at %s: %v", rev[:4], err)
		}
		out := map[string]string{}
		_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				data, _ := fs.ReadFile(fsys, p)
				out[p] = string(data)
			}
			return err
		})
		return out
	}
	want := map[string]string{"src/a.go": "package a\nvar x = 2\n", "src/lib/b.go": "package lib\n"}
	if diff := cmp.Diff(want, read(head, "src")); diff != "" {
		t.Errorf("src at the head (-want +got):\n%s", diff)
	}
	if got := read(base, "src/lib"); len(got) != 0 {
		t.Errorf("a file set at the head is at the base: %q", got)
	}
}
