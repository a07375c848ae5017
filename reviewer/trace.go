package reviewer

import (
	"cmp"
	"context"
	"log/slog"
)

// Tracer starts the spans of a review's trace (Options.Tracer): one for each stage of
// the pipeline and each model request, children of the span in ctx. It is how the
// pipeline is traced without importing a tracing library: cmd/reviewer hands it an
// OpenTelemetry tracer (package telemetry), or nothing, and then no span is made.
//
// Attributes are never secrets, code or model text: names, counts, tokens and costs.
type Tracer interface {
	Start(ctx context.Context, name string, attrs ...slog.Attr) (context.Context, TraceSpan)
}

// TraceSpan is one timed stage of a trace.
type TraceSpan interface {
	// SetAttributes adds attributes, replacing any of the same key.
	SetAttributes(attrs ...slog.Attr)
	// End ends the span, marked failed when err is not nil.
	End(err error)
}

// Span names of the pipeline's stages.
const (
	SpanReadChange   = "change.read"
	SpanRulesLoad    = "rules.load"
	SpanDiffFetch    = "diff.fetch"
	SpanFilter       = "filter"
	SpanPatterns     = "patterns"
	SpanContextRead  = "context.read"
	SpanChunkPlan    = "chunk.plan"
	SpanModelRequest = "model.request"
	SpanToolsRound   = "tools.round"
	SpanVerify       = "verify"
	SpanPublish      = "publish"
)

// startSpan starts a span with t, or none when t is nil.
func startSpan(ctx context.Context, t Tracer, name string) (context.Context, TraceSpan) {
	if t == nil {
		return ctx, noSpan{}
	}
	return t.Start(ctx, name)
}

// noSpan is the span of an untraced review: it records nothing.
type noSpan struct{}

func (noSpan) SetAttributes(...slog.Attr) {}
func (noSpan) End(error)                  {}

// endModelSpan ends a model request's span (purpose: review or verify) with what the request cost and how it
// ended: the model that answered, tokens, cost and status. The status is the public
// reason of a failure (failReason), never the error's text, which may quote the gateway.
func endModelSpan(sp TraceSpan, purpose string, price func(string) Price, asked string, reply Reply, err error) {
	if _, ok := sp.(noSpan); ok {
		return
	}
	cost := 0.0
	for _, m := range reply.Spent {
		cost += price(m.Model).Cost(m.Usage)
	}
	if len(reply.Spent) == 0 && !reply.Cached && reply.Requests > 0 {
		cost = price(reply.Model).Cost(reply.Usage)
	}
	status := "ok"
	if err != nil {
		status = failReason(err)
	}
	sp.SetAttributes(slog.String("purpose", purpose), slog.String("model", cmp.Or(reply.Model, asked)),
		slog.Int("prompt_tokens", reply.Usage.PromptTokens), slog.Int("completion_tokens", reply.Usage.CompletionTokens),
		slog.Int("cached_tokens", reply.Usage.CachedTokens), slog.Float64("cost_usd", cost),
		slog.Int("requests", reply.Requests), slog.Bool("cached", reply.Cached), slog.String("status", status))
	sp.End(err)
}
