package reviewer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest"
	"github.com/reviewerbot/reviewer/rules"
)

// dismissals is a DismissalSource with fixed answers.
type dismissals []reviewer.Dismissal

func (d dismissals) Dismissed(context.Context, reviewer.Change, []reviewer.PostedComment) ([]reviewer.Dismissal, error) {
	return d, nil
}

// TestSummaryCountsDismissals: the summary says how many findings people dismissed on the
// change and who, with mentions broken so that naming them pings nobody; the dismissed
// finding is neither posted nor counted, and the dismissals reach the result.
func TestSummaryCountsDismissals(t *testing.T) {
	t.Parallel()
	newForge := func() *reviewertest.Forge {
		return &reviewertest.Forge{
			Change: reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"},
			Patch:  pyDiff(0, "y = eval(a)"),
		}
	}
	first := publishRun(t, newForge())
	if len(first.Findings) != 1 {
		t.Fatalf("findings %d, want 1: %+v", len(first.Findings), first.Findings)
	}
	fp := first.Findings[0].Fingerprint
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

	f := newForge()
	rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{
		Forge: f,
		Publish: reviewer.PublishOptions{FailOn: rules.SeverityError, Seal: testKey, Dismissals: dismissals{
			{Fingerprint: fp, RuleID: "py-eval", Who: "bob", At: at.Add(time.Hour)},
			{Fingerprint: fp, RuleID: "py-eval", Who: "alice", At: at},
			{Fingerprint: "gone", RuleID: "py-other", Who: "ALICE", At: at.Add(2 * time.Hour)},
		}},
	}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "github", Repo: "o/r", Number: 7}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Comments) != 0 || len(res.Findings) != 0 || res.Published.Dismissed != 1 {
		t.Errorf("posted %d, findings %d, dismissed %d; want 0, 0, 1", len(f.Comments), len(res.Findings), res.Published.Dismissed)
	}
	want := "2 findings dismissed (by @\u2060alice, @\u2060bob)"
	if !strings.Contains(f.Summary, want) {
		t.Errorf("summary lacks %q:\n%s", want, f.Summary)
	}
	if strings.Contains(f.Summary, "@alice") || strings.Contains(f.Summary, "@bob") {
		t.Errorf("summary mentions someone:\n%s", f.Summary)
	}
	if got := res.Published.DismissedBy; len(got) != 3 || got[0].Who != "alice" || got[2].Fingerprint != "gone" {
		t.Errorf("DismissedBy = %+v, want the three, oldest first", got)
	}
}

// TestSummaryDismisserNamesAreInert: a login is hostile text; the summary renders it
// through package markdown.
func TestSummaryDismisserNamesAreInert(t *testing.T) {
	t.Parallel()
	c := reviewer.Change{Forge: "gitlab", Repo: "g/p", Number: 3, HeadSHA: "0123456789abcdef"}
	pub := reviewer.Published{DismissedBy: []reviewer.Dismissal{{Fingerprint: "f", Who: "x <!-- [a](http://e.x) @team\n/approve"}}}
	body := reviewer.SummaryBody(c, &reviewer.Result{}, pub, testKey)
	line := ""
	for l := range strings.SplitSeq(body, "\n") {
		if strings.Contains(l, "dismissed (by") {
			line = l
		}
	}
	if !strings.HasPrefix(line, "1 finding dismissed (by @\u2060x ") {
		t.Fatalf("no dismissal line, or not as expected: %q in\n%s", line, body)
	}
	for _, bad := range []string{"<!--", " [a](http", "@team", "\n/approve"} {
		if strings.Contains(line, bad) {
			t.Errorf("summary carries %q: %q", bad, line)
		}
	}
}
