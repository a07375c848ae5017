package queue

import (
	"context"
	"fmt"
	"time"
)

// OldestWaiting is how long the oldest job that is due has waited for a worker: the time
// since its scheduled_at (the end of its debounce, or of its retry's backoff), zero when no
// job is due. A queue whose workers keep up stays near zero; one that grows means the
// workers are stuck or too few, which the depth alone does not tell apart from a burst.
func (q *Queue) OldestWaiting(ctx context.Context) (time.Duration, error) {
	now := q.now()
	// The difference is taken in the database: SQLite keeps times as text, PostgreSQL as
	// timestamptz, and each reads its own. River writes SQLite's in the layout below.
	stmt := `SELECT COALESCE(EXTRACT(EPOCH FROM ($2::timestamptz - min(scheduled_at)))::float8, 0)
		FROM river_job WHERE kind = $1 AND state = 'available' AND scheduled_at <= $2::timestamptz`
	var at any = now
	if q.t.dialect == dialectSQLite {
		stmt = `SELECT COALESCE((julianday($2) - julianday(min(scheduled_at))) * 86400.0, 0)
			FROM river_job WHERE kind = $1 AND state = 'available' AND scheduled_at <= $2`
		at = now.UTC().Round(time.Millisecond).Format("2006-01-02 15:04:05.000")
	}
	var secs float64
	if err := q.eng.pool().queryRow(ctx, stmt, jobKind, at).Scan(&secs); err != nil {
		return 0, fmt.Errorf("queue age: %w", err)
	}
	return max(time.Duration(secs*float64(time.Second)), 0), nil
}
