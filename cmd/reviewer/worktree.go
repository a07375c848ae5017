package main

import (
	"fmt"
	"io/fs"
	"os"
	"testing/fstest"
)

// worktreeFiles reads the files at paths from the work tree at root: the head of a review
// of uncommitted changes, for the context around its hunks. It reads through os.Root, so
// that no path or symbolic link leads outside the repository; only regular files are
// read, and any other path is absent, as a path missing at a revision is.
func worktreeFiles(root string, paths []string) (fs.FS, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("open the work tree: %w", err)
	}
	defer func() { _ = r.Close() }()
	out := fstest.MapFS{}
	for _, p := range paths {
		fi, err := r.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		data, err := r.ReadFile(p)
		if err != nil {
			continue
		}
		out[p] = &fstest.MapFile{Data: data, Mode: 0o444}
	}
	return out, nil
}
