package fakegithub

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// DefaultBranch is the fake repository's default branch; its head is the base of the
// pull request's current head (Push).
const DefaultBranch = "main"

// Proposal is a pull request reviewer learn opened, as the fake holds it.
type Proposal struct {
	Number            int
	Head, Base        string
	Title, Body       string
	State             string
	Edits             int // times its title or body was edited
	HeadSHAs, Commits []string
}

// gitData is what the git data API and the pull requests of branches wrote.
type gitData struct {
	trees     map[string]map[string]string // tree sha -> path -> content
	commits   map[string]gitCommit
	refs      map[string]string // "heads/x" -> commit sha
	proposals []*Proposal
}

type gitCommit struct {
	tree, message string
	parents       []string
}

func (f *Server) proposalRoutes() {
	repo := "/repos/" + f.opts.Repo
	f.route("get repository", "GET "+repo, nil, nil, nil, f.getRepository)
	f.route("get branch", "GET "+repo+"/branches/{branch}", nil, nil, nil, f.getBranch)
	f.route("get commit", "GET "+repo+"/git/commits/{sha}", nil, nil, nil, f.getCommit)
	f.route("create tree", "POST "+repo+"/git/trees", nil, []string{"base_tree", "tree"}, []string{"tree"}, f.createTree)
	f.route("create commit", "POST "+repo+"/git/commits", nil, []string{"message", "tree", "parents", "author", "committer", "signature"},
		[]string{"message", "tree"}, f.createCommit)
	f.route("get ref", "GET "+repo+"/git/ref/{ref...}", nil, nil, nil, f.getRef)
	f.route("create ref", "POST "+repo+"/git/refs", nil, []string{"ref", "sha"}, []string{"ref", "sha"}, f.createRef)
	f.route("update ref", "PATCH "+repo+"/git/refs/{ref...}", nil, []string{"sha", "force"}, []string{"sha"}, f.updateRef)
	f.route("list pulls", "GET "+repo+"/pulls", []string{"state", "head", "base", "sort", "direction", "per_page", "page"}, nil, nil, f.listPulls)
	f.route("create pull", "POST "+repo+"/pulls", nil, []string{"title", "head", "head_repo", "base", "body", "maintainer_can_modify", "draft", "issue"},
		[]string{"head", "base"}, f.createPull)
	f.route("update pull", "PATCH "+repo+"/pulls/{number}", nil, []string{"title", "body", "state", "base", "maintainer_can_modify"}, nil, f.updatePull)
}

// Ref returns the commit branch points at, when the branch was created through the API.
func (f *Server) Ref(branch string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sha, ok := f.git.refs["heads/"+branch]
	return sha, ok
}

// FileAt returns a file at a revision: one SetFile set, or one a commit made through the
// git data API holds.
func (f *Server) FileAt(rev, path string) (string, bool) { return f.files.Get(rev, path) }

// Proposals returns the pull requests opened through the API, oldest first.
func (f *Server) Proposals() []Proposal {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Proposal
	for _, p := range f.git.proposals {
		c := *p
		c.HeadSHAs, c.Commits = slices.Clone(p.HeadSHAs), slices.Clone(p.Commits)
		out = append(out, c)
	}
	return out
}

// defaultHead is the commit at the head of the default branch; f.mu is held.
func (f *Server) defaultHead() string {
	if sha, ok := f.git.refs["heads/"+DefaultBranch]; ok {
		return sha
	}
	rev, _ := f.current()
	return rev.Base
}

// treeOf is the tree of a commit: the fake's own for one it made, "t"+sha for any other;
// f.mu is held.
func (f *Server) treeOf(sha string) string {
	if c, ok := f.git.commits[sha]; ok {
		return c.tree
	}
	return "t" + sha
}

// treeFiles are the files of a tree; f.mu is held.
func (f *Server) treeFiles(tree string) (map[string]string, bool) {
	if files, ok := f.git.trees[tree]; ok {
		return maps.Clone(files), true
	}
	rev, ok := strings.CutPrefix(tree, "t")
	if !ok || rev == "" {
		return nil, false
	}
	out := map[string]string{}
	for _, p := range f.files.Under(rev, "") {
		out[p], _ = f.files.Get(rev, p)
	}
	return out, true
}

