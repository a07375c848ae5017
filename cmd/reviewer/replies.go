package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/markdown"
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
	// The forge's own list of the thread's replies holds no comment of the bot's (the
	// adapter knows the bot by its token, whatever github.bot_login says) and marks other
	// bots: a reply that is not there, or is a bot's, is the bot's own answer coming back
	// as an event, or another bot's, and is never read, answered or taken as a dismissal.
	i := slices.IndexFunc(thread.Replies, func(r reviewer.ThreadReply) bool { return r.ID == job.Reply.CommentID })
	if i < 0 {
		// The forge's list may lag its webhook: a reply it does not list is looked for
		// once more, after the queue's backoff, before it is let go.
		if info, _ := queue.JobInfo(ctx); info.Attempt <= 1 {
			return fmt.Errorf("reply %d is not listed in thread %s yet", job.Reply.CommentID, job.Reply.Thread)
		}
	}
	if i < 0 || thread.Replies[i].AuthorBot {
		log.InfoContext(ctx, "reply ignored: it is the bot's own, or a bot's, or gone")
		return nil
	}
	if err := w.answerReply(ctx, client, change, job, *thread, log); err != nil {
		return err
	}
	log.InfoContext(ctx, "reply done")
	return nil
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
// the rules and, when they cannot tell, by the model, and acts on a dismissal.
func (w *worker) answerReply(ctx context.Context, client forgeClient, change reviewer.Change, job queue.Job, thread reviewer.PostedComment, log *slog.Logger) error {
	r := reviewer.ThreadReply{ID: job.Reply.CommentID, Author: reviewer.User{ID: job.Reply.AuthorID, Login: job.Reply.Author},
		Body: job.Reply.Body}
	cls, _ := w.base.Model.(reviewer.ReplyClassifier)
	if cls != nil && reviewer.ClassifyReply(r.Body) == reviewer.IntentUnknown {
		// The model would be asked: only for someone whose reply can change something
		// (the change's author, or a person who may change the code; anyone who can
		// comment may post many replies), charged, and not over budget.
		may, err := mayTalk(ctx, client, change, r.Author)
		if err != nil {
			return err
		}
		if !may {
			log.InfoContext(ctx, "reply not sent to the model: the person is neither the author nor may change the code")
			cls = nil
		} else {
			c, spent, err := w.replyBudget(ctx, client, change)
			if err != nil {
				return err
			}
			if spent != nil {
				log.InfoContext(ctx, "reply not sent to the model: the daily token budget is spent", slog.String("budget", spent.setting))
				cls = nil
			} else {
				change = c
			}
		}
	}
	intent, usage, err := reviewer.ReadReply(ctx, threadFinding(thread), r.Body, cls, w.base.Redactor)
	w.chargeTokens(ctx, change, usage, log)
	if err != nil {
		return fmt.Errorf("read the reply: %w", err)
	}
	w.metrics.replyRead(intent)
	log = log.With(slog.String("fingerprint", thread.Fingerprint), slog.String("intent", intent.String()))
	log.InfoContext(ctx, "reply in the bot's thread", slog.Int("prompt_tokens", usage.PromptTokens))
	switch intent {
	case reviewer.IntentDismiss:
		return dismiss(ctx, client, w.queue, w.metrics, change, thread, r, log)
	case reviewer.IntentQuestion:
		return w.answerQuestion(ctx, client, change, thread, r, log)
	}
	return nil
}

// answerQuestion answers a question in the bot's thread with one model request that sees
// the finding, the diff lines around it and the thread. Answers cost money: only the
// change's author and people who may change the code get one.
func (w *worker) answerQuestion(ctx context.Context, client forgeClient, change reviewer.Change, thread reviewer.PostedComment,
	r reviewer.ThreadReply, log *slog.Logger) error {
	qa, ok := w.base.Model.(reviewer.QuestionAnswerer)
	tr, canReply := client.(reviewer.ThreadReplier)
	if !ok || !canReply {
		log.InfoContext(ctx, "question not answered: no model, or the forge cannot reply in threads")
		return nil
	}
	may, err := mayTalk(ctx, client, change, r.Author)
	if err != nil {
		return err
	}
	if !may {
		log.InfoContext(ctx, "question not answered: the person is neither the author nor may change the code")
		return nil
	}
	c, spent, err := w.replyBudget(ctx, client, change)
	if err != nil {
		return err
	}
	if spent != nil {
		log.InfoContext(ctx, "question not answered: the daily token budget is spent", slog.String("budget", spent.setting))
		w.metrics.questionRefused()
		return w.sayBudgetSpent(ctx, tr, change, thread, *spent)
	}
	raw, err := client.Diff(ctx, change)
	if err != nil {
		return fmt.Errorf("read the diff: %w", err)
	}
	q := reviewer.Question{Finding: findingText(thread.Body), Code: reviewer.CodeAround(raw, thread.Path, thread.Line, w.base.Redactor), Question: r.Body}
	for _, earlier := range thread.Replies {
		if earlier.ID == r.ID {
			break
		}
		q.Thread = append(q.Thread, earlier.Author.Login+": "+earlier.Body)
	}
	body, usage, err := reviewer.AskQuestion(ctx, qa, q, w.base.Redactor)
	w.chargeTokens(ctx, c, usage, log)
	if err != nil {
		return fmt.Errorf("answer the question: %w", err)
	}
	if err := tr.ReplyInThread(ctx, change, thread, body); err != nil {
		return err
	}
	w.metrics.questionAnswered()
	log.InfoContext(ctx, "question answered", slog.Int("prompt_tokens", usage.PromptTokens),
		slog.Int("completion_tokens", usage.CompletionTokens))
	return nil
}

