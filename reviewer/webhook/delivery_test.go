package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
)

// stream is a body of n bytes made as it is read, counting what was read.
type stream struct {
	n, read int64
}

func (s *stream) Read(p []byte) (int, error) {
	if s.read >= s.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), s.n-s.read)
	for i := range p[:k] {
		p[i] = ' '
	}
	s.read += k
	return int(k), nil
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	syncBody := fixture(t, "github", "pull_request.synchronize.json")

	t.Run("small limit, known length", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		cfg.MaxBody = 1 << 10
		rec := &recorder{}
		s := newServer(t, cfg, rec)
		for _, req := range []*http.Request{
			githubRequest("pull_request", "d-1", syncBody),
			gitlabRequest("Merge Request Hook", "k-1", fixture(t, "gitlab", "merge_request.open.json")),
		} {
			resp := serve(s, req)
			if resp.Code != http.StatusRequestEntityTooLarge {
				t.Errorf("%s: status %d, want 413", req.URL.Path, resp.Code)
			}
			if a := decodeAnswer(t, resp); !strings.Contains(a.Error, "1024") {
				t.Errorf("%s: answer %+v does not give the limit", req.URL.Path, a)
			}
		}
		if jobs := rec.queued(); len(jobs) != 0 {
			t.Errorf("queued %v", jobs)
		}
	})

	t.Run("small limit, unknown length", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		cfg.MaxBody = 1 << 10
		s := newServer(t, cfg, &recorder{})
		req := githubRequest("pull_request", "d-2", nil)
		req.Body = io.NopCloser(bytes.NewReader(syncBody))
		req.ContentLength = -1
		if resp := serve(s, req); resp.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.Code)
		}
	})

	// A body over the default limit, streamed without a length, is cut at the limit:
	// the server never reads (or holds) the rest.
	t.Run("default limit, streamed", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, testConfig(t), &recorder{})
		body := &stream{n: webhook.DefaultMaxBody + 1<<20}
		req := githubRequest("pull_request", "d-3", nil)
		req.Body = io.NopCloser(body)
		req.ContentLength = -1

		resp := serve(s, req)

		if resp.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.Code)
		}
		if body.read > webhook.DefaultMaxBody+1 {
			t.Errorf("read %d bytes of %d, want at most the limit %d and one", body.read, body.n, webhook.DefaultMaxBody)
		}
	})

	t.Run("default limit, declared length", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, testConfig(t), &recorder{})
		body := &stream{n: webhook.DefaultMaxBody + 1}
		req := githubRequest("pull_request", "d-4", nil)
		req.Body = io.NopCloser(body)
		req.ContentLength = body.n

		resp := serve(s, req)

		if resp.Code != http.StatusRequestEntityTooLarge || body.read != 0 {
			t.Errorf("status %d after reading %d bytes, want 413 before reading any", resp.Code, body.read)
		}
	})

	t.Run("at the limit", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		cfg.MaxBody = int64(len(syncBody))
		rec := &recorder{}
		s := newServer(t, cfg, rec)
		req := githubRequest("pull_request", "d-5", syncBody)
		req.Body = io.NopCloser(bytes.NewReader(syncBody))
		req.ContentLength = -1
		if resp := serve(s, req); resp.Code != http.StatusAccepted || len(rec.queued()) != 1 {
			t.Errorf("status %d, jobs %d; want 202 and one job", resp.Code, len(rec.queued()))
		}
	})
}

func TestBadRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, forge, event string
		body               string
		contentType        string
		status             int
		msg                string
	}{
		{name: "truncated", forge: "github", event: "pull_request", body: `{"action":"opened",`, status: 400, msg: "malformed JSON payload"},
		{name: "array", forge: "github", event: "issue_comment", body: `[1,2]`, status: 400, msg: "malformed JSON payload"},
		{name: "wrong type", forge: "github", event: "pull_request", body: `{"action":"opened","pull_request":{"number":"2"}}`, status: 400, msg: "malformed JSON payload"},
		{name: "empty", forge: "github", event: "pull_request", body: ``, status: 400, msg: "malformed JSON payload"},
		{name: "form without payload", forge: "github", event: "pull_request", body: `x=1`, contentType: "application/x-www-form-urlencoded", status: 400, msg: "payload field"},
		{name: "no event header", forge: "github", event: "", body: `{}`, status: 400, msg: "X-GitHub-Event"},
		// An event that asks for nothing is not parsed at all.
		{name: "unhandled event", forge: "github", event: "push", body: `{`, status: 202},
		{name: "gitlab truncated", forge: "gitlab", event: "Merge Request Hook", body: `{`, status: 400, msg: "malformed JSON payload"},
		{name: "gitlab wrong type", forge: "gitlab", event: "Note Hook", body: `{"object_kind":"note","object_attributes":{"note":5}}`, status: 400, msg: "malformed JSON payload"},
		{name: "gitlab no event header", forge: "gitlab", event: "", body: `{}`, status: 400, msg: "X-Gitlab-Event"},
		// A system hook event the intake does not read may hold fields of other types.
		{name: "gitlab other system event", forge: "gitlab", event: "System Hook", body: `{"object_kind":"user_create","object_attributes":{"iid":"x"}}`, status: 202},
		{name: "gitlab unhandled hook", forge: "gitlab", event: "Pipeline Hook", body: `{`, status: 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			s := newServer(t, testConfig(t), rec)
			var req *http.Request
			if tt.forge == "github" {
				req = githubRequest(tt.event, "d-b", []byte(tt.body))
				if tt.event == "" {
					req.Header.Del("X-GitHub-Event")
				}
			} else {
				req = gitlabRequest(tt.event, "k-b", []byte(tt.body))
				if tt.event == "" {
					req.Header.Del("X-Gitlab-Event")
				}
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}

			resp := serve(s, req)

			if resp.Code != tt.status {
				t.Errorf("status %d, want %d (%s)", resp.Code, tt.status, resp.Body)
			}
			if a := decodeAnswer(t, resp); !strings.Contains(a.Error, tt.msg) {
				t.Errorf("answer %+v does not say %q", a, tt.msg)
			}
			if jobs := rec.queued(); len(jobs) != 0 {
				t.Errorf("queued %v", jobs)
			}
		})
	}
}