func (f *Server) repoObject() map[string]any {
	owner, name, _ := strings.Cut(f.opts.Repo, "/")
	return map[string]any{"id": 1296269, "name": name, "full_name": f.opts.Repo, "private": false,
		"owner":          map[string]any{"login": owner, "id": 1, "type": "Organization"},
		"html_url":       "https://github.com/" + f.opts.Repo,
		"url":            "https://api.github.com/repos/" + f.opts.Repo,
		"default_branch": DefaultBranch}
}

// GET /repos/{owner}/{repo}
//
// GitHub API docs: https://docs.github.com/rest/repos/repos#get-a-repository
func (f *Server) getRepository(w http.ResponseWriter, _ *http.Request, _ Request) {
	WriteJSON(w, http.StatusOK, f.repoObject())
}

// GET /repos/{owner}/{repo}/branches/{branch}: only the default branch.
//
// GitHub API docs: https://docs.github.com/rest/branches/branches#get-a-branch
func (f *Server) getBranch(w http.ResponseWriter, r *http.Request, req Request) {
	if r.PathValue("branch") != DefaultBranch {
		f.log.Problem("%s: only the default branch is read", req)
		WriteError(w, http.StatusNotFound, "Branch not found")
		return
	}
	f.mu.Lock()
	sha := f.defaultHead()
	tree := f.treeOf(sha)
	f.mu.Unlock()
	WriteJSON(w, http.StatusOK, map[string]any{"name": DefaultBranch, "protected": false,
		"commit": map[string]any{"sha": sha, "commit": map[string]any{"tree": map[string]any{"sha": tree}}}})
}

// GET /repos/{owner}/{repo}/git/commits/{commit_sha}
//
// GitHub API docs: https://docs.github.com/rest/git/commits#get-a-commit-object
func (f *Server) getCommit(w http.ResponseWriter, r *http.Request, _ Request) {
	sha := r.PathValue("sha")
	f.mu.Lock()
	c, ok := f.git.commits[sha]
	tree := f.treeOf(sha)
	f.mu.Unlock()
	var parents []any
	for _, p := range c.parents {
		parents = append(parents, map[string]any{"sha": p})
	}
	if !ok {
		c.message = "base"
	}
	WriteJSON(w, http.StatusOK, map[string]any{"sha": sha, "message": c.message, "tree": map[string]any{"sha": tree}, "parents": parents})
}

// POST /repos/{owner}/{repo}/git/trees: entries with content, over base_tree.
//
// GitHub API docs: https://docs.github.com/rest/git/trees#create-a-tree
func (f *Server) createTree(w http.ResponseWriter, _ *http.Request, req Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	base, _ := req.Body["base_tree"].(string)
	files := map[string]string{}
	if base != "" {
		var ok bool
		if files, ok = f.treeFiles(base); !ok {
			WriteError(w, http.StatusUnprocessableEntity, "base_tree is not a valid tree oid")
			return
		}
	}
	entries, _ := req.Body["tree"].([]any)
	for _, e := range entries {
		m, _ := e.(map[string]any)
		p, _ := m["path"].(string)
		content, hasContent := m["content"].(string)
		if p == "" || m["type"] != "blob" || m["mode"] != "100644" || !hasContent {
			f.log.Problem("%s: tree entry %v: want a path, mode 100644, type blob and content", req, m)
			WriteError(w, http.StatusUnprocessableEntity, "Invalid tree info")
			return
		}
		files[p] = content
	}
	sum := sha256.New()
	for _, p := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(sum, "%s\x00%s\x00", p, files[p])
	}
	sha := hex.EncodeToString(sum.Sum(nil))[:40] // git object ids are 40 hex digits
	if f.git.trees == nil {
		f.git.trees = map[string]map[string]string{}
	}
	f.git.trees[sha] = files
	WriteJSON(w, http.StatusCreated, map[string]any{"sha": sha, "truncated": false,
		"url": "https://api.github.com/repos/" + f.opts.Repo + "/git/trees/" + sha})
}

