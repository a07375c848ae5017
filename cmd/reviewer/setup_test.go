package main

import (
	"bufio"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
)

const setupHookURL = "https://reviewer.example.com/webhooks/github"

// setupRun is reviewer setup running in the background: its stdout comes line by line.
type setupRun struct {
	lines  chan string
	done   chan error
	stderr *syncBuffer
}

func startSetup(t *testing.T, environ []string, args ...string) *setupRun {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	r := &setupRun{lines: make(chan string, 100), done: make(chan error, 1), stderr: &syncBuffer{}}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
	}()
	go func() {
		err := run(ctx, args, env{stdin: strings.NewReader(""), stdout: pw, stderr: r.stderr, environ: environ, dir: t.TempDir()})
		_ = pw.Close()
		r.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; err != nil {
			t.Logf("setup ended: %v", err)
		}
	})
	return r
}

// line waits for the next line of stdout.
func (r *setupRun) line(t *testing.T) string {
	t.Helper()
	l, ok := <-r.lines
	if !ok {
		t.Fatalf("setup ended its output early; stderr:\n%s", r.stderr.String())
	}
	return l
}

// rest waits for the command to end and returns the rest of its stdout.
func (r *setupRun) rest(t *testing.T) (string, error) {
	t.Helper()
	var out []string
	for l := range r.lines {
		out = append(out, l)
	}
	err := <-r.done
	r.done <- err // for the cleanup
	return strings.Join(out, "\n"), err
}

