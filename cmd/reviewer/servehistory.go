package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// attempt is what handle learnt of one attempt of a job, for the review history.
type attempt struct {
	outcome, reason, kind string
	res                   reviewer.Result
}

// newAttempt starts as a failure of unknown cause: what an attempt that panics records.
func newAttempt() *attempt {
	return &attempt{outcome: queue.OutcomeFailed, reason: "the review ended without an outcome (a panic); the service's log has the details", kind: "other"}
}

func (a *attempt) set(outcome, reason, kind string) {
	a.outcome, a.reason, a.kind = outcome, reason, kind
}

// reviewed marks a review that ran to its end; one in which no file was reviewed was
// skipped, and says why by the files' outcomes.
func (a *attempt) reviewed() {
	c := a.res.Coverage
	switch {
	case len(c.Files) == 0:
		a.set(queue.OutcomeSkipped, "the change has no files", "")
	case c.Count(reviewer.OutcomeReviewed) == 0:
		a.set(queue.OutcomeSkipped, fmt.Sprintf("no file was reviewed: %d filtered, %d withheld, %d skipped, %d failed",
			c.Count(reviewer.OutcomeFiltered), c.Count(reviewer.OutcomeWithheld), c.Count(reviewer.OutcomeSkipped),
			c.Count(reviewer.OutcomeFailed)), "")
	default:
		a.set(queue.OutcomeReviewed, "", "")
	}
}

// failed marks a failed attempt, retried unless the caller says otherwise. The reason is
// the failure comment's (reviewer.FailureReason), or for files the model could not
// review, how many: never the error's own text, which can carry a gateway's or forge's
// address and what it answered.
func (a *attempt) failed(err error, kind string) {
	reason := reviewer.FailureReason(err)
	if errors.Is(err, errIncomplete) {
		reason = fmt.Sprintf("the model could not review %d files", a.res.Coverage.Count(reviewer.OutcomeFailed))
	}
	a.set(queue.OutcomeRetrying, reason, kind)
}

// historyTimeout bounds the write of an attempt to the history.
const historyTimeout = 30 * time.Second

// record writes the attempt to the review history. It runs at the end of every attempt,
// before River marks the job done or to be retried: River completes a job in a
// transaction of its own, which only a successful job could share (JobCompleteTx), so
// every outcome is written the same way, right before. The write gets its own time,
// since the attempt's may be what ran out. A failed write costs that row only, and is
// logged.
func (w *worker) record(ctx context.Context, job queue.Job, start time.Time, a *attempt, log *slog.Logger) {
	info, _ := queue.JobInfo(ctx)
	trigger := "webhook"
	switch {
	case info.Attempt > 1:
		trigger = "retry"
	case requested(job):
		trigger = "command"
	}
	res := &a.res
	head := job.HeadSHA
	if res.Change.HeadSHA != "" {
		head = res.Change.HeadSHA // the head reviewed, newer than the job's when a delivery was late
	}
	kept := res.Published.Kept
	tier := ""
	if res.Tier.Level != reviewer.TierAuto {
		tier = res.Tier.Level.String()
	}
	r := queue.Review{
		JobID: info.ID, Attempt: info.Attempt,
		Forge: job.Forge, Repo: job.Repo, Change: job.Number, HeadSHA: head,
		Trigger: trigger, Event: job.Event, Tier: tier,
		Outcome: a.outcome, Reason: a.reason, ErrorKind: a.kind,
		Files: queue.FileCounts{
			Reviewed: res.Coverage.Count(reviewer.OutcomeReviewed),
			Skipped:  res.Coverage.Count(reviewer.OutcomeSkipped),
			Filtered: res.Coverage.Count(reviewer.OutcomeFiltered),
			Withheld: res.Coverage.Count(reviewer.OutcomeWithheld),
			Failed:   res.Coverage.Count(reviewer.OutcomeFailed),
			Unseen:   res.Coverage.Unseen(),
		},
		Findings: len(res.Findings), Posted: res.Published.Posted, Kept: kept,
		ModelRequests: res.Usage.Requests, PromptTokens: int64(res.Usage.PromptTokens),
		CachedTokens: int64(res.Usage.CachedTokens), CompletionTokens: int64(res.Usage.CompletionTokens),
		CostUSD:    res.Usage.CostUSD,
		DeliveryID: job.DeliveryID,
		Started:    start, Finished: time.Now(),
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), historyTimeout)
	defer cancel()
	if err := w.queue.History().Record(ctx, r); err != nil {
		log.WarnContext(ctx, "could not record the review in the history", slog.String("error", err.Error()))
	}
}
