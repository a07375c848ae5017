package fakegithub

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// Endpoints names the endpoints of the state, for FailNext.
var Endpoints = []string{
	"get pull request", "get tree", "get contents", "compare", "list review comments", "create review",
	"list issue comments", "create issue comment", "edit issue comment", "create status",
	"get user", "get permission", "complete app manifest",
	"get repository", "get branch", "get commit", "create tree", "create commit", "get ref", "create ref", "update ref",
	"list pulls", "create pull", "update pull",
}

func (f *Server) routes() {
	repo := "/repos/" + f.opts.Repo
	n := strconv.Itoa(f.opts.Number)
	f.route("get pull request", "GET "+repo+"/pulls/"+n, nil, nil, nil, f.getPull)
	f.route("get tree", "GET "+repo+"/git/trees/{sha}", []string{"recursive"}, nil, nil, f.getTree)
	f.route("get contents", "GET "+repo+"/contents/{path...}", []string{"ref"}, nil, nil, f.getContents)
	f.route("compare", "GET "+repo+"/compare/{basehead}", []string{"per_page", "page"}, nil, nil, f.compare)
	f.route("list review comments", "GET "+repo+"/pulls/"+n+"/comments",
		[]string{"sort", "direction", "since", "per_page", "page"}, nil, nil, f.listComments)
	f.route("create review", "POST "+repo+"/pulls/"+n+"/reviews", nil,
		[]string{"commit_id", "body", "event", "comments"}, nil, f.createReview)
	f.route("create reply", "POST "+repo+"/pulls/"+n+"/comments/{id}/replies", nil,
		[]string{"body"}, []string{"body"}, f.createReply)
	f.route("list issue comments", "GET "+repo+"/issues/"+n+"/comments",
		[]string{"since", "per_page", "page"}, nil, nil, f.listIssueComments)
	f.route("create issue comment", "POST "+repo+"/issues/"+n+"/comments", nil,
		[]string{"body"}, []string{"body"}, f.createIssueComment)
	f.route("edit issue comment", "PATCH "+repo+"/issues/comments/{id}", nil, []string{"body"}, []string{"body"}, f.editIssueComment)
	f.route("create status", "POST "+repo+"/statuses/{sha}", nil,
		[]string{"state", "target_url", "description", "context"}, []string{"state"}, f.createStatus)
	f.route("get user", "GET /user", nil, nil, nil, f.getUser)
	f.route("get permission", "GET "+repo+"/collaborators/{user}/permission", nil, nil, nil, f.getPermission)
	f.manifestRoute()
	f.proposalRoutes()
	f.state.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.log.Problem("no such endpoint on the fake GitHub: %s %s", r.Method, r.URL.Path)
		WriteError(w, http.StatusNotFound, "Not Found")
	})
}

// route mounts an endpoint of the state: its token and parameters are checked against
// what the endpoint documents, and a failure FailNext queued is served first.
func (f *Server) route(name, pattern string, query, fields, required []string, h func(http.ResponseWriter, *http.Request, Request)) {
	f.state.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		req, _ := r.Context().Value(requestKey{}).(Request)
		if f.opts.Token != "" {
			if got := r.Header.Get("Authorization"); got != "Bearer "+f.opts.Token {
				f.log.Problem("%s: Authorization %q", req, got)
				WriteError(w, http.StatusUnauthorized, "Bad credentials")
				return
			}
		}
		f.log.CheckParams(req, query, fields, required)
		f.mu.Lock()
		var fail *Failure
		if q := f.fail[name]; len(q) > 0 {
			fail, f.fail[name] = &q[0], q[1:]
		}
		f.mu.Unlock()
		if fail != nil {
			for k, v := range fail.Header {
				w.Header()[k] = v
			}
			if fail.Body == "" {
				WriteError(w, fail.Status, http.StatusText(fail.Status))
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(fail.Status)
			_, _ = w.Write([]byte(fail.Body))
			return
		}
		h(w, r, req)
	})
}

func (f *Server) current() (Rev, bool) {
	if len(f.revs) == 0 {
		return Rev{}, false
	}
	return f.revs[len(f.revs)-1], true
}

