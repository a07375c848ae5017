package rules

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A prefilter is a set of literal strings at least one of which occurs in every line the
// pattern matches. Find runs the regexp only on lines that contain one of them, which
// skips the regexp for nearly every line: Go's regexp costs far more per call than a
// substring search.
//
// The literals are derived from the pattern's syntax tree (regexp/syntax, simplified),
// bottom-up. For each node the analysis knows
//
//   - exact: the complete, small set of strings the node can match, when there is one
//     ("abc" -> {abc}; "https?" -> {http, https}; "[KS]" -> {K, S});
//   - req: a set of strings one of which every match of the node contains.
//
// A concatenation multiplies the exact sets of adjacent exact parts (so "A(?:KIA|SIA)"
// yields {AKIA, ASIA}) and picks the most selective candidate among those products and
// its parts' requirements; an alternation needs a requirement from every branch and
// takes their union; x+ and x{n,} with n >= 1 keep x's requirement; x*, x? and
// x{0,n} require nothing.
//
// Soundness comes first: a prefilter must never reject a line the regexp matches
// (FuzzFind checks this against the bare regexp). Two corners need care:
//
//   - Case folding. (?i) literals are folded the way RE2 folds them, through
//     unicode.SimpleFold orbits, which join 'k' with the Kelvin sign U+212A and 's' with
//     the long s U+017F. Folded literals are stored in canonical form (a rune whose
//     orbit holds an ASCII letter becomes that letter in lower case) and matched
//     ASCII-case-insensitively, and only on pure-ASCII lines; a line with any non-ASCII
//     byte skips a folding prefilter and goes straight to the regexp.
//   - Invalid UTF-8. The regexp reads a bad byte as U+FFFD, so a literal holding U+FFFD
//     is never used.
type prefilter struct {
	lits []string
	fold bool // match lits ASCII-case-insensitively; lits are in canonical lower case
}

// Limits that keep the analysis and the prefilter small. Past them a node counts as
// "not exact" or "no requirement", which is always sound.
const (
	maxExact       = 16 // strings in an exact set
	maxClass       = 8  // runes of a character class expanded into an exact set
	maxLiterals    = 16 // strings a prefilter checks per line
	maxSelectivity = 12 // see selectivity
)

// newPrefilter returns the prefilter for a pattern, or nil when the pattern has no
// sound literal requirement (then every line goes to the regexp).
//
// The prefilter is only a speed-up, and patterns come from the repository under review:
// should the analysis ever fail on a pattern (a bug, which FuzzParse and FuzzFind hunt
// for by calling buildPrefilter directly), the rule runs without a prefilter, which is
// always sound, rather than failing the whole review.
func newPrefilter(pattern string) (p *prefilter) {
	defer func() {
		if recover() != nil {
			p = nil
		}
	}()
	return buildPrefilter(pattern)
}

// buildPrefilter is newPrefilter without the safety net.
func buildPrefilter(pattern string) *prefilter {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	set := analyze(re.Simplify()).best()
	if set == nil || len(set.strs) == 0 || len(set.strs) > maxLiterals {
		return nil
	}
	return &prefilter{lits: minimal(set.strs), fold: set.fold}
}

// match reports whether line may match: it contains one of the literals.
func (p *prefilter) match(line string) bool {
	if p.fold {
		for i := 0; i < len(line); i++ {
			if line[i] >= utf8.RuneSelf {
				return true
			}
		}
		for _, l := range p.lits {
			if containsFoldASCII(line, l) {
				return true
			}
		}
		return false
	}
	for _, l := range p.lits {
		if strings.Contains(line, l) {
			return true
		}
	}
	return false
}

