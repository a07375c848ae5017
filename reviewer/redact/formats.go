package redact

import (
	_ "embed"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/zricethezav/gitleaks/v8/config"
)

// formats.toml holds the formats gitleaks' default rules lack or find only beside a
// telling name, in gitleaks' own config format, so that both read the same way.
//
//go:embed formats.toml
var extraFormats string

// skippedRules are gitleaks rules the masker leaves out, each for a reason.
var skippedRules = map[string]string{
	// The assignment detector (assign.go) does this job knowing config files from code
	// and references from literals; gitleaks' rule masks most lines that say "key" or
	// "token" beside a word of ten characters.
	"generic-api-key": "assignments",
	// privatekey.go and keybody.go follow a key block across lines and keep its BEGIN
	// and END lines readable.
	"private-key": "key blocks",
	// A path rule: Withheld decides about files by path.
	"pkcs12-file": "path",
	// Spans lines (kind: Secret ... data:): the base64 detector decodes the values.
	"kubernetes-secret-yaml": "multi-line",
}

// Format is one secret format the masker knows: the ID is the rule name in placeholders
// and Secrets, and the name pattern rules refer to (rules.Rule.Secrets).
type Format struct {
	ID          string
	Description string
	// Source is "gitleaks" for a rule of gitleaks' default config, "reviewer" for one of
	// formats.toml, and "structure" for the detectors that follow a line's structure
	// (key blocks, URL credentials, assignments, base64).
	Source string
}

// format is a compiled rule: gitleaks' config.Rule, which holds the regexp, the secret
// group, the entropy floor and the allowlists.
type format struct {
	rule   config.Rule
	source string
	// minLen is the fewest bytes a match takes, from the regexp's syntax tree: a shorter
	// line cannot hold one.
	minLen int
}

// ruleSet is the compiled table of formats with gitleaks' keyword prefilter: a rule's
// regexp runs only on a line that holds one of its keywords, in any case. The keywords
// are found for all rules in one pass over the line that looks closer only where two
// bytes begin a keyword (pairs), which is cheaper than a trie walk on code, where most
// byte pairs begin none.
type ruleSet struct {
	formats []format
	// keywords are lower-case; byKeyword[k] are the formats that name keywords[k].
	keywords  []string
	byKeyword [][]int
	// pairs maps the first two bytes of a keyword, in any case, to an index into byPair,
	// the keywords that start so; 0 for a pair that starts none, which most do.
	pairs  *[1 << 16]uint16
	byPair []pairEntry
	// always are the formats without keywords, run on every line.
	always []int
	global []*config.Allowlist
	// minLen is the least of the formats' minLen: shorter lines (a brace, "return nil")
	// skip the scan.
	minLen int
}

// tomlConfig is the part of gitleaks' config format the masker reads. It is decoded here
// rather than by gitleaks' loader, which goes through viper's global instance.
type tomlConfig struct {
	Allowlist  *tomlAllowlist  `toml:"allowlist"`
	Allowlists []tomlAllowlist `toml:"allowlists"`
	Rules      []tomlRule      `toml:"rules"`
}

type tomlRule struct {
	ID          string          `toml:"id"`
	Description string          `toml:"description"`
	Regex       string          `toml:"regex"`
	Path        string          `toml:"path"`
	SecretGroup int             `toml:"secretGroup"`
	Entropy     float64         `toml:"entropy"`
	Keywords    []string        `toml:"keywords"`
	SkipReport  bool            `toml:"skipReport"`
	Allowlist   *tomlAllowlist  `toml:"allowlist"`
	Allowlists  []tomlAllowlist `toml:"allowlists"`
}

type tomlAllowlist struct {
	Description string   `toml:"description"`
	Condition   string   `toml:"condition"`
	RegexTarget string   `toml:"regexTarget"`
	Regexes     []string `toml:"regexes"`
	StopWords   []string `toml:"stopwords"`
	Paths       []string `toml:"paths"`
	Commits     []string `toml:"commits"`
	TargetRules []string `toml:"targetRules"`
}

// defaultRules is the masker's table: gitleaks' default rules less skippedRules, then
// formats.toml. It is compiled once, on first use.
var defaultRules = sync.OnceValues(func() (*ruleSet, error) {
	return compileRuleSet(map[string]string{"gitleaks": config.DefaultConfig, "reviewer": extraFormats})
})

