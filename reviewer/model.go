package reviewer

import (
	"time"

	"context"
	"errors"
)

// Model asks a language model to review one chunk of a change.
type Model interface {
	Review(ctx context.Context, p Prompt) (Reply, error)
}

// Message is one chat message of a prompt.
type Message struct {
	// Role is "system" or "user".
	Role    string
	Content string
}

// Prompt is one request to the model: the rendered messages of one chunk.
type Prompt struct {
	Messages []Message
	// Tags identify the change for the gateway's cost attribution: repo, change, head_sha.
	Tags map[string]string
	// MaxOutputTokens bounds the answer; 0 leaves it to the model client's default.
	MaxOutputTokens int
	// Model, when set, is the model to ask first instead of the client's primary model
	// (the change's tier names it: gateway.models); the fallback models follow it.
	Model string
	// Tools, when set, may be offered to the model, which may call them before it
	// answers; a Model that cannot offer tools answers without them.
	Tools Toolbox
}

// ModelFinding is a finding as the model answered it, before it is anchored to the diff.
// Its fields follow the answer contract in DESIGN.md.
type ModelFinding struct {
	Path       string
	Line       int
	EndLine    int
	Side       Side // SideNew unless the model said "old"
	Severity   string
	RuleID     string
	Message    string
	Quote      string
	Suggestion string
}

// TokenUsage is what one or more model requests consumed.
type TokenUsage struct {
	PromptTokens     int
	CompletionTokens int
	CachedTokens     int
}

// Reply is the model's parsed answer to one prompt.
type Reply struct {
	Findings []ModelFinding
	Usage    TokenUsage
	// Model is the model that answered (a fallback model when the first one failed).
	Model string
	// Requests is how many HTTP requests the answer took, retries included; 0 when it came
	// straight from the cache.
	Requests int
	// Cached is set when the answer came from the response cache. Usage is then what the
	// answer cost when it was first asked for; Spent is what this call spent (nothing,
	// unless a model failed before a fallback's cached answer was found).
	Cached bool
	// Spent is what this call was billed, by model, for pricing: a request that failed
	// over to a fallback model was billed by both. It is set on errors too, since failed
	// requests are billed as well.
	Spent []ModelUsage
	// Dropped counts the items of the answer that broke the contract and were left out.
	Dropped int
}

// ModelUsage is what one model was billed for.
type ModelUsage struct {
	Model string
	Usage TokenUsage
}

// ErrTruncated reports an answer cut off at the output length limit: the pipeline splits
// the chunk and asks again rather than parse a partial answer.
var ErrTruncated = errors.New("answer cut off at the length limit")

// ErrRefused reports that the model declined to answer.
var ErrRefused = errors.New("model refused to answer")

// ErrRateLimited reports that the gateway or the forge kept refusing for rate limits
// after every retry.
var ErrRateLimited = errors.New("rate limited")

// RateLimitError is an ErrRateLimited that knows when the limit lifts, so that a queued
// review can wait for then rather than spend its attempts before it.
type RateLimitError struct {
	// Reset is when the forge or the gateway said it will serve again.
	Reset time.Time
}

func (e *RateLimitError) Error() string {
	if e.Reset.IsZero() {
		return ErrRateLimited.Error()
	}
	return "rate limited until " + e.Reset.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrRateLimited) hold.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// RateLimitReset returns when the rate limit err reports lifts, if it says.
func RateLimitReset(err error) (time.Time, bool) {
	var rl *RateLimitError
	if errors.As(err, &rl) && !rl.Reset.IsZero() {
		return rl.Reset, true
	}
	return time.Time{}, false
}
