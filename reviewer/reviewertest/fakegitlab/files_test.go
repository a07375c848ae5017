package fakegitlab_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
)

// TestSetFile: files set at a head are served whole by the raw file API and listed by the
// repository tree at that head, a changed file included (instead of rebuilt from the
// diff); a file set at a head is not at the base.
func TestSetFile(t *testing.T) {
	t.Parallel()
	base, start, head := strings.Repeat("1", 40), strings.Repeat("2", 40), strings.Repeat("3", 40)
	f := fakegitlab.New(t, fakegitlab.Options{Token: "t"})
	f.Push(fakegitlab.Rev{Base: base, Start: start, Head: head, Diff: diff})
	f.SetFile(head, "a.go", "package a\n\n// A whole file, not one rebuilt from the diff.\nvar x = 2\n")
	f.SetFile(head, "src/lib/b.go", "package lib\n")
	f.SetFile(head, "src/c.go", "package src\n")
	cl, err := gitlab.New(gitlab.Options{BaseURL: f.URL(), Token: "t", HTTPClient: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ch := reviewer.Change{Forge: "gitlab", Repo: f.Project(), Number: f.IID(), HeadSHA: head}
	read := func(rev string, paths ...string) map[string]string {
		fsys, err := cl.Tree(t.Context(), ch, rev, paths)
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
	want := map[string]string{"a.go": "package a\n\n// A whole file, not one rebuilt from the diff.\nvar x = 2\n", "src/lib/b.go": "package lib\n", "src/c.go": "package src\n"}
	if d := cmp.Diff(want, read(head, "a.go", "src")); d != "" {
		t.Errorf("a.go and src at the head (-want +got):\n%s", d)
	}
	if got := read(base, "src/lib/b.go"); len(got) != 0 {
		t.Errorf("a file set at the head is at the base: %q", got)
	}
}
