package clones

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Options configure a Cache.
type Options struct {
	// Dir holds the clones; it is created if missing. Everything in it belongs to the
	// cache.
	Dir string
	// MaxBytes bounds the size of the clones on disk; the least recently used ones no
	// review holds are deleted past it. 0 means 2 GiB.
	MaxBytes int64
	// MaxFileBytes bounds a file read; larger files are absent from a Tree and
	// reviewer.ErrTooLarge from ReadFile. 0 means 1 MiB.
	MaxFileBytes int64
	// FetchTimeout bounds one fetch; a review whose fetch runs out reads through the
	// forge's API instead. 0 means 2 minutes.
	FetchTimeout time.Duration
	// MaxSearchFiles bounds the files of a tree a search fetches the blobs of; a larger
	// tree is not searched. 0 means DefaultMaxSearchFiles.
	MaxSearchFiles int
	// MaxSearchBytes bounds the bytes a clone may grow by when a search fetches a tree's
	// blobs: past it the fetch is stopped and the tree is not searched. 0 means
	// DefaultMaxSearchBytes.
	MaxSearchBytes int64
	// Git is the git binary; "" looks for "git" on PATH.
	Git    string
	Logger *slog.Logger
}

// ErrNoGit reports that git is not installed: the service reads through the forge.
var ErrNoGit = errors.New("git is not installed")

// ErrInUse reports a cache directory another process holds.
var ErrInUse = errors.New("the directory is in use by another process (give each one its own server.clones.dir)")

// marker is the file, inside a repository's directory, that names the repository it
// holds; a directory without it was never finished.
const marker = "reviewer-clone"

// Cache is a bounded set of partial clones. It is safe for concurrent use.
type Cache struct {
	opts   Options
	run    runner
	logger *slog.Logger
	lock   *os.File // held while the cache is open

	mu    sync.Mutex
	repos map[string]*entry // by Remote.Key
	total int64             // bytes of all entries
	clock uint64            // ticks on every use, for least-recently-used order
}

// entry is one repository's directory.
type entry struct {
	key  string
	dir  string
	size int64  // guarded by Cache.mu
	held int    // leases; guarded by Cache.mu
	used uint64 // clock at last use; guarded by Cache.mu
	gone bool   // evicted; guarded by Cache.mu

	// fetch serialises what writes to the repository: its creation and fetches.
	// Reads need no lock: git writes packs whole, then renames them into place.
	fetch sync.Mutex
	ready bool // made and checked; guarded by fetch
	// suspect is set when a read or fetch failed: the next lease that finds no other
	// holder checks the clone whole (git fsck) and makes it again if it is not.
	suspect bool // guarded by fetch

	// search serialises fetches of whole trees for searches, so that concurrent
	// searches at one revision fetch once.
	search sync.Mutex
	// searchable are the revisions whose whole tree's blobs are in the clone; guarded
	// by Cache.mu, cleared when the clone is made again.
	searchable map[string]bool
	// unsearchable are the revisions whose tree was too large to fetch for a search, and
	// why; guarded by Cache.mu. No review fetches them again.
	unsearchable map[string]error
}

// New opens the cache in opts.Dir: it removes what a killed process left half made and
// counts the size of the clones already there.
func New(opts Options) (*Cache, error) {
	if opts.MaxBytes == 0 {
		opts.MaxBytes = 2 << 30
	}
	if opts.MaxFileBytes == 0 {
		opts.MaxFileBytes = 1 << 20
	}
	if opts.MaxSearchFiles == 0 {
		opts.MaxSearchFiles = DefaultMaxSearchFiles
	}
	if opts.MaxSearchBytes == 0 {
		opts.MaxSearchBytes = DefaultMaxSearchBytes
	}
	if opts.FetchTimeout == 0 {
		opts.FetchTimeout = 2 * time.Minute
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	git := opts.Git
	if git == "" {
		git = "git"
	}
	bin, err := exec.LookPath(git)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoGit, err)
	}
	if opts.Dir == "" {
		return nil, errors.New("clones: no directory")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("clones: %w", err)
	}
	opts.Dir = dir
	if err := os.MkdirAll(filepath.Join(dir, "home"), 0o700); err != nil {
		return nil, fmt.Errorf("clones: %w", err)
	}
	// Another user who can write the directory could plant a clone, or a config git
	// would run: the directory must be ours alone to write.
	for _, d := range []string{dir, filepath.Join(dir, "home")} {
		info, err := os.Lstat(d)
		if err != nil {
			return nil, fmt.Errorf("clones: %w", err)
		}
		if !info.IsDir() || info.Mode().Perm()&0o022 != 0 {
			return nil, fmt.Errorf("clones: %s must be a directory only its owner may write (it is %s)", d, info.Mode())
		}
	}
	lock, err := lockDir(filepath.Join(dir, "lock"))
	if err != nil {
		return nil, err
	}
	c := &Cache{opts: opts, run: newRunner(bin, filepath.Join(dir, "home")), logger: logger, repos: map[string]*entry{}, lock: lock}
	if err := c.scan(); err != nil {
		_ = lock.Close()
		return nil, err
	}
	return c, nil
}

