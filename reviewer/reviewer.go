package reviewer

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"slices"

	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
	"github.com/reviewerbot/reviewer/rules"
)

// Options shape a review.
type Options struct {
	// Filter decides which files are reviewed. The repository's own ignore globs (from its
	// .reviewer.yaml) are added to it for each change.
	Filter Filter
	// Model reviews the chunks; nil runs the pattern rules only.
	Model Model
	// ModelName names the configured model for the report when no answer said which
	// model answered.
	ModelName string
	// Chunk sizes the model requests.
	Chunk chunk.Options
	// MaxComments bounds the findings of a change, most severe first; 0 is no bound.
	MaxComments int
	// Prices are per model name.
	Prices map[string]Price
	// DryRun renders the model requests into Result.Planned and sends nothing.
	DryRun bool
	// Redactor masks secrets before anything is sent; nil uses redact.New().
	Redactor *redact.Redactor
	// Forge posts the result on the change; nil posts nothing (a local review). It may
	// also implement the optional abilities of forge.go.
	Forge Poster
	// Publish decides the commit status the forge is given.
	Publish PublishOptions
	// Tiers decide how much review a change gets before any model request (tier.go).
	Tiers TierOptions
	// Tools lets the model read more of the repository than the diff, in the tiers
	// whose plan allows it.
	Tools ToolOptions
	// Progress, when set, is told how far the model stage has come each time that
	// changes: chunks sent and answered, tokens and cost so far. It is called one call at
	// a time, from the goroutines that ask the model, and must return quickly.
	Progress func(Progress)
	// Verify configures the pass that checks the model's findings before they are posted.
	Verify VerifyOptions
	// Context shapes the code shown around the hunks, read from the head version through
	// the diff source when it is also a TreeReader.
	Context ContextOptions
	// Tracer, when set, traces the review: a span for each stage and model request, as
	// children of the span in the context Review is given (trace.go).
	Tracer Tracer
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
		logger = slog.New(slog.DiscardHandler)
	}
	return &Reviewer{diffs: diffs, rules: rs, opts: opts, logger: logger}
}

