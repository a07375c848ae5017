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
// format.
//
// # Untrusted text
//
// Everything the change's author controls (title, description, file paths, hunk section
// headers, code) and the repository's extra instructions sit in blocks such as
//
//	<<<UNTRUSTED_3f9c0a1e5b7d2c84_DIFF
//	...
//	UNTRUSTED_3f9c0a1e5b7d2c84_DIFF>>>
//
// and the instructions say that text inside the blocks is data, never instructions, and
// that only lines with the message's token delimit a block. The token is a nonce: the
// first 16 hex digits of SHA-256 over the whole Input (Nonce). Text cannot contain the
// hash of itself, so no text can forge a delimiter or close its block early, however it
// spells the rest of the line: look-alike letters from other scripts, spaces, hyphens or
// a guessed token make a line of data, not a delimiter. Should text hold the nonce all
// the same (a one in 2^64 chance, or a partial SHA-256 fixed point), Render removes it,
// ignoring case. Being derived from the input the nonce is deterministic: the same Input
// renders the same messages, which response caches keyed on the messages rely on. The
// user message's first line is always the first block's opening delimiter, and the
// instructions name that line as where the token is read; it is never in the system
// message, so that the system message stays byte-identical across chunks for prompt
// caching.
//
// Because the delimiters cannot be forged, the text is not otherwise rewritten: the code
// the model reads is the code of the change (earlier versions removed the word
// "untrusted" from it). The one exception is that control characters, invisible format
// characters (zero-width, bidirectional overrides) and invalid UTF-8 are shown as
// [U+XXXX], so hidden text (a Trojan Source attack, say) is visible to the model and
// cannot start a new line of the prompt. Such a line as rendered differs from its source,
// so a suggestion the model writes for it would not reproduce the code; Altered reports
// which lines those are, and the pipeline drops suggestions on them.
//
// # Diff lines
//
// A diff line is rendered as its number, a marker and the code: "42 + code" is added line
// 42 of the new file, "42   code" a context line, "o17 - code" removed line 17 of the old
// file. The line numbers are the ones the model answers with, so the findings can be
// anchored without guessing.
//
// # Rules
//
// Each rule is listed once in the system message, under a "## id (severity): title"
// line; which rules apply to which file is said in the user message, by a "rules:" line
// after each FILE line, so the system message stays the same for every chunk with the
// same rules. A rule's body is its guidance as written, except that its Markdown headings
// are flattened to "### " under the rule's own line: an imported Copilot or GitLab Duo
// instructions file keeps its text but cannot open a section of the instructions or pose
// as a rule. The rules section, and what the "rules:" line and rule_id mean, are rendered
// only for a chunk that carries rules; it comes last, after the part of the system
// message that never changes. The caller (reviewer/chunk) decides what of a rule the
// model needs: it sends no secret rules (the masker hides secrets from the model), none of
// the built-in rules (the pattern engine applies them), and a team's pattern rule
// without its body, which describes the pattern engine's matching.
//
// # Context
//
// A File may carry Excerpts of its head version: code around the hunks to read, never
// to comment on. They go into a CONTEXT block of their own, before the DIFF block and
// fenced the same way, each line as "42: code" under a line "== lines A-B: what it
// shows"; lines the DIFF block shows are replaced by one line "40-45: in the DIFF block"
// (AppendContext, which chunking also uses to size the block). The excerpts are part of
// the nonce's input like everything else rendered.
package prompts
