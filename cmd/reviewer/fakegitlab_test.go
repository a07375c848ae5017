package main

import (
	"crypto/sha1" //nolint:gosec // GitLab's discussion ids look like SHA-1s; no security rests on them.
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
)

// The fake GitLab serves one merge request (acme/platform/client!7) under /api/v4/, with
// only the endpoints the adapter calls. It keeps state as GitLab does: diff versions (a push
// adds one), the merge request's head, the bot's draft notes (listed, deleted one by one)
// until a bulk publish turns them into diff discussions, discussions with their resolved
// flags, notes and commit statuses. Draft positions are checked as GitLab checks them, against the fake's own reading of the diff of
// the version they name: new_line alone only on an added line, old_line alone only on a
// removed one, both on a context line, and line_range ends whose line codes name real lines.
// Answers are the payloads of testdata/forge/gitlab/ with the fields that carry state
// replaced.

const (
	glProject = "acme/platform/client"
	glIID     = 7
	glToken   = "glpat-e2e-token-that-must-not-leak"
	glBotID   = 42
	glHumanID = 1
	// glPositionError is GitLab's answer to a note on a line its diff does not have.
	glPositionError = `400 Bad request - Note {:line_code=>["can't be blank", "must be a valid line code"], :position=>["is incomplete"]}`
)

var (
	glPositionFields   = []string{"base_sha", "head_sha", "start_sha", "position_type", "new_path", "old_path", "new_line", "old_line", "line_range"}
	glPositionRequired = []string{"base_sha", "head_sha", "start_sha", "position_type", "new_path", "old_path"}
	glRangeEndFields   = []string{"line_code", "type", "old_line", "new_line"}
)

type glFake struct {
	t   testing.TB
	srv *httptest.Server
	log fakeLog
	// members are the project's members: user id -> access level (the members API).
	members map[int]int

	// Fixture templates.
	mr, version, diffEntry, note, draft, user, status map[string]any

	mu          sync.Mutex
	versions    []glVersion // newest first
	sha         string      // the merge request's head: moves on a push, with the new version
	mrGets      int
	onMRGet     func(n int)
	drafts      []*glDraft // the bot's pending drafts
	discussions []*glDiscussion
	statuses    map[string]string // accepted state by sha and name
	statusLog   []glStatus        // every status request, refused ones included
	nextID      int
}

type glVersion struct {
	id  int
	rev forgeRev
}

type glDraft struct {
	id       int
	note     string
	position map[string]any
	lineCode string // of the position's line, "" without one
}

type glDiscussion struct {
	id    string
	notes []*glNote
	// individual is set for a discussion of one note that is not a thread (system notes,
	// the summary).
	individual bool
}

type glNote struct {
	id         int
	typ        string // "DiffNote" or ""
	body       string
	author     int
	system     bool
	position   map[string]any
	resolvable bool
	resolved   bool
}

type glStatus struct {
	sha, name, state, description string
	refused                       bool
}

func newGitLabFake(t testing.TB, rev forgeRev) *glFake {
	t.Helper()
	f := &glFake{t: t, statuses: map[string]string{}, nextID: 3000}
	readForgeFixture(t, "gitlab/merge_request.get.json", &f.mr)
	var versions, entries, discussions []map[string]any
	readForgeFixture(t, "gitlab/merge_request.versions.list.json", &versions)
	readForgeFixture(t, "gitlab/merge_request.diffs.list.json", &entries)
	readForgeFixture(t, "gitlab/discussions.list.diff_note.json", &discussions)
	f.version, f.diffEntry = versions[0], entries[0]
	f.note = discussions[0]["notes"].([]any)[0].(map[string]any)
	readForgeFixture(t, "gitlab/draft_note.create.response.json", &f.draft)
	readForgeFixture(t, "gitlab/user.json", &f.user)
	readForgeFixture(t, "gitlab/commit_status.json", &f.status)
	f.versions = []glVersion{{id: 110, rev: rev}}
	f.sha = rev.head
	f.srv = httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { f.log.report(t) })
	return f
}

func (f *glFake) changeURL() string {
	return f.srv.URL + "/" + glProject + "/-/merge_requests/" + strconv.Itoa(glIID)
}

func (f *glFake) environ() []string {
	return []string{"REVIEWER_GITLAB_TOKEN=" + glToken, "REVIEWER_GITLAB_BASE_URL=" + f.srv.URL}
}

