package clones

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing/fstest"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Repo is a leased clone. Its methods are safe for concurrent use until Release.
type Repo struct {
	cache  *Cache
	e      *entry
	remote Remote
	once   sync.Once
}

// Release ends the lease; the clone may be evicted once no one holds it.
func (r *Repo) Release() {
	r.once.Do(func() { r.cache.release(r.e) })
}

// Dir is the clone's git directory, for tools that run git in it.
func (r *Repo) Dir() string { return r.e.dir }

// prepare makes the clone unless a finished one is there.
func (r *Repo) prepare(ctx context.Context) error {
	e := r.e
	e.fetch.Lock()
	defer e.fetch.Unlock()
	if e.suspect && r.alone() {
		// No one else reads it now: check it, and make it again if it is broken.
		e.suspect = false
		if _, err := r.cache.run.run(ctx, call{dir: e.dir, args: []string{"fsck", "--connectivity-only", "--no-dangling", "--no-progress"}}); err != nil {
			r.cache.logger.WarnContext(ctx, "a broken clone is made again", slog.String("repo", e.key), slog.String("error", err.Error()))
			e.ready = false
			if err := os.RemoveAll(e.dir); err != nil {
				return fmt.Errorf("clones: remove broken clone of %s: %w", e.key, err)
			}
		}
	}
	if e.ready {
		return nil
	}
	if r.valid(ctx) {
		e.ready = true
		return nil
	}
	if err := os.RemoveAll(e.dir); err != nil {
		return fmt.Errorf("clones: remove broken clone of %s: %w", e.key, err)
	}
	if err := r.create(ctx); err != nil {
		return err
	}
	e.ready = true
	return nil
}

// alone reports whether this lease is the clone's only one.
func (r *Repo) alone() bool {
	r.cache.mu.Lock()
	defer r.cache.mu.Unlock()
	return r.e.held == 1
}

// Suspect marks the clone as possibly broken (a read or fetch of it failed): the next
// lease to find it unheld checks it, and makes it again if it is.
func (r *Repo) Suspect() {
	r.e.fetch.Lock()
	r.e.suspect = true
	r.e.fetch.Unlock()
}

// valid reports whether the directory is a finished clone of this repository: its
// marker names it and git reads it. Temporary files of a fetch that was killed are
// removed.
func (r *Repo) valid(ctx context.Context) bool {
	key, err := os.ReadFile(filepath.Join(r.e.dir, marker))
	if err != nil || string(key) != r.e.key {
		return false
	}
	if _, err := r.cache.run.run(ctx, call{dir: r.e.dir, args: []string{"rev-parse", "--is-bare-repository"}}); err != nil {
		return false
	}
	for _, pat := range []string{"objects/pack/tmp_*", "objects/incoming-*", "*.lock", "refs/reviewer/*.lock"} {
		junk, _ := filepath.Glob(filepath.Join(r.e.dir, pat))
		for _, j := range junk {
			_ = os.RemoveAll(j)
		}
	}
	return true
}

// create makes an empty partial clone in a temporary directory and renames it into
// place, so that a clone cut short by a killed process is never taken for a whole one.
func (r *Repo) create(ctx context.Context) error {
	u, err := url.Parse(r.remote.URL)
	if err != nil || u.User != nil || u.Host == "" || strings.ContainsAny(r.remote.URL, "\"\\\n\r\t ") {
		// Credentials belong in the header, never in the stored config.
		return fmt.Errorf("clones: %s: the remote URL must be a plain http(s) URL without credentials", r.e.key)
	}
	// A new clone has no blobs: no tree of it is searchable yet.
	r.cache.mu.Lock()
	r.e.searchable, r.e.unsearchable = nil, nil
	r.cache.mu.Unlock()
	tmp := filepath.Join(r.cache.opts.Dir, ".tmp-"+randomSuffix())
	defer func() { _ = os.RemoveAll(tmp) }()
	if _, err := r.cache.run.run(ctx, call{dir: r.cache.opts.Dir, args: []string{"init", "--quiet", "--bare", "--template=", tmp}}); err != nil {
		return fmt.Errorf("clones: %s: %w", r.e.key, err)
	}
	// The repository's own config: a promisor remote whose missing blobs are fetched on
	// demand, and no gc that could race a fetch.
	config := "[core]\n\trepositoryformatversion = 1\n\tbare = true\n" +
		"[extensions]\n\tpartialClone = origin\n" +
		"[remote \"origin\"]\n\turl = " + r.remote.URL + "\n\tpromisor = true\n\tpartialclonefilter = blob:none\n" +
		"[gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n"
	if err := os.WriteFile(filepath.Join(tmp, "config"), []byte(config), 0o600); err != nil {
		return fmt.Errorf("clones: %s: %w", r.e.key, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, marker), []byte(r.e.key), 0o600); err != nil {
		return fmt.Errorf("clones: %s: %w", r.e.key, err)
	}
	if err := os.Rename(tmp, r.e.dir); err != nil {
		return fmt.Errorf("clones: %s: %w", r.e.key, err)
	}
	return nil
}

