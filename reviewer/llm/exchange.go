package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/reviewerbot/reviewer/reviewer"
)

// kind names what a request is for. Every kind goes through exchange, so the breaker,
// the retries, the rate-limit hold-off, the response-mode fallback, the fallback models
// and the error mapping apply to all of them alike.
type kind string

const (
	kindReview kind = "review" // a chunk of a change: Review
	kindVerify kind = "verify" // candidate findings to check: Verify
	kindAsk    kind = "ask"    // a side question, such as an evaluation's judge: Ask
)

const keyKind = "kind"

// exchange is one request of any kind, asked of the models in order until one answers.
type exchange struct {
	kind kind
	// models are asked in order; nil asks the client's models.
	models []string
	msgs   []openai.ChatCompletionMessage
	tags   map[string]string
	// maxOut bounds the answer; 0 uses Options.MaxOutputTokens.
	maxOut int
	// format is the response format of the answer in mode md.
	format func(md mode) *openai.ChatCompletionResponseFormat
	// accept interprets the content of a complete answer of model; an error wrapping
	// ErrInvalidAnswer asks again, up to Options.InvalidRetries times.
	accept func(ctx context.Context, model, content string) error
	// cached, when set, is asked before each model is: true ends the exchange with an
	// answer the caller found in its cache.
	cached func(ctx context.Context, model string) bool
	// tools, when set, may be called by the model before it answers (tools.go).
	tools reviewer.Toolbox
}

// outcome is how an exchange ended well.
type outcome struct {
	model  string
	cached bool
}

// do runs x. What every response was billed, and every HTTP request sent, are added to
// acc, failed ones included; acc.Model is the model that answered, or on error the last
// model a request was sent to.
func (c *Client) do(ctx context.Context, x *exchange, acc *reviewer.Reply) (outcome, error) {
	var errs []error
	models := x.models
	if models == nil {
		models = c.models
	}
	for i, model := range models {
		if i > 0 {
			c.log.WarnContext(ctx, "trying fallback model", slog.String(keyKind, string(x.kind)), slog.String(keyModel, model),
				slog.String(keyError, c.redact(errs[len(errs)-1].Error())))
		}
		if x.cached != nil && x.cached(ctx, model) {
			return outcome{model: model, cached: true}, nil
		}
		sent := acc.Requests
		err := c.askModel(ctx, model, x, acc)
		if acc.Requests > sent {
			acc.Model = model
		}
		if err == nil {
			acc.Model = model
			return outcome{model: model}, nil
		}
		err = c.sanitize(fmt.Errorf("model %s: %w", model, err))
		if ctx.Err() != nil || !tryNextModel(err) {
			return outcome{}, err
		}
		errs = append(errs, err)
	}
	if len(errs) == 1 {
		return outcome{}, errs[0]
	}
	return outcome{}, fmt.Errorf("every model failed: %w", errors.Join(errs...))
}

// tryNextModel says whether a fallback model may succeed where one failed: not when the
// prompt is the problem (too long, refused, answer cut off) or the request was rejected.
func tryNextModel(err error) bool {
	return errors.Is(err, ErrCircuitOpen) || errors.Is(err, errModelNotFound) ||
		errors.Is(err, errUnavailable) || errors.Is(err, reviewer.ErrRateLimited) ||
		errors.Is(err, ErrInvalidAnswer)
}

// askModel asks one model, retrying as configured, and adds what it spent to acc.
func (c *Client) askModel(ctx context.Context, model string, x *exchange, acc *reviewer.Reply) error {
	br := c.breaker(model)
	retries, invalid := 0, 0
	var waited time.Time // the hold-off this caller already slept through
	conv := c.newConversation(model, x)
	for {
		if !br.allow(c.opts.Now()) {
			c.log.DebugContext(ctx, "model skipped, circuit open", slog.String(keyKind, string(x.kind)), slog.String(keyModel, model))
			return ErrCircuitOpen
		}
		md := c.mode(model)
		req := c.request(model, md, x)
		conv.apply(&req)
		res, err := c.send(ctx, model, req, x.tags, retries+1, waited)
		if res.sent {
			acc.Requests++
		}
		if err == nil {
			br.success()
			addUsage(acc, model, res.resp.Usage)
			if conv.answer(ctx, res.resp) {
				// A round of tool calls answered: the next request is a new one.
				retries, invalid, waited = 0, 0, time.Time{}
				continue
			}
			err := c.interpret(ctx, model, x, res.resp)
			if !errors.Is(err, ErrInvalidAnswer) {
				return err
			}
			if invalid >= c.opts.InvalidRetries {
				return fmt.Errorf("%w (after %d requests)", err, invalid+1)
			}
			invalid++
			c.log.DebugContext(ctx, "invalid answer, asking again", slog.String(keyKind, string(x.kind)), slog.String(keyModel, model),
				slog.Int(keyAttempt, invalid), slog.String(keyError, err.Error()))
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var se *statusError
		isStatus := errors.As(err, &se)
		switch {
		case isStatus && conv.offering() && se.refusesTools():
			c.refuseTools(ctx, x, model)
			conv.drop(x)
			continue
		case isStatus && se.refusesFormat() && md < modeText:
			next := c.downgrade(model, md)
			c.log.WarnContext(ctx, "endpoint refused the response format, falling back", slog.String(keyKind, string(x.kind)),
				slog.String(keyModel, model), slog.String(keyMode, next.String()))
			continue
		case isStatus && se.status == http.StatusNotFound:
			br.failure(c.opts.Now())
			return fmt.Errorf("%w: %w", errModelNotFound, err)
		case isStatus && se.contextTooLong():
			return fmt.Errorf("%w: prompt exceeds the model's context window: %w", reviewer.ErrTooLarge, err)
		case !retryable(err):
			return err
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
				return fmt.Errorf("%w: %w", limit, err)
			}
			return fmt.Errorf("%w after %d requests: %w", errUnavailable, retries+1, err)
		}
		retries++
		c.log.DebugContext(ctx, "retrying", slog.String(keyKind, string(x.kind)), slog.String(keyModel, model), slog.Int(keyAttempt, retries),
			slog.Duration(keyWait, res.wait), slog.String(keyError, c.redact(err.Error())))
		if err := c.opts.Sleep(ctx, res.wait); err != nil {
			return err
		}
		waited = res.holdOff
	}
}

// interpret reads a successful response: the finish reason first, then the content,
// which x.accept judges.
func (c *Client) interpret(ctx context.Context, model string, x *exchange, resp openai.ChatCompletionResponse) error {
	if len(resp.Choices) == 0 {
		return fmt.Errorf("%w: response has no choices", ErrInvalidAnswer)
	}
	choice := resp.Choices[0]
	msg := choice.Message
	switch {
	case choice.FinishReason == openai.FinishReasonLength:
		// A partial answer is never parsed: its last item may be cut mid-sentence and
		// the items after it are missing.
		return fmt.Errorf("%w (%d completion tokens)", reviewer.ErrTruncated, resp.Usage.CompletionTokens)
	case msg.Refusal != "":
		return fmt.Errorf("%w: %s", reviewer.ErrRefused, clip(msg.Refusal, 200))
	case choice.FinishReason == openai.FinishReasonContentFilter:
		return fmt.Errorf("%w: content filter", reviewer.ErrRefused)
	}
	if x.accept == nil {
		return nil
	}
	return x.accept(ctx, model, msg.Content)
}
