package webhook

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

type nopEnqueuer struct{}

func (nopEnqueuer) Enqueue(context.Context, queue.Job) (queue.Enqueued, error) {
	return queue.Enqueued{JobID: 1}, nil
}
func (nopEnqueuer) Ready(context.Context) error { return nil }

const budgetTestSecret = "budget-test-secret"

// guard bounds how long a test waits for an event that should come at once; reaching it
// is a failure, not a measurement.
const guard = 30 * time.Second

// watched is a Server on a real listener, with a budget whose every change the test sees.
type watched struct {
	s    *Server
	url  string
	mu   sync.Mutex
	cond chan struct{} // closed and replaced on every change
	now  struct {
		readers int
		bytes   int64
	}
	peak int64
}

func newWatched(t *testing.T, cfg Config, b *budget) *watched {
	t.Helper()
	cfg.GitHubSecret = budgetTestSecret
	s, err := New(cfg, nopEnqueuer{})
	if err != nil {
		t.Fatal(err)
	}
	if b != nil {
		s.budget = b
	}
	w := &watched{s: s, cond: make(chan struct{})}
	s.budget.observe = func(readers, _ int, bytes int64) {
		w.mu.Lock()
		w.now.readers, w.now.bytes = readers, bytes
		w.peak = max(w.peak, bytes)
		close(w.cond)
		w.cond = make(chan struct{})
		w.mu.Unlock()
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	w.url = ts.URL
	return w
}

// until waits for the budget to reach a state.
func (w *watched) until(t *testing.T, what string, ok func(readers int, bytes int64) bool) {
	t.Helper()
	timeout := time.After(guard)
	for {
		w.mu.Lock()
		done, ch := ok(w.now.readers, w.now.bytes), w.cond
		w.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("the budget never got to %s", what)
		}
	}
}

// slow opens a connection that sends an unsigned delivery's headers, declaring length
// bytes (chunked when length is negative), and the first bytes of its body; the rest
// never comes. Its answer arrives on the channel.
func slow(t *testing.T, url string, length int64, first string) (net.Conn, <-chan *http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	framing := fmt.Sprintf("Content-Length: %d", length)
	if length < 0 {
		framing = "Transfer-Encoding: chunked"
		first = fmt.Sprintf("%x\r\n%s", 1<<20, first) // a 1 MiB chunk, begun
	}
	fmt.Fprintf(c, "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: pull_request\r\n"+
		"X-Hub-Signature-256: sha256=%s\r\n%s\r\n\r\n%s", strings.Repeat("0", 64), framing, first)
	answer := make(chan *http.Response, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			answer <- nil
			return
		}
		_ = resp.Body.Close()
		answer <- resp
	}()
	return c, answer
}

func status(t *testing.T, answer <-chan *http.Response) *http.Response {
	t.Helper()
	select {
	case resp := <-answer:
		if resp == nil {
			t.Fatal("the connection was closed without an answer")
		}
		return resp
	case <-time.After(guard):
		t.Fatal("no answer")
	}
	return nil
}

// signed posts a signed pull_request delivery and returns its status.
func signed(t *testing.T, url string) int {
	t.Helper()
	body, err := os.ReadFile("testdata/github/pull_request.opened.json")
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(budgetTestSecret))
	mac.Write(body)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url+"/webhooks/github", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "pull_request")
	req.Header.Set("X-GitHub-Delivery", "d-signed")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// The attack of issue #11: many connections declare 1 MiB unsigned bodies (or send them
// chunked) and send a few bytes. The server must not allocate what they declare: their
// buffers are charged to the budget and hold what arrived, and a signed delivery is
// still acknowledged meanwhile. Before the fix each took a 1 MiB buffer at once (200 MiB
// here). Not parallel: it measures the process's allocations.
func TestSlowBodiesHoldWhatArrived(t *testing.T) {
	const n = 200
	w := newWatched(t, Config{}, nil)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		length := int64(1 << 20)
		if i%4 == 0 {
			length = -1
		}
		slow(t, w.url, length, `{"action":"opened"`)
	}
	w.until(t, fmt.Sprintf("%d readers", n), func(readers int, _ int64) bool { return readers == n })
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	// Connections and goroutines of both ends take some: far less than a body each.
	if limit := uint64(n) * 64 << 10; allocated > limit {
		t.Errorf("%d slow bodies allocated %d bytes, want at most %d", n, allocated, limit)
	}
	if want := int64(n) * firstChunk; w.peak > want {
		t.Errorf("the budget charged %d bytes for %d bodies that sent a few bytes, want at most %d", w.peak, n, want)
	}
	if code := signed(t, w.url); code != http.StatusAccepted {
		t.Errorf("a signed delivery during the flood: %d, want 202", code)
	}
}

