package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/eval"
	"github.com/reviewerbot/reviewer/rules"
)

type evalFlags struct {
	formats   []string
	output    string
	tolerance int
	baseline  string
	judge     bool
	run       string
	minF1     float64
	minRecall float64
	minPrec   float64
}

func evalCmd(e env) *cobra.Command {
	var f evalFlags
	cmd := &cobra.Command{
		Use:   "eval DIR",
		Short: "Score reviews against a set of changes with known issues",
		Long: `Review every case under DIR with the configured gateway (or a recording of it) and score
the findings against what each case expects: precision, recall, F1, line precision, noise,
false-positive traps, tokens and cost, overall, by category and by rule.

A case is a directory holding change.diff and expected.json, and optionally SOURCE.md, a
.reviewer.yaml and rules/ (or .reviewer/rules/), read like a repository's, and repo/base and
repo/head, the files around the change at its base and head: they are committed into a
temporary git repository the review reads (change.diff must turn the one into the other).
DIR may also be one case.

--record DIR stores the gateway's answers; --replay DIR answers from them and sends nothing,
so a CI job can re-run the evaluation for free. --baseline FILE compares with the JSON report
of an earlier run, metric by metric and rule by rule. --judge also asks the model whether
each matched finding says what the case's note says.

Exit status: 0, or 1 when a --min-* threshold is not met, 2 for bad flags or cases, 3 when a
review could not be done (a replayed request the recording does not hold, say).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEval(cmd.Context(), cmd, e, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.formats, "format", nil, "report format text or json, optionally =FILE; repeatable (default text)")
	fl.StringVarP(&f.output, "output", "o", "", "file for the format given without =FILE (default stdout)")
	fl.IntVar(&f.tolerance, "tolerance", eval.DefaultTolerance, "lines a finding may be off an expected issue and still find it")
	fl.StringVar(&f.baseline, "baseline", "", "a JSON report of an earlier run to compare with")
	fl.BoolVar(&f.judge, "judge", false, "ask the model whether each matched finding describes the expected issue's note (costs a request per match)")
	fl.StringVar(&f.run, "run", "", "only the cases whose name matches this regular expression")
	fl.Float64Var(&f.minF1, "min-f1", 0, "exit 1 when the overall F1 is below this")
	fl.Float64Var(&f.minRecall, "min-recall", 0, "exit 1 when the overall recall is below this")
	fl.Float64Var(&f.minPrec, "min-precision", 0, "exit 1 when the overall precision is below this")
	fl.StringSlice("disable", nil, "rule ids not to apply (review.disable)")
	fl.Bool("builtin", true, "apply the built-in starter rules (review.builtin)")
	fl.Int("max-comments", 0, "the most findings per case, most severe first; 0 for no bound (review.max_comments)")
	fl.String("model", "", "the model to ask (gateway.model)")
	fl.String("record", "", "store every gateway request and answer in this directory, to replay later (gateway.record)")
	fl.String("replay", "", "answer from a directory made with --record instead of asking the gateway (gateway.replay)")
	return cmd
}

var evalBind = map[string]string{
	"review.disable":      "disable",
	"review.builtin":      "builtin",
	"review.max_comments": "max-comments",
	"gateway.model":       "model",
	"gateway.record":      "record",
	"gateway.replay":      "replay",
}

// evalOutput is one report to write: text or json, to a file or stdout ("").
type evalOutput struct {
	format, file string
}

func parseEvalOutputs(specs []string, defaultFile string) ([]evalOutput, error) {
	if len(specs) == 0 {
		specs = []string{"text"}
	}
	var outs []evalOutput
	stdout := 0
	for _, s := range specs {
		name, file, hasFile := strings.Cut(s, "=")
		if name != "text" && name != "json" {
			return nil, fmt.Errorf("--format %s: want text or json", s)
		}
		switch {
		case !hasFile:
			file = defaultFile
		case file == "":
			return nil, fmt.Errorf("--format %s: empty file name", s)
		}
		if file == "-" {
			file = ""
		}
		if file == "" {
			stdout++
		}
		outs = append(outs, evalOutput{format: name, file: file})
	}
	if stdout > 1 {
		return nil, errors.New("only one --format can write to stdout: give the others a file, as --format json=eval.json")
	}
	return outs, nil
}

func runEval(ctx context.Context, cmd *cobra.Command, e env, dir string, f evalFlags) error {
	c, err := config(cmd, e, evalBind)
	if err != nil {
		return err
	}
	outs, err := parseEvalOutputs(f.formats, f.output)
	if err != nil {
		return usageError(err)
	}
	if f.tolerance < 0 {
		return usageError(fmt.Errorf("--tolerance %d: want 0 or more lines", f.tolerance))
	}
	for _, t := range []struct {
		name string
		v    float64
	}{{"--min-f1", f.minF1}, {"--min-recall", f.minRecall}, {"--min-precision", f.minPrec}} {
		if t.v < 0 || t.v > 1 {
			return usageError(fmt.Errorf("%s %g: want a number from 0 to 1", t.name, t.v))
		}
	}
	var filter *regexp.Regexp
	if f.run != "" {
		if filter, err = regexp.Compile(f.run); err != nil {
			return usageError(fmt.Errorf("--run: %w", err))
		}
	}
	cases, err := loadEvalCases(e.abs(dir), filter)
	if err != nil {
		return usageError(fmt.Errorf("eval cases in %s:\n%w", dir, err))
	}
	var base *eval.Report
	if f.baseline != "" {
		data, err := os.ReadFile(e.abs(f.baseline))
		if err != nil {
			return usageError(fmt.Errorf("--baseline: %w", err))
		}
		r, err := eval.ReadReport(data)
		if err != nil {
			return usageError(fmt.Errorf("--baseline %s: %w", f.baseline, err))
		}
		base = &r
	}
	level := c.Log.Level
	if !c.IsSet("log.level") {
		level = "warn"
	}
	logger := newLogger(e.stderr, level)
	opts, gw, err := modelOptions(e, c, logger, nil)
	if err != nil {
		return err
	}
	if f.judge && gw.client == nil {
		return usageError(errors.New("--judge asks the model: set gateway.base_url and gateway.model, or --replay a recording"))
	}
	if opts.Model == nil {
		fmt.Fprintln(e.stderr, "reviewer: LLM review is off, so only the deterministic pattern rules ran and the scores are theirs; "+
			"set gateway.base_url (REVIEWER_GATEWAY_BASE_URL) and gateway.model, or --replay a recording, to score the model")
	}

	repos, removeRepos, err := buildEvalRepos(ctx, cases)
	if err != nil {
		return err
	}
	defer removeRepos()
	var runs []eval.CaseRun
	var models []string
	incomplete := 0
	for _, cs := range cases {
		run, model, err := evalCase(ctx, c, opts, gw, cs, repos, f, logger)
		if err != nil {
			return err
		}
		runs = append(runs, run)
		if model != "" && !slices.Contains(models, model) {
			models = append(models, model)
		}
		if len(run.Incomplete) > 0 {
			incomplete++
		}
	}
	if err := gw.replayErr(0); err != nil {
		return err
	}
	slices.Sort(models)
	so := eval.SummaryOptions{Tolerance: f.tolerance, LLM: opts.Model != nil, Model: strings.Join(models, ", "), Judge: f.judge}
	if f.judge {
		so.JudgeModel = opts.ModelName
	}
	rep := eval.Summarize(runs, so)
	if rep.Judge != nil {
		rep.Judge.CostUSD = priceOf(c, opts.ModelName).Cost(reviewer.TokenUsage{
			PromptTokens: rep.Judge.PromptTokens, CompletionTokens: rep.Judge.CompletionTokens})
	}
	if base != nil {
		cmp := eval.Compare(*base, rep)
		cmp.File = f.baseline
		rep.Baseline = &cmp
	}
	if err := writeEvalReports(e, outs, &rep); err != nil {
		return err
	}
	if incomplete > 0 {
		fmt.Fprintf(e.stderr, "reviewer: %d cases were reviewed in part (files skipped or failed, listed in the report): their scores do not cover the whole change\n", incomplete)
	}
	return thresholds(rep.Overall, f)
}

// loadEvalCases loads the cases under dir, or dir itself when it is one case.
func loadEvalCases(dir string, filter *regexp.Regexp) ([]*eval.Case, error) {
	if _, err := os.Stat(filepath.Join(dir, eval.DiffFile)); err == nil {
		cs, err := eval.LoadCase(os.DirFS(dir), filepath.Base(dir))
		if err != nil {
			return nil, err
		}
		return []*eval.Case{cs}, nil
	}
	if st, err := os.Stat(dir); err != nil {
		return nil, err
	} else if !st.IsDir() {
		return nil, errors.New("not a directory")
	}
	var keep func(string) bool
	if filter != nil {
		keep = filter.MatchString
	}
	return eval.LoadCases(os.DirFS(dir), keep)
}

// evalCase reviews one case with the pipeline, as `reviewer review --diff` would with the
// case directory for a repository, scores it and, with --judge, has the model judge its
// hits. It returns the case's run and the model that answered.
//
// The change has no title or description: a case's provenance (the fixing commit's
// message) would give the answer away.
func evalCase(ctx context.Context, c *Config, opts reviewer.Options, gw *gateway, cs *eval.Case, repos map[string]*evalRepo, f evalFlags, logger *slog.Logger) (eval.CaseRun, string, error) {
	missed := 0
	if gw.player != nil {
		missed = len(gw.player.Misses())
	}
	ropts := rules.RepoOptions{RulesDir: cs.RulesDir, NoBuiltin: !c.Review.Builtin, Disable: c.Review.Disable}
	change := reviewer.Change{Forge: "local", Repo: "eval/" + cs.Name}
	var diffs reviewer.DiffSource = bytesDiff(cs.Diff)
	if repo := repos[cs.Name]; repo != nil {
		// The case's own diff is what is scored against; the repository is where the
		// pipeline reads the files around it, at the base and head commits, and where
		// the tools read and search.
		diffs = caseRepo{bytesDiff: bytesDiff(cs.Diff), repo: repo.repo}
		change.BaseSHA, change.HeadSHA = repo.revs.Base, repo.revs.Head
		if opts.Tools.Enabled {
			opts.Tools.Workspace = repo.repo
		}
	} else if tree, ok := evalTree(cs); ok && opts.Tools.Enabled {
		// The case's tree is its head: the tools read it, and the case's answers,
		// beside it, stay out of reach.
		opts.Tools.Workspace = reviewer.FSWorkspace(tree)
		change.HeadSHA = evalTreeDir
	}
	rv := reviewer.New(diffs, recorded(&fsRules{fsys: cs.Repo, opts: ropts}), opts, logger)
	res, err := rv.Review(ctx, reviewer.Request{Change: change})
	if err != nil {
		return eval.CaseRun{}, "", fmt.Errorf("case %s: %w", cs.Name, err)
	}
	if err := gw.replayErr(missed); err != nil {
		return eval.CaseRun{}, "", fmt.Errorf("case %s: %w", cs.Name, err)
	}
	run := eval.CaseRun{
		Name:     cs.Name,
		Scored:   eval.Score(cs.Expected, res.Findings, f.tolerance),
		Usage:    res.Usage,
		Unplaced: len(res.Unplaced),
	}
	for _, d := range res.Verification.Dropped {
		run.Dropped = append(run.Dropped, fmt.Sprintf("%s:%d: %s", d.Path, d.Line, d.Reason))
	}
	for _, fc := range res.Coverage.Files {
		if fc.Outcome == reviewer.OutcomeSkipped || fc.Outcome == reviewer.OutcomeFailed {
			run.Incomplete = append(run.Incomplete, fmt.Sprintf("%s: %s: %s", fc.Path, fc.Outcome, fc.Reason))
		}
	}
	if f.judge {
		if run.Judge, err = eval.Judge(ctx, gw.client, &run.Scored); err != nil {
			return eval.CaseRun{}, "", fmt.Errorf("case %s: judge: %w", cs.Name, err)
		}
		if err := gw.replayErr(missed); err != nil {
			return eval.CaseRun{}, "", fmt.Errorf("case %s: judge: %w", cs.Name, err)
		}
	}
	model := ""
	if res.LLMEnabled {
		model = res.Usage.Model
	}
	return run, model, nil
}

// priceOf finds the configured price of model, ignoring case as the pipeline does.
func priceOf(c *Config, model string) reviewer.Price {
	for name, p := range c.Gateway.Prices {
		if strings.EqualFold(name, model) {
			return reviewer.Price{Input: p.Input, CachedInput: p.CachedInput, Output: p.Output}
		}
	}
	return reviewer.Price{}
}

func writeEvalReports(e env, outs []evalOutput, rep *eval.Report) error {
	var errs []error
	for _, o := range outs {
		var buf bytes.Buffer
		write := eval.WriteText
		if o.format == "json" {
			write = eval.WriteJSON
		}
		if err := write(&buf, rep); err != nil {
			errs = append(errs, fmt.Errorf("write %s report: %w", o.format, err))
			continue
		}
		if err := e.writeOutput(o.file, buf.Bytes()); err != nil {
			errs = append(errs, fmt.Errorf("write %s report: %w", o.format, err))
		}
	}
	return errors.Join(errs...)
}

// thresholds fails the run (exit 1) when an overall score is below its --min-* flag. An
// undefined score (no findings, no issues) does not meet a threshold above 0.
func thresholds(m eval.Metrics, f evalFlags) error {
	var unmet []string
	for _, t := range []struct {
		name string
		min  float64
		got  eval.Ratio
	}{{"f1", f.minF1, m.F1}, {"recall", f.minRecall, m.Recall}, {"precision", f.minPrec, m.Precision}} {
		if t.min > 0 && (!t.got.Valid || t.got.Value < t.min) {
			unmet = append(unmet, fmt.Sprintf("%s %s is below --min-%s %g", t.name, t.got, t.name, t.min))
		}
	}
	if len(unmet) == 0 {
		return nil
	}
	return &exitError{code: exitFindings, err: errors.New(strings.Join(unmet, "; "))}
}

// evalTreeDir is the directory of a case that holds the repository at the change's head,
// for the model's tools (review.tools.enabled); a case without one is reviewed without
// tools.
const evalTreeDir = "tree"

// evalTree is the case's tree directory, if it has one.
func evalTree(cs *eval.Case) (fs.FS, bool) {
	if st, err := fs.Stat(cs.Repo, evalTreeDir); err != nil || !st.IsDir() {
		return nil, false
	}
	tree, err := fs.Sub(cs.Repo, evalTreeDir)
	return tree, err == nil
}
