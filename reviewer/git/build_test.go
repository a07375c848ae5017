package git_test

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/git"
)

// TestCommitFiles: the same files give the same commit in any repository, whoever runs
// it; the commit holds exactly those files; PatchDiffers says where a patch applied to one
// commit does not give another, and wraps ErrPatch when it does not apply.
func TestCommitFiles(t *testing.T) {
	t.Parallel()
	base := fstest.MapFS{"a.txt": {Data: []byte("one\ntwo\n")}, "d/b.txt": {Data: []byte("b\n")}}
	head := fstest.MapFS{"a.txt": {Data: []byte("one\n2\n")}, "d/b.txt": {Data: []byte("b\n")}}
	ids := map[string]bool{}
	var repo *git.Repo
	var b, h string
	for range 2 {
		r, err := git.Init(t.Context(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if b, err = r.CommitFiles(t.Context(), base, "", "base"); err != nil {
			t.Fatal(err)
		}
		if h, err = r.CommitFiles(t.Context(), head, b, "head"); err != nil {
			t.Fatal(err)
		}
		ids[b+" "+h] = true
		repo = r
	}
	if len(ids) != 1 {
		t.Errorf("two builds gave different commits: %v", ids)
	}
	fsys, err := repo.FS(t.Context(), h, "a.txt", "d")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if diff := cmp.Diff([]string{"a.txt", "d/b.txt"}, names); diff != "" {
		t.Errorf("files at head (-want +got):\n%s", diff)
	}

	patch := []byte("--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n")
	if differ, err := repo.PatchDiffers(t.Context(), patch, b, h); err != nil || len(differ) != 0 {
		t.Errorf("the patch that gives head: %v, %v", differ, err)
	}
	other := []byte("--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+three\n")
	if differ, err := repo.PatchDiffers(t.Context(), other, b, h); err != nil || !cmp.Equal(differ, []string{"a.txt"}) {
		t.Errorf("a patch that gives another a.txt: %v, %v", differ, err)
	}
	if _, err := repo.PatchDiffers(t.Context(), patch, h, h); !errors.Is(err, git.ErrPatch) {
		t.Errorf("a patch that does not apply: %v", err)
	}
}
