package gitlab_test

import (
	"context"
	"crypto/sha1" //nolint:gosec // GitLab's line codes are SHA-1 of the path.
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
)

// The fake GitLab serves the payloads in testdata/ (see testdata/README.md at the module
// root), one handler per endpoint under /api/v4/, records every request, and checks each
// against the documented parameters of its endpoint. The parameter sets of the endpoints
// that testdata/FIELD-REFERENCE.md covers (discussions, draft notes, diffs, versions) are
// taken from it, section by section; the others (single merge request, notes, commit
// statuses, repository tree, raw files, merge base and compare, current user) from GitLab's
// REST API pages (merge_requests.md, notes.md, commits.md, repositories.md,
// repository_files.md, users.md). page and per_page are GitLab's pagination parameters,
// which every list endpoint takes.

const (
	project = "gitlab-org/gitlab-ee"
	iid     = 14656
	botID   = 42

	// The latest version in merge_request.versions.list.target-moved.json.
	baseSHA  = "eeb57dffe83deb686a60a71c16c32f71046868fd"
	startSHA = "7c9c2ead8a320fb7ba0b4e234bd9529a2614e306"
	headSHA  = "33e2ee8579fda5bc36accc9c6fbd0b4fefda9e30"

	// Earlier heads of the merge request, for merge_base and compare (hand-written): the
	// head's parent, and a head a force-push replaced, whose history meets the head's only
	// at the base.
	parentSHA    = "0e9f3a1c5b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f"
	rewrittenSHA = "9a8b7c6d5e4f30211f2e3d4c5b6a79881a2b3c4d"
)

// parents is the fake repository's history: each commit's first parent.
var parents = map[string]string{
	headSHA:      parentSHA,
	parentSHA:    baseSHA,
	rewrittenSHA: baseSHA,
	startSHA:     baseSHA,
	baseSHA:      "",
}

var (
	rawPath    = regexp.MustCompile(`^/projects/([^/]+)/repository/files/([^/]+)/raw$`)
	pagination = []string{"page", "per_page"}
	// positionFields are the documented fields of a text position (FIELD-REFERENCE §1, §2;
	// the image fields width, height, x and y are left out: the bot never sends them).
	positionFields = []string{"base_sha", "head_sha", "start_sha", "position_type", "new_path", "old_path", "new_line", "old_line", "line_range"}
	// positionRequired are required for a text position (FIELD-REFERENCE §1, §2).
	positionRequired = []string{"base_sha", "head_sha", "start_sha", "position_type", "new_path", "old_path"}
	// rangeEndFields: line_code and type are required, old_line and new_line optional (§1).
	rangeEndFields   = []string{"line_code", "type", "old_line", "new_line"}
	rangeEndRequired = []string{"line_code", "type"}
)

// endpoint is one documented GitLab endpoint: what it accepts and how the fake answers.
type endpoint struct {
	name   string
	method string
	// path matches the escaped path below /api/v4; its first group is the project.
	path *regexp.Regexp
	// query lists the documented query parameters, body the documented body fields and
	// required the body fields that must be present.
	query, body, required []string
	// position says the body may hold a text position, checked field by field.
	position bool
	serve    func(f *fake, w http.ResponseWriter, r *http.Request, req *request)
}

func route(format string) *regexp.Regexp {
	return regexp.MustCompile("^" + fmt.Sprintf(format, `([^/]+)`, strconv.Itoa(iid)) + "$")
}

