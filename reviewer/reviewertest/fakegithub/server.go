// Package fakegithub is a fake GitHub REST API for tests: an httptest server on loopback
// that holds one pull request and what GitHub keeps of it (its heads and diffs, review
// comments with their positions, reviews, issue comments, commit statuses, collaborators'
// permissions), answers with GitHub's own example payloads with the fields that carry
// state replaced, and checks every request against GitHub's OpenAPI description and the
// parameters its endpoint documents. A problem fails the test when it ends.
//
// A test may mount its own handler for any endpoint (HandleFunc) to script an answer the
// state cannot give, and may make an endpoint fail (FailNext). It speaks HTTP and JSON
// only: it imports no GitHub client library.
package fakegithub

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

//go:embed testdata
var testdata embed.FS

// LineError is GitHub's answer to a review comment on a line outside the diff.
const LineError = "Pull request review thread line must be part of the diff"

// Rev is one head of the pull request: its base, its head and the diff between them.
type Rev = fakeforge.Rev

// Request is one request the fake received.
type Request = fakeforge.Request

// Options configure a fake. The zero value serves acme/client#7 under /api/v3/ as GitHub
// Enterprise Server mounts its REST API.
type Options struct {
	// Prefix is the path the API is mounted under ("/api/v3"); requests outside it fail.
	Prefix string
	// Repo ("owner/name") and Number name the pull request.
	Repo   string
	Number int
	// Token, when set, is the only Authorization ("Bearer Token") the endpoints of the
	// state accept. A handler a test mounts checks what it likes.
	Token string
	// Bot is the login of the token's user, who writes what the fake is sent.
	Bot string
}

// Comment is a review comment as GitHub keeps it.
type Comment struct {
	ID, ReviewID                    int64
	Path, Body, Side, StartSide     string
	Line, StartLine                 int // 0 when outdated (StartLine: or not a range)
	Position                        int
	OriginalLine, OriginalStartLine int
	OriginalPosition                int
	CommitID, OriginalCommit        string
	DiffHunk                        string
	// Code is the lines commented on, to follow them across pushes.
	Code      []string
	Outdated  bool
	InReplyTo int64
	User      string
	CreatedAt string
	// Range says start_line was given.
	Range bool
}

// Review is a review as GitHub keeps it.
type Review struct {
	ID       int64
	CommitID string
	Body     string
	Comments int
}

// IssueComment is a comment on the pull request's conversation.
type IssueComment struct {
	ID   int64
	Body string
	User string
}

// Status is a commit status.
type Status struct {
	SHA, State, Description, Context string
}

// State is a copy of what the fake holds.
type State struct {
	Comments      []Comment
	Reviews       []Review
	IssueComments []IssueComment
	Statuses      []Status
}

// Failure is an answer the fake gives instead of the real one.
type Failure struct {
	Status int
	Header http.Header
	// Body is the answer's body; "" is GitHub's error object for Status.
	Body string
}

// Server is a fake GitHub.
type Server struct {
	t      testing.TB
	opts   Options
	srv    *httptest.Server
	state  *http.ServeMux // the endpoints of the state, below the prefix
	custom *http.ServeMux // the handlers tests mount, tried first
	log    fakeforge.Log
	spec   *openAPI

	// Fixture templates.
	pull, review, comment, issueComment, status, permission map[string]any

	// files are those SetFile set (it locks them itself, not with mu).
	files fakeforge.Files

	mu            sync.Mutex
	revs          []Rev // every head pushed, oldest first; the last is the head now
	pullGets      int   // JSON reads of the pull request
	onPullGet     func(n int)
	editPull      func(pr map[string]any)
	comments      []*Comment
	reviews       []Review
	issueComments []*IssueComment
	statuses      []Status
	nextID        int64
	permissions   map[string]string
	fail          map[string][]Failure
	reject        map[string]bool
	manifestCodes map[string]bool // the App manifest codes not yet converted (manifest.go)
	git           gitData         // branches, commits and pull requests of reviewer learn (proposal.go)
}

