package github_test

import (
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// TestRateLimitRetry checks that each kind of limit is waited out for as long as GitHub
// asks, then the request succeeds.
func TestRateLimitRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		limited  func(w http.ResponseWriter)
		wantWait func(d time.Duration) bool
	}{
		{
			name: "secondary 403 with Retry-After",
			limited: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "7")
				fakegithub.WriteJSON(w, http.StatusForbidden, map[string]any{
					"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
					"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
				})
			},
			wantWait: func(d time.Duration) bool { return d == 7*time.Second },
		},
		{
			name: "secondary 403 without headers",
			limited: func(w http.ResponseWriter) {
				fakegithub.WriteError(w, http.StatusForbidden, "You have exceeded a secondary rate limit and have been temporarily blocked from content creation.")
			},
			// GitHub asks for at least a minute when it names no wait.
			wantWait: func(d time.Duration) bool { return d == time.Minute },
		},
		{
			name: "primary 403 with x-ratelimit-reset",
			limited: func(w http.ResponseWriter) {
				w.Header().Set("X-RateLimit-Limit", "5000")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(30*time.Second).Unix(), 10))
				fakegithub.WriteError(w, http.StatusForbidden, "API rate limit exceeded for installation ID 1.")
			},
			wantWait: func(d time.Duration) bool { return d > 25*time.Second && d <= 32*time.Second },
		},
		{
			name: "429 with Retry-After",
			limited: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "3")
				fakegithub.WriteError(w, http.StatusTooManyRequests, "Too Many Requests")
			},
			wantWait: func(d time.Duration) bool { return d == 3*time.Second },
		},
		{
			name: "503 on a read",
			limited: func(w http.ResponseWriter) {
				fakegithub.WriteError(w, http.StatusServiceUnavailable, "Service Unavailable")
			},
			wantWait: func(d time.Duration) bool { return d == time.Second },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			var n atomic.Int32
			f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, _ *http.Request) {
				if n.Add(1) == 1 {
					tt.limited(w)
					return
				}
				fakegithub.WriteJSON(w, http.StatusOK, fixtureObject(t, "pull-request.json"))
			})
			c := f.client(t)
			if _, err := c.ReadChange(t.Context(), testChange); err != nil {
				t.Fatalf("ReadChange: %v", err)
			}
			waits := f.waits()
			if len(waits) != 1 || !tt.wantWait(waits[0]) {
				t.Errorf("waits = %v", waits)
			}
			if got := c.APICalls(); got != 2 {
				t.Errorf("APICalls = %d, want 2", got)
			}
		})
	}
}

// TestRateLimitTooLong checks that a limit resetting beyond the longest wait fails at
// once instead of holding the worker, and that later calls do not hit GitHub again.
func TestRateLimitTooLong(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		w.Header().Set("X-RateLimit-Resource", "core")
		fakegithub.WriteError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.")
	})
	c := f.client(t)
	for range 2 {
		_, err := c.ReadChange(t.Context(), testChange)
		if !errors.Is(err, reviewer.ErrRateLimited) {
			t.Fatalf("ReadChange error = %v, want ErrRateLimited", err)
		}
		// The error says when the limit lifts, so a queued review can wait for it.
		if reset, ok := reviewer.RateLimitReset(err); !ok || time.Until(reset) < 55*time.Minute || time.Until(reset) > 61*time.Minute {
			t.Errorf("RateLimitReset = %v, %v; want about an hour from now", reset, ok)
		}
	}
	if len(f.waits()) != 0 {
		t.Errorf("waits = %v, want none", f.waits())
	}
	if n := c.APICalls(); n != 1 {
		t.Errorf("APICalls = %d, want 1 (go-github refuses locally until the reset)", n)
	}
}

// TestNoRetry checks MaxRetries < 0, and that a write is not retried after a 5xx.
func TestNoRetry(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteError(w, http.StatusTooManyRequests, "Too Many Requests")
	})
	f.HandleFunc("POST /repos/octocat/Hello-World/statuses/{sha}", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteError(w, http.StatusBadGateway, "Server Error")
	})
	c := f.clientWith(t, github.Options{Token: testToken, MaxRetries: -1})
	if _, err := c.ReadChange(t.Context(), testChange); !errors.Is(err, reviewer.ErrRateLimited) {
		t.Errorf("ReadChange error = %v, want ErrRateLimited", err)
	}
	c2 := f.client(t)
	if err := c2.SetStatus(t.Context(), testChange, reviewer.StatusSuccess, "ok"); err == nil {
		t.Error("SetStatus: no error")
	}
	want := []string{
		"GET /repos/octocat/Hello-World/pulls/1347",
		"POST /repos/octocat/Hello-World/statuses/" + testHead,
	}
	if diff := cmp.Diff(want, f.Calls()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
