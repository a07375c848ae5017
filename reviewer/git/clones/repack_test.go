package clones_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// TestClonesAreRepacked: every fetch writes a pack, and a clone that served many reviews
// would make git look through all of them for each object: past a bound the clone is
// repacked into one, and every file still reads.
func TestClonesAreRepacked(t *testing.T) {
	t.Parallel()
	extra := map[string]string{}
	for i := range 40 {
		extra[fmt.Sprintf("many/f%02d.txt", i)] = fmt.Sprintf("file %d\n", i)
	}
	_, r, c := workspaceFixture(t, clones.Options{}, extra)
	for i := range 40 { // one fetch, and one pack, each
		name := fmt.Sprintf("many/f%02d.txt", i)
		if data, err := r.ReadFile(t.Context(), c, c.HeadSHA, name); err != nil || string(data) != extra[name] {
			t.Fatalf("ReadFile(%s) = %q, %v", name, data, err)
		}
	}
	repo, err := r.Local(t.Context(), c, c.HeadSHA)
	if err != nil {
		t.Fatal(err)
	}
	packs, _ := filepath.Glob(filepath.Join(repo.Dir(), "objects", "pack", "*.pack"))
	if len(packs) > 33 || len(packs) == 0 {
		t.Errorf("%d packs after 40 fetches, want them repacked (at most 33)", len(packs))
	}
	for i := range 40 {
		name := fmt.Sprintf("many/f%02d.txt", i)
		if data, err := repo.ReadFile(t.Context(), c.HeadSHA, name); err != nil || string(data) != extra[name] {
			t.Errorf("after the repack, ReadFile(%s) = %q, %v", name, data, err)
		}
	}
	if n := r.Fallback.(*countingTree).calls(); n != 0 {
		t.Errorf("the forge was asked %d times: the clone served every read", n)
	}
}
