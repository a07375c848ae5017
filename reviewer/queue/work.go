package queue

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Handler runs one job. A nil error completes it; an error wrapped with Permanent ends it;
// any other error is retried with backoff, up to Options.MaxAttempts. The context is
// cancelled when the job runs past Options.JobTimeout, when a newer head supersedes it,
// and when Stop runs out of time; a handler must return promptly then, with the
// context's error (or one wrapping it), so that a job stopped by shutdown goes back to
// the queue without spending an attempt.
type Handler func(ctx context.Context, j Job) error

// jobKind names review jobs in River's table. It is stored with every job: changing it
// orphans the jobs already queued.
const jobKind = "reviewer.review"

// reviewArgs is the job as River stores it. Change, Head and Generation form River's
// unique key (the river:"unique" fields), so two enqueues of one head while a job for it
// is unfinished make one job. Generation grows each time the change's head changes: a
// head that comes back (A, then B, then A again after a force push) gets a new key,
// instead of being merged into the first A's job, which B cancelled and which may still
// be running, about to end.
//
// Requester is the job's SenderID, which the worker checks before it reviews: a job whose
// requester may be refused must not absorb another's request for the same head (a
// member's /review, a push hook), or that request would be refused with it.
type reviewArgs struct {
	Change     string `json:"change" river:"unique"`
	Head       string `json:"head" river:"unique"`
	Generation int64  `json:"generation" river:"unique"`
	Requester  int64  `json:"requester" river:"unique"`
	Job        Job    `json:"job"`
}

// Kind implements river.JobArgs.
func (reviewArgs) Kind() string { return jobKind }

// replyKind names jobs that answer a reply in one of the bot's threads (Job.Reply).
const replyKind = "reviewer.reply"

// replyArgs is a reply job as River stores it. Replies are not unique by change: each
// delivery is one, and the delivery id already dedupes redeliveries.
type replyArgs struct {
	Job Job `json:"job"`
}

// Kind implements river.JobArgs.
func (replyArgs) Kind() string { return replyKind }

// replyWorker runs reply jobs through the same Handler as reviews: the job's Reply says
// which it is.
type replyWorker struct {
	river.WorkerDefaults[replyArgs]
	handler Handler
}

func (w *replyWorker) Work(ctx context.Context, job *river.Job[replyArgs]) error {
	if w.handler == nil {
		return errors.New("queue opened without a handler")
	}
	ctx = context.WithValue(ctx, infoKey{}, Info{
		ID:          job.ID,
		Attempt:     job.Attempt,
		MaxAttempts: job.MaxAttempts,
		Wait:        max(0, time.Since(job.ScheduledAt)),
	})
	err := w.handler(ctx, job.Args.Job)
	var perm *permanentError
	if errors.As(err, &perm) {
		return river.JobCancel(err)
	}
	return err
}

// uniqueKey is the part of River's unique key the queue chooses.
func uniqueKey(j Job, generation int64) reviewArgs {
	return reviewArgs{Change: j.Change(), Head: j.HeadSHA, Generation: generation, Requester: j.SenderID, Job: j}
}

// unfinished are the states in which a job still counts for uniqueness: once it has
// completed, been cancelled or discarded, the same head may be queued again (a later
// /review of a head reviewed long ago). River requires available, pending, running and
// scheduled in this list.
var unfinished = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRetryable,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

// isUnfinished reports whether a job in state s may still run.
func isUnfinished(s string) bool {
	for _, u := range unfinished {
		if string(u) == s {
			return true
		}
	}
	return false
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err so that the job is not retried: a change that no longer exists or
// a forbidden repository will not get better by waiting. The job ends cancelled (River
// has no way for a worker to discard a job), with err recorded on it.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// retryAfterError carries a rate limit's hint of when to try again.
type retryAfterError struct {
	err error
	d   time.Duration
}

func (e *retryAfterError) Error() string {
	return e.err.Error() + " (retry after " + e.d.String() + ")"
}
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter wraps err so that the job's next attempt waits d (bounded to between one
// second and maxBackoff) instead of the usual backoff: a forge or gateway that answered
// 429 with Retry-After knows better than the backoff when it will serve again. Such a
// wait does not count toward Options.MaxAttempts, maxSnoozes times over (five hours of
// ten-minute waits); after that it does.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryAfterError{err: err, d: d}
}

