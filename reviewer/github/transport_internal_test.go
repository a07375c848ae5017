package github

import (
	"context"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{"seconds", map[string]string{"Retry-After": "30"}, 30 * time.Second, true},
		{"http date", map[string]string{"Retry-After": now.Add(time.Minute).UTC().Format(http.TimeFormat)}, time.Minute, true},
		{"reset", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000100"}, 101 * time.Second, true},
		{"reset in the past", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1600000000"}, time.Second, true},
		{"remaining left", map[string]string{"X-RateLimit-Remaining": "10", "X-RateLimit-Reset": "1700000100"}, 0, false},
		{"nothing", nil, 0, false},
		{"garbage Retry-After falls back to the reset", map[string]string{"Retry-After": "soon", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000010"}, 11 * time.Second, true},
		// 18446744074s is just over 2⁶⁴ns: multiplied out it wrapped to 0.29s, a retry
		// GitHub never allowed; it saturates, and the request gives up (over maxWait).
		{"huge Retry-After", map[string]string{"Retry-After": "18446744074"}, math.MaxInt64, true},
		{"huge reset", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9223372036854775807"}, math.MaxInt64, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		got, ok := retryAfter(h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: retryAfter = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	tr := &retryTransport{now: func() time.Time { return now }}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://api.github.com/", nil)
	if d, ok := tr.backoff(req, &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}, 10); !ok || d != maxWait {
		t.Errorf("backoff after 10 secondary limits = %v, %v; want capped at %v", d, ok, maxWait)
	}
}

func TestPaceWrite(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	for _, tt := range []struct {
		gap  time.Duration
		want []time.Duration
	}{
		{time.Second, []time.Duration{time.Second, 2 * time.Second}},
		{0, nil},
	} {
		var slept []time.Duration
		tr := &retryTransport{writeGap: tt.gap, now: func() time.Time { return now },
			sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
		for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodPatch, http.MethodPost} {
			if err := tr.paceWrite(t.Context(), m); err != nil {
				t.Fatal(err)
			}
		}
		// Three writes at the same instant: the second waits one gap, the third two; reads
		// never wait.
		if !slices.Equal(slept, tt.want) {
			t.Errorf("gap %s: slept %v, want %v", tt.gap, slept, tt.want)
		}
	}
}
