package fakegitlab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

var (
	// positionFields are the documented fields of a text position (FIELD-REFERENCE §1, §2;
	// the image fields width, height, x and y are left out: the bot never sends them).
	positionFields = []string{"base_sha", "head_sha", "start_sha", "position_type", "new_path", "old_path", "new_line", "old_line", "line_range"}
	// positionRequired are required for a text position (FIELD-REFERENCE §1, §2).
	positionRequired = []string{"base_sha", "head_sha", "start_sha", "position_type", "new_path", "old_path"}
	// rangeEndFields: line_code and type are required, old_line and new_line optional (§1).
	rangeEndFields   = []string{"line_code", "type", "old_line", "new_line"}
	rangeEndRequired = []string{"line_code", "type"}
	pagination       = []string{"page", "per_page"}
)

// endpoint is one documented GitLab endpoint: what it accepts and how the fake answers.
type endpoint struct {
	name   string
	method string
	// path is a format of the escaped path below /api/v4: %[1]s is the project's path
	// ("/projects/group%2Fname"), %[2]s the merge request's.
	path string
	// query lists the documented query parameters, body the documented body fields and
	// required the body fields that must be present.
	query, body, required []string
	// position says the body may hold a text position, checked field by field.
	position bool
	serve    func(f *Server, w http.ResponseWriter, r *http.Request, req Request, m []string)
}

// endpoints lists the endpoints with their documented parameters: the discussions, draft
// notes, diffs and versions from FIELD-REFERENCE.md section by section, the others from
// GitLab's REST API pages (merge_requests, notes, commits, repositories, repository_files,
// users, members). page and per_page are GitLab's pagination parameters.
var endpoints = append([]endpoint{
	{name: "get merge request", method: "GET", path: "%[2]s",
		query: []string{"render_html", "include_diverged_commits_count", "include_rebase_in_progress"}, serve: (*Server).getMR},
	{name: "list versions", method: "GET", path: "%[2]s/versions", query: pagination, serve: (*Server).listVersions},
	{name: "list diffs", method: "GET", path: "%[2]s/diffs", query: []string{"page", "per_page", "unidiff"}, serve: (*Server).listDiffs},
	{name: "list discussions", method: "GET", path: "%[2]s/discussions", query: pagination, serve: (*Server).listDiscussions},
	{name: "create discussion", method: "POST", path: "%[2]s/discussions",
		body: []string{"body", "commit_id", "created_at", "position"}, required: []string{"body"}, position: true,
		serve: (*Server).createDiscussion},
	{name: "resolve discussion", method: "PUT", path: "%[2]s/discussions/([0-9a-f]{40})",
		body: []string{"resolved"}, required: []string{"resolved"}, serve: (*Server).resolveDiscussion},
	{name: "add discussion note", method: "POST", path: "%[2]s/discussions/([0-9a-f]{40})/notes",
		body: []string{"body", "created_at"}, required: []string{"body"}, serve: (*Server).addDiscussionNote},
	{name: "bulk publish", method: "POST", path: "%[2]s/draft_notes/bulk_publish", serve: (*Server).bulkPublish},
	{name: "create draft note", method: "POST", path: "%[2]s/draft_notes",
		body:     []string{"note", "commit_id", "in_reply_to_discussion_id", "resolve_discussion", "position"},
		required: []string{"note"}, position: true, serve: (*Server).createDraft},
	{name: "list draft notes", method: "GET", path: "%[2]s/draft_notes", query: pagination, serve: (*Server).listDrafts},
	{name: "delete draft note", method: "DELETE", path: "%[2]s/draft_notes/([0-9]+)", serve: (*Server).deleteDraft},
	{name: "list notes", method: "GET", path: "%[2]s/notes", query: []string{"sort", "order_by", "page", "per_page"}, serve: (*Server).listNotes},
	{name: "create note", method: "POST", path: "%[2]s/notes",
		body: []string{"body", "internal", "merge_request_diff_head_sha", "created_at"}, required: []string{"body"}, serve: (*Server).createNote},
	{name: "edit note", method: "PUT", path: "%[2]s/notes/([0-9]+)", body: []string{"body"}, required: []string{"body"}, serve: (*Server).editNote},
	{name: "set commit status", method: "POST", path: "%[1]s/statuses/([0-9a-f]{40})",
		body:     []string{"state", "ref", "name", "context", "target_url", "description", "coverage", "pipeline_id"},
		required: []string{"state"}, serve: (*Server).setStatus},
	{name: "list tree", method: "GET", path: "%[1]s/repository/tree",
		query: []string{"path", "ref", "recursive", "page", "per_page", "pagination", "page_token"}, serve: notInBase("404 Tree Not Found")},
	{name: "raw file", method: "GET", path: "%[1]s/repository/files/([^/]+)/raw", query: []string{"ref", "lfs"},
		serve: notInBase("404 File Not Found")},
	{name: "merge base", method: "GET", path: "%[1]s/repository/merge_base", query: []string{"refs[]"}, serve: (*Server).mergeBase},
	{name: "compare", method: "GET", path: "%[1]s/repository/compare",
		query: []string{"from", "to", "from_project_id", "straight", "unidiff"}, serve: (*Server).compare},
	{name: "current user", method: "GET", path: "/user", serve: (*Server).currentUser},
	{name: "get member", method: "GET", path: "%[1]s/members/all/([0-9]+)", serve: (*Server).member},
	// Webhooks (hooks.go): https://docs.gitlab.com/api/project_webhooks/ and
	// https://docs.gitlab.com/api/group_webhooks/
	{name: "list project hooks", method: "GET", path: "%[1]s/hooks", query: pagination, serve: (*Server).listHooks},
	{name: "add project hook", method: "POST", path: "%[1]s/hooks", body: projectHookFields, required: []string{"url"}, serve: (*Server).addHook},
	{name: "edit project hook", method: "PUT", path: "%[1]s/hooks/([0-9]+)", body: projectHookFields, required: []string{"url"}, serve: (*Server).editHook},
	{name: "list group hooks", method: "GET", path: "/groups/([^/]+)/hooks", query: pagination, serve: (*Server).listHooks},
	{name: "add group hook", method: "POST", path: "/groups/([^/]+)/hooks", body: groupHookFields, required: []string{"url"}, serve: (*Server).addHook},
	{name: "edit group hook", method: "PUT", path: "/groups/([^/]+)/hooks/([0-9]+)", body: groupHookFields, required: []string{"url"}, serve: (*Server).editHook},
}, proposalEndpoints...) // reviewer learn's (proposal.go)