func (f *Server) bot() map[string]any {
	u := fakeforge.CloneObject(f.pull["user"].(map[string]any))
	u["login"], u["id"], u["type"] = f.opts.Bot, 41898282, "Bot"
	return u
}

// user is the fixture's user (octocat) renamed to login.
func (f *Server) user(login string) map[string]any {
	if login == f.opts.Bot {
		return f.bot()
	}
	u := fakeforge.CloneObject(f.pull["user"].(map[string]any))
	if login != "" {
		u["login"] = login
		u["url"], u["html_url"] = "https://api.github.com/users/"+login, "https://github.com/"+login
	}
	return u
}

// GET /user: the token's user is the bot. (GitHub refuses GET /user to an App's
// installation token; the fake keeps the App's bot login so that its comments read as an
// App's would.)
func (f *Server) getUser(w http.ResponseWriter, _ *http.Request, _ Request) {
	WriteJSON(w, http.StatusOK, f.bot())
}

// GET /repos/{owner}/{repo}/pulls/{pull_number}, as JSON or as the diff media type.
func (f *Server) getPull(w http.ResponseWriter, r *http.Request, req Request) {
	f.mu.Lock()
	rev, ok := f.current()
	f.mu.Unlock()
	if !ok {
		f.log.Problem("%s: the pull request has no head: Push one", req)
		WriteError(w, http.StatusNotFound, "Not Found")
		return
	}
	if accept := r.Header.Get("Accept"); strings.Contains(accept, "diff") {
		if accept != "application/vnd.github.v3.diff" {
			f.log.Problem("diff requested with Accept %q", accept)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(rev.Diff))
		return
	}
	f.mu.Lock()
	f.pullGets++
	n, hook := f.pullGets, f.onPullGet
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	f.mu.Lock()
	rev, _ = f.current()
	pr := fakeforge.CloneObject(f.pull)
	edit := f.editPull
	f.mu.Unlock()
	owner, _, _ := strings.Cut(f.opts.Repo, "/")
	pr["number"], pr["state"], pr["draft"] = f.opts.Number, "open", false
	pr["title"], pr["body"] = "Evaluate expressions, sum prices", "Adds run() and total()."
	head, base := pr["head"].(map[string]any), pr["base"].(map[string]any)
	head["sha"], head["ref"], head["label"] = rev.Head, "feature", owner+":feature"
	base["sha"], base["ref"], base["label"] = rev.Base, "main", owner+":main"
	if edit != nil {
		edit(pr)
	}
	WriteJSON(w, http.StatusOK, pr)
}

// GET /repos/{owner}/{repo}/collaborators/{username}/permission: the user's legacy base
// role; a user GitHub does not know is 404.
func (f *Server) getPermission(w http.ResponseWriter, r *http.Request, _ Request) {
	f.mu.Lock()
	perm, ok := f.permissions[r.PathValue("user")]
	body := fakeforge.CloneObject(f.permission)
	f.mu.Unlock()
	if !ok {
		WriteError(w, http.StatusNotFound, "Not Found")
		return
	}
	body["permission"], body["role_name"] = perm, perm
	body["user"].(map[string]any)["login"] = r.PathValue("user")
	WriteJSON(w, http.StatusOK, body)
}

