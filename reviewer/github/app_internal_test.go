package github

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func appTestKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// newTestApp returns the installation transport and the App's go-github client of an
// App (id 12, installation 4242) whose API is at base, sending through next.
func newTestApp(t *testing.T, pemKey []byte, base string, next http.RoundTripper, now func() time.Time) *installationTransport {
	t.Helper()
	signer, err := newAppSigner(12, pemKey, now)
	if err != nil {
		t.Fatal(err)
	}
	u, err := baseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	apps := newGitHub(&http.Client{Transport: &appTransport{signer: signer, next: next}}, u)
	return newInstallationTransport(next, apps, 4242, now)
}

// checkJWT verifies an "Authorization: Bearer <JWT>" header with the App's public key
// and returns its claims.
func checkJWT(t *testing.T, auth string, key *rsa.PrivateKey, now func() time.Time) jwt.RegisteredClaims {
	t.Helper()
	raw, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		t.Fatalf("Authorization = %q, want Bearer <JWT>", auth)
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(now), jwt.WithIssuedAt(), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("JWT does not verify with the App's public key: %v", err)
	}
	return claims
}

func writeToken(w http.ResponseWriter, token string, expires time.Time) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"token": token, "expires_at": expires.UTC().Format(time.RFC3339)})
}

// TestAppTokenExchange checks the exchange's request (path, body, a JWT with GitHub's
// claims, signed with the App's key), the installation token on API calls, and a fresh
// JWT on each App call (GET /app).
func TestAppTokenExchange(t *testing.T) {
	t.Parallel()
	key, pemKey := appTestKey(t)
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	var (
		mu                              sync.Mutex
		exchangeAuth, exchangeBody, ids []string
		apiAuth, appAuth                []string
	)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v3/app/installations/{id}/access_tokens", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		exchangeAuth = append(exchangeAuth, r.Header.Get("Authorization"))
		exchangeBody = append(exchangeBody, strings.TrimSpace(string(body)))
		ids = append(ids, r.PathValue("id"))
		mu.Unlock()
		writeToken(w, "ghs_first", clock.now().Add(time.Hour))
	})
	mux.HandleFunc("GET /api/v3/app", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		appAuth = append(appAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id": 12, "slug": "octoapp"}`)
	})
	mux.HandleFunc("GET /api/v3/repos/o/r", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		apiAuth = append(apiAuth, r.Header.Get("Authorization"))
		mu.Unlock()
		_, _ = io.WriteString(w, `{}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	itr := newTestApp(t, pemKey, srv.URL+"/api/v3", srv.Client().Transport, clock.now)

	hc := &http.Client{Transport: itr}
	for range 2 {
		resp, err := hc.Get(srv.URL + "/api/v3/repos/o/r")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	if len(exchangeAuth) != 1 {
		t.Fatalf("%d token exchanges, want 1", len(exchangeAuth))
	}
	if ids[0] != "4242" || exchangeBody[0] != "{}" {
		t.Errorf("exchange for installation %s with body %q, want 4242 and {}", ids[0], exchangeBody[0])
	}
	claims := checkJWT(t, exchangeAuth[0], key, clock.now)
	now := clock.now()
	if claims.Issuer != "12" {
		t.Errorf("iss = %q, want the app id 12", claims.Issuer)
	}
	if got := claims.IssuedAt.Time; !got.Equal(now.Add(-60 * time.Second)) {
		t.Errorf("iat = %v, want a minute before %v", got, now)
	}
	if got := claims.ExpiresAt.Time; !got.After(now) || got.Sub(now) > 10*time.Minute {
		t.Errorf("exp = %v, want within 10 minutes after %v", got, now)
	}
	for _, a := range apiAuth {
		if a != "token ghs_first" {
			t.Errorf("API Authorization = %q, want the installation token", a)
		}
	}

	// Two App calls two minutes apart carry two JWTs, each issued for its call.
	for i := range 2 {
		clock.set(now.Add(time.Duration(i) * 2 * time.Minute))
		if _, _, err := itr.apps.Apps.Get(t.Context(), ""); err != nil {
			t.Fatal(err)
		}
	}
	if len(appAuth) != 2 {
		t.Fatalf("%d GET /app, want 2", len(appAuth))
	}
	first := checkJWT(t, appAuth[0], key, func() time.Time { return now })
	second := checkJWT(t, appAuth[1], key, clock.now)
	if d := second.IssuedAt.Sub(first.IssuedAt.Time); d != 2*time.Minute {
		t.Errorf("second GET /app's JWT issued %v after the first, want a fresh one 2m later", d)
	}
}

// TestAppTokenRefresh: the installation token is kept until five minutes before it
// expires, then replaced before any request uses it.
func TestAppTokenRefresh(t *testing.T) {
	t.Parallel()
	_, pemKey := appTestKey(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := &testClock{t: t0}
	var exchanges atomic.Int32
	var lastAuth atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", func(w http.ResponseWriter, _ *http.Request) {
		n := exchanges.Add(1)
		writeToken(w, fmt.Sprintf("ghs_%d", n), clock.now().Add(time.Hour))
	})
	mux.HandleFunc("GET /repos/o/r", func(w http.ResponseWriter, r *http.Request) {
		lastAuth.Store(r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, `{}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	hc := &http.Client{Transport: newTestApp(t, pemKey, srv.URL, srv.Client().Transport, clock.now)}

	steps := []struct {
		at        time.Duration
		wantToken string
	}{
		{0, "ghs_1"},
		{54*time.Minute + 59*time.Second, "ghs_1"}, // still good for more than 5 minutes
		{55 * time.Minute, "ghs_2"},                // 5 minutes left: replaced
		{56 * time.Minute, "ghs_2"},
	}
	for _, s := range steps {
		clock.set(t0.Add(s.at))
		resp, err := hc.Get(srv.URL + "/repos/o/r")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if got := lastAuth.Load(); got != "token "+s.wantToken {
			t.Errorf("at +%v: Authorization = %v, want token %s", s.at, got, s.wantToken)
		}
	}
	if n := exchanges.Load(); n != 2 {
		t.Errorf("%d exchanges, want 2", n)
	}
}

// roundTripFunc is an in-memory transport, so that synctest can see who is blocked.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// TestAppTokenOneExchange: concurrent requests without a token make one exchange
// between them and all use its token. synctest.Wait returns once every goroutine is
// blocked: the one exchange on its held answer, the others waiting for it; without the
// one-at-a-time guard each request would be inside an exchange of its own.
func TestAppTokenOneExchange(t *testing.T) {
	t.Parallel()
	_, pemKey := appTestKey(t)
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var exchanges atomic.Int32
		var (
			mu   sync.Mutex
			auth = map[string]int{}
		)
		next := roundTripFunc(func(req *http.Request) (*http.Response, error) {
			resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Request: req}
			if req.Method == http.MethodPost {
				exchanges.Add(1)
				<-release
				resp.StatusCode = http.StatusCreated
				resp.Body = io.NopCloser(strings.NewReader(fmt.Sprintf(`{"token":"ghs_shared","expires_at":%q}`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))))
				return resp, nil
			}
			mu.Lock()
			auth[req.Header.Get("Authorization")]++
			mu.Unlock()
			resp.Body = io.NopCloser(strings.NewReader(`{}`))
			return resp, nil
		})
		itr := newTestApp(t, pemKey, "https://ghe.example.com/api/v3", next, time.Now)
		hc := &http.Client{Transport: itr}
		u := (&url.URL{Scheme: "https", Host: "ghe.example.com", Path: "/api/v3/repos/o/r"}).String()
		const n = 8
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				resp, err := hc.Get(u)
				if err != nil {
					t.Error(err)
					return
				}
				_ = resp.Body.Close()
			})
		}
		synctest.Wait()
		if got := exchanges.Load(); got != 1 {
			t.Errorf("%d exchanges in flight, want 1", got)
		}
		close(release)
		wg.Wait()
		if got := exchanges.Load(); got != 1 {
			t.Errorf("%d exchanges, want 1", got)
		}
		if auth["token ghs_shared"] != n {
			t.Errorf("API calls by Authorization = %v, want %d with the shared token", auth, n)
		}
	})
}
