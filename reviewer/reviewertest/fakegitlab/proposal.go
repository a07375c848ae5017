package fakegitlab

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// DefaultBranch is the fake project's default branch; its head is the base of the merge
// request's latest version.
const DefaultBranch = "main"

// Proposal is a merge request reviewer learn opened, as the fake holds it.
type Proposal struct {
	IID                 int
	Source, Target      string
	Title, Description  string
	State               string
	Edits               int      // times its title or description was edited
	HeadSHAs            []string // the source branch's commits, oldest first
	RemoveSourceOnMerge bool
}

// gitData is what the commits API and the merge requests of branches wrote.
type gitData struct {
	commits   map[string][]string // sha -> parents
	refs      map[string]string   // branch -> commit sha
	proposals []*Proposal
}

// proposalEndpoints are those reviewer learn uses, from GitLab's REST API pages
// (projects, branches, commits, merge_requests).
var proposalEndpoints = []endpoint{
	{name: "get project", method: "GET", path: "%[1]s", query: []string{"statistics", "license", "with_custom_attributes"},
		serve: (*Server).getProject},
	{name: "get branch", method: "GET", path: "%[1]s/repository/branches/([^/]+)", serve: (*Server).getBranch},
	{name: "create commit", method: "POST", path: "%[1]s/repository/commits",
		body: []string{"branch", "commit_message", "start_branch", "start_sha", "start_project", "actions", "author_email",
			"author_name", "stats", "force"}, required: []string{"branch", "commit_message", "actions"}, serve: (*Server).createCommit},
	{name: "list merge requests", method: "GET", path: "%[1]s/merge_requests",
		query: []string{"state", "source_branch", "target_branch", "order_by", "sort", "page", "per_page", "view", "author_id",
			"labels", "search", "scope", "wip"}, serve: (*Server).listMRs},
	{name: "create merge request", method: "POST", path: "%[1]s/merge_requests",
		body: []string{"source_branch", "target_branch", "title", "description", "assignee_id", "assignee_ids", "reviewer_ids",
			"labels", "milestone_id", "remove_source_branch", "squash", "allow_collaboration", "target_project_id"},
		required: []string{"source_branch", "target_branch", "title"}, serve: (*Server).createMR},
	{name: "update merge request", method: "PUT", path: "%[1]s/merge_requests/([0-9]+)",
		body: []string{"title", "description", "state_event", "target_branch", "assignee_id", "assignee_ids", "reviewer_ids",
			"labels", "add_labels", "remove_labels", "milestone_id", "remove_source_branch", "squash", "discussion_locked",
			"allow_collaboration"}, serve: (*Server).updateMR},
}

// Ref returns the commit a branch created through the commits API points at.
func (f *Server) Ref(branch string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sha, ok := f.git.refs[branch]
	return sha, ok
}

// FileAt returns a file at a revision: one SetFile set, or one a commit made through the
// commits API holds.
func (f *Server) FileAt(rev, path string) (string, bool) { return f.files.Get(rev, path) }

// Proposals returns the merge requests opened through the API, oldest first.
func (f *Server) Proposals() []Proposal {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Proposal
	for _, p := range f.git.proposals {
		c := *p
		c.HeadSHAs = slices.Clone(p.HeadSHAs)
		out = append(out, c)
	}
	return out
}

// made says whether sha is a commit the commits API made; f.mu is held.
func (f *Server) made(sha string) bool {
	_, ok := f.git.commits[sha]
	return ok
}

// defaultHead is the commit at the head of the default branch; f.mu is held.
func (f *Server) defaultHead() string {
	if sha, ok := f.git.refs[DefaultBranch]; ok {
		return sha
	}
	v, _ := f.latest()
	return v.base
}

