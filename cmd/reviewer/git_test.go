package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func gitRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

const noPrintRule = `---
id: team-no-print
severity: error
paths: ["**/*.py"]
pattern: '^\s*print\('
message: Use the logger.
---
`

// The change below tries to switch the rule off by rewriting it on its own branch.
const neuteredRule = `---
id: team-no-print
severity: info
paths: ["nothing/**"]
pattern: 'never matches anything'
message: Use the logger.
---
`

// gitRepo makes a repository whose main branch holds the team rule and whose feature
// branch (checked out) both breaks the rule and rewrites it.
func gitRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(dir, ".reviewer/rules/no-print.md"), noPrintRule)
	writeFile(t, filepath.Join(dir, "app/main.py"), "import logging\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "base")
	gitRun(t, dir, "checkout", "-q", "-b", "feature")
	writeFile(t, filepath.Join(dir, ".reviewer/rules/no-print.md"), neuteredRule)
	writeFile(t, filepath.Join(dir, "app/main.py"), "import logging\n\nprint('hello')\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "feature")
	return dir
}

func findingsOf(t *testing.T, r result) []string {
	t.Helper()
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	var out []string
	for _, f := range rep.Findings {
		out = append(out, fmt.Sprintf("%s:%d:%s:%s", f.Path, f.Line, f.Severity, f.RuleID))
	}
	return out
}

func TestReviewGitRulesFromBase(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t)
	sub := filepath.Join(dir, "app") // run from a subdirectory: the repository root is found
	r := runCmd(t, sub, nil, "review", "--format", "json", "--builtin=false")
	if r.code != exitFindings {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	if diff := cmp.Diff([]string{"app/main.py:3:error:team-no-print"}, findingsOf(t, r)); diff != "" {
		t.Errorf("the change rewrote its own rule and escaped it (-want +got):\n%s", diff)
	}

	// --rules-worktree is for trying rules out: the rewritten rule applies.
	r = runCmd(t, sub, nil, "review", "--format", "json", "--builtin=false", "--rules-worktree")
	if r.code != 0 || len(findingsOf(t, r)) != 0 {
		t.Errorf("with --rules-worktree: exit %d, findings %v; want 0 and none", r.code, findingsOf(t, r))
	}

	// An explicit base: reviewing from the feature commit itself finds nothing new.
	r = runCmd(t, dir, nil, "review", "--format", "json", "--builtin=false", "--base", "HEAD")
	if r.code != 0 || len(findingsOf(t, r)) != 0 {
		t.Errorf("--base HEAD: exit %d, findings %v; want 0 and none", r.code, findingsOf(t, r))
	}
	r = runCmd(t, dir, nil, "review", "--base", "no-such-ref")
	if r.code != exitUsage || !strings.Contains(r.stderr, "no-such-ref") {
		t.Errorf("--base no-such-ref: exit %d, stderr %q; want 2 naming the ref", r.code, r.stderr)
	}
}

func TestReviewGitUncommitted(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t)
	writeFile(t, filepath.Join(dir, "app/main.py"), "import logging\n\nprint('hello')\nprint('again')\n")
	writeFile(t, filepath.Join(dir, "tools/new.py"), "print('untracked')\n")
	r := runCmd(t, dir, nil, "review", "--uncommitted", "--format", "json", "--builtin=false")
	// Against HEAD, whose rule is the neutered one: nothing.
	if got := findingsOf(t, r); len(got) != 0 {
		t.Errorf("uncommitted against HEAD's rules: %v, want none", got)
	}
	r = runCmd(t, dir, nil, "review", "--uncommitted", "--base", "main", "--format", "json", "--builtin=false")
	want := []string{"app/main.py:3:error:team-no-print", "app/main.py:4:error:team-no-print", "tools/new.py:1:error:team-no-print"}
	if diff := cmp.Diff(want, findingsOf(t, r)); diff != "" {
		t.Errorf("uncommitted against main (-want +got):\n%s", diff)
	}
	r = runCmd(t, dir, nil, "review", "--uncommitted", "--untracked=false", "--base", "main", "--format", "json", "--builtin=false")
	if diff := cmp.Diff(want[:2], findingsOf(t, r)); diff != "" {
		t.Errorf("uncommitted without untracked files (-want +got):\n%s", diff)
	}
}

func TestReviewOutsideGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	r := runCmd(t, t.TempDir(), nil, "review")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--diff") {
		t.Errorf("exit %d, stderr %q: want 2 and a hint to pass --diff", r.code, r.stderr)
	}
}

func TestRulesLintAndTest(t *testing.T) {
	t.Parallel()
	good := t.TempDir()
	writeFile(t, filepath.Join(good, ".reviewer/rules/no-print.md"), noPrintRule)
	r := runCmd(t, good, nil, "rules", "lint", "--builtin=false")
	if r.code != 0 || !strings.Contains(r.stdout, "1 rules ok") {
		t.Errorf("lint of a good rule: exit %d, stdout %q", r.code, r.stdout)
	}

	bad := t.TempDir()
	writeFile(t, filepath.Join(bad, ".reviewer/rules/typo.md"), "---\nid: typo\nseverity: error\npaterns: ['x']\n---\n")
	writeFile(t, filepath.Join(bad, ".reviewer/rules/glob.md"), "---\nid: glob\npaths: ['src/[a']\n---\n")
	writeFile(t, filepath.Join(bad, ".reviewer/rules/regexp.md"), "---\nid: regexp\n\npattern: 'a(b'\nmessage: m\n---\n")
	r = runCmd(t, bad, nil, "rules", "lint", "--builtin=false")
	if r.code != exitFindings {
		t.Errorf("lint of bad rules: exit %d, want 1", r.code)
	}
	for _, want := range []string{".reviewer/rules/typo.md:4:", ".reviewer/rules/glob.md:3:", ".reviewer/rules/regexp.md:4:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lint output does not name %s:\n%s", want, r.stdout)
		}
	}

	r = runCmd(t, good, nil, "rules", "test")
	if r.code != 0 || !strings.Contains(r.stdout, "0 failed") {
		t.Errorf("rules test with the built-in rules: exit %d\n%s", r.code, r.stdout)
	}
	wrong := t.TempDir()
	writeFile(t, filepath.Join(wrong, ".reviewer/rules/no-print.md"), strings.Replace(noPrintRule,
		"message: Use the logger.\n", "message: Use the logger.\nexamples:\n  bad: [\"log.info('x')\"]\n  good: [\"print('x')\"]\n", 1))
	r = runCmd(t, wrong, nil, "rules", "test", "--builtin=false")
	if r.code != exitFindings || !strings.Contains(r.stdout, "FAIL team-no-print") {
		t.Errorf("rules test with wrong examples: exit %d\n%s", r.code, r.stdout)
	}
	for _, want := range []string{"log.info('x')", "print('x')"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("rules test does not name the example %s:\n%s", want, r.stdout)
		}
	}
}

