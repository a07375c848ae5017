package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/cache"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/llm"
	"github.com/reviewerbot/reviewer/reviewer/llm/replay"
	"github.com/reviewerbot/reviewer/reviewer/scope"
	"github.com/reviewerbot/reviewer/reviewer/scope/treesitter"
	"github.com/reviewerbot/reviewer/reviewer/seal"
)

// gateway is the model client modelOptions built, with the recorder or the player it
// sends through when gateway.record or gateway.replay is set.
type gateway struct {
	client   *llm.Client // nil without a gateway
	recorder *replay.Recorder
	player   *replay.Player
}

// replayBaseURL stands in for gateway.base_url when answers are replayed: nothing is sent,
// and the .invalid domain (RFC 2606) could not be reached if it were.
const replayBaseURL = "http://replay.invalid/v1"

// modelOptions turns the configuration into the pipeline's options, with a model client
// when a gateway is configured or its answers are replayed, and returns the gateway it
// built.
//
// While recording or replaying, the response cache is off: a cached answer would never
// reach the recorder, and on replay it would hide a request the recording does not hold.
// The recorder and the player sit under the client, so they see every request it sends.
//
// shared, when not nil, is the response cache instead of cache.dir: the service's, in the
// queue's database, which every replica reads.
func modelOptions(e env, c *Config, logger *slog.Logger, shared llm.Cache) (reviewer.Options, *gateway, error) {
	gw := &gateway{}
	opts := reviewer.Options{
		Filter: reviewer.Filter{Ignore: c.Review.Ignore, NoDefaults: !c.Review.DefaultIgnore},
		Chunk: chunk.Options{MaxChunkTokens: c.Review.MaxChunkTokens, MaxTokensPerChange: c.Review.MaxTokensPerChange,
			Context: chunk.ContextOptions{WholeFileTokens: c.Review.Context.WholeFileTokens,
				MaxFileTokens: c.Review.Context.MaxFileTokens, MaxChunkTokens: c.Review.Context.MaxChunkTokens}},
		Context: reviewer.ContextOptions{Enabled: c.Review.Context.Enabled, MaxFileBytes: c.Review.Context.MaxFileBytes,
			MaxChangeBytes: c.Review.Context.MaxChangeBytes,
			Scope:          scope.Options{MaxScopeLines: c.Review.Context.MaxScopeLines, Parsers: scopeParsers, Related: contextRelated(c.Review.Context.Related)}},
		MaxComments: c.Review.MaxComments,
		ModelName:   c.Gateway.Model,
		Prices:      map[string]reviewer.Price{},
		Verify: reviewer.VerifyOptions{Enabled: c.Review.Verify, MinConfidence: c.Review.MinConfidence,
			MaxTokens: c.Review.VerifyMaxTokens},
		Tools: c.Review.Tools.options(),
	}
	opts.Tiers = tierOptions(c)
	c.withTracer(&opts)
	for model, p := range c.Gateway.Prices {
		opts.Prices[model] = reviewer.Price{Input: p.Input, CachedInput: p.CachedInput, Output: p.Output}
	}
	baseURL, model := c.Gateway.BaseURL, c.Gateway.Model
	var httpClient *http.Client
	switch {
	case c.Gateway.Replay != "":
		if baseURL == "" {
			baseURL = replayBaseURL
		}
		p, err := replay.NewPlayer(e.abs(c.Gateway.Replay), replay.Options{BasePath: basePath(baseURL)})
		if err != nil {
			return opts, gw, usageError(fmt.Errorf("gateway.replay: %w", err))
		}
		if model == "" {
			// The model is in every recorded request: one model recorded is the model.
			if ms := p.Models(); len(ms) == 1 {
				model = ms[0]
			} else {
				return opts, gw, usageError(fmt.Errorf("gateway.replay: the recording holds requests to %d models (%s): set gateway.model (--model) to the one it was recorded with",
					len(ms), strings.Join(ms, ", ")))
			}
		}
		opts.ModelName = model
		gw.player, httpClient = p, &http.Client{Transport: p}
	case baseURL == "":
		return opts, gw, nil
	case c.Gateway.Record != "":
		r, err := replay.NewRecorder(e.abs(c.Gateway.Record), nil, replay.Options{BasePath: basePath(baseURL)})
		if err != nil {
			return opts, gw, usageError(fmt.Errorf("gateway.record: %w", err))
		}
		gw.recorder, httpClient = r, &http.Client{Transport: r}
	}
	if httpClient != nil && c.Cache.Dir != "" {
		fmt.Fprintln(e.stderr, "reviewer: the response cache (cache.dir) is not used while gateway answers are recorded or replayed")
	}
	key, err := c.gatewayAPIKey(e)
	if err != nil {
		return opts, gw, err
	}
	headers := map[string]string{}
	for k, v := range c.Gateway.Headers {
		headers[k] = v.reveal()
	}
	lo := llm.Options{
		BaseURL:         baseURL,
		APIKey:          key,
		Model:           model,
		FallbackModels:  c.Gateway.FallbackModels,
		Headers:         headers,
		MetadataHeader:  c.Gateway.MetadataHeader,
		Timeout:         c.Gateway.Timeout,
		MaxConcurrency:  c.Gateway.MaxConcurrency,
		MaxRetries:      c.Gateway.MaxRetries,
		MaxOutputTokens: c.Gateway.MaxOutputTokens,
		Logger:          logger,
		HTTPClient:      httpClient,
	}
	if c.Gateway.MaxRetries == 0 {
		lo.MaxRetries = -1 // zero in the configuration means no retries
	}
	switch {
	case httpClient != nil:
		// Recording or replaying: no cache, as said above.
	case shared != nil:
		// The service's cache is a table of the queue's database, which only the operator
		// and the service write: no change's author can reach it, and whoever can write it
		// can as well rewrite the queue's jobs. So its entries are not sealed, unlike
		// cache.dir's, which a CI system restores into a job the author controls.
		lo.Cache = shared
	case c.Cache.Dir != "":
		sk, err := c.sealKey(e)
		if err != nil {
			return opts, gw, err
		}
		if sk.IsZero() {
			fmt.Fprintln(e.stderr, "reviewer: the response cache (cache.dir) is not used: without security.key or gateway.api_key there is no key to seal its entries, and an entry anyone could have written is not trusted")
			break
		}
		d, err := cache.NewDir(e.abs(c.Cache.Dir), sk, cache.Options{MaxAge: c.Cache.MaxAge, Logger: logger})
		if err != nil {
			return opts, gw, usageError(fmt.Errorf("cache.dir: %w", err))
		}
		lo.Cache = d
	}
	lo.HTTPClient = c.tracedClient(lo.HTTPClient)
	client, err := llm.New(lo)
	if err != nil {
		return opts, gw, usageError(fmt.Errorf("gateway: %w", err))
	}
	opts.Model = client
	gw.client = client
	return opts, gw, nil
}

