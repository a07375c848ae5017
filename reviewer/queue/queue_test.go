package queue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/internal/pgtest"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		runChild(url) // never returns: the parent kills it
		return
	}
	pgtest.Main(m)
}

// backend is a database the queue runs on; url returns a fresh one for a test.
type backend struct {
	name string
	url  func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// behaviours is what the queue must do on both databases.
var behaviours = []struct {
	name string
	run  func(t *testing.T, url string)
}{
	{"runs a job", testRuns},
	{"enqueue is durable", testDurable},
	{"duplicate delivery", testDuplicateDelivery},
	{"delivery ids are per forge", testDeliveryPerForge},
	{"deliveries of the old schema are kept", testLegacyDeliveries},
	{"token usage", testUsage},
	{"same head merges, and runs again once done", testSameHead},
	{"job without head merges into the live job", testNoHead},
	{"burst runs newest head once", testBurst},
	{"newer head cancels running job", testCancelRunning},
	{"head that comes back gets a new job", testHeadReturns},
	{"transient error is retried", testRetry},
	{"permanent error is not retried", testPermanent},
	{"retry after waits for the hint", testRetryAfter},
	{"killed worker's job is rescued", testRescue},
	{"killed replica's job is taken back, a live one's kept", testKilledReplica},
	{"frozen replica's job is taken back, a live one's kept", testFrozenReplica},
	{"stop lets running jobs finish", testStopDrains},
	{"stop past its deadline requeues running jobs", testStopCancels},
	{"two instances run each job once", testTwoInstances},
	{"concurrent enqueues", testConcurrentEnqueue},
	{"cache", testCache},
	{"writes do not prune", testWritesDoNotPrune},
	{"leader prunes old rows in batches", testPrune},
}

func TestQueue(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range behaviours {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, b.url(t))
				})
			}
		})
	}
}

// logBuffer collects a queue's logs: shown when a test fails, searched for SQLITE_BUSY.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// open opens a queue for t with test timings, stopped and closed when t ends.
func open(t *testing.T, url string, opts queue.Options) (*queue.Queue, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	if opts.PollInterval == 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	if opts.Debounce == 0 {
		opts.Debounce = -1
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	q, err := queue.Open(t.Context(), url, queue.ForTest(opts))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		q.Close()
		if t.Failed() {
			t.Logf("queue logs:\n%s", logs)
		}
	})
	return q, logs
}

