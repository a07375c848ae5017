package clones_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// TestGrepTreeOverBytes: a change can push files of any size, and a search fetches the
// blobs of the whole tree: past clones.Options.MaxSearchBytes the fetch stops, the search
// says why, nothing half written stays in the clone, and no later search fetches that
// tree again. A tree under the bound is searched.
func TestGrepTreeOverBytes(t *testing.T) {
	t.Parallel()
	noise := make([]byte, 48<<10) // random: no compression makes it small
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	bin, argv := argvGit(t)
	_, r, c := workspaceFixture(t, clones.Options{Git: bin, MaxSearchBytes: 16 << 10}, map[string]string{"assets/blob.txt": hex.EncodeToString(noise)})
	grep := r.Workspace(c).(reviewer.Grepper)
	for range 2 {
		hits, err := grep.Grep(t.Context(), c.HeadSHA, reviewer.GrepQuery{Pattern: "Frobnicate", MaxHits: 5})
		if err == nil || !strings.Contains(err.Error(), "bytes a search fetches") {
			t.Fatalf("Grep of a tree over the byte bound = %v, %v; want it refused for its size", hits, err)
		}
	}
	if got := blobFetches(t, argv); got != 1 {
		t.Errorf("two searches ran %d fetches of blobs, want 1", got)
	}
	repo, err := r.Local(t.Context(), c, c.HeadSHA)
	if err != nil {
		t.Fatal(err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(repo.Dir(), "objects", "pack", "tmp_*")); len(tmp) != 0 {
		t.Errorf("the stopped fetch left %v", tmp)
	}

	_, small, sc := workspaceFixture(t, clones.Options{MaxSearchBytes: 1 << 20}, nil)
	hits, err := small.Workspace(sc).(reviewer.Grepper).Grep(t.Context(), sc.HeadSHA, reviewer.GrepQuery{Pattern: "Frobnicate", MaxHits: 5})
	if err != nil || len(hits) == 0 {
		t.Errorf("Grep of a tree under the byte bound = %v, %v; want hits", hits, err)
	}
}

// TestReadHugeFileBounded: a file a change made huge is not written to the clone whole
// before its size is checked: the fetch of it stops past the files' bound, read_file
// says it is too large, a batch holding it is read through the forge, and the clone
// still serves the next reads.
func TestReadHugeFileBounded(t *testing.T) {
	t.Parallel()
	noise := make([]byte, 2<<20)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	_, r, c := workspaceFixture(t, clones.Options{MaxFileBytes: 64 << 10}, map[string]string{"assets/huge.txt": hex.EncodeToString(noise)})
	fallback := r.Fallback.(*countingTree)
	if _, err := r.ReadFile(t.Context(), c, c.HeadSHA, "assets/huge.txt"); !errors.Is(err, reviewer.ErrTooLarge) {
		t.Errorf("ReadFile of a 4 MB file over a 64 KiB bound: %v, want ErrTooLarge", err)
	}
	if _, err := r.Tree(t.Context(), c, c.HeadSHA, []string{"assets"}); err != nil {
		t.Fatal(err)
	}
	if n := fallback.calls(); n != 1 {
		t.Errorf("the forge read %d batches, want the one holding the huge file", n)
	}
	repo, err := r.Local(t.Context(), c, c.HeadSHA)
	if err != nil {
		t.Fatal(err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(repo.Dir(), "objects", "pack", "tmp_*")); len(tmp) != 0 {
		t.Errorf("the stopped fetches left %v", tmp)
	}
	if size := dirBytes(t, repo.Dir()); size > 1<<20 {
		t.Errorf("the clone holds %d bytes after refusing a 4 MB file", size)
	}
	fsys, err := r.Tree(t.Context(), c, c.HeadSHA, []string{"lib/frob.go"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.ReadFile(fsys, "lib/frob.go"); err != nil || fallback.calls() != 1 {
		t.Errorf("after the huge file, lib/frob.go: %v, forge reads %d; want it from the clone", err, fallback.calls())
	}
}

func dirBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
