// Package reviewer is the core of the code-review bot: the domain types (Change, Finding,
// Result), the one pipeline every entry point runs, and the small interfaces that pipeline
// consumes.
//
// The pipeline reads top to bottom in [Reviewer.Review]: fetch the diff, parse it, filter
// out noise (every file lands in the coverage ledger), load the rules from the change's base
// revision, run the deterministic pattern rules on added lines, and return a [Result] that
// the report package renders. The webhook service, the CI step and the local command only
// build a [Request] and call Review; there is no second code path.
//
// The package imports no forge, model or configuration library: adapters satisfy its
// interfaces ([DiffSource], [RuleSource]) and the command line wires them together.
package reviewer
