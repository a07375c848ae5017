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
	p := newGitProject(t)
	rule := "---\nid: fixed-timeout\ntitle: A fixed timeout\nseverity: warning\npaths: [\"**/*.py\"]\npattern: 'timeout=10'\n" +
		"message: 'Take the timeout from the configuration.'\n---\nTimeouts are configured.\n"
	if err := os.MkdirAll(filepath.Join(p.work, ".reviewer", "rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.work, ".reviewer", "rules", "fixed-timeout.md"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	base := p.commit()
	head := p.commit()

	f := newGitLabFake(t, readRev(t, "change.v1.diff", base, base, head))
	front := p.front(f)

	const token = glHookToken
	clonesDir := t.TempDir()
	srv := startServe(t, append(quickQueue("sqlite://"+filepath.Join(t.TempDir(), "reviewer.db")), "REVIEWER_GITLAB_TOKEN="+glToken,
		"REVIEWER_GITLAB_BASE_URL="+front.URL, "REVIEWER_GITLAB_WEBHOOK_SECRET="+token, "REVIEWER_SERVER_CLONES_DIR="+clonesDir))
	glMROpen(t, srv.addr, "open-1", head)
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
	front.mu.Lock()
	defer front.mu.Unlock()
	if front.fetches == 0 || front.denied != 0 {
		t.Errorf("upload-pack requests %d, denied %d: want the clone fetched with the token", front.fetches, front.denied)
	}
	if strings.Contains(srv.logs.String(), glToken) || strings.Contains(srv.logs.String(), "local clone failed") {
		t.Errorf("the service's log holds the token or a failed clone:\n%s", srv.logs.String())
	}
}

// gitProject is the fake GitLab project's repository for git's http transport: a work
// tree, and a bare repository under root that serves partial clones.
type gitProject struct {
	t                        *testing.T
	gitBin, root, work, bare string
}

// newGitProject makes the repositories; it skips the test without git.
func newGitProject(t *testing.T) *gitProject {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	p := &gitProject{t: t, gitBin: gitBin, root: root, work: t.TempDir(), bare: filepath.Join(root, glProject+".git")}
	p.git(p.work, "init", "--quiet")
	p.git("", "init", "--quiet", "--bare", p.bare)
	p.git(p.bare, "config", "uploadpack.allowFilter", "true")
	return p
}

// git runs git in dir ("" for none) and returns its output.
func (p *gitProject) git(dir string, args ...string) string {
	p.t.Helper()
	cmd := exec.CommandContext(p.t.Context(), p.gitBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit commits the work tree as it is, pushes it to the bare repository's main, and
// returns its id.
func (p *gitProject) commit() string {
	p.t.Helper()
	p.git(p.work, "add", "-A")
	p.git(p.work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "c")
	p.git(p.work, "push", "--quiet", "--force", p.bare, "HEAD:refs/heads/main")
	return p.git(p.work, "rev-parse", "HEAD")
}

// gitFront is what front counts of git's requests.
type gitFront struct {
	*httptest.Server
	mu              sync.Mutex
	fetches, denied int
}

// front serves f's API, and the project's git over http behind GitLab's token header,
// counting upload-pack requests and refusals.
func (p *gitProject) front(f *glFake) *gitFront {
	p.t.Helper()
	backend := &cgi.Handler{Path: p.gitBin, Args: []string{"http-backend"}, Root: "/",
		Env: []string{"GIT_PROJECT_ROOT=" + p.root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + p.root}}
	api, err := url.Parse(f.URL())
	if err != nil {
		p.t.Fatal(err)
	}
	forgeAPI := httputil.NewSingleHostReverseProxy(api)
	g := &gitFront{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, ".git/") {
			forgeAPI.ServeHTTP(w, r)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if r.Header.Get("Authorization") != strings.TrimPrefix(basic("oauth2:"+glToken), "Authorization: ") {
			g.denied++
			w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/git-upload-pack") {
			g.fetches++
		}
		backend.ServeHTTP(w, r)
	}))
	p.t.Cleanup(g.Close)
	return g
}
