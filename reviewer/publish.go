package reviewer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

// PublishOptions decide the commit status.
type PublishOptions struct {
	// FailOn is the lowest severity that makes the status a failure; FailOnNone never does.
	FailOn     rules.Severity
	FailOnNone bool
	// FailOnSet says the operator chose FailOn; when not, the repository's .reviewer.yaml
	// fail_on (read at the base) decides, as it does for the exit code of the command.
	FailOnSet bool
	// AllowIncomplete lets a review with skipped or failed files, or with code of the
	// change it did not see (Coverage.Unseen), pass; by default its status is a failure,
	// since it is not a clean pass.
	AllowIncomplete bool
	// Seal seals the head the summary names, and verifies it when the next review reads
	// it back to review only what changed since (see SummaryMarker). The zero key (no
	// security.key and no gateway key) seals nothing: every review is of the whole change.
	Seal seal.Key
	// Dismissals, when set, names the findings people dismissed on the change: they are
	// neither posted nor counted.
	Dismissals DismissalSource
}

// PublishError is a failure to publish a review that was done: the Result returned with
// it is complete, and can still be reported.
type PublishError struct {
	Change Change
	Err    error
}

func (e *PublishError) Error() string { return fmt.Sprintf("%s: publish: %v", e.Change, e.Err) }

// Unwrap returns the failures of the publish steps.
func (e *PublishError) Unwrap() error { return e.Err }

// publish posts a review's result on the forge: the new inline comments (those whose
// fingerprint is not on the change already) in one batch, the resolution of the bot's
// threads whose finding is gone, the summary comment edited in place, and the commit
// status. The Poster p may also be a CommentLister, Summarizer, StatusSetter, Resolver,
// HeadReader and CallCounter; what it is not, is skipped. Failures of single steps are
// joined, so one failing call does not lose the rest.
func publish(ctx context.Context, p Poster, c Change, res *Result, opts PublishOptions, sc *since, summaries *summaryLookup, log *slog.Logger) (pub Published, err error) {
	// A review of a head that is no longer the change's head publishes nothing: a review
	// of the newer head is coming, and its comments would otherwise land beside ours.
	if hr, ok := p.(HeadReader); ok && c.HeadSHA != "" {
		head, err := hr.Head(ctx, c)
		if err != nil {
			return pub, fmt.Errorf("read head: %w", err)
		}
		if head != c.HeadSHA {
			log.InfoContext(ctx, "head moved during the review, nothing published", slog.String("new_head_sha", head))
			pub.Stale = true
			return pub, nil
		}
	}

	var existing []PostedComment
	if l, ok := p.(CommentLister); ok {
		if existing, err = l.ListComments(ctx, c); err != nil {
			return pub, fmt.Errorf("list comments: %w", err)
		}
	}
	var dismissed map[string]bool
	if opts.Dismissals != nil {
		ds, err := opts.Dismissals.Dismissed(ctx, c, existing)
		// What the replies cost was paid even when reading them then failed.
		if sp, ok := opts.Dismissals.(DismissalSpender); ok {
			res.Usage.plus(sp.Spent())
		}
		if err != nil {
			return pub, fmt.Errorf("read dismissals: %w", err)
		}
		pub.DismissedBy = sortDismissals(ds)
		dismissed = dismissedSet(ds)
		res.Findings, pub.Dismissed = withoutDismissed(res.Findings, dismissed)
	}
	posted := make(map[string]bool, len(existing))
	for _, e := range existing {
		posted[e.Fingerprint] = true
	}
	current := make(map[string]bool, len(res.Findings))
	var fresh []Comment
	for _, f := range res.Findings {
		current[f.Fingerprint] = true
		if f.SummaryOnly {
			continue // listed in the summary (writeSummary)
		}
		if posted[f.Fingerprint] {
			pub.Kept++
			continue
		}
		fresh = append(fresh, Comment{Finding: f, Body: CommentBody(f, p.Suggestions())})
	}

	var errs []error
	if len(fresh) > 0 {
		rejected, err := p.Post(ctx, c, fresh)
		if err != nil {
			pub.PostFailed = true
			errs = append(errs, fmt.Errorf("post comments: %w", err))
		} else {
			pub.Posted = len(fresh) - len(rejected)
			pub.Rejected = len(rejected)
			for _, r := range rejected {
				res.Unplaced = append(res.Unplaced, Unplaced{Path: r.Comment.Finding.Path,
					Message: fmt.Sprintf("the forge refused line %d (%s): %s", r.Comment.Finding.Line, r.Reason, r.Comment.Finding.Message)})
			}
		}
	}

	// Threads whose finding is gone are resolved, but only in files this run reviewed:
	// a file that was skipped or failed says nothing about whether its findings remain.
	// After an incremental review the model saw only what changed since an earlier head:
	// a thread elsewhere is missing from its answer, not fixed. Such threads are carried:
	// counted as still applying, their severity (from their marker) in the status. Only
	// threads on lines that changed are resolved (a moved line may stay open: the safe
	// side).
	reviewed := map[string]bool{}
	for _, f := range res.Coverage.Files {
		if f.Outcome == OutcomeReviewed {
			reviewed[f.Path] = true
		}
	}
	rv, canResolve := p.(Resolver)
	var carried []rules.Severity
	// A run that asked no model (a trivial change, review.tier forced, no gateway) says
	// nothing of the model's earlier threads: only the pattern rules ran, and only their
	// threads can be found fixed. The others are carried like an incremental review's.
	modelRan := res.LLMEnabled && res.Tier.Plan.AskModel
	patternRule := map[string]bool{}
	for _, r := range res.Rules {
		if r.Pattern != "" || len(r.Secrets) > 0 {
			patternRule[r.ID] = true
		}
	}
	for _, e := range existing {
		switch {
		case current[e.Fingerprint] || e.Resolved || dismissed[e.Fingerprint]:
			continue
		case !modelRan && !patternRule[e.RuleID],
			sc != nil && !sc.lines[e.Path][e.Line]:
			pub.Kept++
			if e.HasSeverity {
				carried = append(carried, e.Severity)
			}
			continue
		case !canResolve || !reviewed[e.Path]:
			continue
		}
		if err := rv.Resolve(ctx, c, e); err != nil {
			errs = append(errs, fmt.Errorf("resolve %s:%d: %w", e.Path, e.Line, err))
			continue
		}
		pub.Resolved++
	}

	if s, ok := p.(Summarizer); ok {
		if err := writeSummary(ctx, s, c, res, pub, summaries, opts.Seal); err != nil {
			errs = append(errs, err)
		}
	}

	if st, ok := p.(StatusSetter); ok && c.HeadSHA != "" {
		state, desc := status(res, carried, opts)
		if err := st.SetStatus(ctx, c, state, desc); err != nil {
			errs = append(errs, fmt.Errorf("set status: %w", err))
		} else {
			pub.Status = state
		}
	}
	return pub, errors.Join(errs...)
}