// maxBackoff bounds the wait before a retry. River's backoff (attempt⁴ seconds) reaches
// 10 minutes at the fifth retry and days later on; a review that old is no use to anyone.
const maxBackoff = 10 * time.Minute

// retryPolicy is River's default backoff (attempt⁴ seconds with jitter) capped at
// maxBackoff.
type retryPolicy struct {
	def river.DefaultClientRetryPolicy
}

func (p *retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	next := p.def.NextRetry(job)
	if limit := time.Now().Add(maxBackoff); next.After(limit) {
		return limit
	}
	return next
}

// Info describes the job a handler is running, for its logs and metrics.
type Info struct {
	// ID is River's job id: the same across retries and rescues of one job.
	ID int64
	// Attempt counts from 1; MaxAttempts is the last attempt that will be made.
	Attempt, MaxAttempts int
	// Wait is the queue's latency: from the time the attempt was due (enqueue plus
	// debounce, or the retry's time) to its start.
	Wait time.Duration
	// generation is the change's head generation the job was queued at.
	generation int64
}

type infoKey struct{}

// JobInfo returns the Info of the job a handler's ctx belongs to; false outside a
// handler.
func JobInfo(ctx context.Context) (Info, bool) {
	info, ok := ctx.Value(infoKey{}).(Info)
	return info, ok
}

// worker adapts the Handler to River.
type worker struct {
	river.WorkerDefaults[reviewArgs]
	handler Handler
	// hints holds a RetryAfter's next attempt time by job id, from Work to NextRetry,
	// which River calls right after Work returns, in the same process.
	hints sync.Map
}

func (w *worker) Work(ctx context.Context, job *river.Job[reviewArgs]) error {
	w.hints.Delete(job.ID)
	if w.handler == nil {
		return errors.New("queue opened without a handler")
	}
	ctx = context.WithValue(ctx, infoKey{}, Info{
		ID:          job.ID,
		Attempt:     job.Attempt,
		MaxAttempts: job.MaxAttempts,
		Wait:        max(0, time.Since(job.ScheduledAt)),
		generation:  job.Args.Generation,
	})
	err := w.handler(ctx, job.Args.Job)
	if err == nil {
		return nil
	}
	var perm *permanentError
	if errors.As(err, &perm) {
		return river.JobCancel(err)
	}
	var ra *retryAfterError
	if errors.As(err, &ra) {
		d := min(max(ra.d, time.Second), maxBackoff)
		if snoozes(job.Metadata) < maxSnoozes {
			return river.JobSnooze(d)
		}
		if job.Attempt < job.MaxAttempts { // the last attempt is not retried
			w.hints.Store(job.ID, time.Now().Add(d))
		}
	}
	return err
}

// maxSnoozes bounds the rate-limit waits a job may take without spending attempts.
const maxSnoozes = 30

// snoozes reads how often River has snoozed a job, from the count it keeps in the job's
// metadata.
func snoozes(metadata []byte) int64 {
	var m struct {
		Snoozes int64 `json:"snoozes"`
	}
	_ = json.Unmarshal(metadata, &m) // no metadata, no snoozes
	return m.Snoozes
}

func (w *worker) NextRetry(job *river.Job[reviewArgs]) time.Time {
	if v, ok := w.hints.LoadAndDelete(job.ID); ok {
		return v.(time.Time)
	}
	return time.Time{}
}

// debounceHook makes a debounced job available with a future scheduled_at instead of
// scheduled. River only fetches available jobs whose time has come, but moves scheduled
// ones to available every 5 seconds (on the leader), which would stretch a 2 s debounce
// to up to 7 s; River does the same itself for retries shorter than that interval.
type debounceHook struct{ river.HookDefaults }

func (debounceHook) InsertBegin(_ context.Context, params *rivertype.JobInsertParams) error {
	if params.Kind == jobKind && params.State == rivertype.JobStateScheduled {
		params.State = rivertype.JobStateAvailable
	}
	return nil
}

// CancelledBySupersede reports whether a handler's ctx was cancelled because a newer head
// of its change was queued: the job is superseded, not failed.
func CancelledBySupersede(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), rivertype.ErrJobCancelledRemotely)
}
