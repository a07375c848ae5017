package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// result is one run of the command.
type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, dir string, environ []string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), args, env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, environ: environ, dir: dir})
	code := exitCode(err, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func demoDiff(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../testdata/demo/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type jsonReport struct {
	Findings []struct {
		Path     string `json:"path"`
		Line     int    `json:"line"`
		Severity string `json:"severity"`
		RuleID   string `json:"rule_id"`
		Source   string `json:"source"`
	} `json:"findings"`
	Coverage struct {
		Files []struct {
			Path    string `json:"path"`
			Outcome string `json:"outcome"`
			Reason  string `json:"reason"`
		} `json:"files"`
	} `json:"coverage"`
}

// TestReviewDemo is the acceptance check: a diff adding an AWS access key and a
// verify=False triggers the built-in rules on exactly those lines, and the same file under
// review.ignore is reported as filtered.
func TestReviewDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := runCmd(t, dir, nil, "review", "--diff", demoDiff(t), "--format", "json")
	if r.code != exitFindings {
		t.Fatalf("exit %d, want %d (error findings); stderr:\n%s", r.code, exitFindings, r.stderr)
	}
	var rep jsonReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	lines := map[string][]int{}
	for _, f := range rep.Findings {
		if f.Path == "app/client.py" {
			lines[f.RuleID] = append(lines[f.RuleID], f.Line)
		}
		if f.Source != "pattern" {
			t.Errorf("finding %s:%d has source %q, want pattern", f.Path, f.Line, f.Source)
		}
	}
	if diff := cmp.Diff([]int{6}, lines["secret-aws-access-key-id"]); diff != "" {
		t.Errorf("AWS key lines (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{11}, lines["py-tls-verify-disabled"]); diff != "" {
		t.Errorf("verify=False lines (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.stderr, "LLM review is off") || strings.Count(r.stderr, "LLM review is off") != 1 {
		t.Errorf("stderr must say once that the LLM stage is off:\n%s", r.stderr)
	}

	r = runCmd(t, dir, []string{"REVIEWER_REVIEW_IGNORE=app/client.py"}, "review", "--diff", demoDiff(t), "--format", "json")
	rep = jsonReport{}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Path == "app/client.py" {
			t.Errorf("finding in ignored file: %+v", f)
		}
	}
	var outcome, reason string
	for _, f := range rep.Coverage.Files {
		if f.Path == "app/client.py" {
			outcome, reason = f.Outcome, f.Reason
		}
	}
	if outcome != "filtered" || reason != "ignored by app/client.py" {
		t.Errorf("ledger for app/client.py: %s %q, want filtered \"ignored by app/client.py\"", outcome, reason)
	}
}

func TestReviewFormatsAndExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	diff := demoDiff(t)
	tests := []struct {
		name string
		args []string
		env  []string
		code int
		out  string // a substring of stdout
		err  string // a substring of stderr
	}{
		{name: "text by default", args: []string{"review", "--diff", diff}, code: 1, out: "app/client.py:6: error [secret-aws-access-key-id]"},
		{name: "fail-on none", args: []string{"review", "--diff", diff, "--fail-on", "none"}, code: 0, out: "4 files: 3 reviewed, 1 filtered"},
		{name: "fail-on from the environment", args: []string{"review", "--diff", diff}, env: []string{"REVIEWER_REVIEW_FAIL_ON=none"}, code: 0},
		{name: "flag beats environment", args: []string{"review", "--diff", diff, "--fail-on=error"}, env: []string{"REVIEWER_REVIEW_FAIL_ON=none"}, code: 1},
		{name: "disabled rules", args: []string{"review", "--diff", diff, "--fail-on", "warning", "--disable",
			"secret-aws-access-key-id,py-tls-verify-disabled,py-sql-string-format,go-tls-insecure-skip-verify,js-sql-template-literal,py-eval-exec,go-ignored-error"}, code: 0},
		{name: "bad fail-on", args: []string{"review", "--diff", diff, "--fail-on", "sometimes"}, code: 2, err: "review.fail_on"},
		{name: "unknown disabled rule", args: []string{"review", "--diff", diff, "--disable", "no-such-rule"}, code: 2, err: "no-such-rule"},
		{name: "missing diff file", args: []string{"review", "--diff", filepath.Join(dir, "nope.diff")}, code: 2, err: "read diff"},
		{name: "unknown flag", args: []string{"review", "--frobnicate"}, code: 2, err: "unknown flag"},
		{name: "unknown format", args: []string{"review", "--diff", diff, "--format", "xml"}, code: 2, err: "--format xml"},
		{name: "two formats on stdout", args: []string{"review", "--diff", diff, "--format", "text", "--format", "json"}, code: 2, err: "give each a file"},
		{name: "diff and base", args: []string{"review", "--diff", diff, "--base", "main"}, code: 2, err: "--diff"},
		{name: "missing rules dir", args: []string{"review", "--diff", diff, "--rules-dir", "does/not/exist"}, code: 2, err: "does/not/exist does not exist"},
		{name: "rules dir outside the repository", args: []string{"review", "--diff", diff, "--rules-dir", "/etc"}, code: 2, err: "review.rules_dir"},
		{name: "dry run without a gateway", args: []string{"review", "--diff", diff, "--dry-run"}, code: 2, err: "gateway.base_url"},
		{name: "version", args: []string{"version"}, code: 0, out: "reviewer "},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, err: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, dir, tt.env, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.out) {
				t.Errorf("stdout does not contain %q:\n%s", tt.out, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.err) {
				t.Errorf("stderr does not contain %q:\n%s", tt.err, r.stderr)
			}
		})
	}
}

func TestReviewOutputFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := runCmd(t, dir, nil, "review", "--diff", demoDiff(t), "--format", "sarif", "-o", "reviewer.sarif")
	if r.code != exitFindings || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q: want 1 and nothing on stdout; stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "reviewer.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &sarif); err != nil {
		t.Fatal(err)
	}
	if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 9 {
		t.Errorf("SARIF version %q with %d runs: want 2.1.0, one run of 9 results", sarif.Version, len(sarif.Runs))
	}
	// The file the command wrote validates against the SARIF 2.1.0 schema.
	schemaPath, err := filepath.Abs("../../testdata/schemas/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	sf, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sf.Close() }()
	schemaDoc, err := jsonschema.UnmarshalJSON(sf)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("file://"+filepath.ToSlash(schemaPath), schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("file://" + filepath.ToSlash(schemaPath))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("the SARIF report does not validate: %v", err)
	}
	// And the check can fail: a result without a message is not SARIF.
	broken := strings.Replace(string(data), `"message"`, `"messag"`, 1)
	inst, _ = jsonschema.UnmarshalJSON(strings.NewReader(broken))
	if sch.Validate(inst) == nil {
		t.Error("a SARIF log with a result lacking its message validated")
	}
}

func TestReviewSeveralFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := runCmd(t, dir, nil, "review", "--diff", demoDiff(t), "--fail-on", "none",
		"--format", "sarif=out/reviewer.sarif", "--format", "codequality=gl-code-quality.json", "--format", "json=report.json", "--format", "text")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "app/client.py:6:") {
		t.Errorf("text report missing from stdout:\n%s", r.stdout)
	}
	// out/ did not exist: it is made.
	for _, name := range []string{"out/reviewer.sarif", "gl-code-quality.json", "report.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(data) {
			t.Errorf("%s is not JSON", name)
		}
	}
}

// TestUsageErrorsAreTyped: cobra returns argument errors as plain errors, which run once
// told from runtime failures by matching their text. The command tree itself now returns
// them as usage errors (exit 2), so no message text decides an exit code.
func TestUsageErrorsAreTyped(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"frobnicate"},
		{"revew"},
		{"review", "extra"},
		{"review", "--frobnicate"},
		{"rules", "list", "--builtin=maybe"},
		{"review", "--diff"},
		{"eval"},
		{"rules", "lint", "a", "b"},
		{"rules", "frobnicate"},
		{"completion", "bash", "extra"},
		{"version", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		root := newRoot(env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, dir: t.TempDir()})
		root.SetArgs(args)
		err := root.ExecuteContext(t.Context())
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitUsage {
			t.Errorf("reviewer %s: error %v (%T), want a usage error", strings.Join(args, " "), err, err)
		}
	}
	var stdout bytes.Buffer
	root := newRoot(env{stdin: strings.NewReader(""), stdout: &stdout, stderr: io.Discard, dir: t.TempDir()})
	root.SetArgs([]string{})
	if err := root.ExecuteContext(t.Context()); err != nil || !strings.Contains(stdout.String(), "Available Commands") {
		t.Errorf("bare reviewer: error %v, stdout:\n%s", err, stdout.String())
	}
}
