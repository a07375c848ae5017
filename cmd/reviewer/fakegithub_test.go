package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The fake GitHub serves one pull request (acme/client#7) under /api/v3/, as GitHub
// Enterprise Server mounts its REST API, with only the endpoints the adapter calls. It keeps
// state as GitHub does: review comments with their positions, the issue comments, commit
// statuses and the pull request's head, so that a run sees what earlier runs posted. A push
// moves the head and, as GitHub does, re-anchors every comment on the lines it was on, or
// marks it outdated (position and line null) when they are gone. It never deletes anything.
// Answers are the example payloads of testdata/forge/github/ with the fields that carry
// state replaced.

const (
	ghRepo   = "acme/client"
	ghNumber = 7
	ghToken  = "ghp_e2etokenthatmustnotleak"
	ghBot    = "reviewer-bot[bot]"
	ghPrefix = "/api/v3/repos/" + ghRepo
	// ghLineError is GitHub's answer to a review comment on a line outside the diff.
	ghLineError = "Pull request review thread line must be part of the diff"
)

type ghFake struct {
	t   *testing.T
	srv *httptest.Server
	mux *http.ServeMux
	log fakeLog

	// Fixture templates.
	pull, review, comment, issueComment, status map[string]any

	mu            sync.Mutex
	revs          []forgeRev // every head pushed, oldest first; the last is the head now
	pullGets      int        // JSON reads of the pull request
	onPullGet     func(n int)
	comments      []*ghComment
	reviews       []ghReview
	issueComments []*ghIssueComment
	statuses      []ghStatus
	nextID        int64
}

// ghComment is a review comment as GitHub keeps it.
type ghComment struct {
	id, reviewID             int64
	path, body, side         string
	startSide                string
	line, startLine          int // 0 when outdated (startLine: or not a range)
	position                 int
	originalLine             int
	originalStartLine        int
	originalPosition         int
	commitID, originalCommit string
	diffHunk                 string
	code                     []string // the lines commented on, to follow them across pushes
	outdated                 bool
	inReplyTo                int64
	user                     string
	createdAt                string
	rangeGiven               bool
}

type ghReview struct {
	id       int64
	commitID string
	body     string
	comments int
}

type ghIssueComment struct {
	id   int64
	body string
	user string
}

type ghStatus struct {
	sha, state, description, context string
}

func newGitHubFake(t *testing.T, rev forgeRev) *ghFake {
	t.Helper()
	f := &ghFake{t: t, mux: http.NewServeMux(), revs: []forgeRev{rev}, nextID: 1000}
	readForgeFixture(t, "github/pull-request.json", &f.pull)
	readForgeFixture(t, "github/pull-request-review.json", &f.review)
	var items []map[string]any
	readForgeFixture(t, "github/pull-request-review-comment-items.json", &items)
	f.comment = items[0]
	readForgeFixture(t, "github/issue-comment.json", &f.issueComment)
	readForgeFixture(t, "github/status.json", &f.status)

	f.route("GET "+ghPrefix+"/pulls/"+strconv.Itoa(ghNumber), nil, nil, nil, f.getPull)
	f.route("GET "+ghPrefix+"/git/trees/{sha}", []string{"recursive"}, nil, nil, f.getTree)
	f.route("GET "+ghPrefix+"/pulls/"+strconv.Itoa(ghNumber)+"/comments",
		[]string{"sort", "direction", "since", "per_page", "page"}, nil, nil, f.listComments)
	f.route("POST "+ghPrefix+"/pulls/"+strconv.Itoa(ghNumber)+"/reviews", nil,
		[]string{"commit_id", "body", "event", "comments"}, nil, f.createReview)
	f.route("GET "+ghPrefix+"/issues/"+strconv.Itoa(ghNumber)+"/comments",
		[]string{"since", "per_page", "page"}, nil, nil, f.listIssueComments)
	f.route("POST "+ghPrefix+"/issues/"+strconv.Itoa(ghNumber)+"/comments", nil,
		[]string{"body"}, []string{"body"}, f.createIssueComment)
	f.route("PATCH "+ghPrefix+"/issues/comments/{id}", nil, []string{"body"}, []string{"body"}, f.editIssueComment)
	f.route("POST "+ghPrefix+"/statuses/{sha}", nil,
		[]string{"state", "target_url", "description", "context"}, []string{"state"}, f.createStatus)
	f.route("GET /api/v3/user", nil, nil, nil, f.getUser)
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		req := fakeRequest{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.Query()}
		f.log.readBody(r, &req)
		f.log.record(req)
		f.log.problem("no such endpoint on the fake GitHub: %s", req)
		ghError(w, http.StatusNotFound, "Not Found")
	})
	f.srv = httptest.NewServer(f.mux)
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { f.log.report(t) })
	return f
}

