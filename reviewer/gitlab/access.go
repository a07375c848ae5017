package gitlab

import (
	"context"
	"errors"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

var _ reviewer.RequestChecker = (*Client)(nil)

// MayRequestReview reports whether the user is a member of the change's project, directly
// or through its groups, with at least the Developer role: the role that may push to the
// merge request. A user who is no member may not; nor may Guests and Reporters, who can
// comment but not change the code.
//
// GitLab API: https://docs.gitlab.com/api/members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members
func (c *Client) MayRequestReview(ctx context.Context, ch reviewer.Change, u reviewer.User) (bool, error) {
	userID := u.ID
	if err := checkChange(ch); err != nil {
		return false, err
	}
	if userID == 0 {
		return false, nil
	}
	var m *gl.ProjectMember
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		m, r, err = c.api.ProjectMembers.GetInheritedProjectMember(ch.Repo, userID, o...)
		return r, err
	})
	switch {
	case errors.Is(err, reviewer.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read project member %d: %w", userID, err)
	}
	return m.AccessLevel >= gl.DeveloperPermissions, nil
}
