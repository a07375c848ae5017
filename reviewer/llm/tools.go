package llm

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/reviewerbot/reviewer/reviewer"
)

// maxCallsPerRound bounds the tool calls of one answer that are run and kept in the
// conversation; the rest are dropped from the assistant's message, so that every call
// kept gets its tool message and a model that asks for hundreds costs no more.
const maxCallsPerRound = 16

// conversation is one model's exchange with tools: the messages so far, and what the
// next request offers. A conversation without a toolbox (tools off, or refused by the
// endpoint) sends the exchange's messages alone.
type conversation struct {
	tb   reviewer.Toolbox
	msgs []openai.ChatCompletionMessage
	// offer is the tools of the next request; final says the toolbox allows no more
	// calls, so the next request offers the last tools with tool_choice "none" (an
	// endpoint wants the tools the history calls described) and the model must answer.
	offer []openai.Tool
	last  []openai.Tool
	final bool
}

// newConversation starts model's conversation for x, with tools when x has a toolbox
// and the endpoint has not refused them.
func (c *Client) newConversation(model string, x *exchange) *conversation {
	cv := &conversation{msgs: x.msgs}
	if x.tools != nil && !c.toolsRefused(model) {
		cv.tb = x.tools
		cv.next()
	}
	return cv
}

// next asks the toolbox what the next request offers.
func (cv *conversation) next() {
	specs := cv.tb.Offer()
	if len(specs) == 0 {
		cv.offer, cv.final = nil, len(cv.last) > 0
		return
	}
	cv.offer = make([]openai.Tool, len(specs))
	for i, s := range specs {
		cv.offer[i] = openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: s.Name, Description: s.Description, Parameters: s.Parameters,
		}}
	}
	cv.last, cv.final = cv.offer, false
}

// offering says the next request carries tools.
func (cv *conversation) offering() bool { return cv.tb != nil && (len(cv.offer) > 0 || cv.final) }

// apply puts the conversation into a request built for the exchange.
func (cv *conversation) apply(req *openai.ChatCompletionRequest) {
	req.Messages = cv.msgs
	switch {
	case cv.tb == nil:
	case len(cv.offer) > 0:
		req.Tools = cv.offer
		req.ToolChoice = "auto"
	case cv.final:
		req.Tools = cv.last
		req.ToolChoice = "none"
	}
}

// answer runs the tool calls of resp, if the request offered tools and the model asked
// for any, and adds them and their results to the conversation. It reports whether it
// did, so that the caller sends the next round instead of reading an answer.
func (cv *conversation) answer(ctx context.Context, resp openai.ChatCompletionResponse) bool {
	if cv.tb == nil || len(cv.offer) == 0 || len(resp.Choices) == 0 {
		return false
	}
	choice := resp.Choices[0]
	calls := choice.Message.ToolCalls
	if len(calls) == 0 || choice.FinishReason == openai.FinishReasonLength {
		return false
	}
	calls = calls[:min(len(calls), maxCallsPerRound)]
	in := make([]reviewer.ToolCall, len(calls))
	for i, tc := range calls {
		in[i] = reviewer.ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: tc.Function.Arguments}
	}
	results := cv.tb.Call(ctx, in)
	msgs := make([]openai.ChatCompletionMessage, 0, len(cv.msgs)+1+len(calls))
	msgs = append(msgs, cv.msgs...)
	msgs = append(msgs, openai.ChatCompletionMessage{
		Role: openai.ChatMessageRoleAssistant, Content: choice.Message.Content, ToolCalls: keepCalls(calls),
	})
	for i, tc := range calls {
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: tc.ID, Content: results[i]})
	}
	cv.msgs = msgs
	cv.next()
	return true
}

// keepCalls copies the calls as the next request sends them back: id, type, function.
func keepCalls(calls []openai.ToolCall) []openai.ToolCall {
	out := make([]openai.ToolCall, len(calls))
	for i, tc := range calls {
		out[i] = openai.ToolCall{ID: tc.ID, Type: openai.ToolTypeFunction, Function: tc.Function}
	}
	return out
}

// drop gives up tools for the rest of the exchange: the endpoint refused them. The
// conversation starts over from the exchange's messages.
func (cv *conversation) drop(x *exchange) {
	cv.tb, cv.offer, cv.last, cv.final, cv.msgs = nil, nil, nil, false, x.msgs
}

// toolsRefused says the endpoint refused tools for model before.
func (c *Client) toolsRefused(model string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.noTools[c.modeKey(model)]
}

// refuseTools records that the endpoint refused tools for model, as downgrade records a
// refused response format: what one model accepts says nothing of another.
func (c *Client) refuseTools(ctx context.Context, x *exchange, model string) {
	c.mu.Lock()
	c.noTools[c.modeKey(model)] = true
	c.mu.Unlock()
	c.log.WarnContext(ctx, "endpoint refused tool calls, reviewing without tools", slog.String(keyKind, string(x.kind)),
		slog.String(keyModel, model))
}

// refusesTools reports an endpoint or model that does not take tools: a 400 or 422 about
// tools or tool_choice (Ollama: "does not support tools"), or a 404 that names tool use
// (OpenRouter: "No endpoints found that support tool use"), which is no missing model.
func (e *statusError) refusesTools() bool {
	switch e.status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusNotFound:
	default:
		return false
	}
	s := strings.ToLower(e.param + " " + e.code + " " + e.msg)
	for _, w := range []string{"tools", "tool_choice", "tool use", "tool call", "tool_call", "function call", "function_call"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
