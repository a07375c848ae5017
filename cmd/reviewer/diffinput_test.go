package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runCmdStdin is runCmd with stdin.
func runCmdStdin(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), args, env{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, dir: dir})
	code := exitCode(err, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// TestReviewBadInput: input that is not a diff, or a diff cut inside its headers, used to
// review as a change with nothing in it (exit 0, "no findings") or, cut after "+++ ", as a
// deleted file. It is now bad input: exit 2, saying what was given and what to run.
func TestReviewBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	readme := "# My project\n\nIt does things.\n"
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
	cut := "diff --git a/app/x.py b/app/x.py\nindex 1..2 100644\n--- a/app/x.py\n+++ "
	writeFile(t, filepath.Join(dir, "README.md"), readme)
	writeFile(t, filepath.Join(dir, "logo.png"), png)
	writeFile(t, filepath.Join(dir, "cut.diff"), cut)
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  []string
		not   string // stderr must not say this
	}{
		{
			name: "readme file",
			args: []string{"--diff", "README.md"},
			want: []string{`README.md holds no diff: it starts with "# My project"`, "git diff --no-color > change.diff"},
		},
		{
			name:  "readme on stdin",
			stdin: readme,
			args:  []string{"--diff", "-"},
			want:  []string{`stdin holds no diff: it starts with "# My project"`, "git diff --no-color | reviewer review --diff -"},
		},
		{
			name: "image file",
			args: []string{"--diff", "logo.png"},
			want: []string{"logo.png holds binary data, not a diff", "89 50 4e 47"},
		},
		{
			name:  "executable with a line that starts with an escape",
			stdin: "\x7fELF\x02\x01\x01\x00\n\x1b[31mred\x1b[m\n",
			args:  []string{"--diff", "-"},
			want:  []string{"stdin holds binary data, not a diff", "7f 45 4c 46"},
			not:   "colour",
		},
		{
			name:  "nul bytes on stdin",
			stdin: "diff --git a/x b/x\x00\x00",
			args:  []string{"--diff", "-"},
			want:  []string{"stdin holds binary data, not a diff: it holds a NUL byte before any hunk"},
		},
		{
			name: "diff cut inside its +++ header",
			args: []string{"--diff", "cut.diff"},
			want: []string{`cut.diff: parse diff: line 4 (file "app/x.py"): file header "+++ " names no file (was the diff cut short?)`},
		},
		{
			name:  "diff cut after its +++ header",
			stdin: strings.TrimSuffix(cut, "+++ ") + "+++ b/app/x.py\n",
			args:  []string{"--diff", "-"},
			want:  []string{`stdin: parse diff: line 4 (file "app/x.py"): the input ends after the file header "+++ b/app/x.py", before any hunk`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmdStdin(t, dir, tt.stdin, append([]string{"review"}, tt.args...)...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, exitUsage, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if tt.not != "" && strings.Contains(r.stderr, tt.not) {
				t.Errorf("stderr says %q:\n%s", tt.not, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("a report was written for bad input:\n%s", r.stdout)
			}
		})
	}
}

// TestReviewEmptyInput: no changes at all is not an error, but is told apart from text
// that is not a diff.
func TestReviewEmptyInput(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "\n\n"} {
		r := runCmdStdin(t, t.TempDir(), in, "review", "--diff", "-")
		if r.code != exitOK || !strings.Contains(r.stderr, "stdin is empty: no changes to review") || !strings.Contains(r.stdout, "no findings") {
			t.Errorf("review of %q: exit %d, stdout %q, stderr %q; want 0, no findings and a note that stdin is empty", in, r.code, r.stdout, r.stderr)
		}
	}
}

// colorRepo makes a repository with one commit and an uncommitted change that the built-in
// rules find things in, and returns its directory.
func colorRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(dir, "app/client.py"), "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=10)\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "base")
	writeFile(t, filepath.Join(dir, "app/client.py"), "import requests\n\nAWS_ACCESS_KEY_ID = \"AKIA2E0A8F3B244C9986\"   \n\n\n"+
		"def fetch(url):\n    return requests.get(url, timeout=10, verify=False)\n")
	return dir
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

// TestReviewColouredDiff: git diff with color.ui=always piped in used to review as an empty
// change; its colour codes are now removed, with a note, and it reviews as --no-color does.
func TestReviewColouredDiff(t *testing.T) {
	t.Parallel()
	repo := colorRepo(t)
	plain := gitOut(t, repo, "diff", "--no-color")
	colored := gitOut(t, repo, "-c", "color.ui=always", "diff")
	if !strings.Contains(colored, "\x1b[") {
		t.Fatalf("git diff with color.ui=always wrote no colour:\n%s", colored)
	}
	dir := t.TempDir()
	want := runCmdStdin(t, dir, plain, "review", "--diff", "-", "--format", "json")
	if len(findingsOf(t, want)) == 0 {
		t.Fatalf("the plain diff has no findings; stderr:\n%s", want.stderr)
	}
	got := runCmdStdin(t, dir, colored, "review", "--diff", "-", "--format", "json")
	if got.code != want.code {
		t.Errorf("coloured diff: exit %d, want %d as for the plain one; stderr:\n%s", got.code, want.code, got.stderr)
	}
	if d := cmp.Diff(findingsOf(t, want), findingsOf(t, got)); d != "" {
		t.Errorf("coloured diff findings differ from the plain diff's (-want +got):\n%s", d)
	}
	if !strings.Contains(got.stderr, "stdin has ANSI colour codes") || !strings.Contains(got.stderr, "removed") {
		t.Errorf("stderr does not say the colour codes were removed:\n%s", got.stderr)
	}
	if strings.Contains(want.stderr, "colour") {
		t.Errorf("stderr speaks of colour for a plain diff:\n%s", want.stderr)
	}
}

// TestReviewGitIgnoresColorConfig: in git mode reviewer runs git itself, so a repository
// (or user) configured with color.ui=always must not colour what it reads.
func TestReviewGitIgnoresColorConfig(t *testing.T) {
	t.Parallel()
	repo := colorRepo(t)
	gitRun(t, repo, "config", "color.ui", "always")
	gitRun(t, repo, "config", "color.diff", "always")
	gitRun(t, repo, "config", "diff.colorMoved", "zebra")
	if out := gitOut(t, repo, "diff"); !strings.Contains(out, "\x1b[") {
		t.Fatalf("the repository's configuration does not colour git diff:\n%s", out)
	}
	// An untracked file goes through git diff --no-index, which reads the same settings.
	writeFile(t, filepath.Join(repo, "app/new.py"), "requests.get(u, verify=False)\n")
	r := runCmd(t, repo, nil, "review", "--uncommitted", "--format", "json")
	// Where the built-in rules find something; which rule, and how severe, is theirs to say.
	var got []string
	for _, f := range findingsOf(t, r) {
		path, rest, _ := strings.Cut(f, ":")
		line, _, _ := strings.Cut(rest, ":")
		got = append(got, path+":"+line)
	}
	want := []string{"app/client.py:3", "app/client.py:7", "app/new.py:1"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s\nstderr:\n%s", d, r.stderr)
	}
	if strings.Contains(r.stderr, "colour") {
		t.Errorf("stderr speaks of colour in git mode:\n%s", r.stderr)
	}
}
