package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/cache"
	"github.com/reviewerbot/reviewer/reviewer/llm"
	"github.com/reviewerbot/reviewer/reviewer/seal"
)

func TestReviewAnswers(t *testing.T) {
	t.Parallel()
	fenced := "Here is my review.\n\n```json\n" + answerJSON + "\n```\n\nLet me know if you need more."
	tests := []struct {
		name      string
		fixture   string
		content   string
		edit      func(map[string]any)
		wantUsage reviewer.TokenUsage
	}{
		{
			name:      "structured answer",
			fixture:   "chat_completion.response.json_content.json",
			content:   answerJSON,
			wantUsage: reviewer.TokenUsage{PromptTokens: 79, CompletionTokens: 14},
		},
		{
			name:      "JSON in a fenced block of prose",
			fixture:   "chat_completion.response.normal.json",
			content:   fenced,
			wantUsage: reviewer.TokenUsage{PromptTokens: 19, CompletionTokens: 10},
		},
		{
			name:    "cached prompt tokens",
			fixture: "chat_completion.response.normal.json",
			content: answerJSON,
			edit: func(resp map[string]any) {
				u := resp["usage"].(map[string]any)
				u["prompt_tokens"] = 2048
				u["prompt_tokens_details"].(map[string]any)["cached_tokens"] = 1920
			},
			wantUsage: reviewer.TokenUsage{PromptTokens: 2048, CompletionTokens: 10, CachedTokens: 1920},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, func(int, received) reply {
				return reply{body: completion(t, tt.fixture, tt.content, tt.edit)}
			})
			c, s, _ := setup(t, g, nil)
			got, err := c.Review(t.Context(), testPrompt(t))
			if err != nil {
				t.Fatal(err)
			}
			want := reviewer.Reply{Findings: wantFindings, Usage: tt.wantUsage, Model: model, Requests: 1,
				Spent: []reviewer.ModelUsage{{Model: model, Usage: tt.wantUsage}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"json_schema"}, g.formats()); diff != "" {
				t.Errorf("response formats (-want +got):\n%s", diff)
			}
			if w := s.Waits(); len(w) != 0 {
				t.Errorf("waited %v, want no wait", w)
			}
		})
	}
}

func TestReviewNoFindings(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return okReply(t, `{"findings":[]}`) })
	c, _, _ := setup(t, g, nil)
	got, err := c.Review(t.Context(), testPrompt(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != 0 || got.Requests != 1 {
		t.Errorf("reply = %+v, want no findings after one request", got)
	}
}

// TestReviewRequestGolden pins the body the client sends for a fixed prompt: the
// structured-output schema, max_completion_tokens, and nothing the endpoint may reject.
func TestReviewRequestGolden(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return okReply(t, answerJSON) })
	c, _, _ := setup(t, g, nil)
	if _, err := c.Review(t.Context(), testPrompt(t)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, g.received()[0].Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	golden.Check(t, "testdata/request.json_schema.golden", buf.Bytes())
}

func TestReviewHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       func(*llm.Options)
		wantHeader string // the header that should carry the tags; "" for none
	}{
		{"default Cloudflare metadata header", nil, "Cf-Aig-Metadata"},
		{"custom metadata header", func(o *llm.Options) { o.MetadataHeader = "X-Litellm-Tags" }, "X-Litellm-Tags"},
		{"metadata header off", func(o *llm.Options) { o.MetadataHeader = llm.NoMetadataHeader }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, func(int, received) reply { return okReply(t, answerJSON) })
			c, _, _ := setup(t, g, func(o *llm.Options) {
				o.Headers = map[string]string{"cf-aig-authorization": "Bearer gateway-token"}
				if tt.opts != nil {
					tt.opts(o)
				}
			})
			p := testPrompt(t)
			if _, err := c.Review(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			h := g.received()[0].Header
			if got, want := h.Get("Authorization"), "Bearer "+testKey; got != want {
				t.Errorf("Authorization = %q, want %q", got, want)
			}
			if got := h.Get("Cf-Aig-Authorization"); got != "Bearer gateway-token" {
				t.Errorf("cf-aig-authorization = %q, want the configured value", got)
			}
			if tt.wantHeader == "" {
				if v := h.Get("Cf-Aig-Metadata"); v != "" {
					t.Errorf("cf-aig-metadata = %q, want none", v)
				}
				return
			}
			var tags map[string]string
			if err := json.Unmarshal([]byte(h.Get(tt.wantHeader)), &tags); err != nil {
				t.Fatalf("%s = %q: %v", tt.wantHeader, h.Get(tt.wantHeader), err)
			}
			if diff := cmp.Diff(p.Tags, tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			if bytes.Contains(g.received()[0].Body, []byte(p.Tags["head_sha"])) {
				t.Error("tags sent in the body; metadata needs store=true on OpenAI")
			}
		})
	}
}

