//go:build cgo

package treesitter

import (
	ts "github.com/tree-sitter/go-tree-sitter"
)

// ctor says, in one grammar, what a class is and what its constructor is.
type ctor struct {
	classes set
	// is reports a class member that builds the instance: Python's __init__, Ruby's
	// initialize, a JavaScript constructor, a Java constructor.
	is func(n *ts.Node, src []byte) bool
}

// named is a member of one of kinds whose name field reads name.
func named(name string, ks ...string) func(*ts.Node, []byte) bool {
	s := setOf(ks...)
	return func(n *ts.Node, src []byte) bool {
		if !s[n.Kind()] {
			return false
		}
		id := n.ChildByFieldName("name")
		return id != nil && id.Utf8Text(src) == name
	}
}

var ctors = map[string]ctor{
	"python":     {classes: setOf("class_definition"), is: named("__init__", "function_definition")},
	"ruby":       {classes: setOf("class"), is: named("initialize", "method")},
	"javascript": {classes: setOf("class_declaration", "class"), is: named("constructor", "method_definition")},
	"typescript": {classes: setOf("class_declaration", "abstract_class_declaration", "class"), is: named("constructor", "method_definition")},
	"tsx":        {classes: setOf("class_declaration", "abstract_class_declaration", "class"), is: named("constructor", "method_definition")},
	"java":       {classes: setOf("class_declaration", "enum_declaration"), is: kinds("constructor_declaration")},
}

// ctorDepth bounds how deep under a class its constructor is looked for: a body, a
// decorated definition, the member.
const ctorDepth = 3

// Constructor returns the 1-based, inclusive line span of the constructor of the
// innermost class around line, with its doc comments and decorators, when the line is in
// one of that class's other members: the fields and invariants a method relies on are
// set there. ok is false for a line in no class, in the constructor itself, for a class
// without one in the file, for a language without classes (C, Rust, ...) and for a parse
// that timed out.
func Constructor(lang string, src []byte, line int) (start, end int, ok bool) {
	c, known := ctors[lang]
	if !known {
		return 0, 0, false
	}
	tree, path, ok := pathTo(lang, src, line)
	if !ok {
		return 0, 0, false
	}
	defer tree.Close()
	sp := specs[lang]
	class := -1
	for i := len(path) - 1; i >= 0; i-- {
		if c.classes[path[i].node.Kind()] {
			class = i
			break
		}
	}
	if class < 0 {
		return 0, 0, false
	}
	parent, idx, found := findCtor(&path[class].node, c, src, ctorDepth)
	if !found {
		return 0, 0, false
	}
	n := parent.Child(idx)
	if n == nil {
		return 0, 0, false
	}
	s, e := rows(n)
	if sp.wrappers[parent.Kind()] {
		s, e = rows(parent) // a decorated constructor takes its decorators along
	} else {
		s = sp.leadingStart(parent, idx, s, src)
	}
	if int(s)+1 <= line && line <= int(e)+1 {
		return 0, 0, false // the line is in the constructor: the scope already shows it
	}
	return int(s) + 1, int(e) + 1, true
}

// findCtor looks under n, depth levels down at most and not into nested classes, for the
// constructor, and returns its parent and its index there.
func findCtor(n *ts.Node, c ctor, src []byte, depth int) (*ts.Node, uint, bool) {
	if depth == 0 {
		return nil, 0, false
	}
	for i := range n.ChildCount() {
		ch := n.Child(i)
		if ch == nil {
			continue
		}
		if c.is(ch, src) {
			return n, i, true
		}
		if c.classes[ch.Kind()] {
			continue
		}
		if p, j, ok := findCtor(ch, c, src, depth-1); ok {
			return p, j, true
		}
	}
	return nil, 0, false
}
