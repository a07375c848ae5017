package clones_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// workspaceFixture is a served repository of two commits and a reader of it.
func workspaceFixture(t *testing.T, opts clones.Options, extra map[string]string) (*gitServer, *clones.Reader, reviewer.Change) {
	t.Helper()
	s := newGitServer(t)
	up := s.newRepo(t, "acme/app")
	files := map[string]string{
		"README.md":    "the app\n",
		"a/x.go":       "package a\n\nfunc X() { Frobnicate(1) }\n",
		"a/b/y.go":     "package b\n",
		"lib/frob.go":  "package lib\n\n// Frobnicate turns a knob.\nfunc Frobnicate(n int) int { return n }\n",
		"lib/notes.md": "Frobnicate is documented here.\nFrobnicate again.\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	base := up.commit(files)
	head := up.commit(map[string]string{"a/x.go": "package a\n\nfunc X() { Frobnicate(2) }\n"})
	r := &clones.Reader{Cache: newCache(t, opts), Remote: remote(s, "acme/app", testToken), Fallback: &countingTree{}}
	t.Cleanup(r.Close)
	return s, r, reviewer.Change{Forge: "github", Repo: "acme/app", Number: 1, BaseSHA: base, HeadSHA: head}
}

// TestWorkspaceListDir: a directory is listed from the clone's trees, sorted, with "/"
// after directories, and without fetching any blob; a missing one is fs.ErrNotExist.
func TestWorkspaceListDir(t *testing.T) {
	t.Parallel()
	s, r, c := workspaceFixture(t, clones.Options{}, nil)
	ws := r.Workspace(c)
	lister, ok := ws.(reviewer.Lister)
	if !ok {
		t.Fatalf("%T is no reviewer.Lister", ws)
	}
	root, err := lister.ListDir(t.Context(), c.HeadSHA, ".")
	if err != nil {
		t.Fatal(err)
	}
	afterCommits := s.fetches()
	if diff := cmp.Diff([]string{"README.md", "a/", "lib/"}, root); diff != "" {
		t.Errorf("ListDir(.) (-want +got):\n%s", diff)
	}
	sub, err := lister.ListDir(t.Context(), c.HeadSHA, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"b/", "x.go"}, sub); diff != "" {
		t.Errorf("ListDir(a) (-want +got):\n%s", diff)
	}
	if _, err := lister.ListDir(t.Context(), c.HeadSHA, "nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ListDir(nope) error = %v, want fs.ErrNotExist", err)
	}
	if _, err := lister.ListDir(t.Context(), c.HeadSHA, "README.md"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ListDir(README.md) error = %v, want fs.ErrNotExist: a file is no directory", err)
	}
	if _, err := lister.ListDir(t.Context(), c.HeadSHA, "../x"); err == nil {
		t.Error("ListDir(../x) succeeded")
	}
	if got := s.fetches(); got != afterCommits || s.deniedCount() != 0 {
		t.Errorf("listing made %d more upload-pack requests and %d denied ones, want none", got-afterCommits, s.deniedCount())
	}
	data, err := ws.ReadFile(t.Context(), c.HeadSHA, "a/b/y.go", 100)
	if err != nil || string(data) != "package b\n" {
		t.Errorf("ReadFile(a/b/y.go) = %q, %v", data, err)
	}
	if _, err := ws.ReadFile(t.Context(), c.HeadSHA, "lib/frob.go", 10); !errors.Is(err, reviewer.ErrTooLarge) {
		t.Errorf("ReadFile over the limit: error = %v, want reviewer.ErrTooLarge", err)
	}
}