// TestReviewHeadersEmptyTags: a tag with no value (a local review with no remote to name
// its repository by) is left out of the metadata header, and with none left there is no
// header at all.
func TestReviewHeadersEmptyTags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tags map[string]string
		want string // the header; "" for none
	}{
		{"empty values left out", map[string]string{"forge": "local", "repo": "", "head_sha": "abc"}, `{"forge":"local","head_sha":"abc"}`},
		{"nothing left", map[string]string{"repo": "", "head_sha": ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, func(int, received) reply { return okReply(t, answerJSON) })
			c, _, _ := setup(t, g, nil)
			p := testPrompt(t)
			p.Tags = tt.tags
			if _, err := c.Review(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			h := g.received()[0].Header
			if got := h.Get("Cf-Aig-Metadata"); got != tt.want {
				t.Errorf("cf-aig-metadata = %q, want %q", got, tt.want)
			}
			if _, sent := h["Cf-Aig-Metadata"]; sent != (tt.want != "") {
				t.Errorf("header sent: %v, want %v", sent, tt.want != "")
			}
		})
	}
}

func TestReviewTruncated(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply {
		return reply{body: fixture(t, "chat_completion.response.json_content.truncated_length.json")}
	})
	c, s, _ := setup(t, g, func(o *llm.Options) { o.FallbackModels = []string{"gpt-4o-mini"} })
	got, err := c.Review(t.Context(), testPrompt(t))
	if !errors.Is(err, reviewer.ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	if got.Requests != 1 || len(got.Findings) != 0 || got.Usage.CompletionTokens != 1 {
		t.Errorf("reply = %+v, want one request, no findings, its usage", got)
	}
	if len(s.Waits()) != 0 || len(g.received()) != 1 {
		t.Errorf("truncated answer retried: %d requests", len(g.received()))
	}
}

func TestReviewRefusal(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply {
		return reply{body: fixture(t, "chat_completion.response.refusal.json")}
	})
	c, _, _ := setup(t, g, func(o *llm.Options) { o.FallbackModels = []string{"gpt-4o-mini"} })
	got, err := c.Review(t.Context(), testPrompt(t))
	if !errors.Is(err, reviewer.ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	if got.Requests != 1 {
		t.Errorf("Requests = %d, want 1", got.Requests)
	}
}

func TestReviewRetryAfter(t *testing.T) {
	t.Parallel()
	rateLimited := func(t *testing.T, header map[string]string) reply {
		return reply{status: http.StatusTooManyRequests, header: header, body: fixture(t, "error.429.rate_limit_exceeded.json")}
	}
	tests := []struct {
		name     string
		header   func(now time.Time) map[string]string
		wantWait time.Duration
	}{
		{"Retry-After seconds", func(time.Time) map[string]string { return map[string]string{"Retry-After": "7"} }, 7 * time.Second},
		{"Retry-After HTTP date", func(now time.Time) map[string]string {
			return map[string]string{"Retry-After": now.Add(12 * time.Second).Format(http.TimeFormat)}
		}, 12 * time.Second},
		{"retry-after-ms", func(time.Time) map[string]string { return map[string]string{"retry-after-ms": "1500"} }, 1500 * time.Millisecond},
		// Beyond a time.Duration: the float-to-int conversion made it negative, an
		// immediate retry; it saturates, then is capped.
		{"retry-after-ms huge", func(time.Time) map[string]string { return map[string]string{"retry-after-ms": "1e300"} }, 30 * time.Second},
		{"x-ratelimit reset headers", func(time.Time) map[string]string {
			return map[string]string{"x-ratelimit-reset-requests": "1s", "x-ratelimit-reset-tokens": "6m0s"}
		}, 30 * time.Second}, // capped by MaxRetryWait
		{"Retry-After capped", func(time.Time) map[string]string { return map[string]string{"Retry-After": "3600"} }, 30 * time.Second},
		// Beyond a time.Duration: saturated, then capped, not ignored.
		{"Retry-After huge", func(time.Time) map[string]string { return map[string]string{"Retry-After": "99999999999"} }, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			g := newGateway(t, func(n int, _ received) reply {
				if n == 0 {
					return rateLimited(t, tt.header(clk.Now()))
				}
				return okReply(t, answerJSON)
			})
			c, s, _ := setup(t, g, func(o *llm.Options) {
				o.Now = clk.Now
				o.MaxRetryWait = 30 * time.Second
			})
			got, err := c.Review(t.Context(), testPrompt(t))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]time.Duration{tt.wantWait}, s.Waits()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if got.Requests != 2 || len(got.Findings) != 1 {
				t.Errorf("reply = %+v, want the answer after 2 requests", got)
			}
		})
	}

	t.Run("rate limited after every retry", func(t *testing.T) {
		t.Parallel()
		g := newGateway(t, func(int, received) reply { return rateLimited(t, map[string]string{"Retry-After": "1"}) })
		c, s, clk := setup(t, g, func(o *llm.Options) { o.MaxRetries = 2 })
		got, err := c.Review(t.Context(), testPrompt(t))
		if !errors.Is(err, reviewer.ErrRateLimited) {
			t.Fatalf("err = %v, want ErrRateLimited", err)
		}
		if got.Requests != 3 || len(s.Waits()) != 2 {
			t.Errorf("requests = %d, waits = %v; want 3 requests and 2 waits", got.Requests, s.Waits())
		}
		if !strings.Contains(err.Error(), "rate_limit_exceeded") {
			t.Errorf("err = %v, want the API's error code", err)
		}
		// It says when the endpoint will serve again, so a queued review can wait.
		if reset, ok := reviewer.RateLimitReset(err); !ok || !reset.Equal(clk.Now().Add(time.Second)) {
			t.Errorf("RateLimitReset = %v, %v; want a second after the last answer (Retry-After: 1), %v", reset, ok, clk.Now().Add(time.Second))
		}
	})
}

