// Package chunk packs the files of a change into requests to the model.
//
// It runs after the rules are matched to the changed files (rules.Set.ForPath) and
// redaction, and before the model client: Plan takes every file to review with its rules
// and returns chunks, each under review.max_chunk_tokens with the rules its own files
// match and nothing more, plus the files it had to leave out (Skipped: over
// review.max_tokens_per_change, or too large for any chunk), which the pipeline records
// in the coverage ledger. Chunk.Input gives what prompts.Render takes; Split halves a
// chunk whose answer was cut off at the model's length limit.
//
// A file may come with its head version (Context): its part then carries the code around
// its hunks, the whole file when it fits review.context.whole_file_tokens, else its
// header and enclosing scopes (reviewer/scope), within review.context.max_file_tokens
// and, per chunk, review.context.max_chunk_tokens. Context counts toward every budget and
// gives way first: a file that does not fit with its context goes without it before its
// hunks are split, and a change over its budget loses context before it loses a file.
//
// Sizes are estimated with Count, a byte-class heuristic that stays above the real BPE
// tokenizers (cl100k_base, o200k_base) within a few percent on the fixture diffs and runs
// without allocating; a chunk's Tokens is never below Count of its rendered prompt.
package chunk
