package github

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestGitToken: git gets the token the API requests carry: a personal token as it is,
// an App's installation token as exchanged (once, shared with the API requests).
func TestGitToken(t *testing.T) {
	t.Parallel()
	_, pemKey := appTestKey(t)
	exchanges := 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v3/app/installations/{id}/access_tokens", func(w http.ResponseWriter, _ *http.Request) {
		exchanges++
		writeToken(w, "ghs_installation", time.Now().Add(time.Hour))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	app, err := New(Options{BaseURL: srv.URL + "/api/v3/", AppID: 12, InstallationID: 4242, PrivateKey: pemKey, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got, err := app.GitToken(t.Context()); err != nil || got != "ghs_installation" {
			t.Errorf("App GitToken = %q, %v; want the installation token", got, err)
		}
	}
	if exchanges != 1 {
		t.Errorf("%d token exchanges, want 1", exchanges)
	}
	pat, err := New(Options{BaseURL: srv.URL + "/api/v3/", Token: "ghp_personal"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := pat.GitToken(t.Context()); err != nil || got != "ghp_personal" {
		t.Errorf("GitToken = %q, %v; want the personal token", got, err)
	}
}
