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
// file's headers and splits hunk bodies itself, by the counts in each hunk header, so that
// CRLF endings, "\ No newline at end of file" markers and content lines that look like headers
// survive, and so that a 100,000-line diff parses in a few milliseconds with a handful of
// allocations per file. go-diff types never leave this package.
package diff
