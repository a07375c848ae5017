// Package learn turns dismissals of the bot's findings into proposed edits of the
// repository's rules files. What to propose is counted from the evidence, never asked
// of a model: how many people dismissed a rule's findings, for which reason, and where
// the findings were.
package learn

import (
	"cmp"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/rules"
)

// Dismissal is one person's dismissal of one finding, the evidence learning counts.
// Everything in it but the times is untrusted: paths come from a change, words from a
// person in a thread.
type Dismissal struct {
	Forge, Repo string
	Change      int
	RuleID      string
	Path        string
	Line        int
	// Thread names the thread on the forge (GitHub comment id, GitLab discussion id).
	Thread string
	Who    string
	Words  string
	At     time.Time
}

// Thresholds say how much evidence a proposal needs.
type Thresholds struct {
	// MinDismissals is the least number of dismissals of a rule for one reason.
	MinDismissals int
	// MinPeople is the least number of distinct people among them.
	MinPeople int
	// Window is how far back dismissals count; 0 counts all.
	Window time.Duration
}

// DefaultThresholds are those of the learn.* config keys' defaults.
var DefaultThresholds = Thresholds{MinDismissals: 3, MinPeople: 2, Window: 90 * 24 * time.Hour}

// Reason is why people dismissed a rule's findings, read from their words.
type Reason int

const (
	// ReasonOther is words that say neither of the others.
	ReasonOther Reason = iota
	// ReasonFalsePositive says the rule is wrong about this code ("false positive",
	// "intended", "by design", "does not apply", "ignore this").
	ReasonFalsePositive
	// ReasonNotABug says the finding is right but not worth acting on ("not a bug",
	// "won't fix", "accepted risk").
	ReasonNotABug
)

func (r Reason) String() string {
	switch r {
	case ReasonFalsePositive:
		return "false positive"
	case ReasonNotABug:
		return "not a bug"
	}
	return "other"
}

var reasonPhrases = []struct {
	re     *regexp.Regexp
	reason Reason
}{
	{regexp.MustCompile(`(?i)\bfalse[ -]positives?\b`), ReasonFalsePositive},
	{regexp.MustCompile(`(?i)\b(intended|intentional|deliberate|on\s+purpose|by\s+design)\b`), ReasonFalsePositive},
	{regexp.MustCompile(`(?i)\bnot\s+applicable\b|\bdoes\s*n[o']t\s+apply\b|\bignore\b|/ignore\b|/dismiss\b`), ReasonFalsePositive},
	{regexp.MustCompile(`(?i)\bnot\s+(a|an)\s+(bug|issue|problem)\b`), ReasonNotABug},
	{regexp.MustCompile(`(?i)\bwon'?t\s+fix\b|\bwontfix\b|\bwill\s+not\s+fix\b|\bnot\s+going\s+to\s+fix\b`), ReasonNotABug},
	{regexp.MustCompile(`(?i)\b(acceptable|accepted)\s+risk\b|\baccept\s+(this|the)\s+risk\b`), ReasonNotABug},
}

// maxReasonText bounds the words read for a reason.
const maxReasonText = 2000

// ReadReason reads why words dismiss a finding: the phrase said first wins, so "not a
// bug, it is intended" is ReasonNotABug.
func ReadReason(words string) Reason {
	if len(words) > maxReasonText {
		words = words[:maxReasonText]
	}
	best, at := ReasonOther, len(words)+1
	for _, p := range reasonPhrases {
		if loc := p.re.FindStringIndex(words); loc != nil && loc[0] < at {
			best, at = p.reason, loc[0]
		}
	}
	return best
}

// Kind is what a proposal changes in a rule.
type Kind int

const (
	// KindExclude adds a glob to the rule's exclude list: its dismissed findings were all
	// in files the glob selects.
	KindExclude Kind = iota + 1
	// KindSeverity lowers the rule's severity one step: most said its findings were not
	// bugs.
	KindSeverity
	// KindExample adds the dismissed places to a "Do not flag" section of the rule's
	// text, for the model: the findings were spread and called false positives.
	KindExample
)

func (k Kind) String() string {
	switch k {
	case KindExclude:
		return "exclude"
	case KindSeverity:
		return "severity"
	case KindExample:
		return "example"
	}
	return "none"
}

// Proposal is one edit of one rule and the evidence for it.
type Proposal struct {
	RuleID string
	Kind   Kind
	Reason Reason
	// Exclude is the glob KindExclude adds.
	Exclude string
	// From and To are the severities of KindSeverity.
	From, To rules.Severity
	// Evidence are the dismissals counted for it, oldest first.
	Evidence []Dismissal
}

// People are the distinct people in p's evidence, sorted.
func (p Proposal) People() []string { return people(p.Evidence) }

func people(ds []Dismissal) []string {
	var out []string
	for _, d := range ds {
		if !slices.Contains(out, d.Who) {
			out = append(out, d.Who)
		}
	}
	slices.Sort(out)
	return out
}

