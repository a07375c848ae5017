package llm_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/llm"
)

const verdictSchema = `{"type":"object","additionalProperties":false,"required":["same_issue","reason"],` +
	`"properties":{"same_issue":{"type":"boolean"},"reason":{"type":"string"}}}`

var askMessages = []reviewer.Message{{Role: "system", Content: "Grade the comment."}, {Role: "user", Content: "Is it the same issue?"}}

// TestAsk: a side question goes to the primary model with the caller's schema, retries a
// 5xx, and returns the content unparsed with its usage.
func TestAsk(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ received) reply {
		if n == 0 {
			return serverError()
		}
		return okReply(t, `{"same_issue": true, "reason": "same fault"}`)
	})
	c, s, _ := setup(t, g, func(o *llm.Options) { o.FallbackModels = []string{"gpt-fallback"} })
	content, usage, err := c.Ask(t.Context(), askMessages, "eval_judge_verdict", []byte(verdictSchema))
	if err != nil {
		t.Fatal(err)
	}
	if content != `{"same_issue": true, "reason": "same fault"}` {
		t.Errorf("content %q", content)
	}
	if usage.PromptTokens == 0 || usage.CompletionTokens == 0 {
		t.Errorf("usage %+v", usage)
	}
	reqs := g.received()
	if len(reqs) != 2 || len(s.Waits()) != 1 {
		t.Fatalf("%d requests, %d waits: want the 5xx retried once", len(reqs), len(s.Waits()))
	}
	var body struct {
		Model          string `json:"model"`
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string          `json:"name"`
				Strict bool            `json:"strict"`
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(reqs[1].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Model != model || body.ResponseFormat.Type != "json_schema" || body.ResponseFormat.JSONSchema.Name != "eval_judge_verdict" ||
		!body.ResponseFormat.JSONSchema.Strict || !strings.Contains(string(body.ResponseFormat.JSONSchema.Schema), "same_issue") {
		t.Errorf("request %s", reqs[1].Body)
	}
	if reqs[1].Header.Get("Authorization") != "Bearer "+testKey {
		t.Error("no API key on the request")
	}
}

// TestAskFormats: an endpoint that refuses structured output is asked in JSON mode, and
// an error that is not worth a retry is returned at once, from the primary model only.
func TestAskFormats(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(_ int, r received) reply {
		if r.Format == "json_schema" {
			return apiError(http.StatusBadRequest, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
				"invalid_request_error", "response_format", "")
		}
		return okReply(t, `{"same_issue": false, "reason": "other fault"}`)
	})
	c, _, _ := setup(t, g, nil)
	if _, _, err := c.Ask(t.Context(), askMessages, "v", []byte(verdictSchema)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"json_schema", "json_object"}, g.formats()); diff != "" {
		t.Errorf("formats (-want +got):\n%s", diff)
	}

	bad := newGateway(t, func(int, received) reply {
		return apiError(http.StatusUnauthorized, "Incorrect API key provided: "+testKey, "invalid_request_error", "", "invalid_api_key")
	})
	c, _, _ = setup(t, bad, func(o *llm.Options) { o.FallbackModels = []string{"gpt-fallback"} })
	_, _, err := c.Ask(t.Context(), askMessages, "v", []byte(verdictSchema))
	if err == nil || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "status 401") {
		t.Errorf("error %v: want the status, without the key", err)
	}
	if diff := cmp.Diff([]string{model}, bad.models()); diff != "" {
		t.Errorf("models asked (-want +got):\n%s", diff)
	}
	if _, _, err := c.Ask(t.Context(), askMessages, "v", []byte("{not json")); err == nil {
		t.Error("a schema that is not JSON was sent")
	}
	if _, _, err := c.Ask(t.Context(), nil, "v", []byte(verdictSchema)); err == nil {
		t.Error("a question without messages was sent")
	}
	refusing := newGateway(t, func(int, received) reply {
		return reply{body: fixture(t, "chat_completion.response.refusal.json")}
	})
	c, _, _ = setup(t, refusing, nil)
	if _, _, err := c.Ask(t.Context(), askMessages, "v", []byte(verdictSchema)); !errors.Is(err, reviewer.ErrRefused) {
		t.Errorf("refusal: %v", err)
	}
}