// containsFoldASCII reports whether s contains sub, ignoring ASCII case. sub is in
// lower case; a non-ASCII byte in sub never matches an ASCII s.
func containsFoldASCII(s, sub string) bool {
	n := len(sub)
	if n == 0 {
		return true
	}
	c0, u0 := sub[0], upperASCII(sub[0])
	for i := 0; i+n <= len(s); i++ {
		if b := s[i]; b != c0 && b != u0 {
			continue
		}
		j := 1
		for ; j < n; j++ {
			if lowerASCII(s[i+j]) != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func upperASCII(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - ('a' - 'A')
	}
	return b
}

// litSet is a set of strings; fold marks strings in canonical folded form, to be matched
// case-insensitively.
type litSet struct {
	strs []string
	fold bool
}

// info is what the analysis knows about one node.
type info struct {
	// exact, when not nil, holds every string the node can match.
	exact *litSet
	// cands are requirements: for each, every string the node matches contains one
	// of its strings. Each is usable (no empty string).
	cands []*litSet
}

// all returns every requirement known for the node: its candidates, and its exact set
// when usable.
func (in info) all() []*litSet {
	if in.exact != nil && usable(in.exact) {
		return append([]*litSet{in.exact}, in.cands...)
	}
	return in.cands
}

// best returns the most selective requirement for the node, or nil.
func (in info) best() *litSet {
	var b *litSet
	for _, c := range in.all() {
		if b == nil || better(c, b) {
			b = c
		}
	}
	return b
}

// usable reports whether a set can serve as a requirement: an empty string in it would
// be contained in every line.
func usable(s *litSet) bool {
	return len(s.strs) > 0 && !slices.Contains(s.strs, "")
}

var emptyOnly = info{exact: &litSet{strs: []string{""}}}

func analyze(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return emptyOnly
	case syntax.OpLiteral:
		s, fold := string(re.Rune), re.Flags&syntax.FoldCase != 0
		if fold {
			s = canonFold(s)
		}
		if strings.ContainsRune(s, utf8.RuneError) {
			// U+FFFD also matches any invalid byte: only the pieces around it are
			// literal.
			var out info
			for _, piece := range strings.Split(s, string(utf8.RuneError)) {
				if piece != "" {
					out.cands = append(out.cands, &litSet{strs: []string{piece}, fold: fold})
				}
			}
			return out
		}
		return info{exact: &litSet{strs: []string{s}, fold: fold}}
	case syntax.OpCharClass:
		return classInfo(re.Rune)
	case syntax.OpCapture:
		return analyze(re.Sub[0])
	case syntax.OpPlus:
		return info{cands: analyze(re.Sub[0]).all()}
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return info{cands: analyze(re.Sub[0]).all()}
		}
		return info{}
	case syntax.OpQuest:
		sub := analyze(re.Sub[0])
		if sub.exact == nil {
			return info{}
		}
		u, ok := union(sub.exact, emptyOnly.exact, maxExact)
		if !ok {
			return info{}
		}
		return info{exact: u}
	case syntax.OpConcat:
		return concatInfo(re.Sub)
	case syntax.OpAlternate:
		return alternateInfo(re.Sub)
	}
	// OpAnyChar, OpAnyCharNotNL, OpStar, OpNoMatch: nothing known.
	return info{}
}

// classInfo expands a small character class into an exact set of one-rune strings.
// Under (?i) the parser has already added the other cases to the class.
func classInfo(ranges []rune) info {
	n := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i] <= utf8.RuneError && utf8.RuneError <= ranges[i+1] {
			return info{}
		}
		n += int(ranges[i+1]-ranges[i]) + 1
		if n > maxClass {
			return info{}
		}
	}
	strs := make([]string, 0, n)
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			strs = append(strs, string(r))
		}
	}
	return info{exact: &litSet{strs: strs}}
}

// concatInfo multiplies runs of adjacent exact parts. Every run, and every prefix of a
// run, is a contiguous piece of any match, so each is a sound candidate; so is each
// part's own requirement.
func concatInfo(subs []*syntax.Regexp) info {
	var out info
	run := emptyOnly.exact
	allExact := true
	keep := func(s *litSet) {
		if s != nil && usable(s) {
			out.cands = append(out.cands, s)
		}
	}
	for _, sub := range subs {
		in := analyze(sub)
		if in.exact == nil {
			allExact = false
			keep(run)
			run = emptyOnly.exact
			out.cands = append(out.cands, in.cands...)
			continue
		}
		keep(in.exact)
		next, ok := cross(run, in.exact)
		if !ok {
			// Too many combinations: what was multiplied so far is one candidate,
			// and a new run starts with this part.
			allExact = false
			keep(run)
			run = in.exact
			continue
		}
		if len(next.strs) > len(run.strs) {
			keep(run) // a prefix with fewer strings may be the better filter
		}
		run = next
	}
	keep(run)
	if allExact {
		out.exact = run
	}
	return out
}

// alternateInfo needs a requirement from every branch and takes their union. When the
// union of each branch's best requirement has too many strings, it falls back to each
// branch's smallest one.
func alternateInfo(subs []*syntax.Regexp) info {
	var out info
	exact := &litSet{}
	exactOK := true
	ins := make([]info, len(subs))
	for i, sub := range subs {
		ins[i] = analyze(sub)
		if exactOK && ins[i].exact != nil {
			exact, exactOK = union(exact, ins[i].exact, maxExact)
		} else {
			exactOK = false
		}
	}
	if exactOK {
		out.exact = exact
	}
	if u := budgetUnion(ins); u != nil {
		out.cands = append(out.cands, u)
	}
	return out
}