// Close lets another process open the directory. The clones stay for the next start.
func (c *Cache) Close() error {
	return c.lock.Close()
}

// scan takes stock of opts.Dir: finished clones are counted, anything else (a
// temporary directory or a clone without its marker) goes.
func (c *Cache) scan() error {
	ents, err := os.ReadDir(c.opts.Dir)
	if err != nil {
		return fmt.Errorf("clones: %w", err)
	}
	for _, de := range ents {
		name := de.Name()
		// Only names the cache makes are its own: a directory shared by mistake loses
		// nothing else.
		if !strings.HasPrefix(name, "r-") && !strings.HasPrefix(name, ".tmp-") && !strings.HasPrefix(name, ".evicted-") {
			continue
		}
		p := filepath.Join(c.opts.Dir, name)
		key, err := os.ReadFile(filepath.Join(p, marker))
		if err != nil || !de.IsDir() || dirName(string(key)) != name {
			c.logger.Info("removing an unfinished clone", slog.String("dir", p))
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("clones: remove unfinished %s: %w", p, err)
			}
			continue
		}
		e := &entry{key: string(key), dir: p, size: dirSize(p)}
		c.repos[e.key] = e
		c.total += e.size
	}
	return nil
}

// Remote is a repository on a forge.
type Remote struct {
	// Key names the repository: forge host and project ("github.com/acme/app").
	Key string
	// URL is its https clone URL, without credentials.
	URL string
	// Header is sent with every request, "Authorization: Basic ..."; "" for none.
	Header string
	// Refs are refs that hold the change's commits ("refs/pull/7/head",
	// "refs/heads/main"), fetched when the forge refuses to serve a commit by its id.
	Refs []string
}

// Acquire leases the clone of r, making it if needed. The clone is not deleted until the
// lease is released.
func (c *Cache) Acquire(ctx context.Context, r Remote) (*Repo, error) {
	if r.Key == "" || !strings.HasPrefix(r.URL, "https://") && !strings.HasPrefix(r.URL, "http://") {
		return nil, fmt.Errorf("clones: remote %q: want a key and an http(s) URL", r.Key)
	}
	c.mu.Lock()
	e := c.repos[r.Key]
	if e == nil {
		e = &entry{key: r.Key, dir: filepath.Join(c.opts.Dir, dirName(r.Key))}
		c.repos[r.Key] = e
	}
	e.held++
	c.clock++
	e.used = c.clock
	c.mu.Unlock()
	repo := &Repo{cache: c, e: e, remote: r}
	if err := repo.prepare(ctx); err != nil {
		repo.Release()
		return nil, err
	}
	return repo, nil
}

// release ends a lease.
func (c *Cache) release(e *entry) {
	c.mu.Lock()
	e.held--
	c.mu.Unlock()
	c.evict()
}

// grew records that e's directory changed size, and evicts what no longer fits.
func (c *Cache) grew(e *entry) {
	size := dirSize(e.dir)
	c.mu.Lock()
	if !e.gone {
		c.total += size - e.size
		e.size = size
	}
	c.mu.Unlock()
	c.evict()
}

// evict deletes the least recently used clones that no one holds while the total is
// over the bound.
func (c *Cache) evict() {
	var doomed []string
	c.mu.Lock()
	for c.total > c.opts.MaxBytes {
		var lru *entry
		for _, e := range c.repos {
			if e.held == 0 && (lru == nil || e.used < lru.used) {
				lru = e
			}
		}
		if lru == nil {
			break // all in use: over the bound until a lease ends
		}
		delete(c.repos, lru.key)
		lru.gone = true
		c.total -= lru.size
		// Renamed away under the lock, so a new clone of the same repository can take
		// the name at once.
		tmp := filepath.Join(c.opts.Dir, ".evicted-"+randomSuffix())
		if err := os.Rename(lru.dir, tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			c.logger.Warn("could not evict a clone", slog.String("repo", lru.key), slog.String("error", err.Error()))
			continue
		}
		doomed = append(doomed, tmp)
		c.logger.Debug("evicted a clone", slog.String("repo", lru.key), slog.Int64("bytes", lru.size))
	}
	c.mu.Unlock()
	for _, d := range doomed {
		if err := os.RemoveAll(d); err != nil {
			c.logger.Warn("could not remove an evicted clone", slog.String("dir", d), slog.String("error", err.Error()))
		}
	}
}

// Size returns the bytes the clones take, as last measured.
func (c *Cache) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

// Has reports whether the cache holds a clone of the repository key.
func (c *Cache) Has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.repos[key]
	return ok
}

// dirName is the directory of a repository: a hash of its key, so that no key, however
// spelled, names a path outside the cache.
func dirName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "r-" + hex.EncodeToString(sum[:12])
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// dirSize is the bytes of the files under dir. A clone is a few pack files and some
// loose objects: walked once per fetch, not once per review of the whole cache.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil //nolint:nilerr // a file gone mid-walk is not counted
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
