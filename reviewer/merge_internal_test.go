package reviewer

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/rules"
)

func TestMerge(t *testing.T) {
	t.Parallel()
	pattern := []Finding{
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideNew, RuleID: "py-eval", Source: SourcePattern, Message: "p"},
	}
	model := []Finding{
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideNew, RuleID: "py-eval", Source: SourceLLM, Message: "same rule, same line", Suggestion: "ast.literal_eval(x)"},
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideNew, RuleID: "", Source: SourceLLM, Message: "general"},
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideNew, RuleID: "", Source: SourceLLM, Message: "general again (overlapping chunks)"},
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideOld, RuleID: "", Source: SourceLLM, Message: "old side"},
	}
	got := merge(pattern, model, false)
	var msgs []string
	for _, f := range got {
		msgs = append(msgs, f.Message)
	}
	if diff := cmp.Diff([]string{"p", "general", "old side"}, msgs); diff != "" {
		t.Errorf("merged (-want +got):\n%s", diff)
	}
	if got[0].Suggestion != "ast.literal_eval(x)" {
		t.Errorf("pattern finding did not take the model's suggestion: %q", got[0].Suggestion)
	}
}

func TestCapFindings(t *testing.T) {
	t.Parallel()
	fs := []Finding{
		{Line: 0, Severity: rules.SeverityInfo, Source: SourcePattern, SummaryOnly: true},
		{Line: 1, Severity: rules.SeverityInfo, Source: SourcePattern},
		{Line: 2, Severity: rules.SeverityError, Source: SourceLLM},
		{Line: 3, Severity: rules.SeverityWarning, Source: SourceLLM},
		{Line: 4, Severity: rules.SeverityError, Source: SourcePattern},
		{Line: 5, Severity: rules.SeverityWarning, Source: SourcePattern},
		{Line: 6, Severity: rules.SeverityError, Source: SourcePattern, SummaryOnly: true},
	}
	lines := func(fs []Finding) []int {
		var out []int
		for _, f := range fs {
			out = append(out, f.Line)
		}
		return out
	}
	tests := []struct {
		max     int
		want    []int
		omitted int
	}{
		{0, []int{0, 1, 2, 3, 4, 5, 6}, 0},
		{7, []int{0, 1, 2, 3, 4, 5, 6}, 0},
		{1, []int{4}, 6},
		{2, []int{2, 4}, 5},
		{3, []int{2, 4, 6}, 4},
		{4, []int{2, 4, 5, 6}, 3},
		{6, []int{1, 2, 3, 4, 5, 6}, 1},
	}
	for _, tt := range tests {
		got, omitted := capFindings(fs, tt.max)
		if diff := cmp.Diff(tt.want, lines(got)); diff != "" || omitted != tt.omitted {
			t.Errorf("cap %d: omitted %d (want %d), kept (-want +got):\n%s", tt.max, omitted, tt.omitted, diff)
		}
	}
}
