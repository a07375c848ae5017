package redirect_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/redirect"
)

// headerTransport sets a credential on every request it sends, as go-github's
// WithAuthToken and a GitHub App installation transport do.
type headerTransport struct{ next http.RoundTripper }

func (t headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Private-Token", "s3cret")
	return t.next.RoundTrip(req)
}

// TestConfineOtherHost sends a request with credentials to a server that redirects to a
// second one: the plain client hands the credential over (the attack), the confined one
// never reaches the second server and says why.
func TestConfineOtherHost(t *testing.T) {
	t.Parallel()
	var leaked, reached atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		if r.Header.Get("Authorization") != "" || r.Header.Get("Private-Token") != "" {
			leaked.Add(1)
		}
	}))
	defer other.Close()
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/collect?x=1", http.StatusFound)
	}))
	defer first.Close()

	plain := &http.Client{Transport: headerTransport{next: http.DefaultTransport}}
	resp, err := plain.Get(first.URL + "/api")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if leaked.Load() != 1 {
		t.Fatalf("the unconfined client leaked %d times; the test no longer shows the attack", leaked.Load())
	}

	reached.Store(0)
	confined := redirect.Confine(plain)
	resp, err = confined.Get(first.URL + "/api")
	if err == nil {
		_ = resp.Body.Close()
		t.Fatal("a redirect to another host was followed")
	}
	if !errors.Is(err, redirect.ErrOtherHost) {
		t.Errorf("error %v does not wrap ErrOtherHost", err)
	}
	if !strings.Contains(err.Error(), first.URL) || !strings.Contains(err.Error(), other.URL) {
		t.Errorf("error %q: want both origins named", err)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	if plain.CheckRedirect != nil {
		t.Error("Confine changed the client it was given")
	}
}

func TestConfineSameHost(t *testing.T) {
	t.Parallel()
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		auth.Store(r.Header.Get("Authorization"))
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c := redirect.Confine(&http.Client{Transport: headerTransport{next: http.DefaultTransport}})
	resp, err := c.Get(srv.URL + "/old")
	if err != nil {
		t.Fatalf("a redirect within the host: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || auth.Load() != "Bearer s3cret" {
		t.Errorf("status %d, Authorization %q: want the redirect followed with the credential", resp.StatusCode, auth.Load())
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	get := func(s string) *http.Request {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return &http.Request{URL: u}
	}
	many := make([]*http.Request, 10)
	for i := range many {
		many[i] = get("https://h.example/")
	}
	tests := []struct {
		name, from, to string
		via            []*http.Request
		wantErr        string
	}{
		{name: "same origin, other path", from: "https://api.github.com/a", to: "https://api.github.com/b?c=d"},
		{name: "default port spelled out", from: "https://API.github.com/a", to: "https://api.github.com:443/b"},
		{name: "other host", from: "https://api.github.com/a", to: "https://evil.example/a", wantErr: "https://api.github.com redirected to https://evil.example"},
		{name: "subdomain", from: "https://gitlab.com/api", to: "https://x.gitlab.com/api", wantErr: "another host"},
		{name: "other port", from: "https://gitlab.example/api", to: "https://gitlab.example:8443/api", wantErr: "https://gitlab.example:8443"},
		{name: "scheme downgrade", from: "https://gitlab.example/api", to: "http://gitlab.example/api", wantErr: "http://gitlab.example"},
		{name: "scheme upgrade", from: "http://gateway:4000/v1", to: "https://gateway:4000/v1", wantErr: "another host"},
		{name: "too many", from: "https://h.example/", to: "https://h.example/x", via: many, wantErr: "stopped after 10 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			via := tt.via
			if via == nil {
				via = []*http.Request{get(tt.from)}
			}
			err := redirect.Check(get(tt.to), via)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check: %v, want the redirect followed", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check: %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
