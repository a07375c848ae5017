package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/internal/pgtest"
)

// A `reviewer serve` killed with SIGKILL in the middle of two reviews, with the default
// queue.rescue_after (20 m), is restarted on the same queue: every acknowledged change
// is reviewed soon after, with no comment posted twice and one summary each. On SQLite
// the restart takes the dead process's jobs back at once; on PostgreSQL the new replica
// takes them once the dead one has been silent for queue.heartbeat_timeout, which the
// test shortens to 3 s (REVIEWER_TEST_HEARTBEAT_TIMEOUT sets another, 60s for the
// default: the figure in BENCHMARKS.md).
//
// With -v it prints the time from the restart to the last change reviewed.
func TestServeResumesAfterSIGKILL(t *testing.T) {
	t.Parallel()
	heartbeat := os.Getenv("REVIEWER_TEST_HEARTBEAT_TIMEOUT")
	if heartbeat == "" {
		heartbeat = "3s"
	}
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
		env  []string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db") }, nil},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }, []string{"REVIEWER_QUEUE_HEARTBEAT_TIMEOUT=" + heartbeat}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// The queue's defaults otherwise, rescue_after included: the figure is theirs.
			testResume(t, append(tc.env, "REVIEWER_QUEUE_URL="+tc.url(t)))
		})
	}
}

func testResume(t *testing.T, queueEnv []string) {
	const changes = 4
	fl := newGitHubFleet(t, changes)
	// The reviews of changes 0 and 1 are killed after they posted their comments and
	// summaries, on their way to the status: a rerun that posted again would show.
	fl.hold = func(repo int, r *http.Request) bool {
		return repo < 2 && r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/statuses/")
	}
	environ := append(append(fl.environ(), queueEnv...), "REVIEWER_QUEUE_WORKERS=2")
	p := startServe(t, environ)
	for i := range changes {
		body, headers := delivery(t, "opened", i, shaHead1)
		if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
			t.Fatalf("delivery %d: %d, want 202", i, code)
		}
	}
	// Both workers are then held: the other changes wait in the queue.
	waitFor(t, "changes 0 and 1 reviewed up to their status", func() bool {
		return fl.count(0, http.MethodPost, "pulls/7/reviews") == 1 && fl.count(1, http.MethodPost, "pulls/7/reviews") == 1
	})
	_ = p.stop(syscall.SIGKILL)
	// The held statuses never reach the forge (their client is dead); the next
	// process's are not held.
	fl.mu.Lock()
	fl.hold = nil
	fl.mu.Unlock()
	for i := range 2 {
		if fl.reviewed(i) {
			t.Fatalf("change %d: its killed review's status reached the forge", i)
		}
	}

	restarted := time.Now()
	p = startServe(t, environ)
	waitFor(t, "every change reviewed after the restart", func() bool {
		for i := range changes {
			if !fl.reviewed(i) {
				return false
			}
		}
		return true
	})
	t.Logf("%s: every acknowledged change reviewed %s after the restart", t.Name(), time.Since(restarted).Round(10*time.Millisecond))
	for i := range changes {
		if n := fl.count(i, http.MethodPost, "pulls/7/reviews"); n != 1 {
			t.Errorf("client-%d: %d reviews posted, want 1", i, n)
		}
		if n := fl.count(i, http.MethodPost, "issues/7/comments"); n != 1 {
			t.Errorf("client-%d: %d summaries created, want 1", i, n)
		}
		comments, _, _, statuses := fl.fakes[i].snapshot()
		if len(comments) != 2 {
			t.Errorf("client-%d: %d inline comments, want 2 (one per pattern finding)", i, len(comments))
		}
		if len(statuses) != 1 {
			t.Errorf("client-%d: %d statuses, want 1", i, len(statuses))
		}
	}
	if t.Failed() {
		t.Logf("logs of the restarted process:\n%s", p.logs.String())
	}
}

