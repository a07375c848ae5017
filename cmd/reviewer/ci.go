package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git"
	"github.com/reviewerbot/reviewer/reviewer/report"
)

type ciFlags struct {
	formats []string
	output  string
	// sarif, codequality and json are the older spellings of --format FORMAT=FILE.
	sarif, codequality, json string
	post                     bool
}

func ciCmd(e env) *cobra.Command {
	var f ciFlags
	cmd := &cobra.Command{
		Use:   "ci",
		Short: "Review the merge request or pull request this CI job runs for",
		Long: `Review the change of the pipeline this runs in, found from the CI's own variables:
a GitLab CI merge request pipeline, or a GitHub Actions pull_request or pull_request_target
workflow. The review is posted on the change when a token that can write is there
(REVIEWER_GITLAB_TOKEN on GitLab; GITHUB_TOKEN or REVIEWER_GITHUB_TOKEN on GitHub); the
reports are written either way, and the exit status follows --fail-on.

In a pipeline or workflow that is not for a change it says so and exits 0. Outside GitLab
CI and GitHub Actions (on a laptop, in another CI) it exits 2: there is no change to find,
and reviewer review --base TARGET is the command to run there. A pipeline whose commit is no
longer the change's head reviews nothing: the newer pipeline does.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return ci(cmd.Context(), cmd, e, f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.formats, "format", nil, "report format text, json, sarif or codequality, optionally =FILE; repeatable (text goes to stdout as well unless a format takes stdout)")
	fl.StringVarP(&f.output, "output", "o", "", "file for the format given without =FILE (default stdout)")
	fl.StringVar(&f.sarif, "sarif", "", "alias of --format sarif=FILE (GitHub code scanning); empty writes none")
	fl.StringVar(&f.codequality, "codequality", "", "alias of --format codequality=FILE (GitLab artifacts:reports:codequality); empty writes none")
	fl.StringVar(&f.json, "json", "", "alias of --format json=FILE; empty writes none")
	fl.BoolVar(&f.post, "post", true, "post the comments, the summary and the commit status on the change when the token can")
	fl.String("fail-on", "", "lowest severity that exits 1: info, warning, error or none (review.fail_on)")
	fl.String("rules-dir", "", "rules directory, relative to the repository root (review.rules_dir)")
	fl.StringArray("ignore", nil, "extra glob of files not to review, repeatable; !glob re-includes (review.ignore)")
	fl.StringSlice("disable", nil, "rule ids not to apply (review.disable)")
	fl.Bool("builtin", true, "apply the built-in starter rules (review.builtin)")
	fl.Int("max-comments", 0, "the most findings to report, most severe first; 0 for no bound (review.max_comments)")
	fl.String("model", "", "the model to ask (gateway.model)")
	fl.String("cache-dir", "", "directory caching model answers between runs (cache.dir)")
	return cmd
}

var ciBind = map[string]string{
	"review.fail_on":      "fail-on",
	"review.rules_dir":    "rules-dir",
	"review.ignore":       "ignore",
	"review.disable":      "disable",
	"review.builtin":      "builtin",
	"review.max_comments": "max-comments",
	"gateway.model":       "model",
	"cache.dir":           "cache-dir",
}

// ciJob is the change a CI job runs for, read from the CI's variables.
type ciJob struct {
	provider string // "GitLab CI" or "GitHub Actions"
	ref      changeRef
	// apiURL is the forge's API root the CI names (CI_API_V4_URL, GITHUB_API_URL).
	apiURL string
	// baseSHA is the change's diff base, headSHA the commit the pipeline runs for.
	baseSHA, headSHA string
	// token is the CI's own token (GITHUB_TOKEN), used when the configuration has none.
	token string
	// readOnly says why the token can not post, when it can not.
	readOnly string
	// skip says why there is nothing to review, outside a merge request pipeline.
	skip string
}

// detectCI finds the change a CI job runs for. A job outside GitLab CI and GitHub Actions
// is a usage error; one in them but not for a change has skip set.
func detectCI(vars map[string]string, readFile func(string) ([]byte, error)) (ciJob, error) {
	switch {
	case vars["GITLAB_CI"] == "true":
		return detectGitLabCI(vars)
	case vars["GITHUB_ACTIONS"] == "true":
		return detectGitHubActions(vars, readFile)
	}
	return ciJob{}, errors.New("not in a GitLab CI or GitHub Actions job (neither GITLAB_CI nor GITHUB_ACTIONS is true): " +
		"in another CI, run reviewer review --base TARGET with --format to write reports")
}

func detectGitLabCI(vars map[string]string) (ciJob, error) {
	job := ciJob{provider: "GitLab CI"}
	iid := vars["CI_MERGE_REQUEST_IID"]
	if iid == "" {
		source := vars["CI_PIPELINE_SOURCE"]
		if source == "" {
			source = "unknown"
		}
		job.skip = fmt.Sprintf("this is not a merge request pipeline (CI_PIPELINE_SOURCE=%s, no CI_MERGE_REQUEST_IID); "+
			`run the job with rules: [if: $CI_PIPELINE_SOURCE == "merge_request_event"]`, source)
		return job, nil
	}
	n, err := strconv.Atoi(iid)
	if err != nil || n <= 0 {
		return job, fmt.Errorf("CI_MERGE_REQUEST_IID=%q is not a merge request number", iid)
	}
	server, err := ciURL(vars, "CI_SERVER_URL")
	if err != nil {
		return job, err
	}
	// The merge request belongs to its target project; in a fork's pipeline CI_PROJECT_PATH
	// is the fork.
	repo := vars["CI_MERGE_REQUEST_PROJECT_PATH"]
	if repo == "" {
		repo = vars["CI_PROJECT_PATH"]
	}
	if repo == "" {
		return job, errors.New("CI_MERGE_REQUEST_PROJECT_PATH and CI_PROJECT_PATH are both unset: no project to review")
	}
	job.ref = changeRef{forge: "gitlab", scheme: server.Scheme, host: server.Host, repo: repo, number: n}
	job.apiURL = vars["CI_API_V4_URL"]
	// A merged results pipeline runs on a merge commit; the change's head is the source
	// branch's commit.
	job.headSHA = vars["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"]
	if job.headSHA == "" {
		job.headSHA = vars["CI_COMMIT_SHA"]
	}
	job.baseSHA = vars["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
	if job.headSHA == "" || job.baseSHA == "" {
		return job, errors.New("CI_COMMIT_SHA or CI_MERGE_REQUEST_DIFF_BASE_SHA is unset in a merge request pipeline")
	}
	return job, nil
}

// githubEvent is the part of a pull_request event payload the job needs.
type githubEvent struct {
	PullRequest *struct {
		Number int `json:"number"`
		Head   struct {
			SHA  string `json:"sha"`
			Repo *struct {
				FullName string `json:"full_name"`
			} `json:"repo"`
		} `json:"head"`
		Base struct {
			SHA  string `json:"sha"`
			Repo struct {
				FullName string `json:"full_name"`
			} `json:"repo"`
		} `json:"base"`
	} `json:"pull_request"`
}

func detectGitHubActions(vars map[string]string, readFile func(string) ([]byte, error)) (ciJob, error) {
	job := ciJob{provider: "GitHub Actions"}
	event := vars["GITHUB_EVENT_NAME"]
	if event != "pull_request" && event != "pull_request_target" {
		job.skip = fmt.Sprintf("the workflow runs for a %q event, not a pull request; "+
			"run it on: pull_request", event)
		return job, nil
	}
	path := vars["GITHUB_EVENT_PATH"]
	if path == "" {
		return job, errors.New("GITHUB_EVENT_PATH is unset: no event payload to read the pull request from")
	}
	data, err := readFile(path)
	if err != nil {
		return job, fmt.Errorf("GITHUB_EVENT_PATH: %w", err)
	}
	var ev githubEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return job, fmt.Errorf("GITHUB_EVENT_PATH %s: %w", path, err)
	}
	pr := ev.PullRequest
	if pr == nil || pr.Number <= 0 || pr.Head.SHA == "" {
		return job, fmt.Errorf("GITHUB_EVENT_PATH %s: the %s event has no pull_request with a number and a head", path, event)
	}
	server, err := ciURL(vars, "GITHUB_SERVER_URL")
	if err != nil {
		return job, err
	}
	repo := vars["GITHUB_REPOSITORY"]
	if repo == "" {
		repo = pr.Base.Repo.FullName
	}
	job.ref = changeRef{forge: "github", scheme: server.Scheme, host: server.Host, repo: repo, number: pr.Number}
	job.apiURL = vars["GITHUB_API_URL"]
	job.headSHA, job.baseSHA = pr.Head.SHA, pr.Base.SHA
	job.token = vars["GITHUB_TOKEN"]
	// GitHub gives a pull_request workflow from a fork a read-only token (and no secrets).
	fork := pr.Head.Repo == nil || !strings.EqualFold(pr.Head.Repo.FullName, pr.Base.Repo.FullName)
	if event == "pull_request" && fork {
		job.readOnly = "the pull request comes from a fork, and GitHub gives such workflows a read-only GITHUB_TOKEN"
	}
	return job, nil
}

// ciURL reads a variable holding the forge's web address.
func ciURL(vars map[string]string, name string) (*url.URL, error) {
	v := vars[name]
	if v == "" {
		return nil, fmt.Errorf("%s is unset", name)
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s=%q is not an http(s) URL", name, v)
	}
	return u, nil
}

func environMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func ci(ctx context.Context, cmd *cobra.Command, e env, f ciFlags) error {
	vars := environMap(e.environ)
	job, err := detectCI(vars, os.ReadFile)
	if err != nil {
		return usageError(err)
	}
	if job.skip != "" {
		fmt.Fprintf(e.stderr, "reviewer: %s: %s; nothing to review\n", job.provider, job.skip)
		return nil
	}
	c, err := config(cmd, e, ciBind)
	if err != nil {
		return err
	}
	outs, err := ciOutputs(f)
	if err != nil {
		return usageError(err)
	}
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
	fmt.Fprintf(e.stderr, "reviewer: %s: %s\n", job.provider, describeJob(job))

	canRead, post, why := ciAccess(c, job, vars)
	if f.post && !post {
		fmt.Fprintf(e.stderr, "reviewer: the review is not posted: %s; the reports are still written\n", why)
	}
	mode := runMode{onForge: canRead, post: post && f.post, notPosted: why, progress: progress}
	if !f.post {
		mode.notPosted = "--post=false"
	}
	var src *source
	if canRead {
		src, err = ciForgeSource(ctx, e, c, job, mode.post, logger)
	} else {
		src, err = ciGitSource(ctx, e, c, job)
	}
	if err != nil || src == nil {
		return err
	}
	src.what = describeJob(job)
	return reviewAndReport(ctx, e, c, logger, src, outs, mode)
}

// ciOutputs reads --format as review does, with the older --sarif, --codequality and
// --json as aliases of --format FORMAT=FILE (an empty one, as action.yml passes for an
// input left out, writes nothing). The job's log always gets the text report, unless
// another format was sent to stdout.
func ciOutputs(f ciFlags) ([]output, error) {
	specs := slices.Clone(f.formats)
	for _, a := range []struct {
		format report.Format
		file   string
	}{{report.FormatSARIF, f.sarif}, {report.FormatCodeQuality, f.codequality}, {report.FormatJSON, f.json}} {
		if a.file != "" {
			specs = append(specs, string(a.format)+"="+a.file)
		}
	}
	if len(specs) == 0 {
		return []output{{format: report.FormatText}}, nil
	}
	outs, err := parseOutputs(specs, f.output)
	if err != nil {
		return nil, err
	}
	for _, o := range outs {
		if o.file == "" {
			return outs, nil
		}
	}
	return append([]output{{format: report.FormatText}}, outs...), nil
}

// describeJob names the change and commit a job reviews.
func describeJob(job ciJob) string {
	sep := "#"
	if job.ref.forge == "gitlab" {
		sep = "!"
	}
	return fmt.Sprintf("%s%s%d at %s", job.ref.repo, sep, job.ref.number, shortSHA(job.headSHA))
}

func shortSHA(s string) string { return s[:min(len(s), 12)] }

// ciAccess fills in what the CI offers where the configuration is silent (the API root,
// GITHUB_TOKEN and the login it posts as) and decides whether the forge can be read and
// posted to, and if not, why.
func ciAccess(c *Config, job ciJob, vars map[string]string) (canRead, canPost bool, why string) {
	switch job.ref.forge {
	case "github":
		if c.GitHub.BaseURL == "" && job.apiURL != "" && strings.TrimSuffix(job.apiURL, "/") != "https://api.github.com" {
			c.GitHub.BaseURL = strings.TrimSuffix(job.apiURL, "/") + "/"
		}
		if c.GitHub.Token == "" && c.GitHub.AppID == 0 && job.token != "" {
			c.GitHub.Token = secret(job.token)
			// An installation token can not look itself up; Actions' token posts as this bot.
			if c.GitHub.BotLogin == "" {
				c.GitHub.BotLogin = "github-actions[bot]"
			}
		}
		if c.GitHub.Token == "" && c.GitHub.AppID == 0 {
			return false, false, "there is no GitHub token: pass GITHUB_TOKEN (secrets.GITHUB_TOKEN) to the step"
		}
		// A fork's workflow has no secrets, so whatever token it has is the read-only one.
		if job.readOnly != "" {
			return true, false, job.readOnly
		}
		return true, true, ""
	default:
		if c.GitLab.BaseURL == "" && job.apiURL != "" {
			c.GitLab.BaseURL = strings.TrimSuffix(strings.TrimSuffix(job.apiURL, "/"), "/api/v4")
		}
		if c.GitLab.Token != "" {
			return true, true, ""
		}
		if vars["CI_JOB_TOKEN"] != "" {
			return false, false, "REVIEWER_GITLAB_TOKEN is unset, and the CI job token (CI_JOB_TOKEN) can not read merge request diffs " +
				"or post merge request notes: add a project or group access token with the api scope as a masked CI/CD variable REVIEWER_GITLAB_TOKEN"
		}
		return false, false, "REVIEWER_GITLAB_TOKEN is unset: add a project or group access token with the api scope as a masked CI/CD variable"
	}
}

// ciForgeSource reads the change from the forge, like review --change. A pipeline whose
// commit is no longer the change's head returns no source: its review would be stale.
func ciForgeSource(ctx context.Context, e env, c *Config, job ciJob, post bool, logger *slog.Logger) (*source, error) {
	client, err := newForge(e, job.ref, c, logger)
	if err != nil {
		return nil, err
	}
	change := reviewer.Change{Forge: job.ref.forge, Repo: job.ref.repo, Number: job.ref.number}
	if cr, ok := client.(reviewer.ChangeReader); ok {
		now, err := cr.ReadChange(ctx, change)
		if err != nil {
			return nil, fmt.Errorf("%s: read change: %w", describeJob(job), err)
		}
		if now.HeadSHA != "" && now.HeadSHA != job.headSHA {
			fmt.Fprintf(e.stderr, "reviewer: %s is no longer the head (now %s): the newer pipeline reviews it; nothing to do\n",
				shortSHA(job.headSHA), shortSHA(now.HeadSHA))
			return nil, nil
		}
	}
	return forgeSource(client, job.ref, c, post), nil
}

// ciGitSource reviews the job's checkout when the forge can not be read: the diff from the
// change's base to the checked-out commit, with the rules of the base.
func ciGitSource(ctx context.Context, e env, c *Config, job ciJob) (*source, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, errors.New("there is no token to read the change from the forge, and no git to read it from the checkout " +
			"(the reviewer image has none): give the job a token")
	}
	repo, err := git.Open(ctx, e.dir)
	if err != nil {
		return nil, fmt.Errorf("there is no token to read the change from the forge, and no checkout to read it from: %w", err)
	}
	base, err := repo.Commit(ctx, job.baseSHA)
	if err != nil {
		return nil, fmt.Errorf("the change's base commit %s is not in this clone (a shallow checkout?): "+
			"fetch the full history (GIT_DEPTH: 0 on GitLab, fetch-depth: 0 with actions/checkout) or give the job a token: %w", shortSHA(job.baseSHA), err)
	}
	// The change's head, when the clone has it; a merged results pipeline checks out a
	// merge commit that also holds what the target branch gained since the base.
	head, err := repo.Commit(ctx, job.headSHA)
	if err != nil {
		if head, err = repo.Commit(ctx, "HEAD"); err != nil {
			return nil, err
		}
	}
	return &source{
		change: reviewer.Change{Forge: "local", Repo: job.ref.repo, Number: job.ref.number, BaseSHA: base, HeadSHA: head},
		diffs:  gitDiff{repo: repo, context: c.Review.ContextLines},
		rules:  recorded(reviewer.TreeRules{Tree: repo, Opts: c.repoOptions()}),
	}, nil
}
