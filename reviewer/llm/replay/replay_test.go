package replay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/llm"
	"github.com/reviewerbot/reviewer/reviewer/llm/replay"
)

const (
	apiKey     = "sk-recorder-secret-0123456789"
	gwSecret   = "Bearer gw-secret-abcdef987654"
	tagSecret  = "head-sha-seen-only-in-a-header"
	answerJSON = `{"findings":[{"path":"main.go","line":5,"end_line":5,"side":"new","severity":"error","rule_id":"","message":"nil dereference","quote":"println(*p)","suggestion":""}]}`
)

// completion is a chat completion carrying content.
func completion(model, content string) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion", "created": 1741569952, "model": model,
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]any{"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
	})
	return b
}

// gateway is a fake chat completions endpoint under /v1; answer gives the status and body
// of the n-th request (0-based).
type gateway struct {
	*httptest.Server
	n atomic.Int32
}

func newGateway(t *testing.T, answer func(n int, body []byte) (int, []byte)) *gateway {
	t.Helper()
	g := &gateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(g.n.Add(1)) - 1
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		status, resp := answer(n, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(resp)
	}))
	t.Cleanup(g.Close)
	return g
}

func prompt(user string) reviewer.Prompt {
	return reviewer.Prompt{
		Messages: []reviewer.Message{{Role: "system", Content: "Review <code> & answer in JSON."}, {Role: "user", Content: user}},
		Tags:     map[string]string{"repo": "acme/app", "head_sha": tagSecret},
	}
}

const userMsg = "Delimiter token: 0123\n\nReview this change.\nFILE main.go (modified)\n@@ -1,3 +1,5 @@\n5 + println(*p)\n"

func client(t *testing.T, baseURL string, rt http.RoundTripper, edit func(*llm.Options)) *llm.Client {
	t.Helper()
	o := llm.Options{
		BaseURL: baseURL, APIKey: apiKey, Model: "gpt-test",
		Headers:    map[string]string{"cf-aig-authorization": gwSecret},
		HTTPClient: &http.Client{Transport: rt},
		Timeout:    5 * time.Second,
		Sleep:      func(context.Context, time.Duration) error { return nil },
	}
	if edit != nil {
		edit(&o)
	}
	c, err := llm.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRecordThenReplay: what a recorder stored, a player answers with the same reply,
// behind another base URL, another key and other tags, sending nothing; and nothing
// secret was stored.
func TestRecordThenReplay(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(_ int, _ []byte) (int, []byte) { return http.StatusOK, completion("gpt-test", answerJSON) })
	dir := filepath.Join(t.TempDir(), "rec")
	rec, err := replay.NewRecorder(dir, nil, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	live, err := client(t, g.URL+"/v1", rec, nil).Review(t.Context(), prompt(userMsg))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Err() != nil || rec.Recorded() != 1 || g.n.Load() != 1 {
		t.Fatalf("recorded %d (err %v) of %d requests", rec.Recorded(), rec.Err(), g.n.Load())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 || !strings.HasSuffix(files[0], ".json") {
		t.Fatalf("files %v, want one KEY.json", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{apiKey, "gw-secret", tagSecret, "Bearer", "authorization"} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the recording holds %q:\n%s", secret, data)
		}
	}
	var e replay.Entry
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatal(err)
	}
	if e.Method != http.MethodPost || e.Path != "/chat/completions" || e.Status != 200 || e.Model != "gpt-test" || e.Request == nil || e.Response == nil {
		t.Errorf("entry %+v", e)
	}
	// Readable: the prompt is stored as text, not escaped.
	if !strings.Contains(string(data), "Review <code> & answer in JSON.") || !strings.Contains(string(data), `"messages": [`) {
		t.Errorf("the entry is not readable JSON:\n%s", data)
	}

	p, err := replay.NewPlayer(dir, replay.Options{BasePath: "/elsewhere/v1"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"gpt-test"}, p.Models()); diff != "" {
		t.Errorf("models (-want +got):\n%s", diff)
	}
	other := prompt(userMsg)
	other.Tags = map[string]string{"repo": "another/run", "head_sha": "0000"}
	replayed, err := client(t, "http://replay.invalid/elsewhere/v1", p, func(o *llm.Options) {
		o.APIKey = ""
		o.Headers = nil
	}).Review(t.Context(), other)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live, replayed); diff != "" {
		t.Errorf("replayed reply (-live +replayed):\n%s", diff)
	}
	if p.Played() != 1 || len(p.Misses()) != 0 || g.n.Load() != 1 {
		t.Errorf("played %d, missed %d, gateway saw %d requests", p.Played(), len(p.Misses()), g.n.Load())
	}
}

