package github

import (
	"context"
	"fmt"

	"github.com/reviewerbot/reviewer/reviewer"
)

// ReadChange fills in c from the pull request: title, description, author, draft, the
// base and head SHAs and branches, and whether it comes from a fork or a newcomer.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#get-a-pull-request
func (cl *Client) ReadChange(ctx context.Context, c reviewer.Change) (reviewer.Change, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return c, err
	}
	pr, _, err := cl.gh.PullRequests.Get(ctx, owner, name, c.Number)
	if err != nil {
		return c, mapError(fmt.Sprintf("read pull request %d", c.Number), err)
	}
	c.Forge = "github"
	c.Title = pr.GetTitle()
	c.Description = pr.GetBody()
	c.Author = pr.GetUser().GetLogin()
	c.BaseSHA = pr.GetBase().GetSHA()
	c.HeadSHA = pr.GetHead().GetSHA()
	c.BaseRef = pr.GetBase().GetRef()
	c.HeadRef = pr.GetHead().GetRef()
	c.Draft = pr.GetDraft()
	head, base := pr.GetHead().GetRepo(), pr.GetBase().GetRepo()
	c.Fork = head == nil || head.GetID() != base.GetID()
	c.Newcomer = !insiders[pr.GetAuthorAssociation()]
	return c, nil
}

// insiders are the author_association values of authors who belong to the repository:
// OWNER, MEMBER (of its organization), COLLABORATOR, and CONTRIBUTOR (has had commits
// merged before). The others (FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, NONE, MANNEQUIN, and
// any value GitHub adds later) make the author a newcomer.
//
// GitHub API docs: https://docs.github.com/graphql/reference/enums#commentauthorassociation
var insiders = map[string]bool{"OWNER": true, "MEMBER": true, "COLLABORATOR": true, "CONTRIBUTOR": true}

// Head returns the pull request's head commit as GitHub sees it now.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#get-a-pull-request
func (cl *Client) Head(ctx context.Context, c reviewer.Change) (string, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return "", err
	}
	pr, _, err := cl.gh.PullRequests.Get(ctx, owner, name, c.Number)
	if err != nil {
		return "", mapError(fmt.Sprintf("read head of pull request %d", c.Number), err)
	}
	return pr.GetHead().GetSHA(), nil
}
