package redirect

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrOtherHost is the error a refused redirect wraps.
var ErrOtherHost = errors.New("redirect to another host refused")

// maxRedirects is http.Client's own limit, kept for the redirects that are followed.
const maxRedirects = 10

// Confine returns a copy of c (a new client when c is nil) that follows a redirect only
// to the scheme, host and port of the request it started from, and then only if c's own
// CheckRedirect, if any, agrees. c itself is not changed.
func Confine(c *http.Client) *http.Client {
	out := &http.Client{}
	if c != nil {
		copied := *c
		out = &copied
	}
	next := out.CheckRedirect
	out.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := Check(req, via); err != nil {
			return err
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return out
}

// Check is an http.Client CheckRedirect that refuses a redirect whose scheme, host or port
// differs from the first request's, with an error that wraps ErrOtherHost and names both
// origins. Within the origin it allows up to ten redirects, as http.Client does by
// default.
func Check(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	from, to := Origin(via[0].URL), Origin(req.URL)
	if from != to {
		return fmt.Errorf("%w: %s redirected to %s; a credential goes only to the host it was configured for", ErrOtherHost, from, to)
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

// Origin is u's scheme, host and port in one comparable form: lower case, with the
// scheme's default port left out ("https://Example.com:443" is "https://example.com").
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}
