package gitlab

import (
	"context"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

// ReadChange fills c with the merge request's title, description and author, whether it
// comes from a fork (its source project is not its target) and from a newcomer, and with
// the SHAs of its latest diff version: BaseSHA is the version's base_commit_sha (the merge base,
// where rules are read), HeadSHA its head_commit_sha. The version's start_commit_sha, which
// positions need and Change has no field for, is kept by the client for Post.
//
// GitLab API: https://docs.gitlab.com/api/merge_requests/#get-single-mr and
// https://docs.gitlab.com/api/merge_requests/#get-merge-request-diff-versions
func (c *Client) ReadChange(ctx context.Context, ch reviewer.Change) (reviewer.Change, error) {
	if err := checkChange(ch); err != nil {
		return ch, err
	}
	mr, err := c.mergeRequest(ctx, ch)
	if err != nil {
		return ch, err
	}
	ch.Forge = "gitlab"
	ch.Title = mr.Title
	ch.Description = mr.Description
	if mr.Author != nil {
		ch.Author = mr.Author.Username
	}
	v, err := c.latestVersion(ctx, ch)
	if err != nil {
		return ch, err
	}
	if v == nil {
		// A merge request whose first diff version is not written yet: its diff_refs carry
		// the same three SHAs for the current diff.
		v = &version{base: mr.DiffRefs.BaseSha, start: mr.DiffRefs.StartSha, head: mr.DiffRefs.HeadSha}
	}
	ch.BaseSHA, ch.StartSHA, ch.HeadSHA = v.base, v.start, v.head
	ch.BaseRef, ch.HeadRef, ch.Draft = mr.TargetBranch, mr.SourceBranch, mr.Draft
	ch.Fork = mr.SourceProjectID != mr.TargetProjectID
	// first_contribution marks anyone's first merge request to the project, a new team
	// member's too. A branch of the project itself can only be pushed by someone with the
	// Developer role or more, so only a fork's first contribution is a newcomer's.
	ch.Newcomer = ch.Fork && mr.FirstContribution
	s := c.state(ch)
	c.mu.Lock()
	s.version = v
	s.changesCount = mr.ChangesCount
	c.mu.Unlock()
	return ch, nil
}

// Head returns the merge request's current head commit (its sha field), which moves as soon
// as GitLab has processed a push, before the new diff version exists.
//
// GitLab API: https://docs.gitlab.com/api/merge_requests/#get-single-mr
func (c *Client) Head(ctx context.Context, ch reviewer.Change) (string, error) {
	if err := checkChange(ch); err != nil {
		return "", err
	}
	mr, err := c.mergeRequest(ctx, ch)
	if err != nil {
		return "", err
	}
	if mr.SHA != "" {
		return mr.SHA, nil
	}
	return mr.DiffRefs.HeadSha, nil
}

func (c *Client) mergeRequest(ctx context.Context, ch reviewer.Change) (*gl.MergeRequest, error) {
	var mr *gl.MergeRequest
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		mr, r, err = c.api.MergeRequests.GetMergeRequest(ch.Repo, int64(ch.Number), nil, o...)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("read merge request: %w", err)
	}
	return mr, nil
}

// latestVersion reads the newest diff version (GitLab lists them newest first, so the first
// page is enough); nil when there is none yet.
func (c *Client) latestVersion(ctx context.Context, ch reviewer.Change) (*version, error) {
	var vs []*gl.MergeRequestDiffVersion
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		vs, r, err = c.api.MergeRequests.GetMergeRequestDiffVersions(ch.Repo, int64(ch.Number), nil, o...)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("read merge request versions: %w", err)
	}
	if len(vs) == 0 {
		return nil, nil
	}
	v := vs[0]
	return &version{base: v.BaseCommitSHA, start: v.StartCommitSHA, head: v.HeadCommitSHA}, nil
}

// versionFor returns the diff version positions on ch are taken against: the one ReadChange
// read when its head is ch's head, else the latest one, read now.
func (c *Client) versionFor(ctx context.Context, ch reviewer.Change) (*version, error) {
	if ch.BaseSHA != "" && ch.StartSHA != "" && ch.HeadSHA != "" {
		// The change carries the version ReadChange read: positions are taken against it.
		return &version{base: ch.BaseSHA, start: ch.StartSHA, head: ch.HeadSHA}, nil
	}
	s := c.state(ch)
	c.mu.Lock()
	v := s.version
	c.mu.Unlock()
	if v != nil && (ch.HeadSHA == "" || v.head == ch.HeadSHA) {
		return v, nil
	}
	v, err := c.latestVersion(ctx, ch)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("merge request has no diff version: %w", reviewer.ErrNotFound)
	}
	if ch.HeadSHA != "" && v.head != ch.HeadSHA {
		return nil, fmt.Errorf("latest diff version is of %s, not the head reviewed %s", short(v.head), short(ch.HeadSHA))
	}
	c.mu.Lock()
	s.version = v
	c.mu.Unlock()
	return v, nil
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
