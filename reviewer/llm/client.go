package llm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/redirect"
	"github.com/reviewerbot/reviewer/reviewer/retry"
)

// DefaultMetadataHeader is the header that carries Prompt.Tags when Options.MetadataHeader
// is empty: Cloudflare AI Gateway's custom metadata, which its logs and cost analytics
// can filter on.
const DefaultMetadataHeader = "cf-aig-metadata"

// NoMetadataHeader as Options.MetadataHeader turns the metadata header off.
const NoMetadataHeader = "-"

// Defaults of Options.
const (
	DefaultTimeout          = 2 * time.Minute
	DefaultMaxConcurrency   = 4
	DefaultMaxRetries       = 3
	DefaultInvalidRetries   = 2
	DefaultMaxRetryWait     = time.Minute
	DefaultBreakerThreshold = 5
	DefaultBreakerCooldown  = time.Minute
)

// Options configures a Client. The zero value of every field but BaseURL and Model picks
// a default.
type Options struct {
	// BaseURL is the OpenAI-compatible endpoint up to and excluding /chat/completions,
	// for example https://gateway.ai.cloudflare.com/v1/ACCOUNT/GATEWAY/compat.
	BaseURL string
	// APIKey is sent as a bearer token. It never appears in errors or logs.
	APIKey string
	// Model is the primary model; FallbackModels are tried in order after it.
	Model          string
	FallbackModels []string
	// Headers are added to every request, for example cf-aig-authorization. They are set
	// last, so they may replace Authorization for gateways that authenticate differently.
	// Values of 8 bytes or more, and the token after a scheme such as "Bearer ", are
	// treated as secrets like APIKey: they never appear in errors or logs.
	Headers map[string]string
	// MetadataHeader is the header that carries Prompt.Tags as a JSON object of strings,
	// for a gateway's cost attribution. Empty means DefaultMetadataHeader;
	// NoMetadataHeader ("-") sends no tags. Tags are never put in the request body: the
	// OpenAI API accepts "metadata" only together with "store": true, which would keep
	// the diff on the provider's side.
	MetadataHeader string
	// Timeout bounds one HTTP request, not the whole Review call with its retries.
	Timeout time.Duration
	// MaxConcurrency bounds the requests in flight across all callers of the Client. A
	// caller waiting for a retry does not hold a slot.
	MaxConcurrency int
	// MaxRetries is how many times one model is retried after a 429, 408, 409, 5xx,
	// timeout or connection error. Zero means DefaultMaxRetries; negative means none.
	MaxRetries int
	// InvalidRetries is how many fresh requests an answer that is not valid JSON gets.
	// Zero means DefaultInvalidRetries; negative means none.
	InvalidRetries int
	// MaxRetryWait caps one wait between retries, Retry-After included.
	MaxRetryWait time.Duration
	// MaxOutputTokens is sent as max_completion_tokens unless the prompt sets its own;
	// zero leaves the limit to the endpoint.
	MaxOutputTokens int
	// BreakerThreshold is how many failures in a row (5xx, timeouts, connection errors,
	// model not found; never 429 or an invalid answer) open a model's circuit breaker.
	// While open, the model is skipped for BreakerCooldown; then one request probes it.
	BreakerThreshold int
	BreakerCooldown  time.Duration
	// Cache, when set, holds parsed replies keyed by base URL, answering model, messages
	// and answer schema. A hit returns Cached set with the usage the answer first cost.
	Cache Cache
	// Logger receives debug detail and warnings about degraded requests; nil discards.
	Logger *slog.Logger
	// HTTPClient sends the requests; nil means a new http.Client. Its own Timeout should
	// be zero: Timeout above applies per request through the context. A redirect to
	// another host than BaseURL's is never followed.
	HTTPClient *http.Client
	// Sleep waits between retries; nil waits on a timer. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time for the circuit breaker, Retry-After dates and the hold-off after
	// a 429; nil is time.Now.
	Now func() time.Time
}

// Client is a reviewer.Model backed by an OpenAI-compatible chat completions endpoint.
// It is safe for concurrent use.
type Client struct {
	opts    Options
	models  []string
	header  string // metadata header, "" when off
	config  openai.ClientConfig
	http    *http.Client
	sem     chan struct{}
	log     *slog.Logger
	secrets *strings.Replacer

	mu        sync.Mutex
	modes     map[string]mode      // by endpoint and model
	noTools   map[string]bool      // by endpoint and model: tools refused
	notBefore map[string]time.Time // by endpoint and model: no request before this time
	breakers  map[string]*breaker
}

var _ reviewer.Model = (*Client)(nil)

