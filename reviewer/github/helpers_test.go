package github_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
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

// fake is the fake GitHub of reviewertest/fakegithub serving testChange, with the
// adapter's clients of it, whose Sleep records the waits.
type fake struct {
	*fakegithub.Server
	mu     sync.Mutex
	sleeps []time.Duration
}

func newFake(t *testing.T) *fake { return newFakeAt(t, apiPrefix) }

func newFakeAt(t *testing.T, prefix string) *fake {
	t.Helper()
	return &fake{Server: fakegithub.New(t, fakegithub.Options{Prefix: prefix, Repo: testRepo, Number: testChange.Number, Bot: testBot})}
}

// client returns a token-authenticated client of the fake.
func (f *fake) client(t *testing.T) *github.Client {
	t.Helper()
	return f.clientWith(t, github.Options{Token: testToken})
}

func (f *fake) clientWith(t *testing.T, opts github.Options) *github.Client {
	t.Helper()
	if opts.BaseURL == "" {
		opts.BaseURL = f.BaseURL()
	}
	opts.HTTPClient = f.Client()
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

func (f *fake) waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// serveUser mounts GET /user, the token's user, as login. It returns the count of calls.
//
// GitHub API docs: https://docs.github.com/rest/users/users#get-the-authenticated-user
func (f *fake) serveUser(t *testing.T, login string) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	f.HandleFunc("GET /user", func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		fakegithub.WriteJSON(w, http.StatusOK, userObject(t, login, "User"))
	})
	return &n
}

// serveApp mounts GET /app, the App the JWT names, with the slug given. It returns the
// count of calls.
//
// GitHub API docs: https://docs.github.com/rest/apps/apps#get-the-authenticated-app
func (f *fake) serveApp(t *testing.T, id int, slug string) *atomic.Int32 {
	t.Helper()
	var n atomic.Int32
	f.HandleFunc("GET /app", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		// Only a JWT (three dot-separated parts, "eyJ..." base64url JSON) may ask.
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "Bearer ey") || strings.Count(auth, ".") != 2 {
			t.Errorf("GET /app Authorization = %q, want the App's JWT", auth)
			fakegithub.WriteError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
			return
		}
		// The example of the endpoint's documentation, with the id and slug given.
		fakegithub.WriteJSON(w, http.StatusOK, map[string]any{
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
