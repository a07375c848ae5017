// Package fakegitlab is a fake GitLab REST API for tests: an httptest server on loopback
// that holds one merge request and what GitLab keeps of it (diff versions, a push adding
// one; the head; the bot's draft notes until a bulk publish turns them into diff
// discussions; discussions with their resolved flags; notes; commit statuses; project
// members), answers with GitLab's own payloads with the fields that carry state
// replaced, and checks every request: the token, the documented parameters of its
// endpoint (GitLab's REST API pages and testdata/FIELD-REFERENCE.md),
// and every position against its own reading of the diff of the version it names. A
// problem fails the test when it ends.
//
// A test may serve recorded pages for an endpoint (Record) or mount its own handler for
// it (HandleFunc) where the state cannot give the answer, and may make an endpoint fail
// (FailNext). It speaks HTTP and JSON only: it imports no GitLab client library.
package fakegitlab

import (
	"crypto/sha1" //nolint:gosec // GitLab's discussion ids look like SHA-1s; no security rests on them.
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

//go:embed testdata
var testdata embed.FS

// PositionError is GitLab's answer to a note on a line its diff does not have.
const PositionError = `400 Bad request - Note {:line_code=>["can't be blank", "must be a valid line code"], :position=>["is incomplete"]}`

// Rev is one push of the merge request: its diff version's commits and the diff from
// base to head.
type Rev = fakeforge.Rev

// Request is one request the fake received.
type Request = fakeforge.Request

// Options configure a fake. The zero value serves acme/platform/client!7 at /api/v4.
type Options struct {
	// Prefix is where a self-managed GitLab is mounted ("" or "/gitlab"); the API is at
	// Prefix+"/api/v4".
	Prefix string
	// Project ("group/name") and IID name the merge request.
	Project string
	IID     int
	// Token is the only PRIVATE-TOKEN the fake accepts; "" accepts any.
	Token string
	// BotID is the id of the token's user (user.json's is 42).
	BotID int
}

// HumanID is the id of the person of the fixtures (root), who writes system notes and
// the notes AddNote adds.
const HumanID = 1

// Draft is a pending draft note.
type Draft struct {
	ID       int
	Note     string
	Position map[string]any
	LineCode string // of the position's line, "" without one
}

// Discussion is a discussion with its notes.
type Discussion struct {
	ID    string
	Notes []*Note
	// Individual is set for a discussion of one note that is not a thread (system notes,
	// the summary).
	Individual bool
}

// Note is a note of a discussion.
type Note struct {
	ID         int
	Type       string // "DiffNote" or ""
	Body       string
	Author     int
	System     bool
	Position   map[string]any
	Resolvable bool
	Resolved   bool
}

// Status is a commit status request, refused ones included.
type Status struct {
	SHA, Name, State, Description string
	Refused                       bool
}

// State is a copy of what the fake holds.
type State struct {
	Discussions []Discussion
	Notes       map[int]Note // by id
	Drafts      []Draft
	// Published are the notes of the drafts bulk publishes published, in order.
	Published []string
	Statuses  []Status
}

// Failure is an answer the fake gives instead of the real one.
type Failure struct {
	// Pass answers normally, letting one request through before the failures that follow.
	Pass   bool
	Status int
	Header http.Header
	Body   string
}

type version struct {
	id                int
	base, start, head string
	diff              string            // "" when pushed as entries
	entries           []any             // GitLab's diff entries
	files             []*fakeforge.File // the fake's reading of them
}

type recorded struct {
	keyset bool
	pages  [][]byte
}

// Server is a fake GitLab.
type Server struct {
	t    testing.TB
	opts Options
	srv  *httptest.Server
	log  fakeforge.Log

	// Fixture templates.
	mr, version, diffEntry, note, draft, user, status map[string]any

	// files are those SetFile set (it locks them itself, not with mu).
	files fakeforge.Files

	mu          sync.Mutex
	versions    []version // newest first
	sha         string    // the merge request's head: moves on a push, with the new version
	mrGets      int
	onMRGet     func(n int)
	editMR      func(mr map[string]any)
	drafts      []*Draft
	published   []string
	discussions []*Discussion
	statuses    map[string]string // accepted state by sha and name
	statusLog   []Status
	members     map[int]int
	nextID      int
	fail        map[string][]Failure
	reject      func(pos map[string]any) bool
	noDrafts    bool
	records     map[string]recorded
	handlers    map[string]http.HandlerFunc
	hooks       []*Hook // the project's and groups' webhooks (hooks.go)
	git         gitData // branches, commits and merge requests of reviewer learn (proposal.go)
}

// New starts a fake GitLab; it stops when the test ends, and fails the test with every
// problem it found in the requests.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Project == "" {
		opts.Project = "acme/platform/client"
	}
	if opts.IID == 0 {
		opts.IID = 7
	}
	if opts.BotID == 0 {
		opts.BotID = 42
	}
	f := &Server{t: t, opts: opts, statuses: map[string]string{}, members: map[int]int{}, nextID: 2999,
		fail: map[string][]Failure{}, records: map[string]recorded{}, handlers: map[string]http.HandlerFunc{}}
	f.fixture("merge_request.get.json", &f.mr)
	var versions, entries, discussions []map[string]any
	f.fixture("merge_request.versions.list.json", &versions)
	f.fixture("merge_request.diffs.list.json", &entries)
	f.fixture("discussions.list.diff_note.json", &discussions)
	f.version, f.diffEntry = versions[0], entries[0]
	f.note = discussions[0]["notes"].([]any)[0].(map[string]any)
	f.fixture("draft_note.create.response.json", &f.draft)
	f.fixture("user.json", &f.user)
	f.user["id"] = opts.BotID
	f.fixture("commit_status.json", &f.status)
	f.srv = httptest.NewServer(http.HandlerFunc(f.handle))
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
		f.t.Fatalf("fakegitlab: fixture %s: %v", name, err)
	}
}