// Decide proposes at most one edit of rule r from the dismissals of its findings ds
// (others' are skipped), counting only those at or after now minus the window:
//
//  1. The dismissals are grouped by Reason; the largest group (ties to false positive,
//     then not a bug) is the evidence, and it must meet the thresholds in dismissals
//     and distinct people. ReasonOther teaches nothing.
//  2. When every dismissed finding was in files one glob selects (a test-file glob, or
//     the deepest directory they share) that the rule does not exclude yet: KindExclude.
//  3. Else, when the reason is not a bug and the rule is above info: KindSeverity.
//  4. Else, for false positives: KindExample.
func Decide(r *rules.Rule, ds []Dismissal, th Thresholds, now time.Time) (Proposal, bool) {
	groups := map[Reason][]Dismissal{}
	for _, d := range ds {
		if d.RuleID != r.ID || (th.Window > 0 && d.At.Before(now.Add(-th.Window))) {
			continue
		}
		reason := ReadReason(d.Words)
		groups[reason] = append(groups[reason], d)
	}
	reason := ReasonFalsePositive
	if len(groups[ReasonNotABug]) > len(groups[ReasonFalsePositive]) {
		reason = ReasonNotABug
	}
	ev := groups[reason]
	if len(ev) == 0 || len(ev) < th.MinDismissals || len(people(ev)) < th.MinPeople {
		return Proposal{}, false
	}
	ev = slices.Clone(ev)
	slices.SortStableFunc(ev, func(a, b Dismissal) int { return a.At.Compare(b.At) })
	p := Proposal{RuleID: r.ID, Reason: reason, Evidence: ev}
	if glob, ok := clusterGlob(ev, r.Exclude); ok {
		p.Kind, p.Exclude = KindExclude, glob
		return p, true
	}
	if reason == ReasonNotABug && r.Severity > rules.SeverityInfo {
		p.Kind, p.From, p.To = KindSeverity, r.Severity, r.Severity-1
		return p, true
	}
	if reason == ReasonFalsePositive {
		p.Kind = KindExample
		return p, true
	}
	return Proposal{}, false
}

// safeSegment is a path segment that may go into a glob as it is.
var safeSegment = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// testGlobs select test files by name, in order of preference.
var testGlobs = []struct {
	glob string
	is   func(dir []string, base string) bool
}{
	{"**/*_test.go", func(_ []string, b string) bool { return strings.HasSuffix(b, "_test.go") }},
	{"**/test_*.py", func(_ []string, b string) bool { return strings.HasPrefix(b, "test_") && strings.HasSuffix(b, ".py") }},
	{"**/*.test.*", func(_ []string, b string) bool { return strings.Contains(b, ".test.") }},
	{"**/*.spec.*", func(_ []string, b string) bool { return strings.Contains(b, ".spec.") }},
	{"**/tests/**", func(d []string, _ string) bool { return slices.Contains(d, "tests") }},
	{"**/test/**", func(d []string, _ string) bool { return slices.Contains(d, "test") }},
	{"**/__tests__/**", func(d []string, _ string) bool { return slices.Contains(d, "__tests__") }},
}

// clusterGlob finds one glob that selects the file of every dismissal: a test-file glob
// first, else the deepest directory they all share. A glob already in exclude, a path
// not known, or a directory whose name is not plain text ends the search.
func clusterGlob(ds []Dismissal, exclude []string) (string, bool) {
	var dirs [][]string
	var bases []string
	for _, d := range ds {
		if d.Path == "" || strings.HasPrefix(d.Path, "/") || strings.Contains(d.Path, "..") {
			return "", false
		}
		segs := strings.Split(path.Clean(d.Path), "/")
		dirs = append(dirs, segs[:len(segs)-1])
		bases = append(bases, segs[len(segs)-1])
	}
	for _, g := range testGlobs {
		all := true
		for i := range dirs {
			all = all && g.is(dirs[i], bases[i])
		}
		if all && !slices.Contains(exclude, g.glob) {
			return g.glob, true
		}
	}
	common := dirs[0]
	for _, d := range dirs[1:] {
		n := 0
		for n < len(common) && n < len(d) && common[n] == d[n] {
			n++
		}
		common = common[:n]
	}
	if len(common) == 0 {
		return "", false
	}
	for _, s := range common {
		if !safeSegment.MatchString(s) {
			return "", false
		}
	}
	glob := strings.Join(common, "/") + "/**"
	if slices.Contains(exclude, glob) {
		return "", false
	}
	return glob, true
}

// Plan proposes edits for the rules of one repository's set from its dismissals: at
// most one per rule, in order of rule id. Dismissals of rules the set does not have
// (renamed, disabled) teach nothing.
func Plan(set *rules.Set, ds []Dismissal, th Thresholds, now time.Time) []Proposal {
	var ids []string
	for _, d := range ds {
		if d.RuleID != "" && !slices.Contains(ids, d.RuleID) {
			ids = append(ids, d.RuleID)
		}
	}
	slices.Sort(ids)
	var out []Proposal
	for _, id := range ids {
		r := set.Rule(id)
		if r == nil {
			continue
		}
		if p, ok := Decide(r, ds, th, now); ok {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Proposal) int { return cmp.Compare(a.RuleID, b.RuleID) })
	return out
}