// TestEnqueueAnswers checks the body of a 202 for each result of Enqueue.
func TestEnqueueAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		res  queue.Enqueued
		want string
	}{
		{name: "queued", res: queue.Enqueued{JobID: 42}, want: `{"queued":true,"job_id":42}`},
		{name: "superseding", res: queue.Enqueued{JobID: 43, Superseded: []int64{40, 41}}, want: `{"queued":true,"job_id":43}`},
		{name: "deduped", res: queue.Enqueued{JobID: 42, Deduped: true}, want: `{"queued":true,"job_id":42,"deduped":true}`},
		{name: "duplicate", res: queue.Enqueued{Duplicate: true}, want: `{"queued":true,"duplicate":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, testConfig(t), &recorder{res: tt.res})
			resp := serve(s, githubRequest("pull_request", "d-e", fixture(t, "github", "pull_request.synchronize.json")))
			if resp.Code != http.StatusAccepted {
				t.Errorf("status %d, want 202", resp.Code)
			}
			if got := strings.TrimSpace(resp.Body.String()); got != tt.want {
				t.Errorf("body %s, want %s", got, tt.want)
			}
		})
	}
}

// TestEnqueueFailure: when the queue cannot store the job the forge gets 503, so that
// the delivery shows as failed and can be redelivered.
func TestEnqueueFailure(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	cfg := testConfig(t)
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	s := newServer(t, cfg, &recorder{err: errors.New("database is locked")})

	resp := serve(s, gitlabRequest("Merge Request Hook", "k-f", fixture(t, "gitlab", "merge_request.open.json")))

	if resp.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", resp.Code)
	}
	if got := resp.Header().Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After = %q, want 30", got)
	}
	a := decodeAnswer(t, resp)
	if a.Queued || !strings.Contains(a.Error, "redeliver") || strings.Contains(a.Error, "locked") {
		t.Errorf("answer %+v: want an error asking for redelivery, without the queue's error", a)
	}
	line := logLine(t, &logs, "delivery not queued")
	if line["level"] != "ERROR" || !strings.Contains(fmt.Sprint(line["error"]), "database is locked") ||
		!strings.Contains(fmt.Sprint(line["hint"]), "redeliver") {
		t.Errorf("log line %v: want an error with the queue's error and a redelivery hint", line)
	}
}

// TestEnqueueDetached: once the delivery is verified, storing its job neither depends on
// the forge waiting for the answer nor runs without a bound.
func TestEnqueueDetached(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.EnqueueTimeout = 3 * time.Second
	rec := &recorder{check: func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("enqueue context done: %w", err)
		}
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > 3*time.Second {
			return errors.New("enqueue context has no EnqueueTimeout deadline")
		}
		return nil
	}}
	s := newServer(t, cfg, rec)
	ctx, cancel := context.WithCancel(t.Context())
	req := githubRequest("pull_request", "d-c", fixture(t, "github", "pull_request.opened.json")).WithContext(ctx)
	cancel() // the forge hung up

	if resp := serve(s, req); resp.Code != http.StatusAccepted {
		t.Errorf("status %d, want 202 (%s)", resp.Code, resp.Body)
	}
}

// TestLogLines: every line about a delivery says which delivery, forge and event, and the
// change when known.
func TestLogLines(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	cfg := testConfig(t)
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	s := newServer(t, cfg, &recorder{res: queue.Enqueued{JobID: 42, Superseded: []int64{40}}})

	serve(s, githubRequest("pull_request", "d-queued", fixture(t, "github", "pull_request.synchronize.json")))
	serve(s, gitlabRequest("Merge Request Hook", "k-ignored", fixture(t, "gitlab", "merge_request.close.json")))
	bad := githubRequest("issue_comment", "d-rejected", []byte(`{}`))
	bad.Header.Set("X-Hub-Signature-256", signGitHub("wrong", []byte(`{}`)))
	serve(s, bad)

	ignoreTime := cmp.FilterPath(func(p cmp.Path) bool {
		k := p.Last().String()
		return k == `["time"]` || k == `["ack_seconds"]`
	}, cmp.Ignore())
	for _, tt := range []struct {
		msg  string
		want map[string]any
	}{
		{"delivery queued", map[string]any{
			"level": "INFO", "msg": "delivery queued", "forge": "github", "event": "pull_request",
			"delivery_id": "d-queued", "action": "synchronize", "repo": "Codertocat/Hello-World",
			"change": 2.0, "head_sha": helloHead, "sender": "Codertocat", "outcome": "queued",
			"status": 202.0, "job_id": 42.0, "superseded": []any{40.0},
		}},
		{"delivery ignored", map[string]any{
			"level": "INFO", "msg": "delivery ignored", "forge": "gitlab", "event": "Merge Request Hook",
			"delivery_id": "k-ignored", "action": "close", "repo": "gitlab-org/hello-world",
			"change": 1.0, "head_sha": "c4c79227ed610f1151f05bbc5be33b4f340d39c8", "sender": "sytses",
			"outcome": "ignored", "status": 202.0,
			"reason": `merge request action "close" does not trigger a review`,
		}},
		{"delivery rejected", map[string]any{
			"level": "WARN", "msg": "delivery rejected", "forge": "github", "event": "issue_comment",
			"delivery_id": "d-rejected", "outcome": "unauthorized", "status": 401.0,
			"error": "X-Hub-Signature-256 does not match the body",
		}},
	} {
		got := logLine(t, &logs, tt.msg)
		if diff := cmp.Diff(tt.want, got, ignoreTime); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.msg, diff)
		}
	}
}

// TestSecretsNeverShown runs deliveries of every kind and searches the logs, answers and
// errors for the secrets.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := testConfig(t)
	cfg.Logger = logger
	rec := &recorder{}
	s := newServer(t, cfg, rec)
	opened := fixture(t, "github", "pull_request.opened.json")
	mrOpen := fixture(t, "gitlab", "merge_request.open.json")

	var reqs []*http.Request
	reqs = append(reqs, githubRequest("pull_request", "d-1", opened))
	badSig := githubRequest("pull_request", "d-2", opened)
	badSig.Header.Set("X-Hub-Signature-256", signGitHub(testGitHubSecret, []byte("other")))
	reqs = append(reqs, badSig)
	secretAsSig := githubRequest("pull_request", "d-3", opened)
	secretAsSig.Header.Set("X-Hub-Signature-256", "sha256="+testGitHubSecret)
	reqs = append(reqs, secretAsSig, gitlabRequest("Merge Request Hook", "k-1", mrOpen))
	for _, tok := range []string{testGitLabSecret + "x", testGitHubSecret, ""} {
		r := gitlabRequest("Merge Request Hook", "k-2", mrOpen)
		r.Header.Set("X-Gitlab-Token", tok)
		reqs = append(reqs, r)
	}
	reqs = append(reqs, gitlabRequest("Merge Request Hook", "k-3", []byte(`{`)))

	var seen strings.Builder
	show := func(req *http.Request) {
		resp := serve(s, req)
		fmt.Fprintf(&seen, "%d %v %s\n", resp.Code, resp.Header(), resp.Body)
	}
	for _, req := range reqs {
		show(req)
	}
	rec.err, rec.readyErr = errors.New("queue down"), errors.New("queue down")
	show(githubRequest("pull_request", "d-4", opened))
	show(httptest.NewRequest(http.MethodGet, "/readyz", nil))
	logger.Info("config", slog.Any("config", cfg))
	fmt.Fprintf(&seen, "%v %+v %#v %s\n", cfg, cfg, cfg, cfg)
	_, err := webhook.New(webhook.Config{GitHubSecret: testGitHubSecret, GitLabSecret: testGitLabSecret, Command: "no way"}, rec)
	fmt.Fprintln(&seen, err)

	for name, text := range map[string]string{"logs": logs.String(), "answers and errors": seen.String()} {
		for _, secret := range []string{testGitHubSecret, testGitLabSecret} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contain the secret %q:\n%s", name, secret, text)
			}
		}
	}
	if !strings.Contains(logs.String(), `"github_secret_set":true`) {
		t.Errorf("the logged config does not say the secret is set:\n%s", logs.String())
	}
}

// lockedBuffer is a bytes.Buffer safe for a handler's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// logLine returns the first JSON log line with the message.
func logLine(t *testing.T, logs *lockedBuffer, msg string) map[string]any {
	t.Helper()
	for line := range strings.Lines(logs.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["msg"] == msg {
			return m
		}
	}
	t.Fatalf("no log line %q in:\n%s", msg, logs.String())
	return nil
}
