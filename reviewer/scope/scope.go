package scope

import (
	"cmp"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Kind says what a span shows. Spans that merged carry the kinds of all their parts.
type Kind uint8

// The kinds of span.
const (
	// KindHeader is the file's header: the package clause and imports.
	KindHeader Kind = 1 << iota
	// KindScope is the enclosing scope of changed lines.
	KindScope
	// KindType is where the fields a method works on are declared or set: its Go
	// receiver's type declaration, or its class's constructor, when the file holds it.
	KindType
	// KindRelated is other code of the file that the changed lines' identifiers name:
	// where a function they call is defined, or where a variable they read is written
	// (Options.Related).
	KindRelated
)

// Span is a range of lines of the head version, numbered from 1, both ends included.
type Span struct {
	Start, End int
	Kind       Kind
	// ScopeStart and ScopeEnd are the whole scope's lines when the span is a window of a
	// scope longer than Options.MaxScopeLines, else 0.
	ScopeStart, ScopeEnd int
	// Rank orders spans by what they are worth when a budget can not hold them all: 0
	// for the header and enclosing scopes, 1 for the best related span, 2 for the next.
	Rank int
	// Names are the identifiers a related span shares with the changed lines, the most
	// telling first ("redirect", "STATE, INITIALIZED").
	Names string
}

// Shortened reports whether the span is a window of a longer scope.
func (s Span) Shortened() bool { return s.ScopeEnd != 0 }

// Label says what the span shows, for the model: "file header", "enclosing scope",
// "file header and enclosing scope", or "part of a scope spanning lines 10-3010".
func (s Span) Label() string {
	var parts []string
	if s.Kind&KindHeader != 0 {
		parts = append(parts, "file header")
	}
	if s.Kind&KindScope != 0 {
		if s.Shortened() {
			parts = append(parts, "part of the enclosing scope, which spans lines "+strconv.Itoa(s.ScopeStart)+"-"+strconv.Itoa(s.ScopeEnd))
		} else {
			parts = append(parts, "enclosing scope")
		}
	}
	if s.Kind&KindType != 0 {
		parts = append(parts, "where the method's fields are declared")
	}
	if s.Kind&KindRelated != 0 {
		if s.Names != "" {
			parts = append(parts, "related code using "+s.Names)
		} else {
			parts = append(parts, "related code")
		}
	}
	return strings.Join(parts, " and ")
}

// Parser finds scopes in the languages it knows. Its methods take the name Lang gave, so
// a parser of many languages (tree-sitter's grammars) is one Parser.
type Parser interface {
	// Lang names the language of the file at path, false when the parser does not know it.
	Lang(path string) (string, bool)
	// Enclosing returns the lines of the smallest scope worth showing around line
	// (numbered from 1): a function, method, type or class, or the top-level statement.
	Enclosing(lang string, src []byte, line int) (start, end int, ok bool)
	// Header returns the lines of the file's package clause and imports.
	Header(lang string, src []byte) (start, end int, ok bool)
}

// Constructors is a Parser that also finds the constructor of the class around a line
// (Python's __init__, a Java constructor): where a method's fields are set.
type Constructors interface {
	Parser
	// Constructor returns the lines of the constructor of the class around line, when
	// line is in another member of that class.
	Constructor(lang string, src []byte, line int) (start, end int, ok bool)
}

// Funcs is a Parser made of three functions, for a package that exports them rather than
// a type; with ConstructorFunc set it is also a Constructors.
type Funcs struct {
	LangFunc      func(path string) (string, bool)
	EnclosingFunc func(lang string, src []byte, line int) (start, end int, ok bool)
	HeaderFunc    func(lang string, src []byte) (start, end int, ok bool)
	// ConstructorFunc, when set, finds the constructor of the class around a line.
	ConstructorFunc func(lang string, src []byte, line int) (start, end int, ok bool)
}

// Constructor calls ConstructorFunc, when set.
func (f Funcs) Constructor(lang string, src []byte, line int) (int, int, bool) {
	if f.ConstructorFunc == nil {
		return 0, 0, false
	}
	return f.ConstructorFunc(lang, src, line)
}

// Lang calls LangFunc.
func (f Funcs) Lang(p string) (string, bool) { return f.LangFunc(p) }

// Enclosing calls EnclosingFunc.
func (f Funcs) Enclosing(lang string, src []byte, line int) (int, int, bool) {
	return f.EnclosingFunc(lang, src, line)
}

// Header calls HeaderFunc.
func (f Funcs) Header(lang string, src []byte) (int, int, bool) { return f.HeaderFunc(lang, src) }

// DefaultMaxScopeLines is the longest scope shown whole when Options.MaxScopeLines is 0.
const DefaultMaxScopeLines = 200

// maxHeaderLines bounds the header: a file that imports more than this shows the first
// lines only.
const maxHeaderLines = 80

// signatureLines is how many first lines of a shortened scope are shown with its window,
// so the model still sees what the scope is (its signature, its receiver).
const signatureLines = 3

// Options shape Spans. The zero value uses the defaults and the built-in parsers only.
type Options struct {
	// MaxScopeLines bounds a scope shown whole; a longer one is shown as windows of about
	// this many lines around the changed lines. 0 means DefaultMaxScopeLines.
	MaxScopeLines int
	// Parsers are asked, in order, for files the built-in Go parser does not take.
	Parsers []Parser
	// Related is how many spans of related code to add beyond the enclosing scopes; 0
	// adds none.
	Related int
	// Removed are the change's removed lines of the file, whose identifiers are looked up
	// for related code beside the changed lines' (a dropped guard's field, read elsewhere
	// under a lock).
	Removed []string
}

// finder finds the enclosing scopes of lines of one file. Scopes are returned outermost
// first; Spans shows the outermost that fits, else a window of the innermost.
type finder interface {
	scopes(line int) [][2]int
	header() (start, end int, ok bool)
}

// Spans returns the spans of src, the head version of the file at path, to show beside
// the changed lines (new line numbers, any order): the header, and the enclosing scope of
// every changed line, sorted, with overlapping or nearly adjacent spans merged. Lines
// outside src are ignored. It never fails: a file that no parser takes, or that does not
// parse, is read by the indentation and bracket fallback.
func Spans(p string, src []byte, changed []int, opts Options) []Span {
	maxLines := opts.MaxScopeLines
	if maxLines <= 0 {
		maxLines = DefaultMaxScopeLines
	}
	lines := newLineIndex(src)
	n := lines.count()
	changed = slices.Clone(changed)
	slices.Sort(changed)
	changed = slices.Compact(changed)
	changed = slices.DeleteFunc(changed, func(l int) bool { return l < 1 || l > n })
	if n == 0 {
		return nil
	}
	f := pick(p, src, lines, opts.Parsers)
	var out []Span
	if s, e, ok := f.header(); ok && s >= 1 && e >= s && s <= n {
		out = append(out, Span{Start: s, End: min(e, n, s+maxHeaderLines-1), Kind: KindHeader})
	}
	// Changed lines inside a scope already found need no lookup of their own.
	var done [2]int
	var windows []int // changed lines inside the current shortened scope
	var long [2]int
	flush := func() {
		if len(windows) > 0 {
			out = append(out, window(long, windows, maxLines)...)
			windows = windows[:0]
		}
	}
	for _, l := range changed {
		if l >= done[0] && l <= done[1] {
			if long != ([2]int{}) {
				windows = append(windows, l)
			}
			continue
		}
		flush()
		long = [2]int{}
		sc := f.scopes(l)
		chosen := [2]int{l, l}
		fits := false
		for _, s := range sc {
			s = [2]int{max(s[0], 1), min(s[1], n)}
			if s[0] > l || s[1] < l {
				continue
			}
			if s[1]-s[0]+1 <= maxLines {
				chosen, fits = s, true
				break
			}
			chosen = s // innermost so far, shown as windows
		}
		done = chosen
		if rf, ok := f.(relatedFinder); ok {
			for _, r := range rf.related(l) {
				if r[0] >= 1 && r[1] <= n && r[0] <= r[1] && r[1]-r[0]+1 <= maxLines {
					out = append(out, Span{Start: r[0], End: r[1], Kind: KindType})
				}
			}
		}
		if fits || chosen[0] == chosen[1] {
			out = append(out, Span{Start: chosen[0], End: chosen[1], Kind: KindScope})
			continue
		}
		long = chosen
		windows = append(windows, l)
	}
	flush()
	out = merge(out)
	if opts.Related > 0 {
		out = merge(append(out, related(f, lines, changed, opts.Removed, out, maxLines, opts.Related)...))
	}
	return out
}

// relatedFinder is a finder that also knows declarations a scope depends on: the type
// a method belongs to, or its class's constructor.
type relatedFinder interface {
	related(line int) [][2]int
}

// window returns the first lines of scope sc and windows of about maxLines lines around
// the changed lines in it, all marked as parts of sc.
func window(sc [2]int, changed []int, maxLines int) []Span {
	half := max(maxLines/2, 1)
	out := []Span{{Start: sc[0], End: min(sc[0]+signatureLines-1, sc[1]), Kind: KindScope}}
	for _, l := range changed {
		out = append(out, Span{Start: max(sc[0], l-half), End: min(sc[1], l+half), Kind: KindScope})
	}
	for i := range out {
		out[i].ScopeStart, out[i].ScopeEnd = sc[0], sc[1]
	}
	return out
}

// mergeGap is the most lines between two spans that are shown rather than elided: a
// marker costs about as much.
const mergeGap = 2

// merge sorts spans and joins those that overlap or nearly touch.
func merge(spans []Span) []Span {
	slices.SortFunc(spans, func(a, b Span) int { return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.End, b.End)) })
	var out []Span
	for _, s := range spans {
		if k := len(out) - 1; k >= 0 && s.Start <= out[k].End+mergeGap+1 {
			last := &out[k]
			last.End = max(last.End, s.End)
			last.Kind |= s.Kind
			if s.Names != "" && last.Names == "" {
				last.Names = s.Names
			}
			if s.Rank < last.Rank {
				last.Rank = s.Rank
			}
			// A merged span is shortened only when all of it lies in one long scope.
			if last.ScopeStart != s.ScopeStart || last.ScopeEnd != s.ScopeEnd {
				last.ScopeStart, last.ScopeEnd = 0, 0
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// pick returns the finder for the file at p.
func pick(p string, src []byte, lines *lineIndex, parsers []Parser) finder {
	fb := func() finder { return newFallback(src, lines) }
	if strings.EqualFold(path.Ext(p), ".go") {
		if g, ok := parseGo(src, lines); ok {
			return g
		}
		return fb()
	}
	for _, ps := range parsers {
		if lang, ok := ps.Lang(p); ok {
			return &external{p: ps, lang: lang, src: src, fb: fb()}
		}
	}
	return fb()
}

// external asks a Parser, and the fallback where it can not place a line.
type external struct {
	p    Parser
	lang string
	src  []byte
	fb   finder
}

func (e *external) scopes(line int) [][2]int {
	if s, end, ok := e.p.Enclosing(e.lang, e.src, line); ok && s <= line && end >= line {
		return [][2]int{{s, end}}
	}
	return e.fb.scopes(line)
}

func (e *external) related(line int) [][2]int {
	if c, ok := e.p.(Constructors); ok {
		if s, end, ok := c.Constructor(e.lang, e.src, line); ok && s <= end {
			return [][2]int{{s, end}}
		}
	}
	return nil
}

func (e *external) header() (int, int, bool) {
	if s, end, ok := e.p.Header(e.lang, e.src); ok {
		return s, end, true
	}
	return e.fb.header()
}
