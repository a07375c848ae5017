package queue_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/internal/pgtest"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// BenchmarkEnqueue measures one durable Enqueue of a new change (committed, and on SQLite
// fsync'd, before it returns), as a webhook delivery does before it is acknowledged.
func BenchmarkEnqueue(b *testing.B) {
	for _, be := range []struct {
		name string
		url  func(b *testing.B) string
	}{
		{"sqlite", func(b *testing.B) string { return "sqlite://" + b.TempDir() + "/reviewer.db" }},
		{"postgres", func(b *testing.B) string { return pgtest.URL(b) }},
	} {
		b.Run(be.name, func(b *testing.B) {
			q, err := queue.Open(b.Context(), be.url(b), queue.Options{Debounce: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer q.Close()
			n := 0
			for b.Loop() {
				n++
				j := job(n, "aaaa")
				j.DeliveryID = fmt.Sprintf("delivery-%d", n)
				if _, err := q.Enqueue(b.Context(), j); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
