package scope

import (
	"bytes"
	"cmp"
	"iter"
	"math"
	"slices"
	"strings"
)

// Related code: the other places of the file that the changed lines name. A reviewer who
// reads "this.redirect(referrer)" opens redirect; one who reads a load of STATE looks for
// where STATE is stored. The changed lines' identifiers are looked up in the rest of the
// file, and the scopes around their other occurrences are ranked like a search engine
// ranks documents: an identifier the file uses on few lines says more than one on many
// (inverse document frequency), and a scope whose first lines declare the identifier (its
// signature) counts twice. The best few are shown after the enclosing scopes, as the
// budget allows.

const (
	// maxRelatedLines is the longest scope shown whole as related code; a longer one is
	// shown as a window around the occurrence.
	maxRelatedLines = 60
	// relatedWindow is how many lines either side of an occurrence such a window shows.
	relatedWindow = 6
	// maxRelatedDF leaves out identifiers on more lines of the file than this: keywords
	// and the file's common names say nothing about where to look.
	maxRelatedDF = 24
	// maxRelatedOccurrences bounds the scope lookups of one file.
	maxRelatedOccurrences = 200
	// maxRelatedNames is how many of a span's shared names its label lists.
	maxRelatedNames = 3
)

// keywords are the reserved words and the names every program uses, of the languages the
// parsers know: a search engine's stop words. In a small file even "return" is on few
// lines, and would look telling.
var keywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		if else elif elsif unless for foreach while do loop until switch case default break continue
		return yield goto defer go select range match when then end begin rescue ensure raise throw
		throws try catch except finally with as in is not and or of new delete typeof instanceof
		func fn function def lambda class struct enum interface trait impl type union module mod
		package import from export require include using namespace extends implements super
		var let const mut static final public private protected internal abstract virtual override
		async await self this Self cls nil null None undefined true false True False void
		int uint int8 int16 int32 int64 uint8 uint16 uint32 uint64 float float32 float64 double long
		short char byte bool boolean string str String Object object any err error pass print
		pub crate where unsafe ref move dyn sizeof auto register extern inline volatile typedef`) {
		m[w] = true
	}
	return m
}()

// identifiers returns the identifiers of line that can point somewhere: runs of ASCII
// letters, digits and underscores that start with a letter or underscore, at least two
// bytes long, and no keyword.
func identifiers(line []byte, out []string) []string {
	for i, j := range words(line) {
		if w := line[i:j]; pointer(w) {
			out = append(out, string(w))
		}
	}
	return out
}

// pointer reports whether word w, a run of word bytes, is an identifier that can point
// somewhere: it starts with a letter or underscore, is at least two bytes long, and is
// no keyword.
func pointer(w []byte) bool {
	c := w[0]
	return len(w) >= 2 && (c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') && !keywords[string(w)]
}

// HasWord reports whether name is a whole word of line: a run of word bytes (letters,
// digits, _) of its own, as identifiers are read here.
func HasWord(line, name string) bool {
	b := []byte(line)
	for i, j := range words(b) {
		if string(b[i:j]) == name {
			return true
		}
	}
	return false
}

// words yields the start and end of each run of word bytes (letters, digits, _) of line.
func words(line []byte) iter.Seq2[int, int] {
	return func(yield func(int, int) bool) {
		for i := 0; i < len(line); {
			if !isWord(line[i]) {
				i++
				continue
			}
			j := i
			for j < len(line) && isWord(line[j]) {
				j++
			}
			if !yield(i, j) {
				return
			}
			i = j
		}
	}
}

type relatedScope struct {
	span  [2]int
	score float64
	names map[string]float64
}

// related returns up to limit spans of lines, outside the spans already chosen (taken),
// that use the identifiers of the changed lines and of the removed ones, best first, with
// Rank set from 1.
func related(f finder, lines *lineIndex, changed []int, removed []string, taken []Span, maxLines, limit int) []Span {
	n := lines.count()
	if limit <= 0 || len(changed)+len(removed) == 0 {
		return nil
	}
	// taken is merge's result: sorted and disjoint, so a binary search finds the one
	// span that may hold l. A scan of them all, for each occurrence, made a file of many
	// small changed functions cost their number squared.
	inTaken := func(l int) bool {
		i, _ := slices.BinarySearchFunc(taken, l, func(s Span, l int) int { return cmp.Compare(s.End, l) })
		return i < len(taken) && taken[i].Start <= l
	}
	var buf []string
	wanted := map[string]bool{}
	for _, l := range changed {
		for _, id := range identifiers(lines.line(l), buf[:0]) {
			wanted[id] = true
		}
	}
	for _, l := range removed {
		for _, id := range identifiers([]byte(l), buf[:0]) {
			wanted[id] = true
		}
	}
	if len(wanted) == 0 {
		return nil
	}
	// The lines of the file each wanted identifier is on, once per line. Words are looked
	// up as bytes, which allocates nothing for the many that are not wanted.
	on := map[string][]int{}
	for l := 1; l <= n; l++ {
		line := lines.line(l)
		for i, j := range words(line) {
			if wanted[string(line[i:j])] {
				id := string(line[i:j])
				if ls := on[id]; len(ls) == 0 || ls[len(ls)-1] != l {
					on[id] = append(ls, l)
				}
			}
		}
	}
	ids := make([]string, 0, len(wanted))
	for id := range wanted {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a stable order, so equal scores rank the same on every run
	found := map[[2]int]*relatedScope{}
	lookups := 0
	for _, id := range ids {
		ls := on[id]
		if len(ls) > maxRelatedDF {
			continue
		}
		weight := math.Log(1 + float64(n)/float64(len(ls)))
		for _, l := range ls {
			if lookups >= maxRelatedOccurrences {
				break
			}
			if inTaken(l) {
				continue
			}
			lookups++
			sp, whole := relatedSpan(f, l, n, maxLines)
			rs := found[sp]
			if rs == nil {
				rs = &relatedScope{span: sp, names: map[string]float64{}}
				found[sp] = rs
			}
			w := weight
			if whole && l == signature(lines, sp) && declared(lines.line(l)) == id {
				w *= 2 // the scope declares it: its definition
			}
			if w > rs.names[id] {
				rs.score += w - rs.names[id]
				rs.names[id] = w
			}
		}
	}
	ranked := make([]*relatedScope, 0, len(found))
	for _, rs := range found {
		ranked = append(ranked, rs)
	}
	slices.SortFunc(ranked, func(a, b *relatedScope) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.span[0], b.span[0]))
	})
	var out []Span
	for _, rs := range ranked {
		if len(out) == limit {
			break
		}
		if overlapsAny(rs.span, out) {
			continue
		}
		out = append(out, Span{Start: rs.span[0], End: rs.span[1], Kind: KindRelated, Rank: len(out) + 1, Names: topNames(rs.names)})
	}
	return out
}

// relatedSpan is what is shown around occurrence l: the outermost scope that fits
// maxRelatedLines (and maxLines), and true; else a window around l, and false.
func relatedSpan(f finder, l, n, maxLines int) ([2]int, bool) {
	limit := min(maxRelatedLines, maxLines)
	for _, s := range f.scopes(l) {
		s = [2]int{max(s[0], 1), min(s[1], n)}
		if s[0] <= l && l <= s[1] && s[1]-s[0]+1 <= limit {
			return s, true
		}
	}
	return [2]int{max(1, l-relatedWindow), min(n, l+relatedWindow)}, false
}

// signature returns the first line of span s that is neither blank nor a comment (a Go
// declaration's span starts at its doc comment): the line that names what s declares.
func signature(lines *lineIndex, s [2]int) int {
	for l := s[0]; l <= s[1]; l++ {
		t := strings.TrimSpace(string(lines.line(l)))
		if t == "" || isComment(t) {
			continue
		}
		return l
	}
	return s[0]
}

// declared returns the name a signature line declares: the first identifier followed by
// "(", "=", ":" or "{" (a function, a variable, a class), or by a generic's parameters
// and then "(" (fn set<F>(...)), else the first identifier. Parameter names and types
// after it are not what the line declares.
func declared(line []byte) string {
	first := ""
	for i, j := range words(line) {
		if !pointer(line[i:j]) {
			continue
		}
		id := string(line[i:j])
		if first == "" {
			first = id
		}
		k := skipSpace(line, j)
		switch {
		case k < len(line) && line[k] == '<':
			// A generic: a function's (set<F>(...)) when a parenthesis follows its
			// parameters, else a type (List<T> name), and the words after it go on.
			end := bytes.IndexByte(line[k:], '>')
			if end < 0 {
				return id
			}
			if after := skipSpace(line, k+end+1); after >= len(line) || bytes.IndexByte([]byte("({:"), line[after]) >= 0 {
				return id
			}
		case k < len(line) && bytes.IndexByte([]byte("(=:{"), line[k]) >= 0:
			return id
		}
	}
	return first
}

func skipSpace(line []byte, j int) int {
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	return j
}

// isComment reports whether a trimmed line starts as a comment does in the languages the
// parsers know, or goes on with a block comment ("* ...").
func isComment(t string) bool {
	for _, p := range []string{"//", "#", "/*", "*", "--", ";"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

func overlapsAny(s [2]int, spans []Span) bool {
	for _, o := range spans {
		if s[0] <= o.End && o.Start <= s[1] {
			return true
		}
	}
	return false
}

// topNames lists the names that weigh most, heaviest first, joined for the label: those
// that weigh at least half what the heaviest does.
func topNames(names map[string]float64) string {
	heaviest := 0.0
	for _, w := range names {
		heaviest = max(heaviest, w)
	}
	ids := make([]string, 0, len(names))
	for id, w := range names {
		if w >= heaviest/2 {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(cmp.Compare(names[b], names[a]), strings.Compare(a, b)) })
	if len(ids) > maxRelatedNames {
		ids = ids[:maxRelatedNames]
	}
	return strings.Join(ids, ", ")
}
