package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Compare returns the diff from commit from to commit to of the change's repository, for
// a review of only what a push added since an earlier review.
//
// GitHub's compare endpoint is three-dot: it diffs from the merge base of the two
// commits, which is exactly from..to only when from is an ancestor of to. After a
// force-push it is not, and GitHub would still answer, with a diff from the merge base
// that holds neither what changed nor what the earlier review saw. So the JSON
// comparison is asked first, for its status only ("ahead" or "identical" when from is an
// ancestor; per_page 1 keeps its commit list short), and then the diff media type: two
// requests, one when the commits are identical.
//
// It returns an error wrapping reviewer.ErrNotFound when from is not an ancestor of to,
// or either commit is unknown (404, or 422 when GitHub can not resolve it), and one
// wrapping reviewer.ErrTooLarge when GitHub answers 406 for a diff too large for it.
//
// GitHub API docs: https://docs.github.com/rest/commits/commits#compare-two-commits
func (cl *Client) Compare(ctx context.Context, c reviewer.Change, from, to string) ([]byte, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return nil, err
	}
	if from == "" || to == "" {
		return nil, errors.New("github: compare needs two commits")
	}
	op := fmt.Sprintf("compare %s...%s", short(from), short(to))
	cmp, _, err := cl.gh.Repositories.CompareCommits(ctx, owner, name, from, to, &github.ListOptions{PerPage: 1})
	if err != nil {
		return nil, compareError(op, err)
	}
	switch status := cmp.GetStatus(); status {
	case "identical":
		return []byte{}, nil
	case "ahead":
	default:
		return nil, fmt.Errorf("%s: %w: %s is not an ancestor of the head (force-push): status %q",
			op, reviewer.ErrNotFound, short(from), status)
	}
	raw, _, err := cl.gh.Repositories.CompareCommitsRaw(ctx, owner, name, from, to, github.RawOptions{Type: github.Diff})
	if err != nil {
		return nil, compareError(op, err)
	}
	return []byte(raw), nil
}

// compareError maps the compare endpoint's errors: 422 is GitHub's answer to a commit it
// can not resolve, and 406 to a diff over its limits (300 files or 20,000 lines).
func compareError(op string, err error) error {
	switch statusOf(err) {
	case http.StatusUnprocessableEntity:
		return fmt.Errorf("%s: %w: %w", op, reviewer.ErrNotFound, err)
	case http.StatusNotAcceptable:
		return fmt.Errorf("%s: %w: %w", op, reviewer.ErrTooLarge, err)
	}
	return mapError(op, err)
}

// short abbreviates a commit SHA for messages.
func short(sha string) string { return sha[:min(len(sha), 12)] }
