package queue

import (
	"context"
	"time"
)

// ForTest turns on River's test mode (no start-up jitter) for the external tests.
func ForTest(o Options) Options {
	o.testOnly = true
	return o
}

// ExecForTest runs a statement on q's database, for tests that stage what a dead replica
// leaves behind.
func ExecForTest(ctx context.Context, q *Queue, stmt string, args ...any) (int64, error) {
	return q.eng.pool().exec(ctx, stmt, args...)
}

// SetNowForTest replaces q's clock.
func SetNowForTest(q *Queue, now func() time.Time) { q.now = now }
