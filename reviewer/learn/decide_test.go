package learn_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/learn"
	"github.com/reviewerbot/reviewer/rules"
)

var now = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// dismissals makes one dismissal of rule per (who, path, words), a day apart.
func dismissals(rule string, rows ...[3]string) []learn.Dismissal {
	var out []learn.Dismissal
	for i, r := range rows {
		out = append(out, learn.Dismissal{Forge: "github", Repo: "octo/app", Change: 10 + i, RuleID: rule, Path: r[1], Line: 3 + i,
			Thread: fmt.Sprint(100 + i), Who: r[0], Words: r[2], At: now.Add(-time.Duration(len(rows)-i) * 24 * time.Hour)})
	}
	return out
}

func TestReadReason(t *testing.T) {
	t.Parallel()
	for words, want := range map[string]learn.Reason{
		"false positive":                 learn.ReasonFalsePositive,
		"This is intended.":              learn.ReasonFalsePositive,
		"/dismiss":                       learn.ReasonFalsePositive,
		"not a bug, it is intended":      learn.ReasonNotABug,
		"won't fix":                      learn.ReasonNotABug,
		"Accepted risk for now":          learn.ReasonNotABug,
		"meh":                            learn.ReasonOther,
		"by design; also not a bug here": learn.ReasonFalsePositive,
	} {
		if got := learn.ReadReason(words); got != want {
			t.Errorf("ReadReason(%q) = %s, want %s", words, got, want)
		}
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	rule := &rules.Rule{ID: "r", Severity: rules.SeverityError, Exclude: []string{"**/vendor/**"}}
	info := &rules.Rule{ID: "r", Severity: rules.SeverityInfo}
	excluded := &rules.Rule{ID: "r", Severity: rules.SeverityWarning, Exclude: []string{"**/*_test.go"}}
	th := learn.DefaultThresholds
	old := dismissals("r", [3]string{"ann", "a/x_test.go", "false positive"}, [3]string{"bob", "b/y_test.go", "false positive"},
		[3]string{"cy", "c/z_test.go", "false positive"})
	old[0].At = now.Add(-91 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		rule *rules.Rule
		ds   []learn.Dismissal
		want learn.Proposal // Kind 0: no proposal
	}{
		{"test files", rule, dismissals("r", [3]string{"ann", "a/x_test.go", "false positive"}, [3]string{"bob", "b/y_test.go", "intended"},
			[3]string{"ann", "pkg/z_test.go", "false positive!"}),
			learn.Proposal{Kind: learn.KindExclude, Reason: learn.ReasonFalsePositive, Exclude: "**/*_test.go"}},
		{"one directory", rule, dismissals("r", [3]string{"ann", "internal/gen/a.go", "not a bug"}, [3]string{"bob", "internal/gen/sub/b.go", "won't fix"},
			[3]string{"cy", "internal/gen/c.go", "not a bug"}),
			learn.Proposal{Kind: learn.KindExclude, Reason: learn.ReasonNotABug, Exclude: "internal/gen/**"}},
		{"spread, not a bug", rule, dismissals("r", [3]string{"ann", "a/x.go", "not a bug"}, [3]string{"bob", "b/y.go", "won't fix"},
			[3]string{"cy", "c.go", "accepted risk"}),
			learn.Proposal{Kind: learn.KindSeverity, Reason: learn.ReasonNotABug, From: rules.SeverityError, To: rules.SeverityWarning}},
		{"spread, not a bug, already info", info, dismissals("r", [3]string{"ann", "a/x.go", "not a bug"}, [3]string{"bob", "b/y.go", "won't fix"},
			[3]string{"cy", "c.go", "accepted risk"}), learn.Proposal{}},
		{"spread, false positive", rule, dismissals("r", [3]string{"ann", "a/x.go", "false positive"}, [3]string{"bob", "b/y.go", "intended"},
			[3]string{"cy", "c.go", "by design"}),
			learn.Proposal{Kind: learn.KindExample, Reason: learn.ReasonFalsePositive}},
		{"glob already excluded", excluded, dismissals("r", [3]string{"ann", "a/x_test.go", "false positive"}, [3]string{"bob", "a/y_test.go", "intended"},
			[3]string{"cy", "a/z_test.go", "by design"}),
			learn.Proposal{Kind: learn.KindExclude, Reason: learn.ReasonFalsePositive, Exclude: "a/**"}},
		{"too few", rule, dismissals("r", [3]string{"ann", "a/x.go", "false positive"}, [3]string{"bob", "b/y.go", "intended"}), learn.Proposal{}},
		{"one person", rule, dismissals("r", [3]string{"ann", "a/x.go", "false positive"}, [3]string{"ann", "b/y.go", "intended"},
			[3]string{"ann", "c.go", "by design"}), learn.Proposal{}},
		{"reasons differ", rule, dismissals("r", [3]string{"ann", "a/x.go", "false positive"}, [3]string{"bob", "b/y.go", "won't fix"},
			[3]string{"cy", "c.go", "intended"}), learn.Proposal{}},
		{"other words", rule, dismissals("r", [3]string{"ann", "a/x.go", "meh"}, [3]string{"bob", "b/y.go", "nah"},
			[3]string{"cy", "c.go", "no"}), learn.Proposal{}},
		{"outside the window", rule, old, learn.Proposal{}},
		{"another rule's", rule, dismissals("q", [3]string{"ann", "a/x.go", "false positive"}, [3]string{"bob", "b/y.go", "intended"},
			[3]string{"cy", "c.go", "by design"}), learn.Proposal{}},
		{"unsafe directory name", rule, dismissals("r", [3]string{"ann", "a b/x.go", "false positive"}, [3]string{"bob", "a b/y.go", "intended"},
			[3]string{"cy", "a b/c.go", "by design"}),
			learn.Proposal{Kind: learn.KindExample, Reason: learn.ReasonFalsePositive}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := learn.Decide(tc.rule, tc.ds, th, now)
			if ok != (tc.want.Kind != 0) {
				t.Fatalf("Decide proposed %v (%+v), want %v", ok, got, tc.want.Kind != 0)
			}
			if !ok {
				return
			}
			if len(got.Evidence) != 3 {
				t.Errorf("evidence: %d dismissals, want 3", len(got.Evidence))
			}
			got.Evidence = nil
			tc.want.RuleID = "r"
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Decide (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecideThresholds(t *testing.T) {
	t.Parallel()
	rule := &rules.Rule{ID: "r", Severity: rules.SeverityWarning}
	ds := dismissals("r", [3]string{"ann", "a/x.go", "false positive"}, [3]string{"bob", "b/y.go", "intended"})
	if _, ok := learn.Decide(rule, ds, learn.Thresholds{MinDismissals: 2, MinPeople: 2}, now); !ok {
		t.Error("two dismissals by two people at thresholds 2/2: no proposal")
	}
	if _, ok := learn.Decide(rule, ds, learn.Thresholds{MinDismissals: 2, MinPeople: 3}, now); ok {
		t.Error("two people at min_people 3: a proposal")
	}
	if _, ok := learn.Decide(rule, ds, learn.Thresholds{MinDismissals: 2, MinPeople: 2, Window: 36 * time.Hour}, now); ok {
		t.Error("one dismissal within the window: a proposal")
	}
}
