package fakegithub_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// TestFakeRejectsInvalidRequest makes sure the fake's OpenAPI check can fail: a review
// with a string line is reported as a problem.
func TestFakeRejectsInvalidRequest(t *testing.T) {
	t.Parallel()
	f := fakegithub.New(t, fakegithub.Options{})
	f.HandleFunc("POST /repos/acme/client/pulls/7/reviews", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteJSON(w, http.StatusOK, map[string]any{})
	})
	body := `{"event":"COMMENT","body":"x","comments":[{"path":"a.go","body":"b","line":"twelve"}]}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.BaseURL()+"repos/acme/client/pulls/7/reviews", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	problems := f.TakeProblems()
	if len(problems) != 1 || !strings.Contains(problems[0], "does not match") {
		t.Errorf("problems = %q, want the bad body reported", problems)
	}
}
