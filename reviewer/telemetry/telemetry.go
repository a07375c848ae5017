// Package telemetry traces reviews with OpenTelemetry and exports the spans over
// OTLP/HTTP. It is the only package that imports OpenTelemetry: the pipeline sees it
// through reviewer.Tracer, and the command through Tracer's methods.
//
// A nil *Tracer is tracing turned off: its methods do nothing and cost nothing.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Protocols of the OTLP exporter, named as OTEL_EXPORTER_OTLP_PROTOCOL names them.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// Options configure the exporter.
type Options struct {
	// Endpoint is the collector's URL. For OTLP/HTTP: http(s)://HOST:PORT, to which
	// /v1/traces is added, or a URL with the whole path; for gRPC: http(s)://HOST:PORT.
	// "" turns tracing off.
	Endpoint string
	// Protocol is ProtocolHTTP ("" too) or ProtocolGRPC.
	Protocol string
	// Insecure allows an http:// endpoint, which sends spans and headers in the clear.
	Insecure bool
	// Headers go with every export (an API key of a tracing service, say); nil leaves
	// them to OTEL_EXPORTER_OTLP_HEADERS and OTEL_EXPORTER_OTLP_TRACES_HEADERS.
	Headers map[string]string
	// SampleRatio is the share of reviews traced, from 0 to 1.
	SampleRatio float64
	// Version is the service's version, a resource attribute of every span.
	Version string
	// Logger is told when spans could not be exported; nil discards.
	Logger *slog.Logger
}

// Tracer makes the spans of reviews. It implements reviewer.Tracer.
type Tracer struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
}

var _ reviewer.Tracer = (*Tracer)(nil)

// New returns a Tracer that exports to o.Endpoint, or nil when o.Endpoint is "". The
// exporter reads the standard OTEL_EXPORTER_OTLP_* variables for what Options leave
// unset (headers, timeout, compression, certificates); the endpoint is always o's.
func New(ctx context.Context, o Options) (*Tracer, error) {
	if o.Endpoint == "" {
		return nil, nil
	}
	endpoint, err := ParseEndpoint(o.Endpoint, o.Protocol, o.Insecure)
	if err != nil {
		return nil, err
	}
	var exp sdktrace.SpanExporter
	if o.Protocol == ProtocolGRPC {
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpointURL(endpoint)}
		if len(o.Headers) > 0 {
			opts = append(opts, otlptracegrpc.WithHeaders(o.Headers))
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	} else {
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(endpoint)}
		if len(o.Headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(o.Headers))
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	}
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	// The SDK reports failed exports to its one global handler, by default the standard
	// library's log; the service's own log says it instead.
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.WarnContext(ctx, "traces not exported", slog.String("error", err.Error()))
	}))
	return newTracer(o, sdktrace.WithBatcher(exp)), nil
}

// NewWithProcessor returns a Tracer whose spans go to p: a test's span recorder.
func NewWithProcessor(o Options, p sdktrace.SpanProcessor) *Tracer {
	return newTracer(o, sdktrace.WithSpanProcessor(p))
}

func newTracer(o Options, export sdktrace.TracerProviderOption) *Tracer {
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (resource.Environment) win over the
	// service's own name and version, which win over the SDK's defaults.
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName("reviewer"), semconv.ServiceVersion(o.Version)))
	if err == nil {
		res, err = resource.Merge(res, resource.Environment())
	}
	if err != nil {
		// Only conflicting schema URLs fail.
		res = resource.Default()
	}
	tp := sdktrace.NewTracerProvider(export, sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(o.SampleRatio))))
	return &Tracer{provider: tp, tracer: tp.Tracer("github.com/reviewerbot/reviewer")}
}

