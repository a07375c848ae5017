package queue

import "fmt"

// Job asks for one review of one change at one head. It is what a webhook delivery turns
// into, and what a worker gets.
type Job struct {
	// Forge is "github" or "gitlab".
	Forge string `json:"forge"`
	// Repo is owner/name on GitHub, the project's full path on GitLab.
	Repo string `json:"repo"`
	// ProjectID is GitLab's numeric project id, when the delivery gave it.
	ProjectID int64 `json:"project_id,omitempty"`
	// InstallationID is the GitHub App installation that delivered the event, when any.
	InstallationID int64 `json:"installation_id,omitempty"`
	// Number is the pull or merge request's number (GitLab's iid).
	Number int `json:"number"`
	// HeadSHA is the head commit to review. It is empty when the delivery does not say
	// (a GitHub /review comment): the worker then reviews the head it finds.
	HeadSHA string `json:"head_sha,omitempty"`
	// DeliveryID is the forge's delivery id (X-GitHub-Delivery, X-Gitlab-Event-UUID);
	// a delivery seen before from the same forge is not queued again.
	DeliveryID string `json:"delivery_id,omitempty"`
	// Event says what asked for the review, as "pull_request.synchronize" or
	// "note./review", for logs and metrics.
	Event string `json:"event,omitempty"`
	// Sender is the login of whoever caused the event; SenderID their numeric id, where
	// the forge must be asked whether they may request a review (a /review comment or
	// note: GitHub is asked by login, GitLab by id).
	Sender   string `json:"sender,omitempty"`
	SenderID int64  `json:"sender_id,omitempty"`
	// Reply, when set, makes the job an answer to a reply in one of the bot's threads
	// rather than a review: it is queued as a job of its own kind (replyKind), beside
	// the change's reviews, neither superseding them nor superseded by them.
	Reply *Reply `json:"reply,omitempty"`
}

// Reply is a comment someone wrote in a thread the intake believes may be the bot's. The
// delivery cannot say whose thread it is: the worker asks the forge before it acts.
type Reply struct {
	// CommentID is the reply's id: GitHub's review comment id, GitLab's note id.
	CommentID int64 `json:"comment_id"`
	// Thread names the thread: on GitHub the id of the comment the reply answers
	// (in_reply_to_id, always the thread's first comment), on GitLab the discussion id.
	Thread string `json:"thread"`
	// Body is the reply's text, cut to MaxReplyBody bytes.
	Body string `json:"body"`
	// AuthorID and Author name who wrote it.
	AuthorID int64  `json:"author_id,omitempty"`
	Author   string `json:"author,omitempty"`
}

// MaxReplyBody bounds the text of a reply the queue stores: a reply is read for what it
// says, and a few kilobytes say it.
const MaxReplyBody = 4 << 10

// Change is the key of the change the job is about: jobs with the same Change and an
// older head are superseded by a newer one.
func (j Job) Change() string { return fmt.Sprintf("%s:%s!%d", j.Forge, j.Repo, j.Number) }

// String names the job in logs and errors.
func (j Job) String() string {
	head := j.HeadSHA
	if len(head) > 12 {
		head = head[:12]
	}
	if head == "" {
		head = "head"
	}
	return j.Change() + "@" + head
}