func start(t *testing.T, q *queue.Queue) {
	t.Helper()
	if err := q.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

// call is one run of a handler.
type call struct {
	job  queue.Job
	info queue.Info
	at   time.Time // when the handler was called
}

// recorder is a handler that records its calls; fn, when set, decides the outcome.
type recorder struct {
	mu    sync.Mutex
	calls []call
	ch    chan call
	fn    func(ctx context.Context, c call) error
}

func newRecorder(fn func(ctx context.Context, c call) error) *recorder {
	return &recorder{ch: make(chan call, 1000), fn: fn}
}

func (r *recorder) handle(ctx context.Context, j queue.Job) error {
	at := time.Now()
	info, ok := queue.JobInfo(ctx)
	if !ok {
		return errors.New("no job info in the handler's context")
	}
	c := call{job: j, info: info, at: at}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	r.ch <- c
	if r.fn != nil {
		return r.fn(ctx, c)
	}
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// patience bounds a wait for something that must happen: the time the test binary has
// left before its -timeout, less a tenth to report the failure. A loaded machine makes
// a test slow, never failing; a wait that never ends fails with what was awaited.
func patience(t *testing.T) time.Duration {
	t.Helper()
	d, ok := t.Deadline()
	if !ok {
		return 10 * time.Minute
	}
	left := time.Until(d)
	return left - left/10
}

// next waits for the next call.
func (r *recorder) next(t *testing.T) call {
	t.Helper()
	select {
	case c := <-r.ch:
		return c
	case <-time.After(patience(t)):
		t.Fatalf("no handler call before the test's deadline (%d so far)", r.count())
		return call{}
	}
}

// settle waits until q holds no unfinished job (none available, scheduled, pending,
// running or retryable), so that nothing more can run, then checks the number of calls.
func (r *recorder) settle(t *testing.T, q *queue.Queue, want int) {
	t.Helper()
	depthIs(t, q, unfinished(0))
	if got := r.count(); got != want {
		t.Errorf("handler called %d times, want %d", got, want)
	}
}

// unfinished returns a depth with n jobs in no unfinished state, to merge into a want.
func unfinished(n int, also ...map[string]int) map[string]int {
	want := map[string]int{"available": n, "scheduled": n, "pending": n, "running": n, "retryable": n}
	for _, m := range also {
		for s, c := range m {
			want[s] = c
		}
	}
	return want
}

// depthIs waits until the queue has want jobs in each state named. It reads the depth
// again each time one of the workers' River clients (q's, and those of also) stores the
// end of an attempt, the only way a job leaves a state without an Enqueue.
func depthIs(t *testing.T, q *queue.Queue, want map[string]int, also ...*queue.Queue) {
	t.Helper()
	events, stop := queue.EventsForTest(append([]*queue.Queue{q}, also...)...)
	defer stop()
	guard := time.After(patience(t))
	for {
		got, err := q.Depth(t.Context())
		if err != nil {
			t.Fatalf("Depth: %v", err)
		}
		ok := true
		for s, n := range want {
			ok = ok && got[s] == n
		}
		if ok {
			return
		}
		select {
		case <-events:
		case <-guard:
			t.Fatalf("depth is %v, want %v", got, want)
		}
	}
}

// depthNow checks the queue's depth as it is, without waiting: for states that an
// Enqueue or a Stop sets before it returns.
func depthNow(t *testing.T, q *queue.Queue, want map[string]int) {
	t.Helper()
	got, err := q.Depth(t.Context())
	if err != nil {
		t.Fatalf("Depth: %v", err)
	}
	for s, n := range want {
		if got[s] != n {
			t.Errorf("depth is %v, want %v", got, want)
			return
		}
	}
}

func job(number int, head string) queue.Job {
	return queue.Job{Forge: "github", Repo: "octo/app", Number: number, HeadSHA: head, Event: "pull_request.synchronize", Sender: "mona"}
}

func enqueue(t *testing.T, q *queue.Queue, j queue.Job) queue.Enqueued {
	t.Helper()
	res, err := q.Enqueue(t.Context(), j)
	if err != nil {
		t.Fatalf("Enqueue(%s): %v", j, err)
	}
	return res
}

func testRuns(t *testing.T, url string) {
	rec := newRecorder(nil)
	q, _ := open(t, url, queue.Options{Handler: rec.handle})
	start(t, q)
	want := job(1, "aaaa")
	want.DeliveryID, want.InstallationID = "d-1", 42
	res := enqueue(t, q, want)
	if res.JobID == 0 || res.Duplicate || res.Deduped || len(res.Superseded) != 0 {
		t.Errorf("Enqueue = %+v, want a new job", res)
	}
	c := rec.next(t)
	if diff := cmp.Diff(want, c.job); diff != "" {
		t.Errorf("handler got (-want +got):\n%s", diff)
	}
	if c.info.ID != res.JobID || c.info.Attempt != 1 || c.info.MaxAttempts != 6 {
		t.Errorf("JobInfo = %+v, want ID %d, attempt 1 of 6", c.info, res.JobID)
	}
	depthIs(t, q, map[string]int{"completed": 1, "available": 0, "running": 0})
}

func testDurable(t *testing.T, url string) {
	// An insert-only queue, closed as soon as Enqueue returns: the job must be on disk.
	q1, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	res := enqueue(t, q1, job(1, "aaaa"))
	q1.Close()

	rec := newRecorder(nil)
	q2, _ := open(t, url, queue.Options{Handler: rec.handle})
	start(t, q2)
	if c := rec.next(t); c.info.ID != res.JobID || c.job.HeadSHA != "aaaa" {
		t.Errorf("ran %+v, want job %d at aaaa", c, res.JobID)
	}
}

func testDuplicateDelivery(t *testing.T, url string) {
	rec := newRecorder(nil)
	q, _ := open(t, url, queue.Options{Handler: rec.handle})
	j := job(1, "aaaa")
	j.DeliveryID = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
	first := enqueue(t, q, j)
	again := enqueue(t, q, j)
	if diff := cmp.Diff(queue.Enqueued{JobID: first.JobID, Duplicate: true}, again); diff != "" {
		t.Errorf("redelivery (-want +got):\n%s", diff)
	}
	start(t, q)
	rec.next(t)
	rec.settle(t, q, 1)
}

// testDeliveryPerForge: GitHub and GitLab name their deliveries independently, so one
// forge's delivery id must not suppress the other's (the shared table of old did).
func testDeliveryPerForge(t *testing.T, url string) {
	q, _ := open(t, url, queue.Options{Debounce: time.Hour})
	gh := job(1, "aaaa")
	gh.DeliveryID = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
	gl := queue.Job{Forge: "gitlab", Repo: "group/app", ProjectID: 7, Number: 1, HeadSHA: "bbbb",
		Event: "merge_request.open", Sender: "root", DeliveryID: gh.DeliveryID}
	first := enqueue(t, q, gh)
	other := enqueue(t, q, gl)
	if other.Duplicate || other.JobID == 0 || other.JobID == first.JobID {
		t.Errorf("GitLab delivery with a GitHub delivery's id: %+v, want a job of its own", other)
	}
	// Each forge's own redelivery is still one.
	for _, j := range []queue.Job{gh, gl} {
		if res := enqueue(t, q, j); !res.Duplicate {
			t.Errorf("%s redelivery: %+v, want a duplicate", j.Forge, res)
		}
	}
	depthNow(t, q, map[string]int{"available": 2})
}

// testLegacyDeliveries opens a database whose delivery table has the shape of versions
// before deliveries were keyed per forge: its rows must still stop redeliveries.
func testLegacyDeliveries(t *testing.T, url string) {
	q1, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	for _, stmt := range []string{
		// The old versions recorded no migrations.
		`DROP TABLE reviewer_migration`,
		`DROP TABLE reviewer_forge_deliveries`,
		`CREATE TABLE reviewer_deliveries (
			delivery_id TEXT PRIMARY KEY,
			job_id BIGINT NOT NULL DEFAULT 0,
			received_ms BIGINT NOT NULL
		)`,
		`CREATE INDEX reviewer_deliveries_received_ms ON reviewer_deliveries (received_ms)`,
	} {
		if _, err := queue.ExecForTest(t.Context(), q1, stmt); err != nil {
			t.Fatalf("stage the old schema: %v", err)
		}
	}
	if _, err := queue.ExecForTest(t.Context(), q1, `INSERT INTO reviewer_deliveries (delivery_id, job_id, received_ms) VALUES ($1, $2, $3)`,
		"d-old", 41, now); err != nil {
		t.Fatal(err)
	}
	q1.Close()

	q, _ := open(t, url, queue.Options{Debounce: time.Hour})
	for _, forge := range []string{"github", "gitlab"} {
		j := job(1, "aaaa")
		j.Forge, j.DeliveryID = forge, "d-old"
		if diff := cmp.Diff(queue.Enqueued{JobID: 41, Duplicate: true}, enqueue(t, q, j)); diff != "" {
			t.Errorf("%s redelivery of a delivery the old version took (-want +got):\n%s", forge, diff)
		}
	}
	j := job(1, "aaaa")
	j.DeliveryID = "d-new"
	if res := enqueue(t, q, j); res.Duplicate || res.JobID == 0 {
		t.Errorf("new delivery after the migration: %+v", res)
	}
	if _, err := queue.ExecForTest(t.Context(), q, `SELECT 1 FROM reviewer_deliveries`); err == nil {
		t.Error("the old delivery table is still there after the migration")
	}
	// Opening again finds nothing left to migrate.
	again, err := queue.Open(t.Context(), url, queue.ForTest(queue.Options{}))
	if err != nil {
		t.Fatalf("Open after the migration: %v", err)
	}
	again.Close()
}

func testUsage(t *testing.T, url string) {
	q, _ := open(t, url, queue.Options{})
	now := time.Date(2026, 11, 1, 23, 59, 0, 0, time.UTC)
	queue.SetNowForTest(q, func() time.Time { return now })
	u := q.Usage()
	ctx := t.Context()
	spent := func(key string, day int64) int64 {
		t.Helper()
		n, err := u.Spent(ctx, key, day)
		if err != nil {
			t.Fatalf("Spent(%q): %v", key, err)
		}
		return n
	}
	day := u.Today()
	if got := queue.DayStart(day); !got.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("DayStart(Today()) = %s, want 2026-11-01 00:00 UTC", got)
	}
	if n := spent("repo:github:octo/app", day); n != 0 {
		t.Errorf("nothing charged yet, Spent = %d", n)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := u.Charge(ctx, day, 1000, "repo:github:octo/app", "author:github:mona"); err != nil {
				t.Errorf("Charge: %v", err)
			}
		}()
	}
	wg.Wait()
	if err := u.Charge(ctx, day, 0, "repo:github:octo/app"); err != nil {
		t.Errorf("Charge of nothing: %v", err)
	}
	if n := spent("repo:github:octo/app", day); n != 8000 {
		t.Errorf("repo Spent = %d, want 8000 (eight concurrent charges of 1000)", n)
	}
	if n := spent("author:github:mona", day); n != 8000 {
		t.Errorf("author Spent = %d, want 8000", n)
	}
	now = now.Add(2 * time.Minute) // past midnight UTC
	if u.Today() != day+1 {
		t.Fatalf("Today() = %d after midnight, want %d", u.Today(), day+1)
	}
	if n := spent("repo:github:octo/app", u.Today()); n != 0 {
		t.Errorf("a new day starts at %d tokens, want 0", n)
	}
}

