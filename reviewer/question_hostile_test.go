package reviewer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
)

// capturingAnswerer keeps the question it was asked.
type capturingAnswerer struct{ q reviewer.Question }

func (c *capturingAnswerer) AnswerQuestion(_ context.Context, q reviewer.Question) (string, reviewer.TokenUsage, error) {
	c.q = q
	return "Because.", reviewer.TokenUsage{}, nil
}

// TestAskQuestionLongThread: anyone may reply in the bot's thread, as often as they
// like; a question asked after a thousand long replies must still be one bounded request,
// which keeps the newest replies.
func TestAskQuestionLongThread(t *testing.T) {
	t.Parallel()
	var thread []string
	for i := range 1000 {
		thread = append(thread, fmt.Sprintf("stranger: reply %d %s", i, strings.Repeat("x", 5000)))
	}
	a := &capturingAnswerer{}
	if _, _, err := reviewer.AskQuestion(t.Context(), a, reviewer.Question{Finding: "f", Thread: thread, Question: "why?"}, nil); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range a.q.Thread {
		n += len(s)
	}
	if n > 10000 {
		t.Errorf("the request carries %d bytes of the thread in %d replies, want at most 10000", n, len(a.q.Thread))
	}
	if len(a.q.Thread) == 0 || !strings.HasPrefix(a.q.Thread[len(a.q.Thread)-1], "stranger: reply 999 ") {
		t.Errorf("the newest reply is not kept: %d replies", len(a.q.Thread))
	}
}