// isCommitID reports whether s is a full commit id (SHA-1 or SHA-256).
func isCommitID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, b := range []byte(s) {
		if (b < '0' || b > '9') && (b < 'a' || b > 'f') {
			return false
		}
	}
	return true
}

// fetchArgs are common to every fetch: nothing but the objects asked for.
var fetchArgs = []string{"fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no", "--no-auto-gc", "--filter=blob:none"}

// Fetch makes sure the commits (full ids) and their trees are in the clone: those
// missing are fetched by id, or, when the forge refuses that, through the remote's refs.
func (r *Repo) Fetch(ctx context.Context, commits ...string) error {
	var want []string
	for _, id := range commits {
		if id == "" {
			continue
		}
		if !isCommitID(id) {
			return fmt.Errorf("clones: %q is not a full commit id", id)
		}
		want = append(want, id)
	}
	if len(want) == 0 {
		return nil
	}
	r.e.fetch.Lock()
	defer r.e.fetch.Unlock()
	missing := r.missingCommits(ctx, want)
	if len(missing) == 0 {
		return nil
	}
	defer r.cache.grew(r.e)
	defer r.compact()
	// Each commit gets a ref: later fetches then tell the forge what the clone has, and
	// get only what is new.
	args := append([]string{}, fetchArgs...)
	args = append(args, "origin")
	for _, id := range missing {
		args = append(args, "+"+id+":refs/reviewer/"+id)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cache.opts.FetchTimeout)
	defer cancel()
	_, err := r.cache.run.run(ctx, call{dir: r.e.dir, args: args, header: r.remote.Header})
	if err == nil {
		return nil
	}
	// One ref at a time: one that is gone (a change merged and its ref pruned) must not
	// fail the others.
	errs := []error{err}
	for i, ref := range r.remote.Refs {
		if ctx.Err() != nil || !validRef(ref) {
			continue
		}
		args := append(append([]string{}, fetchArgs...), "origin", "+"+ref+":refs/reviewer/ref"+strconv.Itoa(i))
		if _, err := r.cache.run.run(ctx, call{dir: r.e.dir, args: args, header: r.remote.Header}); err != nil {
			errs = append(errs, err)
		}
	}
	if still := r.missingCommits(ctx, missing); len(still) > 0 {
		return fmt.Errorf("clones: fetch %s: commit %s: %w", r.e.key, still[0], errors.Join(errs...))
	}
	return nil
}

// validRef accepts a ref a fetch may name: HEAD or under refs/, no refspec syntax, no
// ranges.
func validRef(ref string) bool {
	return (ref == "HEAD" || strings.HasPrefix(ref, "refs/")) && !strings.ContainsAny(ref, ":+*^~?[\\ \t\n") && !strings.Contains(ref, "..")
}

// missingCommits returns the ids whose commit the clone lacks, without fetching them.
func (r *Repo) missingCommits(ctx context.Context, ids []string) []string {
	var missing []string
	for _, id := range ids {
		// --missing keeps rev-list from fetching what it does not have.
		args := []string{"rev-list", "--no-walk", "--missing=print", "--end-of-options", id}
		if _, err := r.cache.run.run(ctx, call{dir: r.e.dir, args: args}); err != nil {
			missing = append(missing, id)
		}
	}
	return missing
}

