package reviewer_test

import (
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest"
)

func TestReportFailure(t *testing.T) {
	t.Parallel()
	f := &reviewertest.Forge{
		Change: reviewer.Change{BaseSHA: "b1", HeadSHA: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		Patch:  pyDiff(0, "x = eval(input())"),
	}
	// A first review succeeds and names its head in the summary.
	publishRun(t, f)
	reviewed, _ := reviewer.ParseSummaryMarker(f.Summary)
	if reviewed != f.Change.HeadSHA {
		t.Fatalf("the summary names %q, want %s", reviewed, f.Change.HeadSHA)
	}

	next := reviewer.Change{Forge: "github", Repo: "o/r", Number: 7, HeadSHA: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
	if err := reviewer.ReportFailure(t.Context(), f, next, "read rules: .reviewer/rules/x.md:3: unknown key \"sevrity\"\n```inject```"); err != nil {
		t.Fatal(err)
	}
	if f.SummaryWrites != 2 {
		t.Errorf("%d summary writes, want 2 (one edited in place)", f.SummaryWrites)
	}
	for _, want := range []string{"### reviewer: review failed", "The review of `bbbbbbbbbbbb` could not be done",
		`unknown key "sevrity"`, "'''inject'''", "comment `/review`", "The last review was of `aaaaaaaaaaaa`"} {
		if !strings.Contains(f.Summary, want) {
			t.Errorf("the failure summary does not say %q:\n%s", want, f.Summary)
		}
	}
	// The marker still names the head that was reviewed, not the one that failed.
	if head, ok := reviewer.ParseSummaryMarker(f.Summary); !ok || head != f.Change.HeadSHA {
		t.Errorf("the failure summary's marker names %q, want %s", head, f.Change.HeadSHA)
	}
	last := f.Statuses[len(f.Statuses)-1]
	if last.SHA != next.HeadSHA || last.State != reviewer.StatusError || !strings.HasPrefix(last.Description, "review failed: read rules") || len(last.Description) > 140 {
		t.Errorf("status %+v, want error on %s with the reason, at most 140 bytes", last, next.HeadSHA)
	}
}
