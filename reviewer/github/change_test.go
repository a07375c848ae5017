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

func TestReadChange(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, _ *http.Request) {
		pr := fixtureObject(t, "pull-request.json")
		pr["head"] = with(pr["head"].(map[string]any), "sha", "1111111111111111111111111111111111111111")
		fakegithub.WriteJSON(w, http.StatusOK, pr)
	})
	c := f.client(t)

	got, err := c.ReadChange(t.Context(), reviewer.Change{Repo: testRepo, Number: 1347})
	if err != nil {
		t.Fatal(err)
	}
	want := reviewer.Change{
		Forge:       "github",
		Repo:        testRepo,
		Number:      1347,
		BaseSHA:     "6dcb09b5b57875f334f61aebed695e2e4193db5e",
		HeadSHA:     "1111111111111111111111111111111111111111",
		BaseRef:     "master",
		HeadRef:     "new-topic",
		Title:       "Amazing new feature",
		Description: "Please pull these awesome changes in!",
		Author:      "octocat",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadChange (-want +got):\n%s", diff)
	}
	head, err := c.Head(t.Context(), got)
	if err != nil {
		t.Fatal(err)
	}
	if head != want.HeadSHA {
		t.Errorf("Head = %s, want %s", head, want.HeadSHA)
	}
	for _, r := range f.Log().All() {
		if auth := r.Header.Get("Authorization"); auth != "Bearer "+testToken {
			t.Errorf("%s: Authorization = %q", r, auth)
		}
	}
	if n := c.APICalls(); n != 2 {
		t.Errorf("APICalls = %d, want 2", n)
	}
}

// TestErrors checks how GitHub's error answers map onto the core's sentinels, and that
// no error carries the token.
func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		want      error
		wantCalls int64
		wantWaits int
	}{
		{
			name: "404",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				fakegithub.WriteError(w, http.StatusNotFound, "Not Found")
			},
			want: reviewer.ErrNotFound, wantCalls: 1,
		},
		{
			name: "403 permission",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				fakegithub.WriteError(w, http.StatusForbidden, "Resource not accessible by integration")
			},
			want: reviewer.ErrForbidden, wantCalls: 1,
		},
		{
			name: "401 bad credentials",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				fakegithub.WriteError(w, http.StatusUnauthorized, "Bad credentials")
			},
			want: reviewer.ErrForbidden, wantCalls: 1,
		},
		{
			name: "429 every time",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "2")
				fakegithub.WriteError(w, http.StatusTooManyRequests, "Too Many Requests")
			},
			// MaxRetries is 3 by default: four requests, three waits.
			want: reviewer.ErrRateLimited, wantCalls: 4, wantWaits: 3,
		},
		{
			name: "403 secondary every time",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				fakegithub.WriteJSON(w, http.StatusForbidden, map[string]any{
					"message":           "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
					"documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
				})
			},
			want: reviewer.ErrRateLimited, wantCalls: 4, wantWaits: 3,
		},
		{
			name: "500 every time",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				fakegithub.WriteError(w, http.StatusBadGateway, "Server Error")
			},
			want: nil, wantCalls: 4, wantWaits: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", tt.handler)
			c := f.client(t)
			_, err := c.ReadChange(t.Context(), testChange)
			if err == nil {
				t.Fatal("ReadChange: no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("ReadChange error %q is not %q", err, tt.want)
			}
			for _, s := range []error{reviewer.ErrNotFound, reviewer.ErrForbidden, reviewer.ErrRateLimited} {
				if !errors.Is(s, tt.want) && errors.Is(err, s) {
					t.Errorf("ReadChange error %q is also %q", err, s)
				}
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q contains the token", err)
			}
			if n := c.APICalls(); n != tt.wantCalls {
				t.Errorf("APICalls = %d, want %d", n, tt.wantCalls)
			}
			if n := len(f.waits()); n != tt.wantWaits {
				t.Errorf("waits = %v, want %d of them", f.waits(), tt.wantWaits)
			}
		})
	}
}

func TestBadRepo(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client(t)
	for _, repo := range []string{"", "octocat", "a/b/c", "/x"} {
		if _, err := c.ReadChange(t.Context(), reviewer.Change{Repo: repo, Number: 1}); err == nil {
			t.Errorf("ReadChange(%q): no error", repo)
		}
	}
	if n := c.APICalls(); n != 0 {
		t.Errorf("APICalls = %d, want 0", n)
	}
}

// TestReadChangeOutsider: a pull request from a fork (another head repository, or one
// deleted since) or by an author GitHub calls a first-timer or unrelated is an outsider's.
func TestReadChangeOutsider(t *testing.T) {
	t.Parallel()
	sameRepo := func(r map[string]any) any { return r }
	fork := func(r map[string]any) any { return with(r, "id", 4242, "full_name", "mallory/Hello-World") }
	deleted := func(map[string]any) any { return nil }
	for _, tc := range []struct {
		name         string
		association  string
		headRepo     func(map[string]any) any
		fork, newbie bool
	}{
		{"owner's branch", "OWNER", sameRepo, false, false},
		{"member's branch", "MEMBER", sameRepo, false, false},
		{"contributor's branch", "CONTRIBUTOR", sameRepo, false, false},
		{"member's fork", "MEMBER", fork, true, false},
		{"first-time contributor's fork", "FIRST_TIME_CONTRIBUTOR", fork, true, true},
		{"first-timer's fork", "FIRST_TIMER", fork, true, true},
		{"unrelated author's fork", "NONE", fork, true, true},
		{"unknown association", "SOMETHING_NEW", sameRepo, false, true},
		{"deleted fork", "COLLABORATOR", deleted, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, _ *http.Request) {
				pr := fixtureObject(t, "pull-request.json")
				head := pr["head"].(map[string]any)
				pr["head"] = with(head, "repo", tc.headRepo(head["repo"].(map[string]any)))
				pr["author_association"] = tc.association
				fakegithub.WriteJSON(w, http.StatusOK, pr)
			})
			got, err := f.client(t).ReadChange(t.Context(), reviewer.Change{Repo: testRepo, Number: 1347})
			if err != nil {
				t.Fatal(err)
			}
			if got.Fork != tc.fork || got.Newcomer != tc.newbie || got.Outsider() != (tc.fork || tc.newbie) {
				t.Errorf("Fork, Newcomer, Outsider = %v, %v, %v; want %v, %v, %v", got.Fork, got.Newcomer, got.Outsider(),
					tc.fork, tc.newbie, tc.fork || tc.newbie)
			}
		})
	}
}