// Endpoints names the endpoints of the fake, for FailNext, Record, HandleFunc and Calls.
var Endpoints = func() []string {
	var out []string
	for _, ep := range endpoints {
		out = append(out, ep.name)
	}
	return out
}()

func (f *Server) endpoint(name string) {
	if !slices.Contains(Endpoints, name) {
		f.t.Fatalf("fakegitlab: no endpoint %q", name)
	}
}

func (f *Server) match(method, p string) (*endpoint, []string) {
	project := "/projects/" + regexp.QuoteMeta(f.projectPath())
	mr := project + "/merge_requests/" + strconv.Itoa(f.opts.IID)
	for i := range endpoints {
		ep := &endpoints[i]
		if ep.method != method {
			continue
		}
		path := ep.path
		if strings.Contains(path, "%") {
			path = fmt.Sprintf(path, project, mr)
		}
		re := regexp.MustCompile("^" + path + "$")
		if m := re.FindStringSubmatch(p); m != nil {
			return ep, m
		}
	}
	return nil, nil
}

func (f *Server) handle(w http.ResponseWriter, r *http.Request) {
	req := f.log.Read(r)
	p, ok := strings.CutPrefix(req.Path, f.opts.Prefix+"/api/v4")
	if !ok {
		f.log.Record(req)
		f.log.Problem("request outside the API: %s", req)
		WriteError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	ep, m := f.match(r.Method, p)
	if ep != nil {
		req.Endpoint = ep.name
	}
	f.log.Record(req)
	if got := r.Header.Get("Private-Token"); f.opts.Token != "" && got != f.opts.Token {
		f.log.Problem("%s: PRIVATE-TOKEN %q", req, got)
		WriteError(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	if ep == nil {
		f.log.Problem("no such endpoint on the fake GitLab: %s", req)
		WriteError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	f.check(ep, req)
	f.mu.Lock()
	var fail *Failure
	if q := f.fail[ep.name]; len(q) > 0 {
		fail, f.fail[ep.name] = &q[0], q[1:]
	}
	rec, recorded := f.records[ep.name]
	h := f.handlers[ep.name]
	f.mu.Unlock()
	switch {
	case fail != nil && !fail.Pass:
		for k, v := range fail.Header {
			w.Header()[k] = v
		}
		if fail.Body == "" {
			WriteError(w, fail.Status, fmt.Sprintf("%d %s", fail.Status, http.StatusText(fail.Status)))
			return
		}
		writeRaw(w, fail.Status, []byte(fail.Body))
	case h != nil:
		h(w, r)
	case recorded && ep.name == "get merge request":
		f.getRecordedMR(w, rec.pages[0])
	case recorded:
		WritePage(w, r, rec.keyset, rec.pages)
	default:
		ep.serve(f, w, r, req, m)
	}
}

// check compares a request with its endpoint's documented parameters.
func (f *Server) check(ep *endpoint, req Request) {
	if req.Body != nil && ep.body == nil {
		f.log.Problem("%s: takes no body, got %v", req, req.Body)
	}
	f.log.CheckParams(req, ep.query, ep.body, ep.required)
	if pos, ok := req.Body["position"]; ok && ep.position {
		m, ok := pos.(map[string]any)
		if !ok {
			f.log.Problem("%s: position is %T", req, pos)
			return
		}
		f.log.CheckParams(Request{Method: req.Method, Path: req.Path + " position", Body: m}, nil, positionFields, positionRequired)
	}
}

func (f *Server) latest() (version, bool) {
	if len(f.versions) == 0 {
		return version{}, false
	}
	return f.versions[0], true
}

func (f *Server) author(id int) map[string]any {
	if id == f.opts.BotID {
		a := map[string]any{}
		for _, k := range []string{"id", "name", "username", "state", "avatar_url", "web_url"} {
			a[k] = f.user[k]
		}
		return a
	}
	a := fakeforge.CloneObject(f.note["author"].(map[string]any))
	if id != HumanID {
		a["id"], a["username"], a["name"] = id, fmt.Sprintf("user%d", id), fmt.Sprintf("User %d", id)
	}
	return a
}

func (f *Server) noteJSON(n *Note) map[string]any {
	m := fakeforge.CloneObject(f.note)
	m["id"], m["body"], m["author"], m["system"] = n.ID, n.Body, f.author(n.Author), n.System
	m["noteable_iid"], m["noteable_type"] = f.opts.IID, "MergeRequest"
	m["type"] = nil
	delete(m, "position")
	if n.Type != "" {
		m["type"], m["position"] = n.Type, fakeforge.CloneObject(n.Position)
		m["commit_id"] = n.Position["head_sha"]
	} else {
		m["commit_id"] = nil
	}
	m["resolvable"], m["resolved"], m["resolved_by"] = n.Resolvable, n.Resolved, nil
	if n.Resolved {
		m["resolved_by"] = f.author(f.opts.BotID)
	}
	return m
}

// GET /projects/:id/merge_requests/:iid
func (f *Server) getMR(w http.ResponseWriter, _ *http.Request, req Request, _ []string) {
	f.mu.Lock()
	f.mrGets++
	n, hook := f.mrGets, f.onMRGet
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	f.mu.Lock()
	v, ok := f.latest()
	sha, edit := f.sha, f.editMR
	mr := fakeforge.CloneObject(f.mr)
	f.mu.Unlock()
	if !ok {
		f.log.Problem("%s: the merge request has no version: Push one", req)
		WriteError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	mr["iid"], mr["sha"] = f.opts.IID, sha
	mr["web_url"] = f.ChangeURL()
	mr["diff_refs"] = map[string]any{"base_sha": v.base, "head_sha": v.head, "start_sha": v.start}
	if edit != nil {
		edit(mr)
	}
	fakeforge.WriteJSON(w, http.StatusOK, mr)
}

// getRecordedMR answers with a recorded merge request, changed by EditMR.
func (f *Server) getRecordedMR(w http.ResponseWriter, body []byte) {
	f.mu.Lock()
	edit := f.editMR
	f.mu.Unlock()
	if edit == nil {
		writeRaw(w, http.StatusOK, body)
		return
	}
	var mr map[string]any
	if err := json.Unmarshal(body, &mr); err != nil {
		f.t.Errorf("fakegitlab: recorded merge request: %v", err)
	}
	edit(mr)
	fakeforge.WriteJSON(w, http.StatusOK, mr)
}

// GET /projects/:id/merge_requests/:iid/versions, newest first.
func (f *Server) listVersions(w http.ResponseWriter, r *http.Request, _ Request, _ []string) {
	f.mu.Lock()
	var items []any
	for _, v := range f.versions {
		m := fakeforge.CloneObject(f.version)
		m["id"], m["head_commit_sha"], m["base_commit_sha"], m["start_commit_sha"] = v.id, v.head, v.base, v.start
		m["real_size"] = strconv.Itoa(len(v.entries))
		items = append(items, m)
	}
	f.mu.Unlock()
	writeList(w, r, items)
}

// GET /projects/:id/merge_requests/:iid/diffs: the latest version's files.
func (f *Server) listDiffs(w http.ResponseWriter, r *http.Request, _ Request, _ []string) {
	f.mu.Lock()
	v, _ := f.latest()
	f.mu.Unlock()
	writeList(w, r, slices.Clone(v.entries))
}

// diffEntries returns the files of a diff as GitLab's diff entries.
func (f *Server) diffEntries(files []*fakeforge.File) []any {
	items := []any{}
	for _, file := range files {
		m := fakeforge.CloneObject(f.diffEntry)
		m["old_path"], m["new_path"], m["a_mode"], m["b_mode"] = file.OldPath, file.NewPath, file.OldMode, file.NewMode
		m["diff"], m["new_file"], m["deleted_file"], m["renamed_file"] = file.Patch, file.NewFile, file.Deleted, file.OldPath != file.NewPath
		items = append(items, m)
	}
	return items
}

// known reports whether sha is a commit of one of the versions; the caller holds f.mu.
func (f *Server) known(sha string) bool {
	return slices.ContainsFunc(f.versions, func(v version) bool {
		return sha == v.base || sha == v.start || sha == v.head
	})
}

// GET /projects/:id/repository/merge_base?refs[]=a&refs[]=b. The fake knows of the history
// only what the versions say: a version's base is an ancestor of its start and its head.
// Between the heads of two pushes it knows nothing (its revisions are diffs, not a
// repository), so it answers as for commits that share no history, 404: the adapter reports
// ErrNotFound, as after a force-push, and a pipeline that compares heads reviews the whole
// change. Commits it does not know get GitLab's 400.
func (f *Server) mergeBase(w http.ResponseWriter, _ *http.Request, req Request, _ []string) {
	refs := req.Query["refs[]"]
	if len(refs) != 2 {
		f.log.Problem("%s: refs[] %q, want two", req, refs)
		WriteError(w, http.StatusBadRequest, "Provide at least 2 refs")
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
		WriteError(w, http.StatusBadRequest, "Could not find "+noun+": "+strings.Join(unknown, ", "))
		return
	}
	a, b := refs[0], refs[1]
	base := ""
	if a == b {
		base = a
	}
	for _, v := range f.versions {
		if base == "" && (a == v.base && (b == v.start || b == v.head) || b == v.base && (a == v.start || a == v.head)) {
			base = v.base
		}
	}
	if base == "" {
		WriteError(w, http.StatusNotFound, "404 Merge Base Not Found")
		return
	}
	fakeforge.WriteJSON(w, http.StatusOK, map[string]any{"id": base, "short_id": base[:8], "title": "commit", "parent_ids": []string{}})
}

// GET /projects/:id/repository/compare?from=&to=&straight=true. The fake answers only what
// it can compute: a commit with itself (no diffs), and a version's base with its head (the
// version's own diff). An interdiff between two heads would need the files, which the fake
// does not have, so every other pair gets 404, as an unknown ref does on GitLab, and a
// pipeline that compares heads reviews the whole change.
func (f *Server) compare(w http.ResponseWriter, _ *http.Request, req Request, _ []string) {
	from, to := req.Query.Get("from"), req.Query.Get("to")
	if req.Query.Get("straight") != "true" {
		f.log.Problem("%s: straight = %q, want true", req, req.Query.Get("straight"))
	}
	f.mu.Lock()
	entries, found := []any{}, from == to && f.known(from)
	for _, v := range f.versions {
		if !found && from == v.base && to == v.head {
			entries, found = v.entries, true
		}
	}
	f.mu.Unlock()
	if !found {
		WriteError(w, http.StatusNotFound, "404 Ref Not Found")
		return
	}
	commit := map[string]any{"id": to, "short_id": to[:8], "title": "commit"}
	commits := []any{commit}
	if from == to {
		commits = []any{}
	}
	fakeforge.WriteJSON(w, http.StatusOK, map[string]any{
		"commit": commit, "commits": commits, "diffs": entries,
		"compare_timeout": false, "compare_same_ref": from == to,
		"web_url": f.URL() + "/" + f.opts.Project + "/-/compare/" + from + "..." + to,
	})
}

// GET /projects/:id/merge_requests/:iid/discussions
func (f *Server) listDiscussions(w http.ResponseWriter, r *http.Request, _ Request, _ []string) {
	f.mu.Lock()
	var items []any
	for _, d := range f.discussions {
		items = append(items, f.discussionJSON(d))
	}
	f.mu.Unlock()
	writeList(w, r, items)
}

func (f *Server) discussionJSON(d *Discussion) map[string]any {
	var notes []any
	for _, n := range d.Notes {
		notes = append(notes, f.noteJSON(n))
	}
	return map[string]any{"id": d.ID, "individual_note": d.Individual, "notes": notes}
}

// PUT /projects/:id/merge_requests/:iid/discussions/:discussion_id
func (f *Server) resolveDiscussion(w http.ResponseWriter, _ *http.Request, req Request, m []string) {
	resolved, ok := req.Body["resolved"].(bool)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.discussions {
		if d.ID != m[1] {
			continue
		}
		if !ok || !d.Notes[0].Resolvable {
			f.log.Problem("%s: resolved %v on a discussion that is not resolvable", req, req.Body["resolved"])
			WriteError(w, http.StatusBadRequest, "400 Bad request")
			return
		}
		for _, n := range d.Notes {
			if n.Resolvable {
				n.Resolved = resolved
			}
		}
		fakeforge.WriteJSON(w, http.StatusOK, f.discussionJSON(d))
		return
	}
	f.log.Problem("%s: no such discussion", req)
	WriteError(w, http.StatusNotFound, "404 Not found")
}

// position checks a request's position; it answers 400 and returns false when GitLab
// would refuse it. The caller holds f.mu.
func (f *Server) position(w http.ResponseWriter, req Request) (map[string]any, string, bool) {
	pos, _ := req.Body["position"].(map[string]any)
	if pos == nil {
		return nil, "", true
	}
	if f.reject != nil && f.reject(pos) {
		WriteError(w, http.StatusBadRequest, PositionError)
		return nil, "", false
	}
	code, errs := f.checkPosition(pos)
	if len(errs) > 0 {
		f.log.Problem("%s: position %v: %s", req, pos, strings.Join(errs, "; "))
		WriteError(w, http.StatusBadRequest, PositionError)
		return nil, "", false
	}
	return pos, code, true
}

// POST /projects/:id/merge_requests/:iid/discussions: a diff discussion at once (GitLab
// without draft notes).
func (f *Server) createDiscussion(w http.ResponseWriter, _ *http.Request, req Request, _ []string) {
	body, _ := req.Body["body"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	pos, _, ok := f.position(w, req)
	if !ok {
		return
	}
	n := &Note{Body: body, Author: f.opts.BotID}
	if pos != nil {
		n.Type, n.Position, n.Resolvable = "DiffNote", pos, true
	}
	d := f.addDiscussion(pos == nil, n)
	fakeforge.WriteJSON(w, http.StatusCreated, f.discussionJSON(d))
}

// POST /projects/:id/merge_requests/:iid/draft_notes
func (f *Server) createDraft(w http.ResponseWriter, _ *http.Request, req Request, _ []string) {
	note, _ := req.Body["note"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noDrafts {
		WriteError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	pos, code, ok := f.position(w, req)
	if !ok {
		return
	}
	f.nextID++
	d := &Draft{ID: f.nextID, Note: note, Position: pos, LineCode: code}
	f.drafts = append(f.drafts, d)
	fakeforge.WriteJSON(w, http.StatusCreated, f.draftJSON(d))
}

// draftJSON is the draft as GitLab shows it; the caller holds f.mu.
func (f *Server) draftJSON(d *Draft) map[string]any {
	out := fakeforge.CloneObject(f.draft)
	out["id"], out["author_id"], out["note"], out["position"] = d.ID, f.opts.BotID, d.Note, d.Position
	out["line_code"] = nil
	if d.LineCode != "" {
		out["line_code"] = d.LineCode
	}
	return out
}

// GET /projects/:id/merge_requests/:iid/draft_notes: the bot's pending drafts, the only
// ones GitLab shows the bot.
func (f *Server) listDrafts(w http.ResponseWriter, r *http.Request, _ Request, _ []string) {
	f.mu.Lock()
	if f.noDrafts {
		f.mu.Unlock()
		WriteError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	var items []any
	for _, d := range f.drafts {
		items = append(items, f.draftJSON(d))
	}
	f.mu.Unlock()
	writeList(w, r, items)
}

// DELETE /projects/:id/merge_requests/:iid/draft_notes/:draft_note_id
func (f *Server) deleteDraft(w http.ResponseWriter, _ *http.Request, req Request, m []string) {
	id, _ := strconv.Atoi(m[1])
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.drafts, func(d *Draft) bool { return d.ID == id })
	if i < 0 {
		f.log.Problem("%s: no such draft note", req)
		WriteError(w, http.StatusNotFound, "404 Not found")
		return
	}
	f.drafts = slices.Delete(f.drafts, i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

// checkPosition applies FIELD-REFERENCE §1's rules for text positions to pos, against the
// fake's own reading of the diff of the version whose SHAs it names: new_line alone only
// on an added line, old_line alone only on a removed one, both on a context line, and
// line_range ends that name real lines by their line codes, the last one being the
// position's line. It returns the line code of the position's line.
func (f *Server) checkPosition(pos map[string]any) (string, []string) {
	var errs []string
	var v *version
	for i := range f.versions {
		if pos["base_sha"] == f.versions[i].base && pos["start_sha"] == f.versions[i].start && pos["head_sha"] == f.versions[i].head {
			v = &f.versions[i]
			break
		}
	}
	if v == nil {
		return "", []string{"base_sha, start_sha and head_sha are no diff version of the merge request"}
	}
	if pos["position_type"] != "text" {
		errs = append(errs, fmt.Sprintf("position_type %v", pos["position_type"]))
	}
	newPath, _ := pos["new_path"].(string)
	file := fakeforge.FindFile(v.files, newPath)
	if file == nil {
		return "", append(errs, fmt.Sprintf("new_path %q is not in the diff", newPath))
	}
	if pos["old_path"] != file.OldPath {
		errs = append(errs, fmt.Sprintf("old_path %v, want %s", pos["old_path"], file.OldPath))
	}
	oldLine, hasOld := positive(pos["old_line"])
	newLine, hasNew := positive(pos["new_line"])
	at := -1
	for i, l := range file.Lines {
		switch {
		case hasNew && !hasOld && l.Kind == '+' && l.New == newLine,
			hasOld && !hasNew && l.Kind == '-' && l.Old == oldLine,
			hasOld && hasNew && l.Kind == ' ' && l.Old == oldLine && l.New == newLine:
			at = i
		}
	}
	if at < 0 {
		return "", append(errs, fmt.Sprintf("old_line %v, new_line %v name no line of the diff of %s (new_line alone is an added line, old_line alone a removed one, both a context line)", pos["old_line"], pos["new_line"], newPath))
	}
	lr, ok := pos["line_range"]
	if !ok {
		return file.Lines[at].Code, errs
	}
	m, _ := lr.(map[string]any)
	if len(m) != 2 || m["start"] == nil || m["end"] == nil {
		return "", append(errs, fmt.Sprintf("line_range wants start and end only: %v", lr))
	}
	ends := [2]int{-1, -1}
	for i, k := range []string{"start", "end"} {
		e, _ := m[k].(map[string]any)
		for field := range e {
			if !slices.Contains(rangeEndFields, field) {
				errs = append(errs, fmt.Sprintf("line_range %s: undocumented field %q", k, field))
			}
		}
		for _, field := range rangeEndRequired {
			if _, ok := e[field]; !ok {
				errs = append(errs, fmt.Sprintf("line_range %s: required field %q missing", k, field))
			}
		}
		code, _ := e["line_code"].(string)
		idx := slices.IndexFunc(file.Lines, func(l fakeforge.Line) bool { return l.Code == code })
		if idx < 0 {
			errs = append(errs, fmt.Sprintf("line_range %s: line_code %q names no line of %s", k, code, newPath))
			continue
		}
		typ := "old"
		if file.Lines[idx].Kind == '+' {
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
	return file.Lines[at].Code, errs
}

// positive reads a decoded JSON number that must be a line number.
func positive(v any) (int, bool) {
	n, ok := fakeforge.Number(v)
	return n, ok && n > 0
}

// POST /projects/:id/merge_requests/:iid/draft_notes/bulk_publish: every pending draft
// becomes a diff discussion.
func (f *Server) bulkPublish(w http.ResponseWriter, _ *http.Request, _ Request, _ []string) {
	f.mu.Lock()
	if f.noDrafts {
		f.mu.Unlock()
		WriteError(w, http.StatusNotFound, "404 Not Found")
		return
	}
	for _, d := range f.drafts {
		n := &Note{Body: d.Note, Author: f.opts.BotID}
		if d.Position != nil {
			n.Type, n.Position, n.Resolvable = "DiffNote", d.Position, true
		}
		f.addDiscussion(d.Position == nil, n)
		f.published = append(f.published, d.Note)
	}
	f.drafts = nil
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// GET /projects/:id/merge_requests/:iid/notes: every note, newest first (GitLab's default
// order: created_at, descending).
func (f *Server) listNotes(w http.ResponseWriter, r *http.Request, _ Request, _ []string) {
	f.mu.Lock()
	var notes []*Note
	for _, d := range f.discussions {
		notes = append(notes, d.Notes...)
	}
	slices.SortFunc(notes, func(a, b *Note) int { return b.ID - a.ID })
	var items []any
	for _, n := range notes {
		items = append(items, f.noteJSON(n))
	}
	f.mu.Unlock()
	writeList(w, r, items)
}

// POST /projects/:id/merge_requests/:iid/notes
func (f *Server) createNote(w http.ResponseWriter, _ *http.Request, req Request, _ []string) {
	body, _ := req.Body["body"].(string)
	f.mu.Lock()
	d := f.addDiscussion(true, &Note{Body: body, Author: f.opts.BotID})
	out := f.noteJSON(d.Notes[0])
	f.mu.Unlock()
	fakeforge.WriteJSON(w, http.StatusCreated, out)
}

// PUT /projects/:id/merge_requests/:iid/notes/:note_id
func (f *Server) editNote(w http.ResponseWriter, _ *http.Request, req Request, m []string) {
	id, _ := strconv.Atoi(m[1])
	body, _ := req.Body["body"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.discussions {
		for _, n := range d.Notes {
			if n.ID != id {
				continue
			}
			if n.Author != f.opts.BotID {
				f.log.Problem("%s: the bot edits someone else's note", req)
				WriteError(w, http.StatusForbidden, "403 Forbidden")
				return
			}
			n.Body = body
			fakeforge.WriteJSON(w, http.StatusOK, f.noteJSON(n))
			return
		}
	}
	f.log.Problem("%s: no such note", req)
	WriteError(w, http.StatusNotFound, "404 Not found")
}

// transitions names the events of GitLab's commit status state machine, for its refusal
// to move a status to the state it has.
var transitions = map[string]string{"pending": "enqueue", "running": "run", "success": "succeed", "failed": "drop", "canceled": "cancel"}

// POST /projects/:id/statuses/:sha
func (f *Server) setStatus(w http.ResponseWriter, _ *http.Request, req Request, m []string) {
	s := Status{SHA: m[1]}
	s.State, _ = req.Body["state"].(string)
	s.Name, _ = req.Body["name"].(string)
	s.Description, _ = req.Body["description"].(string)
	event, ok := transitions[s.State]
	if !ok {
		f.log.Problem("%s: state %q", req, s.State)
		WriteError(w, http.StatusBadRequest, "400 Bad request - state does not have a valid value")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := s.SHA + " " + s.Name
	if f.statuses[key] == s.State {
		s.Refused = true
		f.statusLog = append(f.statusLog, s)
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("Cannot transition status via :%s from :%s", event, s.State))
		return
	}
	f.statuses[key] = s.State
	f.statusLog = append(f.statusLog, s)
	out := fakeforge.CloneObject(f.status)
	out["sha"], out["status"], out["name"], out["description"] = s.SHA, s.State, s.Name, s.Description
	fakeforge.WriteJSON(w, http.StatusCreated, out)
}

// notInBase answers 404 for a file or tree the base does not hold (it holds no rules
// files), after checking that the bot reads at the base. At a head, where the bot reads
// the changed files for the context around their hunks (never rules or settings), a
// changed file's raw content is served (fakeforge.HeadContent). A file or tree SetFile set at
// the base or a head is served from it.
func notInBase(message string) func(*Server, http.ResponseWriter, *http.Request, Request, []string) {
	return func(f *Server, w http.ResponseWriter, r *http.Request, req Request, m []string) {
		ref := r.URL.Query().Get("ref")
		raw := strings.HasSuffix(r.URL.Path, "/raw")
		p := r.URL.Query().Get("path")
		if raw {
			p, _ = url.PathUnescape(m[len(m)-1])
		}
		f.mu.Lock()
		v, _ := f.latest()
		made := f.made(ref) // a commit of reviewer learn's branch reads like the base
		var head *version
		for i := range f.versions {
			if f.versions[i].head == ref {
				head = &f.versions[i]
			}
		}
		var content string
		found := false
		if head != nil && raw && !fakeforge.RulesPath(p) {
			content, found = fakeforge.HeadContent(head.files, p)
		}
		f.mu.Unlock()
		if ref == v.base || made || head != nil && !fakeforge.RulesPath(p) {
			if f.serveSet(w, r, ref, p, raw) {
				return
			}
		}
		switch {
		case ref == v.base || made:
		case head != nil && !fakeforge.RulesPath(p):
			if found {
				w.Header().Set("Content-Type", "text/plain")
				_, _ = w.Write([]byte(content)) //nolint:gosec // a test fake serving a file as text/plain, as GitLab does
				return
			}
		default:
			f.log.Problem("%s: read at %q, not at the base %s", req, ref, v.base)
		}
		WriteError(w, http.StatusNotFound, message)
	}
}

// GET /user
func (f *Server) currentUser(w http.ResponseWriter, _ *http.Request, _ Request, _ []string) {
	fakeforge.WriteJSON(w, http.StatusOK, f.user)
}

// GET /projects/:id/members/all/:user_id (the members API): the member and their access
// level, or 404 for a user who is none.
func (f *Server) member(w http.ResponseWriter, _ *http.Request, _ Request, m []string) {
	id, _ := strconv.Atoi(m[1])
	f.mu.Lock()
	level, ok := f.members[id]
	f.mu.Unlock()
	if !ok {
		WriteError(w, http.StatusNotFound, "404 Not found")
		return
	}
	fakeforge.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "username": fmt.Sprintf("user%d", id), "name": fmt.Sprintf("User %d", id),
		"state": "active", "avatar_url": "https://www.gravatar.com/avatar/0?s=80&d=identicon", "web_url": fmt.Sprintf("http://localhost:3000/user%d", id),
		"created_at": "2024-01-01T00:00:00.000Z", "expires_at": nil, "access_level": level})
}

// serveSet answers a raw file or a tree listing (path) at ref from the files SetFile set,
// and reports whether it did.
func (f *Server) serveSet(w http.ResponseWriter, r *http.Request, ref, p string, raw bool) bool {
	if raw {
		content, ok := f.files.Get(ref, p)
		if ok {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(content)) //nolint:gosec // a test's file, as text/plain, to a test's client
		}
		return ok
	}
	paths := f.files.Under(ref, p)
	if len(paths) == 0 || slices.Contains(paths, p) {
		return false // nothing set there, or p is a file: not a tree
	}
	recursive := r.URL.Query().Get("recursive") == "true"
	seen := map[string]bool{}
	var items []any
	add := func(name, typ, mode string) {
		if !seen[name] {
			seen[name] = true
			items = append(items, map[string]any{"id": fakeforge.SHA1Hex(ref + name), "name": path.Base(name),
				"type": typ, "path": name, "mode": mode})
		}
	}
	for _, file := range paths {
		rel := strings.TrimPrefix(strings.TrimPrefix(file, p), "/")
		parts := strings.Split(rel, "/")
		dir := p
		for i, part := range parts {
			full := strings.TrimPrefix(dir+"/"+part, "/")
			if i == len(parts)-1 {
				add(full, "blob", "100644")
			} else {
				add(full, "tree", "040000")
			}
			if !recursive {
				break
			}
			dir = full
		}
	}
	writeList(w, r, items)
	return true
}

// POST /projects/:id/merge_requests/:iid/discussions/:discussion_id/notes: the bot's
// note in a thread.
func (f *Server) addDiscussionNote(w http.ResponseWriter, _ *http.Request, req Request, m []string) {
	body, _ := req.Body["body"].(string)
	f.mu.Lock()
	n, ok := f.reply(m[1], f.opts.BotID, body)
	var out map[string]any
	if ok {
		out = f.noteJSON(n)
	}
	f.mu.Unlock()
	if !ok {
		f.log.Problem("%s: no such discussion", req)
		WriteError(w, http.StatusNotFound, "404 Not found")
		return
	}
	fakeforge.WriteJSON(w, http.StatusCreated, out)
}

// reply adds a note by author to a discussion, as its last: in a diff thread it is a
// DiffNote at the thread's position. The caller holds f.mu.
func (f *Server) reply(discussion string, author int, body string) (*Note, bool) {
	for _, d := range f.discussions {
		if d.ID != discussion {
			continue
		}
		first := d.Notes[0]
		f.nextID++
		n := &Note{ID: f.nextID, Type: first.Type, Body: body, Author: author, Position: first.Position,
			Resolvable: first.Resolvable, Resolved: first.Resolved}
		d.Notes = append(d.Notes, n)
		return n, true
	}
	return nil, false
}