func testSameHead(t *testing.T, url string) {
	var q *queue.Queue
	var stale atomic.Int64
	rec := newRecorder(func(ctx context.Context, c call) error {
		// A newer job at the same head (a request of its own) supersedes no one.
		if s, err := q.Superseded(ctx, c.job); err != nil || s {
			stale.Add(1)
		}
		return nil
	})
	q, _ = open(t, url, queue.Options{Handler: rec.handle})
	a, b := job(1, "aaaa"), job(1, "aaaa")
	a.DeliveryID, b.DeliveryID = "d-1", "d-2"
	first := enqueue(t, q, a)
	second := enqueue(t, q, b)
	if diff := cmp.Diff(queue.Enqueued{JobID: first.JobID, Deduped: true}, second); diff != "" {
		t.Errorf("same head again (-want +got):\n%s", diff)
	}
	// A request whose requester the worker checks is a job of its own: it must not absorb,
	// nor be absorbed by, another request for the head.
	asked := job(1, "aaaa")
	asked.DeliveryID, asked.SenderID = "d-4", 77
	own := enqueue(t, q, asked)
	if own.Deduped || own.JobID == first.JobID {
		t.Errorf("a checked requester's job merged into another: %+v", own)
	}
	start(t, q)
	rec.next(t)
	rec.next(t)
	depthIs(t, q, map[string]int{"completed": 2})
	rec.settle(t, q, 2)
	if n := stale.Load(); n != 0 {
		t.Errorf("%d of the two jobs at one head took themselves for superseded", n)
	}

	// A /review of a head reviewed before runs again.
	b.DeliveryID = "d-3"
	third := enqueue(t, q, b)
	if third.Deduped || third.JobID == first.JobID {
		t.Errorf("after completion Enqueue = %+v, want a new job", third)
	}
	if c := rec.next(t); c.info.ID != third.JobID {
		t.Errorf("ran job %d, want %d", c.info.ID, third.JobID)
	}
}

