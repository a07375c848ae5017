package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/git"
	"github.com/reviewerbot/reviewer/reviewer/redact"
	"github.com/reviewerbot/reviewer/reviewer/report"
	"github.com/reviewerbot/reviewer/rules"
)

type reviewFlags struct {
	diff          string
	base          string
	uncommitted   bool
	untracked     bool
	rulesWorktree bool
	formats       []string
	output        string
	dryRun        bool
	change        string
	post          bool
}

func reviewCmd(e env) *cobra.Command {
	var f reviewFlags
	cmd := &cobra.Command{
		Use:   "review",
		Short: "Review a local diff",
		Long: `Review a change: the commits of this branch since it left the default branch (or --base),
the uncommitted work (--uncommitted), or a diff file (--diff FILE, - for stdin).

Rules are read from the change's base revision, so a change is judged by the rules it
started from; --rules-worktree reads them from the work tree instead, to try rules out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return review(cmd.Context(), cmd, e, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.diff, "diff", "", "review this unified diff file instead of asking git; - reads stdin")
	fl.StringVar(&f.base, "base", "", "base revision (default: the merge base of HEAD and the default branch; HEAD with --uncommitted)")
	fl.BoolVar(&f.uncommitted, "uncommitted", false, "review the work tree's uncommitted changes against the base")
	fl.BoolVar(&f.untracked, "untracked", true, "with --uncommitted, include files git does not track and does not ignore")
	fl.BoolVar(&f.rulesWorktree, "rules-worktree", false, "read rules from the work tree rather than the base revision")
	fl.StringArrayVar(&f.formats, "format", nil, "report format text, json, sarif or codequality, optionally =FILE; repeatable (default text)")
	fl.StringVarP(&f.output, "output", "o", "", "file for the format given without =FILE (default stdout)")
	fl.String("fail-on", "", "lowest severity that exits 1: info, warning, error or none (review.fail_on)")
	fl.String("rules-dir", "", "rules directory, relative to the repository root (review.rules_dir)")
	fl.StringArray("ignore", nil, "extra glob of files not to review, repeatable; !glob re-includes (review.ignore)")
	fl.StringSlice("disable", nil, "rule ids not to apply (review.disable)")
	fl.Bool("builtin", true, "apply the built-in starter rules (review.builtin)")
	fl.Int("max-comments", 0, "the most findings to report, most severe first; 0 for no bound (review.max_comments)")
	fl.String("model", "", "the model to ask (gateway.model)")
	fl.String("cache-dir", "", "directory caching model answers between runs (cache.dir)")
	fl.String("record", "", "store every gateway request and answer in this directory, to replay later (gateway.record)")
	fl.String("replay", "", "answer from a directory made with --record instead of asking the gateway (gateway.replay)")
	fl.StringVar(&f.change, "change", "", "review a pull or merge request, by its web URL, reading it and its base's rules from the forge")
	fl.BoolVar(&f.post, "post", false, "with --change, post the comments, the summary and the commit status on the change")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the model requests that would be sent, their tokens and estimated cost, and send nothing")
	return cmd
}

var reviewBind = map[string]string{
	"review.fail_on":      "fail-on",
	"review.rules_dir":    "rules-dir",
	"review.ignore":       "ignore",
	"review.disable":      "disable",
	"review.builtin":      "builtin",
	"review.max_comments": "max-comments",
	"gateway.model":       "model",
	"cache.dir":           "cache-dir",
	"gateway.record":      "record",
	"gateway.replay":      "replay",
}

// output is one report to write.
type output struct {
	format report.Format
	file   string // "" is stdout
}

func parseOutputs(specs []string, defaultFile string) ([]output, error) {
	if len(specs) == 0 {
		specs = []string{"text"}
	}
	var outs []output
	bare := 0
	for _, s := range specs {
		name, file, hasFile := strings.Cut(s, "=")
		f, err := report.ParseFormat(name)
		if err != nil {
			return nil, fmt.Errorf("--format %s: %w", s, err)
		}
		if !hasFile {
			bare++
			file = defaultFile
		} else if file == "" {
			return nil, fmt.Errorf("--format %s: empty file name", s)
		}
		if file == "-" {
			file = ""
		}
		outs = append(outs, output{format: f, file: file})
	}
	if bare > 1 {
		return nil, errors.New("several --format values without =FILE would share one output: give each a file, as --format sarif=reviewer.sarif")
	}
	stdout := 0
	for _, o := range outs {
		if o.file == "" {
			stdout++
		}
	}
	if stdout > 1 {
		return nil, errors.New("only one --format can write to stdout")
	}
	return outs, nil
}

func review(ctx context.Context, cmd *cobra.Command, e env, f reviewFlags) error {
	c, err := config(cmd, e, reviewBind)
	if err != nil {
		return err
	}
	outs, err := parseOutputs(f.formats, f.output)
	if err != nil {
		return usageError(err)
	}
	if f.diff != "" && (f.base != "" || f.uncommitted) {
		return usageError(errors.New("--diff reviews a diff file: it takes no --base or --uncommitted"))
	}
	if f.change != "" && (f.diff != "" || f.base != "" || f.uncommitted || f.rulesWorktree) {
		return usageError(errors.New("--change reviews a pull or merge request: it takes no --diff, --base, --uncommitted or --rules-worktree"))
	}
	if f.post && f.change == "" {
		return usageError(errors.New("--post publishes on a forge: give the change with --change URL"))
	}
	// At a terminal the one info line per review only repeats the report: unless asked
	// for, the local command logs warnings and worse.
	level := c.Log.Level
	if !c.IsSet("log.level") {
		level = "warn"
	}
	progress := newProgress(e.stderr, e.stderrTerminal)
	logger := newLogger(progress, level)
	stopTraces, err := c.startTraces(ctx, e, logger)
	if err != nil {
		return err
	}
	defer stopTraces()

	// The masker compiles gitleaks' rule set on its first use, some 15 MB of garbage: done
	// before a --diff file is read, it is collected while the diff is not in memory, which
	// takes 3 MiB off the peak on the largest diffs (BENCHMARKS.md). The review reuses it.
	redact.New()
	src, err := changeSource(ctx, e, f, c, logger)
	if err != nil {
		return err
	}
	return reviewAndReport(ctx, e, c, logger, src, outs, runMode{dryRun: f.dryRun, onForge: f.change != "", post: f.post, notPosted: "give --post to publish", progress: progress})
}

// runMode is how reviewAndReport runs a review.
type runMode struct {
	dryRun bool
	// onForge is set for a change read from a forge; post when it is also published.
	onForge, post bool
	// notPosted says why a change read from a forge is not published.
	notPosted string
	// progress shows the model stage's progress on a terminal's stderr; the logger
	// writes through it. Nil shows none.
	progress *progressLine
}

// reviewAndReport reviews the change src names, writes the reports and turns the result
// into the exit status: the part review and ci share.
func reviewAndReport(ctx context.Context, e env, c *Config, logger *slog.Logger, src *source, outs []output, mode runMode) error {
	opts, gw, err := modelOptions(e, c, logger, nil)
	if err != nil {
		return err
	}
	opts.DryRun = mode.dryRun
	if src.forge != nil {
		key, err := c.sealKey(e)
		if err != nil {
			return err
		}
		opts.Forge = src.forge
		opts.Publish = c.publishOptions(key)
		cls, _ := opts.Model.(reviewer.ReplyClassifier)
		opts.Publish.Dismissals = &threadDismissals{forge: src.forge, cls: cls, red: opts.Redactor, log: logger,
			model: c.Gateway.Model, price: priceOf(c, c.Gateway.Model)}
	}
	if mode.dryRun && opts.Model == nil {
		return usageError(errors.New("--dry-run shows the model requests: set gateway.base_url and gateway.model"))
	}
	if mode.progress != nil && !mode.dryRun {
		opts.Progress = mode.progress.Update
	}
	if g, ok := src.diffs.(gitDiff); ok {
		// A local repository: the tools read its objects and can search them.
		opts.Tools.Workspace = g.repo
	}
	rv := reviewer.New(src.diffs, src.rules, opts, logger)
	tctx, span := c.traceRun(ctx, src.change)
	res, err := rv.Review(tctx, reviewer.Request{Change: src.change})
	if res.Change.HeadSHA != "" {
		span.SetAttributes(slog.String("head_sha", res.Change.HeadSHA))
	}
	span.End(err)
	if mode.progress != nil {
		mode.progress.Done()
	}
	// A publish error leaves a complete result: report it, then fail.
	var publishErr *reviewer.PublishError
	if err != nil && !errors.As(err, &publishErr) {
		if src.input != "" {
			return badInput(src.input, err)
		}
		return err
	}
	if err := gw.replayErr(0); err != nil {
		return err
	}
	if mode.dryRun {
		return printPlan(e.stdout, &res, c)
	}
	if !res.LLMEnabled {
		fmt.Fprintln(e.stderr, "reviewer: LLM review is off, so only the deterministic pattern rules ran; "+
			"set gateway.base_url (REVIEWER_GATEWAY_BASE_URL) and gateway.model to an OpenAI-compatible endpoint to turn it on")
	}
	if err := writeReports(e, outs, &res, src.what); err != nil {
		return err
	}
	if mode.onForge {
		describePublished(e, &res, mode)
	}
	if publishErr != nil {
		return publishErr
	}
	return judge(c, src.rules.repoFailOn(), &res)
}

// judge turns the result into the exit status: 1 when a finding is at or above the
// fail-on severity, else 3 when files were skipped or failed (unless allowed). An explicit
// flag, variable or configuration key wins over the repository's own .reviewer.yaml,
// which wins over the default (the commit status follows the same order).
func judge(c *Config, repoFailOn string, res *reviewer.Result) error {
	level := c.Review.FailOn
	if !c.IsSet("review.fail_on") && repoFailOn != "" {
		level = repoFailOn
	}
	fo, err := parseFailOn(level)
	if err != nil {
		return usageError(fmt.Errorf("fail_on: %w", err))
	}
	if sev, found := reviewer.MaxSeverity(res.Findings); found && !fo.none && sev >= fo.sev {
		return &exitError{code: exitFindings}
	}
	if !res.Coverage.Complete() && !c.Review.AllowIncomplete {
		n := res.Coverage.Count(reviewer.OutcomeSkipped) + res.Coverage.Count(reviewer.OutcomeFailed)
		return &exitError{code: exitRuntime, err: fmt.Errorf("review incomplete: %d files were skipped or failed (see the report); set review.allow_incomplete to accept that", n)}
	}
	if n := res.Coverage.Unseen(); n > 0 && !c.Review.AllowIncomplete {
		files := "files hold"
		if n == 1 {
			files = "file holds"
		}
		return &exitError{code: exitRuntime, err: fmt.Errorf("not all reviewed: %d %s code of the change that was not reviewed (filtered, withheld or lines too long to show; see the report); set review.allow_incomplete to accept that", n, files)}
	}
	return nil
}

// writeReports writes each report; what says what was reviewed (source.what).
func writeReports(e env, outs []output, res *reviewer.Result, what string) error {
	opts := report.Options{ToolName: "reviewer", ToolVersion: versionString(), InformationURI: "https://github.com/reviewerbot/reviewer", Reviewed: what}
	var errs []error
	for _, o := range outs {
		var buf bytes.Buffer
		if err := report.Write(&buf, o.format, res, opts); err != nil {
			errs = append(errs, fmt.Errorf("write %s report: %w", o.format, err))
			continue
		}
		if err := e.writeOutput(o.file, buf.Bytes()); err != nil {
			errs = append(errs, fmt.Errorf("write %s report: %w", o.format, err))
		}
	}
	return errors.Join(errs...)
}

// writeOutput writes a report to the file the user named (its directory made if need
// be), or to stdout when file is "".
func (e env) writeOutput(file string, data []byte) error {
	if file == "" {
		_, err := e.stdout.Write(data)
		return err
	}
	path := e.abs(file)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// forgeSource reads a change, its diff and its base's rules from the forge, and posts the
// review there when post is set.
func forgeSource(client forgeClient, ref changeRef, c *Config, post bool) *source {
	s := &source{
		change: reviewer.Change{Forge: ref.forge, Repo: ref.repo, Number: ref.number},
		diffs:  client,
		rules:  recorded(reviewer.TreeRules{Tree: client, Opts: c.repoOptions()}),
	}
	if post {
		s.forge = client
	}
	return s
}

// source is where a local review gets its change, diff and rules.
type source struct {
	change reviewer.Change
	diffs  reviewer.DiffSource
	rules  *recordRules
	// forge posts the result when the change is on a forge and --post is given.
	forge reviewer.Poster
	// what says what was reviewed, for the report: "main...HEAD, 3 commits", the diff
	// file's name, the change's URL.
	what string
	// input names the diff the user gave (a file, or "stdin"), "" when git or a forge
	// makes the diff: a diff that does not parse is then the user's to fix.
	input string
}

func changeSource(ctx context.Context, e env, f reviewFlags, c *Config, logger *slog.Logger) (*source, error) {
	ropts := c.repoOptions()
	if f.change != "" {
		ref, err := parseChangeURL(f.change)
		if err != nil {
			return nil, usageError(err)
		}
		if err := checkChangeHost(ref, c); err != nil {
			return nil, err
		}
		client, err := newForge(e, ref, c, logger)
		if err != nil {
			return nil, err
		}
		s := forgeSource(client, ref, c, f.post)
		s.what = f.change
		return s, nil
	}
	if f.diff != "" {
		data, name, err := readDiff(e, f.diff)
		if err != nil {
			return nil, usageError(err)
		}
		data = checkedDiff(e, name, data)
		// A diff file has no base revision to read rules from: use the work tree of the
		// repository we are in, or the current directory.
		root, repoName := e.dir, ""
		if repo, err := git.Open(ctx, e.dir); err == nil {
			root, repoName = repo.Root(), repo.Name(ctx)
		}
		s := &source{
			what: name,
			// The change's repo goes into the gateway's metadata header: the origin's
			// name, never a local path (the diff file's name may be one).
			change: reviewer.Change{Forge: "local", Repo: repoName},
			diffs:  bytesDiff(data),
			rules:  recorded(&fsRules{fsys: os.DirFS(root), opts: ropts}),
			input:  name,
		}
		return s, nil
	}
	repo, err := git.Open(ctx, e.dir)
	if err != nil {
		return nil, usageError(fmt.Errorf("%w (or pass --diff FILE)", err))
	}
	base := f.base
	head := "HEAD"
	if f.uncommitted {
		head = ""
		if base == "" {
			base = "HEAD"
		}
	}
	var baseSHA string
	what := base + ".." + head
	if base == "" {
		def, err := repo.DefaultBranch(ctx)
		if err != nil {
			return nil, usageError(err)
		}
		what = def + "...HEAD"
		if baseSHA, err = repo.MergeBase(ctx, def, "HEAD"); err != nil {
			return nil, usageError(err)
		}
	} else if baseSHA, err = repo.Commit(ctx, base); err != nil {
		return nil, usageError(fmt.Errorf("--base: %w", err))
	}
	var headSHA string
	if head != "" {
		if headSHA, err = repo.Commit(ctx, head); err != nil {
			return nil, err
		}
	}
	// The repo goes into the gateway's metadata header: the origin's name, never the
	// checkout's path, nor the credentials of the origin's URL.
	change := reviewer.Change{Forge: "local", Repo: repo.Name(ctx), BaseSHA: baseSHA, HeadSHA: headSHA}
	if headSHA != "" {
		msgs, branch, err := repo.Messages(ctx, baseSHA, headSHA)
		if err != nil {
			return nil, err
		}
		change.Title, change.Description = describe(msgs, branch)
		what += ", " + plural(len(msgs), "commit", "commits")
	} else {
		what = "the uncommitted changes against " + base
	}
	s := &source{
		what:   what,
		change: change,
		diffs:  gitDiff{repo: repo, untracked: f.untracked, context: c.Review.ContextLines},
	}
	if f.rulesWorktree {
		s.rules = recorded(&fsRules{fsys: os.DirFS(repo.Root()), opts: ropts})
	} else {
		s.rules = recorded(reviewer.TreeRules{Tree: repo, Opts: ropts})
	}
	return s, nil
}

func readDiff(e env, name string) ([]byte, string, error) {
	if name == "-" {
		data, err := io.ReadAll(e.stdin)
		if err != nil {
			return nil, "", fmt.Errorf("read diff from stdin: %w", err)
		}
		return data, "stdin", nil
	}
	path := e.abs(name)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read diff: %w", err)
	}
	return data, name, nil
}

// checkedDiff returns the diff the user gave, without the colour codes of git diff
// --color=always (or of color.ui=always), which a user piping git diff expects to work; it
// says so on stderr, as it does for empty input, which reviews as a change with no files.
func checkedDiff(e env, name string, data []byte) []byte {
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))) == 0 {
		fmt.Fprintf(e.stderr, "reviewer: %s is empty: no changes to review\n", name)
		return data
	}
	data, stripped := diff.StripColor(data)
	if stripped {
		fmt.Fprintf(e.stderr, "reviewer: %s has ANSI colour codes (git diff --color=always, or color.ui=always); "+
			"they were removed before the review (git diff --no-color writes none)\n", name)
	}
	return data
}

// badInput turns the error of a review of the diff the user gave into what to do about
// it: a diff that does not parse is bad input (exit 2), like a bad flag.
func badInput(name string, err error) error {
	var pe *diff.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	run := "git diff --no-color > change.diff"
	if name == "stdin" {
		run = "git diff --no-color | reviewer review --diff -"
	}
	var ie *diff.InputError
	switch {
	case errors.As(err, &ie) && errors.Is(ie, diff.ErrNoDiff):
		return usageError(fmt.Errorf("%s holds no diff: %s; review a diff instead (%s), or run reviewer review in a git work tree without --diff", name, ie.Detail, run))
	case ie != nil && errors.Is(ie, diff.ErrBinary):
		return usageError(fmt.Errorf("%s holds binary data, not a diff: %s (line %d); review a diff instead (%s)", name, ie.Detail, pe.Line, run))
	case ie != nil && errors.Is(ie, diff.ErrColor):
		// Left after StripColor: escapes that are not colours.
		return usageError(fmt.Errorf("%s has terminal escape codes at line %d; review a plain diff instead (%s)", name, pe.Line, run))
	}
	return usageError(fmt.Errorf("%s: %w; a whole diff comes from %s", name, pe, run))
}

// bytesDiff is a diff already in memory.
type bytesDiff []byte

func (b bytesDiff) Diff(context.Context, reviewer.Change) ([]byte, error) { return b, nil }

// gitDiff asks git for the diff from the change's base to its head (or the work tree).
type gitDiff struct {
	repo      *git.Repo
	untracked bool
	context   int
}

func (g gitDiff) Diff(ctx context.Context, c reviewer.Change) ([]byte, error) {
	return g.repo.Diff(ctx, c.BaseSHA, c.HeadSHA, git.DiffOptions{Untracked: g.untracked, Context: g.context})
}

// Tree reads files at a revision: the pipeline reads the base version of a file that
// looks generated, since only the base may say so, and the head versions for the context
// around the hunks. The head of uncommitted changes (rev "") is the work tree.
func (g gitDiff) Tree(ctx context.Context, c reviewer.Change, rev string, paths []string) (fs.FS, error) {
	if rev == "" {
		return worktreeFiles(g.repo.Root(), paths)
	}
	return g.repo.Tree(ctx, c, rev, paths)
}

// fsRules loads a rule set from a directory on disk.
type fsRules struct {
	fsys fs.FS
	opts rules.RepoOptions
}

// recordRules remembers the rule set a review loaded, for the repository's own fail_on.
// Rules problems are the user's to fix, like a bad flag, not a failure of the run.
type recordRules struct {
	src reviewer.RuleSource
	set *rules.Set
}

func recorded(src reviewer.RuleSource) *recordRules { return &recordRules{src: src} }

func (r *recordRules) Rules(ctx context.Context, c reviewer.Change) (*rules.Set, error) {
	set, err := r.src.Rules(ctx, c)
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) {
			err = usageError(err)
		}
		return nil, err
	}
	r.set = set
	return set, nil
}

// repoFailOn is the fail_on of the repository's .reviewer.yaml, "" when it has none.
func (r *recordRules) repoFailOn() string {
	if r.set == nil {
		return ""
	}
	return r.set.Settings.FailOn
}

func (r *fsRules) Rules(context.Context, reviewer.Change) (*rules.Set, error) {
	return rules.LoadRepo(r.fsys, r.opts)
}

// maxDescription bounds the commit messages given to the model as the description.
const maxDescription = 4000

// describe makes a title and a description of a local change from its commit messages
// (newest first), the way a pull request would have them: one commit gives its subject
// and body; several give the branch name and their messages, oldest first.
func describe(msgs []string, branch string) (title, description string) {
	switch len(msgs) {
	case 0:
		return branch, ""
	case 1:
		subject, body, _ := strings.Cut(msgs[0], "\n")
		return subject, strings.TrimSpace(body)
	}
	var b strings.Builder
	for i := len(msgs) - 1; i >= 0; i-- {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(msgs[i])
		if b.Len() > maxDescription {
			break
		}
	}
	d := b.String()
	if len(d) > maxDescription {
		d = strings.ToValidUTF8(d[:maxDescription], "") + "\n[...]"
	}
	if branch == "" {
		branch = fmt.Sprintf("%d commits", len(msgs))
	}
	return branch, d
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// describePublished tells, on stderr, what the review did on the forge.
func describePublished(e env, res *reviewer.Result, mode runMode) {
	p := res.Published
	switch {
	case !mode.post:
		fmt.Fprintf(e.stderr, "reviewer: nothing was posted (%s); %d forge API calls\n", mode.notPosted, p.APICalls)
	case p.Stale:
		fmt.Fprintf(e.stderr, "reviewer: the change's head moved during the review; nothing was published (%d forge API calls)\n", p.APICalls)
	default:
		fmt.Fprintf(e.stderr, "reviewer: posted %d comments (%d already there, %d refused by the forge, %d threads resolved), status %s; %d forge API calls\n",
			p.Posted, p.Kept, p.Rejected, p.Resolved, p.Status, p.APICalls)
	}
}
