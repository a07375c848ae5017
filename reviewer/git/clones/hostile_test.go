package clones_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// TestHostileRepository: a repository that carries hook scripts, a submodule on the same
// server and a blob over the read bound is read as plain files: no hook runs, the
// submodule is never fetched, a symbolic link is not followed (nor returned), and the
// large blob is never returned.
func TestHostileRepository(t *testing.T) {
	t.Parallel()
	s := newGitServer(t)
	sub := s.newRepo(t, "acme/sub")
	subHead := sub.commit(map[string]string{"s.go": "sub\n"})
	up := s.newRepo(t, "acme/app")
	pwned := filepath.Join(t.TempDir(), "pwned")
	hook := "#!/bin/sh\ntouch '" + pwned + "'\n"
	up.commit(map[string]string{
		"hooks/post-checkout": hook, "hooks/post-merge": hook, "hooks/reference-transaction": hook,
		".gitmodules": "[submodule \"sub\"]\n\tpath = sub\n\turl = " + s.URL + "/acme/sub.git\n",
		"big.bin":     strings.Repeat("x", 4096),
		"ok.go":       "package ok\n",
	})
	for _, h := range []string{"post-checkout", "post-merge", "reference-transaction"} {
		if err := os.Chmod(filepath.Join(up.work, "hooks", h), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	up.git(up.work, "update-index", "--add", "--chmod=+x", "hooks/post-checkout", "hooks/post-merge", "hooks/reference-transaction")
	up.git(up.work, "update-index", "--add", "--cacheinfo", "160000,"+subHead+",sub")
	if err := os.Symlink("/etc/passwd", filepath.Join(up.work, "passwd")); err != nil {
		t.Fatal(err)
	}
	head := up.commit(nil)

	cache := newCache(t, clones.Options{MaxFileBytes: 1024})
	forge := &countingTree{}
	r := &clones.Reader{Cache: cache, Remote: remote(s, "acme/app", testToken), Fallback: forge}
	defer r.Close()
	c := reviewer.Change{HeadSHA: head}
	fsys, err := r.Tree(t.Context(), c, head, []string{"."})
	if err != nil {
		t.Fatal(err)
	}
	got := files(t, fsys)
	want := map[string]string{"hooks/post-checkout": hook, "hooks/post-merge": hook, "hooks/reference-transaction": hook,
		".gitmodules": "[submodule \"sub\"]\n\tpath = sub\n\turl = " + s.URL + "/acme/sub.git\n", "ok.go": "package ok\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	if fsys, err := r.Tree(t.Context(), c, head, nil); err != nil || len(files(t, fsys)) != 0 {
		t.Errorf("Tree of no paths = %v, %v; want no files", fsys, err)
	}
	if _, err := r.ReadFile(t.Context(), c, head, "big.bin"); !errors.Is(err, reviewer.ErrTooLarge) {
		t.Errorf("ReadFile(big.bin) error = %v, want ErrTooLarge", err)
	}
	if forge.calls() != 0 {
		t.Errorf("%d reads went to the forge, want all from the clone", forge.calls())
	}
	if _, err := os.Stat(pwned); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a hook of the repository ran: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, req := range s.requests {
		if strings.Contains(req, "acme/sub") {
			t.Errorf("the submodule was fetched: %s", req)
		}
	}
}
