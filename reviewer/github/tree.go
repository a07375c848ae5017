package github

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Tree returns the files under paths at revision rev. It lists the whole tree in one
// request (the git trees API, recursive) and reads only the files that match, one
// request each, with the contents API. Symbolic links and submodules are left out. When
// GitHub truncates the listing (a tree of more than 100,000 entries), it walks the
// requested paths with the contents API instead.
//
// GitHub API docs: https://docs.github.com/rest/git/trees#get-a-tree
// GitHub API docs: https://docs.github.com/rest/repos/contents#get-repository-content
func (cl *Client) Tree(ctx context.Context, c reviewer.Change, rev string, paths []string) (fs.FS, error) {
	return cl.tree(ctx, c, rev, paths, false)
}

// ReadFile implements reviewer.FileReader: the file at path p at revision rev, found in
// the listing of the tree as Tree finds it, so that a directory, a symbolic link or a
// submodule is no file (fs.ErrNotExist) and nothing under a directory is read.
func (cl *Client) ReadFile(ctx context.Context, c reviewer.Change, rev, p string) ([]byte, error) {
	fsys, err := cl.tree(ctx, c, rev, []string{p}, true)
	if err != nil {
		return nil, err
	}
	data, err := fs.ReadFile(fsys, strings.Trim(path.Clean("/"+p), "/"))
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", p, rev, fs.ErrNotExist)
	}
	return data, nil
}

var _ reviewer.FileReader = (*Client)(nil)

// tree is Tree; exact reads only the files that paths name, nothing under a directory.
func (cl *Client) tree(ctx context.Context, c reviewer.Change, rev string, paths []string, exact bool) (fs.FS, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return nil, err
	}
	if rev == "" {
		return nil, fmt.Errorf("read tree of %s: no revision", c.Repo)
	}
	want := cleanPaths(paths)
	out := fstest.MapFS{}
	if len(want) == 0 {
		return out, nil
	}
	tree, _, err := cl.gh.Git.GetTree(ctx, owner, name, rev, true)
	if err != nil {
		return nil, mapError(fmt.Sprintf("read tree at %s", rev), err)
	}
	if tree.GetTruncated() {
		for _, p := range want {
			if err := cl.walkContents(ctx, owner, name, rev, p, out, exact); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for _, e := range tree.Entries {
		p := e.GetPath()
		if e.GetType() != "blob" || e.GetMode() == "120000" || !under(p, want) || exact && !slices.Contains(want, p) {
			continue
		}
		data, err := cl.readFile(ctx, owner, name, rev, p)
		if err != nil {
			return nil, err
		}
		out[p] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return out, nil
}

func (cl *Client) readFile(ctx context.Context, owner, name, rev, p string) ([]byte, error) {
	file, _, _, err := cl.gh.Repositories.GetContents(ctx, owner, name, p, &github.RepositoryContentGetOptions{Ref: rev})
	if err != nil {
		return nil, mapError(fmt.Sprintf("read %s at %s", p, rev), err)
	}
	if file == nil {
		return nil, fmt.Errorf("read %s at %s: not a file", p, rev)
	}
	s, err := file.GetContent()
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", p, rev, err)
	}
	return []byte(s), nil
}

// walkContents adds the files under p to out, following directories unless exact. A
// path that does not exist is absent, not an error.
func (cl *Client) walkContents(ctx context.Context, owner, name, rev, p string, out fstest.MapFS, exact bool) error {
	file, dir, _, err := cl.gh.Repositories.GetContents(ctx, owner, name, p, &github.RepositoryContentGetOptions{Ref: rev})
	if statusOf(err) == 404 {
		return nil
	}
	if err != nil {
		return mapError(fmt.Sprintf("read %s at %s", p, rev), err)
	}
	if file != nil {
		if file.GetType() != "file" {
			return nil
		}
		s, err := file.GetContent()
		if err != nil {
			return fmt.Errorf("read %s at %s: %w", p, rev, err)
		}
		out[file.GetPath()] = &fstest.MapFile{Data: []byte(s), Mode: 0o644}
		return nil
	}
	if exact {
		return nil
	}
	for _, e := range dir {
		switch e.GetType() {
		case "file":
			data, err := cl.readFile(ctx, owner, name, rev, e.GetPath())
			if err != nil {
				return err
			}
			out[e.GetPath()] = &fstest.MapFile{Data: data, Mode: 0o644}
		case "dir":
			if err := cl.walkContents(ctx, owner, name, rev, e.GetPath(), out, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// cleanPaths makes paths slash-separated and relative; "." or "" asks for everything.
func cleanPaths(paths []string) []string {
	var out []string
	for _, p := range paths {
		p = strings.Trim(path.Clean("/"+p), "/")
		out = append(out, p)
	}
	return out
}

// under reports whether p is one of want or inside one of them.
func under(p string, want []string) bool {
	for _, w := range want {
		if w == "" || p == w || strings.HasPrefix(p, w+"/") {
			return true
		}
	}
	return false
}
