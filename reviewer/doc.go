// Package reviewer is the core of the code-review bot: the domain types (Change, Finding,
// Result), the one pipeline every entry point runs, and the small interfaces that pipeline
// consumes.
//
// The pipeline reads top to bottom in [Reviewer.Review]:
//
//   - read the change from its forge when the diff source can ([ChangeReader]);
//   - fetch the diff ([DiffSource], or [GapDiffSource] for files a forge could not diff)
//     and parse it;
//   - load the rules from the change's base revision ([RuleSource]; [TreeRules] reads them
//     through a forge's or git's [TreeReader]);
//   - filter out noise (by path; by content only as the base revision has it), putting
//     every file in the coverage ledger;
//   - run the deterministic pattern rules on added lines;
//   - with a [Model]: withhold sensitive files, mask secrets, read the code around the
//     hunks from the head ([ContextOptions], through the diff source's [TreeReader];
//     scopes from package scope), pack token-budgeted chunks, ask, and anchor each answer
//     to a line of the diff the model was shown;
//   - merge, cap and sort the findings;
//   - with a forge ([Poster] and the optional abilities beside it): post what is new,
//     resolve what was fixed, edit the summary, set the status. Every untrusted string in
//     a body goes through package markdown, and the summary's head is sealed
//     ([SummaryMarker]) so that no text on the change can say where the next review starts.
//
// The command line, the CI step and the webhook service only build a [Request] and call
// Review; there is no second code path. The package imports no forge, model or
// configuration library: adapters satisfy its interfaces and the command wires them.
package reviewer
