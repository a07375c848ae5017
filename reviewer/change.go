package reviewer

import (
	"context"
	"errors"

	"github.com/reviewerbot/reviewer/rules"
)

// Change is the change under review: a GitHub pull request, a GitLab merge request, or a
// local diff.
type Change struct {
	// Forge is "github", "gitlab" or "local".
	Forge string
	// Repo names the repository ("owner/name", a GitLab project path, or a local directory).
	Repo string
	// Number is the pull or merge request number; 0 for a local diff.
	Number int
	// BaseSHA is the commit the diff starts from; rules are read at this revision.
	BaseSHA string
	// HeadSHA is the commit under review; empty for uncommitted changes or a patch file.
	HeadSHA string
	// StartSHA is, on GitLab, the target branch commit the latest diff version starts
	// from; diff positions name it beside BaseSHA and HeadSHA.
	StartSHA string
	// BaseRef and HeadRef are the target and source branch names.
	BaseRef, HeadRef string
	// Draft is set for a draft pull request or merge request.
	Draft       bool
	Title       string
	Description string
	Author      string
	// Fork is set when the change's head lives in another repository than its base (a
	// fork, or on GitHub a head repository since deleted): its commits were pushed by
	// someone who need not have any access to the base repository.
	Fork bool
	// Newcomer is set when the forge says the author is neither a member nor a
	// collaborator of the repository and has not contributed to it before (GitHub's
	// author_association FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, NONE, or one it does not
	// know). GitLab does not say; there only forks tell.
	Newcomer bool
}

// Outsider reports whether the change comes from outside the repository's people: from a
// fork, or from a newcomer.
func (c Change) Outsider() bool { return c.Fork || c.Newcomer }

// Request asks for one review.
type Request struct {
	Change Change
	// Read says Change is already as the forge's ChangeReader returned it (the service
	// read it to check its limits), so the pipeline does not ask the forge again.
	Read bool
}

// DiffSource gets the unified diff of a change.
type DiffSource interface {
	Diff(ctx context.Context, c Change) ([]byte, error)
}

// RuleSource loads the rules a change is judged by, read from the change's base revision
// so that a change can neither switch off nor rewrite its own checks.
type RuleSource interface {
	Rules(ctx context.Context, c Change) (*rules.Set, error)
}

// ErrTooLarge reports a change or file beyond what the review accepts.
var ErrTooLarge = errors.New("change too large")