// POST /repos/{owner}/{repo}/git/commits
//
// GitHub API docs: https://docs.github.com/rest/git/commits#create-a-commit
func (f *Server) createCommit(w http.ResponseWriter, _ *http.Request, req Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tree, _ := req.Body["tree"].(string)
	message, _ := req.Body["message"].(string)
	files, ok := f.git.trees[tree]
	if !ok {
		WriteError(w, http.StatusUnprocessableEntity, "Tree SHA does not exist")
		return
	}
	var parents []string
	ps, _ := req.Body["parents"].([]any)
	for _, p := range ps {
		s, _ := p.(string)
		parents = append(parents, s)
	}
	f.nextID++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s %v %s %d", tree, parents, message, f.nextID)))
	sha := hex.EncodeToString(sum[:20])
	if f.git.commits == nil {
		f.git.commits = map[string]gitCommit{}
	}
	f.git.commits[sha] = gitCommit{tree: tree, message: message, parents: parents}
	for p, content := range files {
		f.files.Set(sha, p, content)
	}
	var parentObjs []any
	for _, p := range parents {
		parentObjs = append(parentObjs, map[string]any{"sha": p})
	}
	WriteJSON(w, http.StatusCreated, map[string]any{"sha": sha, "message": message,
		"tree": map[string]any{"sha": tree}, "parents": parentObjs})
}

func (f *Server) refObject(ref, sha string) map[string]any {
	return map[string]any{"ref": "refs/" + ref, "url": "https://api.github.com/repos/" + f.opts.Repo + "/git/refs/" + ref,
		"object": map[string]any{"type": "commit", "sha": sha}}
}

// GET /repos/{owner}/{repo}/git/ref/{ref}
//
// GitHub API docs: https://docs.github.com/rest/git/refs#get-a-reference
func (f *Server) getRef(w http.ResponseWriter, r *http.Request, _ Request) {
	ref := r.PathValue("ref")
	f.mu.Lock()
	sha, ok := f.git.refs[ref]
	f.mu.Unlock()
	if !ok {
		WriteError(w, http.StatusNotFound, "Not Found")
		return
	}
	WriteJSON(w, http.StatusOK, f.refObject(ref, sha))
}

// POST /repos/{owner}/{repo}/git/refs
//
// GitHub API docs: https://docs.github.com/rest/git/refs#create-a-reference
func (f *Server) createRef(w http.ResponseWriter, _ *http.Request, req Request) {
	full, _ := req.Body["ref"].(string)
	sha, _ := req.Body["sha"].(string)
	ref, ok := strings.CutPrefix(full, "refs/heads/")
	if !ok || strings.Count(full, "/") < 2 {
		WriteError(w, http.StatusUnprocessableEntity, "Reference name must start with 'refs/' and have at least two slashes.")
		return
	}
	ref = "heads/" + ref
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, exists := f.git.refs[ref]; exists {
		WriteError(w, http.StatusUnprocessableEntity, "Reference already exists")
		return
	}
	if _, known := f.git.commits[sha]; !known && sha != f.defaultHead() {
		WriteError(w, http.StatusUnprocessableEntity, "Object does not exist")
		return
	}
	if f.git.refs == nil {
		f.git.refs = map[string]string{}
	}
	f.git.refs[ref] = sha
	WriteJSON(w, http.StatusCreated, f.refObject(ref, sha))
}

// PATCH /repos/{owner}/{repo}/git/refs/{ref}: force or fast-forward only.
//
// GitHub API docs: https://docs.github.com/rest/git/refs#update-a-reference
func (f *Server) updateRef(w http.ResponseWriter, r *http.Request, req Request) {
	ref := r.PathValue("ref")
	sha, _ := req.Body["sha"].(string)
	force, _ := req.Body["force"].(bool)
	f.mu.Lock()
	defer f.mu.Unlock()
	old, ok := f.git.refs[ref]
	if !ok {
		WriteError(w, http.StatusUnprocessableEntity, "Reference does not exist")
		return
	}
	c, known := f.git.commits[sha]
	if !known {
		WriteError(w, http.StatusUnprocessableEntity, "Object does not exist")
		return
	}
	if !force && !slices.Contains(c.parents, old) {
		WriteError(w, http.StatusUnprocessableEntity, "Update is not a fast forward")
		return
	}
	f.git.refs[ref] = sha
	for _, p := range f.git.proposals {
		if "heads/"+p.Head == ref && p.State == "open" {
			p.HeadSHAs = append(p.HeadSHAs, sha)
		}
	}
	WriteJSON(w, http.StatusOK, f.refObject(ref, sha))
}

