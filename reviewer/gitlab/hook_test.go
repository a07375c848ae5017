package gitlab_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
)

const hookURL = "https://reviewer.example.com/webhooks/gitlab"

// TestEnsureHook adds a project hook once, finds it again, and with Rotate sets its
// secret; the client sends only documented fields (the fake checks them).
func TestEnsureHook(t *testing.T) {
	t.Parallel()
	f := fakegitlab.New(t, fakegitlab.Options{Project: project, Token: token})
	c, err := gitlab.New(gitlab.Options{BaseURL: f.URL(), Token: token, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	spec := gitlab.HookSpec{Project: project, URL: hookURL, Secret: "s1"}
	res, err := c.EnsureHook(t.Context(), spec)
	if err != nil || !res.Created {
		t.Fatalf("EnsureHook: %+v, %v", res, err)
	}
	spec.Secret = "s2"
	again, err := c.EnsureHook(t.Context(), spec)
	if err != nil || again.Created || again.Updated || again.ID != res.ID || len(again.Differs) != 0 {
		t.Errorf("again: %+v, %v; want the same hook, untouched", again, err)
	}
	if h := f.Hooks(); len(h) != 1 || h[0].Token != "s1" {
		t.Errorf("hooks %+v, want one with the first secret", h)
	}
	spec.Rotate = true
	if res, err := c.EnsureHook(t.Context(), spec); err != nil || !res.Updated {
		t.Errorf("rotate: %+v, %v", res, err)
	}
	if h := f.Hooks(); len(h) != 1 || h[0].Token != "s2" {
		t.Errorf("hooks %+v, want one with the new secret", h)
	}
}

// TestEnsureHookDiffers: a hook already there with other settings (GitLab's example hook,
// every event on) is left as it is, and what differs from what serve needs is named.
func TestEnsureHookDiffers(t *testing.T) {
	t.Parallel()
	f := fakegitlab.New(t, fakegitlab.Options{Project: project, Token: token})
	c, err := gitlab.New(gitlab.Options{BaseURL: f.URL(), Token: token, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	f.HandleFunc("list project hooks", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"id": 7, "url": "` + hookURL + `", "push_events": true, "merge_requests_events": true, "note_events": true,
			"confidential_note_events": false, "pipeline_events": true, "enable_ssl_verification": false}]`))
	})
	res, err := c.EnsureHook(t.Context(), gitlab.HookSpec{Project: project, URL: hookURL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"confidential_note_events is false", "enable_ssl_verification is false", "push_events is true", "pipeline_events is true"}
	if diff := cmp.Diff(want, res.Differs); diff != "" || res.ID != 7 || res.Created || res.Updated {
		t.Errorf("%+v (-want +got differs):\n%s", res, diff)
	}
}

// TestEnsureHookForbidden: GitLab's 403 says which role the token needs where.
func TestEnsureHookForbidden(t *testing.T) {
	t.Parallel()
	f := fakegitlab.New(t, fakegitlab.Options{Project: project, Token: token})
	c, err := gitlab.New(gitlab.Options{BaseURL: f.URL(), Token: token, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	f.FailNext("add group hook", fakegitlab.Failure{Status: http.StatusForbidden})
	_, err = c.EnsureHook(t.Context(), gitlab.HookSpec{Group: "acme", URL: hookURL, Secret: "s"})
	if !errors.Is(err, reviewer.ErrForbidden) || !strings.Contains(err.Error(), "the Owner role") || !strings.Contains(err.Error(), "group acme") {
		t.Errorf("a 403: %v", err)
	}
	f.FailNext("list project hooks", fakegitlab.Failure{Status: http.StatusNotFound})
	if _, err := c.EnsureHook(t.Context(), gitlab.HookSpec{Project: project, URL: hookURL, Secret: "s"}); !errors.Is(err, reviewer.ErrNotFound) ||
		!strings.Contains(err.Error(), "no such project") {
		t.Errorf("a 404: %v", err)
	}
}