// tierOptions are the review tiers as configured: review.tier forces one (Validate has
// checked it), gateway.models names the model of lite and full.
func tierOptions(c *Config) reviewer.TierOptions {
	force, _ := reviewer.ParseTier(c.Review.Tier)
	to := reviewer.TierOptions{Force: force, Plans: reviewer.DefaultTierPlans()}
	to.Plans[reviewer.TierLite].Model = strings.TrimSpace(c.Gateway.Models.Lite)
	to.Plans[reviewer.TierFull].Model = strings.TrimSpace(c.Gateway.Models.Full)
	return to
}

// basePath is the path part of a base URL, which recorded requests are keyed without.
func basePath(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return u.Path
}

// replayErr reports the requests the recording did not hold, from the first-th miss on
// (0-based), naming each with its key, model and the start of its prompt, and the
// exchanges a recording could not store. It is nil when all went well.
func (g *gateway) replayErr(first int) error {
	if g == nil {
		return nil
	}
	if g.recorder != nil {
		if err := g.recorder.Err(); err != nil {
			return &exitError{code: exitRuntime, err: fmt.Errorf("the recording is incomplete: %w", err)}
		}
	}
	if g.player == nil {
		return nil
	}
	misses := g.player.Misses()
	if len(misses) <= first {
		return nil
	}
	misses = misses[first:]
	var b strings.Builder
	n := fmt.Sprintf("%d requests", len(misses))
	if len(misses) == 1 {
		n = "a request"
	}
	fmt.Fprintf(&b, "replay: the recording has no answer for %s: the prompts, the rules, the model or its options changed since it was made; record it again with --record against a gateway", n)
	for _, m := range misses {
		fmt.Fprintf(&b, "\n  %s; the user message begins:", m)
		for _, l := range m.Excerpt {
			fmt.Fprintf(&b, "\n    | %s", l)
		}
	}
	return &exitError{code: exitRuntime, err: errors.New(b.String())}
}