// New starts a fake GitHub; it stops when the test ends, and fails the test with every
// problem it found in the requests.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = "/api/v3"
	}
	opts.Prefix = strings.TrimSuffix(opts.Prefix, "/")
	if opts.Repo == "" {
		opts.Repo = "acme/client"
	}
	if opts.Number == 0 {
		opts.Number = 7
	}
	if opts.Bot == "" {
		opts.Bot = "reviewer-bot[bot]"
	}
	spec, err := loadOpenAPI()
	if err != nil {
		t.Fatalf("fakegithub: load the OpenAPI description: %v", err)
	}
	f := &Server{t: t, opts: opts, state: http.NewServeMux(), custom: http.NewServeMux(), spec: spec,
		nextID: 1000, permissions: map[string]string{}, fail: map[string][]Failure{}, reject: map[string]bool{}}
	f.fixture("pull-request.json", &f.pull)
	f.fixture("pull-request-review.json", &f.review)
	var items []map[string]any
	f.fixture("pull-request-review-comment-items.json", &items)
	f.comment = items[0]
	f.fixture("issue-comment.json", &f.issueComment)
	f.fixture("status.json", &f.status)
	f.fixture("repository-collaborator-permission.json", &f.permission)
	f.routes()

	root := http.NewServeMux()
	root.Handle(opts.Prefix+"/", http.StripPrefix(opts.Prefix, http.HandlerFunc(f.serve)))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		req := f.log.Read(r)
		f.log.Record(req)
		f.log.Problem("request outside %s: %s", opts.Prefix, req)
		http.NotFound(w, r)
	})
	f.srv = httptest.NewServer(root)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { f.log.Report(t) })
	return f
}

func (f *Server) fixture(name string, v any) {
	data, err := testdata.ReadFile("testdata/" + name)
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		f.t.Fatalf("fakegithub: fixture %s: %v", name, err)
	}
}

// serve records a request, checks it against the OpenAPI description and answers it from
// a mounted handler, an injected failure or the state.
func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	req := f.log.Read(r)
	req.Path = f.opts.Prefix + req.Path
	f.log.Record(req)
	r = r.WithContext(context.WithValue(r.Context(), requestKey{}, req))
	if err := f.spec.validate(r.Method, r.URL.Path, r.URL.Query(), req.Raw); err != nil {
		f.log.Problem("request does not match the OpenAPI description: %v", err)
	}
	if _, pattern := f.custom.Handler(r); pattern != "" {
		f.custom.ServeHTTP(w, r)
		return
	}
	f.state.ServeHTTP(w, r)
}

type requestKey struct{}

// HandleFunc mounts h for pattern (a ServeMux pattern below the prefix, such as
// "GET /repos/octocat/Hello-World/pulls/1347"), before the endpoints of the state.
func (f *Server) HandleFunc(pattern string, h http.HandlerFunc) { f.custom.HandleFunc(pattern, h) }

// URL is the server's root.
func (f *Server) URL() string { return f.srv.URL }

// BaseURL is the API's root as a user configures it.
func (f *Server) BaseURL() string { return f.srv.URL + f.opts.Prefix + "/" }

// Client is an HTTP client for the server.
func (f *Server) Client() *http.Client { return f.srv.Client() }

// Repo is the pull request's repository, "owner/name".
func (f *Server) Repo() string { return f.opts.Repo }

// Number is the pull request's number.
func (f *Server) Number() int { return f.opts.Number }

// ChangeURL is the pull request's web address.
func (f *Server) ChangeURL() string {
	return f.srv.URL + "/" + f.opts.Repo + "/pull/" + strconv.Itoa(f.opts.Number)
}

// Log is the record of the requests received.
func (f *Server) Log() *fakeforge.Log { return &f.log }

// Calls lists the requests received as "METHOD /path?query", the path below the prefix.
func (f *Server) Calls() []string {
	var out []string
	for _, r := range f.log.All() {
		s := r.Method + " " + strings.TrimPrefix(r.Path, f.opts.Prefix)
		if len(r.Query) > 0 {
			s += "?" + r.Query.Encode()
		}
		out = append(out, s)
	}
	return out
}

// TakeProblems returns the problems found so far and forgets them, for a test that
// sends a bad request on purpose.
func (f *Server) TakeProblems() []string { return f.log.TakeProblems() }

// Push makes rev the pull request's head and re-anchors the comments on it, as GitHub
// does: on the lines they were on, or outdated (position and line null) when the lines
// are gone. It never deletes anything.
func (f *Server) Push(rev Rev) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revs = append(f.revs, rev)
	files := f.parse(rev.Diff)
	for _, c := range f.comments {
		if c.Outdated || c.InReplyTo != 0 {
			continue
		}
		file := fakeforge.FindFile(files, c.Path)
		var first, last int
		ok := file != nil
		if ok {
			first, last, ok = file.Find(c.Side, c.Code)
		}
		if !ok {
			c.Outdated, c.Line, c.StartLine, c.Position = true, 0, 0, 0
			continue
		}
		c.Line, c.CommitID = last, rev.Head
		c.Position = file.Lines[file.At(c.Side, last)].Pos
		if c.Range {
			c.StartLine = first
		}
	}
}

func (f *Server) parse(diff string) []*fakeforge.File {
	files, err := fakeforge.ParseDiff(diff)
	if err != nil {
		f.t.Errorf("fakegithub: %v", err)
	}
	return files
}

// Head is the pull request's head now, "" before the first Push.
func (f *Server) Head() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.revs) == 0 {
		return ""
	}
	return f.revs[len(f.revs)-1].Head
}

