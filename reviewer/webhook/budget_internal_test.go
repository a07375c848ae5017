package webhook

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sync/semaphore"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

type nopEnqueuer struct{}

func (nopEnqueuer) Enqueue(context.Context, queue.Job) (queue.Enqueued, error) {
	return queue.Enqueued{JobID: 1}, nil
}
func (nopEnqueuer) Ready(context.Context) error { return nil }

// Bodies are read before they can be verified: the bytes read at once are bounded, and a
// body that would pass the bound waits for the ones being read.
func TestBodyBudget(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Insecure: true}, nopEnqueuer{})
	if err != nil {
		t.Fatal(err)
	}
	s.bodies = semaphore.NewWeighted(100)
	s.smallBody = 10

	post := func(body io.Reader, length int64) chan int {
		done := make(chan int, 1)
		r := httptest.NewRequest(http.MethodPost, "/webhooks/github", body)
		r.ContentLength = length
		r.Header.Set(headerGitHubEvent, "ping")
		go func() {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			done <- w.Code
		}()
		return done
	}
	// The first body (80 bytes) arrives slowly: it holds its share while it is read.
	slowR, slowW := io.Pipe()
	first := post(slowR, 80)
	if _, err := slowW.Write([]byte(`{"zen":"`)); err != nil {
		t.Fatal(err)
	}
	second := post(strings.NewReader(`{"zen":"Keep it logically awesome."}`+strings.Repeat(" ", 14)), 50)
	// The second waits for its share: a semaphore with a waiter grants nothing more,
	// not even the one byte of the 20 left. (Either it waits, or it is answered.)
	for s.bodies.TryAcquire(1) {
		s.bodies.Release(1)
		select {
		case code := <-second:
			t.Fatalf("the second body was read (%d) while the first held 80 of the 100 bytes", code)
		default:
			runtime.Gosched()
		}
	}
	select {
	case code := <-second:
		t.Fatalf("the second body was read (%d) while the first held 80 of the 100 bytes", code)
	default:
	}
	if _, err := slowW.Write([]byte(`Design for failure."}` + strings.Repeat(" ", 80-8-21))); err != nil {
		t.Fatal(err)
	}
	_ = slowW.Close()
	for i, ch := range []chan int{first, second} {
		if code := <-ch; code != http.StatusOK {
			t.Errorf("delivery %d: %d, want 200 (ping)", i+1, code)
		}
	}
	// Everything was given back.
	if !s.bodies.TryAcquire(100) {
		t.Error("the body budget was not released")
	}

	// With the budget used up, a small body is read at once, and a large one is answered
	// 503 once it has waited budgetWait.
	// (Had it waited, it would have been refused after budgetWait.)
	small := post(strings.NewReader(`{"zen":"x"}`[:10]), 10)
	if code := <-small; code == http.StatusServiceUnavailable {
		t.Errorf("a small body was refused for the budget")
	}
	large := post(strings.NewReader(strings.Repeat(" ", 50)), 50)
	if code := <-large; code != http.StatusServiceUnavailable {
		t.Errorf("a large body with no budget left: %d, want 503", code)
	}
}
