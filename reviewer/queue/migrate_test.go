package queue_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/internal/pgtest"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				run  func(t *testing.T, url string)
			}{
				{"adopts a database of the release before migrations", testAdopt},
				{"check refuses a database that needs migrations", testCheckRefuses},
				{"a database of a newer release is refused", testNewerRefused},
				{"adds the history to a database of the previous release", testHistoryMigration},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, b.url(t))
				})
			}
		})
	}
}

// ours are the queue's own migrations, as Migrate lists them.
var ours = []queue.Step{
	{Component: "reviewer", Version: 1, Name: "queue tables"},
	{Component: "reviewer", Version: 2, Name: "deliveries per forge from reviewer_deliveries"},
	{Component: "reviewer", Version: 3, Name: "replica heartbeats"},
	{Component: "reviewer", Version: 4, Name: "review history"},
	{Component: "reviewer", Version: 5, Name: "dismissals"},
	{Component: "reviewer", Version: 6, Name: "dismissal paths"},
}

func migrate(t *testing.T, url string, dryRun bool) []queue.Step {
	t.Helper()
	steps, err := queue.Migrate(t.Context(), url, queue.MigrateOptions{DryRun: dryRun})
	if err != nil {
		t.Fatalf("Migrate(dry run %v): %v", dryRun, err)
	}
	return steps
}

// testAdopt stages a database as the release before versioned migrations left it: River's
// tables migrated, the queue's own made by CREATE TABLE IF NOT EXISTS (its DDL then,
// copied here) with rows in each, no record of migrations, and the delivery table of the
// release before per-forge deliveries. Migrate must adopt it with every row.
func testAdopt(t *testing.T, url string) {
	q, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	blob := "BLOB"
	if strings.HasPrefix(url, "postgres") {
		blob = "BYTEA"
	}
	now := time.Now()
	for _, stmt := range []string{
		`DROP TABLE reviewer_migration`,
		`DROP TABLE reviewer_forge_deliveries`,
		`DROP TABLE reviewer_changes`,
		`DROP TABLE reviewer_cache`,
		`DROP TABLE reviewer_usage`,
		`DROP TABLE reviewer_reviews`,
		`DROP TABLE reviewer_dismissals`,
		`CREATE TABLE IF NOT EXISTS reviewer_deliveries (
			delivery_id TEXT PRIMARY KEY,
			job_id BIGINT NOT NULL DEFAULT 0,
			received_ms BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_deliveries_received_ms ON reviewer_deliveries (received_ms)`,
		`CREATE TABLE IF NOT EXISTS reviewer_changes (
			change_key TEXT PRIMARY KEY,
			head_sha TEXT NOT NULL,
			job_id BIGINT NOT NULL,
			generation BIGINT NOT NULL,
			updated_ms BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_changes_updated_ms ON reviewer_changes (updated_ms)`,
		`CREATE TABLE IF NOT EXISTS reviewer_cache (
			cache_key TEXT PRIMARY KEY,
			value ` + blob + ` NOT NULL,
			created_ms BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_cache_created_ms ON reviewer_cache (created_ms)`,
		`CREATE TABLE IF NOT EXISTS reviewer_usage (
			usage_key TEXT NOT NULL,
			day BIGINT NOT NULL,
			tokens BIGINT NOT NULL,
			PRIMARY KEY (usage_key, day)
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_usage_day ON reviewer_usage (day)`,
	} {
		execSQL(t, q, stmt)
	}
	execSQL(t, q, `INSERT INTO reviewer_deliveries (delivery_id, job_id, received_ms) VALUES ('d-old', 41, $1)`, now.UnixMilli())
	execSQL(t, q, `INSERT INTO reviewer_changes (change_key, head_sha, job_id, generation, updated_ms) VALUES ('github:o/r!1', 'aaaa', 41, 3, $1)`, now.UnixMilli())
	execSQL(t, q, `INSERT INTO reviewer_cache (cache_key, value, created_ms) VALUES ('k', $1, $2)`, []byte("answer"), now.UnixMilli())
	execSQL(t, q, `INSERT INTO reviewer_usage (usage_key, day, tokens) VALUES ('repo', $1, 1234)`, queue.Day(now))
	q.Close()

	if diff := cmp.Diff(ours, migrate(t, url, true)); diff != "" {
		t.Errorf("dry run (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ours, migrate(t, url, false)); diff != "" {
		t.Errorf("migrate (-want +got):\n%s", diff)
	}
	if steps := migrate(t, url, false); len(steps) != 0 {
		t.Errorf("second migrate applied %v, want nothing", steps)
	}

	q, _ = open(t, url, queue.Options{CheckSchema: true, Debounce: time.Hour})
	for _, c := range []struct{ query, what string }{
		{`SELECT count(*) FROM reviewer_forge_deliveries WHERE delivery_id = 'd-old' AND job_id = 41`, "the old delivery, for each forge"},
		{`SELECT count(*) FROM reviewer_changes WHERE change_key = 'github:o/r!1' AND generation = 3`, "the change's row"},
		{`SELECT count(*) FROM reviewer_cache WHERE cache_key = 'k'`, "the cache entry"},
		{`SELECT tokens FROM reviewer_usage WHERE usage_key = 'repo'`, "the day's tokens"},
	} {
		want := map[string]int64{"the old delivery, for each forge": 2, "the day's tokens": 1234}[c.what]
		if want == 0 {
			want = 1
		}
		if n := count(t, q, c.query); n != want {
			t.Errorf("%s: %d, want %d", c.what, n, want)
		}
	}
	if v, ok, err := q.Cache().Get(t.Context(), "k"); err != nil || !ok || string(v) != "answer" {
		t.Errorf("Cache.Get(k) after the migration = %q, %v, %v", v, ok, err)
	}
	j := job(1, "aaaa")
	j.Forge, j.DeliveryID = "gitlab", "d-old"
	if diff := cmp.Diff(queue.Enqueued{JobID: 41, Duplicate: true}, enqueue(t, q, j)); diff != "" {
		t.Errorf("redelivery of a delivery the old release took (-want +got):\n%s", diff)
	}
}

// testCheckRefuses opens a new database with CheckSchema: refused, with the command to
// run; once migrated, opened.
func testCheckRefuses(t *testing.T, url string) {
	_, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{CheckSchema: true}))
	if err == nil || !strings.Contains(err.Error(), "run `reviewer migrate`") || !strings.Contains(err.Error(), "reviewer 2 (") {
		t.Fatalf("Open(check) of a new database: %v, want a refusal naming the migrations and `reviewer migrate`", err)
	}
	steps := migrate(t, url, false)
	if len(steps) <= len(ours) || steps[0].Component != "river" {
		t.Errorf("migrate of a new database applied %v, want River's then ours", steps)
	}
	if diff := cmp.Diff(ours, steps[len(steps)-len(ours):]); diff != "" {
		t.Errorf("our migrations applied (-want +got):\n%s", diff)
	}
	open(t, url, queue.Options{CheckSchema: true})
}