// URL is the GitLab instance's address, as a user configures it (Prefix included).
func (f *Server) URL() string { return f.srv.URL + f.opts.Prefix }

// Client is an HTTP client for the server.
func (f *Server) Client() *http.Client { return f.srv.Client() }

// Project is the merge request's project, "group/name".
func (f *Server) Project() string { return f.opts.Project }

// IID is the merge request's number.
func (f *Server) IID() int { return f.opts.IID }

// ChangeURL is the merge request's web address.
func (f *Server) ChangeURL() string {
	return f.URL() + "/" + f.opts.Project + "/-/merge_requests/" + strconv.Itoa(f.opts.IID)
}

// Log is the record of the requests received.
func (f *Server) Log() *fakeforge.Log { return &f.log }

// Calls returns the requests to the endpoint named, or all of them for "".
func (f *Server) Calls(endpoint string) []Request {
	var out []Request
	for _, r := range f.log.All() {
		if endpoint == "" || r.Endpoint == endpoint {
			out = append(out, r)
		}
	}
	return out
}

// Push adds a diff version for rev and moves the merge request's head, with the system
// note GitLab writes.
func (f *Server) Push(rev Rev) {
	f.mu.Lock()
	defer f.mu.Unlock()
	files, err := fakeforge.ParseDiff(rev.Diff)
	if err != nil {
		f.t.Fatalf("fakegitlab: Push: %v", err)
	}
	f.addVersion(version{base: rev.Base, start: rev.Start, head: rev.Head, diff: rev.Diff, entries: f.diffEntries(files), files: files})
}

// PushEntries adds a diff version whose files are GitLab's diff entries (as
// GET .../diffs answers), for recorded payloads.
func (f *Server) PushEntries(base, start, head string, entries []map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := version{base: base, start: start, head: head}
	for _, e := range entries {
		oldPath, _ := e["old_path"].(string)
		newPath, _ := e["new_path"].(string)
		d, _ := e["diff"].(string)
		files, err := fakeforge.ParseDiff("diff --git a/" + oldPath + " b/" + newPath + "\n" + d)
		if err != nil {
			f.t.Fatalf("fakegitlab: PushEntries %s: %v", newPath, err)
		}
		v.files = append(v.files, files...)
		v.entries = append(v.entries, e)
	}
	f.addVersion(v)
}

// addVersion adds v as the newest version; the caller holds f.mu.
func (f *Server) addVersion(v version) {
	v.id = 110
	if len(f.versions) > 0 {
		v.id = f.versions[0].id + 1
		f.addDiscussion(true, &Note{Body: "added 1 commit\n\n* " + v.head[:8] + " - push", Author: HumanID, System: true})
	}
	f.versions = append([]version{v}, f.versions...)
	f.sha = v.head
}

