package eval

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/reviewerbot/reviewer/reviewer"
)

// ReportVersion identifies the JSON report's shape, so that a baseline of another shape
// is refused rather than misread.
const ReportVersion = 1

// Ratio is a ratio that may be undefined (a precision with no findings). It is null in
// JSON and "–" in text, never NaN. Values are rounded to 6 decimal places in JSON.
type Ratio struct {
	Value float64
	Valid bool
}

// ratio is n/d, undefined when d is 0.
func ratio(n, d int) Ratio {
	if d == 0 {
		return Ratio{}
	}
	return Ratio{Value: float64(n) / float64(d), Valid: true}
}

func fratio(n float64, d int) Ratio {
	if d == 0 {
		return Ratio{}
	}
	return Ratio{Value: n / float64(d), Valid: true}
}

// MarshalJSON implements json.Marshaler.
func (r Ratio) MarshalJSON() ([]byte, error) {
	if !r.Valid || math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(round6(r.Value), 'f', -1, 64)), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *Ratio) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*r = Ratio{}
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("want a number or null: %w", err)
	}
	*r = Ratio{Value: v, Valid: true}
	return nil
}

// String formats the ratio with three decimals, "–" when undefined.
func (r Ratio) String() string {
	if !r.Valid {
		return "–"
	}
	return strconv.FormatFloat(r.Value, 'f', 3, 64)
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// Metrics are the scores of one case or of several.
type Metrics struct {
	Cases int `json:"cases"`
	Counts
	// Precision is matched findings / findings; Recall matched issues / issues; F1 is
	// 2·matched / (findings + issues), their harmonic mean, 0 when nothing matched and
	// undefined only when there are neither findings nor issues.
	Precision Ratio `json:"precision"`
	Recall    Ratio `json:"recall"`
	F1        Ratio `json:"f1"`
	// LinePrecision is the share of findings whose whole range lies inside an expected
	// issue's range, without tolerance.
	LinePrecision Ratio `json:"line_precision"`
	// NoiseRate is the share of findings on no expected issue.
	NoiseRate       Ratio `json:"noise_rate"`
	FindingsPerCase Ratio `json:"findings_per_case"`
	// Usage of the review's model requests (not the judge's).
	Requests         int     `json:"requests"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
	TokensPerCase    Ratio   `json:"tokens_per_case"`
	CostPerCase      Ratio   `json:"cost_per_case"`
}

func metrics(cases int, c Counts, u reviewer.Usage) Metrics {
	tokens := u.PromptTokens + u.CompletionTokens
	return Metrics{
		Cases:            cases,
		Counts:           c,
		Precision:        ratio(c.Matched, c.Findings),
		Recall:           ratio(c.Matched, c.Issues),
		F1:               ratio(2*c.Matched, c.Findings+c.Issues),
		LinePrecision:    ratio(c.InRange, c.Findings),
		NoiseRate:        ratio(c.Noise, c.Findings),
		FindingsPerCase:  ratio(c.Findings, cases),
		Requests:         u.Requests,
		PromptTokens:     u.PromptTokens,
		CompletionTokens: u.CompletionTokens,
		CostUSD:          round6(u.CostUSD),
		TokensPerCase:    ratio(tokens, cases),
		CostPerCase:      fratio(u.CostUSD, cases),
	}
}

// Report is the result of an evaluation: the JSON report (--format json) and what the
// text table shows. Lists are in a stable order: cases, categories and rules by name.
type Report struct {
	Version   int  `json:"version"`
	Tolerance int  `json:"tolerance"`
	LLM       bool `json:"llm"`
	// Model names the model(s) that answered, "" when the LLM was off.
	Model      string            `json:"model"`
	Overall    Metrics           `json:"overall"`
	Categories []CategoryMetrics `json:"categories"`
	Rules      []RuleMetrics     `json:"rules"`
	// Judge is set when the judge pass ran.
	Judge *JudgeReport `json:"judge"`
	Cases []CaseReport `json:"cases"`
	// Baseline is set when the report was compared with an earlier one.
	Baseline *Comparison `json:"baseline"`
}

// CategoryMetrics is the recall of the issues of one category (expected.json's
// category; "" for issues without one).
type CategoryMetrics struct {
	Category string `json:"category"`
	Issues   int    `json:"issues"`
	Matched  int    `json:"matched"`
	Recall   Ratio  `json:"recall"`
}

// RuleMetrics is how the findings of one rule fared; RuleID "" holds the model's general
// findings, tied to no rule.
type RuleMetrics struct {
	RuleID     string `json:"rule_id"`
	Findings   int    `json:"findings"`
	Matched    int    `json:"matched"`
	Duplicates int    `json:"duplicates"`
	Noise      int    `json:"noise"`
	TrapHits   int    `json:"trap_hits"`
	Precision  Ratio  `json:"precision"`
}

// JudgeReport is what the judge pass said of the hits.
type JudgeReport struct {
	Model string `json:"model"`
	// Asked counts the hits the judge was asked about; Confirmed those it said describe
	// the expected issue; Unjudged the hits whose issue has no note to judge by (not
	// confirmed); Errors the questions that got no valid answer (not confirmed).
	Asked     int `json:"asked"`
	Confirmed int `json:"confirmed"`
	Unjudged  int `json:"unjudged"`
	Errors    int `json:"errors"`
	// Precision is confirmed hits / findings; Recall confirmed hits / issues.
	Precision        Ratio   `json:"precision"`
	Recall           Ratio   `json:"recall"`
	Requests         int     `json:"requests"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
}

// CaseReport is one case's scores and the detail behind them.
type CaseReport struct {
	Name    string  `json:"name"`
	Metrics Metrics `json:"metrics"`
	// Incomplete lists the files the review skipped or failed, as "path: outcome: reason":
	// the case's scores are then not the model's whole answer.
	Incomplete []string `json:"incomplete"`
	// Unplaced counts model findings that could not be anchored on a line of the diff.
	Unplaced int `json:"unplaced"`
	// Dropped lists the model findings the verification pass left out, as
	// "path:line: reason"; they are not scored.
	Dropped  []string        `json:"verify_dropped"`
	Issues   []IssueReport   `json:"issues"`
	Findings []FindingReport `json:"findings"`
}

// IssueReport is an expected issue and whether it was found.
type IssueReport struct {
	Issue
	Found bool `json:"found"`
	// Finding is the index in the case's findings of the finding that found it.
	Finding *int `json:"finding"`
}

// FindingReport is a finding and what it amounted to.
type FindingReport struct {
	Path     string `json:"path"`
	Line     int    `json:"line"`
	EndLine  int    `json:"end_line"`
	Side     string `json:"side"`
	Severity string `json:"severity"`
	RuleID   string `json:"rule_id"`
	Source   string `json:"source"`
	Message  string `json:"message"`
	Match    Match  `json:"match"`
	// Issue is the index in the case's issues of the issue found (hit) or repeated
	// (duplicate).
	Issue   *int `json:"issue"`
	InRange bool `json:"in_range"`
	// Trap is the index in expected.json's clean list of the range the finding is on.
	Trap  *int     `json:"trap"`
	Judge *Verdict `json:"judge"`
}

// CaseRun is one case as reviewed and scored, the input of Summarize.
type CaseRun struct {
	Name   string
	Scored Scored
	// Usage is the review's Result.Usage.
	Usage reviewer.Usage
	// Incomplete and Unplaced come from the review's Result.
	Incomplete []string
	Unplaced   int
	// Dropped lists the findings the verification pass left out, as "path:line: reason".
	Dropped []string
	// Judge is what the judge pass spent on the case.
	Judge JudgeUsage
}

// SummaryOptions describe the run for the report.
type SummaryOptions struct {
	Tolerance int
	LLM       bool
	Model     string
	// Judge is set when the judge pass ran; JudgeModel names its model.
	Judge      bool
	JudgeModel string
}

// Summarize aggregates scored cases into a report. Overall, category and rule figures
// are micro-averages: counts are summed over the cases, then divided, so a case with many
// findings weighs more than one with few. It is a pure function.
func Summarize(runs []CaseRun, opts SummaryOptions) Report {
	r := Report{Version: ReportVersion, Tolerance: opts.Tolerance, LLM: opts.LLM, Model: opts.Model,
		Categories: []CategoryMetrics{}, Rules: []RuleMetrics{}, Cases: []CaseReport{}}
	runs = slices.Clone(runs)
	slices.SortStableFunc(runs, func(a, b CaseRun) int { return cmp.Compare(a.Name, b.Name) })

	var total Counts
	var usage reviewer.Usage
	cats := map[string]*CategoryMetrics{}
	rules := map[string]*RuleMetrics{}
	var judge JudgeReport
	for _, run := range runs {
		c := run.Scored.Counts()
		total.add(c)
		usage.Requests += run.Usage.Requests
		usage.PromptTokens += run.Usage.PromptTokens
		usage.CompletionTokens += run.Usage.CompletionTokens
		usage.CostUSD += run.Usage.CostUSD
		r.Cases = append(r.Cases, caseReport(run, c))

		for _, is := range run.Scored.Issues {
			cm := cats[is.Category]
			if cm == nil {
				cm = &CategoryMetrics{Category: is.Category}
				cats[is.Category] = cm
			}
			cm.Issues++
			if is.Finding >= 0 {
				cm.Matched++
			}
		}
		for _, f := range run.Scored.Findings {
			rm := rules[f.RuleID]
			if rm == nil {
				rm = &RuleMetrics{RuleID: f.RuleID}
				rules[f.RuleID] = rm
			}
			rm.Findings++
			switch f.Match {
			case Hit:
				rm.Matched++
				switch {
				case run.Scored.Issues[f.Issue].Note == "":
					judge.Unjudged++
				case f.Verdict == nil:
				case f.Verdict.Error != "":
					judge.Asked++
					judge.Errors++
				default:
					judge.Asked++
					if f.Verdict.SameIssue {
						judge.Confirmed++
					}
				}
			case Duplicate:
				rm.Duplicates++
			default:
				rm.Noise++
			}
			if f.Trap >= 0 {
				rm.TrapHits++
			}
		}
		judge.Requests += run.Judge.Requests
		judge.PromptTokens += run.Judge.PromptTokens
		judge.CompletionTokens += run.Judge.CompletionTokens
	}
	r.Overall = metrics(len(runs), total, usage)
	for _, k := range sortedKeys(cats) {
		cm := cats[k]
		cm.Recall = ratio(cm.Matched, cm.Issues)
		r.Categories = append(r.Categories, *cm)
	}
	for _, k := range sortedKeys(rules) {
		rm := rules[k]
		rm.Precision = ratio(rm.Matched, rm.Findings)
		r.Rules = append(r.Rules, *rm)
	}
	if opts.Judge {
		judge.Model = opts.JudgeModel
		judge.Precision = ratio(judge.Confirmed, total.Findings)
		judge.Recall = ratio(judge.Confirmed, total.Issues)
		r.Judge = &judge
	}
	return r
}

func caseReport(run CaseRun, c Counts) CaseReport {
	cr := CaseReport{
		Name:       run.Name,
		Metrics:    metrics(1, c, run.Usage),
		Incomplete: append([]string{}, run.Incomplete...),
		Unplaced:   run.Unplaced,
		Dropped:    append([]string{}, run.Dropped...),
		Issues:     make([]IssueReport, 0, len(run.Scored.Issues)),
		Findings:   make([]FindingReport, 0, len(run.Scored.Findings)),
	}
	for _, is := range run.Scored.Issues {
		ir := IssueReport{Issue: is.Issue, Found: is.Finding >= 0}
		if is.Finding >= 0 {
			ir.Finding = new(is.Finding)
		}
		cr.Issues = append(cr.Issues, ir)
	}
	for _, f := range run.Scored.Findings {
		fr := FindingReport{
			Path: f.Path, Line: f.Line, EndLine: max(f.EndLine, f.Line), Side: string(cmp.Or(f.Side, reviewer.SideNew)),
			Severity: f.Severity.String(), RuleID: f.RuleID, Source: string(f.Source), Message: f.Message,
			Match: f.Match, InRange: f.InRange, Judge: f.Verdict,
		}
		if f.Issue >= 0 {
			fr.Issue = new(f.Issue)
		}
		if f.Trap >= 0 {
			fr.Trap = new(f.Trap)
		}
		cr.Findings = append(cr.Findings, fr)
	}
	return cr
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