// GET /repos/{owner}/{repo}/git/trees/{tree_sha}?recursive=1: the files the diff shows at
// the base, and no rules files, so the built-in rules apply; and the files SetFile set at
// tree_sha.
func (f *Server) getTree(w http.ResponseWriter, r *http.Request, req Request) {
	f.mu.Lock()
	rev, _ := f.current()
	_, atHead := f.headRev(r.PathValue("sha"))
	_, made := f.git.commits[r.PathValue("sha")] // a commit of reviewer learn's branch
	f.mu.Unlock()
	// The rules are read at the base; the context around the hunks at a head.
	if sha := r.PathValue("sha"); sha != rev.Base && !atHead && !made {
		f.log.Problem("%s: rules read at %s, not at the base %s", req, sha, rev.Base)
	}
	api := "https://api.github.com/repos/" + f.opts.Repo
	entry := func(path, typ, mode string) map[string]any {
		return map[string]any{"path": path, "mode": mode, "type": typ, "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
			"url": api + "/git/blobs/3d21ec53a331a6f037a91c368710b99387d012c1"}
	}
	tree := []any{entry("LICENSE", "blob", "100644"), entry("README.md", "blob", "100644")}
	dirs := map[string]bool{}
	for _, file := range f.parse(rev.Diff) {
		if file.NewFile {
			continue
		}
		if dir, _, ok := strings.Cut(file.OldPath, "/"); ok && !dirs[dir] {
			dirs[dir] = true
			tree = append(tree, entry(dir, "tree", "040000"))
		}
		tree = append(tree, entry(file.OldPath, "blob", "100644"))
	}
	for _, p := range f.files.Under(r.PathValue("sha"), "") {
		if dir, _, ok := strings.Cut(p, "/"); ok && !dirs[dir] {
			dirs[dir] = true
			tree = append(tree, entry(dir, "tree", "040000"))
		}
		if !slices.ContainsFunc(tree, func(e any) bool { return e.(map[string]any)["path"] == p }) {
			tree = append(tree, entry(p, "blob", "100644"))
		}
	}
	WriteJSON(w, http.StatusOK, map[string]any{
		"sha": rev.Base, "url": api + "/git/trees/" + rev.Base, "truncated": false, "tree": tree,
	})
}

// GET /repos/{owner}/{repo}/contents/{path}?ref=HEAD: a changed file at a head, for the
// context around its hunks (fakeforge.HeadContent), or a file SetFile set at ref. Rules
// and settings are never read at a head.
//
// GitHub API docs: https://docs.github.com/rest/repos/contents#get-repository-content
func (f *Server) getContents(w http.ResponseWriter, r *http.Request, req Request) {
	p, ref := r.PathValue("path"), r.URL.Query().Get("ref")
	f.mu.Lock()
	rev, ok := f.headRev(ref)
	f.mu.Unlock()
	if fakeforge.RulesPath(p) && ok {
		f.log.Problem("%s: rules read at a head", req)
	}
	var content string
	if ok {
		content, ok = fakeforge.HeadContent(f.parse(rev.Diff), p)
	}
	if set, isSet := f.files.Get(ref, p); isSet {
		content, ok = set, true
	}
	if !ok {
		WriteError(w, http.StatusNotFound, "Not Found")
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{
		"type": "file", "encoding": "base64", "size": len(content), "name": path.Base(p), "path": p,
		"content": base64.StdEncoding.EncodeToString([]byte(content)), "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
	})
}

// headRev is the push whose head is sha. The caller holds f.mu.
func (f *Server) headRev(sha string) (Rev, bool) {
	for _, rev := range f.revs {
		if rev.Head == sha {
			return rev, true
		}
	}
	return Rev{}, false
}

// GET /repos/{owner}/{repo}/compare/{basehead}, as JSON (the status) or as the diff media
// type, between two heads the fake knows (404 for any other commit). A push on the base
// the head before it had adds commits on top, so the earlier head is an ancestor
// ("ahead"); a push on another base is a rebase, a force-push, after which no earlier head
// is ("diverged"). GitHub would still diff diverged commits from their merge base; the
// adapter must not ask.
func (f *Server) compare(w http.ResponseWriter, r *http.Request, req Request) {
	from, to, ok := strings.Cut(r.PathValue("basehead"), "...")
	f.mu.Lock()
	revs := slices.Clone(f.revs)
	f.mu.Unlock()
	i, j := revIndex(revs, from), revIndex(revs, to)
	if !ok || i < 0 || j < 0 {
		WriteError(w, http.StatusNotFound, "Not Found")
		return
	}
	status, ahead, behind := "identical", 0, 0
	switch {
	case i < j && sameBase(revs[i:j+1]):
		status, ahead = "ahead", j-i
	case j < i && sameBase(revs[j:i+1]):
		status, behind = "behind", i-j
	case i != j:
		status, ahead, behind = "diverged", 1, 1
	}
	if accept := r.Header.Get("Accept"); strings.Contains(accept, "diff") {
		if accept != "application/vnd.github.v3.diff" {
			f.log.Problem("%s: diff requested with Accept %q", req, accept)
		}
		if status != "ahead" && status != "identical" {
			f.log.Problem("%s: diff of %s commits requested: GitHub diffs them from their merge base", req, status)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(f.interdiff(revs[i], revs[j])))
		return
	}
	api := "https://api.github.com/repos/" + f.opts.Repo + "/compare/" + from + "..." + to
	html := "https://github.com/" + f.opts.Repo + "/compare/" + from + "..." + to
	WriteJSON(w, http.StatusOK, map[string]any{
		"url": api, "html_url": html, "permalink_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
		"base_commit": map[string]any{"sha": from}, "merge_base_commit": map[string]any{"sha": from},
		"status": status, "ahead_by": ahead, "behind_by": behind, "total_commits": ahead,
		"commits": []any{}, "files": []any{},
	})
}