func (f *Server) commitObject(sha string, parents []string, message string) map[string]any {
	if parents == nil {
		parents = []string{}
	}
	return map[string]any{"id": sha, "short_id": sha[:min(8, len(sha))], "title": message, "message": message,
		"parent_ids": parents, "author_name": "reviewer", "created_at": "2026-12-07T00:00:00.000Z",
		"web_url": f.URL() + "/" + f.opts.Project + "/-/commit/" + sha}
}

// GET /projects/:id
//
// GitLab API: https://docs.gitlab.com/api/projects/#get-a-single-project
func (f *Server) getProject(w http.ResponseWriter, _ *http.Request, _ Request, _ []string) {
	fakeforge.WriteJSON(w, http.StatusOK, map[string]any{"id": 3, "path_with_namespace": f.opts.Project,
		"default_branch": DefaultBranch, "web_url": f.URL() + "/" + f.opts.Project})
}

// GET /projects/:id/repository/branches/:branch
//
// GitLab API: https://docs.gitlab.com/api/branches/#get-single-repository-branch
func (f *Server) getBranch(w http.ResponseWriter, _ *http.Request, _ Request, m []string) {
	name, _ := url.PathUnescape(m[len(m)-1])
	f.mu.Lock()
	sha, ok := f.git.refs[name]
	if name == DefaultBranch {
		sha, ok = f.defaultHead(), true
	}
	parents := f.git.commits[sha]
	f.mu.Unlock()
	if !ok {
		WriteError(w, http.StatusNotFound, "404 Branch Not Found")
		return
	}
	fakeforge.WriteJSON(w, http.StatusOK, map[string]any{"name": name, "merged": false, "protected": name == DefaultBranch,
		"default": name == DefaultBranch, "commit": f.commitObject(sha, parents, "")})
}

// POST /projects/:id/repository/commits: actions create and update on start_sha; force
// overwrites an existing branch.
//
// GitLab API: https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions
func (f *Server) createCommit(w http.ResponseWriter, _ *http.Request, req Request, _ []string) {
	branch, _ := req.Body["branch"].(string)
	message, _ := req.Body["commit_message"].(string)
	start, _ := req.Body["start_sha"].(string)
	force, _ := req.Body["force"].(bool)
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, exists := f.git.refs[branch]; exists && !force {
		WriteError(w, http.StatusBadRequest, fmt.Sprintf("A branch called '%s' already exists.", branch))
		return
	}
	if start == "" {
		start = f.git.refs[branch]
	}
	if start != f.defaultHead() && !f.made(start) {
		WriteError(w, http.StatusBadRequest, "Invalid start_sha")
		return
	}
	files := map[string]string{}
	for _, p := range f.files.Under(start, "") {
		files[p], _ = f.files.Get(start, p)
	}
	actions, _ := req.Body["actions"].([]any)
	if len(actions) == 0 {
		WriteError(w, http.StatusBadRequest, "actions is missing")
		return
	}
	for _, a := range actions {
		m, _ := a.(map[string]any)
		p, _ := m["file_path"].(string)
		content, _ := m["content"].(string)
		_, exists := files[p]
		switch m["action"] {
		case "create":
			if exists {
				WriteError(w, http.StatusBadRequest, "A file with this name already exists")
				return
			}
		case "update":
			if !exists {
				WriteError(w, http.StatusBadRequest, "A file with this name doesn't exist")
				return
			}
		default:
			f.log.Problem("%s: action %v", req, m["action"])
			WriteError(w, http.StatusBadRequest, "action does not have a valid value")
			return
		}
		files[p] = content
	}
	f.nextID++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s %s %s %d", start, branch, message, f.nextID)))
	sha := hex.EncodeToString(sum[:20])
	if f.git.commits == nil {
		f.git.commits, f.git.refs = map[string][]string{}, map[string]string{}
	}
	f.git.commits[sha] = []string{start}
	f.git.refs[branch] = sha
	for p, content := range files {
		f.files.Set(sha, p, content)
	}
	for _, p := range f.git.proposals {
		if p.Source == branch && p.State == "opened" {
			p.HeadSHAs = append(p.HeadSHAs, sha)
		}
	}
	fakeforge.WriteJSON(w, http.StatusCreated, f.commitObject(sha, []string{start}, message))
}

