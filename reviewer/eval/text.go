package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON with a trailing newline.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes the report as aligned tables for a terminal: the cases and the
// overall scores, then recall by category, precision by rule, the judge's figures, the
// comparison with a baseline, and last the issues missed and the traps hit.
func WriteText(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	llm := "LLM off: only the pattern rules ran"
	if r.LLM {
		llm = "model " + r.Model
	}
	fmt.Fprintf(bw, "%d cases, tolerance ±%d lines, %s\n\n", r.Overall.Cases, r.Tolerance, llm)

	row(tw, "case", "issues", "findings", "matched", "dup", "noise", "traps", "precision", "recall", "f1", "line prec", "tokens", "cost")
	caseRow := func(name string, m Metrics) {
		row(tw, name, itoa(m.Issues), itoa(m.Findings), itoa(m.Matched), itoa(m.Duplicates), itoa(m.Noise), itoa(m.TrapHits),
			m.Precision.String(), m.Recall.String(), m.F1.String(), m.LinePrecision.String(),
			itoa(m.PromptTokens+m.CompletionTokens), dollars(m.CostUSD))
	}
	for _, c := range r.Cases {
		name := c.Name
		if len(c.Incomplete) > 0 {
			name += " (incomplete)"
		}
		caseRow(name, c.Metrics)
	}
	caseRow("all", r.Overall)
	flush(tw)
	o := r.Overall
	fmt.Fprintf(bw, "\nnoise rate %s, %s findings per case, %s tokens and %s per case\n",
		o.NoiseRate, perCase(o.FindingsPerCase, 2), perCase(o.TokensPerCase, 0), perCaseCost(o.CostPerCase))

	if len(r.Categories) > 0 {
		fmt.Fprintln(bw)
		row(tw, "category", "issues", "matched", "recall")
		for _, c := range r.Categories {
			row(tw, orNone(c.Category, "(none)"), itoa(c.Issues), itoa(c.Matched), c.Recall.String())
		}
		flush(tw)
	}
	if len(r.Rules) > 0 {
		fmt.Fprintln(bw)
		row(tw, "rule", "findings", "matched", "dup", "noise", "traps", "precision")
		for _, m := range r.Rules {
			row(tw, orNone(m.RuleID, "(general)"), itoa(m.Findings), itoa(m.Matched), itoa(m.Duplicates), itoa(m.Noise), itoa(m.TrapHits), m.Precision.String())
		}
		flush(tw)
	}
	if j := r.Judge; j != nil {
		fmt.Fprintf(bw, "\njudge (%s): asked about %d hits, confirmed %d, %d unjudged (no note), %d errors; judged precision %s, judged recall %s; %d tokens, %s\n",
			orNone(j.Model, "no model"), j.Asked, j.Confirmed, j.Unjudged, j.Errors, j.Precision, j.Recall, j.PromptTokens+j.CompletionTokens, dollars(j.CostUSD))
	}
	if b := r.Baseline; b != nil {
		fmt.Fprintf(bw, "\ncompared with %s\n", b.File)
		for _, n := range b.Notes {
			fmt.Fprintf(bw, "note: %s\n", n)
		}
		row(tw, "metric", "baseline", "now", "change")
		for _, d := range b.Overall {
			row(tw, d.Metric, d.Base.format(d.Metric), d.Now.format(d.Metric), d.Change.signed(d.Metric))
		}
		flush(tw)
		if len(b.Rules) > 0 {
			fmt.Fprintln(bw)
			row(tw, "rule", "findings", "change", "matched", "change", "precision", "change")
			for _, d := range b.Rules {
				row(tw, orNone(d.RuleID, "(general)"),
					d.Findings.Base.format("findings")+" → "+d.Findings.Now.format("findings"), d.Findings.Change.signed("findings"),
					d.Matched.Base.format("matched")+" → "+d.Matched.Now.format("matched"), d.Matched.Change.signed("matched"),
					d.Precision.Base.String()+" → "+d.Precision.Now.String(), d.Precision.Change.signed("precision"))
			}
			flush(tw)
		}
		if len(b.Categories) > 0 {
			fmt.Fprintln(bw)
			row(tw, "category", "recall", "change")
			for _, d := range b.Categories {
				row(tw, orNone(d.Category, "(none)"), d.Recall.Base.String()+" → "+d.Recall.Now.String(), d.Recall.Change.signed("recall"))
			}
			flush(tw)
		}
	}

	var details []string
	for _, c := range r.Cases {
		for _, is := range c.Issues {
			if !is.Found {
				details = append(details, fmt.Sprintf("missed  %s: %s:%s%s %s", c.Name, is.Path, lines(is.FromLine, is.ToLine), bracket(is.Category), short(is.Note)))
			}
		}
		for _, f := range c.Findings {
			if f.Trap != nil {
				details = append(details, fmt.Sprintf("trap    %s: %s:%s%s %s", c.Name, f.Path, lines(f.Line, f.EndLine), bracket(f.RuleID), short(f.Message)))
			}
			if f.Judge != nil && !f.Judge.SameIssue {
				why := f.Judge.Reason
				if f.Judge.Error != "" {
					why = "no verdict: " + f.Judge.Error
				}
				details = append(details, fmt.Sprintf("judged  %s: %s:%s%s not the issue: %s", c.Name, f.Path, lines(f.Line, f.EndLine), bracket(f.RuleID), short(why)))
			}
		}
		for _, in := range c.Incomplete {
			details = append(details, fmt.Sprintf("incomplete  %s: %s", c.Name, short(in)))
		}
	}
	if len(details) > 0 {
		fmt.Fprintln(bw)
		for _, d := range details {
			fmt.Fprintln(bw, strings.TrimRight(d, " "))
		}
	}
	return bw.Flush()
}

