package github_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// TestCompleteManifest trades a code for GitHub's example App, once; GitHub's 404 for a
// spent or unknown code is ErrNotFound; a code that could change the request's path is
// refused unsent; an answer without the key or the secret is an error, not an App
// without them.
func TestCompleteManifest(t *testing.T) {
	t.Parallel()
	f := fakegithub.New(t, fakegithub.Options{})
	f.ManifestCode("a180b1a3d263c81bc6e5")
	app, err := github.CompleteManifest(t.Context(), f.BaseURL(), f.Client(), "a180b1a3d263c81bc6e5")
	if err != nil {
		t.Fatal(err)
	}
	want := f.ManifestApp()
	if app.ID != 1 || app.Slug != "octoapp" || app.Owner != "github" || app.PEM != want["pem"] || app.WebhookSecret != want["webhook_secret"] {
		t.Errorf("app %d %s of %s; key and secret as GitHub gave them: %t, %t", app.ID, app.Slug, app.Owner,
			app.PEM == want["pem"], app.WebhookSecret == want["webhook_secret"])
	}
	if _, err := github.CompleteManifest(t.Context(), f.BaseURL(), f.Client(), "a180b1a3d263c81bc6e5"); !errors.Is(err, reviewer.ErrNotFound) {
		t.Errorf("a spent code: %v, want ErrNotFound", err)
	}
	n := len(f.Calls())
	for _, code := range []string{"", "../../user", "x?y=1"} {
		if _, err := github.CompleteManifest(t.Context(), f.BaseURL(), f.Client(), code); err == nil {
			t.Errorf("code %q: no error", code)
		}
	}
	if len(f.Calls()) != n {
		t.Errorf("a bad code was sent: %v", f.Calls()[n:])
	}

	f.HandleFunc("POST /app-manifests/{code}/conversions", func(w http.ResponseWriter, _ *http.Request) {
		app := f.ManifestApp()
		delete(app, "webhook_secret")
		fakegithub.WriteJSON(w, http.StatusCreated, app)
	})
	if _, err := github.CompleteManifest(t.Context(), f.BaseURL(), f.Client(), "b180b1a3d263c81bc6e5"); err == nil || !strings.Contains(err.Error(), "no webhook secret") {
		t.Errorf("an answer without the secret: %v", err)
	}
}

// TestNewManifest: the manifest holds the permissions and events the package declares,
// as copies the caller may change.
func TestNewManifest(t *testing.T) {
	t.Parallel()
	m := github.NewManifest("reviewer", "https://example.com", "https://h/webhooks/github", "http://127.0.0.1:1/callback")
	if !m.HookAttributes.Active || m.HookAttributes.URL != "https://h/webhooks/github" || m.Public || len(m.DefaultPermissions) != len(github.Permissions) {
		t.Errorf("manifest %+v", m)
	}
	m.DefaultPermissions["administration"] = "write"
	m.DefaultEvents[0] = "push"
	if _, ok := github.Permissions["administration"]; ok || github.Events[0] != "pull_request" {
		t.Error("changing a manifest changed the package's permissions or events")
	}
}
