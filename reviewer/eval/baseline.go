package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Comparison is a report held against a baseline: an earlier report of the same set, say
// before a rule's severity or a prompt changed. Change is now - base, undefined when either
// side is.
type Comparison struct {
	// File names the baseline, as given on the command line.
	File       string          `json:"file"`
	Overall    []Delta         `json:"overall"`
	Categories []CategoryDelta `json:"categories"`
	Rules      []RuleDelta     `json:"rules"`
	// Notes say what makes the two runs less comparable: another tolerance, other cases.
	Notes []string `json:"notes"`
}

// Delta is one metric in the baseline and now.
type Delta struct {
	Metric string `json:"metric"`
	Base   Ratio  `json:"base"`
	Now    Ratio  `json:"now"`
	Change Ratio  `json:"change"`
}

// CategoryDelta compares the recall of one category.
type CategoryDelta struct {
	Category string `json:"category"`
	Issues   Delta  `json:"issues"`
	Recall   Delta  `json:"recall"`
}

// RuleDelta compares the findings of one rule; a rule found on one side only has an
// undefined base or now.
type RuleDelta struct {
	RuleID    string `json:"rule_id"`
	Findings  Delta  `json:"findings"`
	Matched   Delta  `json:"matched"`
	TrapHits  Delta  `json:"trap_hits"`
	Precision Delta  `json:"precision"`
}

// ReadReport reads a JSON report written by an earlier run, to compare with.
func ReadReport(data []byte) (Report, error) {
	var r Report
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return Report{}, fmt.Errorf("not an eval JSON report: %w", err)
	}
	if r.Version != ReportVersion {
		return Report{}, fmt.Errorf("report version %d, want %d: make the baseline again with this version's --format json", r.Version, ReportVersion)
	}
	return r, nil
}

func delta(metric string, base, now Ratio) Delta {
	d := Delta{Metric: metric, Base: base, Now: now}
	if base.Valid && now.Valid {
		d.Change = Ratio{Value: now.Value - base.Value, Valid: true}
	}
	return d
}

func count(n int) Ratio { return Ratio{Value: float64(n), Valid: true} }

// Compare holds now against base. It is a pure function.
func Compare(base, now Report) Comparison {
	c := Comparison{Categories: []CategoryDelta{}, Rules: []RuleDelta{}, Notes: []string{}}
	b, n := base.Overall, now.Overall
	c.Overall = []Delta{
		delta("precision", b.Precision, n.Precision),
		delta("recall", b.Recall, n.Recall),
		delta("f1", b.F1, n.F1),
		delta("line_precision", b.LinePrecision, n.LinePrecision),
		delta("noise_rate", b.NoiseRate, n.NoiseRate),
		delta("findings", count(b.Findings), count(n.Findings)),
		delta("matched", count(b.Matched), count(n.Matched)),
		delta("trap_hits", count(b.TrapHits), count(n.TrapHits)),
		delta("findings_per_case", b.FindingsPerCase, n.FindingsPerCase),
		delta("tokens_per_case", b.TokensPerCase, n.TokensPerCase),
		delta("cost_per_case", b.CostPerCase, n.CostPerCase),
	}
	if base.Judge != nil && now.Judge != nil {
		c.Overall = append(c.Overall, delta("judge_precision", base.Judge.Precision, now.Judge.Precision))
	}

	cats := map[string][2]*CategoryMetrics{}
	for i := range base.Categories {
		m := &base.Categories[i]
		e := cats[m.Category]
		e[0] = m
		cats[m.Category] = e
	}
	for i := range now.Categories {
		m := &now.Categories[i]
		e := cats[m.Category]
		e[1] = m
		cats[m.Category] = e
	}
	for _, k := range sortedKeys(cats) {
		e := cats[k]
		var bi, ni, br, nr Ratio
		if e[0] != nil {
			bi, br = count(e[0].Issues), e[0].Recall
		}
		if e[1] != nil {
			ni, nr = count(e[1].Issues), e[1].Recall
		}
		c.Categories = append(c.Categories, CategoryDelta{Category: k, Issues: delta("issues", bi, ni), Recall: delta("recall", br, nr)})
	}

	rules := map[string][2]*RuleMetrics{}
	for i := range base.Rules {
		m := &base.Rules[i]
		e := rules[m.RuleID]
		e[0] = m
		rules[m.RuleID] = e
	}
	for i := range now.Rules {
		m := &now.Rules[i]
		e := rules[m.RuleID]
		e[1] = m
		rules[m.RuleID] = e
	}
	for _, k := range sortedKeys(rules) {
		e := rules[k]
		// A rule with no findings on one side had 0 findings there, and no precision.
		var bf, nf, bm, nm, bt, nt = count(0), count(0), count(0), count(0), count(0), count(0)
		var bp, np Ratio
		if e[0] != nil {
			bf, bm, bt, bp = count(e[0].Findings), count(e[0].Matched), count(e[0].TrapHits), e[0].Precision
		}
		if e[1] != nil {
			nf, nm, nt, np = count(e[1].Findings), count(e[1].Matched), count(e[1].TrapHits), e[1].Precision
		}
		c.Rules = append(c.Rules, RuleDelta{RuleID: k,
			Findings: delta("findings", bf, nf), Matched: delta("matched", bm, nm),
			TrapHits: delta("trap_hits", bt, nt), Precision: delta("precision", bp, np)})
	}

	if base.Tolerance != now.Tolerance {
		c.Notes = append(c.Notes, fmt.Sprintf("the baseline was scored with tolerance %d, this run with %d", base.Tolerance, now.Tolerance))
	}
	if base.LLM != now.LLM {
		c.Notes = append(c.Notes, fmt.Sprintf("the LLM was %s in the baseline and %s now", onOff(base.LLM), onOff(now.LLM)))
	} else if base.Model != now.Model && base.LLM {
		c.Notes = append(c.Notes, fmt.Sprintf("the baseline's model was %s, this run's %s", base.Model, now.Model))
	}
	var baseNames, nowNames []string
	for _, cr := range base.Cases {
		baseNames = append(baseNames, cr.Name)
	}
	for _, cr := range now.Cases {
		nowNames = append(nowNames, cr.Name)
	}
	if only := minus(nowNames, baseNames); len(only) > 0 {
		c.Notes = append(c.Notes, "cases not in the baseline: "+strings.Join(only, ", "))
	}
	if only := minus(baseNames, nowNames); len(only) > 0 {
		c.Notes = append(c.Notes, "baseline cases not in this run: "+strings.Join(only, ", "))
	}
	return c
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// minus returns the names of a not in b, sorted.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
