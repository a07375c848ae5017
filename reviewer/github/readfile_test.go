package github_test

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// TestReadFileOneFile: the model's read_file reads one file through the API. A path
// that is a directory reads nothing under it (a request per file would spend the rate
// limit), and a symbolic link is not followed.
func TestReadFileOneFile(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	const head = "9c48853fa3dc5c1c3d6f1f1cd1f2743e72652840"
	entry := func(path, typ, mode string) map[string]any {
		return map[string]any{"path": path, "mode": mode, "type": typ, "sha": "3d21ec53a331a6f037a91c368710b99387d012c1", "url": "https://api.github.com/x"}
	}
	tree := []any{entry("main.go", "blob", "100644"), entry("lib", "tree", "040000"), entry("link.go", "blob", "120000")}
	for i := range 40 {
		tree = append(tree, entry("lib/f"+strconv.Itoa(i)+".go", "blob", "100644"))
	}
	f.HandleFunc("GET /repos/octocat/Hello-World/git/trees/{sha}", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteJSON(w, http.StatusOK, map[string]any{"sha": head, "url": "https://api.github.com/x", "truncated": false, "tree": tree})
	})
	f.HandleFunc("GET /repos/octocat/Hello-World/contents/{path...}", func(w http.ResponseWriter, r *http.Request) {
		p := r.PathValue("path")
		text := "package x // " + p + "\n"
		fakegithub.WriteJSON(w, http.StatusOK, with(fixtureObject(t, "content-file-response-if-content-is-a-file.json"),
			"path", p, "content", base64.StdEncoding.EncodeToString([]byte(text)), "size", len(text)))
	})
	c := f.client(t)
	ws := reviewer.TreeWorkspace(c, testChange)

	if _, err := ws.ReadFile(t.Context(), head, "lib", 1<<20); err == nil {
		t.Error("ReadFile(lib), a directory, gave no error")
	}
	if n := c.APICalls(); n != 1 {
		t.Errorf("ReadFile of a directory made %d API calls, want 1 (the tree)", n)
	}
	if _, err := ws.ReadFile(t.Context(), head, "link.go", 1<<20); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(link.go), a symbolic link: %v, want fs.ErrNotExist", err)
	}
	data, err := ws.ReadFile(t.Context(), head, "main.go", 1<<20)
	if err != nil || string(data) != "package x // main.go\n" {
		t.Errorf("ReadFile(main.go) = %q, %v", data, err)
	}
	if n := c.APICalls(); n != 4 {
		t.Errorf("APICalls = %d, want 4 (three trees, one file)", n)
	}
}
