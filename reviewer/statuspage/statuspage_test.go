package statuspage_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/statuspage"
)

const (
	testToken = "a-token-long-enough-0123456789"
	hostile   = `evil/<img src=x onerror=document.title='pwned'>`
)

// fakeHistory is the review history the page reads, recording the filters it is asked.
type fakeHistory struct {
	mu      sync.Mutex
	reviews []queue.Review
	days    []queue.RepoDay
	asked   []queue.Filter
	since   []time.Time
}

func (h *fakeHistory) List(_ context.Context, f queue.Filter) ([]queue.Review, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.asked = append(h.asked, f)
	var out []queue.Review
	for _, r := range h.reviews {
		if (f.Failed && !r.Failed()) || (f.Repo != "" && r.Repo != f.Repo) || (f.Change != 0 && r.Change != f.Change) {
			continue
		}
		if len(out) == f.Limit {
			break
		}
		out = append(out, r)
	}
	return out, nil
}

func (h *fakeHistory) CostPerDay(_ context.Context, since time.Time) ([]queue.RepoDay, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.since = append(h.since, since)
	return h.days, nil
}

type fakeQueue map[string]int

func (q fakeQueue) Depth(context.Context) (map[string]int, error) { return q, nil }

var now = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func newHistory() *fakeHistory {
	return &fakeHistory{
		reviews: []queue.Review{
			{Forge: "github", Repo: "acme/widgets", Change: 7, HeadSHA: "0123456789abcdef", Outcome: queue.OutcomeReviewed, Tier: "full",
				Findings: 3, Posted: 2, PromptTokens: 100, CompletionTokens: 20, CostUSD: 0.0123, Finished: now, DurationMS: 1500},
			{Forge: "github", Repo: hostile, Change: 8, HeadSHA: "fedcba", Outcome: queue.OutcomeFailed, ErrorKind: "forge",
				Reason: `not found <script>document.title='pwned'</script>`, Finished: now.Add(-time.Hour)},
		},
		days: []queue.RepoDay{
			{Day: queue.Day(now), DayStart: queue.DayStart(queue.Day(now)), Forge: "github", Repo: hostile, Reviews: 2, Failed: 1, CostUSD: 0.5},
		},
	}
}

