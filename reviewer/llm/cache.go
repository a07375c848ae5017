package llm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Cache keeps model replies between runs so that a re-run on unchanged chunks sends
// nothing. Get reports a miss with false and a nil error. Implementations must be safe
// for concurrent use; reviewer/cache.Dir is one for CI, where the CI system keeps the
// directory between jobs.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, val []byte) error
}

// cacheVersion changes when the key derivation or the entry format changes, so that old
// entries are ignored instead of misread. Version 1 keyed entries by the primary model
// whichever model answered, and left the endpoint out.
const cacheVersion = 2

// cacheKey is the hex SHA-256 of what decides the answer: the endpoint, the model that
// answers, the rendered messages and the answer schema. An answer is stored under the
// model that gave it, so a fallback's answer is never taken for the primary's; Review
// looks the models' keys up in their order. The endpoint is in the key because one model
// name on two gateways may be two models. The response mode is left out (it only changes
// how the same answer is asked for), and so are Prompt.Tags: they name the commit, and a
// re-run on a new commit with unchanged chunks must hit.
func (c *Client) cacheKey(model string, msgs []reviewer.Message) string {
	return c.cacheKeyOf(schemaVersion, model, msgs)
}

// cacheKeyOf is cacheKey for an answer of the schema whose version is schema.
func (c *Client) cacheKeyOf(schema, model string, msgs []reviewer.Message) string {
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	k := struct {
		Version  int    `json:"v"`
		Schema   string `json:"schema"`
		BaseURL  string `json:"base_url"`
		Model    string `json:"model"`
		Messages []msg  `json:"messages"`
	}{Version: cacheVersion, Schema: schema, BaseURL: c.config.BaseURL, Model: model}
	for _, m := range msgs {
		k.Messages = append(k.Messages, msg{m.Role, m.Content})
	}
	b, err := json.Marshal(k)
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// schemaVersion identifies the answer schema in cache keys.
var schemaVersion = schemaHash(answerSchema)

func schemaHash(schema []byte) string {
	sum := sha256.Sum256(schema)
	return hex.EncodeToString(sum[:8])
}

// cacheEntry is a stored reply. Findings are kept in the answer contract's own shape and
// parsed again on a hit, so a hit satisfies the same invariants as a fresh answer.
type cacheEntry struct {
	Version int          `json:"version"`
	Model   string       `json:"model"`
	Usage   cacheUsage   `json:"usage"`
	Answer  cachedAnswer `json:"answer"`
	// Dropped is Reply.Dropped of the answer: its items left out are left out again.
	Dropped int `json:"dropped,omitempty"`
}

type cacheUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	CachedTokens     int `json:"cached_tokens"`
}

type cachedAnswer struct {
	Findings []cachedFinding `json:"findings"`
}

type cachedFinding struct {
	Path       string `json:"path"`
	Line       int    `json:"line"`
	EndLine    int    `json:"end_line"`
	Side       string `json:"side"`
	Severity   string `json:"severity"`
	RuleID     string `json:"rule_id"`
	Message    string `json:"message"`
	Quote      string `json:"quote"`
	Suggestion string `json:"suggestion"`
}

// cached returns the stored reply for key. A cache that fails is logged and treated as a
// miss: the review goes on without it.
func (c *Client) cached(ctx context.Context, key string) (reviewer.Reply, bool) {
	if c.opts.Cache == nil {
		return reviewer.Reply{}, false
	}
	b, ok, err := c.opts.Cache.Get(ctx, key)
	if err != nil {
		c.log.WarnContext(ctx, "response cache read failed", slog.String(keyError, err.Error()))
		return reviewer.Reply{}, false
	}
	if !ok {
		return reviewer.Reply{}, false
	}
	var e cacheEntry
	if err := json.Unmarshal(b, &e); err != nil || e.Version != cacheVersion {
		c.log.DebugContext(ctx, "response cache entry ignored", slog.String(keyCache, key))
		return reviewer.Reply{}, false
	}
	answer, err := json.Marshal(e.Answer)
	if err != nil {
		return reviewer.Reply{}, false
	}
	findings, _, err := parseAnswer(string(answer))
	if err != nil {
		return reviewer.Reply{}, false
	}
	return reviewer.Reply{
		Findings: findings,
		Usage: reviewer.TokenUsage{
			PromptTokens:     e.Usage.PromptTokens,
			CompletionTokens: e.Usage.CompletionTokens,
			CachedTokens:     e.Usage.CachedTokens,
		},
		Model:   e.Model,
		Cached:  true,
		Dropped: e.Dropped,
	}, true
}

// store puts a fresh reply in the cache; a failure is logged, not returned, because the
// reply itself is good.
func (c *Client) store(ctx context.Context, key string, r reviewer.Reply) {
	if c.opts.Cache == nil {
		return
	}
	e := cacheEntry{
		Version: cacheVersion,
		Model:   r.Model,
		Usage: cacheUsage{
			PromptTokens:     r.Usage.PromptTokens,
			CompletionTokens: r.Usage.CompletionTokens,
			CachedTokens:     r.Usage.CachedTokens,
		},
		Answer:  cachedAnswer{Findings: make([]cachedFinding, 0, len(r.Findings))},
		Dropped: r.Dropped,
	}
	for _, f := range r.Findings {
		e.Answer.Findings = append(e.Answer.Findings, cachedFinding{
			Path: f.Path, Line: f.Line, EndLine: f.EndLine, Side: string(f.Side), Severity: f.Severity,
			RuleID: f.RuleID, Message: f.Message, Quote: f.Quote, Suggestion: f.Suggestion,
		})
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	if err := c.opts.Cache.Put(ctx, key, b); err != nil {
		c.log.WarnContext(ctx, "response cache write failed", slog.String(keyError, err.Error()))
	}
}
