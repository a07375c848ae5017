package llm

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// baseBackoff is the first wait of the exponential backoff: 1s, 2s, 4s, ... before jitter.
const baseBackoff = time.Second

// retryWait returns how long to wait before retry n (1-based). A wait the server asked for
// (Retry-After, retry-after-ms, and on a 429 the x-ratelimit-reset-* headers) wins over
// the backoff; both are capped at Options.MaxRetryWait.
func (c *Client) retryWait(n int, h http.Header, rateLimited bool) time.Duration {
	if d, ok := serverWait(h, c.opts.Now(), rateLimited); ok {
		return min(d, c.opts.MaxRetryWait)
	}
	d := baseBackoff << min(n-1, 16)
	d = min(d, c.opts.MaxRetryWait)
	// "Equal jitter": half fixed, half random, so that chunks failing together do not
	// retry together and the wait still grows.
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1)) //nolint:gosec // jitter needs no cryptographic randomness
}

// serverWait reads the wait a response asked for.
func serverWait(h http.Header, now time.Time, rateLimited bool) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	// retry-after-ms is OpenAI's and Azure's more precise form.
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		return d, true
	}
	if !rateLimited {
		return 0, false
	}
	// OpenAI's rate-limit headers say when each window resets, as durations like "1s",
	// "6m0s" or "20ms"; the later of the two is when a retry can pass.
	var wait time.Duration
	found := false
	for _, k := range []string{"X-Ratelimit-Reset-Requests", "X-Ratelimit-Reset-Tokens"} {
		if d, err := time.ParseDuration(strings.TrimSpace(h.Get(k))); err == nil && d >= 0 {
			wait, found = max(wait, d), true
		}
	}
	return wait, found
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s > 1e6 {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