// Review runs the whole pipeline on one change.
func (r *Reviewer) Review(ctx context.Context, req Request) (Result, error) {
	c := req.Change
	log := r.logger.With(slog.String("forge", c.Forge), slog.String("repo", c.Repo),
		slog.Int("change", c.Number), slog.String("head_sha", c.HeadSHA))

	calls := r.callCount()
	if cr, ok := r.diffs.(ChangeReader); ok && !req.Read {
		var err error
		sctx, sp := startSpan(ctx, r.opts.Tracer, SpanReadChange)
		c, err = cr.ReadChange(sctx, c)
		sp.End(err)
		if err != nil {
			return Result{}, fmt.Errorf("%s: read change: %w", c, err)
		}
		log = log.With(slog.String("head_sha", c.HeadSHA))
	}
	// The rules and the masker are compiled before the diff is fetched and parsed: their
	// garbage (some 15 MB for the masker's first use in a process) is then collected while
	// little is live, rather than next to a large diff and its parsed lines, which set the
	// review's peak memory.
	set, err := r.loadRules(ctx, c)
	if err != nil {
		return Result{}, fmt.Errorf("%s: load rules: %w", c, err)
	}
	masks := newMasks(r.redactor())
	files, gaps, err := r.fetchFiles(ctx, c)
	if err != nil {
		return Result{}, err
	}
	// The operator's globs come after the repository's, so that the repository can not
	// re-include ("!glob") what the operator left out.
	filter := r.opts.Filter
	filter.Ignore = append(slices.Clip(set.Settings.Ignore), filter.Ignore...)
	if err := filter.Validate(); err != nil {
		return Result{}, fmt.Errorf("%s: %w", c, err)
	}

	sctx, sp := startSpan(ctx, r.opts.Tracer, SpanFilter)
	reviewed, filtered, ledger := applyFilter(sctx, r.diffs, c, files, filter, log)
	sp.SetAttributes(slog.Int("files", len(files)), slog.Int("reviewed", len(reviewed)))
	sp.End(nil)
	ledger.Files = append(ledger.Files, gaps...)
	sctx, sp = startSpan(ctx, r.opts.Tracer, SpanPatterns)
	findings, err := runPatterns(sctx, reviewed, filtered, set, masks)
	sp.SetAttributes(slog.Int("findings", len(findings)))
	sp.End(err)
	if err != nil {
		return Result{}, fmt.Errorf("%s: pattern rules: %w", c, err)
	}

	res := Result{Coverage: ledger, Rules: set.Rules, Unplaced: []Unplaced{}, LLMEnabled: r.opts.Model != nil}
	floor, _ := ParseTier(set.Settings.Tier) // rules.ParseSettings validated it
	res.Tier = assignTier(reviewed, files, set.Settings.RulesDir, floor, r.opts.Tiers)
	log.DebugContext(ctx, "tier", slog.String("tier", res.Tier.Level.String()), slog.Any("reasons", res.Tier.Reasons))
	summaries := &summaryLookup{}
	sc, err := r.changedSince(ctx, c, summaries, log)
	if err != nil {
		// Not knowing what is new costs tokens, not correctness: review the whole change.
		log.WarnContext(ctx, "whole change reviewed", slog.String("error", err.Error()))
		sc = nil
	}
	if sc != nil {
		res.Since = sc.head
	}
	if r.opts.Model != nil && res.Tier.Plan.AskModel {
		tools := r.opts.Tools
		tools.Enabled = tools.Enabled && res.Tier.Plan.Tools
		stage := &modelStage{model: r.opts.Model, opts: r.opts, plan: res.Tier.Plan, redactor: masks.red, masks: masks, log: log, since: sc,
			tools: newToolSet(tools, r.diffs, c, filter, masks.red)}
		stage.tree, _ = r.diffs.(TreeReader)
		m, err := stage.run(ctx, c, reviewed, set, &res.Coverage)
		if err != nil {
			return Result{}, fmt.Errorf("%s: model review: %w", c, err)
		}
		sctx, sp := startSpan(ctx, r.opts.Tracer, SpanVerify)
		model := r.verifyFindings(sctx, c, reviewed, boundByRules(m.findings, set), masks, &m, &res, log)
		model = foldHidden(findings, model, set)
		sp.SetAttributes(slog.Int("findings", len(m.findings)), slog.Int("kept", len(model)))
		sp.End(nil)
		findings = merge(findings, model, res.Verification.Verified())
		res.Unplaced = append(res.Unplaced, m.unplaced...)
		res.Usage, res.Egress, res.Planned, res.RateLimitedUntil = m.usage, m.egress, m.planned, m.limitedUntil
	}
	findings, res.Omitted = capFindings(findings, r.opts.MaxComments)
	sortFindings(findings, res.Coverage)
	res.Findings = findings
	res.Excerpts = excerpts(files, findings, masks)
	res.Change = c

	if r.opts.Forge != nil && !r.opts.DryRun {
		sctx, sp := startSpan(ctx, r.opts.Tracer, SpanPublish)
		pub, err := publish(sctx, r.opts.Forge, c, &res, publishOptions(r.opts.Publish, set.Settings), sc, summaries, log)
		sp.SetAttributes(slog.Int("posted", pub.Posted), slog.Int("kept", pub.Kept), slog.Int("resolved", pub.Resolved),
			slog.String("status", string(pub.Status)))
		sp.End(err)
		pub.APICalls = r.callCount() - calls
		res.Published = pub
		if err != nil {
			return res, &PublishError{Change: c, Err: err}
		}
	}
	res.Published.APICalls = r.callCount() - calls

	log.InfoContext(ctx, "review done",
		slog.Int("files", len(files)), slog.Int("reviewed", res.Coverage.Count(OutcomeReviewed)),
		slog.Int("findings", len(findings)), slog.Int("omitted", res.Omitted), slog.Int("unplaced", len(res.Unplaced)),
		slog.Int("rules", len(set.Rules)), slog.Int("requests", res.Usage.Requests),
		slog.Int("prompt_tokens", res.Usage.PromptTokens), slog.Float64("cost_usd", res.Usage.CostUSD))
	return res, nil
}

