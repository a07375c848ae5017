package telemetry_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/reviewer/telemetry"
	"github.com/reviewerbot/reviewer/reviewer/telemetry/telemetrytest"
	"github.com/reviewerbot/reviewer/rules"
)

const (
	testToken = "ghp_tracingtokenthatmustnotleak0000"
	modelText = "Certificate checks are off: anyone on the path can read the traffic."
)

// scriptedModel answers every prompt with one finding and a fixed usage.
type scriptedModel struct{}

func (scriptedModel) Review(context.Context, reviewer.Prompt) (reviewer.Reply, error) {
	return reviewer.Reply{
		Findings: []reviewer.ModelFinding{{Path: "server/tls.go", Line: 7, Severity: "error", Message: modelText,
			Quote: "InsecureSkipVerify: true"}},
		Usage: reviewer.TokenUsage{PromptTokens: 1200, CompletionTokens: 80, CachedTokens: 1000},
		Model: "m-1", Requests: 1,
	}, nil
}

// TestReviewTrace reviews a pull request on the fake GitHub through the real adapter
// and checks the trace: one tree under the caller's span, a span for each stage and
// each forge request, and nothing in it that is a token, a query, code or model text.
func TestReviewTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tracer := telemetry.NewWithProcessor(telemetry.Options{SampleRatio: 1}, rec)
	t.Cleanup(func() { _ = tracer.Shutdown(context.Background()) })

	diff, err := os.ReadFile("testdata/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	f := fakegithub.New(t, fakegithub.Options{Prefix: "/api/v3", Repo: "acme/hostile", Number: 7, Token: testToken, Bot: "bot"})
	f.Push(fakegithub.Rev{Base: strings.Repeat("a", 40), Start: strings.Repeat("a", 40), Head: strings.Repeat("b", 40), Diff: string(diff)})
	client, err := github.New(github.Options{BaseURL: f.BaseURL(), Token: testToken,
		HTTPClient: &http.Client{Transport: tracer.Transport(f.Client().Transport)},
		Sleep:      func(context.Context, time.Duration) error { return nil }, WriteGap: -1})
	if err != nil {
		t.Fatal(err)
	}
	opts := reviewer.Options{Model: scriptedModel{}, ModelName: "m-1", Forge: client, Tracer: tracer,
		Prices: map[string]reviewer.Price{"m-1": {Input: 2, CachedInput: 0.5, Output: 8}}}
	ctx, root := tracer.Start(t.Context(), "review", slog.String("delivery_id", "delivery-1"))
	change := reviewer.Change{Forge: "github", Repo: f.Repo(), Number: f.Number()}
	res, err := reviewer.New(client, reviewer.TreeRules{Tree: client, Opts: rules.RepoOptions{}}, opts, nil).Review(ctx, reviewer.Request{Change: change})
	root.End(err)
	if err != nil {
		t.Fatalf("Review: %v", err)
	}
	if res.Published.Posted == 0 {
		t.Fatalf("nothing posted: %+v", res.Published)
	}

	spans := rec.Ended()
	var rootSpan sdktrace.ReadOnlySpan
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
		if s.Name() == "review" {
			rootSpan = s
		}
	}
	if rootSpan == nil {
		t.Fatal("no root span")
	}
	if got := attr(rootSpan, "delivery_id"); got != "delivery-1" {
		t.Errorf("root delivery_id = %q", got)
	}
	names := map[string]int{}
	for _, s := range spans {
		names[s.Name()]++
		if s.SpanContext().TraceID() != rootSpan.SpanContext().TraceID() {
			t.Errorf("span %q is in another trace", s.Name())
		}
		if s != rootSpan {
			if _, ok := byID[s.Parent().SpanID()]; !ok {
				t.Errorf("span %q has no parent in the trace", s.Name())
			}
		}
		// Nothing secret, no query, no code, no model text, in any name or attribute.
		texts := []string{s.Name()}
		for _, a := range s.Attributes() {
			texts = append(texts, string(a.Key)+"="+a.Value.String())
		}
		for _, txt := range texts {
			for _, bad := range []string{testToken, "?", "InsecureSkipVerify", "Certificate checks", "hostile"} {
				if strings.Contains(txt, bad) {
					t.Errorf("span %q carries %q in %q", s.Name(), bad, txt)
				}
			}
		}
	}
	for _, want := range []string{reviewer.SpanReadChange, reviewer.SpanRulesLoad, reviewer.SpanDiffFetch, reviewer.SpanFilter,
		reviewer.SpanPatterns, reviewer.SpanContextRead, reviewer.SpanChunkPlan, reviewer.SpanModelRequest, reviewer.SpanPublish,
		"GET /api/v3/repos/{}/{}/pulls/{}", "POST /api/v3/repos/{}/{}/pulls/{}/reviews"} {
		if names[want] == 0 {
			t.Errorf("no span %q; spans: %v", want, sortedKeys(names))
		}
	}
	for _, s := range spans {
		switch {
		case s.Name() == reviewer.SpanModelRequest:
			if attr(s, "model") != "m-1" || attr(s, "prompt_tokens") != "1200" || attr(s, "cached_tokens") != "1000" ||
				attr(s, "status") != "ok" || attr(s, "cost_usd") == "" || attr(s, "cost_usd") == "0" {
				t.Errorf("model span attributes: %v", s.Attributes())
			}
			if p := byID[s.Parent().SpanID()]; p != rootSpan {
				t.Errorf("model span's parent is %q, want the root", p.Name())
			}
		case strings.HasPrefix(s.Name(), "GET ") || strings.HasPrefix(s.Name(), "POST "):
			if s.SpanKind() != trace.SpanKindClient || attr(s, "http.response.status_code") == "" {
				t.Errorf("forge span %q: kind %v, attributes %v", s.Name(), s.SpanKind(), s.Attributes())
			}
			if p := byID[s.Parent().SpanID()]; p == rootSpan {
				t.Errorf("forge request %q is not under a stage", s.Name())
			}
		}
	}
}

