package github_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/rules"
)

// reviewRequest is the body of POST .../pulls/{n}/reviews as the fake reads it.
type reviewRequest struct {
	CommitID string         `json:"commit_id"`
	Body     string         `json:"body"`
	Event    string         `json:"event"`
	Comments []draftComment `json:"comments"`
}

type draftComment struct {
	Path      string `json:"path"`
	Body      string `json:"body"`
	Line      int    `json:"line"`
	Side      string `json:"side"`
	StartLine int    `json:"start_line,omitempty"`
	StartSide string `json:"start_side,omitempty"`
}

// reviewsFake mounts a reviews endpoint that refuses, as GitHub does, a whole review
// holding any comment on a path in bad, and records the reviews it accepted.
type reviewsFake struct {
	*fake
	mu       sync.Mutex
	accepted []reviewRequest
}

func newReviewsFake(t *testing.T, bad map[string]string) *reviewsFake {
	f := &reviewsFake{fake: newFake(t)}
	f.HandleFunc("POST /repos/octocat/Hello-World/pulls/1347/reviews", func(w http.ResponseWriter, r *http.Request) {
		var req reviewRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("review body: %v", err)
		}
		for _, c := range req.Comments {
			if msg, ok := bad[c.Path]; ok {
				fakegithub.WriteError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", msg)
				return
			}
		}
		f.mu.Lock()
		f.accepted = append(f.accepted, req)
		f.mu.Unlock()
		fakegithub.WriteJSON(w, http.StatusOK, with(fixtureObject(t, "pull-request-review.json"), "commit_id", req.CommitID, "state", "COMMENTED"))
	})
	return f
}

func (f *reviewsFake) reviews() []reviewRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]reviewRequest(nil), f.accepted...)
}

func comment(path string, line, end int, side reviewer.Side) reviewer.Comment {
	fp := fmt.Sprintf("%08x", line*1000+end)
	return reviewer.Comment{
		Finding: reviewer.Finding{Path: path, Line: line, EndLine: end, Side: side, Message: "m", Fingerprint: fp},
		Body:    "Wrap the error.\n\n" + reviewer.Marker(fp, rules.SeverityWarning),
	}
}

func TestPost(t *testing.T) {
	t.Parallel()
	f := newReviewsFake(t, nil)
	c := f.client(t)
	comments := []reviewer.Comment{
		comment("a.go", 12, 12, reviewer.SideNew),
		comment("a.go", 20, 24, reviewer.SideNew),
		comment("b.go", 7, 7, reviewer.SideOld),
		comment("b.go", 3, 5, reviewer.SideOld),
	}
	rejected, err := c.Post(t.Context(), testChange, comments)
	if err != nil || len(rejected) != 0 {
		t.Fatalf("Post = %v, %v", rejected, err)
	}
	want := []reviewRequest{{
		CommitID: testHead,
		Body:     "reviewer: 4 comments on 6dcb09b5b578",
		Event:    "COMMENT",
		Comments: []draftComment{
			{Path: "a.go", Body: comments[0].Body, Line: 12, Side: "RIGHT"},
			{Path: "a.go", Body: comments[1].Body, Line: 24, Side: "RIGHT", StartLine: 20, StartSide: "RIGHT"},
			{Path: "b.go", Body: comments[2].Body, Line: 7, Side: "LEFT"},
			{Path: "b.go", Body: comments[3].Body, Line: 5, Side: "LEFT", StartLine: 3, StartSide: "LEFT"},
		},
	}}
	if d := cmp.Diff(want, f.reviews()); d != "" {
		t.Errorf("reviews (-want +got):\n%s", d)
	}
	if got := c.Suggestions(); got != reviewer.SuggestionGitHub {
		t.Errorf("Suggestions = %v", got)
	}
}

