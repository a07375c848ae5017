//go:build cgo

package treesitter

import (
	"bytes"
	"runtime"
	"sync"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// available is true with cgo: every grammar of specs is compiled in.
const available = true

// timeout bounds the parse of n bytes, in microseconds: a second plus 3µs a byte. A
// megabyte of ordinary code parses in 0.1 to 1 s on a loaded two-core machine
// (BENCHMARKS.md), so the bound leaves room for load; what runs past it is hostile or
// pathological input, which the caller's fallback serves better than a wait. The clock is
// the wall's, as tree-sitter's is.
func timeout(n int) uint64 {
	micros := uint64(1_000_000)
	if n > 0 {
		micros += 3 * uint64(n)
	}
	return micros
}

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
	// The deprecated timeout rather than ParseOptions.ProgressCallback: go-tree-sitter
	// v0.25.0 saves the options in a global handle table and never releases them, so each
	// parse with a callback would leak, and the callback costs a cgo round trip every
	// hundred parser operations.
	p.SetTimeoutMicros(timeout(n)) //nolint:staticcheck // see above
	tree := p.ParseWithOptions(func(i int, _ ts.Point) []byte {
		if i >= n {
			return nil
		}
		return src[i:min(i+chunkSize, n)]
	}, nil, nil)
	if tree == nil {
		// A parse halted by the timeout leaves the parser unfit for reuse, even after
		// Reset: tree-sitter v0.25's ts_parser_reset does not clear the flag that says
		// balancing was cut short, so the next parse jumps to balancing a tree that reset
		// freed and fails an assertion (SIGABRT, seen in TestHostileInput).
		p.Close()
		return nil
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
	return p
}

func putParser(lang string, p *ts.Parser) {
	select {
	case pools[lang] <- p:
	default:
		p.Close()
	}
}

// last is the tree of the last source parsed. A caller asks about one file line after
// line (Enclosing for each hunk, then Constructor, then Header), and a parse costs far more
// than comparing the source: the tree is parsed once and handed out as clones, which share
// it and are closed by their callers. The cache owns its copy of the source, so a caller
// reusing its buffer for another file never gets a stale tree.
var last struct {
	mu     sync.Mutex
	lang   string
	src    []byte
	tree   *ts.Tree
	parses int // parses done, for tests
}

// parseCached is parse, through last: the caller Closes what it gets. The parse itself
// runs outside the lock, so that reviews on other files are not held up by it.
func parseCached(lang string, src []byte) *ts.Tree {
	last.mu.Lock()
	if last.tree != nil && last.lang == lang && bytes.Equal(last.src, src) {
		defer last.mu.Unlock()
		return last.tree.Clone()
	}
	last.parses++
	last.mu.Unlock()
	tree := parse(lang, src)
	if tree == nil {
		return nil
	}
	out := tree.Clone()
	last.mu.Lock()
	defer last.mu.Unlock()
	if last.tree != nil {
		last.tree.Close()
	}
	last.lang, last.src, last.tree = lang, bytes.Clone(src), tree
	return out
}