// Formats lists every format the masker knows, in the order placeholders are tried:
// gitleaks' rules, then this package's additions, then the structural detectors.
func Formats() []Format {
	rs, err := defaultRules()
	if err != nil {
		panic(err) // the embedded tables are tested
	}
	out := make([]Format, 0, len(rs.formats)+len(structural))
	for _, f := range rs.formats {
		out = append(out, Format{ID: f.rule.RuleID, Description: f.rule.Description, Source: f.source})
	}
	return append(out, structural...)
}

// structural are the detectors that follow a line's or a block's structure rather than a
// token's shape.
var structural = []Format{
	{ID: "private-key", Description: "A private key block (PEM, OpenSSH, PGP), followed across lines", Source: "structure"},
	{ID: "url-password", Description: "The password of scheme://user:password@host", Source: "structure"},
	{ID: "aws-secret-access-key", Description: "A value assigned to an AWS secret access key's name", Source: "structure"},
	{ID: "secret-assignment", Description: "A literal assigned to a secret-looking name (password, token, api_key, ...)", Source: "structure"},
	{ID: "high-entropy-value", Description: "A long high-entropy value of KEY=value in a config file", Source: "structure"},
	{ID: "base64-secret", Description: "Base64 that decodes to a key block, credentials or another format", Source: "structure"},
	{ID: "unscannable-line", Description: "A line too contrived to scan within the work budget, masked whole", Source: "structure"},
}

func compileRuleSet(sources map[string]string) (*ruleSet, error) {
	rs := &ruleSet{pairs: new([1 << 16]uint16), byPair: []pairEntry{{}}}
	seen := map[string]bool{}
	kwIndex := map[string]int{}
	for _, source := range []string{"gitleaks", "reviewer"} {
		text, ok := sources[source]
		if !ok {
			continue
		}
		var c tomlConfig
		if err := toml.Unmarshal([]byte(text), &c); err != nil {
			return nil, fmt.Errorf("%s rules: %w", source, err)
		}
		globals := c.Allowlists
		if c.Allowlist != nil {
			globals = append(globals, *c.Allowlist)
		}
		targeted := map[string][]*config.Allowlist{}
		for i, a := range globals {
			al, err := compileAllowlist(a)
			if err != nil {
				return nil, fmt.Errorf("%s rules: allowlist %d: %w", source, i, err)
			}
			if al == nil {
				continue
			}
			if len(a.TargetRules) == 0 {
				rs.global = append(rs.global, al)
			}
			for _, id := range a.TargetRules {
				targeted[id] = append(targeted[id], al)
			}
		}
		for _, tr := range c.Rules {
			if _, skip := skippedRules[tr.ID]; skip && source == "gitleaks" {
				continue
			}
			if tr.Regex == "" || tr.SkipReport {
				continue // a path rule, or a part of a composite rule
			}
			if seen[tr.ID] {
				return nil, fmt.Errorf("%s rules: rule %s: defined twice", source, tr.ID)
			}
			seen[tr.ID] = true
			f, err := compileFormat(tr, targeted[tr.ID])
			if err != nil {
				return nil, fmt.Errorf("%s rules: %w", source, err)
			}
			f.source = source
			n := len(rs.formats)
			rs.formats = append(rs.formats, f)
			if n == 0 || f.minLen < rs.minLen {
				rs.minLen = f.minLen
			}
			if len(f.rule.Keywords) == 0 {
				rs.always = append(rs.always, n)
			}
			for _, k := range f.rule.Keywords {
				if len(k) < 2 {
					return nil, fmt.Errorf("%s rules: rule %s: keyword %q: want two bytes or more", source, tr.ID, k)
				}
				ki, ok := kwIndex[k]
				if !ok {
					ki = len(rs.keywords)
					kwIndex[k] = ki
					rs.keywords = append(rs.keywords, k)
					rs.byKeyword = append(rs.byKeyword, nil)
					for _, a := range foldings(k[0]) {
						for _, b := range foldings(k[1]) {
							p := uint16(a)<<8 | uint16(b)
							if rs.pairs[p] == 0 {
								if len(rs.byPair) == 1<<16 {
									return nil, fmt.Errorf("%s rules: too many keyword starts", source)
								}
								rs.pairs[p] = uint16(len(rs.byPair)) //nolint:gosec // len(rs.byPair) < 1<<16, checked just above
								rs.byPair = append(rs.byPair, pairEntry{})
							}
							e := &rs.byPair[rs.pairs[p]]
							e.kws = append(e.kws, ki)
							if len(k) == 2 {
								e.short = true
							} else {
								e.third[k[2]>>6] |= 1 << (k[2] & 63)
							}
						}
					}
				}
				rs.byKeyword[ki] = append(rs.byKeyword[ki], n)
			}
		}
	}
	return rs, nil
}

