package reviewer_test

import (
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest"
)

func TestReportRefusal(t *testing.T) {
	t.Parallel()
	f := &reviewertest.Forge{
		Change: reviewer.Change{BaseSHA: "b1", HeadSHA: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		Patch:  pyDiff(0, "x = eval(input())"),
	}
	publishRun(t, f)
	writes, statuses := f.SummaryWrites, len(f.Statuses)

	next := reviewer.Change{Forge: "github", Repo: "o/r", Number: 7, HeadSHA: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
	r := reviewer.Refusal{
		Reason: "The daily token budget of this repository is spent. It resets at 00:00 UTC.",
		Status: "not reviewed: the repository's daily token budget is spent; it resets at 00:00 UTC",
		State:  reviewer.StatusError,
	}
	// Refused three times for one head (a redelivery, a /review, a retry): said once.
	for range 3 {
		if err := reviewer.ReportRefusal(t.Context(), f, next, r, testKey); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.SummaryWrites - writes; n != 1 {
		t.Errorf("%d summary writes for one refusal of one head, want 1", n)
	}
	if n := len(f.Statuses) - statuses; n != 1 {
		t.Errorf("%d statuses for one refusal of one head, want 1", n)
	}
	for _, want := range []string{"### reviewer: not reviewed", "`bbbbbbbbbbbb` was not reviewed.", "budget of this repository is spent",
		"The last review was of `aaaaaaaaaaaa`"} {
		if !strings.Contains(f.Summary, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, f.Summary)
		}
	}
	if head, ok := reviewer.SummaryHead(next, f.Summary, testKey); !ok || head != f.Change.HeadSHA {
		t.Errorf("the refusal's marker names %q, want the reviewed head %s", head, f.Change.HeadSHA)
	}
	last := f.Statuses[len(f.Statuses)-1]
	if last.SHA != next.HeadSHA || last.State != reviewer.StatusError || last.Description != r.Status {
		t.Errorf("status %+v, want error on %s saying %q", last, next.HeadSHA, r.Status)
	}

	// A new head refused is said again, in the same comment.
	newer := next
	newer.HeadSHA = "cccccccccccccccccccccccccccccccccccccccc"
	if err := reviewer.ReportRefusal(t.Context(), f, newer, r, testKey); err != nil {
		t.Fatal(err)
	}
	if n := f.SummaryWrites - writes; n != 2 {
		t.Errorf("%d summary writes after a second head, want 2", n)
	}
	if last := f.Statuses[len(f.Statuses)-1]; last.SHA != newer.HeadSHA {
		t.Errorf("the new head has no status: %+v", last)
	}
}
