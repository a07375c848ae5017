package github

import (
	"context"
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
	if d := exponential(secondaryWait, 10); d != maxWait {
		t.Errorf("exponential backoff is not capped: %v", d)
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