func testNoHead(t *testing.T, url string) {
	q, _ := open(t, url, queue.Options{Debounce: time.Hour})
	headless := job(1, "")
	headless.Event = "issue_comment./review"
	lone := enqueue(t, q, headless)
	if lone.Deduped || lone.JobID == 0 {
		t.Fatalf("first job without head: %+v, want a new job", lone)
	}
	pushed := enqueue(t, q, job(1, "aaaa"))
	if diff := cmp.Diff(queue.Enqueued{JobID: pushed.JobID, Superseded: []int64{lone.JobID}}, pushed); diff != "" {
		t.Errorf("a head after a job without one (-want +got):\n%s", diff)
	}
	merged := enqueue(t, q, headless)
	if diff := cmp.Diff(queue.Enqueued{JobID: pushed.JobID, Deduped: true}, merged); diff != "" {
		t.Errorf("a job without head while one waits (-want +got):\n%s", diff)
	}
	// A /review whose requester the worker checks is not merged into the waiting push's
	// job, which the worker may turn down (an outsider's push), nor does it cancel it.
	asked := headless
	asked.SenderID = 77
	own := enqueue(t, q, asked)
	if own.JobID == 0 || own.JobID == pushed.JobID || own.Deduped || len(own.Superseded) != 0 {
		t.Errorf("a checked requester's job without head while a push's waits: %+v, want a job of its own", own)
	}
	if s, err := q.Superseded(t.Context(), job(1, "aaaa")); err != nil || s {
		t.Errorf("the push's head is superseded (%v, %v) by a request for it", s, err)
	}
	// A later push cancels the push's job; the request, for the older head, finds itself
	// superseded when it runs.
	newer := enqueue(t, q, job(1, "bbbb"))
	if diff := cmp.Diff([]int64{pushed.JobID}, newer.Superseded); diff != "" {
		t.Errorf("a newer head's superseded jobs (-want +got):\n%s", diff)
	}
	if s, err := q.Superseded(t.Context(), job(1, "aaaa")); err != nil || !s {
		t.Errorf("the request for the older head is not superseded (%v, %v)", s, err)
	}
	depthNow(t, q, map[string]int{"cancelled": 2, "available": 2})
}

