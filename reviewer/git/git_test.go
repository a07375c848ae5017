package git_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer/git"
)

// sh runs git in dir with a fixed identity and no user or system configuration.
func sh(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newRepo makes a repository with a main branch of one commit and a feature branch of one
// more, and returns its directory and the two commits.
func newRepo(t *testing.T) (dir, base, head string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir = t.TempDir()
	sh(t, dir, "init", "-q", "-b", "main")
	write(t, dir, ".reviewer/rules/a.md", "rule at base\n")
	write(t, dir, "src/app.py", "x = 1\n")
	sh(t, dir, "add", "-A")
	sh(t, dir, "commit", "-q", "-m", "base")
	base = sh(t, dir, "rev-parse", "HEAD")
	sh(t, dir, "checkout", "-q", "-b", "feature")
	write(t, dir, ".reviewer/rules/a.md", "rule rewritten by the change\n")
	write(t, dir, "src/app.py", "x = 1\ny = 2\n")
	write(t, dir, "src/naïve name.py", "z = 3\n")
	sh(t, dir, "add", "-A")
	sh(t, dir, "commit", "-q", "-m", "feature")
	head = sh(t, dir, "rev-parse", "HEAD")
	return dir, base, head
}

func TestRepo(t *testing.T) {
	t.Parallel()
	dir, base, head := newRepo(t)
	ctx := t.Context()
	repo, err := git.Open(ctx, filepath.Join(dir, "src"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := filepath.EvalSymlinks(repo.Root()); got != mustEval(t, dir) {
		t.Errorf("Root() = %s, want %s", got, dir)
	}
	def, err := repo.DefaultBranch(ctx)
	if err != nil || def != "main" {
		t.Errorf("DefaultBranch() = %q, %v; want main", def, err)
	}
	mb, err := repo.MergeBase(ctx, "main", "HEAD")
	if err != nil || mb != base {
		t.Errorf("MergeBase() = %q, %v; want %s", mb, err, base)
	}
	if c, err := repo.Commit(ctx, "HEAD"); err != nil || c != head {
		t.Errorf("Commit(HEAD) = %q, %v; want %s", c, err, head)
	}
	if _, err := repo.Commit(ctx, "no-such-branch"); err == nil || !strings.Contains(err.Error(), "no-such-branch") {
		t.Errorf("Commit(no-such-branch): got %v, want an error naming it", err)
	}

	msgs, branch, err := repo.Messages(ctx, base, head)
	if err != nil || branch != "feature" || !cmp.Equal(msgs, []string{"feature"}) {
		t.Errorf("Messages() = %q, %q, %v; want [feature], feature", msgs, branch, err)
	}

	d, err := repo.Diff(ctx, base, head, git.DiffOptions{Context: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"diff --git a/.reviewer/rules/a.md b/.reviewer/rules/a.md",
		"+y = 2",
		// core.quotePath=true whatever the user's configuration: the parser decodes it.
		`"b/src/na\303\257ve name.py"`,
	} {
		if !strings.Contains(string(d), want) {
			t.Errorf("Diff does not contain %q:\n%s", want, d)
		}
	}

	// Rules come from the base revision: the change's rewrite of a.md is not visible.
	fsys, err := repo.FS(ctx, base, ".reviewer/rules", ".reviewer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := fs.ReadFile(fsys, ".reviewer/rules/a.md")
	if err != nil || string(got) != "rule at base\n" {
		t.Errorf("FS(base) a.md = %q, %v; want the base version", got, err)
	}
	if _, err := fs.ReadFile(fsys, "src/app.py"); err == nil {
		t.Error("FS returned a file outside the requested paths")
	}
	if _, err := fs.Stat(fsys, ".reviewer.yaml"); err == nil {
		t.Error("FS returned .reviewer.yaml, which does not exist at base")
	}
}

func TestRepoUncommitted(t *testing.T) {
	t.Parallel()
	dir, _, _ := newRepo(t)
	ctx := t.Context()
	write(t, dir, "src/app.py", "x = 1\ny = 2\nz = eval(input())\n")
	write(t, dir, "notes/new.py", "import os\n")
	write(t, dir, ".gitignore", "*.log\n")
	write(t, dir, "debug.log", "ignored\n")
	repo, err := git.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := repo.Diff(ctx, "HEAD", "", git.DiffOptions{Untracked: true})
	if err != nil {
		t.Fatal(err)
	}
	var headers []string
	for _, l := range strings.Split(string(d), "\n") {
		if strings.HasPrefix(l, "diff --git ") {
			headers = append(headers, l)
		}
	}
	want := []string{
		"diff --git a/src/app.py b/src/app.py",
		"diff --git a/.gitignore b/.gitignore",
		"diff --git a/notes/new.py b/notes/new.py",
	}
	if diff := cmp.Diff(want, headers); diff != "" {
		t.Errorf("files in the uncommitted diff (-want +got):\n%s", diff)
	}
	d, err = repo.Diff(ctx, "HEAD", "", git.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(d), "notes/new.py") {
		t.Error("untracked file included without untracked")
	}
}

func TestOpenOutsideRepo(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	if _, err := git.Open(t.Context(), dir); err == nil || !strings.Contains(err.Error(), "not in a git work tree") {
		t.Errorf("Open(%s) = %v, want not in a git work tree", dir, err)
	}
}

func mustEval(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestDiffIgnoresChangeAttributes replays a change that switches its own review off with a
// .gitattributes it adds: "* -diff" makes git print "Binary files differ" for every file,
// which the filter takes out of review as binary (and binary files hold no code it can
// see), so nothing reached the model and the status was success. Attributes of the
// repository are not read for a diff of two commits: git still knows a binary file by
// its content.
func TestDiffIgnoresChangeAttributes(t *testing.T) {
	t.Parallel()
	dir, _, _ := newRepo(t)
	ctx := t.Context()
	base := sh(t, dir, "rev-parse", "HEAD")
	write(t, dir, ".gitattributes", "* -diff\n*.py binary\n")
	write(t, dir, "src/app.py", "x = 1\ny = 2\nos.system(input())\n")
	write(t, dir, "blob.bin", "a\x00b\n")
	sh(t, dir, "add", "-A")
	sh(t, dir, "commit", "-q", "-m", "switch the review off")
	head := sh(t, dir, "rev-parse", "HEAD")
	repo, err := git.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	d, err := repo.Diff(ctx, base, head, git.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"+os.system(input())", "+* -diff", "Binary files /dev/null and b/blob.bin differ"} {
		if !strings.Contains(string(d), want) {
			t.Errorf("Diff does not contain %q:\n%s", want, d)
		}
	}
}