// TestTransportOutsideTrace sends requests made outside a review untraced.
func TestTransportOutsideTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tracer := telemetry.NewWithProcessor(telemetry.Options{SampleRatio: 1}, rec)
	f := fakegithub.New(t, fakegithub.Options{Prefix: "/api/v3", Token: testToken})
	hc := &http.Client{Transport: tracer.Transport(f.Client().Transport)}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.BaseURL()+"user", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans for a request outside any trace", n)
	}
}

// TestNilTracer is tracing off: every method is safe and records nothing.
func TestNilTracer(t *testing.T) {
	var tr *telemetry.Tracer
	ctx, sp := tr.Start(t.Context(), "x", slog.Int("n", 1))
	sp.SetAttributes(slog.Int("m", 2))
	sp.End(nil)
	if trace.SpanFromContext(ctx).SpanContext().IsValid() {
		t.Error("a nil tracer put a span in the context")
	}
	base := http.DefaultTransport
	if tr.Transport(base) != base {
		t.Error("a nil tracer wrapped the transport")
	}
	if err := tr.Shutdown(t.Context()); err != nil {
		t.Error(err)
	}
	if got, err := telemetry.New(t.Context(), telemetry.Options{}); got != nil || err != nil {
		t.Errorf("New without an endpoint = %v, %v; want nil, nil", got, err)
	}
}

