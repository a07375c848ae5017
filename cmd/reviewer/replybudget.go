package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// Conversation in the bot's threads costs model tokens like a review does: an answer to a
// question, and the classification of a reply the rules could not read, are charged to
// the same daily budgets (review.budget.repo_tokens_per_day, author_tokens_per_day; the
// author is the change's, whose review the thread belongs to) and refused once one is
// spent.

// spentBudget returns the first of c's limited budgets that is spent today, or nil.
func (w *worker) spentBudget(ctx context.Context, c reviewer.Change) (*budget, error) {
	u := w.queue.Usage()
	day := u.Today()
	for _, b := range w.budgets(c) {
		if b.limit <= 0 {
			continue
		}
		spent, err := u.Spent(ctx, b.key, day)
		if err != nil {
			return nil, fmt.Errorf("read the budget %s: %w", b.setting, err)
		}
		if spent >= b.limit {
			return &b, nil
		}
	}
	return nil, nil
}

// replyBudget reads the change a thread belongs to and returns it with the first of its
// budgets that is spent today, or nil: what a model request for a reply is charged to.
func (w *worker) replyBudget(ctx context.Context, client forgeClient, change reviewer.Change) (reviewer.Change, *budget, error) {
	c, err := replyChange(ctx, client, change)
	if err != nil {
		return change, nil, err
	}
	spent, err := w.spentBudget(ctx, c)
	return c, spent, err
}

// replyChange reads the change a thread belongs to, for its author (the budgets are
// charged to it). A forge adapter that can not read a change leaves only the
// repository's budget.
func replyChange(ctx context.Context, client forgeClient, change reviewer.Change) (reviewer.Change, error) {
	cr, ok := client.(reviewer.ChangeReader)
	if !ok {
		return change, nil
	}
	c, err := cr.ReadChange(ctx, change)
	if err != nil {
		return change, fmt.Errorf("read the change: %w", err)
	}
	return c, nil
}

// chargeTokens counts tokens a reply's model request used against today's budgets of c.
// The request was made: a failure to count it is only logged.
func (w *worker) chargeTokens(ctx context.Context, c reviewer.Change, usage reviewer.TokenUsage, log *slog.Logger) {
	tokens := int64(usage.PromptTokens) + int64(usage.CompletionTokens)
	if tokens == 0 || c.Repo == "" {
		return
	}
	u := w.queue.Usage()
	var keys []string
	for _, b := range w.budgets(c) {
		keys = append(keys, b.key)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := u.Charge(ctx, u.Today(), tokens, keys...); err != nil {
		log.WarnContext(ctx, "could not charge the reply's tokens to the budgets", slog.String("error", err.Error()))
	}
}

// budgetSpentBody is the answer to a question asked while a budget is spent: it names
// the budget and when it resets.
func budgetSpentBody(b budget, today int64) string {
	reset := queue.DayStart(today + 1)
	return fmt.Sprintf("The daily token budget of %s is spent (`%s`): this question is not answered. "+
		"It resets at %s; ask again after that.", b.name, b.setting, reset.Format("15:04 MST on 2006-01-02"))
}

// sayBudgetSpent answers a question asked while a budget is spent, once per thread and
// day: the ledger of the budgets keeps that it was said (a key of its own, charged one),
// so that every replica knows, and the bot's own replies need not be read back.
func (w *worker) sayBudgetSpent(ctx context.Context, tr reviewer.ThreadReplier, change reviewer.Change, thread reviewer.PostedComment, b budget) error {
	u := w.queue.Usage()
	day := u.Today()
	key := "said:budget_spent:" + change.Forge + ":" + strings.ToLower(change.Repo) + ":" + thread.ID
	said, err := u.Spent(ctx, key, day)
	if err != nil || said > 0 {
		return err
	}
	if err := tr.ReplyInThread(ctx, change, thread, budgetSpentBody(b, day)); err != nil {
		return err
	}
	return u.Charge(ctx, day, 1, key)
}
