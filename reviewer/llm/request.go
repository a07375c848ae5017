package llm

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/reviewerbot/reviewer/reviewer/redirect"
)

// answerSchema is the JSON schema of the answer object of DESIGN.md, in the form strict
// structured outputs accept: every property required and no additional properties. So
// that "no value" needs no nullable types, rule_id and suggestion are empty strings when
// absent and end_line equals line for a single line; ParseAnswer reads the same defaults
// from the looser json_object and text modes.
//
//go:embed answer.schema.json
var answerSchema []byte

// schemaName names the response format; the API wants [a-zA-Z0-9_-]{1,64}.
const schemaName = "review_findings"

// mode is how a request asks for JSON. Endpoints that refuse one mode are asked in the
// next; the order is from most to least constrained.
type mode int

const (
	modeSchema mode = iota // response_format json_schema, strict
	modeObject             // response_format json_object
	modeText               // no response_format; JSON extracted from the text
)

func (m mode) String() string {
	switch m {
	case modeSchema:
		return "json_schema"
	case modeObject:
		return "json_object"
	default:
		return "text"
	}
}

// responseFormat asks for an answer matching schema, named name, in mode m.
func (m mode) responseFormat(name string, schema []byte) *openai.ChatCompletionResponseFormat {
	switch m {
	case modeSchema:
		return &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:   name,
				Schema: json.RawMessage(schema),
				Strict: true,
			},
		}
	case modeObject:
		return &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	default:
		return nil
	}
}

// modeKey identifies an endpoint and model; what one accepts says nothing of another.
func (c *Client) modeKey(model string) string { return c.config.BaseURL + "\x00" + model }

// mode returns the response mode that last worked (or was not yet refused) for model.
func (c *Client) mode(model string) mode {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.modes[c.modeKey(model)]
}

// downgrade records that model refused mode from and returns the mode to use now. Two
// requests refused at once move the mode one step, not two.
func (c *Client) downgrade(model string, from mode) mode {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.modeKey(model)
	if c.modes[k] == from && from < modeText {
		c.modes[k] = from + 1
	}
	return c.modes[k]
}

// result is what one HTTP request brought back.
type result struct {
	resp   openai.ChatCompletionResponse
	header http.Header // response headers, also of an error response; nil without one
	sent   bool        // the request went out (it was not refused or canceled before)
	// wait is how long to wait before retrying a retryable error. holdOff, when set, is
	// the time until which every request to the model was held off because of it.
	wait    time.Duration
	holdOff time.Time
}

// send makes one HTTP request, attempt (1-based) of the caller's: it waits out the
// model's hold-off (except what the caller already waited, until waited), takes a
// concurrency slot, applies the per-request timeout and maps the library's errors onto
// statusError and transportError. A retryable error comes back with the wait before the
// retry; a 429 or a wait the server asked for also holds off the model's other requests,
// set before the slot is given back so that no request slips through in between.
func (c *Client) send(ctx context.Context, model string, req openai.ChatCompletionRequest, tags map[string]string, attempt int, waited time.Time) (result, error) {
	if err := c.acquire(ctx, model, waited); err != nil {
		return result{}, err
	}
	defer func() { <-c.sem }()

	rctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()

	d := &doer{client: c.http, headers: c.requestHeaders(tags)}
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

// request builds the body of one request. Only fields every OpenAI-compatible endpoint
// accepts are set; temperature is left to the endpoint because reasoning models reject
// any value but the default.
func (c *Client) request(model string, md mode, x *exchange) openai.ChatCompletionRequest {
	maxOut := x.maxOut
	if maxOut <= 0 {
		maxOut = c.opts.MaxOutputTokens
	}
	return openai.ChatCompletionRequest{
		Model:    model,
		Messages: x.msgs,
		// max_completion_tokens, not the deprecated max_tokens, which reasoning models
		// reject; gateways such as LiteLLM translate it for other providers.
		MaxCompletionTokens: maxOut,
		ResponseFormat:      x.format(md),
	}
}

// maxMetadataEntries is Cloudflare AI Gateway's limit on custom metadata entries.
const maxMetadataEntries = 5

// requestHeaders returns the headers added to every request: the metadata header with
// the prompt's tags, then Options.Headers.
func (c *Client) requestHeaders(tags map[string]string) http.Header {
	h := make(http.Header)
	if c.header != "" {
		keys := make([]string, 0, len(tags))
		for k, v := range tags {
			// An empty tag (no head in a diff file, no remote to name a local
			// repository by) says nothing and takes one of the few entries.
			if v != "" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) > maxMetadataEntries {
			keys = keys[:maxMetadataEntries]
		}
		m := make(map[string]string, len(keys))
		for _, k := range keys {
			m[k] = tags[k]
		}
		if b, err := json.Marshal(m); err == nil && len(m) > 0 {
			h.Set(c.header, string(b))
		}
	}
	for k, v := range c.opts.Headers {
		h.Set(k, v)
	}
	return h
}

// doer is the http client go-openai sends through. It adds our headers and keeps the
// response's status and headers, which go-openai drops from its errors but which carry
// Retry-After.
type doer struct {
	client  *http.Client
	headers http.Header
	sent    bool
	status  int
	header  http.Header
}

func (d *doer) Do(req *http.Request) (*http.Response, error) {
	for k, v := range d.headers {
		req.Header[k] = v
	}
	d.sent = true
	resp, err := d.client.Do(req) //nolint:gosec // the URL is the configured gateway, not user input
	if resp != nil {
		d.status = resp.StatusCode
		d.header = resp.Header.Clone()
	}
	return resp, err
}

// Errors of one model's requests. The unexported ones only steer the fallback; callers
// see their text.
var (
	// ErrCircuitOpen reports a model skipped because its circuit breaker is open.
	ErrCircuitOpen   = errors.New("skipped: circuit breaker open after repeated failures")
	errModelNotFound = errors.New("model not found")
	errUnavailable   = errors.New("model unavailable")
)

// maxErrorText bounds how much of a server's error message goes into an error: enough to
// diagnose, never a whole echoed prompt.
const maxErrorText = 300

// statusError is an error response from the endpoint.
type statusError struct {
	status int
	code   string // the API's error code, e.g. rate_limit_exceeded
	param  string
	msg    string // already clipped and redacted
}

func (e *statusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "status %d", e.status)
	if e.code != "" {
		fmt.Fprintf(&b, " (%s)", e.code)
	}
	if e.msg != "" {
		b.WriteString(": ")
		b.WriteString(e.msg)
	}
	return b.String()
}