// mayTalk reports whether u is the change's author or may change the code.
func mayTalk(ctx context.Context, client forgeClient, change reviewer.Change, u reviewer.User) (bool, error) {
	if rc, ok := client.(reviewer.RequestChecker); ok {
		may, err := rc.MayRequestReview(ctx, change, u)
		if err != nil || may {
			return may, err
		}
	}
	if cr, ok := client.(reviewer.ChangeReader); ok {
		read, err := cr.ReadChange(ctx, change)
		if err != nil {
			return false, fmt.Errorf("read the change's author: %w", err)
		}
		return u.Login != "" && strings.EqualFold(read.Author, u.Login), nil
	}
	return false, nil
}

// findingText is the bot's comment without its hidden marker line.
func findingText(body string) string {
	body = strings.TrimRight(body, " \t\r\n")
	if i := strings.LastIndexByte(body, '\n'); i >= 0 && strings.HasPrefix(body[i+1:], "<!--") {
		return body[:i]
	}
	return body
}

// dismissalStore keeps dismissals: the queue's database.
type dismissalStore interface {
	Dismiss(ctx context.Context, d queue.Dismissal) error
}

// dismiss records a person's dismissal of the finding of thread, when they may change
// the code (the forge is asked: write access on GitHub, Developer or more on GitLab),
// and acknowledges it: GitLab's thread is resolved, GitHub's answered. The change's
// author may dismiss for their change, but their word does not teach the rules. Anyone
// else's dismissal changes nothing: no record, no answer that would invite more.
func dismiss(ctx context.Context, client forgeClient, store dismissalStore, m *serviceMetrics, change reviewer.Change, thread reviewer.PostedComment,
	r reviewer.ThreadReply, log *slog.Logger) error {
	if r.AuthorBot {
		return nil
	}
	rc, ok := client.(reviewer.RequestChecker)
	if !ok {
		log.InfoContext(ctx, "dismissal ignored: the forge cannot say who may change the code")
		return nil
	}
	may, err := rc.MayRequestReview(ctx, change, r.Author)
	if err != nil {
		return fmt.Errorf("may %s dismiss: %w", r.Author.Login, err)
	}
	if !may {
		m.dismissalRefused()
		log.InfoContext(ctx, "dismissal ignored: the person may not change the code", slog.String("sender", r.Author.Login))
		return nil
	}
	forLearning := true
	if cr, ok := client.(reviewer.ChangeReader); ok {
		read, err := cr.ReadChange(ctx, change)
		if err != nil {
			return fmt.Errorf("read the change's author: %w", err)
		}
		forLearning = !strings.EqualFold(read.Author, r.Author.Login)
	}
	if err := store.Dismiss(ctx, queue.Dismissal{Forge: change.Forge, Repo: change.Repo, Change: change.Number,
		Fingerprint: thread.Fingerprint, RuleID: thread.RuleID, Thread: thread.ID, Who: r.Author.Login, Words: r.Body,
		ForLearning: forLearning, Path: thread.Path, Line: thread.Line}); err != nil {
		return err
	}
	m.dismissed(thread.RuleID)
	log.InfoContext(ctx, "finding dismissed", slog.String("sender", r.Author.Login), slog.Bool("for_learning", forLearning))
	return acknowledge(ctx, client, change, thread, r)
}

// acknowledge tells the thread a dismissal was recorded: GitLab's is resolved; GitHub's
// gets an answer (its threads are resolved in the UI, by people).
func acknowledge(ctx context.Context, client forgeClient, change reviewer.Change, thread reviewer.PostedComment, r reviewer.ThreadReply) error {
	if change.Forge == "gitlab" {
		if res, ok := client.(reviewer.Resolver); ok && !thread.Resolved {
			return res.Resolve(ctx, change, thread)
		}
		return nil
	}
	tr, ok := client.(reviewer.ThreadReplier)
	if !ok {
		return nil
	}
	return tr.ReplyInThread(ctx, change, thread, dismissedBody(r.Author.Login))
}

// dismissedBody is the answer to a recorded dismissal.
func dismissedBody(who string) string {
	return "Dismissed by " + markdown.Code(who) + ": this finding will not be raised again on this change " +
		"and no longer counts against its status."
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