// route mounts an endpoint: every request is recorded, and its token and parameters are
// checked against what the endpoint documents.
func (f *ghFake) route(pattern string, query, fields, required []string, h func(http.ResponseWriter, *http.Request, fakeRequest)) {
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		req := fakeRequest{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.Query()}
		f.log.readBody(r, &req)
		f.log.record(req)
		if got := r.Header.Get("Authorization"); got != "Bearer "+ghToken {
			f.log.problem("%s: Authorization %q", req, got)
			ghError(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		f.log.checkParams(req, query, fields, required)
		h(w, r, req)
	})
}

func (f *ghFake) changeURL() string {
	return f.srv.URL + "/" + ghRepo + "/pull/" + strconv.Itoa(ghNumber)
}

func (f *ghFake) environ() []string {
	return []string{"REVIEWER_GITHUB_TOKEN=" + ghToken, "REVIEWER_GITHUB_BASE_URL=" + f.srv.URL + "/api/v3/"}
}

// ghError answers in GitHub's error shape.
func ghError(w http.ResponseWriter, status int, message string, errs ...string) {
	body := map[string]any{"message": message, "documentation_url": "https://docs.github.com/rest", "status": strconv.Itoa(status)}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	writeFakeJSON(w, status, body)
}

func (f *ghFake) current() forgeRev { return f.revs[len(f.revs)-1] }

// push makes rev the pull request's head and re-anchors the comments on it.
func (f *ghFake) push(rev forgeRev) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revs = append(f.revs, rev)
	files := parseForgeDiff(f.t, rev.diff)
	for _, c := range f.comments {
		if c.outdated || c.inReplyTo != 0 {
			continue
		}
		file := findFile(files, c.path)
		var first, last int
		ok := file != nil
		if ok {
			first, last, ok = file.find(c.side, c.code)
		}
		if !ok {
			c.outdated, c.line, c.startLine, c.position = true, 0, 0, 0
			continue
		}
		c.line, c.commitID = last, rev.head
		c.position = file.lines[file.at(c.side, last)].pos
		if c.rangeGiven {
			c.startLine = first
		}
	}
}

func (f *ghFake) bot() map[string]any {
	u := cloneObject(f.pull["user"].(map[string]any))
	u["login"], u["id"], u["type"] = ghBot, 41898282, "Bot"
	return u
}

// GET /user: the token's user is the bot, who wrote every review comment and the issue
// comments marked as its own. (GitHub refuses GET /user to an App's installation token; the
// fake keeps the App's bot login so that its comments read as an App's would.)
func (f *ghFake) getUser(w http.ResponseWriter, _ *http.Request, _ fakeRequest) {
	writeFakeJSON(w, http.StatusOK, f.bot())
}