// TestWorkspaceGrep: a search finds what is in files the clone never read, fetching the
// tree's blobs in one request; later searches, and searches at the same time, fetch
// nothing more; MaxHits bounds the hits.
func TestWorkspaceGrep(t *testing.T) {
	t.Parallel()
	bin, argv := argvGit(t)
	s, r, c := workspaceFixture(t, clones.Options{Git: bin}, nil)
	ws := r.Workspace(c)
	grep, ok := ws.(reviewer.Grepper)
	if !ok {
		t.Fatalf("%T is no reviewer.Grepper", ws)
	}
	// One file read: the commits are in, and what one fetch of blobs costs is known.
	before := s.fetches()
	if _, err := ws.ReadFile(t.Context(), c.HeadSHA, "README.md", 100); err != nil {
		t.Fatal(err)
	}
	withCommits := s.fetches()
	if _, err := ws.ReadFile(t.Context(), c.HeadSHA, "a/b/y.go", 100); err != nil {
		t.Fatal(err)
	}
	oneFetch := s.fetches() - withCommits
	if oneFetch == 0 || withCommits == before {
		t.Fatalf("reads made %d and %d upload-pack requests: the clone was not used", withCommits-before, oneFetch)
	}

	start := s.fetches()
	hits, err := grep.Grep(t.Context(), c.HeadSHA, reviewer.GrepQuery{Pattern: "turns a knob", MaxHits: 10})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]reviewer.GrepHit{{Path: "lib/frob.go", Line: 3, Text: "// Frobnicate turns a knob."}}, hits); diff != "" {
		t.Errorf("fixed-string hits (-want +got):\n%s", diff)
	}
	if got := s.fetches() - start; got != oneFetch {
		t.Errorf("the first search made %d upload-pack requests, want %d (one fetch)", got, oneFetch)
	}

	afterFirst := s.fetches()
	q, err := reviewer.DefinitionQuery("Frobnicate", 10)
	if err != nil {
		t.Fatal(err)
	}
	hits, err = grep.Grep(t.Context(), c.HeadSHA, q)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]reviewer.GrepHit{{Path: "lib/frob.go", Line: 4, Text: "func Frobnicate(n int) int { return n }"}}, hits); diff != "" {
		t.Errorf("definition hits (-want +got):\n%s", diff)
	}
	// A pattern with regular expression syntax, taken as a fixed string: no match.
	if hits, err := grep.Grep(t.Context(), c.HeadSHA, reviewer.GrepQuery{Pattern: "Frob.*knob", MaxHits: 10}); err != nil || len(hits) != 0 {
		t.Errorf("fixed search for a regular expression = %v, %v; want no hit", hits, err)
	}
	hits, err = grep.Grep(t.Context(), c.HeadSHA, reviewer.GrepQuery{Pattern: "Frobnicate", MaxHits: 2})
	if err != nil || len(hits) != 2 {
		t.Errorf("search bounded to 2 hits = %v, %v", hits, err)
	}
	hits, err = grep.Grep(t.Context(), c.HeadSHA, reviewer.GrepQuery{Pattern: "Frobnicate", Glob: "lib/*.md", MaxHits: 10})
	if err != nil || len(hits) != 2 || hits[0].Path != "lib/notes.md" || hits[1].Path != "lib/notes.md" {
		t.Errorf("search in lib/*.md = %v, %v; want the two lines of lib/notes.md", hits, err)
	}
	if got := s.fetches(); got != afterFirst {
		t.Errorf("later searches made %d upload-pack requests, want none", got-afterFirst)
	}

	// At the base, four searches at once fetch its blobs once: one git fetch runs (git
	// would also skip a second fetch of what is there, after listing the tree again).
	atBase, fetchesBefore := s.fetches(), blobFetches(t, argv)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			hits, err := grep.Grep(t.Context(), c.BaseSHA, reviewer.GrepQuery{Pattern: "Frobnicate(1)", MaxHits: 10})
			if err == nil && len(hits) != 1 {
				err = fmt.Errorf("hits %v, want a/x.go's line", hits)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := s.fetches() - atBase; got != oneFetch {
		t.Errorf("concurrent searches at the base made %d upload-pack requests, want %d (one fetch)", got, oneFetch)
	}
	if got := blobFetches(t, argv) - fetchesBefore; got != 1 {
		t.Errorf("concurrent searches at the base ran git fetch %d times, want once", got)
	}
	if s.deniedCount() != 0 {
		t.Errorf("%d requests without the token: git fetched lazily", s.deniedCount())
	}
}

