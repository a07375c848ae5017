package rules

import "fmt"

// CheckExamples checks the rule's pattern against its examples: every bad example must
// match and every good one must not. The error lists each offending example as an
// *Error at the example's line when the rule came from a file. `reviewer rules test`
// runs it for every rule. A rule without a pattern has nothing to check.
func (r *Rule) CheckExamples() error {
	if r.Pattern == "" {
		return nil
	}
	if r.compiled() == nil {
		return &Error{File: r.Source, Line: r.idLine, Msg: fmt.Sprintf("rule %s does not compile", r.ID)}
	}
	var errs []*Error
	for i, ex := range r.Examples.Bad {
		if _, _, ok := r.Find(ex); !ok {
			errs = append(errs, &Error{File: r.Source, Line: lineAt(r.badLines, i),
				Msg: fmt.Sprintf("rule %s: bad example %q is not matched by the pattern", r.ID, ex)})
		}
	}
	for i, ex := range r.Examples.Good {
		if start, end, ok := r.Find(ex); ok {
			errs = append(errs, &Error{File: r.Source, Line: lineAt(r.goodLines, i),
				Msg: fmt.Sprintf("rule %s: good example %q is matched by the pattern at %q", r.ID, ex, ex[start:end])})
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
