package eval

import (
	"cmp"
	"slices"

	"github.com/reviewerbot/reviewer/reviewer"
)

// DefaultTolerance is how many lines a finding may sit beside an expected issue and
// still count as finding it: models often point at the line before or after the fault,
// or at the start of the statement.
const DefaultTolerance = 3

// Match says what a finding amounted to.
type Match string

// The kinds of finding.
const (
	// Hit: the finding found an expected issue.
	Hit Match = "hit"
	// Duplicate: the finding is on an expected issue that another finding found first.
	Duplicate Match = "duplicate"
	// Noise: the finding is on no expected issue, even with the tolerance.
	Noise Match = "noise"
)

// Scored is one case's findings held against its expectations.
type Scored struct {
	// Findings are the review's findings sorted by path, line, end line, rule and message.
	Findings []ScoredFinding
	// Issues are the case's expected issues, in their order.
	Issues []ScoredIssue
	// Clean are the case's clean ranges, in their order.
	Clean []Clean
}

// ScoredFinding is one finding and what it amounted to.
type ScoredFinding struct {
	reviewer.Finding
	Match Match
	// Issue is the index of the issue a Hit found or a Duplicate repeats; -1 for Noise.
	Issue int
	// InRange is set when the finding's whole range is inside an expected issue's range,
	// without tolerance: it points at exactly the right lines.
	InRange bool
	// Trap is the index of the first clean range that holds all the finding's lines
	// (without tolerance); -1 when none. A trap hit is never a Hit.
	Trap int
	// Verdict is the judge's opinion of a Hit, when it was asked.
	Verdict *Verdict
}

// ScoredIssue is one expected issue and the finding that found it.
type ScoredIssue struct {
	Issue
	// Finding is the index in Scored.Findings of the finding that found the issue; -1 when
	// none did.
	Finding int
}

// Score holds a review's findings against a case's expectations. It is a pure function.
//
// A finding can find an issue when it is on the same path, on the new side, and its lines
// [line, end_line] overlap the issue's [from_line-tolerance, to_line+tolerance]. Each
// issue is found by at most one finding and each finding finds at most one issue: the
// candidate pairs are taken greedily, nearest first (the distance is 0 when the ranges
// overlap, else the lines between them), ties going to the earlier finding, then the
// earlier issue. Greedy is not always the largest matching: a finding on two issues may
// take the one a second finding needed. Expected ranges are a few lines apart at most in
// practice, where this does not arise; the choice keeps the score explainable.
//
// A finding whose lines all lie in a clean range (a trap hit, without tolerance) is a
// false positive whatever is near: it finds no issue, even one within the tolerance or
// around the clean range, and is not InRange. A finding that only reaches into a clean
// range is judged by its other lines: a comment on a whole function is not a comment on
// the error path inside it that a case marks clean. A finding left without an issue is a Duplicate when it was a candidate
// for some issue, else Noise. InRange takes no tolerance. Findings on removed lines (side
// old) number old-file lines, which expectations do not use: they are Noise.
func Score(exp Expected, findings []reviewer.Finding, tolerance int) Scored {
	tolerance = max(tolerance, 0)
	s := Scored{
		Findings: make([]ScoredFinding, len(findings)),
		Issues:   make([]ScoredIssue, len(exp.Issues)),
		Clean:    slices.Clone(exp.Clean),
	}
	sorted := slices.Clone(findings)
	slices.SortStableFunc(sorted, compareFindings)
	for i, f := range sorted {
		s.Findings[i] = ScoredFinding{Finding: f, Match: Noise, Issue: -1, Trap: -1}
	}
	for j, is := range exp.Issues {
		s.Issues[j] = ScoredIssue{Issue: is, Finding: -1}
	}

	type pair struct{ f, i, dist int }
	var pairs []pair
	for fi, f := range sorted {
		if f.Side == reviewer.SideOld {
			continue
		}
		lo, hi := f.Line, max(f.EndLine, f.Line)
		for ci, cl := range exp.Clean {
			if cl.Path == f.Path && cl.FromLine <= lo && hi <= cl.ToLine {
				s.Findings[fi].Trap = ci
				break
			}
		}
		if s.Findings[fi].Trap >= 0 {
			continue
		}
		for ii, is := range exp.Issues {
			if is.Path != f.Path {
				continue
			}
			if lo <= is.ToLine+tolerance && is.FromLine-tolerance <= hi {
				pairs = append(pairs, pair{fi, ii, distance(lo, hi, is.FromLine, is.ToLine)})
			}
			if is.FromLine <= lo && hi <= is.ToLine {
				s.Findings[fi].InRange = true
			}
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.f, b.f), cmp.Compare(a.i, b.i))
	})
	for _, p := range pairs {
		sf, si := &s.Findings[p.f], &s.Issues[p.i]
		if sf.Match == Hit || si.Finding >= 0 {
			continue
		}
		sf.Match, sf.Issue = Hit, p.i
		si.Finding = p.f
	}
	// The pairs are nearest first: a finding's first pair names the issue it repeats.
	for _, p := range pairs {
		if sf := &s.Findings[p.f]; sf.Match == Noise {
			sf.Match, sf.Issue = Duplicate, p.i
		}
	}
	return s
}

// distance is how many lines lie between [lo, hi] and [from, to]; 0 when they overlap.
func distance(lo, hi, from, to int) int {
	switch {
	case hi < from:
		return from - hi
	case lo > to:
		return lo - to
	}
	return 0
}

func compareFindings(a, b reviewer.Finding) int {
	return cmp.Or(
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.EndLine, b.EndLine),
		cmp.Compare(a.Side, b.Side),
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(a.Message, b.Message),
	)
}

// Counts are the tallies of scored cases, from which the ratios follow.
type Counts struct {
	Issues     int `json:"issues"`
	Findings   int `json:"findings"`
	Matched    int `json:"matched"`
	Duplicates int `json:"duplicates"`
	Noise      int `json:"noise"`
	TrapHits   int `json:"trap_hits"`
	InRange    int `json:"in_range"`
}

// Counts tallies one case.
func (s *Scored) Counts() Counts {
	c := Counts{Issues: len(s.Issues), Findings: len(s.Findings)}
	for _, f := range s.Findings {
		switch f.Match {
		case Hit:
			c.Matched++
		case Duplicate:
			c.Duplicates++
		default:
			c.Noise++
		}
		if f.Trap >= 0 {
			c.TrapHits++
		}
		if f.InRange {
			c.InRange++
		}
	}
	return c
}

func (c *Counts) add(o Counts) {
	c.Issues += o.Issues
	c.Findings += o.Findings
	c.Matched += o.Matched
	c.Duplicates += o.Duplicates
	c.Noise += o.Noise
	c.TrapHits += o.TrapHits
	c.InRange += o.InRange
}