// New returns a Client for opts. It sends nothing until Review is called.
func New(opts Options) (*Client, error) {
	var errs []error
	if strings.TrimSpace(opts.BaseURL) == "" {
		errs = append(errs, errors.New("base url is empty"))
	}
	if strings.TrimSpace(opts.Model) == "" {
		errs = append(errs, errors.New("model is empty"))
	}
	if opts.Timeout < 0 || opts.MaxConcurrency < 0 || opts.MaxOutputTokens < 0 ||
		opts.MaxRetryWait < 0 || opts.BreakerThreshold < 0 || opts.BreakerCooldown < 0 {
		errs = append(errs, errors.New("negative limit"))
	}
	for k := range opts.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") {
			errs = append(errs, fmt.Errorf("header name %q is invalid", k))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("llm options: %w", err)
	}
	opts = withDefaults(opts)
	// The caller keeps its maps and slices; the Client reads its own copies concurrently.
	opts.Headers = maps.Clone(opts.Headers)
	opts.FallbackModels = slices.Clone(opts.FallbackModels)

	// The key rides in Authorization, which http.Client drops on a redirect to another
	// host, but Headers may hold a gateway's own key header, which it keeps.
	c := &Client{
		opts:      opts,
		http:      redirect.Confine(opts.HTTPClient),
		sem:       make(chan struct{}, opts.MaxConcurrency),
		log:       opts.Logger,
		modes:     make(map[string]mode),
		noTools:   make(map[string]bool),
		notBefore: make(map[string]time.Time),
		breakers:  make(map[string]*breaker),
	}
	seen := map[string]bool{}
	for _, m := range append([]string{opts.Model}, opts.FallbackModels...) {
		m = strings.TrimSpace(m)
		if m != "" && !seen[m] {
			seen[m] = true
			c.models = append(c.models, m)
		}
	}
	if opts.MetadataHeader != NoMetadataHeader {
		c.header = opts.MetadataHeader
	}
	c.config = openai.DefaultConfig(opts.APIKey)
	c.config.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	c.secrets = secretReplacer(opts.APIKey, opts.Headers)
	return c, nil
}

// minSecretLen is the length from which a header value is taken for a secret. Shorter
// values (a version, a flag) would redact ordinary words from error messages.
const minSecretLen = 8

// secretReplacer returns a replacer that redacts the API key and the values of headers,
// or nil when there is nothing to redact. A value "Bearer xyz" is redacted whole and as
// its token alone, which is how a server is likely to echo it.
func secretReplacer(apiKey string, headers map[string]string) *strings.Replacer {
	set := map[string]bool{}
	if apiKey != "" {
		set[apiKey] = true
	}
	for _, v := range headers {
		v = strings.TrimSpace(v)
		if len(v) >= minSecretLen {
			set[v] = true
		}
		if _, tok, ok := strings.Cut(v, " "); ok {
			if tok = strings.TrimSpace(tok); len(tok) >= minSecretLen {
				set[tok] = true
			}
		}
	}
	if len(set) == 0 {
		return nil
	}
	// Longest first: the replacer prefers earlier arguments at the same position, so
	// "Bearer xyz" goes whole rather than leaving "Bearer " around a redacted token.
	secrets := slices.Collect(maps.Keys(set))
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(secrets))
	for _, v := range secrets {
		pairs = append(pairs, v, "[redacted]")
	}
	return strings.NewReplacer(pairs...)
}