func TestReviewServerErrorThenSuccess(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ received) reply {
		switch n {
		case 0:
			return serverError()
		case 1:
			// A proxy's error page: no JSON error object.
			return reply{status: http.StatusBadGateway, body: []byte("<html><body>502 Bad Gateway</body></html>")}
		}
		return okReply(t, answerJSON)
	})
	c, s, _ := setup(t, g, nil)
	got, err := c.Review(t.Context(), testPrompt(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests != 3 || len(got.Findings) != 1 {
		t.Errorf("reply = %+v, want the answer after 3 requests", got)
	}
	waits := s.Waits()
	if len(waits) != 2 {
		t.Fatalf("waits = %v, want 2", waits)
	}
	// Exponential backoff with equal jitter: [base/2, base] with base 1s, then 2s.
	for i, w := range waits {
		base := time.Second << i
		if w < base/2 || w > base {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, w, base/2, base)
		}
	}
}

func TestReviewServerErrorNoRetries(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return serverError() })
	c, s, _ := setup(t, g, func(o *llm.Options) { o.MaxRetries = -1 })
	got, err := c.Review(t.Context(), testPrompt(t))
	if err == nil || got.Requests != 1 || len(s.Waits()) != 0 {
		t.Errorf("err = %v, requests = %d, waits = %v; want an error after 1 request", err, got.Requests, s.Waits())
	}
}

func TestReviewClientErrorNotRetried(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply {
		return apiError(http.StatusUnauthorized, "Incorrect API key provided: "+testKey+".", "invalid_request_error", "", "invalid_api_key")
	})
	c, _, _ := setup(t, g, func(o *llm.Options) { o.FallbackModels = []string{"gpt-4o-mini"} })
	p := testPrompt(t)
	p.Messages[1].Content = strings.Repeat("secret diff line\n", 100)
	got, err := c.Review(t.Context(), p)
	if err == nil {
		t.Fatal("Review succeeded on 401")
	}
	if got.Requests != 1 {
		t.Errorf("Requests = %d, want 1 (no retry, no fallback)", got.Requests)
	}
	msg := err.Error()
	if strings.Contains(msg, testKey) || strings.Contains(msg, p.Messages[1].Content) {
		t.Errorf("error text leaks the key or the prompt: %s", msg)
	}
	if !strings.Contains(msg, "status 401") {
		t.Errorf("err = %v, want the status", err)
	}
}

func TestReviewContextTooLong(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply {
		return apiError(http.StatusBadRequest, "This model's maximum context length is 128000 tokens. However, your messages resulted in 130511 tokens. Please reduce the length of the messages.",
			"invalid_request_error", "messages", "context_length_exceeded")
	})
	c, _, _ := setup(t, g, nil)
	_, err := c.Review(t.Context(), testPrompt(t))
	if !errors.Is(err, reviewer.ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func TestReviewTimeout(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ received) reply {
		if n == 0 {
			return reply{hang: true}
		}
		return okReply(t, answerJSON)
	})
	// The timeout ends the hung request; the second must be answered within it too, so it
	// is far longer than a local round trip on a loaded machine (this test waits it out
	// once).
	c, s, _ := setup(t, g, func(o *llm.Options) { o.Timeout = 2 * time.Second })
	got, err := c.Review(t.Context(), testPrompt(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests != 2 || len(s.Waits()) != 1 {
		t.Errorf("requests = %d, waits = %v; want the hung request retried once", got.Requests, s.Waits())
	}
}

func TestReviewTimeoutEveryTime(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return reply{hang: true} })
	c, _, _ := setup(t, g, func(o *llm.Options) {
		o.Timeout = 50 * time.Millisecond
		o.MaxRetries = 1
	})
	got, err := c.Review(t.Context(), testPrompt(t))
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("err = %v, want a timeout", err)
	}
	if got.Requests != 2 {
		t.Errorf("Requests = %d, want 2", got.Requests)
	}
}

func TestReviewConnectionDropped(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ received) reply {
		if n == 0 {
			return reply{drop: true}
		}
		return okReply(t, answerJSON)
	})
	c, s, _ := setup(t, g, nil)
	got, err := c.Review(t.Context(), testPrompt(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests != 2 || len(s.Waits()) != 1 {
		t.Errorf("requests = %d, waits = %v; want the dropped request retried once", got.Requests, s.Waits())
	}
}

func TestReviewCanceled(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	g := newGateway(t, func(int, received) reply {
		close(started)
		return reply{hang: true}
	})
	c, s, _ := setup(t, g, nil)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-started
		cancel()
	}()
	_, err := c.Review(ctx, testPrompt(t))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if len(s.Waits()) != 0 {
		t.Errorf("waited %v after cancel", s.Waits())
	}
}

