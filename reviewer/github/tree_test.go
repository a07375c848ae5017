package github_test

import (
	"encoding/base64"
	"io/fs"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

func TestTree(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	const base = "9c48853fa3dc5c1c3d6f1f1cd1f2743e72652840"
	files := map[string]string{
		".reviewer/rules/errors.md":    "---\nid: go-wrap-errors\n---\nWrap errors.\n",
		".reviewer/rules/sql/query.md": "---\nid: sql-params\n---\nUse parameters.\n",
		".reviewer.yaml":               "ignore: [\"vendor/**\"]\n",
		".reviewer.yaml.bak":           "not asked for\n",
		"main.go":                      "package main\n",
	}
	entry := func(path, typ, mode string) map[string]any {
		return map[string]any{"path": path, "mode": mode, "type": typ, "sha": "3d21ec53a331a6f037a91c368710b99387d012c1", "url": "https://api.github.com/x"}
	}
	f.HandleFunc("GET /repos/octocat/Hello-World/git/trees/{sha}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("sha") != base || r.URL.Query().Get("recursive") == "" {
			t.Errorf("tree request %s?%s", r.URL.Path, r.URL.RawQuery)
		}
		fakegithub.WriteJSON(w, http.StatusOK, map[string]any{
			"sha": base, "url": "https://api.github.com/x", "truncated": false,
			"tree": []any{
				entry(".reviewer", "tree", "040000"),
				entry(".reviewer/rules", "tree", "040000"),
				entry(".reviewer/rules/errors.md", "blob", "100644"),
				entry(".reviewer/rules/link.md", "blob", "120000"),
				entry(".reviewer/rules/sql", "tree", "040000"),
				entry(".reviewer/rules/sql/query.md", "blob", "100644"),
				entry(".reviewer.yaml", "blob", "100644"),
				entry(".reviewer.yaml.bak", "blob", "100644"),
				entry("main.go", "blob", "100644"),
			},
		})
	})
	f.HandleFunc("GET /repos/octocat/Hello-World/contents/{path...}", func(w http.ResponseWriter, r *http.Request) {
		p := r.PathValue("path")
		if r.URL.Query().Get("ref") != base {
			t.Errorf("contents of %s at ref %q, want the base", p, r.URL.Query().Get("ref"))
		}
		text, ok := files[p]
		if !ok {
			fakegithub.WriteError(w, http.StatusNotFound, "Not Found")
			return
		}
		fakegithub.WriteJSON(w, http.StatusOK, with(fixtureObject(t, "content-file-response-if-content-is-a-file.json"),
			"path", p, "content", base64.StdEncoding.EncodeToString([]byte(text)), "size", len(text)))
	})
	c := f.client(t)
	fsys, err := c.Tree(t.Context(), testChange, base, []string{".reviewer/rules", ".reviewer.yaml", ".github/copilot-instructions.md"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		got[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		".reviewer/rules/errors.md":    files[".reviewer/rules/errors.md"],
		".reviewer/rules/sql/query.md": files[".reviewer/rules/sql/query.md"],
		".reviewer.yaml":               files[".reviewer.yaml"],
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
	if n := c.APICalls(); n != 4 {
		t.Errorf("APICalls = %d, want 4 (one tree, three files)", n)
	}
}