func testBurst(t *testing.T, url string) {
	rec := newRecorder(nil)
	q, _ := open(t, url, queue.Options{Handler: rec.handle, Debounce: time.Second})
	start(t, q)
	var prev queue.Enqueued
	for i, head := range []string{"1111", "2222", "3333", "4444", "5555"} {
		res := enqueue(t, q, job(7, head))
		var want []int64
		if i > 0 {
			want = []int64{prev.JobID}
		}
		if diff := cmp.Diff(want, res.Superseded); diff != "" {
			t.Errorf("push %d superseded (-want +got):\n%s", i+1, diff)
		}
		prev = res
	}
	if c := rec.next(t); c.job.HeadSHA != "5555" || c.info.ID != prev.JobID {
		t.Errorf("ran %s (job %d), want the newest head 5555 (job %d)", c.job, c.info.ID, prev.JobID)
	}
	depthIs(t, q, map[string]int{"completed": 1, "cancelled": 4})
	rec.settle(t, q, 1)
}

func testCancelRunning(t *testing.T, url string) {
	var q *queue.Queue
	type outcome struct {
		cause      error
		superseded bool
		err        error
	}
	done := make(chan outcome, 1)
	rec := newRecorder(func(ctx context.Context, c call) error {
		if c.job.HeadSHA != "aaaa" {
			return nil
		}
		<-ctx.Done() // the test fails, below, if this never comes
		s, err := q.Superseded(context.WithoutCancel(ctx), c.job)
		if !queue.CancelledBySupersede(ctx) {
			err = fmt.Errorf("CancelledBySupersede is false; the cause is %w", context.Cause(ctx))
		}
		done <- outcome{context.Cause(ctx), s, err}
		return ctx.Err()
	})
	q, _ = open(t, url, queue.Options{Handler: rec.handle})
	start(t, q)
	old := enqueue(t, q, job(1, "aaaa"))
	rec.next(t)
	newer := enqueue(t, q, job(1, "bbbb"))
	if diff := cmp.Diff([]int64{old.JobID}, newer.Superseded); diff != "" {
		t.Errorf("superseded (-want +got):\n%s", diff)
	}
	var o outcome
	select {
	case o = <-done:
	case <-time.After(patience(t)):
		t.Fatal("the running job's context was not cancelled by the test's deadline")
	}
	t.Logf("running job cancelled (cause: %v)", o.cause)
	if o.err != nil || !o.superseded {
		t.Errorf("Superseded in the cancelled job = %v, %v; want true", o.superseded, o.err)
	}
	if c := rec.next(t); c.job.HeadSHA != "bbbb" {
		t.Errorf("then ran %s, want bbbb", c.job)
	}
	if s, err := q.Superseded(t.Context(), job(1, "aaaa")); err != nil || !s {
		t.Errorf("Superseded(aaaa) = %v, %v; want true", s, err)
	}
	if s, err := q.Superseded(t.Context(), job(1, "bbbb")); err != nil || s {
		t.Errorf("Superseded(bbbb) = %v, %v; want false", s, err)
	}
	depthIs(t, q, map[string]int{"completed": 1, "cancelled": 1, "running": 0})
}