// TestAskSharesThePath: a side question takes the path every request takes. A model whose
// breaker a review opened is skipped by a question too, and the fallback model answers
// it; a question rate limited after every retry says when the limit lifts, as a review
// does; a Retry-After is waited out; and no secret reaches the error.
func TestAskSharesThePath(t *testing.T) {
	t.Parallel()
	t.Run("breaker and fallback", func(t *testing.T) {
		t.Parallel()
		g := newGateway(t, func(_ int, r received) reply {
			if r.Model == "dead-model" {
				return apiError(http.StatusServiceUnavailable, "Service Unavailable", "server_error", "", "")
			}
			if strings.Contains(string(r.Body), "review_findings") {
				return okReply(t, answerJSON)
			}
			return okReply(t, `{"same_issue": true, "reason": "same fault"}`)
		})
		c, _, _ := setup(t, g, func(o *llm.Options) {
			o.Model = "dead-model"
			o.FallbackModels = []string{"gpt-4o-mini"}
			o.MaxRetries = 1
			o.BreakerThreshold = 2
			o.BreakerCooldown = time.Minute
		})
		// The review's two failures open the dead model's breaker.
		if _, err := c.Review(t.Context(), testPrompt(t)); err != nil {
			t.Fatal(err)
		}
		before := len(g.received())
		content, _, err := c.Ask(t.Context(), askMessages, "v", []byte(verdictSchema))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(content, "same fault") {
			t.Errorf("content %q", content)
		}
		if diff := cmp.Diff([]string{"gpt-4o-mini"}, g.models()[before:]); diff != "" {
			t.Errorf("models asked by the question (-want +got):\n%s", diff)
		}
	})
	t.Run("rate limited", func(t *testing.T) {
		t.Parallel()
		g := newGateway(t, func(int, received) reply {
			return reply{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "7"},
				body: fixture(t, "error.429.rate_limit_exceeded.json")}
		})
		c, s, clk := setup(t, g, func(o *llm.Options) { o.MaxRetries = 1 })
		_, _, err := c.Ask(t.Context(), askMessages, "v", []byte(verdictSchema))
		if !errors.Is(err, reviewer.ErrRateLimited) {
			t.Fatalf("err = %v, want ErrRateLimited", err)
		}
		if reset, ok := reviewer.RateLimitReset(err); !ok || !reset.Equal(clk.Now().Add(7*time.Second)) {
			t.Errorf("RateLimitReset = %v, %v; want Retry-After's 7s from now", reset, ok)
		}
		if diff := cmp.Diff([]time.Duration{7 * time.Second}, s.Waits()); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
	})
	t.Run("redacted", func(t *testing.T) {
		t.Parallel()
		const gatewayToken = "cf-gw-token-5f4e3d2c1b0a"
		g := newGateway(t, func(_ int, r received) reply {
			return apiError(http.StatusServiceUnavailable, "upstream said no to "+r.Header.Get("Cf-Aig-Authorization")+" and "+testKey,
				"server_error", "", "")
		})
		c, _, _ := setup(t, g, func(o *llm.Options) {
			o.Headers = map[string]string{"cf-aig-authorization": "Bearer " + gatewayToken}
			o.MaxRetries = -1
		})
		_, _, err := c.Ask(t.Context(), askMessages, "v", []byte(verdictSchema))
		if err == nil {
			t.Fatal("Ask succeeded")
		}
		if strings.Contains(err.Error(), gatewayToken) || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("error %q: want the secrets redacted", err)
		}
	})
}
