package webhook

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
)

// TestHeaderNames checks the headers the intake reads against the forges' descriptions
// of their deliveries: @octokit/openapi's x-webhooks parameters and GitLab's documented
// delivery headers.
func TestHeaderNames(t *testing.T) {
	t.Parallel()
	var gh struct {
		Events map[string]struct {
			Headers []struct {
				Name string `json:"name"`
			} `json:"headers"`
		} `json:"events"`
	}
	readJSON(t, "testdata/github/_headers.from-openapi.json", &gh)
	for _, event := range []string{"pull-request-opened", "pull-request-synchronize", "issue-comment-created"} {
		names := map[string]bool{}
		for _, h := range gh.Events[event].Headers {
			names[http.CanonicalHeaderKey(h.Name)] = true
		}
		for _, want := range []string{headerGitHubEvent, headerGitHubDelivery, headerGitHubSignature} {
			if !names[http.CanonicalHeaderKey(want)] {
				t.Errorf("GitHub %s: %s is not among the documented headers %v", event, want, names)
			}
		}
	}

	var gl struct {
		Headers []struct {
			Name string `json:"name"`
		} `json:"documented_headers"`
	}
	readJSON(t, "testdata/gitlab/_headers.json", &gl)
	names := map[string]bool{}
	for _, h := range gl.Headers {
		names[http.CanonicalHeaderKey(h.Name)] = true
	}
	for _, want := range []string{headerGitLabEvent, headerGitLabToken, headerIdempotencyKey, headerGitLabWebhookUUID, headerGitLabEventUUID} {
		if !names[http.CanonicalHeaderKey(want)] {
			t.Errorf("GitLab: %s is not among the documented headers %v", want, names)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