// SetFile makes the fake serve content as path at revision rev (the base or a head
// pushed), whole: the raw file API answers it and the tree listing at rev holds it. A
// changed file set at a head is served so instead of rebuilt from the diff. Rules and
// settings are still never to be read at a head.
func (f *Server) SetFile(rev, path, content string) { f.files.Set(rev, path, content) }

// OnMRGet calls hook with the count of reads of the merge request so far, on each read,
// before it is answered: a test moves the head there.
func (f *Server) OnMRGet(hook func(n int)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onMRGet = hook
}

// EditMR changes the merge request before each answer, a recorded one included.
func (f *Server) EditMR(edit func(mr map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.editMR = edit
}

// SetMember makes user a member of the project with the access level given (10 guest,
// 20 reporter, 30 developer, 40 maintainer, 50 owner).
func (f *Server) SetMember(user, level int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members[user] = level
}

// FailNext makes the next requests to the endpoint named (see Endpoints) get fs, one
// each, before it answers normally again.
func (f *Server) FailNext(endpoint string, fs ...Failure) {
	f.endpoint(endpoint)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[endpoint] = append(f.fail[endpoint], fs...)
}

// Reject makes GitLab refuse (400) every note whose position reject returns true for.
func (f *Server) Reject(reject func(pos map[string]any) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reject = reject
}

// RejectLine makes GitLab refuse notes on new line line of path.
func (f *Server) RejectLine(path string, line int) {
	f.Reject(func(pos map[string]any) bool {
		n, _ := fakeforge.Number(pos["new_line"])
		return pos["new_path"] == path && n == line
	})
}

// NoDrafts makes the fake a GitLab without draft notes (before 16.3): their endpoints
// answer 404.
func (f *Server) NoDrafts() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noDrafts = true
}

// Record makes the endpoint named answer with pages (JSON bodies) instead of the state:
// page N for ?page=N, the next one announced in X-Next-Page (offset pagination) or, with
// keyset, in a Link header only.
func (f *Server) Record(endpoint string, keyset bool, pages ...[]byte) {
	f.endpoint(endpoint)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records[endpoint] = recorded{keyset: keyset, pages: pages}
}

// HandleFunc makes h answer the endpoint named instead of the state; the request is
// still recorded and checked, and FailNext still applies.
func (f *Server) HandleFunc(endpoint string, h http.HandlerFunc) {
	f.endpoint(endpoint)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[endpoint] = h
}

// AddDraft adds a pending draft note of the bot, as a run that stopped before its bulk
// publish leaves it, and returns its id.
func (f *Server) AddDraft(note string, position map[string]any) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := ""
	if position != nil {
		code, _ = f.checkPosition(position)
	}
	f.nextID++
	f.drafts = append(f.drafts, &Draft{ID: f.nextID, Note: note, Position: position, LineCode: code})
	return f.nextID
}

// AddNote adds a note by author to the merge request's conversation and returns its id.
func (f *Server) AddNote(author int, body string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addDiscussion(true, &Note{Body: body, Author: author}).Notes[0].ID
}

// AddDiffNote adds a diff discussion by author on new line line of path, at the latest
// version, and returns the discussion's id.
func (f *Server) AddDiffNote(author int, path string, line int, body string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.versions[0]
	file := fakeforge.FindFile(v.files, path)
	if file == nil || file.At("new", line) < 0 {
		f.t.Fatalf("fakegitlab: AddDiffNote: no new line %d of %s in the diff", line, path)
	}
	l := file.Lines[file.At("new", line)]
	pos := map[string]any{"base_sha": v.base, "start_sha": v.start, "head_sha": v.head, "position_type": "text",
		"old_path": file.OldPath, "new_path": file.NewPath, "new_line": float64(line)}
	if l.Kind == ' ' {
		pos["old_line"] = float64(l.Old)
	}
	return f.addDiscussion(false, &Note{Type: "DiffNote", Body: body, Author: author, Position: pos, Resolvable: true}).ID
}

// AddReply adds a note by author to a discussion, as a person replying in the thread
// would, and returns its id.
func (f *Server) AddReply(discussion string, author int, body string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, ok := f.reply(discussion, author, body)
	if !ok {
		f.t.Fatalf("fakegitlab: AddReply: no discussion %s", discussion)
	}
	return n.ID
}