func (f *Server) proposalObject(p *Proposal) map[string]any {
	mr := fakeforge.CloneObject(f.mr)
	mr["iid"], mr["id"], mr["title"], mr["description"], mr["state"] = p.IID, 9000+p.IID, p.Title, p.Description, p.State
	mr["source_branch"], mr["target_branch"], mr["sha"] = p.Source, p.Target, f.git.refs[p.Source]
	mr["web_url"] = f.URL() + "/" + f.opts.Project + "/-/merge_requests/" + strconv.Itoa(p.IID)
	return mr
}

// GET /projects/:id/merge_requests: those reviewer learn opened, by state and branches.
//
// GitLab API: https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests
func (f *Server) listMRs(w http.ResponseWriter, r *http.Request, _ Request, _ []string) {
	q := r.URL.Query()
	f.mu.Lock()
	var out []any
	for _, p := range f.git.proposals {
		if (q.Get("state") == "" || q.Get("state") == "all" || q.Get("state") == p.State) &&
			(q.Get("source_branch") == "" || q.Get("source_branch") == p.Source) &&
			(q.Get("target_branch") == "" || q.Get("target_branch") == p.Target) {
			out = append(out, f.proposalObject(p))
		}
	}
	f.mu.Unlock()
	writeList(w, r, out)
}

// POST /projects/:id/merge_requests
//
// GitLab API: https://docs.gitlab.com/api/merge_requests/#create-mr
func (f *Server) createMR(w http.ResponseWriter, _ *http.Request, req Request, _ []string) {
	source, _ := req.Body["source_branch"].(string)
	target, _ := req.Body["target_branch"].(string)
	title, _ := req.Body["title"].(string)
	desc, _ := req.Body["description"].(string)
	remove, _ := req.Body["remove_source_branch"].(bool)
	f.mu.Lock()
	defer f.mu.Unlock()
	sha, ok := f.git.refs[source]
	if !ok || target != DefaultBranch {
		WriteError(w, http.StatusBadRequest, "Invalid source or target branch")
		return
	}
	for _, p := range f.git.proposals {
		if p.Source == source && p.Target == target && p.State == "opened" {
			WriteError(w, http.StatusConflict, "Another open merge request already exists for this source branch: !"+strconv.Itoa(p.IID))
			return
		}
	}
	p := &Proposal{IID: f.opts.IID + 100 + len(f.git.proposals), Source: source, Target: target, Title: title, Description: desc,
		State: "opened", HeadSHAs: []string{sha}, RemoveSourceOnMerge: remove}
	f.git.proposals = append(f.git.proposals, p)
	fakeforge.WriteJSON(w, http.StatusCreated, f.proposalObject(p))
}

// PUT /projects/:id/merge_requests/:iid: a proposal's title and description. Nothing
// may merge or close it here.
//
// GitLab API: https://docs.gitlab.com/api/merge_requests/#update-mr
func (f *Server) updateMR(w http.ResponseWriter, _ *http.Request, req Request, m []string) {
	iid, _ := strconv.Atoi(m[len(m)-1])
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.git.proposals, func(p *Proposal) bool { return p.IID == iid })
	if i < 0 {
		f.log.Problem("%s: not a merge request reviewer learn opened", req)
		WriteError(w, http.StatusNotFound, "404 Not found")
		return
	}
	p := f.git.proposals[i]
	for k := range req.Body {
		if k != "title" && k != "description" {
			f.log.Problem("%s: %s changed on a proposal", req, k)
		}
	}
	if t, ok := req.Body["title"].(string); ok {
		p.Title = t
	}
	if d, ok := req.Body["description"].(string); ok {
		p.Description = d
	}
	p.Edits++
	fakeforge.WriteJSON(w, http.StatusOK, f.proposalObject(p))
}