// TestPostCalls measures the requests per review: one per 30 comments.
func TestPostCalls(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ comments, reviews int }{{0, 0}, {1, 1}, {30, 1}, {45, 2}, {100, 4}} {
		t.Run(fmt.Sprint(tt.comments), func(t *testing.T) {
			t.Parallel()
			f := newReviewsFake(t, nil)
			c := f.client(t)
			var comments []reviewer.Comment
			for i := range tt.comments {
				comments = append(comments, comment(fmt.Sprintf("f%d.go", i), i+1, i+1, reviewer.SideNew))
			}
			rejected, err := c.Post(t.Context(), testChange, comments)
			if err != nil || len(rejected) != 0 {
				t.Fatalf("Post = %v, %v", rejected, err)
			}
			reviews := f.reviews()
			var sizes []int
			posted := 0
			for _, r := range reviews {
				sizes = append(sizes, len(r.Comments))
				posted += len(r.Comments)
			}
			if len(reviews) != tt.reviews || posted != tt.comments {
				t.Errorf("%d reviews of sizes %v, want %d reviews holding %d comments", len(reviews), sizes, tt.reviews, tt.comments)
			}
			if n := c.APICalls(); n != int64(tt.reviews) {
				t.Errorf("APICalls = %d, want %d", n, tt.reviews)
			}
		})
	}
}

// TestPostRejected covers GitHub's 422 for one comment of a batch: the others are
// posted, the bad one comes back with GitHub's reason.
func TestPostRejected(t *testing.T) {
	t.Parallel()
	const msg = "Pull request review thread line must be part of the diff"
	f := newReviewsFake(t, map[string]string{"bad.go": msg})
	c := f.client(t)
	var comments []reviewer.Comment
	for i := range 12 {
		path := fmt.Sprintf("f%02d.go", i)
		if i == 8 {
			path = "bad.go"
		}
		comments = append(comments, comment(path, i+1, i+1, reviewer.SideNew))
	}
	rejected, err := c.Post(t.Context(), testChange, comments)
	if err != nil {
		t.Fatal(err)
	}
	want := []reviewer.Rejected{{Comment: comments[8], Reason: "GitHub refused the comment: Unprocessable Entity: " + msg}}
	if d := cmp.Diff(want, rejected); d != "" {
		t.Errorf("rejected (-want +got):\n%s", d)
	}
	var posted []string
	for _, r := range f.reviews() {
		for _, cm := range r.Comments {
			posted = append(posted, cm.Path)
		}
	}
	sort.Strings(posted)
	var wantPosted []string
	for i, cm := range comments {
		if i != 8 {
			wantPosted = append(wantPosted, cm.Finding.Path)
		}
	}
	if d := cmp.Diff(wantPosted, posted); d != "" {
		t.Errorf("posted (-want +got):\n%s", d)
	}
	// 12 -> 6 ok + 6 bad -> 3 ok + 3 bad -> 1 ok + 2 bad -> 1 ok + 1 bad: 9 requests.
	if n := c.APICalls(); n != 9 {
		t.Errorf("APICalls = %d, want 9", n)
	}
	t.Logf("%d reviews, %d requests", len(f.reviews()), c.APICalls())
}

// TestPostCommitRejected: a 422 about the commit concerns every comment; it fails the
// batch without bisecting.
func TestPostCommitRejected(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("POST /repos/octocat/Hello-World/pulls/1347/reviews", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", "No commit found for SHA: "+testHead)
	})
	c := f.client(t)
	comments := []reviewer.Comment{comment("a.go", 1, 1, reviewer.SideNew), comment("b.go", 2, 2, reviewer.SideNew)}
	rejected, err := c.Post(t.Context(), testChange, comments)
	if err == nil || len(rejected) != 0 {
		t.Errorf("Post = %v, %v; want an error and nothing rejected", rejected, err)
	}
	if n := c.APICalls(); n != 1 {
		t.Errorf("APICalls = %d, want 1", n)
	}
}

// TestPostForbidden: a 403 stops the remaining batches.
func TestPostForbidden(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("POST /repos/octocat/Hello-World/pulls/1347/reviews", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteError(w, http.StatusForbidden, "Resource not accessible by integration")
	})
	c := f.client(t)
	var comments []reviewer.Comment
	for i := range 70 {
		comments = append(comments, comment("a.go", i+1, i+1, reviewer.SideNew))
	}
	_, err := c.Post(t.Context(), testChange, comments)
	if !errors.Is(err, reviewer.ErrForbidden) {
		t.Errorf("Post error = %v, want ErrForbidden", err)
	}
	if n := c.APICalls(); n != 1 {
		t.Errorf("APICalls = %d, want 1", n)
	}
}
