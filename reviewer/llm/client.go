package llm

import (
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
	// Cache, when set, holds parsed replies keyed by model, messages and answer schema.
	// A hit sends nothing and returns Cached set with the usage the answer first cost.
	Cache Cache
	// Logger receives debug detail and warnings about degraded requests; nil discards.
	Logger *slog.Logger
	// HTTPClient sends the requests; nil means a new http.Client. Its own Timeout should
	// be zero: Timeout above applies per request through the context.
	HTTPClient *http.Client
	// Sleep waits between retries; nil waits on a timer. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time for the circuit breaker and Retry-After dates; nil is time.Now.
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

	mu       sync.Mutex
	modes    map[string]mode // by endpoint and model
	breakers map[string]*breaker
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

	c := &Client{
		opts:     opts,
		http:     opts.HTTPClient,
		sem:      make(chan struct{}, opts.MaxConcurrency),
		log:      opts.Logger,
		modes:    make(map[string]mode),
		breakers: make(map[string]*breaker),
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
	if opts.APIKey != "" {
		c.secrets = strings.NewReplacer(opts.APIKey, "[redacted]")
	}
	return c, nil
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
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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
// each of them was billed; Requests counts every HTTP request sent. On error the Reply
// still carries both, so the caller can report what a failed chunk cost.
//
// A reply from the cache has Cached set, Requests 0 and the Usage the answer cost when it
// was first obtained: that is what the cache saved, not what this call spent, and callers
// adding up spend must skip cached replies.
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
	key := c.cacheKey(p.Messages)
	if reply, ok := c.cached(ctx, key); ok {
		return reply, nil
	}

	var reply reviewer.Reply
	var errs []error
	for i, model := range c.models {
		if i > 0 {
			c.log.WarnContext(ctx, "trying fallback model", slog.String(keyModel, model),
				slog.String(keyError, c.redact(errs[len(errs)-1].Error())))
		}
		findings, err := c.reviewWith(ctx, model, msgs, p, &reply)
		if err == nil {
			reply.Findings = findings
			reply.Model = model
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

// tryNextModel says whether a fallback model may succeed where one failed: not when the
// prompt is the problem (too long, refused, answer cut off) or the request was rejected.
func tryNextModel(err error) bool {
	return errors.Is(err, ErrCircuitOpen) || errors.Is(err, errModelNotFound) ||
		errors.Is(err, errUnavailable) || errors.Is(err, reviewer.ErrRateLimited) ||
		errors.Is(err, ErrInvalidAnswer)
}

// reviewWith asks one model, retrying as configured, and adds what it spent to acc.
func (c *Client) reviewWith(ctx context.Context, model string, msgs []openai.ChatCompletionMessage, p reviewer.Prompt, acc *reviewer.Reply) ([]reviewer.ModelFinding, error) {
	br := c.breaker(model)
	retries, invalid := 0, 0
	for {
		if !br.allow(c.opts.Now()) {
			c.log.DebugContext(ctx, "model skipped, circuit open", slog.String(keyModel, model))
			return nil, ErrCircuitOpen
		}
		md := c.mode(model)
		res, err := c.send(ctx, model, md, msgs, p)
		acc.Requests++
		if err == nil {
			br.success()
			addUsage(&acc.Usage, res.resp.Usage)
			findings, err := c.answer(ctx, model, res.resp)
			if !errors.Is(err, ErrInvalidAnswer) {
				return findings, err
			}
			if invalid >= c.opts.InvalidRetries {
				return nil, fmt.Errorf("%w (after %d requests)", err, invalid+1)
			}
			invalid++
			c.log.DebugContext(ctx, "invalid answer, asking again", slog.String(keyModel, model),
				slog.Int(keyAttempt, invalid), slog.String(keyError, err.Error()))
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
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
			return nil, fmt.Errorf("%w: %w", errModelNotFound, err)
		case isStatus && se.contextTooLong():
			return nil, fmt.Errorf("%w: prompt exceeds the model's context window: %w", reviewer.ErrTooLarge, err)
		case !retryable(err):
			return nil, err
		}
		rateLimited := isStatus && se.status == http.StatusTooManyRequests
		if !rateLimited {
			br.failure(c.opts.Now())
		}
		if retries >= c.opts.MaxRetries {
			if rateLimited {
				return nil, fmt.Errorf("%w: %w", reviewer.ErrRateLimited, err)
			}
			return nil, fmt.Errorf("%w after %d requests: %w", errUnavailable, retries+1, err)
		}
		retries++
		wait := c.retryWait(retries, res.header, rateLimited)
		c.log.DebugContext(ctx, "retrying", slog.String(keyModel, model), slog.Int(keyAttempt, retries),
			slog.Duration(keyWait, wait), slog.String(keyError, c.redact(err.Error())))
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// answer interprets a successful response: the finish reason first, then the content.
func (c *Client) answer(ctx context.Context, model string, resp openai.ChatCompletionResponse) ([]reviewer.ModelFinding, error) {
	if len(resp.Choices) == 0 {
		return nil, fmt.Errorf("%w: response has no choices", ErrInvalidAnswer)
	}
	choice := resp.Choices[0]
	msg := choice.Message
	switch {
	case choice.FinishReason == openai.FinishReasonLength:
		// A partial answer is never parsed: its last finding may be cut mid-sentence and
		// the findings after it are missing.
		return nil, fmt.Errorf("%w (%d completion tokens)", reviewer.ErrTruncated, resp.Usage.CompletionTokens)
	case msg.Refusal != "":
		return nil, fmt.Errorf("%w: %s", reviewer.ErrRefused, clip(msg.Refusal, 200))
	case choice.FinishReason == openai.FinishReasonContentFilter:
		return nil, fmt.Errorf("%w: content filter", reviewer.ErrRefused)
	}
	findings, dropped, err := parseAnswer(msg.Content)
	if err != nil {
		return nil, err
	}
	if dropped > 0 {
		c.log.DebugContext(ctx, "invalid findings dropped", slog.String(keyModel, model),
			slog.Int(keyDropped, dropped), slog.Int(keyFindings, len(findings)))
	}
	return findings, nil
}

func addUsage(u *reviewer.TokenUsage, got openai.Usage) {
	u.PromptTokens += got.PromptTokens
	u.CompletionTokens += got.CompletionTokens
	if got.PromptTokensDetails != nil {
		u.CachedTokens += got.PromptTokensDetails.CachedTokens
	}
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

// redact removes the API key from s.
func (c *Client) redact(s string) string {
	if c.secrets == nil {
		return s
	}
	return c.secrets.Replace(s)
}

// sanitize makes sure err's text holds no API key, keeping it matchable with errors.Is.
func (c *Client) sanitize(err error) error {
	if c.secrets == nil || err == nil || !strings.Contains(err.Error(), c.opts.APIKey) {
		return err
	}
	return &redactedError{msg: c.redact(err.Error()), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
