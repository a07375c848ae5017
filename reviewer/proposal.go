package reviewer

import "context"

// ProposalWriter is what `reviewer learn` needs of a forge to propose edits of a
// repository's rules files: a branch of its own with one commit on the default branch,
// and a pull or merge request from it that people review. Nothing here merges.
type ProposalWriter interface {
	TreeReader
	// DefaultBranch returns the repository's default branch and the commit at its head.
	DefaultBranch(ctx context.Context, repo string) (branch, sha string, err error)
	// PushBranch makes branch point at one new commit whose parent is base, with files
	// (path -> content) changed from base's tree, creating the branch or moving it there
	// whatever it held (a force push): the branch always says base plus the edit. When
	// the branch already says exactly that, nothing is written.
	PushBranch(ctx context.Context, repo, base, branch, message string, files map[string][]byte) (sha string, err error)
	// OpenProposal opens a pull or merge request from branch into target with title and
	// body, or, when one from branch is open, edits its title and body if they differ. It returns the
	// request's web URL and what was done.
	OpenProposal(ctx context.Context, repo, branch, target, title, body string) (url string, done ProposalState, err error)
}

// ProposalState is what OpenProposal did.
type ProposalState int

const (
	// ProposalUnchanged means the open request already said that.
	ProposalUnchanged ProposalState = iota
	// ProposalOpened means a request was opened.
	ProposalOpened
	// ProposalUpdated means the open request's title or body was edited.
	ProposalUpdated
)

func (s ProposalState) String() string {
	switch s {
	case ProposalOpened:
		return "opened"
	case ProposalUpdated:
		return "updated"
	}
	return "unchanged"
}
