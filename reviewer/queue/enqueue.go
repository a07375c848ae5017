package queue

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"
)

// Enqueue queues a review of j and returns once it is committed to the database, so a
// webhook may acknowledge the delivery. A redelivered delivery id is a no-op; a head
// already queued or running is merged into that job; a new head of a change cancels the
// change's job at an older head, whether it waits or runs. The delivery check, the
// merge and the cancel happen in one transaction, so concurrent deliveries for one
// change (on any replica) take turns and leave exactly one job for the newest head.
//
// The newest head is the one enqueued last: deliveries that arrive out of order can
// make an older head win, so a handler should still review the head the forge reports.
func (q *Queue) Enqueue(ctx context.Context, j Job) (Enqueued, error) {
	if err := validate(j); err != nil {
		return Enqueued{}, err
	}
	res, err := q.eng.enqueue(ctx, q, j)
	if err != nil {
		return Enqueued{}, fmt.Errorf("enqueue %s: %w", j, err)
	}
	return res, nil
}

func validate(j Job) error {
	var errs []error
	if j.Forge == "" {
		errs = append(errs, errors.New("no forge"))
	}
	if j.Repo == "" {
		errs = append(errs, errors.New("no repo"))
	}
	if j.Number <= 0 {
		errs = append(errs, fmt.Errorf("change number %d", j.Number))
	}
	if j.Reply != nil && (j.Reply.Thread == "" || len(j.Reply.Body) > MaxReplyBody) {
		errs = append(errs, fmt.Errorf("reply without a thread or longer than %d bytes", MaxReplyBody))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("enqueue %s: invalid job: %w", j, err)
	}
	return nil
}

// lastJob is a change's row in reviewer_changes.
type lastJob struct {
	head       string
	jobID      int64
	generation int64
}

func (e *riverEngine[TTx]) enqueue(ctx context.Context, q *Queue, j Job) (res Enqueued, err error) {
	if e.gate != nil {
		select {
		case e.gate <- struct{}{}:
			defer func() { <-e.gate }()
		case <-ctx.Done():
			return Enqueued{}, ctx.Err()
		}
	}
	tx, x, err := e.begin(ctx)
	if err != nil {
		return Enqueued{}, err
	}
	defer func() {
		if err != nil {
			e.rollback(ctx, tx)
		}
	}()
	now := q.now()
	nowMS := now.UnixMilli()

	if j.DeliveryID != "" {
		n, err := x.exec(ctx, `INSERT INTO reviewer_forge_deliveries (forge, delivery_id, received_ms) VALUES ($1, $2, $3)
			ON CONFLICT (forge, delivery_id) DO NOTHING`, j.Forge, j.DeliveryID, nowMS)
		if err != nil {
			return Enqueued{}, fmt.Errorf("record delivery: %w", err)
		}
		if n == 0 {
			res := Enqueued{Duplicate: true}
			if err := x.queryRow(ctx, `SELECT job_id FROM reviewer_forge_deliveries WHERE forge = $1 AND delivery_id = $2`,
				j.Forge, j.DeliveryID).Scan(&res.JobID); err != nil {
				return Enqueued{}, fmt.Errorf("read delivery: %w", err)
			}
			e.rollback(ctx, tx) // nothing was written
			return res, nil
		}
	}

	if j.Reply != nil {
		// A reply is a job of its own: it leaves the change's reviews alone.
		ins, err := e.client.InsertTx(ctx, tx, replyArgs{Job: j}, nil)
		if err != nil {
			return Enqueued{}, fmt.Errorf("insert reply job: %w", err)
		}
		res.JobID = ins.Job.ID
		if j.DeliveryID != "" {
			if _, err := x.exec(ctx, `UPDATE reviewer_forge_deliveries SET job_id = $3 WHERE forge = $1 AND delivery_id = $2`,
				j.Forge, j.DeliveryID, res.JobID); err != nil {
				return Enqueued{}, fmt.Errorf("record delivery: %w", err)
			}
		}
		if err := e.commit(ctx, tx); err != nil {
			return Enqueued{}, fmt.Errorf("commit: %w", err)
		}
		return res, nil
	}

	// The upsert locks the change's row (PostgreSQL) or the database (SQLite, whose
	// transactions here begin IMMEDIATE) until commit: enqueues for one change take
	// turns, and each sees the job the one before it left.
	var last lastJob
	if err := x.queryRow(ctx, `INSERT INTO reviewer_changes (change_key, head_sha, job_id, generation, updated_ms)
		VALUES ($1, $2, 0, 0, $3)
		ON CONFLICT (change_key) DO UPDATE SET updated_ms = excluded.updated_ms
		RETURNING head_sha, job_id, generation`, j.Change(), j.HeadSHA, nowMS).
		Scan(&last.head, &last.jobID, &last.generation); err != nil {
		return Enqueued{}, fmt.Errorf("lock change: %w", err)
	}
	live := false
	if last.jobID != 0 {
		var state string
		err := x.queryRow(ctx, `SELECT state FROM river_job WHERE id = $1`, last.jobID).Scan(&state)
		switch {
		case errors.Is(err, errNoRows): // finished and deleted by River's cleaner
		case err != nil:
			return Enqueued{}, fmt.Errorf("read job %d: %w", last.jobID, err)
		default:
			live = isUnfinished(state)
		}
	}

	// A request the worker checks the requester of (a /review comment) is a job of its
	// own (see reviewArgs): merged into the live job, it would be lost if that job is
	// turned down (an outsider's push under review.outsiders on_request). Without a head
	// of its own it takes the live job's, so that it neither cancels that job nor is
	// merged into it, and it stays beside it: the change's row keeps the live job, which
	// a later push cancels, and the request then finds itself superseded when it runs.
	beside := live && j.HeadSHA == "" && j.SenderID != 0
	if beside {
		j.HeadSHA = last.head
	}
	switch {
	case live && j.HeadSHA == "":
		// A job without a head (a /review comment) reviews whatever head is current
		// when it runs, which the live job will do, or its replacement.
		res.JobID, res.Deduped = last.jobID, true
		return res, e.finish(ctx, tx, x, j, last, nowMS, res.JobID, res.JobID)
	case live && last.head != j.HeadSHA:
		if _, err := e.client.JobCancelTx(ctx, tx, last.jobID); err != nil {
			return Enqueued{}, fmt.Errorf("cancel job %d: %w", last.jobID, err)
		}
		res.Superseded = append(res.Superseded, last.jobID)
	}

	if last.head != j.HeadSHA {
		last.generation++
	}
	opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: unfinished}}
	if q.opts.Debounce > 0 {
		opts.ScheduledAt = now.Add(q.opts.Debounce)
	}
	ins, err := e.client.InsertTx(ctx, tx, uniqueKey(j, last.generation), opts)
	if err != nil {
		return Enqueued{}, fmt.Errorf("insert job: %w", err)
	}
	// A duplicate here is the live job at this head: River's unique index merged them.
	res.JobID, res.Deduped = ins.Job.ID, ins.UniqueSkippedAsDuplicate
	last.head = j.HeadSHA
	if beside {
		return res, e.finish(ctx, tx, x, j, last, nowMS, last.jobID, res.JobID)
	}
	return res, e.finish(ctx, tx, x, j, last, nowMS, res.JobID, res.JobID)
}

