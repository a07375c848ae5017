package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

const (
	// pruneEvery is how often old rows are deleted: by a periodic job that only River's
	// leader schedules, so one replica prunes for all, and never on a webhook's
	// acknowledgement path.
	pruneEvery = time.Hour
	// pruneBatch is how many rows one DELETE removes. Each batch is a statement (and a
	// transaction) of its own, so a week of rows never holds SQLite's single writer for
	// longer than one batch takes: an enqueue waits at most that long.
	pruneBatch = 1000
	// deliveryRetention is how long a delivery id is remembered. GitHub lets a delivery
	// be redelivered for 3 days; GitLab retries a failed hook within hours.
	deliveryRetention = 7 * 24 * time.Hour
	// usageRetention is how many past days of token usage are kept: a budget reads
	// today's only, the rest is for an operator's look.
	usageRetention = 7
)

// pruneKind names the prune job in River's table.
const pruneKind = "reviewer.prune"

type pruneArgs struct{}

// Kind implements river.JobArgs.
func (pruneArgs) Kind() string { return pruneKind }

// InsertOpts implements river.JobArgsWithInsertOpts: a failed prune is not retried,
// the next period's does the work.
func (pruneArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// pruneWorker runs the prune job.
type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	q *Queue
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	st, err := w.q.prune(ctx, w.q.now())
	w.q.log.InfoContext(ctx, "queue pruned", slog.Int64("rows", st.Rows), slog.Int("batches", st.Batches))
	return err
}

// prunePeriodic is the periodic job River's leader inserts: once at start, then every
// pruneEvery.
func prunePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(pruneEvery),
		func() (river.JobArgs, *river.InsertOpts) { return pruneArgs{}, nil },
		&river.PeriodicJobOpts{ID: pruneKind, RunOnStart: true})
}

// pruneStats is what one prune did.
type pruneStats struct {
	// Rows is how many rows were deleted, Batches how many DELETE statements ran.
	Rows    int64
	Batches int
}

// prune deletes deliveries older than deliveryRetention, the rows of changes idle as
// long whose last job has finished (a live job's row holds its generation, which must
// not restart), cache entries past their age, token usage older than usageRetention
// days, and review history older than Options.HistoryMaxAge, in batches of q.batch rows.
func (q *Queue) prune(ctx context.Context, now time.Time) (pruneStats, error) {
	cutoff := now.Add(-deliveryRetention).UnixMilli()
	var (
		st   pruneStats
		errs []error
	)
	for _, p := range []struct {
		what string
		stmt string
		arg  int64
	}{
		{"deliveries", `DELETE FROM reviewer_forge_deliveries WHERE (forge, delivery_id) IN (
			SELECT forge, delivery_id FROM reviewer_forge_deliveries WHERE received_ms < $1 LIMIT $2)`, cutoff},
		{"changes", `DELETE FROM reviewer_changes WHERE change_key IN (
			SELECT change_key FROM reviewer_changes WHERE updated_ms < $1 AND NOT EXISTS (
				SELECT 1 FROM river_job WHERE river_job.id = reviewer_changes.job_id AND river_job.state IN (` + unfinishedSQL() + `))
			LIMIT $2)`, cutoff},
		{"cache", `DELETE FROM reviewer_cache WHERE cache_key IN (
			SELECT cache_key FROM reviewer_cache WHERE created_ms < $1 LIMIT $2)`, now.Add(-q.opts.CacheMaxAge).UnixMilli()},
		{"usage", `DELETE FROM reviewer_usage WHERE (usage_key, day) IN (
			SELECT usage_key, day FROM reviewer_usage WHERE day < $1 LIMIT $2)`, Day(now) - usageRetention},
		{"history", `DELETE FROM reviewer_reviews WHERE id IN (
			SELECT id FROM reviewer_reviews WHERE finished_ms < $1 LIMIT $2)`, now.Add(-q.opts.HistoryMaxAge).UnixMilli()},
	} {
		if err := q.pruneBatches(ctx, p.stmt, p.arg, &st); err != nil {
			errs = append(errs, fmt.Errorf("prune %s: %w", p.what, err))
		}
	}
	return st, errors.Join(errs...)
}

// pruneBatches runs stmt (which deletes at most $2 rows older than $1) until it deletes
// fewer than a batch.
func (q *Queue) pruneBatches(ctx context.Context, stmt string, arg int64, st *pruneStats) error {
	for {
		n, err := q.eng.pool().exec(ctx, stmt, arg, q.batch)
		if err != nil {
			return err
		}
		st.Rows += n
		st.Batches++
		if n < int64(q.batch) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// unfinishedSQL is the unfinished states as a list of SQL string literals. They are
// River's constants, so quoting them is safe.
func unfinishedSQL() string {
	quoted := make([]string, len(unfinished))
	for i, s := range unfinished {
		quoted[i] = "'" + string(s) + "'"
	}
	return strings.Join(quoted, ", ")
}
