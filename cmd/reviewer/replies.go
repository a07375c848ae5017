package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// handleReply reads a reply in a review thread (a job with Reply set). The intake queues
// any person's reply in a diff thread: the thread counts only when the forge says its
// first comment is the bot's, by the bot's identity and with the fingerprint marker only
// the bot writes (the adapter's ListComments checks both). A reply elsewhere is done
// with, not failed.
func (w *worker) handleReply(ctx context.Context, job queue.Job, log *slog.Logger) error {
	client, err := w.client(job)
	if err != nil {
		return queue.Permanent(err)
	}
	log = log.With(slog.Int64("reply_id", job.Reply.CommentID), slog.String("thread", job.Reply.Thread),
		slog.String("sender", job.Reply.Author))
	change := reviewer.Change{Forge: job.Forge, Repo: job.Repo, Number: job.Number}
	thread, err := botThread(ctx, client, change, job.Reply.Thread)
	if err != nil {
		return err
	}
	if thread == nil {
		log.InfoContext(ctx, "reply ignored: the thread is not the bot's")
		return nil
	}
	return w.answerReply(ctx, client, change, job, *thread, log)
}

// botThread returns the bot's thread with the given id on the change, or nil when the
// thread is not one of the bot's.
func botThread(ctx context.Context, client forgeClient, change reviewer.Change, id string) (*reviewer.PostedComment, error) {
	lister, ok := client.(reviewer.CommentLister)
	if !ok {
		return nil, queue.Permanent(fmt.Errorf("the %s adapter cannot list comments", change.Forge))
	}
	posted, err := lister.ListComments(ctx, change)
	if err != nil {
		return nil, fmt.Errorf("list the bot's comments: %w", err)
	}
	for i := range posted {
		if posted[i].ID == id {
			return &posted[i], nil
		}
	}
	return nil, nil
}

// answerReply acts on a reply in the bot's thread: it reads what the reply asks for, by
// the rules and, when they cannot tell, by the model.
func (w *worker) answerReply(ctx context.Context, _ forgeClient, _ reviewer.Change, job queue.Job, thread reviewer.PostedComment, log *slog.Logger) error {
	cls, _ := w.base.Model.(reviewer.ReplyClassifier)
	intent, usage, err := reviewer.ReadReply(ctx, threadFinding(thread), job.Reply.Body, cls, w.base.Redactor)
	if err != nil {
		return fmt.Errorf("read the reply: %w", err)
	}
	log.InfoContext(ctx, "reply in the bot's thread", slog.String("fingerprint", thread.Fingerprint),
		slog.String("intent", intent.String()), slog.Int("prompt_tokens", usage.PromptTokens))
	return nil
}

// threadFinding describes the bot's finding of a thread for the model, from what the
// adapter read of it.
func threadFinding(t reviewer.PostedComment) string {
	s := fmt.Sprintf("%s:%d", t.Path, t.Line)
	if t.HasSeverity {
		s += " " + t.Severity.String()
	}
	return s
}
