package eval_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/eval"
)

// TestEvalCompare: a baseline written as JSON and read back compares with a new run metric
// by metric and rule by rule, and the notes say what differs between the runs.
func TestEvalCompare(t *testing.T) {
	t.Parallel()
	before := eval.Summarize(handRuns(t, eval.DefaultTolerance), eval.SummaryOptions{Tolerance: 3, LLM: true, Model: "m"})
	var buf bytes.Buffer
	if err := eval.WriteJSON(&buf, &before); err != nil {
		t.Fatal(err)
	}
	base, err := eval.ReadReport(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}

	// The new run: py-resource is switched off (its one finding, noise, is gone) and a new
	// rule finds gamma's issue.
	runs := handRuns(t, eval.DefaultTolerance)
	beta := &runs[1].Scored
	kept := beta.Findings[:0]
	for _, f := range beta.Findings {
		if f.RuleID != "py-resource" {
			kept = append(kept, f)
		}
	}
	beta.Findings = kept
	runs[2].Scored = eval.Score(eval.Expected{Issues: []eval.Issue{runs[2].Scored.Issues[0].Issue}},
		[]reviewer.Finding{{Path: "lib.js", Line: 3, EndLine: 3, RuleID: "js-proto", Message: "prototype pollution"}}, 3)
	now := eval.Summarize(runs, eval.SummaryOptions{Tolerance: 2, LLM: true, Model: "m2"})
	c := eval.Compare(base, now)

	got := map[string]eval.Delta{}
	for _, d := range c.Overall {
		got[d.Metric] = d
	}
	// Before: 3 matched of 8 findings and 5 issues. Now: 4 matched of 8 findings (one
	// gone, one new) and 5 issues.
	want := map[string]eval.Delta{
		"precision": {Metric: "precision", Base: r(3.0 / 8), Now: r(4.0 / 8), Change: r(1.0 / 8)},
		"recall":    {Metric: "recall", Base: r(3.0 / 5), Now: r(4.0 / 5), Change: r(1.0 / 5)},
		"findings":  {Metric: "findings", Base: r(8), Now: r(8), Change: r(0)},
		"trap_hits": {Metric: "trap_hits", Base: r(1), Now: r(1), Change: r(0)},
	}
	for k, w := range want {
		if diff := cmp.Diff(w, got[k], ratioCmp); diff != "" {
			t.Errorf("%s (-want +got):\n%s", k, diff)
		}
	}
	rules := map[string]eval.RuleDelta{}
	for _, d := range c.Rules {
		rules[d.RuleID] = d
	}
	wantRules := map[string]eval.RuleDelta{
		// Switched off: 1 finding, precision 0, before; none and no precision now.
		"py-resource": {RuleID: "py-resource", Findings: eval.Delta{Metric: "findings", Base: r(1), Now: r(0), Change: r(-1)},
			Matched:   eval.Delta{Metric: "matched", Base: r(0), Now: r(0), Change: r(0)},
			TrapHits:  eval.Delta{Metric: "trap_hits", Base: r(0), Now: r(0), Change: r(0)},
			Precision: eval.Delta{Metric: "precision", Base: r(0), Now: undefined, Change: undefined}},
		// New: 1 finding that hit.
		"js-proto": {RuleID: "js-proto", Findings: eval.Delta{Metric: "findings", Base: r(0), Now: r(1), Change: r(1)},
			Matched:   eval.Delta{Metric: "matched", Base: r(0), Now: r(1), Change: r(1)},
			TrapHits:  eval.Delta{Metric: "trap_hits", Base: r(0), Now: r(0), Change: r(0)},
			Precision: eval.Delta{Metric: "precision", Base: undefined, Now: r(1), Change: undefined}},
	}
	for k, w := range wantRules {
		if diff := cmp.Diff(w, rules[k], ratioCmp); diff != "" {
			t.Errorf("rule %s (-want +got):\n%s", k, diff)
		}
	}
	if len(c.Rules) != 4 {
		t.Errorf("%d rules compared, want the 4 of both runs", len(c.Rules))
	}
	wantNotes := []string{"the baseline was scored with tolerance 3, this run with 2", "the baseline's model was m, this run's m2"}
	if diff := cmp.Diff(wantNotes, c.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}

	now.Baseline = &c
	c.File = "base.json"
	var txt bytes.Buffer
	if err := eval.WriteText(&txt, &now); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"compared with base.json", "precision          0.375     0.500    +0.125", "py-resource       1 → 0", "-1"} {
		if !strings.Contains(txt.String(), w) {
			t.Errorf("text report lacks %q:\n%s", w, txt.String())
		}
	}
}

func TestEvalReadReport(t *testing.T) {
	t.Parallel()
	if _, err := eval.ReadReport([]byte(`{"version": 2}`)); err == nil || !strings.Contains(err.Error(), "report version 2, want 1") {
		t.Errorf("another version: %v", err)
	}
	if _, err := eval.ReadReport([]byte(`{"findings": []`)); err == nil {
		t.Error("a broken file was read")
	}
	rep, err := eval.ReadReport([]byte(`{"version": 1, "overall": {"precision": null, "recall": 0.5}}`))
	if err != nil || rep.Overall.Precision.Valid || rep.Overall.Recall != r(0.5) {
		t.Errorf("read %+v, %v", rep.Overall, err)
	}
}
