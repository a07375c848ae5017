package git_test

import (
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDashDashDirectory: after --end-of-options, ls-tree takes a "--" for one more path.
// A top directory named "--" must not show in every listing, nor in every read of files.
func TestDashDashDirectory(t *testing.T) {
	t.Parallel()
	repo, dir, _, _ := toolRepo(t)
	write(t, dir, "--/junk.go", "package junk\n")
	sh(t, dir, "add", "-A")
	sh(t, dir, "commit", "-q", "-m", "dashes")
	head := sh(t, dir, "rev-parse", "HEAD")
	names, err := repo.ListDir(t.Context(), head, "web")
	if diff := cmp.Diff([]string{"app.ts"}, names); err != nil || diff != "" {
		t.Errorf("ListDir(web) (-want +got): %v\n%s", err, diff)
	}
	fsys, err := repo.FS(t.Context(), head, "web/app.ts")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(fsys, "--/junk.go"); err == nil {
		t.Error("FS(web/app.ts) holds --/junk.go")
	}
	fsys, err = repo.FS(t.Context(), head)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat(fsys, "--/junk.go"); err == nil {
		t.Error("FS() with no paths holds --/junk.go")
	}
}
