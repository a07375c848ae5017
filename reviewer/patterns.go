package reviewer

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/reviewerbot/reviewer/reviewer/diff"
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
func runPatterns(ctx context.Context, reviewed, filtered []*diff.File, set *rules.Set) ([]Finding, error) {
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
				out[i] = filePatterns(files[i], rs, set)
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

// filePatterns runs rs, rules of set, on the added lines of one file. A rule with
// ExcludeRegions skips the lines a RegionScanner, reading each hunk from its heading on,
// places in those regions.
func filePatterns(f *diff.File, rs []*rules.Rule, set *rules.Set) []Finding {
	if len(rs) == 0 {
		return nil
	}
	var found []Finding
	var seen map[seenKey]int // occurrences of (rule, folded code) so far, for Fingerprint
	path := f.Path()
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
				start, end, ok := r.Find(l.Content)
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
