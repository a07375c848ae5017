package queue

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Usage keeps the tokens reviews used, per key and UTC day, in the queue's database, so
// that every replica sharing it counts against one budget. The service charges each
// review's tokens to the keys it names (its repository, its author) after it ran, and
// reads them before the next one starts. Rows older than usageRetention are deleted
// from time to time.
type Usage struct{ q *Queue }

// Usage returns the queue's token ledger.
func (q *Queue) Usage() *Usage { return &Usage{q: q} }

// Day is the UTC day t falls on, counted from the Unix epoch: a budget per day resets at
// 00:00 UTC.
func Day(t time.Time) int64 { return t.UTC().Unix() / 86400 }

// DayStart is when day begins.
func DayStart(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

// Today is the day it is now by the queue's clock.
func (u *Usage) Today() int64 { return Day(u.q.now()) }

// Spent returns the tokens charged to key on day.
func (u *Usage) Spent(ctx context.Context, key string, day int64) (int64, error) {
	var n int64
	err := u.q.eng.pool().queryRow(ctx, `SELECT tokens FROM reviewer_usage WHERE usage_key = $1 AND day = $2`, key, day).Scan(&n)
	switch {
	case errors.Is(err, errNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("usage of %s: %w", key, err)
	}
	return n, nil
}

// Charge adds tokens to each key's count for day, in one statement per key; a charge is
// never lost to a concurrent one, on either database.
func (u *Usage) Charge(ctx context.Context, day, tokens int64, keys ...string) error {
	if tokens <= 0 {
		return nil
	}
	var errs []error
	for _, key := range keys {
		if _, err := u.q.eng.pool().exec(ctx, `INSERT INTO reviewer_usage (usage_key, day, tokens) VALUES ($1, $2, $3)
			ON CONFLICT (usage_key, day) DO UPDATE SET tokens = reviewer_usage.tokens + excluded.tokens`,
			key, day, tokens); err != nil {
			errs = append(errs, fmt.Errorf("charge %s: %w", key, err))
		}
	}
	return errors.Join(errs...)
}