func (f *Server) pullObject(p *Proposal) map[string]any {
	owner, _, _ := strings.Cut(f.opts.Repo, "/")
	return map[string]any{"id": 90000 + p.Number, "number": p.Number, "state": p.State, "title": p.Title, "body": p.Body,
		"html_url": "https://github.com/" + f.opts.Repo + "/pull/" + strconv.Itoa(p.Number),
		"head":     map[string]any{"ref": p.Head, "label": owner + ":" + p.Head, "sha": f.git.refs["heads/"+p.Head], "repo": f.repoObject()},
		"base":     map[string]any{"ref": p.Base, "label": owner + ":" + p.Base, "repo": f.repoObject()}}
}

// GET /repos/{owner}/{repo}/pulls: the pull requests reviewer learn opened, filtered by
// state, head (owner:branch) and base.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#list-pull-requests
func (f *Server) listPulls(w http.ResponseWriter, r *http.Request, _ Request) {
	q := r.URL.Query()
	owner, _, _ := strings.Cut(f.opts.Repo, "/")
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	f.mu.Lock()
	var out []map[string]any
	for _, p := range f.git.proposals {
		if (state == "all" || p.State == state) && (q.Get("head") == "" || q.Get("head") == owner+":"+p.Head) &&
			(q.Get("base") == "" || q.Get("base") == p.Base) {
			out = append(out, f.pullObject(p))
		}
	}
	f.mu.Unlock()
	Paginate(w, r, out)
}

// POST /repos/{owner}/{repo}/pulls
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#create-a-pull-request
func (f *Server) createPull(w http.ResponseWriter, _ *http.Request, req Request) {
	head, _ := req.Body["head"].(string)
	base, _ := req.Body["base"].(string)
	title, _ := req.Body["title"].(string)
	body, _ := req.Body["body"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	sha, ok := f.git.refs["heads/"+head]
	if !ok || base != DefaultBranch {
		WriteError(w, http.StatusUnprocessableEntity, "Validation Failed", map[string]any{"resource": "PullRequest", "field": "head", "code": "invalid"})
		return
	}
	for _, p := range f.git.proposals {
		if p.Head == head && p.State == "open" {
			WriteError(w, http.StatusUnprocessableEntity, "Validation Failed",
				map[string]any{"resource": "PullRequest", "code": "custom", "message": "A pull request already exists for " + head + "."})
			return
		}
	}
	p := &Proposal{Number: f.opts.Number + 100 + len(f.git.proposals), Head: head, Base: base, Title: title, Body: body,
		State: "open", HeadSHAs: []string{sha}}
	f.git.proposals = append(f.git.proposals, p)
	WriteJSON(w, http.StatusCreated, f.pullObject(p))
}

// PATCH /repos/{owner}/{repo}/pulls/{pull_number}: a proposal's title and body. Nothing
// may merge or close it here.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#update-a-pull-request
func (f *Server) updatePull(w http.ResponseWriter, r *http.Request, req Request) {
	n, _ := strconv.Atoi(r.PathValue("number"))
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.git.proposals, func(p *Proposal) bool { return p.Number == n })
	if i < 0 {
		f.log.Problem("%s: not a pull request reviewer learn opened", req)
		WriteError(w, http.StatusNotFound, "Not Found")
		return
	}
	p := f.git.proposals[i]
	for k := range req.Body {
		if k != "title" && k != "body" {
			f.log.Problem("%s: %s changed on a proposal", req, k)
		}
	}
	if t, ok := req.Body["title"].(string); ok {
		p.Title = t
	}
	if b, ok := req.Body["body"].(string); ok {
		p.Body = b
	}
	p.Edits++
	WriteJSON(w, http.StatusOK, f.pullObject(p))
}
