package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
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
	t   testing.TB
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
	// permissions are the users' legacy base roles on the repository ("admin", "write",
	// "read", "none"), as GET .../collaborators/{user}/permission reports them; editPull
	// changes the pull request before it is served (a fork, a newcomer's).
	permissions map[string]string
	editPull    func(pr map[string]any)
	permission  map[string]any
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

func newGitHubFake(t testing.TB, rev forgeRev) *ghFake {
	t.Helper()
	f := &ghFake{t: t, mux: http.NewServeMux(), revs: []forgeRev{rev}, nextID: 1000}
	readForgeFixture(t, "github/pull-request.json", &f.pull)
	readForgeFixture(t, "github/pull-request-review.json", &f.review)
	var items []map[string]any
	readForgeFixture(t, "github/pull-request-review-comment-items.json", &items)
	f.comment = items[0]
	readForgeFixture(t, "github/issue-comment.json", &f.issueComment)
	readForgeFixture(t, "github/status.json", &f.status)
	readForgeFixture(t, "github/repository-collaborator-permission.json", &f.permission)

	f.route("GET "+ghPrefix+"/pulls/"+strconv.Itoa(ghNumber), nil, nil, nil, f.getPull)
	f.route("GET "+ghPrefix+"/git/trees/{sha}", []string{"recursive"}, nil, nil, f.getTree)
	f.route("GET "+ghPrefix+"/contents/{path...}", []string{"ref"}, nil, nil, f.getContents)
	f.route("GET "+ghPrefix+"/compare/{basehead}", []string{"per_page", "page"}, nil, nil, f.compare)
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
	f.route("GET "+ghPrefix+"/collaborators/{user}/permission", nil, nil, nil, f.getPermission)
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
	f.mu.Lock()
	edit := f.editPull
	f.mu.Unlock()
	if edit != nil {
		edit(pr)
	}
	writeFakeJSON(w, http.StatusOK, pr)
}

// GET /repos/{owner}/{repo}/collaborators/{username}/permission: the user's legacy base
// role from permissions; a user GitHub does not know is 404.
func (f *ghFake) getPermission(w http.ResponseWriter, r *http.Request, _ fakeRequest) {
	f.mu.Lock()
	perm, ok := f.permissions[r.PathValue("user")]
	body := cloneObject(f.permission)
	f.mu.Unlock()
	if !ok {
		ghError(w, http.StatusNotFound, "Not Found")
		return
	}
	body["permission"], body["role_name"] = perm, perm
	body["user"].(map[string]any)["login"] = r.PathValue("user")
	writeFakeJSON(w, http.StatusOK, body)
}

