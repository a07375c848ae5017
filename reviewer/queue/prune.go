package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

const (
	// pruneEvery is how often an instance deletes old rows; it piggybacks on writes
	// (Enqueue, Cache.Put), so a replica that never writes never prunes, and one that
	// does pays for it once an hour.
	pruneEvery = time.Hour
	// deliveryRetention is how long a delivery id is remembered. GitHub lets a delivery
	// be redelivered for 3 days; GitLab retries a failed hook within hours.
	deliveryRetention = 7 * 24 * time.Hour
	// usageRetention is how many past days of token usage are kept: a budget reads
	// today's only, the rest is for an operator's look.
	usageRetention = 7
)

// maybePrune prunes if this instance has not for pruneEvery. The write that triggered
// it has succeeded, so a failure is only logged.
func (q *Queue) maybePrune(ctx context.Context) {
	now := q.now()
	last := q.lastPrune.Load()
	if now.UnixMilli()-last < pruneEvery.Milliseconds() || !q.lastPrune.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	if err := q.prune(ctx, now); err != nil {
		q.log.WarnContext(ctx, "queue prune failed", slog.Any("error", err))
	}
}

// prune deletes deliveries older than deliveryRetention, the rows of changes idle as
// long whose last job has finished (a live job's row holds its generation, which must
// not restart), cache entries past their age, and token usage older than usageRetention
// days.
func (q *Queue) prune(ctx context.Context, now time.Time) error {
	x := q.eng.pool()
	cutoff := now.Add(-deliveryRetention).UnixMilli()
	var errs []error
	if _, err := x.exec(ctx, `DELETE FROM reviewer_forge_deliveries WHERE received_ms < $1`, cutoff); err != nil {
		errs = append(errs, fmt.Errorf("prune deliveries: %w", err))
	}
	if _, err := x.exec(ctx, `DELETE FROM reviewer_changes WHERE updated_ms < $1 AND NOT EXISTS (
		SELECT 1 FROM river_job WHERE river_job.id = reviewer_changes.job_id AND river_job.state IN (`+unfinishedSQL()+`))`,
		cutoff); err != nil {
		errs = append(errs, fmt.Errorf("prune changes: %w", err))
	}
	if _, err := x.exec(ctx, `DELETE FROM reviewer_cache WHERE created_ms < $1`,
		now.Add(-q.opts.CacheMaxAge).UnixMilli()); err != nil {
		errs = append(errs, fmt.Errorf("prune cache: %w", err))
	}
	if _, err := x.exec(ctx, `DELETE FROM reviewer_usage WHERE day < $1`, Day(now)-usageRetention); err != nil {
		errs = append(errs, fmt.Errorf("prune usage: %w", err))
	}
	return errors.Join(errs...)
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
