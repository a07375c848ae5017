package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	envServeBenchDelay   = "SERVE_BENCH_DELAY"
	envServeBenchWorkers = "SERVE_BENCH_WORKERS"
	envServeBenchGWConc  = "SERVE_BENCH_GATEWAY_CONCURRENCY"
	envServeBenchPoll    = "SERVE_BENCH_POLL_INTERVAL"
)

// Review throughput of `reviewer serve`: b.N changes (acme/client-0..N-1#7 of
// newGitHubFleet) are delivered at once to one serve process with
// REVIEWER_QUEUE_WORKERS workers on an SQLite queue, against a model gateway whose every
// answer takes a fixed delay, and the clock runs from the first delivery until every
// change has its commit status. ns/op is the wall time per review, reviews/s the
// throughput; model-requests/review counts the gateway's chat completions. Each change
// differs from the others by one line, so no review is answered from the service's cache.
//
// b.N is the number of changes, so give it explicitly; the default -benchtime (1s) stops
// at one change, which measures one review's latency, not throughput:
//
//	go test ./cmd/reviewer -run '^$' -bench BenchmarkServeReviews -benchtime 200x
//
// SERVE_BENCH_DELAY (default 300ms) and SERVE_BENCH_WORKERS (default 4) change the
// gateway's delay and the workers; SERVE_BENCH_GATEWAY_CONCURRENCY sets
// gateway.max_concurrency (default 4, shared by all the workers: with one model request
// per review, workers beyond it add nothing); SERVE_BENCH_POLL_INTERVAL sets
// queue.poll_interval (default quickQueue's 100ms; the service's default is 1s).
func BenchmarkServeReviews(b *testing.B) {
	n := b.N
	var err error
	delay := 300 * time.Millisecond
	if s := os.Getenv(envServeBenchDelay); s != "" {
		if delay, err = time.ParseDuration(s); err != nil || delay < 0 {
			b.Fatalf("%s=%q: want a duration", envServeBenchDelay, s)
		}
	}
	workers := 4
	if s := os.Getenv(envServeBenchWorkers); s != "" {
		if workers, err = strconv.Atoi(s); err != nil || workers < 1 {
			b.Fatalf("%s=%q: want a positive number", envServeBenchWorkers, s)
		}
	}
	t := testing.TB(b) // the helpers of serve_test.go take a testing.TB

	fl := newGitHubFleet(t, n)
	// Each change differs by a line, so that each review asks the model: the service's
	// answer cache (keyed by the prompt) would otherwise answer all but the first few.
	v1 := changeV1(t)
	const line = "+    return n\n"
	if !strings.Contains(v1.Diff, line) {
		t.Fatalf("change v1 has no line %q to make each change's own", line)
	}
	for i, f := range fl.fakes {
		rev := v1
		rev.Diff = strings.Replace(rev.Diff, line, fmt.Sprintf("+    return n  # change %d\n", i), 1)
		f.push(rev) // the same head, its own diff
	}
	gw, requests := newSlowGateway(t, delay)
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	environ := append(fl.environ(), quickQueue(db)...)
	environ = append(environ, gatewayEnv(gw)...)
	environ = append(environ, "REVIEWER_QUEUE_WORKERS="+strconv.Itoa(workers))
	// Later entries win over quickQueue's.
	if s := os.Getenv(envServeBenchGWConc); s != "" {
		environ = append(environ, "REVIEWER_GATEWAY_MAX_CONCURRENCY="+s)
	}
	if s := os.Getenv(envServeBenchPoll); s != "" {
		environ = append(environ, "REVIEWER_QUEUE_POLL_INTERVAL="+s)
	}
	p := startServe(t, environ)

	type signed struct {
		body    []byte
		headers http.Header
	}
	ds := make([]signed, n)
	for i := range ds {
		ds[i].body, ds[i].headers = delivery(t, "opened", i, shaHead1)
	}

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	refused := make(chan string, n)
	for range min(n, 16) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if code := deliver(t, p.addr, ds[i].body, ds[i].headers); code != http.StatusAccepted {
					refused <- fmt.Sprintf("change %d: %d", i, code)
				}
			}
		})
	}
	wg.Wait()
	close(refused)
	for r := range refused {
		t.Fatalf("delivery refused: %s", r)
	}
	waitFor(t, "every change reviewed", func() bool {
		for i := range n {
			if !fl.reviewed(i) {
				return false
			}
		}
		return true
	})
	wall := time.Since(start)
	b.StopTimer()

	for i := range n {
		if c := fl.count(i, http.MethodPost, "statuses"); c != 1 {
			b.Errorf("client-%d: %d statuses set, want 1 (one review)", i, c)
		}
	}
	b.ReportMetric(float64(wall.Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(float64(n)/wall.Seconds(), "reviews/s")
	b.ReportMetric(float64(requests.Load())/float64(n), "model-requests/review")
}

// newSlowGateway is newModelGateway's gateway, answering every request only after delay,
// as a model of fixed latency would. It counts the requests.
func newSlowGateway(t testing.TB, delay time.Duration) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	inner := newModelGateway(t, e2eModelFindings).Config.Handler
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &requests
}
