package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
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
