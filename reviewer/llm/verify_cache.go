package llm

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/reviewerbot/reviewer/reviewer"
)

// verifySchemaVersion identifies the verification schema in cache keys, so that a
// verification answer is never read for a review's or the other way round.
var verifySchemaVersion = schemaHash(verifySchema)

// verdictEntry is a stored verification answer. Verdicts are kept in the answer's own
// shape and parsed again on a hit, like findings.
type verdictEntry struct {
	Version  int             `json:"version"`
	Model    string          `json:"model"`
	Usage    cacheUsage      `json:"usage"`
	Verdicts []cachedVerdict `json:"verdicts"`
}

type cachedVerdict struct {
	ID          string  `json:"id"`
	Keep        bool    `json:"keep"`
	Confidence  float64 `json:"confidence"`
	Reason      string  `json:"reason"`
	Line        int     `json:"line"`
	DuplicateOf string  `json:"duplicate_of"`
}

// cachedVerdicts returns the stored verdicts for key; a cache that fails is a miss.
func (c *Client) cachedVerdicts(ctx context.Context, key string) (reviewer.VerifyReply, bool) {
	if c.opts.Cache == nil {
		return reviewer.VerifyReply{}, false
	}
	b, ok, err := c.opts.Cache.Get(ctx, key)
	if err != nil {
		c.log.WarnContext(ctx, "response cache read failed", slog.String(keyError, err.Error()))
		return reviewer.VerifyReply{}, false
	}
	if !ok {
		return reviewer.VerifyReply{}, false
	}
	var e verdictEntry
	if err := json.Unmarshal(b, &e); err != nil || e.Version != cacheVersion {
		c.log.DebugContext(ctx, "response cache entry ignored", slog.String(keyCache, key))
		return reviewer.VerifyReply{}, false
	}
	answer, err := json.Marshal(map[string]any{"verdicts": e.Verdicts})
	if err != nil {
		return reviewer.VerifyReply{}, false
	}
	verdicts, _, err := parseVerdicts(string(answer))
	if err != nil {
		return reviewer.VerifyReply{}, false
	}
	return reviewer.VerifyReply{
		Verdicts: verdicts,
		Usage:    reviewer.TokenUsage{PromptTokens: e.Usage.PromptTokens, CompletionTokens: e.Usage.CompletionTokens, CachedTokens: e.Usage.CachedTokens},
		Model:    e.Model,
		Cached:   true,
	}, true
}

// storeVerdicts puts a fresh verification answer in the cache; a failure is logged.
func (c *Client) storeVerdicts(ctx context.Context, key string, r reviewer.VerifyReply) {
	if c.opts.Cache == nil {
		return
	}
	e := verdictEntry{Version: cacheVersion, Model: r.Model, Verdicts: make([]cachedVerdict, 0, len(r.Verdicts)),
		Usage: cacheUsage{PromptTokens: r.Usage.PromptTokens, CompletionTokens: r.Usage.CompletionTokens, CachedTokens: r.Usage.CachedTokens}}
	for _, v := range r.Verdicts {
		e.Verdicts = append(e.Verdicts, cachedVerdict{ID: v.ID, Keep: v.Keep, Confidence: v.Confidence, Reason: v.Reason,
			Line: v.Line, DuplicateOf: v.DuplicateOf})
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	if err := c.opts.Cache.Put(ctx, key, b); err != nil {
		c.log.WarnContext(ctx, "response cache write failed", slog.String(keyError, err.Error()))
	}
}