var endpoints = []endpoint{
	{name: "get merge request", method: "GET", path: route("/projects/%s/merge_requests/%s"),
		query: []string{"render_html", "include_diverged_commits_count", "include_rebase_in_progress"},
		serve: (*fake).getMergeRequest},
	{name: "list versions", method: "GET", path: route("/projects/%s/merge_requests/%s/versions"),
		serve: file("merge_request.versions.list.target-moved.json")},
	{name: "list diffs", method: "GET", path: route("/projects/%s/merge_requests/%s/diffs"),
		query: []string{"page", "per_page", "unidiff"},
		serve: offsetPages("merge_request.diffs.page1.json", "merge_request.diffs.page2.json")},
	{name: "list discussions", method: "GET", path: route("/projects/%s/merge_requests/%s/discussions"),
		query: pagination, serve: linkPages("discussions.list.page1.json", "discussions.list.page2.json")},
	{name: "create discussion", method: "POST", path: route("/projects/%s/merge_requests/%s/discussions"),
		body: []string{"body", "commit_id", "created_at", "position"}, required: []string{"body"}, position: true,
		serve: (*fake).createDiscussion},
	{name: "resolve discussion", method: "PUT", path: route("/projects/%s/merge_requests/%s/discussions/[0-9a-f]{40}"),
		body: []string{"resolved"}, required: []string{"resolved"}, serve: (*fake).discussion},
	{name: "create draft note", method: "POST", path: route("/projects/%s/merge_requests/%s/draft_notes"),
		body:     []string{"note", "commit_id", "in_reply_to_discussion_id", "resolve_discussion", "position"},
		required: []string{"note"}, position: true, serve: (*fake).createDraft},
	{name: "bulk publish", method: "POST", path: route("/projects/%s/merge_requests/%s/draft_notes/bulk_publish"),
		serve: (*fake).bulkPublish},
	{name: "list draft notes", method: "GET", path: route("/projects/%s/merge_requests/%s/draft_notes"),
		query: pagination, serve: (*fake).listDrafts},
	{name: "delete draft note", method: "DELETE", path: route("/projects/%s/merge_requests/%s/draft_notes/[0-9]+"),
		serve: (*fake).deleteDraft},
	{name: "list notes", method: "GET", path: route("/projects/%s/merge_requests/%s/notes"),
		query: []string{"sort", "order_by", "page", "per_page"}, serve: offsetPages("notes.list.json")},
	{name: "create note", method: "POST", path: route("/projects/%s/merge_requests/%s/notes"),
		body: []string{"body", "internal", "merge_request_diff_head_sha", "created_at"}, required: []string{"body"},
		serve: (*fake).createNote},
	{name: "edit note", method: "PUT", path: route("/projects/%s/merge_requests/%s/notes/[0-9]+"),
		body: []string{"body"}, required: []string{"body"}, serve: (*fake).editNote},
	{name: "set commit status", method: "POST", path: regexp.MustCompile(`^/projects/([^/]+)/statuses/[0-9a-f]{40}$`),
		body:     []string{"state", "ref", "name", "context", "target_url", "description", "coverage", "pipeline_id"},
		required: []string{"state"}, serve: (*fake).setStatus},
	{name: "list tree", method: "GET", path: regexp.MustCompile(`^/projects/([^/]+)/repository/tree$`),
		query: []string{"path", "ref", "recursive", "page", "per_page", "pagination", "page_token"}, serve: (*fake).tree},
	{name: "raw file", method: "GET", path: rawPath,
		query: []string{"ref", "lfs"}, serve: (*fake).rawFile},
	{name: "merge base", method: "GET", path: regexp.MustCompile(`^/projects/([^/]+)/repository/merge_base$`),
		query: []string{"refs[]"}, serve: (*fake).mergeBase},
	{name: "compare", method: "GET", path: regexp.MustCompile(`^/projects/([^/]+)/repository/compare$`),
		query: []string{"from", "to", "from_project_id", "straight", "unidiff"}, serve: (*fake).compare},
	{name: "current user", method: "GET", path: regexp.MustCompile(`^/user$`), serve: file("user.json")},
	{name: "get member", method: "GET", path: regexp.MustCompile(`^/projects/([^/]+)/members/all/([0-9]+)$`),
		serve: (*fake).member},
}

// request is one recorded request.
type request struct {
	endpoint string
	method   string
	path     string
	query    url.Values
	body     map[string]any
}

// failure is an answer the fake gives instead of the real one.
type failure struct {
	// pass answers normally, letting one request through before the failures that follow.
	pass   bool
	status int
	header http.Header
	body   string
}

type fake struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string
	diff   map[string]*fakeFile // the fake's own reading of the diffs it serves, by new path

	mu       sync.Mutex
	requests []request
	fail     map[string][]failure // by endpoint name, used up in order
	noDrafts bool
	// reject says whether GitLab refuses a position (400).
	reject func(pos map[string]any) bool
	// drafts are the token user's pending draft notes, the only ones GitLab lists to them.
	drafts    []fakeDraft
	published []string // the notes of the drafts bulk publishes published, in order
	notes     map[int]string
	statuses  []string
	// members are the project's members, inherited ones included: user id -> access level.
	members map[int64]int
	// editMR, when set, changes the merge request before it is served.
	editMR    func(mr map[string]any)
	nextNote  int
	nextDraft int
}

