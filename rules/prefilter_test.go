package rules

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

func TestPrefilterLiterals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern  string
		want     []string // nil: no prefilter
		wantFold bool
	}{
		{pattern: `return err$`, want: []string{"return err"}},
		{pattern: `\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`, want: []string{"AKIA", "ASIA"}},
		{pattern: `https?://`, want: []string{"http://", "https://"}},
		{pattern: `foo|bar`, want: []string{"bar", "foo"}},
		{pattern: `foo|.*`, want: nil},
		{pattern: `a*`, want: nil},
		{pattern: `.`, want: nil},
		{pattern: `(?:abc)+x`, want: []string{"abc"}},
		{pattern: `(?:abc)?x`, want: []string{"x"}},
		{pattern: `x{2,}`, want: []string{"x"}},
		{pattern: `(?i)select\s+\*`, want: []string{"select"}, wantFold: true},
		{pattern: `(?i:k)ey`, want: []string{"key"}, wantFold: true},
		{pattern: `\x{212A}elvin`, want: []string{"\u212Aelvin"}},
		{pattern: `(?i)\x{212A}elvin`, want: []string{"kelvin"}, wantFold: true},
		{pattern: `a\x{FFFD}b`, want: []string{"a"}},
		{pattern: `[^a]bc`, want: []string{"bc"}},
		{pattern: `gh[pousr]_`, want: []string{"gho_", "ghp_", "ghr_", "ghs_", "ghu_"}},
		{pattern: `(a|b)(c|d)(e|f)(g|h)(i|j)`, want: []string{
			"aceg", "aceh", "acfg", "acfh", "adeg", "adeh", "adfg", "adfh",
			"bceg", "bceh", "bcfg", "bcfh", "bdeg", "bdeh", "bdfg", "bdfh"}},
		{pattern: `(?i)a\x{FFFD}bc`, want: []string{"bc"}, wantFold: true},
		// More branches than any union may hold: the analysis must give up, not panic.
		{pattern: wideAlternation(17), want: nil},
		{pattern: wideAlternation(258), want: nil},
		{pattern: "(?:" + wideAlternation(300) + ")z", want: []string{"z"}},
	}
	for _, tt := range tests {
		name := tt.pattern
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// buildPrefilter, not newPrefilter: a panic must fail the test rather than
			// be absorbed by newPrefilter's safety net.
			p := buildPrefilter(tt.pattern)
			if tt.want == nil {
				if p != nil {
					t.Errorf("prefilter = %+v, want none", p)
				}
				return
			}
			if p == nil {
				t.Fatalf("no prefilter, want %q", tt.want)
			}
			if diff := cmp.Diff(tt.want, p.lits); diff != "" {
				t.Errorf("literals (-want +got):\n%s", diff)
			}
			if p.fold != tt.wantFold {
				t.Errorf("fold = %v, want %v", p.fold, tt.wantFold)
			}
		})
	}
}

// wideAlternation returns an alternation of n two-character words with distinct first
// characters, which nothing can factor: "一x|丁x|...".
func wideAlternation(n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = fmt.Sprintf("%cx", 0x4e00+i)
	}
	return strings.Join(words, "|")
}

func TestContainsFoldASCII(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s, sub string
		want   bool
	}{
		{"SELECT * FROM t", "select", true},
		{"xSeLeCtx", "select", true},
		{"selec", "select", false},
		{"", "a", false},
		{"abc", "", true},
		{"a_b", "a_b", true},
		{"A[B", "a{b", false}, // '[' and '{' differ by 0x20 but are not letters
	}
	for _, tt := range tests {
		t.Run(tt.s+"/"+tt.sub, func(t *testing.T) {
			t.Parallel()
			if got := containsFoldASCII(tt.s, tt.sub); got != tt.want {
				t.Errorf("containsFoldASCII(%q, %q) = %v, want %v", tt.s, tt.sub, got, tt.want)
			}
		})
	}
}

// soundnessPatterns are the built-in patterns plus shapes that stress the analysis.
func soundnessPatterns(t testing.TB) []string {
	pats := []string{
		`(?i)select\s+.*\bfrom\b`, `(?i)ſ`, `(?i)k+ey`, `(?i:KELVIN)|x{3}`, `a\x{FFFD}b`, `[\x{FFFD}]z`,
		`(?i)[k]ey`, `^\s*_\s*=\s*\w+\(`, `(foo|bar)?baz`, `(?:ab|cd)*ef`, `(?:a|b|c|d)(?:e|f|g|h)(?:i|j|k)`,
		`é+(?i:É)`, `(?i)straße`, `\bTODO\b`, `x(?:)y`, `a{3,5}b`, `(?U)a+?b`, `(?m)^a$`, `(?s)a.b`,
		`[[:upper:]]{2}Z`, `\pL+ö`, `(?i)ǅ`, `(?i)ΣΑΣ`,
	}
	builtin, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range builtin {
		if r.Pattern != "" {
			pats = append(pats, r.Pattern)
		}
	}
	return pats
}

