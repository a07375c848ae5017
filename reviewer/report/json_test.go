package report_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/report"
)

// The key sets of the JSON report contract in DESIGN.md ("The JSON report"). A renamed,
// added or dropped key must fail this test: other tools parse the report.
var (
	jsonTopKeys      = []string{"coverage", "dismissed", "egress", "findings", "forge", "omitted", "tier", "unplaced", "usage", "verification"}
	jsonFindingKeys  = []string{"end_line", "fingerprint", "line", "message", "path", "rule_id", "severity", "side", "source", "suggestion"}
	jsonCoverageKeys = []string{"files"}
	jsonFileKeys     = []string{"outcome", "path", "reason"}
	jsonUsageKeys    = []string{"cached_tokens", "completion_tokens", "cost_usd", "model", "prompt_tokens", "requests"}
	jsonUnplacedKeys = []string{"message", "path"}
	jsonVerifyKeys   = []string{"candidates", "checked", "completion_tokens", "corrected", "cost_usd", "dropped", "failures",
		"prompt_tokens", "ran", "rejected_corrections", "requests", "unverified"}
	jsonDroppedKeys = []string{"confidence", "line", "message", "path", "reason", "rule_id", "side", "verdict"}
	jsonTierKeys    = []string{"level", "model_review", "reasons"}
	jsonDismissKeys = []string{"fingerprint", "rule_id", "when", "who"}
)

func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v is a %T, want an object", v, v)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func array(t *testing.T, v any) []any {
	t.Helper()
	a, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is a %T, want an array", v, v)
	}
	return a
}

func TestJSONKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		res  *reviewer.Result
	}{
		{"sample", sampleResult()},
		{"empty", &reviewer.Result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var doc map[string]any
			if err := json.Unmarshal(render(t, report.FormatJSON, tt.res, report.Options{}), &doc); err != nil {
				t.Fatal(err)
			}
			check := func(what string, want []string, v any) {
				t.Helper()
				if diff := cmp.Diff(want, keys(t, v)); diff != "" {
					t.Errorf("%s keys (-want +got):\n%s", what, diff)
				}
			}
			check("report", jsonTopKeys, doc)
			findings := array(t, doc["findings"])
			for _, f := range findings {
				check("finding", jsonFindingKeys, f)
			}
			check("coverage", jsonCoverageKeys, doc["coverage"])
			files := array(t, doc["coverage"].(map[string]any)["files"])
			for _, f := range files {
				check("coverage file", jsonFileKeys, f)
			}
			check("usage", jsonUsageKeys, doc["usage"])
			check("tier", jsonTierKeys, doc["tier"])
			if reasons := array(t, doc["tier"].(map[string]any)["reasons"]); len(reasons) != len(tt.res.Tier.Reasons) {
				t.Errorf("%d tier reasons, want %d", len(reasons), len(tt.res.Tier.Reasons))
			}
			unplaced := array(t, doc["unplaced"])
			for _, u := range unplaced {
				check("unplaced", jsonUnplacedKeys, u)
			}
			check("verification", jsonVerifyKeys, doc["verification"])
			dropped := array(t, doc["verification"].(map[string]any)["dropped"])
			for _, d := range dropped {
				check("dropped", jsonDroppedKeys, d)
			}
			if got, want := len(dropped), len(tt.res.Verification.Dropped); got != want {
				t.Errorf("%d dropped, want %d", got, want)
			}
			array(t, doc["verification"].(map[string]any)["failures"])
			dismissed := array(t, doc["dismissed"])
			for _, d := range dismissed {
				check("dismissed", jsonDismissKeys, d)
			}
			if got, want := len(dismissed), len(tt.res.Published.DismissedBy); got != want {
				t.Errorf("%d dismissed, want %d", got, want)
			}
			if got, want := len(findings), len(tt.res.Findings); got != want {
				t.Errorf("%d findings, want %d", got, want)
			}
			if got, want := len(files), len(tt.res.Coverage.Files); got != want {
				t.Errorf("%d coverage files, want %d", got, want)
			}
			if got, want := len(unplaced), len(tt.res.Unplaced); got != want {
				t.Errorf("%d unplaced, want %d", got, want)
			}
		})
	}
}

func TestJSONValues(t *testing.T) {
	t.Parallel()
	type finding struct {
		Path        string `json:"path"`
		Line        int    `json:"line"`
		EndLine     int    `json:"end_line"`
		Side        string `json:"side"`
		Severity    string `json:"severity"`
		RuleID      string `json:"rule_id"`
		Message     string `json:"message"`
		Suggestion  string `json:"suggestion"`
		Source      string `json:"source"`
		Fingerprint string `json:"fingerprint"`
	}
	res := &reviewer.Result{Findings: []reviewer.Finding{
		// An unset side is new; an end line before the line is the line.
		{Path: "a.go", Line: 7, EndLine: 0, Severity: 2, RuleID: "r", Message: "x < y && z", Source: reviewer.SourcePattern, Fingerprint: "fp"},
		{Path: "a.go", Line: 3, EndLine: 5, Side: reviewer.SideOld, Severity: 0, Message: "gone", Source: reviewer.SourceLLM},
	}}
	var doc struct {
		Findings []finding `json:"findings"`
	}
	out := render(t, report.FormatJSON, res, report.Options{})
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	want := []finding{
		{Path: "a.go", Line: 7, EndLine: 7, Side: "new", Severity: "error", RuleID: "r", Message: "x < y && z", Source: "pattern", Fingerprint: "fp"},
		{Path: "a.go", Line: 3, EndLine: 5, Side: "old", Severity: "info", Message: "gone", Source: "llm"},
	}
	if diff := cmp.Diff(want, doc.Findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if !json.Valid(out) || out[len(out)-1] != '\n' {
		t.Errorf("output is not one JSON document with a trailing newline: %q", out)
	}
}
