package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer/eval"
	"github.com/reviewerbot/reviewer/reviewer/llm/replay"
)

// TestEvalContextCoverage measures, from the recording of the eval cases
// (testdata/eval/recorded), how much of the code each case marks as needed from outside
// its hunks (expected.json's context_lines) reached the model in the case's review
// requests, and checks the figures against testdata/eval/context-coverage.golden.txt.
// The golden file is what the recording shows, not a target: record again
// (go test ./cmd/reviewer -run 'TestEvalRecorded|TestEvalContextCoverage' -record-eval
// -update) and read its diff to see what a change to the prompt's context did.
//
// A recording holds no case names: a review request belongs to the case whose file and
// hunk its user message shows (eval.Case.Prompted). Judge and verification requests
// are left out: they show the model's own findings, not what the review was given.
func TestEvalContextCoverage(t *testing.T) {
	t.Parallel()
	cases, err := eval.LoadCases(os.DirFS("../../testdata/eval/cases"), nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("../../testdata/eval/recorded/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recording: %v", err)
	}
	type request struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		ResponseFormat struct {
			JSONSchema struct {
				Name string `json:"name"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	prompts := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e replay.Entry
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var req request
		if err := json.Unmarshal(e.Request, &req); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if s := req.ResponseFormat.JSONSchema.Name; s == eval.JudgeSchemaName || s == "finding_verdicts" {
			continue
		}
		first, all := "", make([]string, 0, len(req.Messages))
		for _, m := range req.Messages {
			if m.Role == "user" && first == "" {
				first = m.Content
			}
			all = append(all, m.Content)
		}
		var owners []string
		for _, c := range cases {
			if c.Prompted(first) {
				owners = append(owners, c.Name)
			}
		}
		if len(owners) > 1 {
			t.Errorf("%s: a review request that shows the hunks of %d cases (%s): the coverage can not be told apart", filepath.Base(f), len(owners), strings.Join(owners, ", "))
		}
		for _, o := range owners {
			prompts[o] = append(prompts[o], strings.Join(all, "\n"))
		}
	}

	var b strings.Builder
	fmt.Fprintln(&b, "# Context coverage of the recorded eval: the lines each case marks in context_lines (outside its hunks)")
	fmt.Fprintln(&b, "# that its review requests held. Written by TestEvalContextCoverage with -update.")
	fmt.Fprintln(&b)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\trequests\tmarked\treached\tcoverage\tmissed")
	marked, reached, withContext := 0, 0, 0
	for _, c := range cases {
		if len(c.Expected.Context) == 0 {
			continue
		}
		withContext++
		if len(prompts[c.Name]) == 0 {
			t.Errorf("case %s: no review request in the recording shows its hunks", c.Name)
		}
		cc := eval.CoverContext(c, prompts[c.Name])
		marked += cc.Marked
		reached += cc.Reached
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\n", c.Name, len(prompts[c.Name]), cc.Marked, cc.Reached, cc.Ratio(), strings.Join(cc.Missed, " "))
	}
	fmt.Fprintf(tw, "all\t\t%d\t%d\t%s\t\n", marked, reached, eval.CoverContextTotal(marked, reached))
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	if withContext == 0 || marked == 0 {
		t.Fatalf("no case marks context_lines: %d cases, %d lines", withContext, marked)
	}
	t.Logf("context coverage of the recording:\n%s", b.String())
	golden.Check(t, "../../testdata/eval/context-coverage.golden.txt", []byte(b.String()))
}

// TestEvalBadRepo: a case whose diff does not turn its repo/base into its repo/head is a
// bad case (exit 2) named with the file that differs, before any review is run.
func TestEvalBadRepo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := filepath.Join(dir, "cases", "drift")
	writeFile(t, filepath.Join(c, "change.diff"), "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n")
	writeFile(t, filepath.Join(c, "expected.json"), `{"issues": [{"path": "a.py", "from_line": 2, "to_line": 2}]}`)
	writeFile(t, filepath.Join(c, "repo", "base", "a.py"), "x = 1\ny = 2\n")
	writeFile(t, filepath.Join(c, "repo", "head", "a.py"), "x = 1\ny = 4\n")
	r := runCmd(t, dir, nil, "eval", "cases")
	if r.code != exitUsage || r.stdout != "" ||
		!strings.Contains(r.stderr, "case drift: change.diff applied to repo/base does not give repo/head: drift/repo/head/a.py differ") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	writeFile(t, filepath.Join(c, "repo", "head", "a.py"), "x = 1\ny = 3\n")
	if r := runCmd(t, dir, nil, "eval", "cases"); r.code != 0 {
		t.Errorf("with the head the diff gives: exit %d\n%s", r.code, r.stderr)
	}
}
