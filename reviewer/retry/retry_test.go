package retry_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/retry"
)

var now = time.Unix(1_700_000_000, 0)

// parseCase is one header value and the wait it should read as.
type parseCase struct {
	name string
	v    string
	want time.Duration
	ok   bool
}

func checkParse(t *testing.T, fn string, parse func(string, time.Time) (time.Duration, bool), cases []parseCase) {
	t.Helper()
	for _, tt := range cases {
		got, ok := parse(tt.v, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %s(%q) = %v, %v; want %v, %v", tt.name, fn, tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAfter(t *testing.T) {
	t.Parallel()
	checkParse(t, "After", retry.After, []parseCase{
		{"seconds", "30", 30 * time.Second, true},
		{"spaces", " 7 ", 7 * time.Second, true},
		{"zero", "0", 0, true},
		{"fraction", "1.5", 1500 * time.Millisecond, true},
		{"http date", now.Add(time.Minute).UTC().Format(http.TimeFormat), time.Minute, true},
		{"http date in the past", now.Add(-time.Hour).UTC().Format(http.TimeFormat), 0, true},
		{"rfc 850 date", now.Add(2 * time.Second).UTC().Format(time.RFC850), 2 * time.Second, true},
		{"huge", "99999999999999999999", time.Duration(math.MaxInt64), true},
		{"just past a duration", "9223372037", time.Duration(math.MaxInt64), true},
		{"negative", "-5", 0, false},
		{"nan", "NaN", 0, false},
		{"infinite", "Inf", 0, false},
		{"garbage", "soon", 0, false},
		{"empty", "", 0, false},
	})
}

func TestSeconds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s    float64
		want time.Duration
		ok   bool
	}{
		{0.02, 20 * time.Millisecond, true},
		{1e300, time.Duration(math.MaxInt64), true},
		{-0.5, 0, false},
		{math.Inf(1), 0, false},
		{math.NaN(), 0, false},
	} {
		if got, ok := retry.Seconds(tt.s); got != tt.want || ok != tt.ok {
			t.Errorf("Seconds(%v) = %v, %v; want %v, %v", tt.s, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	checkParse(t, "Reset", retry.Reset, []parseCase{
		{"future", "1700000100", 100 * time.Second, true},
		{"now", "1700000000", 0, true},
		{"past", "1600000000", 0, true},
		{"huge", "9223372036854775807", time.Duration(math.MaxInt64), true},
		{"negative", "-1", 0, false},
		{"date, not epoch", now.UTC().Format(http.TimeFormat), 0, false},
		{"garbage", "later", 0, false},
		{"empty", "", 0, false},
	})
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		first   time.Duration
		attempt int
		limit   time.Duration
		want    time.Duration
	}{
		{time.Second, 0, time.Minute, time.Second},
		{time.Second, 1, time.Minute, 2 * time.Second},
		{time.Second, 5, time.Minute, 32 * time.Second},
		{time.Second, 6, time.Minute, time.Minute},
		{time.Second, 1000, time.Minute, time.Minute},
		{time.Minute, 63, time.Duration(math.MaxInt64), time.Minute << 27}, // stops doubling before it overflows
		{time.Second, -1, time.Minute, time.Second},
		{2 * time.Minute, 0, time.Minute, time.Minute},
	} {
		if got := retry.Backoff(tt.first, tt.attempt, tt.limit); got != tt.want {
			t.Errorf("Backoff(%v, %d, %v) = %v, want %v", tt.first, tt.attempt, tt.limit, got, tt.want)
		}
	}
}

func TestJitter(t *testing.T) {
	t.Parallel()
	if got := retry.Jitter(0); got != 0 {
		t.Errorf("Jitter(0) = %v", got)
	}
	d := 8 * time.Second
	seen := map[time.Duration]bool{}
	for range 200 {
		got := retry.Jitter(d)
		if got < d/2 || got > d {
			t.Fatalf("Jitter(%v) = %v, want within [%v, %v]", d, got, d/2, d)
		}
		seen[got] = true
	}
	if len(seen) < 2 {
		t.Errorf("Jitter(%v) gave one value in 200 draws: no jitter", d)
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- retry.Sleep(ctx, time.Hour) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep after cancel = %v, want context.Canceled", err)
	}
	if err := retry.Sleep(t.Context(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
}
