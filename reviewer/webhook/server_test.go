package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
)

func TestRoutes(t *testing.T) {
	t.Parallel()
	s := newServer(t, testConfig(t), &recorder{})
	tests := []struct {
		method, path string
		status       int
		allow        string
		body         string
	}{
		{method: "GET", path: "/healthz", status: 200, body: "ok\n"},
		{method: "HEAD", path: "/healthz", status: 200},
		{method: "GET", path: "/readyz", status: 200, body: "ok\n"},
		{method: "GET", path: "/webhooks/github", status: 405, allow: "POST"},
		{method: "PUT", path: "/webhooks/gitlab", status: 405, allow: "POST"},
		{method: "POST", path: "/healthz", status: 405, allow: "GET, HEAD"},
		{method: "DELETE", path: "/metrics", status: 405, allow: "GET, HEAD"},
		{method: "POST", path: "/webhooks", status: 404},
		{method: "POST", path: "/webhooks/bitbucket", status: 404},
		{method: "POST", path: "/webhooks/github/", status: 404},
		{method: "GET", path: "/", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			resp := serve(s, httptest.NewRequest(tt.method, tt.path, nil))
			if resp.Code != tt.status {
				t.Errorf("status = %d, want %d", resp.Code, tt.status)
			}
			if got := resp.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.body != "" && resp.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", resp.Body, tt.body)
			}
		})
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ready  func(ctx context.Context) error
		status int
		body   string
	}{
		{name: "ready", ready: func(context.Context) error { return nil }, status: 200, body: "ok"},
		{
			name:   "queue down",
			ready:  func(context.Context) error { return errors.New("dial postgres://reviewer@db:5432: connection refused") },
			status: 503, body: "queue not ready",
		},
		{
			// The probe's deadline is short: Ready sees it and gives up.
			name: "queue slow",
			ready: func(ctx context.Context) error {
				if d, ok := ctx.Deadline(); !ok || time.Until(d) > 2*time.Second {
					return errors.New("no short deadline")
				}
				return context.DeadlineExceeded
			},
			status: 503, body: "queue did not answer within 2s",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, testConfig(t), readyFunc(tt.ready))

			resp := serve(s, httptest.NewRequest(http.MethodGet, "/readyz", nil))

			if resp.Code != tt.status || !strings.Contains(resp.Body.String(), tt.body) {
				t.Errorf("got %d %q, want %d %q", resp.Code, resp.Body, tt.status, tt.body)
			}
			// The queue's error stays in the log.
			if strings.Contains(resp.Body.String(), "postgres") {
				t.Errorf("body %q leaks the queue's error", resp.Body)
			}
		})
	}
}

// readyFunc is an Enqueuer whose Ready is the function.
type readyFunc func(ctx context.Context) error

func (f readyFunc) Ready(ctx context.Context) error { return f(ctx) }

func (f readyFunc) Enqueue(context.Context, queue.Job) (queue.Enqueued, error) {
	return queue.Enqueued{}, errors.New("not used")
}

