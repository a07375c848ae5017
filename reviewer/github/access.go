package github

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/reviewerbot/reviewer/reviewer"
)

var _ reviewer.RequestChecker = (*Client)(nil)

// loginPattern is what a GitHub login may look like: alphanumerics and single hyphens,
// plus the "[bot]" suffix of an App's bot user. The login goes into a URL path, and
// go-github does not escape it.
var loginPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$`)

// MayRequestReview reports whether the user has write access to the change's repository:
// the admin, maintain or write role (or a custom role built on write). GitHub reports the
// legacy base role in "permission", where maintain reads "write" and triage "read"; a user
// who is no collaborator reads "read" on a public repository and "none" otherwise. An
// organization member with read access only, whose comments carry author_association
// MEMBER, may not ask.
//
// GitHub API docs: https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user
func (cl *Client) MayRequestReview(ctx context.Context, c reviewer.Change, u reviewer.User) (bool, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return false, err
	}
	if !loginPattern.MatchString(u.Login) {
		return false, nil
	}
	level, _, err := cl.gh.Repositories.GetPermissionLevel(ctx, owner, name, u.Login)
	if err != nil {
		err = mapError(fmt.Sprintf("read %s's permission", u.Login), err)
		if errors.Is(err, reviewer.ErrNotFound) { // no such user
			return false, nil
		}
		return false, err
	}
	switch level.GetPermission() {
	case "admin", "write":
		return true, nil
	}
	return false, nil
}