// finish records the change's latest job and the delivery's job, and commits.
func (e *riverEngine[TTx]) finish(ctx context.Context, tx TTx, x execer, j Job, last lastJob, nowMS, changeJob, jobID int64) error {
	if _, err := x.exec(ctx, `UPDATE reviewer_changes SET head_sha = $2, job_id = $3, generation = $4, updated_ms = $5
		WHERE change_key = $1`, j.Change(), last.head, changeJob, last.generation, nowMS); err != nil {
		return fmt.Errorf("record change: %w", err)
	}
	if j.DeliveryID != "" {
		if _, err := x.exec(ctx, `UPDATE reviewer_forge_deliveries SET job_id = $3 WHERE forge = $1 AND delivery_id = $2`,
			j.Forge, j.DeliveryID, jobID); err != nil {
			return fmt.Errorf("record delivery: %w", err)
		}
	}
	if err := e.commit(ctx, tx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Superseded reports whether j's change has been enqueued again at another head since
// j was. A handler calls it right before it publishes: River cancels a superseded
// running job's context as soon as it hears of it (at once on PostgreSQL, within 50 ms
// on SQLite), but a handler past its last context check would still publish a stale
// review. Called from a handler, it asks about the job the handler runs: superseded when
// the change's newest job is another at another head, or at the same head come back
// (a newer generation); a newer job at the same head, a request of its own, is not.
// Elsewhere it compares j's head with the change's newest.
func (q *Queue) Superseded(ctx context.Context, j Job) (bool, error) {
	var (
		head              string
		jobID, generation int64
	)
	err := q.eng.pool().queryRow(ctx, `SELECT head_sha, job_id, generation FROM reviewer_changes WHERE change_key = $1`,
		j.Change()).Scan(&head, &jobID, &generation)
	if errors.Is(err, errNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("superseded %s: %w", j, err)
	}
	if info, ok := JobInfo(ctx); ok {
		return jobID != info.ID && (head != j.HeadSHA || generation != info.generation), nil
	}
	return head != j.HeadSHA, nil
}
