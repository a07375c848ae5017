package reviewer

import (
	"slices"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/rules"
)

// Side says which version of a file a finding's line numbers refer to.
type Side string

// The sides of a diff.
const (
	SideNew Side = "new"
	SideOld Side = "old"
)

// Source says which stage produced a finding.
type Source string

// The finding sources.
const (
	SourcePattern Source = "pattern"
	SourceLLM     Source = "llm"
)

// Finding is one problem found in a change, anchored on lines of the diff.
type Finding struct {
	Path string
	// Line and EndLine are 1-based line numbers on Side; EndLine >= Line.
	Line, EndLine int
	Side          Side
	// Column and EndColumn are optional 1-based byte columns on Line, 0 when unknown.
	Column, EndColumn int
	Severity          rules.Severity
	// RuleID is empty for a general finding not tied to a rule.
	RuleID     string
	Message    string
	Suggestion string
	Source     Source
	// SummaryOnly findings are of a rule that is not posted inline (rules.Set.Inline): a
	// forge review lists them in the summary comment instead of on the line.
	SummaryOnly bool
	// Fingerprint identifies the finding across runs: it does not change when unrelated
	// lines above it move.
	Fingerprint string
}

// Outcome is what happened to one file of a change.
type Outcome string

// The outcomes of the coverage ledger.
const (
	OutcomeReviewed Outcome = "reviewed"
	OutcomeFiltered Outcome = "filtered"
	OutcomeWithheld Outcome = "withheld"
	OutcomeSkipped  Outcome = "skipped"
	OutcomeFailed   Outcome = "failed"
)

// FileCoverage is one entry of the coverage ledger.
type FileCoverage struct {
	Path    string
	Outcome Outcome
	// Reason says why a file was not reviewed; for a reviewed file, it may note what the
	// model was not shown or why the file was not filtered.
	Reason string
	// Unseen is set when the change adds code to the file (see holdsCode) that the review
	// did not see: the file was filtered or withheld (not by an ignore glob of the
	// operator's or the base revision's, which is the team's decision), or lines of it
	// were too long to show the model. Such a review is not a clean pass.
	Unseen bool
}

// Coverage is the ledger of every file of a change, in diff order.
type Coverage struct {
	Files []FileCoverage
}

// Count returns how many files have outcome o.
func (c Coverage) Count(o Outcome) int {
	n := 0
	for _, f := range c.Files {
		if f.Outcome == o {
			n++
		}
	}
	return n
}

// Complete reports whether no file was skipped or failed: only then may a review with no
// findings be reported as a clean pass.
func (c Coverage) Complete() bool {
	return c.Count(OutcomeSkipped) == 0 && c.Count(OutcomeFailed) == 0
}

// Unseen counts the files with code of the change that the review did not see
// (FileCoverage.Unseen): while there are any, the review is "not all reviewed".
func (c Coverage) Unseen() int {
	n := 0
	for _, f := range c.Files {
		if f.Unseen {
			n++
		}
	}
	return n
}

// Usage is what the model stage consumed.
type Usage struct {
	Requests         int
	PromptTokens     int
	CompletionTokens int
	CachedTokens     int
	CostUSD          float64
	Model            string
	// Answers counts the chunks the model answered, CachedAnswers those of them that came
	// from the response cache, which cost nothing this time.
	Answers, CachedAnswers int
}

// plus adds what o spent to u: requests, tokens and cost, and o's models to u's.
func (u *Usage) plus(o Usage) {
	u.Requests += o.Requests
	u.PromptTokens += o.PromptTokens
	u.CompletionTokens += o.CompletionTokens
	u.CachedTokens += o.CachedTokens
	u.CostUSD += o.CostUSD
	for m := range strings.SplitSeq(o.Model, ", ") {
		if m != "" && !slices.Contains(strings.Split(u.Model, ", "), m) {
			u.Model = strings.TrimPrefix(u.Model+", "+m, ", ")
		}
	}
}

// Unplaced is a finding that could not be anchored on a line of the diff.
type Unplaced struct {
	Path    string
	Message string
}

// Result is everything a review produced.
type Result struct {
	Findings []Finding
	Coverage Coverage
	Usage    Usage
	Unplaced []Unplaced
	// Rules are the rules the review applied, sorted by ID; reports describe them
	// (SARIF tool.driver.rules).
	Rules []*rules.Rule
	// LLMEnabled is false when no gateway was configured and only pattern rules ran.
	LLMEnabled bool
	// Excerpts hold the code of each finding's span (SpanOf) as the review saw it, secrets
	// masked, for reports to show under the finding; a span the diff does not hold, or
	// one in a withheld file, has none.
	Excerpts map[Span]Excerpt
	// Omitted counts the findings left out by the per-change cap (review.max_comments).
	Omitted int
	// Egress lists what was sent to which model.
	Egress []Egress
	// Planned holds the requests of a dry run, which sends nothing.
	Planned []Planned
	// Change is the change as reviewed, with what its forge said of it.
	Change Change
	// Since is the head an earlier review covered, when the model was shown only what
	// changed after it; empty for a review of the whole change.
	Since string
	// Published says what was posted on the forge, when there is one.
	Published Published
	// RateLimitedUntil is when the gateway said its rate limit lifts, when files failed
	// for it; zero otherwise. A queued review waits for then before it tries again.
	RateLimitedUntil time.Time
	// Verification says what the verification pass did with the model's findings.
	Verification Verification
	// Tier is how much review the change got and why (tier.go).
	Tier Tier
}
