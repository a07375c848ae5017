package github_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/redirect"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// TestRedirectToOtherHost has the API redirect a read to a second server. go-github's
// token transport and the App installation transport set Authorization on every request
// they send, the redirected one too, so following the redirect would hand the token to
// the second server: the call must fail without reaching it.
func TestRedirectToOtherHost(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]github.Options{
		"token": {Token: testToken},
		"app":   {AppID: 12, InstallationID: 4242, PrivateKey: testKey(t)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var reached, leaked atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				if r.Header.Get("Authorization") != "" {
					leaked.Add(1)
				}
				fakegithub.WriteJSON(w, http.StatusOK, fixtureObject(t, "pull-request.json"))
			}))
			defer other.Close()
			f := newFake(t)
			f.HandleFunc("POST /app/installations/{id}/access_tokens", func(w http.ResponseWriter, _ *http.Request) {
				fakegithub.WriteJSON(w, http.StatusCreated, map[string]any{"token": "ghs_installationtoken", "expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
			})
			f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/repos/octocat/Hello-World/pulls/1347", http.StatusFound)
			})
			c := f.clientWith(t, opts)
			_, err := c.Head(t.Context(), testChange)
			if n := reached.Load(); n != 0 {
				t.Errorf("the other host got %d requests, %d with a credential", n, leaked.Load())
			}
			if err == nil || !errors.Is(err, redirect.ErrOtherHost) || !strings.Contains(err.Error(), other.URL) {
				t.Errorf("error %v: want the refused redirect, naming %s", err, other.URL)
			}
		})
	}
}
