package reviewer

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// Options shape a review.
type Options struct {
	// Filter decides which files are reviewed. The repository's own ignore globs (from its
	// .reviewer.yaml) are added to it for each change.
	Filter Filter
}

// Reviewer runs the review pipeline. It is safe for concurrent use.
type Reviewer struct {
	diffs  DiffSource
	rules  RuleSource
	opts   Options
	logger *slog.Logger
}

// New returns a Reviewer that reads changes from diffs and rules from rs. A nil logger
// discards.
func New(diffs DiffSource, rs RuleSource, opts Options, logger *slog.Logger) *Reviewer {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Reviewer{diffs: diffs, rules: rs, opts: opts, logger: logger}
}

// Review runs the whole pipeline on one change.
func (r *Reviewer) Review(ctx context.Context, req Request) (Result, error) {
	c := req.Change
	log := r.logger.With(slog.String("forge", c.Forge), slog.String("repo", c.Repo),
		slog.Int("change", c.Number), slog.String("head_sha", c.HeadSHA))

	raw, err := r.diffs.Diff(ctx, c)
	if err != nil {
		return Result{}, fmt.Errorf("%s: fetch diff: %w", c, err)
	}
	files, err := diff.Parse(raw)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", c, err)
	}
	set, err := r.rules.Rules(ctx, c)
	if err != nil {
		return Result{}, fmt.Errorf("%s: load rules: %w", c, err)
	}
	// The operator's globs come after the repository's, so that the repository can not
	// re-include ("!glob") what the operator left out.
	filter := r.opts.Filter
	filter.Ignore = append(slices.Clip(set.Settings.Ignore), filter.Ignore...)
	if err := filter.Validate(); err != nil {
		return Result{}, fmt.Errorf("%s: %w", c, err)
	}

	reviewed, filtered, ledger := applyFilter(files, filter)
	findings, err := runPatterns(ctx, reviewed, filtered, set)
	if err != nil {
		return Result{}, fmt.Errorf("%s: pattern rules: %w", c, err)
	}
	sortFindings(findings, ledger)

	res := Result{
		Findings: findings,
		Coverage: ledger,
		Rules:    set.Rules,
		Unplaced: []Unplaced{},
	}
	log.InfoContext(ctx, "review done",
		slog.Int("files", len(files)), slog.Int("reviewed", ledger.Count(OutcomeReviewed)),
		slog.Int("findings", len(findings)), slog.Int("rules", len(set.Rules)))
	return res, nil
}

// String names the change for error messages and logs: "github owner/repo!12@abc1234".
func (c Change) String() string {
	s := c.Forge + " " + c.Repo
	if c.Number != 0 {
		s += fmt.Sprintf("#%d", c.Number)
	}
	if c.HeadSHA != "" {
		s += "@" + c.HeadSHA[:min(len(c.HeadSHA), 12)]
	}
	return s
}

// applyFilter puts every file in the ledger and returns those to review, and those
// filtered for what their own lines say (for the secret rules).
func applyFilter(files []*diff.File, f Filter) (reviewed, filtered []*diff.File, ledger Coverage) {
	ledger = Coverage{Files: make([]FileCoverage, 0, len(files))}
	reviewed = make([]*diff.File, 0, len(files))
	for _, file := range files {
		o, why, self := f.check(file)
		ledger.Files = append(ledger.Files, FileCoverage{Path: file.Path(), Outcome: o, Reason: why})
		switch {
		case o == OutcomeReviewed:
			reviewed = append(reviewed, file)
		case self:
			filtered = append(filtered, file)
		}
	}
	return reviewed, filtered, ledger
}

// sortFindings orders findings as people read a change: by file in diff order, then line,
// then most severe first, then rule id.
func sortFindings(fs []Finding, ledger Coverage) {
	order := make(map[string]int, len(ledger.Files))
	for i, f := range ledger.Files {
		if _, ok := order[f.Path]; !ok {
			order[f.Path] = i
		}
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(order[a.Path], order[b.Path]),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Column, b.Column),
		)
	})
}

// MaxSeverity returns the highest severity among fs and whether there was any finding.
func MaxSeverity(fs []Finding) (rules.Severity, bool) {
	if len(fs) == 0 {
		return 0, false
	}
	m := fs[0].Severity
	for _, f := range fs[1:] {
		m = max(m, f.Severity)
	}
	return m, true
}
