package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// matcher is a rule's compiled form: its globs sorted into fast shapes, and its pattern
// with a literal prefilter.
type matcher struct {
	paths   globSet // empty Paths compiles to all
	exclude globSet
	re      *regexp.Regexp // nil without a pattern
	pre     *prefilter     // nil when no sound prefilter exists
	unless  *regexp.Regexp // nil without Unless
	block   *regexp.Regexp // nil without UnlessBlock
}

// globSet is a list of doublestar globs sorted by shape, so that the common shapes are
// matched with a string comparison instead of doublestar.Match.
//
// Glob semantics are doublestar's: "*" and "?" never cross a "/", and "**/" matches zero
// or more whole directories, so "**/*.go" matches "main.go" at the root as well as
// "a/b/c.go", while "*.go" matches only files at the root. Paths are slash-separated
// and relative to the repository root, without a leading "./" or "/".
type globSet struct {
	all      bool     // "**" or "**/*": every path
	suffixes []string // "**/*<suffix>", suffix without "/" or glob syntax: the path ends with suffix
	bases    []string // "**/<name>": the last element is name
	literals []string // no glob syntax: the path itself
	prefixes []string // "<dir>/**": dir itself or anything below it
	dirs     []string // "**/<dir>/**": a path with dir as one of its elements, not the last
	globs    []string // anything else, for doublestar.Match
}

