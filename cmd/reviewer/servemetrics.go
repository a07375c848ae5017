package main

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/reviewerbot/reviewer/reviewer"
)

// serviceMetrics are the service's own series, beside the deliveries the webhook package
// counts: what the reviews did, what they cost, and what failed.
type serviceMetrics struct {
	reviews     *prometheus.CounterVec   // forge, outcome
	duration    *prometheus.HistogramVec // forge
	latency     prometheus.Histogram
	findings    *prometheus.CounterVec // severity, source
	requests    prometheus.Counter
	answers     *prometheus.CounterVec // source (gateway, cache)
	tokens      *prometheus.CounterVec // forge, repo, kind
	cost        *prometheus.CounterVec // forge, repo
	errors      *prometheus.CounterVec // kind
	forgeCalls  *prometheus.CounterVec // forge
	notReviewed *prometheus.CounterVec // outcome (skipped, failed, withheld)
	proposals   *prometheus.CounterVec // forge, outcome (opened, updated): reviewer learn's
	queue       queueStats
	talk        *talkMetrics
}

// queueStats is what the metrics read of the queue at each scrape.
type queueStats interface {
	Depth(ctx context.Context) (map[string]int, error)
	OldestWaiting(ctx context.Context) (time.Duration, error)
}

// Label values known in advance are set up at zero, so that a rate or a ratio over them
// has a series from the first scrape rather than only after the first event of its kind.
var (
	metricForges       = []string{"github", "gitlab"}
	reviewOutcomes     = []string{"reviewed", "superseded", "retried", "failed", "refused", "limited"}
	errorKinds         = []string{"gateway", "forge", "rate_limit", "timeout", "rules", "config", "publish", "other"}
	notReviewedReasons = []reviewer.Outcome{reviewer.OutcomeSkipped, reviewer.OutcomeFailed, reviewer.OutcomeWithheld}
)

func newServiceMetrics(reg prometheus.Registerer, queue queueStats) *serviceMetrics {
	m := &serviceMetrics{
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_reviews_total",
			Help: "Review jobs by forge and outcome: reviewed, superseded (a newer head exists), retried, failed, refused (asked by someone who may not), limited (turned down by review.outsiders or a budget)."}, []string{"forge", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "reviewer_review_duration_seconds",
			Help:    "Time a worker spent on one review, from reading the change to the status.",
			Buckets: []float64{0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320, 640}}, []string{"forge"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "reviewer_job_latency_seconds",
			Help:    "Time from when a job was due (after the debounce) to when a worker took it.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 16)}),
		findings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_findings_total",
			Help: "Findings reported, by severity and source (pattern or llm)."}, []string{"severity", "source"}),
		requests: prometheus.NewCounter(prometheus.CounterOpts{Name: "reviewer_model_requests_total",
			Help: "Requests sent to the model gateway (cache hits excluded)."}),
		answers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_model_answers_total",
			Help: "Chunks the model answered, by source: gateway (asked this time) or cache (the response cache's answer, at no cost)."}, []string{"source"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_model_tokens_total",
			Help: "Model tokens by forge, repository and kind: prompt, completion, cached (the part of prompt the provider cached)."}, []string{"forge", "repo", "kind"}),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_model_cost_usd_total",
			Help: "Model cost in US dollars, from gateway.prices, by forge and repository."}, []string{"forge", "repo"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_errors_total",
			Help: "Review errors by kind: gateway, forge, rate_limit, timeout, rules, config, publish, other."}, []string{"kind"}),
		forgeCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_forge_api_calls_total",
			Help: "Forge API requests made by reviews."}, []string{"forge"}),
		notReviewed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_files_not_reviewed_total",
			Help: "Files a review left out, by outcome: skipped, failed, withheld."}, []string{"outcome"}),
		proposals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_rules_proposals_total",
			Help: "Pull or merge requests of rules edits learning opened or updated, by forge and outcome (opened, updated)."}, []string{"forge", "outcome"}),
		queue: queue,
		talk:  newTalkMetrics(reg),
	}
	reg.MustRegister(m.reviews, m.duration, m.latency, m.findings, m.requests, m.answers, m.tokens, m.cost, m.errors, m.forgeCalls, m.notReviewed)
	reg.MustRegister(m.proposals)
	for _, f := range metricForges {
		for _, o := range []string{"opened", "updated"} {
			m.proposals.WithLabelValues(f, o)
		}
	}
	for _, s := range []string{"gateway", "cache"} {
		m.answers.WithLabelValues(s)
	}
	for _, f := range metricForges {
		for _, o := range reviewOutcomes {
			m.reviews.WithLabelValues(f, o)
		}
	}
	for _, k := range errorKinds {
		m.errors.WithLabelValues(k)
	}
	for _, o := range notReviewedReasons {
		m.notReviewed.WithLabelValues(string(o))
	}
	if queue != nil {
		reg.MustRegister(m)
	}
	return m
}

