package git_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git"
)

// toolRepo is newRepo with more files at head: code in a subdirectory, a file with a
// declaration, and a .gitattributes that would run a textconv driver on *.py.
func toolRepo(t *testing.T) (repo *git.Repo, dir, base, head string) {
	t.Helper()
	dir, base, _ = newRepo(t)
	write(t, dir, "src/lib/util.go", "package lib\n\n// Helper helps.\nfunc Helper() int { return 1 }\n\nfunc (s *Server) Serve() {}\n")
	write(t, dir, "src/lib/use.go", "package lib\n\nvar x = Helper()\n")
	write(t, dir, "web/app.ts", "export function Helper(a: number) {\n  return a\n}\nclass Widget {}\n")
	write(t, dir, ".gitattributes", "*.py diff=evil\n")
	sh(t, dir, "config", "diff.evil.textconv", "touch "+filepath.Join(dir, "PWNED")+" && cat")
	sh(t, dir, "add", "-A")
	sh(t, dir, "commit", "-q", "-m", "more")
	head = sh(t, dir, "rev-parse", "HEAD")
	r, err := git.Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return r, dir, base, head
}

func TestWorkspaceReadFile(t *testing.T) {
	t.Parallel()
	repo, dir, base, head := toolRepo(t)
	ctx := t.Context()
	got, err := repo.ReadFile(ctx, head, "src/app.py", 1<<20)
	if err != nil || string(got) != "x = 1\ny = 2\n" {
		t.Errorf("ReadFile(head) = %q, %v", got, err)
	}
	got, err = repo.ReadFile(ctx, base, "src/app.py", 1<<20)
	if err != nil || string(got) != "x = 1\n" {
		t.Errorf("ReadFile(base) = %q, %v", got, err)
	}
	if got, err := repo.ReadFile(ctx, head, "src/naïve name.py", 100); err != nil || string(got) != "z = 3\n" {
		t.Errorf("ReadFile(unicode name) = %q, %v", got, err)
	}
	if _, err := repo.ReadFile(ctx, base, "src/lib/util.go", 1<<20); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file absent at base: %v, want fs.ErrNotExist", err)
	}
	if _, err := repo.ReadFile(ctx, head, "src/lib", 1<<20); err == nil || !strings.Contains(err.Error(), "not a file") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := repo.ReadFile(ctx, head, "src/lib/util.go", 10); !errors.Is(err, reviewer.ErrTooLarge) {
		t.Errorf("over the limit: %v, want ErrTooLarge", err)
	}
	// Pathspec characters are literal: "src/*.py" is no file.
	if _, err := repo.ReadFile(ctx, head, "src/*.py", 1<<20); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a glob read as a path: %v", err)
	}
	for _, p := range []string{"../x", "/etc/passwd", "-p", ":(top)src/app.py", "src/../src/app.py", "./src/app.py", ""} {
		if _, err := repo.ReadFile(ctx, head, p, 1<<20); err == nil || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadFile(%q) = %v, want a refusal", p, err)
		}
	}
	if _, err := repo.ListDir(ctx, head, "src"); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Grep(ctx, head, reviewer.GrepQuery{Pattern: "x = 1", MaxHits: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
		t.Error("a textconv driver of the repository ran")
	}
}

func TestWorkspaceListDir(t *testing.T) {
	t.Parallel()
	repo, _, base, head := toolRepo(t)
	ctx := t.Context()
	got, err := repo.ListDir(ctx, head, ".")
	if diff := cmp.Diff([]string{".gitattributes", ".reviewer/", "src/", "web/"}, got); err != nil || diff != "" {
		t.Errorf("ListDir(.) (-want +got): %v\n%s", err, diff)
	}
	got, err = repo.ListDir(ctx, head, "src")
	if diff := cmp.Diff([]string{"app.py", "lib/", "naïve name.py"}, got); err != nil || diff != "" {
		t.Errorf("ListDir(src) (-want +got): %v\n%s", err, diff)
	}
	if _, err := repo.ListDir(ctx, base, "web"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a directory absent at base: %v", err)
	}
	if _, err := repo.ListDir(ctx, head, "../.."); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ListDir(../..) = %v, want a refusal", err)
	}
}

func TestWorkspaceGrep(t *testing.T) {
	t.Parallel()
	repo, _, _, head := toolRepo(t)
	ctx := t.Context()
	type hit = reviewer.GrepHit
	tests := []struct {
		name string
		q    reviewer.GrepQuery
		want []hit
	}{
		{"fixed", reviewer.GrepQuery{Pattern: "Helper()", MaxHits: 10}, []hit{
			{Path: "src/lib/use.go", Line: 3, Text: "var x = Helper()"},
			{Path: "src/lib/util.go", Line: 4, Text: "func Helper() int { return 1 }"},
		}},
		{"regex characters are literal", reviewer.GrepQuery{Pattern: "Help.r", MaxHits: 10}, nil},
		{"glob", reviewer.GrepQuery{Pattern: "Helper", Glob: "web/**", MaxHits: 10}, []hit{
			{Path: "web/app.ts", Line: 1, Text: "export function Helper(a: number) {"},
		}},
		{"bounded", reviewer.GrepQuery{Pattern: "Helper", MaxHits: 1}, []hit{
			{Path: "src/lib/use.go", Line: 3, Text: "var x = Helper()"},
		}},
		{"option-like pattern", reviewer.GrepQuery{Pattern: "--open-files-in-pager=sh", MaxHits: 10}, nil},
		{"unicode path", reviewer.GrepQuery{Pattern: "z = 3", MaxHits: 10}, []hit{
			{Path: "src/naïve name.py", Line: 1, Text: "z = 3"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := repo.Grep(ctx, head, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, g := range []string{"../**", "/etc/*", ":(exclude)src", "-x"} {
		if _, err := repo.Grep(ctx, head, reviewer.GrepQuery{Pattern: "Helper", Glob: g, MaxHits: 1}); err == nil {
			t.Errorf("glob %q was not refused", g)
		}
	}
}

// TestWorkspaceGrepExtended: the declaration pattern the pipeline builds for
// find_definition finds declarations in several languages and not uses.
func TestWorkspaceGrepExtended(t *testing.T) {
	t.Parallel()
	repo, _, _, head := toolRepo(t)
	find := func(sym string) []string {
		q, err := reviewer.DefinitionQuery(sym, 10)
		if err != nil {
			t.Fatal(err)
		}
		hits, err := repo.Grep(t.Context(), head, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.Path)
		}
		return out
	}
	if diff := cmp.Diff([]string{"src/lib/util.go", "web/app.ts"}, find("Helper")); diff != "" {
		t.Errorf("Helper (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"src/lib/util.go"}, find("Serve")); diff != "" {
		t.Errorf("a Go method (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"web/app.ts"}, find("Widget")); diff != "" {
		t.Errorf("a class (-want +got):\n%s", diff)
	}
}
