package gitlab_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/redirect"
)

// TestRedirectToOtherHost has the instance redirect a read to a second server.
// http.Client drops Authorization on such a redirect but keeps PRIVATE-TOKEN, the header
// client-go sends the token in: following the redirect would hand the token over, so the
// call must fail without reaching the second server.
func TestRedirectToOtherHost(t *testing.T) {
	t.Parallel()
	var reached, leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		if r.Header.Get("Private-Token") != "" || r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"iid": 14656, "sha": "8e0b45049b6253b8984cde9241830d2851168142"}`))
	}))
	defer other.Close()
	// The instance itself only redirects: where it sends the client is what is tested.
	instance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusFound)
	}))
	defer instance.Close()
	c, err := gitlab.New(gitlab.Options{BaseURL: instance.URL, Token: "glpat-test-token", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Head(t.Context(), change())
	if n := reached.Load(); n != 0 {
		t.Errorf("the other host got %d requests, %d with the token", n, leaked.Load())
	}
	if err == nil || !errors.Is(err, redirect.ErrOtherHost) || !strings.Contains(err.Error(), other.URL) {
		t.Errorf("error %v: want the refused redirect, naming %s", err, other.URL)
	}
}
