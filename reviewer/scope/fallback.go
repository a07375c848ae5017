package scope

import (
	"bytes"
)

// fallback reads blocks from the layout of code, for languages no parser takes. A block
// starts at a line and holds the lines after it that are indented deeper (Python, YAML,
// and code in any bracket language written as people write it), plus a closing line at
// its own depth ("}", "end", ")"). A line with an opening bracket left open, like a C
// function's "{" on a line of its own, takes the signature lines just above it.
//
// The work is linear in the file: every line's block parent and block end are found in
// one pass each with a stack, and a lookup walks at most maxDepth parents.
type fallback struct {
	lines  *lineIndex
	indent []int // per line from 1 (index 0 unused); -1 for a blank line
	parent []int // the nearest earlier non-blank line indented less; 0 for none
	end    []int // the last line of the block a line starts
}

// maxDepth bounds how many enclosing blocks a lookup climbs: hostile input can nest
// without end.
const maxDepth = 64

// maxSignatureLines bounds how far above a lone "{" the signature is looked for.
const maxSignatureLines = 4

func newFallback(_ []byte, lines *lineIndex) *fallback {
	n := lines.count()
	f := &fallback{lines: lines, indent: make([]int, n+1), parent: make([]int, n+1), end: make([]int, n+1)}
	for i := 1; i <= n; i++ {
		f.indent[i] = indentOf(lines.line(i))
	}
	// parent: a stack of lines with strictly increasing indentation.
	var st []int
	for i := 1; i <= n; i++ {
		if f.indent[i] < 0 {
			continue
		}
		for len(st) > 0 && f.indent[st[len(st)-1]] >= f.indent[i] {
			st = st[:len(st)-1]
		}
		if len(st) > 0 {
			f.parent[i] = st[len(st)-1]
		}
		st = append(st, i)
	}
	// end: the block of line i runs to the line before the next non-blank line indented
	// no deeper than i, or to that line when it closes the block.
	st = st[:0]
	last := n
	for last > 0 && f.indent[last] < 0 {
		last--
	}
	for i := 1; i <= n; i++ {
		f.end[i] = i
	}
	closeAt := func(opener, next int) {
		e := next - 1
		if f.indent[next] == f.indent[opener] && closes(lines.line(next)) {
			e = next
		}
		for e > opener && f.indent[e] < 0 {
			e--
		}
		f.end[opener] = max(e, opener)
	}
	for i := 1; i <= n; i++ {
		if f.indent[i] < 0 {
			continue
		}
		for len(st) > 0 && f.indent[st[len(st)-1]] >= f.indent[i] {
			closeAt(st[len(st)-1], i)
			st = st[:len(st)-1]
		}
		st = append(st, i)
	}
	for _, o := range st {
		f.end[o] = max(last, o)
	}
	return f
}

// indentOf is the width of a line's leading white space, a tab counting as four, or -1
// for a blank line.
func indentOf(l []byte) int {
	w := 0
	for _, b := range l {
		switch b {
		case ' ':
			w++
		case '\t':
			w += 4
		default:
			return w
		}
	}
	return -1
}

// closers are the lines that end a block at the block's own indentation.
var closers = [][]byte{[]byte("}"), []byte(")"), []byte("]"), []byte("end"), []byte("fi"), []byte("done"), []byte("esac"), []byte("</")}

func closes(l []byte) bool {
	l = bytes.TrimSpace(l)
	for _, c := range closers {
		if bytes.HasPrefix(l, c) {
			// "end" must be the word, not "endpoint = 1".
			if len(c) > 1 && c[0] != '<' && len(l) > len(c) && isWord(l[len(c)]) {
				continue
			}
			return true
		}
	}
	return false
}