var (
	formActionRE   = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	formManifestRE = regexp.MustCompile(`<input type="hidden" name="manifest" value="([^"]+)">`)
	pageURLRE      = regexp.MustCompile(`^open (http://127\.0\.0\.1:\d+/) in a browser`)
)

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// wantManifest is the manifest the command must ask GitHub for.
func wantManifest(redirectURL string) map[string]any {
	return map[string]any{
		"name": "reviewer", "url": reviewerHomepage,
		"hook_attributes": map[string]any{"url": setupHookURL, "active": true},
		"redirect_url":    redirectURL, "public": false,
		"description": "AI code review of pull requests against the team's rules (reviewer serve)",
		"default_permissions": map[string]any{
			"pull_requests": "write", "contents": "read", "statuses": "write", "issues": "read", "metadata": "read",
		},
		"default_events": []any{"pull_request", "issue_comment", "pull_request_review_comment"},
	}
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestSetupGitHub runs the manifest flow end to end against the fake GitHub: the local
// form holds the manifest and posts it to GitHub's page with a random state; a redirect
// with another state is refused and writes nothing; GitHub's redirect with the code is
// traded for the App, whose key and webhook secret are written owner-only where the
// written configuration points serve; a second run says what exists and changes nothing.
func TestSetupGitHub(t *testing.T) {
	t.Parallel()
	f := fakegithub.New(t, fakegithub.Options{Token: ghToken})
	f.ManifestCode("a180b1a3d263c81bc6e5")
	out := filepath.Join(t.TempDir(), "app")
	args := []string{"setup", "github", "--webhook-url", setupHookURL, "--github-url", f.URL(), "--out", out}

	r := startSetup(t, nil, args...)
	m := pageURLRE.FindStringSubmatch(r.line(t))
	if m == nil {
		t.Fatal("the first line does not say which page to open")
	}
	page := m[1]
	code, body := get(t, page)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", page, code, body)
	}
	am, mm := formActionRE.FindStringSubmatch(body), formManifestRE.FindStringSubmatch(body)
	if am == nil || mm == nil {
		t.Fatalf("the page holds no manifest form:\n%s", body)
	}
	action, err := url.Parse(html.UnescapeString(am[1]))
	if err != nil {
		t.Fatal(err)
	}
	state := action.Query().Get("state")
	if got := action.Scheme + "://" + action.Host + action.Path; got != f.URL()+"/settings/apps/new" || len(state) != 64 {
		t.Errorf("the form posts to %s with state %q, want %s/settings/apps/new and 32 random bytes", action, state, f.URL())
	}
	var manifest map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(mm[1])), &manifest); err != nil {
		t.Fatalf("the form's manifest is not JSON: %v", err)
	}
	callback := page + "callback"
	if diff := cmp.Diff(wantManifest(callback), manifest); diff != "" {
		t.Errorf("the form's manifest (-want +got):\n%s", diff)
	}

	// A redirect this run did not start is refused, and nothing is traded or written.
	if code, body := get(t, callback+"?code=a180b1a3d263c81bc6e5&state="+strings.Repeat("0", 64)); code != http.StatusBadRequest {
		t.Errorf("a wrong state: %d, want 400\n%s", code, body)
	}
	if calls := f.Calls(); len(calls) != 0 {
		t.Errorf("a wrong state reached GitHub: %v", calls)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a wrong state wrote %s (%v)", out, err)
	}

	// GitHub's redirect.
	if code, body := get(t, callback+"?code=a180b1a3d263c81bc6e5&state="+state); code != http.StatusOK {
		t.Fatalf("GitHub's redirect: %d\n%s", code, body)
	}
	stdout, err := r.rest(t)
	if err != nil {
		t.Fatalf("setup github: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, r.stderr.String())
	}
	if diff := cmp.Diff([]string{"POST /app-manifests/a180b1a3d263c81bc6e5/conversions"}, f.Calls()); diff != "" {
		t.Errorf("requests to GitHub (-want +got):\n%s", diff)
	}
	app := f.ManifestApp()
	keyPath, secretPath, cfgPath := filepath.Join(out, appKeyFile), filepath.Join(out, appSecretFile), filepath.Join(out, appConfigFile)
	for _, p := range []string{keyPath, secretPath, cfgPath} {
		if m := fileMode(t, p); m != 0o600 {
			t.Errorf("%s: mode %o, want 600", p, m)
		}
		if !strings.Contains(stdout, "wrote: "+p) {
			t.Errorf("stdout does not say it wrote %s:\n%s", p, stdout)
		}
	}
	if m := fileMode(t, out); m != 0o700 {
		t.Errorf("%s: mode %o, want 700", out, m)
	}
	if !strings.Contains(stdout, "registered: GitHub App octoapp (id 1)") {
		t.Errorf("stdout does not name the App:\n%s", stdout)
	}
	if key, _ := os.ReadFile(keyPath); string(key) != app["pem"] {
		t.Errorf("%s does not hold the App's key", keyPath)
	}
	for _, secret := range []string{app["webhook_secret"].(string), app["client_secret"].(string), state} {
		if strings.Contains(stdout+r.stderr.String(), secret) {
			t.Errorf("the output shows a secret: %s...", secret[:6])
		}
	}

	// The configuration written is what serve reads: the App, its key and its secret.
	c, _, err := loadConfig(cfgPath, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the written configuration is not valid: %v", err)
	}
	if err := c.readWebhookSecrets(env{}); err != nil {
		t.Fatal(err)
	}
	if c.GitHub.AppID != 1 || c.GitHub.PrivateKeyFile != keyPath || c.GitHub.WebhookSecret.reveal() != app["webhook_secret"] ||
		c.GitHub.BaseURL != f.URL()+"/api/v3/" || c.GitHub.BotLogin != "octoapp[bot]" {
		t.Errorf("the written configuration reads app %d, key %s, base %s, bot %s, secret ok %t", c.GitHub.AppID, c.GitHub.PrivateKeyFile,
			c.GitHub.BaseURL, c.GitHub.BotLogin, c.GitHub.WebhookSecret.reveal() == app["webhook_secret"])
	}

	// Again: it says what is there and changes nothing, without serving a page.
	before := map[string]string{}
	for _, p := range []string{keyPath, secretPath, cfgPath} {
		b, _ := os.ReadFile(p)
		before[p] = string(b)
	}
	// It runs in the background, so that a run that serves the form again (and would wait
	// for GitHub) fails the test rather than hanging it.
	r2 := startSetup(t, nil, args...)
	first := r2.line(t)
	if strings.HasPrefix(first, "open http") {
		t.Fatalf("the second run serves the form again: %s", first)
	}
	rest, err := r2.rest(t)
	again := first + "\n" + rest
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, r2.stderr.String())
	}
	for _, p := range []string{keyPath, secretPath, cfgPath} {
		if !strings.Contains(again, "exists: "+p) {
			t.Errorf("the second run does not say %s exists:\n%s", p, again)
		}
		if b, _ := os.ReadFile(p); string(b) != before[p] {
			t.Errorf("the second run changed %s", p)
		}
	}
	if !strings.Contains(again, "nothing changed") {
		t.Errorf("the second run does not say it changed nothing:\n%s", again)
	}
	if n := len(f.Calls()); n != 1 {
		t.Errorf("the second run sent %d requests to GitHub", n-1)
	}
}

