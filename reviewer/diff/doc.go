// Package diff turns a unified diff into files, hunks and lines, and answers the questions
// later stages ask about them: which lines a review comment can go on, in which hunk, and
// where an old line is in the new file.
//
// It is the second step of the pipeline. The forge adapter or the CLI fetches the diff of a
// change (git diff, GitHub's diff or patch media type, a GitLab diff, a patch file); Parse
// reads it into []*File with exact old/new line numbers on every line, and refuses what is not
// a diff (text, binary data, colour codes: an *InputError) or was cut short, so that such
// input is never reviewed as a change with nothing in it. The filter then drops
// binary, deleted, generated and vendored files by Status, Binary, Submodule and path; chunk
// packs hunks under the token budget; the prompt shows each line with its new-file number;
// and anchor uses CommentableNew, CommentableOld and HunkOfNew to keep findings on lines the
// forge will accept, mapping with OldToNew and NewToOld where needed.
//
// This is the only package that imports github.com/sourcegraph/go-diff. Parse hands it each
// file's header lines, and it reads the names: on the ---/+++ lines (C-quoted, or followed by
// a timestamp), or, for a git file without hunks (an empty new file, a rename, a mode change,
// a binary file), from the "diff --git" line and the extended headers. What go-diff does not
// do, or does in a way a review cannot use, is done here:
//
//   - Where a file's headers end. go-diff reads "extended headers" up to the next "--- " or
//     "diff --git" line, so it would take a GIT binary patch's data, or a format-patch's
//     signature and next mail, as headers of a file without hunks.
//   - What git's extended headers say: status, modes, rename and copy paths, similarity,
//     submodules, and "Binary files ... differ" and "GIT binary patch". go-diff returns them
//     as lines of text.
//   - Hunks. go-diff ends a hunk where the hunk-like lines end rather than by the counts in its
//     header, so it cannot tell a diff cut short and takes a format-patch signature ("-- ")
//     for a deleted line; it keeps each hunk as one []byte with no line numbers, keeps a "\ No
//     newline" marker only as an offset (old side) or a dropped byte (new side), and copies
//     every line twice on the way (ReadBytes, then into the hunk's body). Its parser took
//     2.9 times Parse's CPU time on the 100,000-line diff, and 12 times its allocations
//     (22.4 MB against 8.0 MB), before numbering a single line; its hunk headers alone
//     (fmt.Sscanf) took nearly half of Parse's time (BenchmarkGoDiff, BENCHMARKS.md).
//
// So hunk bodies are split here, by the counts in each hunk header, so that CRLF endings,
// "\ No newline at end of file" markers and content lines that look like headers survive, and
// so that a 100,000-line diff parses in a few milliseconds with a handful of allocations per
// file. go-diff types never leave this package.
package diff