// Snapshot returns a copy of what the fake holds.
func (f *Server) Snapshot() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := State{Notes: map[int]Note{}, Published: slices.Clone(f.published), Statuses: slices.Clone(f.statusLog)}
	for _, d := range f.drafts {
		s.Drafts = append(s.Drafts, *d)
	}
	for _, d := range f.discussions {
		c := *d
		c.Notes = nil
		for _, n := range d.Notes {
			cn := *n
			c.Notes = append(c.Notes, &cn)
			s.Notes[n.ID] = cn
		}
		s.Discussions = append(s.Discussions, c)
	}
	return s
}

// addDiscussion adds a discussion holding n; the caller holds f.mu.
func (f *Server) addDiscussion(individual bool, n *Note) *Discussion {
	f.nextID++
	n.ID = f.nextID
	sum := sha1.Sum([]byte("discussion " + strconv.Itoa(n.ID))) //nolint:gosec // see the import
	d := &Discussion{ID: hex.EncodeToString(sum[:]), Notes: []*Note{n}, Individual: individual}
	f.discussions = append(f.discussions, d)
	return d
}

// WriteError answers in GitLab's error shape.
func WriteError(w http.ResponseWriter, status int, message string) {
	fakeforge.WriteJSON(w, status, map[string]any{"message": message})
}

// WritePage answers with one of pages (JSON bodies) for the request's ?page, announcing
// the next one in X-Next-Page (offset pagination) or, with keyset, in a Link header only.
func WritePage(w http.ResponseWriter, r *http.Request, keyset bool, pages [][]byte) {
	page, _ := fakeforge.PageOf(r.URL.Query(), 20)
	if page > len(pages) {
		writeRaw(w, http.StatusOK, []byte("[]"))
		return
	}
	if keyset {
		if page < len(pages) {
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, nextURL(r, page)))
		}
	} else {
		w.Header().Set("X-Page", strconv.Itoa(page))
		w.Header().Set("X-Per-Page", r.URL.Query().Get("per_page"))
		w.Header().Set("X-Total-Pages", strconv.Itoa(len(pages)))
		next := ""
		if page < len(pages) {
			next = strconv.Itoa(page + 1)
		}
		w.Header().Set("X-Next-Page", next)
	}
	writeRaw(w, http.StatusOK, pages[page-1])
}

func nextURL(r *http.Request, page int) string {
	next := *r.URL
	next.Scheme, next.Host = "http", r.Host
	q := next.Query()
	q.Set("page", strconv.Itoa(page+1))
	next.RawQuery = q.Encode()
	return next.String()
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeList writes one page of items with GitLab's offset pagination headers and a Link.
func writeList(w http.ResponseWriter, r *http.Request, items []any) {
	page, per := fakeforge.PageOf(r.URL.Query(), 20)
	out, more := fakeforge.PageSlice(items, page, per)
	if out == nil {
		out = []any{}
	}
	total := max((len(items)+per-1)/per, 1)
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Total", strconv.Itoa(len(items)))
	h.Set("X-Total-Pages", strconv.Itoa(total))
	h.Set("X-Next-Page", "")
	if more {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		h.Set("Link", fmt.Sprintf(`<%s>; rel="next"`, nextURL(r, page)))
	}
	fakeforge.WriteJSON(w, http.StatusOK, out)
}

// projectPath is the project as it stands in a path, escaped.
func (f *Server) projectPath() string { return url.PathEscape(f.opts.Project) }

// ServeHTTP answers r as the server does, for a test that routes requests itself.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.handle(w, r) }

// LoadNotes adds the notes of a recorded notes list (GET .../notes) to the merge
// request's conversation, each with its id, body, author and system flag.
func (f *Server) LoadNotes(list []byte) {
	var notes []struct {
		ID     int    `json:"id"`
		Body   string `json:"body"`
		System bool   `json:"system"`
		Author struct {
			ID int `json:"id"`
		} `json:"author"`
	}
	if err := json.Unmarshal(list, &notes); err != nil {
		f.t.Fatalf("fakegitlab: LoadNotes: %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range notes {
		sum := sha1.Sum([]byte("discussion " + strconv.Itoa(n.ID))) //nolint:gosec // see the import
		f.discussions = append(f.discussions, &Discussion{ID: hex.EncodeToString(sum[:]), Individual: true,
			Notes: []*Note{{ID: n.ID, Body: n.Body, Author: n.Author.ID, System: n.System}}})
		f.nextID = max(f.nextID, n.ID)
	}
}

// TakeProblems returns the problems found so far and forgets them, for a test that
// sends a bad request on purpose.
func (f *Server) TakeProblems() []string { return f.log.TakeProblems() }