var (
	queueDepthDesc = prometheus.NewDesc("reviewer_queue_jobs", "Jobs in the queue by state (read from the database at scrape).", []string{"state"}, nil)
	queueAgeDesc   = prometheus.NewDesc("reviewer_queue_oldest_waiting_seconds",
		"How long the oldest job that is due has waited for a worker (read from the database at scrape); 0 when none waits.", nil, nil)
)

// Describe and Collect make the queue's depth and age a collector: they are read from the
// database at each scrape, so every replica reports the shared queue.
func (m *serviceMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDepthDesc
	ch <- queueAgeDesc
}

func (m *serviceMetrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if depth, err := m.queue.Depth(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(queueDepthDesc, err)
	} else {
		for state, n := range depth {
			ch <- prometheus.MustNewConstMetric(queueDepthDesc, prometheus.GaugeValue, float64(n), state)
		}
	}
	if age, err := m.queue.OldestWaiting(ctx); err != nil {
		ch <- prometheus.NewInvalidMetric(queueAgeDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(queueAgeDesc, prometheus.GaugeValue, age.Seconds())
	}
}

// observe records a finished review of repo.
func (m *serviceMetrics) observe(forge, repo string, res *reviewer.Result, took time.Duration) {
	m.duration.WithLabelValues(forge).Observe(took.Seconds())
	for _, f := range res.Findings {
		m.findings.WithLabelValues(f.Severity.String(), string(f.Source)).Inc()
	}
	u := res.Usage
	m.requests.Add(float64(u.Requests))
	m.answers.WithLabelValues("gateway").Add(float64(u.Answers - u.CachedAnswers))
	m.answers.WithLabelValues("cache").Add(float64(u.CachedAnswers))
	m.tokens.WithLabelValues(forge, repo, "prompt").Add(float64(u.PromptTokens))
	m.tokens.WithLabelValues(forge, repo, "completion").Add(float64(u.CompletionTokens))
	m.tokens.WithLabelValues(forge, repo, "cached").Add(float64(u.CachedTokens))
	m.cost.WithLabelValues(forge, repo).Add(u.CostUSD)
	m.forgeCalls.WithLabelValues(forge).Add(float64(res.Published.APICalls))
	for _, o := range notReviewedReasons {
		if n := res.Coverage.Count(o); n > 0 {
			m.notReviewed.WithLabelValues(string(o)).Add(float64(n))
		}
	}
}

// errorKind names what failed, for the errors metric and the decision to retry.
func errorKind(err error) string {
	var publishErr *reviewer.PublishError
	switch {
	case errors.Is(err, reviewer.ErrRateLimited):
		return "rate_limit"
	case errors.Is(err, errIncomplete):
		return "gateway"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, errRules):
		return "rules"
	case errors.Is(err, reviewer.ErrNotFound), errors.Is(err, reviewer.ErrForbidden):
		return "forge"
	case errors.As(err, &publishErr):
		return "publish"
	case errors.Is(err, errConfig):
		return "config"
	}
	return "other"
}