// gitleaksEnd is how gitleaks' generated rules end a token: whitespace, a quote, a
// semicolon, an escaped newline or the end of the text. A token in a file name
// (ghp_….txt), in prose ("it was dapi…, ask ops") or in a path (/dapi…/) ends otherwise,
// so the masker widens the set to the punctuation that ends a token there.
const (
	gitleaksEnd = `(?:[\x60'"\s;]|\\[nr]|$)`
	widerEnd    = `(?:[\x60'"\s;,.:!?)\]}>/|&<]|\\[nr]|$)`
)

func compileFormat(tr tomlRule, extra []*config.Allowlist) (format, error) {
	re, err := regexp.Compile(strings.ReplaceAll(tr.Regex, gitleaksEnd, widerEnd))
	if err != nil {
		return format{}, fmt.Errorf("rule %s: %w", tr.ID, err)
	}
	r := config.Rule{RuleID: tr.ID, Description: tr.Description, Regex: re, SecretGroup: tr.SecretGroup, Entropy: tr.Entropy}
	if tr.Path != "" {
		// The rule reads a syntax of some files only (Terraform, PHP, YAML); text with no
		// path (titles, descriptions) is none of them.
		if r.Path, err = regexp.Compile(tr.Path); err != nil {
			return format{}, fmt.Errorf("rule %s: path: %w", tr.ID, err)
		}
	}
	for _, k := range tr.Keywords {
		r.Keywords = append(r.Keywords, strings.ToLower(k))
	}
	als := tr.Allowlists
	if tr.Allowlist != nil {
		als = append(als, *tr.Allowlist)
	}
	for i, a := range als {
		al, err := compileAllowlist(a)
		if err != nil {
			return format{}, fmt.Errorf("rule %s: allowlist %d: %w", tr.ID, i, err)
		}
		if al != nil {
			r.Allowlists = append(r.Allowlists, al)
		}
	}
	r.Allowlists = append(r.Allowlists, extra...)
	if err := r.Validate(); err != nil {
		return format{}, err
	}
	tree, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil {
		return format{}, fmt.Errorf("rule %s: %w", tr.ID, err)
	}
	return format{rule: r, minLen: minMatchLen(tree.Simplify())}, nil
}

// minMatchLen is the fewest bytes a match of re takes (a lower bound: a character class
// counts one byte).
func minMatchLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			n += utf8.RuneLen(r)
		}
		return n
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minMatchLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minMatchLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n += minMatchLen(sub)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, sub := range re.Sub {
			if m := minMatchLen(sub); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0 // empty-width assertions, stars, quests, empty matches
}

// compileAllowlist builds gitleaks' allowlist. Commit and path entries are dropped: a path
// allowlist says where a finding is not worth a report, but here the question is what may
// leave the machine, and masking costs nothing. An allowlist left with no check is nil.
func compileAllowlist(a tomlAllowlist) (*config.Allowlist, error) {
	al := &config.Allowlist{Description: a.Description, StopWords: a.StopWords}
	switch strings.ToUpper(a.Condition) {
	case "AND", "&&":
		// An AND allowlist with a path or commit check never holds without them.
		if len(a.Paths) > 0 || len(a.Commits) > 0 {
			return nil, nil
		}
		al.MatchCondition = config.AllowlistMatchAnd
	case "", "OR", "||":
	default:
		return nil, fmt.Errorf("condition %q: want and or or", a.Condition)
	}
	switch a.RegexTarget {
	case "", "secret":
	case "match", "line":
		al.RegexTarget = a.RegexTarget
	default:
		return nil, fmt.Errorf("regexTarget %q: want secret, match or line", a.RegexTarget)
	}
	for _, x := range a.Regexes {
		re, err := regexp.Compile(x)
		if err != nil {
			return nil, err
		}
		al.Regexes = append(al.Regexes, re)
	}
	if len(al.Regexes) == 0 && len(al.StopWords) == 0 {
		return nil, nil
	}
	if err := al.Validate(); err != nil {
		return nil, err
	}
	return al, nil
}

// pairEntry lists the keywords that start with one pair of bytes, and which third bytes
// (lower-cased) they go on with, so that most places where a pair of common letters
// starts a keyword ("ke", "pa") are passed over without comparing keywords.
type pairEntry struct {
	// short is set when a keyword is the pair itself ("s.", "ey"): any third byte goes.
	short bool
	third [4]uint64
	kws   []int
}

