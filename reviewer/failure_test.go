package reviewer_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest"
	"github.com/reviewerbot/reviewer/rules"
)

func TestReportFailure(t *testing.T) {
	t.Parallel()
	f := &reviewertest.Forge{
		Change: reviewer.Change{BaseSHA: "b1", HeadSHA: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		Patch:  pyDiff(0, "x = eval(input())"),
	}
	// A first review succeeds and names its head in the summary.
	publishRun(t, f)
	next := reviewer.Change{Forge: "github", Repo: "o/r", Number: 7, HeadSHA: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
	if reviewed, _ := reviewer.SummaryHead(next, f.Summary, testKey); reviewed != f.Change.HeadSHA {
		t.Fatalf("the summary names %q, want %s", reviewed, f.Change.HeadSHA)
	}

	cause := fmt.Errorf("load rules: %w", &rules.Error{File: ".reviewer/rules/x.md", Line: 3, Msg: "unknown key \"sevrity\"\n```inject```"})
	if err := reviewer.ReportFailure(t.Context(), f, next, cause, testKey); err != nil {
		t.Fatal(err)
	}
	if f.SummaryWrites != 2 {
		t.Errorf("%d summary writes, want 2 (one edited in place)", f.SummaryWrites)
	}
	for _, want := range []string{"### reviewer: review failed", "The review of `bbbbbbbbbbbb` could not be done",
		`.reviewer/rules/x.md:3: unknown key "sevrity"`, "comment `/review`", "The last review was of `aaaaaaaaaaaa`"} {
		if !strings.Contains(f.Summary, want) {
			t.Errorf("the failure summary does not say %q:\n%s", want, f.Summary)
		}
	}
	for _, ln := range strings.Split(f.Summary, "\n") {
		if strings.HasPrefix(ln, "```") {
			t.Errorf("the failure summary holds a fence:\n%s", f.Summary)
		}
	}
	// The marker still names the head that was reviewed, not the one that failed, and
	// the seal still holds.
	if head, ok := reviewer.SummaryHead(next, f.Summary, testKey); !ok || head != f.Change.HeadSHA {
		t.Errorf("the failure summary's marker names %q, %v; want %s", head, ok, f.Change.HeadSHA)
	}
	last := f.Statuses[len(f.Statuses)-1]
	if last.SHA != next.HeadSHA || last.State != reviewer.StatusError || !strings.HasPrefix(last.Description, "review failed: a rules or settings file") || len(last.Description) > 140 {
		t.Errorf("status %+v, want error on %s with the reason, at most 140 bytes", last, next.HeadSHA)
	}
}

// TestReportFailureHidesInternals: a failed gateway or forge request's error names the
// gateway's internal address; the public summary and status name only the failure.
// Before, the error's text went into the summary as it was.
func TestReportFailureHidesInternals(t *testing.T) {
	t.Parallel()
	const internal = "http://llm-gateway.internal.corp:4000/v1/chat/completions"
	for name, cause := range map[string]error{
		"gateway": fmt.Errorf(`model review: Post %q: dial tcp 10.0.3.7:4000: connect: connection refused`, internal),
		"forge":   fmt.Errorf("read change: GET %s/api/v4/projects/1: %w", internal, reviewer.ErrForbidden),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := &reviewertest.Forge{}
			c := reviewer.Change{Forge: "gitlab", Repo: "g/p", Number: 3, HeadSHA: "cccccccccccccccccccccccccccccccccccccccc"}
			if err := reviewer.ReportFailure(t.Context(), f, c, cause, testKey); err != nil {
				t.Fatal(err)
			}
			public := f.Summary + "\n" + f.Statuses[0].Description
			for _, leak := range []string{"llm-gateway", "10.0.3.7", "4000", "/v1/"} {
				if strings.Contains(public, leak) {
					t.Errorf("the failure report shows %q:\n%s", leak, public)
				}
			}
			if !strings.Contains(f.Summary, "review failed") || reviewer.FailureReason(cause) == "" {
				t.Errorf("the failure summary does not say the review failed:\n%s", f.Summary)
			}
		})
	}
	if got := reviewer.FailureReason(errors.New("x")); !strings.Contains(got, "internal error") {
		t.Errorf("FailureReason of an unknown error = %q, want an internal error", got)
	}
}

// TestReportFailureKeepsSealedHead: the service reports a failure knowing only the
// change's number and head; the seal of the last review's head also names the target
// branch, which the report reads from the forge so that the head is kept, not dropped.
func TestReportFailureKeepsSealedHead(t *testing.T) {
	t.Parallel()
	f := &reviewertest.Forge{
		Change: reviewer.Change{BaseSHA: "b1", BaseRef: "main", HeadSHA: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		Patch:  pyDiff(0, "x = eval(input())"),
	}
	publishRun(t, f)
	withRef := reviewer.Change{Forge: "github", Repo: "o/r", Number: 7, BaseRef: "main", HeadSHA: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
	if head, ok := reviewer.SummaryHead(withRef, f.Summary, testKey); !ok || head != f.Change.HeadSHA {
		t.Fatalf("the review's summary names %q, %v; want %s", head, ok, f.Change.HeadSHA)
	}
	bare := withRef
	bare.BaseRef = "" // what the service's job knows
	if err := reviewer.ReportFailure(t.Context(), f, bare, errors.New("boom"), testKey); err != nil {
		t.Fatal(err)
	}
	if head, ok := reviewer.SummaryHead(withRef, f.Summary, testKey); !ok || head != f.Change.HeadSHA {
		t.Errorf("after the failure report the summary names %q, %v; want the sealed %s", head, ok, f.Change.HeadSHA)
	}
}
