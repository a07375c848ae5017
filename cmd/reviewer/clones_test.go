package main

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/git/clones"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// tokenClient is a forge client as far as cloneRemote looks: it tells its token.
type tokenClient struct {
	forgeClient
	token string
}

func (c tokenClient) GitToken(context.Context) (string, error) { return c.token, nil }

func basic(userToken string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(userToken))
}

func TestCloneRemote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		job  queue.Job
		want clones.Remote
	}{
		{"github.com", Config{}, queue.Job{Forge: "github", Repo: "acme/app", Number: 7},
			clones.Remote{Key: "github.com/acme/app", URL: "https://github.com/acme/app.git", Header: basic("x-access-token:gh-tok"),
				Refs: []string{"refs/pull/7/head", "HEAD"}}},
		{"GHE.com", Config{GitHub: GitHubConfig{BaseURL: "https://api.acme.ghe.com/"}}, queue.Job{Forge: "github", Repo: "acme/app", Number: 7},
			clones.Remote{Key: "acme.ghe.com/acme/app", URL: "https://acme.ghe.com/acme/app.git", Header: basic("x-access-token:gh-tok"),
				Refs: []string{"refs/pull/7/head", "HEAD"}}},
		{"GitHub Enterprise Server", Config{GitHub: GitHubConfig{BaseURL: "https://git.example.com/api/v3/"}}, queue.Job{Forge: "github", Repo: "acme/app", Number: 7},
			clones.Remote{Key: "git.example.com/acme/app", URL: "https://git.example.com/acme/app.git", Header: basic("x-access-token:gh-tok"),
				Refs: []string{"refs/pull/7/head", "HEAD"}}},
		{"gitlab.com", Config{GitLab: GitLabConfig{Token: "gl-tok"}}, queue.Job{Forge: "gitlab", Repo: "group/sub/app", Number: 3},
			clones.Remote{Key: "gitlab.com/group/sub/app", URL: "https://gitlab.com/group/sub/app.git", Header: basic("oauth2:gl-tok"),
				Refs: []string{"refs/merge-requests/3/head", "HEAD"}}},
		{"self-hosted GitLab under a path", Config{GitLab: GitLabConfig{Token: "gl-tok", BaseURL: "https://example.com/gitlab/api/v4/"}},
			queue.Job{Forge: "gitlab", Repo: "group/app", Number: 3},
			clones.Remote{Key: "example.com/gitlab/group/app", URL: "https://example.com/gitlab/group/app.git", Header: basic("oauth2:gl-tok"),
				Refs: []string{"refs/merge-requests/3/head", "HEAD"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := cloneRemote(t.Context(), &tc.cfg, tokenClient{token: "gh-tok"}, tc.job)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("cloneRemote (-want +got):\n%s", diff)
			}
			if strings.Contains(got.URL, "tok") {
				t.Errorf("the URL %q holds the token", got.URL)
			}
		})
	}
}

// TestServeReadsRulesFromClone: reviewer serve reads a GitLab merge request's files from
// a partial clone fetched over git's http transport with the token as a header. The fake
// GitLab's file API holds no rules files; the repository's base commit does, and its rule
// fires: only a read through the clone can find it.
func TestServeReadsRulesFromClone(t *testing.T) {
	t.Parallel()
	gitBin, root, work, bare, git := gitProject(t)
	rule := "---\nid: fixed-timeout\ntitle: A fixed timeout\nseverity: warning\npaths: [\"**/*.py\"]\npattern: 'timeout=10'\n" +
		"message: 'Take the timeout from the configuration.'\n---\nTimeouts are configured.\n"
	if err := os.MkdirAll(filepath.Join(work, ".reviewer", "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, ".reviewer", "rules", "fixed-timeout.md"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	commit := func() string {
		git(work, "add", "-A")
		git(work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "c")
		git(work, "push", "--quiet", "--force", bare, "HEAD:refs/heads/main")
		return git(work, "rev-parse", "HEAD")
	}
	base := commit()
	head := commit()

	f := newGitLabFake(t, readRev(t, "change.v1.diff", base, base, head))
	backend := &cgi.Handler{Path: gitBin, Args: []string{"http-backend"}, Root: "/",
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + root}}
	api, err := url.Parse(f.URL())
	if err != nil {
		t.Fatal(err)
	}
	forgeAPI := httputil.NewSingleHostReverseProxy(api)
	var mu sync.Mutex
	var fetches, denied int
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, ".git/") {
			forgeAPI.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != strings.TrimPrefix(basic("oauth2:"+glToken), "Authorization: ") {
			denied++
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			fetches++
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	const token = glHookToken
	clonesDir := t.TempDir()
	p := startServe(t, append(quickQueue("sqlite://"+filepath.Join(t.TempDir(), "reviewer.db")), "REVIEWER_GITLAB_TOKEN="+glToken,
		"REVIEWER_GITLAB_BASE_URL="+front.URL, "REVIEWER_GITLAB_WEBHOOK_SECRET="+token, "REVIEWER_SERVER_CLONES_DIR="+clonesDir))
	glMROpen(t, p.addr, "open-1", head)
	waitFor(t, "the merge request reviewed", func() bool { return len(f.snapshot().Statuses) > 0 })
	var bodies []string
	for _, d := range f.snapshot().Discussions {
		if !d.Individual {
			bodies = append(bodies, d.Notes[0].Body)
		}
	}
	if len(bodies) != 3 || !strings.Contains(strings.Join(bodies, "\n"), "Take the timeout from the configuration.") {
		t.Errorf("threads %q: want the two built-in pattern findings and the repository's rule's", bodies)
	}
	mu.Lock()
	defer mu.Unlock()
	if fetches == 0 || denied != 0 {
		t.Errorf("upload-pack requests %d, denied %d: want the clone fetched with the token", fetches, denied)
	}
	if strings.Contains(p.logs.String(), glToken) || strings.Contains(p.logs.String(), "local clone failed") {
		t.Errorf("the service's log holds the token or a failed clone:\n%s", p.logs.String())
	}
}

// gitProject makes the fake GitLab project's repository for git's http transport: a
// work tree, and a bare repository under root that serves partial clones; gitBin is git.
// git runs git in a directory ("" for none) and returns its output. It skips the test
// without git.
func gitProject(t *testing.T) (gitBin, root, work, bare string, git func(dir string, args ...string) string) {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	root = t.TempDir()
	work, bare = t.TempDir(), filepath.Join(root, glProject+".git")
	git = func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), gitBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git(work, "init", "--quiet")
	git("", "init", "--quiet", "--bare", bare)
	git(bare, "config", "uploadpack.allowFilter", "true")
	return gitBin, root, work, bare, git
}
