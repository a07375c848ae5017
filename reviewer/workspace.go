package reviewer

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Workspace reads the repository of a change at a revision, for the model's tools. The
// pipeline validates every path before it asks (relative, clean, no "..", no leading "-"
// or ":") and withholds what the filter and the withheld list leave out; an
// implementation still never follows a path out of the repository. What else it can do
// it says by implementing Lister and Grepper; the tools it cannot serve are not offered.
type Workspace interface {
	// ReadFile returns the content of the file at path at revision rev. A file larger
	// than limit bytes is an error wrapping ErrTooLarge; a missing one wraps
	// fs.ErrNotExist.
	ReadFile(ctx context.Context, rev, path string, limit int) ([]byte, error)
}

// Lister is a Workspace that can list a directory. Without it, list_dir is not offered.
type Lister interface {
	// ListDir returns the names in directory dir ("." for the root) at revision rev,
	// sorted, each directory's with a trailing "/". A missing directory wraps
	// fs.ErrNotExist.
	ListDir(ctx context.Context, rev, dir string) ([]string, error)
}

// Grepper is a Workspace that can also search file contents at a revision. Without it,
// the search and find_definition tools are not offered.
type Grepper interface {
	Grep(ctx context.Context, rev string, q GrepQuery) ([]GrepHit, error)
}

// GrepQuery is one search. A Pattern is matched as a fixed string unless Extended is set;
// extended patterns are built by the pipeline alone (from a validated identifier), never
// taken from the model.
type GrepQuery struct {
	Pattern  string
	Extended bool
	// Glob, when set, limits the search to matching paths (git's glob pathspec).
	Glob string
	// MaxHits bounds the hits returned; the search stops once it has them.
	MaxHits int
}

// GrepHit is one matching line.
type GrepHit struct {
	Path string
	Line int
	Text string
}

// FileReader is a TreeReader that can read one file alone. A path that is a directory
// (or a symbolic link, or a submodule) is no file: nothing under it is read, and the
// error wraps fs.ErrNotExist. A file over the reader's own bound wraps ErrTooLarge.
type FileReader interface {
	ReadFile(ctx context.Context, c Change, rev, path string) ([]byte, error)
}

// TreeWorkspace is a Workspace over a TreeReader: a forge's file API or a cache of
// clones. It reads files only: a TreeReader reads every file under a directory it is
// asked for (on a forge, one API request each), which is no way to list one, and it
// cannot search. A read goes through FileReader when tr is one: the model's path may
// name a directory, and reading all of it would spend the forge's rate limit or the
// memory of the server on one call.
func TreeWorkspace(tr TreeReader, c Change) Workspace { return treeWorkspace{tr: tr, c: c} }

type treeWorkspace struct {
	tr TreeReader
	c  Change
}

func (w treeWorkspace) ReadFile(ctx context.Context, rev, p string, limit int) ([]byte, error) {
	if fr, ok := w.tr.(FileReader); ok {
		data, err := fr.ReadFile(ctx, w.c, rev, p)
		if err == nil && len(data) > limit {
			return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(data))
		}
		return data, err
	}
	fsys, err := w.tr.Tree(ctx, w.c, rev, []string{p})
	if err != nil {
		return nil, err
	}
	st, err := fs.Stat(fsys, p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", p)
	}
	if st.Size() > int64(limit) {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, st.Size())
	}
	return fs.ReadFile(fsys, p)
}

// FSWorkspace is a Workspace, Lister and Grepper over one file system taken as every
// revision: an evaluation case's tree, which has no history. Its search is Go's: fixed
// strings, and the pipeline's extended patterns compiled as RE2, which runs in linear time.
func FSWorkspace(fsys fs.FS) Workspace { return fsWorkspace{fsys: fsys} }

type fsWorkspace struct{ fsys fs.FS }

var (
	_ Lister  = fsWorkspace{}
	_ Grepper = fsWorkspace{}
)

func (w fsWorkspace) ReadFile(_ context.Context, _, p string, limit int) ([]byte, error) {
	st, err := fs.Stat(w.fsys, p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", p)
	}
	if st.Size() > int64(limit) {
		return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, st.Size())
	}
	return fs.ReadFile(w.fsys, p)
}

func (w fsWorkspace) ListDir(_ context.Context, _, dir string) ([]string, error) {
	entries, err := fs.ReadDir(w.fsys, dir)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		out = append(out, name)
	}
	return out, nil
}

// maxFSGrepFile bounds the files FSWorkspace searches, as git grep skips nothing but
// binary files: a tree of an evaluation case is small.
const maxFSGrepFile = 1 << 20

func (w fsWorkspace) Grep(ctx context.Context, _ string, q GrepQuery) ([]GrepHit, error) {
	match := func(s string) bool { return strings.Contains(s, q.Pattern) }
	if q.Extended {
		re, err := regexp.Compile(q.Pattern)
		if err != nil {
			return nil, fmt.Errorf("grep: %w", err)
		}
		match = re.MatchString
	}
	var hits []GrepHit
	err := fs.WalkDir(w.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(hits) >= q.MaxHits {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if q.Glob != "" && !doublestar.MatchUnvalidated(q.Glob, p) {
			return nil
		}
		if info, err := d.Info(); err != nil || info.Size() > maxFSGrepFile {
			return err
		}
		data, err := fs.ReadFile(w.fsys, p)
		if err != nil || bytes.IndexByte(data, 0) >= 0 {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if len(hits) >= q.MaxHits {
				break
			}
			if match(line) {
				hits = append(hits, GrepHit{Path: p, Line: i + 1, Text: strings.TrimSuffix(line, "\r")})
			}
		}
		return nil
	})
	return hits, err
}