// When every reader is taken by slow bodies, a new delivery cuts off the one that has
// read longest (503, Retry-After, so the forge may redeliver) and is read itself.
func TestSlowBodyEvictedForNewDelivery(t *testing.T) {
	t.Parallel()
	w := newWatched(t, Config{MaxBody: 1 << 20}, newBudget(4, 4<<20, 0))
	var answers []<-chan *http.Response
	for i := range 4 {
		_, a := slow(t, w.url, 1<<20, `{"action":"opened"`)
		answers = append(answers, a)
		w.until(t, fmt.Sprintf("%d readers", i+1), func(readers int, _ int64) bool { return readers == i+1 })
	}
	if code := signed(t, w.url); code != http.StatusAccepted {
		t.Errorf("a signed delivery with every reader taken by slow bodies: %d, want 202", code)
	}
	resp := status(t, answers[0])
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("the oldest slow body: %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	w.until(t, "3 readers", func(readers int, _ int64) bool { return readers == 3 })
}

// The bytes are bounded too: bodies that send much and then stall are cut off, oldest
// first, to make room for a new one; the budget is never passed.
func TestStalledBodiesEvictedForBytes(t *testing.T) {
	t.Parallel()
	const budgetBytes = 256 << 10
	w := newWatched(t, Config{MaxBody: 100 << 10}, newBudget(100, budgetBytes, 0))
	prefix := `{"action":"opened"` + strings.Repeat(" ", 60<<10)
	var answers []<-chan *http.Response
	for range 6 {
		_, a := slow(t, w.url, 100<<10, prefix)
		answers = append(answers, a)
	}
	// The first ones were evicted for the later ones: 60 KiB arrived takes a 64 KiB
	// buffer, and at most three fit while a fourth grows.
	status(t, answers[0])
	if code := signed(t, w.url); code != http.StatusAccepted {
		t.Errorf("a signed delivery while stalled bodies hold the bytes: %d, want 202", code)
	}
	w.mu.Lock()
	peak := w.peak
	w.mu.Unlock()
	if peak > budgetBytes {
		t.Errorf("the bodies held %d bytes at once, budget %d", peak, budgetBytes)
	}
}

// A body that trickles is cut off once its time is up, with a status that says so.
func TestSlowBodyTimesOut(t *testing.T) {
	t.Parallel()
	w := newWatched(t, Config{BodyTimeout: 50 * time.Millisecond}, nil)
	_, answer := slow(t, w.url, 1<<20, `{"action":"opened"`)
	if resp := status(t, answer); resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("a body that never arrives: %d, want 408", resp.StatusCode)
	}
	w.until(t, "all given back", func(readers int, bytes int64) bool { return readers == 0 && bytes == 0 })
}

// When no reader can be evicted yet (all are within their grace), a new body waits for
// one at most budgetWait, then is answered 503 with Retry-After.
func TestBudgetWaitIsBounded(t *testing.T) {
	t.Parallel()
	w := newWatched(t, Config{}, newBudget(1, 64<<20, time.Hour))
	w.s.budgetWait = 10 * time.Millisecond
	slow(t, w.url, 1<<20, `{"action":"opened"`)
	w.until(t, "1 reader", func(readers int, _ int64) bool { return readers == 1 })
	_, answer := slow(t, w.url, 100, `{}`)
	resp := status(t, answer)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a body with no reader free: %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// A body that declares more than it sends and hangs up is a bad request, and what it was
// charged is given back.
func TestShortBodyGivesBack(t *testing.T) {
	t.Parallel()
	w := newWatched(t, Config{}, nil)
	c, answer := slow(t, w.url, 1<<20, `{"action":"opened"`)
	w.until(t, "1 reader", func(readers int, _ int64) bool { return readers == 1 })
	_ = c.(*net.TCPConn).CloseWrite()
	if resp := status(t, answer); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a body shorter than its Content-Length: %d, want 400", resp.StatusCode)
	}
	w.until(t, "all given back", func(readers int, bytes int64) bool { return readers == 0 && bytes == 0 })
}

// Those waiting to become readers take turns in the order they came: a delivery waits for
// the slow bodies that came before it, not for every one that comes after.
func TestBudgetTurns(t *testing.T) {
	t.Parallel()
	b := newBudget(1, 1<<20, time.Hour)
	var mu sync.Mutex
	changed := make(chan struct{}, 1)
	waiting := 0
	b.observe = func(_, w int, _ int64) {
		mu.Lock()
		waiting = w
		mu.Unlock()
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	untilWaiting := func(n int) {
		t.Helper()
		for {
			mu.Lock()
			w := waiting
			mu.Unlock()
			if w == n {
				return
			}
			select {
			case <-changed:
			case <-time.After(guard):
				t.Fatalf("never %d waiting", n)
			}
		}
	}
	first := &reading{start: time.Now(), cut: func() {}}
	if err := b.take(t.Context(), first, true, 1); err != nil {
		t.Fatal(err)
	}
	const n = 8
	admitted := make(chan int, n)
	rds := make([]*reading, n)
	for i := range n {
		rds[i] = &reading{start: time.Now(), cut: func() {}}
		go func() {
			if err := b.take(t.Context(), rds[i], true, 1); err != nil {
				t.Error(err)
			}
			admitted <- i
		}()
		untilWaiting(i + 1)
	}
	b.done(first)
	for want := range n {
		select {
		case got := <-admitted:
			if got != want {
				t.Fatalf("reader %d was admitted, want %d: they came in order", got, want)
			}
			b.done(rds[got])
		case <-time.After(guard):
			t.Fatalf("reader %d never admitted", want)
		}
	}
}

// A reader's grace runs from when it became one, not from when it came: a delivery that
// waited in line longer than the grace is not cut off the moment it is let in.
func TestGraceRunsFromAdmission(t *testing.T) {
	t.Parallel()
	b := newBudget(1, 1<<20, 100*time.Millisecond)
	cut := make(chan struct{})
	first := &reading{start: time.Now(), cut: func() { close(cut) }}
	if err := b.take(t.Context(), first, true, 1); err != nil {
		t.Fatal(err)
	}
	// The second waits in line until the first has read for the grace, and evicts it.
	second := &reading{start: time.Now(), cut: func() { t.Error("the second was cut off as it was let in") }}
	if err := b.take(t.Context(), second, true, 1); err != nil {
		t.Fatal(err)
	}
	<-cut
	// Counted from its arrival, the second has waited out the grace; from its admission
	// it has not, and a third must wait.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	third := &reading{start: time.Now(), cut: func() {}}
	if err := b.take(ctx, third, true, 1); err == nil {
		t.Error("the third was let in at once: the second was evicted on arrival")
	}
}
