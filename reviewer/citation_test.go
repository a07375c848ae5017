package reviewer_test

import (
	"maps"
	"os"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
)

// goOnly is a team rule of Go files, an info.
const goOnly = `---
id: go-only
title: Go housekeeping
severity: info
paths: ["**/*.go"]
---
Keep Go tidy.
`

// TestCitedRuleMustApply: a finding may cite a rule only for a file the rule applies to.
// A (steered) model citing an info rule of Go files on a Python line would cap its error
// to info; the claim is dropped and the finding keeps its severity. On a Go line the
// citation stands, and caps it.
func TestCitedRuleMustApply(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../testdata/demo/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) {
		return reviewer.Reply{Model: "m", Requests: 1, Findings: []reviewer.ModelFinding{
			{Path: "app/client.py", Line: 17, Severity: "error", RuleID: "go-only", Message: "py", Quote: "return cur.fetchone()"},
			{Path: "svc/main.go", Line: 14, Severity: "error", RuleID: "go-only", Message: "go", Quote: "resp, err := client.Get"},
		}}, nil
	}}
	rv := reviewer.New(diffBytes(raw), ruleFS{fsys: fstest.MapFS{".reviewer/rules/go-only.md": {Data: []byte(goOnly)}}}, reviewer.Options{Model: model}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range res.Findings {
		if f.Source == reviewer.SourceLLM {
			got[f.Message] = f.RuleID + " " + f.Severity.String()
		}
	}
	if want := map[string]string{"py": " error", "go": "go-only info"}; !maps.Equal(got, want) {
		t.Errorf("model findings %v, want %v", got, want)
	}
}
