package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/telemetry/telemetrytest"
)

const traceHeaderSecret = "trace-header-secret-that-must-not-leak"

// A service with telemetry.traces.endpoint sends one trace per review to an OTLP/HTTP
// collector: the job's root span with the delivery, the stages, the model and forge
// requests below it, and what is left is exported on SIGTERM.
func TestServeTraces(t *testing.T) {
	t.Parallel()
	rcv := telemetrytest.NewReceiver(t)
	fl := newGitHubFleet(t, 1)
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	environ := append(append(fl.environ(), quickQueue(db)...), gatewayEnv(newModelGateway(t, e2eModelFindings))...)
	environ = append(environ, "REVIEWER_TELEMETRY_TRACES_ENDPOINT="+rcv.URL(), "REVIEWER_TELEMETRY_TRACES_INSECURE=true",
		"REVIEWER_TELEMETRY_TRACES_HEADERS=x-api-key="+traceHeaderSecret)
	p := startServe(t, environ)
	body, headers := delivery(t, "opened", 0, shaHead1)
	if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
		t.Fatalf("delivery: %d, want 202", code)
	}
	waitFor(t, "client-0 reviewed", func() bool {
		return metric(t, p.addr, `reviewer_reviews_total{forge="github",outcome="reviewed"}`) == "1"
	})
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("serve: %v", err)
	}

	spans := rcv.Spans()
	var roots []telemetrytest.Span
	traces := map[string]bool{}
	names := map[string]int{}
	for _, s := range spans {
		traces[s.TraceID] = true
		names[s.Name]++
		if s.ParentID == "" {
			roots = append(roots, s)
		}
	}
	if len(roots) != 1 || len(traces) != 1 {
		t.Fatalf("%d root spans in %d traces, want one trace; spans: %v", len(roots), len(traces), names)
	}
	root := roots[0]
	want := map[string]string{"delivery_id": headers.Get("X-GitHub-Delivery"), "forge": "github", "repo": "acme/client-0",
		"change": "7", "head_sha": shaHead1, "attempt": "1"}
	for k, v := range want {
		if root.Name != "review.job" || root.Attrs[k] != v {
			t.Errorf("root span %q: %s = %q, want %q", root.Name, k, root.Attrs[k], v)
		}
	}
	for _, n := range []string{"queue.wait", reviewer.SpanRulesLoad, reviewer.SpanDiffFetch,
		reviewer.SpanFilter, reviewer.SpanPatterns, reviewer.SpanContextRead, reviewer.SpanChunkPlan, reviewer.SpanModelRequest,
		reviewer.SpanVerify, reviewer.SpanPublish, "POST /v1/chat/completions", "GET /api/v3/repos/{}/{}/pulls/{}",
		"POST /api/v3/repos/{}/{}/statuses/{}"} {
		if names[n] == 0 {
			t.Errorf("no span %q; spans: %v", n, names)
		}
	}
	byID := map[string]telemetrytest.Span{}
	for _, s := range spans {
		byID[s.SpanID] = s
	}
	purposes := map[string]string{} // purpose -> parent's name
	for _, s := range spans {
		if s.Name == reviewer.SpanModelRequest {
			purposes[s.Attrs["purpose"]] = byID[s.ParentID].Name
			if s.Attrs["model"] != "gpt-test" || s.Attrs["prompt_tokens"] == "" || s.Attrs["status"] != "ok" {
				t.Errorf("model request span: %v", s.Attrs)
			}
		}
		for k, v := range s.Attrs {
			for _, bad := range []string{ghToken, traceHeaderSecret, serveSecret, "?"} {
				if strings.Contains(s.Name, bad) || strings.Contains(k+"="+v, bad) {
					t.Errorf("span %q carries %q: %s=%s", s.Name, bad, k, v)
				}
			}
		}
	}
	if purposes["review"] != "review.job" || purposes["verify"] != reviewer.SpanVerify {
		t.Errorf("model requests by purpose, with their parents: %v; want review under the job, verify under %s", purposes, reviewer.SpanVerify)
	}
	hs := rcv.Headers()
	if len(hs) == 0 || hs[0].Get("X-Api-Key") != traceHeaderSecret {
		t.Errorf("export headers: %v", hs)
	}
}