// TestPrefilterSound generates lines that match each pattern, from its own syntax tree,
// wrapped in random context, plus fully random lines, and checks that Find agrees with
// the bare regexp on every one.
func TestPrefilterSound(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 11))
	for _, pat := range soundnessPatterns(t) {
		re := regexp.MustCompile(pat)
		tree, err := syntax.Parse(pat, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		tree = tree.Simplify()
		r := &Rule{ID: "t", Pattern: pat, Message: "m"}
		if err := r.Compile(); err != nil {
			t.Fatal(err)
		}
		matched := 0
		for i := 0; i < 400; i++ {
			var line string
			if i%4 == 3 {
				line = randomText(rng, 40)
			} else {
				line = randomText(rng, 8) + generate(rng, tree) + randomText(rng, 8)
			}
			want := re.FindStringIndex(line)
			start, end, ok := r.Find(line)
			if ok != (want != nil) || (ok && (start != want[0] || end != want[1])) {
				t.Fatalf("pattern %q, line %q: Find = %d, %d, %v; regexp = %v", pat, line, start, end, ok, want)
			}
			if ok {
				matched++
			}
		}
		if matched == 0 {
			t.Errorf("pattern %q: no generated line matched; the generator is not exercising it", pat)
		}
	}
}

var textRunes = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.,;:()[]{}\"'`=+*/\\#$%!?<>\téÉößſ\u212AΣσς")

func randomText(rng *rand.Rand, maxLen int) string {
	var b strings.Builder
	for n := rng.IntN(maxLen + 1); n > 0; n-- {
		if rng.IntN(50) == 0 {
			b.WriteByte(0xff) // invalid UTF-8
			continue
		}
		b.WriteRune(textRunes[rng.IntN(len(textRunes))])
	}
	return b.String()
}

// generate returns a random string the regexp node matches (anchors aside).
func generate(rng *rand.Rand, re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				orbit := []rune{r}
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					orbit = append(orbit, f)
				}
				r = orbit[rng.IntN(len(orbit))]
			}
			b.WriteRune(r)
		}
		return b.String()
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return ""
		}
		i := rng.IntN(len(re.Rune)/2) * 2
		lo, hi := re.Rune[i], re.Rune[i+1]
		if hi-lo > 200 {
			hi = lo + 200
		}
		return string(lo + rune(rng.IntN(int(hi-lo)+1)))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return string(textRunes[rng.IntN(len(textRunes))])
	case syntax.OpCapture:
		return generate(rng, re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 2
		switch re.Op {
		case syntax.OpPlus:
			lo, hi = 1, 3
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, max(re.Max, re.Min)+1
			if re.Max == -1 {
				hi = re.Min + 2
			}
		}
		var b strings.Builder
		for n := lo + rng.IntN(hi-lo+1); n > 0; n-- {
			b.WriteString(generate(rng, re.Sub[0]))
		}
		return b.String()
	case syntax.OpConcat:
		var b strings.Builder
		for _, s := range re.Sub {
			b.WriteString(generate(rng, s))
		}
		return b.String()
	case syntax.OpAlternate:
		return generate(rng, re.Sub[rng.IntN(len(re.Sub))])
	}
	return ""
}

// FuzzFind checks that the prefilter never changes what a pattern finds: Find must
// return exactly what the bare regexp returns, for any pattern and line.
func FuzzFind(f *testing.F) {
	builtin, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range builtin {
		for _, ex := range append(r.Examples.Bad, r.Examples.Good...) {
			f.Add(r.Pattern, ex)
		}
	}
	f.Add(`(?i)kelvin`, "\u212Aelvin")
	f.Add(`(?i)s`, "ſ")
	f.Add(`a\x{FFFD}b`, "a\xffb")
	f.Fuzz(func(t *testing.T, pattern, line string) {
		// Find never matches without a pattern (a rule without one is guidance only),
		// while the empty regexp matches everywhere. Long patterns only slow the fuzzer.
		if pattern == "" || len(pattern) > 300 {
			t.Skip()
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			t.Skip()
		}
		r := &Rule{ID: "fuzz", Pattern: pattern, Message: "m"}
		if err := r.Compile(); err != nil {
			t.Fatalf("Compile(%q): %v, but regexp.Compile accepts it", pattern, err)
		}
		want := re.FindStringIndex(line)
		start, end, ok := r.Find(line)
		if ok != (want != nil) || (ok && (start != want[0] || end != want[1])) {
			t.Fatalf("pattern %q, line %q: Find = %d, %d, %v; regexp = %v (prefilter %+v)",
				pattern, line, start, end, ok, want, r.matcher.pre)
		}
	})
}
