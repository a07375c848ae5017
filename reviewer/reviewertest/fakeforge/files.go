package fakeforge

import (
	"slices"
	"strings"
	"sync"
)

// Files are whole files a test sets at a revision, which a fake forge serves in place of
// what it can rebuild from a diff (HeadContent): the full head version of a changed file,
// or a file the change does not touch that the model's tools read. The zero value holds
// none; it is safe for concurrent use.
type Files struct {
	mu    sync.Mutex
	byRev map[string]map[string]string
}

// Set makes content the file at path at revision rev.
func (fs *Files) Set(rev, path, content string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.byRev == nil {
		fs.byRev = map[string]map[string]string{}
	}
	if fs.byRev[rev] == nil {
		fs.byRev[rev] = map[string]string{}
	}
	fs.byRev[rev][path] = content
}

// Get returns the file at path at revision rev, if one was set.
func (fs *Files) Get(rev, path string) (string, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	content, ok := fs.byRev[rev][path]
	return content, ok
}

// Under returns the paths of the files set at revision rev that are dir or below it
// ("" is every one), sorted.
func (fs *Files) Under(rev, dir string) []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []string
	for p := range fs.byRev[rev] {
		if dir == "" || p == dir || strings.HasPrefix(p, dir+"/") {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
