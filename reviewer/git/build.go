package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// buildEnv makes the commits Init and CommitFiles write the same whoever runs them, so the
// same files always give the same commit ids: a fixed author and date, and none of the
// user's or the system's git configuration (signing, hooks, default branch).
var buildEnv = []string{
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull,
	"GIT_AUTHOR_NAME=reviewer", "GIT_AUTHOR_EMAIL=reviewer@example.invalid", "GIT_AUTHOR_DATE=2000-01-01T00:00:00Z",
	"GIT_COMMITTER_NAME=reviewer", "GIT_COMMITTER_EMAIL=reviewer@example.invalid", "GIT_COMMITTER_DATE=2000-01-01T00:00:00Z",
}

// Init creates an empty repository in dir, which must exist, for commits made with
// CommitFiles. Its work tree stays empty: everything is read from its objects.
func Init(ctx context.Context, dir string) (*Repo, error) {
	if _, err := runEnv(ctx, dir, nil, buildEnv, "-c", "init.defaultBranch=main", "init", "--quiet", "."); err != nil {
		return nil, fmt.Errorf("git init %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &Repo{root: abs}, nil
}

// CommitFiles commits the regular files of fsys as the whole tree, on top of parent
// ("" for none), and returns the commit id. The work tree and the repository's index
// are left alone: the tree is built in an index of its own.
func (r *Repo) CommitFiles(ctx context.Context, fsys fs.FS, parent, msg string) (string, error) {
	index, err := os.CreateTemp("", "reviewer-index-")
	if err != nil {
		return "", err
	}
	name := index.Name()
	_ = index.Close()
	// git wants either no index file or a valid one.
	_ = os.Remove(name)
	defer func() { _ = os.Remove(name) }()
	env := append([]string{"GIT_INDEX_FILE=" + name}, buildEnv...)

	var list bytes.Buffer
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		id, err := runEnv(ctx, r.root, bytes.NewReader(data), buildEnv, "hash-object", "-w", "--no-filters", "--stdin")
		if err != nil {
			return fmt.Errorf("store %s: %w", p, err)
		}
		fmt.Fprintf(&list, "100644 %s\t%s\x00", strings.TrimSpace(string(id)), p)
		return nil
	})
	if err != nil {
		return "", err
	}
	if _, err := runEnv(ctx, r.root, &list, env, "update-index", "--add", "-z", "--index-info"); err != nil {
		return "", fmt.Errorf("index the files: %w", err)
	}
	tree, err := runEnv(ctx, r.root, nil, env, "write-tree")
	if err != nil {
		return "", fmt.Errorf("write the tree: %w", err)
	}
	args := []string{"commit-tree", "--no-gpg-sign", "-m", msg}
	if parent != "" {
		args = append(args, "-p", parent)
	}
	id, err := runEnv(ctx, r.root, nil, buildEnv, append(args, strings.TrimSpace(string(tree)))...)
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	return strings.TrimSpace(string(id)), nil
}

// ErrPatch is wrapped by PatchDiffers when the patch does not apply.
var ErrPatch = errors.New("the patch does not apply")

// PatchDiffers applies patch to the tree of commit base, in an index of its own, and
// returns the paths where the result differs from the tree of commit head: none when the
// patch turns base into head. A patch that does not apply is an error wrapping ErrPatch,
// with git's message (which names the file and line).
func (r *Repo) PatchDiffers(ctx context.Context, patch []byte, base, head string) ([]string, error) {
	index, err := os.CreateTemp("", "reviewer-index-")
	if err != nil {
		return nil, err
	}
	name := index.Name()
	_ = index.Close()
	_ = os.Remove(name)
	defer func() { _ = os.Remove(name) }()
	env := append([]string{"GIT_INDEX_FILE=" + name}, buildEnv...)
	if _, err := runEnv(ctx, r.root, nil, env, "read-tree", "--end-of-options", base); err != nil {
		return nil, fmt.Errorf("read %s: %w", base, err)
	}
	if _, err := runEnv(ctx, r.root, bytes.NewReader(patch), env, "apply", "--cached", "--whitespace=nowarn", "-"); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPatch, err)
	}
	tree, err := runEnv(ctx, r.root, nil, env, "write-tree")
	if err != nil {
		return nil, fmt.Errorf("write the patched tree: %w", err)
	}
	out, err := runEnv(ctx, r.root, nil, buildEnv, "diff-tree", "-r", "--name-only", "-z", "--no-renames",
		strings.TrimSpace(string(tree)), head+"^{tree}")
	if err != nil {
		return nil, fmt.Errorf("compare with %s: %w", head, err)
	}
	var paths []string
	for p := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}
