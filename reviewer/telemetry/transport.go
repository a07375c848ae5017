package telemetry

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Transport returns next with a client span for each request made within a traced
// review: named by the method and the route's template ("GET
// /repos/{}/{}/pulls/{}"), never by the URL itself, whose path names repositories and
// files and whose query may hold a token. Requests outside a trace go straight to next.
// No trace header is sent: the forges and the gateway are not part of the trace.
// A nil Tracer returns next as it is.
func (t *Tracer) Transport(next http.RoundTripper) http.RoundTripper {
	if t == nil {
		return next
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{next: next, tracer: t.tracer}
}

type transport struct {
	next   http.RoundTripper
	tracer trace.Tracer
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !trace.SpanFromContext(ctx).SpanContext().IsValid() {
		return t.next.RoundTrip(req)
	}
	route := Route(req.URL.EscapedPath())
	ctx, s := t.tracer.Start(ctx, req.Method+" "+route, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("http.request.method", req.Method), attribute.String("url.template", route),
			attribute.String("server.address", req.URL.Hostname())))
	defer s.End()
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		s.SetStatus(codes.Error, errorKind(err))
		return resp, err
	}
	s.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		s.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	return resp, nil
}

// apiWords are the path segments of the GitHub, GitLab and OpenAI-style APIs the
// service calls. Route keeps them; any other segment (an owner, a repository, a
// number, a file's path, a SHA) becomes "{}".
var apiWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`api v1 v3 v4 graphql repos pulls pull issues comments reviews
		files contents git trees blobs refs commits statuses status check-runs check-suites compare
		collaborators permission installations access_tokens app user users orgs members
		projects merge_requests notes discussions diffs versions changes repository raw tree
		blob approvals resolve chat completions responses models embeddings events threads
		replies reactions labels branches tags search code rate_limit readme archive
		requested_reviewers dismissals merge draft_notes pipelines jobs`) {
		m[w] = true
	}
	return m
}()

// Route is the template of an escaped URL path: the API's own words kept, every other
// segment "{}". It names a span without naming what the request was about.
func Route(escaped string) string {
	segs := strings.Split(strings.Trim(escaped, "/"), "/")
	var b strings.Builder
	for _, s := range segs {
		if s == "" {
			continue
		}
		b.WriteByte('/')
		if apiWords[s] {
			b.WriteString(s)
		} else {
			b.WriteString("{}")
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}
