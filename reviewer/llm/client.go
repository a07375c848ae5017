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

	var reply reviewer.Reply
	var errs []error
	for i, model := range c.modelsFor(p) {
		if i > 0 {
			c.log.WarnContext(ctx, "trying fallback model", slog.String(keyModel, model),
				slog.String(keyError, c.redact(errs[len(errs)-1].Error())))
		}
		key := c.cacheKey(model, p.Messages)
		if hit, ok := c.cached(ctx, key); ok {
			hit.Requests, hit.Spent = reply.Requests, reply.Spent
			return hit, nil
		}
		sent := reply.Requests
		findings, dropped, err := c.reviewWith(ctx, model, msgs, p, &reply)
		if reply.Requests > sent {
			reply.Model = model
		}
		if err == nil {
			reply.Findings, reply.Dropped, reply.Model = findings, dropped, model
			c.store(ctx, key, reply)
			return reply, nil
		}
		err = c.sanitize(fmt.Errorf("model %s: %w", model, err))
		if ctx.Err() != nil || !tryNextModel(err) {
			return reply, err
		}
		errs = append(errs, err)
	}
	if len(errs) == 1 {
		return reply, errs[0]
	}
	return reply, fmt.Errorf("every model failed: %w", errors.Join(errs...))
}

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

// tryNextModel says whether a fallback model may succeed where one failed: not when the
// prompt is the problem (too long, refused, answer cut off) or the request was rejected.
func tryNextModel(err error) bool {
	return errors.Is(err, ErrCircuitOpen) || errors.Is(err, errModelNotFound) ||
		errors.Is(err, errUnavailable) || errors.Is(err, reviewer.ErrRateLimited) ||
		errors.Is(err, ErrInvalidAnswer)
}

// reviewWith asks one model, retrying as configured, and adds what it spent to acc. It
// returns the valid findings and how many items of the answer were dropped as invalid.
func (c *Client) reviewWith(ctx context.Context, model string, msgs []openai.ChatCompletionMessage, p reviewer.Prompt, acc *reviewer.Reply) ([]reviewer.ModelFinding, int, error) {
	br := c.breaker(model)
	retries, invalid := 0, 0
	var waited time.Time // the hold-off this caller already slept through
	for {
		if !br.allow(c.opts.Now()) {
			c.log.DebugContext(ctx, "model skipped, circuit open", slog.String(keyModel, model))
			return nil, 0, ErrCircuitOpen
		}
		md := c.mode(model)
		res, err := c.send(ctx, model, md, msgs, p, retries+1, waited)
		if res.sent {
			acc.Requests++
		}
		if err == nil {
			br.success()
			addUsage(acc, model, res.resp.Usage)
			findings, dropped, err := c.answer(ctx, model, res.resp)
			if !errors.Is(err, ErrInvalidAnswer) {
				return findings, dropped, err
			}
			if invalid >= c.opts.InvalidRetries {
				return nil, 0, fmt.Errorf("%w (after %d requests)", err, invalid+1)
			}
			invalid++
			c.log.DebugContext(ctx, "invalid answer, asking again", slog.String(keyModel, model),
				slog.Int(keyAttempt, invalid), slog.String(keyError, err.Error()))
			continue
		}
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		var se *statusError
		isStatus := errors.As(err, &se)
		switch {
		case isStatus && se.refusesFormat() && md < modeText:
			next := c.downgrade(model, md)
			c.log.WarnContext(ctx, "endpoint refused the response format, falling back",
				slog.String(keyModel, model), slog.String(keyMode, next.String()))
			continue
		case isStatus && se.status == http.StatusNotFound:
			br.failure(c.opts.Now())
			return nil, 0, fmt.Errorf("%w: %w", errModelNotFound, err)
		case isStatus && se.contextTooLong():
			return nil, 0, fmt.Errorf("%w: prompt exceeds the model's context window: %w", reviewer.ErrTooLarge, err)
		case !retryable(err):
			return nil, 0, err
		}
		rateLimited := isStatus && se.status == http.StatusTooManyRequests
		if !rateLimited {
			br.failure(c.opts.Now())
		}
		if retries >= c.opts.MaxRetries {
			if rateLimited {
				// Say when the endpoint said it would serve again: a queued review waits.
				limit := error(reviewer.ErrRateLimited)
				if !res.holdOff.IsZero() {
					limit = &reviewer.RateLimitError{Reset: res.holdOff}
				}
				return nil, 0, fmt.Errorf("%w: %w", limit, err)
			}
			return nil, 0, fmt.Errorf("%w after %d requests: %w", errUnavailable, retries+1, err)
		}
		retries++
		c.log.DebugContext(ctx, "retrying", slog.String(keyModel, model), slog.Int(keyAttempt, retries),
			slog.Duration(keyWait, res.wait), slog.String(keyError, c.redact(err.Error())))
		if err := c.opts.Sleep(ctx, res.wait); err != nil {
			return nil, 0, err
		}
		waited = res.holdOff
	}
}

// answer interprets a successful response: the finish reason first, then the content. It
// also returns how many items of the answer were dropped as invalid.
func (c *Client) answer(ctx context.Context, model string, resp openai.ChatCompletionResponse) ([]reviewer.ModelFinding, int, error) {
	if len(resp.Choices) == 0 {
		return nil, 0, fmt.Errorf("%w: response has no choices", ErrInvalidAnswer)
	}
	choice := resp.Choices[0]
	msg := choice.Message
	switch {
	case choice.FinishReason == openai.FinishReasonLength:
		// A partial answer is never parsed: its last finding may be cut mid-sentence and
		// the findings after it are missing.
		return nil, 0, fmt.Errorf("%w (%d completion tokens)", reviewer.ErrTruncated, resp.Usage.CompletionTokens)
	case msg.Refusal != "":
		return nil, 0, fmt.Errorf("%w: %s", reviewer.ErrRefused, clip(msg.Refusal, 200))
	case choice.FinishReason == openai.FinishReasonContentFilter:
		return nil, 0, fmt.Errorf("%w: content filter", reviewer.ErrRefused)
	}
	findings, dropped, err := parseAnswer(msg.Content)
	if err != nil {
		return nil, 0, err
	}
	if dropped > 0 {
		c.log.DebugContext(ctx, "invalid findings dropped", slog.String(keyModel, model),
			slog.Int(keyDropped, dropped), slog.Int(keyFindings, len(findings)))
	}
	return findings, dropped, nil
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
