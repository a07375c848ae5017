// Package report renders a review's [reviewer.Result] for people and for other tools. It is
// the last step of the pipeline: after the findings are anchored, deduplicated and posted,
// the CLI and the CI step write the result in one of four formats:
//
//   - [FormatText]: for a terminal; findings grouped by file, each with the code under it
//     as the review saw it (Result.Excerpts, secrets masked), then the unplaced findings
//     (identical ones merged), the files not reviewed (filtered ones counted by reason),
//     what was reviewed, the counts by severity, the model's usage when a model ran, and
//     last the coverage line.
//   - [FormatJSON]: the machine-readable contract of DESIGN.md ("The JSON report").
//   - [FormatSARIF]: SARIF 2.1.0 as GitHub code scanning accepts it.
//   - [FormatCodeQuality]: the GitLab Code Quality report (artifacts:reports:codequality).
//
// Every format is deterministic: the same Result gives the same bytes. Findings appear in
// the order of the coverage ledger (the diff order), then by line.
//
// Two facts cannot be expressed in every format, and each format documents what it does:
//
//   - Findings on the old side of the diff (removed lines) have no line in the new file.
//     Text and JSON show them as they are. SARIF leaves them out of run.results, because code
//     scanning would place them on an unrelated line of the new file, and keeps them in
//     run.properties and a tool execution notification. Code Quality, which has nowhere else
//     to keep them, reports them on line 1 of the file with the removed lines named in the
//     description.
//   - Finding columns are byte offsets, and SARIF counts columns in UTF-16 code units. Without
//     the text of the line the two cannot be converted, so SARIF regions carry lines only.
//
// A review that skipped or failed files is never rendered as a clean pass: the text summary
// says the review is incomplete, SARIF reports every file that was not reviewed as a tool
// execution notification and in run.properties, and JSON carries the whole ledger.
package report
