package reviewer_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

type diffBytes []byte

func (d diffBytes) Diff(context.Context, reviewer.Change) ([]byte, error) { return d, nil }

type ruleFS struct {
	fsys fstest.MapFS
	opts rules.RepoOptions
}

func (r ruleFS) Rules(context.Context, reviewer.Change) (*rules.Set, error) {
	return rules.LoadRepo(r.fsys, r.opts)
}

const evalRule = `---
id: py-no-eval
severity: error
paths: ["**/*.py"]
pattern: '\beval\('
message: Do not eval input.
---
eval runs arbitrary code.
`

const timeoutRule = `---
id: todo-ticket
severity: info
pattern: 'TODO:'
message: Link the TODO to a ticket.
---
`

func TestReview(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../testdata/demo/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	repo := fstest.MapFS{
		".reviewer/rules/eval.md": {Data: []byte(evalRule)},
		".reviewer/rules/todo.md": {Data: []byte(timeoutRule)},
		".reviewer.yaml":          {Data: []byte("ignore: [web/app.js]\n")},
	}
	rv := reviewer.New(diffBytes(raw), ruleFS{fsys: repo, opts: rules.RepoOptions{NoBuiltin: true}}, reviewer.Options{}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "demo"}})
	if err != nil {
		t.Fatal(err)
	}

	type found struct {
		Path      string
		Line, Col int
		Rule      string
		Severity  rules.Severity
		Source    reviewer.Source
		HasPrint  bool
		Message   string
		Side      reviewer.Side
		EndLine   int
		EndColumn int
	}
	var got []found
	for _, f := range res.Findings {
		got = append(got, found{f.Path, f.Line, f.Column, f.RuleID, f.Severity, f.Source, f.Fingerprint != "", f.Message, f.Side, f.EndLine, f.EndColumn})
	}
	want := []found{
		{"app/client.py", 10, 7, "todo-ticket", rules.SeverityInfo, reviewer.SourcePattern, true, "Link the TODO to a ticket.", reviewer.SideNew, 10, 12},
		{"app/client.py", 21, 12, "py-no-eval", rules.SeverityError, reviewer.SourcePattern, true, "Do not eval input.", reviewer.SideNew, 21, 17},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	wantLedger := []reviewer.FileCoverage{
		{Path: "app/client.py", Outcome: reviewer.OutcomeReviewed},
		{Path: "svc/main.go", Outcome: reviewer.OutcomeReviewed},
		{Path: "web/app.js", Outcome: reviewer.OutcomeFiltered, Reason: "ignored by web/app.js"},
		{Path: "web/package-lock.json", Outcome: reviewer.OutcomeFiltered, Reason: "lock file"},
	}
	if diff := cmp.Diff(wantLedger, res.Coverage.Files); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
	if len(res.Rules) != 2 || res.Rules[0].ID != "py-no-eval" || res.Rules[1].ID != "todo-ticket" {
		t.Errorf("rules in effect: got %d, want py-no-eval and todo-ticket", len(res.Rules))
	}
}

