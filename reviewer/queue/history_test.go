package queue_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

func TestHistory(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				run  func(t *testing.T, url string)
			}{
				{"records every field and filters", testHistoryFilters},
				{"cost per repository and day", testHistoryCost},
				{"read beside a running queue", testHistoryOpen},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, b.url(t))
				})
			}
		})
	}
}

// review is an attempt of a review of change n of repo that finished at finished and
// took 1.5 s.
func review(repo string, n int, outcome string, finished time.Time) queue.Review {
	finished = finished.Truncate(time.Millisecond).UTC()
	return queue.Review{
		JobID: int64(100 + n), Attempt: 1, Forge: "github", Repo: repo, Change: n, HeadSHA: "abc123",
		Trigger: "webhook", Event: "pull_request.synchronize", Tier: "", Outcome: outcome,
		Files:    queue.FileCounts{Reviewed: 3, Skipped: 1, Filtered: 2, Withheld: 0, Failed: 0, Unseen: 1},
		Findings: 4, Posted: 2, Kept: 1, ModelRequests: 5, PromptTokens: 1000, CachedTokens: 400, CompletionTokens: 200,
		CostUSD: 0.25, DeliveryID: "d-" + repo, Started: finished.Add(-1500 * time.Millisecond), Finished: finished,
		DurationMS: 1500,
	}
}

func record(t *testing.T, h *queue.History, rs ...queue.Review) []queue.Review {
	t.Helper()
	for _, r := range rs {
		if err := h.Record(t.Context(), r); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	return rs
}

func list(t *testing.T, h *queue.History, f queue.Filter) []queue.Review {
	t.Helper()
	got, err := h.List(t.Context(), f)
	if err != nil {
		t.Fatalf("List(%+v): %v", f, err)
	}
	return got
}

// ignoreID compares reviews without the id the database assigned.
var ignoreID = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ID" }, cmp.Ignore())

func testHistoryFilters(t *testing.T, url string) {
	q, _ := open(t, url, queue.Options{})
	h := q.History()
	now := time.Now()
	failed := review("octo/app", 2, queue.OutcomeFailed, now.Add(-2*time.Hour))
	failed.Reason, failed.ErrorKind, failed.Attempt = "the review ran out of time", "timeout", 6
	retrying := review("octo/app", 2, queue.OutcomeRetrying, now.Add(-3*time.Hour))
	retrying.ErrorKind = "gateway"
	old := review("octo/app", 1, queue.OutcomeReviewed, now.Add(-50*time.Hour))
	other := review("octo/lib", 1, queue.OutcomeSkipped, now.Add(-time.Hour))
	other.Forge, other.Reason = "gitlab", "no file to review"
	record(t, h, old, retrying, failed, other)

	for _, tc := range []struct {
		name   string
		filter queue.Filter
		want   []queue.Review
	}{
		{"all, newest first", queue.Filter{}, []queue.Review{other, failed, retrying, old}},
		{"repo", queue.Filter{Repo: "octo/app"}, []queue.Review{failed, retrying, old}},
		{"forge", queue.Filter{Forge: "gitlab"}, []queue.Review{other}},
		{"change over time", queue.Filter{Repo: "octo/app", Change: 2}, []queue.Review{failed, retrying}},
		{"since", queue.Filter{Since: now.Add(-24 * time.Hour)}, []queue.Review{other, failed, retrying}},
		{"failed", queue.Filter{Failed: true}, []queue.Review{failed, retrying}},
		{"failed since", queue.Filter{Failed: true, Since: now.Add(-150 * time.Minute)}, []queue.Review{failed}},
		{"limit", queue.Filter{Limit: 2}, []queue.Review{other, failed}},
		{"nothing", queue.Filter{Repo: "octo/none"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, list(t, h, tc.filter), ignoreID); diff != "" {
				t.Errorf("List(%+v) (-want +got):\n%s", tc.filter, diff)
			}
		})
	}
	got := list(t, h, queue.Filter{})
	if got[0].ID <= got[1].ID || got[0].ID == 0 {
		t.Errorf("ids %d, %d: want the later record's larger and non-zero", got[0].ID, got[1].ID)
	}
	if !got[1].Failed() || got[0].Failed() {
		t.Errorf("Failed() of %s, %s = %v, %v", got[1].Outcome, got[0].Outcome, got[1].Failed(), got[0].Failed())
	}
}

