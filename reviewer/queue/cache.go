package queue

import (
	"context"
	"errors"
	"fmt"
)

// Cache keeps model answers in the queue's database, so every replica sharing it reuses
// an answer any of them paid for. It has reviewer/llm's Cache methods (the queue does
// not import llm: the service wires the two together). Entries older than
// Options.CacheMaxAge are misses and are deleted from time to time.
type Cache struct{ q *Queue }

// Cache returns the queue's answer cache.
func (q *Queue) Cache() *Cache { return &Cache{q: q} }

// Get returns the value stored for key. A missing or expired entry is a miss (false, nil).
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var (
		val     []byte
		created int64
	)
	err := c.q.eng.pool().queryRow(ctx, `SELECT value, created_ms FROM reviewer_cache WHERE cache_key = $1`, key).
		Scan(&val, &created)
	if errors.Is(err, errNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache get: %w", err)
	}
	if c.q.now().UnixMilli()-created > c.q.opts.CacheMaxAge.Milliseconds() {
		return nil, false, nil
	}
	if val == nil {
		val = []byte{} // a stored empty value is a hit, not nil
	}
	return val, true, nil
}

// Put stores val for key, replacing any earlier value and restarting its age.
func (c *Cache) Put(ctx context.Context, key string, val []byte) error {
	if val == nil {
		val = []byte{}
	}
	if _, err := c.q.eng.pool().exec(ctx, `INSERT INTO reviewer_cache (cache_key, value, created_ms) VALUES ($1, $2, $3)
		ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, created_ms = excluded.created_ms`,
		key, val, c.q.now().UnixMilli()); err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	return nil
}
