package chunk

import (
	"strings"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/rules"
)

// modelRules drops from rs the rules the model is not shown (see SentToModel). It
// returns rs itself when there is none.
func modelRules(rs []*rules.Rule) []*rules.Rule {
	keep := rs[:0:0]
	for i, r := range rs {
		if SentToModel(r) {
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

// SentToModel reports whether a chunk carries r to the model. Two kinds of rule stay
// with the pattern engine:
//
//   - secret rules, whose findings come from the masker, which also replaces every
//     secret it knows before the model sees the code;
//   - the built-in rules. Each is a pattern the engine applies to every added line, with
//     the exceptions it was measured with (unless, unless_block, exclude_regions), which
//     a heading cannot carry: a model told only "go-ignored-error: Error discarded" flags
//     the deferred Close the pattern spares. What they look for is either in the
//     instructions already (injection, disabled TLS checks, weak crypto, ignored errors)
//     or housekeeping the instructions tell the model to leave alone (console.log, TODO,
//     unwrap). Sending their headings cost a small change up to 290 tokens (issue #12).
//
// A team's own pattern rule is sent, as its heading: it is the team's standard, which the
// model knows no other way, and the model may see variants the pattern cannot.
func SentToModel(r *rules.Rule) bool {
	return len(r.Secrets) == 0 && !strings.HasPrefix(r.Source, rules.BuiltinSource)
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