// TestReviewGitRulesDirFromSettings: the base revision's .reviewer.yaml may keep the rules
// elsewhere; they are read from there, at the base.
func TestReviewGitRulesDirFromSettings(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(dir, ".reviewer.yaml"), "rules_dir: tools/rules\n")
	writeFile(t, filepath.Join(dir, "tools/rules/no-print.md"), noPrintRule)
	writeFile(t, filepath.Join(dir, "app/main.py"), "import logging\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "base")
	gitRun(t, dir, "checkout", "-q", "-b", "feature")
	writeFile(t, filepath.Join(dir, "app/main.py"), "import logging\nprint('x')\n")
	gitRun(t, dir, "commit", "-q", "-am", "feature")
	r := runCmd(t, dir, nil, "review", "--format", "json", "--builtin=false")
	if diff := cmp.Diff([]string{"app/main.py:2:error:team-no-print"}, findingsOf(t, r)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

// TestReviewGitGeneratedHeader: in a local review, a generated-code header counts only as
// the base commit has it, read from git: the one the change adds to app/auth.py is ignored
// (its print is found), the one api/gen.go had before filters it, and since code of the
// change went unreviewed the run does not pass as clean.
func TestReviewGitGeneratedHeader(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	pad := strings.Repeat("// pad\n", 9)
	gitRun(t, dir, "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(dir, ".reviewer/rules/no-print.md"), noPrintRule)
	writeFile(t, filepath.Join(dir, "app/auth.py"), "import os\n")
	writeFile(t, filepath.Join(dir, "api/gen.go"), "// Code generated by x. DO NOT EDIT.\n"+pad+"package api\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "base")
	gitRun(t, dir, "checkout", "-q", "-b", "feature")
	writeFile(t, filepath.Join(dir, "app/auth.py"), "# Code generated by evil. DO NOT EDIT.\nprint('x')\nimport os\n")
	writeFile(t, filepath.Join(dir, "api/gen.go"), "// Code generated by x. DO NOT EDIT.\n"+pad+"package api\n// Code generated by y. DO NOT EDIT.\nfunc init() {}\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "feature")

	r := runCmd(t, dir, nil, "review", "--format", "json=report.json", "--builtin=false", "--fail-on", "none")
	if r.code != exitRuntime || !strings.Contains(r.stderr, "not all reviewed: 1 file holds code") {
		t.Errorf("exit %d, stderr %q: want 3 saying not all reviewed", r.code, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatalf("the report was not written: %v", err)
	}
	var rep jsonReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Coverage.Files {
		got = append(got, f.Path+": "+f.Outcome+" "+f.Reason)
	}
	want := []string{
		"api/gen.go: filtered generated (// Code generated by x. DO NOT EDIT.)",
		"app/auth.py: reviewed generated-code header ignored: not in the base version",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
	var found []string
	for _, f := range rep.Findings {
		found = append(found, fmt.Sprintf("%s:%d:%s", f.Path, f.Line, f.RuleID))
	}
	if diff := cmp.Diff([]string{"app/auth.py:2:team-no-print"}, found); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	environ := []string{"REVIEWER_REVIEW_ALLOW_INCOMPLETE=true"}
	if r := runCmd(t, dir, environ, "review", "--format", "json=report.json", "--builtin=false", "--fail-on", "none"); r.code != 0 {
		t.Errorf("with review.allow_incomplete: exit %d, want 0; stderr %s", r.code, r.stderr)
	}
}

// TestReviewSaysWhatWasReviewed: the text report names the base it reviewed from and
// how many commits, or the diff file, and ends with the coverage line.
func TestReviewSaysWhatWasReviewed(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"review"}, "reviewed main...HEAD, 1 commit\n"},
		{[]string{"review", "--base", "main"}, "reviewed main..HEAD, 1 commit\n"},
		{[]string{"review", "--uncommitted"}, "reviewed the uncommitted changes against HEAD\n"},
		{[]string{"review", "--diff", demoDiff(t)}, "reviewed " + demoDiff(t) + "\n"},
	}
	for _, tt := range tests {
		r := runCmd(t, dir, nil, append(tt.args, "--fail-on", "none", "--builtin=false")...)
		if r.code != 0 {
			t.Errorf("%v: exit %d: %s", tt.args, r.code, r.stderr)
			continue
		}
		if !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%v: the report does not say %q:\n%s", tt.args, tt.want, r.stdout)
		}
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if last := lines[len(lines)-1]; !strings.Contains(last, " reviewed") || !strings.Contains(last, "file") {
			t.Errorf("%v: the report ends with %q, not the coverage line", tt.args, last)
		}
	}
}

// TestReviewTextKeepsSecretsMasked: the demo change holds an AWS access key id that a
// built-in rule finds on the real line; the text report, which CI prints into its log,
// shows the line with the key masked, never the key.
func TestReviewTextKeepsSecretsMasked(t *testing.T) {
	t.Parallel()
	r := runCmd(t, t.TempDir(), nil, "review", "--diff", demoDiff(t), "--fail-on", "none")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "[secret-aws-access-key-id]") || !strings.Contains(r.stdout, `    6 | AWS_ACCESS_KEY_ID = "«redacted:aws-access-key-id#1»"`) {
		t.Errorf("the report lacks the finding on the key or its masked line:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, "AKIA2E0A8F3B244C9986") {
		t.Errorf("the report prints the secret:\n%s", r.stdout)
	}
}
