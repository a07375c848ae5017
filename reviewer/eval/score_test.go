package eval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/eval"
	"github.com/reviewerbot/reviewer/rules"
)

// findingsOf reads a case's findings.json: the findings a review is taken to have made.
func findingsOf(t *testing.T, dir string) []reviewer.Finding {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "findings.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw []struct {
		Path     string `json:"path"`
		Line     int    `json:"line"`
		EndLine  int    `json:"end_line"`
		Side     string `json:"side"`
		Severity string `json:"severity"`
		RuleID   string `json:"rule_id"`
		Message  string `json:"message"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	var out []reviewer.Finding
	for _, r := range raw {
		sev, err := rules.ParseSeverity(r.Severity)
		if err != nil {
			t.Fatal(err)
		}
		side := reviewer.SideNew
		if r.Side == "old" {
			side = reviewer.SideOld
		}
		out = append(out, reviewer.Finding{Path: r.Path, Line: r.Line, EndLine: r.EndLine, Side: side,
			Severity: sev, RuleID: r.RuleID, Message: r.Message, Source: reviewer.SourceLLM})
	}
	return out
}

// usages are what the reviews of the hand-made cases are taken to have cost.
var usages = map[string]reviewer.Usage{
	"alpha": {Requests: 1, PromptTokens: 1000, CompletionTokens: 100, CostUSD: 0.002, Model: "m"},
	"beta":  {Requests: 2, PromptTokens: 500, CompletionTokens: 50, CostUSD: 0.001, Model: "m"},
}

// handRuns scores the hand-made set with tolerance tol.
func handRuns(t *testing.T, tol int) []eval.CaseRun {
	t.Helper()
	cases, err := eval.LoadCases(os.DirFS("testdata/cases"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var runs []eval.CaseRun
	for _, c := range cases {
		s := eval.Score(c.Expected, findingsOf(t, filepath.Join("testdata/cases", c.Name)), tol)
		runs = append(runs, eval.CaseRun{Name: c.Name, Scored: s, Usage: usages[c.Name]})
	}
	return runs
}

func r(v float64) eval.Ratio { return eval.Ratio{Value: v, Valid: true} }

var undefined = eval.Ratio{}

// ratioCmp compares ratios to 1e-9: the hand-computed values are fractions.
var ratioCmp = cmp.Comparer(func(a, b eval.Ratio) bool {
	return a.Valid == b.Valid && math.Abs(a.Value-b.Value) < 1e-9
})

// TestEvalScoreHandComputed holds the scorer to figures computed by hand for the set in
// testdata/cases (see testdata/README.md).
func TestEvalScoreHandComputed(t *testing.T) {
	t.Parallel()
	runs := handRuns(t, eval.DefaultTolerance)

	// alpha, findings sorted: app.go:3 (F0), :5 (F1), :13 (F2), :18 (F3), other.go:3 (F4).
	// Issues I0 = 5-5 (window 2-8 with tolerance 3), I1 = 12-14 (window 9-17). Candidate
	// pairs by distance: F1-I0 (0), F2-I1 (0), F0-I0 (2). F1 and F2 hit; F0, though first,
	// is farther: a duplicate of I0. F3 (18) is outside 9-17: noise, and on the clean
	// range 18: a trap. F4: noise. In range without tolerance: F1 (5 in 5-5), F2 (13 in
	// 12-14).
	alpha := eval.Counts{Issues: 2, Findings: 5, Matched: 2, Duplicates: 1, Noise: 2, TrapHits: 1, InRange: 2}
	// beta, sorted: svc.py:13 (F0), :30 old (F1), :40 (F2). I0 = 10-11 (window 7-14): F0
	// hits it, 2 lines off. F1 is on the old side: noise. F2 (40) is outside 27-33: noise.
	beta := eval.Counts{Issues: 2, Findings: 3, Matched: 1, Noise: 2}
	gamma := eval.Counts{Issues: 1}
	for i, want := range []eval.Counts{alpha, beta, gamma} {
		if diff := cmp.Diff(want, runs[i].Scored.Counts()); diff != "" {
			t.Errorf("%s counts (-want +got):\n%s", runs[i].Name, diff)
		}
	}
	wantMatch := map[string][]eval.Match{
		"alpha": {eval.Duplicate, eval.Hit, eval.Hit, eval.Noise, eval.Noise},
		"beta":  {eval.Hit, eval.Noise, eval.Noise},
		"gamma": nil,
	}
	for _, run := range runs {
		var got []eval.Match
		for _, f := range run.Scored.Findings {
			got = append(got, f.Match)
		}
		if diff := cmp.Diff(wantMatch[run.Name], got); diff != "" {
			t.Errorf("%s matches (-want +got):\n%s", run.Name, diff)
		}
	}

	rep := eval.Summarize(runs, eval.SummaryOptions{Tolerance: 3, LLM: true, Model: "m"})
	type fig struct {
		Precision, Recall, F1, LinePrecision, NoiseRate, FindingsPerCase, TokensPerCase, CostPerCase eval.Ratio
	}
	figs := func(m eval.Metrics) fig {
		return fig{m.Precision, m.Recall, m.F1, m.LinePrecision, m.NoiseRate, m.FindingsPerCase, m.TokensPerCase, m.CostPerCase}
	}
	wantCases := []fig{
		// alpha: 2/5, 2/2, 2·2/(5+2), 2/5, 2/5; 5 findings; 1100 tokens, $0.002.
		{r(0.4), r(1), r(4.0 / 7), r(0.4), r(0.4), r(5), r(1100), r(0.002)},
		// beta: 1/3, 1/2, 2·1/(3+2), 0/3, 2/3; 3 findings; 550 tokens, $0.001.
		{r(1.0 / 3), r(0.5), r(0.4), r(0), r(2.0 / 3), r(3), r(550), r(0.001)},
		// gamma: no findings, so no precision, line precision or noise rate; recall 0/1;
		// F1 is 2·0/(0+1) = 0, not undefined: an issue went unfound.
		{undefined, r(0), r(0), undefined, undefined, r(0), r(0), r(0)},
	}
	for i, want := range wantCases {
		if diff := cmp.Diff(want, figs(rep.Cases[i].Metrics), ratioCmp); diff != "" {
			t.Errorf("%s figures (-want +got):\n%s", rep.Cases[i].Name, diff)
		}
	}
	// Overall, summed then divided: 5 issues, 8 findings, 3 matched, 1 duplicate, 4 noise,
	// 1 trap, 2 in range; 1650 tokens and $0.003 over 3 cases.
	wantAll := eval.Counts{Issues: 5, Findings: 8, Matched: 3, Duplicates: 1, Noise: 4, TrapHits: 1, InRange: 2}
	if diff := cmp.Diff(wantAll, rep.Overall.Counts); diff != "" {
		t.Errorf("overall counts (-want +got):\n%s", diff)
	}
	wantFig := fig{r(3.0 / 8), r(3.0 / 5), r(6.0 / 13), r(2.0 / 8), r(4.0 / 8), r(8.0 / 3), r(550), r(0.001)}
	if diff := cmp.Diff(wantFig, figs(rep.Overall), ratioCmp); diff != "" {
		t.Errorf("overall figures (-want +got):\n%s", diff)
	}
	if rep.Overall.Cases != 3 || rep.Overall.Requests != 3 || rep.Overall.PromptTokens != 1500 || rep.Overall.CompletionTokens != 150 {
		t.Errorf("overall usage %+v", rep.Overall)
	}

	// error-handling: alpha I0 found. security: alpha I1 and beta I0 found, gamma I0 not.
	// resource-leak: beta I1 not found.
	wantCats := []eval.CategoryMetrics{
		{Category: "error-handling", Issues: 1, Matched: 1, Recall: r(1)},
		{Category: "resource-leak", Issues: 1, Matched: 0, Recall: r(0)},
		{Category: "security", Issues: 3, Matched: 2, Recall: r(2.0 / 3)},
	}
	if diff := cmp.Diff(wantCats, rep.Categories, ratioCmp); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
	// "" (general): alpha F0 dup, F2 hit, F3 noise+trap, F4 noise; beta F0 hit, F1 noise.
	// go-ignored-error: alpha F1, the nearer of the two findings on I0, hit.
	wantRules := []eval.RuleMetrics{
		{RuleID: "", Findings: 6, Matched: 2, Duplicates: 1, Noise: 3, TrapHits: 1, Precision: r(2.0 / 6)},
		{RuleID: "go-ignored-error", Findings: 1, Matched: 1, Precision: r(1)},
		{RuleID: "py-resource", Findings: 1, Noise: 1, Precision: r(0)},
	}
	if diff := cmp.Diff(wantRules, rep.Rules, ratioCmp); diff != "" {
		t.Errorf("rules (-want +got):\n%s", diff)
	}

	var js, txt bytes.Buffer
	if err := eval.WriteJSON(&js, &rep); err != nil {
		t.Fatal(err)
	}
	if err := eval.WriteText(&txt, &rep); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/report.golden.json", js.Bytes())
	golden.Check(t, "testdata/report.golden.txt", txt.Bytes())
}

// TestEvalScoreTolerance: the tolerance widens the expected range on both sides, and only by
// as much as it says.
func TestEvalScoreTolerance(t *testing.T) {
	t.Parallel()
	exp := eval.Expected{Issues: []eval.Issue{{Path: "a.go", FromLine: 10, ToLine: 12}}}
	tests := []struct {
		name       string
		line, end  int
		path       string
		tol        int
		want       eval.Match
		wantInside bool
	}{
		{name: "inside", line: 11, end: 11, tol: 0, want: eval.Hit, wantInside: true},
		{name: "first line", line: 10, end: 10, tol: 0, want: eval.Hit, wantInside: true},
		{name: "last line", line: 12, end: 12, tol: 0, want: eval.Hit, wantInside: true},
		{name: "one before, no tolerance", line: 9, end: 9, tol: 0, want: eval.Noise},
		{name: "one after, no tolerance", line: 13, end: 13, tol: 0, want: eval.Noise},
		{name: "three before, tolerance 3", line: 7, end: 7, tol: 3, want: eval.Hit},
		{name: "four before, tolerance 3", line: 6, end: 6, tol: 3, want: eval.Noise},
		{name: "three after, tolerance 3", line: 15, end: 15, tol: 3, want: eval.Hit},
		{name: "four after, tolerance 3", line: 16, end: 16, tol: 3, want: eval.Noise},
		{name: "range reaching in", line: 1, end: 10, tol: 0, want: eval.Hit},
		{name: "range around", line: 8, end: 14, tol: 0, want: eval.Hit},
		{name: "range ending within tolerance", line: 1, end: 8, tol: 2, want: eval.Hit},
		{name: "other file", path: "b.go", line: 11, end: 11, tol: 3, want: eval.Noise},
		{name: "end before line is one line", line: 13, end: 0, tol: 1, want: eval.Hit},
		{name: "negative tolerance is none", line: 9, end: 9, tol: -5, want: eval.Noise},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := tt.path
			if path == "" {
				path = "a.go"
			}
			s := eval.Score(exp, []reviewer.Finding{{Path: path, Line: tt.line, EndLine: tt.end}}, tt.tol)
			got := s.Findings[0]
			if got.Match != tt.want || got.InRange != tt.wantInside {
				t.Errorf("match %s, in range %v; want %s, %v", got.Match, got.InRange, tt.want, tt.wantInside)
			}
			if found := s.Issues[0].Finding >= 0; found != (tt.want == eval.Hit) {
				t.Errorf("issue found: %v, want %v", found, tt.want == eval.Hit)
			}
		})
	}
}

// TestEvalScoreGreedy: each issue is found once, nearest finding first; the others on it are
// duplicates, and a finding takes the nearest of two issues.
func TestEvalScoreGreedy(t *testing.T) {
	t.Parallel()
	exp := eval.Expected{Issues: []eval.Issue{
		{Path: "a.go", FromLine: 10, ToLine: 10},
		{Path: "a.go", FromLine: 20, ToLine: 20},
	}}
	findings := []reviewer.Finding{
		{Path: "a.go", Line: 12, EndLine: 12}, // 2 from issue 0
		{Path: "a.go", Line: 10, EndLine: 10}, // on issue 0
		{Path: "a.go", Line: 18, EndLine: 18}, // 2 from issue 1
		{Path: "a.go", Line: 11, EndLine: 11}, // 1 from issue 0
		{Path: "a.go", Line: 8, EndLine: 8},   // 2 from issue 0, first in order
	}
	s := eval.Score(exp, findings, 3)
	type got struct {
		Line  int
		Match eval.Match
		Issue int
	}
	var gots []got
	for _, f := range s.Findings {
		gots = append(gots, got{f.Line, f.Match, f.Issue})
	}
	want := []got{{8, eval.Duplicate, 0}, {10, eval.Hit, 0}, {11, eval.Duplicate, 0}, {12, eval.Duplicate, 0}, {18, eval.Hit, 1}}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s.Issues[0].Finding != 1 || s.Issues[1].Finding != 4 {
		t.Errorf("issues found by %d and %d, want 1 and 4", s.Issues[0].Finding, s.Issues[1].Finding)
	}

	// A finding between two issues takes the nearer, even the later one, and leaves the
	// other to a finding of its own.
	exp = eval.Expected{Issues: []eval.Issue{
		{Path: "a.go", FromLine: 10, ToLine: 10},
		{Path: "a.go", FromLine: 17, ToLine: 17},
	}}
	s = eval.Score(exp, []reviewer.Finding{{Path: "a.go", Line: 15, EndLine: 15}, {Path: "a.go", Line: 9, EndLine: 9}}, 5)
	if s.Issues[0].Finding != 0 || s.Issues[1].Finding != 1 {
		t.Errorf("issue 10 found by finding %d (want 0, line 9), issue 17 by %d (want 1, line 15)", s.Issues[0].Finding, s.Issues[1].Finding)
	}
}

// TestEvalScoreNothing: with neither findings nor issues every ratio is undefined: null in
// JSON, "–" in text, never NaN.
func TestEvalScoreNothing(t *testing.T) {
	t.Parallel()
	rep := eval.Summarize([]eval.CaseRun{{Name: "empty", Scored: eval.Score(eval.Expected{}, nil, 3)}}, eval.SummaryOptions{Tolerance: 3})
	m := rep.Overall
	for name, v := range map[string]eval.Ratio{"precision": m.Precision, "recall": m.Recall, "f1": m.F1,
		"line_precision": m.LinePrecision, "noise_rate": m.NoiseRate} {
		if v.Valid {
			t.Errorf("%s = %v, want undefined", name, v.Value)
		}
	}
	var js, txt bytes.Buffer
	if err := eval.WriteJSON(&js, &rep); err != nil {
		t.Fatal(err)
	}
	if err := eval.WriteText(&txt, &rep); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(js.String(), "NaN") || !strings.Contains(js.String(), `"precision": null`) || !strings.Contains(js.String(), `"f1": null`) {
		t.Errorf("JSON report:\n%s", js.String())
	}
	if strings.Contains(txt.String(), "NaN") || !strings.Contains(txt.String(), "–") {
		t.Errorf("text report:\n%s", txt.String())
	}
	if !strings.Contains(txt.String(), "LLM off") {
		t.Errorf("text report does not say the LLM was off:\n%s", txt.String())
	}
}

// TestEvalRatioJSON: a ratio survives a round trip through a baseline file, rounded.
func TestEvalRatioJSON(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   eval.Ratio
		json string
	}{
		{r(1.0 / 3), "0.333333"},
		{r(0), "0"},
		{r(1), "1"},
		{undefined, "null"},
		{eval.Ratio{Value: math.NaN(), Valid: true}, "null"},
	} {
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != tt.json {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.in, b, err, tt.json)
		}
		var back eval.Ratio
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Valid != (tt.json != "null") {
			t.Errorf("%s read back as %+v", b, back)
		}
	}
}

// fakeAsker answers the judge's questions from a table keyed by a word of the finding's
// message, and records what it was asked.
type fakeAsker struct {
	answers map[string]string // substring of the user message -> content
	fail    map[string]error
	asked   []string
	schemas []string
}

func (f *fakeAsker) Ask(_ context.Context, msgs []reviewer.Message, name string, schema []byte) (string, reviewer.TokenUsage, error) {
	user := msgs[len(msgs)-1].Content
	f.asked = append(f.asked, user)
	f.schemas = append(f.schemas, name+" "+string(schema))
	for k, err := range f.fail {
		if strings.Contains(user, k) {
			return "", reviewer.TokenUsage{PromptTokens: 10}, err
		}
	}
	for k, a := range f.answers {
		if strings.Contains(user, k) {
			return a, reviewer.TokenUsage{PromptTokens: 100, CompletionTokens: 10}, nil
		}
	}
	return "not JSON", reviewer.TokenUsage{PromptTokens: 100, CompletionTokens: 10}, nil
}

// TestEvalJudge: hits with a note are asked about, the others are unjudged; answers, bad
// answers and failures are counted apart, and judged precision never exceeds precision.
func TestEvalJudge(t *testing.T) {
	t.Parallel()
	runs := handRuns(t, eval.DefaultTolerance)
	a := &fakeAsker{
		answers: map[string]string{"Error discarded.": `Sure: {"same_issue": true, "reason": "both say the error is dropped"}`},
		fail:    map[string]error{"shell=True": errors.New("model m: status 503: overloaded")},
	}
	var spent eval.JudgeUsage
	for i := range runs {
		u, err := eval.Judge(t.Context(), a, &runs[i].Scored)
		if err != nil {
			t.Fatal(err)
		}
		runs[i].Judge = u
		spent.Requests += u.Requests
	}
	// alpha's hits: app.go:5 (issue with a note: asked, confirmed) and app.go:13 (issue
	// without a note: unjudged). beta's hit: svc.py:13 (asked, the request fails).
	if len(a.asked) != 2 || spent.Requests != 2 {
		t.Fatalf("asked %d questions (%d counted), want 2:\n%s", len(a.asked), spent.Requests, strings.Join(a.asked, "\n---\n"))
	}
	if !strings.Contains(a.asked[0], "The error of db.Ping is discarded") || !strings.Contains(a.asked[0], "app.go, lines 5-5") {
		t.Errorf("the question does not carry the note and the place:\n%s", a.asked[0])
	}
	if !strings.HasPrefix(a.schemas[0], eval.JudgeSchemaName+" ") || !strings.Contains(a.schemas[0], `"same_issue"`) {
		t.Errorf("schema %s", a.schemas[0])
	}
	rep := eval.Summarize(runs, eval.SummaryOptions{Tolerance: 3, LLM: true, Model: "m", Judge: true, JudgeModel: "m"})
	want := &eval.JudgeReport{Model: "m", Asked: 2, Confirmed: 1, Unjudged: 1, Errors: 1,
		// 1 confirmed of 8 findings and of 5 issues.
		Precision: r(1.0 / 8), Recall: r(1.0 / 5),
		Requests: 2, PromptTokens: 110, CompletionTokens: 10}
	if diff := cmp.Diff(want, rep.Judge, ratioCmp); diff != "" {
		t.Errorf("judge report (-want +got):\n%s", diff)
	}
	f := rep.Cases[0].Findings[1]
	if f.Judge == nil || !f.Judge.SameIssue || f.Judge.Reason != "both say the error is dropped" {
		t.Errorf("alpha's first finding was judged %+v", f.Judge)
	}
	if v := rep.Cases[1].Findings[0].Judge; v == nil || v.Error == "" || !strings.Contains(v.Error, "overloaded") {
		t.Errorf("beta's hit was judged %+v, want the request's error", v)
	}

	// An answer that is not a verdict is an error, not a "no".
	fresh := handRuns(t, eval.DefaultTolerance)[0].Scored
	b := &fakeAsker{answers: map[string]string{"Error discarded.": `{"reason": "forgot the verdict"}`}}
	if _, err := eval.Judge(t.Context(), b, &fresh); err != nil {
		t.Fatal(err)
	}
	if v := fresh.Findings[1].Verdict; v == nil || v.SameIssue || !strings.Contains(v.Error, "not {\"same_issue\"") {
		t.Errorf("a verdict without same_issue was read as %+v", v)
	}

	// The context's end stops the pass.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	fresh = handRuns(t, eval.DefaultTolerance)[0].Scored
	if _, err := eval.Judge(ctx, a, &fresh); !errors.Is(err, context.Canceled) {
		t.Errorf("Judge with a canceled context: %v", err)
	}
}

// TestEvalScoreTraps: a finding on clean lines is a false positive whatever is near: it
// finds neither an issue around the clean range (a carve-out) nor one within the
// tolerance, and leaves the issue to another finding. A finding that only reaches into a
// clean range is judged by its other lines.
func TestEvalScoreTraps(t *testing.T) {
	t.Parallel()
	exp := eval.Expected{
		Issues: []eval.Issue{{Path: "a.go", FromLine: 10, ToLine: 20}, {Path: "a.go", FromLine: 30, ToLine: 30}},
		Clean:  []eval.Clean{{Path: "a.go", FromLine: 14, ToLine: 15}, {Path: "a.go", FromLine: 28, ToLine: 28}, {Path: "b.go", FromLine: 1, ToLine: 9}},
	}
	s := eval.Score(exp, []reviewer.Finding{
		{Path: "a.go", Line: 14, EndLine: 14}, // inside issue 0, on clean 0
		{Path: "a.go", Line: 19, EndLine: 22}, // reaching into issue 0
		{Path: "a.go", Line: 28, EndLine: 28}, // 2 from issue 1, on clean 1
		{Path: "a.go", Line: 30, EndLine: 31}, // around issue 1
		{Path: "a.go", Line: 15, EndLine: 16}, // reaching out of clean 0, into issue 0
		{Path: "a.go", Line: 9, EndLine: 20},  // around issue 0, over clean 0
	}, 3)
	type got struct {
		Line    int
		Match   eval.Match
		Trap    int
		InRange bool
	}
	var gots []got
	for _, f := range s.Findings {
		gots = append(gots, got{f.Line, f.Match, f.Trap, f.InRange})
	}
	// Issue 0's candidates, all at distance 0: 9-20, 15-16, 19-22; the first takes it.
	want := []got{
		{9, eval.Hit, -1, false},
		{14, eval.Noise, 0, false},
		{15, eval.Duplicate, -1, true},
		{19, eval.Duplicate, -1, false},
		{28, eval.Noise, 1, false},
		{30, eval.Hit, -1, false},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if c := s.Counts(); c.TrapHits != 2 || c.Matched != 2 || c.Noise != 2 || c.Duplicates != 2 {
		t.Errorf("counts %+v", c)
	}
}
