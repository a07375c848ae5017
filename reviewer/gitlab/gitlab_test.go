package gitlab_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

func endpointsOf(reqs []request) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.endpoint
	}
	return out
}

func TestReadChange(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	got, err := c.ReadChange(t.Context(), change())
	if err != nil {
		t.Fatal(err)
	}
	// The SHAs are the latest version's, not diff_refs' (dd69…/8e0b…) nor the target's tip.
	want := reviewer.Change{
		Forge: "gitlab", Repo: project, Number: iid,
		BaseSHA: baseSHA, StartSHA: startSHA, HeadSHA: headSHA,
		BaseRef: "master", HeadRef: "delete-designs-v2", Draft: true,
		Title:       "Add deletion support for designs",
		Description: "## What does this MR do?\r\n\r\nThis adds the capability to destroy/hide designs.",
		Author:      "alexkalderimis",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadChange (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"get merge request", "list versions"}, endpointsOf(f.calls(""))); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if n := c.APICalls(); n != 2 {
		t.Errorf("APICalls = %d, want 2", n)
	}
}

// TestReadChangeFork: a merge request whose source project is not its target comes from
// a fork; first_contribution, which GitLab sets on a team member's first merge request
// too, makes a newcomer only there.
func TestReadChangeFork(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		source       float64
		first        bool
		fork, newbie bool
	}{
		{"project branch, first contribution", 278964, true, false, false},
		{"fork", 3, false, true, false},
		{"fork, first contribution", 3, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, "")
			f.EditMR(func(mr map[string]any) {
				mr["source_project_id"], mr["first_contribution"] = tc.source, tc.first
			})
			got, err := f.client(t, nil).ReadChange(t.Context(), change())
			if err != nil {
				t.Fatal(err)
			}
			if got.Fork != tc.fork || got.Newcomer != tc.newbie {
				t.Errorf("Fork, Newcomer = %v, %v; want %v, %v", got.Fork, got.Newcomer, tc.fork, tc.newbie)
			}
		})
	}
}

func TestHead(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	got, err := f.client(t, nil).Head(t.Context(), change())
	if err != nil {
		t.Fatal(err)
	}
	if want := "8e0b45049b6253b8984cde9241830d2851168142"; got != want {
		t.Errorf("Head = %s, want the merge request's sha %s", got, want)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	out, gaps, err := c.DiffWithGaps(t.Context(), change())
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "diff.golden"), out)
	files, err := diff.Parse(out)
	if err != nil {
		t.Fatalf("diff.Parse: %v", err)
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
	wantFiles := []fileSummary{
		{"also_testing", "also_testing", "modified", 1},
		{"testing", "testing", "modified", 1},
		{"VERSION", "VERSION", "modified", 1}, // GitLab's diff carried its own ---/+++ lines
		{"", "LICENSE", "added", 1},
		{"github/github_test.go", "github/github_test.go", "modified", 13},
		{"_testdata/suggestions.json", "_testdata/suggestions.json", "modified", 1},
		{"_testdata/suggestions.go", "_testdata/suggestions.txt", "renamed", 0},
		{"test/README.md", "test/README.md", "modified", 1},
		{"test/fields/fields.go", "", "deleted", 1},
	}
	if d := cmp.Diff(wantFiles, got); d != "" {
		t.Errorf("parsed files (-want +got):\n%s", d)
	}
	wantGaps := []reviewer.FileCoverage{{Path: "db/structure.sql", Outcome: reviewer.OutcomeSkipped, Reason: "too large for GitLab's diff API"}}
	if d := cmp.Diff(wantGaps, gaps); d != "" {
		t.Errorf("gaps (-want +got):\n%s", d)
	}
	// Two pages, found through X-Next-Page, at GitLab's largest page size.
	reqs := f.calls("list diffs")
	if len(reqs) != 2 {
		t.Fatalf("list diffs requests = %d, want 2", len(reqs))
	}
	for i, r := range reqs {
		if r.query.Get("per_page") != "100" {
			t.Errorf("request %d: per_page = %q, want 100", i, r.query.Get("per_page"))
		}
	}
	if p := reqs[1].query.Get("page"); p != "2" {
		t.Errorf("second request: page = %q, want 2", p)
	}
}

