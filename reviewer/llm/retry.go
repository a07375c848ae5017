package llm

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/retry"
)

// baseBackoff is the first wait of the exponential backoff: 1s, 2s, 4s, ... before jitter.
const baseBackoff = time.Second

// backoff returns how long to wait before retry n (1-based) of a request to model that
// failed with a response carrying h. When the server asked for the wait or rate-limited
// the request, the wait is not this request's alone: every request to the model on this
// endpoint is held off until it ends, and that time is returned as holdOff. Otherwise a
// 5xx or a timeout of one request says little about the others, and holdOff is zero.
func (c *Client) backoff(model string, n int, h http.Header, rateLimited bool) (wait time.Duration, holdOff time.Time) {
	wait, asked := c.retryWait(n, h, rateLimited)
	if !asked && !rateLimited {
		return wait, time.Time{}
	}
	holdOff = c.opts.Now().Add(wait)
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.modeKey(model)
	if holdOff.After(c.notBefore[k]) {
		c.notBefore[k] = holdOff
	}
	return wait, holdOff
}

// acquire takes a concurrency slot for a request to model once the model's hold-off is
// over. The hold-off is checked again with the slot taken, since a request in flight
// may have set it meanwhile; then the slot is given back for the wait, so that waiting
// holds no slot. waited is the hold-off the caller already slept through (a retry after
// its own 429): it is not waited again. The hold-off is per endpoint and model, the
// scope of OpenAI's limits; a gateway-wide limit is learned by each model's first 429.
func (c *Client) acquire(ctx context.Context, model string, waited time.Time) error {
	for {
		for {
			until, d := c.heldOff(model, waited)
			if d <= 0 {
				break
			}
			c.log.DebugContext(ctx, "waiting for the rate limit", slog.String(keyModel, model), slog.Duration(keyWait, d))
			if err := c.opts.Sleep(ctx, d); err != nil {
				return err
			}
			waited = until
		}
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		if _, d := c.heldOff(model, waited); d <= 0 {
			return nil
		}
		<-c.sem
	}
}

// heldOff returns the end of model's hold-off and how long is left of it; the time left
// is zero when the hold-off is over or is no later than waited.
func (c *Client) heldOff(model string, waited time.Time) (time.Time, time.Duration) {
	c.mu.Lock()
	until := c.notBefore[c.modeKey(model)]
	c.mu.Unlock()
	if !until.After(waited) {
		return until, 0
	}
	return until, max(until.Sub(c.opts.Now()), 0)
}

// retryWait returns how long to wait before retry n (1-based), and whether the server
// asked for it. A wait the server asked for (Retry-After, retry-after-ms, and on a 429 the
// x-ratelimit-reset-* headers) wins over the backoff; both are capped at
// Options.MaxRetryWait.
func (c *Client) retryWait(n int, h http.Header, rateLimited bool) (time.Duration, bool) {
	if d, ok := serverWait(h, c.opts.Now(), rateLimited); ok {
		return min(d, c.opts.MaxRetryWait), true
	}
	return retry.Jitter(retry.Backoff(baseBackoff, n-1, c.opts.MaxRetryWait)), false
}

// serverWait reads the wait a response asked for.
func serverWait(h http.Header, now time.Time, rateLimited bool) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	// retry-after-ms is OpenAI's and Azure's more precise form.
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil {
			if d, ok := retry.Seconds(ms / 1000); ok {
				return d, true
			}
		}
	}
	if d, ok := retry.After(h.Get("Retry-After"), now); ok {
		return d, true
	}
	if !rateLimited {
		return 0, false
	}
	// OpenAI's rate-limit headers say when each window resets, as durations like "1s",
	// "6m0s" or "20ms"; the later of the two is when a retry can pass.
	var wait time.Duration
	found := false
	for _, k := range []string{"X-Ratelimit-Reset-Requests", "X-Ratelimit-Reset-Tokens"} {
		if d, err := time.ParseDuration(strings.TrimSpace(h.Get(k))); err == nil && d >= 0 {
			wait, found = max(wait, d), true
		}
	}
	return wait, found
}
