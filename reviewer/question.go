package reviewer

import (
	"context"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/markdown"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// Question is what the model sees to answer a question asked in one of the bot's
// threads: the finding as posted, the diff lines around it, and the thread. Every field
// is untrusted; AskQuestion redacts them and the answerer fences them.
type Question struct {
	Finding string
	// Code is the diff lines around the finding (CodeAround), as "+", "-" or " " and
	// the line.
	Code []string
	// Thread is the replies before the question, oldest first, as "who: text".
	Thread   []string
	Question string
}

// QuestionAnswerer answers a question in one of the bot's threads with one model
// request of bounded length.
type QuestionAnswerer interface {
	AnswerQuestion(ctx context.Context, q Question) (string, TokenUsage, error)
}

// questionContext is how many diff lines either side of the finding's line the model
// sees.
const questionContext = 8

// maxThread bounds, in bytes, the earlier replies a question's request carries: anyone
// can reply in a thread, as often as they like.
const maxThread = 3 * maxClassified

// maxAnswer bounds an answer as posted, in bytes.
const maxAnswer = 3000

// CodeAround returns the diff lines of path within questionContext lines of line (on the
// new side), from a change's unified diff, masked by red (nil uses redact.New) as the
// whole file is, so that the lines of a key block cut off from its header are masked
// too; nil when the file or line is not in it, and for a file withheld from the model
// (a key, an .env file): the secret rules post threads on those, and a question in one
// must not send what the review never would.
func CodeAround(rawDiff []byte, path string, line int, red *redact.Redactor) []string {
	files, err := diff.Parse(rawDiff)
	if err != nil {
		return nil
	}
	if red == nil {
		red = redact.New()
	}
	for _, f := range files {
		if f.Path() != path {
			continue
		}
		if _, withheld := redact.WithheldFile(f); withheld {
			return nil
		}
		f, _ = red.File(f)
		var out []string
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				n := l.NewLine
				if n == 0 {
					n = l.OldLine
				}
				if n < line-questionContext || n > line+questionContext {
					continue
				}
				mark := " "
				switch l.Kind {
				case diff.Added:
					mark = "+"
				case diff.Deleted:
					mark = "-"
				}
				out = append(out, mark+l.Content)
			}
		}
		return out
	}
	return nil
}

// AskQuestion redacts q (red; nil uses redact.New) and asks a for one answer, which it
// returns rendered for posting: inert Markdown (package markdown), cut to maxAnswer
// bytes, said to be the bot's answer.
func AskQuestion(ctx context.Context, a QuestionAnswerer, q Question, red *redact.Redactor) (string, TokenUsage, error) {
	if red == nil {
		red = redact.New()
	}
	mask := func(s string) string {
		m, _ := red.String(clipBytes(s, maxClassified))
		return m
	}
	q.Finding, q.Question = mask(q.Finding), mask(q.Question)
	for i := range q.Code {
		q.Code[i] = mask(q.Code[i])
	}
	q.Thread = recentThread(q.Thread)
	for i := range q.Thread {
		q.Thread[i] = mask(q.Thread[i])
	}
	answer, usage, err := a.AnswerQuestion(ctx, q)
	if err != nil {
		return "", usage, err
	}
	answer = strings.TrimSpace(clipBytes(answer, maxAnswer))
	if answer == "" {
		answer = "(no answer)"
	}
	return markdown.Text(answer) + "\n\n_An answer from the review model; it may be wrong._\n", usage, nil
}

// recentThread keeps the newest replies of thread (oldest first) that fit in maxThread
// bytes, each cut to maxClassified; older ones are left out.
func recentThread(thread []string) []string {
	n, start := 0, len(thread)
	for start > 0 {
		size := min(len(thread[start-1]), maxClassified)
		if n+size > maxThread {
			break
		}
		n += size
		start--
	}
	out := make([]string, 0, len(thread)-start)
	for _, t := range thread[start:] {
		out = append(out, clipBytes(t, maxClassified))
	}
	return out
}