func TestReviewInvalidJSON(t *testing.T) {
	t.Parallel()
	const garbage = `{"findings": [{"path": "main.go", "line": 5,` // cut short, though finish_reason is stop
	t.Run("then success", func(t *testing.T) {
		t.Parallel()
		g := newGateway(t, func(n int, _ received) reply {
			if n == 0 {
				return okReply(t, garbage)
			}
			return okReply(t, answerJSON)
		})
		c, s, _ := setup(t, g, nil)
		got, err := c.Review(t.Context(), testPrompt(t))
		if err != nil {
			t.Fatal(err)
		}
		usage := reviewer.TokenUsage{PromptTokens: 2 * 79, CompletionTokens: 2 * 14}
		want := reviewer.Reply{Findings: wantFindings, Model: model, Requests: 2, Usage: usage,
			Spent: []reviewer.ModelUsage{{Model: model, Usage: usage}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("reply (-want +got):\n%s", diff)
		}
		if len(s.Waits()) != 0 {
			t.Errorf("waited %v before asking again", s.Waits())
		}
	})
	t.Run("forever", func(t *testing.T) {
		t.Parallel()
		g := newGateway(t, func(int, received) reply { return okReply(t, "I found no problems worth mentioning.") })
		c, _, _ := setup(t, g, nil)
		got, err := c.Review(t.Context(), testPrompt(t))
		if !errors.Is(err, llm.ErrInvalidAnswer) {
			t.Fatalf("err = %v, want ErrInvalidAnswer", err)
		}
		if want := 1 + llm.DefaultInvalidRetries; got.Requests != want {
			t.Errorf("Requests = %d, want %d", got.Requests, want)
		}
		if !strings.Contains(err.Error(), "not valid JSON") {
			t.Errorf("err = %v, want it to say the answer was not valid JSON", err)
		}
	})
}

func TestReviewResponseFormatFallback(t *testing.T) {
	t.Parallel()
	refuse := func(format string) reply {
		return apiError(http.StatusBadRequest,
			"Invalid parameter: 'response_format' of type '"+format+"' is not supported with this model.",
			"invalid_request_error", "response_format", "")
	}
	tests := []struct {
		name    string
		refused map[string]bool
		content string
		// want is the response_format type of each request over two reviews.
		want []string
	}{
		{
			name:    "json_schema refused, json_object remembered",
			refused: map[string]bool{"json_schema": true},
			content: answerJSON,
			want:    []string{"json_schema", "json_object", "json_object"},
		},
		{
			name:    "both refused, plain text remembered",
			refused: map[string]bool{"json_schema": true, "json_object": true},
			content: "Sure. Here are the findings:\n```json\n" + answerJSON + "\n```",
			want:    []string{"json_schema", "json_object", "", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, func(_ int, r received) reply {
				if tt.refused[r.Format] {
					return refuse(r.Format)
				}
				return okReply(t, tt.content)
			})
			c, s, _ := setup(t, g, nil)
			for i := range 2 {
				got, err := c.Review(t.Context(), testPrompt(t))
				if err != nil {
					t.Fatalf("review %d: %v", i, err)
				}
				if diff := cmp.Diff(wantFindings, got.Findings); diff != "" {
					t.Errorf("review %d findings (-want +got):\n%s", i, diff)
				}
			}
			if diff := cmp.Diff(tt.want, g.formats()); diff != "" {
				t.Errorf("response formats (-want +got):\n%s", diff)
			}
			if len(s.Waits()) != 0 {
				t.Errorf("waited %v on a format fallback", s.Waits())
			}
		})
	}
}

func TestReviewFallbackModel(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(_ int, r received) reply {
		if r.Model == "gone-model" {
			return apiError(http.StatusNotFound, "The model `gone-model` does not exist or you do not have access to it.",
				"invalid_request_error", "", "model_not_found")
		}
		return okReply(t, answerJSON)
	})
	c, s, _ := setup(t, g, func(o *llm.Options) {
		o.Model = "gone-model"
		o.FallbackModels = []string{"gpt-4o-mini", "never-asked"}
	})
	got, err := c.Review(t.Context(), testPrompt(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.Model != "gpt-4o-mini" || got.Requests != 2 {
		t.Errorf("reply model %q after %d requests, want gpt-4o-mini after 2", got.Model, got.Requests)
	}
	if diff := cmp.Diff([]string{"gone-model", "gpt-4o-mini"}, g.models()); diff != "" {
		t.Errorf("models asked (-want +got):\n%s", diff)
	}
	if len(s.Waits()) != 0 {
		t.Errorf("waited %v on a 404", s.Waits())
	}
}

func TestReviewEveryModelFails(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return serverError() })
	c, _, _ := setup(t, g, func(o *llm.Options) {
		o.FallbackModels = []string{"gpt-4o-mini"}
		o.MaxRetries = 1
	})
	got, err := c.Review(t.Context(), testPrompt(t))
	if err == nil {
		t.Fatal("Review succeeded")
	}
	for _, m := range []string{model, "gpt-4o-mini", "status 500"} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("err = %v, want it to mention %q", err, m)
		}
	}
	if got.Requests != 4 {
		t.Errorf("Requests = %d, want 4 (2 per model)", got.Requests)
	}
}

