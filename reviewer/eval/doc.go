// Package eval measures how well reviews find what they should: it runs on a set of
// cases, each a change with the issues a review of it should report and the lines it
// should leave alone, and scores the findings of the one review pipeline against them.
//
// A case is a directory (see [LoadCase]):
//
//	change.diff      the change, a unified diff
//	expected.json    {"issues": [{"path", "from_line", "to_line", "category", "severity", "note"}],
//	                  "clean":  [{"path", "from_line", "to_line", "note"}]}
//	SOURCE.md        where the case came from (optional)
//	.reviewer.yaml   the repository's settings (optional)
//	rules/           rules files (optional; .reviewer/rules works too)
//	repo/base/       the files around the change at its base and head (optional, both or
//	repo/head/       neither; X.go.txt is read as X.go)
//
// Lines are new-file lines. An issue should draw a finding; a clean range is a trap that
// must not. expected.json may also name "context_lines", head lines outside the hunks a
// reviewer needs to see, for [CoverContext].
//
// [BuildRepo] commits repo/base and repo/head into a git repository, checking that the
// diff turns the one into the other, so that the review reads the files around the change
// through reviewer.TreeReader as it would a checkout's.
//
// Scoring is pure: [Score] matches one case's findings to its issues (same path, lines
// overlapping within a tolerance, each issue found at most once), [Summarize] adds cases
// up into a [Report] with precision, recall, F1, line precision, noise rate, trap hits and
// usage, overall, by category and by rule, and [Compare] holds a report against a baseline.
// [Judge] is the optional I/O step between them: it asks a model whether each hit's
// message describes the note. [WriteText] and [WriteJSON] print the report.
//
// The command `reviewer eval` wires it to the pipeline: it reviews each case with
// reviewer.Reviewer, as `reviewer review` would, and scores the result.
package eval