func users(t *testing.T) map[string][]byte {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u, err := statuspage.ParseUsers([]byte("# operators\nops:" + string(hash) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func newPage(t *testing.T, h *fakeHistory, token string, users map[string][]byte) *statuspage.Page {
	t.Helper()
	p, err := statuspage.New(statuspage.Options{Reviews: h, Queue: fakeQueue{"available": 2, "scheduled": 1, "running": 3, "retryable": 4},
		Token: token, Users: users, Off: "the status page is off: set server.ui.token_file",
		Text: func(s string, _ int) string { return s }, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, h http.Handler, method, target string, set func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, nil)
	if set != nil {
		set(req)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func basic(user, pass string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

func checkHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for k, want := range map[string]string{
		"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'none'") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
}

func TestUIOffWithoutCredentials(t *testing.T) {
	t.Parallel()
	p := newPage(t, newHistory(), "", nil)
	for _, path := range []string{"/ui/", "/ui/login", "/ui/failures", "/ui/style.css"} {
		w := get(t, p, http.MethodGet, path, bearer(testToken))
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "server.ui.token_file") {
			t.Errorf("GET %s: %d %q, want 403 saying how to turn it on", path, w.Code, w.Body)
		}
		checkHeaders(t, w)
	}
}

func TestUIAuth(t *testing.T) {
	t.Parallel()
	p := newPage(t, newHistory(), testToken, users(t))
	for _, tc := range []struct {
		name string
		set  func(*http.Request)
		want int
	}{
		{"none", nil, http.StatusUnauthorized},
		{"wrong token", bearer(testToken + "x"), http.StatusUnauthorized},
		{"token prefix", bearer(testToken[:len(testToken)-1]), http.StatusUnauthorized},
		{"wrong password", basic("ops", "s3creT"), http.StatusUnauthorized},
		{"unknown user", basic("root", "s3cret"), http.StatusUnauthorized},
		{"forged cookie", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "reviewer_ui", Value: "99999999999.00"}) }, http.StatusUnauthorized},
		{"token", bearer(testToken), http.StatusOK},
		{"basic", basic("ops", "s3cret"), http.StatusOK},
		{"basic again (remembered)", basic("ops", "s3cret"), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(t, p, http.MethodGet, "/ui/", tc.set)
			if w.Code != tc.want {
				t.Fatalf("%d, want %d: %s", w.Code, tc.want, w.Body)
			}
			checkHeaders(t, w)
			if tc.want == http.StatusUnauthorized {
				if got := w.Header().Values("WWW-Authenticate"); len(got) != 2 || !strings.HasPrefix(got[0], "Basic ") || !strings.HasPrefix(got[1], "Bearer ") {
					t.Errorf("WWW-Authenticate: %q, want Basic and Bearer", got)
				}
				if strings.Contains(w.Body.String(), "acme/widgets") {
					t.Errorf("the 401 shows the history:\n%s", w.Body)
				}
			} else if !strings.Contains(w.Body.String(), "acme/widgets") {
				t.Errorf("the page has no review:\n%s", w.Body)
			}
		})
	}
}

func TestUILogin(t *testing.T) {
	t.Parallel()
	p := newPage(t, newHistory(), testToken, nil)
	post := func(token, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "http://reviewer.example/ui/login",
			strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		}
		w := httptest.NewRecorder()
		p.ServeHTTP(w, req)
		return w
	}
	if w := post(testToken+"!", ""); w.Code != http.StatusUnauthorized || len(w.Result().Cookies()) != 0 {
		t.Errorf("a wrong token: %d, cookies %v; want 401 and none", w.Code, w.Result().Cookies())
	}
	if w := post(testToken, "https://attacker.example"); w.Code != http.StatusForbidden || len(w.Result().Cookies()) != 0 {
		t.Errorf("a cross-site post: %d, cookies %v; want 403 and none", w.Code, w.Result().Cookies())
	}
	w := post(testToken, "")
	cookies := w.Result().Cookies()
	if w.Code != http.StatusSeeOther || len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Path != "/ui/" {
		t.Fatalf("the right token: %d, cookies %+v; want 303 and an HttpOnly, SameSite=Strict cookie for /ui/", w.Code, cookies)
	}
	c := cookies[0]
	if c.Secure {
		t.Error("the cookie is Secure over plain HTTP: a browser would drop it")
	}
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "http://reviewer.example/ui/login",
		strings.NewReader(url.Values{"token": {testToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	behindTLS := httptest.NewRecorder()
	p.ServeHTTP(behindTLS, req)
	if got := behindTLS.Result().Cookies(); len(got) != 1 || !got[0].Secure {
		t.Errorf("behind a TLS proxy, cookies %+v; want one Secure", got)
	}
	if w := get(t, p, http.MethodGet, "/ui/", func(r *http.Request) { r.AddCookie(c) }); w.Code != http.StatusOK {
		t.Errorf("with the login cookie: %d, want 200", w.Code)
	}
	tampered := *c
	tampered.Value = "9" + c.Value // a later expiry, the same signature
	if w := get(t, p, http.MethodGet, "/ui/", func(r *http.Request) { r.AddCookie(&tampered) }); w.Code != http.StatusUnauthorized {
		t.Errorf("with a cookie whose expiry was changed: %d, want 401", w.Code)
	}
	later := newPage(t, newHistory(), testToken, nil)
	lateNow := now.Add(13 * time.Hour)
	expired, err := statuspage.New(statuspage.Options{Reviews: newHistory(), Queue: fakeQueue{}, Token: testToken,
		Text: func(s string, _ int) string { return s }, Now: func() time.Time { return lateNow }})
	if err != nil {
		t.Fatal(err)
	}
	if w := get(t, later, http.MethodGet, "/ui/", func(r *http.Request) { r.AddCookie(c) }); w.Code != http.StatusOK {
		t.Errorf("the cookie, at another instance with the same token: %d, want 200", w.Code)
	}
	if w := get(t, expired, http.MethodGet, "/ui/", func(r *http.Request) { r.AddCookie(c) }); w.Code != http.StatusUnauthorized {
		t.Errorf("the cookie 13 hours later: %d, want 401", w.Code)
	}
}

func TestUIReadOnly(t *testing.T) {
	t.Parallel()
	p := newPage(t, newHistory(), testToken, nil)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		for _, path := range []string{"/ui/", "/ui/failures", "/ui/changes/github/acme/widgets/7"} {
			w := get(t, p, m, path, bearer(testToken))
			if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q; want 405 and GET, HEAD", m, path, w.Code, w.Header().Get("Allow"))
			}
		}
	}
	if w := get(t, p, http.MethodHead, "/ui/", bearer(testToken)); w.Code != http.StatusOK {
		t.Errorf("HEAD /ui/: %d, want 200", w.Code)
	}
}

// TestUIHostileText shows a repository whose name is markup, and a reason with a
// script, in every view: they appear escaped, as text, and nowhere as markup.
func TestUIHostileText(t *testing.T) {
	t.Parallel()
	p := newPage(t, newHistory(), testToken, nil)
	for _, path := range []string{"/ui/", "/ui/failures", "/ui/cost", "/ui/changes/github/evil/%3Cimg%20src=x%20onerror=document.title='pwned'%3E/8"} {
		w := get(t, p, http.MethodGet, path, bearer(testToken))
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, w.Code, body)
		}
		if strings.Contains(body, "<img") || strings.Contains(body, "<script") {
			t.Errorf("GET %s: the hostile text is markup:\n%s", path, body)
		}
		if !strings.Contains(body, "evil/&lt;img src=x onerror=document.title=&#39;pwned&#39;&gt;") {
			t.Errorf("GET %s: the hostile repository is not shown escaped:\n%s", path, body)
		}
		checkHeaders(t, w)
	}
	w := get(t, p, http.MethodGet, "/ui/failures", bearer(testToken))
	if !strings.Contains(w.Body.String(), "not found &lt;script&gt;") {
		t.Errorf("the failure's reason is not shown escaped:\n%s", w.Body)
	}
	// The link to the change escapes the name into its path.
	if !strings.Contains(w.Body.String(), `href="/ui/changes/github/evil/%3Cimg%20src=x%20onerror=document.title=%27pwned%27%3E/8"`) {
		t.Errorf("no link to the hostile change's page:\n%s", w.Body)
	}
}