func TestReviewCircuitBreaker(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(_ int, r received) reply {
		if r.Model == "dead-model" {
			return apiError(http.StatusServiceUnavailable, "Service Unavailable", "server_error", "", "")
		}
		return okReply(t, answerJSON)
	})
	c, _, clk := setup(t, g, func(o *llm.Options) {
		o.Model = "dead-model"
		o.FallbackModels = []string{"gpt-4o-mini"}
		o.MaxRetries = 1
		o.BreakerThreshold = 3
		o.BreakerCooldown = time.Minute
	})
	deadCalls := func() int {
		n := 0
		for _, m := range g.models() {
			if m == "dead-model" {
				n++
			}
		}
		return n
	}
	review := func(wantRequests int) {
		t.Helper()
		got, err := c.Review(t.Context(), testPrompt(t))
		if err != nil {
			t.Fatal(err)
		}
		if got.Model != "gpt-4o-mini" || got.Requests != wantRequests {
			t.Errorf("answered by %q after %d requests, want gpt-4o-mini after %d", got.Model, got.Requests, wantRequests)
		}
	}
	review(3) // dead-model twice (2 failures), then the fallback
	review(2) // dead-model once: the third failure opens the breaker, the retry is skipped
	if n := deadCalls(); n != 3 {
		t.Fatalf("dead model called %d times, want 3", n)
	}
	for range 5 {
		review(1) // breaker open: straight to the fallback
	}
	if n := deadCalls(); n != 3 {
		t.Errorf("dead model called %d times during the cool-down, want 3", n)
	}
	clk.Advance(time.Minute + time.Second)
	review(2) // cool-down over: one probe, which fails and re-opens the breaker
	review(1)
	if n := deadCalls(); n != 4 {
		t.Errorf("dead model called %d times, want 4 (one probe after the cool-down)", n)
	}
}

func TestReviewCircuitBreakerCloses(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	healthy := false
	g := newGateway(t, func(int, received) reply {
		mu.Lock()
		defer mu.Unlock()
		if !healthy {
			return serverError()
		}
		return okReply(t, answerJSON)
	})
	c, _, clk := setup(t, g, func(o *llm.Options) {
		o.MaxRetries = -1
		o.BreakerThreshold = 2
	})
	for range 2 {
		if _, err := c.Review(t.Context(), testPrompt(t)); err == nil {
			t.Fatal("Review succeeded on 500")
		}
	}
	if _, err := c.Review(t.Context(), testPrompt(t)); !errors.Is(err, llm.ErrCircuitOpen) {
		t.Fatalf("err = %v, want ErrCircuitOpen", err)
	}
	mu.Lock()
	healthy = true
	mu.Unlock()
	clk.Advance(llm.DefaultBreakerCooldown)
	for range 3 {
		if _, err := c.Review(t.Context(), testPrompt(t)); err != nil {
			t.Fatalf("after recovery: %v", err)
		}
	}
}

