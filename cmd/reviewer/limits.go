package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/markdown"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// The values of review.outsiders: how reviewer serve treats a change from a fork or a
// newcomer (reviewer.Change.Outsider).
const (
	outsidersAuto      = "auto"
	outsidersOnRequest = "on_request"
	outsidersNever     = "never"
)

// errRefused marks a review a limit turned down; the refusal has been said on the change,
// unless the error is errUnsaid too.
var (
	errRefused = errors.New("refused by a limit")
	errUnsaid  = errors.New("telling the change failed")
)

// requested reports whether a job was asked for with a command comment, whose writer must
// be allowed to ask: a GitHub issue_comment or a GitLab note.
func requested(job queue.Job) bool {
	return job.SenderID != 0 || strings.HasPrefix(job.Event, "note.") || strings.HasPrefix(job.Event, "issue_comment.")
}

// mayRequest asks the forge whether the job's requester may ask for a review: write
// access on GitHub, the Developer role on GitLab. A forge that can not say refuses.
func mayRequest(ctx context.Context, client forgeClient, change reviewer.Change, job queue.Job) error {
	rc, ok := client.(reviewer.RequestChecker)
	if !ok {
		return errNotAllowed
	}
	may, err := rc.MayRequestReview(ctx, change, reviewer.User{ID: job.SenderID, Login: job.Sender})
	if err != nil {
		return fmt.Errorf("may %s ask for a review: %w", job.Sender, err)
	}
	if !may {
		return errNotAllowed
	}
	return nil
}

// limited reports whether any limit needs the change read before the review.
func (w *worker) limited() bool {
	b := w.c.Review.Budget
	return w.c.Review.Outsiders != outsidersAuto || b.RepoTokensPerDay > 0 || b.AuthorTokensPerDay > 0
}

// admit reads the change and checks it against the operator's limits: who may be reviewed
// without asking, and today's token budgets. A refusal is said on the change (once per
// head) and returned as errRefused: it is not retried, and a later push or /review asks
// again. It returns the change as read, which the review then starts from.
func (w *worker) admit(ctx context.Context, client forgeClient, job queue.Job, change reviewer.Change) (reviewer.Change, error) {
	cr, ok := client.(reviewer.ChangeReader)
	if !ok {
		return change, fmt.Errorf("%w: the forge adapter can not read a change, which review.outsiders and review.budget need", errConfig)
	}
	c, err := cr.ReadChange(ctx, change)
	if err != nil {
		return change, fmt.Errorf("read change: %w", err)
	}
	r, err := w.refusal(ctx, job, c)
	if err != nil || r == nil {
		return c, err
	}
	if err := reviewer.ReportRefusal(ctx, client, c, *r, w.seal); err != nil {
		return c, fmt.Errorf("%w: %s (%w: %w)", errRefused, r.Status, errUnsaid, err)
	}
	return c, fmt.Errorf("%w: %s", errRefused, r.Status)
}

// refusal returns what to say when c may not be reviewed now, or nil.
func (w *worker) refusal(ctx context.Context, job queue.Job, c reviewer.Change) (*reviewer.Refusal, error) {
	if c.Outsider() {
		who := outsiderOf(c)
		switch {
		case w.c.Review.Outsiders == outsidersNever:
			return &reviewer.Refusal{
				Reason: fmt.Sprintf("It %s, and this service does not review such changes (`review.outsiders` is `never`).", who),
				Status: "not reviewed: changes from forks and first-time contributors are not reviewed here",
				State:  reviewer.StatusError,
			}, nil
		case w.c.Review.Outsiders == outsidersOnRequest && !requested(job):
			return &reviewer.Refusal{
				Reason: fmt.Sprintf("It %s, which is reviewed only when someone with write access to the repository asks: "+
					"comment `%s` to have this head reviewed.", who, reviewCommand),
				Status: "not reviewed yet: someone with write access may comment " + reviewCommand,
				State:  reviewer.StatusPending,
			}, nil
		}
	}
	return w.overBudget(ctx, c)
}

// reviewCommand is the comment that asks for a review (the intake's default command).
const reviewCommand = "/review"

func outsiderOf(c reviewer.Change) string {
	switch {
	case c.Fork && c.Newcomer:
		return "comes from a fork, by a first-time contributor"
	case c.Fork:
		return "comes from a fork"
	}
	return "is by a first-time contributor"
}

// budget is one daily token budget a review is charged to.
type budget struct {
	key, name, setting string
	limit              int64
}

// budgets are the budgets a review of c is charged to, limited or not: usage is counted
// either way, so that a budget set later starts from what was spent that day.
func (w *worker) budgets(c reviewer.Change) []budget {
	b := []budget{{key: "repo:" + c.Forge + ":" + strings.ToLower(c.Repo), name: "this repository",
		setting: "review.budget.repo_tokens_per_day", limit: w.c.Review.Budget.RepoTokensPerDay}}
	if c.Author != "" {
		b = append(b, budget{key: "author:" + c.Forge + ":" + strings.ToLower(c.Author), name: "the author " + markdown.Code(c.Author),
			setting: "review.budget.author_tokens_per_day", limit: w.c.Review.Budget.AuthorTokensPerDay})
	}
	return b
}

// overBudget checks today's budgets before a review starts. A review that starts under
// its budgets runs to the end, whatever it costs: what it spends past them is charged,
// and refuses the next one.
func (w *worker) overBudget(ctx context.Context, c reviewer.Change) (*reviewer.Refusal, error) {
	u := w.queue.Usage()
	day := u.Today()
	for _, b := range w.budgets(c) {
		if b.limit <= 0 {
			continue
		}
		spent, err := u.Spent(ctx, b.key, day)
		if err != nil {
			return nil, err
		}
		if spent < b.limit {
			continue
		}
		reset := queue.DayStart(day + 1)
		return &reviewer.Refusal{
			Reason: fmt.Sprintf("The daily token budget of %s is spent: %d of %d tokens used today (`%s`). "+
				"It resets at %s; the review is not retried by itself: after that, push a commit or comment `%s`.",
				b.name, spent, b.limit, b.setting, reset.Format("15:04 MST on 2006-01-02"), reviewCommand),
			Status: fmt.Sprintf("not reviewed: daily token budget of %s spent; resets %s", strings.ReplaceAll(b.name, "`", ""),
				reset.Format("2006-01-02 15:04 MST")),
			State: reviewer.StatusError,
		}, nil
	}
	return nil, nil
}

// charge counts the tokens a review really used (prompt and completion; cache hits cost
// nothing) against today's budgets of its repository and author. A review that failed
// without a result (res is empty) charges nothing. The review is over: a failure is
// only logged.
func (w *worker) charge(ctx context.Context, res *reviewer.Result, log *slog.Logger) {
	tokens := int64(res.Usage.PromptTokens) + int64(res.Usage.CompletionTokens)
	if tokens == 0 || res.Change.Repo == "" {
		return
	}
	u := w.queue.Usage()
	keys := []string{}
	for _, b := range w.budgets(res.Change) {
		keys = append(keys, b.key)
	}
	// The charge must land even when the job's own time ran out.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := u.Charge(ctx, u.Today(), tokens, keys...); err != nil {
		log.WarnContext(ctx, "could not charge the review's tokens to the budgets", slog.String("error", err.Error()))
	}
}
