package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
)

// nopQueue stores nothing and answers at once, so the benchmark measures the intake.
type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, queue.Job) (queue.Enqueued, error) {
	return queue.Enqueued{JobID: 1}, nil
}

func (nopQueue) Ready(context.Context) error { return nil }

// BenchmarkDelivery is one signed pull_request.synchronize delivery (the octokit example,
// 28 KB) through ServeHTTP: read, verify, parse, decide, enqueue, answer, count, log
// (discarded).
func BenchmarkDelivery(b *testing.B) {
	body := fixture(b, "github", "pull_request.synchronize.json")
	s, err := webhook.New(webhook.Config{
		GitHubSecret: testGitHubSecret,
		BotLogins:    []string{testBot},
		Registry:     prometheus.NewRegistry(),
	}, nopQueue{})
	if err != nil {
		b.Fatal(err)
	}
	sig := signGitHub(testGitHubSecret, body)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "pull_request")
		req.Header.Set("X-GitHub-Delivery", "0b989ba4-242f-11e5-81e1-c7b6966d2516")
		req.Header.Set("X-Hub-Signature-256", sig)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