// glEndpoint is one documented endpoint: its parameters and how the fake answers.
type glEndpoint struct {
	method                string
	path                  *regexp.Regexp // below /api/v4, escaped
	query, body, required []string
	serve                 func(f *glFake, w http.ResponseWriter, r *http.Request, req fakeRequest, m []string)
	positionInBody        bool
}

func glRoute(format string) *regexp.Regexp {
	p := regexp.QuoteMeta(url.PathEscape(glProject))
	mr := "/projects/" + p + "/merge_requests/" + strconv.Itoa(glIID)
	return regexp.MustCompile("^" + fmt.Sprintf(format, "/projects/"+p, mr) + "$")
}

// glEndpoints lists the endpoints with their documented parameters (GitLab's REST API
// pages: merge_requests, discussions, draft_notes, notes, commits, repositories,
// repository_files, users; page and per_page on every list).
var glEndpoints = []glEndpoint{
	{method: "GET", path: glRoute("%[2]s"), query: []string{"render_html", "include_diverged_commits_count", "include_rebase_in_progress"},
		serve: (*glFake).getMR},
	{method: "GET", path: glRoute("%[2]s/versions"), query: []string{"page", "per_page"}, serve: (*glFake).listVersions},
	{method: "GET", path: glRoute("%[2]s/diffs"), query: []string{"page", "per_page", "unidiff"}, serve: (*glFake).listDiffs},
	{method: "GET", path: glRoute("%[2]s/discussions"), query: []string{"page", "per_page"}, serve: (*glFake).listDiscussions},
	{method: "PUT", path: glRoute("%[2]s/discussions/([0-9a-f]{40})"), body: []string{"resolved"}, required: []string{"resolved"},
		serve: (*glFake).resolveDiscussion},
	{method: "POST", path: glRoute("%[2]s/draft_notes"), body: []string{"note", "commit_id", "in_reply_to_discussion_id", "resolve_discussion", "position"},
		required: []string{"note"}, positionInBody: true, serve: (*glFake).createDraft},
	{method: "POST", path: glRoute("%[2]s/draft_notes/bulk_publish"), serve: (*glFake).bulkPublish},
	{method: "GET", path: glRoute("%[2]s/draft_notes"), query: []string{"page", "per_page"}, serve: (*glFake).listDrafts},
	{method: "DELETE", path: glRoute("%[2]s/draft_notes/([0-9]+)"), serve: (*glFake).deleteDraft},
	{method: "GET", path: glRoute("%[2]s/notes"), query: []string{"sort", "order_by", "page", "per_page"}, serve: (*glFake).listNotes},
	{method: "POST", path: glRoute("%[2]s/notes"), body: []string{"body", "internal", "merge_request_diff_head_sha", "created_at"},
		required: []string{"body"}, serve: (*glFake).createNote},
	{method: "PUT", path: glRoute("%[2]s/notes/([0-9]+)"), body: []string{"body"}, required: []string{"body"}, serve: (*glFake).editNote},
	{method: "POST", path: glRoute("%[1]s/statuses/([0-9a-f]{40})"),
		body:     []string{"state", "ref", "name", "context", "target_url", "description", "coverage", "pipeline_id"},
		required: []string{"state"}, serve: (*glFake).setStatus},
	{method: "GET", path: glRoute("%[1]s/repository/tree"), query: []string{"path", "ref", "recursive", "page", "per_page", "pagination", "page_token"},
		serve: glNotInBase("404 Tree Not Found")},
	{method: "GET", path: glRoute("%[1]s/repository/files/([^/]+)/raw"), query: []string{"ref", "lfs"},
		serve: glNotInBase("404 File Not Found")},
	{method: "GET", path: glRoute("%[1]s/repository/merge_base"), query: []string{"refs[]"}, serve: (*glFake).mergeBase},
	{method: "GET", path: glRoute("%[1]s/repository/compare"), query: []string{"from", "to", "from_project_id", "straight", "unidiff"},
		serve: (*glFake).compare},
	{method: "GET", path: regexp.MustCompile(`^/user$`), serve: (*glFake).currentUser},
	{method: "GET", path: glRoute("%[1]s/members/all/([0-9]+)"), serve: (*glFake).member},
}