// Finding positions in the served diff (see testdata/merge_request.diffs.page*.json).
var (
	removed = reviewer.Finding{Path: "also_testing", Line: 2, EndLine: 2, Side: reviewer.SideOld, Fingerprint: "aaaaaaaaaaaaaaa1"}
	// New line 2 of also_testing is old line 3: a context line whose numbers differ.
	contextLine = reviewer.Finding{Path: "also_testing", Line: 2, EndLine: 2, Side: reviewer.SideNew, Fingerprint: "aaaaaaaaaaaaaaa2"}
	added       = reviewer.Finding{Path: "testing", Line: 2, EndLine: 2, Side: reviewer.SideNew, Fingerprint: "aaaaaaaaaaaaaaa3"}
	// New lines 22-24 of github/github_test.go: context, added, context.
	newRange = reviewer.Finding{Path: "github/github_test.go", Line: 22, EndLine: 24, Side: reviewer.SideNew, Fingerprint: "aaaaaaaaaaaaaaa4"}
	// Old lines 3-5 of a deleted file.
	oldRange = reviewer.Finding{Path: "test/fields/fields.go", Line: 3, EndLine: 5, Side: reviewer.SideOld, Fingerprint: "aaaaaaaaaaaaaaa5"}
	newFile  = reviewer.Finding{Path: "LICENSE", Line: 3, EndLine: 3, Side: reviewer.SideNew, Fingerprint: "aaaaaaaaaaaaaaa6"}
	renamed  = reviewer.Finding{Path: "_testdata/suggestions.json", Line: 1, EndLine: 2, Side: reviewer.SideNew, Fingerprint: "aaaaaaaaaaaaaaa7"}
)

func comment(f reviewer.Finding) reviewer.Comment {
	return reviewer.Comment{Finding: f, Body: reviewer.CommentBody(f, reviewer.SuggestionGitLab)}
}

func comments(fs ...reviewer.Finding) []reviewer.Comment {
	var out []reviewer.Comment
	for _, f := range fs {
		out = append(out, comment(f))
	}
	return out
}

// review reads the change and its diff, as the pipeline does before posting.
func review(t *testing.T, c *gitlab.Client) reviewer.Change {
	t.Helper()
	ch, err := c.ReadChange(t.Context(), change())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.DiffWithGaps(t.Context(), ch); err != nil {
		t.Fatal(err)
	}
	return ch
}

type sentPosition struct {
	Path             string
	OldLine, NewLine int
	Range            string // "start..end" line codes' numbers and types, "" for one line
}

func positionsOf(t *testing.T, reqs []request) []sentPosition {
	t.Helper()
	var out []sentPosition
	for _, r := range reqs {
		pos, _ := r.body["position"].(map[string]any)
		p := sentPosition{Path: pos["new_path"].(string)}
		p.OldLine, _ = number(pos["old_line"])
		p.NewLine, _ = number(pos["new_line"])
		if lr, ok := pos["line_range"].(map[string]any); ok {
			end := func(k string) string {
				e := lr[k].(map[string]any)
				code := e["line_code"].(string)
				return code[strings.Index(code, "_")+1:] + ":" + e["type"].(string)
			}
			p.Range = end("start") + ".." + end("end")
		}
		out = append(out, p)
	}
	return out
}

