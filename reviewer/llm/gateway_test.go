package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/llm"
)

// This file holds the fake gateway the tests run the client against: an httptest server
// that checks every request against the reduced OpenAI description in testdata and
// answers from the recorded responses in testdata.

const (
	apiPath  = "/v1/chat/completions"
	specFile = "testdata/openapi.chat-completions.reduced.json"
	specURL  = "https://gateway.test/openapi.chat-completions.reduced.json"
	testKey  = "sk-test-0123456789abcdef"
	model    = "gpt-4o-2024-08-06"
)

// requestSchema is CreateChatCompletionRequest compiled from the reduced description. The
// whole OpenAPI document is loaded as one resource so that its #/components/schemas refs
// resolve; OpenAPI 3.1 schemas are JSON Schema 2020-12.
var requestSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	b, err := os.ReadFile(specFile)
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(specURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(specURL + "#/components/schemas/CreateChatCompletionRequest")
})

// validateRequest checks a request's method, path and body against the description.
func validateRequest(method, path string, body []byte) error {
	if method != http.MethodPost {
		return fmt.Errorf("method %s, want POST", method)
	}
	if path != apiPath {
		return fmt.Errorf("path %s, want %s", path, apiPath)
	}
	sch, err := requestSchema()
	if err != nil {
		return fmt.Errorf("compile request schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return sch.Validate(v)
}

// received is one request the fake gateway got.
type received struct {
	Model  string
	Format string // response_format.type, "" when absent
	Header http.Header
	Body   []byte
}

// reply is what the fake answers to one request.
type reply struct {
	status int
	header map[string]string
	body   []byte
	// hang holds the request until the client gives up.
	hang bool
	// until, when set, keeps the request in flight until it is closed.
	until <-chan struct{}
	// drop closes the connection without an answer.
	drop bool
}

// gateway is the fake. answer picks the reply to the n-th request (0-based).
type gateway struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(n int, r received) reply

	mu       sync.Mutex
	requests []received

	inFlight, maxInFlight atomic.Int32
}

func newGateway(t *testing.T, answer func(n int, r received) reply) *gateway {
	t.Helper()
	// Compile the schema before the first request, so its cost does not count against
	// the client's timeout in tests that use a short one.
	if _, err := requestSchema(); err != nil {
		t.Fatal(err)
	}
	g := &gateway{t: t, answer: answer}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *gateway) serve(w http.ResponseWriter, r *http.Request) {
	n := g.inFlight.Add(1)
	defer g.inFlight.Add(-1)
	for {
		m := g.maxInFlight.Load()
		if n <= m || g.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}

	body, err := io.ReadAll(r.Body)
	if err != nil {
		g.t.Errorf("read request body: %v", err)
		return
	}
	if err := validateRequest(r.Method, r.URL.Path, body); err != nil {
		g.t.Errorf("request does not match the OpenAI description: %v\nbody: %s", err, body)
		http.Error(w, `{"error":{"message":"invalid request","type":"invalid_request_error","param":null,"code":null}}`, http.StatusBadRequest)
		return
	}
	var parsed struct {
		Model          string `json:"model"`
		ResponseFormat *struct {
			Type string `json:"type"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(body, &parsed); err != nil {
		g.t.Errorf("decode request: %v", err)
	}
	rec := received{Model: parsed.Model, Header: r.Header.Clone(), Body: body}
	if parsed.ResponseFormat != nil {
		rec.Format = parsed.ResponseFormat.Type
	}
	g.mu.Lock()
	idx := len(g.requests)
	g.requests = append(g.requests, rec)
	g.mu.Unlock()

	rep := g.answer(idx, rec)
	if rep.hang {
		<-r.Context().Done()
		return
	}
	if rep.drop {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			g.t.Errorf("hijack: %v", err)
			return
		}
		_ = conn.Close()
		return
	}
	if rep.until != nil {
		select {
		case <-rep.until:
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.status == 0 {
		rep.status = http.StatusOK
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

func (g *gateway) received() []received {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]received(nil), g.requests...)
}

func (g *gateway) formats() []string {
	var out []string
	for _, r := range g.received() {
		out = append(out, r.Format)
	}
	return out
}

func (g *gateway) models() []string {
	var out []string
	for _, r := range g.received() {
		out = append(out, r.Model)
	}
	return out
}

// fixture reads a file of testdata.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// completion returns a recorded response with its message content replaced; edit, when
// set, changes the decoded response further (usage, finish reason).
func completion(t testing.TB, name, content string, edit func(map[string]any)) []byte {
	t.Helper()
	var resp map[string]any
	if err := json.Unmarshal(fixture(t, name), &resp); err != nil {
		t.Fatal(err)
	}
	choice := resp["choices"].([]any)[0].(map[string]any)
	choice["message"].(map[string]any)["content"] = content
	if edit != nil {
		edit(resp)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// okReply answers with the structured-output recording carrying content.
func okReply(t testing.TB, content string) reply {
	return reply{body: completion(t, "chat_completion.response.json_content.json", content, nil)}
}

// apiError is an error response in the API's {"error": {...}} shape.
func apiError(status int, message, typ, param, code string) reply {
	e := map[string]any{"message": message, "type": typ, "param": nil, "code": nil}
	if param != "" {
		e["param"] = param
	}
	if code != "" {
		e["code"] = code
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return reply{status: status, body: b}
}

func serverError() reply {
	return apiError(http.StatusInternalServerError,
		"The server had an error while processing your request. Sorry about that!", "server_error", "", "")
}

// answerJSON is a valid answer to testPrompt.
const answerJSON = `{"findings":[{"path":"main.go","line":5,"end_line":5,"side":"new","severity":"error",` +
	`"rule_id":"","message":"Dereferencing a nil pointer panics at run time.","quote":"println(*p)","suggestion":""}]}`

var wantFindings = []reviewer.ModelFinding{{
	Path: "main.go", Line: 5, EndLine: 5, Side: reviewer.SideNew, Severity: "error",
	Message: "Dereferencing a nil pointer panics at run time.", Quote: "println(*p)",
}}

// testPrompt is the prompt of the recorded request fixture, tagged like a real change.
func testPrompt(t testing.TB) reviewer.Prompt {
	t.Helper()
	var req struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(fixture(t, "chat_completion.request.json_schema.json"), &req); err != nil {
		t.Fatal(err)
	}
	p := reviewer.Prompt{
		Tags:            map[string]string{"repo": "acme/widgets", "change": "42", "head_sha": "a9c4f21e0b7d6c5a4f3e2d1c0b9a8f7e6d5c4b3a"},
		MaxOutputTokens: 1024,
	}
	for _, m := range req.Messages {
		p.Messages = append(p.Messages, reviewer.Message{Role: m.Role, Content: m.Content})
	}
	return p
}

// sleeper records the waits the client asks for and returns at once.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// clock is a manual clock for the circuit breaker and Retry-After dates.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setup returns a client of g with test defaults, changed by opts.
func setup(t *testing.T, g *gateway, opts func(*llm.Options)) (*llm.Client, *sleeper, *clock) {
	t.Helper()
	s, clk := &sleeper{}, newClock()
	o := llm.Options{
		BaseURL: g.srv.URL + "/v1",
		APIKey:  testKey,
		Model:   model,
		Timeout: 5 * time.Second,
		Sleep:   s.Sleep,
		Now:     clk.Now,
	}
	if opts != nil {
		opts(&o)
	}
	c, err := llm.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, s, clk
}

// fakeTime is a manual clock whose Sleep blocks until Advance has moved the clock past
// the wait, for tests that need callers to actually wait on one another.
type fakeTime struct {
	mu    sync.Mutex
	now   time.Time
	wake  chan struct{} // closed and replaced by every Advance
	waits []time.Duration
	// slept gets a value each time a Sleep starts.
	slept chan struct{}
}

func newFakeTime() *fakeTime {
	return &fakeTime{now: newClock().Now(), wake: make(chan struct{}), slept: make(chan struct{}, 1000)}
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	until := f.now.Add(d)
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	f.slept <- struct{}{}
	for {
		f.mu.Lock()
		if !f.now.Before(until) {
			f.mu.Unlock()
			return nil
		}
		wake := f.wake
		f.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (f *fakeTime) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	close(f.wake)
	f.wake = make(chan struct{})
}

func (f *fakeTime) Waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}
