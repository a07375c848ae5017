package queue_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// TestReplyJobs checks that a reply is a job of its own: it runs with its Reply, a
// redelivery of it is a duplicate, and it neither supersedes nor merges into the
// change's review at the same head.
func TestReplyJobs(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(nil)
			q, _ := open(t, b.url(t), queue.Options{Handler: rec.handle})
			review := enqueue(t, q, job(1, "aaaa"))
			reply := job(1, "aaaa")
			reply.DeliveryID, reply.Event = "d-reply", "pull_request_review_comment.created"
			reply.Reply = &queue.Reply{CommentID: 7, Thread: "5", Body: "false positive", AuthorID: 3, Author: "mona"}
			first := enqueue(t, q, reply)
			if first.JobID == 0 || first.JobID == review.JobID || first.Deduped || len(first.Superseded) != 0 {
				t.Fatalf("reply Enqueue = %+v, want a new job beside review %d", first, review.JobID)
			}
			if again := enqueue(t, q, reply); !again.Duplicate || again.JobID != first.JobID {
				t.Errorf("redelivered reply = %+v, want duplicate of %d", again, first.JobID)
			}
			start(t, q)
			got := map[int64]queue.Job{}
			for range 2 {
				c := rec.next(t)
				got[c.info.ID] = c.job
			}
			if diff := cmp.Diff(reply, got[first.JobID]); diff != "" {
				t.Errorf("reply job (-want +got):\n%s", diff)
			}
			if got[review.JobID].Reply != nil {
				t.Errorf("review job got a reply: %+v", got[review.JobID])
			}
			rec.settle(t, q, 2)
		})
	}
}

func TestReplyInvalid(t *testing.T) {
	t.Parallel()
	q, _ := open(t, backends[0].url(t), queue.Options{})
	j := job(1, "aaaa")
	j.Reply = &queue.Reply{Body: "why?"}
	if _, err := q.Enqueue(t.Context(), j); err == nil {
		t.Error("Enqueue of a reply without a thread succeeded")
	}
}
