package reviewer

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// maxFailureReason bounds the reason a failure summary and status quote.
const maxFailureReason = 600

// ReportFailure tells the people on a change that its review failed for good: the summary
// comment says why and how to ask again, and the head's status is error. The summary keeps
// the head the last successful review named, so the next review still knows what was
// reviewed before. What the forge does not support is skipped.
func ReportFailure(ctx context.Context, p Poster, c Change, reason string) error {
	reason = strings.TrimSpace(reason)
	if len(reason) > maxFailureReason {
		reason = strings.ToValidUTF8(reason[:maxFailureReason], "") + " [...]"
	}
	var errs []error
	if s, ok := p.(Summarizer); ok {
		if err := writeFailure(ctx, s, c, reason); err != nil {
			errs = append(errs, err)
		}
	}
	if st, ok := p.(StatusSetter); ok && c.HeadSHA != "" {
		desc := "review failed: " + oneLine(reason)
		if len(desc) > 140 {
			desc = strings.ToValidUTF8(desc[:137], "") + "..."
		}
		if err := st.SetStatus(ctx, c, StatusError, desc); err != nil {
			errs = append(errs, fmt.Errorf("set status: %w", err))
		}
	}
	return errors.Join(errs...)
}

func writeFailure(ctx context.Context, s Summarizer, c Change, reason string) error {
	old, err := s.FindSummary(ctx, c)
	if err != nil {
		return fmt.Errorf("find summary: %w", err)
	}
	id, reviewed := "", ""
	if old != nil {
		id = old.ID
		reviewed, _ = ParseSummaryMarker(old.Body)
	}
	var b strings.Builder
	b.WriteString("### reviewer: review failed\n\n")
	if c.HeadSHA != "" {
		fmt.Fprintf(&b, "The review of `%s` could not be done:\n\n", short(c.HeadSHA))
	} else {
		b.WriteString("The review could not be done:\n\n")
	}
	fmt.Fprintf(&b, "```\n%s\n```\n\n", strings.ReplaceAll(reason, "```", "'''"))
	b.WriteString("It is not retried by itself: once the cause is fixed, push a commit or comment `/review`.\n")
	if reviewed != "" {
		fmt.Fprintf(&b, "\nThe last review was of `%s`; its comments stand.\n", short(reviewed))
	}
	b.WriteString("\n" + SummaryMarker(reviewed) + "\n")
	if err := s.WriteSummary(ctx, c, id, b.String()); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}
