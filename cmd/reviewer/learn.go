package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/learn"
	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// LearnConfig is how the rules learn from dismissals (learn.*).
type LearnConfig struct {
	// Enabled makes serve's leader run learning every Interval.
	Enabled  bool          `mapstructure:"enabled"`
	Interval time.Duration `mapstructure:"interval"`
	// MinDismissals and MinPeople are the evidence a proposal needs: dismissals of one
	// rule for one reason, by at least MinPeople people, within Window.
	MinDismissals int           `mapstructure:"min_dismissals"`
	MinPeople     int           `mapstructure:"min_people"`
	Window        time.Duration `mapstructure:"window"`
}

func (l LearnConfig) validate() []error {
	var errs []error
	if l.Interval <= 0 {
		errs = append(errs, fmt.Errorf("learn.interval: %s must be positive", l.Interval))
	}
	if l.MinDismissals < 1 {
		errs = append(errs, fmt.Errorf("learn.min_dismissals: %d; at least one dismissal is needed", l.MinDismissals))
	}
	if l.MinPeople < 1 {
		errs = append(errs, fmt.Errorf("learn.min_people: %d; at least one person is needed", l.MinPeople))
	}
	if l.Window < 0 {
		errs = append(errs, fmt.Errorf("learn.window: %s is negative", l.Window))
	}
	return errs
}

func (l LearnConfig) thresholds() learn.Thresholds {
	return learn.Thresholds{MinDismissals: l.MinDismissals, MinPeople: l.MinPeople, Window: l.Window}
}

var learnBind = map[string]string{
	"queue.url": "queue-url",
}

func learnCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "learn",
		Short: "Propose edits of the rules files from the findings people dismissed",
		Long: `Count the dismissals reviewer serve recorded in its queue database (queue.url) per
repository and rule. When a rule's findings keep being dismissed for one reason
(learn.min_dismissals, by learn.min_people people, within learn.window), propose one
edit of the repository's rules file for it: an exclude glob when the findings were in
files one glob selects, a lower severity when most said "not a bug", or a "Do not flag"
section with the places. Each repository gets one pull or merge request, on the branch
reviewer/learn, updated as evidence comes; nothing is ever merged.

--dry-run prints the patch as a unified diff and writes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := config(cmd, e, learnBind)
			if err != nil {
				return err
			}
			repo, _ := cmd.Flags().GetString("repo")
			dry, _ := cmd.Flags().GetBool("dry-run")
			log := newLogger(e.stderr, c.Log.Level)
			q, err := queue.Open(cmd.Context(), c.Queue.URL, queue.Options{CheckSchema: true, Logger: log})
			if err != nil {
				return usageError(fmt.Errorf("queue.url: %w", err))
			}
			defer q.Close()
			l := learner{e: e, c: c, q: q, log: log, dryRun: dry, out: e.stdout}
			return l.run(cmd.Context(), repo)
		},
	}
	fl := cmd.Flags()
	fl.String("queue-url", "", "sqlite:///path/reviewer.db or postgres://... (queue.url)")
	fl.String("repo", "", "only this repository (owner/name, or GitLab's full path)")
	fl.Bool("dry-run", false, "print the patch and change nothing")
	return cmd
}

// learner runs learning over every repository with dismissals.
type learner struct {
	e      env
	c      *Config
	q      *queue.Queue
	log    *slog.Logger
	dryRun bool
	out    io.Writer // the patches of a dry run
	// forge returns the adapter of a forge; nil uses newForge.
	forge   func(forge, repo string) (reviewer.ProposalWriter, error)
	metrics *serviceMetrics
}

// run proposes for every repository (or only repo), each on its own: a repository whose
// forge fails does not stop the others; the errors are joined.
func (l learner) run(ctx context.Context, repo string) error {
	stored, err := l.q.Dismissals(ctx, queue.DismissalFilter{Repo: repo})
	if err != nil {
		return err
	}
	var ds []learn.Dismissal
	type key struct{ forge, repo string }
	var repos []key
	for _, d := range stored {
		if !d.ForLearning {
			continue
		}
		ds = append(ds, learn.Dismissal{Forge: d.Forge, Repo: d.Repo, Change: d.Change, RuleID: d.RuleID, Path: d.Path,
			Line: d.Line, Thread: d.Thread, Who: d.Who, Words: d.Words, At: d.At})
		if k := (key{d.Forge, d.Repo}); !slices.Contains(repos, k) {
			repos = append(repos, k)
		}
	}
	red := redact.New()
	mask := func(s string) string { out, _ := red.String(s); return out }
	var errs []error
	for _, k := range repos {
		w, err := l.writer(k.forge, k.repo)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", k.forge, k.repo, err))
			continue
		}
		cfg := learn.Config{Thresholds: l.c.Learn.thresholds(), DryRun: l.dryRun, Mask: mask, Link: l.link(k.forge),
			Rules: l.c.repoOptions()}
		res, err := learn.Run(ctx, w, k.forge, k.repo, ds, cfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", k.forge, k.repo, err))
		}
		if len(res.Proposals) == 0 {
			l.log.InfoContext(ctx, "nothing to learn", slog.String("forge", k.forge), slog.String("repo", k.repo))
			continue
		}
		if l.dryRun {
			fmt.Fprint(l.out, res.Patch)
			continue
		}
		if res.URL != "" {
			l.log.InfoContext(ctx, "rules proposal", slog.String("state", res.State.String()), slog.String("repo", k.repo), slog.String("url", res.URL),
				slog.Int("rules", len(res.Proposals)))
			if l.metrics != nil && res.State != reviewer.ProposalUnchanged {
				l.metrics.proposals.WithLabelValues(k.forge, res.State.String()).Inc()
			}
		}
	}
	return errors.Join(errs...)
}

func (l learner) writer(forge, repo string) (reviewer.ProposalWriter, error) {
	if l.forge != nil {
		return l.forge(forge, repo)
	}
	host := "github.com"
	if forge == "gitlab" {
		host = "gitlab.com"
	}
	cl, err := newForge(l.e, changeRef{forge: forge, scheme: "https", host: host, repo: repo}, l.c, l.log)
	if err != nil {
		return nil, err
	}
	w, ok := cl.(reviewer.ProposalWriter)
	if !ok {
		return nil, fmt.Errorf("the %s adapter cannot open pull or merge requests", forge)
	}
	return w, nil
}

// link makes the links to a forge's threads: its web address, from the API's.
func (l learner) link(forge string) learn.ThreadURL {
	if forge == "gitlab" {
		base := strings.TrimSuffix(strings.TrimSuffix(l.c.GitLab.BaseURL, "/"), "/api/v4")
		if base == "" {
			base = "https://gitlab.com"
		}
		return learn.GitLabThread(base)
	}
	base := "https://github.com"
	if u, err := url.Parse(l.c.GitHub.BaseURL); err == nil && l.c.GitHub.BaseURL != "" && u.Host != "api.github.com" {
		base = u.Scheme + "://" + u.Host
	}
	return learn.GitHubThread(base)
}

// serveLearn is the periodic learning of serve's leader (learn.enabled), through the
// worker's forge clients; nil when learning is off.
func serveLearn(e env, c *Config, w *worker, log *slog.Logger) func(ctx context.Context) error {
	if !c.Learn.Enabled {
		return nil
	}
	return func(ctx context.Context) error {
		l := learner{e: e, c: c, q: w.queue, log: log, metrics: w.metrics, out: io.Discard,
			forge: func(forge, repo string) (reviewer.ProposalWriter, error) {
				cl, err := w.client(queue.Job{Forge: forge, Repo: repo})
				if err != nil {
					return nil, err
				}
				pw, ok := cl.(reviewer.ProposalWriter)
				if !ok {
					return nil, fmt.Errorf("the %s adapter cannot open pull or merge requests", forge)
				}
				return pw, nil
			}}
		err := l.run(ctx, "")
		if err != nil {
			log.ErrorContext(ctx, "learning failed", slog.String("error", err.Error()))
		}
		return err
	}
}
