// Package retry is the retry policy the forge and model clients share: reading the wait
// a server asks for (Retry-After, and the epoch-seconds reset of GitHub's and GitLab's
// rate limits), jittered exponential backoff with a cap, and a sleep that ends with its
// context. Time is always passed in, never read, so that callers inject their clock and
// tests wait on events rather than on the wall clock.
package retry

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxDuration is the longest wait a header can ask for; larger values saturate here
// instead of overflowing. Callers cap waits far below it.
const maxDuration = time.Duration(math.MaxInt64)

// After reads a Retry-After value (RFC 9110 §10.2.3): delay-seconds, or an HTTP date
// taken relative to now. A date in the past asks for no wait. It reports false for an
// empty, negative or unreadable value. Fractional seconds are accepted (some gateways
// send them), and a delay too large for a time.Duration saturates.
func After(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		return Seconds(s)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// Seconds turns a wait given in seconds into a duration, saturating when it is too large
// for one. It reports false for a negative, infinite or NaN value.
func Seconds(s float64) (time.Duration, bool) {
	if !(s >= 0) || math.IsInf(s, 1) { // also rejects NaN
		return 0, false
	}
	if s >= float64(maxDuration/time.Second) {
		return maxDuration, true
	}
	return time.Duration(s * float64(time.Second)), true
}

// Reset reads a rate-limit reset given as Unix seconds (GitHub's x-ratelimit-reset,
// GitLab's RateLimit-Reset) and returns the time left until it, zero when it has passed.
// It reports false for an empty, negative or unreadable value.
func Reset(v string, now time.Time) (time.Duration, bool) {
	s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || s < 0 {
		return 0, false
	}
	if s-now.Unix() >= int64(maxDuration/time.Second) {
		return maxDuration, true
	}
	return max(time.Unix(s, 0).Sub(now), 0), true
}

// Backoff is the wait before retry attempt (0 for the first retry): first doubled per
// attempt, capped at limit. It never overflows, however many attempts.
func Backoff(first time.Duration, attempt int, limit time.Duration) time.Duration {
	d := max(first, 0)
	for range max(attempt, 0) {
		if d >= limit || d > maxDuration/2 {
			break
		}
		d *= 2
	}
	return min(d, limit)
}

// Jitter spreads d with "equal jitter": half of it fixed, half random, so that requests
// failing together do not retry together and the wait still grows with d.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	half := d / 2
	return d - half + time.Duration(rand.Int64N(int64(half)+1)) //nolint:gosec // jitter needs no cryptographic randomness
}

// Sleep waits d on a timer, or until ctx ends, whose error it then returns. It is the
// default of the clients' injectable Sleep options.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
