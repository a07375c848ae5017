package gitlab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing/fstest"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

var _ reviewer.ProposalWriter = (*Client)(nil)

// DefaultBranch implements reviewer.ProposalWriter.
//
// GitLab API: https://docs.gitlab.com/api/projects/#get-a-single-project and
// https://docs.gitlab.com/api/branches/#get-single-repository-branch
func (c *Client) DefaultBranch(ctx context.Context, repo string) (string, string, error) {
	var p *gl.Project
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		p, r, err = c.api.Projects.GetProject(repo, &gl.GetProjectOptions{}, o...)
		return r, err
	})
	if err != nil {
		return "", "", fmt.Errorf("read the project %s: %w", repo, err)
	}
	if p.DefaultBranch == "" {
		return "", "", fmt.Errorf("read the project %s: it has no default branch", repo)
	}
	b, err := c.branch(ctx, repo, p.DefaultBranch)
	if err != nil {
		return "", "", err
	}
	return p.DefaultBranch, b.Commit.ID, nil
}

func (c *Client) branch(ctx context.Context, repo, name string) (*gl.Branch, error) {
	var b *gl.Branch
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		b, r, err = c.api.Branches.GetBranch(repo, name, o...)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("read the branch %s: %w", name, err)
	}
	if b.Commit == nil {
		return nil, fmt.Errorf("read the branch %s: no commit", name)
	}
	return b, nil
}

// PushBranch implements reviewer.ProposalWriter with the commits API: one commit on
// start_sha base with an action per file (create or update, as the file is at base),
// and force, so the branch is created or overwritten. When the branch already is one
// commit on base with these files, nothing is written.
//
// GitLab API: https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions
func (c *Client) PushBranch(ctx context.Context, repo, base, branch, message string, files map[string][]byte) (string, error) {
	ch := reviewer.Change{Forge: "gitlab", Repo: repo}
	cur, err := c.branch(ctx, repo, branch)
	if err != nil && !errors.Is(err, reviewer.ErrNotFound) {
		return "", err
	}
	if err == nil && slices.Equal(cur.Commit.ParentIDs, []string{base}) {
		same, err := c.holds(ctx, ch, cur.Commit.ID, files)
		if err != nil || same {
			return cur.Commit.ID, err
		}
	}
	var actions []*gl.CommitActionOptions
	for _, p := range slices.Sorted(maps.Keys(files)) {
		found, err := c.readFile(ctx, ch, base, p, fstest.MapFS{})
		if err != nil {
			return "", err
		}
		action := gl.FileCreate
		if found {
			action = gl.FileUpdate
		}
		actions = append(actions, &gl.CommitActionOptions{Action: gl.Ptr(action), FilePath: gl.Ptr(p), Content: gl.Ptr(string(files[p]))})
	}
	var commit *gl.Commit
	err = c.call(ctx, false, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		commit, r, err = c.api.Commits.CreateCommit(repo, &gl.CreateCommitOptions{Branch: gl.Ptr(branch), CommitMessage: gl.Ptr(message),
			StartSHA: gl.Ptr(base), Actions: actions, Force: gl.Ptr(true)}, o...)
		return r, err
	})
	if err != nil {
		return "", fmt.Errorf("commit to %s: %w", branch, err)
	}
	return commit.ID, nil
}

// holds says whether the files at commit sha are files.
func (c *Client) holds(ctx context.Context, ch reviewer.Change, sha string, files map[string][]byte) (bool, error) {
	got := fstest.MapFS{}
	for p := range files {
		if _, err := c.readFile(ctx, ch, sha, p, got); err != nil {
			return false, err
		}
		if f, ok := got[p]; !ok || !bytes.Equal(f.Data, files[p]) {
			return false, nil
		}
	}
	return true, nil
}

// OpenProposal implements reviewer.ProposalWriter.
//
// GitLab API: https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests,
// https://docs.gitlab.com/api/merge_requests/#create-mr and
// https://docs.gitlab.com/api/merge_requests/#update-mr
func (c *Client) OpenProposal(ctx context.Context, repo, branch, target, title, body string) (string, reviewer.ProposalState, error) {
	var open []*gl.BasicMergeRequest
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		open, r, err = c.api.MergeRequests.ListProjectMergeRequests(repo, &gl.ListProjectMergeRequestsOptions{State: gl.Ptr("opened"),
			SourceBranch: gl.Ptr(branch), TargetBranch: gl.Ptr(target)}, o...)
		return r, err
	})
	if err != nil {
		return "", reviewer.ProposalUnchanged, fmt.Errorf("list the merge requests of %s: %w", branch, err)
	}
	if len(open) > 0 {
		mr := open[0]
		if mr.Title == title && mr.Description == body {
			return mr.WebURL, reviewer.ProposalUnchanged, nil
		}
		var upd *gl.MergeRequest
		err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
			upd, r, err = c.api.MergeRequests.UpdateMergeRequest(repo, mr.IID, &gl.UpdateMergeRequestOptions{Title: gl.Ptr(title),
				Description: gl.Ptr(body)}, o...)
			return r, err
		})
		if err != nil {
			return "", reviewer.ProposalUnchanged, fmt.Errorf("edit merge request !%d: %w", mr.IID, err)
		}
		return upd.WebURL, reviewer.ProposalUpdated, nil
	}
	var mr *gl.MergeRequest
	err = c.call(ctx, false, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		mr, r, err = c.api.MergeRequests.CreateMergeRequest(repo, &gl.CreateMergeRequestOptions{Title: gl.Ptr(title), Description: gl.Ptr(body),
			SourceBranch: gl.Ptr(branch), TargetBranch: gl.Ptr(target)}, o...)
		return r, err
	})
	if err != nil {
		return "", reviewer.ProposalUnchanged, fmt.Errorf("open a merge request from %s: %w", branch, err)
	}
	return mr.WebURL, reviewer.ProposalOpened, nil
}