func TestRoute(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v3/repos/acme/widgets/pulls/12/reviews":          "/api/v3/repos/{}/{}/pulls/{}/reviews",
		"/api/v4/projects/group%2Fsub%2Fproj/merge_requests/3": "/api/v4/projects/{}/merge_requests/{}",
		"/repos/a/b/contents/src/secret/token.txt":             "/repos/{}/{}/contents/{}/{}/{}",
		"/v1/chat/completions":                                 "/v1/chat/completions",
		"/api/v4/projects/9/repository/files/a%2Fb.go/raw":     "/api/v4/projects/{}/repository/files/{}/raw",
		"":                                    "/",
		"/app/installations/42/access_tokens": "/app/installations/{}/access_tokens",
		"/repos/o/r/git/trees/" + strings.Repeat("c", 40):        "/repos/{}/{}/git/trees/{}",
		"/repos/o/r/statuses/" + strings.Repeat("d", 40) + "//x": "/repos/{}/{}/statuses/{}/{}",
	} {
		if got := telemetry.Route(in); got != want {
			t.Errorf("Route(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, c := range []struct {
		in       string
		insecure bool
		want     string // "" is an error
		protocol string
	}{
		{"https://collector:4317", false, "https://collector:4317", telemetry.ProtocolGRPC},
		{"http://collector:4317/", true, "http://collector:4317", telemetry.ProtocolGRPC},
		{"https://collector:4317/v1/traces", false, "", telemetry.ProtocolGRPC},
		{"https://collector:4318", false, "", "http/json"},
		{"https://collector:4318", false, "https://collector:4318/v1/traces", ""},
		{"https://collector:4318/", false, "https://collector:4318/v1/traces", ""},
		{"https://otlp.example/otlp/v1/traces", false, "https://otlp.example/otlp/v1/traces", ""},
		{"http://127.0.0.1:4318", true, "http://127.0.0.1:4318/v1/traces", ""},
		{"http://127.0.0.1:4318", false, "", ""},
		{"collector:4318", true, "", ""},
		{"https://user:pw@collector:4318", false, "", ""},
		{"https://collector:4318?token=x", false, "", ""},
	} {
		got, err := telemetry.ParseEndpoint(c.in, c.protocol, c.insecure)
		if (err != nil) != (c.want == "") || got != c.want {
			t.Errorf("ParseEndpoint(%q, %q, %v) = %q, %v; want %q", c.in, c.protocol, c.insecure, got, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, a := range s.Attributes() {
		if a.Key == attribute.Key(key) {
			return a.Value.String()
		}
	}
	return ""
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestExport sends a span through the real exporters, OTLP/HTTP and gRPC, to a
// receiver on loopback, with the configured headers, and Shutdown flushes it.
func TestExport(t *testing.T) {
	for _, c := range []struct {
		protocol string
		receiver func(testing.TB) *telemetrytest.Receiver
	}{
		{telemetry.ProtocolHTTP, telemetrytest.NewReceiver},
		{telemetry.ProtocolGRPC, telemetrytest.NewGRPCReceiver},
	} {
		t.Run(c.protocol, func(t *testing.T) {
			rcv := c.receiver(t)
			tr, err := telemetry.New(t.Context(), telemetry.Options{Endpoint: rcv.URL(), Protocol: c.protocol, Insecure: true,
				SampleRatio: 1, Headers: map[string]string{"x-api-key": "k1"}, Version: "v9"})
			if err != nil {
				t.Fatal(err)
			}
			ctx, root := tr.Start(t.Context(), "review", slog.String("delivery_id", "d-7"))
			_, child := tr.Start(ctx, reviewer.SpanPatterns, slog.Int("findings", 3))
			child.End(nil)
			root.End(context.DeadlineExceeded)
			if err := tr.Shutdown(t.Context()); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			spans := rcv.Spans()
			if len(spans) != 2 {
				t.Fatalf("%d spans received, want 2: %+v", len(spans), spans)
			}
			byName := map[string]telemetrytest.Span{}
			for _, s := range spans {
				byName[s.Name] = s
			}
			r, p := byName["review"], byName[reviewer.SpanPatterns]
			if r.Attrs["delivery_id"] != "d-7" || !r.Failed || r.ParentID != "" {
				t.Errorf("root span: %+v", r)
			}
			if p.ParentID != r.SpanID || p.TraceID != r.TraceID || p.Attrs["findings"] != "3" || p.Failed {
				t.Errorf("child span: %+v", p)
			}
			if hs := rcv.Headers(); len(hs) == 0 || hs[0].Get("X-Api-Key") != "k1" {
				t.Errorf("headers: %v", hs)
			}
		})
	}
}
