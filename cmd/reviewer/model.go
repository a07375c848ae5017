package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/cache"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/llm"
)

// reviewOptions turns the configuration into the pipeline's options, with a model client
// when a gateway is configured.
func reviewOptions(e env, c *Config, logger *slog.Logger) (reviewer.Options, error) {
	opts := reviewer.Options{
		Filter:      reviewer.Filter{Ignore: c.Review.Ignore, NoDefaults: !c.Review.DefaultIgnore},
		Chunk:       chunk.Options{MaxChunkTokens: c.Review.MaxChunkTokens, MaxTokensPerChange: c.Review.MaxTokensPerChange},
		MaxComments: c.Review.MaxComments,
		ModelName:   c.Gateway.Model,
		Prices:      map[string]reviewer.Price{},
	}
	for model, p := range c.Gateway.Prices {
		opts.Prices[model] = reviewer.Price{Input: p.Input, CachedInput: p.CachedInput, Output: p.Output}
	}
	if c.Gateway.BaseURL == "" {
		return opts, nil
	}
	key := c.Gateway.APIKey.reveal()
	if c.Gateway.APIKeyFile != "" {
		path := c.Gateway.APIKeyFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return opts, usageError(fmt.Errorf("gateway.api_key_file: %w", err))
		}
		key = strings.TrimSpace(string(data))
	}
	headers := map[string]string{}
	for k, v := range c.Gateway.Headers {
		headers[k] = v.reveal()
	}
	lo := llm.Options{
		BaseURL:         c.Gateway.BaseURL,
		APIKey:          key,
		Model:           c.Gateway.Model,
		FallbackModels:  c.Gateway.FallbackModels,
		Headers:         headers,
		MetadataHeader:  c.Gateway.MetadataHeader,
		Timeout:         c.Gateway.Timeout,
		MaxConcurrency:  c.Gateway.MaxConcurrency,
		MaxRetries:      c.Gateway.MaxRetries,
		MaxOutputTokens: c.Gateway.MaxOutputTokens,
		Logger:          logger,
	}
	if c.Gateway.MaxRetries == 0 {
		lo.MaxRetries = -1 // zero in the configuration means no retries
	}
	if c.Cache.Dir != "" {
		dir := c.Cache.Dir
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(e.dir, dir)
		}
		d, err := cache.NewDir(dir, c.Cache.MaxAge)
		if err != nil {
			return opts, usageError(fmt.Errorf("cache.dir: %w", err))
		}
		lo.Cache = d
	}
	client, err := llm.New(lo)
	if err != nil {
		return opts, usageError(fmt.Errorf("gateway: %w", err))
	}
	opts.Model = client
	return opts, nil
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
