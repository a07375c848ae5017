package github_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

func testKey(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// TestAppAuth exchanges a GitHub App JWT for an installation token at the fake, then
// uses the token; the token is fetched once and counted.
func TestAppAuth(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var exchanges atomic.Int32
	f.HandleFunc("POST /app/installations/{id}/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		exchanges.Add(1)
		if r.PathValue("id") != "4242" {
			t.Errorf("installation %s, want 4242", r.PathValue("id"))
		}
		if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "Bearer ey") {
			t.Errorf("token exchange Authorization = %q, want a JWT", auth)
		}
		fakegithub.WriteJSON(w, http.StatusCreated, map[string]any{
			"token":      "ghs_installationtoken",
			"expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		})
	})
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); auth != "token ghs_installationtoken" {
			t.Errorf("API Authorization = %q", auth)
		}
		fakegithub.WriteJSON(w, http.StatusOK, fixtureObject(t, "pull-request.json"))
	})
	c := f.clientWith(t, github.Options{AppID: 12, InstallationID: 4242, PrivateKey: testKey(t)})
	for range 2 {
		if _, err := c.Head(t.Context(), testChange); err != nil {
			t.Fatal(err)
		}
	}
	if n := exchanges.Load(); n != 1 {
		t.Errorf("%d token exchanges, want 1", n)
	}
	if n := c.APICalls(); n != 3 {
		t.Errorf("APICalls = %d, want 3", n)
	}
}

// TestGHES points the client at an Enterprise Server style root, /api/v3 without the
// trailing slash, with App auth, whose token exchange must use the same root.
func TestGHES(t *testing.T) {
	t.Parallel()
	f := newFakeAt(t, "/api/v3")
	f.HandleFunc("POST /app/installations/{id}/access_tokens", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteJSON(w, http.StatusCreated, map[string]any{"token": "ghs_x", "expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	})
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteJSON(w, http.StatusOK, fixtureObject(t, "pull-request.json"))
	})
	c := f.clientWith(t, github.Options{BaseURL: f.URL() + "/api/v3", AppID: 1, InstallationID: 2, PrivateKey: testKey(t)})
	if _, err := c.Head(t.Context(), testChange); err != nil {
		t.Fatal(err)
	}
	want := []string{"POST /app/installations/2/access_tokens", "GET /repos/octocat/Hello-World/pulls/1347"}
	if d := cmp.Diff(want, f.Calls()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

// TestAppAuthRefused: a refused token exchange maps to ErrForbidden.
func TestAppAuthRefused(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("POST /app/installations/{id}/access_tokens", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
	})
	key := testKey(t)
	c := f.clientWith(t, github.Options{AppID: 1, InstallationID: 2, PrivateKey: key})
	_, err := c.Head(t.Context(), testChange)
	if err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("Head error = %v, want ErrForbidden", err)
	}
	if err != nil && bytes.Contains([]byte(err.Error()), key[40:80]) {
		t.Error("error contains the private key")
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts github.Options
	}{
		{"no auth", github.Options{}},
		{"token and app", github.Options{Token: "t", AppID: 1, InstallationID: 2, PrivateKey: []byte("k")}},
		{"app without key", github.Options{AppID: 1, InstallationID: 2}},
		{"bad key", github.Options{AppID: 1, InstallationID: 2, PrivateKey: []byte("not a key")}},
		{"relative base url", github.Options{Token: "t", BaseURL: "ghe.example.com/api/v3"}},
	}
	for _, tt := range tests {
		if _, err := github.New(tt.opts); err == nil {
			t.Errorf("%s: New: no error", tt.name)
		}
	}
	if _, err := github.New(github.Options{Token: "t"}); err != nil {
		t.Errorf("New with a token: %v", err)
	}
}
