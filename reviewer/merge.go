package reviewer

import (
	"cmp"
	"slices"
)

// fingerprintLLM replaces the anchored code that anchor left in each model finding's
// Fingerprint with the finding's real fingerprint: rule id (or "llm" for a general
// finding), path and the code it sits on, so it survives line shifts and rewording.
func fingerprintLLM(fs []Finding) {
	seen := map[seenKey]int{}
	for i := range fs {
		f := &fs[i]
		class := f.RuleID
		if class == "" {
			class = "llm"
		}
		code := f.Fingerprint
		k := seenKey{class + "\x00" + f.Path + "\x00" + string(f.Side), foldSpace(code)}
		n := seen[k]
		seen[k] = n + 1
		f.Fingerprint = Fingerprint(class, f.Path+sideSuffix(f.Side), code, n)
	}
}

func sideSuffix(s Side) string {
	if s == SideOld {
		return "\x00old"
	}
	return ""
}

// merge joins the pattern findings and the model's. A place (path, side, line) holds one
// finding per rule, and one general model finding: the pattern finding wins over a model
// finding of the same rule, since it is exact, but takes the model's suggestion when it
// has none.
func merge(pattern, model []Finding) []Finding {
	type key struct {
		path string
		side Side
		line int
		rule string
	}
	at := make(map[key]int, len(pattern)+len(model))
	out := make([]Finding, 0, len(pattern)+len(model))
	for _, f := range pattern {
		k := key{f.Path, f.Side, f.Line, f.RuleID}
		if _, dup := at[k]; dup {
			continue
		}
		at[k] = len(out)
		out = append(out, f)
	}
	for _, f := range model {
		k := key{f.Path, f.Side, f.Line, f.RuleID}
		if i, dup := at[k]; dup {
			if out[i].Suggestion == "" && out[i].EndLine == f.EndLine {
				out[i].Suggestion = f.Suggestion
			}
			continue
		}
		at[k] = len(out)
		out = append(out, f)
	}
	return out
}

// capFindings keeps at most limit findings (0 keeps all), the most severe first, pattern
// findings before model findings of the same severity, then in reading order. It returns
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

func sourceRank(s Source) int {
	if s == SourcePattern {
		return 0
	}
	return 1
}
