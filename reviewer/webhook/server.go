package webhook

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// Enqueuer stores review jobs durably. The queue implements it.
type Enqueuer interface {
	// Enqueue stores j, or finds the job already holding its delivery or head, and says
	// which. When it returns nil the job survives a restart.
	Enqueue(ctx context.Context, j queue.Job) (queue.Enqueued, error)
	// Ready reports whether Enqueue can store jobs now.
	Ready(ctx context.Context) error
}

const (
	// DefaultMaxBody is the largest body read when Config.MaxBody is zero: GitHub caps
	// webhook payloads at 25 MB and does not deliver larger ones.
	DefaultMaxBody int64 = 25 << 20
	// DefaultCommand is the comment that asks for a review when Config.Command is empty.
	DefaultCommand = "/review"
	// DefaultEnqueueTimeout bounds Enqueue when Config.EnqueueTimeout is zero. GitHub and
	// GitLab both give a delivery 10 seconds before they record it as failed.
	DefaultEnqueueTimeout = 5 * time.Second
	// DefaultMaxUnverified is how many bodies are read at once before they are verified
	// when Config.MaxUnverified is zero.
	DefaultMaxUnverified = 1024
	// DefaultBodyTimeout is how long a body may take to arrive when Config.BodyTimeout is
	// zero: the forges give the whole delivery 10 seconds.
	DefaultBodyTimeout = 10 * time.Second
	// DefaultBodyBudget is the bytes all bodies being read and handled may hold when
	// Config.BodyBudget is zero (and it is at least twice Config.MaxBody).
	DefaultBodyBudget int64 = 64 << 20

	// budgetWait bounds how long a body waits for its turn and its share of the body
	// budget before it is answered 503: long, as a delivery waits in line behind a flood,
	// but short of the 10 seconds GitHub gives a delivery, so the answer still arrives.
	budgetWait = 8 * time.Second
	// evictGrace is how long a body must have been reading before a newer one may cut it
	// off: a real delivery's body arrives well within it.
	evictGrace = time.Second

	// readyTimeout bounds the queue's Ready in /readyz, well under a probe's timeout.
	readyTimeout = 2 * time.Second
)

// Config configures a Server. The zero value serves nothing but health and metrics: each
// forge's endpoint needs its secret (or Insecure).
type Config struct {
	// GitHubSecret is the webhook secret set on the GitHub webhook or App. Empty turns
	// POST /webhooks/github off (404) unless Insecure is set.
	GitHubSecret string
	// GitLabSecret is the secret token set on the GitLab webhook. Empty turns
	// POST /webhooks/gitlab off (404) unless Insecure is set.
	GitLabSecret string
	// Insecure accepts unsigned deliveries on an endpoint whose secret is empty. It is for
	// local testing only; the caller must log loudly that it is on. A secret that is set
	// is always checked.
	Insecure bool
	// MaxBody is the largest request body read, in bytes; larger is 413. Zero means
	// DefaultMaxBody.
	MaxBody int64
	// MaxUnverified is how many bodies are read at once before their signature can be
	// checked (GitHub's is in the body's HMAC; a GitLab token is checked before). Zero
	// means DefaultMaxUnverified.
	MaxUnverified int
	// BodyTimeout is how long a body may take to arrive; a slower one is 408. Zero means
	// DefaultBodyTimeout.
	BodyTimeout time.Duration
	// BodyBudget bounds the bytes of all request bodies held at once, being read or being
	// handled; it must be at least twice MaxBody. Zero means DefaultBodyBudget, or twice
	// MaxBody when that is more.
	BodyBudget int64
	// ReviewDrafts reviews draft pull and merge requests too. Without it a draft is
	// reviewed when it is marked ready.
	ReviewDrafts bool
	// ReviewBots reviews changes pushed or opened by bots (GitHub sender.type "Bot" or a
	// "[bot]" login; GitLab project and group access-token users).
	ReviewBots bool
	// BotLogins are the bot's own GitHub logins and GitLab usernames, compared without
	// case and without a "[bot]" suffix. Events they caused never trigger a review.
	BotLogins []string
	// Command is the comment that asks for a review. Empty means DefaultCommand. It may
	// not contain whitespace.
	Command string
	// Replies bounds the replies in the bot's threads queued per change and per writer.
	Replies ReplyLimit
	// Logger receives one line per delivery. Nil discards.
	Logger *slog.Logger
	// Registry receives the intake's metrics and is served on /metrics. Nil means a new
	// registry with the Go and process collectors.
	Registry *prometheus.Registry
	// EnqueueTimeout bounds one Enqueue call. Zero means DefaultEnqueueTimeout.
	EnqueueTimeout time.Duration
}

// LogValue describes the configuration without its secrets, so a Config can be logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("github_secret_set", c.GitHubSecret != ""),
		slog.Bool("gitlab_secret_set", c.GitLabSecret != ""),
		slog.Bool("insecure", c.Insecure),
		slog.Int64("max_body", c.MaxBody),
		slog.Int("max_unverified", c.MaxUnverified),
		slog.Duration("body_timeout", c.BodyTimeout),
		slog.Int64("body_budget", c.BodyBudget),
		slog.Bool("review_drafts", c.ReviewDrafts),
		slog.Bool("review_bots", c.ReviewBots),
		slog.Any("bot_logins", c.BotLogins),
		slog.String("command", c.Command),
		slog.Duration("enqueue_timeout", c.EnqueueTimeout),
	)
}

// String describes the configuration without its secrets, so that printing a Config
// with fmt cannot leak them.
func (c Config) String() string { return c.LogValue().String() }

