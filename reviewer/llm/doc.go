// Package llm is the pipeline's model stage: it sends one rendered prompt per chunk to an
// OpenAI-compatible gateway (Cloudflare AI Gateway, LiteLLM, OpenRouter, vLLM, Ollama,
// OpenAI itself) and turns the answer into validated reviewer.ModelFinding values.
//
// It is the only package that imports github.com/sashabaranov/go-openai; its Client
// implements reviewer.Model and maps the library's errors onto the core's sentinels
// (reviewer.ErrTruncated, reviewer.ErrRefused, reviewer.ErrRateLimited,
// reviewer.ErrTooLarge) so the core never sees go-openai types.
//
// What one Client.Review call does:
//
//  1. Ask the primary model, then each fallback model in order when it keeps failing.
//     Before a model is asked, the optional response Cache is looked up under that
//     model's key (endpoint, model, messages, schema). A per-model circuit breaker skips
//     a model that failed many times in a row.
//  2. For each model, send the request with bounded concurrency and a per-request timeout;
//     retry 429, 408, 409, 5xx, timeouts and connection errors with jittered exponential
//     backoff that honours Retry-After; retry an answer that is not valid JSON with a
//     fresh request. A 429 or a Retry-After holds off every request to that endpoint and
//     model until it ends, not only the retries of the request that got it.
//  3. Ask for structured output (response_format json_schema, strict). An endpoint that
//     refuses it is asked again in json_object mode, then in plain text with the JSON
//     extracted from the prose; the mode that works is remembered per endpoint and model.
//  4. When the prompt carries a reviewer.Toolbox, offer its tools: each answer that calls
//     tools is answered with one tool message per call (at most 16 a round) and the
//     conversation goes on, until the toolbox offers no more and the last request says
//     tool_choice "none". An endpoint that rejects tools is asked again without them, and
//     is remembered per endpoint and model like a refused response format (tools.go).
//  5. Parse and validate the findings (ParseAnswer), store the reply in the cache under
//     the model that answered. The Reply carries what each model billed (Spent), also on
//     error, and how many answer items were dropped as invalid (Dropped).
package llm
