package queue

import (
	"context"
	"time"

	"github.com/riverqueue/river"
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

// PruneBatchForTest makes each prune statement delete at most n rows.
func PruneBatchForTest(o Options, n int) Options {
	o.pruneBatch = n
	return o
}

// CountForTest runs a query that returns one integer on q's database.
func CountForTest(ctx context.Context, q *Queue, query string, args ...any) (int64, error) {
	var n int64
	err := q.eng.pool().queryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// SetNowForTest replaces q's clock.
func SetNowForTest(q *Queue, now func() time.Time) { q.now = now }

// EventsForTest returns a channel that receives a value whenever one of the queues'
// River clients has stored the end of an attempt (completed, cancelled, failed,
// snoozed or interrupted): River sends its events once the job's row is updated. Values
// are coalesced, so a receiver re-reads the state it waits for on each. stop ends the
// subscriptions.
func EventsForTest(qs ...*Queue) (events <-chan struct{}, stop func()) {
	out := make(chan struct{}, 1)
	done := make(chan struct{})
	var cancels []func()
	for _, q := range qs {
		sub, cancel := q.eng.(interface {
			subscribeForTest() (<-chan *river.Event, func())
		}).subscribeForTest()
		cancels = append(cancels, cancel)
		go func() {
			for {
				select {
				case _, ok := <-sub:
					if !ok {
						return
					}
					select {
					case out <- struct{}{}:
					default: // one wake-up is pending already
					}
				case <-done:
					return
				}
			}
		}()
	}
	return out, func() {
		close(done)
		for _, c := range cancels {
			c()
		}
	}
}

func (e *riverEngine[TTx]) subscribeForTest() (<-chan *river.Event, func()) {
	return e.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed,
		river.EventKindJobSnoozed, river.EventKindJobInterrupted)
}