func TestPost(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ch := review(t, c)
	before := len(f.calls(""))
	in := comments(removed, contextLine, added, newRange, oldRange, newFile, renamed)
	rejected, err := c.Post(t.Context(), ch, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 0 {
		t.Errorf("rejected = %v, want none", rejected)
	}
	reqs := f.calls("")[before:]
	wantOrder := []string{"list draft notes"}
	wantOrder = append(wantOrder, slices.Repeat([]string{"create draft note"}, len(in))...)
	wantOrder = append(wantOrder, "bulk publish")
	if d := cmp.Diff(wantOrder, endpointsOf(reqs)); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	reqs = reqs[1:]
	want := []sentPosition{
		{Path: "also_testing", OldLine: 2},             // removed: old_line only
		{Path: "also_testing", OldLine: 3, NewLine: 2}, // context: both
		{Path: "testing", NewLine: 2},                  // added: new_line only
		// A range is anchored on its last line, which GitLab's suggestion:-N+0 counts from.
		{Path: "github/github_test.go", OldLine: 23, NewLine: 24, Range: "22_22:old..23_24:old"},
		{Path: "test/fields/fields.go", OldLine: 5, Range: "3_0:old..5_0:old"},
		{Path: "LICENSE", NewLine: 3},
		{Path: "_testdata/suggestions.json", NewLine: 2, Range: "3_1:new..3_2:new"},
	}
	if d := cmp.Diff(want, positionsOf(t, reqs[:len(in)])); d != "" {
		t.Errorf("positions (-want +got):\n%s", d)
	}
	for i, r := range reqs[:len(in)] {
		if r.body["note"] != in[i].Body {
			t.Errorf("draft %d: note = %q, want the comment body as given", i, r.body["note"])
		}
	}
	if p := f.pending(); len(p) != 0 {
		t.Errorf("%d drafts left unpublished", len(p))
	}
}

// A run that stopped between its drafts and its publish left them pending; the next run
// deletes them first, so that its publish posts each comment once. A draft without the
// bot's marker (a person sharing the token) is left alone.
func TestPostDeletesStaleDrafts(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ch := review(t, c)
	in := comments(added, removed)
	stale := f.AddDraft(in[0].Body, nil)
	const human = "Some draft note" // draft_notes.list.json's
	humanID := f.AddDraft(human, nil)
	before := len(f.calls(""))
	rejected, err := c.Post(t.Context(), ch, in)
	if err != nil || len(rejected) != 0 {
		t.Fatalf("Post: %v, rejected %v", err, rejected)
	}
	reqs := f.calls("")[before:]
	want := []string{"list draft notes", "delete draft note", "create draft note", "create draft note", "bulk publish"}
	if d := cmp.Diff(want, endpointsOf(reqs)); d != "" {
		t.Fatalf("requests (-want +got):\n%s", d)
	}
	if got, want := reqs[1].path, fmt.Sprintf("/projects/%s/merge_requests/%d/draft_notes/%d", url.PathEscape(project), iid, stale); got != want {
		t.Errorf("deleted %s, want the stale draft %s", got, want)
	}
	for _, r := range reqs {
		if strings.HasSuffix(r.path, "/"+strconv.Itoa(humanID)) {
			t.Errorf("%s %s: touched the person's draft", r.method, r.path)
		}
	}
	// The bulk publish publishes every draft of the user, the person's too; each of the
	// bot's comments once.
	if p := f.pending(); len(p) != 0 {
		t.Errorf("drafts left unpublished: %q", p)
	}
	if d := cmp.Diff([]string{human, in[0].Body, in[1].Body}, f.Snapshot().Published); d != "" {
		t.Errorf("published (-want +got):\n%s", d)
	}
}

// The stale drafts are listed page by page, all of them deleted, and a draft already gone
// (published or deleted meanwhile) is no error.
func TestPostDeletesStaleDraftsOfEveryPage(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ch := review(t, c)
	for i := range 150 {
		f.AddDraft(fmt.Sprintf("old %d\n%s", i, reviewer.Marker(fmt.Sprintf("%016x", i), rules.SeverityWarning)), nil)
	}
	f.FailNext("delete draft note", failure{Status: http.StatusNotFound, Body: `{"message":"404 Not found"}`})
	if _, err := c.Post(t.Context(), ch, comments(added)); err != nil {
		t.Fatal(err)
	}
	lists := f.calls("list draft notes")
	if len(lists) != 2 {
		t.Fatalf("draft lists = %d, want 2 pages", len(lists))
	}
	for i, r := range lists {
		if got := r.query.Get("per_page"); got != "100" {
			t.Errorf("list %d: per_page = %q, want 100", i, got)
		}
	}
	if n := len(f.calls("delete draft note")); n != 150 {
		t.Errorf("deletes = %d, want 150", n)
	}
	if n := len(f.calls("bulk publish")); n != 1 {
		t.Errorf("bulk publishes = %d, want 1", n)
	}
}

// When the stale drafts cannot be listed or deleted, nothing is drafted: the publish would
// post them again.
func TestPostStaleDraftsUnreadable(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{"list draft notes", "delete draft note"} {
		t.Run(ep, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, "")
			c := f.client(t, nil)
			ch := review(t, c)
			in := comments(added)
			f.AddDraft(in[0].Body, nil)
			forbidden := failure{Status: http.StatusForbidden, Body: `{"message":"403 Forbidden"}`}
			f.FailNext(ep, forbidden)
			_, err := c.Post(t.Context(), ch, in)
			if !errors.Is(err, reviewer.ErrForbidden) {
				t.Fatalf("err = %v, want ErrForbidden", err)
			}
			if n := len(f.calls("create draft note")) + len(f.calls("bulk publish")); n != 0 {
				t.Errorf("%d draft requests after the stale drafts stayed", n)
			}
		})
	}
}

