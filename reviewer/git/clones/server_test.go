package clones_test

import (
	"encoding/base64"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testToken is the forge token the tests' git server wants.
const testToken = "tok-3f9a1c77e2b54d08"

// authHeader is how GitHub takes a token over git's http transport.
func authHeader(token string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token))
}

// gitServer is git http-backend on loopback, serving the bare repositories under root,
// behind a check of the Authorization header.
type gitServer struct {
	*httptest.Server
	root string

	mu       sync.Mutex
	requests []string // "METHOD path" of each authorised request
	denied   int
	// v0 keeps to the first protocol version, where a want of a commit no ref
	// advertises is refused (git's default uploadpack.allowReachableSHA1InWant).
	v0 bool
}

func newGitServer(t *testing.T) *gitServer {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	s := &gitServer{root: t.TempDir()}
	backend := &cgi.Handler{Path: git, Args: []string{"http-backend"}, Root: "/",
		Env: []string{"GIT_PROJECT_ROOT=" + s.root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + s.root}}
	want := strings.TrimPrefix(authHeader(testToken), "Authorization: ")
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if r.Header.Get("Authorization") != want {
			s.denied++
			s.mu.Unlock()
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		if s.v0 {
			r.Header.Del("Git-Protocol")
		}
		s.mu.Unlock()
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// fetches counts the upload-pack requests (each fetch's negotiation and pack).
func (s *gitServer) fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if strings.HasSuffix(r, "/git-upload-pack") {
			n++
		}
	}
	return n
}

func (s *gitServer) deniedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.denied
}

// upstream is a repository the test builds commit by commit and the server serves.
type upstream struct {
	t    *testing.T
	work string // a work tree
	bare string // the served bare repository
	name string // its path under the server's root, "acme/app"
}

func (s *gitServer) newRepo(t *testing.T, name string) *upstream {
	t.Helper()
	u := &upstream{t: t, work: t.TempDir(), bare: filepath.Join(s.root, name+".git"), name: name}
	u.git(u.work, "init", "--quiet", "--initial-branch=main")
	u.git("", "init", "--quiet", "--bare", "--initial-branch=main", u.bare)
	// Partial clones need the server to filter.
	u.git(u.bare, "config", "uploadpack.allowFilter", "true")
	return u
}

// commit writes files (a nil content deletes) and pushes; it returns the commit id.
func (u *upstream) commit(files map[string]string) string {
	u.t.Helper()
	for name, data := range files {
		p := filepath.Join(u.work, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			u.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			u.t.Fatal(err)
		}
	}
	u.git(u.work, "add", "-A")
	u.git(u.work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "c")
	u.git(u.work, "push", "--quiet", "--force", u.bare, "HEAD:refs/heads/main")
	return strings.TrimSpace(u.git(u.work, "rev-parse", "HEAD"))
}

func (u *upstream) git(dir string, args ...string) string {
	u.t.Helper()
	cmd := exec.CommandContext(u.t.Context(), "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		u.t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
