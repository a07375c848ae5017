package clones_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// TestReadFileOfDirectory: ReadFile reads one file. Asked for a directory (the model's
// read_file names any path), it reads nothing: no blob under it is fetched or held in
// memory, and neither the clone nor the forge's API is asked for what is under it.
func TestReadFileOfDirectory(t *testing.T) {
	t.Parallel()
	s := newGitServer(t)
	up := s.newRepo(t, "acme/app")
	big := map[string]string{"a/x.go": "package a\n"}
	for i := range 50 {
		big[fmt.Sprintf("big/f%d.txt", i)] = fmt.Sprintf("file %d\n", i)
	}
	base := up.commit(big)
	head := up.commit(map[string]string{"a/x.go": "package a // head\n"})
	fallback := &countingTree{}
	r := &clones.Reader{Cache: newCache(t, clones.Options{}), Remote: remote(s, "acme/app", testToken), Fallback: fallback}
	defer r.Close()
	c := reviewer.Change{Forge: "github", Repo: "acme/app", Number: 1, BaseSHA: base, HeadSHA: head}

	if data, err := r.ReadFile(t.Context(), c, head, "a/x.go"); err != nil || string(data) != "package a // head\n" {
		t.Fatalf("ReadFile(a/x.go) = %q, %v", data, err)
	}
	before := s.fetches()
	if data, err := r.ReadFile(t.Context(), c, head, "big"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(big) = %q, %v; want fs.ErrNotExist", data, err)
	}
	if got := s.fetches(); got != before {
		t.Errorf("ReadFile of a directory made %d upload-pack requests: the blobs under it were fetched", got-before)
	}
	if fallback.calls() != 0 {
		t.Errorf("ReadFile of a directory asked the forge %d times", fallback.calls())
	}
}
