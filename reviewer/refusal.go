package reviewer

import (
	"context"
	"fmt"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/seal"
)

// Refusal is a review the service turned down by a limit its operator set (who may be
// reviewed automatically, a token budget), as it is told on the change.
type Refusal struct {
	// Reason is the summary's text: what was not reviewed, by which limit, and how or
	// when to ask again. It is Markdown written by the service, not by the change.
	Reason string
	// Status is the commit status's description, one short line.
	Status string
	// State is the commit status: pending while someone may still ask for the review,
	// error when it will not be done.
	State StatusState
}

// ReportRefusal tells the people on a change that its review was not run: the summary
// comment says why and how to ask, and the head's status says it too. It writes nothing
// when the summary says so already, so a refusal repeated for one head (a redelivery, a
// second push of the same commit, a retry) is said once, and never as a new comment: the
// one summary is edited. The summary keeps the head the last review named, when its seal
// verifies under key, so the next review still knows what was reviewed before. What the
// forge does not support is skipped.
func ReportRefusal(ctx context.Context, p Poster, c Change, r Refusal, key seal.Key) error {
	if s, ok := p.(Summarizer); ok {
		var b strings.Builder
		if c.HeadSHA != "" {
			fmt.Fprintf(&b, "`%s` was not reviewed. ", short(c.HeadSHA))
		}
		b.WriteString(strings.TrimSpace(r.Reason) + "\n")
		said, err := writeNotice(ctx, s, c, key, "not reviewed", b.String())
		if err != nil || said {
			return err
		}
	}
	if st, ok := p.(StatusSetter); ok && c.HeadSHA != "" {
		if err := st.SetStatus(ctx, c, r.State, statusLine(r.Status)); err != nil {
			return fmt.Errorf("set status: %w", err)
		}
	}
	return nil
}
