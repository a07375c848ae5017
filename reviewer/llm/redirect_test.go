package llm_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/llm"
	"github.com/reviewerbot/reviewer/reviewer/redirect"
)

// TestRedirectToOtherHost puts a server in front of the gateway that redirects every
// request to it, another host. http.Client drops Authorization on such a redirect, but
// keeps a gateway's own key header (Options.Headers): following it would hand that key
// over. The request must fail once, without being retried, and never reach the gateway.
func TestRedirectToOtherHost(t *testing.T) {
	t.Parallel()
	g := newGateway(t, func(int, received) reply { return okReply(t, answerJSON) })
	var hits atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, g.srv.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	defer front.Close()
	c, s, _ := setup(t, g, func(o *llm.Options) {
		o.BaseURL = front.URL + "/v1"
		o.Headers = map[string]string{"cf-aig-authorization": "Bearer gw-secret-token"}
	})
	_, err := c.Review(t.Context(), testPrompt(t))
	if got := g.received(); len(got) != 0 {
		t.Errorf("the other host got %d requests; the first carried cf-aig-authorization %q", len(got), got[0].Header.Get("cf-aig-authorization"))
	}
	if err == nil || !errors.Is(err, redirect.ErrOtherHost) || !strings.Contains(err.Error(), g.srv.URL) {
		t.Errorf("error %v: want the refused redirect, naming %s", err, g.srv.URL)
	}
	if n := hits.Load(); n != 1 || len(s.Waits()) != 0 {
		t.Errorf("%d requests, waits %v: a refused redirect is not retried", n, s.Waits())
	}
}
