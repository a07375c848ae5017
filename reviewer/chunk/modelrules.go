package chunk

import (
	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/rules"
)

// modelRules drops from rs the rules the model cannot act on: secret rules, whose findings
// come from the masker, which also replaces every secret it knows before the model sees
// the code. It returns rs itself when there is none.
func modelRules(rs []*rules.Rule) []*rules.Rule {
	keep := rs[:0:0]
	for i, r := range rs {
		if len(r.Secrets) == 0 {
			if keep != nil {
				keep = append(keep, r)
			}
			continue
		}
		if keep == nil {
			keep = append(make([]*rules.Rule, 0, len(rs)), rs[:i]...)
		}
	}
	if keep == nil {
		return rs
	}
	return keep
}

// promptRule is r as the model sees it. A pattern rule is sent as its id, severity and
// title only: the pattern engine reports its every hit, and its body explains what the
// pattern matches and which lines it spares (the unless and exclude_regions the engine
// applies), text written for the engine. The heading still tells the model the rule and
// its id, for the variants a pattern cannot see.
func promptRule(r *rules.Rule) prompts.Rule {
	pr := prompts.Rule{ID: r.ID, Title: r.Title, Severity: r.Severity.String(), Body: r.Body}
	if r.Pattern != "" {
		pr.Body = ""
	}
	return pr
}

// ruleIDs lists the ids of rs, for a file's "rules:" line.
func ruleIDs(rs []*rules.Rule) []string {
	if len(rs) == 0 {
		return nil
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}
