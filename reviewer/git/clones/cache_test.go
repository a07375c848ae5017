package clones_test

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// TestConcurrentJobsShareOneClone: two reviews of one repository at once, each of its
// own change, share one clone and both read their own head.
func TestConcurrentJobsShareOneClone(t *testing.T) {
	t.Parallel()
	s := newGitServer(t)
	up := s.newRepo(t, "acme/app")
	base := up.commit(map[string]string{"f.go": "base\n"})
	heads := []string{up.commit(map[string]string{"f.go": "one\n"}), up.commit(map[string]string{"f.go": "two\n"})}
	dir := t.TempDir()
	cache := newCache(t, clones.Options{Dir: dir})
	var wg sync.WaitGroup
	got := make([]string, len(heads))
	errs := make([]error, len(heads))
	for i, head := range heads {
		wg.Go(func() {
			r := &clones.Reader{Cache: cache, Remote: remote(s, "acme/app", testToken), Fallback: &countingTree{}}
			defer r.Close()
			c := reviewer.Change{BaseSHA: base, HeadSHA: head}
			data, err := r.ReadFile(t.Context(), c, head, "f.go")
			got[i], errs[i] = string(data), err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"one\n", "two\n"}, got); diff != "" {
		t.Errorf("heads read (-want +got):\n%s", diff)
	}
	repos, _ := filepath.Glob(filepath.Join(dir, "r-*"))
	if len(repos) != 1 {
		t.Errorf("clones on disk = %q, want one", repos)
	}
}

// TestEvictionSparesHeldClones: over a tiny bound, a clone a review holds stays, however
// old; it goes once released, and the newest held one stays.
func TestEvictionSparesHeldClones(t *testing.T) {
	t.Parallel()
	s := newGitServer(t)
	heads := map[string]string{}
	for _, name := range []string{"acme/old", "acme/new"} {
		heads[name] = s.newRepo(t, name).commit(map[string]string{"f.go": name + "\n"})
	}
	cache := newCache(t, clones.Options{MaxBytes: 1})
	acquire := func(name string) *clones.Repo {
		repo, err := cache.Acquire(t.Context(), remote(s, name, testToken))
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Fetch(t.Context(), heads[name]); err != nil {
			t.Fatal(err)
		}
		return repo
	}
	old := acquire("acme/old")
	oldDir := old.Dir()
	young := acquire("acme/new") // the cache is over its bound: both held, both stay
	for _, name := range []string{"acme/old", "acme/new"} {
		if !cache.Has("example.test/" + name) {
			t.Errorf("%s evicted while held", name)
		}
	}
	if data, err := old.ReadFile(t.Context(), heads["acme/old"], "f.go"); err != nil || string(data) != "acme/old\n" {
		t.Errorf("read from the held old clone = %q, %v", data, err)
	}
	old.Release()
	if cache.Has("example.test/acme/old") {
		t.Error("the released least recently used clone is still cached over the bound")
	}
	if _, err := os.Stat(oldDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the evicted clone's directory: %v, want it gone", err)
	}
	if !cache.Has("example.test/acme/new") {
		t.Error("the held clone was evicted")
	}
	young.Release()
	if cache.Has("example.test/acme/new") || cache.Size() != 0 {
		t.Errorf("after all releases over a 1-byte bound: size %d, want every clone gone", cache.Size())
	}
}

// TestHalfMadeCloneIsRemade: what a process killed mid-clone leaves (a temporary
// directory, a clone without its marker, a marker on something git can not read) is
// removed when the cache opens or first uses it, and the repository is cloned again.
// It does not run in parallel: it opens a cache on a directory right after closing
// another, and a git started by a parallel test forks with every open file, the lock's
// included, until it execs; that window would hold the lock a moment longer.
func TestHalfMadeCloneIsRemade(t *testing.T) {
	s := newGitServer(t)
	head := s.newRepo(t, "acme/app").commit(map[string]string{"f.go": "x\n"})
	dir := t.TempDir()
	// A first cache learns where the clone lives, then the process "dies" mid-way.
	first := newCache(t, clones.Options{Dir: dir})
	repo, err := first.Acquire(t.Context(), remote(s, "acme/app", testToken))
	if err != nil {
		t.Fatal(err)
	}
	cloneDir := repo.Dir()
	repo.Release()
	if _, err := clones.New(clones.Options{Dir: dir}); !errors.Is(err, clones.ErrInUse) {
		t.Errorf("a second cache on the directory: %v, want ErrInUse", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]func(){
		"no marker": func() { _ = os.Remove(filepath.Join(cloneDir, "reviewer-clone")) },
		"not a repository": func() {
			_ = os.RemoveAll(filepath.Join(cloneDir, "objects"))
			_ = os.Remove(filepath.Join(cloneDir, "HEAD"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.MkdirAll(filepath.Join(dir, ".tmp-killed", "objects"), 0o755); err != nil {
				t.Fatal(err)
			}
			tc()
			if err := os.WriteFile(filepath.Join(dir, "not-ours.txt"), []byte("keep"), 0o600); err != nil {
				t.Fatal(err)
			}
			cache := newCache(t, clones.Options{Dir: dir})
			if _, err := os.Stat(filepath.Join(dir, "not-ours.txt")); err != nil {
				t.Errorf("a file the cache did not make: %v, want it left alone", err)
			}
			if _, err := os.Stat(filepath.Join(dir, ".tmp-killed")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the temporary directory of a killed clone: %v, want it removed", err)
			}
			repo, err := cache.Acquire(t.Context(), remote(s, "acme/app", testToken))
			if err != nil {
				t.Fatal(err)
			}
			defer repo.Release()
			if err := repo.Fetch(t.Context(), head); err != nil {
				t.Fatal(err)
			}
			if data, err := repo.ReadFile(t.Context(), head, "f.go"); err != nil || string(data) != "x\n" {
				t.Errorf("ReadFile after recovery = %q, %v", data, err)
			}
		})
	}
}

// TestFallback: without git, or when the forge refuses the fetch, the files come through
// the forge's TreeReader, and why is said once.
func TestFallback(t *testing.T) {
	t.Parallel()
	t.Run("no git", func(t *testing.T) {
		t.Parallel()
		_, err := clones.New(clones.Options{Dir: t.TempDir(), Git: filepath.Join(t.TempDir(), "git")})
		if !errors.Is(err, clones.ErrNoGit) {
			t.Fatalf("New without git: %v, want ErrNoGit", err)
		}
		forge := &countingTree{files: map[string]string{"f.go": "forge\n"}}
		r := &clones.Reader{Fallback: forge}
		defer r.Close()
		fsys, err := r.Tree(t.Context(), reviewer.Change{}, strings.Repeat("a", 40), []string{"f.go"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]string{"f.go": "forge\n"}, files(t, fsys)); diff != "" || forge.calls() != 1 {
			t.Errorf("files (-want +got):\n%s\nforge reads %d, want 1", diff, forge.calls())
		}
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		s := newGitServer(t)
		head := s.newRepo(t, "acme/app").commit(map[string]string{"f.go": "git\n"})
		var logs bytes.Buffer
		forge := &countingTree{files: map[string]string{"f.go": "forge\n"}}
		r := &clones.Reader{Cache: newCache(t, clones.Options{}), Remote: remote(s, "acme/app", "wrong-token-value"), Fallback: forge,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		defer r.Close()
		c := reviewer.Change{HeadSHA: head}
		for range 2 {
			data, err := r.ReadFile(t.Context(), c, head, "f.go")
			if err != nil || string(data) != "forge\n" {
				t.Errorf("ReadFile = %q, %v, want the forge's file", data, err)
			}
		}
		if s.deniedCount() == 0 || forge.calls() != 2 {
			t.Errorf("denied %d, forge reads %d: want the fetch refused and both reads through the forge", s.deniedCount(), forge.calls())
		}
		if n := strings.Count(logs.String(), "local clone failed"); n != 1 {
			t.Errorf("the fallback is logged %d times, want once:\n%s", n, logs.String())
		}
		if strings.Contains(logs.String(), "wrong-token-value") {
			t.Errorf("the log holds the token:\n%s", logs.String())
		}
	})
}

// TestBrokenCloneIsRemade: a clone whose pack was damaged on disk fails a review's read,
// which goes through the forge; the next review finds it broken (git fsck) and clones
// again. A clone only suspected (a failed fetch) but whole is kept.
func TestBrokenCloneIsRemade(t *testing.T) {
	t.Parallel()
	s := newGitServer(t)
	head := s.newRepo(t, "acme/app").commit(map[string]string{"a/f.go": "x\n", "b/g.go": "y\n"})
	cache := newCache(t, clones.Options{})
	c := reviewer.Change{HeadSHA: head}
	read := func() (string, *countingTree) {
		forge := &countingTree{files: map[string]string{"a/f.go": "forge\n"}}
		r := &clones.Reader{Cache: cache, Remote: remote(s, "acme/app", testToken), Fallback: forge}
		defer r.Close()
		data, err := r.ReadFile(t.Context(), c, head, "a/f.go")
		if err != nil {
			t.Fatal(err)
		}
		return string(data), forge
	}
	if got, _ := read(); got != "x\n" {
		t.Fatalf("first read = %q", got)
	}

	// Suspected but whole: kept, nothing fetched again.
	repo, err := cache.Acquire(t.Context(), remote(s, "acme/app", testToken))
	if err != nil {
		t.Fatal(err)
	}
	dir := repo.Dir()
	repo.Suspect()
	repo.Release()
	before := s.fetches()
	if got, forge := read(); got != "x\n" || forge.calls() != 0 || s.fetches() != before {
		t.Errorf("after a suspicion: read %q, forge reads %d, upload-pack requests %d: want the clone kept as it was", got, forge.calls(), s.fetches()-before)
	}

	// Damaged: every pack's objects overwritten.
	packs, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.pack"))
	loose, _ := filepath.Glob(filepath.Join(dir, "objects", "??", "*"))
	if len(packs)+len(loose) == 0 {
		t.Fatal("the clone holds no objects")
	}
	for _, p := range append(packs, loose...) {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		junk := bytes.Repeat([]byte{0xff}, int(info.Size())-32)
		if err := os.Chmod(p, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(junk, 12); err != nil {
			t.Fatal(err)
		}
		_ = f.Close()
	}
	if got, forge := read(); got != "forge\n" || forge.calls() != 1 {
		t.Errorf("read of a damaged clone = %q with %d forge reads, want the forge's file", got, forge.calls())
	}
	if got, forge := read(); got != "x\n" || forge.calls() != 0 {
		t.Errorf("the next review read %q with %d forge reads, want the clone made again", got, forge.calls())
	}
}

// TestFetchThroughRefs: a forge that serves no commit by its id unless a ref points at
// it (protocol v0 without uploadpack.allowReachableSHA1InWant) still gives the change's
// base, an older commit of its branch, through the refs the remote names.
func TestFetchThroughRefs(t *testing.T) {
	t.Parallel()
	s := newGitServer(t)
	s.v0 = true
	up := s.newRepo(t, "acme/app")
	base := up.commit(map[string]string{"f.go": "base\n"})
	up.commit(map[string]string{"f.go": "main\n"}) // main moved on since the change began
	cache := newCache(t, clones.Options{})
	for _, tc := range []struct {
		name    string
		refs    []string
		wantErr bool
	}{
		{"no refs", nil, true},
		{"the change's ref and HEAD", []string{"refs/pull/7/head", "HEAD"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up.git(up.bare, "update-ref", "refs/pull/7/head", base) // the change's ref exists here
			rm := remote(s, "acme/app", testToken)
			rm.Refs = tc.refs
			if tc.refs == nil {
				rm.Key += "/norefs" // a clone of its own
			}
			repo, err := cache.Acquire(t.Context(), rm)
			if err != nil {
				t.Fatal(err)
			}
			defer repo.Release()
			// The base is no ref's tip once the change's ref is gone (merged, say).
			up.git(up.bare, "update-ref", "-d", "refs/pull/7/head")
			if err := repo.Fetch(t.Context(), base); (err != nil) != tc.wantErr {
				t.Fatalf("Fetch error = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}