func TestUIViews(t *testing.T) {
	t.Parallel()
	h := newHistory()
	p := newPage(t, h, testToken, nil)
	for _, tc := range []struct {
		path   string
		want   []string
		filter *queue.Filter
	}{
		{"/ui/", []string{"acme/widgets#7", "reviewed", "$0.0123", "0123456789<", "1.5s", "3 / 2"}, &queue.Filter{Limit: 50}},
		{"/ui/?limit=1", []string{"acme/widgets#7", `href="/ui/?limit=2"`}, &queue.Filter{Limit: 1}},
		{"/ui/?forge=github&repo=acme/widgets", []string{"Recent reviews of acme/widgets", "acme/widgets#7"}, &queue.Filter{Forge: "github", Repo: "acme/widgets", Limit: 50}},
		{"/ui/failures", []string{"<b>forge</b>", "failed"}, &queue.Filter{Failed: true, Limit: 50}},
		{"/ui/changes/gitlab/group/sub/project/12", []string{"group/sub/project#12"}, &queue.Filter{Forge: "gitlab", Repo: "group/sub/project", Change: 12, Limit: 50}},
		{"/ui/changes/github/acme/widgets/7", []string{"acme/widgets#7", "1 attempts, $0.0123 in all", "full"}, &queue.Filter{Forge: "github", Repo: "acme/widgets", Change: 7, Limit: 50}},
		{"/ui/queue", []string{">3<", ">4<", "waiting", "retrying"}, nil},
		{"/ui/cost?days=7", []string{"$0.5000", "<svg", "<rect", "2026-12-07: $0.5000", `href="/ui/?forge=github&amp;repo=evil%2F%3Cimg`}, nil},
	} {
		h.mu.Lock()
		h.asked = nil
		h.mu.Unlock()
		w := get(t, p, http.MethodGet, tc.path, bearer(testToken))
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", tc.path, w.Code, w.Body)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("GET %s: no %q in\n%s", tc.path, s, w.Body)
			}
		}
		if tc.filter != nil {
			h.mu.Lock()
			if diff := cmp.Diff([]queue.Filter{*tc.filter}, h.asked); diff != "" {
				t.Errorf("GET %s: filters (-want +got):\n%s", tc.path, diff)
			}
			h.mu.Unlock()
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if want := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC); len(h.since) != 1 || !h.since[0].Equal(want) {
		t.Errorf("cost since %v, want %v (7 days including today)", h.since, want)
	}
}

func TestUIBadRequests(t *testing.T) {
	t.Parallel()
	p := newPage(t, newHistory(), testToken, nil)
	for path, want := range map[string]int{
		"/ui/?limit=0":                    http.StatusBadRequest,
		"/ui/?limit=501":                  http.StatusBadRequest,
		"/ui/cost?days=91":                http.StatusBadRequest,
		"/ui/changes/bitbucket/a/b/1":     http.StatusNotFound,
		"/ui/changes/github/acme/widgets": http.StatusNotFound,
		"/ui/changes/github/7":            http.StatusNotFound,
		"/ui/changes/github/acme/w/x":     http.StatusNotFound,
		"/ui/nothing":                     http.StatusNotFound,
	} {
		if w := get(t, p, http.MethodGet, path, bearer(testToken)); w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
	}
}

func TestParseUsers(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, in, wantErr string
	}{
		{"empty", "\n# nobody\n", "no user"},
		{"no colon", "ops\n", "line 1: want user:bcrypt-hash"},
		{"plain password", "ops:hunter2\n", `line 1 (user "ops"): not a bcrypt hash`},
		{"twice", "ops:" + string(hash) + "\nops:" + string(hash), `line 2: user "ops" again`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := statuspage.ParseUsers([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one saying %q", err, tc.wantErr)
			}
		})
	}
	if _, err := statuspage.ParseToken([]byte("short\n")); err == nil {
		t.Error("a 5-byte token was accepted")
	}
	if tok, err := statuspage.ParseToken([]byte("  " + testToken + "\n")); err != nil || tok != testToken {
		t.Errorf("ParseToken: %q, %v", tok, err)
	}
}

func TestUIStyle(t *testing.T) {
	t.Parallel()
	p := newPage(t, newHistory(), testToken, nil)
	w := get(t, p, http.MethodGet, "/ui/style.css", nil)
	body, _ := io.ReadAll(w.Body)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") || len(body) == 0 {
		t.Errorf("GET /ui/style.css: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
}
