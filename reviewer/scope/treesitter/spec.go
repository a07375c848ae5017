//go:build cgo

package treesitter

import (
	"unsafe"

	ts "github.com/tree-sitter/go-tree-sitter"
	tsc "github.com/tree-sitter/tree-sitter-c/bindings/go"
	tscpp "github.com/tree-sitter/tree-sitter-cpp/bindings/go"
	tsjava "github.com/tree-sitter/tree-sitter-java/bindings/go"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tspython "github.com/tree-sitter/tree-sitter-python/bindings/go"
	tsruby "github.com/tree-sitter/tree-sitter-ruby/bindings/go"
	tsrust "github.com/tree-sitter/tree-sitter-rust/bindings/go"
	tsts "github.com/tree-sitter/tree-sitter-typescript/bindings/go"
)

// spec says, in one grammar's node kinds, what a scope is and what a file's header is.
type spec struct {
	lang *ts.Language

	// scopes are the functions, methods and classes Enclosing reports.
	scopes set
	// named are anonymous functions that count as a scope only when bound to a name (their
	// parent is one of binders): a callback passed inline is part of its function's
	// scope, `const f = () => {…}` is a function of its own.
	named, binders set
	// wrappers are the parents a scope takes along: a decorator list, an export, a
	// template head, the declaration that names an anonymous function.
	wrappers set
	// containers hold top-level statements: the file's root, a namespace's body, a C
	// preprocessor conditional. A line in no scope is given the statement of the innermost
	// container that holds it. inside are the kinds whose body is a container.
	containers, inside set
	// leading are the siblings that belong to the node after them when they stand on lines
	// of their own right above it: doc comments, Rust attributes.
	leading set

	// head reports a node that declares what the file uses (import, include, use,
	// require, package); gap a node that may stand before or between those (comments,
	// docstrings, defines). descend is a node whose children Header reads as if they stood
	// at the top (a C include guard).
	head         func(n *ts.Node, src []byte) bool
	gap, descend set
}

type set map[string]bool

func setOf(kinds ...string) set {
	s := make(set, len(kinds))
	for _, k := range kinds {
		s[k] = true
	}
	return s
}

func kinds(ks ...string) func(*ts.Node, []byte) bool {
	s := setOf(ks...)
	return func(n *ts.Node, _ []byte) bool { return s[n.Kind()] }
}

func language(p unsafe.Pointer) *ts.Language { return ts.NewLanguage(p) }

var specs = map[string]*spec{
	"python": {
		lang:       language(tspython.Language()),
		scopes:     setOf("function_definition", "class_definition", "decorated_definition"),
		wrappers:   setOf("decorated_definition"),
		containers: setOf("module"),
		leading:    setOf("comment"),
		head:       kinds("import_statement", "import_from_statement", "future_import_statement"),
		gap:        setOf("comment"),
	},
	"javascript": jsSpec(language(tsjs.Language())),
	"typescript": jsSpec(language(tsts.LanguageTypescript())),
	"tsx":        jsSpec(language(tsts.LanguageTSX())),
	"rust": {
		lang: language(tsrust.Language()),
		scopes: setOf("function_item", "function_signature_item", "impl_item", "trait_item",
			"struct_item", "enum_item", "union_item", "macro_definition"),
		containers: setOf("source_file"),
		inside:     setOf("mod_item", "foreign_mod_item"),
		leading:    setOf("line_comment", "block_comment", "attribute_item"),
		head: func(n *ts.Node, _ []byte) bool {
			switch n.Kind() {
			case "use_declaration", "extern_crate_declaration":
				return true
			case "mod_item":
				return n.ChildByFieldName("body") == nil
			}
			return false
		},
		gap: setOf("line_comment", "block_comment", "attribute_item", "inner_attribute_item"),
	},
	"java": {
		lang: language(tsjava.Language()),
		scopes: setOf("method_declaration", "constructor_declaration", "compact_constructor_declaration",
			"class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
			"annotation_type_declaration", "static_initializer"),
		containers: setOf("program"),
		leading:    setOf("line_comment", "block_comment"),
		head:       kinds("package_declaration", "import_declaration"),
		gap:        setOf("line_comment", "block_comment"),
	},
	"c":   cSpec(language(tsc.Language()), false),
	"cpp": cSpec(language(tscpp.Language()), true),
	"ruby": {
		lang:       language(tsruby.Language()),
		scopes:     setOf("method", "singleton_method", "class", "singleton_class"),
		containers: setOf("program", "body_statement"),
		inside:     setOf("module"),
		leading:    setOf("comment"),
		head: func(n *ts.Node, src []byte) bool {
			if n.Kind() != "call" || n.ChildByFieldName("receiver") != nil {
				return false
			}
			m := n.ChildByFieldName("method")
			if m == nil {
				return false
			}
			switch m.Utf8Text(src) {
			case "require", "require_relative", "load", "autoload":
				return true
			}
			return false
		},
		gap: setOf("comment"),
	},
}

func jsSpec(l *ts.Language) *spec {
	return &spec{
		lang: l,
		scopes: setOf("function_declaration", "generator_function_declaration", "method_definition",
			"class_declaration", "abstract_class_declaration", "interface_declaration",
			"enum_declaration", "type_alias_declaration", "function_signature",
			"abstract_method_signature"),
		named: setOf("arrow_function", "function_expression", "function", "generator_function", "class"),
		binders: setOf("variable_declarator", "pair", "assignment_expression",
			"public_field_definition", "field_definition"),
		wrappers: setOf("export_statement", "variable_declarator", "lexical_declaration",
			"variable_declaration", "pair", "assignment_expression", "expression_statement",
			"public_field_definition", "field_definition", "ambient_declaration"),
		containers: setOf("program"),
		inside:     setOf("internal_module", "module"),
		leading:    setOf("comment", "decorator"),
		head: func(n *ts.Node, src []byte) bool {
			switch n.Kind() {
			case "import_statement", "import_alias":
				return true
			case "lexical_declaration", "variable_declaration":
				return requires(n, src)
			}
			return false
		},
		gap: setOf("comment", "hash_bang_line"),
	}
}

// requires reports a declaration whose every value is require(…), or a member of one:
// CommonJS's import.
func requires(decl *ts.Node, src []byte) bool {
	found := false
	for i := range decl.NamedChildCount() {
		d := decl.NamedChild(i)
		if d.Kind() != "variable_declarator" {
			continue
		}
		v := d.ChildByFieldName("value")
		for v != nil && v.Kind() == "member_expression" {
			v = v.ChildByFieldName("object")
		}
		if v == nil || v.Kind() != "call_expression" {
			return false
		}
		f := v.ChildByFieldName("function")
		if f == nil || f.Utf8Text(src) != "require" {
			return false
		}
		found = true
	}
	return found
}

func cSpec(l *ts.Language, cpp bool) *spec {
	sp := &spec{
		lang:       l,
		scopes:     setOf("function_definition"),
		containers: setOf("translation_unit", "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef"),
		leading:    setOf("comment"),
		head:       kinds("preproc_include"),
		gap:        setOf("comment", "preproc_def", "preproc_function_def", "preproc_call"),
		descend:    setOf("preproc_ifdef", "preproc_if"),
	}
	if cpp {
		sp.scopes = setOf("function_definition", "class_specifier", "struct_specifier",
			"union_specifier", "enum_specifier", "concept_definition")
		sp.wrappers = setOf("template_declaration")
		sp.inside = setOf("namespace_definition", "linkage_specification")
		sp.head = kinds("preproc_include", "using_declaration", "namespace_alias_definition")
	}
	return sp
}
