package gitlab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Tree returns the files under paths at revision rev. Each path is listed on its own
// (recursive tree listing with path=, paginated) rather than the whole repository, so the
// cost follows the rules files, not the size of the repository: a path with an extension is
// first read as a file, one without as a directory, and the other way when that finds
// nothing. Paths that do not exist are absent.
//
// GitLab API: https://docs.gitlab.com/api/repositories/#list-repository-tree and
// https://docs.gitlab.com/api/repository_files/#get-raw-file-from-repository
func (c *Client) Tree(ctx context.Context, ch reviewer.Change, rev string, paths []string) (fs.FS, error) {
	if ch.Repo == "" {
		return nil, errors.New("tree: change has no project")
	}
	if rev == "" {
		return nil, errors.New("tree: no revision")
	}
	out := fstest.MapFS{}
	for _, p := range paths {
		p = path.Clean(strings.TrimPrefix(p, "/"))
		if p == "." || !fs.ValidPath(p) {
			return nil, fmt.Errorf("tree: path %q: want a path below the repository root", p)
		}
		if _, done := out[p]; done {
			continue
		}
		var err error
		if path.Ext(p) != "" {
			var found bool
			if found, err = c.readFile(ctx, ch, rev, p, out); err == nil && !found {
				err = c.readDir(ctx, ch, rev, p, out)
			}
		} else {
			n := len(out)
			if err = c.readDir(ctx, ch, rev, p, out); err == nil && len(out) == n {
				_, err = c.readFile(ctx, ch, rev, p, out)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("tree %s at %s: %w", p, short(rev), err)
		}
	}
	return out, nil
}

// readDir adds the files under directory dir to out.
func (c *Client) readDir(ctx context.Context, ch reviewer.Change, rev, dir string, out fstest.MapFS) error {
	var blobs []string
	opt := &gl.ListTreeOptions{
		ListOptions: gl.ListOptions{PerPage: perPage},
		Path:        gl.Ptr(dir),
		Ref:         gl.Ptr(rev),
		Recursive:   gl.Ptr(true),
	}
	err := c.pages(ctx, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		page, r, err := c.api.Repositories.ListTree(ch.Repo, opt, o...)
		for _, n := range page {
			if n.Type == "blob" {
				blobs = append(blobs, n.Path)
			}
		}
		return r, err
	})
	if errors.Is(err, reviewer.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list repository tree: %w", err)
	}
	for _, b := range blobs {
		if _, err := c.readFile(ctx, ch, rev, b, out); err != nil {
			return err
		}
	}
	return nil
}

// readFile adds file name to out; found is false when there is no such file.
func (c *Client) readFile(ctx context.Context, ch reviewer.Change, rev, name string, out fstest.MapFS) (found bool, err error) {
	var data []byte
	opt := &gl.GetRawFileOptions{Ref: gl.Ptr(rev)}
	err = c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		data, r, err = c.api.RepositoryFiles.GetRawFile(ch.Repo, name, opt, o...)
		return r, err
	})
	if errors.Is(err, reviewer.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", name, err)
	}
	out[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	return true, nil
}

// ReadFile implements reviewer.FileReader: the file at path p at revision rev, through
// the raw file API alone, so that nothing under a directory of that name is read (the
// API answers 404 for a directory: fs.ErrNotExist).
func (c *Client) ReadFile(ctx context.Context, ch reviewer.Change, rev, p string) ([]byte, error) {
	if ch.Repo == "" || rev == "" {
		return nil, errors.New("read file: no project or no revision")
	}
	p = path.Clean(strings.TrimPrefix(p, "/"))
	if p == "." || !fs.ValidPath(p) {
		return nil, fmt.Errorf("read file: path %q: want a path below the repository root", p)
	}
	out := fstest.MapFS{}
	found, err := c.readFile(ctx, ch, rev, p, out)
	switch {
	case err != nil:
		return nil, fmt.Errorf("read %s at %s: %w", p, short(rev), err)
	case !found:
		return nil, fmt.Errorf("read %s at %s: %w", p, short(rev), fs.ErrNotExist)
	}
	return out[p].Data, nil
}

var _ reviewer.FileReader = (*Client)(nil)