// talkMetrics count the conversation in the bot's threads: replies read, questions
// answered, dismissals.
type talkMetrics struct {
	replies          *prometheus.CounterVec // class
	questions        *prometheus.CounterVec // outcome (answered, over_budget)
	dismissals       *prometheus.CounterVec // rule
	dismissalsRefuse prometheus.Counter
	rules            *ruleLabels
}

// replyClasses are the classes a reply in the bot's thread is counted under.
var replyClasses = []string{"question", "dismissal", "ack", "unknown"}

func newTalkMetrics(reg prometheus.Registerer) *talkMetrics {
	m := &talkMetrics{
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_replies_total",
			Help: "Replies by people in the bot's threads, by what they were read as: question, dismissal, ack (agreed or fixed), unknown (neither the rules nor the model could tell, or no model was asked)."}, []string{"class"}),
		questions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_questions_total",
			Help: "Questions in the bot's threads by outcome: answered, over_budget (a daily token budget was spent; said once in the thread)."}, []string{"outcome"}),
		dismissals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviewer_dismissals_total",
			Help: "Findings dismissed in the bot's threads by people who may change the code, by rule id (the first 100 distinct ids; others, and ids that are long, odd or unknown, as \"other\")."}, []string{"rule"}),
		dismissalsRefuse: prometheus.NewCounter(prometheus.CounterOpts{Name: "reviewer_dismissals_refused_total",
			Help: "Dismissals ignored because their writer may not change the code."}),
		rules: &ruleLabels{seen: map[string]bool{}},
	}
	reg.MustRegister(m.replies, m.questions, m.dismissals, m.dismissalsRefuse)
	for _, c := range replyClasses {
		m.replies.WithLabelValues(c)
	}
	for _, o := range []string{"answered", "over_budget"} {
		m.questions.WithLabelValues(o)
	}
	m.dismissals.WithLabelValues(otherRule)
	return m
}

// replyRead counts a reply by what it was read as.
func (m *serviceMetrics) replyRead(i reviewer.Intent) {
	if m == nil {
		return
	}
	class := "unknown"
	switch i {
	case reviewer.IntentQuestion:
		class = "question"
	case reviewer.IntentDismiss:
		class = "dismissal"
	case reviewer.IntentAck:
		class = "ack"
	}
	m.talk.replies.WithLabelValues(class).Inc()
}

func (m *serviceMetrics) questionAnswered() {
	if m != nil {
		m.talk.questions.WithLabelValues("answered").Inc()
	}
}

func (m *serviceMetrics) questionRefused() {
	if m != nil {
		m.talk.questions.WithLabelValues("over_budget").Inc()
	}
}

func (m *serviceMetrics) dismissed(rule string) {
	if m != nil {
		m.talk.dismissals.WithLabelValues(m.talk.rules.label(rule)).Inc()
	}
}

func (m *serviceMetrics) dismissalRefused() {
	if m != nil {
		m.talk.dismissalsRefuse.Inc()
	}
}

// otherRule is the rule label of dismissals whose rule is not given its own series.
const otherRule = "other"

// maxRuleLabels bounds the rule label's values: rule ids come from the rules files of
// each repository's base branch, and a thread's rule id is read back from the bot's
// comment; neither is the operator's to bound.
const maxRuleLabels = 100

// ruleID is what a rule id given its own series looks like: short, plain.
var ruleID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$`)

// ruleLabels hands out the rule label: the id itself for the first maxRuleLabels plain
// ids seen, otherRule for the rest.
type ruleLabels struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (r *ruleLabels) label(id string) string {
	if id == otherRule || !ruleID.MatchString(id) {
		return otherRule
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[id] {
		return id
	}
	if len(r.seen) >= maxRuleLabels {
		return otherRule
	}
	r.seen[id] = true
	return id
}
