package llm

import (
	"sync"
	"time"
)

// breaker is one model's circuit breaker. After threshold failures in a row it opens:
// the model is skipped until the cool-down ends. Then one request is let through as a
// probe (the breaker re-arms so concurrent callers keep skipping); its success closes the
// breaker, its failure opens it for another cool-down. Without it a dead model would cost
// every chunk its full timeout and retries before the fallback is asked.
type breaker struct {
	threshold int
	cooldown  time.Duration

	mu        sync.Mutex
	failures  int
	openUntil time.Time
}

func (c *Client) breaker(model string) *breaker {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.breakers[model]
	if !ok {
		b = &breaker{threshold: c.opts.BreakerThreshold, cooldown: c.opts.BreakerCooldown}
		c.breakers[model] = b
	}
	return b
}

// allow reports whether a request to the model may go out now.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < b.threshold {
		return true
	}
	if now.Before(b.openUntil) {
		return false
	}
	b.openUntil = now.Add(b.cooldown)
	return true
}

func (b *breaker) failure(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.failures >= b.threshold {
		b.openUntil = now.Add(b.cooldown)
	}
}

func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures = 0
}