// TestSetupGitHubCode trades a code given on the command line for an organization's
// App; an unknown code is GitHub's 404, said plainly; --force replaces what exists.
func TestSetupGitHubCode(t *testing.T) {
	t.Parallel()
	f := fakegithub.New(t, fakegithub.Options{})
	out := filepath.Join(t.TempDir(), "app")
	environ := []string{"REVIEWER_GITHUB_BASE_URL=" + f.BaseURL()}
	args := []string{"setup", "github", "--webhook-url", setupHookURL, "--out", out, "--code"}

	res := runCmd(t, t.TempDir(), environ, append(args, "0123456789abcdef0123")...)
	if res.code != exitRuntime || !strings.Contains(res.stderr, "codes work once, for an hour") {
		t.Errorf("an unknown code: exit %d, want %d saying why\n%s", res.code, exitRuntime, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, appKeyFile)); !os.IsNotExist(err) {
		t.Errorf("an unknown code wrote the key (%v)", err)
	}

	f.ManifestCode("0123456789abcdef0123")
	if res := runCmd(t, t.TempDir(), environ, append(args, "0123456789abcdef0123")...); res.code != exitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	secretPath := filepath.Join(out, appSecretFile)
	if err := os.WriteFile(secretPath, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.ManifestCode("fedcba9876543210fedc")
	res = runCmd(t, t.TempDir(), environ, append(args, "fedcba9876543210fedc", "--force")...)
	if res.code != exitOK {
		t.Fatalf("--force: exit %d\n%s", res.code, res.stderr)
	}
	if b, _ := os.ReadFile(secretPath); strings.TrimSpace(string(b)) != f.ManifestApp()["webhook_secret"] || fileMode(t, secretPath) != 0o600 {
		t.Errorf("--force left %s as it was, or not owner-only", secretPath)
	}
}

// TestSetupGitHubPrint prints the manifest; the form's organization page is GitHub's.
func TestSetupGitHubPrint(t *testing.T) {
	t.Parallel()
	res := runCmd(t, t.TempDir(), nil, "setup", "github", "--webhook-url", setupHookURL, "--print", "--redirect-url", "https://example.com/done")
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, res.stdout)
	}
	if diff := cmp.Diff(wantManifest("https://example.com/done"), got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	s := &githubSetup{web: &url.URL{Scheme: "https", Host: "github.com"}, org: "acme"}
	if got, want := s.formAction("xyz"), "https://github.com/organizations/acme/settings/apps/new?state=xyz"; got != want {
		t.Errorf("the form of an organization's App posts to %s, want %s", got, want)
	}
}

// TestSetupGitHubBadFlags: each mistake is named, all at once, and nothing is served.
func TestSetupGitHubBadFlags(t *testing.T) {
	t.Parallel()
	res := runCmd(t, t.TempDir(), nil, "setup", "github", "--webhook-url", "https://reviewer.example.com/hooks", "--github-url", "github.com",
		"--redirect-url", "https://x")
	if res.code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s", res.code, exitUsage, res.stderr)
	}
	for _, want := range []string{"does not end in /webhooks/github", `--github-url: "github.com" is not an http(s) URL`, "--redirect-url: only with --print"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
		}
	}
	res = runCmd(t, t.TempDir(), nil, "setup", "github", "--webhook-url", setupHookURL, "--listen", "0.0.0.0:0")
	if res.code != exitUsage || !strings.Contains(res.stderr, "not a loopback address") {
		t.Errorf("a form on every interface: exit %d\n%s", res.code, res.stderr)
	}
}

