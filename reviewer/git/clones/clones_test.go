package clones_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// argvGit is a git that writes its arguments to a log before it runs the real one, so a
// test can read every command line the cache used.
func argvGit(t *testing.T) (bin, log string) {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	bin, log = filepath.Join(dir, "git"), filepath.Join(dir, "argv.log")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\nexec '" + gitBin + "' \"$@\"\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, log
}

func newCache(t *testing.T, opts clones.Options) *clones.Cache {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	c, err := clones.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func remote(s *gitServer, name, token string) clones.Remote {
	return clones.Remote{Key: "example.test/" + name, URL: s.URL + "/" + name + ".git", Header: authHeader(token)}
}

func files(t testing.TB, fsys fs.FS) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		got[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestReaderReadsLocalObjects: the files at the base and the head come from the clone,
// each read costs one fetch of the blobs it lacks, and the token is sent as a header but
// appears in no command line, no file of the clone and no log line.
func TestReaderReadsLocalObjects(t *testing.T) {
	t.Parallel()
	s := newGitServer(t)
	up := s.newRepo(t, "acme/app")
	base := up.commit(map[string]string{"a/x.go": "package a\n", "b/y.go": "package b\n", "README.md": "hi\n"})
	head := up.commit(map[string]string{"a/x.go": "package a // head\n"})
	bin, argv := argvGit(t)
	dir := t.TempDir()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cache := newCache(t, clones.Options{Dir: dir, Git: bin, Logger: logger})
	fallback := &countingTree{}
	r := &clones.Reader{Cache: cache, Remote: remote(s, "acme/app", testToken), Fallback: fallback, Logger: logger}
	defer r.Close()
	c := reviewer.Change{Forge: "github", Repo: "acme/app", Number: 1, BaseSHA: base, HeadSHA: head}

	fsys, err := r.Tree(t.Context(), c, head, []string{"a", "README.md", "missing.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"a/x.go": "package a // head\n", "README.md": "hi\n"}, files(t, fsys)); diff != "" {
		t.Errorf("head files (-want +got):\n%s", diff)
	}
	afterFirst := s.fetches()
	fsys, err = r.Tree(t.Context(), c, base, []string{"a/x.go"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"a/x.go": "package a\n"}, files(t, fsys)); diff != "" {
		t.Errorf("base files (-want +got):\n%s", diff)
	}
	// The same files again: all local now.
	before := s.fetches()
	if _, err := r.Tree(t.Context(), c, head, []string{"a", "README.md"}); err != nil {
		t.Fatal(err)
	}
	if got := s.fetches(); got != before {
		t.Errorf("a second read of the same files made %d upload-pack requests, want none", got-before)
	}
	data, err := r.ReadFile(t.Context(), c, head, "b/y.go")
	if err != nil || string(data) != "package b\n" {
		t.Errorf("ReadFile(b/y.go) = %q, %v", data, err)
	}
	if _, err := r.ReadFile(t.Context(), c, head, "nope.go"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(nope.go) error = %v, want fs.ErrNotExist", err)
	}
	if afterFirst == 0 || fallback.calls() != 0 || s.deniedCount() != 0 {
		t.Errorf("upload-pack requests %d, fallback reads %d, denied %d: want the clone used, with the token; log:\n%s", afterFirst, fallback.calls(), s.deniedCount(), logs.String())
	}

	// The token is nowhere but in the header.
	encoded := strings.TrimPrefix(authHeader(testToken), "Authorization: Basic ")
	for _, secret := range []string{testToken, encoded} {
		cmdlines, err := os.ReadFile(argv)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(cmdlines, []byte("fetch")) {
			t.Fatalf("the argv log shows no fetch:\n%s", cmdlines)
		}
		if bytes.Contains(cmdlines, []byte(secret)) {
			t.Errorf("a git command line holds the token:\n%s", cmdlines)
		}
		if bytes.Contains(logs.Bytes(), []byte(secret)) {
			t.Errorf("the log holds the token:\n%s", logs.String())
		}
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(p, "/objects/") {
				return err
			}
			if data, _ := os.ReadFile(p); bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds the token", p)
			}
			return nil
		})
	}
}

// countingTree is the forge's TreeReader: it serves fixed files and counts reads.
type countingTree struct {
	mu    sync.Mutex
	n     int
	files map[string]string
}

func (f *countingTree) Tree(_ context.Context, _ reviewer.Change, _ string, paths []string) (fs.FS, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	fsys := fstest.MapFS{}
	for _, p := range paths {
		if d, ok := f.files[p]; ok {
			fsys[p] = &fstest.MapFile{Data: []byte(d)}
		}
	}
	return fsys, nil
}

func (f *countingTree) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}
