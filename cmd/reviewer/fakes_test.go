package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
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

func (f *ghFake) push(rev forgeRev) { f.Push(rev) }

func (f *ghFake) changeURL() string { return f.ChangeURL() }

func (f *ghFake) environ() []string {
	// The fake serves no git: reviewer serve reads files through its API.
	return []string{"REVIEWER_GITHUB_TOKEN=" + ghToken, "REVIEWER_GITHUB_BASE_URL=" + f.BaseURL(), "REVIEWER_SERVER_CLONES_MAX_MIB=0"}
}

func (f *ghFake) mark() int { return f.Log().Mark() }

func (f *ghFake) since(mark int) []fakeRequest { return f.Log().Since(mark) }

// snapshot returns copies of what the fake holds.
func (f *ghFake) snapshot() ([]fakegithub.Comment, []fakegithub.Review, []fakegithub.IssueComment, []fakegithub.Status) {
	s := f.Snapshot()
	return s.Comments, s.Reviews, s.IssueComments, s.Statuses
}

// addIssueComment adds a comment by a person (octocat) to the pull request.
func (f *ghFake) addIssueComment(body string) int64 { return f.AddIssueComment("octocat", body) }

// The fake GitLab of reviewer/reviewertest/fakegitlab serves one merge request
// (acme/platform/client!7) at /api/v4.

const (
	glProject = "acme/platform/client"
	glIID     = 7
	glToken   = "glpat-e2e-token-that-must-not-leak"
	glBotID   = 42
	glHumanID = fakegitlab.HumanID
)

// glFake is the fake GitLab with what the end-to-end tests ask of it.
type glFake struct{ *fakegitlab.Server }

func newGitLabFake(t testing.TB, rev forgeRev) *glFake {
	t.Helper()
	f := &glFake{fakegitlab.New(t, fakegitlab.Options{Project: glProject, IID: glIID, Token: glToken, BotID: glBotID})}
	f.EditMR(func(mr map[string]any) {
		mr["state"], mr["draft"], mr["work_in_progress"] = "opened", false, false
		mr["title"], mr["description"] = "Evaluate expressions, sum prices", "Adds run() and total()."
		mr["target_branch"], mr["source_branch"] = "main", "feature"
	})
	f.Push(rev)
	return f
}

func (f *glFake) push(rev forgeRev)                             { f.Push(rev) }
func (f *glFake) changeURL() string                             { return f.ChangeURL() }
func (f *glFake) mark() int                                     { return f.Log().Mark() }
func (f *glFake) since(mark int) []fakeRequest                  { return f.Log().Since(mark) }
func (f *glFake) snapshot() fakegitlab.State                    { return f.Snapshot() }
func (f *glFake) addNote(body string) int                       { return f.AddNote(glHumanID, body) }
func (f *glFake) addDraft(note string, position map[string]any) { f.AddDraft(note, position) }

func (f *glFake) environ() []string {
	// The fake serves no git: reviewer serve reads files through its API.
	return []string{"REVIEWER_GITLAB_TOKEN=" + glToken, "REVIEWER_GITLAB_BASE_URL=" + f.URL(), "REVIEWER_SERVER_CLONES_MAX_MIB=0"}
}

// fakeRequest is one request a fake forge received; forgeRev one push of a change.
type (
	fakeRequest = fakeforge.Request
	forgeRev    = fakeforge.Rev
)

func filter(reqs []fakeRequest, method, suffix string) []fakeRequest {
	return fakeforge.Filter(reqs, method, suffix)
}

func writes(reqs []fakeRequest) []string { return fakeforge.Writes(reqs) }

func sha1Hex(s string) string { return fakeforge.SHA1Hex(s) }

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

// TestGitLabFakeCompare drives the adapter's Compare against the fake's merge_base and
// compare, so that a pipeline that starts comparing heads meets a fake that answers as
// documented: the whole change for a base and its head, ErrNotFound between heads.
func TestGitLabFakeCompare(t *testing.T) {
	t.Parallel()
	f := newGitLabFake(t, changeV2(t))
	f.push(changeV3(t))
	c, err := gitlab.New(gitlab.Options{BaseURL: f.URL(), Token: glToken, HTTPClient: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ch := reviewer.Change{Forge: "gitlab", Repo: glProject, Number: glIID}
	out, err := c.Compare(t.Context(), ch, shaBase2, shaHead3)
	if err != nil {
		t.Fatal(err)
	}
	files, err := diff.Parse(out)
	if err != nil {
		t.Fatalf("diff.Parse: %v", err)
	}
	var got, want []string
	for _, fl := range files {
		got = append(got, fl.NewPath)
	}
	v3, err := fakeforge.ParseDiff(changeV3(t).Diff)
	if err != nil {
		t.Fatal(err)
	}
	for _, fl := range v3 {
		want = append(want, fl.NewPath)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files of base..head (-want +got):\n%s", d)
	}
	if out, err := c.Compare(t.Context(), ch, shaHead3, shaHead3); err != nil || len(out) != 0 {
		t.Errorf("head..head = %q, %v; want an empty diff", out, err)
	}
	for _, from := range []string{shaHead2, shaHead1, strings.Repeat("f", 40)} {
		if _, err := c.Compare(t.Context(), ch, from, shaHead3); !errors.Is(err, reviewer.ErrNotFound) {
			t.Errorf("Compare(%s, head): err = %v, want ErrNotFound", from[:8], err)
		}
	}
}
