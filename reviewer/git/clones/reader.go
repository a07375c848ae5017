package clones

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"sync"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Reader is a reviewer.TreeReader for one review: it reads from the clone of the
// change's repository, and through Fallback (the forge's API) when the clone can not
// serve (no git, the forge refused the fetch, the network). It holds its clone from the
// first read until Close, so the clone is not evicted mid-review.
type Reader struct {
	// Cache is the clones; nil reads everything through Fallback.
	Cache *Cache
	// Remote names the change's repository and how to fetch it.
	Remote Remote
	// Fallback reads what the clone can not.
	Fallback reviewer.TreeReader
	Logger   *slog.Logger

	mu      sync.Mutex
	repo    *Repo
	fetched map[string]bool // commits known to be in the clone
	broken  error           // why the clone is not used, once it failed
	// noSearch says why a revision's tree could not be made searchable: the review's
	// later searches there fail at once rather than fetch again.
	noSearch map[string]error
}

var _ reviewer.TreeReader = (*Reader)(nil)

// Tree implements reviewer.TreeReader: the files under paths at revision rev.
func (r *Reader) Tree(ctx context.Context, c reviewer.Change, rev string, paths []string) (fs.FS, error) {
	repo, err := r.acquire(ctx, c, rev)
	if err == nil {
		var fsys fs.FS
		if fsys, err = repo.Tree(ctx, rev, paths); err == nil {
			return fsys, nil
		}
	}
	if ctx.Err() != nil {
		return nil, err
	}
	if !errors.Is(err, errFetchTooLarge) {
		// A file too large to fetch says nothing against the clone: the forge reads
		// this batch, and the clone the next.
		r.fail(ctx, err)
	}
	return r.Fallback.Tree(ctx, c, rev, paths)
}

// ReadFile returns one file at revision rev, from the clone or else through Fallback:
// fs.ErrNotExist when there is none, reviewer.ErrTooLarge when it is over the bound.
func (r *Reader) ReadFile(ctx context.Context, c reviewer.Change, rev, name string) ([]byte, error) {
	repo, err := r.acquire(ctx, c, rev)
	if err == nil {
		data, err := repo.ReadFile(ctx, rev, name)
		if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, reviewer.ErrTooLarge) || ctx.Err() != nil {
			return data, err
		}
		r.fail(ctx, err)
	} else if ctx.Err() != nil {
		return nil, err
	} else {
		r.fail(ctx, err)
	}
	if fr, ok := r.Fallback.(reviewer.FileReader); ok {
		return fr.ReadFile(ctx, c, rev, name)
	}
	fsys, err := r.Fallback.Tree(ctx, c, rev, []string{name})
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(fsys, name)
}

var _ reviewer.FileReader = (*Reader)(nil)

// acquire returns the clone with the change's base and head and rev fetched, or why
// not.
func (r *Reader) acquire(ctx context.Context, c reviewer.Change, rev string) (*Repo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil {
		return nil, r.broken
	}
	if r.Cache == nil {
		return nil, ErrNoGit
	}
	if r.repo == nil {
		repo, err := r.Cache.Acquire(ctx, r.Remote)
		if err != nil {
			return nil, err
		}
		r.repo = repo
	}
	if !isCommitID(rev) {
		return nil, errNotCommit
	}
	if r.fetched[rev] {
		return r.repo, nil
	}
	if err := r.repo.Fetch(ctx, rev, c.BaseSHA, c.HeadSHA); err != nil {
		return nil, err
	}
	if r.fetched == nil {
		r.fetched = map[string]bool{}
	}
	for _, id := range []string{rev, c.BaseSHA, c.HeadSHA} {
		r.fetched[id] = true
	}
	return r.repo, nil
}

var errNotCommit = errors.New("the revision is not a commit id")

// fail stops using the clone for this review and says why, once.
func (r *Reader) fail(ctx context.Context, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken != nil || r.Cache == nil || errors.Is(err, errNotCommit) {
		return
	}
	r.broken = err
	if r.repo != nil {
		r.repo.Suspect()
	}
	if r.Logger != nil {
		r.Logger.WarnContext(ctx, "reading files through the forge's API: the local clone failed", slog.String("repo", r.Remote.Key),
			slog.String("error", err.Error()))
	}
}

// Close releases the clone.
func (r *Reader) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.repo != nil {
		r.repo.Release()
		r.repo = nil
	}
}

// Local returns the clone with the change's base and head and rev fetched, held until
// Close, for tools that run git in it (Repo.Git): or why it can not serve, and then the
// forge's API is the way.
func (r *Reader) Local(ctx context.Context, c reviewer.Change, rev string) (*Repo, error) {
	return r.acquire(ctx, c, rev)
}

// searchFailed returns why rev's tree could not be fetched for a search in this review.
func (r *Reader) searchFailed(rev string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.noSearch[rev]
}

// failSearch records that rev's tree could not be fetched for a search.
func (r *Reader) failSearch(rev string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.noSearch == nil {
		r.noSearch = map[string]error{}
	}
	r.noSearch[rev] = err
}
