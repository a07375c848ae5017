package github_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

const (
	// compareFrom is the head an earlier review covered; testHead is the head now.
	compareFrom = "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d"
	compareDiff = "diff --git a/README b/README\nindex 980a0d5..b1e6722 100644\n--- a/README\n+++ b/README\n@@ -1 +1,2 @@\n Hello World!\n+Hello again.\n"
)

// comparison is GitHub's JSON comparison of compareFrom...testHead with the status given,
// in the documented shape (the commit list is left empty: Compare reads only the status).
func comparison(status string, ahead, behind int) map[string]any {
	const html = "https://github.com/octocat/Hello-World/compare/"
	return map[string]any{
		"url":               "https://api.github.com/repos/octocat/Hello-World/compare/" + compareFrom + "..." + testHead,
		"html_url":          html + compareFrom + "..." + testHead,
		"permalink_url":     html + "octocat:" + compareFrom[:7] + "...octocat:" + testHead[:7],
		"diff_url":          html + compareFrom + "..." + testHead + ".diff",
		"patch_url":         html + compareFrom + "..." + testHead + ".patch",
		"base_commit":       map[string]any{"sha": compareFrom},
		"merge_base_commit": map[string]any{"sha": compareFrom},
		"status":            status,
		"ahead_by":          ahead,
		"behind_by":         behind,
		"total_commits":     ahead,
		"commits":           []any{},
		"files":             []any{},
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	const (
		path   = "/repos/octocat/Hello-World/compare/" + compareFrom + "..." + testHead
		status = "GET " + path + "?per_page=1"
		diff   = "GET " + path
	)
	tests := []struct {
		name      string
		status    string // of the JSON comparison; "" for an error answer
		errStatus int    // the JSON comparison's error status, when status is ""
		rawStatus int    // the diff's error status; 0 serves compareDiff
		want      string
		wantErr   error
		wantCalls []string
	}{
		{name: "ahead", status: "ahead", want: compareDiff, wantCalls: []string{status, diff}},
		{name: "identical", status: "identical", want: "", wantCalls: []string{status}},
		{name: "diverged after a force-push", status: "diverged", wantErr: reviewer.ErrNotFound, wantCalls: []string{status}},
		{name: "behind", status: "behind", wantErr: reviewer.ErrNotFound, wantCalls: []string{status}},
		{name: "unknown commit 404", errStatus: http.StatusNotFound, wantErr: reviewer.ErrNotFound, wantCalls: []string{status}},
		{name: "unresolvable commit 422", errStatus: http.StatusUnprocessableEntity, wantErr: reviewer.ErrNotFound, wantCalls: []string{status}},
		{name: "forbidden", errStatus: http.StatusForbidden, wantErr: reviewer.ErrForbidden, wantCalls: []string{status}},
		{name: "diff too large 406", status: "ahead", rawStatus: http.StatusNotAcceptable, wantErr: reviewer.ErrTooLarge, wantCalls: []string{status, diff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.HandleFunc("GET /repos/octocat/Hello-World/compare/{basehead}", func(w http.ResponseWriter, r *http.Request) {
				if got, want := r.PathValue("basehead"), compareFrom+"..."+testHead; got != want {
					t.Errorf("basehead = %q, want %q", got, want)
				}
				if accept := r.Header.Get("Accept"); strings.Contains(accept, "diff") {
					if accept != "application/vnd.github.v3.diff" && accept != "application/vnd.github.diff" {
						t.Errorf("Accept = %q, want the diff media type", accept)
					}
					if r.URL.RawQuery != "" {
						t.Errorf("diff asked with query %q", r.URL.RawQuery)
					}
					switch tt.rawStatus {
					case 0:
						w.Header().Set("Content-Type", "application/vnd.github.diff; charset=utf-8")
						_, _ = w.Write([]byte(compareDiff))
					case http.StatusNotAcceptable:
						fakegithub.WriteError(w, http.StatusNotAcceptable, "Sorry, this diff is taking too long to generate.",
							map[string]any{"resource": "Commit", "field": "diff", "code": "not_available"})
					}
					return
				}
				switch {
				case tt.status != "":
					ahead, behind := 0, 0
					switch tt.status {
					case "ahead":
						ahead = 2
					case "behind":
						behind = 1
					case "diverged":
						ahead, behind = 3, 2
					}
					fakegithub.WriteJSON(w, http.StatusOK, comparison(tt.status, ahead, behind))
				case tt.errStatus == http.StatusUnprocessableEntity:
					fakegithub.WriteError(w, tt.errStatus, "No commit found for SHA: "+compareFrom)
				case tt.errStatus == http.StatusForbidden:
					fakegithub.WriteError(w, tt.errStatus, "Resource not accessible by integration")
				default:
					fakegithub.WriteError(w, tt.errStatus, "Not Found")
				}
			})
			c := f.client(t)
			got, err := c.Compare(t.Context(), testChange, compareFrom, testHead)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Compare: %v", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("Compare error %v, want one wrapping %q", err, tt.wantErr)
			}
			for _, s := range []error{reviewer.ErrNotFound, reviewer.ErrForbidden, reviewer.ErrTooLarge, reviewer.ErrRateLimited} {
				if err != nil && !errors.Is(s, tt.wantErr) && errors.Is(err, s) {
					t.Errorf("Compare error %q is also %q", err, s)
				}
			}
			if tt.wantErr == nil && (got == nil || string(got) != tt.want) {
				t.Errorf("Compare = %q, want %q", got, tt.want)
			}
			if tt.status == "diverged" && (err == nil || !strings.Contains(err.Error(), "not an ancestor of the head (force-push)")) {
				t.Errorf("Compare error %v does not say why", err)
			}
			if d := cmp.Diff(tt.wantCalls, f.Calls()); d != "" {
				t.Errorf("requests (-want +got):\n%s", d)
			}
		})
	}
}

func TestCompareBadArguments(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client(t)
	for _, args := range [][2]string{{"", testHead}, {compareFrom, ""}} {
		if _, err := c.Compare(t.Context(), testChange, args[0], args[1]); err == nil {
			t.Errorf("Compare(%q, %q): no error", args[0], args[1])
		}
	}
	bad := testChange
	bad.Repo = "octocat"
	if _, err := c.Compare(t.Context(), bad, compareFrom, testHead); err == nil {
		t.Error("Compare of a repository without an owner: no error")
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("requests %v, want none", calls)
	}
}