// fakeDraft is a pending draft note.
type fakeDraft struct {
	id   int
	note string
}

// newFake starts a fake GitLab whose API is at prefix+/api/v4.
func newFake(t *testing.T, prefix string) *fake {
	t.Helper()
	f := &fake{t: t, prefix: prefix, fail: map[string][]failure{}, notes: map[int]string{}, nextNote: 3000, nextDraft: 37349980}
	f.diff = readFakeDiff(t, "merge_request.diffs.page1.json", "merge_request.diffs.page2.json")
	f.srv = httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.srv.Close)
	return f
}

// client returns an adapter pointed at the fake, with retries that record instead of sleep.
func (f *fake) client(t *testing.T, sleeps *[]time.Duration) *gitlab.Client {
	t.Helper()
	c, err := gitlab.New(gitlab.Options{
		BaseURL:    f.srv.URL + f.prefix,
		Token:      "glpat-test-token",
		HTTPClient: f.srv.Client(),
		MaxRetries: 2,
		Sleep: func(_ context.Context, d time.Duration) error {
			if sleeps != nil {
				*sleeps = append(*sleeps, d)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fake) failNext(endpoint string, fs ...failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[endpoint] = append(f.fail[endpoint], fs...)
}

// calls returns the recorded requests to endpoint, or all of them for "".
func (f *fake) calls(endpoint string) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.requests {
		if endpoint == "" || r.endpoint == endpoint {
			out = append(out, r)
		}
	}
	return out
}

// publishedNotes returns the notes of the drafts that bulk publishes published.
func (f *fake) publishedNotes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.published)
}

// pending returns the notes of the drafts that wait for a publish.
func (f *fake) pending() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, d := range f.drafts {
		out = append(out, d.note)
	}
	return out
}

// addDraft adds a pending draft note, as an earlier run or a person would have left it, and
// returns its id.
func (f *fake) addDraft(note string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextDraft++
	f.drafts = append(f.drafts, fakeDraft{id: f.nextDraft, note: note})
	return f.nextDraft
}

func (f *fake) noteBodies() map[int]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.notes)
}

func (f *fake) handle(w http.ResponseWriter, r *http.Request) {
	t := f.t
	p, ok := strings.CutPrefix(r.URL.EscapedPath(), f.prefix+"/api/v4")
	if !ok {
		t.Errorf("request outside the API: %s %s", r.Method, r.URL.EscapedPath())
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("Private-Token"); got != "glpat-test-token" {
		t.Errorf("%s %s: PRIVATE-TOKEN = %q", r.Method, p, got)
	}
	var ep *endpoint
	for i := range endpoints {
		if endpoints[i].method == r.Method && endpoints[i].path.MatchString(p) {
			ep = &endpoints[i]
			break
		}
	}
	if ep == nil {
		t.Errorf("undocumented endpoint: %s %s", r.Method, p)
		http.Error(w, `{"message":"404 Not Found"}`, http.StatusNotFound)
		return
	}
	req := request{endpoint: ep.name, method: r.Method, path: p, query: r.URL.Query()}
	if m := ep.path.FindStringSubmatch(p); len(m) > 1 && ep.name != "current user" {
		if got, err := url.PathUnescape(m[1]); err != nil || got != project {
			t.Errorf("%s: project %q, want %q escaped", ep.name, m[1], project)
		}
	}
	raw, _ := io.ReadAll(r.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &req.body); err != nil {
			t.Errorf("%s: body is not a JSON object: %v: %s", ep.name, err, raw)
		}
	}
	f.check(ep, &req)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	var fl *failure
	if q := f.fail[ep.name]; len(q) > 0 {
		fl = &q[0]
		f.fail[ep.name] = q[1:]
	}
	f.mu.Unlock()
	if fl != nil && !fl.pass {
		for k, v := range fl.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(fl.status)
		_, _ = io.WriteString(w, fl.body)
		return
	}
	ep.serve(f, w, r, &req)
}

