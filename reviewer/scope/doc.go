// Package scope finds the code a reviewer would open around a change: the enclosing
// scope of each changed line (function, method, type or class, or the top-level block)
// and the file's header (package clause and imports), as line spans of the file's head
// version.
//
// It sits in the model stage, between reading a changed file's head version and packing
// chunks: the pipeline (reviewer's context stage) hands it the path, the head source and
// the new line numbers the diff adds, and shows the model the spans it returns, marked as
// context, beside the hunks (see chunk.Context).
//
// Go is parsed with go/parser. Other languages go to the Parsers given in Options (a
// tree-sitter backed parser, say), each asked in turn whether it knows the path's
// language, and to a fallback that reads blocks from indentation and brackets for the
// rest, or when a parser can not place a line. Every span is bounded: a scope longer than
// Options.MaxScopeLines is shown as a window around the changed lines, marked as
// shortened, together with its first lines.
package scope
