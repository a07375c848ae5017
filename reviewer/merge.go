package reviewer

import (
	"cmp"
	"slices"

	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/rules"
)

// foldHidden drops each model finding on the place (path, side, line) of a pattern
// finding whose rule the model was not shown (chunk.SentToModel: the built-in and secret
// rules), that is posted inline and that is at least as severe. Not told the rule, the
// model reports what the engine found in its own words, and the line would say one thing
// twice; the pattern finding, exact, stays, and takes the model's suggestion when it has
// none and the two cover the same lines. A more severe model finding is not folded: it
// says something the pattern does not (an injection on a line that also keeps a
// debugger statement), and hiding its message behind the pattern's would let a line the
// author chose to flag bury it. A summary-only pattern finding (a TODO) takes nothing
// either: it puts no comment on the line. It runs after verification, so that only
// findings the verifier kept lend anything.
func foldHidden(pattern, model []Finding, set *rules.Set) []Finding {
	type place struct {
		path string
		side Side
		line int
	}
	at := map[place]int{}
	for i, f := range pattern {
		if r := set.Rule(f.RuleID); r != nil && !chunk.SentToModel(r) && !f.SummaryOnly {
			if _, ok := at[place{f.Path, f.Side, f.Line}]; !ok {
				at[place{f.Path, f.Side, f.Line}] = i
			}
		}
	}
	if len(at) == 0 {
		return model
	}
	out := model[:0:0]
	for _, f := range model {
		i, ok := at[place{f.Path, f.Side, f.Line}]
		if !ok || f.Severity > pattern[i].Severity {
			out = append(out, f)
			continue
		}
		if pattern[i].Suggestion == "" && pattern[i].EndLine == f.EndLine {
			pattern[i].Suggestion = f.Suggestion
		}
	}
	return out
}

// merge joins the pattern findings and the model's. A model finding of the same rule on
// the same place (path, side, line) as a pattern finding is dropped, since the pattern's
// is exact, but lends it its suggestion when it has none. Of the model findings left, a
// place keeps one: the first that names a rule, else the first (overlapping chunk windows
// may answer for the same line twice), unless verified: then the verification pass has
// already merged duplicates by meaning, and different problems on one line all stay.
func merge(pattern, model []Finding, verified bool) []Finding {
	type key struct {
		path string
		side Side
		line int
		rule string
	}
	at := make(map[key]int, len(pattern))
	out := make([]Finding, 0, len(pattern)+len(model))
	for _, f := range pattern {
		k := key{f.Path, f.Side, f.Line, f.RuleID}
		if _, dup := at[k]; dup {
			continue
		}
		at[k] = len(out)
		out = append(out, f)
	}
	var rest []Finding
	for _, f := range model {
		if i, dup := at[key{f.Path, f.Side, f.Line, f.RuleID}]; dup {
			if out[i].Suggestion == "" && out[i].EndLine == f.EndLine {
				out[i].Suggestion = f.Suggestion
			}
			continue
		}
		rest = append(rest, f)
	}
	if verified {
		return append(out, rest...)
	}
	return append(out, oneModelFindingPerLine(rest)...)
}

// capFindings keeps at most limit findings (0 keeps all), the most severe first, findings
// posted inline before summary-only ones of the same severity (housekeeping does not crowd
// out a line comment), pattern findings before model findings, then in reading order. It returns
// the kept findings in their original order and how many were left out.
func capFindings(fs []Finding, limit int) ([]Finding, int) {
	if limit <= 0 || len(fs) <= limit {
		return fs, 0
	}
	idx := make([]int, len(fs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(
			cmp.Compare(fs[b].Severity, fs[a].Severity),
			cmp.Compare(boolRank(fs[a].SummaryOnly), boolRank(fs[b].SummaryOnly)),
			cmp.Compare(sourceRank(fs[a].Source), sourceRank(fs[b].Source)),
		)
	})
	keep := idx[:limit]
	slices.Sort(keep)
	out := make([]Finding, 0, limit)
	for _, i := range keep {
		out = append(out, fs[i])
	}
	return out, len(fs) - limit
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sourceRank(s Source) int {
	if s == SourcePattern {
		return 0
	}
	return 1
}

// oneModelFindingPerLine keeps, of the model findings on one place, the first that names
// a rule, else the first.
func oneModelFindingPerLine(fs []Finding) []Finding {
	type place struct {
		path string
		side Side
		line int
	}
	at := make(map[place]int, len(fs))
	out := make([]Finding, 0, len(fs))
	for _, f := range fs {
		p := place{f.Path, f.Side, f.Line}
		i, dup := at[p]
		switch {
		case !dup:
			at[p] = len(out)
			out = append(out, f)
		case out[i].RuleID == "" && f.RuleID != "":
			out[i] = f
		}
	}
	return out
}
