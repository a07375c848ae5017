package reviewer

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
	"github.com/reviewerbot/reviewer/rules"
)

// secretPrefix marks the rules that also check files filtered for what their own lines say
// (a generated-code header, a minified line): the change under review wrote those lines,
// and must not be able to hide a leaked key behind them. Files left out by path (lock
// files, vendored trees, the operator's and the repository's ignore globs) stay out.
const secretPrefix = "secret-"

// runPatterns checks every added line of the reviewed files against the pattern rules that
// apply to the file, and the added lines of the self-declared generated or minified files
// (filtered) against the secret rules, and returns one finding per hit in file order, then line order, then rule
// order. Files are spread over the available processors: on a 100,000-line change the
// regexps are most of the pipeline's time.
func runPatterns(ctx context.Context, reviewed, filtered []*diff.File, set *rules.Set, red *masks) ([]Finding, error) {
	files := append(slices.Clip(reviewed), filtered...)
	out := make([][]Finding, len(files))
	workers := min(runtime.GOMAXPROCS(0), len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				rs := set.PatternRulesFor(files[i].Path())
				if i >= len(reviewed) {
					rs = secretRules(rs)
				}
				out[i] = filePatterns(files[i], rs, set, red)
			}
		})
	}
	var err error
	for i := range files {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	n := 0
	for _, fs := range out {
		n += len(fs)
	}
	all := make([]Finding, 0, n)
	for _, fs := range out {
		all = append(all, fs...)
	}
	return all, nil
}

func secretRules(rs []*rules.Rule) []*rules.Rule {
	var out []*rules.Rule
	for _, r := range rs {
		if strings.HasPrefix(r.ID, secretPrefix) {
			out = append(out, r)
		}
	}
	return out
}

// filePatterns runs rs, rules of set, on the added lines of one file. A rule with Secrets
// reports what the masker finds, so that a secret format is defined once, for masking and
// findings. A rule with ExcludeRegions skips the lines a RegionScanner, reading each hunk
// from its heading on, places in those regions.
func filePatterns(f *diff.File, rs []*rules.Rule, set *rules.Set, red *masks) []Finding {
	if len(rs) == 0 {
		return nil
	}
	var found []Finding
	var seen map[seenKey]int // occurrences of (rule, folded code) so far, for Fingerprint
	path := f.Path()
	secrets := fileSecrets(f, rs, red)
	regions := slices.ContainsFunc(rs, func(r *rules.Rule) bool { return r.ExcludeRegions != 0 })
	for hi := range f.Hunks {
		lines := f.Hunks[hi].Lines
		var scan *rules.RegionScanner
		if regions {
			scan = rules.NewRegionScanner(f.Hunks[hi].Section)
		}
		for li := range lines {
			l := &lines[li]
			if l.Kind == diff.Deleted {
				continue
			}
			var in rules.Regions
			if scan != nil {
				in = scan.Next(l.Content)
			}
			if l.Kind != diff.Added {
				continue
			}
			for _, r := range rs {
				if r.Excludes(in) {
					continue
				}
				var (
					start, end int
					ok         bool
				)
				if len(r.Secrets) > 0 {
					start, end, ok = secrets.find(hi, li, r)
				} else {
					start, end, ok = r.Find(l.Content)
				}
				if !ok || r.UnlessBlock != "" && r.VetoedByBlock(blockOpener(lines, li)) {
					continue
				}
				if seen == nil {
					seen = make(map[seenKey]int)
				}
				k := seenKey{r.ID, foldSpace(l.Content)}
				n := seen[k]
				seen[k] = n + 1
				found = append(found, Finding{
					Path:        path,
					Line:        l.NewLine,
					EndLine:     l.NewLine,
					Side:        SideNew,
					Column:      start + 1,
					EndColumn:   end + 1,
					Severity:    r.Severity,
					RuleID:      r.ID,
					Message:     r.Message,
					Source:      SourcePattern,
					SummaryOnly: !set.Inline(r),
					Fingerprint: Fingerprint(r.ID, path, l.Content, n),
				})
			}
		}
	}
	return found
}

// lineSecrets are the masker's finds in a file, by line, with the rule that reports each
// format.
type lineSecrets struct {
	byLine map[[2]int][]redact.Secret
	owners secretOwners
}

// fileSecrets runs the masker on f when one of rs reports its formats.
func fileSecrets(f *diff.File, rs []*rules.Rule, red *masks) lineSecrets {
	owners := newSecretOwners(rs)
	if owners.empty() {
		return lineSecrets{}
	}
	_, found := red.file(f)
	ls := lineSecrets{owners: owners}
	for _, s := range found {
		if s.Index < 0 {
			continue
		}
		if ls.byLine == nil {
			ls.byLine = map[[2]int][]redact.Secret{}
		}
		k := [2]int{s.Hunk, s.Index}
		ls.byLine[k] = append(ls.byLine[k], s)
	}
	return ls
}