func testHistoryCost(t *testing.T, url string) {
	q, _ := open(t, url, queue.Options{})
	h := q.History()
	day := queue.DayStart(queue.Day(time.Now()))
	a1 := review("octo/app", 1, queue.OutcomeReviewed, day.Add(time.Hour))
	a2 := review("octo/app", 2, queue.OutcomeFailed, day.Add(2*time.Hour))
	a2.CostUSD = 0.5
	b := review("octo/lib", 1, queue.OutcomeReviewed, day.Add(3*time.Hour))
	b.CostUSD = 2
	yesterday := review("octo/app", 3, queue.OutcomeReviewed, day.Add(-time.Hour))
	tooOld := review("octo/app", 4, queue.OutcomeReviewed, day.Add(-49*time.Hour))
	record(t, h, a1, a2, b, yesterday, tooOld)

	got, err := h.CostPerDay(t.Context(), day.Add(-48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	today := queue.Day(day)
	want := []queue.RepoDay{
		{Day: today, DayStart: day, Forge: "github", Repo: "octo/lib", Reviews: 1, PromptTokens: 1000, CachedTokens: 400, CompletionTokens: 200, CostUSD: 2},
		{Day: today, DayStart: day, Forge: "github", Repo: "octo/app", Reviews: 2, Failed: 1, PromptTokens: 2000, CachedTokens: 800, CompletionTokens: 400, CostUSD: 0.75},
		{Day: today - 1, DayStart: day.Add(-24 * time.Hour), Forge: "github", Repo: "octo/app", Reviews: 1, PromptTokens: 1000, CachedTokens: 400, CompletionTokens: 200, CostUSD: 0.25},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CostPerDay (-want +got):\n%s", diff)
	}
}

// testHistoryOpen reads the history of a queue that is open (on SQLite, the file is
// locked by it) through OpenHistory, as `reviewer history` does beside `reviewer serve`.
func testHistoryOpen(t *testing.T, url string) {
	q, _ := open(t, url, queue.Options{})
	want := record(t, q.History(), review("octo/app", 1, queue.OutcomeReviewed, time.Now()))
	h, err := queue.OpenHistory(t.Context(), url)
	if err != nil {
		t.Fatalf("OpenHistory beside an open queue: %v", err)
	}
	defer h.Close()
	if diff := cmp.Diff(want, list(t, h, queue.Filter{}), ignoreID); diff != "" {
		t.Errorf("List through OpenHistory (-want +got):\n%s", diff)
	}
}

// testHistoryMigration stages a database of the release before the history (migrations
// 1 to 3) with a row in it: serve with queue.migrate check and `reviewer history` refuse
// it, saying to migrate; Migrate adds only the history, and keeps the row.
func testHistoryMigration(t *testing.T, url string) {
	q, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, q, `DROP TABLE reviewer_reviews`)
	execSQL(t, q, `DELETE FROM reviewer_migration WHERE version = 4`)
	execSQL(t, q, `INSERT INTO reviewer_usage (usage_key, day, tokens) VALUES ('repo', 1, 77)`)
	q.Close()

	if _, err := queue.OpenHistory(t.Context(), url); err == nil || !strings.Contains(err.Error(), "run `reviewer migrate`") {
		t.Errorf("OpenHistory of a database without the history: %v, want a refusal saying to migrate", err)
	}
	if _, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{CheckSchema: true})); err == nil ||
		!strings.Contains(err.Error(), "reviewer 4 (review history)") {
		t.Errorf("Open(check) of a database without the history: %v, want a refusal naming migration 4", err)
	}
	if diff := cmp.Diff(ours[3:4], migrate(t, url, false)); diff != "" { // the history alone: the later ones are there
		t.Errorf("migrate (-want +got):\n%s", diff)
	}
	q, _ = open(t, url, queue.Options{CheckSchema: true})
	if n := count(t, q, `SELECT tokens FROM reviewer_usage WHERE usage_key = 'repo'`); n != 77 {
		t.Errorf("the usage row after the migration: %d tokens, want 77", n)
	}
	want := record(t, q.History(), review("octo/app", 1, queue.OutcomeReviewed, time.Now()))
	if diff := cmp.Diff(want, list(t, q.History(), queue.Filter{}), ignoreID); diff != "" {
		t.Errorf("List after the migration (-want +got):\n%s", diff)
	}
}
