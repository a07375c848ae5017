package gitlab

import (
	"context"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

// ReplyInThread adds a note to one of the bot's discussions.
//
// GitLab API: https://docs.gitlab.com/api/discussions/#add-note-to-existing-merge-request-thread
func (c *Client) ReplyInThread(ctx context.Context, ch reviewer.Change, p reviewer.PostedComment, body string) error {
	if err := checkChange(ch); err != nil {
		return err
	}
	opt := &gl.AddMergeRequestDiscussionNoteOptions{Body: gl.Ptr(body)}
	// Not idempotent: a retried request that had succeeded would post the note twice.
	err := c.call(ctx, false, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		_, r, err := c.api.Discussions.AddMergeRequestDiscussionNote(ch.Repo, int64(ch.Number), p.ID, opt, o...)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("reply in discussion %s: %w", p.ID, err)
	}
	return nil
}
