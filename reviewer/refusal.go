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
// one summary is edited. The summary keeps the head the last review named, so the next
// review still knows what was reviewed before, when its seal verifies under key. What the forge does not support is
// skipped.
func ReportRefusal(ctx context.Context, p Poster, c Change, r Refusal, key seal.Key) error {
	s, ok := p.(Summarizer)
	if ok {
		said, err := writeRefusal(ctx, s, c, r, key)
		if err != nil || said {
			return err
		}
	}
	if st, ok := p.(StatusSetter); ok && c.HeadSHA != "" {
		desc := oneLine(r.Status)
		if len(desc) > 140 {
			desc = strings.ToValidUTF8(desc[:137], "") + "..."
		}
		if err := st.SetStatus(ctx, c, r.State, desc); err != nil {
			return fmt.Errorf("set status: %w", err)
		}
	}
	return nil
}

// writeRefusal writes the refusal into the summary; said reports that the summary held
// it already.
func writeRefusal(ctx context.Context, s Summarizer, c Change, r Refusal, key seal.Key) (said bool, err error) {
	old, err := s.FindSummary(ctx, c)
	if err != nil {
		return false, fmt.Errorf("find summary: %w", err)
	}
	id, reviewed := "", ""
	if old != nil {
		id = old.ID
		reviewed, _ = SummaryHead(c, old.Body, key)
	}
	var b strings.Builder
	b.WriteString("### reviewer: not reviewed\n\n")
	if c.HeadSHA != "" {
		fmt.Fprintf(&b, "`%s` was not reviewed. ", short(c.HeadSHA))
	}
	b.WriteString(strings.TrimSpace(r.Reason) + "\n")
	if reviewed != "" {
		fmt.Fprintf(&b, "\nThe last review was of `%s`; its comments stand.\n", short(reviewed))
	}
	b.WriteString("\n" + SummaryMarker(c, reviewed, key) + "\n")
	body := b.String()
	if old != nil && old.Body == body {
		return true, nil
	}
	if err := s.WriteSummary(ctx, c, id, body); err != nil {
		return false, fmt.Errorf("write summary: %w", err)
	}
	return false, nil
}
