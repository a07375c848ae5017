package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

func migrateCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the service's queue database up to date, or list what that would apply",
		Long: `Apply the migrations the queue database (queue.url) lacks: River's, for its job tables,
then reviewer's own, each recorded in the database once applied. --dry-run lists them
and changes nothing.

reviewer serve applies them itself at start unless queue.migrate is check; run this
before starting a release with queue.migrate: check. On PostgreSQL it takes the same
lock as a starting replica, so it is safe while replicas start. A database migrated
by a newer release is refused: run that release.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return migrate(cmd.Context(), cmd, e)
		},
	}
	fl := cmd.Flags()
	fl.String("queue-url", "", "sqlite:///path/reviewer.db or postgres://... (queue.url)")
	fl.Bool("dry-run", false, "list the pending migrations without applying them")
	return cmd
}

var migrateBind = map[string]string{
	"queue.url": "queue-url",
}

func migrate(ctx context.Context, cmd *cobra.Command, e env) error {
	c, err := config(cmd, e, migrateBind)
	if err != nil {
		return err
	}
	dryRun, _ := cmd.Flags().GetBool("dry-run")
	steps, err := queue.Migrate(ctx, c.Queue.URL, queue.MigrateOptions{DryRun: dryRun, Logger: newLogger(e.stderr, c.Log.Level)})
	what := "applied"
	if dryRun {
		what = "pending"
	}
	for _, st := range steps {
		fmt.Fprintf(e.stdout, "%s %s\n", what, st)
	}
	if err != nil {
		return fmt.Errorf("queue.url: %w", err)
	}
	switch {
	case len(steps) == 0:
		fmt.Fprintf(e.stdout, "%s is up to date\n", queue.RedactURL(c.Queue.URL))
	case dryRun:
		fmt.Fprintf(e.stdout, "%s needs %d migration(s); run reviewer migrate to apply them\n", queue.RedactURL(c.Queue.URL), len(steps))
	default:
		fmt.Fprintf(e.stdout, "%s: %d migration(s) applied\n", queue.RedactURL(c.Queue.URL), len(steps))
	}
	return nil
}
