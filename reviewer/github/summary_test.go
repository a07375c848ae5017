package github_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/reviewer/seal"
)

// TestSummary finds no summary, creates one, finds it again on a later page, and edits
// it in place.
func TestSummary(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	for range 120 {
		f.AddIssueComment("octocat", "chatter")
	}
	users := f.serveUser(t, testBot)
	c := f.client(t)
	ctx := t.Context()

	s, err := c.FindSummary(ctx, testChange)
	if err != nil || s != nil {
		t.Fatalf("FindSummary before = %v, %v; want nil, nil", s, err)
	}
	first := "2 findings\n" + reviewer.SummaryMarker(reviewer.Change{}, testHead, seal.Key{})
	if err := c.WriteSummary(ctx, testChange, "", first); err != nil {
		t.Fatal(err)
	}
	s, err = c.FindSummary(ctx, testChange)
	if err != nil {
		t.Fatal(err)
	}
	comments := f.Snapshot().IssueComments
	id := strconv.FormatInt(comments[len(comments)-1].ID, 10)
	if d := cmp.Diff(&reviewer.PostedSummary{ID: id, Body: first}, s); d != "" {
		t.Fatalf("FindSummary (-want +got):\n%s", d)
	}
	second := "no findings\n" + reviewer.SummaryMarker(reviewer.Change{}, "2222222222222222222222222222222222222222", seal.Key{})
	if err := c.WriteSummary(ctx, testChange, s.ID, second); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /user",
		"GET /repos/octocat/Hello-World/issues/1347/comments?per_page=100",
		"GET /repos/octocat/Hello-World/issues/1347/comments?page=2&per_page=100",
		"POST /repos/octocat/Hello-World/issues/1347/comments",
		"GET /repos/octocat/Hello-World/issues/1347/comments?per_page=100",
		"GET /repos/octocat/Hello-World/issues/1347/comments?page=2&per_page=100",
		"PATCH /repos/octocat/Hello-World/issues/comments/" + id,
	}
	if d := cmp.Diff(want, f.Calls()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if n := users.Load(); n != 1 {
		t.Errorf("GET /user asked %d times, want once per client", n)
	}
	comments = f.Snapshot().IssueComments
	if last := comments[len(comments)-1].Body; len(comments) != 121 || last != second {
		t.Errorf("%d comments, the summary's body %q; want 121 and %q", len(comments), last, second)
	}
	if err := c.WriteSummary(ctx, testChange, "not-a-number", "x"); err == nil {
		t.Error("WriteSummary with a bad id: no error")
	}
}

func TestSetStatus(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var got map[string]any
	f.HandleFunc("POST /repos/octocat/Hello-World/statuses/{sha}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("sha") != testHead {
			t.Errorf("status on %s, want the head", r.PathValue("sha"))
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		fakegithub.WriteJSON(w, http.StatusCreated, fixtureObject(t, "status.json"))
	})
	c := f.client(t)
	if err := c.SetStatus(t.Context(), testChange, reviewer.StatusFailure, "2 errors, 1 file skipped"); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"state": "failure", "description": "2 errors, 1 file skipped", "context": "reviewer"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("status body (-want +got):\n%s", d)
	}
	noHead := testChange
	noHead.HeadSHA = ""
	if err := c.SetStatus(t.Context(), noHead, reviewer.StatusSuccess, ""); err == nil {
		t.Error("SetStatus without a head: no error")
	}
}