// blob is a file of a tree.
type blob struct{ name, id string }

// Tree returns the files under paths (files or directories) at commit rev as a file
// system; missing paths are absent, and so are files over Options.MaxFileBytes. The
// commit must have been fetched; the blobs are fetched here, in one request.
func (r *Repo) Tree(ctx context.Context, rev string, paths []string) (fs.FS, error) {
	fsys, _, err := r.read(ctx, rev, paths, false)
	return fsys, err
}

// ReadFile returns one file at commit rev: fs.ErrNotExist when there is none (a
// directory is none: nothing under it is fetched or read), reviewer.ErrTooLarge when it
// is over Options.MaxFileBytes.
func (r *Repo) ReadFile(ctx context.Context, rev, name string) ([]byte, error) {
	name = path.Clean(name)
	fsys, large, err := r.read(ctx, rev, []string{name}, true)
	if errors.Is(err, errFetchTooLarge) {
		// One file, and the fetch of it passed the bound: it is over MaxFileBytes.
		return nil, fmt.Errorf("%s at %s: %w: over %d bytes", name, rev, reviewer.ErrTooLarge, r.cache.opts.MaxFileBytes)
	}
	if err != nil {
		return nil, err
	}
	if large[name] {
		return nil, fmt.Errorf("%s at %s: %w: over %d bytes", name, rev, reviewer.ErrTooLarge, r.cache.opts.MaxFileBytes)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", name, rev, fs.ErrNotExist)
	}
	return data, nil
}

// readSlack is what a read's fetch may grow the clone by beyond its files' bound: a
// pack's own index and headers.
const readSlack = 1 << 20

// read reads the files under paths at rev; exact reads only files named by a path.
func (r *Repo) read(ctx context.Context, rev string, paths []string, exact bool) (fstest.MapFS, map[string]bool, error) {
	if !isCommitID(rev) {
		return nil, nil, fmt.Errorf("clones: %q is not a full commit id", rev)
	}
	if missing := r.missingCommits(ctx, []string{rev}); len(missing) > 0 {
		return nil, nil, fmt.Errorf("clones: %s: commit %s not fetched", r.e.key, rev)
	}
	if len(paths) == 0 {
		// No paths is no files, not the whole tree (ls-tree's reading).
		return fstest.MapFS{}, nil, nil
	}
	blobs, err := r.list(ctx, rev, paths)
	if err != nil {
		return nil, nil, err
	}
	if exact {
		blobs = slices.DeleteFunc(blobs, func(b blob) bool { return !slices.Contains(paths, b.name) })
	}
	fsys := fstest.MapFS{}
	if len(blobs) == 0 {
		return fsys, nil, nil
	}
	// Files over MaxFileBytes are left out below, once fetched: the fetch itself is bounded
	// too, or a file a change made huge would be written to disk first.
	if err := r.fetchBlobs(ctx, rev, paths, blobs, r.cache.opts.MaxFileBytes*int64(len(blobs))+readSlack); err != nil {
		return nil, nil, err
	}
	large, err := r.cat(ctx, blobs, fsys)
	if err != nil {
		return nil, nil, fmt.Errorf("clones: read files of %s at %s: %w", r.e.key, rev, err)
	}
	return fsys, large, nil
}