// TestWorkspaceGrepRefuses: a pattern, glob or revision that git could read as more
// than asked is refused before git runs, and a tree over the bound of files is not
// fetched.
func TestWorkspaceGrepRefuses(t *testing.T) {
	t.Parallel()
	s, r, c := workspaceFixture(t, clones.Options{MaxSearchFiles: 4}, nil)
	grep := r.Workspace(c).(reviewer.Grepper)
	for _, tc := range []struct {
		name, rev string
		q         reviewer.GrepQuery
	}{
		{"empty pattern", c.HeadSHA, reviewer.GrepQuery{}},
		{"two lines", c.HeadSHA, reviewer.GrepQuery{Pattern: "a\n-e b"}},
		{"NUL", c.HeadSHA, reviewer.GrepQuery{Pattern: "a\x00b"}},
		{"glob up", c.HeadSHA, reviewer.GrepQuery{Pattern: "a", Glob: "../*"}},
		{"glob option", c.HeadSHA, reviewer.GrepQuery{Pattern: "a", Glob: "--output=x"}},
		{"glob magic", c.HeadSHA, reviewer.GrepQuery{Pattern: "a", Glob: ":(top)*"}},
		{"glob absolute", c.HeadSHA, reviewer.GrepQuery{Pattern: "a", Glob: "/etc/*"}},
		{"rev option", "--output=/tmp/x", reviewer.GrepQuery{Pattern: "a"}},
		{"rev range", c.BaseSHA + ".." + c.HeadSHA, reviewer.GrepQuery{Pattern: "a"}},
		{"rev with path", c.HeadSHA + ":lib", reviewer.GrepQuery{Pattern: "a"}},
		{"rev not a commit id", "main", reviewer.GrepQuery{Pattern: "a"}},
	} {
		if hits, err := grep.Grep(t.Context(), tc.rev, tc.q); err == nil {
			t.Errorf("%s: Grep(%q, %+v) = %v, want an error", tc.name, tc.rev, tc.q, hits)
		}
	}
	if s.fetches() != 0 {
		t.Errorf("refused searches made %d upload-pack requests", s.fetches())
	}

	// Five files, over the bound of four: refused, and no blob fetched.
	_, err := grep.Grep(t.Context(), c.HeadSHA, reviewer.GrepQuery{Pattern: "Frobnicate", MaxHits: 10})
	if err == nil || !strings.Contains(err.Error(), "has 5 files, over the 4 a search fetches") {
		t.Errorf("search of a tree over the bound: error = %v, want it refused for its size", err)
	}
	withCommits := s.fetches()
	if _, err := grep.Grep(t.Context(), c.HeadSHA, reviewer.GrepQuery{Pattern: "Frobnicate", MaxHits: 10}); err == nil {
		t.Error("a second search of a tree over the bound succeeded")
	}
	if got := s.fetches(); got != withCommits {
		t.Errorf("a search refused for its size made %d upload-pack requests", got-withCommits)
	}
}

// blobFetches counts the fetches of blobs in the argv log of argvGit.
func blobFetches(t *testing.T, argv string) int {
	t.Helper()
	log, err := os.ReadFile(argv)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.SplitSeq(string(log), "\n") {
		if strings.Contains(line, " fetch ") && strings.Contains(line, " --stdin ") {
			n++
		}
	}
	return n
}

// TestWorkspaceWithoutClone: when the clone can not serve (here, no cache), a file is
// read through the forge's API, while listing and searching, which only the clone can
// do, fail with an error.
func TestWorkspaceWithoutClone(t *testing.T) {
	t.Parallel()
	forge := &countingTree{files: map[string]string{"f.go": "forge\n"}}
	r := &clones.Reader{Fallback: forge}
	defer r.Close()
	rev := strings.Repeat("a", 40)
	ws := r.Workspace(reviewer.Change{HeadSHA: rev})
	if data, err := ws.ReadFile(t.Context(), rev, "f.go", 100); err != nil || string(data) != "forge\n" || forge.calls() != 1 {
		t.Errorf("ReadFile = %q, %v after %d forge reads; want the forge's file", data, err, forge.calls())
	}
	if names, err := ws.(reviewer.Lister).ListDir(t.Context(), rev, "."); err == nil {
		t.Errorf("ListDir without a clone = %q, want an error", names)
	}
	if hits, err := ws.(reviewer.Grepper).Grep(t.Context(), rev, reviewer.GrepQuery{Pattern: "forge", MaxHits: 5}); err == nil {
		t.Errorf("Grep without a clone = %v, want an error", hits)
	}
}
