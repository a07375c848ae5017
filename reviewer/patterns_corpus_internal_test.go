package reviewer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
	"github.com/reviewerbot/reviewer/rules"
)

// The pattern corpus (testdata/corpus, see its README) holds every finding the built-in
// pattern rules made on real history ranges of public repositories, each with a few
// lines of its diff and a label: would a good human reviewer post it as a line comment?

// corpusRepo is one file of the corpus: the findings on one history range.
type corpusRepo struct {
	Repo         string          `json:"repo"`
	URL          string          `json:"url"`
	License      string          `json:"license"`
	Base         string          `json:"base"`
	Head         string          `json:"head"`
	Commits      int             `json:"commits"`
	AddedLines   int             `json:"added_lines"`
	DeletedLines int             `json:"deleted_lines"`
	Findings     []corpusFinding `json:"findings"`
}

type corpusFinding struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`
	Rule   string `json:"rule"`
	Label  bool   `json:"label"`
	Reason string `json:"reason"`
	// Excerpt is one hunk: its @@ header (with the section heading git gives a hunk
	// starting there) and the lines around the finding, as they are in the diff.
	Excerpt []string `json:"excerpt"`
}

// ruleScore is how one rule does on the corpus today.
type ruleScore struct {
	tp, fp   int // still found: labelled true, labelled false
	lost     int // labelled true and no longer found
	dropped  int // labelled false and no longer found
	findings int // found, for the rate per changed lines
}

func (s ruleScore) precision() (float64, bool) {
	if s.tp+s.fp == 0 {
		return 0, false
	}
	return float64(s.tp) / float64(s.tp+s.fp), true
}

// minPrecision is what a rule posted inline by default must reach on the corpus, once it
// has minJudged findings there: one or two findings say too little to demote a rule (a
// single false hit would put it at 0), so such a rule is reported but not judged.
const (
	minPrecision = 0.9
	minJudged    = 3
)

func loadCorpus(t *testing.T) []corpusRepo {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no corpus files in testdata/corpus (%v)", err)
	}
	var out []corpusRepo
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var r corpusRepo
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, f := range r.Findings {
			if f.Path == "" || f.Line <= 0 || f.Rule == "" || strings.TrimSpace(f.Reason) == "" || len(f.Excerpt) < 2 {
				t.Fatalf("%s: finding %d is missing its path, line, rule, reason or excerpt", name, i)
			}
		}
		out = append(out, r)
	}
	return out
}

// excerptDiff turns a corpus finding into a one-file, one-hunk unified diff.
func excerptDiff(f corpusFinding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n", f.Path, f.Path, f.Path, f.Path)
	for _, l := range f.Excerpt {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// scoreCorpus runs the pattern stage with set on every excerpt of the corpus and scores
// each rule the corpus names. An excerpt that no longer parses is an error.
func scoreCorpus(t *testing.T, corpus []corpusRepo, set *rules.Set) map[string]*ruleScore {
	t.Helper()
	scores := map[string]*ruleScore{}
	for _, repo := range corpus {
		for _, f := range repo.Findings {
			files, err := diff.Parse([]byte(excerptDiff(f)))
			if err != nil {
				t.Fatalf("%s %s:%d: excerpt does not parse: %v", repo.Repo, f.Path, f.Line, err)
			}
			got, err := runPatterns(t.Context(), files, nil, set, newMasks(redact.New()))
			if err != nil {
				t.Fatal(err)
			}
			found := slices.ContainsFunc(got, func(g Finding) bool { return g.RuleID == f.Rule && g.Line == f.Line })
			s := scores[f.Rule]
			if s == nil {
				s = &ruleScore{}
				scores[f.Rule] = s
			}
			switch {
			case found && f.Label:
				s.tp++
			case found:
				s.fp++
			case f.Label:
				s.lost++
			default:
				s.dropped++
			}
			if found {
				s.findings++
			}
		}
	}
	return scores
}

// corpusProblems lists what fails the corpus test: a rule posted inline by default under
// minPrecision with at least minJudged findings, a finding labelled right that the rules no longer make, and a corpus
// entry of a rule the set does not hold.
func corpusProblems(scores map[string]*ruleScore, set *rules.Set) []string {
	var out []string
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range scores {
			if !yield(id) {
				return
			}
		}
	}) {
		s := scores[id]
		r := set.Rule(id)
		if r == nil {
			out = append(out, fmt.Sprintf("%s: the corpus has findings of a rule the built-in set does not hold (relabel or drop them)", id))
			continue
		}
		if p, ok := s.precision(); ok && set.Inline(r) && s.tp+s.fp >= minJudged && p < minPrecision {
			out = append(out, fmt.Sprintf("%s: precision %.2f (%d right of %d) is under %.1f and the rule is posted inline: make it smarter or mark it inline: false",
				id, p, s.tp, s.tp+s.fp, minPrecision))
		}
		if s.lost > 0 {
			out = append(out, fmt.Sprintf("%s: %d findings labelled right are no longer found", id, s.lost))
		}
	}
	return out
}

func TestPatternCorpus(t *testing.T) {
	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet(builtin, rules.Settings{})
	corpus := loadCorpus(t)
	scores := scoreCorpus(t, corpus, set)

	changed := 0
	for _, r := range corpus {
		changed += r.AddedLines + r.DeletedLines
	}
	var b strings.Builder
	fmt.Fprintf(&b, "corpus: %d repositories, %d changed lines\n", len(corpus), changed)
	fmt.Fprintf(&b, "| rule | inline | labelled right / found | precision | findings per 10,000 changed lines | no longer found (labelled wrong) |\n|---|---|---|---|---|---|\n")
	for _, r := range set.Rules {
		s, ok := scores[r.ID]
		if !ok {
			continue
		}
		p, measured := s.precision()
		ps := "n/a"
		if measured {
			ps = fmt.Sprintf("%.2f", p)
			if s.tp+s.fp < minJudged {
				ps += " (too few to judge)"
			}
		}
		fmt.Fprintf(&b, "| %s | %v | %d / %d | %s | %.2f | %d |\n", r.ID, set.Inline(r), s.tp, s.tp+s.fp, ps,
			float64(s.findings)*10000/float64(changed), s.dropped)
	}
	t.Log("\n" + b.String())
	for _, p := range corpusProblems(scores, set) {
		t.Error(p)
	}
}

// TestCorpusProblems checks that the corpus test can fail: a rule that flags every line is
// under the bar when posted inline, a rule with too few findings is not judged, and a rule
// that no longer finds a labelled-right line is reported.
func TestCorpusProblems(t *testing.T) {
	hunk := []string{"@@ -1,1 +1,4 @@", " x", "+hit", "+hit", "+hit"}
	corpus := []corpusRepo{{Repo: "x/y", Findings: []corpusFinding{
		{Path: "a.go", Line: 2, Rule: "all", Label: true, Reason: "r", Excerpt: hunk},
		{Path: "a.go", Line: 3, Rule: "all", Label: false, Reason: "r", Excerpt: hunk},
		{Path: "a.go", Line: 4, Rule: "all", Label: false, Reason: "r", Excerpt: hunk},
		{Path: "a.go", Line: 2, Rule: "few", Label: false, Reason: "r", Excerpt: hunk},
		{Path: "a.go", Line: 3, Rule: "few", Label: false, Reason: "r", Excerpt: hunk},
		{Path: "a.go", Line: 2, Rule: "none", Label: true, Reason: "r", Excerpt: hunk},
	}}}
	mk := func(id, pattern string, summaryOnly bool) *rules.Rule {
		r := &rules.Rule{ID: id, Pattern: pattern, Message: "m", SummaryOnly: summaryOnly}
		if err := r.Compile(); err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name string
		set  *rules.Set
		want []string
	}{
		{"inline rule under the bar, too few to judge, lost finding",
			rules.NewSet([]*rules.Rule{mk("all", "hit", false), mk("few", "hit", false), mk("none", "nothing", false)}, rules.Settings{}),
			[]string{"all: precision 0.33", "none: 1 findings labelled right"}},
		{"summary-only rule may be under the bar",
			rules.NewSet([]*rules.Rule{mk("all", "hit", true), mk("few", "hit", false), mk("none", "hit", false)}, rules.Settings{}),
			nil},
		{"the repository asks for it inline",
			rules.NewSet([]*rules.Rule{mk("all", "hit", true), mk("few", "hit", false), mk("none", "hit", false)}, rules.Settings{Inline: []string{"all"}}),
			[]string{"all: precision 0.33"}},
		{"rule gone",
			rules.NewSet([]*rules.Rule{mk("all", "nothing", true), mk("few", "hit", true)}, rules.Settings{}),
			[]string{"all: 1 findings labelled right", "none: the corpus has findings of a rule"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := corpusProblems(scoreCorpus(t, corpus, tt.set), tt.set)
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %q, want %d starting %q", got, len(tt.want), tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want it to start %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
