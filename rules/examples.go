package rules

import (
	"fmt"
	"strings"
)

// CheckExamples checks the rule's pattern against its examples: every bad example must
// match and every good one must not. The error lists each offending example as an
// *Error at the example's line when the rule came from a file. `reviewer rules test`
// runs it for every rule. A rule without a pattern has nothing to check here; one with
// Secrets is checked with CheckExamplesWith and the masker's finder.
func (r *Rule) CheckExamples() error {
	if r.Pattern == "" {
		return nil
	}
	if r.compiled() == nil {
		return &Error{File: r.Source, Line: r.idLine, Msg: fmt.Sprintf("rule %s does not compile", r.ID)}
	}
	return r.CheckExamplesWith(r.Find)
}

// CheckExamplesWith checks the rule's examples against find, which stands for the rule's
// matcher: for a rule with Secrets, the masker's formats it names.
func (r *Rule) CheckExamplesWith(find func(line string) (start, end int, ok bool)) error {
	what := "the pattern"
	if len(r.Secrets) > 0 {
		what = "the secret formats " + strings.Join(r.Secrets, ", ")
	}
	var errs []*Error
	for i, ex := range r.Examples.Bad {
		if _, _, ok := find(ex); !ok {
			errs = append(errs, &Error{File: r.Source, Line: lineAt(r.badLines, i),
				Msg: fmt.Sprintf("rule %s: bad example %q is not matched by %s", r.ID, ex, what)})
		}
	}
	for i, ex := range r.Examples.Good {
		if start, end, ok := find(ex); ok {
			errs = append(errs, &Error{File: r.Source, Line: lineAt(r.goodLines, i),
				Msg: fmt.Sprintf("rule %s: good example %q is matched by %s at %q", r.ID, ex, what, ex[start:end])})
		}
	}
	return joinErrors(errs)
}

func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}
