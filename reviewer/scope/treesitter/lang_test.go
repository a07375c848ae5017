//go:build cgo

package treesitter_test

import (
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/scope/treesitter"
)

func TestLang(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"app/models/user.rb":     "ruby",
		"Rakefile":               "ruby",
		"lib/Gemfile":            "ruby",
		"src/main.rs":            "rust",
		"pkg/Queue.java":         "java",
		"a/b.py":                 "python",
		"stubs/x.pyi":            "python",
		"web/index.js":           "javascript",
		"web/App.jsx":            "javascript",
		"web/lib.mjs":            "javascript",
		"web/api.ts":             "typescript",
		"web/App.tsx":            "tsx",
		"src/ring.c":             "c",
		"include/ring.h":         "c",
		"src/queue.cc":           "cpp",
		"src/Queue.CPP":          "cpp",
		"include/queue.hpp":      "cpp",
		"main.go":                "",
		"README.md":              "",
		"Makefile":               "",
		"dir.rb/file":            "",
		".py":                    "python",
		"noext":                  "",
		"weird/ünïcödé.ts":       "typescript",
		"../../etc/passwd":       "",
		"a/b/c/d/e/f/g/h/i/j.rs": "rust",
	} {
		got, ok := treesitter.Lang(path)
		if got != want || ok != (want != "") {
			t.Errorf("Lang(%q) = %q, %v; want %q, %v", path, got, ok, want, want != "")
		}
	}
}

// TestWithoutCgo runs this package's tests in a build without cgo, where the stub of
// nocgo.go stands in: the image may be built that way, and so is `go install` on a machine
// without a C compiler.
func TestWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the package again without cgo")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build without cgo: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), gobin, "test", "-count=1", "-run", "^TestNoParser$", "-v", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test without cgo: %v\n%s", err, out)
	}
	if !regexpPass.Match(out) {
		t.Fatalf("go test without cgo did not run TestNoParser:\n%s", out)
	}
}

var regexpPass = regexp.MustCompile(`(?m)^--- PASS: TestNoParser`)