func TestReviewConcurrencyBound(t *testing.T) {
	t.Parallel()
	// Requests are held until two are in flight at once, so the bound is reached however
	// slowly the machine schedules them (a bound of one would hang here); then all go.
	full := make(chan struct{})
	var (
		once sync.Once
		gp   atomic.Pointer[gateway]
	)
	g := newGateway(t, func(int, received) reply {
		if gp.Load().inFlight.Load() >= 2 {
			once.Do(func() { close(full) })
		}
		r := okReply(t, answerJSON)
		r.until = full
		return r
	})
	gp.Store(g)
	c, _, _ := setup(t, g, func(o *llm.Options) { o.MaxConcurrency = 2 })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Review(t.Context(), testPrompt(t)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := g.maxInFlight.Load(); got != 2 {
		t.Errorf("max requests in flight = %d, want 2", got)
	}
	if n := len(g.received()); n != 8 {
		t.Errorf("requests = %d, want 8", n)
	}
}

func TestReviewCache(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return okReply(t, answerJSON) })
	dir, err := cache.NewDir(t.TempDir(), seal.New([]byte("test")), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := setup(t, g, func(o *llm.Options) { o.Cache = dir })
	first, err := c.Review(t.Context(), testPrompt(t))
	if err != nil {
		t.Fatal(err)
	}

	// A new client (a re-run in the next CI job) on a new commit: same chunk, new tags.
	c2, _, _ := setup(t, g, func(o *llm.Options) { o.Cache = dir })
	p := testPrompt(t)
	p.Tags["head_sha"] = "0000000000000000000000000000000000000001"
	second, err := c2.Review(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.received()); n != 1 {
		t.Errorf("gateway got %d requests, want 1: the re-run must hit the cache", n)
	}
	want := first
	want.Requests, want.Spent, want.Cached = 0, nil, true
	if diff := cmp.Diff(want, second); diff != "" {
		t.Errorf("cached reply (-want +got):\n%s", diff)
	}

	p.Messages[1].Content += "\n// changed"
	third, err := c2.Review(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if third.Cached || len(g.received()) != 2 {
		t.Errorf("changed chunk: cached=%v, requests=%d; want a miss", third.Cached, len(g.received()))
	}
}

func TestReviewCacheNotFilledOnError(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	truncate := true
	g := newGateway(t, func(int, received) reply {
		mu.Lock()
		defer mu.Unlock()
		if truncate {
			return reply{body: fixture(t, "chat_completion.response.json_content.truncated_length.json")}
		}
		return okReply(t, answerJSON)
	})
	dir, err := cache.NewDir(t.TempDir(), seal.New([]byte("test")), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := setup(t, g, func(o *llm.Options) { o.Cache = dir })
	if _, err := c.Review(t.Context(), testPrompt(t)); !errors.Is(err, reviewer.ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	mu.Lock()
	truncate = false
	mu.Unlock()
	got, err := c.Review(t.Context(), testPrompt(t))
	if err != nil || got.Cached {
		t.Errorf("after a truncated answer: cached=%v err=%v; want a fresh answer", got.Cached, err)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts llm.Options
	}{
		{"no base url", llm.Options{Model: model}},
		{"no model", llm.Options{BaseURL: "http://gateway.test/v1"}},
		{"negative timeout", llm.Options{BaseURL: "http://gateway.test/v1", Model: model, Timeout: -1}},
		{"bad header name", llm.Options{BaseURL: "http://gateway.test/v1", Model: model, Headers: map[string]string{"a b": "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := llm.New(tt.opts); err == nil {
				t.Error("New succeeded")
			}
		})
	}
}

func TestReviewBadPrompt(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return okReply(t, answerJSON) })
	c, _, _ := setup(t, g, nil)
	for _, p := range []reviewer.Prompt{
		{},
		{Messages: []reviewer.Message{{Role: "user"}}},
		{Messages: []reviewer.Message{{Role: "robot", Content: "x"}}},
	} {
		if _, err := c.Review(t.Context(), p); err == nil {
			t.Errorf("Review(%+v) succeeded", p)
		}
	}
	if n := len(g.received()); n != 0 {
		t.Errorf("bad prompts sent %d requests", n)
	}
}

// TestValidateRequestRejects makes sure the gateway's request check can fail: bodies
// that break the description are caught.
func TestValidateRequestRejects(t *testing.T) {
	t.Parallel()
	good := `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":false}`
	if err := validateRequest(http.MethodPost, apiPath, []byte(good)); err != nil {
		t.Fatalf("valid body rejected: %v", err)
	}
	tests := []struct {
		name, method, path, body string
	}{
		{"no messages", http.MethodPost, apiPath, `{"model":"gpt-4o","messages":[]}`},
		{"unknown role", http.MethodPost, apiPath, `{"model":"gpt-4o","messages":[{"role":"robot","content":"hi"}]}`},
		{"missing model", http.MethodPost, apiPath, `{"messages":[{"role":"user","content":"hi"}]}`},
		{"unknown response format", http.MethodPost, apiPath, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}}`},
		{"json_schema without schema object", http.MethodPost, apiPath, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema"}}`},
		{"max_completion_tokens as string", http.MethodPost, apiPath, `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":"many"}`},
		{"not JSON", http.MethodPost, apiPath, `{"model":`},
		{"wrong method", http.MethodGet, apiPath, good},
		{"wrong path", http.MethodPost, "/v1/completions", good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := validateRequest(tt.method, tt.path, []byte(tt.body)); err == nil {
				t.Errorf("validateRequest accepted %s %s %s", tt.method, tt.path, tt.body)
			}
		})
	}
}

// TestReviewCacheFallback: an answer is cached under the model that gave it. A re-run
// asks the primary again rather than take the fallback's answer for it, and hits the
// fallback's entry only when the primary fails again.
func TestReviewCacheFallback(t *testing.T) {
	t.Parallel()
	const fallback = "gpt-4o-mini"
	var mu sync.Mutex
	primaryUp := false
	g := newGateway(t, func(_ int, r received) reply {
		mu.Lock()
		defer mu.Unlock()
		if r.Model == model && !primaryUp {
			return apiError(http.StatusServiceUnavailable, "Service Unavailable", "server_error", "", "")
		}
		return okReply(t, answerJSON)
	})
	dir, err := cache.NewDir(t.TempDir(), seal.New([]byte("test")), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		primaryUp  bool
		wantModel  string
		wantCached bool
		wantAsked  []string // models the gateway was asked in this run
	}{
		{"primary down: fallback answers", false, fallback, false, []string{model, fallback}},
		{"primary down again: fallback's entry hits", false, fallback, true, []string{model}},
		{"primary up: primary asked, not the fallback's entry", true, model, false, []string{model}},
		{"primary up again: primary's entry hits", true, model, true, nil},
	}
	for _, tt := range tests {
		mu.Lock()
		primaryUp = tt.primaryUp
		mu.Unlock()
		before := len(g.received())
		// A new client for each run, as in consecutive CI jobs sharing the cache.
		c, _, _ := setup(t, g, func(o *llm.Options) {
			o.Cache = dir
			o.FallbackModels = []string{fallback}
			o.MaxRetries = -1
		})
		got, err := c.Review(t.Context(), testPrompt(t))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got.Model != tt.wantModel || got.Cached != tt.wantCached || len(got.Findings) != 1 {
			t.Errorf("%s: model %q cached=%v findings=%d; want model %q cached=%v with the finding",
				tt.name, got.Model, got.Cached, len(got.Findings), tt.wantModel, tt.wantCached)
		}
		if diff := cmp.Diff(tt.wantAsked, g.models()[before:], cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: models asked (-want +got):\n%s", tt.name, diff)
		}
		if want := len(tt.wantAsked); got.Requests != want {
			t.Errorf("%s: Requests = %d, want %d", tt.name, got.Requests, want)
		}
	}
}

