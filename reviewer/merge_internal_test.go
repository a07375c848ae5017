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

// TestFoldHidden: a model finding on the line of a built-in rule's inline pattern
// finding, no more severe, is folded into it (the model was not shown the rule, so it
// cannot cite it); a more severe one, one on a team rule's line, on a summary-only
// finding's line, on another line or on the other side stays.
func TestFoldHidden(t *testing.T) {
	t.Parallel()
	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	team, err := rules.Parse(".reviewer/rules/no-eval.md", []byte("---\nid: team-no-eval\ntitle: No eval\nseverity: error\npattern: 'eval\\('\nmessage: m\n---\nNever eval.\n"))
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet(append(builtin, team), rules.Settings{})
	pattern := []Finding{
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideNew, RuleID: "py-eval-exec", Severity: rules.SeverityWarning, Source: SourcePattern, Message: "p"},
		{Path: "a.py", Line: 7, EndLine: 7, Side: SideNew, RuleID: "team-no-eval", Source: SourcePattern, Message: "team"},
		// A TODO is summary-only: it puts no comment on its line.
		{Path: "a.py", Line: 9, EndLine: 9, Side: SideNew, RuleID: "code-todo-without-ticket", Severity: rules.SeverityInfo, Source: SourcePattern, Message: "todo", SummaryOnly: true},
	}
	model := []Finding{
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideNew, Severity: rules.SeverityWarning, Source: SourceLLM, Message: "eval of input", Suggestion: "ast.literal_eval(x)"},
		// More severe than the pattern's: something else, which keeps its own message.
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideNew, Severity: rules.SeverityError, Source: SourceLLM, Message: "SQL injection too"},
		{Path: "a.py", Line: 3, EndLine: 3, Side: SideOld, Source: SourceLLM, Message: "old side"},
		{Path: "a.py", Line: 4, EndLine: 4, Side: SideNew, Source: SourceLLM, Message: "next line"},
		{Path: "a.py", Line: 7, EndLine: 7, Side: SideNew, Source: SourceLLM, Message: "on a team rule's line"},
		{Path: "a.py", Line: 9, EndLine: 9, Side: SideNew, Severity: rules.SeverityError, Source: SourceLLM, Message: "on a TODO's line"},
	}
	got := foldHidden(pattern, model, set)
	var msgs []string
	for _, f := range got {
		msgs = append(msgs, f.Message)
	}
	if diff := cmp.Diff([]string{"SQL injection too", "old side", "next line", "on a team rule's line", "on a TODO's line"}, msgs); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if pattern[0].Suggestion != "ast.literal_eval(x)" || pattern[0].Severity != rules.SeverityWarning {
		t.Errorf("pattern finding %+v: want the folded finding's suggestion, and its own severity", pattern[0])
	}
	if pattern[2].Severity != rules.SeverityInfo {
		t.Errorf("the summary-only TODO took a severity: %v", pattern[2].Severity)
	}
	if len(model) != 6 || model[0].Message != "eval of input" {
		t.Errorf("foldHidden changed its input: %v", model)
	}
}
