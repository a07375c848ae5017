//go:build cgo

package treesitter

import (
	"runtime"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// available is true with cgo: every grammar of specs is compiled in.
const available = true

// parseTimeout bounds one parse, in microseconds. Tree-sitter parses a megabyte of ordinary
// code in well under a second (BENCHMARKS.md); what runs longer is hostile or pathological
// input, and the caller's fallback serves it better than a wait.
const parseTimeout = 2_000_000

// chunkSize bounds what the read callback hands tree-sitter at once. go-tree-sitter copies
// every chunk it is given into C memory and frees the copies only when the parse ends, and
// the lexer asks again after each backtrack: handing it the rest of the file each time
// would copy a large file over and over.
const chunkSize = 16 << 10

// pools holds idle parsers per language. A buffered channel rather than a sync.Pool: a
// parser owns C memory, and a sync.Pool drops idle items without a word, which would leak
// it; a parser that finds the pool full is closed instead.
var pools = func() map[string]chan *ts.Parser {
	m := make(map[string]chan *ts.Parser, len(specs))
	for l := range specs {
		m[l] = make(chan *ts.Parser, runtime.GOMAXPROCS(0))
	}
	return m
}()

// parse parses src as lang and returns its tree, which the caller must Close. It returns
// nil for an unknown language, a file over MaxSize, or a parse that timed out.
func parse(lang string, src []byte) *ts.Tree {
	sp, ok := specs[lang]
	if !ok || len(src) > MaxSize {
		return nil
	}
	p := getParser(lang, sp)
	if p == nil {
		return nil
	}
	n := len(src)
	tree := p.ParseWithOptions(func(i int, _ ts.Point) []byte {
		if i >= n {
			return nil
		}
		return src[i:min(i+chunkSize, n)]
	}, nil, nil)
	if tree == nil {
		// A halted parse resumes on the next call unless the parser is reset.
		p.Reset()
	}
	putParser(lang, p)
	return tree
}

func getParser(lang string, sp *spec) *ts.Parser {
	select {
	case p := <-pools[lang]:
		return p
	default:
	}
	p := ts.NewParser()
	if err := p.SetLanguage(sp.lang); err != nil {
		// Only an ABI mismatch between go-tree-sitter and a grammar fails here; the
		// package's tests parse every language, so a bad upgrade fails them first.
		p.Close()
		return nil
	}
	// The deprecated timeout rather than ParseOptions.ProgressCallback: go-tree-sitter
	// v0.25.0 saves the options in a global handle table and never releases them, so each
	// parse with a callback would leak, and the callback costs a cgo round trip every
	// hundred parser operations.
	p.SetTimeoutMicros(parseTimeout) //nolint:staticcheck // see above
	return p
}

func putParser(lang string, p *ts.Parser) {
	select {
	case pools[lang] <- p:
	default:
		p.Close()
	}
}