// Two replicas on PostgreSQL: one is killed in the middle of a review while its peer is
// in the middle of a long one. The peer takes the dead replica's review back (its
// heartbeat stopped, queue.heartbeat_timeout 3 s), and its own long review, running far
// longer than the timeout, is never taken from it and run again.
func TestServeReplicaTakesOverFromKilledPeer(t *testing.T) {
	t.Parallel()
	const theirs, ours = 0, 1
	fl := newGitHubFleet(t, 2)
	var killed atomic.Bool
	// The dead replica's review is held until the kill; the live one's until the end.
	fl.hold = func(repo int, r *http.Request) bool {
		return r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/statuses/") &&
			(repo == ours || !killed.Load())
	}
	environ := append(fl.environ(), "REVIEWER_QUEUE_URL="+pgtest.URL(t), "REVIEWER_QUEUE_HEARTBEAT_TIMEOUT=3s")
	// The doomed replica, with one worker, starts alone and takes the first change.
	doomed := startServe(t, append(environ, "REVIEWER_QUEUE_WORKERS=1"))
	body, headers := delivery(t, "opened", theirs, shaHead1)
	if code := deliver(t, doomed.addr, body, headers); code != http.StatusAccepted {
		t.Fatalf("delivery: %d, want 202", code)
	}
	waitFor(t, "the doomed replica's review up to its status", func() bool {
		return fl.count(theirs, http.MethodPost, "pulls/7/reviews") == 1
	})
	// The live replica takes the second change: the doomed one has no free worker. It
	// has a second worker for the dead one's review.
	live := startServe(t, append(environ, "REVIEWER_QUEUE_WORKERS=2"))
	body, headers = delivery(t, "opened", ours, shaHead1)
	if code := deliver(t, live.addr, body, headers); code != http.StatusAccepted {
		t.Fatalf("delivery: %d, want 202", code)
	}
	waitFor(t, "the live replica's review up to its status", func() bool {
		return fl.count(ours, http.MethodPost, "pulls/7/reviews") == 1
	})
	reads := fl.count(ours, http.MethodGet, "pulls/7")
	killed.Store(true)
	_ = doomed.stop(syscall.SIGKILL)
	// The fake notices the dead client by its closed connection: the held status then
	// never reaches the forge, even once the holds are released.
	fl.mu.Lock()
	held := fl.heldR
	fl.mu.Unlock()
	select {
	case <-held.Context().Done():
	case <-time.After(patience(t)):
		t.Fatal("the held request outlived its killed client")
	}

	waitFor(t, "the dead replica's change reviewed by the live one", func() bool { return fl.reviewed(theirs) })
	if !strings.Contains(live.logs.String(), "took back jobs of a dead replica") {
		t.Errorf("the live replica did not log taking the job back:\n%s", live.logs.String())
	}
	// Let the long review end; had it been taken back too, it would have run again on
	// the live replica's second worker by the time the queue settles.
	fl.release()
	waitFor(t, "the live replica's own review finished", func() bool { return fl.reviewed(ours) })
	if depth := queueSettled(t, live.addr); depth["completed"] != 2 {
		t.Errorf("queue %v, want the two jobs completed", depth)
	}
	if n := fl.count(ours, http.MethodGet, "pulls/7"); n != reads {
		t.Errorf("the live replica's own change was read %d times, %d before the kill: its review was run again", n, reads)
	}
	for i := range 2 {
		if n := fl.count(i, http.MethodPost, "pulls/7/reviews"); n != 1 {
			t.Errorf("client-%d: %d reviews posted, want 1", i, n)
		}
		if n := fl.count(i, http.MethodPost, "issues/7/comments"); n != 1 {
			t.Errorf("client-%d: %d summaries created, want 1", i, n)
		}
		if _, _, _, statuses := fl.fakes[i].snapshot(); len(statuses) != 1 {
			t.Errorf("client-%d: %d statuses, want 1", i, len(statuses))
		}
	}
}

// The same on GitLab, on SQLite: a merge request's review killed after it published its
// threads and summary, on its way to the status, is finished by the restart with no
// thread or summary twice.
func TestServeResumesGitLabAfterSIGKILL(t *testing.T) {
	t.Parallel()
	f := newGitLabFake(t, changeV1(t))
	var (
		killed atomic.Bool
		held   = make(chan *http.Request, 1)
		free   = make(chan struct{})
	)
	// In front of the fake: the first run's status is held until it is killed.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/statuses/") && !killed.Load() {
			body, _ := io.ReadAll(r.Body) // only then does the server watch the connection
			r.Body = io.NopCloser(bytes.NewReader(body))
			held <- r
			<-free
			if r.Context().Err() != nil {
				return // its client is dead: it never reached GitLab
			}
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	t.Cleanup(func() { close(free) })
	const token = glHookToken
	environ := []string{"REVIEWER_QUEUE_URL=sqlite://" + filepath.Join(t.TempDir(), "reviewer.db"),
		"REVIEWER_GITLAB_TOKEN=" + glToken, "REVIEWER_GITLAB_BASE_URL=" + front.URL, "REVIEWER_GITLAB_WEBHOOK_SECRET=" + token,
		"REVIEWER_SERVER_CLONES_MAX_MIB=0"}
	p := startServe(t, environ)

	glMROpen(t, p.addr, "open-1", shaHead1)
	var first *http.Request
	select {
	case first = <-held:
	case <-time.After(patience(t)):
		t.Fatalf("the review never reached its status:\n%s", p.logs.String())
	}
	killed.Store(true)
	_ = p.stop(syscall.SIGKILL)
	select {
	case <-first.Context().Done():
	case <-time.After(patience(t)):
		t.Fatal("the held request outlived its killed client")
	}
	before := f.snapshot()

	restarted := time.Now()
	startServe(t, environ)
	waitFor(t, "the merge request reviewed after the restart", func() bool { return len(f.snapshot().Statuses) > 0 })
	t.Logf("reviewed %s after the restart", time.Since(restarted).Round(10*time.Millisecond))
	after := f.snapshot()
	threads, summaries := 0, 0
	for _, d := range after.Discussions {
		if !d.Individual {
			threads++
		} else if len(d.Notes) > 0 && strings.Contains(d.Notes[0].Body, "reviewer:summary") {
			summaries++
		}
	}
	if threads != 2 || summaries != 1 || len(after.Discussions) != len(before.Discussions) {
		t.Errorf("%d threads and %d summaries (%d discussions before the restart, %d after), want 2 and 1, as before",
			threads, summaries, len(before.Discussions), len(after.Discussions))
	}
	if len(after.Statuses) != 1 || len(after.Drafts) != 0 {
		t.Errorf("%d statuses and %d drafts left, want 1 and none", len(after.Statuses), len(after.Drafts))
	}
}

// A second `reviewer serve` on the SQLite file another one serves is refused at start,
// with the file named: it would take the running reviews of the first for a dead
// process's and run them again.
func TestServeRefusesSharedSQLiteFile(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	path := filepath.Join(t.TempDir(), "reviewer.db")
	environ := append(fl.environ(), "REVIEWER_QUEUE_URL=sqlite://"+path)
	startServe(t, environ)
	r := runCmd(t, t.TempDir(), environ, "serve", "--listen", "127.0.0.1:0")
	if r.code != exitUsage || !strings.Contains(r.stderr, path+" is in use by another process") {
		t.Errorf("exit %d, stderr %q; want 2 and the file named in use", r.code, r.stderr)
	}
}
