package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
)

// Test secrets: distinctive, so that a test can search logs and answers for them.
const (
	testGitHubSecret = "gh-secret-Q7v2XkP9"
	testGitLabSecret = "gl-secret-M4t8RwZ1"
	testBot          = "reviewer-bot"
)

// recorder is an Enqueuer that records the jobs it is given.
type recorder struct {
	mu       sync.Mutex
	jobs     []queue.Job
	res      queue.Enqueued
	err      error
	readyErr error
	// check, when set, sees the context of every Enqueue.
	check func(ctx context.Context) error
}

func (r *recorder) Enqueue(ctx context.Context, j queue.Job) (queue.Enqueued, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.check != nil {
		if err := r.check(ctx); err != nil {
			return queue.Enqueued{}, err
		}
	}
	if r.err != nil {
		return queue.Enqueued{}, r.err
	}
	r.jobs = append(r.jobs, j)
	return r.res, nil
}

func (r *recorder) Ready(context.Context) error { return r.readyErr }

func (r *recorder) queued() []queue.Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]queue.Job(nil), r.jobs...)
}

// testConfig is the configuration most tests use: both forges on, the bot known.
func testConfig(t testing.TB) webhook.Config {
	return webhook.Config{
		GitHubSecret: testGitHubSecret,
		GitLabSecret: testGitLabSecret,
		BotLogins:    []string{testBot},
		Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Registry:     prometheus.NewRegistry(),
	}
}

func newServer(t testing.TB, cfg webhook.Config, enq webhook.Enqueuer) *webhook.Server {
	t.Helper()
	s, err := webhook.New(cfg, enq)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func fixture(t testing.TB, forge, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", forge, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signGitHub computes X-Hub-Signature-256 the way GitHub does.
func signGitHub(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// githubRequest is a delivery signed with testGitHubSecret.
func githubRequest(event, delivery string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/123abc")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	req.Header.Set("X-Hub-Signature-256", signGitHub(testGitHubSecret, body))
	return req
}

// gitlabRequest is a delivery with testGitLabSecret as its token.
func gitlabRequest(event, key string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitLab/17.5.1")
	req.Header.Set("X-Gitlab-Event", event)
	req.Header.Set("X-Gitlab-Token", testGitLabSecret)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return req
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// answer is the JSON body of an answer to a delivery.
type answer struct {
	Queued    bool   `json:"queued"`
	JobID     int64  `json:"job_id"`
	Duplicate bool   `json:"duplicate"`
	Deduped   bool   `json:"deduped"`
	Reason    string `json:"reason"`
	Error     string `json:"error"`
}

func decodeAnswer(t testing.TB, rec *httptest.ResponseRecorder) answer {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var a answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer %q: %v", rec.Body.String(), err)
	}
	return a
}

// setJSON returns body with the value at path replaced (or added); a nil value deletes
// it. It derives variants of the real payloads for cases no fixture covers.
func setJSON(t testing.TB, body []byte, value any, path ...string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	m := doc
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	last := path[len(path)-1]
	if value == nil {
		delete(m, last)
	} else {
		m[last] = value
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deliveries reads reviewer_webhook_deliveries_total{forge,event,outcome}.
func deliveries(t testing.TB, reg prometheus.Gatherer, forge, event, outcome string) float64 {
	t.Helper()
	m := findMetric(t, reg, "reviewer_webhook_deliveries_total", map[string]string{
		"forge": forge, "event": event, "outcome": outcome,
	})
	if m == nil {
		return 0
	}
	return m.GetCounter().GetValue()
}

// acks reads how many answers reviewer_webhook_ack_seconds{forge} observed.
func acks(t testing.TB, reg prometheus.Gatherer, forge string) uint64 {
	t.Helper()
	m := findMetric(t, reg, "reviewer_webhook_ack_seconds", map[string]string{"forge": forge})
	if m == nil {
		return 0
	}
	return m.GetHistogram().GetSampleCount()
}

func findMetric(t testing.TB, reg prometheus.Gatherer, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metric
				}
			}
			return m
		}
	}
	return nil
}
