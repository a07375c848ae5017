package git

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Repo is a local git work tree.
type Repo struct {
	root string
}

// Open finds the work tree that contains dir.
func Open(ctx context.Context, dir string) (*Repo, error) {
	out, err := run(ctx, dir, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not in a git work tree: %w", dir, err)
	}
	return &Repo{root: strings.TrimSpace(string(out))}, nil
}

// Root is the top directory of the work tree.
func (r *Repo) Root() string { return r.root }

// Commit resolves a revision to a full commit id.
func (r *Repo) Commit(ctx context.Context, rev string) (string, error) {
	out, err := r.git(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("resolve %q: not a commit", rev)
	}
	return strings.TrimSpace(string(out)), nil
}

// MergeBase returns the best common ancestor of a and b.
func (r *Repo) MergeBase(ctx context.Context, a, b string) (string, error) {
	out, err := r.git(ctx, "merge-base", "--end-of-options", a, b)
	if err != nil {
		return "", fmt.Errorf("merge base of %s and %s: %w", a, b, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// DefaultBranch guesses the branch changes are merged into: the remote's HEAD when it is
// known, else the first of main, master, origin/main, origin/master that exists.
func (r *Repo) DefaultBranch(ctx context.Context) (string, error) {
	if out, err := r.git(ctx, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"); err == nil {
		return strings.TrimSpace(string(out)), nil
	}
	for _, b := range []string{"main", "master", "origin/main", "origin/master"} {
		if _, err := r.Commit(ctx, b); err == nil {
			return b, nil
		}
	}
	return "", errors.New("no default branch found (tried origin/HEAD, main, master, origin/main, origin/master): pass --base")
}

// Messages returns the messages of the commits in base..head, newest first, and the name
// of the branch checked out ("" on a detached head). They give the model what a pull
// request's title and description would.
func (r *Repo) Messages(ctx context.Context, base, head string) (msgs []string, branch string, err error) {
	out, err := r.git(ctx, "log", "--no-color", "--format=%B%x00", "--end-of-options", base+".."+head)
	if err != nil {
		return nil, "", fmt.Errorf("commit messages of %s..%s: %w", base, head, err)
	}
	for m := range strings.SplitSeq(string(out), "\x00") {
		if m = strings.TrimSpace(m); m != "" {
			msgs = append(msgs, m)
		}
	}
	if b, err := r.git(ctx, "symbolic-ref", "--quiet", "--short", "HEAD"); err == nil {
		branch = strings.TrimSpace(string(b))
	}
	return msgs, branch, nil
}

// diffArgs pin the output format whatever the user's configuration says.
var diffArgs = []string{
	"-c", "core.quotePath=true", "-c", "diff.noprefix=false", "-c", "diff.mnemonicPrefix=false",
	"-c", "diff.relative=false", "-c", "diff.external=",
	"diff", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames",
	"--src-prefix=a/", "--dst-prefix=b/", "--full-index", "--submodule=short",
}

// DiffOptions shape a diff.
type DiffOptions struct {
	// Untracked includes, when diffing against the work tree, the files git does not
	// track and does not ignore, as added files.
	Untracked bool
	// Context is the number of unchanged lines around each change; 0 means git's default.
	Context int
}

// Diff returns the diff from base to head. An empty head diffs base against the work tree
// (staged and unstaged changes of tracked files).
//
// A diff of two commits reads no .gitattributes of the repository (see commitDiff): in a
// CI job the work tree is the change's head, whose .gitattributes the change's author
// wrote, and "* -diff" there would show every file as binary, out of review.
func (r *Repo) Diff(ctx context.Context, base, head string, opts DiffOptions) ([]byte, error) {
	args := slices.Clone(diffArgs)
	if opts.Context > 0 {
		args = append(args, "--unified="+strconv.Itoa(opts.Context))
	}
	args = append(args, "--end-of-options", base)
	if head != "" {
		return r.commitDiff(ctx, append(args, head))
	}
	out, err := r.git(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("git diff: %w", err)
	}
	if !opts.Untracked {
		return out, nil
	}
	names, err := r.git(ctx, "ls-files", "-z", "--others", "--exclude-standard")
	if err != nil {
		return nil, fmt.Errorf("list untracked files: %w", err)
	}
	buf := bytes.NewBuffer(out)
	for name := range strings.SplitSeq(strings.TrimSuffix(string(names), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		// git diff --no-index exits 1 when the files differ, which they always do here.
		// The same flags without "--end-of-options BASE", which --no-index does not take.
		d, err := r.git(ctx, append(args[:len(args)-2:len(args)-2], "--no-index", "--", "/dev/null", name)...)
		var ee *exec.ExitError
		if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
			return nil, fmt.Errorf("diff untracked file %s: %w", name, err)
		}
		buf.Write(d)
	}
	return buf.Bytes(), nil
}

// commitDiff runs git diff args, a diff of two commits, where git finds no attributes
// but the operator's own (core.attributesFile, $GIT_DIR/info/attributes): git reads
// .gitattributes from the work tree, and from the index for a file the work tree lacks,
// so it runs in an empty directory as its work tree, with an index that does not exist.
// A binary file is still known by its content.
func (r *Repo) commitDiff(ctx context.Context, args []string) ([]byte, error) {
	gitDir, err := r.git(ctx, "rev-parse", "--absolute-git-dir")
	if err != nil {
		return nil, fmt.Errorf("git diff: find the git directory: %w", err)
	}
	empty, err := os.MkdirTemp("", "reviewer-diff-")
	if err != nil {
		return nil, fmt.Errorf("git diff: %w", err)
	}
	defer func() { _ = os.RemoveAll(empty) }()
	args = append([]string{"--git-dir=" + strings.TrimSpace(string(gitDir)), "--work-tree=" + empty}, args...)
	out, err := runEnv(ctx, empty, nil, []string{"GIT_INDEX_FILE=" + filepath.Join(empty, "index")}, args...)
	if err != nil {
		return nil, fmt.Errorf("git diff: %w", err)
	}
	return out, nil
}

// FS returns the files of revision rev under the given paths (files or directories,
// relative to the root) as a read-only file system. Paths that do not exist at rev are
// simply absent.
func (r *Repo) FS(ctx context.Context, rev string, paths ...string) (fs.FS, error) {
	if len(paths) == 0 {
		return fstest.MapFS{}, nil
	}
	// After --end-of-options ls-tree takes a "--" for a path: none is given.
	args := []string{"ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev}
	out, err := r.git(ctx, append(args, paths...)...)
	if err != nil {
		return nil, fmt.Errorf("list files of %s: %w", rev, err)
	}
	type entry struct{ name, id string }
	var entries []entry
	for rec := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		// "<mode> SP <type> SP <object> TAB <file>"
		meta, name, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 || f[1] != "blob" {
			continue
		}
		entries = append(entries, entry{name, f[2]})
	}
	fsys := fstest.MapFS{}
	if len(entries) == 0 {
		return fsys, nil
	}
	var in bytes.Buffer
	for _, e := range entries {
		in.WriteString(e.id + "\n")
	}
	blobs, err := run(ctx, r.root, &in, "cat-file", "--batch")
	if err != nil {
		return nil, fmt.Errorf("read files of %s: %w", rev, err)
	}
	br := bufio.NewReader(bytes.NewReader(blobs))
	for _, e := range entries {
		hdr, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read %s at %s: %w", e.name, rev, err)
		}
		f := strings.Fields(hdr) // "<id> blob <size>"
		if len(f) != 3 {
			return nil, fmt.Errorf("read %s at %s: unexpected cat-file header %q", e.name, rev, hdr)
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("read %s at %s: bad size in %q", e.name, rev, hdr)
		}
		data := make([]byte, size+1) // content and the newline cat-file adds
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, fmt.Errorf("read %s at %s: %w", e.name, rev, err)
		}
		fsys[path.Clean(e.name)] = &fstest.MapFile{Data: data[:size], Mode: 0o444}
	}
	return fsys, nil
}

// Tree implements reviewer.TreeReader: the files under paths at revision rev.
func (r *Repo) Tree(ctx context.Context, _ reviewer.Change, rev string, paths []string) (fs.FS, error) {
	return r.FS(ctx, rev, paths...)
}

var _ reviewer.TreeReader = (*Repo)(nil)

func (r *Repo) git(ctx context.Context, args ...string) ([]byte, error) {
	return run(ctx, r.root, nil, args...)
}

// run runs git in dir and returns its standard output; a failure carries git's own
// message.
func run(ctx context.Context, dir string, stdin io.Reader, args ...string) ([]byte, error) {
	return runEnv(ctx, dir, stdin, nil, args...)
}

// runEnv is run with more environment variables.
func runEnv(ctx context.Context, dir string, stdin io.Reader, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	// Keep git from paging, prompting or localising its messages.
	cmd.Env = append(cmd.Environ(), "GIT_PAGER=cat", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return out, err
		}
		return out, fmt.Errorf("%w: %s", err, msg)
	}
	return out, nil
}
