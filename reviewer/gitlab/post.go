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
// returned as rejected and the others go on. On an instance without draft notes (listing them
// or the first draft gets a 404) every comment becomes a diff discussion with the same
// position instead.
//
// The SHAs of the positions are those of the diff version ReadChange read, and the line
// numbers of the other side come from the diff DiffWithGaps parsed; either is read again when
// this client has not seen the change yet.
//
// Before the first draft, the bot's stale drafts (those of an earlier run that stopped
// before its publish) are deleted, so that the publish does not post them a second time; see
// deleteStaleDrafts. A 404 on that listing shows the instance has no draft notes.
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
		placed   []placedComment
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
		placed = append(placed, placedComment{cm, pos})
	}
	if len(placed) == 0 {
		return rejected, nil
	}
	// drafts stays true until listing them or the first draft says the instance has none.
	drafts, err := c.deleteStaleDrafts(ctx, ch)
	if err != nil {
		return rejected, fmt.Errorf("post: %w", err)
	}
	var (
		errs    []error
		drafted int
	)
	for _, p := range placed {
		cm, pos := p.comment, p.pos
		var err error
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

// placedComment is a comment with the position GitLab's diff gives it.
type placedComment struct {
	comment reviewer.Comment
	pos     *gl.PositionOptions
}

// deleteStaleDrafts deletes the drafts the bot left on the change: a run that stopped
// between its first draft and its publish (a crash, a fatal error, a cancelled context)
// leaves them pending, and the bulk publish of the next run would post them beside that
// run's own, as duplicates. A draft is the bot's when its note carries a fingerprint marker;
// GitLab shows a user only their own drafts, so every draft listed is the token user's.
//
// Drafts without a marker are left alone: they belong to a person who shares the bot's
// token. The bulk publish that ends Post still publishes them, since it publishes all of the
// user's drafts on the change; a warning says so. Deleting a draft that is already gone
// (404: published or deleted meanwhile) is not an error.
//
// It reports false, and no error, when the instance has no draft notes (the listing is a
// 404).
//
// GitLab API: https://docs.gitlab.com/api/draft_notes/#list-all-merge-request-draft-notes and
// https://docs.gitlab.com/api/draft_notes/#delete-a-draft-note
func (c *Client) deleteStaleDrafts(ctx context.Context, ch reviewer.Change) (bool, error) {
	var stale []int64
	others := 0
	opt := &gl.ListDraftNotesOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	err := c.pages(ctx, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		page, r, err := c.api.DraftNotes.ListDraftNotes(ch.Repo, int64(ch.Number), opt, o...)
		for _, d := range page {
			if _, ok := reviewer.ParseMarker(d.Note); ok {
				stale = append(stale, d.ID)
			} else {
				others++
			}
		}
		return r, err
	})
	if errors.Is(err, reviewer.ErrNotFound) {
		c.log.DebugContext(ctx, "gitlab instance has no draft notes, posting discussions")
		return false, nil
	}
	if err != nil {
		return true, fmt.Errorf("list draft notes: %w", err)
	}
	if others > 0 {
		c.log.WarnContext(ctx, "the gitlab user has draft notes that are not the bot's; the bulk publish will publish them too",
			"repo", ch.Repo, "change", ch.Number, "drafts", others)
	}
	for _, id := range stale {
		err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			return c.api.DraftNotes.DeleteDraftNote(ch.Repo, int64(ch.Number), id, o...)
		})
		if err != nil && !errors.Is(err, reviewer.ErrNotFound) {
			return true, fmt.Errorf("delete stale draft note %d: %w", id, err)
		}
	}
	if len(stale) > 0 {
		c.log.DebugContext(ctx, "deleted the bot's stale draft notes", "drafts", len(stale))
	}
	return true, nil
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
