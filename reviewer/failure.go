package reviewer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/markdown"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

// maxFailureReason bounds the reason a failure summary and status quote.
const maxFailureReason = 600

// ReportFailure tells the people on a change that its review failed for good: the summary
// comment says why (FailureReason: what failed, never the error's own text, which may name
// internal hosts) and how to ask again, and the head's status is error. The summary keeps
// the head the last successful review named when its seal verifies under key, so the next
// review still knows what was reviewed before. What the forge does not support is skipped.
func ReportFailure(ctx context.Context, p Poster, c Change, cause error, key seal.Key) error {
	reason := FailureReason(cause)
	var errs []error
	if s, ok := p.(Summarizer); ok {
		var b strings.Builder
		if c.HeadSHA != "" {
			fmt.Fprintf(&b, "The review of `%s` could not be done: ", short(c.HeadSHA))
		} else {
			b.WriteString("The review could not be done: ")
		}
		b.WriteString(markdown.Line(reason) + "\n\n")
		b.WriteString("It is not retried by itself: once the cause is fixed, push a commit or comment `/review`.\n")
		if _, err := writeNotice(ctx, s, c, key, "review failed", b.String()); err != nil {
			errs = append(errs, err)
		}
	}
	if st, ok := p.(StatusSetter); ok && c.HeadSHA != "" {
		if err := st.SetStatus(ctx, c, StatusError, statusLine("review failed: "+reason)); err != nil {
			errs = append(errs, fmt.Errorf("set status: %w", err))
		}
	}
	return errors.Join(errs...)
}

// FailureReason is what a public comment may say about why a review failed: the kind of
// failure, in words of the bot's own. Only a rules error is quoted, since its file and line
// are the repository's own, and what it must fix. Everything else the error says (the
// gateway's or the forge's address, a response body) belongs in the service's log.
func FailureReason(err error) string {
	var re *rules.Error
	switch {
	case err == nil:
		return "unknown error"
	case errors.As(err, &re):
		msg := re.Error()
		if len(msg) > maxFailureReason {
			msg = strings.ToValidUTF8(msg[:maxFailureReason], "") + " [...]"
		}
		return "a rules or settings file could not be read: " + msg
	case errors.Is(err, ErrRateLimited):
		return "rate limited by the forge or the model gateway after every retry"
	case errors.Is(err, context.DeadlineExceeded):
		return "the review ran out of time"
	case errors.Is(err, ErrForbidden):
		return "the forge refused the bot access to the change"
	case errors.Is(err, ErrNotFound):
		return "the change, its repository or a file it needs was not found on the forge"
	case errors.Is(err, ErrTooLarge):
		return "the change is too large to review"
	}
	return "an internal error; the service's log has the details"
}

// writeNotice writes a summary that says why a head was not reviewed (title, then text,
// Markdown of the bot's own) and keeps the head the last review sealed, so that the next
// review still knows what it reviewed before. said reports that the summary said exactly
// this already, and nothing was written.
func writeNotice(ctx context.Context, s Summarizer, c Change, key seal.Key, title, text string) (said bool, err error) {
	// The summary's seal names the target branch: a caller that knows only the change's
	// number (the service, after a job failed) would otherwise drop the head the last
	// review sealed, and the next push would be reviewed whole. When the forge can not
	// say (it may be what failed), that is the safe side.
	if cr, ok := s.(ChangeReader); ok && c.BaseRef == "" {
		if read, err := cr.ReadChange(ctx, c); err == nil {
			c.BaseRef = read.BaseRef
		}
	}
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
	b.WriteString("### reviewer: " + title + "\n\n" + text)
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

// statusLine is s as a commit status's description: one line of at most 140 bytes,
// which is what GitHub takes.
func statusLine(s string) string {
	desc := oneLine(s)
	if len(desc) > 140 {
		desc = strings.ToValidUTF8(desc[:137], "") + "..."
	}
	return desc
}
