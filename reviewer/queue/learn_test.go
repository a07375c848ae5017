package queue_test

import (
	"context"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// TestLearnPeriodic: with Options.Learn set, River's leader runs it as a periodic job,
// the first time at start.
func TestLearnPeriodic(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			ran := make(chan struct{}, 1)
			learn := func(context.Context) error {
				select {
				case ran <- struct{}{}:
				default:
				}
				return nil
			}
			rec := newRecorder(nil)
			q, _ := open(t, b.url(t), queue.Options{Handler: rec.handle, Learn: learn})
			start(t, q)
			select {
			case <-ran:
			case <-t.Context().Done():
				t.Fatal("the learning job never ran")
			}
		})
	}
}