// printPlan prints what a dry run would send: each request with its files and estimated
// tokens, then the totals and the estimated cost of the prompts.
func printPlan(w io.Writer, res *reviewer.Result, c *Config) error {
	total := 0
	for i, p := range res.Planned {
		total += p.Tokens
		fmt.Fprintf(w, "=== request %d of %d: ~%d prompt tokens, %s\n", i+1, len(res.Planned), p.Tokens, strings.Join(p.Paths, ", "))
		for _, m := range p.Prompt.Messages {
			fmt.Fprintf(w, "--- %s\n%s\n", m.Role, strings.TrimRight(m.Content, "\n"))
		}
	}
	var price reviewer.Price
	for model, p := range c.Gateway.Prices {
		if strings.EqualFold(model, c.Gateway.Model) {
			price = reviewer.Price{Input: p.Input, CachedInput: p.CachedInput, Output: p.Output}
		}
	}
	cost := price.Cost(reviewer.TokenUsage{PromptTokens: total})
	fmt.Fprintf(w, "\n%d requests to %s, ~%d prompt tokens, estimated prompt cost $%.4f", len(res.Planned), c.Gateway.Model, total, cost)
	if price == (reviewer.Price{}) {
		fmt.Fprintf(w, " (no price for %s in gateway.prices)", c.Gateway.Model)
	}
	fmt.Fprintln(w, "; nothing was sent")
	for _, f := range res.Coverage.Files {
		if f.Outcome != reviewer.OutcomeReviewed {
			fmt.Fprintf(w, "not sent: %s: %s (%s)\n", f.Path, f.Outcome, f.Reason)
		}
	}
	return nil
}

// gatewayAPIKey is gateway.api_key, or the content of gateway.api_key_file.
func (c *Config) gatewayAPIKey(e env) (string, error) {
	return secretValue(e, c.Gateway.APIKey, c.Gateway.APIKeyFile, "gateway.api_key_file")
}

// sealKey is the key that seals the bot's state (security.key, security.key_file), or one
// derived from the gateway's API key, or the zero key when there is neither.
func (c *Config) sealKey(e env) (seal.Key, error) {
	k, err := secretValue(e, c.Security.Key, c.Security.KeyFile, "security.key_file")
	if err != nil {
		return seal.Key{}, err
	}
	if k != "" {
		return seal.New([]byte(k)), nil
	}
	gk, err := c.gatewayAPIKey(e)
	if err != nil {
		return seal.Key{}, err
	}
	if gk == "" {
		return seal.Key{}, nil
	}
	// Derived under a label of its own, so nothing sealed is an HMAC under the gateway
	// key as such.
	return seal.New([]byte(gk)).Derive("from gateway.api_key"), nil
}

// secretValue is a secret given directly, or read from the file at path (trimmed of the
// newline a mounted secret often ends with).
func secretValue(e env, direct secret, path, fileKey string) (string, error) {
	if path == "" {
		return direct.reveal(), nil
	}
	data, err := os.ReadFile(e.abs(path))
	if err != nil {
		return "", usageError(fmt.Errorf("%s: %w", fileKey, err))
	}
	return strings.TrimSpace(string(data)), nil
}

// scopeParsers find the enclosing scopes of the languages go/parser does not read, with
// tree-sitter where the binary was built with cgo; without it they take no language and
// the indentation and bracket fallback serves every other file.
var scopeParsers = []scope.Parser{scope.Funcs{LangFunc: treesitter.Lang, EnclosingFunc: treesitter.Enclosing,
	HeaderFunc: treesitter.Header, ConstructorFunc: treesitter.Constructor}}

// contextRelated is review.context.related as reviewer.ContextOptions takes it: 0 there
// means the default, so the configuration's 0 (none) becomes -1.
func contextRelated(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
