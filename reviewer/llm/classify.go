package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer"
)

// kindClassify is a reply in the bot's thread that the rules could not read.
const kindClassify kind = "classify"

// classifySchema is the answer to a classification: one intent of a fixed set.
var classifySchema = []byte(`{"type":"object","additionalProperties":false,"required":["intent"],` +
	`"properties":{"intent":{"type":"string","enum":["dismiss","question","ack","other"]}}}`)

// classifyMaxOut bounds a classification's answer: one short JSON object.
const classifyMaxOut = 64

// ClassifyReply asks the model what a reply in the bot's thread asks for, in one small
// request on the path every request takes. finding and reply are untrusted and must come
// redacted; they are fenced here. An answer outside the fixed set of intents is invalid
// and asked again, as any invalid answer is.
func (c *Client) ClassifyReply(ctx context.Context, finding, reply string) (reviewer.Intent, reviewer.TokenUsage, error) {
	msgs, err := prompts.RenderReplyClassify(finding, reply)
	if err != nil {
		return reviewer.IntentUnknown, reviewer.TokenUsage{}, err
	}
	in := make([]reviewer.Message, len(msgs))
	for i, m := range msgs {
		in[i] = reviewer.Message{Role: m.Role, Content: m.Content}
	}
	cm, err := chatMessages(in)
	if err != nil {
		return reviewer.IntentUnknown, reviewer.TokenUsage{}, err
	}
	intent := reviewer.IntentUnknown
	var acc reviewer.Reply
	x := &exchange{
		kind: kindClassify, msgs: cm, maxOut: classifyMaxOut,
		format: func(md mode) *openai.ChatCompletionResponseFormat {
			return md.responseFormat("reply_intent", classifySchema)
		},
		accept: func(_ context.Context, _, content string) error {
			var a struct {
				Intent string `json:"intent"`
			}
			if !decodeObject(content, &a) {
				return fmt.Errorf("%w: no JSON object in %d bytes of content", ErrInvalidAnswer, len(content))
			}
			got, ok := reviewer.ParseIntent(a.Intent)
			if !ok || got == reviewer.IntentUnknown {
				return fmt.Errorf("%w: intent %.40q is not one of dismiss, question, ack, other", ErrInvalidAnswer, a.Intent)
			}
			intent = got
			return nil
		},
	}
	if _, err := c.do(ctx, x, &acc); err != nil {
		return reviewer.IntentUnknown, acc.Usage, err
	}
	return intent, acc.Usage, nil
}

// decodeObject reads content as a JSON object, or the first fenced block that is one.
func decodeObject(content string, v any) bool {
	s := strings.TrimSpace(content)
	if json.Unmarshal([]byte(s), v) == nil {
		return true
	}
	for _, block := range fencedBlocks(s) {
		if json.Unmarshal([]byte(block), v) == nil {
			return true
		}
	}
	return false
}

// kindAnswer is a question asked in the bot's thread.
const kindAnswer kind = "answer"

// answerMaxOut bounds an answer: a few short paragraphs.
const answerMaxOut = 600

// AnswerQuestion answers a question asked in one of the bot's threads, in one request of
// at most answerMaxOut tokens on the path every request takes. q must come redacted; it
// is fenced here. The answer is the model's text, for the caller to render.
func (c *Client) AnswerQuestion(ctx context.Context, q reviewer.Question) (string, reviewer.TokenUsage, error) {
	msgs, err := prompts.RenderReplyAnswer(q.Finding, q.Code, q.Thread, q.Question)
	if err != nil {
		return "", reviewer.TokenUsage{}, err
	}
	in := make([]reviewer.Message, len(msgs))
	for i, m := range msgs {
		in[i] = reviewer.Message{Role: m.Role, Content: m.Content}
	}
	cm, err := chatMessages(in)
	if err != nil {
		return "", reviewer.TokenUsage{}, err
	}
	var answer string
	var acc reviewer.Reply
	x := &exchange{
		kind: kindAnswer, msgs: cm, maxOut: answerMaxOut,
		format: func(mode) *openai.ChatCompletionResponseFormat { return nil },
		accept: func(_ context.Context, _, content string) error {
			if strings.TrimSpace(content) == "" {
				return fmt.Errorf("%w: empty answer", ErrInvalidAnswer)
			}
			answer = content
			return nil
		},
	}
	if _, err := c.do(ctx, x, &acc); err != nil {
		return "", acc.Usage, err
	}
	return answer, acc.Usage, nil
}
