package webhook

import (
	"fmt"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// TestReplyLimiterForgets: the limiter remembers at most maxReplyKeys changes and
// writers; past it, those whose bucket has filled again are forgotten, which loses
// nothing, and a drained bucket is kept.
func TestReplyLimiterForgets(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	r := newReplyLimiter(ReplyLimit{PerHour: 3600, Burst: 2}, func() time.Time { return now })
	job := func(n int) queue.Job {
		return queue.Job{Forge: "github", Repo: "o/r", Number: n, Reply: &queue.Reply{AuthorID: int64(n), Author: "w"}}
	}
	for n := 1; n <= maxReplyKeys/2; n++ {
		if ok, _ := r.allow(job(n), false); !ok {
			t.Fatalf("reply %d refused", n)
		}
	}
	if len(r.keys) != maxReplyKeys {
		t.Fatalf("%d keys, want %d", len(r.keys), maxReplyKeys)
	}
	now = now.Add(10 * time.Second) // every bucket is full again
	flood := job(maxReplyKeys)
	for i := range 2 {
		if ok, _ := r.allow(flood, false); !ok {
			t.Fatalf("reply %d of the flood refused", i)
		}
	}
	if len(r.keys) != 2 {
		t.Errorf("%d keys after forgetting the full buckets, want the flood's 2", len(r.keys))
	}
	if ok, which := r.allow(flood, false); ok || which != "this writer" {
		t.Errorf("the flood's third reply: allowed %v (%s), want refused for this writer", ok, which)
	}
}

// TestReplyLimiterTrusted: one writer spends at most their share of a change's bound,
// so a second writer still gets in; once changeShare writers drained it, an untrusted
// writer is refused for the change, and a trusted one gets through, held by their own
// bound alone.
func TestReplyLimiterTrusted(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	r := newReplyLimiter(ReplyLimit{PerHour: 1, Burst: 2}, func() time.Time { return now })
	writer := func(n int) queue.Job {
		return queue.Job{Forge: "gitlab", Repo: "g/p", Number: 7, Reply: &queue.Reply{AuthorID: int64(n), Author: fmt.Sprintf("w%d", n)}}
	}
	const share = 5 // changeShare, spelled out: a smaller share would let one writer starve the rest
	for n := 1; n <= share; n++ {
		for i := range 2 {
			if ok, which := r.allow(writer(n), false); !ok {
				t.Fatalf("writer %d's reply %d refused for %s", n, i, which)
			}
		}
		if n == share {
			break // the change's bound is drained now
		}
		if ok, which := r.allow(writer(n), false); ok || which != "this writer" {
			t.Fatalf("writer %d's third reply: allowed %v (%s), want refused for this writer", n, ok, which)
		}
	}
	late := writer(share + 1)
	if ok, which := r.allow(late, false); ok || which != "this change" {
		t.Errorf("an untrusted writer on the drained change: allowed %v (%s), want refused for this change", ok, which)
	}
	for i := range 2 {
		if ok, which := r.allow(late, true); !ok {
			t.Errorf("the trusted writer's reply %d refused for %s", i, which)
		}
	}
	if ok, which := r.allow(late, true); ok || which != "this writer" {
		t.Errorf("the trusted writer's third reply: allowed %v (%s), want refused for this writer", ok, which)
	}
}