func TestParseTraceHeaders(t *testing.T) {
	got, err := parseHeaders("a=1, b = two\nc=x=y")
	if err != nil || len(got) != 3 || got["a"] != "1" || got["b"] != "two" || got["c"] != "x=y" {
		t.Errorf("parseHeaders = %v, %v", got, err)
	}
	if _, err := parseHeaders("token-without-name"); err == nil || strings.Contains(err.Error(), "token") {
		t.Errorf("a pair without = gave %v, want an error that does not quote it", err)
	}
}

func TestTracesConfigValidate(t *testing.T) {
	for _, c := range []struct {
		tc   TracesConfig
		want string // "" is valid
	}{
		{TracesConfig{SampleRatio: 1}, ""},
		{TracesConfig{Endpoint: "https://collector:4318", SampleRatio: 0.1}, ""},
		{TracesConfig{Endpoint: "http://collector:4318", Insecure: true, SampleRatio: 1}, ""},
		{TracesConfig{Endpoint: "http://collector:4318", SampleRatio: 1}, "telemetry.traces.endpoint"},
		{TracesConfig{Endpoint: "collector:4318", SampleRatio: 1}, "telemetry.traces.endpoint"},
		{TracesConfig{SampleRatio: 1.5}, "telemetry.traces.sample_ratio"},
		{TracesConfig{Endpoint: "https://collector:4317", Protocol: "grpc", SampleRatio: 1}, ""},
		{TracesConfig{Endpoint: "https://collector:4317", Protocol: "thrift", SampleRatio: 1}, "telemetry.traces.endpoint"},
		{TracesConfig{SampleRatio: 1, Headers: "a=b", HeadersFile: "h"}, "set one, not both"},
		{TracesConfig{SampleRatio: 1, Headers: "secret-without-name"}, "telemetry.traces.headers"},
	} {
		errs := TelemetryConfig{Traces: c.tc}.validate()
		switch {
		case c.want == "" && len(errs) > 0:
			t.Errorf("%+v: %v", c.tc, errs)
		case c.want != "" && (len(errs) != 1 || !strings.Contains(errs[0].Error(), c.want)):
			t.Errorf("%+v: %v, want one error naming %q", c.tc, errs, c.want)
		case len(errs) > 0 && strings.Contains(errs[0].Error(), "secret-without-name"):
			t.Errorf("the error quotes the header: %v", errs[0])
		}
	}
}

// reviewer review sends its one review as a trace, flushed before it exits; the AWS key
// the demo diff adds is in no span.
func TestReviewTraces(t *testing.T) {
	t.Parallel()
	rcv := telemetrytest.NewReceiver(t)
	r := runCmd(t, t.TempDir(), []string{"REVIEWER_TELEMETRY_TRACES_ENDPOINT=" + rcv.URL(), "REVIEWER_TELEMETRY_TRACES_INSECURE=true"},
		"review", "--diff", demoDiff(t), "--format", "json")
	if r.code != exitFindings {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitFindings, r.stderr)
	}
	names := map[string]int{}
	roots := 0
	for _, s := range rcv.Spans() {
		names[s.Name]++
		if s.ParentID == "" {
			roots++
		}
		for k, v := range s.Attrs {
			if strings.Contains(v, "AKIA") || strings.Contains(v, "verify=False") {
				t.Errorf("span %q carries code: %s=%s", s.Name, k, v)
			}
		}
	}
	if roots != 1 || names["review"] != 1 {
		t.Errorf("%d roots, want one review span; spans: %v", roots, names)
	}
	for _, n := range []string{reviewer.SpanRulesLoad, reviewer.SpanDiffFetch, reviewer.SpanFilter, reviewer.SpanPatterns} {
		if names[n] != 1 {
			t.Errorf("%d %q spans, want 1; spans: %v", names[n], n, names)
		}
	}
}