// GET /repos/{owner}/{repo}/git/trees/{tree_sha}?recursive=1: the base holds no rules
// files, so the built-in rules apply.
func (f *ghFake) getTree(w http.ResponseWriter, r *http.Request, req fakeRequest) {
	f.mu.Lock()
	base := f.current().base
	atHead := isHead(f.revs, r.PathValue("sha"))
	f.mu.Unlock()
	// The rules are read at the base; the context around the hunks at a head.
	if sha := r.PathValue("sha"); sha != base && !atHead {
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

// GET /repos/{owner}/{repo}/contents/{path}?ref=HEAD: a changed file at a head, for the
// context around its hunks (headContent). Rules and settings are never read at a head.
//
// GitHub API docs: https://docs.github.com/rest/repos/contents#get-repository-content
func (f *ghFake) getContents(w http.ResponseWriter, r *http.Request, req fakeRequest) {
	p, ref := r.PathValue("path"), r.URL.Query().Get("ref")
	if rulesPath(p) {
		f.log.problem("%s: rules read at a head", req)
	}
	f.mu.Lock()
	content, ok := headContent(f.revs, ref, p)
	f.mu.Unlock()
	if !ok {
		ghError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeFakeJSON(w, http.StatusOK, map[string]any{
		"type": "file", "encoding": "base64", "size": len(content), "name": path.Base(p), "path": p,
		"content": base64.StdEncoding.EncodeToString([]byte(content)), "sha": "3d21ec53a331a6f037a91c368710b99387d012c1",
	})
}

// GET /repos/{owner}/{repo}/compare/{basehead}, as JSON (the status) or as the diff media
// type, between two heads the fake knows (404 for any other commit). A push on the base
// the head before it had adds commits on top, so the earlier head is an ancestor
// ("ahead"); a push on another base is a rebase, a force-push, after which no earlier head
// is ("diverged"). GitHub would still diff diverged commits from their merge base; the
// adapter must not ask.
func (f *ghFake) compare(w http.ResponseWriter, r *http.Request, req fakeRequest) {
	from, to, ok := strings.Cut(r.PathValue("basehead"), "...")
	f.mu.Lock()
	revs := slices.Clone(f.revs)
	f.mu.Unlock()
	i, j := ghRevIndex(revs, from), ghRevIndex(revs, to)
	if !ok || i < 0 || j < 0 {
		ghError(w, http.StatusNotFound, "Not Found")
		return
	}
	status, ahead, behind := "identical", 0, 0
	switch {
	case i < j && ghSameBase(revs[i:j+1]):
		status, ahead = "ahead", j-i
	case j < i && ghSameBase(revs[j:i+1]):
		status, behind = "behind", i-j
	case i != j:
		status, ahead, behind = "diverged", 1, 1
	}
	if accept := r.Header.Get("Accept"); strings.Contains(accept, "diff") {
		if accept != "application/vnd.github.v3.diff" {
			f.log.problem("%s: diff requested with Accept %q", req, accept)
		}
		if status != "ahead" && status != "identical" {
			f.log.problem("%s: diff of %s commits requested: GitHub diffs them from their merge base", req, status)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(f.interdiff(revs[i], revs[j])))
		return
	}
	api := "https://api.github.com/repos/" + ghRepo + "/compare/" + from + "..." + to
	html := "https://github.com/" + ghRepo + "/compare/" + from + "..." + to
	writeFakeJSON(w, http.StatusOK, map[string]any{
		"url": api, "html_url": html, "permalink_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch",
		"base_commit": map[string]any{"sha": from}, "merge_base_commit": map[string]any{"sha": from},
		"status": status, "ahead_by": ahead, "behind_by": behind, "total_commits": ahead,
		"commits": []any{}, "files": []any{},
	})
}

// ghRevIndex is the index of the last push of head in revs, or -1.
func ghRevIndex(revs []forgeRev, head string) int {
	for i := len(revs) - 1; i >= 0; i-- {
		if revs[i].head == head {
			return i
		}
	}
	return -1
}

func ghSameBase(revs []forgeRev) bool {
	for _, r := range revs {
		if r.base != revs[0].base {
			return false
		}
	}
	return true
}

// ghLineToken is a line of a head as interdiff compares them: a base line, known by its
// number (its content only when a diff shows it), or a line a diff added.
type ghLineToken struct {
	base    int
	content string
	known   bool
}

func (a ghLineToken) same(b ghLineToken) bool {
	return (a.base > 0 && a.base == b.base) || (a.known && b.known && a.content == b.content)
}

// interdiff is `git diff -U0 A B` of two heads on one base, worked out from the diffs
// base..A and base..B (modified and added files): a base line outside both diffs' hunks is
// the same in both heads and its content is unknown, so lines are compared by base line
// number or by content, and the diff is printed without context lines.
func (f *ghFake) interdiff(a, b forgeRev) string {
	fa, fb := parseForgeDiff(f.t, a.diff), parseForgeDiff(f.t, b.diff)
	var paths []string
	for _, fl := range append(slices.Clone(fa), fb...) {
		if !slices.Contains(paths, fl.newPath) {
			paths = append(paths, fl.newPath)
		}
	}
	var out strings.Builder
	for _, path := range paths {
		x, y := findFile(fa, path), findFile(fb, path)
		known := map[int]string{}
		last := 0
		for _, fl := range []*fdFile{x, y} {
			if fl == nil {
				continue
			}
			for _, l := range fl.lines {
				if l.kind != '+' {
					known[l.old] = l.content
					last = max(last, l.old)
				}
			}
		}
		left, inLeft := ghHead(x, y, known, last)
		right, inRight := ghHead(y, x, known, last)
		hunks := f.hunksU0(left, right)
		if len(hunks) == 0 {
			continue
		}
		mode := "100644"
		fmt.Fprintf(&out, "diff --git a/%s b/%s\n", path, path)
		minus, plus := "a/"+path, "b/"+path
		switch {
		case !inLeft:
			fmt.Fprintf(&out, "new file mode %s\n", mode)
			minus = "/dev/null"
		case !inRight:
			fmt.Fprintf(&out, "deleted file mode %s\n", mode)
			plus = "/dev/null"
		}
		fmt.Fprintf(&out, "index %s..%s", sha1Hex(a.head + path)[:7], sha1Hex(b.head + path)[:7])
		if inLeft && inRight {
			out.WriteString(" " + mode)
		}
		fmt.Fprintf(&out, "\n--- %s\n+++ %s\n%s", minus, plus, hunks)
	}
	return out.String()
}

// ghHead is a file's lines in a head whose diff from the base is fl (nil: unchanged),
// up to base line last, and whether the file is there; other is the other head's diff.
func ghHead(fl, other *fdFile, known map[int]string, last int) ([]ghLineToken, bool) {
	if (fl == nil && other != nil && other.newFile) || (fl != nil && fl.deleted) {
		return nil, false
	}
	var out []ghLineToken
	next := 1
	upTo := func(n int) {
		for ; next < n; next++ {
			c, ok := known[next]
			out = append(out, ghLineToken{base: next, content: c, known: ok})
		}
	}
	if fl != nil {
		for _, l := range fl.lines {
			switch l.kind {
			case '+':
				out = append(out, ghLineToken{content: l.content, known: true})
			case ' ':
				upTo(l.old)
				out = append(out, ghLineToken{base: l.old, content: l.content, known: true})
				next = l.old + 1
			case '-':
				upTo(l.old)
				next = l.old + 1
			}
		}
	}
	upTo(last + 1)
	return out, true
}

// hunksU0 prints the hunks, without context, that turn a into b: a longest common
// subsequence, deletions before insertions, as git prints them.
func (f *ghFake) hunksU0(a, b []ghLineToken) string {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i].same(b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	line := func(prefix byte, t ghLineToken) string {
		if !t.known {
			f.log.problem("interdiff: base line %d changed but no diff shows it", t.base)
		}
		return string(prefix) + t.content + "\n"
	}
	span := func(start, n int) string {
		if n == 1 {
			return strconv.Itoa(start + 1)
		}
		if n == 0 {
			return strconv.Itoa(start) + ",0"
		}
		return strconv.Itoa(start+1) + "," + strconv.Itoa(n)
	}
	keep := func(i, j int) bool {
		return i < len(a) && j < len(b) && a[i].same(b[j]) && lcs[i][j] == lcs[i+1][j+1]+1
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if keep(i, j) {
			i, j = i+1, j+1
			continue
		}
		var del, ins []string
		i0, j0 := i, j
		for (i < len(a) || j < len(b)) && !keep(i, j) {
			if i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]) {
				del = append(del, line('-', a[i]))
				i++
			} else {
				ins = append(ins, line('+', b[j]))
				j++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s%s", span(i0, len(del)), span(j0, len(ins)), strings.Join(del, ""), strings.Join(ins, ""))
	}
	return out.String()
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

// TestGitHubFakeCompare checks the fake's compare endpoint through the adapter: the fix
// pushed on the rebased head is a diff of the two lines it changed; the rebase itself is a
// force-push; an unknown commit is not found.
func TestGitHubFakeCompare(t *testing.T) {
	t.Parallel()
	f := newGitHubFake(t, changeV1(t))
	f.push(changeV2(t))
	f.push(changeV3(t))
	cl, err := github.New(github.Options{BaseURL: f.srv.URL + "/api/v3/", Token: ghToken, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := reviewer.Change{Forge: "github", Repo: ghRepo, Number: ghNumber, HeadSHA: shaHead3}

	got, err := cl.Compare(t.Context(), c, shaHead2, shaHead3)
	if err != nil {
		t.Fatalf("Compare of the fix: %v", err)
	}
	want := "diff --git a/app/client.py b/app/client.py\n" +
		"index " + sha1Hex(shaHead2 + clientPy)[:7] + ".." + sha1Hex(shaHead3 + clientPy)[:7] + " 100644\n" +
		"--- a/app/client.py\n+++ b/app/client.py\n" +
		"@@ -8 +8 @@\n" +
		"-    return requests.get(url, timeout=10, verify=False)\n" +
		"+    return requests.get(url, timeout=10)\n" +
		"@@ -12,3 +12 @@\n" +
		"-    n = 0\n-    for i in items:\n-        n = n + i.price\n" +
		"+    n = sum(i.price for i in items)\n"
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("diff of the fix (-want +got):\n%s", d)
	}
	if got, err := cl.Compare(t.Context(), c, shaHead3, shaHead3); err != nil || len(got) != 0 {
		t.Errorf("Compare of the head with itself = %q, %v; want an empty diff", got, err)
	}
	for name, from := range map[string]string{"rebased": shaHead1, "unknown": strings.Repeat("9", 40)} {
		if _, err := cl.Compare(t.Context(), c, from, shaHead3); !errors.Is(err, reviewer.ErrNotFound) {
			t.Errorf("Compare from the %s head: error %v, want one wrapping %q", name, err, reviewer.ErrNotFound)
		}
	}
}
