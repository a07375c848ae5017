package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

// StatusName is the name of the bot's commit status.
const StatusName = "reviewer"

// maxDescription is the longest status description GitLab stores.
const maxDescription = 255

// SetStatus sets the bot's commit status on the change's head. GitLab has no "error"
// state: an error is "failed" with a description saying so.
//
// GitLab API: https://docs.gitlab.com/api/commits/#set-the-pipeline-status-of-a-commit
func (c *Client) SetStatus(ctx context.Context, ch reviewer.Change, state reviewer.StatusState, description string) error {
	if err := checkChange(ch); err != nil {
		return err
	}
	if ch.HeadSHA == "" {
		return errors.New("set status: change has no head commit")
	}
	var st gl.BuildStateValue
	switch state {
	case reviewer.StatusPending:
		st = gl.Pending
	case reviewer.StatusSuccess:
		st = gl.Success
	case reviewer.StatusFailure:
		st = gl.Failed
	case reviewer.StatusError:
		st = gl.Failed
		if description == "" {
			description = "the review could not complete"
		}
		if !strings.HasPrefix(strings.ToLower(description), "error") {
			description = "error: " + description
		}
	default:
		return fmt.Errorf("set status: unknown state %q", state)
	}
	opt := &gl.SetCommitStatusOptions{State: st, Name: gl.Ptr(StatusName)}
	if description != "" {
		opt.Description = gl.Ptr(truncate(description, maxDescription))
	}
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		_, r, err := c.api.Commits.SetCommitStatus(ch.Repo, ch.HeadSHA, opt, o...)
		return r, err
	})
	// GitLab refuses to set a status to the state it already has ("Cannot transition
	// status via :run from :running"): the status is what was asked for.
	if isStatus(err, http.StatusBadRequest) && strings.Contains(err.Error(), "Cannot transition status") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("set commit status: %w", err)
	}
	return nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
