package github

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-github/v62/github"
)

// GitHub App authentication, as GitHub documents it:
// https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
// and https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app
const (
	// jwtBackdate sets a JWT's iat in the past, as GitHub recommends, so that a server
	// clock a little ahead of ours still takes it.
	jwtBackdate = 60 * time.Second
	// jwtLifetime is how long a JWT is good for from now; GitHub takes at most 10
	// minutes, and a minute less leaves room for a clock behind GitHub's.
	jwtLifetime = 9 * time.Minute
	// tokenRefreshEarly is how long before its expiry an installation token is replaced,
	// so that no request leaves with a token that expires on the way.
	tokenRefreshEarly = 5 * time.Minute
)

// appSigner signs the short-lived JWTs a GitHub App authenticates with.
type appSigner struct {
	appID int64
	key   *rsa.PrivateKey
	now   func() time.Time
}

// newAppSigner parses the App's PEM private key. Its error names the problem, never
// the key.
func newAppSigner(appID int64, pemKey []byte, now func() time.Time) (*appSigner, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemKey)
	if err != nil {
		return nil, fmt.Errorf("github: app private key: %w", err)
	}
	return &appSigner{appID: appID, key: key, now: now}, nil
}

// sign returns a fresh JWT: iss the App's id, iat a minute ago, exp nine minutes ahead.
func (s *appSigner) sign() (string, error) {
	now := s.now()
	claims := jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(s.appID, 10),
		IssuedAt:  jwt.NewNumericDate(now.Add(-jwtBackdate)),
		ExpiresAt: jwt.NewNumericDate(now.Add(jwtLifetime)),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("github: sign the app's JWT: %w", err)
	}
	return tok, nil
}

// appTransport authenticates each request as the App itself, "Bearer <JWT>", with a
// JWT signed for that request: GET /app and the installation-token exchange.
type appTransport struct {
	signer *appSigner
	next   http.RoundTripper
}

func (t *appTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.signer.sign()
	if err != nil {
		closeBody(req)
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+tok)
	return t.next.RoundTrip(req)
}

// installationTransport authenticates each request as an App installation, "token
// <installation token>". It exchanges the App's JWT for the token when it has none or
// the one it holds expires within tokenRefreshEarly, one exchange at a time: concurrent
// requests that find the token stale wait for the one exchange and share its token.
type installationTransport struct {
	next http.RoundTripper
	// apps is a go-github client that authenticates as the App (appTransport).
	apps           *github.Client
	installationID int64
	now            func() time.Time

	// sem holds at most one exchange at a time; unlike a mutex it lets a waiting
	// request give up on its context.
	sem     chan struct{}
	token   string    // guarded by sem
	expires time.Time // guarded by sem
}

func newInstallationTransport(next http.RoundTripper, apps *github.Client, installationID int64, now func() time.Time) *installationTransport {
	return &installationTransport{next: next, apps: apps, installationID: installationID, now: now, sem: make(chan struct{}, 1)}
}

func (t *installationTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.installationToken(req.Context())
	if err != nil {
		closeBody(req)
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "token "+tok)
	return t.next.RoundTrip(req)
}

// installationToken returns a token good for at least tokenRefreshEarly, asking
// GitHub for a new one when needed. A failure is not remembered.
func (t *installationTransport) installationToken(ctx context.Context) (string, error) {
	select {
	case t.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-t.sem }()
	if t.token != "" && t.now().Before(t.expires.Add(-tokenRefreshEarly)) {
		return t.token, nil
	}
	// An empty options object: go-github would send a JSON null for a nil one.
	it, _, err := t.apps.Apps.CreateInstallationToken(ctx, t.installationID, &github.InstallationTokenOptions{})
	if err != nil {
		return "", fmt.Errorf("github app: installation token: %w", err)
	}
	if it.GetToken() == "" || it.ExpiresAt == nil {
		return "", errors.New("github app: installation token: GitHub's answer holds no token or no expiry")
	}
	t.token, t.expires = it.GetToken(), it.GetExpiresAt().Time
	return t.token, nil
}

// closeBody closes a request's body, as a RoundTripper must even when it fails.
func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