// SetFile makes the fake serve content as path at revision rev (the base or a head
// pushed), whole: the contents API answers it and the tree listing at rev holds it. A
// changed file set at a head is served so instead of rebuilt from the diff. Rules and
// settings are still never to be read at a head.
func (f *Server) SetFile(rev, path, content string) { f.files.Set(rev, path, content) }

// OnPullGet calls hook with the count of JSON reads of the pull request so far, on each
// read, before it is answered: a test moves the head there.
func (f *Server) OnPullGet(hook func(n int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onPullGet = hook
}

// EditPull changes the pull request before each answer (a fork, a newcomer's).
func (f *Server) EditPull(edit func(pr map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.editPull = edit
}

// SetPermission sets a user's legacy base role on the repository ("admin", "write",
// "read", "none"); a user without one is unknown to GitHub (404).
func (f *Server) SetPermission(user, role string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.permissions[user] = role
}

// FailNext makes the next requests to the endpoint named (see Endpoints, such as
// "create review") get fs, one each, before it answers normally again.
func (f *Server) FailNext(endpoint string, fs ...Failure) {
	if !slices.Contains(Endpoints, endpoint) {
		f.t.Fatalf("fakegithub: no endpoint %q", endpoint)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[endpoint] = append(f.fail[endpoint], fs...)
}

// Reject makes GitHub refuse every review holding a comment on line (of the new file) of
// path, as it refuses a line outside the diff.
func (f *Server) Reject(path string, line int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reject[path+":"+strconv.Itoa(line)] = true
}

// AddIssueComment adds a comment by user to the pull request's conversation.
func (f *Server) AddIssueComment(user, body string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.issueComments = append(f.issueComments, &IssueComment{ID: f.nextID, Body: body, User: user})
	return f.nextID
}

// AddComment adds a review comment by user on line of path (side "RIGHT" or "LEFT") at
// the head now.
func (f *Server) AddComment(user, path, side string, line int, body string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	rev := f.revs[len(f.revs)-1]
	c, why := f.place(f.parse(rev.Diff), map[string]any{"path": path, "side": side, "line": float64(line), "body": body})
	if why != "" {
		f.t.Fatalf("fakegithub: AddComment: %s", why)
	}
	f.nextID++
	c.ID, c.ReviewID, c.CommitID, c.OriginalCommit = f.nextID, f.nextID, rev.Head, rev.Head
	c.User, c.CreatedAt = user, "2024-04-30T10:00:00Z"
	f.comments = append(f.comments, c)
	return c.ID
}

// AddReply adds user's reply to the thread of review comment id and returns its id.
func (f *Server) AddReply(user string, id int64, body string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.reply(id, user, body)
	if !ok {
		f.t.Fatalf("fakegithub: AddReply: no review comment %d", id)
	}
	return c.ID
}

// Snapshot returns a copy of what the fake holds.
func (f *Server) Snapshot() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	var s State
	for _, c := range f.comments {
		s.Comments = append(s.Comments, *c)
	}
	for _, c := range f.issueComments {
		s.IssueComments = append(s.IssueComments, *c)
	}
	s.Reviews = slices.Clone(f.reviews)
	s.Statuses = slices.Clone(f.statuses)
	return s
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) { fakeforge.WriteJSON(w, status, v) }

// WriteError answers as GitHub does for an error.
func WriteError(w http.ResponseWriter, status int, message string, errs ...any) {
	body := map[string]any{"message": message, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	WriteJSON(w, status, body)
}

// Paginate answers with the page of items the request asks for (per_page, page; 30 by
// default), with GitHub's Link header.
func Paginate[T any](w http.ResponseWriter, r *http.Request, items []T) {
	page, per := fakeforge.PageOf(r.URL.Query(), 30)
	links(w, r, page, per, len(items))
	out, _ := fakeforge.PageSlice(items, page, per)
	if out == nil {
		out = []T{}
	}
	WriteJSON(w, http.StatusOK, out)
}

// links sets GitHub's Link header for a page of a list. A handler below StripPrefix sees
// the path without the prefix, so the request's original path is taken from RequestURI.
func links(w http.ResponseWriter, r *http.Request, page, per, total int) {
	path, _, _ := strings.Cut(r.RequestURI, "?")
	last := max((total+per-1)/per, 1)
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<http://%s%s?per_page=%d&page=%d>; rel="%s"`, r.Host, path, per, p, rel)
	}
	var ls []string
	if page < last {
		ls = append(ls, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		ls = append(ls, link(1, "first"), link(page-1, "prev"))
	}
	if len(ls) > 0 {
		w.Header().Set("Link", strings.Join(ls, ", "))
	}
}

// ServeHTTP answers r as the server does, for a test that routes requests itself.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.srv.Config.Handler.ServeHTTP(w, r)
}