// budgetUnion picks one requirement per branch so that their union stays within
// maxLiterals strings. A union is only as selective as its weakest string, so it tries
// selectivity thresholds from the highest down and, for the first one every branch can
// meet within the budget, takes each branch's requirement with the fewest strings
// among those meeting it. It returns nil when a branch has no requirement or nothing
// fits.
func budgetUnion(ins []info) *litSet {
	var levels []int
	for _, in := range ins {
		if len(in.all()) == 0 {
			return nil
		}
		for _, c := range in.all() {
			levels = append(levels, weakest(c.strs))
		}
	}
	slices.Sort(levels)
	levels = slices.Compact(levels)
	for i := len(levels) - 1; i >= 0; i-- {
		u, total := &litSet{}, 0
		for _, in := range ins {
			var pick *litSet
			for _, c := range in.all() {
				if weakest(c.strs) >= levels[i] && (pick == nil || len(c.strs) < len(pick.strs)) {
					pick = c
				}
			}
			if pick == nil {
				total = maxLiterals + 1
				break
			}
			// Stop as soon as the level is over budget: past it the union is never
			// used, and union gives up (nil, false) on a set that grows too large.
			total += len(pick.strs)
			var ok bool
			if u, ok = union(u, pick, maxLiterals); !ok || total > maxLiterals {
				total = maxLiterals + 1
				break
			}
		}
		if total <= maxLiterals {
			return u
		}
	}
	return nil
}

// better reports whether a is the more selective requirement: its weakest string is
// rarer (up to a cap), then it has fewer strings, then its weakest string is longer.
func better(a, b *litSet) bool {
	wa, wb := weakest(a.strs), weakest(b.strs)
	if wa != wb {
		return wa > wb
	}
	if len(a.strs) != len(b.strs) {
		return len(a.strs) < len(b.strs)
	}
	return minLen(a.strs) > minLen(b.strs)
}

// weakest returns the selectivity of the set's least selective string.
func weakest(strs []string) int {
	w := -1
	for _, s := range strs {
		if v := selectivity(s); w < 0 || v < w {
			w = v
		}
	}
	return max(w, 0)
}

// selectivity estimates how rarely a literal occurs in source code: punctuation and
// spaces that fill every line count 1, lower-case letters 2, anything else 3; past
// maxSelectivity a literal is selective enough and longer stops counting.
func selectivity(s string) int {
	n := 0
	for i := 0; i < len(s) && n < maxSelectivity; i++ {
		switch b := s[i]; {
		case strings.IndexByte(" \t,;()=.:{}[]\"'", b) >= 0:
			n++
		case 'a' <= b && b <= 'z':
			n += 2
		default:
			n += 3
		}
	}
	return min(n, maxSelectivity)
}

func minLen(strs []string) int {
	n := -1
	for _, s := range strs {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return max(n, 0)
}

// cross returns every concatenation of a string of a with a string of b, or false when
// there would be more than maxExact.
func cross(a, b *litSet) (*litSet, bool) {
	if len(a.strs)*len(b.strs) > maxExact {
		return nil, false
	}
	fold := a.fold || b.fold
	as, bs := foldAll(a, fold), foldAll(b, fold)
	out := &litSet{fold: fold, strs: make([]string, 0, len(as)*len(bs))}
	for _, x := range as {
		for _, y := range bs {
			out.strs = append(out.strs, x+y)
		}
	}
	out.strs = dedup(out.strs)
	return out, true
}

// union returns the strings of a and b, or false when there would be more than limit.
func union(a, b *litSet, limit int) (*litSet, bool) {
	fold := a.fold || b.fold
	strs := dedup(append(foldAll(a, fold), foldAll(b, fold)...))
	if len(strs) > limit {
		return nil, false
	}
	return &litSet{strs: strs, fold: fold}, true
}

// foldAll returns s's strings, in canonical folded form when fold is set. Matching a
// case-sensitive literal case-insensitively only lets more lines through, which is
// sound.
func foldAll(s *litSet, fold bool) []string {
	if !fold || s.fold {
		return slices.Clone(s.strs)
	}
	out := make([]string, len(s.strs))
	for i, x := range s.strs {
		out[i] = canonFold(x)
	}
	return out
}

// canonFold maps each rune whose simple-fold orbit holds an ASCII letter to that letter
// in lower case ("K", "k" and the Kelvin sign all become "k"); other runes are kept.
func canonFold(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(canonRune(r))
	}
	return b.String()
}

func canonRune(r rune) rune {
	for f := unicode.SimpleFold(r); ; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return unicode.ToLower(f)
		}
		if f == r {
			return r
		}
	}
}

func dedup(strs []string) []string {
	slices.Sort(strs)
	return slices.Compact(strs)
}

// minimal drops every string that contains another string of the set: a line holding
// the longer one holds the shorter one too.
func minimal(strs []string) []string {
	var out []string
	for i, s := range strs {
		redundant := false
		for j, t := range strs {
			if i != j && strings.Contains(s, t) && (len(t) < len(s) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, s)
		}
	}
	return out
}
