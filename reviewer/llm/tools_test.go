package llm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/llm"
	"github.com/reviewerbot/reviewer/reviewer/llm/replay"
)

// box is a Toolbox that offers read_file in up to rounds requests and answers every call
// with a text naming it.
type box struct {
	rounds int
	mu     sync.Mutex
	offers int
	calls  [][]reviewer.ToolCall
}

var readSpec = reviewer.ToolSpec{Name: "read_file", Description: "Read a file.",
	Parameters: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}`)}

func (b *box) Offer() []reviewer.ToolSpec {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.offers >= b.rounds {
		return nil
	}
	b.offers++
	return []reviewer.ToolSpec{readSpec}
}

func (b *box) Call(_ context.Context, calls []reviewer.ToolCall) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, calls)
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = "content of " + c.Arguments
	}
	return out
}

// toolCallsReply answers with n calls of read_file and no content.
func toolCallsReply(t testing.TB, n int) reply {
	t.Helper()
	return reply{body: completion(t, "chat_completion.response.json_content.json", "", func(resp map[string]any) {
		choice := resp["choices"].([]any)[0].(map[string]any)
		msg := choice["message"].(map[string]any)
		delete(msg, "content")
		var calls []any
		for i := range n {
			calls = append(calls, map[string]any{"id": fmt.Sprintf("call_%d", i), "type": "function",
				"function": map[string]any{"name": "read_file", "arguments": fmt.Sprintf(`{"path":"f%d.go"}`, i)}})
		}
		msg["tool_calls"] = calls
		choice["finish_reason"] = "tool_calls"
	})}
}

// sent is the parts of a request the tool tests look at.
type sent struct {
	Tools []struct {
		Function struct{ Name string } `json:"function"`
	} `json:"tools"`
	ToolChoice any `json:"tool_choice"`
	Messages   []struct {
		Role       string `json:"role"`
		Content    string `json:"content"`
		ToolCallID string `json:"tool_call_id"`
		ToolCalls  []struct {
			ID string `json:"id"`
		} `json:"tool_calls"`
	} `json:"messages"`
}

func decodeSent(t *testing.T, r received) sent {
	t.Helper()
	var s sent
	if err := json.Unmarshal(r.Body, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReviewTools: the model calls a tool, gets its result in a tool message of the next
// request, and answers; both requests are billed.
func TestReviewTools(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ received) reply {
		if n == 0 {
			return toolCallsReply(t, 2)
		}
		return okReply(t, answerJSON)
	})
	c, _, _ := setup(t, g, nil)
	b := &box{rounds: 4}
	p := testPrompt(t)
	p.Tools = b
	got, err := c.Review(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantFindings, got.Findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	// The recording bills 79 prompt and 14 completion tokens per response.
	if got.Requests != 2 || got.Usage.PromptTokens != 2*79 || got.Usage.CompletionTokens != 2*14 {
		t.Errorf("requests %d, usage %+v: want both rounds counted", got.Requests, got.Usage)
	}
	if len(b.calls) != 1 || len(b.calls[0]) != 2 || b.calls[0][1].Arguments != `{"path":"f1.go"}` || b.calls[0][0].ID != "call_0" {
		t.Errorf("tool calls %+v", b.calls)
	}
	reqs := g.received()
	first, second := decodeSent(t, reqs[0]), decodeSent(t, reqs[1])
	if len(first.Tools) != 1 || first.Tools[0].Function.Name != "read_file" || first.ToolChoice != "auto" {
		t.Errorf("first request offers %+v, choice %v", first.Tools, first.ToolChoice)
	}
	m := second.Messages
	n := len(first.Messages)
	if len(m) != n+3 || m[n].Role != "assistant" || len(m[n].ToolCalls) != 2 ||
		m[n+1].Role != "tool" || m[n+1].ToolCallID != "call_0" || m[n+1].Content != `content of {"path":"f0.go"}` ||
		m[n+2].ToolCallID != "call_1" {
		t.Errorf("second request's messages: %+v", m[n-1:])
	}
}

// TestReviewToolsFinalRound: once the toolbox offers no more, the request keeps the tools
// the history refers to but says tool_choice "none"; a model that still calls tools then
// gave no answer, and is asked again.
func TestReviewToolsFinalRound(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ received) reply {
		if n < 2 {
			return toolCallsReply(t, 1)
		}
		return okReply(t, answerJSON)
	})
	c, _, _ := setup(t, g, nil)
	b := &box{rounds: 1}
	p := testPrompt(t)
	p.Tools = b
	if _, err := c.Review(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	var choices []any
	for _, r := range g.received() {
		s := decodeSent(t, r)
		choices = append(choices, s.ToolChoice)
		if len(s.Tools) != 1 {
			t.Errorf("a request offers %d tools, want the one the history calls", len(s.Tools))
		}
	}
	if diff := cmp.Diff([]any{"auto", "none", "none"}, choices); diff != "" {
		t.Errorf("tool_choice per request (-want +got):\n%s", diff)
	}
	if len(b.calls) != 1 {
		t.Errorf("the toolbox ran %d rounds, want 1", len(b.calls))
	}
}

// TestReviewToolsManyCalls: an answer with more calls than a round takes keeps only the
// first ones, each with its tool message.
func TestReviewToolsManyCalls(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ received) reply {
		if n == 0 {
			return toolCallsReply(t, 40)
		}
		return okReply(t, answerJSON)
	})
	c, _, _ := setup(t, g, nil)
	b := &box{rounds: 4}
	p := testPrompt(t)
	p.Tools = b
	if _, err := c.Review(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	s := decodeSent(t, g.received()[1])
	tools, calls := 0, 0
	for _, m := range s.Messages {
		calls += len(m.ToolCalls)
		if m.Role == "tool" {
			tools++
		}
	}
	if calls != 16 || tools != 16 || len(b.calls[0]) != 16 {
		t.Errorf("kept %d calls, %d tool messages, ran %d; want 16 each", calls, tools, len(b.calls[0]))
	}
}

// TestReviewToolsRefused: a gateway that rejects tools is asked again without them, the
// review still answers, and the client does not offer tools to that model again.
func TestReviewToolsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		refuse reply
	}{
		{"ollama", apiError(http.StatusBadRequest, "llama3:8b does not support tools", "api_error", "", "")},
		{"param", apiError(http.StatusBadRequest, "Unrecognized request argument supplied", "invalid_request_error", "tools", "")},
		{"openrouter", apiError(http.StatusNotFound, "No endpoints found that support tool use.", "", "", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGateway(t, func(_ int, r received) reply {
				if strings.Contains(string(r.Body), `"tools"`) {
					return tt.refuse
				}
				return okReply(t, answerJSON)
			})
			c, _, _ := setup(t, g, func(o *llm.Options) { o.FallbackModels = []string{"other-model"} })
			b := &box{rounds: 4}
			p := testPrompt(t)
			p.Tools = b
			for range 2 {
				got, err := c.Review(t.Context(), p)
				if err != nil {
					t.Fatal(err)
				}
				if got.Model != model || len(got.Findings) != 1 {
					t.Errorf("answered by %s with %d findings, want the primary's one", got.Model, len(got.Findings))
				}
			}
			var withTools []bool
			for _, r := range g.received() {
				withTools = append(withTools, strings.Contains(string(r.Body), `"tools"`))
			}
			if diff := cmp.Diff([]bool{true, false, false}, withTools); diff != "" {
				t.Errorf("requests with tools (-want +got):\n%s", diff)
			}
			if len(b.calls) != 0 {
				t.Errorf("tools ran: %v", b.calls)
			}
		})
	}
}

// TestReviewToolsRecordReplay: a review with a tool round is recorded and replayed,
// request by request, with the tool results the same toolbox gives again.
func TestReviewToolsRecordReplay(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ received) reply {
		if n == 0 {
			return toolCallsReply(t, 1)
		}
		return okReply(t, answerJSON)
	})
	dir := filepath.Join(t.TempDir(), "rec")
	rec, err := replay.NewRecorder(dir, nil, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	live, _, _ := setup(t, g, func(o *llm.Options) { o.HTTPClient = &http.Client{Transport: rec} })
	p := testPrompt(t)
	p.Tools = &box{rounds: 4}
	want, err := live.Review(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Err() != nil || rec.Recorded() != 2 {
		t.Fatalf("recorded %d (err %v), want both rounds", rec.Recorded(), rec.Err())
	}
	player, err := replay.NewPlayer(dir, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	replayed, _, _ := setup(t, g, func(o *llm.Options) { o.HTTPClient = &http.Client{Transport: player} })
	b := &box{rounds: 4}
	p.Tools = b
	got, err := replayed.Review(t.Context(), p)
	if err != nil {
		t.Fatalf("replay: %v (misses %v)", err, player.Misses())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replayed reply (-live +replayed):\n%s", diff)
	}
	if player.Played() != 2 || len(player.Misses()) != 0 || len(g.received()) != 2 || len(b.calls) != 1 {
		t.Errorf("played %d, missed %d, gateway saw %d, tool rounds %d", player.Played(), len(player.Misses()), len(g.received()), len(b.calls))
	}
}