// TestReviewCacheEndpoint: one model name on two gateways shares no entries.
func TestReviewCacheEndpoint(t *testing.T) {
	t.Parallel()
	g1 := newGateway(t, func(int, received) reply { return okReply(t, answerJSON) })
	g2 := newGateway(t, func(int, received) reply { return okReply(t, `{"findings":[]}`) })
	dir, err := cache.NewDir(t.TempDir(), seal.New([]byte("test")), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c1, _, _ := setup(t, g1, func(o *llm.Options) { o.Cache = dir })
	if _, err := c1.Review(t.Context(), testPrompt(t)); err != nil {
		t.Fatal(err)
	}
	c2, _, _ := setup(t, g2, func(o *llm.Options) { o.Cache = dir })
	got, err := c2.Review(t.Context(), testPrompt(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.Cached || len(got.Findings) != 0 || len(g2.received()) != 1 {
		t.Errorf("second gateway: cached=%v findings=%d requests=%d; want its own answer",
			got.Cached, len(got.Findings), len(g2.received()))
	}
}

// TestReviewSpent: Spent says which model billed what, so that a fallback's answer is not
// priced with the primary's tokens, and Model names the last model asked on error too.
func TestReviewSpent(t *testing.T) {
	t.Parallel()
	const (
		fallback = "gpt-4o-mini"
		garbage  = "I found no problems worth mentioning."
	)
	primaryUsage := reviewer.TokenUsage{PromptTokens: 79, CompletionTokens: 14}
	fallbackUsage := reviewer.TokenUsage{PromptTokens: 100, CompletionTokens: 20}
	fallbackReply := func(content string, finish string) reply {
		return reply{body: completion(t, "chat_completion.response.json_content.json", content, func(resp map[string]any) {
			resp["usage"] = map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
			resp["choices"].([]any)[0].(map[string]any)["finish_reason"] = finish
		})}
	}
	down := apiError(http.StatusServiceUnavailable, "Service Unavailable", "server_error", "", "")
	tests := []struct {
		name      string
		primary   reply
		fallback  reply
		wantErr   bool
		wantIs    error // when set, the error wraps it
		wantModel string
		wantUsage reviewer.TokenUsage
		wantSpent []reviewer.ModelUsage
	}{
		{
			name:      "primary's invalid answer, then the fallback's",
			primary:   okReply(t, garbage),
			fallback:  fallbackReply(answerJSON, "stop"),
			wantModel: fallback,
			wantUsage: reviewer.TokenUsage{PromptTokens: 179, CompletionTokens: 34},
			wantSpent: []reviewer.ModelUsage{{Model: model, Usage: primaryUsage}, {Model: fallback, Usage: fallbackUsage}},
		},
		{
			name:      "every model answers invalid",
			primary:   okReply(t, garbage),
			fallback:  fallbackReply(garbage, "stop"),
			wantErr:   true,
			wantIs:    llm.ErrInvalidAnswer,
			wantModel: fallback,
			wantUsage: reviewer.TokenUsage{PromptTokens: 179, CompletionTokens: 34},
			wantSpent: []reviewer.ModelUsage{{Model: model, Usage: primaryUsage}, {Model: fallback, Usage: fallbackUsage}},
		},
		{
			name:      "primary down, fallback truncated",
			primary:   down,
			fallback:  fallbackReply(answerJSON, "length"),
			wantErr:   true,
			wantIs:    reviewer.ErrTruncated,
			wantModel: fallback,
			wantUsage: fallbackUsage,
			wantSpent: []reviewer.ModelUsage{{Model: fallback, Usage: fallbackUsage}},
		},
		{
			name:      "every model down",
			primary:   down,
			fallback:  down,
			wantErr:   true,
			wantModel: fallback,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, func(_ int, r received) reply {
				if r.Model == model {
					return tt.primary
				}
				return tt.fallback
			})
			c, _, _ := setup(t, g, func(o *llm.Options) {
				o.FallbackModels = []string{fallback}
				o.InvalidRetries = -1
				o.MaxRetries = -1
			})
			got, err := c.Review(t.Context(), testPrompt(t))
			switch {
			case !tt.wantErr && err != nil:
				t.Fatal(err)
			case tt.wantErr && err == nil:
				t.Fatal("Review succeeded")
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Fatalf("err = %v, want %v", err, tt.wantIs)
			}
			if got.Model != tt.wantModel || got.Requests != 2 {
				t.Errorf("Model = %q after %d requests, want %q after 2", got.Model, got.Requests, tt.wantModel)
			}
			if diff := cmp.Diff(tt.wantUsage, got.Usage); diff != "" {
				t.Errorf("Usage (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSpent, got.Spent); diff != "" {
				t.Errorf("Spent (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReviewDropped: the answer's invalid items and those past the cap are counted, also
// when the answer comes from the cache.
func TestReviewDropped(t *testing.T) {
	t.Parallel()
	item := func(line int, message string) map[string]any {
		return map[string]any{"path": "main.go", "line": line, "end_line": line, "side": "new", "severity": "error",
			"rule_id": "", "message": message, "quote": "", "suggestion": ""}
	}
	answer := func(items ...map[string]any) string {
		b, err := json.Marshal(map[string]any{"findings": items})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var many []map[string]any
	for i := range 205 {
		many = append(many, item(i+1, "Finding."))
	}
	tests := []struct {
		name         string
		content      string
		wantFindings int
		wantDropped  int
	}{
		{"none dropped", answerJSON, 1, 0},
		{"invalid items", answer(item(5, "Real."), item(0, "No line."), item(7, "")), 1, 2},
		{"past the cap", answer(many...), 200, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, func(int, received) reply { return okReply(t, tt.content) })
			dir, err := cache.NewDir(t.TempDir(), seal.New([]byte("test")), cache.Options{})
			if err != nil {
				t.Fatal(err)
			}
			c, _, _ := setup(t, g, func(o *llm.Options) { o.Cache = dir })
			for _, wantCached := range []bool{false, true} {
				got, err := c.Review(t.Context(), testPrompt(t))
				if err != nil {
					t.Fatal(err)
				}
				if got.Cached != wantCached || len(got.Findings) != tt.wantFindings || got.Dropped != tt.wantDropped {
					t.Errorf("cached=%v: %d findings, %d dropped; want cached=%v, %d findings, %d dropped",
						got.Cached, len(got.Findings), got.Dropped, wantCached, tt.wantFindings, tt.wantDropped)
				}
			}
		})
	}
}

// TestReviewRedactsHeaders: a gateway that echoes the request's credentials into its
// error messages leaks neither the API key nor a custom header's value, in errors or logs.
func TestReviewRedactsHeaders(t *testing.T) {
	t.Parallel()
	const (
		gatewayToken = "cf-gw-token-5f4e3d2c1b0a"
		fallback     = "gpt-4o-mini"
	)
	g := newGateway(t, func(_ int, r received) reply {
		if r.Model == model {
			return apiError(http.StatusServiceUnavailable, fmt.Sprintf("upstream said no to Authorization=%q cf-aig-authorization=%q team=%q",
				r.Header.Get("Authorization"), r.Header.Get("Cf-Aig-Authorization"), r.Header.Get("X-Team")), "server_error", "", "")
		}
		// A proxy's error page echoing the token alone, without its scheme.
		return reply{status: http.StatusUnauthorized, body: []byte("<html><body>token " + gatewayToken +
			" and key " + testKey + " rejected</body></html>")}
	})
	var logs bytes.Buffer
	c, _, _ := setup(t, g, func(o *llm.Options) {
		o.Headers = map[string]string{"cf-aig-authorization": "Bearer " + gatewayToken, "X-Team": "acme"}
		o.FallbackModels = []string{fallback}
		o.MaxRetries = 1
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	_, err := c.Review(t.Context(), testPrompt(t))
	if err == nil {
		t.Fatal("Review succeeded")
	}
	for what, text := range map[string]string{"error": err.Error(), "logs": logs.String()} {
		for _, secret := range []string{testKey, gatewayToken} {
			if strings.Contains(text, secret) {
				t.Errorf("%s hold the secret %q:\n%s", what, secret, text)
			}
		}
		if !strings.Contains(text, "[redacted]") {
			t.Errorf("%s say nothing was redacted:\n%s", what, text)
		}
	}
	// Short values are no secrets: redacting them would garble ordinary words.
	if !strings.Contains(logs.String(), "acme") {
		t.Errorf("logs lost the short header value:\n%s", logs.String())
	}
}

// TestReviewRateLimitHoldOff: a Retry-After one request gets holds off every request to
// the model, not only that request's retries: while it runs, no other request goes out.
func TestReviewRateLimitHoldOff(t *testing.T) {
	t.Parallel()
	const (
		callers        = 10
		maxConcurrency = 2
		retryAfter     = 2 * time.Second
	)
	ft := newFakeTime()
	limitEnds := ft.Now().Add(retryAfter)
	var limited atomic.Int32
	g := newGateway(t, func(int, received) reply {
		if ft.Now().Before(limitEnds) {
			limited.Add(1)
			return reply{status: http.StatusTooManyRequests, header: map[string]string{"Retry-After": "2"},
				body: fixture(t, "error.429.rate_limit_exceeded.json")}
		}
		return okReply(t, answerJSON)
	})
	c, _, _ := setup(t, g, func(o *llm.Options) {
		o.MaxConcurrency = maxConcurrency
		o.MaxRetries = 5
		o.Sleep = ft.Sleep
		o.Now = ft.Now
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			if _, err := c.Review(ctx, testPrompt(t)); err != nil {
				t.Error(err)
			}
		})
	}
	// Every caller ends up waiting: those rate limited for their retry, the others for
	// the hold-off.
	for range callers {
		select {
		case <-ft.slept:
		case <-ctx.Done():
			t.Fatalf("%d requests sent, not every caller waits", len(g.received()))
		}
	}
	if n := len(g.received()); n > maxConcurrency {
		t.Errorf("%d requests sent before the Retry-After elapsed, want at most %d", n, maxConcurrency)
	}
	ft.Advance(retryAfter)
	wg.Wait()
	n := int(limited.Load())
	if n > maxConcurrency {
		t.Errorf("%d requests rate limited, want at most %d", n, maxConcurrency)
	}
	if got, want := len(g.received()), callers+n; got != want {
		t.Errorf("%d requests, want %d: one per caller and the retries of the rate-limited ones", got, want)
	}
	for _, w := range ft.Waits() {
		if w != retryAfter {
			t.Errorf("waits = %v, want each %v", ft.Waits(), retryAfter)
			break
		}
	}
}