// missCounter sees every request that reaches the player, with its body.
type missCounter struct {
	next  http.RoundTripper
	mu    sync.Mutex
	n     int
	forms []string
}

func (m *missCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(req.Body)
	var parsed struct {
		ResponseFormat *struct {
			Type string `json:"type"`
		} `json:"response_format"`
	}
	_ = json.Unmarshal(body, &parsed)
	m.mu.Lock()
	m.n++
	if parsed.ResponseFormat != nil {
		m.forms = append(m.forms, parsed.ResponseFormat.Type)
	}
	m.mu.Unlock()
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	return m.next.RoundTrip(req)
}

// TestReplayMiss: a request the recording does not hold costs one request: the client
// retries nothing, asks no fallback model, keeps its response format and opens no
// breaker; the miss names the request's key, model and first lines.
func TestReplayMiss(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, err := replay.NewPlayer(dir, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	mc := &missCounter{next: p}
	c := client(t, "http://replay.invalid/v1", mc, func(o *llm.Options) {
		o.MaxRetries = 5
		o.InvalidRetries = 5
		o.FallbackModels = []string{"gpt-fallback"}
		o.BreakerThreshold = 2
	})
	for i := range 4 {
		_, err := c.Review(t.Context(), prompt(userMsg))
		if err == nil || !strings.Contains(err.Error(), "replay: no recorded answer for request") || !strings.Contains(err.Error(), "gpt-test") {
			t.Fatalf("review %d: %v", i, err)
		}
		if errors.Is(err, llm.ErrCircuitOpen) {
			t.Fatalf("review %d: the breaker opened on replay misses: %v", i, err)
		}
	}
	if mc.n != 4 {
		t.Errorf("%d requests for 4 reviews: a miss was retried or sent to a fallback model", mc.n)
	}
	if diff := cmp.Diff([]string{"json_schema", "json_schema", "json_schema", "json_schema"}, mc.forms); diff != "" {
		t.Errorf("response formats (-want +got):\n%s", diff)
	}
	misses := p.Misses()
	if len(misses) != 4 {
		t.Fatalf("%d misses", len(misses))
	}
	m := misses[0]
	if len(m.Key) != replay.KeyLen || m.Model != "gpt-test" || m.Path != "/chat/completions" {
		t.Errorf("miss %+v", m)
	}
	want := []string{"Delimiter token: 0123", "Review this change.", "FILE main.go (modified)", "@@ -1,3 +1,5 @@", "5 + println(*p)"}
	if diff := cmp.Diff(want, m.Excerpt); diff != "" {
		t.Errorf("excerpt (-want +got):\n%s", diff)
	}
	if s := m.String(); !strings.Contains(s, m.Key) || !strings.Contains(s, "model gpt-test") {
		t.Errorf("miss string %q", s)
	}

	// A side question (the eval judge) misses the same way: once.
	before := mc.n
	if _, _, err := c.Ask(t.Context(), prompt("is it the same issue?").Messages, "verdict", []byte(`{"type":"object"}`)); err == nil {
		t.Error("Ask answered from an empty recording")
	}
	if mc.n != before+1 {
		t.Errorf("Ask sent %d requests on a miss, want 1", mc.n-before)
	}
}

// TestRecorderKeepsTheFinalAnswer: answers that only say "not now" are not stored; the
// answer the client ends up with is, and a replay gives it at once.
func TestRecorderKeepsTheFinalAnswer(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(n int, _ []byte) (int, []byte) {
		switch n {
		case 0:
			return http.StatusInternalServerError, []byte(`{"error":{"message":"boom","type":"server_error"}}`)
		case 1:
			return http.StatusTooManyRequests, []byte(`{"error":{"message":"slow down","type":"rate_limit"}}`)
		}
		return http.StatusOK, completion("gpt-test", answerJSON)
	})
	dir := t.TempDir()
	rec, err := replay.NewRecorder(dir, nil, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client(t, g.URL+"/v1", rec, nil).Review(t.Context(), prompt(userMsg)); err != nil {
		t.Fatal(err)
	}
	if g.n.Load() != 3 || rec.Recorded() != 1 {
		t.Fatalf("gateway saw %d requests, %d stored; want 3 and 1", g.n.Load(), rec.Recorded())
	}
	p, err := replay.NewPlayer(dir, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := client(t, "http://replay.invalid/v1", p, nil).Review(t.Context(), prompt(userMsg))
	if err != nil || reply.Requests != 1 || len(reply.Findings) != 1 {
		t.Errorf("replay: %d requests, %d findings, %v", reply.Requests, len(reply.Findings), err)
	}
}

// TestReplayErrorAnswer: a recorded error answer is played back as the error it was, and
// an answer that is not JSON as the text it was.
func TestReplayErrorAnswer(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(_ int, body []byte) (int, []byte) {
		if strings.Contains(string(body), "too long") {
			return http.StatusBadRequest, []byte(`{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}`)
		}
		return http.StatusOK, []byte("<html>not JSON</html>")
	})
	dir := t.TempDir()
	rec, err := replay.NewRecorder(dir, nil, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t, g.URL+"/v1", rec, func(o *llm.Options) { o.MaxRetries = -1 })
	_, liveErr := c.Review(t.Context(), prompt("too long"))
	if !errors.Is(liveErr, reviewer.ErrTooLarge) {
		t.Fatalf("live: %v", liveErr)
	}
	_, liveText := c.Review(t.Context(), prompt("plain"))
	if liveText == nil {
		t.Fatal("a non-JSON answer was accepted")
	}
	data, _ := os.ReadFile(filepath.Join(dir, replay.Key("POST", "/chat/completions", lastBody(t, dir, "plain"))+".json"))
	if !strings.Contains(string(data), `"response_text": "<html>not JSON</html>"`) {
		t.Errorf("the text answer is not stored as text:\n%s", data)
	}

	p, err := replay.NewPlayer(dir, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	pc := client(t, "http://replay.invalid/v1", p, func(o *llm.Options) { o.MaxRetries = -1 })
	if _, err := pc.Review(t.Context(), prompt("too long")); !errors.Is(err, reviewer.ErrTooLarge) {
		t.Errorf("replayed: %v, want ErrTooLarge as live", err)
	}
	if _, err := pc.Review(t.Context(), prompt("plain")); err == nil || err.Error() != liveText.Error() {
		t.Errorf("replayed: %v, want the live error %v", err, liveText)
	}
	if len(p.Misses()) != 0 {
		t.Errorf("misses %v", p.Misses())
	}
}

// lastBody finds the stored request whose user message is user, as its body.
func lastBody(t *testing.T, dir, user string) []byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var e replay.Entry
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(e.Request), fmt.Sprintf("%q", user)) {
			return e.Request
		}
	}
	t.Fatalf("no request for %q", user)
	return nil
}

