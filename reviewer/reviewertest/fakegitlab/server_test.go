package fakegitlab_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
)

const diff = "diff --git a/a.go b/a.go\nindex 1111111..2222222 100644\n--- a/a.go\n+++ b/a.go\n@@ -1,2 +1,2 @@\n package a\n-var x = 1\n+var x = 2\n"

// TestFakeRejectsBadRequests makes sure the fake's checks can fail: an undocumented field,
// and a position on a line the diff does not have, are reported as problems and refused.
func TestFakeRejectsBadRequests(t *testing.T) {
	t.Parallel()
	f := fakegitlab.New(t, fakegitlab.Options{Token: "t"})
	f.Push(fakegitlab.Rev{Base: strings.Repeat("1", 40), Start: strings.Repeat("2", 40), Head: strings.Repeat("3", 40), Diff: diff})
	post := func(body string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
			f.URL()+"/api/v4/projects/acme%2Fplatform%2Fclient/merge_requests/7/draft_notes", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Private-Token", "t")
		req.Header.Set("Content-Type", "application/json")
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	pos := `"position":{"base_sha":"` + strings.Repeat("1", 40) + `","start_sha":"` + strings.Repeat("2", 40) +
		`","head_sha":"` + strings.Repeat("3", 40) + `","position_type":"text","old_path":"a.go","new_path":"a.go",`
	if code := post(`{"note":"ok",` + pos + `"new_line":2}}`); code != http.StatusCreated {
		t.Errorf("a draft on an added line: %d, want 201", code)
	}
	if p := f.TakeProblems(); len(p) != 0 {
		t.Errorf("problems with a good draft: %q", p)
	}
	if code := post(`{"note":"context as added",` + pos + `"new_line":1}}`); code != http.StatusBadRequest {
		t.Errorf("new_line alone on a context line: %d, want 400", code)
	}
	if code := post(`{"note":"x","colour":"red"}`); code != http.StatusCreated {
		t.Errorf("a draft without a position: %d, want 201", code)
	}
	p := f.TakeProblems()
	if len(p) != 2 || !strings.Contains(p[0], "name no line of the diff") || !strings.Contains(p[1], `undocumented body field "colour"`) {
		t.Errorf("problems = %q, want the bad position and the undocumented field", p)
	}
}
