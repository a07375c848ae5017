package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
)

// TestSetupGitHubRebinding: a web page whose name an attacker rebinds to 127.0.0.1 is
// same-origin with the form, and could read the state from it and send its own App's
// code back with it. The form answers only to its own loopback address.
func TestSetupGitHubRebinding(t *testing.T) {
	t.Parallel()
	f := fakegithub.New(t, fakegithub.Options{Token: ghToken})
	out := filepath.Join(t.TempDir(), "app")
	r := startSetup(t, nil, "setup", "github", "--webhook-url", setupHookURL, "--github-url", f.URL(), "--out", out)
	m := pageURLRE.FindStringSubmatch(r.line(t))
	if m == nil {
		t.Fatal("the first line does not say which page to open")
	}
	for _, host := range []string{"evil.example:" + strings.Split(strings.TrimSuffix(m[1], "/"), ":")[2], "evil.example"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, m[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK || strings.Contains(string(body), "state=") {
			t.Errorf("Host %s: %d, and the body shows the state %t; want the form refused", host, resp.StatusCode, strings.Contains(string(body), "state="))
		}
	}
	// The page itself still answers.
	if code, body := get(t, m[1]); code != http.StatusOK || !strings.Contains(body, "state=") {
		t.Errorf("GET %s: %d\n%s", m[1], code, body)
	}
}

// TestSetupGitLabPlantedSecretFile: in a shared directory someone else may have put the
// secret file there first: a file others can read (its secret is theirs too, and they
// could sign deliveries serve takes) or a symlink (to a private key, which would go to
// GitLab as the hook's secret). Neither is reused, and GitLab is not asked.
func TestSetupGitLabPlantedSecretFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := filepath.Join(dir, "id_ed25519")
	if err := os.WriteFile(key, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(dir, "planted-secret")
	if err := os.WriteFile(planted, []byte("known-to-the-attacker\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "linked-secret")
	if err := os.Symlink(key, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{planted, link} {
		f := fakegitlab.New(t, fakegitlab.Options{Project: glProject, Token: glToken})
		environ := []string{"REVIEWER_GITLAB_TOKEN=" + glToken, "REVIEWER_GITLAB_BASE_URL=" + f.URL()}
		res := runCmd(t, t.TempDir(), environ, "setup", "gitlab", "--project", glProject, "--url", setupGitLabHook, "--secret-file", path)
		if res.code == exitOK || len(f.Hooks()) != 0 || !strings.Contains(res.stderr, path) {
			t.Errorf("--secret-file %s: exit %d, %d hooks, stderr %q; want a refusal naming the file and no hook", filepath.Base(path),
				res.code, len(f.Hooks()), res.stderr)
		}
	}
}
