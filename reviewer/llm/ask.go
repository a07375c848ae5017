package llm

import (
	"context"
	"encoding/json"
	"errors"

	openai "github.com/sashabaranov/go-openai"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Ask sends one side question and asks for a JSON object matching schema, named name
// ([a-zA-Z0-9_-]{1,64}): strict structured output, then JSON mode, then plain text, in
// the mode the endpoint is known to accept. It returns the answer's content as the model
// wrote it, for the caller to parse, and the tokens billed.
//
// Ask serves small questions about a review, such as an evaluation's judge. It takes the
// path every request takes (circuit breaker, retries with Retry-After, the rate-limit
// hold-off, fallback models, errors with secrets redacted and mapped onto the reviewer's
// sentinels, as Review documents); only the cache is Review's alone.
func (c *Client) Ask(ctx context.Context, msgs []reviewer.Message, name string, schema []byte) (string, reviewer.TokenUsage, error) {
	cm, err := chatMessages(msgs)
	if err != nil {
		return "", reviewer.TokenUsage{}, err
	}
	if !json.Valid(schema) {
		return "", reviewer.TokenUsage{}, errors.New("ask: schema is not JSON")
	}
	var content string
	var acc reviewer.Reply
	x := &exchange{
		kind: kindAsk, msgs: cm,
		format: func(md mode) *openai.ChatCompletionResponseFormat { return md.responseFormat(name, schema) },
		accept: func(_ context.Context, _, got string) error {
			content = got
			return nil
		},
	}
	if _, err := c.do(ctx, x, &acc); err != nil {
		return "", acc.Usage, err
	}
	return content, acc.Usage, nil
}
