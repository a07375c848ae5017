package reviewer_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
)

// deletionDiff removes an admin check from one file and a blank line from another.
const deletionDiff = `diff --git a/app/auth.py b/app/auth.py
--- a/app/auth.py
+++ b/app/auth.py
@@ -10,6 +10,3 @@ def handle(request):
     user = request.user
-    if not user.is_admin:
-        raise PermissionDenied("admins only")
-
     return delete_everything()
 
diff --git a/app/util.py b/app/util.py
--- a/app/util.py
+++ b/app/util.py
@@ -3,3 +3,2 @@ import os
 x = 1
-
 y = 2
`

// TestReviewDeletionOnly: a change that only removes a check is reviewed: the model is
// shown the removed lines, numbered on the old side, and its finding on one is placed
// there; a file that only loses a blank line is filtered, and says why.
func TestReviewDeletionOnly(t *testing.T) {
	t.Parallel()
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) {
		return reviewer.Reply{Model: "m", Requests: 1, Findings: []reviewer.ModelFinding{
			{Path: "app/auth.py", Line: 11, Side: "old", Severity: "error", Message: "The admin check is gone: anyone can delete everything.", Quote: "if not user.is_admin:"},
		}}, nil
	}}
	rv := reviewer.New(diffBytes(deletionDiff), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{Model: model}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r"}})
	if err != nil {
		t.Fatal(err)
	}
	if sent := model.sent(); !strings.Contains(sent, "o11 -     if not user.is_admin:") || strings.Contains(sent, "app/util.py") {
		t.Errorf("the prompt lacks the removed check, or holds the blank-line file:\n%s", sent)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Path+":"+string(f.Side)+":"+f.Message[:4])
		if f.Line != 11 {
			t.Errorf("finding on line %d, want 11", f.Line)
		}
	}
	if len(got) != 1 || got[0] != "app/auth.py:old:The " {
		t.Errorf("findings %v, want the model's on the removed line", got)
	}
	outcomes := map[string]string{}
	for _, f := range res.Coverage.Files {
		outcomes[f.Path] = string(f.Outcome) + " " + f.Reason
	}
	if outcomes["app/auth.py"] != "reviewed " || outcomes["app/util.py"] != "filtered only blank lines removed" {
		t.Errorf("coverage %v", outcomes)
	}
}