// check compares a request with its endpoint's documented parameters.
func (f *fake) check(ep *endpoint, req *request) {
	t := f.t
	for k := range req.query {
		if !slices.Contains(ep.query, k) {
			t.Errorf("%s: undocumented query parameter %q", ep.name, k)
		}
	}
	if req.body != nil && ep.body == nil {
		t.Errorf("%s: takes no body, got %v", ep.name, req.body)
	}
	for k := range req.body {
		if !slices.Contains(ep.body, k) {
			t.Errorf("%s: undocumented body field %q", ep.name, k)
		}
	}
	for _, k := range ep.required {
		if _, ok := req.body[k]; !ok {
			t.Errorf("%s: required body field %q missing", ep.name, k)
		}
	}
	if pos, ok := req.body["position"]; ok && ep.position {
		m, ok := pos.(map[string]any)
		if !ok {
			t.Errorf("%s: position is %T", ep.name, pos)
			return
		}
		for _, err := range f.checkPosition(m) {
			t.Errorf("%s: position %v: %v", ep.name, m, err)
		}
	}
}

// checkPosition applies FIELD-REFERENCE §1's rules for text positions to pos, against the
// fake's own reading of the diff it served: the SHAs of the latest version, new_line only on
// an added line, old_line only on a removed one, both on a context line, and line_range ends
// that name real lines by their line codes, the last one being the position's line.
func (f *fake) checkPosition(pos map[string]any) []error {
	var errs []error
	for k := range pos {
		if !slices.Contains(positionFields, k) {
			errs = append(errs, fmt.Errorf("undocumented field %q", k))
		}
	}
	for _, k := range positionRequired {
		if _, ok := pos[k]; !ok {
			errs = append(errs, fmt.Errorf("required field %q missing", k))
		}
	}
	want := map[string]string{"base_sha": baseSHA, "start_sha": startSHA, "head_sha": headSHA, "position_type": "text"}
	for k, v := range want {
		if pos[k] != v {
			errs = append(errs, fmt.Errorf("%s = %v, want %s", k, pos[k], v))
		}
	}
	newPath, _ := pos["new_path"].(string)
	file := f.diff[newPath]
	if file == nil {
		return append(errs, fmt.Errorf("new_path %q is not in the diff", newPath))
	}
	if pos["old_path"] != file.oldPath {
		errs = append(errs, fmt.Errorf("old_path = %v, want %s", pos["old_path"], file.oldPath))
	}
	oldLine, hasOld := number(pos["old_line"])
	newLine, hasNew := number(pos["new_line"])
	var at *fakeLine
	switch {
	case hasNew && !hasOld:
		at = file.find(func(l fakeLine) bool { return l.kind == '+' && l.new == newLine })
		if at == nil {
			errs = append(errs, fmt.Errorf("new_line %d alone is not an added line", newLine))
		}
	case hasOld && !hasNew:
		at = file.find(func(l fakeLine) bool { return l.kind == '-' && l.old == oldLine })
		if at == nil {
			errs = append(errs, fmt.Errorf("old_line %d alone is not a removed line", oldLine))
		}
	case hasOld && hasNew:
		at = file.find(func(l fakeLine) bool { return l.kind == ' ' && l.old == oldLine && l.new == newLine })
		if at == nil {
			errs = append(errs, fmt.Errorf("old_line %d with new_line %d is not a context line", oldLine, newLine))
		}
	default:
		errs = append(errs, fmt.Errorf("neither old_line nor new_line"))
	}
	lr, ok := pos["line_range"]
	if !ok {
		return errs
	}
	m, _ := lr.(map[string]any)
	if len(m) != 2 || m["start"] == nil || m["end"] == nil {
		return append(errs, fmt.Errorf("line_range wants start and end only: %v", lr))
	}
	var ends [2]*fakeLine
	for i, k := range []string{"start", "end"} {
		e, _ := m[k].(map[string]any)
		for field := range e {
			if !slices.Contains(rangeEndFields, field) {
				errs = append(errs, fmt.Errorf("line_range %s: undocumented field %q", k, field))
			}
		}
		for _, field := range rangeEndRequired {
			if _, ok := e[field]; !ok {
				errs = append(errs, fmt.Errorf("line_range %s: required field %q missing", k, field))
			}
		}
		code, _ := e["line_code"].(string)
		l := file.find(func(l fakeLine) bool { return l.code == code })
		if l == nil {
			errs = append(errs, fmt.Errorf("line_range %s: line_code %q names no line of %s", k, code, newPath))
			continue
		}
		typ := "old"
		if l.kind == '+' {
			typ = "new"
		}
		if e["type"] != typ {
			errs = append(errs, fmt.Errorf("line_range %s: type %v, want %s", k, e["type"], typ))
		}
		ends[i] = l
	}
	if ends[1] != nil && at != nil && *ends[1] != *at {
		errs = append(errs, fmt.Errorf("line_range end %+v is not the position's line %+v", *ends[1], *at))
	}
	if ends[0] != nil && ends[1] != nil && ends[0].index > ends[1].index {
		errs = append(errs, fmt.Errorf("line_range starts after it ends"))
	}
	return errs
}

