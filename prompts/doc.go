// Package prompts renders the messages sent to the model for one chunk of a change.
//
// It sits between chunking (reviewer/chunk decides which files, hunks and rules go
// together) and the model client (reviewer/llm sends the messages): Render turns an Input
// into a system and a user message. The text of the prompts lives in templates/*.tmpl,
// embedded with go:embed; the Go code only prepares typed data for them. The package is
// a leaf: it imports nothing from the module, so its types mirror the few fields of the
// diff and rule models it needs.
//
// # Layout and caching
//
// The system message is the stable prefix: the instructions, identical for every chunk,
// then the chunk's rules sorted by id. Two chunks with the same rule set get byte-identical
// system messages, so provider and gateway prompt caches hit. The user message carries
// what changes from chunk to chunk: the change's title, description and the repository's
// extra instructions, then the diff. SchemaVersion names the templates and the answer
// format for response caches.
//
// # Untrusted text
//
// Everything the change's author controls (title, description, file paths, hunk section
// headers, code) and the repository's extra instructions sit in blocks such as
//
//	<<<UNTRUSTED_DIFF
//	...
//	UNTRUSTED_DIFF>>>
//
// and the instructions say that text inside the blocks is data, never instructions. Every
// delimiter contains the marker word UNTRUSTED, so the marker is removed from all text
// before it is rendered (rule text too), which makes a delimiter impossible to forge or
// to close early. The match ignores ASCII case, reads fullwidth letters as ASCII, skips
// invisible format characters placed inside the word and accepts a few look-alike
// letters from other scripts; it is repeated until nothing matches, so removing one
// occurrence cannot assemble another. The price is that the word "untrusted" in reviewed
// code disappears from what the model sees ("isUntrusted" reads "is"), which is rare and
// harmless next to a forgeable delimiter. Control characters, invisible format
// characters (zero-width, bidirectional overrides) and invalid UTF-8 are shown as
// [U+XXXX], so hidden text (a Trojan Source attack, say) is visible to the model and
// cannot start a new line of the prompt.
//
// # Diff lines
//
// A diff line is rendered as its number, a marker and the code: "42 + code" is added line
// 42 of the new file, "42   code" a context line, "o17 - code" removed line 17 of the old
// file. The line numbers are the ones the model answers with, so the findings can be
// anchored without guessing.
package prompts
