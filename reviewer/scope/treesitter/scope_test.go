//go:build cgo

package treesitter_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/scope/treesitter"
)

type span struct{ start, end int }

func readSample(t testing.TB, name string) (string, []byte) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	lang, ok := treesitter.Lang(name)
	if !ok {
		t.Fatalf("Lang(%q): no language", name)
	}
	return lang, src
}

func TestEnclosing(t *testing.T) {
	t.Parallel()
	none := span{}
	tests := []struct {
		file string
		want map[int]span // line -> span; none means ok=false
	}{
		{"sample.py", map[int]span{
			20: {18, 21}, // a method
			27: {26, 28}, // a function nested in a method
			31: {23, 34}, // a decorated method with the comment above it
			24: {23, 34}, // the decorator's own line
			36: {13, 36}, // a one-line method gives way to its class
			16: {13, 36}, // a class attribute
			10: {10, 10}, // a top-level statement
			45: {44, 45}, // inside a top-level if
			42: none,     // a blank line between functions
			23: {23, 34}, // a comment line: what it documents
			7:  {7, 8},   // a comment above an import
		}},
		{"sample.ts", map[int]span{
			20: {18, 29}, // a decorated method
			26: {18, 29}, // an inline callback is part of its method
			32: {31, 33}, // an arrow function bound to a field
			14: {9, 34},  // a class with its decorator, export and doc comment
			16: {9, 34},  // a one-line constructor gives way to its class
			37: {36, 38}, // an exported arrow function
			41: {40, 42}, // an exported function
			45: {44, 46}, // an interface
			7:  {7, 7},   // a top-level statement
			6:  none,
			10: {9, 34},  // inside a doc comment
			18: {18, 29}, // a decorator line
		}},
		{"sample.js", map[int]span{
			6:  {5, 7},
			10: {9, 12}, // a function expression assigned to a property
			16: {15, 17},
			20: {20, 20},
		}},
		{"sample.rs", map[int]span{
			22: {19, 28}, // a method with its doc comment and attribute
			30: {18, 31}, // a one-line method gives way to its impl
			15: {12, 16}, // a struct with its doc comment and derive
			38: {36, 40}, // a test function
			34: {34, 34}, // a statement in a module
			10: {10, 10},
			19: {19, 28}, // a doc comment
			20: {19, 28}, // an attribute
			12: {12, 16},
		}},
		{"Sample.java", map[int]span{
			21: {14, 25}, // inside a lambda: the method, its annotation and javadoc
			12: {7, 34},  // a field: the class with its annotation and javadoc
			31: {30, 32}, // a constructor of a nested class
			28: {27, 33}, // a nested class
			14: {14, 25}, // a javadoc line
			8:  {7, 34},
		}},
		{"sample.c", map[int]span{
			14: {11, 19}, // a function with its comment
			7:  {6, 9},   // a struct declaration, as a top-level statement
			24: {22, 25}, // a function inside #ifdef
			5:  none,
			11: {11, 19}, // the comment above a function
		}},
		{"sample.cpp", map[int]span{
			17: {13, 19}, // a method defined in its class
			22: {10, 23}, // a member: the class with its doc comment
			27: {25, 28}, // a function template, with its template line
			8:  {8, 8},   // a statement in a namespace
		}},
		{"sample.rb", map[int]span{
			22: {17, 26}, // inside a block: the method with its comment
			14: {13, 15},
			28: {9, 29}, // a one-line method gives way to its class
			11: {9, 29},
			7:  {7, 7}, // a statement in a module
			17: {17, 26},
			9:  {9, 29},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			lang, src := readSample(t, tt.file)
			for line, want := range tt.want {
				s, e, ok := treesitter.Enclosing(lang, src, line)
				got := span{}
				if ok {
					got = span{s, e}
				}
				if got != want {
					t.Errorf("Enclosing(%s, line %d) = %v, want %v (zero: none)", tt.file, line, got, want)
				}
			}
		})
	}
}

func TestHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want span
	}{
		{"sample.py", span{4, 8}},
		{"sample.ts", span{2, 5}},
		{"sample.js", span{2, 3}},
		{"sample.rs", span{4, 8}},
		{"Sample.java", span{1, 5}},
		{"sample.c", span{2, 4}},
		{"sample.h", span{4, 5}},
		{"sample.cpp", span{2, 4}},
		{"sample.rb", span{3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			lang, src := readSample(t, tt.file)
			s, e, ok := treesitter.Header(lang, src)
			if got := (span{s, e}); !ok || got != tt.want {
				t.Errorf("Header(%s) = %v, %v; want %v", tt.file, got, ok, tt.want)
			}
		})
	}
}

