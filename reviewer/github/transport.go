package github

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/retry"
)

// countingTransport counts every request sent, for reviewer.CallCounter.
type countingTransport struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(req)
}

const (
	// maxWait caps one wait. When GitHub asks for a longer pause (a primary limit that
	// resets in an hour), the request fails at once with the rate-limit response, which
	// maps to reviewer.ErrRateLimited, instead of holding a worker.
	maxWait = 5 * time.Minute
	// secondaryWait is GitHub's advice for a secondary limit that names no wait: at least
	// a minute, then exponentially longer.
	secondaryWait = time.Minute
	// serverErrorWait is the first pause before retrying a read that got a 5xx.
	serverErrorWait = time.Second
	// defaultWriteGap is the pause GitHub asks for between content-creating requests, to
	// stay clear of secondary limits.
	defaultWriteGap = time.Second
	// peekLimit bounds how much of a 403 body is read to tell a secondary rate limit
	// from a permission error.
	peekLimit = 64 << 10
)

// retryTransport retries requests that hit a rate limit, and reads that hit a 5xx, with
// capped backoff. Writes are never retried after a 5xx: the write may have happened.
// It also spaces writes a second apart, as GitHub's best practices ask.
type retryTransport struct {
	next       http.RoundTripper
	maxRetries int
	sleep      func(ctx context.Context, d time.Duration) error
	now        func() time.Time
	logger     *slog.Logger
	// writeGap spaces writes; zero does not.
	writeGap time.Duration

	mu        sync.Mutex
	lastWrite time.Time
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := t.paceWrite(ctx, req.Method); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.Body != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		wait, retry := t.backoff(req, resp, attempt)
		if !retry || attempt >= t.maxRetries || wait > maxWait ||
			(attempt == 0 && req.Body != nil && req.GetBody == nil) {
			return resp, nil
		}
		t.logger.DebugContext(ctx, "github request retried",
			slog.String("method", req.Method), slog.String("path", req.URL.Path),
			slog.Int("status", resp.StatusCode), slog.Duration("wait", wait), slog.Int("attempt", attempt+1))
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, peekLimit))
		_ = resp.Body.Close()
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// paceWrite keeps content-creating requests at least writeGap apart. The pace is the
// client's, so every review sharing a token shares it, as GitHub's limits do.
func (t *retryTransport) paceWrite(ctx context.Context, method string) error {
	if method == http.MethodGet || method == http.MethodHead || t.writeGap <= 0 {
		return nil
	}
	t.mu.Lock()
	now := t.now()
	wait := t.lastWrite.Add(t.writeGap).Sub(now)
	if wait < 0 {
		wait = 0
	}
	t.lastWrite = now.Add(wait)
	t.mu.Unlock()
	if wait == 0 {
		return nil
	}
	return t.sleep(ctx, wait)
}

// backoff says whether resp is worth a retry, and after how long.
func (t *retryTransport) backoff(req *http.Request, resp *http.Response, attempt int) (time.Duration, bool) {
	switch {
	case resp.StatusCode == http.StatusTooManyRequests,
		resp.StatusCode == http.StatusForbidden && t.rateLimited(resp):
		if d, ok := retryAfter(resp.Header, t.now()); ok {
			return d, true
		}
		return retry.Backoff(secondaryWait, attempt, maxWait), true
	case resp.StatusCode >= 500 && (req.Method == http.MethodGet || req.Method == http.MethodHead):
		return retry.Backoff(serverErrorWait, attempt, maxWait), true
	}
	return 0, false
}

// rateLimited tells a 403 for a primary or secondary rate limit from a 403 for missing
// permissions. Only the body says so for some secondary limits, so it is read and put
// back for go-github.
func (t *retryTransport) rateLimited(resp *http.Response) bool {
	h := resp.Header
	if h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0" {
		return true
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, peekLimit))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return false
	}
	return strings.Contains(strings.ToLower(string(data)), "rate limit")
}

// retryAfter reads the wait GitHub asks for: Retry-After (seconds or a date), or the time
// left until x-ratelimit-reset when x-ratelimit-remaining is 0.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if d, ok := retry.After(h.Get("Retry-After"), now); ok {
		return d, true
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if d, ok := retry.Reset(h.Get("X-RateLimit-Reset"), now); ok {
			// One second more: the reset is rounded down to whole seconds. A reset too far
			// to add to has saturated, and is left so.
			if d <= math.MaxInt64-time.Second {
				d += time.Second
			}
			return d, true
		}
	}
	return 0, false
}
