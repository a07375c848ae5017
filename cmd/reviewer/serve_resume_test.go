package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