const globMeta = `*?[]{}\`

func compileGlobs(globs []string) globSet {
	var g globSet
	for _, p := range globs {
		switch {
		case p == "**" || p == "**/*":
			g.all = true
		case strings.HasPrefix(p, "**/*") && !strings.ContainsAny(p[4:], globMeta+"/"):
			g.suffixes = append(g.suffixes, p[4:])
		case strings.HasPrefix(p, "**/") && strings.HasSuffix(p, "/**") && len(p) > 6 &&
			!strings.ContainsAny(p[3:len(p)-3], globMeta+"/"):
			g.dirs = append(g.dirs, p[3:len(p)-3])
		case strings.HasPrefix(p, "**/") && !strings.ContainsAny(p[3:], globMeta+"/"):
			g.bases = append(g.bases, p[3:])
		case strings.HasSuffix(p, "/**") && !strings.ContainsAny(p[:len(p)-3], globMeta):
			g.prefixes = append(g.prefixes, p[:len(p)-3])
		case !strings.ContainsAny(p, globMeta):
			g.literals = append(g.literals, p)
		default:
			g.globs = append(g.globs, p)
		}
	}
	return g
}

func (g *globSet) match(path string) bool {
	if g.all {
		return true
	}
	for _, s := range g.suffixes {
		if strings.HasSuffix(path, s) {
			return true
		}
	}
	if len(g.bases) > 0 {
		base := path[strings.LastIndexByte(path, '/')+1:]
		for _, b := range g.bases {
			if base == b {
				return true
			}
		}
	}
	for _, l := range g.literals {
		if path == l {
			return true
		}
	}
	for _, d := range g.prefixes {
		if strings.HasPrefix(path, d) && (len(path) == len(d) || path[len(d)] == '/') {
			return true
		}
	}
	for _, d := range g.dirs {
		if hasDir(path, d) {
			return true
		}
	}
	for _, p := range g.globs {
		// The globs were validated when the rule was parsed, so Match cannot fail.
		if ok, _ := doublestar.Match(p, path); ok {
			return true
		}
	}
	return false
}

// hasDir reports whether dir is one of path's elements. doublestar's "**/d/**" also
// matches a path that ends in d, since "/**" matches zero elements.
func hasDir(path, dir string) bool {
	for i := 0; i+len(dir) <= len(path); {
		j := strings.Index(path[i:], dir)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(dir)
		if (j == 0 || path[j-1] == '/') && (end == len(path) || path[end] == '/') {
			return true
		}
		i = j + 1
	}
	return false
}

// extKeys returns the extensions (as ext returns them) of every path the set can match,
// or ok false when the set may match paths of any extension.
func (g *globSet) extKeys() (keys []string, ok bool) {
	if g.all || len(g.globs) > 0 || len(g.prefixes) > 0 || len(g.dirs) > 0 {
		return nil, false
	}
	for _, s := range g.suffixes {
		i := strings.LastIndexByte(s, '.')
		if i < 0 {
			// "**/*_test" matches "a.b_test", whose extension is ".b_test".
			return nil, false
		}
		keys = append(keys, s[i:])
	}
	for _, b := range g.bases {
		keys = append(keys, ext(b))
	}
	for _, l := range g.literals {
		keys = append(keys, ext(l))
	}
	return keys, true
}

// ext returns the extension of the last element of path, from its last dot, or "".
func ext(path string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	if i := strings.LastIndexByte(base, '.'); i >= 0 {
		return base[i:]
	}
	return ""
}

// Compile validates the rule's globs and pattern and prepares them for AppliesTo and
// Find. Parse, Load, Builtin and LoadRepo return compiled rules; call Compile on a Rule
// built by hand, and again after changing its Paths, Exclude or Pattern. Compile is not
// safe to call while other goroutines use the rule.
func (r *Rule) Compile() error {
	m, err := compileMatcher(r)
	if err != nil {
		return fmt.Errorf("rule %s: %w", r.ID, err)
	}
	r.matcher = m
	return nil
}

func compileMatcher(r *Rule) (*matcher, error) {
	for _, list := range [][]string{r.Paths, r.Exclude} {
		for _, g := range list {
			if !doublestar.ValidatePattern(g) {
				return nil, fmt.Errorf("bad glob %q", g)
			}
		}
	}
	m := &matcher{paths: compileGlobs(r.Paths), exclude: compileGlobs(r.Exclude)}
	if len(r.Paths) == 0 {
		m.paths.all = true
	}
	if r.Pattern != "" {
		re, err := compilePattern(r.Pattern)
		if err != nil {
			return nil, err
		}
		m.re = re
		m.pre = newPrefilter(r.Pattern)
	}
	if r.Unless != "" {
		re, err := compilePattern(r.Unless)
		if err != nil {
			return nil, fmt.Errorf("unless: %w", err)
		}
		m.unless = re
	}
	if r.UnlessBlock != "" {
		re, err := compilePattern(r.UnlessBlock)
		if err != nil {
			return nil, fmt.Errorf("unless_block: %w", err)
		}
		m.block = re
	}
	return m, nil
}

func compilePattern(p string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("bad regexp: %w", err)
	}
	return re, nil
}

// compiled returns the rule's matcher, compiling a throwaway one for a rule that was
// built by hand and never compiled (slow, but correct and free of data races). It
// returns nil when the rule does not compile.
func (r *Rule) compiled() *matcher {
	if r.matcher != nil {
		return r.matcher
	}
	m, err := compileMatcher(r)
	if err != nil {
		return nil
	}
	return m
}

// AppliesTo reports whether the rule covers the file at path: path matches one of Paths
// (or Paths is empty) and none of Exclude. path is slash-separated and relative to the
// repository root. See globSet for the glob semantics; in short "**/*.go" matches
// "main.go" at the root too, "*.go" matches only root files.
func (r *Rule) AppliesTo(path string) bool {
	m := r.compiled()
	if m == nil {
		return false
	}
	return m.paths.match(path) && !m.exclude.match(path)
}

// Find matches the rule's pattern against the content of one added line (without the
// leading "+" and without the line ending) and returns the byte offsets of the leftmost
// match. A rule without a pattern never matches, and a line that also matches the rule's
// Unless regexp is no match.
//
// Most lines never reach the regexp: a prefilter derived from the pattern's syntax
// first looks for literal text any match must contain (see prefilter).
func (r *Rule) Find(line string) (start, end int, ok bool) {
	m := r.compiled()
	if m == nil || m.re == nil {
		return 0, 0, false
	}
	if m.pre != nil && !m.pre.match(line) {
		return 0, 0, false
	}
	loc := m.re.FindStringIndex(line)
	if loc == nil || m.unless != nil && m.unless.MatchString(line) {
		return 0, 0, false
	}
	return loc[0], loc[1], true
}

// VetoedByBlock reports whether the rule's UnlessBlock matches opener, the line that opens
// the block of a hit ("" when the hunk does not show one).
func (r *Rule) VetoedByBlock(opener string) bool {
	m := r.compiled()
	return m != nil && m.block != nil && opener != "" && m.block.MatchString(opener)
}