func (e *pairEntry) goesOn(c byte) bool { return e.short || e.third[c>>6]&(1<<(c&63)) != 0 }

// formatScan is the per-scanner state of ruleSet.find: buffers reused line after line.
type formatScan struct {
	hit   []bool
	order []int
}

// lower folds ASCII letters to lower case.
var lower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i + 'a' - 'A')
		}
	}
	return t
}()

// foldings returns c in both cases, or c alone when it is not a letter.
func foldings(c byte) []byte {
	if 'a' <= c && c <= 'z' {
		return []byte{c, c - 'a' + 'A'}
	}
	return []byte{c}
}

// hasFoldPrefix reports whether s starts with kw, a lower-case keyword, in any case.
func hasFoldPrefix(s, kw string) bool {
	if len(s) < len(kw) {
		return false
	}
	for i := 0; i < len(kw); i++ {
		if lower[s[i]] != kw[i] {
			return false
		}
	}
	return true
}

// find appends the spans of every format found in s, a line of the file at path ("" for
// text that is no file's).
func (rs *ruleSet) find(s, path string, fs *formatScan, spans []span, work *int) []span {
	if len(s) < rs.minLen {
		return spans
	}
	if len(fs.hit) != len(rs.formats) {
		fs.hit = make([]bool, len(rs.formats))
	}
	fs.order = append(fs.order[:0], rs.always...)
	pairs := rs.pairs
	for i := 0; i+1 < len(s); i++ {
		x := pairs[uint16(s[i])<<8|uint16(s[i+1])]
		if x == 0 {
			continue
		}
		e := &rs.byPair[x]
		if !e.short && (i+2 >= len(s) || !e.goesOn(lower[s[i+2]])) {
			continue
		}
		for _, k := range e.kws {
			if hasFoldPrefix(s[i:], rs.keywords[k]) {
				for _, f := range rs.byKeyword[k] {
					if !fs.hit[f] {
						fs.hit[f] = true
						fs.order = append(fs.order, f)
					}
				}
			}
		}
	}
	if len(fs.order) > len(rs.always) {
		slices.Sort(fs.order[len(rs.always):])
	}
	for _, i := range fs.order {
		fs.hit[i] = false
		if p := rs.formats[i].rule.Path; p != nil && (path == "" || !p.MatchString(path)) || len(s) < rs.formats[i].minLen {
			continue
		}
		// Each regexp is linear in the line; the charge lets some sixty formats run on
		// one line before the budget masks it whole, where a line naming every keyword
		// would cost hundreds of passes.
		*work -= len(s)/8 + 1
		spans = rs.formats[i].find(s, rs.global, spans)
	}
	return spans
}

// find matches one format as gitleaks' detector does: the secret is the rule's secret
// group or else its first non-empty group, it must pass the entropy floor, and neither the
// global nor the rule's allowlists may hold it.
func (f *format) find(s string, global []*config.Allowlist, spans []span) []span {
	r := &f.rule
	for _, m := range r.Regex.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[0], m[1]
		if r.SecretGroup > 0 {
			if 2*r.SecretGroup+1 < len(m) && m[2*r.SecretGroup] >= 0 {
				start, end = m[2*r.SecretGroup], m[2*r.SecretGroup+1]
			}
		} else {
			for g := 1; 2*g+1 < len(m); g++ {
				if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
					start, end = m[2*g], m[2*g+1]
					break
				}
			}
		}
		if end <= start || isPlaceholderAt(s, start) {
			continue
		}
		secret := s[start:end]
		if r.Entropy != 0 && entropy(secret) <= r.Entropy {
			continue
		}
		if allowed(global, secret, s[m[0]:m[1]], s) || allowed(r.Allowlists, secret, s[m[0]:m[1]], s) {
			continue
		}
		spans = append(spans, span{start, end, r.RuleID, prioToken})
	}
	return spans
}

// allowed mirrors gitleaks' check of a finding against allowlists, without commits and
// paths (see compileAllowlist).
func allowed(als []*config.Allowlist, secret, match, line string) bool {
	for _, a := range als {
		target := secret
		switch a.RegexTarget {
		case "match":
			target = match
		case "line":
			target = line
		}
		re := a.RegexAllowed(target)
		stop, _ := a.ContainsStopWord(secret)
		if a.MatchCondition == config.AllowlistMatchAnd {
			if (len(a.Regexes) == 0 || re) && (len(a.StopWords) == 0 || stop) {
				return true
			}
			continue
		}
		if re || stop {
			return true
		}
	}
	return false
}
