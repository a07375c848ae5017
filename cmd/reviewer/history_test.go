package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/internal/pgtest"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// historyJSON is `reviewer history --format json`, read back.
type historyJSON struct {
	Reviews []queue.Review `json:"reviews"`
}

func historyOf(t *testing.T, db string, args ...string) historyJSON {
	t.Helper()
	r := runCmd(t, t.TempDir(), []string{"REVIEWER_QUEUE_URL=" + db}, append([]string{"history", "--format", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("reviewer history %v: exit %d\n%s", args, r.code, r.stderr)
	}
	var h historyJSON
	if err := json.Unmarshal([]byte(r.stdout), &h); err != nil {
		t.Fatalf("reviewer history %v: %v\n%s", args, err, r.stdout)
	}
	return h
}

// TestServeHistory runs a real `reviewer serve` through two reviews, one that succeeds
// (with the model) and one that fails (the forge has no such repository), and reads
// both back with `reviewer history --format json`, beside the running service.
func TestServeHistory(t *testing.T) {
	t.Parallel()
	for _, b := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			testServeHistory(t, b.url(t))
		})
	}
}

func testServeHistory(t *testing.T, db string) {
	fl := newGitHubFleet(t, 1)
	environ := append(append(fl.environ(), quickQueue(db)...), gatewayEnv(newModelGateway(t, e2eModelFindings))...)
	p := startServe(t, append(environ, `REVIEWER_GATEWAY_PRICES={"gpt-test": {"input": 1, "output": 2}}`))

	okBody, okHeaders := delivery(t, "opened", 0, shaHead1)
	deliverOK(t, p.addr, okBody, okHeaders)
	failBody, failHeaders := delivery(t, "opened", 5, shaHead1) // acme/client-5: no such repository
	deliverOK(t, p.addr, failBody, failHeaders)
	// Each attempt is recorded before its job is marked done: once no job is unfinished,
	// both are in the history.
	queueSettled(t, p.addr)

	got := historyOf(t, db).Reviews
	if len(got) != 2 {
		t.Fatalf("history has %d reviews, want 2: %+v", len(got), got)
	}
	byRepo := map[string]queue.Review{}
	for _, r := range got {
		byRepo[r.Repo] = r
		if r.ID == 0 || r.JobID == 0 || r.Attempt != 1 || r.Forge != "github" || r.Change != ghNumber || r.HeadSHA != shaHead1 ||
			r.Trigger != "webhook" || r.Event != "pull_request.opened" || r.Finished.Before(r.Started) ||
			r.DurationMS != r.Finished.Sub(r.Started).Milliseconds() {
			t.Errorf("review of %s: %+v, want attempt 1 of a webhook's job for change %d at %s, with its times", r.Repo, r, ghNumber, shaHead1)
		}
	}
	ok, failed := byRepo["acme/client-0"], byRepo["acme/client-5"]
	// The reviewed change's tier is recorded; the failed one never got as far as a tier.
	if ok.Tier == "" || failed.Tier != "" {
		t.Errorf("tiers %q and %q: want the reviewed change's tier, and none for the failed one", ok.Tier, failed.Tier)
	}
	if ok.DeliveryID != okHeaders.Get("X-GitHub-Delivery") || failed.DeliveryID != failHeaders.Get("X-GitHub-Delivery") {
		t.Errorf("delivery ids %q, %q; want the deliveries'", ok.DeliveryID, failed.DeliveryID)
	}
	// The review: 2 pattern and 3 model findings posted; one review and one verification
	// request to the model, each of 19 prompt and 10 completion tokens (the fixture's
	// usage), at $1 and $2 per million.
	if ok.Outcome != queue.OutcomeReviewed || ok.Reason != "" || ok.ErrorKind != "" || ok.Posted != 5 || ok.Kept != 0 ||
		ok.Findings != 5 || ok.Files.Reviewed == 0 || ok.ModelRequests != 2 || ok.PromptTokens != 38 ||
		ok.CompletionTokens != 20 || ok.CachedTokens != 0 || math.Abs(ok.CostUSD-78e-6) > 1e-12 {
		t.Errorf("the review: %+v", ok)
	}
	if comments, _, _, _ := fl.fakes[0].snapshot(); ok.Posted != len(comments) {
		t.Errorf("the review posted %d, the forge has %d comments", ok.Posted, len(comments))
	}
	want := queue.Review{Outcome: queue.OutcomeFailed, ErrorKind: "forge",
		Reason: "the change, its repository or a file it needs was not found on the forge"}
	if diff := cmp.Diff(want, queue.Review{Outcome: failed.Outcome, ErrorKind: failed.ErrorKind, Reason: failed.Reason}); diff != "" {
		t.Errorf("the failure (-want +got):\n%s", diff)
	}
	if failed.ModelRequests != 0 || failed.Posted != 0 || failed.CostUSD != 0 {
		t.Errorf("the failure used the model or posted: %+v", failed)
	}

	// The filters select on the database's side.
	if h := historyOf(t, db, "--failed"); len(h.Reviews) != 1 || h.Reviews[0].Repo != "acme/client-5" {
		t.Errorf("--failed: %+v, want the failure only", h.Reviews)
	}
	if h := historyOf(t, db, "--repo", "acme/client-0", "--change", "7", "--since", "1h"); len(h.Reviews) != 1 || h.Reviews[0].Repo != "acme/client-0" {
		t.Errorf("--repo acme/client-0 --change 7: %+v, want the review only", h.Reviews)
	}
	if h := historyOf(t, db, "--change", "8"); len(h.Reviews) != 0 {
		t.Errorf("--change 8: %+v, want none", h.Reviews)
	}
	if h := historyOf(t, db, "--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); len(h.Reviews) != 0 {
		t.Errorf("--since an hour ahead: %+v, want none", h.Reviews)
	}
	r := runCmd(t, t.TempDir(), []string{"REVIEWER_QUEUE_URL=" + db}, "history")
	if r.code != 0 || !strings.Contains(r.stdout, "acme/client-0") || !strings.Contains(r.stdout, "forge: the change, its repository") {
		t.Errorf("reviewer history (text): exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestHistoryHostileText prints reviews whose repository name and reason carry terminal
// escapes, line ends and bidirectional overrides: the table shows them inert, one line
// per review.
func TestHistoryHostileText(t *testing.T) {
	t.Parallel()
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	q, err := queue.Open(t.Context(), db, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, repo := range []string{
		"evil/\x1b[2J\x1b[31mred\x1b[0m",
		"evil/\x1b]8;;https://attacker.example/\x07link\x1b]8;;\x1b\\\nFAKE ROW\trepo",
		"evil/\u202egnp.exe\u2066\u0085\u009b31m\xff",
	} {
		if err := q.History().Record(t.Context(), queue.Review{Forge: "github", Repo: repo, Change: 1, HeadSHA: "\x1b[1mabc",
			Outcome: queue.OutcomeFailed, ErrorKind: "rules", Reason: "a rules file could not be read: \x1b[8mhidden\r\x1b[Kok",
			Started: now, Finished: now}); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	r := runCmd(t, t.TempDir(), []string{"REVIEWER_QUEUE_URL=" + db}, "history")
	if r.code != 0 {
		t.Fatalf("reviewer history: exit %d\n%s", r.code, r.stderr)
	}
	for _, bad := range []string{"\x1b", "\u009b", "\u202e", "\u2066", "\u0085", "\r", "\t", "attacker.example"} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("the table holds %q:\n%s", bad, r.stdout)
		}
	}
	if lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n"); len(lines) != 4 {
		t.Errorf("%d lines, want a header and 3 rows:\n%s", len(lines), r.stdout)
	}
	for _, want := range []string{"evil/red", "evil/linkFAKE ROWrepo", "evil/gnp.exe\uFFFD", "rules: a rules file could not be read: hiddenok"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the table has no %q:\n%s", want, r.stdout)
		}
	}
}

func TestTermSafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain/repo", 60, "plain/repo"},
		{"\x1b[38;5;196mred\x1b[m", 60, "red"},
		{"a\x1b]0;title\x1b\\b", 60, "ab"},
		{"a\x1b]0;title", 60, "a"},
		{"a\x1bcb", 60, "ab"},
		{"a\x1b", 60, "a"},
		{"a\u009b2Jb", 60, "ab"},
		{"tab\there\nnew", 60, "tabherenew"},
		{"\u202eabc\u202c", 60, "abc"},
		{"bad\xffutf8", 60, "bad\uFFFDutf8"},
		{"ünïcode", 60, "ünïcode"},
		{"abcdefghij", 5, "abcde…"},
		{"abcde", 5, "abcde"},
	} {
		if got := termSafe(tc.in, tc.max); got != tc.want {
			t.Errorf("termSafe(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestHistoryBadInput(t *testing.T) {
	t.Parallel()
	missing := "sqlite://" + filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no database", []string{"history"}, "no queue database at"},
		{"since", []string{"history", "--since", "yesterday"}, `--since: "yesterday" is neither a duration`},
		{"format", []string{"history", "--format", "yaml"}, `--format: "yaml"; want text or json`},
		{"limit", []string{"history", "--limit", "0"}, "--limit: 0; at least 1"},
		{"forge", []string{"history", "--forge", "bitbucket"}, `--forge: "bitbucket"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := runCmd(t, t.TempDir(), []string{"REVIEWER_QUEUE_URL=" + missing}, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, exitUsage, tc.want)
			}
		})
	}
}

func TestParseSince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"24h", now.Add(-24 * time.Hour)},
		{"90m", now.Add(-90 * time.Minute)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"2026-01-02", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"2026-01-02T03:04:05+02:00", time.Date(2026, 1, 2, 1, 4, 5, 0, time.UTC)},
	} {
		got, err := parseSince(tc.in, now)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"-1h", "d", "-3d", "soon", ""} {
		if _, err := parseSince(bad, now); err == nil {
			t.Errorf("parseSince(%q): no error", bad)
		}
	}
}

// TestAttemptOutcome checks what the history says of attempts the end-to-end test does
// not stage: a review with nothing reviewed, files the model could not review, a
// panic's attempt.
func TestAttemptOutcome(t *testing.T) {
	t.Parallel()
	files := func(outcomes ...reviewer.Outcome) reviewer.Result {
		var res reviewer.Result
		for i, o := range outcomes {
			res.Coverage.Files = append(res.Coverage.Files, reviewer.FileCoverage{Path: fmt.Sprint(i), Outcome: o})
		}
		return res
	}
	for _, tc := range []struct {
		name string
		res  reviewer.Result
		end  func(a *attempt)
		want [3]string
	}{
		{"reviewed", files(reviewer.OutcomeReviewed, reviewer.OutcomeFiltered), (*attempt).reviewed,
			[3]string{queue.OutcomeReviewed, "", ""}},
		{"nothing reviewed", files(reviewer.OutcomeFiltered, reviewer.OutcomeSkipped, reviewer.OutcomeFiltered), (*attempt).reviewed,
			[3]string{queue.OutcomeSkipped, "no file was reviewed: 2 filtered, 0 withheld, 1 skipped, 0 failed", ""}},
		{"no files", files(), (*attempt).reviewed, [3]string{queue.OutcomeSkipped, "the change has no files", ""}},
		{"model failed files", files(reviewer.OutcomeFailed, reviewer.OutcomeFailed, reviewer.OutcomeReviewed),
			func(a *attempt) { a.failed(fmt.Errorf("%w: 2 files failed to review", errIncomplete), "gateway") },
			[3]string{queue.OutcomeRetrying, "the model could not review 2 files", "gateway"}},
		{"secret in the error", files(), func(a *attempt) {
			a.failed(errors.New("GET https://user:hunter2@gateway.example/v1: 500 <html>"), "other")
		}, [3]string{queue.OutcomeRetrying, "an internal error; the service's log has the details", "other"}},
		{"panic", files(), func(*attempt) {}, [3]string{queue.OutcomeFailed, "the review ended without an outcome (a panic); the service's log has the details", "other"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAttempt()
			a.res = tc.res
			tc.end(a)
			if diff := cmp.Diff(tc.want, [3]string{a.outcome, a.reason, a.kind}); diff != "" {
				t.Errorf("outcome, reason, kind (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHistoryFormats keeps the JSON and text forms of the history as the README documents
// them: a field renamed or dropped breaks the scripts that read them. -update rewrites
// the golden files.
func TestHistoryFormats(t *testing.T) {
	t.Parallel()
	started := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	reviews := []queue.Review{
		{ID: 2, JobID: 41, Attempt: 2, Forge: "gitlab", Repo: "group/sub/app", Change: 3, HeadSHA: "0123456789abcdef0123",
			Trigger: "retry", Event: "merge_request.update", Outcome: queue.OutcomeFailed, ErrorKind: "timeout",
			Reason: "the review ran out of time", Files: queue.FileCounts{Reviewed: 1, Failed: 2, Unseen: 2},
			ModelRequests: 3, PromptTokens: 9000, CachedTokens: 1000, CompletionTokens: 300, CostUSD: 0.0123,
			DeliveryID: "uuid-1", Started: started.Add(time.Hour), Finished: started.Add(time.Hour + 15*time.Minute),
			DurationMS: (15 * time.Minute).Milliseconds()},
		{ID: 1, JobID: 40, Attempt: 1, Forge: "github", Repo: "acme/app", Change: 12, HeadSHA: "fedcba9876543210",
			Trigger: "webhook", Event: "pull_request.opened", Tier: "high", Outcome: queue.OutcomeReviewed,
			Files: queue.FileCounts{Reviewed: 4, Skipped: 1, Filtered: 2, Withheld: 1, Unseen: 1}, Findings: 6, Posted: 3, Kept: 2,
			ModelRequests: 2, PromptTokens: 4000, CompletionTokens: 200, CostUSD: 0.0046, DeliveryID: "gh-1",
			Started: started, Finished: started.Add(2500 * time.Millisecond), DurationMS: 2500},
	}
	var js, text strings.Builder
	if err := writeHistoryJSON(&js, reviews); err != nil {
		t.Fatal(err)
	}
	if err := writeHistoryTable(&text, reviews); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/history/history.golden.json", []byte(js.String()))
	golden.Check(t, "testdata/history/history.golden.txt", []byte(text.String()))
	var empty strings.Builder
	if err := writeHistoryJSON(&empty, nil); err != nil || empty.String() != "{\n  \"reviews\": []\n}\n" {
		t.Errorf("no reviews as JSON: %q, %v; want an empty list", empty.String(), err)
	}
}
