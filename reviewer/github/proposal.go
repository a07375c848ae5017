package github

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
)

var _ reviewer.ProposalWriter = (*Client)(nil)

// DefaultBranch implements reviewer.ProposalWriter.
//
// GitHub API docs: https://docs.github.com/rest/repos/repos#get-a-repository
// GitHub API docs: https://docs.github.com/rest/branches/branches#get-a-branch
func (cl *Client) DefaultBranch(ctx context.Context, repo string) (string, string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", "", err
	}
	r, _, err := cl.gh.Repositories.Get(ctx, owner, name)
	if err != nil {
		return "", "", mapError("read the repository "+repo, err)
	}
	branch := r.GetDefaultBranch()
	if branch == "" {
		return "", "", fmt.Errorf("read the repository %s: it has no default branch", repo)
	}
	b, _, err := cl.gh.Repositories.GetBranch(ctx, owner, name, branch, 1)
	if err != nil {
		return "", "", mapError("read the branch "+branch, err)
	}
	return branch, b.GetCommit().GetSHA(), nil
}

// PushBranch implements reviewer.ProposalWriter with the git data API: a tree on base's
// tree with the files, a commit of it whose parent is base, and the branch's reference
// created or moved there with force. When the branch already holds that commit's tree
// on base, nothing is written: the branch's files are read and compared first.
//
// GitHub API docs: https://docs.github.com/rest/git/commits#get-a-commit-object
// GitHub API docs: https://docs.github.com/rest/git/trees#create-a-tree
// GitHub API docs: https://docs.github.com/rest/git/commits#create-a-commit
// GitHub API docs: https://docs.github.com/rest/git/refs#create-a-reference
// GitHub API docs: https://docs.github.com/rest/git/refs#update-a-reference
func (cl *Client) PushBranch(ctx context.Context, repo, base, branch, message string, files map[string][]byte) (string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	parent, _, err := cl.gh.Git.GetCommit(ctx, owner, name, base)
	if err != nil {
		return "", mapError("read the commit "+base, err)
	}
	cur, _, err := cl.gh.Git.GetRef(ctx, owner, name, "heads/"+branch)
	if err != nil && statusOf(err) != 404 {
		return "", mapError("read the branch "+branch, err)
	}
	if err == nil {
		same, err := cl.holds(ctx, repo, cur.GetObject().GetSHA(), base, files)
		if err != nil || same {
			return cur.GetObject().GetSHA(), err
		}
	}
	var entries []*github.TreeEntry
	for _, p := range slices.Sorted(maps.Keys(files)) {
		entries = append(entries, &github.TreeEntry{Path: github.String(p), Mode: github.String("100644"),
			Type: github.String("blob"), Content: github.String(string(files[p]))})
	}
	tree, _, err := cl.gh.Git.CreateTree(ctx, owner, name, parent.GetTree().GetSHA(), entries)
	if err != nil {
		return "", mapError("create the tree of "+branch, err)
	}
	commit, _, err := cl.gh.Git.CreateCommit(ctx, owner, name, &github.Commit{Message: github.String(message),
		Tree: &github.Tree{SHA: tree.SHA}, Parents: []*github.Commit{{SHA: github.String(base)}}}, nil)
	if err != nil {
		return "", mapError("create the commit of "+branch, err)
	}
	ref := &github.Reference{Ref: github.String("refs/heads/" + branch), Object: &github.GitObject{SHA: commit.SHA}}
	if cur == nil {
		if _, _, err := cl.gh.Git.CreateRef(ctx, owner, name, ref); err != nil {
			return "", mapError("create the branch "+branch, err)
		}
		return commit.GetSHA(), nil
	}
	if _, _, err := cl.gh.Git.UpdateRef(ctx, owner, name, ref, true); err != nil {
		return "", mapError("move the branch "+branch, err)
	}
	return commit.GetSHA(), nil
}

// OpenProposal implements reviewer.ProposalWriter.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#list-pull-requests
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#create-a-pull-request
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#update-a-pull-request
func (cl *Client) OpenProposal(ctx context.Context, repo, branch, target, title, body string) (string, reviewer.ProposalState, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", reviewer.ProposalUnchanged, err
	}
	open, _, err := cl.gh.PullRequests.List(ctx, owner, name, &github.PullRequestListOptions{State: "open",
		Head: owner + ":" + branch, Base: target})
	if err != nil {
		return "", reviewer.ProposalUnchanged, mapError("list the pull requests of "+branch, err)
	}
	if len(open) > 0 {
		if open[0].GetTitle() == title && open[0].GetBody() == body {
			return open[0].GetHTMLURL(), reviewer.ProposalUnchanged, nil
		}
		pr, _, err := cl.gh.PullRequests.Edit(ctx, owner, name, open[0].GetNumber(),
			&github.PullRequest{Title: github.String(title), Body: github.String(body)})
		if err != nil {
			return "", reviewer.ProposalUnchanged, mapError(fmt.Sprintf("edit pull request %d", open[0].GetNumber()), err)
		}
		return pr.GetHTMLURL(), reviewer.ProposalUpdated, nil
	}
	pr, _, err := cl.gh.PullRequests.Create(ctx, owner, name, &github.NewPullRequest{Title: github.String(title),
		Head: github.String(branch), Base: github.String(target), Body: github.String(body)})
	if err != nil {
		return "", reviewer.ProposalUnchanged, mapError("open a pull request from "+branch, err)
	}
	return pr.GetHTMLURL(), reviewer.ProposalOpened, nil
}

// holds says whether commit sha is one commit on base whose files are files: the branch
// already says what would be pushed.
func (cl *Client) holds(ctx context.Context, repo, sha, base string, files map[string][]byte) (bool, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return false, err
	}
	head, _, err := cl.gh.Git.GetCommit(ctx, owner, name, sha)
	if err != nil {
		return false, mapError("read the commit "+sha, err)
	}
	if len(head.Parents) != 1 || head.Parents[0].GetSHA() != base {
		return false, nil
	}
	fsys, err := cl.tree(ctx, reviewer.Change{Repo: repo}, sha, slices.Collect(maps.Keys(files)), true)
	if err != nil {
		return false, err
	}
	for p, want := range files {
		got, err := fs.ReadFile(fsys, p)
		if err != nil || !bytes.Equal(got, want) {
			return false, nil //nolint:nilerr // a file missing from the branch is a difference
		}
	}
	return true, nil
}
