package reviewer

import (
	"path"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// commentSyntax is how a language writes comments: line comment markers, and block
// comment delimiters that open and close on lines of their own.
type commentSyntax struct {
	line []string
	// open and close delimit block comments ("/*", "*/"); "" when the language has none.
	open, close string
	// docstrings: a line that starts with """ or ''' opens a string that is a statement
	// of its own (a docstring), not code.
	docstrings bool
}

var (
	cLike  = &commentSyntax{line: []string{"//"}, open: "/*", close: "*/"}
	hash   = &commentSyntax{line: []string{"#"}}
	python = &commentSyntax{line: []string{"#"}, docstrings: true}
	dashes = &commentSyntax{line: []string{"--"}, open: "/*", close: "*/"}
	semi   = &commentSyntax{line: []string{";"}}
	markup = &commentSyntax{open: "<!--", close: "-->"}
)

// commentSyntaxes maps a lower-case file extension (or base name) to its language's
// comments. A file of a language not listed here is never taken for comments only.
var commentSyntaxes = map[string]*commentSyntax{
	".go": cLike, ".c": cLike, ".h": cLike, ".cc": cLike, ".cpp": cLike, ".cxx": cLike, ".hpp": cLike,
	".java": cLike, ".kt": cLike, ".kts": cLike, ".scala": cLike, ".groovy": cLike, ".cs": cLike,
	".js": cLike, ".jsx": cLike, ".mjs": cLike, ".cjs": cLike, ".ts": cLike, ".tsx": cLike,
	".rs": cLike, ".swift": cLike, ".dart": cLike, ".m": cLike, ".proto": cLike, ".zig": cLike,
	".css": {open: "/*", close: "*/"}, ".scss": cLike, ".less": cLike,
	".php": {line: []string{"//", "#"}, open: "/*", close: "*/"},
	".py":  python, ".pyi": python,
	".rb": hash, ".sh": hash, ".bash": hash, ".zsh": hash, ".pl": hash, ".pm": hash, ".r": hash,
	".ex": hash, ".exs": hash, ".yaml": hash, ".yml": hash, ".toml": hash, ".mk": hash,
	".ps1": hash, ".cmake": hash, ".nix": hash, ".properties": hash, ".conf": hash, ".cfg": hash,
	"makefile": hash, "gemfile": hash, "rakefile": hash,
	".sql": dashes, ".lua": {line: []string{"--"}}, ".hs": {line: []string{"--"}},
	".lisp": semi, ".el": semi, ".clj": semi, ".cljs": semi, ".scm": semi, ".ini": {line: []string{";", "#"}},
	".html": markup, ".htm": markup, ".xml": markup, ".svg": markup,
}

// directives are comments that are not comments: the tools read them, and they change
// what is built or checked (Go's build constraints, cgo exports and linkname, generate
// commands, a shebang, TypeScript's and ESLint's switches, Python's encoding line, PHP
// 8's attributes such as #[IsGranted('ROLE_ADMIN')], and the switches that silence a
// security scanner: // #nosec, # nosemgrep). A changed line that holds one is code.
var directives = []string{
	"//go:", "// +build", "//export ", "//line ", "//nolint", "#!", "@ts-", "eslint-", "/// <reference",
	"coding:", "coding=", "# type:", "#pragma", "# pragma", "istanbul ignore", "noqa", "rubocop:",
	"frozen_string_literal", "-*-", "#[",
	// Suppressions of security scanners and linters: they change what CI checks.
	"nosec", "NOSONAR", "nosemgrep", "codeql[", "lgtm[", "checkov:skip", "tfsec:ignore", "trivy:ignore", "pylint:", "mypy:",
}

// syntaxOf returns the comment syntax of the file at p, or nil.
func syntaxOf(p string) *commentSyntax {
	base := strings.ToLower(path.Base(p))
	if s, ok := commentSyntaxes[base]; ok {
		return s
	}
	return commentSyntaxes[path.Ext(base)]
}

// commentOnly reports whether every line f adds or deletes is blank or a comment in its
// language, read from the hunks: each side of a hunk is scanned from its first line, so
// a hunk that starts inside a block comment it does not show is taken for code. It is
// false for a file with no changed lines or of a language it does not know.
func commentOnly(f *diff.File) bool {
	syn := syntaxOf(f.Path())
	if syn == nil || f.Binary || f.Submodule || f.AddedLines()+f.DeletedLines() == 0 {
		return false
	}
	for i := range f.Hunks {
		h := &f.Hunks[i]
		if !sideIsComments(syn, h.Lines, diff.Added) || !sideIsComments(syn, h.Lines, diff.Deleted) {
			return false
		}
	}
	return true
}

// sideIsComments scans one side of a hunk (context lines and the lines of kind changed)
// and reports whether each changed line is blank or a comment.
func sideIsComments(syn *commentSyntax, lines []diff.Line, changed diff.LineKind) bool {
	inBlock := ""  // the delimiter that closes the open block or docstring
	inString := "" // the delimiter that closes an open triple-quoted string that is a value
	prev, first := "", true
	for i := range lines {
		l := &lines[i]
		if l.Kind != diff.Context && l.Kind != changed {
			continue
		}
		s := strings.TrimSpace(l.Content)
		n := l.NewLine
		if changed == diff.Deleted {
			n = l.OldLine
		}
		var comment bool
		switch q := tripleQuote(s); {
		case inString != "":
			// Inside a string that is a value, every line is code.
			if strings.Contains(s, inString) {
				inString = ""
			}
		case syn.docstrings && inBlock == "" && q != "" && !docstringAfter(prev, first && n == 1):
			// A triple-quoted string that is not a statement of its own is a value
			// (cmd = (, an argument, a dict entry): code, to its closing quotes.
			if !strings.Contains(s[len(q):], q) {
				inString = q
			}
		default:
			comment, inBlock = classifyLine(syn, s, inBlock)
		}
		if l.Kind == changed && !comment {
			return false
		}
		first = false
		if s != "" {
			prev = s
		}
	}
	return true
}

// tripleQuote returns the quotes a trimmed line starts with when they open a
// triple-quoted string, or "".
func tripleQuote(s string) string {
	for _, q := range []string{`"""`, `'''`} {
		if strings.HasPrefix(s, q) {
			return q
		}
	}
	return ""
}

// docstringAfter reports whether a triple-quoted string after the trimmed line prev is a
// docstring: right after the header of a def or a class, or at the top of the file
// (atTop).
func docstringAfter(prev string, atTop bool) bool {
	if prev == "" {
		return atTop
	}
	if !strings.HasSuffix(prev, ":") {
		return false
	}
	for _, kw := range []string{"def ", "async def ", "class "} {
		if strings.HasPrefix(prev, kw) {
			return true
		}
	}
	return false
}

// classifyLine says whether a trimmed line is blank or a comment, given the block it
// starts in, and the block open after it.
func classifyLine(syn *commentSyntax, s, inBlock string) (comment bool, open string) {
	for _, d := range directives {
		if strings.Contains(s, d) {
			// Conservative: a directive is code, and ends whatever block it seems to be in.
			return false, ""
		}
	}
	if inBlock != "" {
		i := strings.Index(s, inBlock)
		if i < 0 {
			return true, inBlock
		}
		// The block closes on this line: what follows it must be blank.
		return strings.TrimSpace(s[i+len(inBlock):]) == "", ""
	}
	if s == "" {
		return true, ""
	}
	for _, m := range syn.line {
		if strings.HasPrefix(s, m) {
			return true, ""
		}
	}
	if syn.open != "" && strings.HasPrefix(s, syn.open) {
		rest := s[len(syn.open):]
		if i := strings.Index(rest, syn.close); i >= 0 {
			return strings.TrimSpace(rest[i+len(syn.close):]) == "", ""
		}
		return true, syn.close
	}
	if syn.docstrings {
		for _, q := range []string{`"""`, `'''`} {
			if strings.HasPrefix(s, q) {
				rest := s[len(q):]
				if i := strings.Index(rest, q); i >= 0 {
					return strings.TrimSpace(rest[i+len(q):]) == "", ""
				}
				return true, q
			}
		}
	}
	return false, ""
}