func number(v any) (int, bool) {
	n, ok := v.(float64)
	return int(n), ok && n > 0
}

// fakeFile is the fake's reading of one file's diff, written independently of the adapter:
// GitLab's own algorithm walks each hunk with an old and a new counter starting at the
// header's numbers; every line's line code is sha1(path)_old_new of the counters there.
type fakeFile struct {
	oldPath string
	lines   []fakeLine
}

type fakeLine struct {
	kind     byte // '+', '-' or ' '
	old, new int  // 0 where the line does not exist
	code     string
	index    int
}

func (ff *fakeFile) find(match func(fakeLine) bool) *fakeLine {
	for i := range ff.lines {
		if match(ff.lines[i]) {
			return &ff.lines[i]
		}
	}
	return nil
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@`)

func readFakeDiff(t *testing.T, names ...string) map[string]*fakeFile {
	t.Helper()
	out := map[string]*fakeFile{}
	for _, name := range names {
		var entries []struct {
			OldPath string `json:"old_path"`
			NewPath string `json:"new_path"`
			Diff    string `json:"diff"`
		}
		if err := json.Unmarshal(readTestdata(t, name), &entries); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			ff := &fakeFile{oldPath: e.OldPath}
			sum := sha1.Sum([]byte(e.NewPath)) //nolint:gosec // see the import
			hash := hex.EncodeToString(sum[:])
			var o, n int
			inHunk := false
			for _, l := range strings.Split(e.Diff, "\n") {
				if m := hunkHeader.FindStringSubmatch(l); m != nil {
					o, _ = strconv.Atoi(m[1])
					n, _ = strconv.Atoi(m[2])
					inHunk = true
					continue
				}
				if !inHunk || l == "" || l[0] == '\\' {
					continue
				}
				fl := fakeLine{kind: l[0], code: fmt.Sprintf("%s_%d_%d", hash, o, n), index: len(ff.lines)}
				switch l[0] {
				case '+':
					fl.new = n
					n++
				case '-':
					fl.old = o
					o++
				default:
					fl.old, fl.new = o, n
					o++
					n++
				}
				ff.lines = append(ff.lines, fl)
			}
			out[e.NewPath] = ff
		}
	}
	return out
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// getMergeRequest serves merge_request.get.json, changed by editMR.
func (f *fake) getMergeRequest(w http.ResponseWriter, _ *http.Request, _ *request) {
	body := readTestdata(f.t, "merge_request.get.json")
	f.mu.Lock()
	edit := f.editMR
	f.mu.Unlock()
	if edit != nil {
		var mr map[string]any
		if err := json.Unmarshal(body, &mr); err != nil {
			f.t.Fatal(err)
		}
		edit(mr)
		var err error
		if body, err = json.Marshal(mr); err != nil {
			f.t.Fatal(err)
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func file(name string) func(*fake, http.ResponseWriter, *http.Request, *request) {
	return func(f *fake, w http.ResponseWriter, _ *http.Request, _ *request) {
		writeJSON(w, http.StatusOK, readTestdata(f.t, name))
	}
}

// offsetPages serves one file per page, announcing the next in X-Next-Page as GitLab's
// offset pagination does.
func offsetPages(names ...string) func(*fake, http.ResponseWriter, *http.Request, *request) {
	return func(f *fake, w http.ResponseWriter, r *http.Request, _ *request) {
		page := pageOf(r)
		if page > len(names) {
			writeJSON(w, http.StatusOK, []byte("[]"))
			return
		}
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Per-Page", r.URL.Query().Get("per_page"))
		w.Header().Set("X-Total-Pages", strconv.Itoa(len(names)))
		next := ""
		if page < len(names) {
			next = strconv.Itoa(page + 1)
		}
		w.Header().Set("X-Next-Page", next)
		writeJSON(w, http.StatusOK, readTestdata(f.t, names[page-1]))
	}
}

// linkPages serves one file per page, announcing the next only in a Link header, as
// GitLab's keyset pagination does.
func linkPages(names ...string) func(*fake, http.ResponseWriter, *http.Request, *request) {
	return func(f *fake, w http.ResponseWriter, r *http.Request, _ *request) {
		page := pageOf(r)
		if page > len(names) {
			writeJSON(w, http.StatusOK, []byte("[]"))
			return
		}
		if page < len(names) {
			next := *r.URL
			next.Scheme, next.Host = "http", r.Host
			q := next.Query()
			q.Set("page", strconv.Itoa(page+1))
			next.RawQuery = q.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next.String()))
		}
		writeJSON(w, http.StatusOK, readTestdata(f.t, names[page-1]))
	}
}

func pageOf(r *http.Request) int {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		return 1
	}
	return page
}

// positionError is GitLab's answer to a note on a line its diff does not have.
const positionError = `{"message":"400 Bad request - Note {:line_code=>[\"can't be blank\", \"must be a valid line code\"], :position=>[\"is incomplete\"]}"}`

func (f *fake) rejects(req *request) bool {
	pos, _ := req.body["position"].(map[string]any)
	return f.reject != nil && pos != nil && f.reject(pos)
}

func (f *fake) createDraft(w http.ResponseWriter, _ *http.Request, req *request) {
	f.mu.Lock()
	noDrafts := f.noDrafts
	f.mu.Unlock()
	switch {
	case noDrafts:
		writeJSON(w, http.StatusNotFound, []byte(`{"message":"404 Not Found"}`))
	case f.rejects(req):
		writeJSON(w, http.StatusBadRequest, []byte(positionError))
	default:
		note, _ := req.body["note"].(string)
		id := f.addDraft(note)
		var d map[string]any
		if err := json.Unmarshal(readTestdata(f.t, "draft_note.create.response.json"), &d); err != nil {
			f.t.Error(err)
		}
		d["id"], d["note"] = id, note
		body, _ := json.Marshal(d)
		writeJSON(w, http.StatusCreated, body)
	}
}

func (f *fake) bulkPublish(w http.ResponseWriter, _ *http.Request, _ *request) {
	f.mu.Lock()
	for _, d := range f.drafts {
		f.published = append(f.published, d.note)
	}
	f.drafts = nil
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// listDrafts lists the pending drafts, per_page at a time, with GitLab's offset pagination
// headers; each is the positionless draft of draft_notes.list.json with its id and note.
func (f *fake) listDrafts(w http.ResponseWriter, r *http.Request, _ *request) {
	f.mu.Lock()
	noDrafts, drafts := f.noDrafts, slices.Clone(f.drafts)
	f.mu.Unlock()
	if noDrafts {
		writeJSON(w, http.StatusNotFound, []byte(`{"message":"404 Not Found"}`))
		return
	}
	var fixture []map[string]any
	if err := json.Unmarshal(readTestdata(f.t, "draft_notes.list.json"), &fixture); err != nil {
		f.t.Fatal(err)
	}
	per, err := strconv.Atoi(r.URL.Query().Get("per_page"))
	if err != nil || per < 1 || per > 100 {
		per = 20
	}
	page := pageOf(r)
	items := []map[string]any{}
	for _, d := range drafts[min((page-1)*per, len(drafts)):min(page*per, len(drafts))] {
		item := maps.Clone(fixture[0])
		item["id"], item["note"] = d.id, d.note
		items = append(items, item)
	}
	pages := max((len(drafts)+per-1)/per, 1)
	w.Header().Set("X-Page", strconv.Itoa(page))
	w.Header().Set("X-Per-Page", strconv.Itoa(per))
	w.Header().Set("X-Total-Pages", strconv.Itoa(pages))
	next := ""
	if page < pages {
		next = strconv.Itoa(page + 1)
	}
	w.Header().Set("X-Next-Page", next)
	body, _ := json.Marshal(items)
	writeJSON(w, http.StatusOK, body)
}

// deleteDraft deletes one of the pending drafts: 204, or 404 when there is no such draft.
func (f *fake) deleteDraft(w http.ResponseWriter, _ *http.Request, req *request) {
	id, _ := strconv.Atoi(req.path[strings.LastIndex(req.path, "/")+1:])
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.drafts, func(d fakeDraft) bool { return d.id == id })
	if i < 0 {
		writeJSON(w, http.StatusNotFound, []byte(`{"message":"404 Not found"}`))
		return
	}
	f.drafts = slices.Delete(f.drafts, i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

func (f *fake) createDiscussion(w http.ResponseWriter, _ *http.Request, req *request) {
	if f.rejects(req) {
		writeJSON(w, http.StatusBadRequest, []byte(positionError))
		return
	}
	f.discussion(w, nil, req)
}

// discussion answers with the one discussion of discussions.list.diff_note.json.
func (f *fake) discussion(w http.ResponseWriter, _ *http.Request, req *request) {
	var ds []json.RawMessage
	if err := json.Unmarshal(readTestdata(f.t, "discussions.list.diff_note.json"), &ds); err != nil {
		f.t.Error(err)
	}
	status := http.StatusOK
	if req.method == http.MethodPost {
		status = http.StatusCreated
	}
	writeJSON(w, status, ds[0])
}

func (f *fake) createNote(w http.ResponseWriter, _ *http.Request, req *request) {
	f.mu.Lock()
	id := f.nextNote
	f.nextNote++
	f.notes[id], _ = req.body["body"].(string)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, fmt.Appendf(nil, `{"id":%d,"body":%q,"author":{"id":%d,"username":"reviewer-bot"},"system":false,"noteable_type":"MergeRequest"}`, id, req.body["body"], botID))
}

func (f *fake) editNote(w http.ResponseWriter, _ *http.Request, req *request) {
	id, _ := strconv.Atoi(req.path[strings.LastIndex(req.path, "/")+1:])
	f.mu.Lock()
	f.notes[id], _ = req.body["body"].(string)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, fmt.Appendf(nil, `{"id":%d,"body":%q,"author":{"id":%d,"username":"reviewer-bot"},"system":false,"noteable_type":"MergeRequest"}`, id, req.body["body"], botID))
}

func (f *fake) setStatus(w http.ResponseWriter, _ *http.Request, req *request) {
	f.mu.Lock()
	last := ""
	if n := len(f.statuses); n > 0 {
		last = f.statuses[n-1]
	}
	state, _ := req.body["state"].(string)
	f.statuses = append(f.statuses, state)
	f.mu.Unlock()
	if state == last {
		// GitLab's state machine refuses a transition to the state a status already has.
		writeJSON(w, http.StatusBadRequest, fmt.Appendf(nil, `{"message":"Cannot transition status via :%s from :%s"}`, state, state))
		return
	}
	writeJSON(w, http.StatusCreated, readTestdata(f.t, "commit_status.json"))
}

func (f *fake) tree(w http.ResponseWriter, r *http.Request, req *request) {
	if r.URL.Query().Get("path") != ".reviewer/rules" {
		writeJSON(w, http.StatusNotFound, []byte(`{"message":"404 Tree Not Found"}`))
		return
	}
	offsetPages("repository.tree.page1.json", "repository.tree.page2.json")(f, w, r, req)
}

// rawFiles are the files the fake repository holds at the base.
var rawFiles = map[string]string{
	".reviewer/rules/go-wrap-errors.md": "---\nid: go-wrap-errors\n---\nWrap errors.\n",
	".reviewer/rules/style/no-todo.md":  "---\nid: no-todo\n---\nNo TODO without an issue.\n",
	".reviewer.yaml":                    "ignore: [\"vendor/**\"]\n",
}

func (f *fake) rawFile(w http.ResponseWriter, r *http.Request, req *request) {
	m := rawPath.FindStringSubmatch(req.path)
	name, err := url.PathUnescape(m[2])
	if err != nil {
		f.t.Errorf("raw file: path %q: %v", m[2], err)
	}
	if r.URL.Query().Get("ref") != baseSHA {
		f.t.Errorf("raw file %s: ref %q, want the base %s", name, r.URL.Query().Get("ref"), baseSHA)
	}
	data, ok := rawFiles[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, []byte(`{"message":"404 File Not Found"}`))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, data)
}

// history returns sha and its ancestors, nearest first.
func history(sha string) []string {
	var out []string
	for ; sha != ""; sha = parents[sha] {
		out = append(out, sha)
	}
	return out
}

// mergeBase answers GET /projects/:id/repository/merge_base from parents: 400 naming the
// refs it does not know, as GitLab does, 404 when the two share no history.
func (f *fake) mergeBase(w http.ResponseWriter, _ *http.Request, req *request) {
	refs := req.query["refs[]"]
	if len(refs) != 2 {
		f.t.Errorf("merge base: refs[] = %q, want two", refs)
		writeJSON(w, http.StatusBadRequest, []byte(`{"message":"Provide at least 2 refs"}`))
		return
	}
	var unknown []string
	for _, r := range refs {
		if _, ok := parents[r]; !ok {
			unknown = append(unknown, r)
		}
	}
	if len(unknown) > 0 {
		noun := "ref"
		if len(unknown) > 1 {
			noun = "refs"
		}
		body, _ := json.Marshal(map[string]string{"message": "Could not find " + noun + ": " + strings.Join(unknown, ", ")})
		writeJSON(w, http.StatusBadRequest, body)
		return
	}
	other := history(refs[1])
	for _, sha := range history(refs[0]) {
		if slices.Contains(other, sha) {
			writeJSON(w, http.StatusOK, fmt.Appendf(nil, `{"id":%q,"short_id":%q,"title":"commit","parent_ids":[%q]}`, sha, sha[:8], parents[sha]))
			return
		}
	}
	writeJSON(w, http.StatusNotFound, []byte(`{"message":"404 Merge Base Not Found"}`))
}

// compare answers GET /projects/:id/repository/compare between two known commits with
// diff entries of the diff pages: page 1's three modified files, and of page 2 an added, a
// deleted and a renamed-only file (a too_large one makes the comparison unusable: see
// TestCompareTooLarge). Only straight comparisons are expected.
func (f *fake) compare(w http.ResponseWriter, _ *http.Request, req *request) {
	from, to := req.query.Get("from"), req.query.Get("to")
	if req.query.Get("straight") != "true" {
		f.t.Errorf("compare: straight = %q, want true", req.query.Get("straight"))
	}
	_, okFrom := parents[from]
	_, okTo := parents[to]
	if !okFrom || !okTo {
		writeJSON(w, http.StatusNotFound, []byte(`{"message":"404 Ref Not Found"}`))
		return
	}
	var page1, page2 []map[string]any
	if err := json.Unmarshal(readTestdata(f.t, "merge_request.diffs.page1.json"), &page1); err != nil {
		f.t.Fatal(err)
	}
	if err := json.Unmarshal(readTestdata(f.t, "merge_request.diffs.page2.json"), &page2); err != nil {
		f.t.Fatal(err)
	}
	diffs := page1
	for _, e := range page2 {
		switch e["new_path"] {
		case "LICENSE", "test/fields/fields.go", "_testdata/suggestions.txt":
			diffs = append(diffs, e)
		}
	}
	commit := map[string]any{"id": to, "short_id": to[:8], "title": "commit", "parent_ids": []string{parents[to]}}
	body, _ := json.Marshal(map[string]any{
		"commit": commit, "commits": []any{commit}, "diffs": diffs,
		"compare_timeout": false, "compare_same_ref": from == to,
		"web_url": f.srv.URL + "/" + project + "/-/compare/" + from + "..." + to,
	})
	writeJSON(w, http.StatusOK, body)
}

// change is the merge request every test reviews.
func change() reviewer.Change {
	return reviewer.Change{Forge: "gitlab", Repo: project, Number: iid}
}

// member answers GET /projects/:id/members/all/:user_id: the member with their access
// level, as the members API documents it, or 404 for a user who is none.
func (f *fake) member(w http.ResponseWriter, r *http.Request, _ *request) {
	id, _ := strconv.ParseInt(r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], 10, 64)
	f.mu.Lock()
	level, ok := f.members[id]
	f.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, []byte(`{"message":"404 Not found"}`))
		return
	}
	body, _ := json.Marshal(map[string]any{"id": id, "username": fmt.Sprintf("user%d", id), "name": fmt.Sprintf("User %d", id),
		"state": "active", "avatar_url": "https://www.gravatar.com/avatar/0?s=80&d=identicon", "web_url": fmt.Sprintf("http://localhost:3000/user%d", id),
		"created_at": "2024-01-01T00:00:00.000Z", "expires_at": nil, "access_level": level})
	writeJSON(w, http.StatusOK, body)
}