// find returns the first secret on line li of hunk hi that r reports.
func (ls lineSecrets) find(hi, li int, r *rules.Rule) (start, end int, ok bool) {
	for _, s := range ls.byLine[[2]int{hi, li}] {
		if ls.owners.of(s.Rule) == r {
			return s.Start, s.End, true
		}
	}
	return 0, 0, false
}

// secretOwners says which rule reports a format of the masker: the first rule (by id)
// that names it, else the first that says "*" when the format is a token format. The
// structural detectors (secret-assignment masks "changeme" after password=) cast a net
// right for masking but too wide for a finding, so only a rule that names one reports it.
type secretOwners struct {
	named map[string]*rules.Rule
	star  *rules.Rule
}

func newSecretOwners(rs []*rules.Rule) secretOwners {
	var o secretOwners
	for _, r := range rs {
		for _, id := range r.Secrets {
			if id == "*" {
				if o.star == nil {
					o.star = r
				}
				continue
			}
			if o.named == nil {
				o.named = map[string]*rules.Rule{}
			}
			if _, ok := o.named[id]; !ok {
				o.named[id] = r
			}
		}
	}
	return o
}

func (o secretOwners) empty() bool { return o.star == nil && len(o.named) == 0 }

func (o secretOwners) of(format string) *rules.Rule {
	if r, ok := o.named[format]; ok {
		return r
	}
	if o.star != nil && tokenFormats()[format] && !builtinNamed()[format] {
		return o.star
	}
	return nil
}

// builtinNamed are the formats a built-in rule names: "*" leaves them to that rule even
// where it is disabled, so that disabling secret-github-token silences GitHub tokens
// rather than moving them to the catch-all.
var builtinNamed = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	rs, err := rules.Builtin()
	if err != nil {
		panic(err) // the embedded rules are tested
	}
	for _, r := range rs {
		for _, id := range r.Secrets {
			m[id] = true
		}
	}
	return m
})

// tokenFormats are the masker's formats of a token's own shape: gitleaks' and its
// additions, not the structural detectors.
var tokenFormats = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, f := range redact.Formats() {
		if f.Source != "structure" {
			m[f.ID] = true
		}
	}
	return m
})

// CheckRuleExamples checks a rule against its examples (rules.Rule.CheckExamples): a rule
// with Secrets through the masker, as the review runs it, so `reviewer rules test` and
// the review agree.
func CheckRuleExamples(r *rules.Rule) error {
	if len(r.Secrets) == 0 {
		return r.CheckExamples()
	}
	red := redact.New()
	owners := newSecretOwners([]*rules.Rule{r})
	known := map[string]bool{}
	for _, f := range redact.Formats() {
		known[f.ID] = true
	}
	var errs []error
	for _, id := range r.Secrets {
		if id != "*" && !known[id] {
			errs = append(errs, fmt.Errorf("rule %s: secrets: %q is none of the masker's formats", r.ID, id))
		}
	}
	errs = append(errs, r.CheckExamplesWith(func(line string) (int, int, bool) {
		_, found := red.String(line)
		for _, s := range found {
			if owners.of(s.Rule) == r {
				return s.Start, s.End, true
			}
		}
		return 0, 0, false
	}))
	return errors.Join(errs...)
}

type seenKey struct{ rule, code string }

// blockOpener returns the line that opens the block lines[i] is in, as far as the hunk
// shows: the nearest line above it, not deleted and not blank, that is indented less. It
// returns "" when the hunk shows none.
func blockOpener(lines []diff.Line, i int) string {
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " \t")) }
	own := indent(lines[i].Content)
	for j := i - 1; j >= 0; j-- {
		l := lines[j].Content
		if lines[j].Kind == diff.Deleted || strings.TrimSpace(l) == "" {
			continue
		}
		if indent(l) < own {
			return l
		}
	}
	return ""
}

// boundByRules holds each model finding that cites a rule of set to that rule: its
// severity at most the rule's (a model cannot turn an info rule into a failing error),
// and the rule's placement (a summary-only rule's finding is not posted inline either).
// A finding citing no rule, or an id the set does not hold, keeps what the model said.
func boundByRules(fs []Finding, set *rules.Set) []Finding {
	for i := range fs {
		if fs[i].RuleID == "" {
			continue
		}
		r := set.Rule(fs[i].RuleID)
		if r == nil {
			continue
		}
		fs[i].Severity = min(fs[i].Severity, r.Severity)
		fs[i].SummaryOnly = !set.Inline(r)
	}
	return fs
}