// member answers GET /projects/:id/members/all/:user_id (the members API): the member
// and their access level, or 404 for a user who is none.
func (f *glFake) member(w http.ResponseWriter, _ *http.Request, _ fakeRequest, m []string) {
	id, _ := strconv.Atoi(m[1])
	f.mu.Lock()
	level, ok := f.members[id]
	f.mu.Unlock()
	if !ok {
		glError(w, http.StatusNotFound, "404 Not found")
		return
	}
	writeFakeJSON(w, http.StatusOK, map[string]any{"id": id, "username": fmt.Sprintf("user%d", id), "name": fmt.Sprintf("User %d", id),
		"state": "active", "avatar_url": "https://www.gravatar.com/avatar/0?s=80&d=identicon", "web_url": fmt.Sprintf("http://localhost:3000/user%d", id),
		"created_at": "2024-01-01T00:00:00.000Z", "expires_at": nil, "access_level": level})
}

func (f *glFake) handle(w http.ResponseWriter, r *http.Request) {
	req := fakeRequest{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.Query()}
	f.log.readBody(r, &req)
	f.log.record(req)
	p, ok := strings.CutPrefix(req.path, "/api/v4")
	if !ok {
		f.log.problem("request outside the API: %s", req)
		glError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	if got := r.Header.Get("Private-Token"); got != glToken {
		f.log.problem("%s: PRIVATE-TOKEN %q", req, got)
		glError(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	for i := range glEndpoints {
		ep := &glEndpoints[i]
		if m := ep.path.FindStringSubmatch(p); ep.method == r.Method && m != nil {
			f.log.checkParams(req, ep.query, ep.body, ep.required)
			if pos, ok := req.body["position"].(map[string]any); ok && ep.positionInBody {
				f.log.checkParams(fakeRequest{method: req.method, path: req.path + " position", body: pos}, nil, glPositionFields, glPositionRequired)
			}
			ep.serve(f, w, r, req, m)
			return
		}
	}
	f.log.problem("no such endpoint on the fake GitLab: %s", req)
	glError(w, http.StatusNotFound, "404 Not Found")
}

func glError(w http.ResponseWriter, status int, message string) {
	writeFakeJSON(w, status, map[string]any{"message": message})
}

// glPage writes one page of items with GitLab's offset pagination headers.
func glPage(w http.ResponseWriter, r *http.Request, items []any) {
	page, per := pageOf(r.URL.Query(), 20)
	out, more := pageSlice(items, page, per)
	total := max((len(items)+per-1)/per, 1)
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	h.Set("X-Total", strconv.Itoa(len(items)))
	h.Set("X-Total-Pages", strconv.Itoa(total))
	h.Set("X-Next-Page", "")
	if more {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
		next := *r.URL
		next.Scheme, next.Host = "http", r.Host
		q := next.Query()
		q.Set("page", strconv.Itoa(page+1))
		next.RawQuery = q.Encode()
		h.Set("Link", fmt.Sprintf(`<%s>; rel="next"`, next.String()))
	}
	writeFakeJSON(w, http.StatusOK, out)
}

func (f *glFake) latest() forgeRev { return f.versions[0].rev }

// push adds a diff version for rev and moves the merge request's head, with the system
// note GitLab writes.
func (f *glFake) push(rev forgeRev) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions = append([]glVersion{{id: f.versions[0].id + 1, rev: rev}}, f.versions...)
	f.sha = rev.head
	f.addDiscussion(true, &glNote{typ: "", body: "added 1 commit\n\n* " + rev.head[:8] + " - push", author: glHumanID, system: true})
}

// addDiscussion adds a discussion holding n; the caller holds f.mu.
func (f *glFake) addDiscussion(individual bool, n *glNote) *glDiscussion {
	f.nextID++
	n.id = f.nextID
	sum := sha1.Sum([]byte("discussion " + strconv.Itoa(n.id))) //nolint:gosec // see the import
	d := &glDiscussion{id: hex.EncodeToString(sum[:]), notes: []*glNote{n}, individual: individual}
	f.discussions = append(f.discussions, d)
	return d
}

func (f *glFake) author(id int) map[string]any {
	if id == glBotID {
		a := map[string]any{}
		for _, k := range []string{"id", "name", "username", "state", "avatar_url", "web_url"} {
			a[k] = f.user[k]
		}
		return a
	}
	return cloneObject(f.note["author"].(map[string]any))
}

func (f *glFake) noteJSON(n *glNote) map[string]any {
	m := cloneObject(f.note)
	m["id"], m["body"], m["author"], m["system"] = n.id, n.body, f.author(n.author), n.system
	m["noteable_iid"], m["noteable_type"] = glIID, "MergeRequest"
	m["type"] = nil
	delete(m, "position")
	if n.typ != "" {
		m["type"], m["position"] = n.typ, cloneObject(n.position)
		m["commit_id"] = n.position["head_sha"]
	} else {
		m["commit_id"] = nil
	}
	m["resolvable"], m["resolved"], m["resolved_by"] = n.resolvable, n.resolved, nil
	if n.resolved {
		m["resolved_by"] = f.author(glBotID)
	}
	return m
}

// GET /projects/:id/merge_requests/:iid
func (f *glFake) getMR(w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ []string) {
	f.mu.Lock()
	f.mrGets++
	n, hook := f.mrGets, f.onMRGet
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	f.mu.Lock()
	v, sha := f.latest(), f.sha
	mr := cloneObject(f.mr)
	f.mu.Unlock()
	mr["iid"], mr["state"], mr["draft"], mr["work_in_progress"] = glIID, "opened", false, false
	mr["title"], mr["description"] = "Evaluate expressions, sum prices", "Adds run() and total()."
	mr["target_branch"], mr["source_branch"], mr["sha"] = "main", "feature", sha
	mr["web_url"] = f.changeURL()
	mr["diff_refs"] = map[string]any{"base_sha": v.base, "head_sha": v.head, "start_sha": v.start}
	writeFakeJSON(w, http.StatusOK, mr)
}

// GET /projects/:id/merge_requests/:iid/versions, newest first.
func (f *glFake) listVersions(w http.ResponseWriter, r *http.Request, _ fakeRequest, _ []string) {
	f.mu.Lock()
	var items []any
	for _, v := range f.versions {
		m := cloneObject(f.version)
		m["id"], m["head_commit_sha"], m["base_commit_sha"], m["start_commit_sha"] = v.id, v.rev.head, v.rev.base, v.rev.start
		m["real_size"] = strconv.Itoa(len(parseForgeDiff(f.t, v.rev.diff)))
		items = append(items, m)
	}
	f.mu.Unlock()
	glPage(w, r, items)
}

// GET /projects/:id/merge_requests/:iid/diffs: the latest version's files.
func (f *glFake) listDiffs(w http.ResponseWriter, r *http.Request, _ fakeRequest, _ []string) {
	f.mu.Lock()
	text := f.latest().diff
	f.mu.Unlock()
	glPage(w, r, f.diffEntries(text))
}

// diffEntries returns the files of a diff as GitLab's diff entries.
func (f *glFake) diffEntries(text string) []any {
	items := []any{}
	if text == "" {
		return items
	}
	for _, file := range parseForgeDiff(f.t, text) {
		m := cloneObject(f.diffEntry)
		m["old_path"], m["new_path"], m["a_mode"], m["b_mode"] = file.oldPath, file.newPath, file.oldMode, file.newMode
		m["diff"], m["new_file"], m["deleted_file"], m["renamed_file"] = file.patch, file.newFile, file.deleted, file.oldPath != file.newPath
		items = append(items, m)
	}
	return items
}

// known reports whether sha is a commit of one of the versions; the caller holds f.mu.
func (f *glFake) known(sha string) bool {
	return slices.ContainsFunc(f.versions, func(v glVersion) bool {
		return sha == v.rev.base || sha == v.rev.start || sha == v.rev.head
	})
}

// GET /projects/:id/repository/merge_base?refs[]=a&refs[]=b. The fake knows of the history
// only what the versions say: a version's base is an ancestor of its start and its head.
// Between the heads of two pushes it knows nothing (its revisions are diffs, not a
// repository), so it answers as for commits that share no history, 404: the adapter reports
// ErrNotFound, as after a force-push, and a pipeline that compares heads reviews the whole
// change. Commits it does not know get GitLab's 400.
func (f *glFake) mergeBase(w http.ResponseWriter, _ *http.Request, req fakeRequest, _ []string) {
	refs := req.query["refs[]"]
	if len(refs) != 2 {
		f.log.problem("%s: refs[] %q, want two", req, refs)
		glError(w, http.StatusBadRequest, "Provide at least 2 refs")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var unknown []string
	for _, ref := range refs {
		if !f.known(ref) {
			unknown = append(unknown, ref)
		}
	}
	if len(unknown) > 0 {
		noun := "ref"
		if len(unknown) > 1 {
			noun = "refs"
		}
		glError(w, http.StatusBadRequest, "Could not find "+noun+": "+strings.Join(unknown, ", "))
		return
	}
	a, b := refs[0], refs[1]
	base := ""
	if a == b {
		base = a
	}
	for _, v := range f.versions {
		r := v.rev
		if base == "" && (a == r.base && (b == r.start || b == r.head) || b == r.base && (a == r.start || a == r.head)) {
			base = r.base
		}
	}
	if base == "" {
		glError(w, http.StatusNotFound, "404 Merge Base Not Found")
		return
	}
	writeFakeJSON(w, http.StatusOK, map[string]any{"id": base, "short_id": base[:8], "title": "commit", "parent_ids": []string{}})
}

// GET /projects/:id/repository/compare?from=&to=&straight=true. The fake answers only what
// it can compute: a commit with itself (no diffs), and a version's base with its head (the
// version's own diff). An interdiff between two heads would need the files, which the fake
// does not have, so every other pair gets 404, as an unknown ref does on GitLab, and a
// pipeline that compares heads reviews the whole change.
func (f *glFake) compare(w http.ResponseWriter, _ *http.Request, req fakeRequest, _ []string) {
	from, to := req.query.Get("from"), req.query.Get("to")
	f.mu.Lock()
	text, found := "", from == to && f.known(from)
	for _, v := range f.versions {
		if !found && from == v.rev.base && to == v.rev.head {
			text, found = v.rev.diff, true
		}
	}
	f.mu.Unlock()
	if !found {
		glError(w, http.StatusNotFound, "404 Ref Not Found")
		return
	}
	commit := map[string]any{"id": to, "short_id": to[:8], "title": "commit"}
	commits := []any{commit}
	if from == to {
		commits = []any{}
	}
	writeFakeJSON(w, http.StatusOK, map[string]any{
		"commit": commit, "commits": commits, "diffs": f.diffEntries(text),
		"compare_timeout": false, "compare_same_ref": from == to,
		"web_url": f.srv.URL + "/" + glProject + "/-/compare/" + from + "..." + to,
	})
}

// GET /projects/:id/merge_requests/:iid/discussions
func (f *glFake) listDiscussions(w http.ResponseWriter, r *http.Request, _ fakeRequest, _ []string) {
	f.mu.Lock()
	var items []any
	for _, d := range f.discussions {
		items = append(items, f.discussionJSON(d))
	}
	f.mu.Unlock()
	glPage(w, r, items)
}

func (f *glFake) discussionJSON(d *glDiscussion) map[string]any {
	var notes []any
	for _, n := range d.notes {
		notes = append(notes, f.noteJSON(n))
	}
	return map[string]any{"id": d.id, "individual_note": d.individual, "notes": notes}
}

// PUT /projects/:id/merge_requests/:iid/discussions/:discussion_id
func (f *glFake) resolveDiscussion(w http.ResponseWriter, _ *http.Request, req fakeRequest, m []string) {
	resolved, ok := req.body["resolved"].(bool)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.discussions {
		if d.id != m[1] {
			continue
		}
		if !ok || !d.notes[0].resolvable {
			f.log.problem("%s: resolved %v on a discussion that is not resolvable", req, req.body["resolved"])
			glError(w, http.StatusBadRequest, "400 Bad request")
			return
		}
		for _, n := range d.notes {
			if n.resolvable {
				n.resolved = resolved
			}
		}
		writeFakeJSON(w, http.StatusOK, f.discussionJSON(d))
		return
	}
	f.log.problem("%s: no such discussion", req)
	glError(w, http.StatusNotFound, "404 Not found")
}

// POST /projects/:id/merge_requests/:iid/draft_notes
func (f *glFake) createDraft(w http.ResponseWriter, _ *http.Request, req fakeRequest, _ []string) {
	note, _ := req.body["note"].(string)
	pos, _ := req.body["position"].(map[string]any)
	f.mu.Lock()
	defer f.mu.Unlock()
	code := ""
	if pos != nil {
		var errs []string
		code, errs = f.checkPosition(pos)
		if len(errs) > 0 {
			f.log.problem("%s: position %v: %s", req, pos, strings.Join(errs, "; "))
			glError(w, http.StatusBadRequest, glPositionError)
			return
		}
	}
	f.nextID++
	d := &glDraft{id: f.nextID, note: note, position: pos, lineCode: code}
	f.drafts = append(f.drafts, d)
	writeFakeJSON(w, http.StatusCreated, f.draftJSON(d))
}

// draftJSON is the draft as GitLab shows it; the caller holds f.mu.
func (f *glFake) draftJSON(d *glDraft) map[string]any {
	out := cloneObject(f.draft)
	out["id"], out["author_id"], out["note"], out["position"] = d.id, glBotID, d.note, d.position
	out["line_code"] = nil
	if d.lineCode != "" {
		out["line_code"] = d.lineCode
	}
	return out
}

// GET /projects/:id/merge_requests/:iid/draft_notes: the bot's pending drafts, the only
// ones GitLab shows the bot.
func (f *glFake) listDrafts(w http.ResponseWriter, r *http.Request, _ fakeRequest, _ []string) {
	f.mu.Lock()
	var items []any
	for _, d := range f.drafts {
		items = append(items, f.draftJSON(d))
	}
	f.mu.Unlock()
	glPage(w, r, items)
}

// DELETE /projects/:id/merge_requests/:iid/draft_notes/:draft_note_id
func (f *glFake) deleteDraft(w http.ResponseWriter, _ *http.Request, req fakeRequest, m []string) {
	id, _ := strconv.Atoi(m[1])
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.drafts, func(d *glDraft) bool { return d.id == id })
	if i < 0 {
		f.log.problem("%s: no such draft note", req)
		glError(w, http.StatusNotFound, "404 Not found")
		return
	}
	f.drafts = slices.Delete(f.drafts, i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

// checkPosition checks a text position against the diff of the version whose SHAs it
// names, and returns the line code of its line.
func (f *glFake) checkPosition(pos map[string]any) (string, []string) {
	var errs []string
	var rev *forgeRev
	for i := range f.versions {
		v := f.versions[i].rev
		if pos["base_sha"] == v.base && pos["start_sha"] == v.start && pos["head_sha"] == v.head {
			rev = &v
			break
		}
	}
	if rev == nil {
		return "", []string{"base_sha, start_sha and head_sha are no diff version of the merge request"}
	}
	if pos["position_type"] != "text" {
		errs = append(errs, fmt.Sprintf("position_type %v", pos["position_type"]))
	}
	newPath, _ := pos["new_path"].(string)
	file := findFile(parseForgeDiff(f.t, rev.diff), newPath)
	if file == nil {
		return "", append(errs, fmt.Sprintf("new_path %q is not in the diff", newPath))
	}
	if pos["old_path"] != file.oldPath {
		errs = append(errs, fmt.Sprintf("old_path %v, want %s", pos["old_path"], file.oldPath))
	}
	oldLine, hasOld := number(pos["old_line"])
	newLine, hasNew := number(pos["new_line"])
	at := -1
	for i, l := range file.lines {
		switch {
		case hasNew && !hasOld && l.kind == '+' && l.new == newLine,
			hasOld && !hasNew && l.kind == '-' && l.old == oldLine,
			hasOld && hasNew && l.kind == ' ' && l.old == oldLine && l.new == newLine:
			at = i
		}
	}
	if at < 0 {
		return "", append(errs, fmt.Sprintf("old_line %v, new_line %v name no line of the diff of %s", pos["old_line"], pos["new_line"], newPath))
	}
	lr, ok := pos["line_range"]
	if !ok {
		return file.lines[at].code, errs
	}
	m, _ := lr.(map[string]any)
	if len(m) != 2 || m["start"] == nil || m["end"] == nil {
		return "", append(errs, fmt.Sprintf("line_range wants start and end: %v", lr))
	}
	ends := [2]int{-1, -1}
	for i, k := range []string{"start", "end"} {
		e, _ := m[k].(map[string]any)
		for field := range e {
			if !slices.Contains(glRangeEndFields, field) {
				errs = append(errs, fmt.Sprintf("line_range %s: undocumented field %q", k, field))
			}
		}
		code, _ := e["line_code"].(string)
		idx := slices.IndexFunc(file.lines, func(l fdLine) bool { return l.code == code })
		if idx < 0 {
			errs = append(errs, fmt.Sprintf("line_range %s: line_code %q names no line", k, code))
			continue
		}
		typ := "old"
		if file.lines[idx].kind == '+' {
			typ = "new"
		}
		if e["type"] != typ {
			errs = append(errs, fmt.Sprintf("line_range %s: type %v, want %s", k, e["type"], typ))
		}
		ends[i] = idx
	}
	if ends[1] >= 0 && ends[1] != at {
		errs = append(errs, "line_range ends elsewhere than the position's line")
	}
	if ends[0] > ends[1] {
		errs = append(errs, "line_range starts after it ends")
	}
	return file.lines[at].code, errs
}

// POST /projects/:id/merge_requests/:iid/draft_notes/bulk_publish: every pending draft
// becomes a diff discussion.
func (f *glFake) bulkPublish(w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ []string) {
	f.mu.Lock()
	for _, d := range f.drafts {
		f.addDiscussion(false, &glNote{typ: "DiffNote", body: d.note, author: glBotID, position: d.position, resolvable: true})
	}
	f.drafts = nil
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// GET /projects/:id/merge_requests/:iid/notes: every note, newest first (GitLab's default
// order: created_at, descending).
func (f *glFake) listNotes(w http.ResponseWriter, r *http.Request, _ fakeRequest, _ []string) {
	f.mu.Lock()
	var notes []*glNote
	for _, d := range f.discussions {
		notes = append(notes, d.notes...)
	}
	slices.SortFunc(notes, func(a, b *glNote) int { return b.id - a.id })
	var items []any
	for _, n := range notes {
		items = append(items, f.noteJSON(n))
	}
	f.mu.Unlock()
	glPage(w, r, items)
}

// POST /projects/:id/merge_requests/:iid/notes
func (f *glFake) createNote(w http.ResponseWriter, _ *http.Request, req fakeRequest, _ []string) {
	body, _ := req.body["body"].(string)
	f.mu.Lock()
	d := f.addDiscussion(true, &glNote{body: body, author: glBotID})
	out := f.noteJSON(d.notes[0])
	f.mu.Unlock()
	writeFakeJSON(w, http.StatusCreated, out)
}

// PUT /projects/:id/merge_requests/:iid/notes/:note_id
func (f *glFake) editNote(w http.ResponseWriter, _ *http.Request, req fakeRequest, m []string) {
	id, _ := strconv.Atoi(m[1])
	body, _ := req.body["body"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.discussions {
		for _, n := range d.notes {
			if n.id != id {
				continue
			}
			if n.author != glBotID {
				f.log.problem("%s: the bot edits someone else's note", req)
				glError(w, http.StatusForbidden, "403 Forbidden")
				return
			}
			n.body = body
			writeFakeJSON(w, http.StatusOK, f.noteJSON(n))
			return
		}
	}
	f.log.problem("%s: no such note", req)
	glError(w, http.StatusNotFound, "404 Not found")
}

// glTransitions names the events of GitLab's commit status state machine, for its refusal
// to move a status to the state it has.
var glTransitions = map[string]string{"pending": "enqueue", "running": "run", "success": "succeed", "failed": "drop", "canceled": "cancel"}

// POST /projects/:id/statuses/:sha
func (f *glFake) setStatus(w http.ResponseWriter, _ *http.Request, req fakeRequest, m []string) {
	s := glStatus{sha: m[1]}
	s.state, _ = req.body["state"].(string)
	s.name, _ = req.body["name"].(string)
	s.description, _ = req.body["description"].(string)
	event, ok := glTransitions[s.state]
	if !ok {
		f.log.problem("%s: state %q", req, s.state)
		glError(w, http.StatusBadRequest, "400 Bad request - state does not have a valid value")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := s.sha + " " + s.name
	if f.statuses[key] == s.state {
		s.refused = true
		f.statusLog = append(f.statusLog, s)
		glError(w, http.StatusBadRequest, fmt.Sprintf("Cannot transition status via :%s from :%s", event, s.state))
		return
	}
	f.statuses[key] = s.state
	f.statusLog = append(f.statusLog, s)
	out := cloneObject(f.status)
	out["sha"], out["status"], out["name"], out["description"] = s.sha, s.state, s.name, s.description
	writeFakeJSON(w, http.StatusCreated, out)
}

// glNotInBase answers 404 for a file or tree the base does not hold (it holds no rules files),
// after checking that the bot reads at the base. At a head, where the bot reads the changed
// files for the context around their hunks (never rules or settings), a file's raw
// content is served (headContent).
func glNotInBase(message string) func(*glFake, http.ResponseWriter, *http.Request, fakeRequest, []string) {
	return func(f *glFake, w http.ResponseWriter, r *http.Request, req fakeRequest, m []string) {
		ref := r.URL.Query().Get("ref")
		f.mu.Lock()
		base := f.latest().base
		var revs []forgeRev
		for _, v := range f.versions {
			revs = append(revs, v.rev)
		}
		f.mu.Unlock()
		p := r.URL.Query().Get("path")
		if strings.HasSuffix(r.URL.Path, "/raw") {
			p, _ = url.PathUnescape(m[len(m)-1])
		}
		switch {
		case ref == base:
		case isHead(revs, ref) && !rulesPath(p):
			if content, ok := headContent(revs, ref, p); ok && strings.HasSuffix(r.URL.Path, "/raw") {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte(content))
				return
			}
		default:
			f.log.problem("%s: read at %q, not at the base %s", req, ref, base)
		}
		glError(w, http.StatusNotFound, message)
	}
}

// GET /user
func (f *glFake) currentUser(w http.ResponseWriter, _ *http.Request, _ fakeRequest, _ []string) {
	writeFakeJSON(w, http.StatusOK, f.user)
}

// glState is a copy of what the fake holds, for assertions.
type glState struct {
	discussions []glDiscussion
	notes       map[int]glNote // by id, with the discussion's resolved flag
	drafts      int
	statuses    []glStatus
}

func (f *glFake) snapshot() glState {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := glState{notes: map[int]glNote{}, drafts: len(f.drafts), statuses: slices.Clone(f.statusLog)}
	for _, d := range f.discussions {
		c := *d
		c.notes = nil
		for _, n := range d.notes {
			cn := *n
			c.notes = append(c.notes, &cn)
			s.notes[n.id] = cn
		}
		s.discussions = append(s.discussions, c)
	}
	return s
}

// addDraft adds a pending draft of the bot, as a run that stopped before its bulk publish
// leaves it.
func (f *glFake) addDraft(note string, position map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	code := ""
	if position != nil {
		code, _ = f.checkPosition(position)
	}
	f.nextID++
	f.drafts = append(f.drafts, &glDraft{id: f.nextID, note: note, position: position, lineCode: code})
}

// addNote adds a note by a person (root, of the fixture) to the merge request.
func (f *glFake) addNote(body string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addDiscussion(true, &glNote{body: body, author: glHumanID}).notes[0].id
}

// TestGitLabFakeCompare drives the adapter's Compare against the fake's merge_base and
// compare, so that a pipeline that starts comparing heads meets a fake that answers as
// documented above: the whole change for a base and its head, ErrNotFound between heads.
func TestGitLabFakeCompare(t *testing.T) {
	t.Parallel()
	f := newGitLabFake(t, changeV2(t))
	f.push(changeV3(t))
	c, err := gitlab.New(gitlab.Options{BaseURL: f.srv.URL, Token: glToken, HTTPClient: f.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ch := reviewer.Change{Forge: "gitlab", Repo: glProject, Number: glIID}
	out, err := c.Compare(t.Context(), ch, shaBase2, shaHead3)
	if err != nil {
		t.Fatal(err)
	}
	files, err := diff.Parse(out)
	if err != nil {
		t.Fatalf("diff.Parse: %v", err)
	}
	var got, want []string
	for _, fl := range files {
		got = append(got, fl.NewPath)
	}
	for _, fl := range parseForgeDiff(t, changeV3(t).diff) {
		want = append(want, fl.newPath)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("files of base..head (-want +got):\n%s", d)
	}
	if out, err := c.Compare(t.Context(), ch, shaHead3, shaHead3); err != nil || len(out) != 0 {
		t.Errorf("head..head = %q, %v; want an empty diff", out, err)
	}
	for _, from := range []string{shaHead2, shaHead1, strings.Repeat("f", 40)} {
		if _, err := c.Compare(t.Context(), ch, from, shaHead3); !errors.Is(err, reviewer.ErrNotFound) {
			t.Errorf("Compare(%s, head): err = %v, want ErrNotFound", from[:8], err)
		}
	}
}