// publishOptions applies the repository's fail_on when the operator set none.
func publishOptions(o PublishOptions, s rules.Settings) PublishOptions {
	if o.FailOnSet || s.FailOn == "" {
		return o
	}
	if s.FailOn == "none" {
		o.FailOnNone = true
		return o
	}
	if sev, err := rules.ParseSeverity(s.FailOn); err == nil {
		o.FailOn, o.FailOnNone = sev, false
	}
	return o
}

// callCount sums the API calls made so far by the forge clients the review uses (each
// counted once: the diff source, the rules' tree reader and the poster are often one
// client).
func (r *Reviewer) callCount() int64 {
	seen := map[CallCounter]bool{}
	var n int64
	for _, v := range []any{r.diffs, r.rules, r.opts.Forge} {
		if tr, ok := v.(TreeRules); ok {
			v = tr.Tree
		}
		// Only comparable counters can be told apart; others are counted as they come.
		if cc, ok := v.(CallCounter); ok && (!reflect.TypeOf(cc).Comparable() || !seen[cc]) {
			if reflect.TypeOf(cc).Comparable() {
				seen[cc] = true
			}
			n += cc.APICalls()
		}
	}
	return n
}

// loadRules loads the rules that apply to the change, in a span of their own.
func (r *Reviewer) loadRules(ctx context.Context, c Change) (*rules.Set, error) {
	ctx, sp := startSpan(ctx, r.opts.Tracer, SpanRulesLoad)
	set, err := r.rules.Rules(ctx, c)
	if err == nil {
		sp.SetAttributes(slog.Int("rules", len(set.Rules)))
	}
	sp.End(err)
	return set, err
}

// fetchFiles fetches and parses the change's diff, in a span of its own.
func (r *Reviewer) fetchFiles(ctx context.Context, c Change) ([]*diff.File, []FileCoverage, error) {
	ctx, sp := startSpan(ctx, r.opts.Tracer, SpanDiffFetch)
	raw, gaps, err := fetchDiff(ctx, r.diffs, c)
	if err != nil {
		sp.End(err)
		return nil, nil, fmt.Errorf("%s: fetch diff: %w", c, err)
	}
	files, err := diff.Parse(raw)
	sp.SetAttributes(slog.Int("bytes", len(raw)), slog.Int("files", len(files)))
	sp.End(err)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c, err)
	}
	return files, gaps, nil
}

// fetchDiff gets the change's diff, and the files the source could not diff when it can
// say so.
func fetchDiff(ctx context.Context, src DiffSource, c Change) ([]byte, []FileCoverage, error) {
	if g, ok := src.(GapDiffSource); ok {
		return g.DiffWithGaps(ctx, c)
	}
	raw, err := src.Diff(ctx, c)
	return raw, nil, err
}

func (r *Reviewer) redactor() *redact.Redactor {
	if r.opts.Redactor != nil {
		return r.opts.Redactor
	}
	return redact.New()
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

// sortFindings orders findings as people read a change: by file in diff order, then line,
// then most severe first, then rule id.
func sortFindings(fs []Finding, ledger Coverage) {
	order := make(map[string]int, len(ledger.Files))
	for i, f := range ledger.Files {
		if _, ok := order[f.Path]; !ok {
			order[f.Path] = i
		}
	}
	slices.SortStableFunc(fs, func(a, b Finding) int { return compareFindings(a, b, order) })
}

// compareFindings orders findings by file (in order, else by path), side (new first),
// line, severity (most severe first), rule, column and message.
func compareFindings(a, b Finding, order map[string]int) int {
	return cmp.Or(
		cmp.Compare(order[a.Path], order[b.Path]),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(sideRank(a.Side), sideRank(b.Side)),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(b.Severity, a.Severity),
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.EndLine, b.EndLine),
		cmp.Compare(a.Message, b.Message),
	)
}

func sideRank(s Side) int {
	if s == SideOld {
		return 1
	}
	return 0
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