func row(tw *tabwriter.Writer, cells ...string) {
	fmt.Fprintln(tw, strings.Join(cells, "\t"))
}

// flush ends a table; tabwriter's errors are the underlying bufio.Writer's, reported by
// its Flush.
func flush(tw *tabwriter.Writer) { _ = tw.Flush() }

func itoa(n int) string { return strconv.Itoa(n) }

func dollars(v float64) string { return "$" + strconv.FormatFloat(v, 'f', 4, 64) }

func perCase(r Ratio, prec int) string {
	if !r.Valid {
		return "–"
	}
	return strconv.FormatFloat(r.Value, 'f', prec, 64)
}

func perCaseCost(r Ratio) string {
	if !r.Valid {
		return "–"
	}
	return dollars(r.Value)
}

// countMetrics are the metrics that are counts, shown without decimals.
var countMetrics = map[string]bool{"findings": true, "matched": true, "trap_hits": true, "issues": true, "tokens_per_case": true}

// format shows a metric's value: counts whole, costs in dollars, ratios with three
// decimals.
func (r Ratio) format(metric string) string {
	switch {
	case !r.Valid:
		return "–"
	case countMetrics[metric]:
		return strconv.FormatFloat(r.Value, 'f', 0, 64)
	case metric == "cost_per_case":
		return dollars(r.Value)
	}
	return r.String()
}

// signed shows a change with its sign; a change that rounds to nothing is "=".
func (r Ratio) signed(metric string) string {
	if !r.Valid {
		return "–"
	}
	s := Ratio{Value: math.Abs(r.Value), Valid: true}.format(metric)
	if strings.Trim(s, "$0.") == "" {
		return "="
	}
	if r.Value < 0 {
		return "-" + s
	}
	return "+" + s
}

// lines shows a range of lines: 5, or 5-7.
func lines(from, to int) string {
	if to <= from {
		return strconv.Itoa(from)
	}
	return strconv.Itoa(from) + "-" + strconv.Itoa(to)
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func bracket(s string) string {
	if s == "" {
		return ""
	}
	return " [" + s + "]"
}

// short cuts a message to one line of at most 100 characters.
func short(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 100 {
		s = string(r[:100]) + "…"
	}
	return s
}
