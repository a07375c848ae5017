package queue_test

import (
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

func TestOldestWaiting(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			url := b.url(t)
			// Not started: nothing takes the jobs, so they wait.
			q, _ := open(t, url, queue.Options{Handler: newRecorder(nil).handle})
			age := func(now time.Time) time.Duration {
				t.Helper()
				queue.SetNowForTest(q, func() time.Time { return now })
				d, err := q.OldestWaiting(t.Context())
				if err != nil {
					t.Fatalf("OldestWaiting: %v", err)
				}
				return d
			}
			if d := age(time.Now()); d != 0 {
				t.Errorf("empty queue: oldest waited %v, want 0", d)
			}

			before := time.Now()
			enqueue(t, q, job(1, "aaaa"))
			after := time.Now()
			enqueue(t, q, job(2, "bbbb"))
			// An hour on, the first job has waited an hour, give or take how long the
			// enqueue took and the database's millisecond rounding.
			d := age(after.Add(time.Hour))
			if lo, hi := time.Hour-time.Millisecond, time.Hour+after.Sub(before)+time.Millisecond; d < lo || d > hi {
				t.Errorf("oldest waited %v, want between %v and %v", d, lo, hi)
			}
			// A job not yet due has not started waiting.
			if d := age(before.Add(-time.Minute)); d != 0 {
				t.Errorf("before any job was due: oldest waited %v, want 0", d)
			}
		})
	}
}
