package gitlab

import (
	"context"
	"fmt"
	"strconv"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

// FindSummary returns the bot's summary note on the change, found by its hidden marker
// among the notes the bot wrote, or nil.
//
// GitLab API: https://docs.gitlab.com/api/notes/#list-all-merge-request-notes
func (c *Client) FindSummary(ctx context.Context, ch reviewer.Change) (*reviewer.PostedSummary, error) {
	if err := checkChange(ch); err != nil {
		return nil, err
	}
	bot, err := c.botID(ctx)
	if err != nil {
		return nil, fmt.Errorf("find summary: %w", err)
	}
	var found *reviewer.PostedSummary
	opt := &gl.ListMergeRequestNotesOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	err = c.pages(ctx, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		page, r, err := c.api.Notes.ListMergeRequestNotes(ch.Repo, int64(ch.Number), opt, o...)
		for _, n := range page {
			if found != nil || n.System || n.Author.ID != bot {
				continue
			}
			if reviewer.IsSummary(n.Body) {
				found = &reviewer.PostedSummary{ID: strconv.FormatInt(n.ID, 10), Body: n.Body}
			}
		}
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("list merge request notes: %w", err)
	}
	return found, nil
}

// WriteSummary edits the summary note id, or creates one when id is "".
//
// GitLab API: https://docs.gitlab.com/api/notes/#create-new-merge-request-note and
// https://docs.gitlab.com/api/notes/#modify-existing-merge-request-note
func (c *Client) WriteSummary(ctx context.Context, ch reviewer.Change, id, body string) error {
	if err := checkChange(ch); err != nil {
		return err
	}
	if id == "" {
		opt := &gl.CreateMergeRequestNoteOptions{Body: gl.Ptr(body)}
		err := c.call(ctx, false, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			_, r, err := c.api.Notes.CreateMergeRequestNote(ch.Repo, int64(ch.Number), opt, o...)
			return r, err
		})
		if err != nil {
			return fmt.Errorf("create summary note: %w", err)
		}
		return nil
	}
	noteID, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("summary note id %q is not a GitLab note id", id)
	}
	opt := &gl.UpdateMergeRequestNoteOptions{Body: gl.Ptr(body)}
	err = c.call(ctx, true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		_, r, err := c.api.Notes.UpdateMergeRequestNote(ch.Repo, int64(ch.Number), noteID, opt, o...)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("edit summary note %d: %w", noteID, err)
	}
	return nil
}
