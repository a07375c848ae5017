//go:build cgo

package treesitter

import (
	"bytes"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// Enclosing returns the 1-based, inclusive line span of the innermost function, method or
// class of src (parsed as lang, a name Lang returns) that holds line, with the decorators,
// annotations, export and doc comments that belong to it. A scope on a single line gives way
// to a larger one around it, if any, since one line says nothing a hunk does not. A line in
// no scope gives the top-level statement that holds it (in a namespace or a preprocessor
// conditional, the statement inside it); a line in none of those, such as a blank line
// between two functions, gives ok=false, as do an unknown language, a line outside the file
// and a parse that timed out.
func Enclosing(lang string, src []byte, line int) (start, end int, ok bool) {
	tree, path, ok := pathTo(lang, src, line)
	if !ok {
		return 0, 0, false
	}
	defer tree.Close()
	sp := specs[lang]
	if next, ok := sp.documented(path); ok {
		// The span of what a comment documents may still miss the comment's line when
		// something that is not a leading node stands between them; then the comment is
		// taken on its own.
		if s, e, ok := sp.span(descend(tree, next), src); ok && s <= line && line <= e {
			return s, e, true
		}
	}
	return sp.span(path, src)
}

// pathTo parses src as lang (through the cache) and returns its tree, which the caller
// must Close, and the nodes from the root down to the start of line; ok is false for a
// line outside src, an unknown language or a parse that timed out.
func pathTo(lang string, src []byte, line int) (*ts.Tree, []step, bool) {
	if line < 1 {
		return nil, nil, false
	}
	pt, ok := pointOf(src, line)
	if !ok {
		return nil, nil, false
	}
	tree := parseCached(lang, src)
	if tree == nil {
		return nil, nil, false
	}
	return tree, descend(tree, pt), true
}

// span returns the 1-based line span of the innermost scope on path, else of its
// top-level statement, as Enclosing describes.
func (sp *spec) span(path []step, src []byte) (start, end int, ok bool) {
	pick := -1
	for i := len(path) - 1; i >= 0; i-- {
		if !sp.isScope(path, i) {
			continue
		}
		if pick < 0 {
			pick = i
		}
		if s, e := rows(&path[i].node); e > s {
			pick = i
			break
		}
	}
	if pick < 0 {
		pick = statement(sp, path)
		if pick < 0 {
			return 0, 0, false
		}
	} else {
		for pick > 0 && sp.wrappers[path[pick-1].node.Kind()] {
			pick--
		}
	}
	s, e := rows(&path[pick].node)
	if pick > 0 {
		s = sp.leadingStart(&path[pick-1].node, path[pick].index, s, src)
	}
	return int(s) + 1, int(e) + 1, true
}

// step is one node on the way from the root down to a point, with its index among its
// parent's children.
type step struct {
	node  ts.Node
	index uint
}

// descend returns the nodes from the root down to the smallest one that holds pt. It goes
// down with a cursor, never up with Node.Parent, whose cost grows with the depth: deeply
// nested input stays linear.
func descend(tree *ts.Tree, pt ts.Point) []step {
	root := tree.RootNode()
	c := root.Walk()
	defer c.Close()
	path := []step{{node: *root}}
	for {
		i := c.GotoFirstChildForPoint(pt)
		if i == nil {
			return path
		}
		n := c.Node()
		if pointLess(pt, n.StartPosition()) {
			return path
		}
		path = append(path, step{node: *n, index: *i})
	}
}

// documented reports, for a point in a doc comment, attribute or decorator (a leading
// node), where the node it belongs to starts: the first sibling after it that is not
// leading, with no blank line between. A changed doc comment is reviewed with what it
// documents.
func (sp *spec) documented(path []step) (ts.Point, bool) {
	k := -1
	for i := len(path) - 1; i > 0; i-- {
		kind := path[i].node.Kind()
		if sp.leading[kind] {
			k = i
			break
		}
		if sp.scopes[kind] || sp.containers[kind] {
			break
		}
	}
	if k < 1 {
		return ts.Point{}, false
	}
	parent := &path[k-1].node
	_, last := rows(&path[k].node)
	for i := path[k].index + 1; i < parent.ChildCount(); i++ {
		n := parent.Child(i)
		s, e := rows(n)
		if s > last+1 {
			return ts.Point{}, false
		}
		if !sp.leading[n.Kind()] {
			return n.StartPosition(), true
		}
		last = e
	}
	return ts.Point{}, false
}

// isScope reports whether path[i] is a scope: a scope kind (with a body, where the kind
// can be a mere reference, such as C's `struct s *p`), or an anonymous function bound to a
// name.
func (sp *spec) isScope(path []step, i int) bool {
	n := &path[i].node
	k := n.Kind()
	if sp.scopes[k] {
		switch k {
		case "class_specifier", "struct_specifier", "union_specifier", "enum_specifier":
			return n.ChildByFieldName("body") != nil
		}
		return true
	}
	return sp.named[k] && i > 0 && sp.binders[path[i-1].node.Kind()]
}

// statement returns the index in path of the top-level statement that holds the point: the
// child of the innermost container on the path, or -1.
func statement(sp *spec, path []step) int {
	for i := len(path) - 2; i >= 0; i-- {
		n := &path[i].node
		if sp.containers[n.Kind()] || (i > 0 && isBody(&path[i-1].node, n, sp.inside)) {
			if !path[i+1].node.IsNamed() {
				return -1
			}
			return i + 1
		}
	}
	return -1
}

// isBody reports whether n is the body of parent, a namespace-like node of one of kinds.
func isBody(parent, n *ts.Node, kinds set) bool {
	if !kinds[parent.Kind()] {
		return false
	}
	body := parent.ChildByFieldName("body")
	return body != nil && body.Id() == n.Id()
}

// leadingStart returns the row where the node at index idx of parent begins once the
// leading siblings right above it are taken along: comments and attributes that stand on
// lines of their own, with no blank line between them and the node.
func (sp *spec) leadingStart(parent *ts.Node, idx uint, start uint, src []byte) uint {
	for idx > 0 {
		idx--
		prev := parent.Child(idx)
		if prev == nil || !sp.leading[prev.Kind()] {
			break
		}
		ps, pe := rows(prev)
		if pe+1 < start || !ownLine(src, prev.StartByte()) {
			break
		}
		start = ps
	}
	return start
}

// Header returns the 1-based, inclusive line span of what src (parsed as lang) declares at
// its top: its package, imports, includes, uses or requires, from the first to the last,
// across the comments, docstrings and defines between them. ok is false when the file
// starts with none of those.
func Header(lang string, src []byte) (start, end int, ok bool) {
	tree := parseCached(lang, src)
	if tree == nil {
		return 0, 0, false
	}
	defer tree.Close()
	sp := specs[lang]
	h := header{sp: sp, src: src, start: -1}
	h.read(tree.RootNode(), 0)
	if h.start < 0 {
		return 0, 0, false
	}
	return int(h.start) + 1, int(h.end) + 1, true
}

type header struct {
	sp         *spec
	src        []byte
	start, end int
	done       bool
}

// read walks the children of n until the first that is neither a header node nor a gap.
// depth bounds how far it descends into include guards.
func (h *header) read(n *ts.Node, depth int) {
	c := n.Walk()
	defer c.Close()
	if !c.GotoFirstChild() {
		return
	}
	for !h.done {
		k := c.Node()
		switch {
		case !k.IsNamed() || c.FieldName() == "name" || h.sp.gap[k.Kind()] || isDocstring(k):
		case h.sp.head(k, h.src):
			s, e := rows(k)
			if h.start < 0 {
				h.start = int(s)
			}
			h.end = int(e)
		case h.sp.descend[k.Kind()] && depth < 2 && h.start < 0:
			h.read(k, depth+1)
		default:
			h.done = true
		}
		if !c.GotoNextSibling() {
			return
		}
	}
}

// isDocstring reports a statement that is only a string: a Python docstring, a
// JavaScript directive such as "use strict".
func isDocstring(n *ts.Node) bool {
	if n.Kind() != "expression_statement" || n.NamedChildCount() != 1 {
		return false
	}
	k := n.NamedChild(0).Kind()
	return k == "string" || k == "template_string"
}

// rows returns the 0-based first and last row of n. A node that ends at the start of a
// row (after a newline it took in) ends on the row before.
func rows(n *ts.Node) (start, end uint) {
	s, e := n.StartPosition(), n.EndPosition()
	if e.Column == 0 && e.Row > s.Row {
		return s.Row, e.Row - 1
	}
	return s.Row, e.Row
}

// pointOf returns the point of the first non-blank byte of the 1-based line (or its
// start, if it is blank), and false if src has no such line.
func pointOf(src []byte, line int) (ts.Point, bool) {
	row, off := 0, 0
	for row < line-1 {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return ts.Point{}, false
		}
		off += i + 1
		row++
	}
	if off >= len(src) && line > 1 {
		return ts.Point{}, false
	}
	col := 0
	for off+col < len(src) && blank(src[off+col]) {
		col++
	}
	return ts.Point{Row: uint(row), Column: uint(col)}, true
}

// ownLine reports whether only blanks stand before byte off on its line.
func ownLine(src []byte, off uint) bool {
	for i := int(off) - 1; i >= 0 && src[i] != '\n'; i-- {
		if !blank(src[i]) {
			return false
		}
	}
	return true
}

// blank reports the bytes other than a newline that tree-sitter's grammars skip as space.
func blank(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\v' || b == '\f' }

func pointLess(a, b ts.Point) bool {
	return a.Row < b.Row || (a.Row == b.Row && a.Column < b.Column)
}