// ParseEndpoint checks a collector's URL for protocol and returns it with the traces
// path added when an OTLP/HTTP URL has none. Plain http is refused unless insecure is
// set.
func ParseEndpoint(s, protocol string, insecure bool) (string, error) {
	if protocol != "" && protocol != ProtocolHTTP && protocol != ProtocolGRPC {
		return "", fmt.Errorf("protocol %q: want %s or %s", protocol, ProtocolHTTP, ProtocolGRPC)
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%q is not an http(s) URL of an OTLP collector (e.g. https://collector:4318)", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q: no user, query or fragment in the URL; credentials go in the headers", u.Redacted())
	}
	if u.Scheme == "http" && !insecure {
		return "", fmt.Errorf("%q is plain http, which sends spans and headers in the clear: use https, or allow it with telemetry.traces.insecure", s)
	}
	switch {
	case protocol == ProtocolGRPC && strings.Trim(u.Path, "/") != "":
		return "", fmt.Errorf("%q: a gRPC endpoint is http(s)://HOST:PORT, without a path", s)
	case protocol == ProtocolGRPC:
		u.Path = ""
	case strings.Trim(u.Path, "/") == "":
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

// Shutdown exports the spans not yet sent and stops the exporter, within ctx's deadline.
func (t *Tracer) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.provider.Shutdown(ctx)
}

// Start implements reviewer.Tracer.
func (t *Tracer) Start(ctx context.Context, name string, attrs ...slog.Attr) (context.Context, reviewer.TraceSpan) {
	return t.StartAt(ctx, name, time.Time{}, attrs...)
}

// StartAt starts a span that began at start (now when zero): a job's wait in the queue,
// known only once it is over.
func (t *Tracer) StartAt(ctx context.Context, name string, start time.Time, attrs ...slog.Attr) (context.Context, reviewer.TraceSpan) {
	if t == nil {
		return ctx, span{}
	}
	opts := []trace.SpanStartOption{trace.WithAttributes(attributes(attrs)...)}
	if !start.IsZero() {
		opts = append(opts, trace.WithTimestamp(start))
	}
	ctx, s := t.tracer.Start(ctx, name, opts...)
	return ctx, span{s}
}

// span adapts an OpenTelemetry span to reviewer.TraceSpan; its zero value does nothing.
type span struct{ s trace.Span }

func (s span) SetAttributes(attrs ...slog.Attr) {
	if s.s != nil {
		s.s.SetAttributes(attributes(attrs)...)
	}
}

// End marks a failed span with the kind of failure only: an error's text may quote a
// forge's or the gateway's answer, and is in the log beside the trace's delivery_id.
func (s span) End(err error) {
	if s.s == nil {
		return
	}
	if err != nil {
		s.s.SetStatus(codes.Error, errorKind(err))
	}
	s.s.End()
}

func errorKind(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, reviewer.ErrRateLimited):
		return "rate limited"
	case errors.Is(err, reviewer.ErrForbidden):
		return "forbidden"
	case errors.Is(err, reviewer.ErrNotFound):
		return "not found"
	case errors.Is(err, reviewer.ErrTooLarge):
		return "too large"
	}
	return "failed"
}

// attributes converts slog attributes to OpenTelemetry's, by kind.
func attributes(attrs []slog.Attr) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(attrs))
	for _, a := range attrs {
		v := a.Value.Resolve()
		switch v.Kind() {
		case slog.KindString:
			out = append(out, attribute.String(a.Key, v.String()))
		case slog.KindInt64:
			out = append(out, attribute.Int64(a.Key, v.Int64()))
		case slog.KindUint64:
			out = append(out, attribute.Int64(a.Key, int64(min(v.Uint64(), 1<<63-1))))
		case slog.KindFloat64:
			out = append(out, attribute.Float64(a.Key, v.Float64()))
		case slog.KindBool:
			out = append(out, attribute.Bool(a.Key, v.Bool()))
		case slog.KindDuration:
			out = append(out, attribute.Float64(a.Key, v.Duration().Seconds()))
		default:
			out = append(out, attribute.String(a.Key, v.String()))
		}
	}
	return out
}
