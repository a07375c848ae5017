package github

import (
	"context"
	"fmt"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
)

const (
	// statusContext names the bot's commit status.
	statusContext = "reviewer"
	// maxStatusDescription is the length GitHub accepts for a status description.
	maxStatusDescription = 140
)

// SetStatus sets the "reviewer" commit status on c.HeadSHA.
//
// GitHub API docs: https://docs.github.com/rest/commits/statuses#create-a-commit-status
func (cl *Client) SetStatus(ctx context.Context, c reviewer.Change, state reviewer.StatusState, description string) error {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return err
	}
	if c.HeadSHA == "" {
		return fmt.Errorf("set status on pull request %d: no head commit", c.Number)
	}
	if r := []rune(description); len(r) > maxStatusDescription {
		description = string(r[:maxStatusDescription-1]) + "…"
	}
	_, _, err = cl.gh.Repositories.CreateStatus(ctx, owner, name, c.HeadSHA, &github.RepoStatus{
		State:       github.String(string(state)),
		Description: github.String(description),
		Context:     github.String(statusContext),
	})
	return mapError(fmt.Sprintf("set status on %s", c.HeadSHA), err)
}
