package queue_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

func TestDismissals(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			q, _ := open(t, b.url(t), queue.Options{})
			at := time.UnixMilli(1_765_000_000_000).UTC()
			member := queue.Dismissal{Forge: "github", Repo: "octo/app", Change: 7, Fingerprint: "0123456789abcdef",
				RuleID: "go.sql-injection", Thread: "101", Who: "mona", Words: "false positive: ids are ints", At: at, ForLearning: true,
				Path: "internal/db/users.go", Line: 42}
			author := member
			author.Who, author.Words, author.ForLearning, author.At = "hubot", strings.Repeat("é", queue.MaxDismissalWords), false, at.Add(time.Second)
			other := member
			other.Change, other.At = 8, at.Add(2*time.Second)
			for _, d := range []queue.Dismissal{member, author, other} {
				if err := q.Dismiss(t.Context(), d); err != nil {
					t.Fatal(err)
				}
			}
			// Said again: the latest words replace the first, no second row.
			member.Words = "won't fix"
			if err := q.Dismiss(t.Context(), member); err != nil {
				t.Fatal(err)
			}
			got, err := q.Dismissals(t.Context(), queue.DismissalFilter{Forge: "github", Repo: "octo/app", Change: 7})
			if err != nil {
				t.Fatal(err)
			}
			author.Words = author.Words[:queue.MaxDismissalWords] // two bytes a rune: cut on a boundary
			if diff := cmp.Diff([]queue.Dismissal{member, author}, got); diff != "" {
				t.Errorf("change 7's dismissals (-want +got):\n%s", diff)
			}
			all, err := q.Dismissals(t.Context(), queue.DismissalFilter{})
			if err != nil || len(all) != 3 {
				t.Errorf("all dismissals = %d, %v; want 3", len(all), err)
			}
			if err := q.Dismiss(t.Context(), queue.Dismissal{Forge: "github", Repo: "octo/app", Change: 7}); err == nil {
				t.Error("Dismiss of a dismissal without fingerprint or person succeeded")
			}
		})
	}
}