func withDefaults(o Options) Options {
	if o.MetadataHeader == "" {
		o.MetadataHeader = DefaultMetadataHeader
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxConcurrency == 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	switch {
	case o.InvalidRetries == 0:
		o.InvalidRetries = DefaultInvalidRetries
	case o.InvalidRetries < 0:
		o.InvalidRetries = 0
	}
	if o.MaxRetryWait == 0 {
		o.MaxRetryWait = DefaultMaxRetryWait
	}
	if o.BreakerThreshold == 0 {
		o.BreakerThreshold = DefaultBreakerThreshold
	}
	if o.BreakerCooldown == 0 {
		o.BreakerCooldown = DefaultBreakerCooldown
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Sleep == nil {
		o.Sleep = retry.Sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Log attribute keys.
const (
	keyModel    = "model"
	keyMode     = "response_mode"
	keyAttempt  = "attempt"
	keyWait     = "wait"
	keyError    = "error"
	keyDropped  = "dropped"
	keyFindings = "findings"
	keyCache    = "cache_key"
)

// Review asks the models for the findings of one prompt. It implements reviewer.Model.
//
// The Reply's Usage sums every response received for this call, the ones rejected as
// invalid and those of a model that failed before a fallback answered included, because
// each of them was billed; Spent breaks it down by the model that billed it, for pricing,
// and Requests counts every HTTP request sent. Model is the model that answered, or on
// error the last model a request was sent to. On error the Reply still carries Usage,
// Spent, Requests and Model, so the caller can report what a failed chunk cost. Dropped
// counts the answer's items that broke the contract and were left out.
//
// The cache is keyed by endpoint and answering model. Before a model is asked, its key is
// looked up: the primary's first, so a fallback's answer never hides a primary that is
// healthy again, and a fallback's only after the models before it failed, so a re-run
// that fails over again still hits. A reply from the cache has Cached set and the Usage
// (and Dropped) of the answer when it was first obtained: that is what the cache saved,
// not what this call spent. Its Requests and Spent are what this call spent before the
// hit, which is nothing unless an earlier model failed first. Callers adding up spend
// should add Spent, which holds only what this call was billed, cached or not.
//
// Errors: reviewer.ErrTruncated when the answer hit the output limit (never parsed),
// reviewer.ErrRefused when the model declined, reviewer.ErrTooLarge when the prompt
// exceeds the model's context window, reviewer.ErrRateLimited when 429s outlasted the
// retries, ErrInvalidAnswer when no valid answer came after the retries, and
// ErrCircuitOpen when every model was skipped by its breaker. All but the first three
// move on to the next fallback model first.
func (c *Client) Review(ctx context.Context, p reviewer.Prompt) (reviewer.Reply, error) {
	msgs, err := chatMessages(p.Messages)
	if err != nil {
		return reviewer.Reply{}, err
	}

	var (
		reply, hit reviewer.Reply
		findings   []reviewer.ModelFinding
		dropped    int
	)
	x := &exchange{
		kind: kindReview, models: c.modelsFor(p), msgs: msgs, tags: p.Tags, maxOut: p.MaxOutputTokens, tools: p.Tools,
		format: func(md mode) *openai.ChatCompletionResponseFormat { return md.responseFormat(schemaName, answerSchema) },
		accept: func(ctx context.Context, model, content string) error {
			fs, d, err := parseAnswer(content)
			if err != nil {
				return err
			}
			if d > 0 {
				c.log.DebugContext(ctx, "invalid findings dropped", slog.String(keyModel, model),
					slog.Int(keyDropped, d), slog.Int(keyFindings, len(fs)))
			}
			findings, dropped = fs, d
			return nil
		},
		cached: func(ctx context.Context, model string) bool {
			h, ok := c.cached(ctx, c.cacheKey(model, p.Messages))
			if ok {
				hit = h
			}
			return ok
		},
	}
	out, err := c.do(ctx, x, &reply)
	if err != nil {
		return reply, err
	}
	if out.cached {
		hit.Requests, hit.Spent = reply.Requests, reply.Spent
		return hit, nil
	}
	reply.Findings, reply.Dropped = findings, dropped
	c.store(ctx, c.cacheKey(out.model, p.Messages), reply)
	return reply, nil
}

// addUsage adds what one response was billed to r's total and to model's share of it.
func addUsage(r *reviewer.Reply, model string, got openai.Usage) {
	u := reviewer.TokenUsage{PromptTokens: got.PromptTokens, CompletionTokens: got.CompletionTokens}
	if got.PromptTokensDetails != nil {
		u.CachedTokens = got.PromptTokensDetails.CachedTokens
	}
	sumUsage(&r.Usage, u)
	i := slices.IndexFunc(r.Spent, func(m reviewer.ModelUsage) bool { return m.Model == model })
	if i < 0 {
		r.Spent = append(r.Spent, reviewer.ModelUsage{Model: model})
		i = len(r.Spent) - 1
	}
	sumUsage(&r.Spent[i].Usage, u)
}

func sumUsage(u *reviewer.TokenUsage, add reviewer.TokenUsage) {
	u.PromptTokens += add.PromptTokens
	u.CompletionTokens += add.CompletionTokens
	u.CachedTokens += add.CachedTokens
}

func chatMessages(in []reviewer.Message) ([]openai.ChatCompletionMessage, error) {
	var out []openai.ChatCompletionMessage
	for i, m := range in {
		switch m.Role {
		case openai.ChatMessageRoleSystem, openai.ChatMessageRoleUser,
			openai.ChatMessageRoleAssistant, openai.ChatMessageRoleDeveloper:
		default:
			return nil, fmt.Errorf("prompt message %d: unknown role %q", i, m.Role)
		}
		// go-openai omits an empty content, which the API rejects; an empty message
		// says nothing anyway.
		if m.Content == "" {
			continue
		}
		out = append(out, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	if len(out) == 0 {
		return nil, errors.New("prompt has no message")
	}
	return out, nil
}

// redact removes the API key and the header values from s.
func (c *Client) redact(s string) string {
	if c.secrets == nil {
		return s
	}
	return c.secrets.Replace(s)
}

// sanitize makes sure err's text holds no secret, keeping it matchable with errors.Is.
func (c *Client) sanitize(err error) error {
	if c.secrets == nil || err == nil {
		return err
	}
	msg := err.Error()
	if red := c.redact(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// modelsFor lists the models to ask for p, in order: p.Model first when it names one,
// then the client's models without it.
func (c *Client) modelsFor(p reviewer.Prompt) []string {
	m := strings.TrimSpace(p.Model)
	if m == "" || m == c.models[0] {
		return c.models
	}
	out := append(make([]string, 0, len(c.models)+1), m)
	for _, cm := range c.models {
		if cm != m {
			out = append(out, cm)
		}
	}
	return out
}