func testHeadReturns(t *testing.T, url string) {
	rec := newRecorder(func(ctx context.Context, c call) error {
		if c.info.Attempt == 1 && c.job.HeadSHA == "aaaa" && c.job.DeliveryID == "d-1" {
			<-ctx.Done() // the first aaaa is cancelled by bbbb
			return ctx.Err()
		}
		return nil
	})
	q, _ := open(t, url, queue.Options{Handler: rec.handle, Debounce: time.Second})
	start(t, q)
	a := job(1, "aaaa")
	a.DeliveryID = "d-1"
	first := enqueue(t, q, a)
	rec.next(t)
	b := enqueue(t, q, job(1, "bbbb"))
	a.DeliveryID = "d-3" // a force push back to aaaa
	back := enqueue(t, q, a)
	if back.Deduped || back.JobID == first.JobID {
		t.Errorf("aaaa again = %+v: merged into the cancelled job %d", back, first.JobID)
	}
	if diff := cmp.Diff([]int64{b.JobID}, back.Superseded); diff != "" {
		t.Errorf("aaaa again superseded (-want +got):\n%s", diff)
	}
	if c := rec.next(t); c.info.ID != back.JobID {
		t.Errorf("ran job %d (%s), want %d", c.info.ID, c.job, back.JobID)
	}
	rec.settle(t, q, 2)
}

func testRetry(t *testing.T, url string) {
	rec := newRecorder(func(_ context.Context, c call) error {
		if c.info.Attempt == 1 {
			return errors.New("gateway: 502 bad gateway")
		}
		return nil
	})
	q, _ := open(t, url, queue.Options{Handler: rec.handle})
	start(t, q)
	res := enqueue(t, q, job(1, "aaaa"))
	if c := rec.next(t); c.info.Attempt != 1 {
		t.Errorf("first attempt = %d", c.info.Attempt)
	}
	if c := rec.next(t); c.info.Attempt != 2 || c.info.ID != res.JobID {
		t.Errorf("second call = job %d attempt %d, want job %d attempt 2", c.info.ID, c.info.Attempt, res.JobID)
	}
	depthIs(t, q, map[string]int{"completed": 1})
}

func testPermanent(t *testing.T, url string) {
	rec := newRecorder(func(context.Context, call) error {
		return queue.Permanent(errors.New("pull request not found"))
	})
	q, _ := open(t, url, queue.Options{Handler: rec.handle})
	start(t, q)
	enqueue(t, q, job(1, "aaaa"))
	rec.next(t)
	depthIs(t, q, map[string]int{"cancelled": 1, "retryable": 0, "available": 0})
	rec.settle(t, q, 1)
}