// list returns the blobs under paths at rev. The trees are in the clone; the blobs may
// not be.
func (r *Repo) list(ctx context.Context, rev string, paths []string) ([]blob, error) {
	// After --end-of-options, ls-tree takes a "--" for one more path: a top directory
	// "--" would be fetched and read with every file. The paths alone.
	args := append([]string{"ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev}, paths...)
	out, err := r.cache.run.run(ctx, call{dir: r.e.dir, args: args, maxOut: 64 << 20})
	if err != nil {
		return nil, fmt.Errorf("clones: list files of %s at %s: %w", r.e.key, rev, err)
	}
	var blobs []blob
	for rec := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		// "<mode> SP <type> SP <object> TAB <file>"; submodules (commit) and symbolic
		// links (a blob of mode 120000) are left out, as the forges' adapters do.
		meta, name, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[1] != "blob" || f[0] == "120000" {
			continue
		}
		blobs = append(blobs, blob{name: path.Clean(name), id: f[2]})
	}
	return blobs, nil
}

// errFetchTooLarge reports a fetch stopped at its byte bound.
var errFetchTooLarge = errors.New("the fetch passed its size bound")

// sizeCheck is how often a bounded fetch looks at what it has written.
const sizeCheck = 500 * time.Millisecond

// fetchBlobs fetches, in one request, the blobs the clone lacks. A limit over 0 bounds
// the bytes the clone may grow by: git is stopped once it passes it, and the fetch fails
// with errFetchTooLarge, what it wrote removed (also when it was too quick to stop and
// ended past the bound).
func (r *Repo) fetchBlobs(ctx context.Context, rev string, paths []string, blobs []blob, limit int64) error {
	// The tree, not the commit: a commit that does not touch the paths would be
	// simplified away, and its objects with it.
	args := append([]string{"rev-list", "--objects", "--no-walk", "--missing=print", "--end-of-options", rev + "^{tree}", "--"}, paths...)
	out, err := r.cache.run.run(ctx, call{dir: r.e.dir, args: args, maxOut: 64 << 20})
	if err != nil {
		return fmt.Errorf("clones: objects of %s at %s: %w", r.e.key, rev, err)
	}
	absent := map[string]bool{}
	for line := range strings.SplitSeq(string(out), "\n") {
		if id, ok := strings.CutPrefix(line, "?"); ok {
			absent[id] = true
		}
	}
	var stdin strings.Builder
	for _, b := range blobs {
		if absent[b.id] {
			stdin.WriteString(b.id + "\n")
			delete(absent, b.id)
		}
	}
	if stdin.Len() == 0 {
		return nil
	}
	r.e.fetch.Lock()
	defer r.e.fetch.Unlock()
	defer r.cache.grew(r.e)
	defer r.compact()
	// What the clone has says nothing about which blobs are wanted: no negotiation.
	fargs := append([]string{"-c", "fetch.negotiationAlgorithm=noop"}, fetchArgs...)
	fargs = append(fargs, "--stdin", "origin")
	ctx, cancel := context.WithTimeout(ctx, r.cache.opts.FetchTimeout)
	defer cancel()
	var before int64
	var over atomic.Bool
	var packs []string
	if limit > 0 {
		packs = packFiles(r.e.dir)
		before = dirSize(packDir(r.e.dir))
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(sizeCheck)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					if dirSize(packDir(r.e.dir))-before > limit {
						over.Store(true)
						cancel()
						return
					}
				}
			}
		}()
	}
	_, err = r.cache.run.run(ctx, call{dir: r.e.dir, args: fargs, stdin: strings.NewReader(stdin.String()), header: r.remote.Header})
	if limit > 0 && (over.Load() || dirSize(packDir(r.e.dir))-before > limit) {
		removeNewPacks(r.e.dir, packs)
		return fmt.Errorf("clones: fetch files of %s at %s: %w (%d bytes)", r.e.key, rev, errFetchTooLarge, limit)
	}
	if err != nil {
		return fmt.Errorf("clones: fetch files of %s at %s: %w", r.e.key, rev, err)
	}
	return nil
}

// maxPacks is how many packs a clone may hold before it is repacked into one. Every
// fetch writes a pack (a review's commits, then its files), and git looks an object up
// in each pack in turn: a clone that served a thousand reviews would hold a thousand.
const maxPacks = 32

// compact repacks the clone into one pack when its fetches have left more than maxPacks.
// It runs with the fetch lock held, so no fetch writes a pack meanwhile; readers keep
// the packs they opened (git removes the old ones only once the new one is complete, and
// an open file outlives its name). A clone that fails to repack keeps its packs.
func (r *Repo) compact() {
	if len(packFiles(r.e.dir)) <= maxPacks {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cache.opts.FetchTimeout)
	defer cancel()
	if _, err := r.cache.run.run(ctx, call{dir: r.e.dir, args: []string{"repack", "-a", "-d", "-q", "--no-write-bitmap-index"}}); err != nil {
		r.cache.logger.Warn("clone not repacked", slog.String("repo", r.e.key), slog.String("error", err.Error()))
	}
}

