package statuspage

import (
	"net/http"
)

// loginForm shows the form that trades the token for a cookie, for a browser, which
// can not send a bearer token by itself.
func (p *Page) loginForm(w http.ResponseWriter, _ *http.Request) error {
	if !p.auth.hasToken {
		return httpError{http.StatusNotFound, "no token is configured: sign in with basic auth", nil}
	}
	return p.render(w, "login", page{Title: "Sign in", Login: true})
}

// login checks the form's token and, when it is right, sets the login cookie: HttpOnly,
// SameSite=Strict, for the page's paths only, Secure when served over TLS.
func (p *Page) login(w http.ResponseWriter, r *http.Request) error {
	if !p.auth.hasToken {
		return httpError{http.StatusNotFound, "no token is configured: sign in with basic auth", nil}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		return httpError{http.StatusBadRequest, "the form could not be read", nil}
	}
	if !p.auth.tokenOK(r.PostForm.Get("token")) {
		return p.renderStatus(w, http.StatusUnauthorized, "login", page{Title: "Sign in", Login: true, Error: "That is not the token."})
	}
	exp := p.o.Now().Add(cookieAge)
	// Secure when the browser came over HTTPS, to this process or to a proxy in front of
	// it: a browser drops a Secure cookie that came over plain HTTP, where the page is
	// served on a trusted network or a port-forward. A client that forges the header
	// only makes its own cookie stricter.
	secure := r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: p.auth.newCookie(exp), Path: Prefix, Expires: exp, //nolint:gosec // G124: Secure as above
		MaxAge: int(cookieAge.Seconds()), HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
	return nil
}