func testRetryAfter(t *testing.T, url string) {
	const hint = 1500 * time.Millisecond
	var (
		calls   atomic.Int64
		mu      sync.Mutex
		refused time.Time // when the first call returned its RetryAfter
	)
	rec := newRecorder(func(context.Context, call) error {
		if calls.Add(1) == 1 {
			mu.Lock()
			defer mu.Unlock()
			refused = time.Now()
			return queue.RetryAfter(errors.New("forge: 429 too many requests"), hint)
		}
		return nil
	})
	q, _ := open(t, url, queue.Options{Handler: rec.handle})
	start(t, q)
	enqueue(t, q, job(1, "aaaa"))
	rec.next(t)
	c := rec.next(t)
	// Both times are taken in the handler: the first before River sees the error and
	// schedules the job hint later, the second when the job runs again, so no delay of
	// this test's own can shorten the interval. (The database keeps times to the
	// millisecond: a few of those are slack, not a wait.)
	mu.Lock()
	waited := c.at.Sub(refused)
	mu.Unlock()
	// The wait for a rate limit spends no attempt.
	if c.info.Attempt != 1 || waited < hint-10*time.Millisecond {
		t.Errorf("attempt %d came %s after the first returned, want attempt 1 again after at least %s", c.info.Attempt, waited, hint)
	}
}

func testStopDrains(t *testing.T, url string) {
	release, finished := make(chan struct{}), make(chan struct{})
	rec := newRecorder(func(context.Context, call) error {
		<-release
		close(finished)
		return nil
	})
	q, _ := open(t, url, queue.Options{Handler: rec.handle})
	start(t, q)
	enqueue(t, q, job(1, "aaaa"))
	rec.next(t)
	// The job runs until Stop is waiting for it: River asks for the stop context's Done
	// once it has stopped fetching, to wait for the running jobs.
	ctx := &doneSpy{Context: t.Context(), waiting: make(chan struct{})}
	stopped := make(chan error, 1)
	go func() { stopped <- q.Stop(ctx) }()
	select {
	case <-ctx.waiting:
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) without waiting for the running job", err)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while the job was running", err)
	default:
	}
	close(release)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	case <-time.After(patience(t)):
		t.Fatal("Stop did not return once the job finished")
	}
	select {
	case <-finished:
	default:
		t.Error("Stop returned before the running job finished")
	}
	depthNow(t, q, map[string]int{"completed": 1})
}

// doneSpy is a context that says when Done is first asked for.
type doneSpy struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func (c *doneSpy) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