// githubPermissionOf is the permission each GitHub API call of the service needs, from
// GitHub's "Permissions required for GitHub Apps"
// (https://docs.github.com/rest/authentication/permissions-required-for-github-apps) and
// each endpoint's "Fine-grained access tokens" section. A call the service makes that is
// not here fails TestSetupGitHubLeastPrivilege: add its row, and its permission to
// github.Permissions if it needs a new one.
var githubPermissionOf = []struct {
	method string
	path   *regexp.Regexp // below the API root
	perm   string         // "" for a call no repository permission governs
	level  string
}{
	// The bot's identity: a token's user; an App asks GET /app with its JWT.
	{"GET", regexp.MustCompile(`^/user$`), "", ""},
	{"GET", regexp.MustCompile(`^/app$`), "", ""},
	{"POST", regexp.MustCompile(`^/app/installations/\d+/access_tokens$`), "", ""},
	// Pull requests: the change, its diff, its files and review comments; reviews.
	{"GET", regexp.MustCompile(`^/repos/[^/]+/[^/]+/pulls/\d+(/files|/comments)?$`), "pull_requests", "read"},
	{"POST", regexp.MustCompile(`^/repos/[^/]+/[^/]+/pulls/\d+/reviews$`), "pull_requests", "write"},
	// Issue comments on a pull request: "Issues" or "Pull requests"; the App has the second.
	{"GET", regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues/\d+/comments$`), "pull_requests", "read"},
	{"POST", regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues/\d+/comments$`), "pull_requests", "write"},
	{"PATCH", regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues/comments/\d+$`), "pull_requests", "write"},
	// Contents: files, trees and comparisons at a revision.
	{"GET", regexp.MustCompile(`^/repos/[^/]+/[^/]+/(contents/.*|git/trees/[^/]+|compare/[^/]+)$`), "contents", "read"},
	// Commit statuses.
	{"POST", regexp.MustCompile(`^/repos/[^/]+/[^/]+/statuses/[0-9a-f]+$`), "statuses", "write"},
	// Who may ask for a review: "Metadata" read.
	{"GET", regexp.MustCompile(`^/repos/[^/]+/[^/]+/collaborators/[^/]+/permission$`), "metadata", "read"},
}

// githubEventPermission is the permission GitHub requires of an App to subscribe to each
// event (the "To subscribe to this event" line of each event in "Webhook events and
// payloads", https://docs.github.com/webhooks/webhook-events-and-payloads).
var githubEventPermission = map[string][2]string{
	"pull_request":                {"pull_requests", "read"},
	"pull_request_review_comment": {"pull_requests", "read"},
	"issue_comment":               {"issues", "read"},
}

// TestSetupGitHubLeastPrivilege derives the App's permissions from the requests a review
// sends to the fake GitHub (a first review, a review of a push on it, and the /review
// permission check) and from the events it subscribes to, and compares them with what
// the manifest asks for: a new API call without its permission, or a permission nothing
// uses, fails here.
func TestSetupGitHubLeastPrivilege(t *testing.T) {
	t.Parallel()
	f := newGitHubFake(t, changeV1(t))
	env := gatewayEnv(newModelGateway(t, e2eModelFindings))
	reviewChange(t, f, env)
	f.push(changeV2(t))
	reviewChange(t, f, env)
	cl, err := github.New(github.Options{BaseURL: f.BaseURL(), Token: ghToken, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	f.SetPermission("octocat", "write")
	if ok, err := cl.MayRequestReview(t.Context(), reviewer.Change{Repo: ghRepo, Number: ghNumber}, reviewer.User{Login: "octocat"}); err != nil || !ok {
		t.Fatalf("MayRequestReview: %t, %v", ok, err)
	}

	rank := map[string]int{"read": 1, "write": 2}
	derived := map[string]string{"metadata": "read"} // every App has it
	need := func(perm, level string) {
		if rank[level] > rank[derived[perm]] {
			derived[perm] = level
		}
	}
	seen := map[string]bool{}
	for _, call := range f.Calls() {
		method, path, _ := strings.Cut(call, " ")
		path, _, _ = strings.Cut(path, "?")
		i := slices.IndexFunc(githubPermissionOf, func(p struct {
			method string
			path   *regexp.Regexp
			perm   string
			level  string
		}) bool {
			return p.method == method && p.path.MatchString(path)
		})
		if i < 0 {
			t.Errorf("no permission is known for %s %s: add it to githubPermissionOf (and to github.Permissions)", method, path)
			continue
		}
		seen[githubPermissionOf[i].perm] = true
		if p := githubPermissionOf[i]; p.perm != "" {
			need(p.perm, p.level)
		}
	}
	for _, ev := range github.Events {
		p, ok := githubEventPermission[ev]
		if !ok {
			t.Errorf("no permission is known for the event %s: add it to githubEventPermission", ev)
			continue
		}
		need(p[0], p[1])
	}
	for _, perm := range []string{"pull_requests", "contents", "statuses", "metadata"} {
		if !seen[perm] {
			t.Errorf("no request of the review needed %s: the derivation misses a call", perm)
		}
	}
	if diff := cmp.Diff(derived, github.Permissions); diff != "" {
		t.Errorf("the manifest's permissions are not what the service uses (-used +asked):\n%s", diff)
	}
}

const setupGitLabHook = "https://reviewer.example.com/webhooks/gitlab"

// TestSetupGitLab registers a project's webhook on the fake GitLab: the events serve
// handles and no others, SSL verification on, the generated secret in an owner-only file
// that serve reads; a second run changes nothing; --rotate-secret sets a new secret.
func TestSetupGitLab(t *testing.T) {
	t.Parallel()
	f := fakegitlab.New(t, fakegitlab.Options{Project: glProject, Token: glToken})
	environ := []string{"REVIEWER_GITLAB_TOKEN=" + glToken, "REVIEWER_GITLAB_BASE_URL=" + f.URL()}
	secretPath := filepath.Join(t.TempDir(), "secrets", "gitlab-webhook-secret")
	args := []string{"setup", "gitlab", "--project", glProject, "--url", setupGitLabHook, "--secret-file", secretPath}

	res := runCmd(t, t.TempDir(), environ, args...)
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	hooks := f.Hooks()
	if len(hooks) != 1 {
		t.Fatalf("%d hooks, want 1", len(hooks))
	}
	h := hooks[0]
	secret, _ := os.ReadFile(secretPath)
	on := []string{}
	for e, v := range h.Events {
		if v {
			on = append(on, e)
		}
	}
	slices.Sort(on)
	if diff := cmp.Diff([]string{"confidential_note_events", "merge_requests_events", "note_events"}, on); diff != "" {
		t.Errorf("the hook's events (-want +got):\n%s", diff)
	}
	if h.URL != setupGitLabHook || h.Group != "" || !h.SSL || len(h.Token) != 64 || strings.TrimSpace(string(secret)) != h.Token {
		t.Errorf("hook %+v; want %s, SSL on, a 32-byte secret, the one in %s", h, setupGitLabHook, secretPath)
	}
	if m := fileMode(t, secretPath); m != 0o600 {
		t.Errorf("%s: mode %o, want 600", secretPath, m)
	}
	for _, want := range []string{"created: webhook", "SSL verification on", "wrote: " + secretPath} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout+res.stderr, h.Token) || strings.Contains(res.stdout+res.stderr, glToken) {
		t.Error("the output shows a secret")
	}
	// serve reads the secret through gitlab.webhook_secret_file.
	c, _, err := loadConfig("", nil, nil, []string{"REVIEWER_GITLAB_WEBHOOK_SECRET_FILE=" + secretPath})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.readWebhookSecrets(env{}); err != nil || c.GitLab.WebhookSecret.reveal() != h.Token {
		t.Errorf("serve does not read the hook's secret from gitlab.webhook_secret_file (%v)", err)
	}

	// Again: nothing changes.
	mark := f.Log().Mark()
	res = runCmd(t, t.TempDir(), environ, args...)
	if res.code != exitOK || !strings.Contains(res.stdout, "exists: webhook") || strings.Contains(res.stdout, "differs") {
		t.Errorf("second run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if w := writes(f.Log().Since(mark)); len(w) != 0 {
		t.Errorf("the second run wrote %v", w)
	}
	if again, _ := os.ReadFile(secretPath); string(again) != string(secret) || !cmp.Equal(f.Hooks(), hooks) {
		t.Error("the second run changed the secret or the hook")
	}

	// --rotate-secret: a new secret on the same hook and in the file.
	res = runCmd(t, t.TempDir(), environ, append(args, "--rotate-secret")...)
	rotated, _ := os.ReadFile(secretPath)
	hooks = f.Hooks()
	if res.code != exitOK || !strings.Contains(res.stdout, "updated: webhook") || len(hooks) != 1 ||
		hooks[0].Token == h.Token || hooks[0].Token != strings.TrimSpace(string(rotated)) || fileMode(t, secretPath) != 0o600 {
		t.Errorf("--rotate-secret: exit %d, hooks %d, new secret set %t and written %t\n%s%s", res.code, len(hooks),
			hooks[0].Token != h.Token, hooks[0].Token == strings.TrimSpace(string(rotated)), res.stdout, res.stderr)
	}
}

// TestSetupGitLabGroup registers a group's hook with the secret already in the file, as a
// second project or group does: one secret for every hook serve takes.
func TestSetupGitLabGroup(t *testing.T) {
	t.Parallel()
	f := fakegitlab.New(t, fakegitlab.Options{Project: glProject, Token: glToken})
	environ := []string{"REVIEWER_GITLAB_TOKEN=" + glToken, "REVIEWER_GITLAB_BASE_URL=" + f.URL()}
	secretPath := filepath.Join(t.TempDir(), "gitlab-webhook-secret")
	if err := os.WriteFile(secretPath, []byte("the-one-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCmd(t, t.TempDir(), environ, "setup", "gitlab", "--group", "acme/platform", "--url", setupGitLabHook, "--secret-file", secretPath)
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stderr)
	}
	hooks := f.Hooks()
	if len(hooks) != 1 || hooks[0].Group != "acme/platform" || hooks[0].Token != "the-one-secret" {
		t.Errorf("hooks %+v, want one of group acme/platform with the file's secret", hooks)
	}
	if !strings.Contains(res.stdout, "reused: the secret in "+secretPath) {
		t.Errorf("stdout does not say the secret was reused:\n%s", res.stdout)
	}
}

// TestSetupGitLabErrors: a token without the role gets GitLab's 403 with what it needs,
// and the secret file is not written; a missing token or target is named.
func TestSetupGitLabErrors(t *testing.T) {
	t.Parallel()
	f := fakegitlab.New(t, fakegitlab.Options{Project: glProject, Token: glToken})
	environ := []string{"REVIEWER_GITLAB_TOKEN=" + glToken, "REVIEWER_GITLAB_BASE_URL=" + f.URL()}
	secretPath := filepath.Join(t.TempDir(), "gitlab-webhook-secret")
	f.FailNext("list project hooks", fakegitlab.Failure{Status: http.StatusForbidden})
	res := runCmd(t, t.TempDir(), environ, "setup", "gitlab", "--project", glProject, "--url", setupGitLabHook, "--secret-file", secretPath)
	if res.code != exitRuntime || !strings.Contains(res.stderr, "the token needs the Maintainer role there") {
		t.Errorf("a 403: exit %d, want %d naming the role\n%s", res.code, exitRuntime, res.stderr)
	}
	if _, err := os.Stat(secretPath); !os.IsNotExist(err) || len(f.Hooks()) != 0 {
		t.Errorf("a refused setup wrote the secret (%v) or a hook", err)
	}

	res = runCmd(t, t.TempDir(), nil, "setup", "gitlab", "--url", "https://reviewer.example.com/")
	if res.code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s", res.code, exitUsage, res.stderr)
	}
	for _, want := range []string{"--project or --group", "does not end in /webhooks/gitlab", "REVIEWER_GITLAB_TOKEN"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
		}
	}
}
