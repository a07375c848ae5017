// Package treesitter finds, in the head version of a file that is not Go, the scope a changed
// line sits in and the declarations at the file's top, so the review prompt can show them as
// context around a hunk (issue #12). Package scope handles Go with go/parser and falls back to
// indentation and braces for every language Lang does not report.
//
// The parsers are tree-sitter's official grammars for Python, JavaScript, TypeScript (and
// TSX), Rust, Java, C, C++ and Ruby, through github.com/tree-sitter/go-tree-sitter. They are
// C code, so they need cgo: a binary built with CGO_ENABLED=0 (or by a go command that found
// no C compiler) gets the version in nocgo.go, whose Lang reports no language, and its
// callers use their fallback. docs/design/parsers.md says why and what each build costs.
//
// Every function is safe for concurrent use. Input is hostile: a parse that runs longer
// than its timeout (a second plus 3µs a byte) or a file larger than MaxSize gives ok=false, never a hang; invalid
// UTF-8 and text in another language give whatever tree-sitter's error recovery makes of
// them, which may be a wrong span but never a crash.
package treesitter