func TestReplayKey(t *testing.T) {
	t.Parallel()
	a := replay.Key("POST", "/chat/completions", []byte(`{"model":"m","messages":[{"role":"user","content":"<a> & b"}],"n":1.50}`))
	same := replay.Key("post", "/chat/completions", []byte("{\n  \"n\": 1.50,\n  \"messages\": [{\"content\": \"\\u003ca> \\u0026 b\", \"role\": \"user\"}],\n  \"model\": \"m\"\n}"))
	if a != same {
		t.Errorf("one request, two keys: %s and %s", a, same)
	}
	if len(a) != replay.KeyLen {
		t.Errorf("key %q is not %d long", a, replay.KeyLen)
	}
	for name, other := range map[string]string{
		"method":  replay.Key("PUT", "/chat/completions", []byte(`{"model":"m","messages":[{"role":"user","content":"<a> & b"}],"n":1.50}`)),
		"path":    replay.Key("POST", "/embeddings", []byte(`{"model":"m","messages":[{"role":"user","content":"<a> & b"}],"n":1.50}`)),
		"model":   replay.Key("POST", "/chat/completions", []byte(`{"model":"m2","messages":[{"role":"user","content":"<a> & b"}],"n":1.50}`)),
		"number":  replay.Key("POST", "/chat/completions", []byte(`{"model":"m","messages":[{"role":"user","content":"<a> & b"}],"n":1.5}`)),
		"content": replay.Key("POST", "/chat/completions", []byte(`{"model":"m","messages":[{"role":"user","content":"<a> & c"}],"n":1.50}`)),
	} {
		if other == a {
			t.Errorf("a request with another %s has the same key", name)
		}
	}
	if replay.Key("POST", "/x", []byte("not json")) == replay.Key("POST", "/x", []byte("not  json")) {
		t.Error("two different non-JSON bodies share a key")
	}
}