// TestReviewFingerprintsSurviveShift: findings keep their fingerprints when the flagged
// lines move down because lines were added above them.
func TestReviewFingerprintsSurviveShift(t *testing.T) {
	t.Parallel()
	before := "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,1 +1,3 @@\n ok = 1\n+y = eval(a)\n+z = eval(a)\n"
	after := "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,1 +1,6 @@\n ok = 1\n+import os\n+\n+\n+y = eval(a)\n+z = eval(a)\n"
	fps := func(d string) (lines []int, fps []string) {
		rv := reviewer.New(diffBytes(d), ruleFS{fsys: fstest.MapFS{".reviewer/rules/eval.md": {Data: []byte(evalRule)}}, opts: rules.RepoOptions{NoBuiltin: true}}, reviewer.Options{}, nil)
		res, err := rv.Review(t.Context(), reviewer.Request{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Findings {
			lines = append(lines, f.Line)
			fps = append(fps, f.Fingerprint)
		}
		return lines, fps
	}
	l1, f1 := fps(before)
	l2, f2 := fps(after)
	if diff := cmp.Diff([]int{2, 3}, l1); diff != "" {
		t.Errorf("lines before (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{5, 6}, l2); diff != "" {
		t.Errorf("lines after (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(f1, f2); diff != "" {
		t.Errorf("fingerprints moved with the lines (-before +after):\n%s", diff)
	}
	if f1[0] == f1[1] {
		t.Errorf("two findings share fingerprint %s", f1[0])
	}
}

func TestReviewErrors(t *testing.T) {
	t.Parallel()
	malformed := "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@ \n+only one line\n"
	rv := reviewer.New(diffBytes(malformed), ruleFS{fsys: fstest.MapFS{}, opts: rules.RepoOptions{NoBuiltin: true}}, reviewer.Options{}, nil)
	_, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "demo"}})
	if err == nil || !strings.Contains(err.Error(), "x.py") {
		t.Errorf("malformed diff: got %v, want an error naming x.py", err)
	}

	badRule := fstest.MapFS{".reviewer/rules/bad.md": {Data: []byte("---\nid: bad\npattern: '('\nmessage: m\n---\n")}}
	rv = reviewer.New(diffBytes(""), ruleFS{fsys: badRule, opts: rules.RepoOptions{NoBuiltin: true}}, reviewer.Options{}, nil)
	_, err = rv.Review(t.Context(), reviewer.Request{})
	var re *rules.Error
	if !errors.As(err, &re) || re.File != ".reviewer/rules/bad.md" || re.Line != 3 {
		t.Errorf("bad rule: got %v, want a *rules.Error at .reviewer/rules/bad.md:3", err)
	}
}

// TestReviewSecretsInGeneratedFiles: a change can not hide a leaked key in a file its base
// version says is generated; the file is still filtered for every other rule.
func TestReviewSecretsInGeneratedFiles(t *testing.T) {
	t.Parallel()
	d := "diff --git a/app/settings.py b/app/settings.py\n--- a/app/settings.py\n+++ b/app/settings.py\n@@ -1,1 +1,3 @@\n" +
		" # Code generated by settingsgen. DO NOT EDIT.\n+AWS_KEY = \"AKIA2E0A8F3B244C9986\"\n+r = requests.get(u, verify=False)\n"
	rv := reviewer.New(diffBytes(d), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.RuleID)
	}
	if diff := cmp.Diff([]string{"secret-aws-access-key-id"}, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if o := res.Coverage.Files[0].Outcome; o != reviewer.OutcomeFiltered {
		t.Errorf("ledger outcome %s, want filtered", o)
	}
}

// TestReviewRustTestModule: rust-unwrap keeps out of a #[cfg(test)] module, whether the
// hunk shows the attribute or only git's section heading says where it starts.
func TestReviewRustTestModule(t *testing.T) {
	t.Parallel()
	const patch = "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n" +
		"@@ -1,2 +1,9 @@\n fn parse(s: &str) -> u32 {\n+    s.parse().unwrap()\n }\n+\n+#[cfg(test)]\n+mod tests {\n+    fn it() { parse(\"1\").unwrap(); }\n+}\n+fn after() -> u8 { x().unwrap() }\n" +
		"@@ -40,1 +47,2 @@ mod tests {\n     fn more() {}\n+    fn again() { y().unwrap(); }\n"
	rv := reviewer.New(diffBytes(patch), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "demo"}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, f := range res.Findings {
		if f.RuleID == "rust-unwrap" {
			lines = append(lines, f.Line)
		}
	}
	if diff := cmp.Diff([]int{2, 9}, lines); diff != "" {
		t.Errorf("rust-unwrap lines (-want +got):\n%s", diff)
	}
}

// TestReviewUnlessBlock: go-tls-insecure-skip-verify leaves alone the code that implements a
// user's explicit insecure option (the block's opening line names it), and still flags a
// verification turned off by default.
func TestReviewUnlessBlock(t *testing.T) {
	t.Parallel()
	const patch = "diff --git a/tls.go b/tls.go\n--- a/tls.go\n+++ b/tls.go\n" +
		"@@ -1,2 +1,10 @@ func (t *TLSConfig) unmarshal(d *Dispenser) error {\n" +
		" \tswitch d.Val() {\n" +
		"+\tcase \"insecure_skip_verify\":\n" +
		"+\t\tif t.TLS == nil {\n" +
		"+\t\t\tt.TLS = new(tls.Config)\n" +
		"+\t\t}\n" +
		"+\t\tt.TLS.InsecureSkipVerify = true\n" +
		"+\tcase \"ca\":\n" +
		"+\t\tcfg := &tls.Config{InsecureSkipVerify: true}\n" +
		"+\t\tuse(cfg)\n" +
		" \t}\n"
	rv := reviewer.New(diffBytes(patch), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "demo"}})
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, f := range res.Findings {
		if f.RuleID == "go-tls-insecure-skip-verify" {
			lines = append(lines, f.Line)
		}
	}
	if diff := cmp.Diff([]int{8}, lines); diff != "" {
		t.Errorf("go-tls-insecure-skip-verify lines (-want +got):\n%s", diff)
	}
}
