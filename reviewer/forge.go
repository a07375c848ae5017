package reviewer

import (
	"context"
	"errors"
	"io/fs"

	"github.com/reviewerbot/reviewer/rules"
)

// The interfaces below are what the pipeline needs from a forge (GitHub, GitLab). An
// adapter implements them with its client library; the library's types never appear here.
// Optional abilities are separate interfaces that the publish step discovers with a type
// assertion.

// ChangeReader reads a change's metadata from its forge.
type ChangeReader interface {
	// ReadChange returns c with everything the forge knows filled in: title,
	// description, author, draft, base and head refs, and the SHAs the diff is taken
	// between (GitLab: the latest diff version's base, start and head commits).
	ReadChange(ctx context.Context, c Change) (Change, error)
}

// TreeReader reads files of the change's repository at a revision: the rules, settings
// and instructions files at the change's base. A DiffSource that is also a TreeReader
// gives the pipeline the base version of a file whose header, as the change has it, says
// generated: only the base may say so.
type TreeReader interface {
	// Tree returns the files under paths (files or directories, relative to the root) at
	// revision rev as a file system. Paths that do not exist are absent, not errors. An
	// empty rev is the head of a change without a head commit (a local review of
	// uncommitted changes): a reader with a work tree reads it, others fail.
	Tree(ctx context.Context, c Change, rev string, paths []string) (fs.FS, error)
}

// Comment is a finding as it is posted: where, and the Markdown body (with the hidden
// fingerprint marker).
type Comment struct {
	Finding Finding
	Body    string
}

// Rejected is a comment the forge refused (a line outside its diff, a position it does
// not accept); the summary lists it instead.
type Rejected struct {
	Comment Comment
	Reason  string
}

// Poster posts inline comments on a change.
type Poster interface {
	// Post posts comments in as few notifications as the forge allows: GitHub reviews of
	// at most 30 comments each, one GitLab bulk publish of draft notes. A comment the
	// forge rejects does not stop the others: it is returned in rejected, and err is for
	// failures of the whole batch.
	Post(ctx context.Context, c Change, comments []Comment) (rejected []Rejected, err error)
	// Suggestions says how the forge writes a committable suggestion.
	Suggestions() SuggestionStyle
}

// SuggestionStyle is a forge's syntax for committable suggestions.
type SuggestionStyle int

// The suggestion syntaxes.
const (
	// SuggestionGitHub is a ```suggestion block replacing the commented lines.
	SuggestionGitHub SuggestionStyle = iota
	// SuggestionGitLab is a ```suggestion:-N+M block, relative to the commented line.
	SuggestionGitLab
)

// PostedComment is an inline comment of the bot's already on the change.
type PostedComment struct {
	// ID identifies the comment to the adapter (for GitLab, the discussion).
	ID string
	// Fingerprint is read from the comment's hidden marker.
	Fingerprint string
	Path        string
	Line        int
	// Resolved is set when the thread is resolved (GitLab) or outdated (GitHub).
	Resolved bool
	// Severity is what the comment's marker records (ParseMarkerSeverity); HasSeverity
	// is false for comments whose marker does not say.
	Severity    rules.Severity
	HasSeverity bool
	// Replied is set when anyone but the bot answered in the thread.
	Replied bool
	// Body is the comment as the bot posted it; RuleID the rule it names
	// (ParseCommentRule).
	Body, RuleID string
	// Replies are the thread's other comments by anyone but the bot, oldest first.
	Replies []ThreadReply
}

// CommentLister lists the bot's inline comments on a change, all pages of them.
type CommentLister interface {
	ListComments(ctx context.Context, c Change) ([]PostedComment, error)
}

// PostedSummary is the bot's summary comment on a change.
type PostedSummary struct {
	ID   string
	Body string
}

// Summarizer finds and writes the one summary comment of a change.
type Summarizer interface {
	// FindSummary returns the bot's summary comment, found by its hidden marker, or nil.
	FindSummary(ctx context.Context, c Change) (*PostedSummary, error)
	// WriteSummary edits the summary with the given id, or creates it when id is "".
	WriteSummary(ctx context.Context, c Change, id, body string) error
}

// StatusState is a commit status.
type StatusState string

// The commit statuses.
const (
	StatusPending StatusState = "pending"
	StatusSuccess StatusState = "success"
	StatusFailure StatusState = "failure"
	StatusError   StatusState = "error"
)

// StatusSetter sets the bot's commit status on the change's head.
type StatusSetter interface {
	SetStatus(ctx context.Context, c Change, state StatusState, description string) error
}

// Resolver closes the bot's thread whose finding is gone (the code was fixed). It never
// deletes: a thread someone answered stays readable.
type Resolver interface {
	Resolve(ctx context.Context, c Change, p PostedComment) error
}

// HeadReader re-reads a change's head commit, so a review of a commit that is no longer
// the head publishes nothing.
type HeadReader interface {
	Head(ctx context.Context, c Change) (string, error)
}

// RequestChecker tells whether a user may ask the bot for a review of a change: reviews
// cost money, so only those who may change the code (write access to the repository) may
// ask. The event that asked says too little (GitLab notes carry no role; GitHub's
// author_association MEMBER includes read-only organization members), so the forge is
// asked.
type RequestChecker interface {
	MayRequestReview(ctx context.Context, c Change, u User) (bool, error)
}

// User is a forge account: its numeric id (GitLab asks by it) and its login (GitHub asks
// by it).
type User struct {
	ID    int64
	Login string
}

// CallCounter reports how many forge API requests an adapter has made so far.
type CallCounter interface {
	APICalls() int64
}

// Forge errors. Adapters map their client library's errors onto these with errors.As, so
// the core never sees the library's types.
var (
	ErrNotFound  = errors.New("not found on the forge")
	ErrForbidden = errors.New("forbidden by the forge")
)

// GapDiffSource is a DiffSource that can also say which files it could not give a patch
// for (GitHub lists, but does not diff, files too large for its API). The pipeline prefers
// it, and puts those files in the ledger as skipped with the reason given.
type GapDiffSource interface {
	DiffWithGaps(ctx context.Context, c Change) (diff []byte, gaps []FileCoverage, err error)
}

// Comparer gives the diff between two commits of a change's repository: from the head a
// previous review covered to the change's new head, so that only what changed since goes
// to the model. It returns an error wrapping ErrNotFound when from is no longer there (a
// force-push made it unreachable), and the pipeline then reviews the whole change.
type Comparer interface {
	Compare(ctx context.Context, c Change, from, to string) ([]byte, error)
}

// ThreadReply is a person's comment in one of the bot's threads.
type ThreadReply struct {
	// ID is the comment's (GitHub) or note's (GitLab) id.
	ID        int64
	Author    User
	Body      string
	AuthorBot bool
}

// ThreadReplier writes in one of the bot's threads: an answer to a question, the
// acknowledgement of a dismissal.
type ThreadReplier interface {
	ReplyInThread(ctx context.Context, c Change, p PostedComment, body string) error
}