func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.Registry = nil // New makes one, with the Go and process collectors.
	s := newServer(t, cfg, &recorder{})
	serve(s, githubRequest("ping", "d-m", []byte(`{}`)))
	// The caller may add its own metrics.
	extra := prometheus.NewCounter(prometheus.CounterOpts{Name: "reviewer_test_extra_total", Help: "test"})
	s.Registry().MustRegister(extra)

	resp := serve(s, httptest.NewRequest(http.MethodGet, "/metrics", nil))

	if resp.Code != http.StatusOK {
		t.Fatalf("status = %d", resp.Code)
	}
	for _, want := range []string{
		`reviewer_webhook_deliveries_total{event="ping",forge="github",outcome="ignored"} 1`,
		`reviewer_webhook_ack_seconds_count{forge="github"} 1`,
		"reviewer_test_extra_total 0",
		"go_goroutines",
	} {
		if !strings.Contains(resp.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestMetricsOutcomes sends one delivery of each outcome through one server.
func TestMetricsOutcomes(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.MaxBody = 64 << 10
	rec := &recorder{}
	s := newServer(t, cfg, rec)
	opened := fixture(t, "github", "pull_request.opened.json")

	serve(s, githubRequest("pull_request", "d-1", opened))
	rec.res.Duplicate = true
	serve(s, githubRequest("pull_request", "d-1", opened))
	rec.res.Duplicate, rec.res.Deduped = false, true
	serve(s, githubRequest("pull_request", "d-2", opened))
	serve(s, githubRequest("pull_request", "d-3", fixture(t, "github", "pull_request.closed.json")))
	bad := githubRequest("pull_request", "d-4", opened)
	bad.Header.Set("X-Hub-Signature-256", signGitHub("wrong", opened))
	serve(s, bad)
	serve(s, githubRequest("pull_request", "d-5", make([]byte, 65<<10)))
	serve(s, githubRequest("pull_request", "d-6", []byte(`{"action":`)))
	rec.err = errors.New("database is locked")
	serve(s, githubRequest("pull_request", "d-7", opened))
	serve(s, gitlabRequest("Push Hook", "k-1", fixture(t, "gitlab", "push.json")))

	for _, tt := range []struct {
		forge, event, outcome string
		want                  float64
	}{
		{"github", "pull_request", "queued", 1},
		{"github", "pull_request", "duplicate", 1},
		{"github", "pull_request", "deduped", 1},
		{"github", "pull_request", "ignored", 1},
		{"github", "pull_request", "unauthorized", 1},
		{"github", "pull_request", "too_large", 1},
		{"github", "pull_request", "bad_request", 1},
		{"github", "pull_request", "error", 1},
		{"gitlab", "other", "ignored", 1},
	} {
		if got := deliveries(t, s.Registry(), tt.forge, tt.event, tt.outcome); got != tt.want {
			t.Errorf("deliveries_total{%s,%s,%s} = %v, want %v", tt.forge, tt.event, tt.outcome, got, tt.want)
		}
	}
	if got := acks(t, s.Registry(), "github"); got != 8 {
		t.Errorf("ack_seconds{github} count = %d, want 8", got)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	if _, err := webhook.New(webhook.Config{}, nil); err == nil {
		t.Error("New with a nil Enqueuer: no error")
	}
	for _, cfg := range []webhook.Config{
		{Command: "/review now"},
		{MaxBody: -1},
		{EnqueueTimeout: -time.Second},
	} {
		if _, err := webhook.New(cfg, &recorder{}); err == nil {
			t.Errorf("New(%v): no error", cfg)
		}
	}
	reg := prometheus.NewRegistry()
	s := newServer(t, webhook.Config{Registry: reg}, &recorder{})
	if s.Registry() != reg {
		t.Error("Registry() is not the configured registry")
	}
	if _, err := webhook.New(webhook.Config{Registry: reg}, &recorder{}); err == nil {
		t.Error("second Server on one registry: no error")
	}
}

// TestNotConfigured: a forge without a secret refuses deliveries unless Insecure, and a
// secret that is set is checked even then.
func TestNotConfigured(t *testing.T) {
	t.Parallel()
	opened := fixture(t, "github", "pull_request.opened.json")
	unsignedGitHub := func() *http.Request {
		req := githubRequest("pull_request", "d-u", opened)
		req.Header.Del("X-Hub-Signature-256")
		return req
	}
	unsignedGitLab := func() *http.Request {
		req := gitlabRequest("Merge Request Hook", "k-u", fixture(t, "gitlab", "merge_request.open.json"))
		req.Header.Del("X-Gitlab-Token")
		return req
	}

	rec := &recorder{}
	off := newServer(t, webhook.Config{}, rec)
	for _, req := range []*http.Request{githubRequest("pull_request", "d-s", opened), unsignedGitHub(), unsignedGitLab()} {
		if resp := serve(off, req); resp.Code != http.StatusNotFound {
			t.Errorf("%s without a secret: status %d, want 404", req.URL.Path, resp.Code)
		}
	}
	if jobs := rec.queued(); len(jobs) != 0 {
		t.Errorf("queued %v", jobs)
	}

	insecure := newServer(t, webhook.Config{Insecure: true}, rec)
	for _, req := range []*http.Request{unsignedGitHub(), unsignedGitLab()} {
		if resp := serve(insecure, req); resp.Code != http.StatusAccepted {
			t.Errorf("%s with Insecure: status %d, want 202", req.URL.Path, resp.Code)
		}
	}
	if jobs := rec.queued(); len(jobs) != 2 {
		t.Errorf("Insecure queued %d jobs, want 2", len(jobs))
	}

	signedOnly := newServer(t, webhook.Config{Insecure: true, GitHubSecret: testGitHubSecret}, &recorder{})
	if resp := serve(signedOnly, unsignedGitHub()); resp.Code != http.StatusUnauthorized {
		t.Errorf("unsigned with a secret set and Insecure: status %d, want 401", resp.Code)
	}
}
