package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Ask sends one side question to the primary model and asks for a JSON object matching
// schema, named name ([a-zA-Z0-9_-]{1,64}): strict structured output, then JSON mode, then
// plain text, in the mode the endpoint is known to accept, as Review does. It returns the
// answer's content as the model wrote it, for the caller to parse, and the tokens billed.
//
// Ask serves small questions about a review, such as an evaluation's judge, not reviews:
// it retries like Review (429, 5xx, timeouts, Retry-After), but neither asks fallback
// models nor uses the cache.
func (c *Client) Ask(ctx context.Context, msgs []reviewer.Message, name string, schema []byte) (string, reviewer.TokenUsage, error) {
	var usage reviewer.TokenUsage
	cm, err := chatMessages(msgs)
	if err != nil {
		return "", usage, err
	}
	if !json.Valid(schema) {
		return "", usage, errors.New("ask: schema is not JSON")
	}
	model := c.models[0]
	retries := 0
	var waited time.Time
	for {
		md := c.mode(model)
		req := openai.ChatCompletionRequest{
			Model:               model,
			Messages:            cm,
			MaxCompletionTokens: c.opts.MaxOutputTokens,
			ResponseFormat:      askFormat(md, name, schema),
		}
		res, err := c.sendRequest(ctx, model, req, retries+1, waited)
		if err == nil {
			var r reviewer.Reply
			addUsage(&r, model, res.resp.Usage)
			usage = r.Usage
			content, err := askContent(res.resp)
			return content, usage, c.sanitize(err)
		}
		if ctx.Err() != nil {
			return "", usage, ctx.Err()
		}
		var se *statusError
		isStatus := errors.As(err, &se)
		switch {
		case isStatus && se.refusesFormat() && md < modeText:
			c.downgrade(model, md)
			continue
		case !retryable(err) || retries >= c.opts.MaxRetries:
			return "", usage, c.sanitize(fmt.Errorf("model %s: %w", model, err))
		}
		retries++
		c.log.DebugContext(ctx, "retrying", slog.String(keyModel, model), slog.Int(keyAttempt, retries),
			slog.Duration(keyWait, res.wait), slog.String(keyError, c.redact(err.Error())))
		if err := c.opts.Sleep(ctx, res.wait); err != nil {
			return "", usage, err
		}
		waited = res.holdOff
	}
}

// askFormat is the response format of a side question in mode md.
func askFormat(md mode, name string, schema []byte) *openai.ChatCompletionResponseFormat {
	switch md {
	case modeSchema:
		return &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name: name, Schema: json.RawMessage(schema), Strict: true,
			},
		}
	case modeObject:
		return &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	default:
		return nil
	}
}

// askContent is the content of a successful answer to a side question.
func askContent(resp openai.ChatCompletionResponse) (string, error) {
	if len(resp.Choices) == 0 {
		return "", fmt.Errorf("%w: response has no choices", ErrInvalidAnswer)
	}
	choice := resp.Choices[0]
	switch {
	case choice.FinishReason == openai.FinishReasonLength:
		return "", fmt.Errorf("%w (%d completion tokens)", reviewer.ErrTruncated, resp.Usage.CompletionTokens)
	case choice.Message.Refusal != "":
		return "", fmt.Errorf("%w: %s", reviewer.ErrRefused, clip(choice.Message.Refusal, 200))
	case choice.FinishReason == openai.FinishReasonContentFilter:
		return "", fmt.Errorf("%w: content filter", reviewer.ErrRefused)
	}
	return choice.Message.Content, nil
}

// sendRequest is send for a request built by the caller: it waits out the model's
// hold-off, takes a concurrency slot, applies the per-request timeout and maps errors.
func (c *Client) sendRequest(ctx context.Context, model string, req openai.ChatCompletionRequest, attempt int, waited time.Time) (result, error) {
	if err := c.acquire(ctx, model, waited); err != nil {
		return result{}, err
	}
	defer func() { <-c.sem }()

	rctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	d := &doer{client: c.http, headers: c.requestHeaders(nil)}
	cfg := c.config
	cfg.HTTPClient = d
	resp, err := openai.NewClientWithConfig(cfg).CreateChatCompletion(rctx, req)
	res := result{resp: resp, header: d.header, sent: d.sent}
	if err == nil {
		return res, nil
	}
	err = c.mapError(err, d.status, rctx.Err() != nil)
	if retryable(err) {
		var se *statusError
		rateLimited := errors.As(err, &se) && se.status == http.StatusTooManyRequests
		res.wait, res.holdOff = c.backoff(model, attempt, res.header, rateLimited)
	}
	return res, err
}