func TestHeaderNone(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ lang, src string }{
		{"python", "x = 1\nimport os\n"},
		{"javascript", "console.log(1);\n"},
		{"ruby", "puts 'hi'\nrequire 'json'\n"},
		{"c", "int x;\n#include <stdio.h>\n"},
	} {
		if s, e, ok := treesitter.Header(tt.lang, []byte(tt.src)); ok {
			t.Errorf("Header(%s, %q) = %d-%d; want none: the file does not start with imports", tt.lang, tt.src, s, e)
		}
	}
}

func TestEnclosingBadInput(t *testing.T) {
	t.Parallel()
	src := []byte("def f():\n    return 1\n")
	for _, tt := range []struct {
		name string
		lang string
		line int
	}{
		{"line zero", "python", 0},
		{"line past the end", "python", 9},
		{"unknown language", "cobol", 1},
	} {
		if s, e, ok := treesitter.Enclosing(tt.lang, src, tt.line); ok {
			t.Errorf("%s: Enclosing = %d-%d; want none", tt.name, s, e)
		}
	}
	if _, _, ok := treesitter.Enclosing("python", src, 2); !ok {
		t.Errorf("Enclosing(python, line 2) found nothing; want the function")
	}
}

// TestEnclosingNamespace checks that a statement in a namespace-like block is its own
// top-level statement, not the whole block.
func TestEnclosingNamespace(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lang, src string
		line      int
		want      span
	}{
		{"typescript", "namespace util {\n  export const a = 1;\n  export function f() {\n    return a;\n  }\n}\n", 2, span{2, 2}},
		{"typescript", "namespace util {\n  export const a = 1;\n  export function f() {\n    return a;\n  }\n}\n", 4, span{3, 5}},
		{"rust", "mod m {\n    const A: u8 = 1;\n}\n", 2, span{2, 2}},
		{"cpp", "extern \"C\" {\nint x;\n}\n", 2, span{2, 2}},
		{"cpp", "namespace a::b {\nint x;\n}\n", 2, span{2, 2}},
		{"c", "#if X\nint x;\n#else\nint y;\n#endif\n", 4, span{4, 4}},
	} {
		s, e, ok := treesitter.Enclosing(tt.lang, []byte(tt.src), tt.line)
		if got := (span{s, e}); !ok || got != tt.want {
			t.Errorf("Enclosing(%s, %q, line %d) = %v, %v; want %v", tt.lang, tt.src, tt.line, got, ok, tt.want)
		}
	}
}

// TestEnclosingMore covers forms the samples do not: JSX, async functions, singleton
// methods, trait and interface methods, a default export.
func TestEnclosingMore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, lang, src string
		line            int
		want            span
	}{
		{"tsx component", "tsx", "import React from \"react\";\n\nexport function App({ n }: { n: number }) {\n  return (\n    <div className=\"app\">\n      {n}\n    </div>\n  );\n}\n", 6, span{3, 9}},
		{"default export", "javascript", "export default function handler(req) {\n  return req.body;\n}\n", 2, span{1, 3}},
		{"python async", "python", "class C:\n    async def run(self):\n        await self.x()\n", 3, span{2, 3}},
		{"ruby singleton method", "ruby", "class C\n  def self.build(x)\n    new(x)\n  end\nend\n", 3, span{2, 4}},
		{"rust trait method", "rust", "trait T {\n    fn f(&self) -> u8 {\n        1\n    }\n}\n", 3, span{2, 4}},
		{"java default method", "java", "interface I {\n    default int f() {\n        return 1;\n    }\n}\n", 3, span{2, 4}},
		{"java enum", "java", "enum E {\n    A,\n    B;\n}\n", 2, span{1, 4}},
		{"c struct member", "c", "struct s {\n\tint a;\n};\n", 2, span{1, 3}},
	} {
		s, e, ok := treesitter.Enclosing(tt.lang, []byte(tt.src), tt.line)
		if got := (span{s, e}); !ok || got != tt.want {
			t.Errorf("%s: Enclosing(line %d) = %v, %v; want %v", tt.name, tt.line, got, ok, tt.want)
		}
	}
}
