package clones_test

import (
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// TestDashDashDirectory: after --end-of-options, ls-tree takes a "--" for one more path,
// not for the end of the revisions. A change whose tree holds a top directory named "--"
// must not have it listed in every directory the model lists, nor read (and its blobs
// fetched and held in memory) with every file a review reads.
func TestDashDashDirectory(t *testing.T) {
	t.Parallel()
	_, r, c := workspaceFixture(t, clones.Options{}, map[string]string{"--/junk.go": "package junk\n"})
	names, err := r.Workspace(c).(reviewer.Lister).ListDir(t.Context(), c.HeadSHA, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b/", "x.go"}, names); diff != "" {
		t.Errorf("ListDir(a) (-want +got):\n%s", diff)
	}
	fsys, err := r.Tree(t.Context(), c, c.HeadSHA, []string{"a/x.go"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			got = append(got, p)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a/x.go"}, got); diff != "" {
		t.Errorf("Tree(a/x.go) files (-want +got):\n%s", diff)
	}
}