// TestPlayerRefusesBadRecordings: a recording that can not be trusted is not replayed in
// part.
func TestPlayerRefusesBadRecordings(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(_ int, _ []byte) (int, []byte) { return http.StatusOK, completion("gpt-test", answerJSON) })
	record := func(t *testing.T) (string, string) {
		dir := t.TempDir()
		rec, err := replay.NewRecorder(dir, nil, replay.Options{BasePath: "/v1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client(t, g.URL+"/v1", rec, nil).Review(t.Context(), prompt(userMsg)); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		return dir, files[0]
	}
	tests := []struct {
		name string
		edit func(t *testing.T, dir, file string)
		want string
	}{
		{"request edited", func(t *testing.T, _, file string) {
			data, _ := os.ReadFile(file)
			if err := os.WriteFile(file, []byte(strings.Replace(string(data), "Review this change.", "Review that change.", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "is not the key of its request"},
		{"renamed", func(t *testing.T, dir, file string) {
			if err := os.Rename(file, filepath.Join(dir, "0123.json")); err != nil {
				t.Fatal(err)
			}
		}, "must be named"},
		{"not an entry", func(t *testing.T, dir, _ string) {
			if err := os.WriteFile(filepath.Join(dir, "x.json"), []byte(`{"key": "x", "headers": {}}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}, `x.json: not a recorded exchange: json: unknown field "headers"`},
		{"missing directory", func(t *testing.T, dir, _ string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}, "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, file := record(t)
			tt.edit(t, dir, file)
			_, err := replay.NewPlayer(dir, replay.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewPlayer: %v, want %q", err, tt.want)
			}
		})
	}
	// The answer may be edited by hand: it is not part of the key.
	dir, file := record(t)
	data, _ := os.ReadFile(file)
	if err := os.WriteFile(file, []byte(strings.Replace(string(data), "nil dereference", "edited answer", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := replay.NewPlayer(dir, replay.Options{BasePath: "/v1"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := client(t, "http://replay.invalid/v1", p, nil).Review(t.Context(), prompt(userMsg))
	if err != nil || len(reply.Findings) != 1 || reply.Findings[0].Message != "edited answer" {
		t.Errorf("edited answer: %+v, %v", reply.Findings, err)
	}
}