func TestPostRejectedPosition(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	f.Reject(func(pos map[string]any) bool { return pos["new_path"] == "LICENSE" })
	c := f.client(t, nil)
	ch := review(t, c)
	in := comments(added, newFile, removed)
	rejected, err := c.Post(t.Context(), ch, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 1 || rejected[0].Comment.Finding != newFile {
		t.Fatalf("rejected = %+v, want the LICENSE comment", rejected)
	}
	if !strings.Contains(rejected[0].Reason, "line_code") {
		t.Errorf("reason %q does not carry GitLab's message", rejected[0].Reason)
	}
	if n := len(f.calls("create draft note")); n != 3 {
		t.Errorf("drafts created = %d, want 3 (the others go on)", n)
	}
	if n := len(f.calls("bulk publish")); n != 1 {
		t.Errorf("bulk publishes = %d, want 1", n)
	}
}

func TestPostNotInDiff(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ch := review(t, c)
	outside := reviewer.Finding{Path: "testing", Line: 40, EndLine: 40, Side: reviewer.SideNew, Fingerprint: "bbbbbbbbbbbbbbb1"}
	unknown := reviewer.Finding{Path: "nope.go", Line: 1, EndLine: 1, Side: reviewer.SideNew, Fingerprint: "bbbbbbbbbbbbbbb2"}
	rejected, err := c.Post(t.Context(), ch, comments(outside, unknown))
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 2 {
		t.Errorf("rejected = %+v, want both", rejected)
	}
	if n := len(f.calls("create draft note")) + len(f.calls("bulk publish")); n != 0 {
		t.Errorf("%d draft requests for comments GitLab cannot place", n)
	}
}

func TestPostWithoutDraftNotes(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	f.NoDrafts()
	f.Reject(func(pos map[string]any) bool { return pos["new_path"] == "LICENSE" })
	c := f.client(t, nil)
	ch := review(t, c)
	rejected, err := c.Post(t.Context(), ch, comments(added, newRange, newFile, removed))
	if err != nil {
		t.Fatal(err)
	}
	if len(rejected) != 1 || rejected[0].Comment.Finding != newFile {
		t.Errorf("rejected = %+v, want the LICENSE comment", rejected)
	}
	if n := len(f.calls("list draft notes")); n != 1 {
		t.Errorf("draft lists = %d, want 1 (the 404 that shows there are none)", n)
	}
	if n := len(f.calls("create draft note")); n != 0 {
		t.Errorf("draft attempts = %d, want 0", n)
	}
	disc := f.calls("create discussion")
	want := []sentPosition{
		{Path: "testing", NewLine: 2},
		{Path: "github/github_test.go", OldLine: 23, NewLine: 24, Range: "22_22:old..23_24:old"},
		{Path: "LICENSE", NewLine: 3},
		{Path: "also_testing", OldLine: 2},
	}
	if d := cmp.Diff(want, positionsOf(t, disc)); d != "" {
		t.Errorf("discussion positions (-want +got):\n%s", d)
	}
	if n := len(f.calls("bulk publish")); n != 0 {
		t.Errorf("bulk publishes = %d, want 0", n)
	}
}

// Post on a client that has not read the change reads the version and the diff itself.
func TestPostColdClient(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ch := change()
	ch.HeadSHA = headSHA
	if _, err := c.Post(t.Context(), ch, comments(contextLine)); err != nil {
		t.Fatal(err)
	}
	want := []string{"list versions", "list diffs", "list diffs", "list draft notes", "create draft note", "bulk publish"}
	if d := cmp.Diff(want, endpointsOf(f.calls(""))); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	// A head the latest version is not of: positions would be wrong, so nothing is posted.
	ch.HeadSHA = strings.Repeat("f", 40)
	if _, err := f.client(t, nil).Post(t.Context(), ch, comments(contextLine)); err == nil {
		t.Error("Post against a stale head: no error")
	}
}

func TestPostRateLimitedMidBatch(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	var sleeps []time.Duration
	c := f.client(t, &sleeps)
	ch := review(t, c)
	limited := failure{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}, Body: `{"message":"429 Too Many Requests"}`}
	f.FailNext("create draft note", failure{Pass: true}, limited, limited, limited)
	_, err := c.Post(t.Context(), ch, comments(added, removed, newFile))
	if !errors.Is(err, reviewer.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	// The drafts that got through are still published, once.
	if n := len(f.calls("bulk publish")); n != 1 {
		t.Errorf("bulk publishes = %d, want 1", n)
	}
	if d := cmp.Diff([]time.Duration{time.Second, time.Second}, sleeps); d != "" {
		t.Errorf("sleeps (-want +got):\n%s", d)
	}
}

func TestListComments(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	got, err := c.ListComments(t.Context(), change())
	if err != nil {
		t.Fatal(err)
	}
	want := []reviewer.PostedComment{
		{ID: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", Fingerprint: "1111111111111111", Path: "also_testing", Line: 2, Replied: true},
		{ID: "b1b2c3d4e5f60718293a4b5c6d7e8f9012345678", Fingerprint: "2222222222222222", Path: "github/github_test.go", Line: 23, Resolved: true},
	}
	// Body, RuleID and Replies serve the conversation: cmd/reviewer/replies_e2e_test.go checks them.
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(reviewer.PostedComment{}, "Body", "RuleID", "Replies")); d != "" {
		t.Errorf("ListComments (-want +got):\n%s", d)
	}
	// Page two was found through the Link header alone.
	reqs := f.calls("list discussions")
	if len(reqs) != 2 || reqs[1].query.Get("page") != "2" || reqs[1].query.Get("per_page") != "100" {
		t.Errorf("list discussions requests = %+v, want pages 1 and 2 of 100", reqs)
	}
	if n := len(f.calls("current user")); n != 1 {
		t.Errorf("current user read %d times, want 1", n)
	}
}

func TestSummary(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ctx := t.Context()
	s, err := c.FindSummary(ctx, change())
	if err != nil {
		t.Fatal(err)
	}
	// Note 2002 quotes a marker but is not the bot's; 2003 is the bot's summary.
	if s == nil || s.ID != "2003" || !strings.Contains(s.Body, "head=3eed087b") {
		t.Fatalf("FindSummary = %+v, want note 2003", s)
	}
	body := "## reviewer\n\n" + reviewer.SummaryMarker(reviewer.Change{}, headSHA, seal.Key{}) + "\n"
	if err := c.WriteSummary(ctx, change(), "", body); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteSummary(ctx, change(), "3000", body+"edited\n"); err != nil {
		t.Fatal(err)
	}
	// The four notes of notes.list.json, and the bot's new one, edited.
	if notes := f.noteBodies(); notes[3000] != body+"edited\n" || len(notes) != 5 {
		t.Errorf("notes %v, want the four recorded and 3000 edited", notes)
	}
	want := []string{"current user", "list notes", "create note", "edit note"}
	if d := cmp.Diff(want, endpointsOf(f.calls(""))); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if err := c.WriteSummary(ctx, change(), "not-a-number", body); err == nil {
		t.Error("WriteSummary with a bad id: no error")
	}
}

func TestSetStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		state     reviewer.StatusState
		desc      string
		wantState string
		wantDesc  string
	}{
		{"pending", reviewer.StatusPending, "reviewing", "pending", "reviewing"},
		{"success", reviewer.StatusSuccess, "no findings", "success", "no findings"},
		{"failure", reviewer.StatusFailure, "2 errors", "failed", "2 errors"},
		{"error", reviewer.StatusError, "model unavailable", "failed", "error: model unavailable"},
		{"error without description", reviewer.StatusError, "", "failed", "error: the review could not complete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, "")
			ch := change()
			ch.HeadSHA = headSHA
			if err := f.client(t, nil).SetStatus(t.Context(), ch, tt.state, tt.desc); err != nil {
				t.Fatal(err)
			}
			reqs := f.calls("set commit status")
			if len(reqs) != 1 {
				t.Fatalf("requests = %d, want 1", len(reqs))
			}
			want := map[string]any{"state": tt.wantState, "name": "reviewer", "description": tt.wantDesc}
			if d := cmp.Diff(want, reqs[0].body); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
			if !strings.HasSuffix(reqs[0].path, "/statuses/"+headSHA) {
				t.Errorf("path %s is not the head's status", reqs[0].path)
			}
		})
	}
	t.Run("same state twice", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, "")
		ch := change()
		ch.HeadSHA = headSHA
		c := f.client(t, nil)
		for range 2 {
			if err := c.SetStatus(t.Context(), ch, reviewer.StatusSuccess, "ok"); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestResolve(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	p := reviewer.PostedComment{ID: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", Replied: true}
	if err := f.client(t, nil).Resolve(t.Context(), change(), p); err != nil {
		t.Fatal(err)
	}
	reqs := f.calls("")
	if len(reqs) != 1 || reqs[0].method != http.MethodPut || reqs[0].body["resolved"] != true ||
		!strings.HasSuffix(reqs[0].path, "/discussions/"+p.ID) {
		t.Errorf("requests = %+v, want one PUT resolved=true on the discussion", reqs)
	}
}

func TestTree(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ch := change()
	fsys, err := c.Tree(t.Context(), ch, baseSHA, []string{".reviewer/rules", ".reviewer.yaml", ".github/copilot-instructions.md", ".github/instructions"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		got[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		".reviewer/rules/go-wrap-errors.md": rawFiles[".reviewer/rules/go-wrap-errors.md"],
		".reviewer/rules/style/no-todo.md":  rawFiles[".reviewer/rules/style/no-todo.md"],
		".reviewer.yaml":                    rawFiles[".reviewer.yaml"],
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("tree (-want +got):\n%s", d)
	}
	for _, r := range f.calls("list tree") {
		if r.query.Get("recursive") != "true" || r.query.Get("ref") != baseSHA || r.query.Get("per_page") != "100" {
			t.Errorf("list tree query %v: want recursive at the base, 100 a page", r.query)
		}
	}
}

// TestRetryAfterDateOnInjectedClock: a Retry-After date and the reset a 429 reports are
// read against Options.Now, not the wall clock.
func TestRetryAfterDateOnInjectedClock(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	limited := failure{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {now.Add(20 * time.Second).Format(http.TimeFormat)}},
		Body: `{"message":"429 Too Many Requests"}`}
	f := newFake(t, "")
	f.FailNext("get merge request", limited, limited, limited)
	var sleeps []time.Duration
	c, err := gitlab.New(gitlab.Options{
		BaseURL:    f.URL(),
		Token:      "glpat-test-token",
		HTTPClient: f.Client(),
		MaxRetries: 2,
		Now:        func() time.Time { return now },
		Sleep: func(_ context.Context, d time.Duration) error {
			sleeps = append(sleeps, d)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Head(t.Context(), change())
	if d := cmp.Diff([]time.Duration{20 * time.Second, 20 * time.Second}, sleeps); d != "" {
		t.Errorf("sleeps (-want +got):\n%s", d)
	}
	if reset, ok := reviewer.RateLimitReset(err); !ok || !reset.Equal(now.Add(20*time.Second)) {
		t.Errorf("err = %v, reset %v (%v); want ErrRateLimited lifting at %v", err, reset, ok, now.Add(20*time.Second))
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	limited := failure{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"7"}}, Body: `{"message":"429 Too Many Requests"}`}
	reset := failure{Status: http.StatusTooManyRequests, Header: http.Header{"Ratelimit-Reset": {"0"}}}
	unavailable := failure{Status: http.StatusBadGateway, Body: `{"message":"502 Bad Gateway"}`}
	tests := []struct {
		name      string
		fail      []failure
		wantErr   error
		wantCalls int
		wantSleep []time.Duration
	}{
		{"not found", []failure{{Status: 404, Body: `{"message":"404 Project Not Found"}`}}, reviewer.ErrNotFound, 1, nil},
		{"forbidden", []failure{{Status: 403, Body: `{"message":"403 Forbidden"}`}}, reviewer.ErrForbidden, 1, nil},
		{"unauthorized", []failure{{Status: 401, Body: `{"message":"401 Unauthorized"}`}}, reviewer.ErrForbidden, 1, nil},
		{"429 then success", []failure{limited}, nil, 2, []time.Duration{7 * time.Second}},
		{"429 past reset", []failure{reset}, nil, 2, []time.Duration{0}},
		{"429 every time", []failure{limited, limited, limited}, reviewer.ErrRateLimited, 3, []time.Duration{7 * time.Second, 7 * time.Second}},
		{"5xx then success", []failure{unavailable, unavailable}, nil, 3, []time.Duration{time.Second, 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, "")
			f.FailNext("get merge request", tt.fail...)
			var sleeps []time.Duration
			c := f.client(t, &sleeps)
			_, err := c.Head(t.Context(), change())
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "glpat-") {
				t.Errorf("error %q leaks the token", err)
			}
			if n := c.APICalls(); n != int64(tt.wantCalls) {
				t.Errorf("APICalls = %d, want %d", n, tt.wantCalls)
			}
			if d := cmp.Diff(tt.wantSleep, sleeps); d != "" {
				t.Errorf("sleeps (-want +got):\n%s", d)
			}
		})
	}
	t.Run("a rate limit says when it lifts", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, "")
		f.FailNext("get merge request", limited, limited, limited)
		_, err := f.client(t, nil).Head(t.Context(), change())
		reset, ok := reviewer.RateLimitReset(err)
		if !errors.Is(err, reviewer.ErrRateLimited) || !ok || time.Until(reset) < 5*time.Second || time.Until(reset) > 8*time.Second {
			t.Errorf("err = %v, reset %v (%v); want ErrRateLimited lifting in 7s", err, reset, ok)
		}
	})
	t.Run("5xx on a POST is not retried", func(t *testing.T) {
		t.Parallel()
		f := newFake(t, "")
		f.FailNext("create note", unavailable)
		c := f.client(t, nil)
		if err := c.WriteSummary(t.Context(), change(), "", "x"); err == nil {
			t.Error("no error")
		}
		if n := len(f.calls("create note")); n != 1 {
			t.Errorf("create note sent %d times, want 1", n)
		}
	})
}

func TestSelfManagedBaseURL(t *testing.T) {
	t.Parallel()
	f := newFake(t, "/gitlab")
	c := f.client(t, nil)
	ch, err := c.ReadChange(t.Context(), change())
	if err != nil {
		t.Fatal(err)
	}
	if ch.HeadSHA != headSHA {
		t.Errorf("HeadSHA = %s", ch.HeadSHA)
	}
	for _, r := range f.calls("") {
		if !strings.HasPrefix(r.path, "/projects/") {
			t.Errorf("path %s", r.path)
		}
	}
	if len(f.calls("")) != 2 {
		t.Errorf("requests = %d, want 2 under /gitlab/api/v4", len(f.calls("")))
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	if _, err := gitlab.New(gitlab.Options{}); err == nil {
		t.Error("New without a token: no error")
	}
	if _, err := gitlab.New(gitlab.Options{Token: "x", BaseURL: "gitlab.example.com"}); err == nil {
		t.Error("New with a base URL without a scheme: no error")
	}
	if _, err := gitlab.New(gitlab.Options{Token: "x"}); err != nil {
		t.Errorf("New for gitlab.com: %v", err)
	}
}

// Every request carries the caller's context: once it is cancelled, nothing is sent.
func TestCancelledContext(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ch := change()
	ch.HeadSHA = headSHA
	calls := map[string]func() error{
		"ReadChange":   func() error { _, err := c.ReadChange(ctx, ch); return err },
		"Diff":         func() error { _, err := c.Diff(ctx, ch); return err },
		"Tree":         func() error { _, err := c.Tree(ctx, ch, baseSHA, []string{".reviewer"}); return err },
		"ListComments": func() error { _, err := c.ListComments(ctx, ch); return err },
		"FindSummary":  func() error { _, err := c.FindSummary(ctx, ch); return err },
		"WriteSummary": func() error { return c.WriteSummary(ctx, ch, "", "x") },
		"SetStatus":    func() error { return c.SetStatus(ctx, ch, reviewer.StatusPending, "") },
		"Resolve":      func() error { return c.Resolve(ctx, ch, reviewer.PostedComment{ID: "x"}) },
		"Head":         func() error { _, err := c.Head(ctx, ch); return err },
		"Post":         func() error { _, err := c.Post(ctx, ch, comments(added)); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", name, err)
		}
	}
	if n := len(f.calls("")); n != 0 {
		t.Errorf("%d requests sent on a cancelled context", n)
	}
}

// TestAPICallsPerReview counts the requests of one whole review, as the pipeline makes them,
// for 1 and for 100 comments. GitLab has no batch draft endpoint: each comment is one
// request; the listing of stale drafts before them and the publish are one more each.
func TestAPICallsPerReview(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 100} {
		f := newFake(t, "")
		c := f.client(t, nil)
		ctx := t.Context()
		ch, err := c.ReadChange(ctx, change())
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Diff(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Tree(ctx, ch, ch.BaseSHA, []string{".reviewer/rules", ".reviewer.yaml"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListComments(ctx, ch); err != nil {
			t.Fatal(err)
		}
		s, err := c.FindSummary(ctx, ch)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Head(ctx, ch); err != nil {
			t.Fatal(err)
		}
		files, err := diff.Parse(d)
		if err != nil {
			t.Fatal(err)
		}
		var in []reviewer.Comment
		for _, fl := range files {
			for _, h := range fl.Hunks {
				for _, l := range h.Lines {
					fd := reviewer.Finding{Path: fl.Path(), Line: l.NewLine, Side: reviewer.SideNew, Fingerprint: "cccccccccccccccc"}
					if l.Kind == diff.Deleted {
						fd.Line, fd.Side = l.OldLine, reviewer.SideOld
					}
					fd.EndLine = fd.Line
					if len(in) < n {
						in = append(in, comment(fd))
					}
				}
			}
		}
		if rejected, err := c.Post(ctx, ch, in); err != nil || len(rejected) != 0 {
			t.Fatalf("Post: %v, rejected %v", err, rejected)
		}
		if err := c.WriteSummary(ctx, ch, s.ID, "summary"); err != nil {
			t.Fatal(err)
		}
		if err := c.SetStatus(ctx, ch, reviewer.StatusSuccess, "done"); err != nil {
			t.Fatal(err)
		}
		// read 2 + diff pages 2 + tree (2 pages, 2 rules, 1 settings file) 5 + current user 1
		// + discussions 2 + notes 1 + head 1 + draft list 1 + drafts n + publish 1 + summary 1
		// + status 1.
		if want := int64(18 + n); c.APICalls() != want {
			t.Errorf("%d comments: APICalls = %d, want %d", n, c.APICalls(), want)
		}
		t.Logf("%d comments: %d API calls", n, c.APICalls())
	}
}

func TestMayRequestReview(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	members := map[int64]int{7: 30, 8: 40, 9: 20, 10: 10}
	for user, level := range members {
		f.SetMember(int(user), level)
	}
	c := f.client(t, nil)
	for user, want := range map[int64]bool{7: true, 8: true, 9: false, 10: false, 11: false} {
		got, err := c.MayRequestReview(t.Context(), change(), reviewer.User{ID: user, Login: "someone"})
		if err != nil {
			t.Fatalf("user %d: %v", user, err)
		}
		if got != want {
			t.Errorf("user %d (access %d): MayRequestReview = %v, want %v", user, members[user], got, want)
		}
	}
	// An error other than 404 is an error, not a no.
	f.FailNext("get member", failure{Status: http.StatusInternalServerError, Body: `{"message":"500 Internal Server Error"}`},
		failure{Status: http.StatusInternalServerError, Body: `{"message":"500 Internal Server Error"}`},
		failure{Status: http.StatusInternalServerError, Body: `{"message":"500 Internal Server Error"}`})
	if _, err := c.MayRequestReview(t.Context(), change(), reviewer.User{ID: 7}); err == nil {
		t.Error("a 500 was taken for an answer")
	}
}

// TestDiffOverflow replays a merge request past GitLab's diff limits: GitLab keeps only the
// files within its limits (1000 files, 50,000 lines, by default) and lists no others, so a
// change that deletes a 50,000-line file and adds its code after it had that code never
// listed, never in the ledger, and the review passed clean. GitLab says so in the merge
// request's changes_count ("1000+"): the review is then incomplete.
func TestDiffOverflow(t *testing.T) {
	t.Parallel()
	for _, read := range []bool{true, false} {
		f := newFake(t, "")
		f.EditMR(func(mr map[string]any) { mr["changes_count"] = "1000+" })
		c := f.client(t, nil)
		ch := change()
		if read {
			var err error
			if ch, err = c.ReadChange(t.Context(), ch); err != nil {
				t.Fatal(err)
			}
		}
		_, gaps, err := c.DiffWithGaps(t.Context(), ch)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, g := range gaps {
			found = found || g.Path == "*" && g.Outcome == reviewer.OutcomeSkipped && strings.Contains(g.Reason, "1000+")
		}
		if !found {
			t.Errorf("ReadChange first: %v: gaps %+v, want one saying files beyond GitLab's limit were not reviewed", read, gaps)
		}
	}
}