// GoString is String for %#v.
func (c Config) GoString() string { return c.String() }

// Server is the webhook intake. It is an http.Handler; build it with New.
type Server struct {
	enq      Enqueuer
	log      *slog.Logger
	reg      *prometheus.Registry
	metrics  *metrics
	mux      *http.ServeMux
	insecure bool
	maxBody  int64
	// budget bounds the bodies read before they are verified, in number and in bytes:
	// without it anyone who reaches the port could make the server hold as many bodies as
	// they open connections. bodyTimeout bounds how long one takes to arrive, and
	// budgetWait how long one waits for the budget.
	budget         *budget
	bodyTimeout    time.Duration
	budgetWait     time.Duration
	reviewDrafts   bool
	reviewBots     bool
	command        string
	enqueueTimeout time.Duration
	// githubKey is the HMAC key; nil when GitHub deliveries are not configured.
	githubKey []byte
	// gitlabToken is the SHA-256 of the GitLab secret, so that comparing a token of any
	// length takes the same time; nil when GitLab deliveries are not configured.
	gitlabToken *[sha256.Size]byte
	// bots holds BotLogins, normalized by botKey.
	bots map[string]bool
	// replies bounds the reply jobs queued; nil queues all.
	replies *replyLimiter
}

// New returns a Server that stores the jobs of the deliveries it accepts through enq.
func New(cfg Config, enq Enqueuer) (*Server, error) {
	if enq == nil {
		return nil, errors.New("webhook: nil Enqueuer")
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Command == "" {
		cfg.Command = DefaultCommand
	}
	if cfg.EnqueueTimeout == 0 {
		cfg.EnqueueTimeout = DefaultEnqueueTimeout
	}
	if cfg.MaxUnverified == 0 {
		cfg.MaxUnverified = DefaultMaxUnverified
	}
	if cfg.BodyTimeout == 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if cfg.BodyBudget == 0 {
		cfg.BodyBudget = max(DefaultBodyBudget, 2*cfg.MaxBody)
	}
	var errs []error
	if cfg.MaxBody < 0 {
		errs = append(errs, fmt.Errorf("webhook: max body %d is negative", cfg.MaxBody))
	}
	if strings.IndexFunc(cfg.Command, unicode.IsSpace) >= 0 {
		errs = append(errs, fmt.Errorf("webhook: command %q contains whitespace", cfg.Command))
	}
	if cfg.EnqueueTimeout < 0 {
		errs = append(errs, fmt.Errorf("webhook: enqueue timeout %s is negative", cfg.EnqueueTimeout))
	}
	if cfg.MaxUnverified < 0 {
		errs = append(errs, fmt.Errorf("webhook: max unverified %d is negative", cfg.MaxUnverified))
	}
	if cfg.BodyTimeout < 0 {
		errs = append(errs, fmt.Errorf("webhook: body timeout %s is negative", cfg.BodyTimeout))
	}
	// Growing a buffer to its last size holds the old and the new one at once.
	if cfg.BodyBudget < 2*cfg.MaxBody {
		errs = append(errs, fmt.Errorf("webhook: body budget %d is less than twice the largest body (%d)", cfg.BodyBudget, cfg.MaxBody))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	s := &Server{
		enq:            enq,
		log:            cfg.Logger,
		reg:            cfg.Registry,
		insecure:       cfg.Insecure,
		maxBody:        cfg.MaxBody,
		budget:         newBudget(cfg.MaxUnverified, cfg.BodyBudget, evictGrace),
		bodyTimeout:    cfg.BodyTimeout,
		budgetWait:     budgetWait,
		reviewDrafts:   cfg.ReviewDrafts,
		reviewBots:     cfg.ReviewBots,
		command:        cfg.Command,
		enqueueTimeout: cfg.EnqueueTimeout,
		bots:           make(map[string]bool, len(cfg.BotLogins)),
		replies:        newReplyLimiter(cfg.Replies, time.Now),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(
			collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		)
	}
	m, err := newMetrics(s.reg)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	if cfg.GitHubSecret != "" {
		s.githubKey = []byte(cfg.GitHubSecret)
	}
	if cfg.GitLabSecret != "" {
		sum := sha256.Sum256([]byte(cfg.GitLabSecret))
		s.gitlabToken = &sum
	}
	for _, login := range cfg.BotLogins {
		if k := botKey(login); k != "" {
			s.bots[k] = true
		}
	}

	s.mux = http.NewServeMux()
	s.mux.Handle("POST /webhooks/github", s.deliveries(forgeGitHub, s.github))
	s.mux.Handle("POST /webhooks/gitlab", s.deliveries(forgeGitLab, s.gitlab))
	s.mux.HandleFunc("GET /healthz", healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	return s, nil
}

// ServeHTTP routes a request. A known path with the wrong method is 405, an unknown path
// 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Registry is the registry /metrics serves; the caller may register its own metrics on it.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// healthz answers while the process can serve at all; it checks no dependency.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// readyz answers 200 when the queue can take jobs, so a load balancer sends deliveries
// only to replicas that can acknowledge them.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.enq.Ready(ctx); err != nil {
		reason := "queue not ready"
		if errors.Is(err, context.DeadlineExceeded) {
			reason = fmt.Sprintf("queue did not answer within %s", readyTimeout)
		}
		// The queue's error can name hosts and paths: it goes to the log, not the probe.
		s.log.WarnContext(ctx, "not ready", slog.String(keyReason, reason), slog.Any(keyError, err))
		http.Error(w, reason, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}