// packDir is where a clone's fetches write: a fetch from a promisor remote keeps its
// pack whole, however few objects it holds, so a fetch grows this directory alone.
func packDir(dir string) string { return filepath.Join(dir, "objects", "pack") }

// packFiles lists the packs of the clone at dir, by file name.
func packFiles(dir string) []string {
	packs, _ := filepath.Glob(filepath.Join(packDir(dir), "*.pack"))
	return packs
}

// removeNewPacks removes what a fetch over its bound wrote: the packs not in before,
// with their index and the other files git keeps beside a pack, and any pack git was
// still writing (tmp_*). The fetch lock is held, so no other fetch writes packs, and no
// read wants what this fetch brought.
func removeNewPacks(dir string, before []string) {
	for _, p := range packFiles(dir) {
		if slices.Contains(before, p) {
			continue
		}
		base := strings.TrimSuffix(p, ".pack")
		for _, ext := range []string{".keep", ".idx", ".rev", ".bitmap", ".promisor", ".mtimes", ".pack"} {
			_ = os.Remove(base + ext)
		}
	}
	tmp, _ := filepath.Glob(filepath.Join(packDir(dir), "tmp_*"))
	for _, f := range tmp {
		_ = os.Remove(f)
	}
}

// cat reads the blobs into fsys, streaming: a blob over the bound is skipped, never
// held in memory. It returns the names of those skipped.
func (r *Repo) cat(ctx context.Context, blobs []blob, fsys fstest.MapFS) (map[string]bool, error) {
	var stdin strings.Builder
	for _, b := range blobs {
		stdin.WriteString(b.id + "\n")
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := r.cache.run.run(ctx, call{dir: r.e.dir, args: []string{"cat-file", "--batch"}, stdin: strings.NewReader(stdin.String()), stdout: pw})
		pw.CloseWithError(err)
		done <- err
	}()
	large, err := readBatch(bufio.NewReader(pr), blobs, r.cache.opts.MaxFileBytes, fsys)
	// Unblock git if we stopped reading early.
	pr.CloseWithError(io.ErrClosedPipe)
	if werr := <-done; err == nil && werr != nil {
		err = werr
	}
	return large, err
}

// readBatch reads cat-file --batch output for blobs.
func readBatch(br *bufio.Reader, blobs []blob, limit int64, fsys fstest.MapFS) (map[string]bool, error) {
	large := map[string]bool{}
	for _, b := range blobs {
		hdr, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.name, err)
		}
		f := strings.Fields(hdr) // "<id> blob <size>", or "<id> missing"
		if len(f) != 3 || f[1] != "blob" {
			return nil, fmt.Errorf("%s: unexpected cat-file header %q", b.name, strings.TrimSpace(hdr))
		}
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("%s: bad size in %q", b.name, strings.TrimSpace(hdr))
		}
		if size > limit {
			large[b.name] = true
			if _, err := io.CopyN(io.Discard, br, size+1); err != nil {
				return nil, fmt.Errorf("%s: %w", b.name, err)
			}
			continue
		}
		data := make([]byte, size+1) // the content and the newline cat-file adds
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, fmt.Errorf("%s: %w", b.name, err)
		}
		fsys[b.name] = &fstest.MapFile{Data: data[:size], Mode: 0o444}
	}
	return large, nil
}

// Git runs a read-only git command in the clone (git grep at a commit, ls-tree) with the
// cache's hardening, its output bounded by maxOut bytes. It has no token: a command that
// needs a blob the clone lacks fails rather than fetch it.
func (r *Repo) Git(ctx context.Context, maxOut int64, args ...string) ([]byte, error) {
	return r.cache.run.run(ctx, call{dir: r.e.dir, args: args, maxOut: maxOut})
}