func writeSummary(ctx context.Context, s Summarizer, c Change, res *Result, pub Published, summaries *summaryLookup, key seal.Key) error {
	old, err := summaries.find(ctx, s, c)
	if err != nil {
		return fmt.Errorf("find summary: %w", err)
	}
	id := ""
	if old != nil {
		id = old.ID
	}
	if err := s.WriteSummary(ctx, c, id, SummaryBody(c, res, pub, key)); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// status is the commit status of a result: failure for findings at or above FailOn (the
// carried threads of earlier runs included), and for an incomplete review or one that did
// not see all the code of the change (filtered or withheld files with code, lines too long
// to show) unless that is allowed; success otherwise.
func status(res *Result, carried []rules.Severity, opts PublishOptions) (StatusState, string) {
	if !opts.FailOnNone {
		n := 0
		for _, f := range res.Findings {
			if f.Severity >= opts.FailOn {
				n++
			}
		}
		for _, sev := range carried {
			if sev >= opts.FailOn {
				n++
			}
		}
		if n > 0 {
			return StatusFailure, fmt.Sprintf("%d findings at %s or above", n, opts.FailOn)
		}
	}
	if !res.Coverage.Complete() && !opts.AllowIncomplete {
		n := res.Coverage.Count(OutcomeSkipped) + res.Coverage.Count(OutcomeFailed)
		return StatusFailure, fmt.Sprintf("review incomplete: %d files not reviewed", n)
	}
	if n := res.Coverage.Unseen(); n > 0 && !opts.AllowIncomplete {
		return StatusFailure, fmt.Sprintf("not all reviewed: %s with code left out", plural(n, "file"))
	}
	switch {
	case len(res.Findings) == 0:
		return StatusSuccess, "no findings"
	case opts.FailOnNone:
		return StatusSuccess, fmt.Sprintf("%d findings", len(res.Findings))
	}
	return StatusSuccess, fmt.Sprintf("%d findings below %s", len(res.Findings), opts.FailOn)
}
