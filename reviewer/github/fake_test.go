package github_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
)

const (
	testToken = "ghp_testtokenthatmustnotleak"
	testRepo  = "octocat/Hello-World"
	testHead  = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
	// apiPrefix mounts the fake API under a path, as go-github's own tests do, so that a
	// client ignoring the base URL's path fails.
	apiPrefix = "/api-v3"
	// testBot is the login testToken belongs to: a machine user.
	testBot = "reviewer-bot"
)

var testChange = reviewer.Change{Forge: "github", Repo: testRepo, Number: 1347, HeadSHA: testHead}

// fakeGitHub is an httptest GitHub: tests mount one handler per endpoint on mux. Every
// request is recorded and checked against the OpenAPI description; a request that does
// not match fails the test when it ends.
type fakeGitHub struct {
	t      *testing.T
	mux    *http.ServeMux
	srv    *httptest.Server
	prefix string

	mu       sync.Mutex
	requests []recorded
	invalid  []string
	sleeps   []time.Duration
}

type recorded struct {
	Method, Path, Query string
	Body                []byte
	Accept, Auth        string
}

func newFake(t *testing.T) *fakeGitHub {
	return newFakeAt(t, apiPrefix)
}

func newFakeAt(t *testing.T, prefix string) *fakeGitHub {
	t.Helper()
	spec, err := loadOpenAPI()
	if err != nil {
		t.Fatalf("load OpenAPI description: %v", err)
	}
	f := &fakeGitHub{t: t, mux: http.NewServeMux(), prefix: prefix}
	root := http.NewServeMux()
	root.Handle(prefix+"/", http.StripPrefix(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, recorded{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body,
			Accept: r.Header.Get("Accept"), Auth: r.Header.Get("Authorization"),
		})
		if err := spec.validate(r.Method, r.URL.Path, r.URL.Query(), body); err != nil {
			f.invalid = append(f.invalid, err.Error())
		}
		f.mu.Unlock()
		if _, pattern := f.mux.Handler(r); pattern == "" {
			t.Errorf("no handler for %s %s", r.Method, r.URL.Path)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.mux.ServeHTTP(w, r)
	})))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside %s: %s %s", prefix, r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	f.srv = httptest.NewServer(root)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() {
		for _, e := range f.takeInvalid() {
			t.Errorf("request does not match the OpenAPI description: %s", e)
		}
	})
	return f
}

// baseURL is the API root as a user configures it.
func (f *fakeGitHub) baseURL() string { return f.srv.URL + f.prefix + "/" }

// client returns a token-authenticated client of the fake whose Sleep records waits.
func (f *fakeGitHub) client(t *testing.T) *github.Client {
	t.Helper()
	return f.clientWith(t, github.Options{Token: testToken})
}

func (f *fakeGitHub) clientWith(t *testing.T, opts github.Options) *github.Client {
	t.Helper()
	if opts.BaseURL == "" {
		opts.BaseURL = f.baseURL()
	}
	opts.HTTPClient = f.srv.Client()
	opts.Sleep = func(_ context.Context, d time.Duration) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.sleeps = append(f.sleeps, d)
		return nil
	}
	c, err := github.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// serveUser mounts GET /user, the token's user, as login. It returns the count of calls.
//
// GitHub API docs: https://docs.github.com/rest/users/users#get-the-authenticated-user
func (f *fakeGitHub) serveUser(t *testing.T, login string) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	f.mux.HandleFunc("GET /user", func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		writeJSON(w, http.StatusOK, userObject(t, login, "User"))
	})
	return &n
}

// serveApp mounts GET /app, the App the JWT names, with the slug given. It returns the
// count of calls.
//
// GitHub API docs: https://docs.github.com/rest/apps/apps#get-the-authenticated-app
func (f *fakeGitHub) serveApp(t *testing.T, id int, slug string) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	f.mux.HandleFunc("GET /app", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		// Only a JWT (three dot-separated parts, "eyJ..." base64url JSON) may ask.
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "Bearer ey") || strings.Count(auth, ".") != 2 {
			t.Errorf("GET /app Authorization = %q, want the App's JWT", auth)
			writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
			return
		}
		// The example of the endpoint's documentation, with the id and slug given.
		writeJSON(w, http.StatusOK, map[string]any{
			"id": id, "slug": slug, "node_id": "MDExOkludGVncmF0aW9uMQ==",
			"owner":        userObject(t, "octocat", "User"),
			"name":         "Octocat App",
			"description":  "",
			"external_url": "https://example.com", "html_url": "https://github.com/apps/" + slug,
			"created_at": "2017-07-08T16:18:44-04:00", "updated_at": "2017-07-08T16:18:44-04:00",
			"permissions":         map[string]any{"metadata": "read", "pull_requests": "write", "issues": "write", "statuses": "write"},
			"events":              []string{"pull_request"},
			"installations_count": 5,
		})
	})
	return &n
}

// userObject is the fixture's user (octocat) renamed to login, of type typ ("User" or
// "Bot").
func userObject(t *testing.T, login, typ string) map[string]any {
	t.Helper()
	u := fixtureItem(t, "issue-comment-items.json")["user"].(map[string]any)
	return with(u, "login", login, "type", typ,
		"url", "https://api.github.com/users/"+login, "html_url", "https://github.com/"+login)
}

func (f *fakeGitHub) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// calls lists the recorded requests as "METHOD /path?query".
func (f *fakeGitHub) calls() []string {
	var out []string
	for _, r := range f.recorded() {
		s := r.Method + " " + r.Path
		if r.Query != "" {
			s += "?" + r.Query
		}
		out = append(out, s)
	}
	return out
}

func (f *fakeGitHub) takeInvalid() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.invalid
	f.invalid = nil
	return out
}

func (f *fakeGitHub) waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// readFixture reads a file of testdata.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fixtureObject decodes a JSON object fixture, for a handler to adjust before serving.
func fixtureObject(t *testing.T, name string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(readFixture(t, name), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// fixtureItem decodes the first element of a JSON array fixture.
func fixtureItem(t *testing.T, name string) map[string]any {
	t.Helper()
	var v []map[string]any
	if err := json.Unmarshal(readFixture(t, name), &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v[0]
}

// with returns a copy of m with the given keys set.
func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers as GitHub does for an error.
func writeError(w http.ResponseWriter, status int, message string, errs ...any) {
	body := map[string]any{"message": message, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	writeJSON(w, status, body)
}

// paginate serves the page of items the request asks for, with GitHub's Link header.
func paginate(w http.ResponseWriter, r *http.Request, prefix string, items []map[string]any) {
	per, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	if per <= 0 {
		per = 30
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if page <= 0 {
		page = 1
	}
	last := max((len(items)+per-1)/per, 1)
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<http://%s%s%s?per_page=%d&page=%d>; rel="%s"`, r.Host, prefix, r.URL.Path, per, p, rel)
	}
	var links []string
	if page < last {
		links = append(links, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		links = append(links, link(1, "first"), link(page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	lo := min((page-1)*per, len(items))
	hi := min(lo+per, len(items))
	writeJSON(w, http.StatusOK, items[lo:hi])
}