// refusesFormat reports a 400 (or 422, as some proxies answer) about response_format:
// the endpoint or model does not support the structured output mode requested.
func (e *statusError) refusesFormat() bool {
	if e.status != http.StatusBadRequest && e.status != http.StatusUnprocessableEntity {
		return false
	}
	s := strings.ToLower(e.param + " " + e.code + " " + e.msg)
	for _, w := range []string{"response_format", "response format", "json_schema", "json_object", "structured output"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func (e *statusError) contextTooLong() bool {
	if e.status != http.StatusBadRequest {
		return false
	}
	s := strings.ToLower(e.code + " " + e.msg)
	return strings.Contains(s, "context_length_exceeded") || strings.Contains(s, "maximum context length")
}

// transportError is a request that got no usable response: a timeout, a connection
// error, or a body that is not a chat completion.
type transportError struct {
	msg     string
	timeout bool
}

func (e *transportError) Error() string { return e.msg }

// mapError turns a go-openai error into a statusError or transportError, with texts that
// hold neither the API key nor the prompt. timedOut says the request's own deadline passed.
func (c *Client) mapError(err error, status int, timedOut bool) error {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		se := &statusError{status: apiErr.HTTPStatusCode, msg: clip(c.redact(apiErr.Message), maxErrorText)}
		if se.status == 0 {
			se.status = status
		}
		if apiErr.Code != nil {
			se.code = clip(c.redact(fmt.Sprint(apiErr.Code)), 100)
		}
		if apiErr.Param != nil {
			se.param = clip(c.redact(*apiErr.Param), 100)
		}
		return se
	case errors.As(err, &reqErr):
		// An error status without the API's error object (a proxy's HTML page, say).
		return &statusError{status: reqErr.HTTPStatusCode, msg: clip(c.redact(strings.TrimSpace(string(reqErr.Body))), maxErrorText)}
	case errors.Is(err, context.DeadlineExceeded) && timedOut:
		return &transportError{msg: fmt.Sprintf("no answer within %s", c.opts.Timeout), timeout: true}
	case status >= http.StatusOK && status < http.StatusMultipleChoices:
		return &transportError{msg: "response is not a chat completion: " + clip(c.redact(err.Error()), maxErrorText)}
	case errors.Is(err, redirect.ErrOtherHost):
		// Not retried: the endpoint would redirect again. The refusal's own text names the
		// two hosts and nothing else.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("send request: %w", err)
	case isNetworkError(err):
		return &transportError{msg: "send request: " + clip(c.redact(err.Error()), maxErrorText)}
	default:
		// Refused before sending, by go-openai's own checks: retrying cannot help.
		return fmt.Errorf("build request: %s", clip(c.redact(err.Error()), maxErrorText))
	}
}

func isNetworkError(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// retryable reports errors worth the same request again: rate limits, the statuses that
// mean "not now" (408, 409, 5xx), timeouts and connection errors.
func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		switch {
		case se.status == http.StatusRequestTimeout, se.status == http.StatusConflict,
			se.status == http.StatusTooManyRequests, se.status >= 500:
			return true
		}
		return false
	}
	var te *transportError
	return errors.As(err, &te)
}