func isWord(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// scopes returns the blocks around line, outermost first: each ancestor by indentation
// that opens a block reaching line.
func (f *fallback) scopes(line int) [][2]int {
	start := line
	for start > 0 && f.indent[start] < 0 {
		start-- // a blank line belongs to the block above it
	}
	if start == 0 {
		return nil
	}
	var chain [][2]int
	for i, depth := start, 0; i > 0 && depth < maxDepth; i, depth = f.parent[i], depth+1 {
		if f.end[i] < line {
			continue
		}
		chain = append(chain, [2]int{f.signature(i), f.end[i]})
	}
	// chain is innermost first; the line's own one-line "block" is not a scope unless it
	// is all there is.
	if len(chain) > 1 && chain[0][0] == chain[0][1] {
		chain = chain[1:]
	}
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain
}

// signature returns where the block opened at line i starts: line i, or for a line that
// is only an opening bracket ("{" in Allman or GNU style), the lines above it at its
// indentation that lead up to it (a C function's return type and name), and the
// decorators, annotations and comments just above a block's first line.
func (f *fallback) signature(i int) int {
	s := i
	if t := bytes.TrimSpace(f.lines.line(i)); len(t) > 0 && (t[0] == '{' || t[0] == '(') {
		for k := 1; k <= maxSignatureLines && s > 1; k++ {
			p := s - 1
			if f.indent[p] != f.indent[i] || endsStatement(f.lines.line(p)) {
				break
			}
			s = p
		}
	}
	for k := 0; k < maxSignatureLines && s > 1; k++ {
		p := s - 1
		if f.indent[p] != f.indent[s] || !isPreamble(f.lines.line(p)) {
			break
		}
		s = p
	}
	return s
}

func endsStatement(l []byte) bool {
	l = bytes.TrimSpace(l)
	return len(l) == 0 || l[len(l)-1] == ';' || l[len(l)-1] == '}'
}

// isPreamble reports whether a line goes with the block below it: a decorator or
// annotation, or a comment.
func isPreamble(l []byte) bool {
	l = bytes.TrimSpace(l)
	for _, p := range [][]byte{[]byte("@"), []byte("#"), []byte("//"), []byte("/*"), []byte("*"), []byte("--"), []byte("///")} {
		if bytes.HasPrefix(l, p) && !bytes.HasPrefix(l, []byte("#include")) && !bytes.HasPrefix(l, []byte("#!")) {
			return true
		}
	}
	return false
}

// headerWords start the lines of a file's header in the common languages.
var headerWords = [][]byte{
	[]byte("package "), []byte("import "), []byte("import{"), []byte("from "), []byte("#include"), []byte("#import"),
	[]byte("using "), []byte("require "), []byte("require("), []byte("require_relative "), []byte("use "),
	[]byte("extern crate "), []byte("mod "), []byte("namespace "), []byte("library "), []byte("const "),
	[]byte("#![feature"),
}

// headerScanLines bounds how far down a file its header is looked for.
const headerScanLines = 200

// header returns the lines from the first header line to the last one in the file's
// first lines, with the lines that continue the last (a multi-line import list).
func (f *fallback) header() (int, int, bool) {
	n := min(f.lines.count(), headerScanLines)
	first, last := 0, 0
	for i := 1; i <= n; i++ {
		if f.indent[i] != 0 {
			continue
		}
		l := f.lines.line(i)
		if !isHeaderLine(l) {
			continue
		}
		// "const x = require(...)" is an import; any other const is not.
		if bytes.HasPrefix(l, []byte("const ")) && !bytes.Contains(l, []byte("require(")) {
			continue
		}
		if first == 0 {
			first = i
		}
		last = i
	}
	if first == 0 {
		return 0, 0, false
	}
	// An import list that goes on below its first line ends at its closing line or the
	// first line back at the margin.
	end := last
	for k := 0; k < maxHeaderLines && end < f.lines.count(); k++ {
		next := end + 1
		if f.indent[next] < 0 {
			break
		}
		if f.indent[next] == 0 && !closes(f.lines.line(next)) {
			break
		}
		end = next
		if f.indent[next] == 0 {
			break
		}
	}
	return first, end, true
}

func isHeaderLine(l []byte) bool {
	for _, w := range headerWords {
		if bytes.HasPrefix(l, w) {
			return true
		}
	}
	return false
}
