package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// queueDismissals are the dismissals `reviewer serve` recorded in its queue database.
type queueDismissals struct{ q *queue.Queue }

func (s queueDismissals) Dismissed(ctx context.Context, c reviewer.Change, _ []reviewer.PostedComment) ([]reviewer.Dismissal, error) {
	ds, err := s.q.Dismissals(ctx, queue.DismissalFilter{Forge: c.Forge, Repo: c.Repo, Change: c.Number})
	if err != nil {
		return nil, err
	}
	out := make([]reviewer.Dismissal, 0, len(ds))
	for _, d := range ds {
		out = append(out, reviewer.Dismissal{Fingerprint: d.Fingerprint, RuleID: d.RuleID, Who: d.Who, At: d.At})
	}
	return out, nil
}

// threadDismissals read dismissals where no webhook brought them (`reviewer ci`,
// `review --post`): from the replies in the bot's threads, by the same rules as the
// service (ReadReply, then the forge's word that the person may change the code). A
// dismissed GitLab thread is resolved; GitHub's threads are left for people to resolve.
type threadDismissals struct {
	forge reviewer.Poster
	cls   reviewer.ReplyClassifier
	red   *redact.Redactor
	log   *slog.Logger
	// model and price are what cls asks and costs, for the review's usage.
	model string
	price reviewer.Price

	spent reviewer.Usage
}

var _ reviewer.DismissalSpender = (*threadDismissals)(nil)

// Spent implements reviewer.DismissalSpender: the requests the replies cost the model.
func (s *threadDismissals) Spent() reviewer.Usage { return s.spent }

func (s *threadDismissals) Dismissed(ctx context.Context, c reviewer.Change, existing []reviewer.PostedComment) ([]reviewer.Dismissal, error) {
	var out []reviewer.Dismissal
	rc, ok := s.forge.(reviewer.RequestChecker)
	if !ok {
		return out, nil
	}
	// Who may dismiss is asked before the reply is read, once per person: a reply by
	// anyone else is not worth a model request, and anyone who can comment can post many.
	mayDismiss := map[string]bool{}
	for _, e := range existing {
		for _, r := range e.Replies {
			if r.AuthorBot {
				continue
			}
			key := strings.ToLower(r.Author.Login) + "\x00" + strconv.FormatInt(r.Author.ID, 10)
			may, asked := mayDismiss[key]
			if !asked {
				var err error
				if may, err = rc.MayRequestReview(ctx, c, r.Author); err != nil {
					return nil, fmt.Errorf("may %s dismiss: %w", r.Author.Login, err)
				}
				mayDismiss[key] = may
			}
			if !may {
				continue
			}
			// Each run reads every reply again: the model is asked only of the replies of
			// open threads, so a resolved thread's replies cost nothing run after run.
			cls := s.cls
			if e.Resolved {
				cls = nil
			}
			intent, used, err := reviewer.ReadReply(ctx, threadFinding(e), r.Body, cls, s.red)
			if used != (reviewer.TokenUsage{}) {
				s.spent.Requests++
				s.spent.PromptTokens += used.PromptTokens
				s.spent.CompletionTokens += used.CompletionTokens
				s.spent.CachedTokens += used.CachedTokens
				s.spent.CostUSD += s.price.Cost(used)
				s.spent.Model = s.model
			}
			if err != nil {
				// The reply is read again at the next run; this one goes on without it.
				s.log.WarnContext(ctx, "reply not read", slog.String("thread", e.ID), slog.String("error", err.Error()))
				continue
			}
			if intent != reviewer.IntentDismiss {
				continue
			}
			// The forge's reply carries no time the adapters read: At stays zero.
			out = append(out, reviewer.Dismissal{Fingerprint: e.Fingerprint, RuleID: e.RuleID, Who: r.Author.Login})
			if res, ok := s.forge.(reviewer.Resolver); ok && c.Forge == "gitlab" && !e.Resolved {
				if err := res.Resolve(ctx, c, e); err != nil {
					return nil, fmt.Errorf("resolve dismissed thread %s: %w", e.ID, err)
				}
			}
			break
		}
	}
	return out, nil
}

func dismissalsCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dismissals",
		Short: "Export the findings people dismissed in the bot's threads",
		Long: `Print the dismissals reviewer serve recorded in its queue database (queue.url):
forge, repository, change, fingerprint, rule, who, their words, when, and whether
they count as evidence for learning (not when the change's author said it).

On SQLite the database serves one process: stop reviewer serve first, or use PostgreSQL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return dismissals(cmd.Context(), cmd, e)
		},
	}
	fl := cmd.Flags()
	fl.String("queue-url", "", "sqlite:///path/reviewer.db or postgres://... (queue.url)")
	fl.String("format", "json", "output format: json")
	fl.String("repo", "", "only this repository's")
	return cmd
}

func dismissals(ctx context.Context, cmd *cobra.Command, e env) error {
	c, err := config(cmd, e, migrateBind)
	if err != nil {
		return err
	}
	if f, _ := cmd.Flags().GetString("format"); f != "json" {
		return usageError(fmt.Errorf("--format %q: only json is supported", f))
	}
	repo, _ := cmd.Flags().GetString("repo")
	q, err := queue.Open(ctx, c.Queue.URL, queue.Options{CheckSchema: true, Logger: newLogger(e.stderr, c.Log.Level)})
	if err != nil {
		return usageError(fmt.Errorf("queue.url: %w", err))
	}
	defer q.Close()
	ds, err := q.Dismissals(ctx, queue.DismissalFilter{Repo: repo})
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []queue.Dismissal{}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(ds)
}
