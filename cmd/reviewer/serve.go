package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
	"github.com/reviewerbot/reviewer/rules"
)

func serveCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the webhook service: review every pull and merge request as it is opened or pushed",
		Long: `Listen for GitHub and GitLab webhooks, queue a review for each pull or merge request
opened, pushed to, marked ready or asked for with a /review comment, and post it.

Deliveries are acknowledged only once their job is stored in the queue (queue.url: an
SQLite file by default, PostgreSQL for several replicas). A newer push supersedes the
review of an older head; SIGTERM lets running reviews finish for server.shutdown_timeout
and leaves the rest queued for the next start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd.Context(), cmd, e)
		},
	}
	fl := cmd.Flags()
	fl.String("listen", "", "address to listen on (server.listen)")
	fl.String("queue-url", "", "sqlite:///path/reviewer.db or postgres://... (queue.url)")
	fl.Int("workers", 0, "reviews run at once by this replica (queue.workers)")
	fl.Bool("insecure-webhooks", false, "accept unsigned deliveries for a forge without a webhook secret (server.insecure_webhooks)")
	return cmd
}

var serveBind = map[string]string{
	"server.listen":            "listen",
	"queue.url":                "queue-url",
	"queue.workers":            "workers",
	"server.insecure_webhooks": "insecure-webhooks",
}

// maxHeaderBytes caps a request's headers: GitHub's and GitLab's are about 1 KiB, and
// net/http's default (1 MiB) would let each slow connection hold a megabyte.
const maxHeaderBytes = 16 << 10

// errRules and errConfig mark failures a retry can not mend: the repository's rules files,
// or this service's configuration, need fixing first.
var (
	errRules  = errors.New("rules")
	errConfig = errors.New("configuration")
)

func serve(ctx context.Context, cmd *cobra.Command, e env) error {
	c, err := config(cmd, e, serveBind)
	if err != nil {
		return err
	}
	level, _ := parseLevel(c.Log.Level)
	logger := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	if err := c.readWebhookSecrets(e); err != nil {
		return err
	}
	stopTraces, err := c.startTraces(ctx, e, logger)
	if err != nil {
		return err
	}
	defer stopTraces()
	if c.GitHub.WebhookSecret == "" && c.GitLab.WebhookSecret == "" && !c.Server.InsecureWebhooks {
		return usageError(errors.New("reviewer serve needs github.webhook_secret (REVIEWER_GITHUB_WEBHOOK_SECRET) or gitlab.webhook_secret " +
			"(REVIEWER_GITLAB_WEBHOOK_SECRET): without one anyone who reaches the port could queue reviews; " +
			"--insecure-webhooks accepts unsigned deliveries on a trusted network"))
	}
	if c.Server.InsecureWebhooks {
		logger.WarnContext(ctx, "server.insecure_webhooks is on: deliveries of a forge without a webhook secret are accepted unsigned")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	w := &worker{e: e, c: c, logger: logger, clients: map[string]forgeClient{}}
	if w.clones = openClones(ctx, e, c, logger); w.clones != nil {
		defer func() { _ = w.clones.Close() }()
	}
	debounce := c.Queue.Debounce
	if debounce == 0 {
		debounce = -1 // the queue's zero is its default; the configuration's is none
	}
	q, err := queue.Open(ctx, c.Queue.URL, queue.Options{
		Workers:          c.Queue.Workers,
		Debounce:         debounce,
		JobTimeout:       c.Queue.JobTimeout,
		RescueAfter:      c.Queue.RescueAfter,
		PollInterval:     c.Queue.PollInterval,
		Logger:           logger,
		Handler:          w.traced(w.handle),
		CheckSchema:      c.Queue.Migrate == "check",
		HeartbeatTimeout: c.Queue.HeartbeatTimeout,
		HistoryMaxAge:    c.History.MaxAge,
		Learn:            serveLearn(e, c, w, logger),
		LearnEvery:       c.Learn.Interval,
	})
	if err != nil {
		return usageError(fmt.Errorf("queue.url: %w", err))
	}
	defer q.Close()
	w.metrics = newServiceMetrics(reg, q)
	w.queue = q
	// The model answer cache is the queue's database: every replica reads what any asked.
	if w.base, _, err = modelOptions(e, c, logger, q.Cache()); err != nil {
		return err
	}
	if w.base.Model == nil {
		logger.WarnContext(ctx, "gateway.base_url is unset: only the deterministic pattern rules will run")
	}
	if w.seal, err = c.sealKey(e); err != nil {
		return err
	}
	if w.seal.IsZero() && w.base.Model != nil {
		logger.WarnContext(ctx, "security.key is unset and so is gateway.api_key: every push gets a whole review")
	}

	bots := []string{}
	for _, b := range []string{c.GitHub.BotLogin, c.GitLab.BotUsername} {
		if b != "" {
			bots = append(bots, b)
		}
	}
	hooks, err := webhook.New(webhook.Config{
		GitHubSecret: c.GitHub.WebhookSecret.reveal(),
		GitLabSecret: c.GitLab.WebhookSecret.reveal(),
		Insecure:     c.Server.InsecureWebhooks,
		ReviewDrafts: c.Server.ReviewDrafts,
		ReviewBots:   c.Server.ReviewBots,
		BotLogins:    bots,
		Logger:       logger,
		Registry:     reg,

		MaxUnverified: c.Server.MaxUnverified,
		BodyTimeout:   c.Server.BodyTimeout,
		BodyBudget:    int64(c.Server.BodyBudgetMiB) << 20,
		Replies:       replyLimit(c.Server.Replies),
	}, q)
	if err != nil {
		return usageError(err)
	}

	ui, err := statusPage(e, c, q, logger)
	if err != nil {
		return err
	}

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", c.Server.Listen)
	if err != nil {
		return usageError(fmt.Errorf("server.listen: %w", err))
	}
	// Headers arrive before anything is verified: each connection may hold MaxHeaderBytes
	// for ReadHeaderTimeout (the forges send about 1 KiB). The body has its own deadline,
	// server.body_timeout; ReadTimeout is a backstop.
	srv := &http.Server{Handler: withStatusPage(hooks, ui), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		MaxHeaderBytes: maxHeaderBytes}
	if err := q.Start(ctx); err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.InfoContext(ctx, "serving", slog.String("listen", ln.Addr().String()), slog.String("queue", queue.RedactURL(c.Queue.URL)),
		slog.Int("workers", c.Queue.Workers), slog.String("version", versionString()))

	select {
	case err = <-served:
		// The listener failed; stop the workers as on a signal.
	case <-ctx.Done():
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.Server.ShutdownTimeout)
	defer cancel()
	logger.InfoContext(stopCtx, "shutting down: no new deliveries; running reviews may finish", slog.Duration("shutdown_timeout", c.Server.ShutdownTimeout))
	// Stop taking deliveries first, so that nothing is acknowledged that no one will store.
	if serr := srv.Shutdown(stopCtx); serr != nil {
		logger.WarnContext(stopCtx, "http shutdown", slog.String("error", serr.Error()))
	}
	if qerr := q.Stop(stopCtx); qerr != nil {
		logger.WarnContext(stopCtx, "queue shutdown: unfinished reviews stay queued for the next start", slog.String("error", qerr.Error()))
	}
	logger.InfoContext(stopCtx, "stopped")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// worker reviews queued jobs.
type worker struct {
	e       env
	c       *Config
	base    reviewer.Options
	seal    seal.Key // seals the summary's head (security.key)
	logger  *slog.Logger
	metrics *serviceMetrics
	queue   *queue.Queue

	mu      sync.Mutex
	clients map[string]forgeClient // by forge and GitHub installation

	clones *clones.Cache // nil: files are read through the forge's API
}

// client returns the forge adapter for a job: one per forge, and per installation for a
// GitHub App, so that tokens, rate-limit state and the pace of writes are shared by every
// review that uses them.
func (w *worker) client(job queue.Job) (forgeClient, error) {
	c := *w.c
	if job.Forge == "github" && job.InstallationID != 0 && c.GitHub.AppID != 0 {
		c.GitHub.InstallationID = job.InstallationID
	}
	key := fmt.Sprintf("%s/%d", job.Forge, c.GitHub.InstallationID)
	w.mu.Lock()
	defer w.mu.Unlock()
	if cl, ok := w.clients[key]; ok {
		return cl, nil
	}
	host := "github.com"
	if job.Forge == "gitlab" {
		host = "gitlab.com"
	}
	cl, err := newForge(w.e, changeRef{forge: job.Forge, scheme: "https", host: host, repo: job.Repo}, &c, w.logger)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errConfig, err)
	}
	w.clients[key] = cl
	return cl, nil
}

// handle reviews one job. It returns nil when the job is done (reviewed, or superseded by
// a newer head); a permanent error when retrying can not help or the attempts are spent,
// after telling the people on the change; any other error to be retried with backoff.
func (w *worker) handle(ctx context.Context, job queue.Job) error {
	info, _ := queue.JobInfo(ctx)
	// The pipeline's own lines name the forge, repository, change and head.
	jobLog := w.logger.With(slog.String("delivery_id", job.DeliveryID), slog.Int64("job_id", info.ID),
		slog.Int("attempt", info.Attempt), slog.String("event", job.Event))
	log := jobLog.With(slog.String("forge", job.Forge), slog.String("repo", job.Repo), slog.Int("change", job.Number),
		slog.String("head_sha", job.HeadSHA))
	w.metrics.latency.Observe(info.Wait.Seconds())
	if job.Reply != nil {
		return w.handleReply(ctx, job, log)
	}
	start := time.Now()
	// Every attempt ends in the history, whichever way it ends (a panic included).
	a := newAttempt()
	defer w.record(ctx, job, start, a, log)
	err := w.review(ctx, job, jobLog, log, &a.res)
	switch {
	case err == nil:
		a.reviewed()
		return nil
	case errors.Is(err, errNotAllowed):
		log.InfoContext(ctx, "refused: the user who asked may not change the code", slog.String("sender", job.Sender))
		w.metrics.reviews.WithLabelValues(job.Forge, "refused").Inc()
		a.set(queue.OutcomeRefused, "the user who asked may not change the code", "")
		return nil
	case errors.Is(err, errRefused):
		// Said on the change (unless that failed); a later push or /review asks again.
		level := slog.LevelInfo
		if errors.Is(err, errUnsaid) {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "not reviewed: turned down by a limit", slog.String("reason", err.Error()))
		w.metrics.reviews.WithLabelValues(job.Forge, "limited").Inc()
		a.set(queue.OutcomeLimited, "turned down by a limit (review.outsiders or review.budget)", "")
		return nil
	case errors.Is(err, errSuperseded), queue.CancelledBySupersede(ctx):
		log.InfoContext(ctx, "superseded: the change has a newer head, whose review is queued")
		w.metrics.reviews.WithLabelValues(job.Forge, "superseded").Inc()
		a.set(queue.OutcomeSuperseded, "the change has a newer head", "")
		// A job the queue cancelled says so, and ends cancelled; one that found itself
		// superseded is done.
		if queue.CancelledBySupersede(ctx) {
			return context.Cause(ctx)
		}
		return nil
	}
	// The service is stopping: the job goes back to the queue as it is, whatever attempt
	// this was, and nothing is said on the change.
	if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		log.InfoContext(ctx, "stopped mid-review; the job stays queued")
		a.set(queue.OutcomeStopped, "the service stopped mid-review; the job stays queued", "")
		return err
	}
	kind := errorKind(err)
	a.failed(err, kind)
	w.metrics.errors.WithLabelValues(kind).Inc()
	if permanent(kind) || info.Attempt >= info.MaxAttempts {
		log.ErrorContext(ctx, "review failed; not retried", slog.String("kind", kind), slog.String("error", err.Error()),
			slog.Bool("attempts_spent", !permanent(kind)), slog.Duration("took", time.Since(start)))
		w.metrics.reviews.WithLabelValues(job.Forge, "failed").Inc()
		a.outcome = queue.OutcomeFailed
		// A publish that failed part-way has written what it could, summary included.
		var publishErr *reviewer.PublishError
		if !errors.As(err, &publishErr) {
			w.reportFailure(ctx, job, err, log)
		}
		return queue.Permanent(err)
	}
	w.metrics.reviews.WithLabelValues(job.Forge, "retried").Inc()
	// A rate limit that says when it lifts is waited out, not met again by the backoff.
	if reset, ok := reviewer.RateLimitReset(err); ok {
		log.WarnContext(ctx, "rate limited; the review waits until the limit lifts", slog.String("error", err.Error()),
			slog.Time("reset", reset))
		return queue.RetryAfter(err, time.Until(reset))
	}
	log.WarnContext(ctx, "review failed; it will be retried", slog.String("kind", kind), slog.String("error", err.Error()))
	return err
}

// permanent reports whether retrying can not mend a failure of this kind: a change or
// repository that is gone or forbidden, rules files to fix, or the service's own
// configuration.
func permanent(kind string) bool {
	return kind == "rules" || kind == "config" || kind == "forge"
}

var (
	errNotAllowed = errors.New("the user may not ask for a review")
	errSuperseded = errors.New("superseded by a newer head")
	errIncomplete = errors.New("review incomplete")
)

// review reviews the change's head as the forge reports it, which is newer than the
// job's when a push's delivery is late or lost; a job the queue knows a newer head of is
// superseded.
func (w *worker) review(ctx context.Context, job queue.Job, pipelineLog, log *slog.Logger, out *reviewer.Result) error {
	client, err := w.client(job)
	if err != nil {
		return err
	}
	change := reviewer.Change{Forge: job.Forge, Repo: job.Repo, Number: job.Number}
	// Who asked with a comment must be able to change the code: the forge is asked, since
	// the event says too little (a GitLab note no role, a GitHub MEMBER maybe read only).
	if requested(job) {
		if err := mayRequest(ctx, client, change, job); err != nil {
			return err
		}
	}
	req := reviewer.Request{Change: change}
	if w.limited() {
		// The limits are checked on the change as the forge reads it; the review starts
		// from that read rather than asking the forge again.
		read, err := w.admit(ctx, client, job, change)
		if err != nil {
			return err
		}
		req = reviewer.Request{Change: read, Read: true}
	}
	switch stale, err := w.queue.Superseded(ctx, job); {
	case err != nil:
		log.WarnContext(ctx, "could not ask the queue for newer heads; reviewing", slog.String("error", err.Error()))
	case stale:
		return errSuperseded
	}
	// Files are read from a clone of the repository where there is one.
	client, release := w.withClone(ctx, client, job)
	defer release()
	opts := w.base
	opts.Forge = client
	// With a clone, the model may also list directories and search the code.
	opts.Tools.Workspace = cloneWorkspace(client, req.Change)
	opts.Publish = w.c.publishOptions(w.seal)
	opts.Publish.Dismissals = queueDismissals{q: w.queue}
	start := time.Now()
	res, err := reviewer.New(client, serviceRules{reviewer.TreeRules{Tree: client, Opts: w.c.repoOptions()}}, opts, pipelineLog).Review(ctx, req)
	*out = res
	if err != nil {
		w.charge(ctx, &res, log)
		return err
	}
	w.metrics.observe(job.Forge, job.Repo, &res, time.Since(start))
	w.charge(ctx, &res, log)
	if res.Published.Stale {
		return errSuperseded
	}
	// Files the model could not review (the gateway down, rate limits) are in the
	// summary already; while attempts remain, try again for a complete review, which the
	// response cache makes cost only what failed.
	if failed := res.Coverage.Count(reviewer.OutcomeFailed); failed > 0 {
		if info, _ := queue.JobInfo(ctx); info.Attempt < info.MaxAttempts {
			err := fmt.Errorf("%w: %d files failed to review", errIncomplete, failed)
			// Not before the gateway said its rate limit lifts.
			if until := res.RateLimitedUntil; !until.IsZero() {
				return queue.RetryAfter(err, time.Until(until))
			}
			return err
		}
	}
	w.metrics.reviews.WithLabelValues(job.Forge, "reviewed").Inc()
	log.InfoContext(ctx, "reviewed", slog.String("reviewed_sha", res.Change.HeadSHA), slog.Int("findings", len(res.Findings)), slog.Int("posted", res.Published.Posted),
		slog.Int("kept", res.Published.Kept), slog.Int("resolved", res.Published.Resolved), slog.String("status", string(res.Published.Status)),
		slog.Int("model_requests", res.Usage.Requests), slog.Int("prompt_tokens", res.Usage.PromptTokens),
		slog.Float64("cost_usd", res.Usage.CostUSD), slog.Duration("took", time.Since(start)))
	return nil
}

// reportFailure puts a failure that will not be retried where people see it.
func (w *worker) reportFailure(ctx context.Context, job queue.Job, cause error, log *slog.Logger) {
	client, err := w.client(job)
	if err != nil {
		return
	}
	// The job's own time may be what ran out: the report gets its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	change := reviewer.Change{Forge: job.Forge, Repo: job.Repo, Number: job.Number, HeadSHA: job.HeadSHA}
	if err := reviewer.ReportFailure(ctx, client, change, cause, w.seal); err != nil {
		log.WarnContext(ctx, "could not report the failure on the change", slog.String("error", err.Error()))
	}
}

// serviceRules marks rules problems, which the repository must fix, as permanent.
type serviceRules struct{ src reviewer.RuleSource }

func (s serviceRules) Rules(ctx context.Context, c reviewer.Change) (*rules.Set, error) {
	set, err := s.src.Rules(ctx, c)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		var re *rules.Error
		if errors.As(err, &re) || errors.Is(err, reviewer.ErrNotFound) {
			return nil, fmt.Errorf("%w: %w", errRules, err)
		}
	}
	return set, err
}

// replyLimit is server.replies as the intake takes it: per_hour 0 turns the bound off,
// which webhook.ReplyLimit says with a negative PerHour.
func replyLimit(r RepliesConfig) webhook.ReplyLimit {
	if r.PerHour == 0 {
		return webhook.ReplyLimit{PerHour: -1}
	}
	return webhook.ReplyLimit{PerHour: r.PerHour, Burst: r.Burst}
}
