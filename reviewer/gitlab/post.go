package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Suggestions reports GitLab's ```suggestion:-N+M syntax.
func (c *Client) Suggestions() reviewer.SuggestionStyle { return reviewer.SuggestionGitLab }

// Post posts comments as draft notes on their diff lines, then publishes all of them with one
// bulk publish, so that people get one notification. A comment whose file or line is not in
// GitLab's diff, or whose draft GitLab refuses (400/422: a position it does not accept), is
// returned as rejected and the others go on. On an instance without draft notes (the first
// draft gets a 404) every comment becomes a diff discussion with the same position instead.
//
// The SHAs of the positions are those of the diff version ReadChange read, and the line
// numbers of the other side come from the diff DiffWithGaps parsed; either is read again when
// this client has not seen the change yet.
//
// GitLab API: https://docs.gitlab.com/api/draft_notes/#create-a-draft-note,
// https://docs.gitlab.com/api/draft_notes/#publish-all-pending-draft-notes and
// https://docs.gitlab.com/api/discussions/#create-a-new-thread-in-the-merge-request-diff
func (c *Client) Post(ctx context.Context, ch reviewer.Change, comments []reviewer.Comment) ([]reviewer.Rejected, error) {
	if len(comments) == 0 {
		return nil, nil
	}
	if err := checkChange(ch); err != nil {
		return nil, err
	}
	v, err := c.versionFor(ctx, ch)
	if err != nil {
		return nil, fmt.Errorf("post: %w", err)
	}
	files, err := c.parsedDiff(ctx, ch)
	if err != nil {
		return nil, fmt.Errorf("post: %w", err)
	}
	var (
		rejected []reviewer.Rejected
		errs     []error
		drafts   = true // until the first draft says the instance has none
		drafted  int
	)
	for _, cm := range comments {
		f := files[cm.Finding.Path]
		if f == nil {
			rejected = append(rejected, reviewer.Rejected{Comment: cm, Reason: "file is not in GitLab's diff"})
			continue
		}
		pos, err := position(v, f, cm.Finding)
		if err != nil {
			rejected = append(rejected, reviewer.Rejected{Comment: cm, Reason: err.Error()})
			continue
		}
		if drafts {
			err = c.createDraft(ctx, ch, cm.Body, pos)
			if drafted == 0 && errors.Is(err, reviewer.ErrNotFound) {
				c.log.DebugContext(ctx, "gitlab instance has no draft notes, posting discussions")
				drafts = false
			} else if err == nil {
				drafted++
			}
		}
		if !drafts {
			err = c.createDiscussion(ctx, ch, cm.Body, pos)
		}
		switch {
		case err == nil:
		case isStatus(err, http.StatusBadRequest) || isStatus(err, http.StatusUnprocessableEntity):
			rejected = append(rejected, reviewer.Rejected{Comment: cm, Reason: "GitLab rejected the position: " + err.Error()})
		case fatal(err):
			// Nothing more will get through; publish what did, below.
			errs = append(errs, fmt.Errorf("post comment on %s:%d: %w", cm.Finding.Path, cm.Finding.Line, err))
			return rejected, errors.Join(append(errs, c.publish(ctx, ch, drafted))...)
		default:
			errs = append(errs, fmt.Errorf("post comment on %s:%d: %w", cm.Finding.Path, cm.Finding.Line, err))
		}
	}
	return rejected, errors.Join(append(errs, c.publish(ctx, ch, drafted))...)
}

// fatal reports an error after which no other comment of the batch can succeed.
func fatal(err error) bool {
	return errors.Is(err, reviewer.ErrForbidden) || errors.Is(err, reviewer.ErrRateLimited) ||
		errors.Is(err, reviewer.ErrNotFound) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded)
}

func (c *Client) createDraft(ctx context.Context, ch reviewer.Change, body string, pos *gl.PositionOptions) error {
	opt := &gl.CreateDraftNoteOptions{Note: gl.Ptr(body), Position: pos}
	return c.call(ctx, false, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		_, r, err := c.api.DraftNotes.CreateDraftNote(ch.Repo, int64(ch.Number), opt, o...)
		return r, err
	})
}

func (c *Client) createDiscussion(ctx context.Context, ch reviewer.Change, body string, pos *gl.PositionOptions) error {
	opt := &gl.CreateMergeRequestDiscussionOptions{Body: gl.Ptr(body), Position: pos}
	return c.call(ctx, false, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		_, r, err := c.api.Discussions.CreateMergeRequestDiscussion(ch.Repo, int64(ch.Number), opt, o...)
		return r, err
	})
}

// publish publishes the bot's drafts on the change at once, when it made any. Publishing
// again is harmless, so a 5xx is retried.
func (c *Client) publish(ctx context.Context, ch reviewer.Change, drafted int) error {
	if drafted == 0 {
		return nil
	}
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		return c.api.DraftNotes.PublishAllDraftNotes(ch.Repo, int64(ch.Number), o...)
	})
	if err != nil {
		return fmt.Errorf("publish %d draft notes: %w", drafted, err)
	}
	return nil
}
