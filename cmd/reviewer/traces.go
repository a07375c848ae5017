package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/telemetry"
)

// TelemetryConfig is what the service tells the operator's observability tools beside
// its logs and metrics.
type TelemetryConfig struct {
	Traces TracesConfig `mapstructure:"traces"`
}

// TracesConfig sends a trace of each review to an OpenTelemetry collector over
// OTLP/HTTP. An empty Endpoint turns tracing off.
type TracesConfig struct {
	Endpoint string `mapstructure:"endpoint"`
	// Protocol is http/protobuf or grpc.
	Protocol string `mapstructure:"protocol"`
	// Insecure allows an http:// endpoint.
	Insecure bool `mapstructure:"insecure"`
	// Headers ("name=value,name=value") go with every export; they often hold an API
	// key, so they come from the environment or a file, never a flag.
	Headers     secret  `mapstructure:"headers"`
	HeadersFile string  `mapstructure:"headers_file"`
	SampleRatio float64 `mapstructure:"sample_ratio"`
}

func (t TelemetryConfig) validate() []error {
	var errs []error
	tc := t.Traces
	if tc.Endpoint != "" {
		if _, err := telemetry.ParseEndpoint(tc.Endpoint, tc.Protocol, tc.Insecure); err != nil {
			errs = append(errs, fmt.Errorf("telemetry.traces.endpoint: %w", err))
		}
	}
	if r := tc.SampleRatio; r < 0 || r > 1 || r != r {
		errs = append(errs, fmt.Errorf("telemetry.traces.sample_ratio: %v is not between 0 and 1", r))
	}
	if tc.Headers != "" && tc.HeadersFile != "" {
		errs = append(errs, errors.New("telemetry.traces.headers and telemetry.traces.headers_file: set one, not both"))
	}
	if _, err := parseHeaders(tc.Headers.reveal()); err != nil {
		errs = append(errs, fmt.Errorf("telemetry.traces.headers: %w", err))
	}
	return errs
}

// startTraces starts the tracer the configuration asks for, and sets c.tracer for the
// clients and the pipeline to use. The stop it returns exports what is left, within
// server.shutdown_timeout; it must be called even when tracing is off.
func (c *Config) startTraces(ctx context.Context, e env, logger *slog.Logger) (stop func(), err error) {
	tc := c.Telemetry.Traces
	if tc.Endpoint == "" {
		return func() {}, nil
	}
	raw, err := secretValue(e, tc.Headers, tc.HeadersFile, "telemetry.traces.headers_file")
	if err != nil {
		return nil, err
	}
	headers, err := parseHeaders(raw)
	if err != nil {
		return nil, usageError(fmt.Errorf("telemetry.traces.headers_file: %w", err))
	}
	t, err := telemetry.New(ctx, telemetry.Options{Endpoint: tc.Endpoint, Protocol: tc.Protocol, Insecure: tc.Insecure, Headers: headers,
		SampleRatio: tc.SampleRatio, Version: versionString(), Logger: logger})
	if err != nil {
		return nil, usageError(fmt.Errorf("telemetry.traces: %w", err))
	}
	c.tracer = t
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.Server.ShutdownTimeout)
		defer cancel()
		if err := t.Shutdown(sctx); err != nil {
			logger.WarnContext(sctx, "traces not all exported", slog.String("error", err.Error()))
		}
	}, nil
}

// parseHeaders reads "name=value" pairs separated by commas or newlines. Its errors
// name the pair by position only: the values are secrets.
func parseHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	for i, pair := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		name, value, ok := strings.Cut(pair, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r:") {
			return nil, fmt.Errorf("header %d is not name=value", i+1)
		}
		out[name] = strings.TrimSpace(value)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// tracedClient is the HTTP client of a forge or the gateway: nil (the adapter's
// default) when tracing is off, else one whose requests are spans of the review.
func (c *Config) tracedClient(hc *http.Client) *http.Client {
	if c.tracer == nil {
		return hc
	}
	if hc == nil {
		hc = &http.Client{}
	}
	traced := *hc
	traced.Transport = c.tracer.Transport(hc.Transport)
	return &traced
}

// withTracer sets opts.Tracer when tracing is on (a nil *telemetry.Tracer in the
// interface would still be called).
func (c *Config) withTracer(opts *reviewer.Options) {
	if c.tracer != nil {
		opts.Tracer = c.tracer
	}
}

// traceRun is the root span of a review run by reviewer review or ci.
func (c *Config) traceRun(ctx context.Context, ch reviewer.Change) (context.Context, reviewer.TraceSpan) {
	return c.tracer.Start(ctx, "review", changeAttrs(ch)...)
}

// changeAttrs are a root span's attributes of the change: names and numbers, which are
// the change's author's to choose but neither secret nor code.
func changeAttrs(ch reviewer.Change) []slog.Attr {
	return []slog.Attr{slog.String("forge", ch.Forge), slog.String("repo", ch.Repo), slog.Int("change", ch.Number),
		slog.String("head_sha", ch.HeadSHA)}
}

// traced makes each job a trace: a root span with the delivery, the change and the
// job's attempt, a span for its wait in the queue, and the review's spans below.
func (w *worker) traced(h func(context.Context, queue.Job) error) func(context.Context, queue.Job) error {
	t := w.c.tracer
	if t == nil {
		return h
	}
	return func(ctx context.Context, job queue.Job) error {
		info, _ := queue.JobInfo(ctx)
		attrs := append(changeAttrs(reviewer.Change{Forge: job.Forge, Repo: job.Repo, Number: job.Number, HeadSHA: job.HeadSHA}),
			slog.String("delivery_id", job.DeliveryID), slog.String("event", job.Event), slog.Int64("job_id", info.ID),
			slog.Int("attempt", info.Attempt), slog.Duration("queue_wait_seconds", info.Wait))
		ctx, root := t.StartAt(ctx, "review.job", time.Now().Add(-info.Wait), attrs...)
		_, wait := t.StartAt(ctx, "queue.wait", time.Now().Add(-info.Wait))
		wait.End(nil)
		err := h(ctx, job)
		root.End(err)
		return err
	}
}