// GET /repos/{owner}/{repo}/pulls/{pull_number}, as JSON or as the diff media type.
func (f *ghFake) getPull(w http.ResponseWriter, r *http.Request, _ fakeRequest) {
	if accept := r.Header.Get("Accept"); strings.Contains(accept, "diff") {
		f.mu.Lock()
		d := f.current().diff
		f.mu.Unlock()
		if accept != "application/vnd.github.v3.diff" {
			f.log.problem("diff requested with Accept %q", accept)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(d))
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
	rev := f.current()
	pr := cloneObject(f.pull)
	f.mu.Unlock()
	pr["number"], pr["state"], pr["draft"] = ghNumber, "open", false
	pr["title"], pr["body"] = "Evaluate expressions, sum prices", "Adds run() and total()."
	head, base := pr["head"].(map[string]any), pr["base"].(map[string]any)
	head["sha"], head["ref"], head["label"] = rev.head, "feature", "acme:feature"
	base["sha"], base["ref"], base["label"] = rev.base, "main", "acme:main"
	writeFakeJSON(w, http.StatusOK, pr)
}

// GET /repos/{owner}/{repo}/git/trees/{tree_sha}?recursive=1: the base holds no rules
// files, so the built-in rules apply.
func (f *ghFake) getTree(w http.ResponseWriter, r *http.Request, req fakeRequest) {
	f.mu.Lock()
	base := f.current().base
	f.mu.Unlock()
	if sha := r.PathValue("sha"); sha != base {
		f.log.problem("%s: rules read at %s, not at the base %s", req, sha, base)
	}
	entry := func(path, typ, mode string) map[string]any {
		return map[string]any{"path": path, "mode": mode, "type": typ, "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
			"url": "https://api.github.com/repos/acme/client/git/blobs/3d21ec53a331a6f037a91c368710b99387d012c1"}
	}
	writeFakeJSON(w, http.StatusOK, map[string]any{
		"sha": base, "url": "https://api.github.com/repos/acme/client/git/trees/" + base, "truncated": false,
		"tree": []any{entry("LICENSE", "blob", "100644"), entry("README.md", "blob", "100644"),
			entry("app", "tree", "040000"), entry("app/client.py", "blob", "100644")},
	})
}

// ghLinks sets GitHub's Link header for a page of a list.
func ghLinks(w http.ResponseWriter, r *http.Request, page, per, total int) {
	last := max((total+per-1)/per, 1)
	link := func(p int, rel string) string {
		return fmt.Sprintf(`<http://%s%s?per_page=%d&page=%d>; rel="%s"`, r.Host, r.URL.Path, per, p, rel)
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
}

func (f *ghFake) commentJSON(c *ghComment) map[string]any {
	m := cloneObject(f.comment)
	id := strconv.FormatInt(c.id, 10)
	m["id"], m["node_id"], m["pull_request_review_id"] = c.id, "PRRC_"+id, c.reviewID
	m["url"] = "https://api.github.com/repos/acme/client/pulls/comments/" + id
	m["html_url"] = "https://github.com/acme/client/pull/7#discussion_r" + id
	m["path"], m["body"], m["diff_hunk"] = c.path, c.body, c.diffHunk
	m["commit_id"], m["original_commit_id"] = c.commitID, c.originalCommit
	m["user"] = f.bot()
	m["author_association"] = "NONE"
	m["created_at"], m["updated_at"] = c.createdAt, c.createdAt
	m["subject_type"] = "line"
	m["side"], m["original_line"], m["original_position"] = c.side, c.originalLine, c.originalPosition
	m["line"], m["position"] = nullable(c.line), nullable(c.position)
	m["start_line"], m["original_start_line"], m["start_side"] = nil, nil, nil
	if c.rangeGiven {
		m["start_line"], m["original_start_line"], m["start_side"] = nullable(c.startLine), c.originalStartLine, c.startSide
	}
	delete(m, "in_reply_to_id")
	if c.inReplyTo != 0 {
		m["in_reply_to_id"] = c.inReplyTo
	}
	return m
}

func nullable(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// GET /repos/{owner}/{repo}/pulls/{pull_number}/comments
func (f *ghFake) listComments(w http.ResponseWriter, r *http.Request, _ fakeRequest) {
	page, per := pageOf(r.URL.Query(), 30)
	f.mu.Lock()
	all := make([]any, 0, len(f.comments))
	for _, c := range f.comments {
		all = append(all, f.commentJSON(c))
	}
	f.mu.Unlock()
	items, _ := pageSlice(all, page, per)
	ghLinks(w, r, page, per, len(all))
	writeFakeJSON(w, http.StatusOK, items)
}

// POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews. GitHub refuses the whole review
// with 422 when one comment is not on a line of the diff at commit_id.
func (f *ghFake) createReview(w http.ResponseWriter, _ *http.Request, req fakeRequest) {
	commit, _ := req.body["commit_id"].(string)
	event, _ := req.body["event"].(string)
	body, _ := req.body["body"].(string)
	if event == "COMMENT" && body == "" {
		ghError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", "Review body is required for a COMMENT event")
		f.log.problem("%s: COMMENT review without a body", req)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var rev *forgeRev
	for i := range f.revs {
		if f.revs[i].head == commit {
			rev = &f.revs[i]
		}
	}
	if rev == nil {
		ghError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", "No commit found for SHA: "+commit)
		f.log.problem("%s: commit_id %q is no head of the pull request", req, commit)
		return
	}
	files := parseForgeDiff(f.t, rev.diff)
	raw, _ := req.body["comments"].([]any)
	var made []*ghComment
	f.nextID++
	reviewID := f.nextID
	for _, rc := range raw {
		m, _ := rc.(map[string]any)
		for k := range m {
			switch k {
			case "path", "position", "body", "line", "side", "start_line", "start_side":
			default:
				f.log.problem("%s: undocumented comment field %q", req, k)
			}
		}
		c, why := f.place(files, m)
		if why != "" {
			f.log.problem("%s: comment %v: %s", req, m, why)
			ghError(w, http.StatusUnprocessableEntity, "Unprocessable Entity", ghLineError)
			return
		}
		f.nextID++
		c.id, c.reviewID, c.commitID, c.originalCommit = f.nextID, reviewID, commit, commit
		c.user, c.createdAt = ghBot, "2024-05-01T10:00:00Z"
		made = append(made, c)
	}
	f.comments = append(f.comments, made...)
	f.reviews = append(f.reviews, ghReview{id: reviewID, commitID: commit, body: body, comments: len(made)})
	out := cloneObject(f.review)
	out["id"], out["node_id"], out["body"], out["commit_id"] = reviewID, "PRR_"+strconv.FormatInt(reviewID, 10), body, commit
	out["state"], out["user"], out["author_association"] = "COMMENTED", f.bot(), "NONE"
	writeFakeJSON(w, http.StatusOK, out)
}

// place checks a review comment's line, side and range against the diff, as GitHub does:
// the line (and start_line) must be on the side named, in one hunk of the file's diff.
func (f *ghFake) place(files []*fdFile, m map[string]any) (*ghComment, string) {
	path, _ := m["path"].(string)
	body, _ := m["body"].(string)
	side, _ := m["side"].(string)
	if side == "" {
		side = "RIGHT"
	}
	file := findFile(files, path)
	if file == nil {
		return nil, "path is not in the diff"
	}
	if _, ok := m["position"]; ok {
		return nil, "the bot places comments by line, not by position"
	}
	line, ok := number(m["line"])
	if !ok || (side != "RIGHT" && side != "LEFT") {
		return nil, "want line and side RIGHT or LEFT"
	}
	c := &ghComment{path: path, body: body, side: side, line: line, originalLine: line}
	first := line
	if v, ok := m["start_line"]; ok {
		start, _ := number(v)
		startSide, _ := m["start_side"].(string)
		if start >= line || startSide != side {
			return nil, fmt.Sprintf("start_line %d on %s must come before line %d on %s", start, startSide, line, side)
		}
		first, c.startLine, c.originalStartLine, c.startSide, c.rangeGiven = start, start, start, startSide, true
	}
	code, ok := file.span(side, first, line)
	if !ok {
		return nil, fmt.Sprintf("lines %d-%d on %s are not in one hunk of the diff", first, line, side)
	}
	c.code = code
	i := file.at(side, line)
	c.position, c.originalPosition = file.lines[i].pos, file.lines[i].pos
	// diff_hunk: the hunk's header and its lines down to the commented one.
	hunk := file.lines[i].hunk
	var b strings.Builder
	n := -1
	for _, l := range strings.Split(file.patch, "\n") {
		if strings.HasPrefix(l, "@@") {
			n++
		}
		if n == hunk {
			b.WriteString(l + "\n")
		}
	}
	c.diffHunk = b.String()
	return c, ""
}

func (f *ghFake) issueCommentJSON(c *ghIssueComment) map[string]any {
	m := cloneObject(f.issueComment)
	id := strconv.FormatInt(c.id, 10)
	m["id"], m["node_id"], m["body"] = c.id, "IC_"+id, c.body
	m["url"] = "https://api.github.com/repos/acme/client/issues/comments/" + id
	m["html_url"] = "https://github.com/acme/client/pull/7#issuecomment-" + id
	m["issue_url"] = "https://api.github.com/repos/acme/client/issues/7"
	if c.user == ghBot {
		m["user"], m["author_association"] = f.bot(), "NONE"
	}
	return m
}

// GET /repos/{owner}/{repo}/issues/{issue_number}/comments
func (f *ghFake) listIssueComments(w http.ResponseWriter, r *http.Request, _ fakeRequest) {
	page, per := pageOf(r.URL.Query(), 30)
	f.mu.Lock()
	all := make([]any, 0, len(f.issueComments))
	for _, c := range f.issueComments {
		all = append(all, f.issueCommentJSON(c))
	}
	f.mu.Unlock()
	items, _ := pageSlice(all, page, per)
	ghLinks(w, r, page, per, len(all))
	writeFakeJSON(w, http.StatusOK, items)
}

// POST /repos/{owner}/{repo}/issues/{issue_number}/comments
func (f *ghFake) createIssueComment(w http.ResponseWriter, _ *http.Request, req fakeRequest) {
	body, _ := req.body["body"].(string)
	f.mu.Lock()
	f.nextID++
	c := &ghIssueComment{id: f.nextID, body: body, user: ghBot}
	f.issueComments = append(f.issueComments, c)
	out := f.issueCommentJSON(c)
	f.mu.Unlock()
	writeFakeJSON(w, http.StatusCreated, out)
}

// PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}
func (f *ghFake) editIssueComment(w http.ResponseWriter, r *http.Request, req fakeRequest) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	body, _ := req.body["body"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.issueComments {
		if c.id == id {
			c.body = body
			writeFakeJSON(w, http.StatusOK, f.issueCommentJSON(c))
			return
		}
	}
	f.log.problem("%s: no such comment", req)
	ghError(w, http.StatusNotFound, "Not Found")
}

// POST /repos/{owner}/{repo}/statuses/{sha}
func (f *ghFake) createStatus(w http.ResponseWriter, r *http.Request, req fakeRequest) {
	s := ghStatus{sha: r.PathValue("sha")}
	s.state, _ = req.body["state"].(string)
	s.description, _ = req.body["description"].(string)
	s.context, _ = req.body["context"].(string)
	switch s.state {
	case "error", "failure", "pending", "success":
	default:
		f.log.problem("%s: state %q", req, s.state)
		ghError(w, http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	f.mu.Lock()
	f.statuses = append(f.statuses, s)
	f.nextID++
	out := cloneObject(f.status)
	out["id"], out["state"], out["description"], out["context"] = f.nextID, s.state, s.description, s.context
	out["url"] = "https://api.github.com/repos/acme/client/statuses/" + s.sha
	out["creator"] = f.bot()
	f.mu.Unlock()
	writeFakeJSON(w, http.StatusCreated, out)
}

// snapshot returns copies of what the fake holds, for assertions.
func (f *ghFake) snapshot() (comments []ghComment, reviews []ghReview, issue []ghIssueComment, statuses []ghStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.comments {
		comments = append(comments, *c)
	}
	for _, c := range f.issueComments {
		issue = append(issue, *c)
	}
	return comments, append([]ghReview(nil), f.reviews...), issue, append([]ghStatus(nil), f.statuses...)
}

// addIssueComment adds a comment by a person (octocat, of the fixture) to the pull request.
func (f *ghFake) addIssueComment(body string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.issueComments = append(f.issueComments, &ghIssueComment{id: f.nextID, body: body, user: "octocat"})
	return f.nextID
}
