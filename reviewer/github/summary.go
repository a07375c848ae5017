package github

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
)

// FindSummary returns the first issue comment of the pull request that the bot wrote
// and that carries the summary marker, or nil. A marker in someone else's comment (a
// summary quoted in a reply, or planted) does not count: the bot would overwrite it.
//
// GitHub API docs: https://docs.github.com/rest/issues/comments#list-issue-comments
func (cl *Client) FindSummary(ctx context.Context, c reviewer.Change) (*reviewer.PostedSummary, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return nil, err
	}
	bot, err := cl.bot.get(ctx)
	if err != nil {
		return nil, err
	}
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: perPage}}
	for {
		page, resp, err := cl.gh.Issues.ListComments(ctx, owner, name, c.Number, opts)
		if err != nil {
			return nil, mapError(fmt.Sprintf("list comments of pull request %d", c.Number), err)
		}
		for _, cm := range page {
			if !isBot(bot, cm.GetUser().GetLogin()) {
				continue
			}
			if reviewer.IsSummary(cm.GetBody()) {
				return &reviewer.PostedSummary{ID: strconv.FormatInt(cm.GetID(), 10), Body: cm.GetBody()}, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// WriteSummary edits the issue comment id, or creates one when id is "".
//
// GitHub API docs: https://docs.github.com/rest/issues/comments#create-an-issue-comment
// GitHub API docs: https://docs.github.com/rest/issues/comments#update-an-issue-comment
func (cl *Client) WriteSummary(ctx context.Context, c reviewer.Change, id, body string) error {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return err
	}
	cm := &github.IssueComment{Body: github.String(body)}
	if id == "" {
		_, _, err = cl.gh.Issues.CreateComment(ctx, owner, name, c.Number, cm)
		return mapError(fmt.Sprintf("create summary on pull request %d", c.Number), err)
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("edit summary on pull request %d: comment id %q: %w", c.Number, id, err)
	}
	_, _, err = cl.gh.Issues.EditComment(ctx, owner, name, n, cm)
	return mapError(fmt.Sprintf("edit summary %d on pull request %d", n, c.Number), err)
}
