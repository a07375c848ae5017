package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
)

// maxCommentsPerReview is how many comments one review request carries. GitHub
// documents no limit, but large reviews time out or trip secondary limits; 30 keeps
// each request small and the notifications few.
const maxCommentsPerReview = 30

// Post posts comments as reviews (event COMMENT, on c.HeadSHA) of at most 30 comments
// each, so people are notified once per 30 comments.
//
// GitHub refuses a whole review with 422 when one comment's line is not in the diff,
// and does not say which. Post then splits the batch in halves and posts each half as
// its own review, down to single comments; a single comment GitHub still refuses is
// returned as rejected with GitHub's reason. One bad comment in 30 costs about ten
// requests and leaves the good ones in a few reviews instead of one; the pipeline only
// posts on lines its own diff says are commentable, so this path is rare. A 422 about
// the commit (a head that is no longer part of the pull request) concerns every comment
// and fails the batch instead of being bisected.
//
// GitHub API docs: https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request
func (cl *Client) Post(ctx context.Context, c reviewer.Change, comments []reviewer.Comment) ([]reviewer.Rejected, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return nil, err
	}
	var (
		rejected []reviewer.Rejected
		errs     []error
	)
	for start := 0; start < len(comments); start += maxCommentsPerReview {
		batch := comments[start:min(start+maxCommentsPerReview, len(comments))]
		rej, err := cl.postBatch(ctx, owner, name, c, batch)
		rejected = append(rejected, rej...)
		if err == nil {
			continue
		}
		errs = append(errs, fmt.Errorf("post comments %d to %d of %d: %w", start+1, start+len(batch), len(comments), err))
		if errors.Is(err, reviewer.ErrRateLimited) || errors.Is(err, reviewer.ErrForbidden) ||
			errors.Is(err, reviewer.ErrNotFound) || ctx.Err() != nil {
			// The next batches would fail the same way; do not spend requests on them.
			if rest := len(comments) - start - len(batch); rest > 0 {
				errs = append(errs, fmt.Errorf("%d comments not posted", rest))
			}
			break
		}
	}
	return rejected, errors.Join(errs...)
}

// postBatch posts batch as one review, bisecting it on a 422 for a comment.
func (cl *Client) postBatch(ctx context.Context, owner, name string, c reviewer.Change, batch []reviewer.Comment) ([]reviewer.Rejected, error) {
	err := cl.createReview(ctx, owner, name, c, batch)
	if err == nil {
		return nil, nil
	}
	reason, ok := commentRejection(err)
	if !ok {
		return nil, mapError(fmt.Sprintf("create review on pull request %d", c.Number), err)
	}
	if len(batch) == 1 {
		return []reviewer.Rejected{{Comment: batch[0], Reason: reason}}, nil
	}
	mid := len(batch) / 2
	left, errLeft := cl.postBatch(ctx, owner, name, c, batch[:mid])
	right, errRight := cl.postBatch(ctx, owner, name, c, batch[mid:])
	return append(left, right...), errors.Join(errLeft, errRight)
}

func (cl *Client) createReview(ctx context.Context, owner, name string, c reviewer.Change, batch []reviewer.Comment) error {
	req := &github.PullRequestReviewRequest{
		// GitHub requires a body for a COMMENT review.
		Body:     github.String(reviewNote(c.HeadSHA, len(batch))),
		Event:    github.String("COMMENT"),
		Comments: make([]*github.DraftReviewComment, 0, len(batch)),
	}
	if c.HeadSHA != "" {
		req.CommitID = github.String(c.HeadSHA)
	}
	for _, cm := range batch {
		req.Comments = append(req.Comments, draftComment(cm))
	}
	_, _, err := cl.gh.PullRequests.CreateReview(ctx, owner, name, c.Number, req)
	return err
}

// draftComment places a comment by line and side: a range ends on line and starts on
// start_line, on the same side.
func draftComment(cm reviewer.Comment) *github.DraftReviewComment {
	f := cm.Finding
	side := "RIGHT"
	if f.Side == reviewer.SideOld {
		side = "LEFT"
	}
	d := &github.DraftReviewComment{
		Path: github.String(f.Path),
		Body: github.String(cm.Body),
		Line: github.Int(f.Line),
		Side: github.String(side),
	}
	if f.EndLine > f.Line {
		d.Line = github.Int(f.EndLine)
		d.StartLine = github.Int(f.Line)
		d.StartSide = github.String(side)
	}
	return d
}

func reviewNote(head string, n int) string {
	if len(head) > 12 {
		head = head[:12]
	}
	plural := "s"
	if n == 1 {
		plural = ""
	}
	if head == "" {
		return fmt.Sprintf("reviewer: %d comment%s", n, plural)
	}
	return fmt.Sprintf("reviewer: %d comment%s on %s", n, plural, head)
}

// commentRejection reports whether err is GitHub refusing a review for one of its
// comments (a 422 that does not concern the commit), and GitHub's reason.
func commentRejection(err error) (string, bool) {
	var respErr *github.ErrorResponse
	if !errors.As(err, &respErr) || respErr.Response == nil ||
		respErr.Response.StatusCode != http.StatusUnprocessableEntity {
		return "", false
	}
	parts := []string{}
	if respErr.Message != "" {
		parts = append(parts, respErr.Message)
	}
	for _, e := range respErr.Errors {
		switch {
		case e.Message != "":
			parts = append(parts, e.Message)
		case e.Field != "":
			parts = append(parts, e.Field+" "+e.Code)
		}
	}
	reason := strings.Join(parts, ": ")
	if strings.Contains(strings.ToLower(reason), "commit") {
		return reason, false
	}
	if reason == "" {
		reason = "unprocessable"
	}
	return "GitHub refused the comment: " + reason, true
}
