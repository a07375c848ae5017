package llm

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"math"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/reviewerbot/reviewer/reviewer"
)

// verifySchema is the JSON schema of the verification answer, in the strict form: every
// property required, "no value" being 0 or the empty string.
//
//go:embed verify.schema.json
var verifySchema []byte

// verifySchemaName names the verification response format.
const verifySchemaName = "finding_verdicts"

// Limits on a verification answer. Like a review answer it is hostile text: what goes
// beyond them is cut or left out, never trusted.
const (
	maxVerdicts  = 500
	maxIDLen     = 64
	maxReasonLen = 500
)

var _ reviewer.Verifier = (*Client)(nil)

// Verify asks the models to check candidate findings, rendered into p by
// prompts.RenderVerify, and returns their verdicts. It takes the same path as Review
// (breaker, retries, rate limits, response-mode and model fallback, error mapping, the
// cache keyed by endpoint, model and messages), so a re-run on an unchanged change sends
// nothing. The reply carries what was spent, on error too.
func (c *Client) Verify(ctx context.Context, p reviewer.Prompt) (reviewer.VerifyReply, error) {
	msgs, err := chatMessages(p.Messages)
	if err != nil {
		return reviewer.VerifyReply{}, err
	}
	var (
		acc      reviewer.Reply
		hit      reviewer.VerifyReply
		verdicts []reviewer.Verdict
		dropped  int
	)
	x := &exchange{
		kind: kindVerify, models: c.modelsFor(p), msgs: msgs, tags: p.Tags, maxOut: p.MaxOutputTokens,
		format: func(md mode) *openai.ChatCompletionResponseFormat {
			return md.responseFormat(verifySchemaName, verifySchema)
		},
		accept: func(ctx context.Context, model, content string) error {
			v, d, err := parseVerdicts(content)
			if err != nil {
				return err
			}
			if d > 0 {
				c.log.DebugContext(ctx, "invalid verdicts dropped", slog.String(keyModel, model), slog.Int(keyDropped, d))
			}
			verdicts, dropped = v, d
			return nil
		},
		cached: func(ctx context.Context, model string) bool {
			h, ok := c.cachedVerdicts(ctx, c.cacheKeyOf(verifySchemaVersion, model, p.Messages))
			if ok {
				hit = h
			}
			return ok
		},
	}
	res, err := c.do(ctx, x, &acc)
	out := reviewer.VerifyReply{Usage: acc.Usage, Model: acc.Model, Requests: acc.Requests, Spent: acc.Spent}
	if err != nil {
		return out, err
	}
	if res.cached {
		hit.Requests, hit.Spent = acc.Requests, acc.Spent
		return hit, nil
	}
	out.Verdicts, out.Dropped = verdicts, dropped
	c.storeVerdicts(ctx, c.cacheKeyOf(verifySchemaVersion, res.model, p.Messages), out)
	return out, nil
}

// parseVerdicts reads the verification answer {"verdicts": [...]} from content, as
// ParseAnswer reads findings. An item without an id or without a boolean keep is left
// out and counted; confidence is clamped to 0..1 (a missing or non-finite one is 0, which
// no threshold keeps), reason and ids are cut, a line that no file has is 0.
func parseVerdicts(content string) ([]reviewer.Verdict, int, error) {
	items, err := extractItems(content, "verdicts")
	if err != nil {
		return nil, 0, err
	}
	var out []reviewer.Verdict
	dropped := 0
	for _, raw := range items {
		if len(out) == maxVerdicts {
			dropped++
			continue
		}
		v, ok := toVerdict(raw)
		if !ok {
			dropped++
			continue
		}
		out = append(out, v)
	}
	return out, dropped, nil
}

func toVerdict(raw json.RawMessage) (reviewer.Verdict, bool) {
	var item map[string]json.RawMessage
	if err := json.Unmarshal(raw, &item); err != nil {
		return reviewer.Verdict{}, false
	}
	id := strings.TrimSpace(stringField(item["id"]))
	if id == "" || len(id) > maxIDLen {
		return reviewer.Verdict{}, false
	}
	var keep bool
	if err := json.Unmarshal(bytes.TrimSpace(item["keep"]), &keep); err != nil {
		return reviewer.Verdict{}, false
	}
	var conf float64
	if err := json.Unmarshal(bytes.TrimSpace(item["confidence"]), &conf); err != nil || math.IsNaN(conf) || math.IsInf(conf, 0) {
		conf = 0
	}
	line, ok := intField(item["line"])
	if !ok || line < 0 || line > maxLine {
		line = 0
	}
	return reviewer.Verdict{
		ID:          clip(id, maxIDLen),
		Keep:        keep,
		Confidence:  min(max(conf, 0), 1),
		Reason:      strings.TrimSpace(clip(stringField(item["reason"]), maxReasonLen)),
		Line:        line,
		DuplicateOf: strings.TrimSpace(clip(stringField(item["duplicate_of"]), maxIDLen)),
	}, true
}
