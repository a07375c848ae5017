package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// The fake GitHub of reviewer/reviewertest/fakegithub serves one pull request
// (acme/client#7) under /api/v3/, as GitHub Enterprise Server mounts its REST API.

const (
	ghRepo   = "acme/client"
	ghNumber = 7
	ghToken  = "ghp_e2etokenthatmustnotleak"
	ghBot    = "reviewer-bot[bot]"
	ghPrefix = "/api/v3/repos/" + ghRepo
)

// ghFake is the fake GitHub with what the end-to-end tests ask of it.
type ghFake struct{ *fakegithub.Server }

func newGitHubFake(t testing.TB, rev forgeRev) *ghFake {
	t.Helper()
	f := &ghFake{fakegithub.New(t, fakegithub.Options{Repo: ghRepo, Number: ghNumber, Token: ghToken, Bot: ghBot})}
	f.push(rev)
	return f
}

func (f *ghFake) push(rev forgeRev) {
	f.Push(fakegithub.Rev{Base: rev.base, Start: rev.start, Head: rev.head, Diff: rev.diff})
}

func (f *ghFake) changeURL() string { return f.ChangeURL() }

func (f *ghFake) environ() []string {
	return []string{"REVIEWER_GITHUB_TOKEN=" + ghToken, "REVIEWER_GITHUB_BASE_URL=" + f.BaseURL()}
}

func (f *ghFake) mark() int { return f.Log().Mark() }

func (f *ghFake) since(mark int) []fakeRequest {
	var out []fakeRequest
	for _, r := range f.Log().Since(mark) {
		out = append(out, fakeRequest{method: r.Method, path: r.Path, query: r.Query, body: r.Body})
	}
	return out
}

// snapshot returns copies of what the fake holds.
func (f *ghFake) snapshot() ([]fakegithub.Comment, []fakegithub.Review, []fakegithub.IssueComment, []fakegithub.Status) {
	s := f.Snapshot()
	return s.Comments, s.Reviews, s.IssueComments, s.Statuses
}

// addIssueComment adds a comment by a person (octocat) to the pull request.
func (f *ghFake) addIssueComment(body string) int64 { return f.AddIssueComment("octocat", body) }

func (f *glFake) mark() int                    { return f.log.mark() }
func (f *glFake) since(mark int) []fakeRequest { return f.log.since(mark) }

// TestGitHubFakeCompare checks the fake's compare endpoint through the adapter: the fix
// pushed on the rebased head is a diff of the two lines it changed; the rebase itself is a
// force-push; an unknown commit is not found.
func TestGitHubFakeCompare(t *testing.T) {
	t.Parallel()
	f := newGitHubFake(t, changeV1(t))
	f.push(changeV2(t))
	f.push(changeV3(t))
	cl, err := github.New(github.Options{BaseURL: f.BaseURL(), Token: ghToken, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := reviewer.Change{Forge: "github", Repo: ghRepo, Number: ghNumber, HeadSHA: shaHead3}

	got, err := cl.Compare(t.Context(), c, shaHead2, shaHead3)
	if err != nil {
		t.Fatalf("Compare of the fix: %v", err)
	}
	want := "diff --git a/app/client.py b/app/client.py\n" +
		"index " + sha1Hex(shaHead2 + clientPy)[:7] + ".." + sha1Hex(shaHead3 + clientPy)[:7] + " 100644\n" +
		"--- a/app/client.py\n+++ b/app/client.py\n" +
		"@@ -8 +8 @@\n" +
		"-    return requests.get(url, timeout=10, verify=False)\n" +
		"+    return requests.get(url, timeout=10)\n" +
		"@@ -12,3 +12 @@\n" +
		"-    n = 0\n-    for i in items:\n-        n = n + i.price\n" +
		"+    n = sum(i.price for i in items)\n"
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("diff of the fix (-want +got):\n%s", d)
	}
	if got, err := cl.Compare(t.Context(), c, shaHead3, shaHead3); err != nil || len(got) != 0 {
		t.Errorf("Compare of the head with itself = %q, %v; want an empty diff", got, err)
	}
	for name, from := range map[string]string{"rebased": shaHead1, "unknown": strings.Repeat("9", 40)} {
		if _, err := cl.Compare(t.Context(), c, from, shaHead3); !errors.Is(err, reviewer.ErrNotFound) {
			t.Errorf("Compare from the %s head: error %v, want one wrapping %q", name, err, reviewer.ErrNotFound)
		}
	}
}
