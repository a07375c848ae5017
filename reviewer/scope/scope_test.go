package scope_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/scope"
)

const (
	h  = scope.KindHeader
	s  = scope.KindScope
	hs = scope.KindHeader | scope.KindScope
	ty = scope.KindType
	st = scope.KindScope | scope.KindType
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		changed []int
		max     int
		want    []scope.Span
	}{
		// A method brings its receiver's type declaration (14-18), here merged with it.
		{"go method", "server.go", []int{23}, 0, []scope.Span{{2, 7, h, 0, 0, 0, ""}, {14, 30, st, 0, 0, 0, ""}}},
		{"go func", "server.go", []int{33}, 0, []scope.Span{{2, 7, h, 0, 0, 0, ""}, {32, 34, s, 0, 0, 0, ""}}},
		{"go func literal inside a long method", "server.go", []int{27}, 5, []scope.Span{{2, 7, h, 0, 0, 0, ""}, {14, 18, ty, 0, 0, 0, ""}, {25, 28, s, 0, 0, 0, ""}}},
		{"go type decl with its doc", "server.go", []int{16}, 0, []scope.Span{{2, 7, h, 0, 0, 0, ""}, {14, 18, s, 0, 0, 0, ""}}},
		{"go top-level var block merges with the header", "server.go", []int{11}, 0, []scope.Span{{2, 12, hs, 0, 0, 0, ""}}},
		{"go two changes in one func are one span", "server.go", []int{22, 29}, 0, []scope.Span{{2, 7, h, 0, 0, 0, ""}, {14, 30, st, 0, 0, 0, ""}}},
		{"go long scope shown as a window", "server.go", []int{29}, 4, []scope.Span{{2, 7, h, 0, 0, 0, ""}, {20, 22, s, 20, 30, 0, ""}, {27, 30, s, 20, 30, 0, ""}}},
		{"go lines out of range ignored", "server.go", []int{0, -3, 99}, 0, []scope.Span{{2, 7, h, 0, 0, 0, ""}}},
		{"python class", "app.py", []int{19}, 0, []scope.Span{{3, 4, h, 0, 0, 0, ""}, {9, 20, s, 0, 0, 0, ""}}},
		{"python method with its decorator", "app.py", []int{19}, 8, []scope.Span{{3, 4, h, 0, 0, 0, ""}, {15, 20, s, 0, 0, 0, ""}}},
		{"python function", "app.py", []int{25}, 0, []scope.Span{{3, 4, h, 0, 0, 0, ""}, {23, 26, s, 0, 0, 0, ""}}},
		{"java method in a long class", "Cache.java", []int{11}, 8, []scope.Span{{1, 4, h, 0, 0, 0, ""}, {9, 14, s, 0, 0, 0, ""}}},
		{"js function and multi-line import", "app.js", []int{11}, 0, []scope.Span{{1, 5, h, 0, 0, 0, ""}, {9, 12, s, 0, 0, 0, ""}}},
		{"js top-level statement", "app.js", []int{14}, 0, []scope.Span{{1, 5, h, 0, 0, 0, ""}, {14, 14, s, 0, 0, 0, ""}}},
		{"ruby def/end by indentation", "model.rb", []int{13}, 8, []scope.Span{{1, 2, h, 0, 0, 0, ""}, {10, 16, s, 0, 0, 0, ""}}},
		{"ruby class, near enough to the header to merge", "model.rb", []int{7}, 14, []scope.Span{{1, 17, hs, 0, 0, 0, ""}}},
		{"c function with the signature above its brace", "main.c", []int{15}, 0, []scope.Span{{1, 2, h, 0, 0, 0, ""}, {13, 17, s, 0, 0, 0, ""}}},
		{"c function next to the header", "main.c", []int{9}, 0, []scope.Span{{1, 11, hs, 0, 0, 0, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := scope.Spans(tt.file, read(t, tt.file), tt.changed, scope.Options{MaxScopeLines: tt.max})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Spans (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSpansParser checks that a Parser for the path's language is asked, and that the
// fallback answers where it can not place a line.
func TestSpansParser(t *testing.T) {
	t.Parallel()
	var asked []string
	p := scope.Funcs{
		LangFunc: func(p string) (string, bool) { return "ruby", strings.HasSuffix(p, ".rb") },
		EnclosingFunc: func(lang string, _ []byte, line int) (int, int, bool) {
			asked = append(asked, lang)
			if line == 7 {
				return 6, 8, true
			}
			return 0, 0, false
		},
		HeaderFunc: func(string, []byte) (int, int, bool) { return 1, 1, true },
	}
	src := read(t, "model.rb")
	got := scope.Spans("model.rb", src, []int{7, 13}, scope.Options{MaxScopeLines: 8, Parsers: []scope.Parser{p}})
	// The parser places line 7 (6-8), the fallback line 13 (10-16); the two merge.
	want := []scope.Span{{1, 1, h, 0, 0, 0, ""}, {6, 16, s, 0, 0, 0, ""}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Spans (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ruby", "ruby"}, asked); diff != "" {
		t.Errorf("languages asked (-want +got):\n%s", diff)
	}
	// A path the parser does not know never reaches it.
	asked = nil
	scope.Spans("app.py", read(t, "app.py"), []int{19}, scope.Options{Parsers: []scope.Parser{p}})
	if len(asked) != 0 {
		t.Errorf("parser asked about a Python file: %v", asked)
	}
}

// TestSpansReceiverType: a method far below its type's declaration brings the declaration
// (generic receivers and a type in a group included); a type declared in another file, or
// a plain function, brings nothing more.
func TestSpansReceiverType(t *testing.T) {
	t.Parallel()
	src := "package store\n\ntype (\n\tother int\n\t// Cache holds entries.\n\tCache[K comparable, V any] struct {\n\t\tmu sync.Mutex\n\t\tm  map[K]V\n\t}\n)\n" +
		strings.Repeat("\n// filler\n", 40) +
		"\nfunc (c *Cache[K, V]) Get(k K) V {\n\treturn c.m[k]\n}\n\nfunc (r Remote) Get() {}\n\nfunc plain() {}\n"
	lines := strings.Split(src, "\n")
	at := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i + 1
			}
		}
		t.Fatalf("no line %q", prefix)
		return 0
	}
	get := at("\treturn c.m[k]")
	got := scope.Spans("store.go", []byte(src), []int{get}, scope.Options{})
	want := []scope.Span{{Start: 1, End: 1, Kind: h}, {Start: 5, End: 9, Kind: ty}, {Start: get - 1, End: get + 1, Kind: s}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Spans of a generic method (-want +got):\n%s", diff)
	}
	for _, l := range []int{at("func (r Remote)"), at("func plain")} {
		for _, sp := range scope.Spans("store.go", []byte(src), []int{l}, scope.Options{}) {
			if sp.Kind&ty != 0 {
				t.Errorf("line %d: a type span %+v, want none", l, sp)
			}
		}
	}
}

func TestSpanLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   scope.Span
		want string
	}{
		{scope.Span{Start: 1, End: 3, Kind: h}, "file header"},
		{scope.Span{Start: 1, End: 3, Kind: s}, "enclosing scope"},
		{scope.Span{Start: 1, End: 3, Kind: hs}, "file header and enclosing scope"},
		{scope.Span{Start: 1, End: 3, Kind: st}, "enclosing scope and where the method's fields are declared"},
		{scope.Span{Start: 900, End: 1100, Kind: s, ScopeStart: 10, ScopeEnd: 3010}, "part of the enclosing scope, which spans lines 10-3010"},
	}
	for _, tt := range tests {
		if got := tt.in.Label(); got != tt.want {
			t.Errorf("%+v.Label() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSpansHostile feeds inputs built to defeat the fallback and go/parser: deep nesting,
// one enormous line, no newline at all, unbalanced brackets. Each must come back, with
// every changed line inside a span.
func TestSpansHostile(t *testing.T) {
	t.Parallel()
	var deep strings.Builder
	for i := range 3000 {
		deep.WriteString(strings.Repeat(" ", i))
		deep.WriteString("x {\n")
	}
	tests := []struct {
		name, path, src string
		changed         []int
	}{
		{"staircase indentation", "a.py", deep.String(), []int{1, 1500, 2999}},
		{"nested braces in go", "a.go", "package a\nfunc f() {" + strings.Repeat("{", 50000) + "\n}\n", []int{2, 3}},
		{"one long line", "a.js", strings.Repeat("a(", 100000), []int{1}},
		{"only closers", "a.rb", strings.Repeat("end\n}\n", 1000), []int{5, 700}},
		{"empty", "a.c", "", []int{1}},
		{"crlf", "a.go", "package a\r\n\r\nfunc f() {\r\n\tx()\r\n}\r\n", []int{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := scope.Spans(tt.path, []byte(tt.src), tt.changed, scope.Options{})
			checkSpans(t, []byte(tt.src), tt.changed, got)
		})
	}
}

func checkSpans(t *testing.T, src []byte, changed []int, got []scope.Span) {
	t.Helper()
	n := strings.Count(string(src), "\n")
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	for i, sp := range got {
		if sp.Start < 1 || sp.End < sp.Start || sp.End > n {
			t.Fatalf("span %+v outside lines 1-%d", sp, n)
		}
		if i > 0 && sp.Start <= got[i-1].End {
			t.Fatalf("spans %+v and %+v overlap or are out of order", got[i-1], sp)
		}
	}
	for _, l := range changed {
		if l < 1 || l > n {
			continue
		}
		in := false
		for _, sp := range got {
			in = in || sp.Start <= l && l <= sp.End
		}
		if !in {
			t.Fatalf("changed line %d in no span of %+v", l, got)
		}
	}
}

func FuzzSpans(f *testing.F) {
	for _, name := range []string{"server.go", "app.py", "Cache.java", "app.js", "model.rb", "main.c"} {
		f.Add(name, read(f, name), 7, 3, uint8(5))
	}
	f.Add("x.go", []byte("package a\nfunc f() { go func() { x() }() }\n"), 2, 2, uint8(1))
	f.Fuzz(func(t *testing.T, name string, src []byte, a, b int, maxLines uint8) {
		changed := []int{a, b, a + 1}
		got := scope.Spans(name, src, changed, scope.Options{MaxScopeLines: int(maxLines)})
		checkSpans(t, src, changed, got)
		// With related code, and the changed lines' text as removed lines too.
		var removed []string
		for _, l := range strings.Split(string(src), "\n") {
			if len(removed) < 3 {
				removed = append(removed, l)
			}
		}
		got = scope.Spans(name, src, changed, scope.Options{MaxScopeLines: int(maxLines), Related: int(maxLines % 4), Removed: removed})
		checkSpans(t, src, changed, got)
	})
}
