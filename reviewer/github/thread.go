package github

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/reviewerbot/reviewer/reviewer"
)

// ReplyInThread answers in one of the bot's review threads: a reply to the thread's first
// comment, which is where GitHub keeps every reply of a thread.
//
// GitHub API docs: https://docs.github.com/rest/pulls/comments#create-a-reply-for-a-review-comment
func (cl *Client) ReplyInThread(ctx context.Context, c reviewer.Change, p reviewer.PostedComment, body string) error {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(p.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("reply in thread on pull request %d: comment id %q: %w", c.Number, p.ID, err)
	}
	// go-github's CreateCommentInReplyTo posts to the older form (in_reply_to on the
	// comments endpoint), which GitHub's description requires a path and commit for.
	u := fmt.Sprintf("repos/%s/%s/pulls/%d/comments/%d/replies", url.PathEscape(owner), url.PathEscape(name), c.Number, id)
	req, err := cl.gh.NewRequest("POST", u, map[string]string{"body": body})
	if err != nil {
		return fmt.Errorf("reply to comment %d on pull request %d: %w", id, c.Number, err)
	}
	_, err = cl.gh.Do(ctx, req, nil)
	return mapError(fmt.Sprintf("reply to comment %d on pull request %d", id, c.Number), err)
}
