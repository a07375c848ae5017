package clones_test

import (
	"crypto/rand"
	"encoding/hex"
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
