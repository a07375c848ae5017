package gitlab_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	out, err := c.Compare(t.Context(), change(), parentSHA, headSHA)
	if err != nil {
		t.Fatal(err)
	}
	files, err := diff.Parse(out)
	if err != nil {
		t.Fatalf("diff.Parse: %v\n%s", err, out)
	}
	type fileSummary struct {
		Old, New string
		Status   string
		Hunks    int
	}
	var got []fileSummary
	for _, fl := range files {
		got = append(got, fileSummary{fl.OldPath, fl.NewPath, fl.Status.String(), len(fl.Hunks)})
	}
	// The renamed-only file came without a diff: left out.
	want := []fileSummary{
		{"also_testing", "also_testing", "modified", 1},
		{"testing", "testing", "modified", 1},
		{"VERSION", "VERSION", "modified", 1},
		{"", "LICENSE", "added", 1},
		{"test/fields/fields.go", "", "deleted", 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("parsed files (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"merge base", "compare"}, endpointsOf(f.calls(""))); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if reqs := f.calls("merge base"); len(reqs) == 1 {
		if d := cmp.Diff([]string{parentSHA, headSHA}, reqs[0].query["refs[]"]); d != "" {
			t.Errorf("merge base refs[] (-want +got):\n%s", d)
		}
	}
	if reqs := f.calls("compare"); len(reqs) == 1 {
		q := reqs[0].query
		if q.Get("from") != parentSHA || q.Get("to") != headSHA || q.Get("straight") != "true" {
			t.Errorf("compare query %v: want from the parent to the head, straight", q)
		}
	}
}

// TestCompareTooLarge replays a push that hides new code from an incremental review: the
// change's file n.py, 150 KB of reviewed code, is replaced by 100 KB of new code. GitLab
// shows the change's own diff of n.py (100 KB added) but finds the comparison with the
// reviewed head (150 KB out, 100 KB in) too large and gives it no diff. Compare left such a
// file out, so the review took n.py for unchanged since the reviewed head and never showed
// the model its new code. Now the comparison is refused as too large (a whole review);
// a file without a diff because it only moved still is left out.
func TestCompareTooLarge(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"too_large", "collapsed"} {
		f := newFake(t, "")
		f.FailNext("compare", failure{Status: http.StatusOK, Body: `{"commits":[],"compare_timeout":false,"compare_same_ref":false,"diffs":[` +
			`{"old_path":"a.py","new_path":"b.py","a_mode":"100644","b_mode":"100644","diff":"","new_file":false,"renamed_file":true,"deleted_file":false,"too_large":false,"collapsed":false},` +
			`{"old_path":"n.py","new_path":"n.py","a_mode":"100644","b_mode":"100644","diff":"","new_file":false,"renamed_file":false,"deleted_file":false,"` + flag + `":true}]}`})
		c := f.client(t, nil)
		out, err := c.Compare(t.Context(), change(), parentSHA, headSHA)
		if !errors.Is(err, reviewer.ErrTooLarge) || !strings.Contains(err.Error(), "n.py") {
			t.Errorf("%s: Compare = %q, %v; want an error wrapping ErrTooLarge that names n.py", flag, out, err)
		}
	}
}

func TestCompareNotFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		from      string
		fail      map[string]failure
		wantCalls []string
	}{
		{name: "force-push", from: rewrittenSHA, wantCalls: []string{"merge base"}},
		{name: "unknown commit", from: strings.Repeat("f", 40), wantCalls: []string{"merge base"}},
		{name: "no common history", from: parentSHA, wantCalls: []string{"merge base"},
			fail: map[string]failure{"merge base": {Status: http.StatusNotFound, Body: `{"message":"404 Merge Base Not Found"}`}}},
		{name: "compare 404", from: parentSHA, wantCalls: []string{"merge base", "compare"},
			fail: map[string]failure{"compare": {Status: http.StatusNotFound, Body: `{"message":"404 Ref Not Found"}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, "")
			for ep, fl := range tt.fail {
				f.FailNext(ep, fl)
			}
			c := f.client(t, nil)
			out, err := c.Compare(t.Context(), change(), tt.from, headSHA)
			if !errors.Is(err, reviewer.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
			if out != nil {
				t.Errorf("diff = %q, want none", out)
			}
			if d := cmp.Diff(tt.wantCalls, endpointsOf(f.calls(""))); d != "" {
				t.Errorf("requests (-want +got):\n%s", d)
			}
		})
	}
}

func TestCompareErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ep   string
		fail []failure
	}{
		// GitLab cut the comparison at its diff limits: a diff missing files would narrow
		// the review wrongly.
		{"compare_timeout", "compare", []failure{{Status: http.StatusOK, Body: `{"commits":[],"diffs":[],"compare_timeout":true,"compare_same_ref":false}`}}},
		// The first request and both retries.
		{"merge base 500", "merge base", slices.Repeat([]failure{{Status: http.StatusInternalServerError, Body: `{"message":"500 Internal Server Error"}`}}, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, "")
			f.FailNext(tt.ep, tt.fail...)
			c := f.client(t, nil)
			_, err := c.Compare(t.Context(), change(), parentSHA, headSHA)
			if err == nil || errors.Is(err, reviewer.ErrNotFound) {
				t.Errorf("err = %v, want an error other than ErrNotFound", err)
			}
		})
	}
}
