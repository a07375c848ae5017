package clones

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git"
)

// DefaultMaxSearchBytes bounds what a clone may grow by when a search fetches a tree's
// blobs: the files a change can push (up to about 100 MB each on GitHub, 2 GB a push)
// must not fill the disk for one search. 256 MiB holds the source of all but the largest
// repositories; a tree past it is not searched, and read_file still reads single files.
const DefaultMaxSearchBytes = 256 << 20

// DefaultMaxSearchFiles bounds the files of a tree a search fetches. A blobless clone has no
// file contents, and git grep reads every file of the tree: the first search at a
// revision fetches all the blobs the clone lacks, in one request. Fifty thousand files
// is a large monorepo's service, some hundreds of MiB fetched once per revision; past
// it one search would fetch a whole kernel-sized tree (and fill the cache) for the model's
// one question, so the search is refused and the model keeps read_file and list_dir.
const DefaultMaxSearchFiles = 50_000

// toolTimeout bounds one git command run for the model's tools, as reviewer/git's do.
const toolTimeout = 20 * time.Second

// maxListOutput bounds ls-tree's output for one directory.
const maxListOutput = 8 << 20

// Workspace returns the model's view of change c's repository through the reader:
// reviewer.Workspace, reviewer.Lister and reviewer.Grepper. Files are read from the
// clone, or through the forge's API when it can not serve; listing and searching need
// the clone, and fail when there is none.
func (r *Reader) Workspace(c reviewer.Change) reviewer.Workspace {
	return workspace{r: r, c: c, files: reviewer.TreeWorkspace(r, c)}
}

type workspace struct {
	r     *Reader
	c     reviewer.Change
	files reviewer.Workspace
}

var (
	_ reviewer.Lister  = workspace{}
	_ reviewer.Grepper = workspace{}
)

// ReadFile implements reviewer.Workspace: one file at rev, fs.ErrNotExist when there is
// none, reviewer.ErrTooLarge past limit (or past Options.MaxFileBytes).
func (w workspace) ReadFile(ctx context.Context, rev, p string, limit int) ([]byte, error) {
	if err := git.CheckToolPath(p); err != nil {
		return nil, err
	}
	return w.files.ReadFile(ctx, rev, p, limit)
}

// ListDir implements reviewer.Lister from the clone's trees, which a blobless clone has:
// nothing is fetched but the commit.
func (w workspace) ListDir(ctx context.Context, rev, dir string) ([]string, error) {
	args := []string{"ls-tree", "-z", "--full-tree", "--end-of-options", rev}
	if dir != "." {
		if err := git.CheckToolPath(dir); err != nil {
			return nil, err
		}
		// After --end-of-options, ls-tree takes a "--" for one more path (a top
		// directory "--" would be listed too): the path alone.
		args = append(args, dir+"/")
	}
	repo, err := w.r.Local(ctx, w.c, rev)
	if err != nil {
		return nil, fmt.Errorf("list %s: no clone: %w", dir, err)
	}
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	out, err := repo.Git(ctx, maxListOutput, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s at %s: %w", dir, rev, err)
	}
	var names []string
	for rec := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		meta, name, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			continue
		}
		name = path.Base(name)
		if f[1] == "tree" {
			name += "/"
		}
		names = append(names, name)
	}
	if len(names) == 0 && dir != "." {
		return nil, fmt.Errorf("%s at %s: %w", dir, rev, fs.ErrNotExist)
	}
	slices.Sort(names)
	return names, nil
}

// Grep implements reviewer.Grepper with git grep at rev in the clone, as reviewer/git's
// Repo.Grep does in a checkout: the same checks, options and reading of the output.
// The first search at a revision fetches the blobs of its tree (see
// DefaultMaxSearchFiles).
func (w workspace) Grep(ctx context.Context, rev string, q reviewer.GrepQuery) ([]reviewer.GrepHit, error) {
	args, err := git.GrepArgs(rev, q)
	if err != nil {
		return nil, err
	}
	repo, err := w.r.Local(ctx, w.c, rev)
	if err != nil {
		return nil, fmt.Errorf("grep: no clone: %w", err)
	}
	if err := w.r.searchFailed(rev); err != nil {
		return nil, err
	}
	if err := repo.fetchTree(ctx, rev); err != nil {
		// Once per review: another try would fetch again, for up to the fetch timeout,
		// and a fetch cut short leaves its part of a pack on disk.
		if ctx.Err() == nil {
			w.r.failSearch(rev, err)
		}
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := repo.cache.run.run(ctx, call{dir: repo.e.dir, args: args, stdout: pw, quiet1: true})
		pw.CloseWithError(err)
		done <- err
	}()
	hits, more, readErr := git.ReadGrep(pr, rev, q.MaxHits)
	if more || readErr != nil {
		cancel() // enough read: stop git rather than wait for the rest
	}
	// Unblock git if it is still writing.
	pr.CloseWithError(io.ErrClosedPipe)
	runErr := <-done
	switch {
	case readErr != nil:
		return nil, fmt.Errorf("grep: %w", readErr)
	case more:
	case runErr != nil:
		return nil, fmt.Errorf("grep: %w", runErr)
	}
	return hits, nil
}

// fetchTree makes sure the clone has the blobs of the whole tree at rev (a fetched
// commit), fetching those it lacks in one request: once per clone and revision, and
// once for searches that ask at the same time.
func (r *Repo) fetchTree(ctx context.Context, rev string) error {
	r.e.search.Lock()
	defer r.e.search.Unlock()
	r.cache.mu.Lock()
	done, refused := r.e.searchable[rev], r.e.unsearchable[rev]
	r.cache.mu.Unlock()
	switch {
	case done:
		return nil
	case refused != nil:
		return refused
	}
	// Every blob, symbolic links among them: git grep reads those too.
	out, err := r.Git(ctx, 64<<20, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev)
	if errors.Is(err, errTooMuchOutput) {
		return fmt.Errorf("grep: the tree of %s at %s is too large to search (over %d files are not fetched for a search)", r.e.key, rev, r.cache.opts.MaxSearchFiles)
	}
	if err != nil {
		return fmt.Errorf("grep: list files of %s at %s: %w", r.e.key, rev, err)
	}
	var blobs []blob
	for rec := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		meta, name, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if ok && len(f) == 3 && f[1] == "blob" {
			blobs = append(blobs, blob{name: name, id: f[2]})
		}
	}
	if len(blobs) > r.cache.opts.MaxSearchFiles {
		return fmt.Errorf("grep: the tree of %s at %s has %d files, over the %d a search fetches: search is not available for this repository",
			r.e.key, rev, len(blobs), r.cache.opts.MaxSearchFiles)
	}
	if len(blobs) > 0 {
		if err := r.fetchBlobs(ctx, rev, nil, blobs, r.cache.opts.MaxSearchBytes); err != nil {
			if errors.Is(err, errFetchTooLarge) {
				err = fmt.Errorf("grep: the files of %s at %s are over the %d bytes a search fetches: search is not available for this revision: %w",
					r.e.key, rev, r.cache.opts.MaxSearchBytes, err)
				r.cache.mu.Lock()
				if r.e.unsearchable == nil {
					r.e.unsearchable = map[string]error{}
				}
				r.e.unsearchable[rev] = err
				r.cache.mu.Unlock()
				return err
			}
			return fmt.Errorf("grep: %w", err)
		}
	}
	r.cache.mu.Lock()
	if r.e.searchable == nil {
		r.e.searchable = map[string]bool{}
	}
	r.e.searchable[rev] = true
	r.cache.mu.Unlock()
	return nil
}
