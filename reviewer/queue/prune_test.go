package queue_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// count runs a counting query on q's database.
func count(t *testing.T, q *queue.Queue, query string, args ...any) int64 {
	t.Helper()
	n, err := queue.CountForTest(t.Context(), q, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// execSQL runs a statement on q's database.
func execSQL(t *testing.T, q *queue.Queue, stmt string, args ...any) {
	t.Helper()
	if _, err := queue.ExecForTest(t.Context(), q, stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// testWritesDoNotPrune checks that the acknowledgement path (Enqueue), and the cache and
// budget writes beside it, delete nothing however old the rows: pruning holds the
// database's writer, and a webhook must not wait for it.
func testWritesDoNotPrune(t *testing.T, url string) {
	q, _ := open(t, url, queue.Options{Debounce: time.Hour, CacheMaxAge: time.Hour})
	now := time.Now()
	queue.SetNowForTest(q, func() time.Time { return now })
	old := now.Add(-30 * 24 * time.Hour).UnixMilli()
	execSQL(t, q, `INSERT INTO reviewer_forge_deliveries (forge, delivery_id, job_id, received_ms) VALUES ('github', 'd-old', 0, $1)`, old)
	execSQL(t, q, `INSERT INTO reviewer_changes (change_key, head_sha, job_id, generation, updated_ms) VALUES ('github:o/r!9', 'x', 0, 1, $1)`, old)
	execSQL(t, q, `INSERT INTO reviewer_cache (cache_key, value, created_ms) VALUES ('k-old', $1, $2)`, []byte("v"), old)
	execSQL(t, q, `INSERT INTO reviewer_usage (usage_key, day, tokens) VALUES ('repo', $1, 5)`, queue.Day(now)-30)

	j := job(1, "aaaa")
	j.DeliveryID = "d-new"
	enqueue(t, q, j)
	if err := q.Cache().Put(t.Context(), "k-new", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := q.Usage().Charge(t.Context(), queue.Day(now), 1, "repo"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		table string
		where string
	}{
		{"reviewer_forge_deliveries", "delivery_id = 'd-old'"},
		{"reviewer_changes", "change_key = 'github:o/r!9'"},
		{"reviewer_cache", "cache_key = 'k-old'"},
		{"reviewer_usage", "day < " + itoa(queue.Day(now)-7)},
	} {
		if n := count(t, q, "SELECT count(*) FROM "+c.table+" WHERE "+c.where); n != 1 {
			t.Errorf("%s: %d old rows after the writes, want 1: a write pruned", c.table, n)
		}
	}
}

// testPrune stages old and fresh rows, starts the queue, and waits for the prune job that
// River's leader inserts at start: it deletes exactly the old rows, a batch at a time.
func testPrune(t *testing.T, url string) {
	rec := newRecorder(nil)
	q, logs := open(t, url, queue.PruneBatchForTest(queue.Options{Handler: rec.handle, Debounce: time.Hour, CacheMaxAge: 24 * time.Hour,
		HistoryMaxAge: 48 * time.Hour}, 2))
	now := time.Now()
	queue.SetNowForTest(q, func() time.Time { return now })
	old := now.Add(-8 * 24 * time.Hour).UnixMilli()
	for _, id := range []string{"d1", "d2", "d3", "d4", "d5"} {
		execSQL(t, q, `INSERT INTO reviewer_forge_deliveries (forge, delivery_id, job_id, received_ms) VALUES ('gitlab', $1, 0, $2)`, id, old)
	}
	execSQL(t, q, `INSERT INTO reviewer_forge_deliveries (forge, delivery_id, job_id, received_ms) VALUES ('gitlab', 'fresh', 0, $1)`, now.UnixMilli())
	// A change idle for a week whose job is done, and one whose job still waits (the
	// debounce): the second's row holds its generation and stays.
	execSQL(t, q, `INSERT INTO reviewer_changes (change_key, head_sha, job_id, generation, updated_ms) VALUES ('github:o/r!9', 'x', 0, 1, $1)`, old)
	waiting := job(1, "aaaa")
	enqueue(t, q, waiting)
	execSQL(t, q, `UPDATE reviewer_changes SET updated_ms = $1 WHERE change_key = $2`, old, waiting.Change())
	for _, k := range []string{"c1", "c2", "c3"} {
		execSQL(t, q, `INSERT INTO reviewer_cache (cache_key, value, created_ms) VALUES ($1, $2, $3)`, k, []byte("v"), now.Add(-25*time.Hour).UnixMilli())
	}
	execSQL(t, q, `INSERT INTO reviewer_cache (cache_key, value, created_ms) VALUES ('fresh', $1, $2)`, []byte("v"), now.UnixMilli())
	execSQL(t, q, `INSERT INTO reviewer_usage (usage_key, day, tokens) VALUES ('repo', $1, 5)`, queue.Day(now)-8)
	execSQL(t, q, `INSERT INTO reviewer_usage (usage_key, day, tokens) VALUES ('repo', $1, 5)`, queue.Day(now))
	for i, finished := range []time.Time{now.Add(-72 * time.Hour), now.Add(-49 * time.Hour), now.Add(-60 * time.Hour), now.Add(-47 * time.Hour)} {
		r := review("octo/app", i+1, queue.OutcomeReviewed, finished)
		if err := q.History().Record(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}

	start(t, q)
	waitPruned(t, q)

	for _, c := range []struct {
		table string
		want  int64
	}{
		{"reviewer_forge_deliveries", 1},
		{"reviewer_changes", 1},
		{"reviewer_cache", 1},
		{"reviewer_usage", 1},
		{"reviewer_reviews", 1},
	} {
		if n := count(t, q, "SELECT count(*) FROM "+c.table); n != c.want {
			t.Errorf("%s: %d rows after the prune, want %d", c.table, n, c.want)
		}
	}
	if n := count(t, q, "SELECT count(*) FROM reviewer_changes WHERE change_key = $1", waiting.Change()); n != 1 {
		t.Error("the row of a change whose job waits was pruned")
	}
	if n := count(t, q, "SELECT count(*) FROM reviewer_reviews WHERE change_number = 4"); n != 1 {
		t.Error("the review of 47 hours ago was pruned, or another kept")
	}
	// Batches of 2: deliveries 2+2+1, changes 1, cache 2+1, usage 1, history 2+1.
	if !strings.Contains(logs.String(), `msg="queue pruned" rows=13 batches=9`) {
		t.Errorf("no log of 13 rows pruned in 9 batches:\n%s", logs)
	}
}

// waitPruned waits until a prune job has completed on q.
func waitPruned(t *testing.T, q *queue.Queue) {
	t.Helper()
	events, stop := queue.EventsForTest(q)
	defer stop()
	guard := time.After(patience(t))
	for count(t, q, `SELECT count(*) FROM river_job WHERE kind = 'reviewer.prune' AND state = 'completed'`) == 0 {
		select {
		case <-events:
		case <-guard:
			t.Fatal("no prune job completed before the test's deadline")
		case <-t.Context().Done():
			t.Fatal(context.Cause(t.Context()))
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
