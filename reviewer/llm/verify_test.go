package llm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/cache"
	"github.com/reviewerbot/reviewer/reviewer/llm"
	"github.com/reviewerbot/reviewer/reviewer/seal"
)

var verifyPrompt = reviewer.Prompt{
	Messages: []reviewer.Message{{Role: "system", Content: "Check the findings."}, {Role: "user", Content: "FINDING f1 a.go new 3-3 error"}},
	Tags:     map[string]string{"repo": "demo"},
}

// TestVerify: the verification request asks for the verdict schema, strict, and its
// hostile answer is bounded: an item without a boolean keep or an id is left out and
// counted, confidence is clamped to 0..1, a line no file has is 0, the reason is cut.
func TestVerify(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 100_000)
	answer := fmt.Sprintf(`{"verdicts": [
		{"id": "f1", "keep": true, "confidence": 7, "reason": "holds", "line": 4, "duplicate_of": ""},
		{"id": "f2", "keep": false, "confidence": -1, "reason": %q, "line": -3, "duplicate_of": "f1", "extra": 1},
		{"id": "f3", "keep": "yes", "confidence": 1, "reason": "", "line": 0, "duplicate_of": ""},
		{"id": "", "keep": true, "confidence": 1, "reason": "", "line": 0, "duplicate_of": ""},
		{"id": "f4", "keep": true, "confidence": "high", "reason": "", "line": 99999999999, "duplicate_of": ""}
	]}`, huge)
	g := newGateway(t, func(int, received) reply { return okReply(t, answer) })
	c, _, _ := setup(t, g, nil)
	got, err := c.Verify(t.Context(), verifyPrompt)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Verdicts) != 3 || got.Dropped != 2 || got.Requests != 1 || got.Usage.PromptTokens == 0 {
		t.Fatalf("reply %+v: want 3 verdicts, 2 dropped, 1 request with its usage", got)
	}
	v1, v2, v4 := got.Verdicts[0], got.Verdicts[1], got.Verdicts[2]
	if v1 != (reviewer.Verdict{ID: "f1", Keep: true, Confidence: 1, Reason: "holds", Line: 4}) {
		t.Errorf("f1: %+v", v1)
	}
	if v2.Confidence != 0 || v2.Line != 0 || len(v2.Reason) > 500 || v2.DuplicateOf != "f1" || v2.Keep {
		t.Errorf("f2: confidence %v, line %d, %d bytes of reason, duplicate_of %q", v2.Confidence, v2.Line, len(v2.Reason), v2.DuplicateOf)
	}
	if v4.Confidence != 0 || v4.Line != 0 {
		t.Errorf("f4: %+v: want confidence 0 (not a number) and line 0 (no file has it)", v4)
	}
	var body struct {
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string          `json:"name"`
				Strict bool            `json:"strict"`
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(g.received()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.ResponseFormat.JSONSchema.Name != "finding_verdicts" || !body.ResponseFormat.JSONSchema.Strict ||
		!strings.Contains(string(body.ResponseFormat.JSONSchema.Schema), "duplicate_of") {
		t.Errorf("response format %+v", body.ResponseFormat)
	}
}

// TestVerifyInvalidAnswer: an answer without a verdicts array (a review's answer, prose)
// is asked for again, then fails as invalid, with what the requests cost.
func TestVerifyInvalidAnswer(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return okReply(t, answerJSON) })
	c, _, _ := setup(t, g, func(o *llm.Options) { o.InvalidRetries = 1 })
	got, err := c.Verify(t.Context(), verifyPrompt)
	if !errors.Is(err, llm.ErrInvalidAnswer) {
		t.Fatalf("err = %v, want ErrInvalidAnswer", err)
	}
	if got.Requests != 2 || got.Usage.PromptTokens == 0 || len(got.Verdicts) != 0 {
		t.Errorf("reply %+v: want 2 requests billed and no verdicts", got)
	}
}

// TestVerifyCache: verdicts are cached like reviews, under their own schema: a re-run
// sends nothing, and a review with the same messages does not read them.
func TestVerifyCache(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(_ int, r received) reply {
		if strings.Contains(string(r.Body), "finding_verdicts") {
			return okReply(t, `{"verdicts":[{"id":"f1","keep":false,"confidence":0.9,"reason":"no","line":0,"duplicate_of":""}]}`)
		}
		return okReply(t, answerJSON)
	})
	dir, err := cache.NewDir(t.TempDir(), seal.New([]byte("test")), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := setup(t, g, func(o *llm.Options) { o.Cache = dir })
	first, err := c.Verify(t.Context(), verifyPrompt)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Verify(t.Context(), verifyPrompt)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.received()); n != 1 || !second.Cached || second.Requests != 0 {
		t.Errorf("%d requests, second %+v: want the second from the cache", n, second)
	}
	if diff := cmp.Diff(first.Verdicts, second.Verdicts); diff != "" {
		t.Errorf("cached verdicts (-first +second):\n%s", diff)
	}
	rev, err := c.Review(t.Context(), verifyPrompt)
	if err != nil || rev.Cached || len(g.received()) != 2 {
		t.Errorf("review of the same messages: cached %v, err %v, %d requests; want a miss", rev.Cached, err, len(g.received()))
	}
}
