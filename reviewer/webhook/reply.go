package webhook

import (
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// Replies in the bot's threads. A delivery names the thread a comment is in, but not who
// started it: the intake queues a reply job for any person's reply in a review thread,
// and the worker asks the forge whether the thread's first comment is the bot's (its
// author, and the fingerprint marker only the bot writes) before it reads the reply.
// Replies by bots, the bot included, are never queued: two bots could otherwise talk
// to each other for ever.

// githubReply queues a pull_request_review_comment that answers another: in_reply_to_id
// is set only on replies, and always names the thread's first comment.
func (s *Server) githubReply(ctx context.Context, d *delivery, ev *githubEvent) (reply, error) {
	c := ev.Comment
	j := queue.Job{
		Forge:          forgeGitHub,
		Repo:           ev.Repository.FullName,
		InstallationID: ev.Installation.ID,
		Number:         ev.PullRequest.Number,
		HeadSHA:        ev.PullRequest.Head.SHA,
		Event:          "pull_request_review_comment." + ev.Action,
		Sender:         c.User.Login,
		SenderID:       c.User.ID,
	}
	d.describe(j)
	switch {
	case ev.Action != "created":
		return ignore("pull_request_review_comment action %q is not a new reply", ev.Action), nil
	case c.InReplyTo == 0:
		return ignore("review comment starts a thread; only replies in the bot's threads are read"), nil
	case s.isSelf(c.User.Login) || s.isSelf(ev.Sender.Login):
		return ignore("comment by the bot itself"), nil
	case githubBot(c.User) || githubBot(ev.Sender):
		return ignore("commenter %s is a bot", c.User.Login), nil
	case c.ID == 0:
		return reply{}, badRequest("payload lacks the comment id", nil)
	}
	j.Reply = &queue.Reply{
		CommentID: c.ID,
		Thread:    strconv.FormatInt(c.InReplyTo, 10),
		Body:      clip(c.Body, queue.MaxReplyBody),
		AuthorID:  c.User.ID,
		Author:    c.User.Login,
	}
	// A reply is read at whatever head the change has: the head is kept only for logs.
	if !validSHA(j.HeadSHA) {
		j.HeadSHA = ""
	}
	if err := checkJob(j, false); err != nil {
		return reply{}, err
	}
	trusted := writeAssociations[c.AuthorAssociation] || c.User.ID != 0 && c.User.ID == ev.PullRequest.User.ID
	if ok, which := s.replies.allow(j, trusted); !ok {
		return limited(which), nil
	}
	return s.enqueue(ctx, d, j)
}

// gitlabReply queues a note in a merge request's discussion that is not a command. It is
// called by gitlabNote once the note is known to be a person's, on an open merge request,
// not a system note; j is the note's job. Which discussion is the bot's, GitLab's payload
// does not say: the worker asks.
func (s *Server) gitlabReply(ctx context.Context, d *delivery, ev *gitlabEvent, j queue.Job) (reply, error) {
	note := &ev.ObjectAttributes
	switch {
	case gitlabBot(ev.User.Username):
		return ignore("user %s is a bot", ev.User.Username), nil
	case ev.MergeRequest == nil:
		return reply{}, badRequest("note payload has no merge_request", nil)
	case ev.MergeRequest.State != "" && ev.MergeRequest.State != "opened":
		return ignore("merge request is %s", ev.MergeRequest.State), nil
	case note.ID == 0:
		return reply{}, badRequest("note payload lacks the note id", nil)
	}
	j.Event = "note.reply"
	j.Reply = &queue.Reply{
		CommentID: note.ID,
		Thread:    note.DiscussionID,
		Body:      clip(note.Note, queue.MaxReplyBody),
		AuthorID:  ev.User.ID,
		Author:    ev.User.Username,
	}
	if !validSHA(j.HeadSHA) {
		j.HeadSHA = ""
	}
	if err := checkJob(j, false); err != nil {
		return reply{}, err
	}
	// A note's payload says nothing of its writer's access: only the change's author is
	// known to be no stranger to it.
	trusted := ev.User.ID != 0 && ev.User.ID == ev.MergeRequest.AuthorID
	if ok, which := s.replies.allow(j, trusted); !ok {
		return limited(which), nil
	}
	return s.enqueue(ctx, d, j)
}

// clip cuts s to at most n bytes, at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
