package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// GitHub's documented test vector
// (https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation).
func TestSign(t *testing.T) {
	t.Parallel()
	got := sign([]byte("It's a Secret to Everybody"), []byte("Hello, World!"))
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one value, p50", []time.Duration{7}, 50, 7},
		{"one value, max", []time.Duration{7}, 100, 7},
		{"two values, p50 is the lower", []time.Duration{1, 2}, 50, 1},
		{"two values, p51 is the upper", []time.Duration{1, 2}, 51, 2},
		{"1..100 ms, p50", hundred, 50, 50 * time.Millisecond},
		{"1..100 ms, p90", hundred, 90, 90 * time.Millisecond},
		{"1..100 ms, p99", hundred, 99, 99 * time.Millisecond},
		{"1..100 ms, max", hundred, 100, 100 * time.Millisecond},
		{"1..100 ms, p99.5 rounds up", hundred, 99.5, 100 * time.Millisecond},
		{"tiny p is the minimum", hundred, 0.001, time.Millisecond},
		{"ten values, p99 is the maximum", hundred[:10], 99, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%d values, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestPercentilesSorts(t *testing.T) {
	t.Parallel()
	got := percentiles([]time.Duration{3 * time.Millisecond, time.Millisecond, 2500 * time.Microsecond, 2 * time.Millisecond})
	want := latencies{P50: 2, P90: 3, P99: 3, Max: 3}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("percentiles (-want +got):\n%s", diff)
	}
}

func readPayload(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", defaultPayload))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every delivery is a new change and head with a unique id, signed over its exact body.
func TestPrepare(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	ds, err := prepare(readPayload(t), secret, 50)
	if err != nil {
		t.Fatal(err)
	}
	hex40 := regexp.MustCompile(`^[0-9a-f]{40}$`)
	repos, heads, ids := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, d := range ds {
		var ev struct {
			Action      string `json:"action"`
			After       string `json:"after"`
			PullRequest struct {
				Number int `json:"number"`
				Head   struct {
					SHA string `json:"sha"`
				} `json:"head"`
			} `json:"pull_request"`
			Repository struct {
				Name     string `json:"name"`
				FullName string `json:"full_name"`
			} `json:"repository"`
		}
		if err := json.Unmarshal(d.body, &ev); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
		if ev.Action != "synchronize" || ev.PullRequest.Number != 2 {
			t.Errorf("delivery %d: action %q, number %d; want the payload's synchronize of #2", i, ev.Action, ev.PullRequest.Number)
		}
		if !strings.HasPrefix(ev.Repository.FullName, "acme/load-") || ev.Repository.FullName != "acme/"+ev.Repository.Name {
			t.Errorf("delivery %d: repository %q named %q", i, ev.Repository.FullName, ev.Repository.Name)
		}
		if !hex40.MatchString(ev.PullRequest.Head.SHA) || ev.After != ev.PullRequest.Head.SHA {
			t.Errorf("delivery %d: head %q, after %q; want one 40-hex SHA", i, ev.PullRequest.Head.SHA, ev.After)
		}
		repos[ev.Repository.FullName] = true
		heads[ev.PullRequest.Head.SHA] = true
		ids[d.header.Get("X-GitHub-Delivery")] = true
		if got := d.header.Get("X-GitHub-Event"); got != "pull_request" {
			t.Errorf("delivery %d: X-GitHub-Event %q", i, got)
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(d.body)
		if got, want := d.header.Get("X-Hub-Signature-256"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
			t.Errorf("delivery %d: signature %s, want %s", i, got, want)
		}
	}
	if len(repos) != len(ds) || len(heads) != len(ds) || len(ids) != len(ds) {
		t.Errorf("%d deliveries: %d repositories, %d heads, %d delivery ids; want all distinct", len(ds), len(repos), len(heads), len(ids))
	}
}

func TestPrepareRefusesOtherPayloads(t *testing.T) {
	t.Parallel()
	for _, payload := range []string{`[]`, `{"repository":{}}`, `{"repository":{},"pull_request":{}}`, `not json`} {
		if _, err := prepare([]byte(payload), []byte("s"), 1); err == nil {
			t.Errorf("prepare(%s) succeeded, want an error", payload)
		}
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	noEnv := func(string) string { return "" }
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want []string // substrings of the error; none: no error
	}{
		{"secret from the environment", nil, func(k string) string {
			if k == envSecret {
				return "x"
			}
			return ""
		}, nil},
		{"no secret", nil, noEnv, []string{"no webhook secret"}},
		{"bad values, all reported", []string{"-secret", "x", "-c", "0", "-n", "0", "-rate", "-1", "-d", "-1s", "-url", "ftp://h/x"},
			noEnv, []string{"-c 0", "-n 0", "-rate -1", "-d -1s is negative", `"ftp://h/x": want http`}},
		{"arguments", []string{"-secret", "x", "extra"}, noEnv, []string{"unexpected arguments"}},
		{"slow without a duration", []string{"-secret", "x", "-slow", "10"}, noEnv, []string{"-slow needs -d"}},
		{"slow rate", []string{"-secret", "x", "-slow", "10", "-d", "1s", "-slow-rate", "0"}, noEnv, []string{"-slow-rate must be positive"}},
		{"unknown flag", []string{"-bogus"}, noEnv, []string{"flag provided but not defined"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseFlags(tt.args, tt.env, io.Discard)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("parseFlags: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("parseFlags succeeded, want an error")
			}
			if code := exitCode(err, io.Discard); code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestFlagsRateTimesDuration(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-secret", "x", "-rate", "250", "-d", "3s"}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.n != 750 {
		t.Errorf("-rate 250 -d 3s prepares %d, want 750", cfg.n)
	}
}

// A run against a fake intake that checks each signature: every delivery counted, the
// refused ones by status.
func TestRun(t *testing.T) {
	t.Parallel()
	const secret = "loadgen-test-secret"
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Hub-Signature-256") != sign([]byte(secret), body) {
			http.Error(w, `{"error":"bad signature"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		id := r.Header.Get("X-GitHub-Delivery")
		dup := seen[id]
		seen[id] = true
		n := len(seen)
		mu.Unlock()
		if n%10 == 0 && !dup {
			http.Error(w, `{"error":"queue unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"queued":true,"job_id":1}`)
	}))
	t.Cleanup(srv.Close)
	payload := filepath.Join("..", "..", defaultPayload)
	for _, mode := range [][]string{{"-c", "4"}, {"-c", "2", "-rate", "2000"}} {
		var out, errOut bytes.Buffer
		args := append([]string{"-url", srv.URL + "/webhooks/github", "-payload", payload, "-n", "40", "-json"}, mode...)
		err := run(t.Context(), args, func(k string) string {
			if k == envSecret {
				return secret
			}
			return ""
		}, &out, &errOut)
		if code := exitCode(err, io.Discard); code != exitNotAccepted {
			t.Errorf("%v: exit %d (%v), want %d: 4 of 40 were refused", mode, code, err, exitNotAccepted)
		}
		var rep report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%v: the report is not JSON: %v\n%s", mode, err, out.String())
		}
		want := map[string]int{"503": 4}
		if rep.Deliveries != 40 || rep.Accepted != 36 || rep.Queued != 36 || !cmp.Equal(rep.Errors, want) {
			t.Errorf("%v: %d deliveries, %d accepted, %d queued, errors %v; want 40, 36, 36, %v", mode, rep.Deliveries, rep.Accepted, rep.Queued, rep.Errors, want)
		}
		if rep.Latency.Max <= 0 || rep.Latency.P50 > rep.Latency.P99 || rep.AcceptedPerSecond <= 0 {
			t.Errorf("%v: latency %+v, %.1f/s", mode, rep.Latency, rep.AcceptedPerSecond)
		}
		if (rep.Lag != nil) != (len(mode) > 2) {
			t.Errorf("%v: lag %v; want it for the open loop only", mode, rep.Lag)
		}
		mu.Lock()
		clear(seen)
		mu.Unlock()
	}
}

// The slow connections send their headers, then their body at the pace asked, and are
// opened again once the service answers; each answer is counted by status.
func TestSlowBody(t *testing.T) {
	t.Parallel()
	got := make(chan int64, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		if r.Header.Get("X-Hub-Signature-256") != "sha256="+strings.Repeat("0", 64) {
			t.Errorf("signature %q, want a well-formed wrong one", r.Header.Get("X-Hub-Signature-256"))
		}
		w.WriteHeader(http.StatusUnauthorized)
		select {
		case got <- n:
		default:
		}
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL + "/webhooks/github")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan struct{})
	st, wait := slowBody(ctx, u, slowConfig{conns: 2, size: 3000, prefix: 1000, rate: 100_000}, ready)
	<-ready
	// A connection sends its next body only after its answer is counted: of six bodies
	// on two connections, at least four answers are.
	for range 6 {
		if n := <-got; n != 3000 {
			t.Errorf("the service read %d bytes, want the declared 3000", n)
		}
	}
	cancel()
	wait()
	rep := st.report()
	if rep.Opened < 4 || rep.Answered["401"] < 4 {
		t.Errorf("report %+v: want at least 4 opened and 4 answered 401", rep)
	}
}