// testNewerRefused opens a database that a newer release migrated further.
func testNewerRefused(t *testing.T, url string) {
	q, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, q, `INSERT INTO reviewer_migration (version, name, applied_ms) VALUES (999, 'from the future', 0)`)
	q.Close()
	for _, check := range []bool{false, true} {
		_, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{CheckSchema: check}))
		if err == nil || !strings.Contains(err.Error(), "newer release") || !strings.Contains(err.Error(), "version 999") {
			t.Errorf("Open(check %v) of a newer database: %v, want a refusal", check, err)
		}
	}
	if _, err := queue.Migrate(t.Context(), url, queue.MigrateOptions{}); err == nil || !strings.Contains(err.Error(), "newer release") {
		t.Errorf("Migrate of a newer database: %v, want a refusal", err)
	}
}

// TestConcurrentStartsPostgres starts replicas at once on a new PostgreSQL database:
// the advisory lock makes them migrate in turn, so each starts and each migration is
// applied once.
func TestConcurrentStartsPostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	const n = 4
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		qs   []*queue.Queue
	)
	for range n {
		wg.Go(func() {
			q, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{}))
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
			if err == nil {
				qs = append(qs, q)
			}
		})
	}
	wg.Wait()
	for _, q := range qs {
		defer q.Close()
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Open: %v", err)
	}
	if got := count(t, qs[0], `SELECT count(*) FROM reviewer_migration`); got != int64(len(ours)) {
		t.Errorf("reviewer_migration has %d rows, want %d", got, len(ours))
	}
}
