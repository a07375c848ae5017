// Package rules holds a team's codified review standards: the rule model, the parser and
// loader for rules files, the importers for other tools' instructions, the repository
// settings file, the path matcher and the pattern engine, plus the built-in starter
// rules (embedded from builtin/).
//
// In the review pipeline it sits after the diff is parsed and filtered:
//
//	diff.Parse -> filter -> rules.Match -> redact -> patterns -> chunk -> llm -> ...
//
// LoadRepo reads the rules once per review from the change's BASE revision (never its
// head, so a change cannot switch off the checks it is judged by): .reviewer.yaml, the
// rules directory (.reviewer/rules by default), GitHub Copilot and GitLab Duo
// instructions, and the built-in rules. The resulting Set answers, for each changed
// file, which rules apply (ForPath, for the prompt of the file's chunk) and which
// deterministic rules to run on its added lines (PatternRulesFor, then Rule.Find on each
// line: findings without any model call). A rule with Secrets instead of a pattern
// reports the formats of the reviewer's secret masker (reviewer/redact), which the
// reviewer package matches: the secret formats are defined once, for both.
//
// A rules file is Markdown with YAML front matter (see Parse and DESIGN.md). Every
// problem in a rules file, an instructions file or .reviewer.yaml is reported at once,
// each as an *Error naming the file and line.
//
// Find is built for volume: a literal prefilter derived from each pattern's syntax tree
// lets most lines skip the regexp (see prefilter.go, BenchmarkFind and FuzzFind).
package rules