// revIndex is the index of the last push of head in revs, or -1.
func revIndex(revs []Rev, head string) int {
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i].Head == head {
			return i
		}
	}
	return -1
}

func sameBase(revs []Rev) bool {
	for _, r := range revs {
		if r.Base != revs[0].Base {
			return false
		}
	}
	return true
}

func (f *Server) commentJSON(c *Comment) map[string]any {
	m := fakeforge.CloneObject(f.comment)
	id := strconv.FormatInt(c.ID, 10)
	m["id"], m["node_id"], m["pull_request_review_id"] = c.ID, "PRRC_"+id, c.ReviewID
	m["url"] = "https://api.github.com/repos/" + f.opts.Repo + "/pulls/comments/" + id
	m["html_url"] = "https://github.com/" + f.opts.Repo + "/pull/" + strconv.Itoa(f.opts.Number) + "#discussion_r" + id
	m["path"], m["body"], m["diff_hunk"] = c.Path, c.Body, c.DiffHunk
	m["commit_id"], m["original_commit_id"] = c.CommitID, c.OriginalCommit
	m["user"] = f.user(c.User)
	m["author_association"] = "NONE"
	m["created_at"], m["updated_at"] = c.CreatedAt, c.CreatedAt
	m["subject_type"] = "line"
	m["side"], m["original_line"], m["original_position"] = c.Side, c.OriginalLine, c.OriginalPosition
	m["line"], m["position"] = fakeforge.Nullable(c.Line), fakeforge.Nullable(c.Position)
	m["start_line"], m["original_start_line"], m["start_side"] = nil, nil, nil
	if c.Range {
		m["start_line"], m["original_start_line"], m["start_side"] = fakeforge.Nullable(c.StartLine), c.OriginalStartLine, c.StartSide
	}
	delete(m, "in_reply_to_id")
	if c.InReplyTo != 0 {
		m["in_reply_to_id"] = c.InReplyTo
	}
	return m
}

// GET /repos/{owner}/{repo}/pulls/{pull_number}/comments
func (f *Server) listComments(w http.ResponseWriter, r *http.Request, _ Request) {
	f.mu.Lock()
	all := make([]any, 0, len(f.comments))
	for _, c := range f.comments {
		all = append(all, f.commentJSON(c))
	}
	f.mu.Unlock()
	Paginate(w, r, all)
}

// POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews. GitHub refuses the whole review
// with 422 when one comment is not on a line of the diff at commit_id.
func (f *Server) createReview(w http.ResponseWriter, _ *http.Request, req Request) {
	commit, _ := req.Body["commit_id"].(string)
	event, _ := req.Body["event"].(string)
	body, _ := req.Body["body"].(string)
	if event == "COMMENT" && body == "" {
		WriteError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", "Review body is required for a COMMENT event")
		f.log.Problem("%s: COMMENT review without a body", req)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var rev *Rev
	for i := range f.revs {
		if f.revs[i].Head == commit {
			rev = &f.revs[i]
		}
	}
	if rev == nil {
		WriteError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", "No commit found for SHA: "+commit)
		f.log.Problem("%s: commit_id %q is no head of the pull request", req, commit)
		return
	}
	files := f.parse(rev.Diff)
	raw, _ := req.Body["comments"].([]any)
	var made []*Comment
	f.nextID++
	reviewID := f.nextID
	for _, rc := range raw {
		m, _ := rc.(map[string]any)
		for k := range m {
			switch k {
			case "path", "position", "body", "line", "side", "start_line", "start_side":
			default:
				f.log.Problem("%s: undocumented comment field %q", req, k)
			}
		}
		c, why := f.place(files, m)
		if why != "" {
			f.log.Problem("%s: comment %v: %s", req, m, why)
			WriteError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", LineError)
			return
		}
		if c.Side == "RIGHT" && f.reject[c.Path+":"+strconv.Itoa(c.Line)] {
			WriteError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", LineError)
			return
		}
		f.nextID++
		c.ID, c.ReviewID, c.CommitID, c.OriginalCommit = f.nextID, reviewID, commit, commit
		c.User, c.CreatedAt = f.opts.Bot, "2024-05-01T10:00:00Z"
		made = append(made, c)
	}
	f.comments = append(f.comments, made...)
	f.reviews = append(f.reviews, Review{ID: reviewID, CommitID: commit, Body: body, Comments: len(made)})
	out := fakeforge.CloneObject(f.review)
	out["id"], out["node_id"], out["body"], out["commit_id"] = reviewID, "PRR_"+strconv.FormatInt(reviewID, 10), body, commit
	out["state"], out["user"], out["author_association"] = "COMMENTED", f.bot(), "NONE"
	WriteJSON(w, http.StatusOK, out)
}

// place checks a review comment's line, side and range against the diff, as GitHub does:
// the line (and start_line) must be on the side named, in one hunk of the file's diff.
func (f *Server) place(files []*fakeforge.File, m map[string]any) (*Comment, string) {
	path, _ := m["path"].(string)
	body, _ := m["body"].(string)
	side, _ := m["side"].(string)
	if side == "" {
		side = "RIGHT"
	}
	file := fakeforge.FindFile(files, path)
	if file == nil {
		return nil, "path is not in the diff"
	}
	if _, ok := m["position"]; ok {
		return nil, "the bot places comments by line, not by position"
	}
	line, ok := fakeforge.Number(m["line"])
	if !ok || (side != "RIGHT" && side != "LEFT") {
		return nil, "want line and side RIGHT or LEFT"
	}
	c := &Comment{Path: path, Body: body, Side: side, Line: line, OriginalLine: line}
	first := line
	if v, ok := m["start_line"]; ok {
		start, _ := fakeforge.Number(v)
		startSide, _ := m["start_side"].(string)
		if start >= line || startSide != side {
			return nil, fmt.Sprintf("start_line %d on %s must come before line %d on %s", start, startSide, line, side)
		}
		first, c.StartLine, c.OriginalStartLine, c.StartSide, c.Range = start, start, start, startSide, true
	}
	code, ok := file.Span(side, first, line)
	if !ok {
		return nil, fmt.Sprintf("lines %d-%d on %s are not in one hunk of the diff", first, line, side)
	}
	c.Code = code
	i := file.At(side, line)
	c.Position, c.OriginalPosition = file.Lines[i].Pos, file.Lines[i].Pos
	// diff_hunk: the hunk's header and its lines down to the commented one.
	hunk := file.Lines[i].Hunk
	var b strings.Builder
	n := -1
	for _, l := range strings.Split(file.Patch, "\n") {
		if strings.HasPrefix(l, "@@") {
			n++
		}
		if n == hunk {
			b.WriteString(l + "\n")
		}
	}
	c.DiffHunk = b.String()
	return c, ""
}

func (f *Server) issueCommentJSON(c *IssueComment) map[string]any {
	m := fakeforge.CloneObject(f.issueComment)
	id := strconv.FormatInt(c.ID, 10)
	n := strconv.Itoa(f.opts.Number)
	m["id"], m["node_id"], m["body"] = c.ID, "IC_"+id, c.Body
	m["url"] = "https://api.github.com/repos/" + f.opts.Repo + "/issues/comments/" + id
	m["html_url"] = "https://github.com/" + f.opts.Repo + "/pull/" + n + "#issuecomment-" + id
	m["issue_url"] = "https://api.github.com/repos/" + f.opts.Repo + "/issues/" + n
	if c.User == f.opts.Bot {
		m["user"], m["author_association"] = f.bot(), "NONE"
	} else if c.User != "" {
		m["user"] = f.user(c.User)
	}
	return m
}

// GET /repos/{owner}/{repo}/issues/{issue_number}/comments
func (f *Server) listIssueComments(w http.ResponseWriter, r *http.Request, _ Request) {
	f.mu.Lock()
	all := make([]any, 0, len(f.issueComments))
	for _, c := range f.issueComments {
		all = append(all, f.issueCommentJSON(c))
	}
	f.mu.Unlock()
	Paginate(w, r, all)
}

// POST /repos/{owner}/{repo}/issues/{issue_number}/comments
func (f *Server) createIssueComment(w http.ResponseWriter, _ *http.Request, req Request) {
	body, _ := req.Body["body"].(string)
	f.mu.Lock()
	f.nextID++
	c := &IssueComment{ID: f.nextID, Body: body, User: f.opts.Bot}
	f.issueComments = append(f.issueComments, c)
	out := f.issueCommentJSON(c)
	f.mu.Unlock()
	WriteJSON(w, http.StatusCreated, out)
}

// PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}
func (f *Server) editIssueComment(w http.ResponseWriter, r *http.Request, req Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	body, _ := req.Body["body"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.issueComments {
		if c.ID == id {
			if c.User != f.opts.Bot {
				f.log.Problem("%s: edits %s's comment", req, c.User)
				WriteError(w, http.StatusForbidden, "Must have admin rights to Repository.")
				return
			}
			c.Body = body
			WriteJSON(w, http.StatusOK, f.issueCommentJSON(c))
			return
		}
	}
	f.log.Problem("%s: no such comment", req)
	WriteError(w, http.StatusNotFound, "Not Found")
}

// POST /repos/{owner}/{repo}/statuses/{sha}
func (f *Server) createStatus(w http.ResponseWriter, r *http.Request, req Request) {
	s := Status{SHA: r.PathValue("sha")}
	s.State, _ = req.Body["state"].(string)
	s.Description, _ = req.Body["description"].(string)
	s.Context, _ = req.Body["context"].(string)
	switch s.State {
	case "error", "failure", "pending", "success":
	default:
		f.log.Problem("%s: state %q", req, s.State)
		WriteError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	f.mu.Lock()
	f.statuses = append(f.statuses, s)
	f.nextID++
	out := fakeforge.CloneObject(f.status)
	out["id"], out["state"], out["description"], out["context"] = f.nextID, s.State, s.Description, s.Context
	out["url"] = "https://api.github.com/repos/" + f.opts.Repo + "/statuses/" + s.SHA
	out["creator"] = f.bot()
	f.mu.Unlock()
	WriteJSON(w, http.StatusCreated, out)
}

// POST /repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies: the bot's
// reply in a thread. GitHub files it under the thread's first comment whichever comment
// of the thread it names.
func (f *Server) createReply(w http.ResponseWriter, r *http.Request, req Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	body, _ := req.Body["body"].(string)
	f.mu.Lock()
	c, ok := f.reply(id, f.opts.Bot, body)
	var out map[string]any
	if ok {
		out = f.commentJSON(c)
	}
	f.mu.Unlock()
	if !ok {
		f.log.Problem("%s: no review comment %d", req, id)
		WriteError(w, http.StatusNotFound, "Not Found")
		return
	}
	fakeforge.WriteJSON(w, http.StatusCreated, out)
}

// reply adds a reply by user to the thread of comment id. The caller holds f.mu.
func (f *Server) reply(id int64, user, body string) (*Comment, bool) {
	for _, c := range f.comments {
		if c.ID != id {
			continue
		}
		root := c.ID
		if c.InReplyTo != 0 {
			root = c.InReplyTo
		}
		f.nextID++
		r := *c
		r.ID, r.InReplyTo, r.User, r.Body, r.Code = f.nextID, root, user, body, append([]string(nil), c.Code...)
		f.comments = append(f.comments, &r)
		return &r, true
	}
	return nil, false
}