func testStopCancels(t *testing.T, url string) {
	rec := newRecorder(func(ctx context.Context, _ call) error {
		<-ctx.Done()
		return fmt.Errorf("post review: %w", ctx.Err())
	})
	q, _ := open(t, url, queue.Options{Handler: rec.handle})
	start(t, q)
	res := enqueue(t, q, job(1, "aaaa"))
	rec.next(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	// Back in the queue when Stop returns, with the interrupted attempt not counted.
	depthNow(t, q, map[string]int{"available": 1, "running": 0})

	rec2 := newRecorder(nil)
	q2, _ := open(t, url, queue.Options{Handler: rec2.handle})
	start(t, q2)
	if c := rec2.next(t); c.info.ID != res.JobID || c.info.Attempt != 1 {
		t.Errorf("after restart ran job %d attempt %d, want job %d attempt 1", c.info.ID, c.info.Attempt, res.JobID)
	}
}

func testTwoInstances(t *testing.T, url string) {
	jobs := 200
	if strings.HasPrefix(url, "sqlite:") {
		// Two instances on one SQLite file take turns on its lock (fsync'd commits, by
		// design): fewer jobs keep the test short and still interleave them.
		jobs = 60
	}
	var (
		mu   sync.Mutex
		runs = map[int]int{}
	)
	handle := func(_ context.Context, j queue.Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs[j.Number]++
		return nil
	}
	q1, logs1 := open(t, url, queue.Options{Handler: handle})
	q2, logs2 := open(t, url, queue.Options{Handler: handle})
	start(t, q1)
	start(t, q2)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			q := q1
			if w%2 == 1 {
				q = q2
			}
			for n := w; n < jobs; n += 4 {
				if _, err := q.Enqueue(t.Context(), job(n+1, fmt.Sprintf("%04x", n))); err != nil {
					t.Errorf("Enqueue: %v", err)
				}
			}
		})
	}
	wg.Wait()
	depthIs(t, q1, unfinished(0, map[string]int{"completed": jobs}), q2)
	// Every job is finished, so none is fetched again; stopping both instances waits for
	// any handler still running (a second run of a job would be one).
	for _, q := range []*queue.Queue{q1, q2} {
		if err := q.Stop(t.Context()); err != nil {
			t.Fatalf("Stop: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != jobs {
		t.Errorf("%d changes ran, want %d", len(runs), jobs)
	}
	for n, c := range runs {
		if c != 1 {
			t.Errorf("change %d ran %d times", n, c)
		}
	}
	noBusy(t, logs1, logs2)
}

func testConcurrentEnqueue(t *testing.T, url string) {
	q1, logs1 := open(t, url, queue.Options{Debounce: time.Hour})
	q2, logs2 := open(t, url, queue.Options{Debounce: time.Hour})
	const goroutines, each = 8, 15
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			q := q1
			if g%2 == 1 {
				q = q2
			}
			for i := range each {
				// Half go to one change, each with its own head; half to changes of their own.
				n, head := 1, fmt.Sprintf("%02d%02d", g, i)
				if i%2 == 1 {
					n = 100 + g*each + i
				}
				if _, err := q.Enqueue(t.Context(), job(n, head)); err != nil {
					t.Errorf("Enqueue: %v", err)
				}
			}
		})
	}
	wg.Wait()
	// Change 1 had 64 heads enqueued at once: one job is left waiting, the rest were
	// cancelled. The others have one job each.
	ones := goroutines * ((each + 1) / 2)
	others := goroutines * (each / 2)
	depthNow(t, q1, map[string]int{"available": 1 + others, "cancelled": ones - 1})
	noBusy(t, logs1, logs2)
}

// noBusy checks that no log line reports SQLite's lock contention, from the queue or
// from River's background work.
func noBusy(t *testing.T, logs ...*logBuffer) {
	t.Helper()
	for _, l := range logs {
		s := l.String()
		if strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked") {
			t.Errorf("logs report lock contention:\n%s", s)
		}
	}
}

func testCache(t *testing.T, url string) {
	q, _ := open(t, url, queue.Options{CacheMaxAge: time.Hour})
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	queue.SetNowForTest(q, func() time.Time { return now })
	c := q.Cache()
	ctx := t.Context()
	get := func(key string) ([]byte, bool) {
		t.Helper()
		v, ok, err := c.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get(%q): %v", key, err)
		}
		return v, ok
	}
	put := func(key string, val []byte) {
		t.Helper()
		if err := c.Put(ctx, key, val); err != nil {
			t.Fatalf("Put(%q): %v", key, err)
		}
	}
	if _, ok := get("missing"); ok {
		t.Error("Get of a missing key hit")
	}
	put("k", []byte(`{"findings":[]}`))
	if v, ok := get("k"); !ok || string(v) != `{"findings":[]}` {
		t.Errorf("Get(k) = %q, %v", v, ok)
	}
	put("k", []byte("\x00\xffnew")) // binary, replaced
	if v, ok := get("k"); !ok || string(v) != "\x00\xffnew" {
		t.Errorf("Get(k) after overwrite = %q, %v", v, ok)
	}
	put("empty", nil)
	if v, ok := get("empty"); !ok || v == nil || len(v) != 0 {
		t.Errorf("Get(empty) = %q (nil %v), %v; want a hit with an empty value", v, v == nil, ok)
	}
	now = now.Add(59 * time.Minute)
	if _, ok := get("k"); !ok {
		t.Error("entry expired before its max age")
	}
	now = now.Add(2 * time.Minute)
	if _, ok := get("k"); ok {
		t.Error("entry older than the max age hit")
	}
	put("k", []byte("fresh")) // a put restarts the age
	if v, ok := get("k"); !ok || string(v) != "fresh" {
		t.Errorf("Get(k) after refresh = %q, %v", v, ok)
	}
}
